//go:build !linux

package callindex_test

import "time"

// processCPU and threadCPU are not measured here: the benchmarks' CPU
// figures read 0 off Linux.
func processCPU() time.Duration { return 0 }

func threadCPU() time.Duration { return 0 }
