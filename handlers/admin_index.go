package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/views"
)

// indexStripDays bounds the coverage strip: the index keeps 400 days by
// default (CDRDASH_INDEX_DAYS), so a year and its predecessor fit.
const indexStripDays = 400

// indexOffHelp is what the page says when the dashboard runs without the
// index.
const indexOffHelp = "The call index is off (CDRDASH_INDEX=off): every page asks the Vobiz API directly. " +
	"To turn it on, remove CDRDASH_INDEX=off (the index is on by default) and restart cdrdash; " +
	"it then syncs the account's calls, newest day first, and this page shows its progress."

// statusText names and marks each day state, so the strip means the same
// without colour.
var statusText = map[callindex.DayStatus]struct{ label, symbol string }{
	callindex.DayComplete: {"Complete", "✓"},
	callindex.DaySyncing:  {"Syncing", "↻"},
	callindex.DayMismatch: {"Mismatch", "≠"},
	callindex.DayMissing:  {"Missing", "·"},
}

var statusOrder = []callindex.DayStatus{callindex.DayComplete, callindex.DaySyncing, callindex.DayMismatch, callindex.DayMissing}

// showIndex is the call index's admin page: coverage per UTC day, totals,
// sync state and a re-sync button per day.
func (h *Handler) showIndex(w http.ResponseWriter, r *http.Request) error {
	p := h.page(r, "Call index", "index")
	p.Flash = h.Sessions.PopString(r.Context(), flashKey)
	if h.Index == nil {
		return h.render(w, r, http.StatusOK, views.AdminIndexPage(p, views.AdminIndexView{Off: true, Help: indexOffHelp}))
	}
	var selected time.Time
	if d := r.URL.Query().Get("day"); d != "" {
		var err error
		if selected, err = parseIndexDay(d, h.Now()); err != nil {
			return err
		}
	}
	ctx := r.Context()
	now := h.Now().UTC()
	loc := h.zone(r)
	st, err := h.Index.SyncState(ctx)
	if err != nil {
		return fmt.Errorf("index page: %w", err)
	}
	cov, err := h.Index.Coverage(ctx, now)
	if err != nil {
		return fmt.Errorf("index page: %w", err)
	}
	size, err := h.Index.Size(ctx)
	if err != nil {
		return fmt.Errorf("index page: %w", err)
	}
	today := utcMidnight(now)
	first := today.AddDate(0, 0, -(indexStripDays - 1))
	stored, err := h.Index.Days(ctx, first, today)
	if err != nil {
		return fmt.Errorf("index page: %w", err)
	}
	older, err := h.Index.Days(ctx, time.Time{}, first.AddDate(0, 0, -1))
	if err != nil {
		return fmt.Errorf("index page: %w", err)
	}

	v := views.AdminIndexView{
		Rows:     views.FormatInt(size.Rows),
		Size:     formatBytes(size.Bytes),
		Coverage: coverageText(cov),
		LastPoll: "never",
		Lag:      "no poll yet",
		Holder:   holderText(st, now, loc),
		Paused:   st.Paused,
	}
	if !st.LastPoll.IsZero() {
		lag := max(now.Sub(st.LastPoll), 0)
		v.LastPoll = views.FormatTime(st.LastPoll, loc)
		v.Lag = "lag " + agoText(lag)
	}
	if st.LastError != "" {
		v.LastError, v.ErrorAt = st.LastError, views.FormatTime(st.LastErrorAt, loc)
	}
	if err := h.recordingsState(r, &v, first, today, loc); err != nil {
		return fmt.Errorf("index page: %w", err)
	}
	if st.BackfillDays > 0 {
		done := min(max(st.BackfillDone, 0), st.BackfillDays)
		v.BackfillMax, v.BackfillValue = strconv.Itoa(st.BackfillDays), strconv.Itoa(done)
		v.BackfillText = fmt.Sprintf("Backfill: %s of %s days synced", views.FormatInt(int64(done)), views.FormatInt(int64(st.BackfillDays)))
	}

	// The strip runs from the oldest stored day (at most indexStripDays
	// back) to today; days without a state are missing.
	start := today
	if len(stored) > 0 && stored[0].Day.Before(start) {
		start = stored[0].Day
	}
	if len(older) > 0 {
		start = first
		v.Omitted = fmt.Sprintf("%s older days are stored and not shown; the strip shows the last %d days.",
			views.FormatInt(int64(len(older))), indexStripDays)
	}
	byDay := make(map[time.Time]callindex.DayState, len(stored))
	for _, d := range stored {
		byDay[d.Day] = d
	}
	counts := map[callindex.DayStatus]int{}
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		ds, ok := byDay[d]
		if !ok {
			ds = callindex.DayState{Day: d, Status: callindex.DayMissing, APITotal: callindex.UnknownTotal}
		}
		counts[ds.Status]++
		day := h.indexDay(ds, loc)
		if n := len(v.Months); n == 0 || v.Months[n-1].Label != d.Format("Jan 2006") {
			v.Months = append(v.Months, views.IndexMonth{Label: d.Format("Jan 2006"), Pad: make([]struct{}, d.Day()-1)})
		}
		m := &v.Months[len(v.Months)-1]
		m.Days = append(m.Days, day)
		if d.Equal(selected) {
			v.Selected = &day
		}
	}
	for i := len(stored) - 1; i >= 0; i-- {
		if ds := stored[i]; ds.Status != callindex.DayComplete {
			v.Problems = append(v.Problems, h.indexDay(ds, loc))
		}
	}
	if !selected.IsZero() && v.Selected == nil {
		ds, err := h.Index.Day(ctx, selected)
		if err != nil {
			return fmt.Errorf("index page: %w", err)
		}
		day := h.indexDay(ds, loc)
		v.Selected = &day
	}
	for _, s := range statusOrder {
		v.Counts = append(v.Counts, views.IndexCount{Status: string(s), Label: statusText[s].label,
			Symbol: statusText[s].symbol, N: views.FormatInt(int64(counts[s]))})
	}
	return h.render(w, r, http.StatusOK, views.AdminIndexPage(p, v))
}

