package handlers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

// secretURL stands for a recording_url: whoever holds it can fetch the
// audio, so no page, header or error may carry it.
const secretURL = "https://media.vobiz.example/rec/secret-token-7f3a9/audio"

// fakeRecordings is a Recording API in memory: recordings by call, audio
// by recording id, and the failures a test asks for.
type fakeRecordings struct {
	mu          sync.Mutex
	byCall      map[string][]vobiz.Recording
	audio       map[string][]byte
	listErr     error
	openErr     error
	ignoreRange bool // answer 200 with the whole file, as some CDNs do
	cutAfter    int  // > 0: the stream fails after this many bytes
	opens       int
	ranges      []string
	gate        chan struct{} // when set, opening waits for it
	gaveUp      chan struct{} // when set, closed once an open waiting at the gate sees its request cancelled
}

func (f *fakeRecordings) CallRecordings(ctx context.Context, callUUID string) ([]vobiz.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	return append([]vobiz.Recording(nil), f.byCall[callUUID]...), nil
}

func (f *fakeRecordings) GetRecording(ctx context.Context, id string) (*vobiz.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, rs := range f.byCall {
		for _, r := range rs {
			if string(r.ID) == id {
				return &r, nil
			}
		}
	}
	return nil, &vobiz.APIError{Endpoint: "recording", StatusCode: http.StatusNotFound, RequestID: "vz-get-404"}
}

func (f *fakeRecordings) OpenRecordingAudio(ctx context.Context, r *vobiz.Recording, rng string) (*vobiz.Audio, error) {
	f.mu.Lock()
	f.opens++
	f.ranges = append(f.ranges, rng)
	gate, openErr, ignore, cut := f.gate, f.openErr, f.ignoreRange, f.cutAfter
	data := f.audio[string(r.ID)]
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			if f.gaveUp != nil {
				close(f.gaveUp)
			}
			return nil, ctx.Err()
		}
	}
	if openErr != nil {
		return nil, openErr
	}
	a := &vobiz.Audio{StatusCode: http.StatusOK, ContentType: vobiz.ContentTypeFor(string(r.Format)),
		ContentLength: int64(len(data)), AcceptRanges: true, RequestID: "vz-audio-1"}
	body := data
	if rng != "" && !ignore {
		var s, e int
		spec := strings.TrimPrefix(rng, "bytes=")
		a1, b1, _ := strings.Cut(spec, "-")
		s, _ = strconv.Atoi(a1)
		e = len(data) - 1
		if b1 != "" {
			e, _ = strconv.Atoi(b1)
		}
		if s >= len(data) {
			return nil, &vobiz.APIError{Endpoint: "recording_audio", StatusCode: http.StatusRequestedRangeNotSatisfiable}
		}
		e = min(e, len(data)-1)
		body = data[s : e+1]
		a.StatusCode = http.StatusPartialContent
		a.ContentLength = int64(len(body))
		a.ContentRange = fmt.Sprintf("bytes %d-%d/%d", s, e, len(data))
	}
	var rd io.Reader = bytes.NewReader(body)
	if cut > 0 {
		rd = io.MultiReader(bytes.NewReader(body[:min(cut, len(body))]), errReader{})
	}
	a.Body = io.NopCloser(rd)
	return a, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by Vobiz") }

func (f *fakeRecordings) openCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opens
}

// recApp is a dashboard whose first sandbox call has one MP3 recording
// (rec-1, 5000 bytes) and a second call one two-channel WAV (rec-wav).
type recApp struct {
	*testApp
	fake     *fakeRecordings
	call     string
	otherCal string
}

