package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheck asks a running dashboard for /healthz and fails unless it
// answers 200. The container image has no curl; it runs this instead.
func healthcheck(ctx context.Context, args []string, getenv Env) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := "http://127.0.0.1:8080/healthz"
	if addr := getenv("CDRDASH_ADDR"); addr != "" {
		def = "http://" + addr + getenv("CDRDASH_BASE_PATH") + "/healthz"
	}
	url := fs.String("url", def, "health URL")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("health URL: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", *url, res.Status)
	}
	return nil
}