// indexDay is one day's view.
func (h *Handler) indexDay(ds callindex.DayState, loc *time.Location) views.IndexDay {
	date := ds.Day.Format(dayLayout)
	st, ok := statusText[ds.Status]
	if !ok {
		st.label, st.symbol = string(ds.Status), "?"
	}
	d := views.IndexDay{
		Date:     date,
		Status:   string(ds.Status),
		Label:    st.label,
		Symbol:   st.symbol,
		URL:      h.urlWith("/admin/index", url.Values{"day": {date}}) + "#day-detail",
		Resync:   h.url("/admin/index/days/" + date + "/resync"),
		Rows:     views.FormatInt(ds.Rows),
		APITotal: "not asked yet",
		Verified: "never",
		Updated:  "—",
		Error:    orDash(ds.LastError),
	}
	if ds.APITotal >= 0 {
		d.APITotal = views.FormatInt(ds.APITotal)
	}
	if !ds.VerifiedAt.IsZero() {
		d.Verified = views.FormatTime(ds.VerifiedAt, loc)
	}
	if ds.Status != callindex.DayMissing {
		d.Updated = views.FormatTime(ds.UpdatedAt, loc)
	}
	d.Title = date + " (UTC): " + st.label + ", " + d.Rows + " rows, API total " + d.APITotal
	if ds.LastError != "" {
		d.Title += ", " + ds.LastError
	}
	return d
}

