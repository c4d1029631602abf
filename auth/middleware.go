package auth

import (
	"net/http"
	"net/url"
	"strings"
)

// GuardOption customises RequireUser and RequireRole.
type GuardOption func(*guard)

type guard struct {
	unauthorized http.Handler
	forbidden    http.Handler
}

// OnUnauthorized sets the handler for non-page requests without a user
// (default: plain-text 401).
func OnUnauthorized(h http.Handler) GuardOption { return func(g *guard) { g.unauthorized = h } }

// OnForbidden sets the handler for users lacking the role (default:
// plain-text 403). Use it to render the app's error page.
func OnForbidden(h http.Handler) GuardOption { return func(g *guard) { g.forbidden = h } }

func newGuard(opts []GuardOption) *guard {
	g := &guard{
		unauthorized: plainError(http.StatusUnauthorized),
		forbidden:    plainError(http.StatusForbidden),
	}
	for _, o := range opts {
		o(g)
	}
	return g
}

func plainError(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, http.StatusText(code), code)
	})
}

// RequireUser is middleware (after LoadUser) that lets only signed-in users
// through. A browser page request (GET or HEAD accepting text/html or */*,
// and not a fetch() call) is redirected with 303 to
// {basePath}/login?next=<escaped path and query>; anything else gets 401.
// basePath is "" or a prefix like "/cdr" (no trailing slash), and routes are
// assumed to see the full path (no prefix stripping), so next is the path
// the browser used.
func RequireUser(basePath string, opts ...GuardOption) func(http.Handler) http.Handler {
	g := newGuard(opts)
	loginURL := strings.TrimSuffix(basePath, "/") + "/login"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := UserFrom(r.Context()); ok {
				next.ServeHTTP(w, r)
				return
			}
			if !IsPageRequest(r) {
				g.unauthorized.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, loginURL+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		})
	}
}

// RequireRole is middleware (after RequireUser) that lets through users
// with role (admins pass every role check, see HasRole) and answers 403
// otherwise. Without a signed-in user it answers 401.
func RequireRole(role string, opts ...GuardOption) func(http.Handler) http.Handler {
	g := newGuard(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, ok := UserFrom(r.Context())
			switch {
			case !ok:
				g.unauthorized.ServeHTTP(w, r)
			case !HasRole(u, role):
				g.forbidden.ServeHTTP(w, r)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// IsPageRequest reports whether r is a browser navigation that should be
// answered with a redirect to the sign-in page rather than a bare 401: a
// GET or HEAD whose Accept header includes text/html or */*, unless the
// browser says it is not a navigation (Sec-Fetch-Mode other than
// "navigate", as for fetch() and XMLHttpRequest).
func IsPageRequest(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" && mode != "navigate" {
		return false
	}
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "text/html") || strings.Contains(v, "*/*") {
			return true
		}
	}
	return false
}

// SafeNext returns next if it is a local path to redirect to after sign-in
// ("/calls?x=1"), otherwise "/". It rejects absolute and scheme-relative
// URLs ("https://…", "//evil", "/\evil"), other schemes ("javascript:"),
// backslashes anywhere (browsers read them as slashes), whitespace and
// control characters (browsers strip tabs and newlines, which can turn
// "/\t/evil" into "//evil"), and anything over 2048 bytes.
func SafeNext(next string) string {
	const fallback = "/"
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return fallback
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	return next
}
