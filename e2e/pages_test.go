package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEveryPage visits every page of the dashboard, the admin pages and
// an error page included, at a laptop and a phone size, with every
// collapsed section (<details>) opened, and audits each: console, CSP,
// axe-core, and no sideways scrolling of the page itself.
func TestEveryPage(t *testing.T) {
	for _, sz := range [][2]int64{{1366, 768}, {390, 844}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			p := newTab(t)
			p.viewport(sz[0], sz[1])
			p.signIn()
			p.open("/calls?call_direction=inbound")
			detail := p.attr(`[data-testid="call-link"]`, "href")
			uuid := p.attr(rowSel, "data-uuid")

			check := func() {
				t.Helper()
				p.openAllDetails()
				p.audit()
				if w := eval[int](p, `document.documentElement.scrollWidth`); w > int(sz[0]) {
					t.Errorf("%s is %d px wide in a %d px window (sideways scrolling)", p.path(), w, sz[0])
				}
			}
			for _, path := range []string{"/", "/calls?call_direction=inbound", detail, "/reports",
				"/diagnose", "/settings", "/admin/users", "/admin/audit"} {
				if s := p.open(path); s != 200 {
					t.Errorf("GET %s: status %d", path, s)
				}
				if path == "/reports" {
					p.waitUntil("every chart drawn",
						`[...document.querySelectorAll("[data-chart]")].every((el) => el.dataset.chartReady === "1")`)
				}
				check()
			}

			// The diagnoser with a result.
			p.open("/diagnose")
			p.do(chromedp.SendKeys(chromedp.CSS("#cdr"), "USER_BUSY 3010"))
			p.follow(`[data-testid="diagnose-form"] button[type="submit"]`)
			if p.count(`[data-testid="verdict"]`) != 1 {
				t.Error("the diagnoser shows no verdict for USER_BUSY 3010")
			}
			check()

			// Error pages: an unknown call and an unknown address.
			p.allow(`status of 404 \(Not Found\)`)
			p.allow(`status of 400 \(Bad Request\)`)
			for path, want := range map[string]int64{
				"/calls/" + uuid[:len(uuid)-4] + "0000": 404,
				"/no-such-page":                         404,
				"/calls?per_page=7000":                  400,
			} {
				if s := p.open(path); s != want {
					t.Errorf("GET %s: status %d, want %d", path, s, want)
				}
				check()
			}
		})
	}
}

// openAllDetails opens every collapsed section, so the audit covers it.
func (p *tab) openAllDetails() {
	p.t.Helper()
	eval[int](p, `(() => { const d = document.querySelectorAll("details:not([open])"); d.forEach((e) => { e.open = true; }); return d.length; })()`)
}
