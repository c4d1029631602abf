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

// commonZones are offered in the time-zone picker; any IANA name works.
var commonZones = []string{"Asia/Kolkata", "UTC", "Asia/Dubai", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
	"Europe/London", "Europe/Berlin", "Africa/Nairobi", "America/New_York", "America/Chicago", "America/Los_Angeles",
	"America/Sao_Paulo"}

// showSettings shows the user's own settings.
func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request) error {
	return h.renderSettings(w, r, http.StatusOK, nil, "")
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, tz string) error {
	u, _ := auth.UserFrom(r.Context())
	if tz == "" && u != nil {
		tz = u.TimeZone
	}
	v := views.SettingsView{
		TimeZone: views.FieldView{Name: "timezone", Value: tz, Error: errs["timezone"]},
		Zones:    commonZones,
		Password: []views.FieldView{
			{Name: "current", Label: "Current password", Type: "password", Error: errs["current"]},
			{Name: "new", Label: "New password (12+ characters)", Type: "password", Error: errs["new"]},
		},
	}
	for k, m := range errs {
		if k == "" {
			v.Errors = append(v.Errors, m)
		}
	}
	p := h.page(r, "Settings", "")
	p.Flash = h.Sessions.PopString(r.Context(), flashKey)
	return h.render(w, r, status, views.SettingsPage(p, v))
}

// saveTimeZone stores the user's display zone.
func (h *Handler) saveTimeZone(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseSmallForm(w, r); err != nil {
		return err
	}
	tz := strings.TrimSpace(r.PostForm.Get("timezone"))
	if tz != "" {
		if err := auth.ValidateTimeZone(tz); err != nil {
			return h.renderSettings(w, r, http.StatusBadRequest,
				map[string]string{"timezone": "Unknown time zone. Use an IANA name such as Asia/Kolkata."}, tz)
		}
	}
	u, _ := auth.UserFrom(r.Context())
	if err := h.Auth.SetTimeZone(r.Context(), u.ID, tz); err != nil {
		return fmt.Errorf("save time zone: %w", err)
	}
	msg := "Times are now shown in " + tz + "."
	if tz == "" {
		msg = "Times are now shown in the server default zone."
	}
	return h.flashRedirect(w, r, msg, "/settings")
}

// changePassword changes the user's own password and keeps this browser
// signed in with a fresh session token.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := h.parseSmallForm(w, r); err != nil {
		return err
	}
	u, err := h.Auth.ChangePassword(r.Context(), auth.ActorFromRequest(r), r.PostForm.Get("current"), r.PostForm.Get("new"))
	if err != nil {
		var verr *auth.ValidationError
		if secs, ok := authRetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			return h.renderSettings(w, r, http.StatusTooManyRequests, map[string]string{"current": "Too many attempts " +
				"with a wrong current password, or too many at once. Try again in " + waitText(time.Duration(secs)*time.Second) + "."}, "")
		}
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			return h.renderSettings(w, r, http.StatusBadRequest, map[string]string{"current": "That is not your current password."}, "")
		case errors.As(err, &verr):
			field := "new"
			if verr.Field == "current" {
				field = "current"
			}
			return h.renderSettings(w, r, http.StatusBadRequest, map[string]string{field: verr.Message}, "")
		}
		return fmt.Errorf("change password: %w", err)
	}
	if err := auth.Login(r.Context(), h.Sessions, u); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	return h.flashRedirect(w, r, "Password changed. Other sessions were signed out.", "/settings")
}
