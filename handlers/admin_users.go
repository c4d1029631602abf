package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/views"
)

const flashKey = "flash"

// showUsers lists accounts with their actions, and the add-user form.
func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request) error {
	return h.renderUsers(w, r, http.StatusOK, nil, "", "agent")
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, name, role string) error {
	users, err := h.Auth.ListUsers(r.Context())
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	me, _ := auth.UserFrom(r.Context())
	loc := h.zone(r)
	v := views.AdminUsersView{AuditURL: h.url("/admin/audit")}
	for _, u := range users {
		last := "never"
		if u.LastLoginAt != nil {
			last = views.FormatTime(*u.LastLoginAt, loc)
		}
		v.Users = append(v.Users, views.AdminUserRow{ID: strconv.FormatInt(u.ID, 10), Username: u.Username,
			Role: u.Role, Disabled: u.Disabled, LastLogin: last, Created: u.CreatedAt.In(loc).Format("02 Jan 2006"),
			IsSelf: me != nil && me.ID == u.ID})
	}
	v.Form = []views.FieldView{
		{Name: "username", Label: "Username", Type: "text", Value: name, Error: errs["username"], Hint: "a-z, 0-9, dot, dash, underscore"},
		{Name: "password", Label: "Password", Type: "password", Error: errs["password"]},
		{Name: "role", Label: "Role", Value: role, Error: errs["role"], Options: []views.Option{
			{Value: auth.RoleAgent, Label: "agent: browses and exports"}, {Value: auth.RoleAdmin, Label: "admin: also manages users"}}},
	}
	if m := errs[""]; m != "" {
		v.Errors = append(v.Errors, m)
	}
	p := h.page(r, "Users", "admin")
	p.Flash = h.Sessions.PopString(r.Context(), flashKey)
	return h.render(w, r, status, views.AdminUsersPage(p, v))
}

// addUser creates an account from the add-user form.
func (h *Handler) addUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseSmallForm(w, r); err != nil {
		return err
	}
	name, role := r.PostForm.Get("username"), r.PostForm.Get("role")
	_, err := h.Auth.AddUser(r.Context(), auth.ActorFromRequest(r), name, r.PostForm.Get("password"), role)
	if err != nil {
		if errs, ok := userFormErrors(err); ok {
			return h.renderUsers(w, r, http.StatusBadRequest, errs, name, role)
		}
		return fmt.Errorf("add user: %w", err)
	}
	return h.flashRedirect(w, r, "User "+name+" added.", "/admin/users")
}

// userAction runs one of the per-user POST actions.
func (h *Handler) userAction(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := h.parseSmallForm(w, r); err != nil {
			return err
		}
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil || id <= 0 {
			return notFound("There is no such user.")
		}
		target, err := h.Auth.UserByID(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("There is no such user.")
		} else if err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		actor := auth.ActorFromRequest(r)
		ctx := r.Context()
		var msg string
		switch action {
		case "disable":
			err, msg = h.Auth.Disable(ctx, actor, id), target.Username+" is disabled and signed out."
		case "enable":
			err, msg = h.Auth.Enable(ctx, actor, id), target.Username+" is enabled."
		case "role":
			role := r.PostForm.Get("role")
			err, msg = h.Auth.SetRole(ctx, actor, id, role), target.Username+" is now "+role+"."
		case "password":
			if id == actor.UserID {
				// One's own password only with the current one, as on the
				// settings page: an open session alone must not be enough.
				return h.changeOwnPassword(w, r, actor)
			}
			_, err = h.Auth.SetPassword(ctx, actor, id, r.PostForm.Get("password"))
			msg = "Password of " + target.Username + " reset; their sessions were signed out."
		case "revoke":
			err, msg = h.Auth.RevokeSessions(ctx, actor, id), target.Username+" is signed out everywhere."
		}
		if err != nil {
			if errs, ok := userFormErrors(err); ok {
				m := errs[""]
				for _, v := range errs {
					if m == "" {
						m = v
					}
				}
				status := http.StatusBadRequest
				if errors.Is(err, auth.ErrForbidden) || errors.Is(err, auth.ErrNotDemoAccount) {
					status = http.StatusForbidden
				}
				return h.renderUsers(w, r, status, map[string]string{"": target.Username + ": " + m}, "", "agent")
			}
			return fmt.Errorf("user %s: %w", action, err)
		}
		return h.flashRedirect(w, r, msg, "/admin/users")
	}
}

// changeOwnPassword is the admin users page's reset applied to the admin's
// own row: it needs the current password (form field "current") and keeps
// this browser signed in with a fresh token.
func (h *Handler) changeOwnPassword(w http.ResponseWriter, r *http.Request, actor auth.Actor) error {
	u, err := h.Auth.ChangePassword(r.Context(), actor, r.PostForm.Get("current"), r.PostForm.Get("password"))
	if err != nil {
		if secs, ok := authRetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return h.renderUsers(w, r, http.StatusTooManyRequests, map[string]string{"": "Your password: too many " +
				"attempts with a wrong current password, or too many at once. Try again in " +
				waitText(time.Duration(secs)*time.Second) + "."}, "", "agent")
		}
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return h.renderUsers(w, r, http.StatusBadRequest, map[string]string{"": "Your password: give your " +
				"current password to change your own (it did not match)."}, "", "agent")
		}
		if errs, ok := userFormErrors(err); ok {
			return h.renderUsers(w, r, http.StatusBadRequest, map[string]string{"": "Your password: " + errs["password"]}, "", "agent")
		}
		return fmt.Errorf("change own password: %w", err)
	}
	if err := auth.Login(r.Context(), h.Sessions, u); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	return h.flashRedirect(w, r, "Your password is changed; your other sessions were signed out.", "/admin/users")
}

// userFormErrors turns the auth package's refusals into form messages.
func userFormErrors(err error) (map[string]string, bool) {
	var verr *auth.ValidationError
	switch {
	case errors.As(err, &verr):
		return map[string]string{verr.Field: verr.Message}, true
	case errors.Is(err, store.ErrDuplicate):
		return map[string]string{"username": "That username is taken."}, true
	case errors.Is(err, auth.ErrSelfLockout):
		return map[string]string{"": "You cannot disable or demote your own account."}, true
	case errors.Is(err, auth.ErrLastAdmin):
		return map[string]string{"": "cdrdash needs at least one active admin."}, true
	case errors.Is(err, auth.ErrOwnPassword):
		return map[string]string{"": "Give your current password to change your own."}, true
	case errors.Is(err, auth.ErrForbidden):
		return map[string]string{"": "Only admins may do that."}, true
	case errors.Is(err, auth.ErrNotDemoAccount):
		return map[string]string{"": "This is a demo instance: it can only change the accounts demo mode created, not one added to this database from outside."}, true
	}
	return nil, false
}

func (h *Handler) flashRedirect(w http.ResponseWriter, r *http.Request, msg, path string) error {
	h.Sessions.Put(r.Context(), flashKey, msg)
	http.Redirect(w, r, h.url(path), http.StatusSeeOther)
	return nil
}

// parseSmallForm reads a form body of at most 16 KB.
func (h *Handler) parseSmallForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpError{status: http.StatusRequestEntityTooLarge, title: "Form too large",
				message: "The form sent more data than cdrdash accepts."}
		}
		return badRequest("The form could not be read.")
	}
	return nil
}
