// Package e2e drives cdrdash in a real headless Chromium: a real
// `cdrdash serve` in demo mode on a random loopback port, real HTTP, real
// cookies and the real session store. Every visited page is checked for
// console errors, Content-Security-Policy violations and serious axe-core
// findings.
//
// chromedp: this suite pins chromedp v0.23.0, the generic API generation
// (actions are funcs that return their value: chromedp.Run returns it,
// chromedp.Do runs steps with none; protocol commands are typed values sent
// with chromedp.Call / cdp.Call; events are typed). Chosen on purpose over
// the v0.14-style API that most examples use (its last release, v0.16.0,
// pulls a websocket library, a PDF reader and an image differ): v0.23.0
// needs only cdproto, talks to Chromium over a pipe instead of a debugging
// port, and its cdproto (v0.159.0) is new enough for the Chromium that
// Debian ships. Versions v0.17.x need Go 1.27, so they were not an option.
// Read docs/API.md of the module for the API; do not copy v0.14 examples.
//
// Without Chromium every test here skips with a loud "!!! browser tests
// SKIPPED" message; CDRDASH_TEST_STRICT=1 (set by .ci/run) turns that into a
// failure.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cdrdash/cdrdash/cli"
)

const envStrict = "CDRDASH_TEST_STRICT"

// suite is what TestMain sets up once for the whole package: one server and
// one browser. Each journey opens its own browser context (like an
// incognito window: its own cookies, storage and downloads).
var suite struct {
	baseURL    string        // the dashboard, e.g. http://127.0.0.1:41234
	serverLog  *lockedBuffer // its stderr, shown when a test fails
	browserCtx context.Context
	noBrowser  string // why there is no browser, "" when there is one
	browserErr error  // the browser was found but did not start
}

// browserNames are the executables tried, in order.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	path := findBrowser()
	if path == "" {
		suite.noBrowser = "no Chromium found (tried " + strings.Join(browserNames, ", ") +
			"; install the Debian package chromium)"
		return m.Run()
	}

	dataDir, err := os.MkdirTemp("", "cdrdash-e2e-data-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dataDir)
	stopServer, err := startServer(dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start cdrdash:", err)
		return 1
	}
	defer stopServer()

	profile, err := os.MkdirTemp("", "cdrdash-e2e-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(profile)
	var browserOut lockedBuffer
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1366, 768),
		chromedp.CombinedOutput(&browserOut),
	)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	startCtx, cancelStart := context.WithTimeout(browserCtx, 60*time.Second)
	// Start the browser on the untimed context (a timeout on the first Do
	// would end the browser with it), and bound the wait separately.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(browserCtx) }()
	select {
	case err = <-started:
	case <-startCtx.Done():
		err = fmt.Errorf("Chromium did not start within 60 s")
	}
	cancelStart()
	if err != nil {
		suite.browserErr = fmt.Errorf("start %s: %w; its output:\n%s", path, err, browserOut.String())
	}
	suite.browserCtx = browserCtx
	return m.Run()
}

// findBrowser returns the path of a Chromium, or "".
func findBrowser() string {
	if p := os.Getenv("CDRDASH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var urlLine = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)/`)

// startServer runs `cdrdash serve` in this process in demo mode and waits
// for its URL. The returned func stops it as SIGTERM would.
func startServer(dataDir string) (func(), error) {
	env := map[string]string{
		"CDRDASH_DATA_DIR":      dataDir,
		"CDRDASH_SANDBOX_CALLS": "20000",
		// No live traffic: journeys compare a page's totals with a later
		// download, and a call arriving in between would fail them.
		"CDRDASH_SANDBOX_LIVE_RATE": "0",
		"CDRDASH_LOG_LEVEL":         "warn",
		"CDRDASH_LOG_FORMAT":        "text",
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, []string{"serve", "-addr", "127.0.0.1:0"},
			func(k string) string { return env[k] }, strings.NewReader(""), pw, stderr)
		pw.Close()
		done <- code
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		url := ""
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil && url == "" {
				url = m[1]
				found <- url
			}
		}
		if url == "" {
			close(found)
		}
	}()
	select {
	case url, ok := <-found:
		if !ok {
			cancel()
			return nil, fmt.Errorf("cdrdash printed no URL; stderr:\n%s", stderr)
		}
		suite.baseURL = url
	case <-time.After(60 * time.Second):
		cancel()
		return nil, fmt.Errorf("cdrdash did not print its URL within 60 s; stderr:\n%s", stderr)
	}
	suite.serverLog = stderr
	return func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				fmt.Fprintf(os.Stderr, "e2e: cdrdash exited with %d; stderr:\n%s\n", code, stderr)
			}
		case <-time.After(30 * time.Second):
			fmt.Fprintln(os.Stderr, "e2e: cdrdash did not stop within 30 s")
		}
	}, nil
}

// needBrowser skips t loudly without a browser, or fails it in strict mode
// or when the browser is there but did not start.
func needBrowser(t *testing.T) {
	t.Helper()
	if suite.browserErr != nil {
		t.Fatalf("browser tests cannot run: %v", suite.browserErr)
	}
	if suite.noBrowser == "" {
		return
	}
	if os.Getenv(envStrict) == "1" {
		t.Fatalf("browser tests need Chromium (%s=1) but: %s", envStrict, suite.noBrowser)
	}
	msg := "!!! browser tests SKIPPED: " + suite.noBrowser + "; " + envStrict + "=1 makes this a failure"
	skipWarn.Do(func() { fmt.Fprintln(os.Stderr, msg) })
	t.Skip(msg)
}

var skipWarn sync.Once

// lockedBuffer is a bytes.Buffer safe for one writer and many readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