func newRecApp(t *testing.T, access string, opts ...appOption) *recApp {
	t.Helper()
	fake := &fakeRecordings{byCall: map[string][]vobiz.Recording{}, audio: map[string][]byte{}}
	opts = append(opts, withCalls(300), withDeps(func(d *handlers.Deps) {
		d.Recordings = fake
		d.RecordingAccess = access
	}))
	a := newTestApp(t, opts...)
	ra := &recApp{testApp: a, fake: fake, call: string(a.sb.Call(0).UUID), otherCal: string(a.sb.Call(1).UUID)}
	mp3 := make([]byte, 5000)
	for i := range mp3 {
		mp3[i] = byte(i % 251)
	}
	fake.byCall[ra.call] = []vobiz.Recording{{ID: "rec-1", URL: secretURL, Format: "mp3", CallUUID: vobiz.Text(ra.call),
		Type: "call", DurationMS: vobiz.NullInt{Int64: 95_000, Valid: true},
		AddTime: vobiz.Time{Time: time.Date(2026, 11, 26, 4, 15, 0, 0, time.UTC)}}}
	fake.audio["rec-1"] = mp3
	fake.byCall[ra.otherCal] = []vobiz.Recording{{ID: "rec-wav", URL: secretURL + "2", Format: "wav",
		CallUUID: vobiz.Text(ra.otherCal), Type: "call", DurationMS: vobiz.NullInt{Int64: 60_000, Valid: true}}}
	fake.audio["rec-wav"] = oneWayWAV(60*time.Second, 30*time.Second)
	return ra
}

// oneWayWAV is a two-channel 8 kHz call: the caller talks throughout, the
// callee's channel goes to digital silence at silentFrom.
func oneWayWAV(d, silentFrom time.Duration) []byte {
	const rate = 8000
	n := int(d.Seconds() * rate)
	var pcm bytes.Buffer
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
		callee := v
		if time.Duration(i)*time.Second/rate >= silentFrom {
			callee = 0
		}
		_ = binary.Write(&pcm, binary.LittleEndian, v)
		_ = binary.Write(&pcm, binary.LittleEndian, callee)
	}
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + pcm.Len()))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(2))
	w(uint32(rate))
	w(uint32(rate * 4))
	w(uint16(4))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	return b.Bytes()
}

func (a *recApp) agent(t *testing.T) *http.Client {
	t.Helper()
	if _, err := a.auth.AddUser(context.Background(), auth.SystemActor("test"), "agent1", "agent-password-123", auth.RoleAgent); err != nil {
		t.Fatal(err)
	}
	return a.login(t, "agent1", "agent-password-123")
}

// request sends a same-origin GET with extra headers.
func (a *recApp) request(t *testing.T, c *http.Client, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return do(t, c, req)
}

func (a *recApp) audioPath(call, id string) string { return "/calls/" + call + "/recordings/" + id }

