package handlers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/metrics"
)

// TestMetricsNeedATokenOnTheMainAddress: without CDRDASH_METRICS_TOKEN the
// main address serves no /metrics, to anyone, signed in or not; with its
// own address (MetricsOff) it is not on the main one either.
func TestMetricsNeedATokenOnTheMainAddress(t *testing.T) {
	for _, tc := range []struct {
		name string
		deps func(*handlers.Deps)
	}{
		{"no token", func(d *handlers.Deps) {}},
		{"own address", func(d *handlers.Deps) { d.MetricsOff = true; d.MetricsToken = "s3cret" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New("test", func(context.Context) (int64, error) { return 0, nil })
			a := newTestApp(t, withCalls(100), withDeps(func(d *handlers.Deps) { d.Metrics = m; tc.deps(d) }))
			for who, c := range map[string]*http.Client{"anonymous": a.browser(t), "signed in": a.demo(t)} {
				res, body := a.get(t, c, "/metrics")
				if res.StatusCode != http.StatusNotFound || strings.Contains(body, "cdrdash_build_info") {
					t.Errorf("%s: /metrics answered %d", who, res.StatusCode)
				}
			}
		})
	}
}

// TestReadyzShowsStatusWordsOnly: /readyz answers anyone, so it names each
// check with one word; what failed (hosts, addresses, error text) goes to
// the log.
func TestReadyzShowsStatusWordsOnly(t *testing.T) {
	const detail = "dial tcp 10.9.8.7:5432: connect: connection refused (user cdr_admin)"
	var logs syncBuffer
	a := newTestApp(t, withCalls(100), withDeps(func(d *handlers.Deps) {
		d.Log = slog.New(slog.NewJSONHandler(&logs, nil))
		d.Ready = func(context.Context) []handlers.Check {
			return []handlers.Check{{Name: "database", Detail: detail}, {Name: "vobiz", OK: true}}
		}
	}))
	res, body := a.get(t, a.browser(t), "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.StatusCode)
	}
	var got struct {
		Ready  bool
		Checks []map[string]any
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	want := map[string]string{"database": "unavailable", "vobiz": "ok"}
	if got.Ready || len(got.Checks) != len(want) {
		t.Fatalf("readyz %s", body)
	}
	for _, c := range got.Checks {
		if c["status"] != want[c["name"].(string)] {
			t.Errorf("check %v, want status %q", c, want[c["name"].(string)])
		}
		for k := range c {
			if k != "name" && k != "ok" && k != "status" {
				t.Errorf("check %v has field %q", c, k)
			}
		}
	}
	for _, leak := range []string{"10.9.8.7", "refused", "cdr_admin"} {
		if strings.Contains(body, leak) {
			t.Errorf("readyz shows %q: %s", leak, body)
		}
	}
	if !strings.Contains(logs.String(), "10.9.8.7:5432") {
		t.Errorf("the failure's detail is not in the log: %s", logs.String())
	}
}
