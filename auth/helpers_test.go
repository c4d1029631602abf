package auth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// env is one backend with a fake clock, a service on cheap hash parameters
// and a captured log.
type env struct {
	tg  storetest.Target
	db  *store.DB
	clk *storetest.Clock
	svc *auth.Service
	log *syncBuffer
}

// forEachEnv runs fn against SQLite and PostgreSQL. The clock starts at the
// real current time because scs computes session expiry with time.Now.
func forEachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		clk := storetest.NewClock(time.Now().Truncate(time.Second))
		db := tg.Open(t, store.WithClock(clk.Now))
		e := &env{tg: tg, db: db, clk: clk, log: &syncBuffer{}}
		e.svc = e.newService(db)
		fn(t, e)
	})
}

// newService builds a service over db (which may be a second handle).
func (e *env) newService(db *store.DB, opts ...auth.Option) *auth.Service {
	logger := slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	all := append([]auth.Option{auth.WithHashParams(auth.InsecureFastParams), auth.WithLogger(logger)}, opts...)
	return auth.NewService(db, all...)
}

// addUser creates a user through the service as the CLI would.
func (e *env) addUser(t *testing.T, name, role string) *store.User {
	t.Helper()
	u, err := e.svc.AddUser(context.Background(), auth.SystemActor("test"), name, name+"-password-123", role)
	if err != nil {
		t.Fatalf("AddUser(%s): %v", name, err)
	}
	return u
}

func password(name string) string { return name + "-password-123" }

// events returns the audit actions recorded so far, oldest first.
func (e *env) events(t *testing.T, f store.EventFilter) []store.Event {
	t.Helper()
	f.Limit = store.MaxEventLimit
	evs, _, err := e.db.ListEvents(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// app is a minimal web app over the package: sign-in, sign-out and
// protected pages, as the lead's handlers will wire them.
func app(svc *auth.Service, sm *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		u, err := svc.Authenticate(r.Context(), r.FormValue("username"), r.FormValue("password"), auth.ClientIP(r))
		var terr *auth.ThrottledError
		switch {
		case errors.As(err, &terr):
			w.Header().Set("Retry-After", strconv.Itoa(terr.RetryAfterSeconds()))
			http.Error(w, "throttled", http.StatusTooManyRequests)
			return
		case errors.Is(err, auth.ErrInvalidCredentials):
			http.Error(w, "Invalid username or password.", http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err := auth.Login(r.Context(), sm, u); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, auth.SafeNext(r.FormValue("next")), http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Logout(r.Context(), sm, auth.ClientIP(r)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /flash", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "flash", "hello")
		w.WriteHeader(http.StatusNoContent)
	})
	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := auth.UserFrom(r.Context())
		w.Write([]byte(u.Username))
	})
	mux.Handle("GET /me", auth.RequireUser("")(me))
	mux.Handle("GET /admin", auth.RequireUser("")(auth.RequireRole(auth.RoleAdmin)(me)))
	return sm.LoadAndSave(svc.LoadUser(sm)(mux))
}

// client sends requests to an http.Handler and keeps one session cookie.
type client struct {
	t      *testing.T
	h      http.Handler
	name   string // cookie name
	cookie string // current session token ("" = none)
	ip     string
}

func newClient(t *testing.T, h http.Handler) *client {
	return &client{t: t, h: h, name: auth.DefaultCookieName, ip: "192.0.2.10"}
}

func (c *client) do(method, path string, form url.Values) *http.Response {
	c.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = c.ip + ":51234"
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: c.name, Value: c.cookie})
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.Name == c.name {
			if ck.MaxAge < 0 {
				c.cookie = ""
			} else {
				c.cookie = ck.Value
			}
		}
	}
	return res
}

func (c *client) login(user, pw string) *http.Response {
	c.t.Helper()
	return c.do("POST", "/login", url.Values{"username": {user}, "password": {pw}})
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	res := c.do("GET", path, nil)
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}
