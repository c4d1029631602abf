package handlers_test

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// Harness additions for the fault matrix and the hostile-input tests. They
// live here rather than in app_test.go so the shared harness stays small.

// withUpstreamURL points the dashboard at base instead of the app's own
// sandbox: a closed port, or a hand-written upstream. The client gets the
// harness defaults, then opts.
func withUpstreamURL(t testing.TB, base string, opts ...vobiz.Option) appOption {
	return withDeps(func(d *handlers.Deps) {
		all := append([]vobiz.Option{vobiz.WithRetries(1, time.Millisecond), vobiz.WithTimeout(5 * time.Second)}, opts...)
		c, err := vobiz.NewClient(base, sandbox.DefaultAuthID, sandbox.DefaultAuthToken, all...)
		if err != nil {
			t.Fatal(err)
		}
		d.CDRs = c
	})
}

// closedURL returns an http URL of a loopback port that nothing listens on
// any more, so connecting to it is refused.
func closedURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// attemptCounter counts the client's upstream attempts (one per request
// sent or tried, retries included) through vobiz.WithObserver.
type attemptCounter struct{ n atomic.Int64 }

func (c *attemptCounter) option() vobiz.Option {
	return vobiz.WithObserver(func(string, int, time.Duration, error) { c.n.Add(1) })
}

func (c *attemptCounter) take() int64 { return c.n.Swap(0) }

// checkGoroutines makes t fail when goroutines it started outlive it. Call
// it first in a test: t.Cleanup runs last-registered first, so the check
// runs after every other cleanup of t (servers closed, database closed).
// goleak retries for a while, so goroutines that are on their way out (a
// connection's read loop after its server closed) are not reported.
//
// Goroutines that existed before the test are ignored; the suite runs no
// parallel tests in this package, so nothing else starts goroutines
// meanwhile. One known goroutine is ignored by name: scs.New starts an
// in-memory session store with a cleanup goroutine that runs forever, and
// auth.NewSessionManager replaces that store (sessions live in the
// database) without stopping it: one idle goroutine per session manager,
// so one per process in production. It cannot be stopped reliably:
// memstore makes its stop channel inside that goroutine, so StopCleanup
// called right after scs.New finds no channel and does nothing.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		// The harness' browser client uses http.DefaultTransport; its idle
		// connections to closed servers are gone, but make it explicit.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		goleak.VerifyNone(t, before,
			goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"))
	})
}

// fetched is one response with its body read as far as it goes.
type fetched struct {
	res     *http.Response
	body    string
	readErr error // non-nil when the body broke off (an aborted download)
}

// fetch GETs path like a browser and, unlike get, tolerates a body that is
// cut short, returning the read error.
func (a *testApp) fetch(t testing.TB, c *http.Client, path string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, rerr := io.ReadAll(res.Body)
	return fetched{res: res, body: string(b), readErr: rerr}
}
