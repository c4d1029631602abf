package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// sandboxSetup is what `cdrdash sandbox`'s flags ask for.
type sandboxSetup struct {
	addr   string
	opts   sandbox.Options
	faults sandbox.Faults
}

// parseSandboxFlags reads `cdrdash sandbox`'s flags.
func parseSandboxFlags(args []string, stderr io.Writer) (sandboxSetup, error) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	authID := fs.String("auth-id", "MA_SANDBOX", "accepted X-Auth-ID")
	token := fs.String("auth-token", "sandbox-token", "accepted X-Auth-Token")
	seed := fs.Int64("seed", sandbox.DefaultSeed, "seed of the synthetic data set")
	calls := fs.Int("calls", 100_000, "number of calls in the data set")
	days := fs.Int("days", 90, "days of history, up to now")
	strict := fs.Bool("strict-dates", false, "answer 400 to a lone start_date or end_date instead of ignoring it")
	liveRate := fs.Float64("live-rate", 0, "live traffic: new calls per minute, each served once it has ended (0: none)")
	late := fs.Int("late-cdrs", 0, "hold back N calls of every UTC day until an export of the day has completed (late CDRs)")
	update := fs.Int("update-after-export", 0, "after a day's first complete export, update N of its answered calls (cost, updated_at)")
	faults := sandbox.ParseFaultFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return sandboxSetup{}, errHelp
		}
		return sandboxSetup{}, err
	}
	switch {
	case *calls < 1 || *calls > 5_000_000:
		return sandboxSetup{}, fmt.Errorf("-calls must be between 1 and 5000000")
	case math.IsNaN(*liveRate) || *liveRate < 0 || *liveRate > sandbox.MaxLiveRate:
		return sandboxSetup{}, fmt.Errorf("-live-rate must be between 0 and %d calls per minute", sandbox.MaxLiveRate)
	case *late < 0 || *update < 0:
		return sandboxSetup{}, fmt.Errorf("-late-cdrs and -update-after-export must be 0 or more")
	}
	return sandboxSetup{
		addr: *addr,
		opts: sandbox.Options{Seed: *seed, Calls: *calls, Days: *days, AuthID: *authID, AuthToken: *token,
			StrictDates: *strict, LiveRate: *liveRate, LateCDRs: *late, UpdateAfterExport: *update},
		faults: faults(),
	}, nil
}

// serveSandbox serves the Vobiz-compatible sandbox API alone, so any Vobiz
// client (curl, an SDK, another cdrdash) can be pointed at it.
func serveSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	setup, err := parseSandboxFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	start := time.Now()
	sb := sandbox.New(setup.opts)
	sb.SetFaults(setup.faults)
	ln, err := net.Listen("tcp", setup.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", setup.addr, err)
	}
	o := sb.Options()
	fmt.Fprintf(stdout, "Vobiz sandbox: %d calls (seed %d, built in %s) on http://%s/api/v1/Account/%s/cdr\n",
		sb.Len(), o.Seed, time.Since(start).Round(time.Millisecond), ln.Addr(), o.AuthID)
	if o.LiveRate > 0 {
		fmt.Fprintf(stdout, "Live traffic: %g new calls per minute\n", o.LiveRate)
	}
	fmt.Fprintf(stdout, "Send headers X-Auth-ID: %s and X-Auth-Token: %s\n", o.AuthID, o.AuthToken)
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
