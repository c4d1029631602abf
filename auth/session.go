package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/cdrdash/cdrdash/store"
)

// Session defaults.
const (
	DefaultIdleTimeout = 30 * time.Minute
	DefaultLifetime    = 12 * time.Hour
	DefaultCookieName  = "cdrdash_session"
)

// Session keys. Only these two values identify the user; pages may store
// their own keys (flash messages) in the same session.
const (
	sessionKeyUserID = "auth.user_id"
	sessionKeyEpoch  = "auth.epoch"
)

// SessionConfig configures NewSessionManager. Zero fields take defaults.
type SessionConfig struct {
	IdleTimeout time.Duration // default 30 min: a session unused this long ends
	Lifetime    time.Duration // default 12 h: absolute limit from sign-in, activity or not
	// Secure sets the cookie's Secure flag (serve over HTTPS) and a name
	// prefix browsers enforce: "__Host-" when Path is "/" (the cookie is
	// then HTTPS-only, bound to this host and path /, and no subdomain or
	// plain-HTTP page can set or overwrite it), "__Secure-" below a base
	// path, since "__Host-" requires Path=/ and a cookie for / would also
	// be sent to the other applications on the host. A name that already
	// has either prefix is kept.
	Secure     bool
	CookieName string // default "cdrdash_session"
	Path       string // cookie path, default "/" (set to the base path when mounted below /)
	// Persist makes the cookie survive a browser restart (Max-Age set). The
	// default false gives a browser-session cookie: closing the browser on a
	// shared support desk signs the user out; the server enforces the idle
	// timeout and lifetime either way.
	Persist bool
	// ErrorFunc renders session-store failures (default: log with slog and
	// answer a plain 500). It can also be set later on the returned
	// manager's ErrorFunc field; LoadUser uses the same function.
	ErrorFunc func(http.ResponseWriter, *http.Request, error)
}

// NewSessionManager returns an scs manager whose sessions live in db (so
// they survive restarts and are shared by replicas on one PostgreSQL
// database). The cookie is HttpOnly and SameSite=Lax, Secure when
// configured. Tokens are stored as SHA-256 hashes, so reading the sessions
// table does not give usable cookies.
func NewSessionManager(db *store.DB, cfg SessionConfig) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{SessionStore: db.SessionStore(), sm: sm}
	sm.HashTokenInStore = true
	sm.IdleTimeout = cmpOr(cfg.IdleTimeout, DefaultIdleTimeout)
	sm.Lifetime = cmpOr(cfg.Lifetime, DefaultLifetime)
	sm.Cookie.Path = cmpOr(cfg.Path, "/")
	sm.Cookie.Name = cmpOr(cfg.CookieName, DefaultCookieName)
	if cfg.Secure {
		sm.Cookie.Name = prefixedCookieName(sm.Cookie.Name, sm.Cookie.Path)
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.Secure
	sm.Cookie.Persist = cfg.Persist
	sm.ErrorFunc = cfg.ErrorFunc
	if sm.ErrorFunc == nil {
		sm.ErrorFunc = defaultSessionError
	}
	return sm
}

// prefixedCookieName returns name with the strongest cookie prefix a
// Secure cookie on path may carry (see SessionConfig.Secure).
func prefixedCookieName(name, path string) string {
	if strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-") {
		return name
	}
	if path == "/" {
		return "__Host-" + name
	}
	return "__Secure-" + name
}

// sessionStore is the database's session store as this package's
// managers use it. It tells the store whom a session belongs to, so that
// revoking a user's sessions finds their rows and a late commit of a
// revoked session is refused, and it keeps destroyed tokens revoked for
// the manager's whole session lifetime.
type sessionStore struct {
	*store.SessionStore
	sm *scs.SessionManager
}

var (
	_ scs.CtxStore         = sessionStore{}
	_ scs.IterableCtxStore = sessionStore{}
)

// CommitCtx implements scs.CtxStore.
func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.SessionStore.CommitOwnedCtx(ctx, token, b, expiry, s.owner)
}

// Commit implements scs.Store.
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// DeleteCtx implements scs.CtxStore. A request that loaded the session
// before it was destroyed may commit it until the session's absolute
// lifetime is over, so the token stays revoked that long.
func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.SessionStore.Revoke(ctx, token, s.sm.Lifetime)
}

// Delete implements scs.Store.
func (s sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// owner reads the signed-in user and epoch Login put in the session.
func (s sessionStore) owner(b []byte) (store.SessionOwner, error) {
	_, values, err := s.sm.Codec.Decode(b)
	if err != nil {
		return store.SessionOwner{}, fmt.Errorf("auth: read session owner: %w", err)
	}
	id, _ := values[sessionKeyUserID].(int64)
	epoch, _ := values[sessionKeyEpoch].(int64)
	return store.SessionOwner{UserID: id, Epoch: epoch}, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func defaultSessionError(w http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "session error", slog.Any("error", err),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("client_ip", ClientIP(r)))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// Login starts an authenticated session for u in the request's session
// (ctx must come from sm.LoadAndSave). The token is renewed first, so a
// token planted before sign-in is useless afterwards (no session fixation).
// Values already in the session (for example a flash message) are kept.
func Login(ctx context.Context, sm *scs.SessionManager, u *store.User) error {
	if err := sm.RenewToken(ctx); err != nil {
		return fmt.Errorf("auth: login: %w", err)
	}
	sm.Put(ctx, sessionKeyUserID, u.ID)
	sm.Put(ctx, sessionKeyEpoch, u.SessionEpoch)
	return nil
}

// Logout ends the session server-side and clears the cookie. Anything put
// in the session afterwards in the same request (a "signed out" flash)
// starts a new session with a new token.
func Logout(ctx context.Context, sm *scs.SessionManager) error {
	if err := sm.Destroy(ctx); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// Logout records the sign-out in the audit trail and then ends the session
// (see the package-level Logout). Call it from the sign-out POST handler.
func (s *Service) Logout(ctx context.Context, sm *scs.SessionManager, clientIP string) error {
	if u, ok := UserFrom(ctx); ok {
		s.audit.Record(ctx, Event{Action: ActionLogout, Username: u.Username, UserID: u.ID, ClientIP: clientIP})
	}
	return Logout(ctx, sm)
}

// LoadUser is middleware (inside sm.LoadAndSave) that puts the signed-in
// user into the request context; read it with UserFrom. The user is
// re-read from the database on every request, so disabling an account,
// changing its password or role or revoking its sessions takes effect at
// once on every replica (the store has deleted those sessions already;
// this also catches a copy of one from an older epoch): such sessions are
// destroyed and the request continues anonymously. Demo mode's accounts
// get the same treatment outside demo mode (WithDemoMode). Database
// errors go to sm.ErrorFunc.
func (s *Service) LoadUser(sm *scs.SessionManager) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			id := sm.GetInt64(ctx, sessionKeyUserID)
			if id == 0 {
				next.ServeHTTP(w, r)
				return
			}
			u, err := s.db.UserByID(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				sm.ErrorFunc(w, r, err)
				return
			}
			if u == nil || u.Disabled || (u.Demo && !s.demo) || u.SessionEpoch != sm.GetInt64(ctx, sessionKeyEpoch) {
				if err := sm.Destroy(ctx); err != nil {
					sm.ErrorFunc(w, r, err)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r.WithContext(ContextWithUser(ctx, u)))
		})
	}
}
