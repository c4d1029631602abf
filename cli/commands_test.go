package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/cli"
)

// TestHelpListsCommands: every way of asking for help lists the commands,
// including `cdrdash --help`, which used to show only serve's flags.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"-help"}, {"--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli.Run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
			if code != 0 {
				t.Fatalf("exit %d; stderr %s", code, errOut.String())
			}
			for _, cmd := range []string{"serve", "sandbox", "user add", "config", "healthcheck", "version"} {
				if !strings.Contains(out.String(), "cdrdash "+cmd) && !strings.Contains(out.String(), "cdrdash ["+cmd+"]") {
					t.Errorf("help does not list %q:\n%s", cmd, out.String())
				}
			}
		})
	}
}

// TestConfigColumnsLineUp: `cdrdash config` prints three columns that
// start at the same place on every line, however long a variable's name.
func TestConfigColumnsLineUp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), []string{"config"}, func(string) string { return "" },
		strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("exit %d; stderr %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) < 10 {
		t.Fatalf("only %d lines:\n%s", len(lines), out.String())
	}
	flagCol, valueCol := -1, -1
	for _, l := range lines {
		f := strings.Index(l, " -") + 1
		v := f + strings.Index(l[f:], " ")
		for v < len(l) && l[v] == ' ' {
			v++
		}
		if flagCol < 0 {
			flagCol, valueCol = f, v
		}
		if f != flagCol || (v != valueCol && v != len(l)) {
			t.Errorf("columns at %d and %d, want %d and %d: %q", f, v, flagCol, valueCol, l)
		}
	}
}

// TestShutdownLogShowsGrace: the shutdown line gives the grace period as
// a duration ("30s"), not as a count of nanoseconds.
func TestShutdownLogShowsGrace(t *testing.T) {
	env := demoEnv(t)
	env["CDRDASH_LOG_LEVEL"] = "info"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var logs bytes.Buffer // the process log goes to stderr
	done := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, func(k string) string { return env[k] },
			strings.NewReader(""), pw, &logs)
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if urlLine.MatchString(sc.Text()) {
			cancel()
		}
	}
	if code := <-done; code != 0 {
		t.Errorf("exit %d", code)
	}
	var grace any
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "shutting down" {
			grace = rec["grace"]
		}
	}
	if grace != "30s" {
		t.Errorf("grace logged as %v (%T), want \"30s\"", grace, grace)
	}
}
