package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/cli"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// process is one cdrdash command running in this test process, with its
// own context standing in for SIGTERM.
type process struct {
	url    string
	cancel context.CancelFunc
	done   chan int
	stderr *bytes.Buffer
}

var urlLine = regexp.MustCompile(`(?:listening on|on) (http://127\.0\.0\.1:\d+)`)

// start runs `cdrdash args…` with env and waits until it prints its URL.
func start(t *testing.T, env map[string]string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	p := &process{cancel: cancel, done: make(chan int, 1), stderr: &bytes.Buffer{}}
	getenv := func(k string) string { return env[k] }
	go func() {
		code := cli.Run(ctx, args, getenv, strings.NewReader(""), pw, p.stderr)
		pw.Close()
		p.done <- code
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
			p.url = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if p.url == "" {
		cancel()
		t.Fatalf("cdrdash %v printed no URL; stderr: %s", args, p.stderr)
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends the equivalent of SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case code := <-p.done:
		if code != 0 {
			t.Errorf("exit code %d; stderr: %s", code, p.stderr)
		}
	case <-beforeSuiteDeadline(t):
		t.Error("did not stop after shutdown")
	}
}

// beforeSuiteDeadline fires shortly before the test binary's -timeout
// would (never, without one): the watchdog for waits that must not hang,
// instead of a fixed limit that a busy machine or -race can overrun.
func beforeSuiteDeadline(t *testing.T) <-chan time.Time {
	d, ok := t.Deadline()
	if !ok {
		return nil
	}
	return time.After(time.Until(d.Add(-5 * time.Second)))
}

func demoEnv(t *testing.T) map[string]string {
	return map[string]string{
		"CDRDASH_DATA_DIR":      t.TempDir(),
		"CDRDASH_SANDBOX_CALLS": "2000",
		"CDRDASH_LOG_FORMAT":    "json",
		"CDRDASH_LOG_LEVEL":     "warn",
	}
}

func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func signIn(t *testing.T, c *http.Client, base string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"username": {"demo"}, "password": {"demo"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in at %s: %d", base, res.StatusCode)
	}
}

func status(t *testing.T, c *http.Client, target string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept", "text/html")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// cookieFor copies the session cookie of one server for another one.
func moveCookies(t *testing.T, c *http.Client, from, to string) {
	fu, _ := url.Parse(from)
	tu, _ := url.Parse(to)
	c.Jar.SetCookies(tu, c.Jar.Cookies(fu))
}

func TestSandboxCommand(t *testing.T) {
	p := start(t, nil, "sandbox", "-addr", "127.0.0.1:0", "-calls", "3000")
	get := func(token string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet,
			p.url+"/api/v1/Account/MA_SANDBOX/cdr/search?call_direction=outbound&per_page=5", nil)
		req.Header.Set("X-Auth-ID", "MA_SANDBOX")
		req.Header.Set("X-Auth-Token", token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, body := get("sandbox-token")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"account_id", "count", "data", "filters", "pagination", "success", "summary"} {
		if _, ok := env[k]; !ok {
			t.Errorf("envelope lacks %q", k)
		}
	}
	if len(env) != 7 {
		t.Errorf("envelope has %d keys, want 7", len(env))
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(env["data"], &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d records, want 5", len(rows))
	}
	for i, r := range rows {
		if len(r) != len(vobiz.FieldNames) {
			t.Errorf("record %d has %d fields, want %d", i, len(r), len(vobiz.FieldNames))
		}
		if string(r["call_direction"]) != `"outbound"` {
			t.Errorf("record %d direction %s", i, r["call_direction"])
		}
	}
	if res, _ := get("wrong"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", res.StatusCode)
	}
}

// TestTwoReplicasSharePostgresSessions runs two dashboards on one
// PostgreSQL database, as behind a load balancer.
func TestTwoReplicasSharePostgresSessions(t *testing.T) {
	tg := storetest.PostgresTarget(t)
	env1, env2 := demoEnv(t), demoEnv(t)
	env1["CDRDASH_DATABASE_URL"], env2["CDRDASH_DATABASE_URL"] = tg.DSN, tg.DSN
	one := start(t, env1, "serve", "-addr", "127.0.0.1:0")
	two := start(t, env2, "serve", "-addr", "127.0.0.1:0")

	c := browser(t)
	signIn(t, c, one.url)
	moveCookies(t, c, one.url, two.url)
	if s := status(t, c, two.url+"/calls?per_page=5"); s != http.StatusOK {
		t.Fatalf("second replica refused the first one's session: %d", s)
	}
	req, _ := http.NewRequest(http.MethodPost, two.url+"/logout", nil)
	req.Header.Set("Origin", two.url)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	moveCookies(t, c, two.url, one.url)
	if s := status(t, c, one.url+"/calls?per_page=5"); s != http.StatusSeeOther {
		t.Fatalf("first replica still accepts a session signed out on the second: %d", s)
	}
}

func TestRestartKeepsSessions(t *testing.T) {
	env := demoEnv(t)
	first := start(t, env, "serve", "-addr", "127.0.0.1:0")
	c := browser(t)
	signIn(t, c, first.url)
	first.stop(t)

	second := start(t, env, "serve", "-addr", "127.0.0.1:0")
	moveCookies(t, c, first.url, second.url)
	if s := status(t, c, second.url+"/calls?per_page=5"); s != http.StatusOK {
		t.Fatalf("session lost across a restart: %d", s)
	}
}

func TestInvalidConfigListsEveryProblem(t *testing.T) {
	env := map[string]string{
		"VOBIZ_BASE_URL":          "not a url",
		"VOBIZ_AUTH_TOKEN_FILE":   "/nonexistent/token",
		"CDRDASH_TLS_KEY":         "/dev/null",
		"CDRDASH_TIMEZONE":        "Mars/Olympus",
		"CDRDASH_SESSION_IDLE":    "soon",
		"CDRDASH_TRUSTED_PROXIES": "10.0.0.0/8,banana",
	}
	var stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"serve"}, func(k string) string { return env[k] },
		strings.NewReader(""), io.Discard, &stderr)
	if code == 0 {
		t.Fatal("serve started with an invalid configuration")
	}
	for _, name := range []string{"VOBIZ_BASE_URL", "VOBIZ_AUTH_TOKEN_FILE", "CDRDASH_TLS_CERT", "CDRDASH_TIMEZONE",
		"CDRDASH_SESSION_IDLE", "CDRDASH_TRUSTED_PROXIES"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("problem list does not name %s:\n%s", name, stderr.String())
		}
	}
}

