package handlers_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestOneCacheControlHeader: every response carries exactly one
// Cache-Control header. The session manager adds its own
// (no-cache="Set-Cookie") whenever it writes the cookie; next to our
// no-store that made two headers, which caches may combine or pick from
// as they like.
func TestOneCacheControlHeader(t *testing.T) {
	a := newTestApp(t, withCalls(200))
	anon := a.browser(t)
	signedIn := a.demo(t)
	tests := []struct {
		name string
		send func() *http.Response
		want string
	}{
		{"sign-in page", func() *http.Response { res, _ := a.get(t, anon, "/login"); return res }, "no-store"},
		{"signing in sets the cookie", func() *http.Response {
			return a.postForm(t, a.browser(t), "/login", url.Values{"username": {"demo"}, "password": {"demo"}})
		}, "no-store"},
		{"a page while signed in", func() *http.Response { res, _ := a.get(t, signedIn, "/calls"); return res }, "no-store"},
		{"signing out", func() *http.Response { return a.postForm(t, a.demo(t), "/logout", nil) }, "no-store"},
		{"health", func() *http.Response { res, _ := a.get(t, anon, "/healthz"); return res }, "no-store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.send()
			got := res.Header.Values("Cache-Control")
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("status %d, Cache-Control %q, want exactly [%q]", res.StatusCode, got, tt.want)
			}
		})
	}
}
