// Package auth signs cdrdash users in and out and guards pages.
//
// It owns password hashing (argon2id, PHC strings), input validation, the
// sign-in flow with throttling (Service.Authenticate), user management with
// its safety rules (Service.AddUser, SetPassword, Disable, SetRole, ...),
// sessions (NewSessionManager over the database-backed store, Login,
// Logout), request middleware (Service.LoadUser, RequireUser, RequireRole),
// the safe post-login redirect (SafeNext) and the audit trail (Audit).
//
// Typical wiring with chi:
//
//	db, _ := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
//	svc := auth.NewService(db)
//	sm := auth.NewSessionManager(db, auth.SessionConfig{Secure: cfg.HTTPS})
//	sm.ErrorFunc = h.serverError
//	r.Group(func(r chi.Router) {
//		r.Use(sm.LoadAndSave, svc.LoadUser(sm))
//		r.Get("/login", h.showLogin)
//		r.Post("/login", h.login)
//		r.Group(func(r chi.Router) {
//			r.Use(auth.RequireUser(basePath))
//			r.Get("/calls", h.listCalls)
//			r.With(auth.RequireRole(auth.RoleAdmin)).Get("/admin/users", h.listUsers)
//		})
//	})
package auth

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/cdrdash/cdrdash/store"
)

// Roles. An admin manages users, reads the audit trail and can do
// everything an agent can; an agent browses and exports calls.
const (
	RoleAdmin = store.RoleAdmin
	RoleAgent = store.RoleAgent
)

// Errors returned by Service methods.
var (
	// ErrInvalidCredentials is the single answer to a failed sign-in,
	// whether the user is unknown, the password wrong or the account
	// disabled. Show one message for it.
	ErrInvalidCredentials = errors.New("auth: invalid username or password")
	// ErrThrottled is matched (errors.Is) by *ThrottledError.
	ErrThrottled = errors.New("auth: too many failed sign-in attempts")
	// ErrSelfLockout refuses an admin disabling or demoting their own account.
	ErrSelfLockout = errors.New("auth: you cannot disable or demote your own account")
	// ErrLastAdmin refuses a change that would leave no enabled admin.
	ErrLastAdmin = store.ErrLastAdmin
	// ErrOwnPassword refuses a signed-in user resetting their own password
	// without the current one (use ChangePassword).
	ErrOwnPassword = errors.New("auth: give your current password to change your own")
	// ErrForbidden means the actor may not perform a user-management action.
	ErrForbidden = errors.New("auth: forbidden")
	// ErrNotDemoAccount refuses a demo instance changing an account demo
	// mode did not create (one added to a shared database after the demo
	// started): its demo/demo admin must never take a real account over.
	ErrNotDemoAccount = errors.New("auth: demo mode cannot change an account it did not create")
)

// HasRole reports whether u may act as role: admins satisfy every role,
// agents only RoleAgent. A nil or disabled user has no role.
func HasRole(u *store.User, role string) bool {
	if u == nil || u.Disabled {
		return false
	}
	return u.Role == role || u.Role == RoleAdmin
}

// Actor is who performs a user-management action, for permission checks
// and the audit trail.
type Actor struct {
	UserID   int64  // 0 when not a signed-in user (CLI, start-up code)
	Username string // recorded in the audit trail
	ClientIP string // "" outside HTTP
}

// ActorFromRequest is the signed-in user (from LoadUser) and the client IP.
func ActorFromRequest(r *http.Request) Actor {
	a := Actor{ClientIP: ClientIP(r)}
	if u, ok := UserFrom(r.Context()); ok {
		a.UserID, a.Username = u.ID, u.Username
	}
	return a
}

// SystemActor is a non-user actor such as "cli" or "startup". System actors
// bypass the admin-role check (the process owner is trusted), but never the
// last-admin rule.
func SystemActor(name string) Actor { return Actor{Username: name} }

type ctxKey struct{}

// ContextWithUser returns ctx carrying u, as LoadUser does. Handler tests
// use it to simulate a signed-in user.
func ContextWithUser(ctx context.Context, u *store.User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// UserFrom returns the signed-in user put in ctx by LoadUser.
func UserFrom(ctx context.Context) (*store.User, bool) {
	u, ok := ctx.Value(ctxKey{}).(*store.User)
	return u, ok && u != nil
}

// ClientIP returns the host part of r.RemoteAddr. Put a trusted real-IP
// middleware (such as chi's middleware.RealIP, only behind a proxy you
// control) in front if clients connect through a reverse proxy.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ClientKey is the key sign-in limits use for a client address: the address
// for IPv4, its /64 network for IPv6 (one subscriber usually holds a whole
// /64), "" when unknown.
func ClientKey(clientIP string) string { return ipThrottleKey(clientIP) }
