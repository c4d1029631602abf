package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/phone"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

var perPageChoices = []int{20, 50, 100}

// showCalls is the search page: filters, summary tiles, results, paging.
// Bad filters answer 400 with the form and its messages, and nothing is
// sent to Vobiz.
func (h *Handler) showCalls(w http.ResponseWriter, r *http.Request) error {
	q := h.parseFilters(r)
	loc := q.loc
	now := h.Now()
	p := h.page(r, "Calls", "calls")
	var src *source
	if !q.invalid() {
		src = h.decideSource(r.Context(), q, now, r.URL.RequestURI())
	}
	var f callindex.Filter
	if !q.invalid() && src.index {
		var err error
		if f, err = h.indexFilter(q, src.w, loc); err != nil {
			q.errs[paramIndex] = messageOf(err)
		}
	}
	if q.invalid() {
		v := views.CallsView{Invalid: true,
			Form: h.filterForm("/calls", q, nil, causeNames(), now, loc)}
		return h.render(w, r, http.StatusBadRequest, views.CallsPage(p, v))
	}
	if src.index {
		res, err := h.queryIndexPage(r.Context(), q, f)
		if err == nil {
			return h.showIndexedCalls(w, r, q, src, res, p)
		}
		if len(q.local.used) > 0 || r.Context().Err() != nil {
			return fmt.Errorf("query call index: %w", err)
		}
		// The API can answer this one: a broken index costs speed, not the page.
		h.Log.Warn("query call index", "err", err, "request_id", requestID(r.Context()))
		src.status = views.IndexStatus{Banner: "Live from Vobiz: the call index cannot be read right now.", Degraded: true}
	}
	noteSource(r.Context(), sourceAPI)
	res, err := h.CDRs.Search(r.Context(), q.filter)
	if err != nil {
		return fmt.Errorf("search calls: %w", err)
	}
	h.lists.put(apiListKey(q.filter), newListPage(res)) // for the detail pages' neighbour links
	v := views.CallsView{
		Form:       h.filterForm("/calls", q, res.Filters, causeNames(), now, loc),
		Chips:      h.chips("/calls", q),
		Applied:    appliedNote(q, res.Filters),
		Tiles:      summaryTiles(res.Summary, currencyOf(res.Data), loc),
		Pager:      h.pager("/calls", q, res.Pagination),
		ReportsURL: h.reportsURL(q),
		Index:      src.status,
	}
	h.exportButton(r, q, &v, int64(res.Summary.TotalCalls))
	listSuffix := listSuffixOf(q)
	v.Rows = make([]views.CallRow, 0, len(res.Data))
	for i := range res.Data {
		v.Rows = append(v.Rows, h.callRow(&res.Data[i], listSuffix))
	}
	if len(v.Rows) == 0 {
		v.EmptyText, v.Widen = h.emptyState(q, res.Pagination)
	}
	return h.render(w, r, http.StatusOK, views.CallsPage(p, v))
}

// showIndexedCalls is the calls page answered by the call index: the same
// page, plus sortable headers and the index's freshness.
func (h *Handler) showIndexedCalls(w http.ResponseWriter, r *http.Request, q *filterQuery, src *source, res callindex.Page, p views.Page) error {
	noteSource(r.Context(), sourceIndex)
	loc, now := q.loc, h.Now()
	per := perPageOf(q.filter)
	page := max(q.filter.Page, 1)
	h.lists.put(indexListKey(q, q.filter.Page), indexListPage(res.Calls, page, per, res.Total))
	pages := (res.Total + int64(per) - 1) / int64(per)
	pg := vobiz.Pagination{Page: vobiz.Int(page), PerPage: vobiz.Int(per), Total: vobiz.Int(res.Total),
		Pages: vobiz.Int(pages), HasPrev: page > 1, HasNext: int64(page) < pages}
	cdrs := make([]vobiz.CDR, len(res.Calls))
	for i := range res.Calls {
		cdrs[i] = res.Calls[i].CDR
	}
	v := views.CallsView{
		Form:       h.filterForm("/calls", q, nil, causeNames(), now, loc),
		Chips:      h.chips("/calls", q),
		Tiles:      summaryTiles(res.Summary, currencyOf(cdrs), loc),
		Pager:      h.pager("/calls", q, pg),
		ReportsURL: h.reportsURL(q),
		Index:      src.status,
		Sort:       h.sortHeads("/calls", q),
	}
	h.exportButton(r, q, &v, res.Total)
	listSuffix := listSuffixOf(q)
	v.Rows = make([]views.CallRow, 0, len(cdrs))
	for i := range cdrs {
		row := h.callRow(&cdrs[i], listSuffix)
		row.Recorded = res.Calls[i].Recorded
		v.Rows = append(v.Rows, row)
	}
	if len(v.Rows) == 0 {
		v.EmptyText, v.Widen = h.emptyState(q, pg)
	}
	v.RecordingsNotice = h.recordingsNotice(r.Context(), q, src, now, loc)
	return h.render(w, r, http.StatusOK, views.CallsPage(p, v))
}

