package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/calls?x=1", "/calls?x=1"},
		{"/", "/"},
		{"/calls/abc-123?from=2026-01-01&to=2026-01-31#row", "/calls/abc-123?from=2026-01-01&to=2026-01-31#row"},
		{"/cdr/calls?q=%2F%2Fevil", "/cdr/calls?q=%2F%2Fevil"},
		{"/caf%C3%A9", "/caf%C3%A9"},
		{"", "/"},
		{"calls", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/calls\\..\\x", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"data:text/html,hi", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\nSet-Cookie:x=1", "/"},
		{"/calls x", "/"},
		{"/\x00", "/"},
		{"/\x7f", "/"},
		{" /calls", "/"},
		{"/" + string(make([]byte, 3000)), "/"},
	}
	for _, tt := range tests {
		if got := auth.SafeNext(tt.in); got != tt.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsPageRequest(t *testing.T) {
	tests := []struct {
		name, method, accept, fetchMode string
		want                            bool
	}{
		{"browser navigation", "GET", "text/html,application/xhtml+xml,*/*;q=0.8", "navigate", true},
		{"html only", "GET", "text/html", "", true},
		{"curl", "GET", "*/*", "", true},
		{"head", "HEAD", "text/html", "", true},
		{"json api", "GET", "application/json", "", false},
		{"no accept", "GET", "", "", false},
		{"fetch with */*", "GET", "*/*", "cors", false},
		{"post form", "POST", "text/html", "navigate", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/calls", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if tt.fetchMode != "" {
			r.Header.Set("Sec-Fetch-Mode", tt.fetchMode)
		}
		if got := auth.IsPageRequest(r); got != tt.want {
			t.Errorf("%s: IsPageRequest = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRequireUser(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	agent := &store.User{ID: 2, Username: "bob", Role: auth.RoleAgent}
	tests := []struct {
		name, basePath, method, target, accept string
		user                                   *store.User
		opts                                   []auth.GuardOption
		wantCode                               int
		wantLocation                           string
	}{
		{"signed in", "", "GET", "/calls", "text/html", agent, nil, http.StatusTeapot, ""},
		{"page redirect", "", "GET", "/calls?from=2026-01-01&q=a b", "text/html", nil, nil,
			http.StatusSeeOther, "/login?next=%2Fcalls%3Ffrom%3D2026-01-01%26q%3Da%2520b"},
		{"page redirect under base path", "/cdr", "GET", "/cdr/calls/42", "*/*", nil, nil,
			http.StatusSeeOther, "/cdr/login?next=%2Fcdr%2Fcalls%2F42"},
		{"base path with trailing slash", "/cdr/", "GET", "/cdr/", "text/html", nil, nil,
			http.StatusSeeOther, "/cdr/login?next=%2Fcdr%2F"},
		{"api 401", "", "GET", "/api/calls", "application/json", nil, nil, http.StatusUnauthorized, ""},
		{"post 401", "", "POST", "/calls/export", "text/html", nil, nil, http.StatusUnauthorized, ""},
		{"custom 401", "", "POST", "/x", "", nil,
			[]auth.GuardOption{auth.OnUnauthorized(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(499)
			}))}, 499, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://example.test"+escapeSpaces(tt.target), nil)
			r.Header.Set("Accept", tt.accept)
			if tt.user != nil {
				r = r.WithContext(auth.ContextWithUser(r.Context(), tt.user))
			}
			rec := httptest.NewRecorder()
			auth.RequireUser(tt.basePath, tt.opts...)(ok).ServeHTTP(rec, r)
			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d", rec.Code, tt.wantCode)
			}
			if got := rec.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			if tt.wantLocation != "" {
				// The login handler must get the original path back intact.
				next := rec.Result().Header.Get("Location")
				req := httptest.NewRequest("GET", next, nil)
				if got := auth.SafeNext(req.URL.Query().Get("next")); got != escapeSpaces(tt.target) {
					t.Errorf("round trip next = %q, want %q", got, escapeSpaces(tt.target))
				}
			}
		})
	}
}

func escapeSpaces(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, "%20"...)
		} else {
			out = append(out, s[i])
		}
	}
	return string(out)
}

func TestRequireRole(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	admin := &store.User{ID: 1, Username: "alice", Role: auth.RoleAdmin}
	agent := &store.User{ID: 2, Username: "bob", Role: auth.RoleAgent}
	disabledAdmin := &store.User{ID: 3, Username: "carol", Role: auth.RoleAdmin, Disabled: true}
	custom403 := auth.OnForbidden(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(498) }))
	tests := []struct {
		name     string
		role     string
		user     *store.User
		opts     []auth.GuardOption
		wantCode int
	}{
		{"admin on admin route", auth.RoleAdmin, admin, nil, http.StatusTeapot},
		{"admin on agent route", auth.RoleAgent, admin, nil, http.StatusTeapot},
		{"agent on agent route", auth.RoleAgent, agent, nil, http.StatusTeapot},
		{"agent on admin route", auth.RoleAdmin, agent, nil, http.StatusForbidden},
		{"custom forbidden", auth.RoleAdmin, agent, []auth.GuardOption{custom403}, 498},
		{"disabled admin", auth.RoleAdmin, disabledAdmin, nil, http.StatusForbidden},
		{"nobody", auth.RoleAgent, nil, nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.user != nil {
				ctx = auth.ContextWithUser(ctx, tt.user)
			}
			r := httptest.NewRequest("GET", "/admin/users", nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			auth.RequireRole(tt.role, tt.opts...)(ok).ServeHTTP(rec, r)
			if rec.Code != tt.wantCode {
				t.Errorf("code = %d, want %d", rec.Code, tt.wantCode)
			}
		})
	}
}

func TestUserFromAndClientIP(t *testing.T) {
	if _, ok := auth.UserFrom(context.Background()); ok {
		t.Error("UserFrom on empty context")
	}
	if _, ok := auth.UserFrom(auth.ContextWithUser(context.Background(), nil)); ok {
		t.Error("UserFrom with nil user")
	}
	for addr, want := range map[string]string{
		"192.0.2.1:1234":    "192.0.2.1",
		"[2001:db8::1]:443": "2001:db8::1",
		"192.0.2.1":         "192.0.2.1",
		"@":                 "@",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := auth.ClientIP(r); got != want {
			t.Errorf("ClientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}
