package handlers

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

// Check is the result of one readiness probe.
type Check struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Status is the one word /readyz shows: "ok" or "unavailable". readyz
	// fills it in.
	Status string `json:"status"`
	// Detail says what failed. It goes to the log only: /readyz answers
	// anyone, and database and Vobiz errors name hosts, users and
	// addresses.
	Detail string `json:"-"`
}

// Readiness status words.
const (
	checkOK          = "ok"
	checkUnavailable = "unavailable"
)

// healthz answers while the process is alive; it checks nothing else, so
// an orchestrator never restarts cdrdash because Vobiz is down.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz reports whether the database and the Vobiz API answer, so a load
// balancer sends traffic only to replicas that can serve it. The upstream
// probe is cached by the Ready function, not here.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	var checks []Check
	if h.Ready != nil {
		checks = h.Ready(r.Context())
	}
	status := http.StatusOK
	for i, c := range checks {
		checks[i].Status = checkOK
		if !c.OK {
			status = http.StatusServiceUnavailable
			checks[i].Status = checkUnavailable
			h.Log.Warn("not ready", "check", c.Name, "detail", c.Detail, "request_id", requestID(r.Context()))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Ready  bool    `json:"ready"`
		Checks []Check `json:"checks"`
	}{status == http.StatusOK, checks})
}

// metricsHandler serves Prometheus metrics behind the bearer token
// MetricsToken (Routes serves no /metrics without one).
func (h *Handler) metricsHandler() http.Handler {
	inner := h.Metrics.Handler()
	want := []byte(h.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 7235); the token is not.
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cdrdash metrics"`)
			http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
