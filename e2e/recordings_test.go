package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// recSite is a dashboard over a small sandbox with recordings, served in
// this process so the test knows the sandbox's recordings
// (RecordingScenarios) and sees every request for audio as it reaches
// cdrdash.
type recSite struct {
	url    string
	sb     *sandbox.Server
	client *vobiz.Client
	scen   []sandbox.RecordingScenario
	// signOutDemo ends every session of the demo user, as "sign out all
	// devices" or an expired session does.
	signOutDemo func() error

	mu     sync.Mutex
	ranges []string // Range headers of the requests for audio, in order ("" for none)
}

// newRecSite starts a dashboard with recordings set to access (all,
// admin or off) and a user "agent1" (an agent) besides the demo admin.
func newRecSite(t *testing.T, access string) *recSite {
	t.Helper()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sb, client := sandboxClient(t, now)
	db := storetest.SQLite(t)
	ctx := context.Background()
	d, au, demo := siteDeps(t, db, now)
	if _, err := au.AddUser(ctx, auth.SystemActor("test"), "agent1", "agent-password-123", auth.RoleAgent); err != nil {
		t.Fatal(err)
	}
	d.CDRs, d.Recordings, d.RecordingAccess = client, client, access
	h := handlers.New(d)
	d.Sessions.ErrorFunc = h.SessionError
	s := &recSite{sb: sb, client: client, scen: sb.RecordingScenarios(), signOutDemo: func() error {
		return au.RevokeSessions(ctx, auth.SystemActor("test"), demo.ID)
	}}
	routes := h.Routes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/recordings/") && !strings.HasSuffix(r.URL.Path, "/waveform") {
			s.mu.Lock()
			s.ranges = append(s.ranges, r.Header.Get("Range"))
			s.mu.Unlock()
		}
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// audioRanges returns the Range headers of the audio requests so far.
func (s *recSite) audioRanges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ranges)
}

// pick returns the call of the first scenario that ok accepts.
func (s *recSite) pick(t *testing.T, what string, ok func(sandbox.RecordingScenario) bool) sandbox.RecordingScenario {
	t.Helper()
	for _, sc := range s.scen {
		if ok(sc) {
			return sc
		}
	}
	t.Fatalf("the sandbox has no recording that is %s", what)
	return sandbox.RecordingScenario{}
}

// waitRange waits until cdrdash has received an audio request, after the
// first skip of them, whose Range starts at or past byte from, and
// returns that header.
func (s *recSite) waitRange(t *testing.T, skip int, from int64) string {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		rs := s.audioRanges()
		for _, r := range rs[min(skip, len(rs)):] {
			if start, ok := rangeStart(r); ok && start >= from {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no audio request with a Range from byte %d on within %s; Ranges after the first %d: %q",
				from, waitTimeout, skip, rs[min(skip, len(rs)):])
		}
		<-tick.C
	}
}

