// Command profserve is cdrdash with profiling, for finding where the time
// goes under the load scenario: it runs the same commands as cdrdash and,
// when CDRDASH_CPUPROFILE names a file, writes a CPU profile of the whole
// run to it (and a heap profile to CDRDASH_MEMPROFILE at exit).
//
//	go build -o /tmp/profserve ./bench/profserve
//	CDRDASH_CPUPROFILE=/tmp/serve.prof go run ./bench/loadgen -bin /tmp/profserve -scenarios load
//	go tool pprof -top /tmp/profserve /tmp/serve.prof
//
// loadgen passes CDRDASH_CPUPROFILE through to the dashboard only.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	_ "time/tzdata"

	"github.com/cdrdash/cdrdash/cli"
)

func main() {
	var prof *os.File
	if path := os.Getenv("CDRDASH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		prof = f
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if prof != nil {
		pprof.StopCPUProfile()
		prof.Close()
	}
	if path := os.Getenv("CDRDASH_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			runtime.GC()
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	os.Exit(code)
}