// recordingsNotice says when the list's recording marks and filter cannot
// be complete (docs/call-index.md#recordings): the account has no
// Recording API, or days of the window have not had their recordings
// listed yet. Without the filter, it speaks only once recordings are being
// synced at all, so a server that does not sync them shows no notice on
// every page.
func (h *Handler) recordingsNotice(ctx context.Context, q *filterQuery, src *source, now time.Time, loc *time.Location) string {
	st, err := h.Index.RecordingSync(ctx)
	if err != nil {
		h.Log.Warn("recording sync state", "err", err, "request_id", requestID(ctx))
		return ""
	}
	filtered := q.local.hasRecording != callindex.RecordingAny
	if st.Unavailable != "" {
		return "Recordings are not available from this Vobiz account (" + st.Unavailable + "), so no call is marked " +
			"recorded. The call page asks Vobiz for a call's recordings directly."
	}
	if !filtered && st.LastPoll.IsZero() {
		return ""
	}
	from := src.w.from
	if from.IsZero() {
		from = src.cov.From
	}
	gaps, err := h.Index.RecordingGaps(ctx, from, src.w.to, now, h.IndexMaxLag)
	if err != nil {
		h.Log.Warn("recording gaps", "err", err, "request_id", requestID(ctx))
		return ""
	}
	if len(gaps) == 0 {
		return ""
	}
	days := views.FormatInt(int64(len(gaps))) + " days"
	if len(gaps) == 1 {
		days = "1 day"
	}
	return "Recordings are not synced yet for " + days + " of this period (" + dayList(gaps) +
		", UTC): calls recorded then may show no mark and be missing from the recording filter."
}

// dayList names up to three UTC days and how many more.
func dayList(days []time.Time) string {
	names := make([]string, 0, 3)
	for _, d := range days[:min(len(days), 3)] {
		names = append(names, d.Format("2 Jan"))
	}
	out := strings.Join(names, ", ")
	if len(days) > 3 {
		out += " and " + strconv.Itoa(len(days)-3) + " more"
	}
	return out
}

// queryIndexPage reads the list page q asks for from the index.
func (h *Handler) queryIndexPage(ctx context.Context, q *filterQuery, f callindex.Filter) (callindex.Page, error) {
	per := perPageOf(q.filter)
	f.Limit, f.Offset = per, (max(q.filter.Page, 1)-1)*per
	return h.Index.Query(ctx, f)
}

// exportButton offers the download of the list's total calls.
func (h *Handler) exportButton(r *http.Request, q *filterQuery, v *views.CallsView, total int64) {
	if total <= 0 {
		return
	}
	v.ExportURL = h.urlWith("/calls/export", q.subject())
	v.ExportLabel = "Download " + views.FormatInt(total) + " calls"
	if total == 1 {
		v.ExportLabel = "Download 1 call"
	}
	v.ExportOptions = h.exportForm(r, q, v.ExportLabel)
}

// listSuffixOf is the list's own query as it rides along to the detail
// pages (for their previous/next links); escaped once, not once per row.
func listSuffixOf(q *filterQuery) string {
	if listQuery := q.clean.Encode(); listQuery != "" {
		return "?list=" + url.QueryEscape(listQuery)
	}
	return ""
}

// sortHeads are the table's sort links: a click on the current column
// turns its direction, on another column sorts by it largest (or newest)
// first. The default order (newest first) is written as no sort at all.
func (h *Handler) sortHeads(action string, q *filterQuery) views.SortHeads {
	cur := q.local.sort
	curKey := cur.Key
	if curKey == "" {
		curKey = callindex.SortStart
	}
	head := func(k callindex.SortKey) views.SortHead {
		next := "-" + string(k)
		var dir string
		if k == curKey {
			dir = "descending"
			next = string(k)
			if cur.Ascending {
				dir, next = "ascending", "-"+string(k)
			}
		}
		if next == "-"+string(callindex.SortStart) {
			next = ""
		}
		return views.SortHead{URL: h.urlWith(action, q.with(paramSort, next)), Dir: dir}
	}
	return views.SortHeads{Start: head(callindex.SortStart), Duration: head(callindex.SortDuration),
		Talk: head(callindex.SortTalk), Quality: head(callindex.SortMOS), Cost: head(callindex.SortCost)}
}

