package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

func TestSessionCookieAttributes(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.addUser(t, "alice", auth.RoleAdmin)
		tests := []struct {
			name string
			cfg  auth.SessionConfig
			want []string
			not  []string
		}{
			{"defaults", auth.SessionConfig{},
				[]string{"cdrdash_session=", "Path=/", "HttpOnly", "SameSite=Lax"}, []string{"Secure", "Max-Age"}},
			{"secure, persistent, custom, below a base path", auth.SessionConfig{Secure: true, Persist: true, CookieName: "cdr_sess", Path: "/cdr/"},
				[]string{"__Secure-cdr_sess=", "Path=/cdr/", "HttpOnly", "SameSite=Lax", "Secure", "Max-Age=1800"}, []string{"__Host-", "Domain="}},
			{"secure at the root", auth.SessionConfig{Secure: true},
				[]string{"__Host-cdrdash_session=", "Path=/;", "HttpOnly", "SameSite=Lax", "Secure"}, []string{"__Secure-", "Domain="}},
			{"secure, already prefixed", auth.SessionConfig{Secure: true, CookieName: "__Secure-s"},
				[]string{"__Secure-s=", "Path=/;", "Secure"}, []string{"__Host-"}},
			{"plain HTTP has no prefix", auth.SessionConfig{Path: "/"},
				[]string{"cdrdash_session=", "Path=/"}, []string{"__Host-", "__Secure-", "Secure"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sm := auth.NewSessionManager(e.db, tt.cfg)
				if sm.IdleTimeout != 30*time.Minute || sm.Lifetime != 12*time.Hour {
					t.Errorf("timeouts = %v, %v", sm.IdleTimeout, sm.Lifetime)
				}
				c := newClient(t, app(e.svc, sm))
				c.name = sm.Cookie.Name
				res := c.login("alice", password("alice"))
				if res.StatusCode != http.StatusSeeOther {
					t.Fatalf("login status %d", res.StatusCode)
				}
				sc := res.Header.Get("Set-Cookie")
				for _, w := range tt.want {
					if !strings.Contains(sc, w) {
						t.Errorf("Set-Cookie %q lacks %q", sc, w)
					}
				}
				for _, w := range tt.not {
					if strings.Contains(sc, w) {
						t.Errorf("Set-Cookie %q has %q", sc, w)
					}
				}
			})
		}
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{IdleTimeout: time.Minute, Lifetime: time.Hour})
		if sm.IdleTimeout != time.Minute || sm.Lifetime != time.Hour || !sm.HashTokenInStore {
			t.Errorf("custom config not applied: %+v", sm)
		}
	})
}

func TestLoginRenewsTokenAndLogoutDestroys(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{})
		h := app(e.svc, sm)
		c := newClient(t, h)

		if code, _ := c.get("/me"); code != http.StatusSeeOther {
			t.Fatalf("anonymous /me: %d", code)
		}
		// An anonymous session (e.g. a flash) exists before sign-in: its
		// token must not survive sign-in (session fixation).
		c.do("POST", "/flash", nil)
		pre := c.cookie
		if pre == "" {
			t.Fatal("no pre-login session")
		}
		if res := c.login("alice", password("alice")); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", res.StatusCode)
		}
		post := c.cookie
		if post == "" || post == pre {
			t.Fatalf("token not renewed on login: pre %q post %q", pre, post)
		}
		if code, body := c.get("/me"); code != http.StatusOK || body != "alice" {
			t.Fatalf("/me after login: %d %q", code, body)
		}
		attacker := newClient(t, h)
		attacker.cookie = pre
		if code, _ := attacker.get("/me"); code != http.StatusSeeOther {
			t.Errorf("pre-login token grants access: %d", code)
		}

		// The sessions table holds hashes, not the cookie value.
		all, err := e.db.SessionStore().All()
		mustNil(t, err)
		if _, leaked := all[post]; leaked || len(all) == 0 {
			t.Errorf("raw token stored in sessions table (or no session): %d rows", len(all))
		}

		res := c.do("POST", "/logout", nil)
		if res.StatusCode != http.StatusSeeOther || c.cookie != "" {
			t.Fatalf("logout: %d, cookie %q", res.StatusCode, c.cookie)
		}
		replay := newClient(t, h)
		replay.cookie = post
		if code, _ := replay.get("/me"); code != http.StatusSeeOther {
			t.Errorf("token works after logout: %d", code)
		}
		evs := e.events(t, store.EventFilter{Action: auth.ActionLogout})
		if len(evs) != 1 || evs[0].Username != "alice" {
			t.Errorf("logout events = %+v", evs)
		}
		if n, _ := e.db.CountActiveSessions(ctx); n != 0 {
			t.Errorf("%d sessions left after logout", n)
		}
		if strings.Contains(e.log.String(), post) || strings.Contains(e.log.String(), pre) {
			t.Error("log contains a session token")
		}
	})
}

