package vobiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors for the ways a Vobiz call can fail. Callers branch with
// errors.Is; every error the Client returns for a failed request is (or
// wraps) an *APIError whose Is method maps its status or failure kind onto
// these, so the pages never have to know HTTP status numbers.
var (
	// ErrUnauthorized means the API refused the credentials (HTTP 401).
	ErrUnauthorized = errors.New("vobiz: credentials refused")
	// ErrForbidden means the credentials are valid but may not read this
	// account (HTTP 403), e.g. an inactive account or another account's ID.
	ErrForbidden = errors.New("vobiz: access forbidden")
	// ErrNotFound means the record does not exist (HTTP 404).
	ErrNotFound = errors.New("vobiz: not found")
	// ErrRateLimited means the API asked us to slow down (HTTP 429). The
	// error's RetryAfter, when known, says how long to wait.
	ErrRateLimited = errors.New("vobiz: rate limited")
	// ErrBadRequest means the API refused the request's parameters (HTTP 400
	// or 422). Filters are validated before sending, so this points at a
	// rule the API has and the docs do not name.
	ErrBadRequest = errors.New("vobiz: request refused")
	// ErrUnavailable means the API could not be reached or said it is
	// temporarily unable to answer: HTTP 502, 503, 504, a refused or reset
	// connection (after retries), or a stream cut in the middle.
	ErrUnavailable = errors.New("vobiz: service unavailable")
	// ErrBadResponse means a response arrived but could not be used:
	// malformed or truncated JSON, unexpected field types, a non-JSON
	// content type (an HTML page from a proxy on a 200), or a body over the
	// size limit.
	ErrBadResponse = errors.New("vobiz: bad response")
	// ErrResponseTooLarge is the ErrBadResponse case of a JSON body over the
	// limit set by WithMaxBodyBytes. errors.Is matches both.
	ErrResponseTooLarge = errors.New("vobiz: response too large")
	// ErrTimeout means the request took longer than the client's own limit
	// (WithTimeout): no response headers in time, a body that did not
	// finish, or an export that stalled. A deadline or cancellation of the
	// caller's own context is not this error: the client returns ctx.Err()
	// wrapped, so the caller can tell "I gave up" from "Vobiz was slow".
	ErrTimeout = errors.New("vobiz: request timed out")
)

// APIError describes one failed Vobiz request. It covers HTTP error
// statuses, unusable 2xx responses, timeouts and transport failures; the
// sentinel it matches (see Is) tells which.
//
// Error never includes the auth token: the token travels only in a header,
// and any echo of it in a response body is redacted before it is stored
// here.
type APIError struct {
	// Endpoint is the client operation: "list", "search", "get", "recent"
	// or "export".
	Endpoint string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// Code is the API's machine-readable error code, e.g.
	// "RATE_LIMIT_EXCEEDED", when the body carried one.
	Code string
	// Message is the API's human-readable message, or the title of an HTML
	// error page, when there was one.
	Message string
	// RequestID is the API's request ID (body "requestId" or the
	// X-Request-Id header), for support tickets.
	RequestID string
	// RetryAfter is how long the API asked us to wait (Retry-After header
	// or details.retryAfter), 0 when it did not say.
	RetryAfter time.Duration
	// Body is the start of the response body (at most 4 KiB), for the logs.
	Body []byte
	// Err is the underlying cause for failures without a usable status: the
	// transport error, the JSON decode error (with its byte offset) or the
	// stream error. It is nil for plain HTTP error statuses.
	Err error

	kind      error // sentinel for non-status failures
	retryable bool  // whether another attempt may succeed
}

// maxErrorBody is how much of an error body is kept on the APIError.
const maxErrorBody = 4 << 10

