package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// unsyncedRecordingDay is left without a recording sync by indexRecordings.
var unsyncedRecordingDay = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// indexRecordings copies the sandbox's recordings into the index through
// its Recording API (what the sync does, all pages of 100), marks every
// day's recordings listed but unsyncedRecordingDay and the recording poll
// fresh, and returns the recorded calls by the sandbox's own account
// (RecordingScenarios), the truth the pages are checked against.
func indexRecordings(t testing.TB, a *indexedApp) (recorded map[string]bool, urls []string) {
	t.Helper()
	ctx := context.Background()
	var recs []vobiz.Recording
	f := vobiz.RecordingFilter{AddedFrom: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Limit: vobiz.MaxRecordingLimit}
	for {
		list, err := a.client.ListRecordings(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, list.Objects...)
		if !list.HasNext() {
			break
		}
		f.Offset += vobiz.MaxRecordingLimit
	}
	for _, r := range recs {
		urls = append(urls, string(r.URL))
	}
	recorded = map[string]bool{}
	for _, sc := range a.sb.RecordingScenarios() {
		recorded[sc.CallUUID] = true
	}
	if err := a.ix.UpsertRecordings(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for d := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC); d.Before(testNow); d = d.AddDate(0, 0, 1) {
		if d.Equal(unsyncedRecordingDay) {
			continue
		}
		if err := a.ix.SetRecordingDay(ctx, d, 0, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.ix.UpdateRecordingSync(ctx, func(s *callindex.RecordingSyncState) { s.LastPoll = testNow }); err != nil {
		t.Fatal(err)
	}
	return recorded, urls
}

// TestIndexedRecordings: on the index path the list marks exactly the
// recorded calls, has_recording=yes and =no split the window's calls
// (their totals add up), the control and the chip round-trip, the export
// honours the filter; the API path, the Reports and the Costs pages refuse
// it with a clear 400; days without a recording sync get a notice.
func TestIndexedRecordings(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		a := newIndexedApp(t, tg, 91)
		recorded, urls := indexRecordings(t, a)
		c := a.demo(t)
		from, to := istTime(2026, 11, 1, 0), istTime(2026, 11, 24, 6)
		win := "from=2026-11-01T00:00&to=2026-11-24T06:00"
		in := func(c *vobiz.CDR) bool { return inWindow(c, from, to) }
		all := a.count(in)
		with := a.count(func(c *vobiz.CDR) bool { return in(c) && recorded[string(c.UUID)] })
		if with < 50 || with == all {
			t.Fatalf("%d of %d calls recorded: the case proves little", with, all)
		}

		totals := map[string]int64{}
		for _, tt := range []struct{ name, value string }{{"any", ""}, {"yes", "yes"}, {"no", "no"}} {
			q := "/calls?per_page=100&" + win
			if tt.value != "" {
				q += "&has_recording=" + tt.value
			}
			res, body := a.get(t, c, q)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d: %s", tt.name, res.StatusCode, errorText(body))
			}
			for _, u := range urls {
				if u == "" || strings.Contains(body, u) {
					t.Fatalf("%s: the page holds a recording URL (or one is empty): %q", tt.name, u)
				}
			}
			pg := parsePage(t, body)
			totals[tt.name] = pagerTotal(t, pg)
			rows := pg.all("call-row")
			if len(rows) == 0 {
				t.Fatalf("%s: no rows", tt.name)
			}
			for _, r := range rows {
				u := attr(r, "data-uuid")
				marked := len(page{root: r}.all("recording-mark")) == 1
				if marked != recorded[u] {
					t.Errorf("%s: row %s marked %v, recorded %v", tt.name, u, marked, recorded[u])
				}
				if tt.value == "yes" && !marked || tt.value == "no" && marked {
					t.Errorf("%s: row %s marked %v", tt.name, u, marked)
				}
			}
			if marks := pg.all("recording-mark"); len(marks) > 0 && nodeText(marks[0]) != "●RecRecorded" {
				t.Errorf("mark text %q", nodeText(marks[0]))
			}
			sel := pg.in("filter-has-recording")
			if sel.root == nil {
				t.Fatalf("%s: no recording filter control", tt.name)
			}
			var selected string
			for _, o := range sel.tags("option") {
				if hasAttr(o, "selected") {
					selected = attr(o, "value")
				}
			}
			if selected != tt.value {
				t.Errorf("%s: the control selects %q", tt.name, selected)
			}
			if chips := strings.Join(pg.texts("chip"), " | "); (tt.value != "") != strings.Contains(chips, "Recording") {
				t.Errorf("%s: chips %q", tt.name, chips)
			}
			if pg.has("recordings-sync-notice") {
				t.Errorf("%s: notice %q with every day synced", tt.name, pg.text("recordings-sync-notice"))
			}
		}
		if totals["any"] != all || totals["yes"] != with || totals["yes"]+totals["no"] != totals["any"] {
			t.Errorf("totals any %d yes %d no %d; want %d, %d", totals["any"], totals["yes"], totals["no"], all, with)
		}

		// The export honours the filter.
		res, body := a.get(t, c, "/calls/export?"+win+"&has_recording=yes&columns=uuid&bom=0")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("export: status %d: %s", res.StatusCode, errorText(body))
		}
		recs, err := csv.NewReader(bytes.NewReader([]byte(body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(recs)-1) != with {
			t.Errorf("export: %d rows, want %d", len(recs)-1, with)
		}
		for _, r := range recs[1:] {
			if !recorded[r[0]] {
				t.Errorf("export row %v was not recorded", r)
			}
		}

		// Refused: a bad value, the API path (outside the coverage), Reports and Costs.
		for _, tt := range []struct{ path, id, want string }{
			{"/calls?" + win + "&has_recording=maybe", "error-has_recording", "Recording must be yes"},
			{"/calls?start_date=2026-07-01&end_date=2026-07-02&has_recording=yes", "form-errors", "Recording"},
			{"/reports?has_recording=yes", "form-errors", "calls list only"},
			{"/reports/costs?has_recording=no", "form-error", "calls list only"},
		} {
			res, body := a.get(t, c, tt.path)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d", tt.path, res.StatusCode)
				continue
			}
			if got := parsePage(t, body).text(tt.id); !strings.Contains(got, tt.want) {
				t.Errorf("%s: %s %q, want %q", tt.path, tt.id, got, tt.want)
			}
		}
		// The Reports link of a filtered list would chart other calls.
		_, body = a.get(t, c, "/calls?"+win+"&has_recording=yes")
		if parsePage(t, body).has("to-reports") {
			t.Error("a list filtered by recording links to Reports")
		}

		// A day without its recordings listed: the notice names it.
		_, body = a.get(t, c, "/calls?from=2026-10-04T00:00&to=2026-10-06T00:00&has_recording=yes")
		if got := parsePage(t, body).text("recordings-sync-notice"); !strings.Contains(got, "1 day of this period (5 Oct, UTC)") {
			t.Errorf("notice %q", got)
		}
		// An account without the Recording API: said on the list.
		if err := a.ix.UpdateRecordingSync(context.Background(), func(s *callindex.RecordingSyncState) {
			s.Unavailable = "the Recording API answered HTTP 404"
		}); err != nil {
			t.Fatal(err)
		}
		_, body = a.get(t, c, "/calls?"+win)
		if got := parsePage(t, body).text("recordings-sync-notice"); !strings.Contains(got, "not available from this Vobiz account") {
			t.Errorf("notice %q", got)
		}
	})
}