func TestHealthcheck(t *testing.T) {
	p := start(t, demoEnv(t), "serve", "-addr", "127.0.0.1:0")
	run := func(u string) int {
		return cli.Run(context.Background(), []string{"healthcheck", "-url", u, "-timeout", "3s"},
			func(string) string { return "" }, nil, io.Discard, io.Discard)
	}
	if code := run(p.url + "/healthz"); code != 0 {
		t.Errorf("healthcheck against a running server: exit %d", code)
	}
	if code := run(p.url + "/nope"); code == 0 {
		t.Error("healthcheck passed on a 404")
	}
	if code := run("http://127.0.0.1:1/healthz"); code == 0 {
		t.Error("healthcheck passed with nothing listening")
	}
}

func TestUserCommands(t *testing.T) {
	env := map[string]string{"CDRDASH_DATA_DIR": t.TempDir()}
	run := func(stdin string, args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(context.Background(), append([]string{"user"}, args...), func(k string) string { return env[k] },
			strings.NewReader(stdin), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := run("short\n", "add", "alice", "-role", "admin"); code == 0 {
		t.Errorf("short password accepted: %s", out)
	}
	if code, out := run("a-very-long-password\n", "add", "alice", "-role", "admin"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	if code, out := run("another-long-password\n", "add", "bob"); code != 0 {
		t.Fatalf("add agent: %d %s", code, out)
	}
	if code, out := run("", "list"); code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "agent") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out := run("", "disable", "alice"); code == 0 {
		t.Errorf("disabled the last admin: %s", out)
	}
	if code, out := run("", "disable", "bob"); code != 0 {
		t.Fatalf("disable bob: %d %s", code, out)
	}
	if code, out := run("yet-another-password\n", "passwd", "bob"); code != 0 {
		t.Fatalf("passwd: %d %s", code, out)
	}
	if code, _ := run("", "disable", "nobody"); code == 0 {
		t.Error("disabled a user that does not exist")
	}
}
