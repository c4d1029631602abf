package callindex_test

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPU is the CPU time the process has used, all threads.
func processCPU() time.Duration { return clock(unix.CLOCK_PROCESS_CPUTIME_ID) }

// threadCPU is the CPU time of the calling thread. (getrusage's per-thread
// figure moves in scheduler ticks of 4 ms; this clock does not.)
func threadCPU() time.Duration { return clock(unix.CLOCK_THREAD_CPUTIME_ID) }

func clock(id int32) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
