package cli

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/config"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// Hostile clients against the real server (issue 11, part 3): the
// http.Server serve runs, with the whole dashboard behind it.

// testServer serves the demo dashboard through newHTTPServer, after tune
// has shortened what a test cannot wait for, and returns its address.
func testServer(t *testing.T, tune func(*http.Server)) (string, *http.Server) {
	t.Helper()
	env := map[string]string{"CDRDASH_DATA_DIR": t.TempDir(), "CDRDASH_SANDBOX_CALLS": "200",
		"CDRDASH_LOG_LEVEL": "error"}
	cfg, err := config.Load("serve", nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	a, err := newApp(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := newHTTPServer(cfg, a.handler, log)
	if tune != nil {
		tune(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), srv
}

func TestServerLimits(t *testing.T) {
	cfg, err := config.Load("serve", nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(cfg, http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second ||
		srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 64<<10 || srv.WriteTimeout != cfg.WriteTimeout ||
		srv.WriteTimeout <= 0 {
		t.Errorf("limits: header %v, read %v, idle %v, write %v, header bytes %d", srv.ReadHeaderTimeout,
			srv.ReadTimeout, srv.IdleTimeout, srv.WriteTimeout, srv.MaxHeaderBytes)
	}
}

// TestSlowLorisCutOff: a client that sends its request head one byte at a
// time, never finishing it (1 MB at one byte per 20 ms would take hours),
// is disconnected once ReadHeaderTimeout passes (shortened here from 10 s).
func TestSlowLorisCutOff(t *testing.T) {
	const limit = 400 * time.Millisecond
	addr, _ := testServer(t, func(s *http.Server) { s.ReadHeaderTimeout = limit })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		head := "GET /healthz HTTP/1.1\r\nHost: cdrdash\r\nX-Slow: " + strings.Repeat("a", 1<<20)
		for i := 0; i < len(head); i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				return
			}
		}
	}()
	suiteDeadline(t, conn)
	n, err := io.Copy(io.Discard, conn)
	took := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v", took)
	}
	t.Logf("cut off after %v (%d bytes answered, err %v)", took, n, err)
}

// suiteDeadline makes a read on conn give up shortly before the test
// binary's -timeout would, so a server that never lets go fails the test
// with a message instead of a goroutine dump. The tests set no time limits
// of their own: on a busy machine (or under -race) the server's timeouts
// fire late, and that is not what they check.
func suiteDeadline(t *testing.T, conn net.Conn) {
	t.Helper()
	if d, ok := t.Deadline(); ok {
		_ = conn.SetReadDeadline(d.Add(-5 * time.Second))
	}
}

// TestSlowBodyCutOff: a client that sends its headers and then the body
// one byte at a time gets its answer (or a closed connection) when
// ReadTimeout passes (shortened here from 30 s), not when it pleases.
func TestSlowBodyCutOff(t *testing.T) {
	const limit = 600 * time.Millisecond
	addr, _ := testServer(t, func(s *http.Server) { s.ReadTimeout = limit })
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	head := "POST /login HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: http://" + addr + "\r\nSec-Fetch-Site: same-origin\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\nusername=demo&password="
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{'x'}); err != nil {
				return
			}
		}
	}()
	suiteDeadline(t, conn)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	took := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still waited for the body after %v", took)
	}
	if err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Errorf("a truncated sign-in form answered %d", res.StatusCode)
		}
	}
	t.Logf("after %v: %v", took, statusOrErr(res, err))
}

func statusOrErr(res *http.Response, err error) any {
	if err != nil {
		return err
	}
	return res.Status
}

// TestOversizedHeadAnswered431: a request line or headers over
// MaxHeaderBytes (64 KB) are refused with 431 before any handler runs; a
// head just under the limit is served.
func TestOversizedHeadAnswered431(t *testing.T) {
	addr, _ := testServer(t, nil)
	send := func(t *testing.T, target string, hdr string) int {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		suiteDeadline(t, conn)
		go io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: cdrdash\r\n"+hdr+"Connection: close\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no response: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := send(t, "/healthz", "X-Big: "+strings.Repeat("a", 70<<10)+"\r\n"); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("70 KB header: %d, want 431", got)
	}
	if got := send(t, "/healthz", strings.Repeat("X-Many: "+strings.Repeat("b", 100)+"\r\n", 700)); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("700 headers: %d, want 431", got)
	}
	if got := send(t, "/calls?search="+strings.Repeat("c", 100<<10), ""); got != http.StatusRequestHeaderFieldsTooLarge &&
		got != http.StatusRequestURITooLong {
		t.Errorf("100 KB URL: %d, want 431 or 414", got)
	}
	if got := send(t, "/healthz", "X-Fits: "+strings.Repeat("d", 50<<10)+"\r\n"); got != http.StatusOK {
		t.Errorf("50 KB header: %d, want 200", got)
	}
}

