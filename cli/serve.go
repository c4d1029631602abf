package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/callsync"
	"github.com/cdrdash/cdrdash/config"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/metrics"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/static"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// serve runs the dashboard until ctx is cancelled (SIGINT/SIGTERM), then
// shuts down gracefully: running requests, exports included, get up to
// the shutdown timeout to finish.
func serve(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("serve", args, getenv, stdout)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	app, err := newApp(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.Close()

	srv := newHTTPServer(cfg, app.handler, log)
	scheme := "http"
	if cfg.TLS() {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s%s/", scheme, displayAddr(ln.Addr()), cfg.BasePath)
	fmt.Fprintf(stdout, "cdrdash %s listening on %s\n", Version, url)
	if app.demo {
		fmt.Fprintf(stdout, "Demo mode: synthetic calls from the built-in sandbox. Sign in as demo / demo.\n")
	}
	log.Info("listening", "url", url, "demo", app.demo, "version", Version)
	logMetricsPlacement(log, cfg)

	errc := make(chan error, 2)
	if cfg.MetricsAddr != "" {
		msrv := &http.Server{Handler: app.metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsAddr, err)
		}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics listening", "addr", mln.Addr().String())
	}
	go func() {
		if cfg.TLS() {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Deadline passed: cut what is still running. An export cut here is
		// aborted, never sent as a complete-looking file.
		log.Warn("shutdown deadline passed; closing remaining connections", "err", err)
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// Limits of the dashboard's own server (SECURITY.md, "Resource
// exhaustion"). A client must send its whole request head within
// readHeaderTimeout and its whole request within readTimeout, so slow
// clients (slow-loris) cannot hold connections; a request line plus
// headers over maxHeaderBytes is refused with 431.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// newHTTPServer is the http.Server serve runs h on.
func newHTTPServer(cfg *config.Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// app is everything serve builds, so tests can build it without a listener.
type app struct {
	handler http.Handler
	demo    bool
	db      *store.DB
	metrics *metrics.Metrics
	closers []func()
}

func (a *app) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

func newApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	a := &app{demo: cfg.DemoMode()}
	baseURL, authID, token, stop, err := vobizEndpoint(cfg, log)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, stop)
	// The metrics' session gauge needs the database, opened below; it is
	// only read at scrape time.
	var db *store.DB
	a.metrics = metrics.New(Version, func(ctx context.Context) (int64, error) {
		n, err := db.CountActiveSessions(ctx)
		return int64(n), err
	})
	client, err := vobiz.NewClient(baseURL, authID, token,
		vobiz.WithTimeout(cfg.VobizTimeout),
		vobiz.WithObserver(a.metrics.ObserveUpstream),
		vobiz.WithUserAgent("cdrdash/"+Version),
		vobiz.WithLogger(log))
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("vobiz client: %w", err)
	}
	assets, err := static.New(cfg.BasePath + "/static")
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("static assets: %w", err)
	}
	db, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.WithLogger(log), store.WithAuditRetention(cfg.AuditRetention))
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.closers = append(a.closers, func() { _ = db.Close() })
	a.db = db
	svc := auth.NewService(db, auth.WithLogger(log), auth.WithDemoMode(a.demo))
	if a.demo {
		if _, err := svc.EnsureDemoUser(ctx); errors.Is(err, auth.ErrNotDemoDatabase) {
			a.Close()
			return nil, fmt.Errorf("%w.\nDemo mode runs when no Vobiz credentials are set (or with CDRDASH_DEMO=true). "+
				"To serve this database, set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (and leave CDRDASH_DEMO unset); "+
				"to try the demo, give it a database of its own: an empty CDRDASH_DATA_DIR, or its own "+
				"CDRDASH_DATABASE_URL", err)
		} else if err != nil {
			a.Close()
			return nil, fmt.Errorf("demo user: %w", err)
		}
	} else if err := disableDemoUser(ctx, svc, log); err != nil {
		a.Close()
		return nil, err
	}
	sessions := auth.NewSessionManager(db, auth.SessionConfig{
		IdleTimeout: cfg.SessionIdle,
		Lifetime:    cfg.SessionLifetime,
		Secure:      cfg.CookieSecure || cfg.TLS(),
		Path:        cfg.BasePath + "/",
	})
	var ix *callindex.Index
	if cfg.Index {
		ix = callindex.New(db)
		if a.demo {
			// The sandbox generates its calls anew at every start (anchored
			// at the start time), so what an earlier run indexed is not its
			// data any more: start the index from scratch.
			if _, err := ix.DeleteBefore(ctx, time.Now().AddDate(0, 0, 2)); err != nil {
				a.Close()
				return nil, fmt.Errorf("reset the demo index: %w", err)
			}
		}
		a.startSync(ctx, callsync.New(ix, client, callsync.Options{Poll: cfg.IndexPoll, Days: cfg.IndexDays, Log: log,
			Recordings: client}))
	}
	h := handlers.New(handlers.Deps{
		CDRs:           client,
		Assets:         assets,
		Log:            log,
		BasePath:       cfg.BasePath,
		Demo:           a.demo,
		Version:        Version,
		Location:       cfg.Location(),
		PhoneRegion:    cfg.PhoneRegion,
		Thresholds:     qualityThresholds(cfg),
		Auth:           svc,
		Sessions:       sessions,
		Metrics:        a.metrics,
		MetricsToken:   cfg.MetricsToken,
		MetricsOff:     cfg.MetricsAddr != "",
		TrustedProxies: cfg.TrustedProxies,
		TLS:            cfg.TLS(),
		Ready:          readiness(db.Ping, recentCall(client)),
		Reports: report.New(client, report.Options{RowCap: int64(cfg.ReportRowCap), Index: ix, Log: log,
			OnCacheLookup: func(hit bool) { a.metrics.CacheLookup("report_days", hit) }}),
		Index: ix,
		// The same client lists and streams recordings: the sandbox's in
		// demo mode (docs/recordings.md).
		Recordings:      client,
		RecordingAccess: cfg.Recordings,
	})
	sessions.ErrorFunc = h.SessionError
	a.handler = h.Routes()
	return a, nil
}