// noSecret fails when the parsed page carries the recording_url in any
// attribute or text.
func noSecret(t *testing.T, body string) {
	t.Helper()
	p := parsePage(t, body)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if strings.Contains(n.Data, "secret-token") {
			t.Errorf("page text carries the recording_url: %q", n.Data)
		}
		for _, at := range n.Attr {
			if strings.Contains(at.Val, "secret-token") {
				t.Errorf("attribute %s carries the recording_url", at.Key)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.root)
}

func TestRecordingsBoxStates(t *testing.T) {
	tests := []struct {
		name    string
		access  string
		agent   bool
		listErr error
		noRecs  bool
		state   string // data-testid expected in the box
		says    string
		players int
	}{
		{name: "recorded", access: "all", state: "recording", players: 1},
		{name: "not recorded", access: "all", noRecs: true, state: "recordings-none", says: "This call was not recorded"},
		{name: "turned off", access: "off", state: "recordings-off", says: "Recordings are turned off on this cdrdash"},
		{name: "admin only, agent", access: "admin", agent: true, state: "recordings-admin-only",
			says: "Only administrators can listen to recordings"},
		{name: "admin only, admin", access: "admin", state: "recording", players: 1},
		{name: "Recording API error", access: "all", state: "recordings-error",
			listErr: &vobiz.APIError{Endpoint: "recordings", StatusCode: 500, RequestID: "vz-list-500"},
			says:    "Recording API failed"},
		{name: "no Recording endpoint", access: "all", state: "recordings-error",
			listErr: &vobiz.APIError{Endpoint: "recordings", StatusCode: 404, RequestID: "vz-list-404"},
			says:    "Your Vobiz account's API did not answer the Recording endpoint"},
		{name: "timeout", access: "all", state: "recordings-error",
			listErr: &vobiz.APIError{Endpoint: "recordings", Err: context.DeadlineExceeded},
			says:    "did not answer within 5 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newRecApp(t, tt.access)
			a.fake.listErr = tt.listErr
			if tt.noRecs {
				delete(a.fake.byCall, a.call)
			}
			c := a.demo(t)
			if tt.agent {
				c = a.agent(t)
			}
			res, body := a.get(t, c, "/calls/"+a.call)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 (the box never fails the page)", res.StatusCode)
			}
			p := parsePage(t, body)
			if !p.has("verdict") || !p.has("quality") {
				t.Error("the rest of the call page is missing")
			}
			box := p.in("recordings")
			if !box.has(tt.state) {
				t.Fatalf("box has no %s: %q", tt.state, p.text("recordings"))
			}
			if tt.says != "" && !strings.Contains(box.text(tt.state), tt.says) {
				t.Errorf("box says %q, want %q", box.text(tt.state), tt.says)
			}
			if got := len(box.all("recording-audio")); got != tt.players {
				t.Errorf("%d players, want %d", got, tt.players)
			}
			if tt.listErr != nil {
				if got := box.text("vobiz-request-id"); !strings.HasPrefix(got, "vz-list-") && tt.name != "timeout" {
					t.Errorf("Vobiz request ID %q not shown", got)
				}
				if box.text("request-id") != res.Header.Get("X-Request-Id") {
					t.Errorf("our request ID %q, want %q", box.text("request-id"), res.Header.Get("X-Request-Id"))
				}
			}
			if tt.agent {
				if box.has("recording-download") || box.has("waveform-slot") {
					t.Error("an agent in admin mode gets a download or waveform")
				}
				if !box.has("recording-format") {
					t.Error("an agent in admin mode does not see the recording's details")
				}
			}
			noSecret(t, body)
		})
	}
}

func TestRecordingPlayerMarkup(t *testing.T) {
	a := newRecApp(t, "all")
	_, body := a.get(t, a.demo(t), "/calls/"+a.call)
	p := parsePage(t, body)
	rec := p.in("recording")
	audio := rec.all("recording-audio")[0]
	if got, want := attr(audio, "src"), a.audioPath(a.call, "rec-1"); got != want {
		t.Errorf("audio src %q, want same-origin %q", got, want)
	}
	if attr(audio, "preload") != "none" || !hasAttr(audio, "controls") {
		t.Error("audio lacks controls or preload=none (a page view must not fetch audio nor count as a play)")
	}
	if got := rec.attr("recording-download", "href"); got != a.audioPath(a.call, "rec-1")+"/download" {
		t.Errorf("download link %q", got)
	}
	var rates []string
	for _, b := range rec.all("recording-speed") {
		if b.Data != "button" || attr(b, "type") != "button" || !hasAttr(b, "aria-pressed") {
			t.Errorf("speed control is not a real button with aria-pressed: %v", b.Attr)
		}
		rates = append(rates, attr(b, "data-rate"))
	}
	if strings.Join(rates, ",") != "1,1.5,2" {
		t.Errorf("speeds %v", rates)
	}
	st := rec.all("recording-status")
	if len(st) != 1 || attr(st[0], "aria-live") != "polite" {
		t.Error("no polite status line")
	}
	if rec.attr("waveform-slot", "data-waveform-url") != a.audioPath(a.call, "rec-1")+"/waveform" {
		t.Error("no waveform slot")
	}
	for _, want := range []string{"MP3", "1:35", "call"} {
		if !strings.Contains(rec.text("recording-format")+rec.text("recording-duration")+rec.text("recording-type"), want) {
			t.Errorf("details lack %q", want)
		}
	}
	// 04:15 UTC in the user's zone (Asia/Kolkata).
	if got := rec.text("recording-added"); !strings.Contains(got, "09:45") {
		t.Errorf("added at %q, want the user's zone", got)
	}
	noSecret(t, body)
}

