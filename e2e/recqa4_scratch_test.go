//go:build recqa

package e2e

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

func TestRecQA4(t *testing.T) {
	site := newRecSite(t, "all")
	sc := site.pick(t, "wav", func(sc sandbox.RecordingScenario) bool { return sc.Format == "wav" })
	p := openTab(t, site.url)
	p.signIn()
	p.open("/calls/" + sc.CallUUID)
	p.waitUntil("meta", `document.querySelector('audio').readyState >= 1`)
	dir := p.allowDownloads()
	p.do(chromedp.Click(chromedp.CSS(`[data-testid="recording-download"]`)))
	f := p.waitForDownload(dir)
	t.Logf("download %s", f)
	p.open("/admin/audit")
	png, _ := chromedp.Run(p.ctx, chromedp.Screenshot(chromedp.CSS(`main`)))
	os.WriteFile("/tmp/rec-qa/audit.png", png, 0o644)
}
