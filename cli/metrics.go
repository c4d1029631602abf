package cli

import (
	"log/slog"

	"github.com/cdrdash/cdrdash/config"
)

// logMetricsPlacement says at start-up where /metrics is served. The main
// address serves it only behind CDRDASH_METRICS_TOKEN; with neither a
// token nor CDRDASH_METRICS_ADDR it is off, and the line says how to turn
// it on, so an operator whose scraper gets 404 finds the reason in the
// log.
func logMetricsPlacement(log *slog.Logger, cfg *config.Config) {
	switch {
	case cfg.MetricsAddr != "":
		// serve logs "metrics listening" with the bound address.
	case cfg.MetricsToken != "":
		log.Info("metrics served on the main address at /metrics, behind a bearer token (CDRDASH_METRICS_TOKEN)")
	default:
		log.Info("metrics off: /metrics answers 404; set CDRDASH_METRICS_TOKEN to serve it on the main address " +
			"behind a bearer token, or CDRDASH_METRICS_ADDR to serve it on an address of its own")
	}
}
