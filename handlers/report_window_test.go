package handlers

import (
	"net/url"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/views"
)

func TestParseReportWindow(t *testing.T) {
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) // 17:30 IST
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02T15:04", s, ist)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name       string
		query      string
		from, to   time.Time
		local      bool
		defaulted  bool
		period     string
		wantErrFor string
	}{
		{name: "default is the last 30 local days with today", query: "",
			from: at("2026-10-28T00:00"), to: at("2026-11-27T00:00"), local: true, defaulted: true},
		{name: "a billing period is the calendar month in the viewer's zone", query: "period=2026-11",
			from: at("2026-11-01T00:00"), to: at("2026-12-01T00:00"), local: true, period: "2026-11"},
		{name: "from and to are local and half-open", query: "from=2026-11-03T09:30&to=2026-11-05T00:00",
			from: at("2026-11-03T09:30"), to: at("2026-11-05T00:00"), local: true},
		{name: "from alone runs to the end of today", query: "from=2026-11-20T00:00",
			from: at("2026-11-20T00:00"), to: at("2026-11-27T00:00"), local: true},
		{name: "API days are whole UTC days", query: "start_date=2026-11-01&end_date=2026-11-02",
			from: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), to: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)},
		{name: "a period with dates is refused", query: "period=2026-11&from=2026-11-03T09:30", wantErrFor: paramPeriod},
		{name: "a period that is not a month is refused", query: "period=november", wantErrFor: paramPeriod},
		{name: "more than a year is refused", query: "from=2025-01-01T00:00&to=2026-11-01T00:00", wantErrFor: paramTo},
		{name: "twelve calendar months are allowed", query: "from=2025-12-01T00:00&to=2026-12-01T00:00",
			from: at("2025-12-01T00:00"), to: at("2026-12-01T00:00"), local: true},
	}
	h := &Handler{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q := h.parseValues(raw, len(tt.query), ist)
			w := parseReportWindow(q, ist, now)
			if tt.wantErrFor != "" {
				if _, ok := q.errs[tt.wantErrFor]; !ok {
					t.Fatalf("errs = %v, want one for %s", q.errs, tt.wantErrFor)
				}
				return
			}
			if q.invalid() {
				t.Fatalf("errs = %v", q.errs)
			}
			if !w.From.Equal(tt.from) || !w.To.Equal(tt.to) || w.Local != tt.local || w.Defaulted != tt.defaulted || w.Period != tt.period {
				t.Errorf("window = %+v, want from %v to %v local %v defaulted %v period %q", w, tt.from, tt.to, tt.local, tt.defaulted, tt.period)
			}
		})
	}
}

func TestPlainNumber(t *testing.T) {
	for in, want := range map[string]string{
		"24,162":        "24162",
		"₹1,50,328.20":  "150328.20",
		"₹-12.50":       "-12.50",
		"$1,234.50":     "1234.50",
		"XYZ 1,234.50":  "1234.50",
		"68.2 %":        "68.2",
		"68.2%":         "68.2",
		"12.5":          "12.5",
		"1h 02m":        "1h 02m",
		"—":             "—",
		"=HYPERLINK(1)": "'=HYPERLINK(1)",
	} {
		if got := plainNumber(in); got != want {
			t.Errorf("plainNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// The page's own formatting, whatever characters it uses to keep an
// amount on one line, reads back as the number.
func TestPlainNumberOfFormatted(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{views.FormatMoney(150328.2, "INR"), "150328.20"},
		{views.FormatMoney(-1234.5, "USD"), "-1234.50"},
		{views.FormatMoney(1234.5, "XYZ"), "1234.50"},
		{views.FormatInt(1234567), "1234567"},
	} {
		if got := plainNumber(c.in); got != c.want {
			t.Errorf("plainNumber(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
