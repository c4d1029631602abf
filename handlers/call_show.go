package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callpage"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// showCall is the call detail page. The id is checked against the UUID
// shape before anything is sent upstream, so "..", "/", "%2F" and other
// path tricks never reach the API.
func (h *Handler) showCall(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "uuid")
	if !isCallUUID(id) {
		return &httpError{status: http.StatusBadRequest, title: "That is not a call ID",
			message: "A call is opened by its UUID, like 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.",
			links:   []views.Link{{Label: "Search calls", URL: h.url("/calls")}}}
	}
	id = strings.ToLower(id)
	listQuery := r.URL.Query().Get("list")
	if len(listQuery) > maxQueryLen {
		listQuery = ""
	}

	var (
		wg         sync.WaitGroup
		prev, next string
		recs       *views.RecordingsBox
	)
	if listQuery != "" {
		wg.Go(func() { prev, next = h.neighbours(r, id, listQuery) })
	}
	// The recordings come from their own API, with their own timeout, and
	// never fail the page (recordings.go); a call that cannot be shown
	// stops waiting for them.
	recCtx, cancelRecs := context.WithCancel(r.Context())
	defer cancelRecs()
	wg.Go(func() { recs = h.recordingsBox(recCtx, r, id) })
	c, err := h.CDRs.Get(r.Context(), id)
	if err != nil {
		cancelRecs()
	}
	wg.Wait()
	if err != nil {
		if errors.Is(err, vobiz.ErrNotFound) {
			return notFound("Vobiz has no call with the ID "+id+". It may belong to another account, or the record "+
				"may not be written yet (CDRs appear a few seconds after a call ends).",
				views.Link{Label: "Search for it", URL: h.urlWith("/calls", url.Values{vobiz.ParamSearch: {id}})},
				views.Link{Label: "All calls", URL: h.url("/calls")})
		}
		return fmt.Errorf("get call %s: %w", id, err)
	}
	h.recordAudit(r, auth.ActionCallView, map[string]string{"call_id": id})

	v := h.callView(c, h.zone(r))
	v.BackURL = h.url("/calls")
	v.Recordings = recs
	if listQuery != "" {
		v.BackURL += "?" + listQuery
		v.Prev, v.Next = prev, next
	}
	p := h.page(r, "Call "+id[:8], "calls")
	return h.render(w, r, http.StatusOK, views.CallDetailPage(p, v))
}

// neighbours finds the calls before and after id in the list the agent
// came from (remembered from the list page when it was shown lately, see
// listpages.go), fetching the adjacent page when id sits at a page edge.
// Failures only hide the links: they are a convenience.
func (h *Handler) neighbours(r *http.Request, id, listQuery string) (prev, next string) {
	vals, err := url.ParseQuery(listQuery)
	if err != nil {
		return "", ""
	}
	q := h.parseValues(vals, len(listQuery), h.zone(r))
	if q.invalid() {
		return "", ""
	}
	// The list's source is decided again: a list the index answered is
	// paged through the index (the API could not express it), an API list
	// through the API, exactly as the list page did.
	src := h.decideSource(r.Context(), q, h.Now(), "")
	if q.invalid() {
		return "", ""
	}
	fetch := func(page int, adjacent bool) (listPage, error) {
		f := q.filter
		if adjacent {
			f.Page = page
		}
		return h.listPageFor(r.Context(), f)
	}
	if src.index {
		f, err := h.indexFilter(q, src.w, q.loc)
		if err != nil {
			return "", ""
		}
		fetch = func(page int, _ bool) (listPage, error) { return h.indexListPageFor(r.Context(), q, f, page) }
	}
	cur, err := fetch(q.filter.Page, false)
	if err != nil {
		return "", ""
	}
	idx := -1
	for i, u := range cur.uuids {
		if u == id {
			idx = i
			break
		}
	}
	if idx < 0 {
		return "", ""
	}
	link := func(uuid string, page int) string {
		q := url.Values{}
		for k, v := range vals {
			q[k] = v
		}
		if page > 1 {
			q.Set(vobiz.ParamPage, strconv.Itoa(page))
		} else {
			q.Del(vobiz.ParamPage)
		}
		return h.url("/calls/"+url.PathEscape(uuid)) + "?list=" + url.QueryEscape(q.Encode())
	}
	page := cur.page
	adjacent := func(p int, first bool) string {
		adj, err := fetch(p, true)
		if err != nil || len(adj.uuids) == 0 {
			return ""
		}
		i := len(adj.uuids) - 1
		if first {
			i = 0
		}
		return link(adj.uuids[i], p)
	}
	if idx > 0 {
		prev = link(cur.uuids[idx-1], page)
	} else if cur.hasPrev {
		prev = adjacent(page-1, false)
	}
	if idx < len(cur.uuids)-1 {
		next = link(cur.uuids[idx+1], page)
	} else if cur.hasNext {
		next = adjacent(page+1, true)
	}
	return prev, next
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// callView is the call page's view model for c, as the viewer sees it.
func (h *Handler) callView(c *vobiz.CDR, loc *time.Location) views.CallView {
	return callpage.Build(c, callpage.Options{Thresholds: h.Thresholds, Zone: loc, BasePath: h.BasePath})
}
