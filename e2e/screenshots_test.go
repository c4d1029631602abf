//go:build screenshots

// The screenshots are not a test of the default run: `make screenshots`
// builds this file with -tags screenshots. Behind a build tag the test does
// not exist elsewhere, so it is neither a misleading skip nor a pass that
// did nothing; `make check` vets it with the tag.

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestScreenshots takes full-page screenshots of the main pages at a
// laptop and a phone size, and fails if a page is wider than a phone's
// screen. `make screenshots` sets CDRDASH_SCREENSHOTS=docs/screenshots to
// keep them; without it they go to a temporary folder.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CDRDASH_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		// go test runs in the package folder; make the path relative to
		// the repository root, where make runs.
		dir = filepath.Join("..", dir)
	}
	sizes := []struct {
		w, h   int64
		scheme string
	}{
		{1366, 768, "light"},
		{390, 844, "light"},
		{1366, 768, "dark"},
	}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d-%s", sz.w, sz.h, sz.scheme), func(t *testing.T) {
			p := newTab(t)
			p.viewport(sz.w, sz.h)
			p.colorScheme(sz.scheme)
			suffix := fmt.Sprintf("-%dx%d", sz.w, sz.h)
			if sz.scheme != "light" {
				suffix += "-" + sz.scheme
			}
			shot := func(name string) {
				t.Helper()
				if w := eval[int](p, `document.documentElement.scrollWidth`); w > int(sz.w) {
					t.Errorf("%s is %d px wide in a %d px window (sideways scrolling)", p.path(), w, sz.w)
				}
				file := filepath.Join(dir, name+suffix+".png")
				if err := p.screenshot(p.ctx, file); err != nil {
					t.Fatalf("screenshot of %s: %v", name, err)
				}
				t.Logf("%s: %s", name, file)
			}

			p.open("/login")
			shot("signin")
			p.do(typeInto("#username", "demo"), typeInto("#password", "demo"))
			p.follow(`[data-testid="login-submit"]`)
			shot("home")
			p.open("/calls?call_direction=inbound")
			shot("list")
			p.follow(`[data-testid="call-row"]:nth-child(2) [data-testid="call-link"]`)
			shot("detail")
			p.open("/reports")
			p.waitUntil("every chart drawn",
				`[...document.querySelectorAll("[data-chart]")].every((el) => el.dataset.chartReady === "1")`)
			shot("reports")
		})
	}
}
