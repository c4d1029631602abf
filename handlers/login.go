package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/views"
)

// badCredentials is the one message for an unknown user and a wrong
// password, so the form does not reveal which accounts exist.
const badCredentials = "That username and password do not match an active account."

// showLogin renders the sign-in form. A visitor already signed in goes
// straight to where they were heading.
func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request) error {
	next := h.safeNext(r.URL.Query().Get("next"))
	if _, ok := auth.UserFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := views.LoginView{Next: next, Demo: h.Demo}
	return h.render(w, r, http.StatusOK, views.LoginPage(h.page(r, "Sign in", ""), v))
}

// login checks the credentials, renews the session token (no session
// fixation) and sends the user on to a local page only.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	p := h.page(r, "Sign in", "")
	// Per-address rate first, in memory: a flood of posts costs no
	// database write, no hash and no audit row.
	if ok, wait := h.logins.allow(auth.ClientKey(auth.ClientIP(r)), h.Now()); !ok {
		secs := max(1, int((wait+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v := views.LoginView{Next: h.safeNext(r.URL.Query().Get("next")), Demo: h.Demo,
			Error: "Too many sign-in attempts from your network. Try again in " + waitText(time.Duration(secs)*time.Second) + "."}
		return h.render(w, r, http.StatusTooManyRequests, views.LoginPage(p, v))
	}
	if err := h.parseSmallForm(w, r); err != nil {
		return err // 413 past 16 KB, like every small form
	}
	username := r.PostForm.Get("username")
	next := h.safeNext(r.PostForm.Get("next"))
	v := views.LoginView{Username: username, Next: next, Demo: h.Demo}
	if len(username) > 256 {
		v.Username = ""
	}

	u, err := h.Auth.Authenticate(r.Context(), username, r.PostForm.Get("password"), auth.ClientIP(r))
	var (
		throttled *auth.ThrottledError
		busy      *auth.BusyError
	)
	switch {
	case errors.As(err, &busy):
		secs := busy.RetryAfterSeconds()
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v.Error = "Too many sign-ins are being checked right now. Try again in " + waitText(time.Duration(secs)*time.Second) + "."
		return h.render(w, r, http.StatusTooManyRequests, views.LoginPage(p, v))
	case errors.As(err, &throttled):
		secs := throttled.RetryAfterSeconds()
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		v.Error = "Too many failed sign-ins. Try again in " + waitText(time.Duration(secs)*time.Second) + "."
		return h.render(w, r, http.StatusTooManyRequests, views.LoginPage(p, v))
	case errors.Is(err, auth.ErrInvalidCredentials):
		v.Error = badCredentials
		return h.render(w, r, http.StatusUnauthorized, views.LoginPage(p, v))
	case err != nil:
		return fmt.Errorf("sign in: %w", err)
	}
	if err := auth.Login(r.Context(), h.Sessions, u); err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in target only when it is a local page of
// this dashboard (under the base path); anything else lands on home.
// RequireUser puts the full request path, base path included, in next.
func (h *Handler) safeNext(next string) string {
	next = auth.SafeNext(next)
	if next == "/" || (h.BasePath != "" && next != h.BasePath && !strings.HasPrefix(next, h.BasePath+"/")) {
		return h.url("/")
	}
	return next
}

// logout ends the session on the server, not just in the browser.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.Auth.Logout(r.Context(), h.Sessions, auth.ClientIP(r)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	http.Redirect(w, r, h.url("/login"), http.StatusSeeOther)
	return nil
}

func waitText(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(max(int(d.Seconds()), 1)) + " seconds"
	}
	m := int((d + time.Minute - 1) / time.Minute)
	if m == 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}