// vobizEndpoint is where cdrdash reads calls: the configured Vobiz API,
// or, in demo mode, the built-in sandbox started on a loopback port (stop
// shuts it down; a no-op otherwise).
func vobizEndpoint(cfg *config.Config, log *slog.Logger) (baseURL, authID, token string, stop func(), err error) {
	if !cfg.DemoMode() {
		return cfg.VobizBaseURL, cfg.VobizAuthID, cfg.VobizAuthToken, func() {}, nil
	}
	sb := sandbox.New(sandbox.Options{Seed: cfg.SandboxSeed, Calls: cfg.SandboxCalls, LiveRate: cfg.SandboxLiveRate})
	if cfg.SandboxLatency > 0 {
		sb.SetFaults(sandbox.Faults{Latency: cfg.SandboxLatency})
	}
	url, stop, err := startLoopback(sb, log)
	if err != nil {
		return "", "", "", nil, fmt.Errorf("start demo sandbox: %w", err)
	}
	return url, sb.AuthID(), sb.AuthToken(), stop, nil
}

// startSync runs the index's sync in the background for the app's
// lifetime (demo mode included: it indexes the sandbox at start). Close
// stops it and waits, before the database and the sandbox close, and the
// sync gives its lease up so another replica takes over at once.
func (a *app) startSync(ctx context.Context, s *callsync.Syncer) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	a.closers = append(a.closers, func() {
		cancel()
		<-done
	})
}

// disableDemoUser closes demo mode's account (auth.IsDemoAccount) left in a
// database that demo mode used before: with real Vobiz credentials, demo /
// demo would open real call data to anyone who has read the README. The
// service refuses such accounts outside demo mode anyway (auth.WithDemoMode);
// disabling them also ends their sessions and shows in the users page and
// the audit trail. An account named demo whose password has been changed,
// and that demo mode did not mark, is someone's own and is left alone. When
// demo's account is the only admin, serve refuses to start rather than serve
// real data behind it.
func disableDemoUser(ctx context.Context, svc *auth.Service, log *slog.Logger) error {
	users, err := svc.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("check for the demo account: %w", err)
	}
	for i := range users {
		u := &users[i]
		if u.Disabled || !auth.IsDemoAccount(u) {
			continue
		}
		if err := svc.Disable(ctx, auth.SystemActor("serve"), u.ID); err != nil {
			if errors.Is(err, auth.ErrLastAdmin) {
				return fmt.Errorf("the database has demo mode's account (%s) as its only admin, and cdrdash "+
					"now reads real call data: add your own admin first (cdrdash user add NAME -role admin)",
					u.Username)
			}
			return fmt.Errorf("disable the demo account: %w", err)
		}
		log.Warn("disabled demo mode's account: cdrdash now reads real call data", "username", u.Username)
	}
	return nil
}

// startLoopback serves h on a random loopback port. Demo mode talks to its
// sandbox over real HTTP, so the client path is the same as in production.
func startLoopback(h http.Handler, log *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// upstreamProbeTTL is how long a readiness answer about Vobiz is reused, so
// load-balancer probes every few seconds do not become API traffic.
const upstreamProbeTTL = 30 * time.Second

// readinessTimeout bounds one probe, database and Vobiz together.
const readinessTimeout = 5 * time.Second

// readiness checks the database on every probe and Vobiz at most every
// upstreamProbeTTL: its answer, good or bad, is kept in an expirable.LRU of
// one entry. mu makes probes that arrive while Vobiz is being asked wait for
// that answer instead of asking again.
func readiness(pingDB, pingUpstream func(context.Context) error) func(context.Context) []handlers.Check {
	const key = "vobiz"
	var mu sync.Mutex
	upstream := expirable.NewLRU[string, handlers.Check](1, nil, upstreamProbeTTL)
	return func(ctx context.Context) []handlers.Check {
		ctx, cancel := context.WithTimeout(ctx, readinessTimeout)
		defer cancel()
		dbCheck := handlers.Check{Name: "database", OK: true}
		if err := pingDB(ctx); err != nil {
			dbCheck = handlers.Check{Name: "database", Detail: err.Error()}
		}
		mu.Lock()
		defer mu.Unlock()
		last, ok := upstream.Get(key)
		if !ok {
			last = handlers.Check{Name: key, OK: true}
			if err := pingUpstream(ctx); err != nil {
				last = handlers.Check{Name: key, Detail: err.Error()}
			}
			upstream.Add(key, last)
		}
		return []handlers.Check{dbCheck, last}
	}
}

// recentCall is the upstream half of readiness: the smallest request that
// proves the credentials and the API work.
func recentCall(client *vobiz.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := client.Recent(ctx, 1)
		return err
	}
}