func TestRecordingAudioRange(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run("upstream ignores Range="+strconv.FormatBool(ignore), func(t *testing.T) {
			a := newRecApp(t, "all")
			a.fake.ignoreRange = ignore
			c := a.demo(t)
			res, body := a.request(t, c, a.audioPath(a.call, "rec-1"), map[string]string{"Range": "bytes=0-99"})
			if res.StatusCode != http.StatusPartialContent || len(body) != 100 {
				t.Fatalf("status %d, %d bytes; want 206 and 100", res.StatusCode, len(body))
			}
			if body != string(a.fake.audio["rec-1"][:100]) {
				t.Error("wrong bytes")
			}
			want := map[string]string{"Content-Type": "audio/mpeg", "Content-Length": "100",
				"Content-Range": "bytes 0-99/5000", "Accept-Ranges": "bytes", "Cache-Control": "no-store",
				"X-Content-Type-Options": "nosniff"}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if got := res.Header.Get("Content-Disposition"); !strings.HasPrefix(got, "inline") || !strings.Contains(got, "call-"+a.call[:8]+"-rec-rec-1.mp3") {
				t.Errorf("Content-Disposition %q", got)
			}
			res, body = a.request(t, c, a.audioPath(a.call, "rec-1"), map[string]string{"Range": "bytes=4990-"})
			if res.StatusCode != http.StatusPartialContent || body != string(a.fake.audio["rec-1"][4990:]) {
				t.Errorf("seek: status %d, %d bytes", res.StatusCode, len(body))
			}
			res, _ = a.request(t, c, a.audioPath(a.call, "rec-1"), map[string]string{"Range": "bytes=9000-"})
			if res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("past the end: %d, want 416", res.StatusCode)
			}
			for k, vs := range res.Header {
				for _, v := range vs {
					if strings.Contains(v, "secret-token") {
						t.Errorf("header %s carries the recording_url", k)
					}
				}
			}
		})
	}
}

func TestRecordingDownloadAndCSP(t *testing.T) {
	a := newRecApp(t, "all")
	res, body := a.request(t, a.demo(t), a.audioPath(a.call, "rec-1")+"/download", nil)
	if res.StatusCode != http.StatusOK || len(body) != 5000 {
		t.Fatalf("status %d, %d bytes", res.StatusCode, len(body))
	}
	if got := res.Header.Get("Content-Disposition"); got != `attachment; filename=call-`+a.call[:8]+`-rec-rec-1.mp3` {
		t.Errorf("Content-Disposition %q", got)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self'") {
		t.Errorf("CSP %q lacks media-src 'self'", csp)
	}
}

func TestRecordingPermissions(t *testing.T) {
	t.Run("admin mode, agent", func(t *testing.T) {
		a := newRecApp(t, "admin")
		agent := a.agent(t)
		for _, suffix := range []string{"", "/download", "/waveform"} {
			res, body := a.request(t, agent, a.audioPath(a.call, "rec-1")+suffix, nil)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%q: status %d, want 403", suffix, res.StatusCode)
			}
			if !strings.Contains(errorText(body), "Only administrators") {
				t.Errorf("%q: %q", suffix, errorText(body))
			}
		}
		res, body := a.request(t, agent, a.audioPath(a.call, "rec-1"), map[string]string{"Accept": "application/json"})
		var e struct{ Title, Message, RequestID string }
		if res.StatusCode != http.StatusForbidden || json.Unmarshal([]byte(body), &e) != nil || e.Message == "" {
			t.Errorf("JSON 403: %d %q", res.StatusCode, body)
		}
		if a.fake.openCount() != 0 {
			t.Error("an agent's request reached the audio")
		}
	})
	t.Run("off", func(t *testing.T) {
		a := newRecApp(t, "off")
		res, body := a.request(t, a.demo(t), a.audioPath(a.call, "rec-1"), nil)
		if res.StatusCode != http.StatusNotFound || !strings.Contains(errorText(body), "Recordings are turned off") {
			t.Errorf("status %d: %q", res.StatusCode, errorText(body))
		}
	})
	t.Run("signed out", func(t *testing.T) {
		a := newRecApp(t, "all")
		res, _ := a.request(t, a.browser(t), a.audioPath(a.call, "rec-1"), nil)
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want a sign-in", res.StatusCode)
		}
	})
	t.Run("cross-site", func(t *testing.T) {
		a := newRecApp(t, "all")
		res, _ := a.request(t, a.demo(t), a.audioPath(a.call, "rec-1"), map[string]string{"Sec-Fetch-Site": "cross-site"})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", res.StatusCode)
		}
	})
}

