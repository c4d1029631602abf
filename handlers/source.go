package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Which source answers a page: the call index or the Vobiz API.
//
// The index answers when it is on (Deps.Index) and its verified coverage
// holds the request's whole window (callindex.Coverage.Covers, with
// IndexMaxLag for windows that reach the present). Otherwise the API
// answers as it did before the index existed, and the page says so
// ("Live from Vobiz: the index covers …"), unless the request uses a
// parameter only the index can answer: that is refused (400) with the
// index's coverage, never answered with the filter silently dropped.
// Without any date, API filters alone are the API's newest-first list as
// before; an index-only parameter or a sort makes it the index's, over
// its whole coverage, and the page says which period that is.

// DefaultIndexMaxLag is Deps.IndexMaxLag's default.
const DefaultIndexMaxLag = 2 * time.Minute

// defaultRefreshWait is Deps.IndexRefreshWait's default: long enough for a
// sync that polls every 15 s and answers a request at once, short enough
// that the button never feels stuck.
const defaultRefreshWait = 5 * time.Second

// paramIndex keys the "needs the index" problem in filterQuery.errs.
const paramIndex = "index"

// window is a half-open range of start times; a zero to is open (now).
type window struct{ from, to time.Time }

// source is where a page's calls come from.
type source struct {
	index bool
	cov   callindex.Coverage
	// w is the window the index answers for (index only).
	w window
	// status is what the page says about the index (banner, freshness).
	status views.IndexStatus
}

// requestWindow is the window q asks for, zero bounds where it names
// none: from/to (local) or start_date/end_date (whole UTC days).
func (q *filterQuery) requestWindow() window {
	w := window{from: q.local.from, to: q.local.to}
	if s := q.filter.StartDate; s != "" {
		if t, err := time.Parse(vobiz.DateLayout, s); err == nil {
			w.from = t
		}
	}
	if e := q.filter.EndDate; e != "" {
		if t, err := time.Parse(vobiz.DateLayout, e); err == nil {
			w.to = t.AddDate(0, 0, 1)
		}
	}
	return w
}

// decideSource settles which source answers q (valid) and records it in
// q.src. A request the API cannot answer and the index does not cover
// gets its problem in q.errs[paramIndex], for the form's 400. returnTo is
// the page to come back to after a refresh.
func (h *Handler) decideSource(ctx context.Context, q *filterQuery, now time.Time, returnTo string) *source {
	src := &source{}
	q.src = src
	loc := q.loc
	if h.Index == nil {
		if len(q.local.used) > 0 {
			q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which is off on " +
				"this server (CDRDASH_INDEX=off). The Vobiz API cannot filter or sort this way."
		}
		return src
	}
	cov, err := h.Index.Coverage(ctx, now)
	if err != nil {
		// A broken index must not take the pages down: the API answers
		// what it can.
		h.Log.Warn("index coverage", "err", err, "request_id", requestID(ctx))
		if len(q.local.used) > 0 {
			q.errs[paramIndex] = h.indexOnlyNames(q) + " can only be answered by the call index, which cannot be " +
				"read right now. Try again in a minute, or remove these filters to search Vobiz directly."
			return src
		}
		src.status.Banner, src.status.Degraded = liveBanner(cov, err, loc, now), true
		return src
	}
	src.cov = cov
	banner := liveBanner(cov, nil, loc, now)

	w := q.requestWindow()
	switch {
	case !q.hasDates() && len(q.local.used) == 0:
		src.status.Banner = banner // the API's newest calls, as always
		return src
	case w.from.IsZero():
		// No start of its own: the index answers over all it covers.
		if len(q.local.used) == 0 {
			src.status.Banner = banner
			return src
		}
		// A stale sync still answers "all indexed calls" (the freshness
		// line says how stale); an end outside the coverage does not.
		// Days being synced again cut the period: it starts after the
		// newest of them.
		from := cov.Unbroken()
		if cov.IsZero() || !w.to.IsZero() && (!w.to.After(from) || !cov.Covers(from, w.to, now, h.IndexMaxLag)) {
			q.errs[paramIndex] = h.notCovered(q, cov, loc, now)
			return src
		}
		src.index, src.w = true, window{from: from, to: w.to}
		unbroken := cov
		unbroken.From, unbroken.Holes = from, nil
		src.status.Scope = "Across the indexed period, " + coverageLabel(unbroken, loc, now) + "."
	case cov.Covers(w.from, w.to, now, h.IndexMaxLag):
		src.index, src.w = true, w
	case len(q.local.used) > 0:
		q.errs[paramIndex] = h.notCovered(q, cov, loc, now)
		return src
	default:
		src.status.Banner = banner
		return src
	}
	if src.w.to.IsZero() || src.w.to.After(now) {
		src.w.to = now
	}
	scope := src.status.Scope
	src.status = h.indexedStatus(cov.LastPoll, now, loc, returnTo)
	src.status.Scope = scope
	return src
}

