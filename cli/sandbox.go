package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// serveSandbox serves the Vobiz-compatible sandbox API alone, so any Vobiz
// client (curl, an SDK, another cdrdash) can be pointed at it.
func serveSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	authID := fs.String("auth-id", "MA_SANDBOX", "accepted X-Auth-ID")
	token := fs.String("auth-token", "sandbox-token", "accepted X-Auth-Token")
	seed := fs.Int64("seed", sandbox.DefaultSeed, "seed of the synthetic data set")
	calls := fs.Int("calls", 100_000, "number of calls in the data set")
	days := fs.Int("days", 90, "days of history, up to now")
	strict := fs.Bool("strict-dates", false, "answer 400 to a lone start_date or end_date instead of ignoring it")
	faults := sandbox.ParseFaultFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return err
	}
	if *calls < 1 || *calls > 5_000_000 {
		return fmt.Errorf("-calls must be between 1 and 5000000")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	start := time.Now()
	sb := sandbox.New(sandbox.Options{Seed: *seed, Calls: *calls, Days: *days, AuthID: *authID,
		AuthToken: *token, StrictDates: *strict})
	sb.SetFaults(faults())
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "Vobiz sandbox: %d calls (seed %d, built in %s) on http://%s/api/v1/Account/%s/cdr\n",
		sb.Len(), *seed, time.Since(start).Round(time.Millisecond), ln.Addr(), *authID)
	fmt.Fprintf(stdout, "Send headers X-Auth-ID: %s and X-Auth-Token: %s\n", *authID, *token)
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}
