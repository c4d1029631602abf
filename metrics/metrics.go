// Package metrics exposes cdrdash's Prometheus metrics. Every method is
// safe on a nil *Metrics, so code paths and tests without metrics need no
// checks.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors on a private registry (no global state, so
// tests can build as many as they like).
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	upstream    *prometheus.HistogramVec
	cache       *prometheus.CounterVec
	exportBytes *prometheus.CounterVec
	exports     *prometheus.CounterVec
}

// New registers every collector. activeSessions, when not nil, is called
// at scrape time for the active-sessions gauge.
func New(version string, activeSessions func(context.Context) (int64, error)) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cdrdash_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cdrdash_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "cdrdash_upstream_request_duration_seconds", Help: "Vobiz API request latency by endpoint and status (0: no response).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint", "status"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cdrdash_cache_requests_total", Help: "Cache lookups by cache and result (hit or miss).",
		}, []string{"cache", "result"}),
		exportBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cdrdash_export_bytes_total", Help: "CSV bytes sent to browsers by format.",
		}, []string{"format"}),
		exports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cdrdash_exports_total", Help: "CSV exports by format and result (completed, aborted, failed).",
		}, []string{"format", "result"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "cdrdash_build_info", Help: "Always 1; the version is a label.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	build.Set(1)
	reg.MustRegister(m.requests, m.duration, m.upstream, m.cache, m.exportBytes, m.exports, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if activeSessions != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "cdrdash_active_sessions", Help: "Sessions that have not expired.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := activeSessions(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	// Pre-create the common series so a scrape shows them at zero.
	for _, r := range []string{"completed", "aborted", "failed"} {
		for _, f := range []string{"raw", "report"} {
			m.exports.WithLabelValues(f, r)
		}
	}
	for _, f := range []string{"raw", "report"} {
		m.exportBytes.WithLabelValues(f)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveRequest records one HTTP request.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(d.Seconds())
}

// ObserveUpstream records one Vobiz API attempt; it has the signature of
// vobiz.WithObserver's callback.
func (m *Metrics) ObserveUpstream(endpoint string, status int, d time.Duration, _ error) {
	if m == nil {
		return
	}
	m.upstream.WithLabelValues(endpoint, strconv.Itoa(status)).Observe(d.Seconds())
}

// CacheLookup records a cache hit or miss.
func (m *Metrics) CacheLookup(cache string, hit bool) {
	if m == nil {
		return
	}
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(cache, result).Inc()
}

// Export records a finished export: its format, bytes sent and result
// ("completed", "aborted" or "failed").
func (m *Metrics) Export(format string, bytes int64, result string) {
	if m == nil {
		return
	}
	m.exportBytes.WithLabelValues(format).Add(float64(bytes))
	m.exports.WithLabelValues(format, result).Inc()
}