func TestLoadUserEndsRevokedSessions(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		bob := e.addUser(t, "bob", auth.RoleAgent)
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{})
		h := app(e.svc, sm)
		cli := auth.SystemActor("cli")

		signedIn := func() *client {
			c := newClient(t, h)
			c.login("bob", password("bob"))
			if code, _ := c.get("/me"); code != http.StatusOK {
				t.Fatalf("bob not signed in: %d", code)
			}
			return c
		}
		tests := []struct {
			name   string
			revoke func()
		}{
			{"disabled", func() { mustNil(t, e.svc.Disable(ctx, cli, bob.ID)); mustNil(t, e.svc.Enable(ctx, cli, bob.ID)) }},
			{"password reset", func() {
				_, err := e.svc.SetPassword(ctx, cli, bob.ID, password("bob"))
				mustNil(t, err)
			}},
			{"sessions revoked", func() { mustNil(t, e.svc.RevokeSessions(ctx, cli, bob.ID)) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := signedIn()
				tt.revoke()
				if stored(t, e.db, c.cookie) {
					t.Error("the revoked session is still stored")
				}
				if code, _ := c.get("/me"); code != http.StatusSeeOther {
					t.Errorf("session still valid: %d", code)
				}
			})
		}

		// Disabled right now (not re-enabled): out at the next request.
		c := signedIn()
		mustNil(t, e.db.SetDisabled(ctx, bob.ID, true))
		if code, _ := c.get("/me"); code != http.StatusSeeOther {
			t.Errorf("disabled user still in: %d", code)
		}

		// A role change ends the user's sessions: the new role starts with
		// a new sign-in, on a new token.
		mustNil(t, e.db.SetDisabled(ctx, bob.ID, false))
		c = signedIn()
		if code, _ := c.get("/admin"); code != http.StatusForbidden {
			t.Errorf("agent on /admin: %d", code)
		}
		agentToken := c.cookie
		mustNil(t, e.svc.SetRole(ctx, cli, bob.ID, auth.RoleAdmin))
		if code, _ := c.get("/admin"); code != http.StatusSeeOther {
			t.Errorf("promoted bob's agent session on /admin: %d", code)
		}
		c = signedIn()
		if code, _ := c.get("/admin"); code != http.StatusOK || c.cookie == agentToken {
			t.Errorf("promoted bob signed in again on /admin: %d (same token: %t)", code, c.cookie == agentToken)
		}

		// Own password change + Login keeps the current browser signed in.
		u, err := e.svc.ChangePassword(ctx, auth.Actor{UserID: bob.ID}, password("bob"), "a fresh password!")
		mustNil(t, err)
		other := signedInWith(t, h, "bob", "a fresh password!")
		rctx, err := sm.Load(ctx, other.cookie)
		mustNil(t, err)
		mustNil(t, auth.Login(rctx, sm, u))
		tok, _, err := sm.Commit(rctx)
		mustNil(t, err)
		other.cookie = tok
		if code, _ := other.get("/me"); code != http.StatusOK {
			t.Errorf("re-Login after own password change: %d", code)
		}
	})
}

func signedInWith(t *testing.T, h http.Handler, user, pw string) *client {
	t.Helper()
	c := newClient(t, h)
	if res := c.login(user, pw); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return c
}