// liveBanner says that the API answered although the index is on, and
// why: it cannot be read (err), is still being built, or does not cover
// the window.
func liveBanner(cov callindex.Coverage, err error, loc *time.Location, now time.Time) string {
	switch {
	case err != nil:
		return "Live from Vobiz: the call index cannot be read right now."
	case cov.IsZero():
		return "Live from Vobiz: the call index is still being built."
	}
	return "Live from Vobiz: the call index covers " + coverageLabel(cov, loc, now) + "."
}

// indexedStatus is what an indexed page says: how fresh the index is,
// with the refresh button that comes back to returnTo.
func (h *Handler) indexedStatus(lastPoll, now time.Time, loc *time.Location, returnTo string) views.IndexStatus {
	st := views.IndexStatus{RefreshAction: h.url("/index/refresh"), ReturnTo: returnTo}
	st.Fresh, st.FreshTitle = freshness(lastPoll, now, loc)
	return st
}

// indexOnlyNames names the index-only parameters q uses, as the form
// labels them: "Outcome and Quality".
func (h *Handler) indexOnlyNames(q *filterQuery) string {
	names := make([]string, 0, len(q.local.used))
	for _, n := range q.local.used {
		if n == paramTo && contains(q.local.used, paramFrom) {
			continue
		}
		names = append(names, indexLabels[n])
	}
	switch len(names) {
	case 0:
		return "This search"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func (h *Handler) notCovered(q *filterQuery, cov callindex.Coverage, loc *time.Location, now time.Time) string {
	what := h.indexOnlyNames(q) + " can only be answered by the call index, and "
	if cov.IsZero() {
		return what + "it is still being built: no day is verified yet. Try again in a few minutes, or remove " +
			"these filters to search Vobiz directly."
	}
	msg := what + "it does not cover these dates: it holds " + coverageSpan(cov, loc) + " (verified days"
	if n := len(cov.Holes); n > 0 {
		msg += ", " + views.Count(int64(n), "day", "days") + " of them being synced again"
	}
	if !cov.LastPoll.IsZero() {
		msg += ", last synced " + views.FormatTime(cov.LastPoll, loc)
	}
	return msg + "). Choose dates inside that period, or remove these filters to search Vobiz directly."
}

// coverageLabel is the covered period in days, "8 Sep – 7 Dec" (with
// years when they are not this year's), in loc.
func coverageLabel(cov callindex.Coverage, loc *time.Location, now time.Time) string {
	from, last := cov.From.In(loc), cov.To.Add(-time.Nanosecond).In(loc)
	layout := "2 Jan"
	if from.Year() != now.In(loc).Year() || last.Year() != now.In(loc).Year() {
		layout = "2 Jan 2006"
	}
	label := from.Format(layout) + " – " + last.Format(layout)
	if from.Format(layout) == last.Format(layout) {
		label = from.Format(layout)
	}
	switch n := len(cov.Holes); {
	case n == 1:
		label += " except " + cov.Holes[0].Format("2 Jan") + " (UTC), which is being synced again"
	case n > 1:
		label += " except " + strconv.Itoa(n) + " days being synced again"
	}
	return label
}

// coverageSpan is the covered period to the second, for messages.
func coverageSpan(cov callindex.Coverage, loc *time.Location) string {
	return views.FormatTime(cov.From, loc) + " to " + views.FormatTime(cov.To, loc)
}

// freshness is "Synced 8 s ago" and the exact time, for an indexed page.
func freshness(lastPoll, now time.Time, loc *time.Location) (text, title string) {
	if lastPoll.IsZero() {
		return "Not synced with Vobiz yet", "The sync has not fetched the newest calls yet."
	}
	title = "Last synced with Vobiz at " + views.FormatTime(lastPoll, loc)
	d := max(now.Sub(lastPoll), 0)
	switch {
	case d < time.Minute:
		return "Synced " + strconv.Itoa(int(d/time.Second)) + " s ago", title
	case d < time.Hour:
		return "Synced " + strconv.Itoa(int(d/time.Minute)) + " min ago", title
	case d < 48*time.Hour:
		return "Synced " + strconv.Itoa(int(d/time.Hour)) + " h ago", title
	}
	return "Synced " + strconv.Itoa(int(d/(24*time.Hour))) + " days ago", title
}

// localPresets are the date presets the index covers, by label, as local
// days in the viewer's zone; empty when the index is off or covers none
// (the API's UTC-day presets then stand). Today runs from local midnight
// to the next one, which the index reads as "to now".
func (h *Handler) localPresets(action string, q *filterQuery, now time.Time) map[string]string {
	if h.Index == nil || q.src == nil || q.src.cov.IsZero() || q.loc == nil {
		return nil
	}
	t := now.In(q.loc)
	day := func(n int) time.Time { return time.Date(t.Year(), t.Month(), t.Day()+n, 0, 0, 0, 0, q.loc) }
	ranges := []struct {
		label    string
		from, to time.Time
	}{
		{"Today", day(0), day(1)},
		{"Yesterday", day(-1), day(0)},
		{"Last 7 days", day(-6), day(1)},
		{"Last 30 days", day(-29), day(1)},
		{"This month", time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, q.loc), day(1)},
	}
	out := map[string]string{}
	for _, r := range ranges {
		if q.src.cov.Covers(r.from, r.to, now, h.IndexMaxLag) {
			out[r.label] = h.urlWith(action, q.with(paramFrom, formatLocalParam(r.from, q.loc),
				paramTo, formatLocalParam(r.to, q.loc), vobiz.ParamStartDate, "", vobiz.ParamEndDate, ""))
		}
	}
	return out
}

// refreshIndex is POST /index/refresh: it asks the syncing process
// (wherever it runs) to poll Vobiz now, waits a little for that poll so
// the page it goes back to shows the newest calls, then redirects to the
// page the button was on.
func (h *Handler) refreshIndex(w http.ResponseWriter, r *http.Request) error {
	if h.Index == nil {
		return notFound("The call index is off on this server, so there is nothing to refresh.")
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The refresh form could not be read.")
	}
	back, ok := h.localReturn(r.PostForm.Get("return"))
	if !ok {
		return badRequest("The page to return to is not a cdrdash page.")
	}
	if err := h.Index.RequestPoll(r.Context()); err != nil {
		return fmt.Errorf("refresh index: %w", err)
	}
	if h.IndexRefreshWait > 0 {
		h.awaitPoll(r.Context(), h.IndexRefreshWait)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// awaitPoll waits, at most d, until the sync's last poll is later than the
// request for it just written. It gives up quietly: the page then shows
// how fresh the index is.
func (h *Handler) awaitPoll(ctx context.Context, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	st, err := h.Index.SyncState(ctx)
	if err != nil {
		return
	}
	asked := st.PollRequested
	tick := time.NewTicker(refreshPollEvery)
	defer tick.Stop()
	for !st.LastPoll.After(asked) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if st, err = h.Index.SyncState(ctx); err != nil {
			return
		}
	}
}

// refreshPollEvery is how often the refresh re-reads the sync state.
const refreshPollEvery = 200 * time.Millisecond

// localReturn checks that s is a path of this dashboard (under the base
// path, no scheme, host or backslash tricks) and returns it.
func (h *Handler) localReturn(s string) (string, bool) {
	if s == "" || len(s) > maxQueryLen+256 || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") ||
		strings.ContainsAny(s, "\\\r\n\t") {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "", false
	}
	if h.BasePath != "" && u.Path != h.BasePath && !strings.HasPrefix(u.Path, h.BasePath+"/") {
		return "", false
	}
	return u.RequestURI(), true
}
