package handlers

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

// Check is the result of one readiness probe.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

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
	for _, c := range checks {
		if !c.OK {
			status = http.StatusServiceUnavailable
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

// metricsHandler serves Prometheus metrics, behind a bearer token when one
// is configured.
func (h *Handler) metricsHandler() http.Handler {
	inner := h.Metrics.Handler()
	if h.MetricsToken == "" {
		return inner
	}
	want := []byte("Bearer " + h.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(strings.TrimSpace(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cdrdash metrics"`)
			http.Error(w, "metrics need a bearer token", http.StatusUnauthorized)
			return
		}
		inner.ServeHTTP(w, r)
	})
}
