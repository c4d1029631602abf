package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// httpError is an error a handler raises on purpose, with the status and
// text the user should see.
type httpError struct {
	status  int
	title   string
	message string
	links   []views.Link
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.title, e.message) }

func badRequest(msg string) error {
	return &httpError{status: http.StatusBadRequest, title: "That request could not be read", message: msg}
}

func notFound(msg string, links ...views.Link) error {
	return &httpError{status: http.StatusNotFound, title: "Not found", message: msg, links: links}
}

// handlerFunc is a page handler that reports failure by returning an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc, sending any error to renderError.
func (h *Handler) wrap(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.renderError(w, r, err)
		}
	}
}

// renderError is the one place errors become pages. It picks the status
// and the words from the error's type: validation problems are the user's
// to fix (400), upstream trouble is named as such (502/503/504) with the
// request ID to quote, and anything unexpected is a 500 whose details go
// to the log, never to the page.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := h.classify(r, err)
	level := slogLevelFor(e.Status)
	h.Log.Log(r.Context(), level, "request failed", "status", e.Status, "method", r.Method,
		"path", r.URL.Path, "request_id", requestID(r.Context()), "err", err)
	if e.RetryIn != "" {
		if d, ok := vobiz.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		} else if secs, ok := authRetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	p := h.page(r, e.Title, "")
	if rerr := h.render(w, r, e.Status, views.ErrorPage(p, e)); rerr != nil {
		h.Log.Error("render error page", "err", rerr)
		http.Error(w, http.StatusText(e.Status), e.Status)
	}
}

func (h *Handler) classify(r *http.Request, err error) views.ErrorView {
	var he *httpError
	if errors.As(err, &he) {
		return views.ErrorView{Status: he.status, Title: he.title, Message: he.message, Links: he.links}
	}
	if secs, ok := authRetryAfter(err); ok {
		// The password-hash queue is full or an account's attempts are
		// locked (an admin adding a user during a sign-in storm).
		return views.ErrorView{Status: http.StatusTooManyRequests, Title: "Too busy to check passwords",
			Message: "cdrdash is checking too many passwords at the moment, or this account is locked after " +
				"failed attempts. Nothing was changed.", RetryIn: strconv.Itoa(secs) + " s"}
	}
	var verr *vobiz.ValidationError
	if errors.As(err, &verr) {
		return views.ErrorView{Status: http.StatusBadRequest, Title: "Please check the filters", Message: verr.Error()}
	}
	var apiErr *vobiz.APIError
	reqID := ""
	if errors.As(err, &apiErr) {
		reqID = apiErr.RequestID
	}
	switch {
	case errors.Is(err, vobiz.ErrUnauthorized), errors.Is(err, vobiz.ErrForbidden):
		return views.ErrorView{Status: http.StatusBadGateway, Title: "Vobiz refused cdrdash's credentials",
			Message: "The Vobiz API rejected the configured auth ID or token. An administrator should check " +
				"VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (and that the account is active).", RequestID: reqID}
	case errors.Is(err, vobiz.ErrNotFound) && (apiErr == nil || apiErr.Endpoint == "get"):
		return views.ErrorView{Status: http.StatusNotFound, Title: "Not found",
			Message: "Vobiz has no record of that.", RequestID: reqID,
			Links: []views.Link{{Label: "Search calls", URL: h.url("/calls")}}}
	case errors.Is(err, vobiz.ErrNotFound):
		// A list, search, recent or export answered 404: those addresses
		// always exist, so cdrdash is pointed at the wrong place.
		return views.ErrorView{Status: http.StatusBadGateway, Title: "Vobiz could not answer",
			Message: "The Vobiz API answered “not found” for a list of calls, which usually means cdrdash is " +
				"configured with the wrong address. An administrator should check VOBIZ_BASE_URL and VOBIZ_AUTH_ID.",
			RequestID: reqID}
	case errors.Is(err, vobiz.ErrBadRequest):
		return views.ErrorView{Status: http.StatusBadGateway, Title: "Vobiz refused the request",
			Message: "The Vobiz API refused this request although cdrdash had checked its filters. Try other " +
				"filters; if it keeps happening, quote the request ID to Vobiz support.", RequestID: reqID}
	case errors.Is(err, vobiz.ErrRateLimited):
		e := views.ErrorView{Status: http.StatusServiceUnavailable, Title: "Vobiz is rate-limiting",
			Message: "Vobiz is limiting how fast cdrdash may ask for data.", RequestID: reqID}
		d, ok := vobiz.RetryAfter(err)
		if !ok || d < time.Second {
			d = time.Second
		}
		e.RetryIn = strconv.Itoa(int((d+time.Second-1)/time.Second)) + " s"
		e.Message = "Vobiz is rate-limiting; retry in " + e.RetryIn + "."
		return e
	case errors.Is(err, vobiz.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return views.ErrorView{Status: http.StatusGatewayTimeout, Title: "Vobiz did not answer in time",
			Message:   "The Vobiz API took too long to answer. Narrow the date range or try again in a moment.",
			RequestID: reqID}
	case errors.Is(err, vobiz.ErrUnavailable), errors.Is(err, vobiz.ErrBadResponse), apiErr != nil:
		if reqID == "" {
			reqID = requestID(r.Context())
		}
		return views.ErrorView{Status: http.StatusBadGateway, Title: "Vobiz could not answer",
			Message: "The Vobiz API failed or sent an answer cdrdash could not read. Try again; if it keeps " +
				"happening, quote the request ID to Vobiz support.", RequestID: reqID}
	}
	return views.ErrorView{Status: http.StatusInternalServerError, Title: "Something went wrong",
		Message: "cdrdash hit an unexpected problem. It has been logged.", RequestID: requestID(r.Context())}
}

// authRetryAfter reports the Retry-After of the auth package's refusals
// (busy or throttled), in seconds.
func authRetryAfter(err error) (int, bool) {
	var busy *auth.BusyError
	if errors.As(err, &busy) {
		return busy.RetryAfterSeconds(), true
	}
	var throttled *auth.ThrottledError
	if errors.As(err, &throttled) {
		return throttled.RetryAfterSeconds(), true
	}
	return 0, false
}

// SessionError renders a session-store failure as the normal error page;
// scs calls it when it cannot load or save a session.
func (h *Handler) SessionError(w http.ResponseWriter, r *http.Request, err error) {
	h.renderError(w, r, fmt.Errorf("session store: %w", err))
}
