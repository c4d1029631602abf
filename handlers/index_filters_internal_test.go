package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
)

func TestLocalWindows(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, ny) }
	hour := func(h int) *int { return &h }
	day := func(d time.Weekday) *time.Weekday { return &d }
	tests := []struct {
		name     string
		from, to time.Time
		hour     *int
		weekday  *time.Weekday
		want     []callindex.Window
	}{
		{"hour across the DST end keeps the wall clock", at(10, 31, 0, 0), at(11, 3, 0, 0), hour(9), nil, []callindex.Window{
			{From: at(10, 31, 9, 0), To: at(10, 31, 10, 0)},
			{From: at(11, 1, 9, 0), To: at(11, 1, 10, 0)}, // EST from here: 14:00 UTC, not 13:00
			{From: at(11, 2, 9, 0), To: at(11, 2, 10, 0)},
		}},
		{"the 25-hour day is one window", at(10, 31, 0, 0), at(11, 3, 0, 0), nil, day(time.Sunday), []callindex.Window{
			{From: at(11, 1, 0, 0), To: at(11, 2, 0, 0)},
		}},
		{"clipped to the range", at(11, 2, 9, 30), at(11, 3, 9, 15), hour(9), nil, []callindex.Window{
			{From: at(11, 2, 9, 30), To: at(11, 2, 10, 0)},
			{From: at(11, 3, 9, 0), To: at(11, 3, 9, 15)},
		}},
		{"hour and weekday", at(11, 1, 0, 0), at(11, 15, 0, 0), hour(23), day(time.Tuesday), []callindex.Window{
			{From: at(11, 3, 23, 0), To: at(11, 4, 0, 0)},
			{From: at(11, 10, 23, 0), To: at(11, 11, 0, 0)},
		}},
		{"nothing matches: an empty window, not no filter", at(11, 2, 0, 0), at(11, 3, 0, 0), nil, day(time.Friday), []callindex.Window{
			{From: at(11, 2, 0, 0), To: at(11, 2, 0, 0)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := localWindows(tt.from, tt.to, tt.hour, tt.weekday, ny)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if !got[i].From.Equal(tt.want[i].From) || !got[i].To.Equal(tt.want[i].To) {
					t.Errorf("window %d = %v–%v, want %v–%v", i, got[i].From, got[i].To, tt.want[i].From, tt.want[i].To)
				}
			}
		})
	}
	if w, err := localWindows(at(1, 1, 0, 0), at(1, 1, 0, 0).AddDate(1, 2, 0), hour(3), nil, ny); err == nil ||
		!strings.Contains(messageOf(err), "at most 400 days") {
		t.Errorf("426 days of an hour: %d windows, err %v", len(w), err)
	}
	if _, err := localWindows(at(1, 1, 0, 0), at(1, 1, 0, 0).AddDate(1, 0, 0), hour(3), nil, ny); err != nil {
		t.Errorf("a year of an hour: %v", err)
	}
}

func TestParseLocalTime(t *testing.T) {
	ist, _ := time.LoadLocation("Asia/Kolkata")
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time // UTC; zero = refused
	}{
		{"2026-12-06T00:00", ist, time.Date(2026, 12, 5, 18, 30, 0, 0, time.UTC)},
		{"2026-12-06T09:30:15", ist, time.Date(2026, 12, 6, 4, 0, 15, 0, time.UTC)},
		{"2026-11-01T01:30", ny, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)}, // the repeated hour: its first (EDT) instance
		{"2026-12-06", ist, time.Time{}},
		{"2026-13-01T00:00", ist, time.Time{}},
		{"0001-01-01T00:00", ist, time.Time{}},
		{"garbage", ist, time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseLocalTime(tt.in, tt.loc)
		if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
			t.Errorf("%s in %s = %v %v, want %v", tt.in, tt.loc, got.UTC(), ok, tt.want)
		}
	}
	// In the skipped hour, the time exists on one side of the change, and
	// from and to land on the same rule.
	got, ok := parseLocalTime("2026-03-08T02:30", ny)
	if !ok || got.Before(time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)) || got.After(time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("skipped hour: %v", got.UTC())
	}
}

func TestLocalReturn(t *testing.T) {
	tests := []struct {
		base, in, want string
		ok             bool
	}{
		{"", "/calls?from=2026-11-20T00:00&outcome=failed", "/calls?from=2026-11-20T00:00&outcome=failed", true},
		{"", "/", "/", true},
		{"/dash", "/dash/calls?x=1", "/dash/calls?x=1", true},
		{"/dash", "/dash", "/dash", true},
		{"/dash", "/calls", "", false},
		{"/dash", "/dashboard/calls", "", false},
		{"", "https://evil.example/", "", false},
		{"", "//evil.example/", "", false},
		{"", `/\evil.example/`, "", false},
		{"", "/calls\r\nSet-Cookie: x", "", false},
		{"", "calls", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		h := &Handler{Deps: Deps{BasePath: tt.base}}
		got, ok := h.localReturn(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("base %q, %q = %q %v, want %q %v", tt.base, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// The index's age and covered period, as every indexed page and banner
// words them.
func TestFreshnessAndCoverageLabel(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{
		{0, "Synced 0 s ago"}, {8 * time.Second, "Synced 8 s ago"}, {-time.Second, "Synced 0 s ago"},
		{90 * time.Second, "Synced 1 min ago"}, {3 * time.Hour, "Synced 3 h ago"}, {72 * time.Hour, "Synced 3 days ago"},
	} {
		if got, title := freshness(now.Add(-tc.age), now, time.UTC); got != tc.want || title == "" {
			t.Errorf("age %s: %q (title %q), want %q", tc.age, got, title, tc.want)
		}
	}
	if got, _ := freshness(time.Time{}, now, time.UTC); got != "Not synced with Vobiz yet" {
		t.Errorf("never polled: %q", got)
	}

	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	ist := time.FixedZone("IST", 5*3600+1800)
	for _, tc := range []struct {
		name string
		cov  callindex.Coverage
		err  error
		loc  *time.Location
		want string
	}{
		{"building", callindex.Coverage{}, nil, time.UTC, "Live from Vobiz: the call index is still being built."},
		{"unreadable", callindex.Coverage{}, context.DeadlineExceeded, time.UTC, "Live from Vobiz: the call index cannot be read right now."},
		{"to now", callindex.Coverage{From: day(9, 8), To: now}, nil, time.UTC, "Live from Vobiz: the call index covers 8 Sep – 7 Dec."},
		{"to a midnight", callindex.Coverage{From: day(9, 8), To: day(12, 7)}, nil, time.UTC, "Live from Vobiz: the call index covers 8 Sep – 6 Dec."},
		{"in IST", callindex.Coverage{From: day(9, 8), To: day(12, 7)}, nil, ist, "Live from Vobiz: the call index covers 8 Sep – 7 Dec."},
		{"a hole", callindex.Coverage{From: day(9, 8), To: day(12, 7), Holes: []time.Time{day(11, 30)}}, nil, time.UTC,
			"Live from Vobiz: the call index covers 8 Sep – 6 Dec except 30 Nov (UTC), which is being synced again."},
		{"across years", callindex.Coverage{From: day(9, 8).AddDate(-1, 0, 0), To: now}, nil, time.UTC,
			"Live from Vobiz: the call index covers 8 Sep 2025 – 7 Dec 2026."},
	} {
		if got := liveBanner(tc.cov, tc.err, tc.loc, now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
