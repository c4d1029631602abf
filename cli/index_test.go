package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/cli"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// The index commands against a sandbox standing in for Vobiz, on both
// databases, in the order an operator would run them.
func TestIndexCommands(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		// Anchored a minute back, so every recording (added up to 8 s after
		// its call) is already served when the test counts them.
		sb := sandbox.New(sandbox.Options{Seed: 5, Calls: 1500, Days: 4, Now: time.Now().Add(-time.Minute)})
		srv := httptest.NewServer(sb)
		t.Cleanup(srv.Close)
		env := map[string]string{
			"VOBIZ_BASE_URL": srv.URL, "VOBIZ_AUTH_ID": sb.AuthID(), "VOBIZ_AUTH_TOKEN": sb.AuthToken(),
			"CDRDASH_LOG_LEVEL": "error", "CDRDASH_DATA_DIR": t.TempDir(),
		}
		if tg.DSN != "" {
			env["CDRDASH_DATABASE_URL"] = tg.DSN
		} else {
			env["CDRDASH_DATA_DIR"] = tg.DataDir
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		// Every day but today has ended (recordings are listed a few
		// minutes after a day's end); today's come in through the poll.
		listedDays := 6
		if time.Since(today) < 10*time.Minute {
			listedDays = 5
		}
		steps := []struct {
			name     string
			args     []string
			before   func(t *testing.T)
			code     int
			out, err []string // substrings expected in stdout and stderr
		}{
			{name: "status of an empty index", args: []string{"index", "status", "-days", "7"},
				out: []string{"nothing verified yet", "0 complete", "7 missing", "calls:", "last poll: never"}},
			{name: "sync", args: []string{"index", "sync", "-days", "7"},
				out: []string{"7 of 7 days complete", "1500 calls in the index", today.Format(time.DateOnly) + " complete",
					fmt.Sprintf("recordings: listed for %d of 7 days, %d recordings in the index", listedDays, len(sb.RecordingScenarios()))}},
			{name: "verify", args: []string{"index", "verify", "-days", "7"},
				out: []string{"7 of 7 days complete"}},
			{name: "status after the sync", args: []string{"index", "status", "-days", "7"},
				out: []string{"7 complete, 0 syncing, 0 mismatch, 0 missing", "calls: 1500", "database: ", " MB", "syncing: nobody (last "}},
			{name: "sync refused while another process holds the lease",
				args: []string{"index", "sync", "-days", "7"},
				before: func(t *testing.T) {
					ix := callindex.New(tg.Open(t))
					if ok, err := ix.AcquireLease(context.Background(), "other-replica", time.Now(), time.Minute); !ok || err != nil {
						t.Fatalf("lease: %v, %v", ok, err)
					}
				},
				code: 1, err: []string{"other-replica holds it", "-force"}},
			{name: "forced sync beside it", args: []string{"index", "sync", "-days", "7", "-force"},
				out: []string{"7 of 7 days complete"}},
			{name: "purge", args: []string{"index", "purge", "-before", today.Format(time.DateOnly)},
				out: []string{"deleted", "calls that started before " + today.Format(time.DateOnly), "downloads them again"}},
			{name: "verify after the purge", args: []string{"index", "verify", "-days", "7"},
				code: 1, out: []string{"mismatch", "verify: the index has 0 calls"}, err: []string{"days are not complete"}},
			{name: "purge without a date", args: []string{"index", "purge"}, code: 1, err: []string{"-before YYYY-MM-DD"}},
			{name: "purge with a bad date", args: []string{"index", "purge", "-before", "yesterday"}, code: 1,
				err: []string{`"yesterday" is not a date`}},
			{name: "status over the configured days", args: []string{"index", "status", "-days", "0"}, code: 0,
				out: []string{"days kept:"}},
			{name: "days too many", args: []string{"index", "sync", "-days", "4000"}, code: 1, err: []string{"want 1 to 3650"}},
			{name: "unknown subcommand", args: []string{"index", "rebuild"}, code: 1, err: []string{`unknown subcommand "rebuild"`}},
			{name: "sync with the index off", args: []string{"index", "sync", "-index", "off"}, code: 1,
				err: []string{"CDRDASH_INDEX is off"}},
		}
		for _, s := range steps {
			if s.before != nil {
				s.before(t)
			}
			var out, errOut bytes.Buffer
			code := cli.Run(context.Background(), s.args, func(k string) string { return env[k] },
				strings.NewReader(""), &out, &errOut)
			if code != s.code {
				t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", s.name, code, s.code, out.String(), errOut.String())
			}
			for _, want := range s.out {
				if !strings.Contains(squeeze(out.String()), want) {
					t.Errorf("%s: stdout lacks %q:\n%s", s.name, want, out.String())
				}
			}
			for _, want := range s.err {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("%s: stderr lacks %q:\n%s", s.name, want, errOut.String())
				}
			}
		}
	})
}

// Demo mode indexes its sandbox at start: the background sync finishes
// its first run while serving, and `index status` then shows every day
// complete with the sandbox's calls; stopping serve gives the lease up. A
// restart starts the index afresh, since the sandbox's calls are generated
// anew.
func TestDemoIndexesAtStart(t *testing.T) {
	env := demoEnv(t)
	env["CDRDASH_LOG_LEVEL"] = "info"
	getenv := func(k string) string { return env[k] }
	status := func() string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := cli.Run(context.Background(), []string{"index", "status"}, getenv, strings.NewReader(""), &out,
			&errOut); code != 0 {
			t.Fatalf("status: exit %d: %s", code, errOut.String())
		}
		return squeeze(out.String())
	}
	want := []string{"400 complete, 0 syncing, 0 mismatch, 0 missing", "calls: 2000", "syncing: nobody"}

	serveUntilSynced(t, getenv)
	for _, w := range want {
		if got := status(); !strings.Contains(got, w) {
			t.Errorf("status lacks %q:\n%s", w, got)
		}
	}

	db, err := store.Open(context.Background(), "", env["CDRDASH_DATA_DIR"], store.WithCleanupInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	stale := vobiz.CDR{UUID: "00000000-0000-4000-8000-000000000001",
		StartTime: vobiz.Time{Time: time.Now().UTC().Truncate(24 * time.Hour).Add(-30 * time.Hour)}}
	if _, err := callindex.New(db).Upsert(context.Background(), []vobiz.CDR{stale}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if got := status(); !strings.Contains(got, "calls: 2001") {
		t.Fatalf("the stale call was not stored:\n%s", got)
	}

	serveUntilSynced(t, getenv)
	for _, w := range want {
		if got := status(); !strings.Contains(got, w) {
			t.Errorf("after a restart, status lacks %q:\n%s", w, got)
		}
	}
}

// serveUntilSynced runs `cdrdash serve` until its sync logs that every day
// is complete, then stops it.
func serveUntilSynced(t *testing.T, getenv cli.Env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := cli.Run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, getenv, strings.NewReader(""), io.Discard, pw)
		pw.Close()
		done <- code
	}()
	synced := false
	sc := bufio.NewScanner(pr)
	for sc.Scan() { // the process log, one JSON object a line
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "index up to date" {
			synced = true
			break
		}
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if code := <-done; code != 0 || !synced {
		t.Fatalf("serve exited %d; index up to date: %v", code, synced)
	}
}

// squeeze collapses runs of spaces, so expectations do not depend on
// column widths.
func squeeze(s string) string {
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}
