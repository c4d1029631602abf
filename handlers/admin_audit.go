package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			return badRequest("Page must be a whole number, 1 or more.")
		}
		page = n
	}
	events, total, err := h.Auth.Audit().List(r.Context(), store.EventFilter{Username: user, Action: action,
		Limit: auditPerPage, Offset: (page - 1) * auditPerPage})
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
	pages := (total + auditPerPage - 1) / auditPerPage
	link := func(n int) string {
		vals := url.Values{}
		if user != "" {
			vals.Set("user", user)
		}
		if action != "" {
			vals.Set("action", action)
		}
		if n > 1 {
			vals.Set("page", strconv.Itoa(n))
		}
		return h.urlWith("/admin/audit", vals)
	}
	pv := views.PagerView{Page: page, Pages: pages, Total: int64(total)}
	if total > 0 {
		pv.From = int64((page-1)*auditPerPage + 1)
		pv.To = min(int64(page*auditPerPage), int64(total))
	}
	if page > 1 {
		pv.First, pv.Prev = link(1), link(page-1)
	}
	if page < pages {
		pv.Next, pv.Last = link(page+1), link(pages)
	}
	v.Pager = pv
	return h.render(w, r, http.StatusOK, views.AdminAuditPage(h.page(r, "Audit trail", "admin"), v))
}
