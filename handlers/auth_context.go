package handlers

import (
	"net/http"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/views"
)

// userName names the signed-in user for logs ("" when anonymous).
func userName(r *http.Request) string {
	if u, ok := auth.UserFrom(r.Context()); ok {
		return u.Username
	}
	return ""
}

// userView returns the signed-in user for the page header.
func userView(r *http.Request) *views.User {
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		return nil
	}
	return &views.User{Name: u.Username, Role: u.Role, IsAdmin: auth.HasRole(u, auth.RoleAdmin)}
}

// zone is the display time zone of the request's user: their own choice,
// else the server default.
func (h *Handler) zone(r *http.Request) *time.Location {
	if u, ok := auth.UserFrom(r.Context()); ok && u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return h.Location
}

// recordAudit writes an audit event for the signed-in user. It never fails
// the request: the audit trail logs its own storage errors.
func (h *Handler) recordAudit(r *http.Request, action string, details any) {
	if h.Auth == nil {
		return
	}
	h.Auth.Audit().RecordRequest(r, action, details)
}
