package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	requestInfoKey
)

// requestInfo is filled in by inner middleware for the outer request log,
// which runs before the session and user are loaded.
type requestInfo struct {
	user string
}

// noteUser records the signed-in user for the request log; it runs after
// the user is loaded.
func noteUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(requestInfoKey).(*requestInfo); ok {
			info.user = userName(r)
		}
		next.ServeHTTP(w, r)
	})
}

// requestID returns the ID given to this request by withRequestID.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ContentSecurityPolicy is sent on every response. No inline script or
// style is allowed anywhere; charts get their data from JSON blocks, which
// script-src does not govern. Recordings play from cdrdash's own proxy
// (media-src 'self'), never from Vobiz's links (docs/recordings.md).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; " +
	"frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// PermissionsPolicy is sent on every response. cdrdash uses none of these
// browser features, so no page (and nothing injected into one) may ask for
// them. The clipboard is left alone: the copy buttons write to it. Only
// names Chromium recognises are listed, since an unknown one is reported
// on the console of every page.
const PermissionsPolicy = "accelerometer=(), browsing-topics=(), camera=(), display-capture=(), " +
	"geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), " +
	"publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"

// securityHeaders sets the headers every response carries. HSTS is added
// by realClient, which knows whether the browser is on HTTPS.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", PermissionsPolicy)
		next.ServeHTTP(w, r)
	})
}

// noStore keeps pages with call data out of every cache, including the
// browser's back-button cache after sign-out.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(&noStoreWriter{ResponseWriter: w}, r)
	})
}

// noStoreWriter sends one Cache-Control header. The session manager adds
// its own, no-cache="Set-Cookie", whenever it writes the cookie; next to
// no-store, which already keeps the cookie out of every cache, it would be
// a second header that caches may combine or pick from as they like.
type noStoreWriter struct {
	http.ResponseWriter
	done bool
}

func (s *noStoreWriter) fix() {
	if s.done {
		return
	}
	s.done = true
	if h := s.Header(); slices.Contains(h.Values("Cache-Control"), "no-store") {
		h.Set("Cache-Control", "no-store")
	}
}

func (s *noStoreWriter) WriteHeader(code int) { s.fix(); s.ResponseWriter.WriteHeader(code) }

func (s *noStoreWriter) Write(b []byte) (int, error) { s.fix(); return s.ResponseWriter.Write(b) }

func (s *noStoreWriter) Flush() {
	s.fix()
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *noStoreWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withRequestID gives every request an ID for logs and error pages.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush passes flushes through for streamed exports.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests writes one line per request: request ID, route pattern,
// status, duration and user. Query strings are left out: they hold phone
// numbers.
func (h *Handler) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		info := &requestInfo{}
		// Logged in a defer so that a response aborted with
		// panic(http.ErrAbortHandler) (a CSV export cut mid-stream; the
		// panic passes recoverPanics on purpose) still gets its line,
		// marked aborted; the panic then carries on to net/http.
		aborted := true
		defer func() {
			route := chi.RouteContext(r.Context()).RoutePattern()
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			h.Metrics.ObserveRequest(route, r.Method, status, time.Since(start))
			attrs := []slog.Attr{
				slog.String("request_id", requestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("user", info.user),
			}
			if aborted {
				attrs = append(attrs, slog.Bool("aborted", true))
			}
			h.Log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestInfoKey, info)))
		aborted = false
	})
}

// recoverPanics turns a panic into the 500 page; the stack goes to the log
// only.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.Log.Error("panic", "request_id", requestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				h.renderError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func slogLevelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
