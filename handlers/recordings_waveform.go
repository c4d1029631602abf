package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/waveform"
)

// Waveform limits (docs/recordings.md#waveform-strip).
const (
	// maxWaveformBytes bounds the audio read for one strip: 4 h of
	// two-channel 8 kHz 16-bit WAV is about 230 MB, of MP3 far less.
	maxWaveformBytes = 256 << 20
	maxWaveformAudio = 4 * time.Hour
	// waveformCacheSize is how many recordings' strips are kept; one is a
	// few kilobytes.
	waveformCacheSize = 512
	// waveformTimeout bounds one analysis, which outlives the request that
	// started it so that other viewers waiting on it still get it.
	waveformTimeout = 2 * time.Minute
)

// waveformCache keeps analysed recordings by recording id, and makes two
// viewers of one recording cause one fetch.
type waveformCache struct {
	lru   *lru.Cache[string, waveformEntry]
	group singleflight.Group
}

type waveformEntry struct {
	callUUID string
	wave     *waveform.Waveform
	// mos is the one-way line's quality clause, once read from the call's
	// record (mosRead), so showing the strip again asks Vobiz nothing.
	mos     string
	mosRead bool
}

func newWaveformCache() *waveformCache {
	c, err := lru.New[string, waveformEntry](waveformCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &waveformCache{lru: c}
}

// errAudioTooLarge is a recording over maxWaveformBytes.
var errAudioTooLarge = errors.New("recording audio is larger than the waveform limit")

// showWaveform answers the waveform strip of one recording: an HTML
// fragment with ?fragment=1 (the call page's script puts it under the
// player), else a page of its own.
func (h *Handler) showWaveform(w http.ResponseWriter, r *http.Request) {
	fragment := r.URL.Query().Get("fragment") == "1"
	callUUID, id := strings.ToLower(chi.URLParam(r, "uuid")), chi.URLParam(r, "id")
	fail := func(e *recError) {
		if fragment && !wantsJSON(r) && e.Status != statusClientGone {
			e.RequestID = requestID(r.Context())
			h.Log.Log(r.Context(), slogLevelFor(e.Status), "waveform failed", "status", e.Status,
				"request_id", e.RequestID, "vobiz_request_id", e.VobizRequestID, "err", e.cause)
			w.Header().Set("Cache-Control", "no-store")
			if e.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
			}
			_ = h.render(w, r, e.Status, views.WaveformError(e.Message, e.VobizRequestID, e.RequestID))
			return
		}
		h.writeRecError(w, r, e)
	}

	var wave *waveform.Waveform
	if isCallUUID(callUUID) && isRecordingID(id) && h.checkListen(r) == nil {
		if ent, ok := h.waves.lru.Get(id); ok && strings.EqualFold(ent.callUUID, callUUID) {
			wave = ent.wave
		}
	}
	if wave == nil {
		rec, e := h.recordingFor(r, true)
		if e != nil {
			fail(e)
			return
		}
		wave, e = h.analyzeRecording(r.Context(), callUUID, rec)
		if e != nil {
			fail(e)
			return
		}
	}
	v := h.waveformView(callUUID, id, wave, r)
	if fragment {
		_ = h.render(w, r, http.StatusOK, views.WaveformFragment(v))
		return
	}
	_ = h.render(w, r, http.StatusOK, views.WaveformPage(h.page(r, "Waveform of call "+callUUID[:8], "calls"), v))
}

// analyzeRecording fetches and analyses rec once for every viewer asking
// at the same time, and caches the result.
func (h *Handler) analyzeRecording(ctx context.Context, callUUID string, rec *vobiz.Recording) (*waveform.Waveform, *recError) {
	id := string(rec.ID)
	ch := h.waves.group.DoChan(id, func() (any, error) {
		// A flight that ended just before this one began has cached it.
		if ent, ok := h.waves.lru.Get(id); ok {
			return ent.wave, nil
		}
		// The work is shared, so one viewer leaving must not end it for
		// the others; waveformTimeout bounds it instead.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), waveformTimeout)
		defer cancel()
		audio, err := h.Recordings.OpenRecordingAudio(wctx, rec, "")
		if err != nil {
			return nil, err
		}
		defer audio.Body.Close()
		if audio.ContentLength > maxWaveformBytes {
			return nil, errAudioTooLarge
		}
		body := &capReader{r: audio.Body, left: maxWaveformBytes}
		analyze := h.AnalyzeWaveform
		if analyze == nil {
			analyze = waveform.Analyze
		}
		wave, err := analyze(wctx, body, strings.ToLower(string(rec.Format)), waveform.Options{MaxLength: maxWaveformAudio})
		if body.over {
			return nil, errAudioTooLarge
		}
		if err != nil {
			return nil, fmt.Errorf("analyse recording %s: %w", id, err)
		}
		h.waves.lru.Add(id, waveformEntry{callUUID: callUUID, wave: wave})
		return wave, nil
	})
	select {
	case <-ctx.Done():
		return nil, &recError{Status: statusClientGone, cause: ctx.Err()}
	case res := <-ch:
		if res.Err != nil {
			return nil, waveformError(res.Err)
		}
		return res.Val.(*waveform.Waveform), nil
	}
}