// Error describes the failure in one line. The operation ("vobiz: search
// cdrs: ") is added by the client when it wraps the error.
func (e *APIError) Error() string {
	var b strings.Builder
	switch {
	case e.kind == ErrTimeout:
		b.WriteString("request timed out")
	case e.kind == ErrResponseTooLarge:
		b.WriteString("response too large")
	case e.kind == ErrBadResponse:
		b.WriteString("bad response")
	case e.kind == ErrUnavailable && e.StatusCode == 0:
		b.WriteString("cannot reach the API")
	case e.kind == ErrUnavailable:
		b.WriteString("response cut short")
	case e.kind == ErrNotFound:
		b.WriteString("not found")
	}
	if e.StatusCode != 0 {
		if b.Len() > 0 {
			b.WriteString(" (")
		}
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if t := http.StatusText(e.StatusCode); t != "" {
			b.WriteString(" ")
			b.WriteString(t)
		}
		if e.kind != nil {
			b.WriteString(")")
		}
	}
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" [request ")
		b.WriteString(e.RequestID)
		b.WriteString("]")
	}
	if e.RetryAfter > 0 {
		b.WriteString("; retry after ")
		b.WriteString(e.RetryAfter.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches the sentinel errors: by HTTP status for error responses
// (401 ErrUnauthorized, 403 ErrForbidden, 404 ErrNotFound, 429
// ErrRateLimited, 400/422 ErrBadRequest, 502/503/504 ErrUnavailable) and
// by failure kind otherwise (ErrTimeout, ErrUnavailable for transport
// failures, ErrBadResponse and ErrResponseTooLarge).
//
// A plain 500 matches none of them on purpose: it may be a deterministic
// server bug for this request, so it is neither retried nor presented as
// "temporarily unavailable". Callers can still read StatusCode.
func (e *APIError) Is(target error) bool {
	if target == nil {
		return false
	}
	if e.kind != nil && (target == e.kind || (e.kind == ErrResponseTooLarge && target == ErrBadResponse)) {
		return true
	}
	if e.kind != nil && e.StatusCode >= 200 && e.StatusCode < 300 {
		return false // a 2xx that went wrong is only its kind
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return target == ErrUnauthorized
	case http.StatusForbidden:
		return target == ErrForbidden
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return target == ErrBadRequest
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return target == ErrUnavailable
	}
	return false
}

// RetryAfter reports how long the API asked the caller to wait before
// trying again, when err carries such a hint (a 429 or 503 with
// Retry-After). Pages use it to tell the person when to retry.
func RetryAfter(err error) (time.Duration, bool) {
	var e *APIError
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// newStatusError builds the APIError for a non-2xx response from its
// (already size-limited) body and headers.
func newStatusError(endpoint string, status int, h http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{Endpoint: endpoint, StatusCode: status}
	e.Body = trimBody(body)
	parseErrorBody(body, e)
	if e.RequestID == "" {
		e.RequestID = cleanText(h.Get("X-Request-Id"), 128)
	}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		e.RetryAfter = d // the header wins over the body's hint
	}
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.retryable = true
	}
	return e
}

func trimBody(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
	}
	return bytes.Clone(b)
}

// parseErrorBody fills Code, Message, RequestID and RetryAfter from an
// error body, leniently: the documented shape is
// {"status":"error","error":{"code","message","details":{"retryAfter"}},
// "requestId"}, but the docs' own examples also use {"error":"text"}, the
// get-cdr 404 has no body at all, and a proxy in front of the API answers
// with HTML. Whatever cannot be read is left empty; the raw body is kept.
// See docs/vobiz-api.md#errors.
func parseErrorBody(body []byte, e *APIError) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return
	}
	if t[0] == '{' {
		var top map[string]json.RawMessage
		if json.Unmarshal(t, &top) == nil {
			readErrorObject(top, e)
			if e.RequestID == "" {
				e.RequestID = cleanText(jsonText(top["requestId"]), 128)
			}
			if e.RequestID == "" {
				e.RequestID = cleanText(jsonText(top["request_id"]), 128)
			}
			return
		}
	}
	if title := htmlTitle(t); title != "" {
		e.Message = title
		return
	}
	if t[0] != '<' {
		// Plain text, e.g. "upstream connect error": keep its first line.
		line, _, _ := bytes.Cut(t, []byte("\n"))
		e.Message = cleanText(string(line), 200)
	}
}

