package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// refuseCrossSite guards the GET pages that write an audit event or cost
// real work (searches, lookups, call pages, reports, downloads and the
// column preference they save, the audit trail). SameSite=Lax cookies ride
// along on a top-level navigation from any site, so without this another
// site could make a signed-in browser run exports and report builds or
// fill the audit trail in its user's name.
//
// It reads the browser's Sec-Fetch-Site header: same-origin (a cdrdash
// page's own link or form) and none (the address bar, a bookmark) pass,
// and so does a request without the header (curl, scripts, old browsers),
// which no other site can make a browser send. Everything else — cross-site,
// same-site (a sibling subdomain), or a value browsers do not send yet — is
// refused with a 403 page that explains why and offers the same address as
// a link: one deliberate click on cdrdash's own page opens it. The pages
// stay GETs, so they stay bookmarkable and shareable.
func (h *Handler) refuseCrossSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
			next.ServeHTTP(w, r)
			return
		}
		e := &httpError{status: http.StatusForbidden, title: "Opened from another site",
			message: "This address was opened from a link on another website. Opening it searches call records, " +
				"builds a report or starts a download in your name, and records that in the audit trail, so " +
				"cdrdash only opens it from its own pages, a bookmark or the address bar. If you meant to open it, " +
				"use the link below."}
		if u := r.URL.RequestURI(); strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, `/\`) {
			e.links = []views.Link{{Label: "Open it in cdrdash", URL: u}}
		}
		h.renderError(w, r, e)
	})
}

// auditRead records action once the page has been served (any status
// below 400), with details computed from the request. details returns
// nil when the request shows nothing worth a trace (an empty lookup).
//
// One event per request: every page of a search is its own event, with
// its page number, because each page shows other phone numbers, and
// paging through a search is exactly the bulk viewing the trail is for. A
// reload is another event too; nothing is merged, so the trail never has
// to decide what counts as "the same" view.
//
// The event is written after the handler returns, so a refused or failed
// request (bad filters, Vobiz down) leaves none; net/http ends the
// response only after that, so whoever saw the whole page can find its
// event in the trail.
func (h *Handler) auditRead(action string, details func(r *http.Request) any) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.WithContext(context.WithValue(r.Context(), readNoteKey{}, &readNote{}))
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status >= http.StatusBadRequest {
				return
			}
			if d := details(r); d != nil {
				h.recordAudit(r, action, d)
			}
		})
	}
}

// searchDetails are a calls list page's filters (as sent upstream, numbers
// normalised) and paging.
func (h *Handler) searchDetails(r *http.Request) any {
	q := h.parseFilters(r)
	page, perPage := q.clean.Get(vobiz.ParamPage), q.clean.Get(vobiz.ParamPerPage)
	if page == "" {
		page = "1"
	}
	d := map[string]any{"filters": q.subject().Encode(), "page": atoiOr(page, 1)}
	if perPage != "" {
		d["per_page"] = atoiOr(perPage, 0)
	}
	if n, ok := r.Context().Value(readNoteKey{}).(*readNote); ok && n.source != "" {
		d["source"] = n.source
	}
	return d
}

// Which source answered a read, for its audit event.
const (
	sourceAPI   = "api"
	sourceIndex = "index"
)

// readNote is what a page handler tells auditRead about the read it
// served: which source answered.
type readNote struct{ source string }

type readNoteKey struct{}

// noteSource records which source answered the request, when auditRead
// is listening.
func noteSource(ctx context.Context, source string) {
	if n, ok := ctx.Value(readNoteKey{}).(*readNote); ok {
		n.source = source
	}
}

// reportDetails are a Reports page's filters, with the date range the
// page used when none was given.
func (h *Handler) reportDetails(r *http.Request) any {
	q := h.parseFilters(r)
	rw := parseReportWindow(q, h.zone(r), h.Now())
	d := map[string]any{"filters": q.subject().Encode()}
	if !rw.From.IsZero() {
		d["from"], d["to"] = rw.From.UTC().Format(time.RFC3339), rw.To.UTC().Format(time.RFC3339)
	}
	return d
}

// lookupDetails is the text typed into the quick lookup.
func lookupDetails(r *http.Request) any {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return nil // a plain redirect to /calls, which records its own event
	}
	return map[string]any{"q": q}
}

// auditReadDetails are the audit page's filters and position (the
// keyset cursor "before"; none on the newest page).
func auditReadDetails(r *http.Request) any {
	q := r.URL.Query()
	d := map[string]any{}
	for _, k := range []string{"user", "action", "before"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			d[k] = v
		}
	}
	return d
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
