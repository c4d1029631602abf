package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// sandboxRecApp is a dashboard whose recordings come from the sandbox's
// Recording API through the real client, as in demo mode.
func sandboxRecApp(t *testing.T) (*recApp, []sandbox.RecordingScenario) {
	t.Helper()
	a := newTestApp(t, withCalls(2000), withDeps(func(d *handlers.Deps) {
		d.Recordings = d.CDRs.(handlers.RecordingSource)
	}))
	return &recApp{testApp: a}, a.sb.RecordingScenarios()
}

func pickScenario(t *testing.T, scs []sandbox.RecordingScenario, ok func(sandbox.RecordingScenario) bool) sandbox.RecordingScenario {
	t.Helper()
	for _, sc := range scs {
		if ok(sc) {
			return sc
		}
	}
	t.Fatal("the sandbox has no such recording")
	return sandbox.RecordingScenario{}
}

func TestSandboxRecordingAcceptance(t *testing.T) {
	a, scs := sandboxRecApp(t)
	c := a.demo(t)
	for _, format := range []string{"mp3", "wav"} {
		t.Run(format, func(t *testing.T) {
			sc := pickScenario(t, scs, func(s sandbox.RecordingScenario) bool { return s.Format == format })
			res, body := a.get(t, c, "/calls/"+sc.CallUUID)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("call page: %d", res.StatusCode)
			}
			p := parsePage(t, body)
			var src string
			for _, n := range p.in("recordings").all("recording") {
				if attr(n, "data-recording-id") == sc.RecordingID {
					src = attr(page{n}.all("recording-audio")[0], "src")
				}
			}
			if src != a.audioPath(sc.CallUUID, sc.RecordingID) {
				t.Fatalf("audio src %q, want the same-origin proxy", src)
			}
			// The page never carries the upstream link.
			recs, err := a.client.CallRecordings(context.Background(), sc.CallUUID)
			if err != nil || len(recs) == 0 {
				t.Fatalf("list: %v", err)
			}
			for _, r := range recs {
				if r.URL == "" || strings.Contains(body, string(r.URL)) || strings.Contains(body, "sig=") {
					t.Errorf("the page carries a recording_url")
				}
			}
			res, audio := a.request(t, c, src, map[string]string{"Range": "bytes=0-99"})
			want := vobiz.ContentTypeFor(format)
			if res.StatusCode != http.StatusPartialContent || len(audio) != 100 || res.Header.Get("Content-Type") != want {
				t.Errorf("Range 0-99: %d, %d bytes, %q; want 206, 100, %q", res.StatusCode, len(audio),
					res.Header.Get("Content-Type"), want)
			}
			res, frag := a.request(t, c, src+"/waveform?fragment=1", nil)
			if fp := parsePage(t, frag); res.StatusCode != http.StatusOK || len(fp.all("waveform-row")) != sc.Channels {
				t.Errorf("waveform: %d, %d rows for %d channels: %.300s", res.StatusCode, len(fp.all("waveform-row")),
					sc.Channels, fp.text("waveform-error"))
			} else if fp.has("no-silence") && fp.has("waveform-legend") {
				t.Error("a strip with no silence explains the shading of silences")
			}
		})
	}
}

func TestSandboxOneWayWaveform(t *testing.T) {
	a, scs := sandboxRecApp(t)
	sc := pickScenario(t, scs, func(s sandbox.RecordingScenario) bool { return s.SilentChannel == 2 })
	res, body := a.request(t, a.demo(t), a.audioPath(sc.CallUUID, sc.RecordingID)+"/waveform?fragment=1", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.300s", res.StatusCode, body)
	}
	p := parsePage(t, body)
	var found bool
	for _, s := range p.all("silence") {
		if attr(s, "data-channel") == "2" && attr(s, "data-start") == "30.0" {
			found = true
		}
		if attr(s, "data-channel") == "1" {
			t.Errorf("the caller's channel is marked silent: %v", s.Attr)
		}
	}
	if !found {
		t.Errorf("no silence marked from 30 s on channel 2 (recording of %s)", sc.Duration)
	}
	got := p.text("one-way")
	if !strings.HasPrefix(got, "One-way audio: the callee's channel is silent from 0:30 to the end") {
		t.Errorf("one-way line %q", got)
	}
	// The sandbox draws one-way audio on calls below the good MOS band, so
	// the strip and the call's quality verdict agree.
	if !strings.Contains(got, "matching the fair MOS") && !strings.Contains(got, "matching the poor MOS") {
		t.Errorf("one-way line %q does not line up with the call's quality verdict", got)
	}
}

func TestSandboxRecordingFaults(t *testing.T) {
	a, scs := sandboxRecApp(t)
	c := a.demo(t)
	sc := pickScenario(t, scs, func(s sandbox.RecordingScenario) bool { return s.Format == "mp3" })

	a.sb.SetFaults(sandbox.Faults{RecordingURLExpired: http.StatusForbidden})
	res, body := a.request(t, c, a.audioPath(sc.CallUUID, sc.RecordingID), map[string]string{"Accept": "application/json"})
	var e map[string]string
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%d: %v in %.200s", res.StatusCode, err, body)
	}
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(e["message"], "Vobiz refused the recording's link") ||
		e["request_id"] == "" {
		t.Errorf("expired link: %d %v", res.StatusCode, e)
	}
	if strings.Contains(body, "sig=") || strings.Contains(body, "/media/") {
		t.Error("the error carries the recording_url")
	}

	a.sb.SetFaults(sandbox.Faults{NoRecordingAPI: true})
	res, body = a.get(t, c, "/calls/"+sc.CallUUID)
	p := parsePage(t, body)
	if res.StatusCode != http.StatusOK || !p.has("verdict") ||
		!strings.Contains(p.text("recordings-error"), "did not answer the Recording endpoint") {
		t.Errorf("no Recording API: %d %q", res.StatusCode, p.text("recordings"))
	}
	a.sb.SetFaults(sandbox.Faults{})
}

// TestSandboxRecordingNotRecorded: an unanswered call has no recording.
func TestSandboxRecordingNotRecorded(t *testing.T) {
	a, scs := sandboxRecApp(t)
	recorded := map[string]bool{}
	for _, sc := range scs {
		recorded[sc.CallUUID] = true
	}
	var uuid string
	for i := 0; i < 200 && uuid == ""; i++ {
		if u := string(a.sb.Call(i).UUID); !recorded[u] {
			uuid = u
		}
	}
	_, body := a.get(t, a.demo(t), "/calls/"+uuid)
	p := parsePage(t, body)
	if got := p.text("recordings-none"); got != "This call was not recorded." {
		t.Errorf("box says %q", got)
	}
}