// resyncDay marks a day for another sync: its state becomes mismatch, which
// the sync job re-syncs, and the syncing process is asked to run now.
func (h *Handler) resyncDay(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseSmallForm(w, r); err != nil {
		return err
	}
	if h.Index == nil {
		return &httpError{status: http.StatusConflict, title: "The call index is off", message: indexOffHelp}
	}
	day, err := parseIndexDay(chi.URLParam(r, "day"), h.Now())
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, err := h.Index.Day(ctx, day)
	if err != nil {
		return fmt.Errorf("re-sync day: %w", err)
	}
	who := "an admin"
	if u, ok := auth.UserFrom(ctx); ok {
		who = u.Username
	}
	date := day.Format(dayLayout)
	err = h.Index.SetDay(ctx, callindex.DayState{Day: day, Status: callindex.DayMismatch, Rows: cur.Rows,
		APITotal: cur.APITotal, VerifiedAt: cur.VerifiedAt, LastError: "re-sync asked by " + who})
	if err != nil {
		return fmt.Errorf("re-sync day %s: %w", date, err)
	}
	if err := h.Index.RequestPoll(ctx); err != nil {
		return fmt.Errorf("re-sync day %s: %w", date, err)
	}
	h.Auth.Audit().RecordRequest(r, auth.ActionIndexResync, map[string]string{"day": date})
	return h.flashRedirect(w, r, "Day "+date+" (UTC) will be synced again.",
		"/admin/index?"+url.Values{"day": {date}}.Encode())
}

const dayLayout = "2006-01-02"

// parseIndexDay reads a UTC day YYYY-MM-DD from 2000 to today.
func parseIndexDay(s string, now time.Time) (time.Time, error) {
	d, err := time.Parse(dayLayout, s)
	if err != nil || len(s) != len(dayLayout) {
		return time.Time{}, badRequest(fmt.Sprintf("%.40q is not a day: write it as YYYY-MM-DD, e.g. 2026-12-07.", s))
	}
	if d.Year() < 2000 || d.After(utcMidnight(now)) {
		return time.Time{}, badRequest(fmt.Sprintf("%s is not a day the index can hold: it is in the future or before 2000.", s))
	}
	return d, nil
}

func utcMidnight(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// coverageText says which span the index answers for.
func coverageText(c callindex.Coverage) string {
	if c.IsZero() {
		return "nothing verified yet"
	}
	last := c.To.Add(-time.Nanosecond)
	if c.From.Year() == last.Year() {
		return c.From.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return c.From.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// holderText says which process syncs and until when its lease runs.
func holderText(st callindex.SyncState, now time.Time, loc *time.Location) string {
	switch {
	case st.Holder == "":
		return "nobody has synced yet"
	case st.LeaseUntil.IsZero():
		return st.Holder + " (released its lease: nobody syncs now)"
	case st.LeaseUntil.Before(now):
		return st.Holder + " (lease expired " + views.FormatTime(st.LeaseUntil, loc) + ": nobody syncs now)"
	}
	return st.Holder + " (lease until " + views.FormatTime(st.LeaseUntil, loc) + ")"
}

// agoText is a short duration for "lag 8 s".
func agoText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + " days"
}

// formatBytes writes a size in binary units: "1.2 GiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + "KMGTPE"[exp:exp+1] + "iB"
}

// recordingsState fills the page's recordings line: how many UTC days of
// the strip have their recordings listed, or that the account has no
// Recording API (docs/call-index.md#recordings).
func (h *Handler) recordingsState(r *http.Request, v *views.AdminIndexView, first, today time.Time, loc *time.Location) error {
	ctx := r.Context()
	rs, err := h.Index.RecordingSync(ctx)
	if err != nil {
		return err
	}
	if rs.Unavailable != "" {
		v.Recordings = "Not available from this Vobiz account: " + rs.Unavailable + ". Asked again at " +
			views.FormatTime(rs.RetryAt, loc) + "; the call pages ask Vobiz for a call's recordings directly."
		return nil
	}
	days, err := h.Index.RecordingDays(ctx, first, today.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	n, err := h.Index.CountRecordings(ctx)
	if err != nil {
		return err
	}
	d := "days"
	if len(days) == 1 {
		d = "day"
	}
	poll := "never"
	if !rs.LastPoll.IsZero() {
		poll = views.FormatTime(rs.LastPoll, loc)
	}
	v.Recordings = "Synced for " + views.FormatInt(int64(len(days))) + " " + d + " (" + views.FormatInt(n) +
		" recordings); last poll " + poll + "."
	if rs.LastError != "" {
		v.RecordingsError = "Last error: " + rs.LastError + " (" + views.FormatTime(rs.LastErrorAt, loc) +
			"); retried at " + views.FormatTime(rs.RetryAt, loc) + "."
	}
	return nil
}
