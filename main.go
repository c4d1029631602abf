// Command cdrdash is a self-hosted dashboard for Vobiz call detail records.
// Run "cdrdash help" for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// Time zones work in minimal container images without zoneinfo.
	_ "time/tzdata"

	"github.com/cdrdash/cdrdash/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
