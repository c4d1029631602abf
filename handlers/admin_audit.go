package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/views"
)

const auditPerPage = 50

// showAudit lists audit events, newest first, filtered by user and action.
func (h *Handler) showAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	user := strings.TrimSpace(q.Get("user"))
	action := strings.TrimSpace(q.Get("action"))
	if len(user) > 64 || len(action) > 64 {
		return badRequest("The user and action filters are at most 64 characters.")
	}
	// Keyset pagination: "before" is the (time, id) of the last event of
	// the previous page, so a page reads 50 rows from the index whatever
	// the trail's size, and nothing counts the whole table.
	var before store.EventCursor
	if c := q.Get("before"); c != "" {
		var ok bool
		if before, ok = parseAuditCursor(c); !ok {
			return badRequest("The page position in the address is not valid. Start again from the newest events.")
		}
	}
	events, more, err := h.Auth.Audit().Page(r.Context(), store.EventFilter{Username: user, Action: action,
		Limit: auditPerPage, Before: before})
	if err != nil {
		return fmt.Errorf("list audit events: %w", err)
	}
	actions, err := h.Auth.Audit().Actions(r.Context())
	if err != nil {
		return fmt.Errorf("list audit actions: %w", err)
	}
	loc := h.zone(r)
	v := views.AdminAuditView{}
	for _, e := range events {
		v.Rows = append(v.Rows, views.AuditRow{At: views.FormatTime(e.At, loc), Username: orDash(e.Username),
			ClientIP: orDash(e.ClientIP), Action: e.Action, Details: e.Details})
	}
	opts := []views.Option{{Value: "", Label: "Any action"}}
	for _, a := range actions {
		opts = append(opts, views.Option{Value: a, Label: a})
	}
	if action != "" && !contains(actions, action) {
		opts = append(opts, views.Option{Value: action, Label: action})
	}
	v.Form = []views.FieldView{
		{Name: "user", Label: "User", Type: "text", Value: user},
		{Name: "action", Label: "Action", Value: action, Options: opts},
	}
	link := func(c store.EventCursor) string {
		vals := url.Values{}
		if user != "" {
			vals.Set("user", user)
		}
		if action != "" {
			vals.Set("action", action)
		}
		if !c.IsZero() {
			vals.Set("before", strconv.FormatInt(c.At.UnixMicro(), 10)+"."+strconv.FormatInt(c.ID, 10))
		}
		return h.urlWith("/admin/audit", vals)
	}
	if !before.IsZero() {
		v.Newest = link(store.EventCursor{})
	}
	if more {
		last := events[len(events)-1]
		v.Older = link(store.EventCursor{At: last.At, ID: last.ID})
	}
	return h.render(w, r, http.StatusOK, views.AdminAuditPage(h.page(r, "Audit trail", "admin"), v))
}

// parseAuditCursor reads "<unix microseconds>.<id>".
func parseAuditCursor(s string) (store.EventCursor, bool) {
	at, id, ok := strings.Cut(s, ".")
	if !ok || len(s) > 40 {
		return store.EventCursor{}, false
	}
	us, err1 := strconv.ParseInt(at, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || us < 0 || n <= 0 {
		return store.EventCursor{}, false
	}
	return store.EventCursor{At: time.UnixMicro(us).UTC(), ID: n}, true
}