// rangeStart is the first byte of a "bytes=N-..." header.
func rangeStart(h string) (int64, bool) {
	v, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(v, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(first, 10, 64)
	return n, err == nil
}

// audioSize is the size in bytes of a recording's audio, read from the
// sandbox directly.
func (s *recSite) audioSize(t *testing.T, id string) int64 {
	t.Helper()
	ctx := context.Background()
	rec, err := s.client.GetRecording(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.client.OpenRecordingAudio(ctx, rec, "bytes=0-0")
	if err != nil {
		t.Fatal(err)
	}
	a.Body.Close()
	_, total, ok := strings.Cut(a.ContentRange, "/")
	n, err := strconv.ParseInt(total, 10, 64)
	if !ok || err != nil {
		t.Fatalf("Content-Range %q from the sandbox", a.ContentRange)
	}
	return n
}

// pressShiftTabUntil is pressTabUntil backwards.
func (p *tab) pressShiftTabUntil(sel string, max int) int {
	p.t.Helper()
	focused := `(document.activeElement && document.activeElement.matches(` + jsString(sel) + `))`
	for n := 0; n <= max; n++ {
		if eval[bool](p, focused) {
			return n
		}
		p.do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	p.t.Fatalf("%s not reached with %d presses of Shift+Tab on %s; focus is on %s", sel, max, p.location(),
		eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : "nothing"`))
	return -1
}

// noOverflow fails the test when an element inside sel reaches past the
// right edge of the viewport or sel itself scrolls sideways.
func (p *tab) noOverflow(sel string) {
	p.t.Helper()
	bad := eval[[]string](p, `(() => {
  const box = document.querySelector(`+jsString(sel)+`);
  if (!box) return [`+jsString("no element matches "+sel)+`];
  const w = document.documentElement.clientWidth, out = [];
  if (box.scrollWidth > box.clientWidth + 1) out.push("the box scrolls sideways: " + box.scrollWidth + " > " + box.clientWidth);
  for (const el of [box, ...box.querySelectorAll("*")]) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > w + 1) out.push(el.tagName.toLowerCase() + (el.dataset.testid ? "[" + el.dataset.testid + "]" : "") + " ends at " + Math.round(r.right) + " px of " + w);
  }
  if (document.documentElement.scrollWidth > w + 1) out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + w);
  return out.slice(0, 10);
})()`)
	if len(bad) > 0 {
		p.t.Errorf("at %s, overflow on the right:\n  %s", p.location(), strings.Join(bad, "\n  "))
	}
}

// TestRecordingPlayer is issue 19's browser acceptance: on a call with a
// recording, with the keyboard only, play, seek (a Range request reaches
// cdrdash), change the speed; the audio is same-origin, the page never
// holds the upstream recording URL, and the waveform strip loads.
func TestRecordingPlayer(t *testing.T) {
	needBrowser(t)
	site := newRecSite(t, "all")
	// Long enough that the browser has not read the whole file when the
	// test seeks near its end.
	sc := site.pick(t, "a two-channel WAV over 3 minutes", func(sc sandbox.RecordingScenario) bool {
		return sc.Format == "wav" && sc.Channels == 2 && sc.Duration > 3*time.Minute
	})
	recs, err := site.client.CallRecordings(context.Background(), sc.CallUUID)
	if err != nil || len(recs) == 0 {
		t.Fatalf("the sandbox lists %d recordings of %s: %v", len(recs), sc.CallUUID, err)
	}
	size := site.audioSize(t, sc.RecordingID)

	p := openTab(t, site.url)
	p.signIn()
	p.open("/calls/" + sc.CallUUID)
	audio := `document.querySelector('[data-recording-id="` + sc.RecordingID + `"] audio[data-testid="recording-audio"]')`
	if p.count(`[data-recording-id="`+sc.RecordingID+`"] audio[data-testid="recording-audio"]`) != 1 {
		t.Fatalf("no player for recording %s on the call page", sc.RecordingID)
	}

	// Same-origin audio, and no trace of the upstream's link in the page.
	src := eval[string](p, `(() => { const u = new URL(`+audio+`.src); return u.origin === location.origin ? u.pathname : "other origin: " + u.href; })()`)
	if want := "/calls/" + sc.CallUUID + "/recordings/" + sc.RecordingID; src != want {
		t.Errorf("audio src %q, want %q on the same origin", src, want)
	}
	html := evalAsync[string](p, `fetch(location.href, { credentials: "same-origin" }).then((r) => r.text())`) +
		eval[string](p, `document.documentElement.outerHTML`)
	for _, r := range recs {
		if u := string(r.URL); u == "" || strings.Contains(html, u) {
			t.Errorf("the page holds the recording_url of %s (or it is empty: %q)", r.ID, u)
		}
	}
	if strings.Contains(html, "/media/recordings/") {
		t.Error("the page holds the sandbox's media path /media/recordings/")
	}

	// The waveform strip: one row per channel, loaded with no CSP
	// violation (audit checks the page again once it is in).
	slot := `[data-recording-id="` + sc.RecordingID + `"] [data-testid="waveform-slot"]`
	p.waitUntil("the waveform strip", `document.querySelectorAll('`+slot+` svg[data-testid="waveform-strip"]').length === 2`)
	p.audit()

	// Opening the page fetched no audio (preload="none"): nothing is
	// recorded as a play until someone presses play.
	if rs := site.audioRanges(); len(rs) != 0 {
		t.Errorf("the page view fetched audio before any play: Ranges %q", rs)
	}
	if st := p.text(`[data-recording-id="` + sc.RecordingID + `"] [data-testid="recording-status"]`); st != "" {
		t.Errorf("status line %q before play", st)
	}

	// Play with the keyboard: Tab to the player, Space.
	p.pressTabUntil(`audio[data-testid="recording-audio"]`, 60)
	p.do(chromedp.KeyEvent(" "))
	p.waitUntil("playback to start", `!`+audio+`.paused && `+audio+`.currentTime > 0.2`)
	t0 := eval[float64](p, audio+`.currentTime`)
	p.waitUntil("the playback position to advance", audio+`.currentTime > `+strconv.FormatFloat(t0+0.5, 'f', 3, 64))

	// Speed: Tab on to the 1.5× button, Enter.
	p.pressTabUntil(`[data-recording-id="`+sc.RecordingID+`"] button[data-rate="1.5"]`, 20)
	p.do(chromedp.KeyEvent("\r"))
	p.waitUntil("playback at 1.5×", audio+`.playbackRate === 1.5`)
	pressed := eval[[]string](p, `[...document.querySelectorAll('[data-recording-id="`+sc.RecordingID+`"] button[data-testid="recording-speed"]')].map((b) => b.dataset.rate + "=" + b.getAttribute("aria-pressed"))`)
	if want := []string{"1=false", "1.5=true", "2=false"}; !slices.Equal(pressed, want) {
		t.Errorf("speed buttons' aria-pressed %q, want %q", pressed, want)
	}

	// Seek: back to the player with Shift+Tab, End then ArrowLeft puts the
	// position a step before the end, far past what the browser has read,
	// so it asks cdrdash for that part with a Range.
	// Shift+Tab first reaches the player's last own control (its menu), so
	// go back past the player and Tab once onto its first stop.
	p.pressShiftTabUntil(`audio[data-testid="recording-audio"]`, 20)
	p.pressShiftTabUntil(`:not(audio)`, 20)
	p.pressTabUntil(`audio[data-testid="recording-audio"]`, 1)
	before := len(site.audioRanges())
	p.do(chromedp.KeyEvent(kb.End))
	p.do(chromedp.KeyEvent(kb.ArrowLeft))
	dur := sc.Duration.Seconds()
	p.waitUntil("the position near the end", audio+`.currentTime > `+strconv.FormatFloat(dur*0.9, 'f', 1, 64)+
		` && `+audio+`.currentTime < `+strconv.FormatFloat(dur-0.5, 'f', 1, 64))
	got := site.waitRange(t, before, size/2)
	t.Logf("the seek asked for %s of %d bytes", got, size)
	if strings.HasPrefix(got, "bytes=0-") {
		t.Errorf("the seek's Range %q starts at byte 0", got)
	}
	// The player shows the part it fetched, at the chosen speed.
	if eval[bool](p, audio+`.paused`) {
		p.do(chromedp.KeyEvent(" "))
	}
	at := eval[float64](p, audio+`.currentTime`)
	p.waitUntil("playback after the seek", `!`+audio+`.paused && `+audio+`.currentTime > `+strconv.FormatFloat(at+0.3, 'f', 3, 64))
	if r := eval[float64](p, audio+`.playbackRate`); r != 1.5 {
		t.Errorf("playbackRate %v after the seek, want 1.5", r)
	}
	if st := p.text(`[data-recording-id="` + sc.RecordingID + `"] [data-testid="recording-status"]`); st != "" {
		t.Errorf("status line %q while playing", st)
	}
	p.audit()

	// On a phone, nothing of the recordings box reaches past the screen.
	p.viewport(390, 844)
	p.noOverflow(`[data-testid="recordings"]`)
	p.audit()
}

// TestRecordingFailures: what the player's status line and the waveform
// slot say when the audio cannot come (docs/recordings.md#what-the-call-page-shows):
// Vobiz slow (loading, then the audio), the link refused (the proxy's
// message with both request IDs), the stream cut, and a session that
// ended while the page was open.
func TestRecordingFailures(t *testing.T) {
	needBrowser(t)
	site := newRecSite(t, "all")
	// One call per case: the waveform of a recording is kept once made.
	var calls []sandbox.RecordingScenario
	seen := map[string]bool{}
	for _, sc := range site.scen {
		if !seen[sc.CallUUID] && sc.Duration > time.Minute && len(calls) < 4 {
			seen[sc.CallUUID] = true
			calls = append(calls, sc)
		}
	}
	if len(calls) < 4 {
		t.Fatalf("only %d recorded calls over a minute in the sandbox", len(calls))
	}
	p := openTab(t, site.url)
	// The browser logs every failed audio or waveform request.
	p.allow(`Failed to load resource: the server responded with a status of 50[24]`)
	p.allow(`Failed to load resource: net::ERR_CONTENT_LENGTH_MISMATCH`)
	p.allow(`Failed to load resource: the server responded with a status of 401`)
	p.signIn()
	status := func(sc sandbox.RecordingScenario) string {
		return `document.querySelector('[data-recording-id="` + sc.RecordingID + `"] [data-testid="recording-status"]').innerText`
	}
	play := func(sc sandbox.RecordingScenario) {
		p.pressTabUntil(`[data-recording-id="`+sc.RecordingID+`"] audio`, 60)
		p.do(chromedp.KeyEvent(" "))
	}
	slot := func(sc sandbox.RecordingScenario) string {
		return `document.querySelector('[data-recording-id="` + sc.RecordingID + `"] [data-testid="waveform-slot"]')`
	}

	func() { // slow
		sc := calls[0]
		site.sb.SetFaults(sandbox.Faults{RecordingSlowStart: time.Hour})
		p.open("/calls/" + sc.CallUUID)
		play(sc)
		p.waitUntil("the loading status", status(sc)+` === "Loading audio…"`)
		p.waitUntil("the waveform's loading line", slot(sc)+`.querySelector('[data-testid="waveform-loading"]') && `+
			slot(sc)+`.getAttribute("aria-busy") === "true"`)
		site.sb.SetFaults(sandbox.Faults{}) // Vobiz answers
		p.waitUntil("the audio to play", `!document.querySelector('[data-recording-id="`+sc.RecordingID+`"] audio').paused && `+
			`document.querySelector('[data-recording-id="`+sc.RecordingID+`"] audio').currentTime > 0.2 && `+status(sc)+` === ""`)
		p.waitUntil("the waveform strip", slot(sc)+`.querySelector('[data-testid="waveform"]') && !`+slot(sc)+`.hasAttribute("aria-busy")`)
		p.audit()
	}()

	func() { // refused
		sc := calls[1]
		site.sb.SetFaults(sandbox.Faults{RecordingURLExpired: 403})
		defer site.sb.SetFaults(sandbox.Faults{})
		p.open("/calls/" + sc.CallUUID)
		play(sc)
		p.waitUntil("the proxy's message", status(sc)+`.includes("cdrdash request ID")`)
		got := eval[string](p, status(sc))
		for _, want := range []string{"Vobiz refused the recording's link", "Vobiz request ID: req_"} {
			if !strings.Contains(got, want) {
				t.Errorf("status line %q lacks %q", got, want)
			}
		}
		p.waitUntil("the waveform's error", slot(sc)+`.querySelector('[data-testid="waveform-error"] [data-testid="request-id"]')`)
		p.audit()
	}()

	func() { // cut
		sc := calls[2]
		site.sb.SetFaults(sandbox.Faults{RecordingCutAfterBytes: 20000})
		defer site.sb.SetFaults(sandbox.Faults{})
		p.open("/calls/" + sc.CallUUID)
		play(sc)
		p.waitUntil("the status after the cut", status(sc)+`.includes("Reload the page")`)
		if got := eval[string](p, status(sc)); !strings.Contains(got, "cut off on its way from Vobiz") {
			t.Errorf("status line %q does not name the cut", got)
		}
		p.audit()
	}()

	func() { // signed out
		sc := calls[3]
		p.open("/calls/" + sc.CallUUID)
		// The session ends while the page is open; then play.
		if err := site.signOutDemo(); err != nil {
			t.Fatal(err)
		}
		play(sc)
		p.waitUntil("the signed-out status", status(sc)+`.includes("session has ended")`)
	}()
}

// TestRecordingDownload: the download button, pressed from the keyboard,
// saves the recording under its cdrdash name, byte for byte what the audio
// address serves; when Vobiz refuses the recording's link, nothing is
// saved and the status line says why, with the request IDs, instead of
// the browser's bare "Failed".
func TestRecordingDownload(t *testing.T) {
	needBrowser(t)
	site := newRecSite(t, "all")
	var picked []sandbox.RecordingScenario
	seen := map[string]bool{}
	for _, sc := range site.scen {
		if sc.Format == "wav" && !seen[sc.CallUUID] && len(picked) < 2 {
			seen[sc.CallUUID] = true
			picked = append(picked, sc)
		}
	}
	if len(picked) < 2 {
		t.Fatalf("only %d recorded calls with a WAV in the sandbox", len(picked))
	}
	p := openTab(t, site.url)
	p.allow(`Failed to load resource: the server responded with a status of 502`)
	p.signIn()
	dir := p.allowDownloads()
	link := func(sc sandbox.RecordingScenario) string {
		return `[data-recording-id="` + sc.RecordingID + `"] [data-testid="recording-download"]`
	}
	status := func(sc sandbox.RecordingScenario) string {
		return `document.querySelector('[data-recording-id="` + sc.RecordingID + `"] [data-testid="recording-status"]').innerText`
	}

	ok := picked[0]
	p.open("/calls/" + ok.CallUUID)
	p.pressTabUntil(link(ok), 80)
	p.do(chromedp.KeyEvent("\r"))
	file := p.waitForDownload(dir)
	if want := "call-" + ok.CallUUID[:8] + "-rec-" + ok.RecordingID[:8] + ".wav"; filepath.Base(file) != want {
		t.Errorf("saved as %s, want %s", filepath.Base(file), want)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 44 || string(got[:4]) != "RIFF" || string(got[8:12]) != "WAVE" {
		t.Errorf("the saved file (%d bytes) is not a WAV", len(got))
	}
	if p.path() != "/calls/"+ok.CallUUID {
		t.Errorf("the download left the call page for %s", p.path())
	}
	p.audit()

	refused := picked[1]
	site.sb.SetFaults(sandbox.Faults{RecordingURLExpired: 404})
	defer site.sb.SetFaults(sandbox.Faults{})
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	p.open("/calls/" + refused.CallUUID)
	p.pressTabUntil(link(refused), 80)
	p.do(chromedp.KeyEvent("\r"))
	p.waitUntil("the status line's message", status(refused)+`.includes("cdrdash request ID")`)
	if msg := eval[string](p, status(refused)); !strings.Contains(msg, "Vobiz refused the recording's link") {
		t.Errorf("status line %q does not say Vobiz refused the link", msg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused download saved %d files", len(entries))
	}
}