// TestDemoAccountClosedWithRealData: a data directory first used in demo
// mode keeps its demo / demo admin. Once cdrdash reads real call data,
// that account must not open it: serve disables it (or, when it is the
// only admin, refuses to start and says what to do); a demo account whose
// password was changed is left alone.
func TestDemoAccountClosedWithRealData(t *testing.T) {
	real := func(dir string) *config.Config {
		env := map[string]string{"CDRDASH_DATA_DIR": dir, "VOBIZ_AUTH_ID": "MA_REAL", "VOBIZ_AUTH_TOKEN": "real-token",
			"VOBIZ_BASE_URL": "http://127.0.0.1:9", "CDRDASH_LOG_LEVEL": "error"}
		cfg, err := config.Load("serve", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	demoOnce := func(t *testing.T) string {
		dir := t.TempDir()
		env := map[string]string{"CDRDASH_DATA_DIR": dir, "CDRDASH_SANDBOX_CALLS": "10", "CDRDASH_LOG_LEVEL": "error"}
		cfg, err := config.Load("serve", nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		return dir
	}
	user := func(t *testing.T, dir string, stdin string, args ...string) string {
		t.Helper()
		var out, errOut strings.Builder
		env := map[string]string{"CDRDASH_DATA_DIR": dir}
		if code := Run(context.Background(), append([]string{"user"}, args...), func(k string) string { return env[k] },
			strings.NewReader(stdin), &out, &errOut); code != 0 {
			t.Fatalf("cdrdash user %v: %d %s", args, code, errOut.String())
		}
		return out.String()
	}
	log := slog.New(slog.DiscardHandler)

	t.Run("demo is the only admin", func(t *testing.T) {
		dir := demoOnce(t)
		_, err := newApp(context.Background(), real(dir), log)
		if err == nil || !strings.Contains(err.Error(), "cdrdash user add NAME -role admin") {
			t.Fatalf("started (or failed without saying what to do): %v", err)
		}
	})
	t.Run("another admin exists", func(t *testing.T) {
		dir := demoOnce(t)
		user(t, dir, "a long enough password\n", "add", "owner", "-role", "admin")
		a, err := newApp(context.Background(), real(dir), log)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		if list := user(t, dir, "", "list"); !regexpLine(list, `demo\s+admin\s+disabled \(demo mode only\)`) {
			t.Errorf("the demo account is still active:\n%s", list)
		}
	})
	t.Run("demo password changed", func(t *testing.T) {
		dir := demoOnce(t)
		if out := user(t, dir, "a new and private password\n", "passwd", "demo"); !strings.Contains(out,
			"demo is no longer demo mode's account") {
			t.Errorf("passwd did not say the account left demo mode:\n%s", out)
		}
		a, err := newApp(context.Background(), real(dir), log)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
		if list := user(t, dir, "", "list"); !regexpLine(list, `demo\s+admin\s+active\s+never`) {
			t.Errorf("an account named demo with its own password was disabled:\n%s", list)
		}
	})
}

func regexpLine(s, re string) bool { return regexp.MustCompile(`(?m)^` + re).MatchString(s) }

// TestDemoModeRefusesRealDatabase: demo mode started on a database that
// holds real accounts (a production data directory, a PostgreSQL database
// shared with real replicas) refuses to start, says why and what to do,
// and leaves the accounts as they were: no demo / demo admin appears.
func TestDemoModeRefusesRealDatabase(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		dir := tg.DataDir
		if dir == "" {
			dir = t.TempDir()
		}
		env := map[string]string{"CDRDASH_DATA_DIR": dir, "CDRDASH_DATABASE_URL": tg.DSN,
			"CDRDASH_SANDBOX_CALLS": "10", "CDRDASH_LOG_LEVEL": "error"}
		getenv := func(k string) string { return env[k] }
		var out, errOut strings.Builder
		if code := Run(context.Background(), []string{"user", "add", "owner", "-role", "admin"}, getenv,
			strings.NewReader("a long enough password\n"), &out, &errOut); code != 0 {
			t.Fatalf("cdrdash user add: %d %s", code, errOut.String())
		}
		cfg, err := config.Load("serve", nil, getenv)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.DemoMode() {
			t.Fatal("not demo mode")
		}
		a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err == nil {
			a.Close()
			t.Fatal("demo mode started on a database with a real admin")
		}
		for _, want := range []string{`"owner"`, "demo mode", "VOBIZ_AUTH_ID", "CDRDASH_DATA_DIR", "CDRDASH_DATABASE_URL"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not mention %s:\n%v", want, err)
			}
		}
		out.Reset()
		if code := Run(context.Background(), []string{"user", "list"}, getenv, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("cdrdash user list: %d %s", code, errOut.String())
		}
		if regexpLine(out.String(), `demo\s`) {
			t.Errorf("demo mode created its account anyway:\n%s", out.String())
		}
	})
}