func TestIdleTimeoutAndLifetime(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.addUser(t, "alice", auth.RoleAdmin)

		// Idle timeout: activity keeps the session alive, idleness ends it.
		start := e.clk.Now()
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{IdleTimeout: 30 * time.Minute})
		c := signedInWith(t, app(e.svc, sm), "alice", password("alice"))
		e.clk.Advance(29 * time.Minute)
		if code, _ := c.get("/me"); code != http.StatusOK {
			t.Fatalf("after 29 idle minutes: %d", code)
		}
		// scs stamps expiry with the real clock; the store compares with
		// the fake one. Re-base the fake clock on real time to model "the
		// request just happened", then idle past the timeout.
		e.clk.Set(time.Now().Add(31 * time.Minute))
		if code, _ := c.get("/me"); code != http.StatusSeeOther {
			t.Errorf("after 31 idle minutes: %d", code)
		}

		// Absolute lifetime ends even an active session.
		e.clk.Set(start)
		sm = auth.NewSessionManager(e.db, auth.SessionConfig{IdleTimeout: 2 * time.Hour, Lifetime: time.Hour})
		c = signedInWith(t, app(e.svc, sm), "alice", password("alice"))
		e.clk.Set(time.Now().Add(59 * time.Minute))
		if code, _ := c.get("/me"); code != http.StatusOK {
			t.Fatalf("at 59 minutes: %d", code)
		}
		e.clk.Set(time.Now().Add(61 * time.Minute))
		if code, _ := c.get("/me"); code != http.StatusSeeOther {
			t.Errorf("past the lifetime: %d", code)
		}
	})
}

// TestSessionsSurviveRestart: sign in, close the database, reopen it: the
// cookie still works.
func TestSessionsSurviveRestart(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.addUser(t, "alice", auth.RoleAdmin)
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{})
		c := signedInWith(t, app(e.svc, sm), "alice", password("alice"))
		token := c.cookie
		mustNil(t, e.db.Close())

		db := e.tg.Open(t, store.WithClock(e.clk.Now))
		svc := e.newService(db)
		c2 := newClient(t, app(svc, auth.NewSessionManager(db, auth.SessionConfig{})))
		c2.cookie = token
		if code, body := c2.get("/me"); code != http.StatusOK || body != "alice" {
			t.Errorf("after restart: %d %q", code, body)
		}
	})
}

// TestTwoManagersShareSessions: two replicas (two DB handles, two services,
// two scs managers) over one database. Sign in via the first, the second
// accepts the cookie; sign out via the second, the first refuses it.
func TestTwoManagersShareSessions(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.addUser(t, "alice", auth.RoleAdmin)
		db2 := e.tg.Open(t, store.WithClock(e.clk.Now))
		svc2 := e.newService(db2)
		h1 := app(e.svc, auth.NewSessionManager(e.db, auth.SessionConfig{}))
		h2 := app(svc2, auth.NewSessionManager(db2, auth.SessionConfig{}))

		c1 := signedInWith(t, h1, "alice", password("alice"))
		c2 := newClient(t, h2)
		c2.cookie = c1.cookie
		if code, body := c2.get("/me"); code != http.StatusOK || body != "alice" {
			t.Fatalf("replica 2 rejects replica 1's session: %d %q", code, body)
		}
		if res := c2.do("POST", "/logout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout via replica 2: %d", res.StatusCode)
		}
		if code, _ := c1.get("/me"); code != http.StatusSeeOther {
			t.Errorf("replica 1 still accepts a session destroyed via replica 2: %d", code)
		}
	})
}

func TestSessionErrorFunc(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.addUser(t, "alice", auth.RoleAdmin)
		var got error
		sm := auth.NewSessionManager(e.db, auth.SessionConfig{ErrorFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(599)
		}})
		h := app(e.svc, sm)
		c := signedInWith(t, h, "alice", password("alice"))
		mustNil(t, e.db.Close()) // every store call now fails
		if code, _ := c.get("/me"); code != 599 || got == nil {
			t.Errorf("store failure: code %d, ErrorFunc err %v", code, got)
		}

		// Default ErrorFunc: plain 500, logged via slog.
		sm2 := auth.NewSessionManager(e.db, auth.SessionConfig{})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/me", nil)
		req.AddCookie(&http.Cookie{Name: auth.DefaultCookieName, Value: c.cookie})
		app(e.svc, sm2).ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("default ErrorFunc: %d", rec.Code)
		}
	})
}

