package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/cdrdash/cdrdash/auth"
)

// Routes returns the whole URL table of the dashboard.
//
// Middleware order, outermost first: request ID (so everything after can
// log it), request log, panic recovery, security headers, CSRF protection
// for every state-changing request (Go's CrossOriginProtection, backed by
// SameSite cookies). GETs that write audit events or cost real work also
// refuse navigations started by other sites (refuseCrossSite). Static
// files and health checks need no session; every other page loads the
// session and the user, and all but the sign-in page require a signed-in
// user.
func (h *Handler) Routes() http.Handler {
	r := chi.NewRouter()
	r.Use(withRequestID, h.logRequests, h.recoverPanics, securityHeaders, h.realClient)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusForbidden, title: "Request refused",
			message: "This form was sent from another site, so cdrdash refused it. Open cdrdash itself and try again."}
	}))
	r.Use(csrf.Handler)

	notFoundPage := h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("There is no page at this address.")
	})
	r.NotFound(notFoundPage)
	r.MethodNotAllowed(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusMethodNotAllowed, title: "Method not allowed",
			message: "This address does not accept " + r.Method + " requests."}
	}))

	if h.Assets != nil {
		r.Handle("/static/*", http.StripPrefix(h.BasePath+"/static", h.Assets))
	}
	r.Get("/healthz", h.healthz)
	r.Get("/readyz", h.readyz)
	// /metrics tells how busy cdrdash is, who uses it and how Vobiz
	// answers: on the main address it needs a bearer token. Without one
	// it is not served there at all (404), unless it has its own address.
	if h.Metrics != nil && !h.MetricsOff && h.MetricsToken != "" {
		r.Handle("/metrics", h.metricsHandler())
	}

	r.Group(func(r chi.Router) {
		r.Use(noStore, h.Sessions.LoadAndSave, h.Auth.LoadUser(h.Sessions), noteUser)
		r.Get("/login", h.wrap(h.showLogin))
		r.Post("/login", h.wrap(h.login))

		r.Group(func(r chi.Router) {
			r.Use(auth.RequireUser(h.BasePath, auth.OnUnauthorized(h.unauthorizedHandler())))
			r.Post("/logout", h.wrap(h.logout))
			r.Get("/", h.wrap(h.showHome))
			// GETs that write an audit event or cost real work (read_guard.go).
			r.Group(func(r chi.Router) {
				r.Use(h.refuseCrossSite)
				r.With(h.auditRead(auth.ActionCallLookup, lookupDetails)).Get("/lookup", h.wrap(h.lookup))
				r.With(h.auditRead(auth.ActionCallSearch, h.searchDetails)).Get("/calls", h.wrap(h.showCalls))
				r.Get("/calls/export", h.wrap(h.exportCalls))
				r.Get("/calls/{uuid}", h.wrap(h.showCall))
				// Recordings stream through cdrdash (docs/recordings.md#the-audio-proxy).
				r.Get("/calls/{uuid}/recordings/{id}", h.serveRecording(false))
				r.Get("/calls/{uuid}/recordings/{id}/download", h.serveRecording(true))
				r.Get("/calls/{uuid}/recordings/{id}/waveform", h.showWaveform)
				r.With(h.auditRead(auth.ActionReportView, h.reportDetails)).Get("/reports", h.wrap(h.showReports))
				r.With(h.auditRead(auth.ActionReportView, h.reportDetails)).Get("/reports/download", h.wrap(h.downloadReport))
				r.With(h.auditRead(auth.ActionReportView, h.costsDetails)).Get("/reports/costs", h.wrap(h.showCosts))
				r.With(h.auditRead(auth.ActionReportView, h.costsDetails)).Get("/reports/costs/download", h.wrap(h.downloadCosts))
			})
			r.Post("/index/refresh", h.wrap(h.refreshIndex))
			r.Get("/diagnose", h.wrap(h.showDiagnose))
			r.Post("/diagnose", h.wrap(h.diagnose))
			r.Get("/settings", h.wrap(h.showSettings))
			r.Post("/settings/timezone", h.wrap(h.saveTimeZone))
			r.Post("/settings/password", h.wrap(h.changePassword))

			r.Group(func(r chi.Router) {
				r.Use(auth.RequireRole(auth.RoleAdmin, auth.OnForbidden(h.forbiddenHandler())))
				r.Get("/admin/users", h.wrap(h.showUsers))
				r.Post("/admin/users", h.wrap(h.addUser))
				for _, action := range []string{"disable", "enable", "role", "password", "revoke"} {
					r.Post("/admin/users/{id}/"+action, h.wrap(h.userAction(action)))
				}
				r.With(h.refuseCrossSite, h.auditRead(auth.ActionAuditRead, auditReadDetails)).
					Get("/admin/audit", h.wrap(h.showAudit))
				r.Get("/admin/index", h.wrap(h.showIndex))
				r.Post("/admin/index/days/{day}/resync", h.wrap(h.resyncDay))
			})
		})
	})

	if h.BasePath == "" {
		return r
	}
	root := chi.NewRouter()
	root.Mount(h.BasePath, r)
	root.NotFound(notFoundPage)
	return root
}

func (h *Handler) unauthorizedHandler() http.Handler {
	return h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusUnauthorized, title: "Sign in first",
			message: "This address needs a signed-in session."}
	})
}

func (h *Handler) forbiddenHandler() http.Handler {
	return h.wrap(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusForbidden, title: "Admins only",
			message: "This page is for cdrdash administrators."}
	})
}
