package sandbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/go-mp3"

	"github.com/cdrdash/cdrdash/vobiz"
)

func recPath(s *Server) string { return "/api/v1/Account/" + s.AuthID() + "/Recording/" }

func listRecordings(t *testing.T, s *Server, q url.Values) *vobiz.RecordingList {
	t.Helper()
	w := do(t, s, recPath(s), q)
	if w.Code != http.StatusOK {
		t.Fatalf("list %v: %d %s", q, w.Code, w.Body)
	}
	var l vobiz.RecordingList
	if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	return &l
}

// media fetches a recording_url from the handler without credentials.
func media(t *testing.T, s *Server, rawURL, rangeHeader string) *httptest.ResponseRecorder {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

func TestRecordingRules(t *testing.T) {
	s := sharedServer()
	sc := s.RecordingScenarios()
	byCall := map[string][]RecordingScenario{}
	for _, r := range sc {
		byCall[r.CallUUID] = append(byCall[r.CallUUID], r)
	}
	answered, recorded, two, stereo, monoWAV, mp3s, oneWay, longStereo := 0, 0, 0, 0, 0, 0, 0, 0
	for i := range s.Len() {
		c := s.Call(i)
		rs := byCall[string(c.UUID)]
		if c.Billsec == 0 {
			if len(rs) > 0 {
				t.Fatalf("unanswered call %s has recordings", c.UUID)
			}
			continue
		}
		answered++
		if len(rs) == 0 {
			continue
		}
		recorded++
		if len(rs) == 2 {
			two++
		}
		var total time.Duration
		for _, r := range rs {
			total += r.Duration
		}
		if total != time.Duration(c.Billsec)*time.Second {
			t.Fatalf("call %s: recordings last %v, billsec %d", c.UUID, total, c.Billsec)
		}
		switch r := rs[0]; {
		case r.Channels == 2:
			stereo++
		case r.Format == "wav":
			monoWAV++
		default:
			mp3s++
		}
		for _, r := range rs {
			if r.Channels == 2 && r.Duration > 45*time.Second {
				longStereo++
				if r.SilentChannel == 2 {
					oneWay++
					if r.SilentFrom != 30*time.Second {
						t.Errorf("one-way from %v", r.SilentFrom)
					}
				}
			} else if r.SilentChannel != 0 {
				t.Errorf("one-way audio on %+v", r)
			}
		}
	}
	share := func(name string, n, of int, lo, hi float64) {
		t.Helper()
		p := float64(n) / float64(of)
		t.Logf("%s: %d of %d (%.1f%%)", name, n, of, 100*p)
		if p < lo || p > hi {
			t.Errorf("%s share %.3f outside [%.2f, %.2f]", name, p, lo, hi)
		}
	}
	share("recorded of answered", recorded, answered, 0.37, 0.43)
	share("two recordings", two, recorded, 0.07, 0.13)
	share("two-channel", stereo, recorded, 0.22, 0.28)
	share("mono wav", monoWAV, recorded, 0.12, 0.18)
	share("mp3", mp3s, recorded, 0.55, 0.65)
	share("one-way of long two-channel", oneWay, longStereo, 0.10, 0.20)

	// The same seed gives the same recordings; another seed others.
	again := New(Options{Calls: testCalls, Now: testNow}).RecordingScenarios()
	if !slices.Equal(sc, again) {
		t.Error("the same seed gave other recordings")
	}
	other := New(Options{Calls: testCalls, Now: testNow, Seed: 99}).RecordingScenarios()
	if slices.Equal(sc[:10], other[:10]) {
		t.Error("another seed gave the same recordings")
	}
}

func TestRecordingListAndGet(t *testing.T) {
	s := newSmall(t)
	sc := s.RecordingScenarios()
	first := listRecordings(t, s, url.Values{"limit": {"5"}})
	if int(first.Meta.TotalCount) != len(sc) || len(first.Objects) != 5 || first.Meta.Limit != 5 || first.Meta.Offset != 0 {
		t.Fatalf("meta %+v", first.Meta)
	}
	if first.Meta.Previous.Valid || !first.Meta.Next.Valid {
		t.Errorf("first page links %+v", first.Meta)
	}
	// next is a path that works as it is.
	next, err := url.Parse(first.Meta.Next.String)
	if err != nil || next.Path != recPath(s) {
		t.Fatalf("next %q", first.Meta.Next.String)
	}
	second := listRecordings(t, s, next.Query())
	if second.Meta.Offset != 5 || second.Objects[0].ID == first.Objects[4].ID || !second.Meta.Previous.Valid {
		t.Errorf("second page %+v", second.Meta)
	}
	if !first.Objects[4].AddTime.After(second.Objects[0].AddTime.Time) && first.Objects[4].AddTime != second.Objects[0].AddTime {
		t.Error("pages are not newest first")
	}

	// Every field of the contract is present; add_time is in +05:30.
	w := do(t, s, recPath(s), url.Values{"limit": {"100"}})
	var raw struct {
		Objects []map[string]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	strs := 0
	for _, o := range raw.Objects {
		for _, f := range []string{"recording_id", "recording_url", "recording_format", "call_uuid", "recording_type",
			"recording_duration_ms", "rounded_recording_duration", "recording_start_ms", "recording_end_ms", "add_time",
			"from_number", "to_number", "conference_name", "resource_uri"} {
			if _, ok := o[f]; !ok {
				t.Fatalf("object lacks %s: %s", f, o)
			}
		}
		var add string
		_ = json.Unmarshal(o["add_time"], &add)
		if !strings.HasSuffix(add, "+05:30") || strings.Contains(add, "T") {
			t.Errorf("add_time %q", add)
		}
		if o["recording_duration_ms"][0] == '"' {
			strs++
		}
	}
	if strs == 0 || strs == len(raw.Objects) {
		t.Errorf("%d of %d durations are strings; want some", strs, len(raw.Objects))
	}

	// Get one, by id; unknown ids are 404 in the error shape.
	id := first.Objects[0].ID
	w = do(t, s, recPath(s)+string(id)+"/", nil)
	var one vobiz.Recording
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &one) != nil || one.ID != id || one.URL != first.Objects[0].URL {
		t.Errorf("get one: %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{"00000000-0000-4000-8000-000000000000", "nope", string(first.Objects[0].CallUUID)} {
		w = do(t, s, recPath(s)+bad+"/", nil)
		if w.Code != 404 || !strings.Contains(w.Body.String(), `"code":"NOT_FOUND"`) {
			t.Errorf("%s: %d %s", bad, w.Code, w.Body)
		}
	}

	// Same auth as the CDR endpoints.
	req := httptest.NewRequest(http.MethodGet, recPath(s), nil)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", rec.Code)
	}
}

func TestRecordingFilters(t *testing.T) {
	s := newSmall(t)
	all := listRecordings(t, s, url.Values{"limit": {"100"}})
	r0 := all.Objects[3]

	byCall := listRecordings(t, s, url.Values{"call_uuid": {string(r0.CallUUID)}})
	if len(byCall.Objects) == 0 || len(byCall.Objects) > 2 {
		t.Fatalf("call_uuid: %d objects", len(byCall.Objects))
	}
	for _, r := range byCall.Objects {
		if r.CallUUID != r0.CallUUID {
			t.Errorf("call_uuid filter let %s through", r.CallUUID)
		}
	}
	if l := listRecordings(t, s, url.Values{"call_uuid": {"00000000-0000-4000-8000-000000000000"}}); l.Meta.TotalCount != 0 {
		t.Errorf("unknown call: %d", l.Meta.TotalCount)
	}

	at := r0.AddTime.Time
	for _, tt := range []struct {
		name string
		q    url.Values
		ok   func(time.Time) bool
	}{
		{"gte", url.Values{"add_time__gte": {at.Format("2006-01-02 15:04:05.999999")}}, func(x time.Time) bool { return !x.Before(at) }},
		{"gt", url.Values{"add_time__gt": {at.Format(time.RFC3339Nano)}}, func(x time.Time) bool { return x.After(at) }},
		{"lte", url.Values{"add_time__lte": {at.Format("2006-01-02 15:04:05.999999")}}, func(x time.Time) bool { return !x.After(at) }},
		{"lt minutes", url.Values{"add_time__lt": {at.Format("2006-01-02 15:04")}}, func(x time.Time) bool { return x.Before(at.Truncate(time.Minute)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Set("limit", "100")
			l := listRecordings(t, s, tt.q)
			want := 0
			for off := 0; ; off += 100 {
				page := listRecordings(t, s, url.Values{"limit": {"100"}, "offset": {strconv.Itoa(off)}})
				for _, r := range page.Objects {
					if tt.ok(r.AddTime.Time) {
						want++
					}
				}
				if !page.HasNext() {
					break
				}
			}
			if int(l.Meta.TotalCount) != want || want == 0 {
				t.Errorf("%d recordings, want %d", l.Meta.TotalCount, want)
			}
			for _, r := range l.Objects {
				if !tt.ok(r.AddTime.Time) {
					t.Errorf("%v let through", r.AddTime)
				}
			}
		})
	}

	from := listRecordings(t, s, url.Values{"from_number": {string(r0.FromNumber)}, "to_number": {string(r0.ToNumber)}})
	if from.Meta.TotalCount == 0 {
		t.Error("from/to found nothing")
	}
	for _, r := range from.Objects {
		if r.FromNumber != r0.FromNumber || r.ToNumber != r0.ToNumber {
			t.Errorf("from/to let %s→%s through", r.FromNumber, r.ToNumber)
		}
	}

	for _, q := range []url.Values{
		{"limit": {"101"}}, {"limit": {"0"}}, {"limit": {"x"}}, {"offset": {"-1"}},
		{"add_time__gte": {"yesterday"}}, {"add_time__lt": {"2026-13-01 00:00"}},
	} {
		w := do(t, s, recPath(s), q)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"code":"VALIDATION_ERROR"`) {
			t.Errorf("%v: %d %s", q, w.Code, w.Body)
		}
	}
}

func TestRecordingMedia(t *testing.T) {
	s := newSmall(t)
	l := listRecordings(t, s, url.Values{"limit": {"3"}})
	r := l.Objects[0]
	if !strings.HasPrefix(string(r.URL), "http://example.com/media/recordings/"+string(r.ID)+"."+string(r.Format)+"?sig=") {
		t.Fatalf("recording_url %q", r.URL)
	}
	w := media(t, s, string(r.URL), "bytes=0-99")
	if w.Code != 206 || w.Body.Len() != 100 || w.Header().Get("Content-Type") != vobiz.ContentTypeFor(string(r.Format)) {
		t.Errorf("range: %d %d %q", w.Code, w.Body.Len(), w.Header().Get("Content-Type"))
	}
	full := media(t, s, string(r.URL), "")
	if full.Code != 200 || !bytes.Equal(full.Body.Bytes()[:100], w.Body.Bytes()) {
		t.Errorf("full: %d", full.Code)
	}
	tail := media(t, s, string(r.URL), "bytes=-10")
	if !bytes.Equal(tail.Body.Bytes(), full.Body.Bytes()[full.Body.Len()-10:]) {
		t.Error("suffix range differs from the file's end")
	}
	if w := media(t, s, string(r.URL), "bytes=999999999-"); w.Code != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("unsatisfiable range: %d", w.Code)
	}
	for _, bad := range []string{strings.Replace(string(r.URL), "sig=", "sig=0", 1), strings.Split(string(r.URL), "?")[0]} {
		if w := media(t, s, bad, ""); w.Code != 403 {
			t.Errorf("bad signature: %d", w.Code)
		}
	}

	s.SetFaults(Faults{RecordingURLExpired: 404})
	if w := media(t, s, string(r.URL), ""); w.Code != 404 {
		t.Errorf("expired: %d", w.Code)
	}
	s.SetFaults(Faults{NoRecordingAPI: true})
	w = do(t, s, recPath(s), nil)
	if w.Code != 404 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("no Recording API: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if w := do(t, s, basePath(s), nil); w.Code != 200 {
		t.Errorf("CDR list under NoRecordingAPI: %d", w.Code)
	}
	s.SetFaults(Faults{RecordingCutAfterBytes: 1000})
	if w := media(t, s, string(r.URL), ""); w.Body.Len() != 1000 {
		t.Errorf("cut: %d bytes", w.Body.Len())
	}
}

// TestRecordingURLBehindPrefix: the URL names the host and mount prefix the
// request came through.
func TestRecordingURLBehindPrefix(t *testing.T) {
	s := newSmall(t)
	mux := http.NewServeMux()
	mux.Handle("/up/", http.StripPrefix("/up", s))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.DefaultClient.Do(authed(t, s, srv.URL+"/up"+recPath(s)+"?limit=1"))
	if err != nil {
		t.Fatal(err)
	}
	var l vobiz.RecordingList
	err = json.NewDecoder(resp.Body).Decode(&l)
	resp.Body.Close()
	if err != nil || len(l.Objects) != 1 {
		t.Fatal(err)
	}
	u := string(l.Objects[0].URL)
	if !strings.HasPrefix(u, srv.URL+"/up/media/recordings/") {
		t.Fatalf("recording_url %q", u)
	}
	resp, err = http.Get(u) // no credentials
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || n == 0 || resp.ContentLength != n {
		t.Errorf("media: %d, %d bytes", resp.StatusCode, n)
	}
}

// pickRecording finds a recording of the shared data set.
func pickRecording(t *testing.T, s *Server, ok func(RecordingScenario) bool) (RecordingScenario, recording) {
	t.Helper()
	k := s.recKeys()
	for _, sc := range s.RecordingScenarios() {
		if ok(sc) {
			r, found := s.findRecording(&k, s.current(), sc.RecordingID)
			if !found {
				t.Fatalf("scenario %s not found", sc.RecordingID)
			}
			return sc, r
		}
	}
	t.Fatal("no such recording")
	return RecordingScenario{}, recording{}
}

// decodeWAV returns a 16-bit PCM WAV's channels.
func decodeWAV(t *testing.T, b []byte) (rate int, chans [][]int16) {
	t.Helper()
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[36:40]) != "data" {
		t.Fatal("not a WAV file")
	}
	nch := int(binary.LittleEndian.Uint16(b[22:]))
	rate = int(binary.LittleEndian.Uint32(b[24:]))
	size := int(binary.LittleEndian.Uint32(b[40:]))
	if size != len(b)-44 || int(binary.LittleEndian.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("sizes in the header do not match the file: %d, %d", size, len(b))
	}
	chans = make([][]int16, nch)
	for i := 44; i+2*nch <= len(b); i += 2 * nch {
		for c := range nch {
			chans[c] = append(chans[c], int16(binary.LittleEndian.Uint16(b[i+2*c:])))
		}
	}
	return rate, chans
}

// dBFS of 100 ms windows.
func windowLevels(x []int16, rate int) []float64 {
	n := rate / 10
	var out []float64
	for i := 0; i+n <= len(x); i += n {
		var sq float64
		for _, v := range x[i : i+n] {
			sq += float64(v) * float64(v)
		}
		rms := math.Sqrt(sq / float64(n))
		out = append(out, 20*math.Log10(max(rms, 1e-9)/32767))
	}
	return out
}

func TestRecordingAudioOneWay(t *testing.T) {
	s := sharedServer()
	sc, r := pickRecording(t, s, func(sc RecordingScenario) bool { return sc.SilentChannel == 2 })
	file, _ := audioOf(&r)
	b := make([]byte, file.Size())
	if _, err := file.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	rate, ch := decodeWAV(t, b)
	if rate != 8000 || len(ch) != 2 || time.Duration(len(ch[0]))*time.Second/8000 != sc.Duration {
		t.Fatalf("rate %d, %d channels, %d samples for %v", rate, len(ch), len(ch[0]), sc.Duration)
	}
	from := int(sc.SilentFrom.Seconds()) * rate
	for i, v := range ch[1][from:] {
		if v != 0 {
			t.Fatalf("channel 2 sample %d after 30 s is %d", from+i, v)
		}
	}
	if slices.Max(ch[1][from-rate:from]) == 0 {
		t.Error("channel 2 is silent before 30 s")
	}
	// Channel 1 goes on talking, and never drops to silence.
	lv := windowLevels(ch[0], rate)
	if slices.Max(lv[300:]) < -25 {
		t.Errorf("channel 1 has no speech after 30 s (loudest %.1f dBFS)", slices.Max(lv[300:]))
	}
}

func TestRecordingAudioShape(t *testing.T) {
	s := sharedServer()
	_, r := pickRecording(t, s, func(sc RecordingScenario) bool {
		return sc.Channels == 2 && sc.SilentChannel == 0 && sc.Duration > 2*time.Minute
	})
	file, _ := audioOf(&r)
	b := make([]byte, file.Size())
	_, _ = file.ReadAt(b, 0)
	rate, chans := decodeWAV(t, b)
	for c, x := range chans {
		lv := windowLevels(x, rate)
		quiet, longestQuiet, loud := 0, 0, 0
		for _, l := range lv {
			if l < -50 {
				t.Fatalf("channel %d: a window at %.1f dBFS: a live side must stay above -50", c+1, l)
			}
			if l < -30 {
				quiet++
				longestQuiet = max(longestQuiet, quiet)
			} else {
				quiet = 0
			}
			if l > -25 {
				loud++
			}
			if l > -3 {
				t.Errorf("channel %d: %.1f dBFS is too loud for speech", c+1, l)
			}
		}
		t.Logf("channel %d: %.0f%% of 100 ms windows with speech, longest quiet %.1f s", c+1, 100*float64(loud)/float64(len(lv)), float64(longestQuiet)/10)
		if loud == 0 || loud == len(lv) {
			t.Errorf("channel %d: %d of %d windows with speech", c+1, loud, len(lv))
		}
	}
	// Pauses (both sides quiet) stay under 1.5 s: the plan says so.
	p := planOf(&r)
	for i := 1; i < len(p.turns); i++ {
		if gap := p.turns[i].start - p.turns[i-1].end; gap >= 1500*wavRate/1000 || gap <= 0 {
			t.Fatalf("pause of %d samples", gap)
		}
		if d := p.turns[i].end - p.turns[i].start; d > 4*wavRate || (d < wavRate && i < len(p.turns)-1) {
			t.Fatalf("turn of %d samples", d)
		}
	}
}

// TestRecordingAudioRandomAccess: any byte range equals the same bytes of
// the whole file, for both formats.
func TestRecordingAudioRandomAccess(t *testing.T) {
	s := sharedServer()
	for _, format := range []string{"wav", "mp3"} {
		_, r := pickRecording(t, s, func(sc RecordingScenario) bool { return sc.Format == format && sc.Duration > 20*time.Second })
		file, _ := audioOf(&r)
		whole := make([]byte, file.Size())
		if _, err := file.ReadAt(whole, 0); err != nil {
			t.Fatal(err)
		}
		for _, off := range []int64{0, 1, 43, 44, 45, 143, 144, 1001, file.Size() - 7} {
			for _, n := range []int{1, 2, 3, 100, 4097} {
				b := make([]byte, n)
				got, err := file.ReadAt(b, off)
				want := whole[off:min(off+int64(n), file.Size())]
				if !bytes.Equal(b[:got], want) || (got < n && err != io.EOF) {
					t.Fatalf("%s ReadAt(%d, %d) = %d, %v; differs from the whole file", format, n, off, got, err)
				}
			}
		}
	}
}

func TestRecordingMP3Decodes(t *testing.T) {
	if !mp3Available() {
		t.Fatal("the embedded MP3 frames did not load")
	}
	s := sharedServer()
	// Two lengths, kept short: go-mp3 is slow under -race.
	for _, band := range [][2]time.Duration{{3 * time.Second, 10 * time.Second}, {25 * time.Second, 40 * time.Second}} {
		sc, r := pickRecording(t, s, func(sc RecordingScenario) bool {
			return sc.Format == "mp3" && sc.Duration > band[0] && sc.Duration < band[1]
		})
		file, ct := audioOf(&r)
		if ct != "audio/mpeg" {
			t.Errorf("content type %q", ct)
		}
		b := make([]byte, file.Size())
		_, _ = file.ReadAt(b, 0)
		d, err := mp3.NewDecoder(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		pcm, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		// go-mp3 always decodes to 16-bit stereo.
		got := time.Duration(len(pcm)/4) * time.Second / time.Duration(d.SampleRate())
		frame := time.Duration(mp3FrameSample) * time.Second / mp3Rate
		if d.SampleRate() != mp3Rate || (got-sc.Duration).Abs() > frame {
			t.Errorf("decoded %v at %d Hz for a %v recording (a frame is %v)", got, d.SampleRate(), sc.Duration, frame)
		}
		// Speech and pauses are both there.
		left := make([]int16, 0, len(pcm)/4)
		for i := 0; i+4 <= len(pcm); i += 4 {
			left = append(left, int16(binary.LittleEndian.Uint16(pcm[i:])))
		}
		lv := windowLevels(left, d.SampleRate())
		if slices.Max(lv) < -30 || slices.Min(lv) > -30 || slices.Min(lv) < -60 {
			t.Errorf("levels from %.1f to %.1f dBFS", slices.Min(lv), slices.Max(lv))
		}
	}
}

func TestRecordingsOfLiveCalls(t *testing.T) {
	now := testNow
	clock := func() time.Time { return now }
	s := New(Options{Calls: 200, Now: testNow, LiveRate: 60, Clock: clock})
	before := len(s.RecordingScenarios())
	now = now.Add(2 * time.Hour)
	after := s.RecordingScenarios()
	if len(after) <= before {
		t.Fatalf("%d recordings after two hours of live calls, %d before", len(after), before)
	}
	for _, sc := range after {
		i, ok := s.Index(sc.CallUUID)
		if !ok {
			t.Fatalf("recording of a call not served: %s", sc.CallUUID)
		}
		if c := s.Call(i); c.Billsec == 0 {
			t.Fatalf("live unanswered call %s recorded", c.UUID)
		}
	}
	// Nothing is added after the clock: every add_time has passed.
	l := listRecordings(t, s, url.Values{"limit": {"1"}})
	if l.Objects[0].AddTime.After(now) {
		t.Errorf("newest add_time %v after the clock %v", l.Objects[0].AddTime, now)
	}
}

func TestRecordingFaultFlags(t *testing.T) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	build := ParseFaultFlags(fs)
	if err := fs.Parse([]string{"-recording-url-expired", "403", "-recording-slow-start", "2s",
		"-recording-cut-after-bytes", "5000", "-no-recording-api", "-fault-endpoints", "recordings"}); err != nil {
		t.Fatal(err)
	}
	f := build()
	if f.RecordingURLExpired != 403 || f.RecordingSlowStart != 2*time.Second || f.RecordingCutAfterBytes != 5000 ||
		!f.NoRecordingAPI || !slices.Equal(f.Endpoints, []string{EndpointRecordings}) {
		t.Errorf("faults %+v", f)
	}
}