func readErrorObject(top map[string]json.RawMessage, e *APIError) {
	raw := bytes.TrimSpace(top["error"])
	switch {
	case len(raw) > 0 && raw[0] == '{':
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil {
			e.Code = cleanText(jsonText(inner["code"]), 64)
			e.Message = cleanText(jsonText(inner["message"]), 300)
			var details map[string]json.RawMessage
			if json.Unmarshal(inner["details"], &details) == nil {
				if v, ok, err := parseNumber(details["retryAfter"]); err == nil && ok && v > 0 && v < 1e6 {
					e.RetryAfter = time.Duration(v * float64(time.Second))
				}
			}
		}
	case len(raw) > 0:
		e.Message = cleanText(jsonText(raw), 300)
	}
	if e.Message == "" {
		e.Message = cleanText(jsonText(top["message"]), 300)
	}
	if e.Code == "" {
		e.Code = cleanText(jsonText(top["code"]), 64)
	}
}

// jsonText returns a JSON string or number as text, and "" for anything
// else, so an unexpected shape never fails error handling itself.
func jsonText(raw json.RawMessage) string {
	var s NullString
	if len(raw) == 0 || s.UnmarshalJSON(raw) != nil {
		return ""
	}
	return s.String
}

// htmlTitle returns the <title> of an HTML page ("502 Bad Gateway"), or "".
func htmlTitle(b []byte) string {
	lower := bytes.ToLower(b[:min(len(b), 8<<10)])
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(lower[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	return cleanText(string(b[start:start+end]), 200)
}

// cleanText makes server-supplied text safe for one log line or message:
// invalid UTF-8 and control characters become spaces, runs of space
// collapse, and the result is cut to max runes.
func cleanText(s string, max int) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	space := false
	n := 0
	for _, r := range strings.ToValidUTF8(s, " ") {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP
// date. A date in the past means "now" (0, true).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 1<<31 {
			n = 1 << 31 // keep the Duration from overflowing
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// redactor removes the auth token from anything stored on an error or
// logged, in case a server or proxy echoes request headers back.
type redactor string

const redacted = "[redacted]"

// minRedactLen keeps a very short (test) token from shredding messages.
const minRedactLen = 4

func (r redactor) active() bool { return len(r) >= minRedactLen }

func (r redactor) string(s string) string {
	if !r.active() || !strings.Contains(s, string(r)) {
		return s
	}
	return strings.ReplaceAll(s, string(r), redacted)
}

func (r redactor) bytes(b []byte) []byte {
	if !r.active() || !bytes.Contains(b, []byte(r)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(r), []byte(redacted))
}

// error wraps err so that its message is redacted; errors.Is and As still
// see the original chain.
func (r redactor) error(err error) error {
	if err == nil || !r.active() || !strings.Contains(err.Error(), string(r)) {
		return err
	}
	return &redactedError{msg: r.string(err.Error()), err: err}
}

func (r redactor) apply(e *APIError) *APIError {
	e.Code = r.string(e.Code)
	e.Message = r.string(e.Message)
	e.RequestID = r.string(e.RequestID)
	e.Body = r.bytes(e.Body)
	e.Err = r.error(e.Err)
	return e
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// decodeError wraps a JSON decode failure with where it happened, so a
// log line says which byte of which response broke.
func decodeError(err error, body []byte) error {
	off := int64(-1)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te) && te.Offset > 0:
		off = te.Offset
	}
	if off >= 0 {
		return fmt.Errorf("decode JSON at byte %d of %d: %w", off, len(body), err)
	}
	return fmt.Errorf("decode JSON (%d bytes): %w", len(body), err)
}