func TestRecordingBadRequests(t *testing.T) {
	a := newRecApp(t, "all")
	c := a.demo(t)
	tests := []struct {
		path   string
		status int
		says   string
	}{
		{"/calls/abc/recordings/rec-1", 400, "not a call ID"},
		{"/calls/" + a.call + "/recordings/rec%2F..", 400, "not a recording ID"},
		{"/calls/" + a.call + "/recordings/" + strings.Repeat("a", 65), 400, "not a recording ID"},
		{"/calls/" + a.call + "/recordings/rec.1", 400, "not a recording ID"},
		// rec-wav belongs to another call: this call's URL must not open it.
		{"/calls/" + a.call + "/recordings/rec-wav", 404, "no recording with that ID"},
		{"/calls/" + a.call + "/recordings/rec-wav/waveform", 404, "no recording with that ID"},
		{"/calls/" + a.call + "/recordings/nope", 404, "no recording with that ID"},
	}
	for _, tt := range tests {
		res, body := a.request(t, c, tt.path, nil)
		if res.StatusCode != tt.status || !strings.Contains(errorText(body), tt.says) {
			t.Errorf("%.70s: %d %q, want %d %q", tt.path, res.StatusCode, errorText(body), tt.status, tt.says)
		}
	}
	if a.fake.openCount() != 0 {
		t.Error("a refused request fetched audio")
	}
}

func TestRecordingUpstreamFailures(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		says   string
	}{
		{"expired link", &vobiz.APIError{Endpoint: "recording_audio", StatusCode: 403, RequestID: "vz-expired-1"}, 502,
			"Vobiz refused the recording's link (it may have expired)"},
		{"gone", &vobiz.APIError{Endpoint: "recording_audio", StatusCode: 404, RequestID: "vz-expired-1"}, 502,
			"Vobiz refused the recording's link"},
		{"slow", &vobiz.APIError{Endpoint: "recording_audio", Err: context.DeadlineExceeded, RequestID: "vz-expired-1"}, 504,
			"took too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newRecApp(t, "all")
			a.fake.openErr = tt.err
			c := a.demo(t)
			res, body := a.request(t, c, a.audioPath(a.call, "rec-1"), nil)
			if res.StatusCode != tt.status || !strings.Contains(errorText(body), tt.says) ||
				!strings.Contains(errorText(body), "vz-expired-1") {
				t.Errorf("HTML: %d %q", res.StatusCode, errorText(body))
			}
			if !strings.Contains(body, res.Header.Get("X-Request-Id")) {
				t.Error("our request ID is not on the page")
			}
			res, body = a.request(t, c, a.audioPath(a.call, "rec-1"), map[string]string{"Accept": "application/json"})
			var e struct {
				Title, Message            string
				RequestID, VobizRequestID string
			}
			dec := json.NewDecoder(strings.NewReader(body))
			var raw map[string]string
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("JSON: %v in %q", err, body)
			}
			e.Title, e.Message, e.RequestID, e.VobizRequestID = raw["title"], raw["message"], raw["request_id"], raw["vobiz_request_id"]
			if res.StatusCode != tt.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
				!strings.Contains(e.Message, tt.says) || e.VobizRequestID != "vz-expired-1" ||
				e.RequestID != res.Header.Get("X-Request-Id") || e.Title == "" {
				t.Errorf("JSON: %d %+v", res.StatusCode, e)
			}
			if strings.Contains(body, "secret-token") {
				t.Error("the error carries the recording_url")
			}
			if n := len(listEvents(t, a.testApp, auth.ActionRecordingPlay)); n != 0 {
				t.Errorf("a failed play left %d audit events", n)
			}
		})
	}
}

func TestRecordingCutStream(t *testing.T) {
	a := newRecApp(t, "all")
	a.fake.cutAfter = 1000
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+a.audioPath(a.call, "rec-1"), nil)
	res, err := a.demo(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || err == nil || len(b) != 1000 {
		t.Errorf("status %d, %d bytes, err %v: want the response to end short", res.StatusCode, len(b), err)
	}
}

