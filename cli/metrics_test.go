package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/config"
)

// TestLogMetricsPlacement: with neither a metrics token nor a metrics
// address, start-up says that /metrics is off and names both settings
// that turn it on.
func TestLogMetricsPlacement(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       config.Config
		want, not []string
	}{
		{"off", config.Config{}, []string{"metrics off", "404", "CDRDASH_METRICS_TOKEN", "CDRDASH_METRICS_ADDR"}, nil},
		{"token", config.Config{MetricsToken: "s3cret"}, []string{"bearer token"}, []string{"s3cret", "metrics off"}},
		{"own address", config.Config{MetricsAddr: "127.0.0.1:9100"}, nil, []string{"metrics off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logMetricsPlacement(slog.New(slog.NewTextHandler(&buf, nil)), &tc.cfg)
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("log %q does not say %q", buf.String(), w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(buf.String(), n) {
					t.Errorf("log %q says %q", buf.String(), n)
				}
			}
		})
	}
}