// messageOf is the text an httpError shows, or err's own.
func messageOf(err error) string {
	var he *httpError
	if errors.As(err, &he) {
		return he.message
	}
	return err.Error()
}

// callRow formats one record for the table. listSuffix is "" or
// "?list=" and the list's own query escaped, carried to the detail page for
// its previous/next links.
func (h *Handler) callRow(c *vobiz.CDR, listSuffix string) views.CallRow {
	outcome := diagnosis.OutcomeOf(c)
	band := diagnosis.OverallBand(c, h.Thresholds)
	return views.CallRow{
		UUID:            string(c.UUID),
		URL:             h.BasePath + "/calls/" + url.PathEscape(string(c.UUID)) + listSuffix,
		Start:           c.StartTime.Time,
		Direction:       string(c.CallDirection),
		CallerName:      string(c.CallerIDName),
		Caller:          phone.Format(string(c.CallerIDNumber)),
		CallerE164:      string(c.CallerIDNumber),
		Destination:     phone.Format(string(c.DestinationNumber)),
		DestinationE164: string(c.DestinationNumber),
		Duration:        vobiz.FormatShortDuration(c.DurationTime()),
		Talk:            vobiz.FormatShortDuration(c.TalkTime()),
		Outcome:         string(outcome),
		OutcomeLabel:    outcome.Label(),
		Diagnosis:       listDiagnosis(c, outcome),
		Cause:           c.HangupCause.String,
		Quality:         string(band),
		QualityLabel:    band.Label(),
		QualityTitle:    qualityTitle(c, band),
		Cost:            views.FormatMoney(float64(c.TotalCost), string(c.Currency)),
	}
}

// listDiagnosis is the one-line diagnosis a row shows under its outcome:
// only for failed calls, which are what an agent scanning the list must
// not miss (an answered call whose answer URL failed reads "Answered ·
// NORMAL_CLEARING" otherwise). The other outcomes say enough on their own,
// and explaining every row would cost the page its speed. The line's lead
// word repeats the badge beside it, so it is dropped.
func listDiagnosis(c *vobiz.CDR, outcome diagnosis.Outcome) string {
	if outcome != diagnosis.Failed {
		return ""
	}
	line := diagnosis.OneLine(c)
	if rest, ok := strings.CutPrefix(line, outcome.Label()+": "); ok && rest != "" {
		r, n := utf8.DecodeRuneInString(rest)
		return string(unicode.ToUpper(r)) + rest[n:]
	}
	return line
}

// qualityTitle is the badge's tooltip: the figures behind the band.
func qualityTitle(c *vobiz.CDR, band diagnosis.Band) string {
	if !c.MOS.Valid || band == diagnosis.BandNoMedia {
		return "No media: the call carried no audio to measure"
	}
	b := make([]byte, 0, 48)
	b = append(b, "MOS "...)
	b = strconv.AppendFloat(b, c.MOS.Float64, 'f', 2, 64)
	if c.Jitter.Valid {
		b = append(b, " · jitter "...)
		b = strconv.AppendFloat(b, c.Jitter.Float64, 'f', 1, 64)
		b = append(b, " ms"...)
	}
	if c.PacketLoss.Valid {
		b = append(b, " · loss "...)
		b = strconv.AppendFloat(b, c.PacketLoss.Float64, 'f', 2, 64)
		b = append(b, " %"...)
	}
	return string(b)
}

