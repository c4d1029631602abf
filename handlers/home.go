package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"

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
	v := views.HomeView{
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
	return h.render(w, r, http.StatusOK, views.HomePage(h.page(r, "Home", "home"), v))
}