func listEvents(t *testing.T, a *testApp, action string) []store.Event {
	t.Helper()
	events, _, err := a.db.ListEvents(context.Background(), store.EventFilter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestRecordingAudit(t *testing.T) {
	a := newRecApp(t, "all")
	c := a.demo(t)
	path := a.audioPath(a.call, "rec-1")
	// A browser's play, then two seeks, then the download.
	for _, rng := range []string{"bytes=0-", "bytes=2500-", "bytes=4000-"} {
		if res, _ := a.request(t, c, path, map[string]string{"Range": rng}); res.StatusCode != http.StatusPartialContent {
			t.Fatalf("%s: %d", rng, res.StatusCode)
		}
	}
	if res, _ := a.request(t, c, path+"/download", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("download: %d", res.StatusCode)
	}
	plays, downloads := listEvents(t, a.testApp, auth.ActionRecordingPlay), listEvents(t, a.testApp, auth.ActionRecordingDownload)
	if len(plays) != 1 || len(downloads) != 1 {
		t.Fatalf("%d plays and %d downloads, want 1 and 1", len(plays), len(downloads))
	}
	for _, e := range append(plays, downloads...) {
		var d map[string]string
		if err := json.Unmarshal([]byte(e.Details), &d); err != nil {
			t.Fatal(err)
		}
		if d["call_id"] != a.call || d["recording_id"] != "rec-1" || len(d) != 2 || e.Username != "demo" {
			t.Errorf("%s: %s by %s", e.Action, e.Details, e.Username)
		}
		if strings.Contains(e.Details, "secret-token") {
			t.Error("the audit trail carries the recording_url")
		}
	}
	_, body := a.request(t, c, "/admin/audit", nil)
	page := parsePage(t, body)
	var seen []string
	for _, n := range page.find(func(n *html.Node) bool { return n.Data == "tr" }) {
		seen = append(seen, nodeText(n))
	}
	all := strings.Join(seen, "\n")
	if !strings.Contains(all, auth.ActionRecordingPlay) || !strings.Contains(all, auth.ActionRecordingDownload) {
		t.Errorf("the audit page does not list the play and the download")
	}
}

func TestRecordingRateLimit(t *testing.T) {
	a := newRecApp(t, "all") // the clock is fixed: no token comes back during the test
	c := a.demo(t)
	path := a.audioPath(a.call, "rec-1")
	for i := range 60 {
		if res, _ := a.request(t, c, path, map[string]string{"Range": "bytes=100-199"}); res.StatusCode != http.StatusPartialContent {
			t.Fatalf("fetch %d: %d", i+1, res.StatusCode)
		}
	}
	res, body := a.request(t, c, path, map[string]string{"Range": "bytes=100-199"})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("61st fetch: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if !strings.Contains(errorText(body), "faster than cdrdash allows") {
		t.Errorf("message %q", errorText(body))
	}
	res, _ = a.request(t, c, path+"/waveform?fragment=1", nil)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("waveform past the limit: %d, want 429", res.StatusCode)
	}
	// Another user has a bucket of their own.
	if res, _ := a.request(t, a.agent(t), path, map[string]string{"Range": "bytes=100-199"}); res.StatusCode != http.StatusPartialContent {
		t.Errorf("another user: %d", res.StatusCode)
	}
}

func TestRecordingWaveformOneWay(t *testing.T) {
	a := newRecApp(t, "all")
	c := a.demo(t)
	path := a.audioPath(a.otherCal, "rec-wav") + "/waveform"
	res, body := a.request(t, c, path+"?fragment=1", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	p := parsePage(t, body)
	if p.has("back") {
		t.Error("the fragment carries the page shell")
	}
	rows := p.all("waveform-row")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	labels := p.find(func(n *html.Node) bool { return hasClass(n, "waveform__label") })
	if len(labels) != 2 || nodeText(labels[0]) != "Caller (channel 1)" || nodeText(labels[1]) != "Callee (channel 2)" {
		t.Errorf("labels %v", labels)
	}
	sil := p.all("silence")
	if len(sil) != 1 || attr(sil[0], "data-channel") != "2" || attr(sil[0], "data-start") != "30.0" ||
		attr(sil[0], "data-end") != "60.0" {
		for _, s := range sil {
			t.Logf("silence %v", s.Attr)
		}
		t.Fatalf("want one silence on channel 2 from 30.0 to 60.0")
	}
	if got := p.texts("silence-item"); len(got) != 1 || got[0] != "Callee (channel 2): silent from 0:30 to 1:00 (30 s)" {
		t.Errorf("silence list %q", got)
	}
	// The shading is explained next to the list it stands for.
	if got := p.text("waveform-legend"); !strings.HasPrefix(got, "Shaded: where the audio went silent") {
		t.Errorf("legend %q", got)
	}
	if got := p.text("one-way"); !strings.HasPrefix(got, "One-way audio: the callee's channel is silent from 0:30 to the end") {
		t.Errorf("one-way line %q", got)
	}
	// The full page, from the cache: no second fetch, and the call's MOS
	// is not asked for again.
	before := a.upstreamRequests()
	res, body = a.request(t, c, path, nil)
	if n := a.upstreamRequests() - before; n != 0 {
		t.Errorf("the cached strip asked Vobiz %d times", n)
	}
	if res.StatusCode != http.StatusOK || !parsePage(t, body).has("back") || !parsePage(t, body).has("one-way") {
		t.Errorf("full page: %d", res.StatusCode)
	}
	if n := a.fake.openCount(); n != 1 {
		t.Errorf("%d audio fetches, want 1 (cached)", n)
	}
}

func TestRecordingWaveformOneFetchForTwoViewers(t *testing.T) {
	a := newRecApp(t, "all")
	a.fake.gate = make(chan struct{})
	c := a.demo(t)
	path := a.audioPath(a.otherCal, "rec-wav") + "/waveform?fragment=1"
	statuses := make(chan int, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
			res, err := c.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	// Release the audio once the first fetch waits at the gate: the other
	// viewer either joins that flight or, arriving later, finds the strip
	// cached; either way Vobiz is asked once.
	for a.fake.openCount() == 0 {
		runtime.Gosched()
	}
	close(a.fake.gate)
	for range 2 {
		if s := <-statuses; s != http.StatusOK {
			t.Errorf("status %d", s)
		}
	}
	if n := a.fake.openCount(); n != 1 {
		t.Errorf("%d audio fetches for two viewers, want 1", n)
	}
}

func TestRecordingWaveformFailure(t *testing.T) {
	a := newRecApp(t, "all")
	a.fake.openErr = &vobiz.APIError{Endpoint: "recording_audio", StatusCode: 403, RequestID: "vz-wave-1"}
	res, body := a.request(t, a.demo(t), a.audioPath(a.otherCal, "rec-wav")+"/waveform?fragment=1", nil)
	p := parsePage(t, body)
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(p.text("waveform-error"), "Vobiz refused the recording's link") ||
		p.text("vobiz-request-id") != "vz-wave-1" || p.text("request-id") != res.Header.Get("X-Request-Id") {
		t.Errorf("status %d: %q", res.StatusCode, p.text("waveform-error"))
	}
}

// TestRecordingSlowUpstreamHonoursCancel: a listener who leaves while
// Vobiz is slow to start the audio stops cdrdash's fetch too.
func TestRecordingSlowUpstreamHonoursCancel(t *testing.T) {
	a := newRecApp(t, "all")
	a.fake.gate = make(chan struct{}) // never opened: Vobiz does not answer
	a.fake.gaveUp = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.srv.URL+a.audioPath(a.call, "rec-1"), nil)
	done := make(chan error, 1)
	c := a.demo(t)
	go func() {
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	for a.fake.openCount() == 0 {
		runtime.Gosched()
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("the cancelled request got an answer")
	}
	<-a.fake.gaveUp // the upstream fetch ended with the request
	if n := len(listEvents(t, a.testApp, auth.ActionRecordingPlay)); n != 0 {
		t.Errorf("a play that never started left %d audit events", n)
	}
}