// summaryTiles turns the API's summary block into tiles. Averages are
// computed from the totals, because the API's own avgCallDuration string
// is documented inconsistently.
func summaryTiles(s vobiz.Summary, currency string, loc *time.Location) []views.Tile {
	rate := "—"
	// A rate outside 0 to 100 % is not one; show a dash, not 310 digits.
	if r := float64(s.AnswerRate); s.TotalCalls > 0 && r >= 0 && r <= 100 {
		rate = strconv.FormatFloat(r, 'f', 1, 64) + " %"
	}
	last := "—"
	if !s.LastCallAt.IsZero() {
		last = views.FormatTime(s.LastCallAt.Time, loc)
	}
	return []views.Tile{
		{Key: "total", Label: "Calls", Value: views.FormatInt(int64(s.TotalCalls))},
		{Key: "answered", Label: "Answered", Value: views.FormatInt(int64(s.AnsweredCalls))},
		{Key: "rate", Label: "Answer rate", Value: rate},
		{Key: "avg", Label: "Avg. talk time", Value: vobiz.FormatShortDuration(s.AverageTalk()), Note: "per answered call"},
		{Key: "talk", Label: "Total talk time", Value: vobiz.FormatShortDuration(secs(int64(s.TotalBillableSeconds)))},
		{Key: "cost", Label: "Total cost", Value: views.FormatMoney(float64(s.TotalCost), currency)},
		{Key: "last", Label: "Last call", Value: last},
	}
}

func currencyOf(rows []vobiz.CDR) string {
	for i := range rows {
		if rows[i].Currency != "" {
			return string(rows[i].Currency)
		}
	}
	return "INR" // the docs' only currency; the summary block carries none
}

// pager builds pagination links from the API's pagination block.
func (h *Handler) pager(action string, q *filterQuery, pg vobiz.Pagination) views.PagerView {
	per := int(pg.PerPage)
	if per <= 0 {
		per = vobiz.DefaultPerPage
	}
	page := max(int(pg.Page), 1)
	total := int64(pg.Total)
	pages := int(pg.Pages)
	v := views.PagerView{Page: page, Pages: pages, Total: total}
	if total > 0 {
		v.From = int64(page-1)*int64(per) + 1
		v.To = min(int64(page)*int64(per), total)
		if v.From > total {
			v.From, v.To = total+1, total
		}
	}
	link := func(n int) string {
		vals := q.with()
		if n > 1 {
			vals.Set(vobiz.ParamPage, strconv.Itoa(n))
		}
		return h.urlWith(action, vals)
	}
	if page > 1 {
		v.First, v.Prev = link(1), link(min(page-1, max(pages, 1)))
	}
	if page < pages {
		v.Next, v.Last = link(page+1), link(pages)
	}
	for _, n := range perPageChoices {
		vals := q.with(vobiz.ParamPerPage, strconv.Itoa(n))
		if n == vobiz.DefaultPerPage {
			vals.Del(vobiz.ParamPerPage)
		}
		v.PerPage = append(v.PerPage, views.PerPageOption{Label: strconv.Itoa(n),
			URL: h.urlWith(action, vals), Current: n == per})
	}
	return v
}

// emptyState says which filters matched nothing and offers wider searches.
func (h *Handler) emptyState(q *filterQuery, pg vobiz.Pagination) (string, []views.Link) {
	if pg.Total > 0 {
		return "This page is past the last result.", []views.Link{{Label: "Go to the first page", URL: h.urlWith("/calls", q.with())}}
	}
	chips := h.chips("/calls", q)
	if len(chips) == 0 {
		return "There are no calls on this account yet.", nil
	}
	parts := make([]string, len(chips))
	var widen []views.Link
	for i, c := range chips {
		parts[i] = c.Label + " " + c.Value
		widen = append(widen, views.Link{Label: "Without " + strings.ToLower(c.Label) + " (" + c.Value + ")", URL: c.RemoveURL})
	}
	return "No calls match " + strings.Join(parts, ", ") + ".", widen
}

// appliedNote is honest about what the API applied: if its filters echo
// disagrees with what was sent, say so. An empty echo means "not echoed":
// the docs show hangup_cause echoed as "" on filtered results, and the
// echo carries every key with "" for anything it does not report.
func appliedNote(q *filterQuery, echo vobiz.FiltersEcho) string {
	var ignored []string
	for key, v := range echo {
		sent := q.clean.Get(key)
		if sent != "" && v != "" && v != sent && !strings.EqualFold(v, sent) {
			ignored = append(ignored, filterLabels[key]+" (sent "+sent+", Vobiz applied \""+v+"\")")
		}
	}
	if len(ignored) == 0 {
		return ""
	}
	slices.Sort(ignored) // the echo is a map: keep the sentence stable
	return "Vobiz reports different filters than cdrdash sent: " + strings.Join(ignored, "; ") + "."
}

// causeNames lists the textual causes the Vobiz docs name, offered in the
// filter. Other values typed into the URL are still kept and shown.
var causeNames = sync.OnceValue(func() []string {
	var out []string
	for _, c := range diagnosis.Causes() {
		if c.Vobiz {
			out = append(out, c.Name)
		}
	}
	return out
})

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }
