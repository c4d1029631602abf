package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// homeRecentLimit is how many of the newest calls the home page lists.
const homeRecentLimit = 20

// showHome shows today's summary and the newest calls. The two upstream
// requests run at once; if only the summary fails, the page still shows
// the calls and says what is missing.
func (h *Handler) showHome(w http.ResponseWriter, r *http.Request) error {
	loc := h.zone(r)
	now := h.Now().In(loc)
	v, banner, err := h.indexedHome(r, loc)
	if err != nil {
		return err
	}
	if banner == "" && h.Index != nil {
		return h.render(w, r, http.StatusOK, views.HomePage(h.page(r, "Home", "home"), v))
	}
	today := h.Now().In(apiDayZone).Format(vobiz.DateLayout)
	todayFilter := vobiz.Filter{StartDate: today, EndDate: today, PerPage: 1}

	var (
		wg        sync.WaitGroup
		summary   *vobiz.SearchResponse
		recent    *vobiz.RecentResponse
		sumErr    error
		recentErr error
	)
	wg.Go(func() { summary, sumErr = h.CDRs.Search(r.Context(), todayFilter) })
	wg.Go(func() { recent, recentErr = h.CDRs.Recent(r.Context(), homeRecentLimit) })
	wg.Wait()
	if recentErr != nil {
		return fmt.Errorf("recent calls: %w", recentErr)
	}

	todayQuery := url.Values{vobiz.ParamStartDate: {today}, vobiz.ParamEndDate: {today}}
	v = views.HomeView{
		Today:        now.Format("Monday 2 January"),
		TodayCalls:   h.urlWith("/calls", todayQuery),
		TodayReports: h.urlWith("/reports", todayQuery),
		AllCalls:     h.url("/calls"),
	}
	if sumErr != nil {
		if errors.Is(sumErr, r.Context().Err()) {
			return sumErr
		}
		h.Log.Warn("home summary", "err", sumErr, "request_id", requestID(r.Context()))
		v.TilesError = "Today's summary could not be loaded from Vobiz (" + h.classify(r, sumErr).Title + "). The newest calls are below."
	} else {
		v.Tiles = summaryTiles(summary.Summary, currencyOf(recent.Data), loc)
	}
	for i := range recent.Data {
		v.Rows = append(v.Rows, h.callRow(&recent.Data[i], ""))
	}
	v.Index.Banner = banner
	v.Index.Degraded = banner != "" // on home every banner means "today" is not the local day
	return h.render(w, r, http.StatusOK, views.HomePage(h.page(r, "Home", "home"), v))
}

// indexedHome is the home page from the call index, when it covers today
// in the viewer's zone (local midnight to now): today's tiles and the
// newest calls, with links to that local day. When the index is on but
// does not cover today, it returns the banner saying why the API answers
// instead; with the index off, nothing.
func (h *Handler) indexedHome(r *http.Request, loc *time.Location) (v views.HomeView, banner string, err error) {
	if h.Index == nil {
		return v, "", nil
	}
	now := h.Now()
	cov, err := h.Index.Coverage(r.Context(), now)
	if err != nil {
		// A broken index must not take the page down: the API answers.
		h.Log.Warn("index coverage", "err", err, "request_id", requestID(r.Context()))
		return v, "Live from Vobiz: the call index cannot be read right now.", nil
	}
	t := now.In(loc)
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
	if !cov.Covers(start, now, now, h.IndexMaxLag) {
		if cov.IsZero() {
			return v, "Live from Vobiz: the call index is still being built, so \"today\" is the UTC day.", nil
		}
		return v, "Live from Vobiz: the call index covers " + coverageLabel(cov, loc, now) +
			", not all of today, so \"today\" is the UTC day.", nil
	}
	var (
		wg                  sync.WaitGroup
		today, recent       callindex.Page
		todayErr, recentErr error
	)
	wg.Go(func() {
		today, todayErr = h.Index.Query(r.Context(), callindex.Filter{From: start, To: now, Limit: 1, Thresholds: h.Thresholds})
	})
	wg.Go(func() {
		recent, recentErr = h.Index.Query(r.Context(), callindex.Filter{From: cov.From, Limit: homeRecentLimit, Thresholds: h.Thresholds})
	})
	wg.Wait()
	if err := errors.Join(todayErr, recentErr); err != nil {
		return v, "", fmt.Errorf("home from the call index: %w", err)
	}
	todayQuery := url.Values{paramFrom: {formatLocalParam(start, loc)}, paramTo: {formatLocalParam(end, loc)}}
	v = views.HomeView{
		Today:      t.Format("Monday 2 January"),
		TodayCalls: h.urlWith("/calls", todayQuery),
		AllCalls:   h.url("/calls"),
	}
	// The index answers a report over the same local day (docs/reports.md).
	v.TodayReports = h.urlWith("/reports", todayQuery)
	cdrs := make([]vobiz.CDR, len(recent.Calls))
	for i := range recent.Calls {
		cdrs[i] = recent.Calls[i].CDR
	}
	v.Tiles = summaryTiles(today.Summary, currencyOf(cdrs), loc)
	for i := range cdrs {
		v.Rows = append(v.Rows, h.callRow(&cdrs[i], ""))
	}
	v.Index.Fresh, v.Index.FreshTitle = freshness(cov.LastPoll, now, loc)
	v.Index.RefreshAction, v.Index.ReturnTo = h.url("/index/refresh"), r.URL.RequestURI()
	return v, "", nil
}