// TestAdminIndexRecordings: the admin index page says for how many days
// recordings are synced, and that an account has no Recording API.
func TestAdminIndexRecordings(t *testing.T) {
	a := newIndexedApp(t, storetest.SQLiteTarget(t), 91)
	c := a.demo(t)
	_, body := a.get(t, c, "/admin/index")
	if got := parsePage(t, body).text("index-recordings"); !strings.HasPrefix(got, "Synced for 0 days (0 recordings); last poll never") {
		t.Errorf("recordings %q", got)
	}
	indexRecordings(t, a)
	n, err := a.ix.CountRecordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, body = a.get(t, c, "/admin/index")
	// 400 days of the strip, but 1 Aug to 26 Nov (118 days) listed, less the unsynced one.
	want := "Synced for 117 days (" + formatCount(n) + " recordings); last poll 26 Nov 2026"
	if got := parsePage(t, body).text("index-recordings"); !strings.HasPrefix(got, want) {
		t.Errorf("recordings %q, want %q…", got, want)
	}
	if err := a.ix.UpdateRecordingSync(context.Background(), func(s *callindex.RecordingSyncState) {
		s.Unavailable, s.RetryAt = "the Recording API answered HTTP 404", testNow.Add(time.Hour)
	}); err != nil {
		t.Fatal(err)
	}
	_, body = a.get(t, c, "/admin/index")
	if got := parsePage(t, body).text("index-recordings"); !strings.HasPrefix(got,
		"Not available from this Vobiz account: the Recording API answered HTTP 404.") {
		t.Errorf("recordings %q", got)
	}
}

func formatCount(n int64) string {
	s := itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
