package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/static"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// testNow anchors the sandbox data and the dashboard's clock, so dates in
// tests are stable.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// testApp is a whole dashboard over real HTTP: a sandbox upstream, the
// Vobiz client, a real session store and the full router.
type testApp struct {
	sb       *sandbox.Server
	upstream *httptest.Server
	srv      *httptest.Server
	h        *handlers.Handler
	db       *store.DB
	auth     *auth.Service
	client   *vobiz.Client
}

type appOption func(*appConfig)

type appConfig struct {
	calls    int
	db       *store.DB
	basePath string
	clientOp []vobiz.Option
	deps     func(*handlers.Deps)
}

func withCalls(n int) appOption       { return func(c *appConfig) { c.calls = n } }
func withDB(db *store.DB) appOption   { return func(c *appConfig) { c.db = db } }
func withBasePath(p string) appOption { return func(c *appConfig) { c.basePath = p } }
func withClient(o ...vobiz.Option) appOption {
	return func(c *appConfig) { c.clientOp = append(c.clientOp, o...) }
}
func withDeps(f func(*handlers.Deps)) appOption { return func(c *appConfig) { c.deps = f } }

func newTestApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	cfg := appConfig{calls: 20_000}
	for _, o := range opts {
		o(&cfg)
	}
	a := &testApp{}
	a.sb = sandbox.New(sandbox.Options{Seed: 7, Calls: cfg.calls, Now: testNow})
	a.upstream = httptest.NewServer(a.sb)
	t.Cleanup(a.upstream.Close)

	clientOpts := append([]vobiz.Option{vobiz.WithRetries(1, time.Millisecond), vobiz.WithTimeout(5 * time.Second)}, cfg.clientOp...)
	client, err := vobiz.NewClient(a.upstream.URL, a.sb.AuthID(), a.sb.AuthToken(), clientOpts...)
	if err != nil {
		t.Fatal(err)
	}
	a.client = client
	a.db = cfg.db
	if a.db == nil {
		a.db = storetest.SQLite(t)
	}
	a.auth = auth.NewService(a.db, auth.WithHashParams(auth.InsecureFastParams), auth.WithLogger(slog.New(slog.DiscardHandler)),
		auth.WithDemoMode(true))
	if _, err := a.auth.EnsureDemoUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	sessions := auth.NewSessionManager(a.db, auth.SessionConfig{Path: cfg.basePath + "/"})
	assets, err := static.New(cfg.basePath + "/static")
	if err != nil {
		t.Fatal(err)
	}
	deps := handlers.Deps{
		CDRs:     client,
		Assets:   assets,
		Log:      slog.New(slog.DiscardHandler),
		BasePath: cfg.basePath,
		Demo:     true,
		Version:  "test",
		Location: mustZone(t, "Asia/Kolkata"),
		Now:      func() time.Time { return testNow },
		Auth:     a.auth,
		Sessions: sessions,
	}
	if cfg.deps != nil {
		cfg.deps(&deps)
	}
	a.h = handlers.New(deps)
	sessions.ErrorFunc = a.h.SessionError
	a.srv = httptest.NewServer(a.h.Routes())
	t.Cleanup(a.srv.Close)
	return a
}

func mustZone(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// browser returns a client with a cookie jar that does not follow
// redirects, so tests see each 303.
func (a *testApp) browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs in through the form and returns the signed-in client.
func (a *testApp) login(t testing.TB, user, pw string) *http.Client {
	t.Helper()
	c := a.browser(t)
	res := a.postForm(t, c, "/login", url.Values{"username": {user}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", user, res.StatusCode)
	}
	return c
}

func (a *testApp) demo(t testing.TB) *http.Client { return a.login(t, "demo", "demo") }

// get fetches path and returns the response with its body read; a body
// cut short fails the test (fetch tolerates it).
func (a *testApp) get(t testing.TB, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	f := a.fetch(t, c, path)
	if f.readErr != nil {
		t.Fatalf("GET %s: read: %v", path, f.readErr)
	}
	return f.res, f.body
}

// postForm sends a same-origin form post, as a browser would.
func (a *testApp) postForm(t testing.TB, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", a.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// upstreamRequests counts the requests the sandbox has served.
func (a *testApp) upstreamRequests() int64 { return a.sb.Requests() }
