package cli_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/cdrdash/cdrdash/cli"
)

// helperEnv makes the test binary act as `cdrdash serve`, so a test can
// send it a real SIGTERM.
const helperEnv = "CDRDASH_TEST_HELPER_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// serveProcess starts `cdrdash serve` as a child process and returns its
// URL.
func serveProcess(t *testing.T, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "CDRDASH_DATA_DIR="+t.TempDir(),
		"CDRDASH_LOG_LEVEL=warn", "CDRDASH_LOG_FORMAT=json")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return cmd, m[1]
		}
	}
	t.Fatal("serve printed no URL")
	return nil, ""
}

// startExport signs in and starts a raw export, returning its body after
// the first bytes arrived, and the total the page promised.
func startExport(t *testing.T, base string) io.ReadCloser {
	t.Helper()
	c := browser(t)
	signIn(t, c, base)
	req, _ := http.NewRequest(http.MethodGet, base+"/calls/export", nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d", res.StatusCode)
	}
	first := make([]byte, 4096)
	if _, err := io.ReadFull(res.Body, first); err != nil {
		t.Fatalf("first bytes: %v", err)
	}
	return res.Body
}

// waitExit waits for the process and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-beforeSuiteDeadline(t):
		t.Fatal("the server did not exit after SIGTERM")
		return -1
	}
}

// TestSIGTERMLetsRunningExportFinish: SIGTERM in the middle of a download
// stops new work, lets the export finish within the grace period, and the
// process exits 0.
func TestSIGTERMLetsRunningExportFinish(t *testing.T) {
	// 60,000 calls make an export of tens of MB, far more than socket
	// buffers hold, so it is still being written when SIGTERM arrives.
	// The index is off: its backfill of the 60,000 calls at start would
	// compete for the CPU with the download this test times.
	cmd, base := serveProcess(t, "CDRDASH_SANDBOX_CALLS=60000", "CDRDASH_SHUTDOWN_TIMEOUT=60s", "CDRDASH_INDEX=off")
	body := startExport(t, base)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("export cut by a graceful shutdown: %v", err)
	}
	lines := strings.Count(string(rest), "\n")
	if lines < 50_000 {
		t.Errorf("only %d more lines after SIGTERM; the export did not run to its end", lines)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// TestSIGTERMCutsExportAtDeadline: a download that outlives the grace
// period is cut (the client sees an error, not a complete-looking file)
// and the process still exits 0.
func TestSIGTERMCutsExportAtDeadline(t *testing.T) {
	cmd, base := serveProcess(t, "CDRDASH_SANDBOX_CALLS=60000", "CDRDASH_SHUTDOWN_TIMEOUT=200ms", "CDRDASH_INDEX=off")
	body := startExport(t, base)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Not reading: the export stalls on a full socket until the deadline.
	if code := waitExit(t, cmd); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if _, err := io.ReadAll(body); err == nil {
		t.Error("the cut export ended like a complete file (clean EOF)")
	}
}