// waveformError words a failed analysis.
func waveformError(err error) *recError {
	switch {
	case errors.Is(err, errAudioTooLarge):
		return &recError{Status: http.StatusUnprocessableEntity, Title: "Recording too large", cause: err,
			Message: "This recording is larger than 256 MB, more than cdrdash reads to draw a waveform. The player " +
				"and the download still work."}
	case errors.Is(err, waveform.ErrTooLong):
		return &recError{Status: http.StatusUnprocessableEntity, Title: "Recording too long", cause: err,
			Message: "This recording is longer than 4 hours, more than cdrdash reads to draw a waveform. The player " +
				"and the download still work."}
	case errors.Is(err, waveform.ErrUnsupported), errors.Is(err, waveform.ErrCorrupt):
		return &recError{Status: http.StatusUnprocessableEntity, Title: "Recording could not be read", cause: err,
			Message: "cdrdash could not read this recording's audio to draw a waveform (the file is in a format it " +
				"does not know, or damaged). The player may still play it."}
	}
	return recUpstreamError(err, "fetching the audio for the waveform")
}

// capReader reads at most left bytes, then reports errAudioTooLarge.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, errAudioTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// channelLabel names a channel: the caller is on channel 1 of a
// two-channel recording (docs/vobiz-api.md#recordings).
func channelLabel(ch, channels int) string {
	if channels < 2 {
		return "Audio"
	}
	switch ch {
	case 0:
		return "Caller (channel 1)"
	case 1:
		return "Callee (channel 2)"
	}
	return "Channel " + strconv.Itoa(ch+1)
}

// waveformView draws w into the strip's 1000-unit-wide boxes.
func (h *Handler) waveformView(callUUID, id string, w *waveform.Waveform, r *http.Request) views.WaveformView {
	v := views.WaveformView{CallUUID: callUUID, RecordingID: id, Seconds: w.Duration.Seconds(),
		BackURL: h.url("/calls/" + url.PathEscape(callUUID))}
	total := w.Duration
	pos := func(d time.Duration) float64 {
		if total <= 0 {
			return 0
		}
		return 1000 * d.Seconds() / total.Seconds()
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	for i, c := range w.Channels {
		row := views.WaveformRow{Label: channelLabel(i, len(w.Channels)), Channel: i + 1}
		if n := len(c.Peaks); n > 0 {
			bw := 1000 / float64(n)
			for j, p := range c.Peaks {
				hgt := float64(p) * 100
				if hgt < 1 {
					hgt = 1 // silence still draws a hairline, so the strip reads as a strip
				}
				row.Bars = append(row.Bars, views.WaveformBar{X: f(float64(j) * bw), Y: f(50 - hgt/2), W: f(bw), H: f(hgt)})
			}
		}
		for _, s := range c.Silences {
			span := fmt.Sprintf("silent from %s to %s (%s)", views.FormatClock(s.Start), views.FormatClock(s.End),
				views.FormatSpan(s.End-s.Start))
			row.Silences = append(row.Silences, views.WaveformSpan{X: f(pos(s.Start)), W: f(pos(s.End) - pos(s.Start)),
				Start: strconv.FormatFloat(s.Start.Seconds(), 'f', 1, 64), End: strconv.FormatFloat(s.End.Seconds(), 'f', 1, 64),
				Label: row.Label + ": " + span})
			v.Silences = append(v.Silences, row.Label+": "+span)
		}
		v.Rows = append(v.Rows, row)
	}
	for i := 0; i <= 4; i++ {
		v.Axis = append(v.Axis, views.FormatClock(total*time.Duration(i)/4))
	}
	if _, _, ok := w.OneWay(); ok {
		v.OneWay = oneWayVerdict(w, h.cachedMOSVerdict(r, callUUID, id))
	}
	return v
}

// cachedMOSVerdict is mosVerdict, kept with the cached strip. A failed
// read is not kept, so the next view tries again.
func (h *Handler) cachedMOSVerdict(r *http.Request, callUUID, id string) string {
	if ent, ok := h.waves.lru.Peek(id); ok && ent.mosRead && strings.EqualFold(ent.callUUID, callUUID) {
		return ent.mos
	}
	mos, ok := h.mosVerdict(r, callUUID)
	if ent, found := h.waves.lru.Peek(id); ok && found && strings.EqualFold(ent.callUUID, callUUID) {
		ent.mos, ent.mosRead = mos, true
		h.waves.lru.Add(id, ent)
	}
	return mos
}

// mosVerdict lines the one-way verdict up with the call page's quality
// verdict: it reads the call's MOS band from its record. It is asked only
// when the strip shows one-way audio, and says nothing when the record
// cannot be read in time.
func (h *Handler) mosVerdict(r *http.Request, callUUID string) (string, bool) {
	if h.CDRs == nil {
		return "", true
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	c, err := h.CDRs.Get(ctx, callUUID)
	if err != nil {
		return "", false
	}
	for _, m := range h.callView(c, h.zone(r)).Quality.Metrics {
		if m.Name != "MOS" {
			continue
		}
		switch m.Band {
		case "poor", "fair":
			return "matching the " + m.Band + " MOS (" + m.Value + ")", true
		case "good":
			return "although the MOS (" + m.Value + ") reads good: MOS measures the network path, not whether " +
				"the audio reached the other side", true
		}
	}
	return "", true
}

// oneWayVerdict is the one line under the strip when one party went
// silent while the other kept talking (docs/recordings.md#waveform-strip).
func oneWayVerdict(w *waveform.Waveform, quality string) string {
	ch, from, ok := w.OneWay()
	if !ok {
		return ""
	}
	who := "the caller's"
	if ch == 1 {
		who = "the callee's"
	}
	s := "One-way audio: " + who + " channel is silent from " + views.FormatClock(from) + " to the end"
	if quality != "" {
		s += ", " + quality
	}
	return s + "."
}