// stored reports whether the sessions table holds a row for the cookie
// value token (the store keys rows by its hash, as scs computes it).
func stored(t *testing.T, db *store.DB, token string) bool {
	t.Helper()
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	all, err := db.SessionStore().All()
	mustNil(t, err)
	_, ok := all[base64.RawURLEncoding.EncodeToString(sum[:])]
	return ok
}

// TestRevokedSessionStaysRevoked: a request that loaded its session before
// the session was ended (sign-out, disable, password change, role change,
// "sign out everywhere") and answers afterwards must not bring it back.
// With the idle timeout on, scs commits every loaded session when the
// answer is written; the held request below also changes the session, as
// a page storing a flash or a preference does.
func TestRevokedSessionStaysRevoked(t *testing.T) {
	tests := []struct {
		name string
		// end ends the victim's session; c holds it.
		end func(t *testing.T, e *env, c *client, victim *store.User)
	}{
		{"sign-out", func(t *testing.T, e *env, c *client, _ *store.User) {
			if res := c.do("POST", "/logout", nil); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: %d", res.StatusCode)
			}
		}},
		{"disable", func(t *testing.T, e *env, _ *client, v *store.User) {
			mustNil(t, e.svc.Disable(context.Background(), auth.SystemActor("test"), v.ID))
		}},
		{"disable and enable", func(t *testing.T, e *env, _ *client, v *store.User) {
			mustNil(t, e.svc.Disable(context.Background(), auth.SystemActor("test"), v.ID))
			mustNil(t, e.svc.Enable(context.Background(), auth.SystemActor("test"), v.ID))
		}},
		{"password reset", func(t *testing.T, e *env, _ *client, v *store.User) {
			_, err := e.svc.SetPassword(context.Background(), auth.SystemActor("test"), v.ID, "another long password")
			mustNil(t, err)
		}},
		{"own password change", func(t *testing.T, e *env, _ *client, v *store.User) {
			_, err := e.svc.ChangePassword(context.Background(), auth.Actor{UserID: v.ID, Username: v.Username},
				password(v.Username), "another long password")
			mustNil(t, err)
		}},
		{"promotion to admin", func(t *testing.T, e *env, _ *client, v *store.User) {
			mustNil(t, e.svc.SetRole(context.Background(), auth.SystemActor("test"), v.ID, auth.RoleAdmin))
		}},
		{"sign out everywhere", func(t *testing.T, e *env, _ *client, v *store.User) {
			mustNil(t, e.svc.RevokeSessions(context.Background(), auth.SystemActor("test"), v.ID))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachEnv(t, func(t *testing.T, e *env) {
				e.addUser(t, "alice", auth.RoleAdmin)
				bob := e.addUser(t, "bob", auth.RoleAgent)
				sm := auth.NewSessionManager(e.db, auth.SessionConfig{})
				entered, release := make(chan struct{}), make(chan struct{})
				slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sm.Put(r.Context(), "last_page", r.URL.Path)
					close(entered)
					<-release
					w.Write([]byte("slow page"))
				})
				inner := app(e.svc, sm)
				h := http.NewServeMux()
				h.Handle("GET /slow", sm.LoadAndSave(e.svc.LoadUser(sm)(auth.RequireUser("")(slow))))
				h.Handle("/", inner)

				c := signedInWith(t, h, "bob", password("bob"))
				token := c.cookie
				held := newClient(t, h)
				held.cookie = token
				done := make(chan int)
				go func() {
					code, _ := held.get("/slow")
					done <- code
				}()
				<-entered
				tt.end(t, e, c, bob)
				close(release)
				if code := <-done; code != http.StatusOK {
					t.Fatalf("held request: %d", code)
				}

				if stored(t, e.db, token) {
					t.Error("the held request wrote the ended session back")
				}
				old := newClient(t, h)
				old.cookie = token
				for _, path := range []string{"/me", "/admin"} {
					if code, _ := old.get(path); code != http.StatusSeeOther {
						t.Errorf("the ended session's cookie on %s: %d, want a redirect to sign-in", path, code)
					}
				}
			})
		})
	}
}
