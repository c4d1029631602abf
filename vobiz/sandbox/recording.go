package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// The Recording API (docs/vobiz-api.md#recordings).
//
// Which calls are recorded is a pure function of the call's id and the
// seed, like everything else here, so nothing is stored: about 40% of
// answered calls are recorded (never an unanswered one); a tenth of those
// have two recordings (the talk split at a transfer point, the second
// starting where the first ends); a quarter are two-channel WAV (channel 1
// the caller, from_number; channel 2 the callee, to_number), some are mono
// WAV and the rest mono MP3. A sixth or so of the two-channel recordings
// longer than 45 s carry one-way audio: channel 2 is digitally silent from
// 30 s to the end.

// EndpointRecordings names the Recording endpoints (list and get one) in
// Faults.Endpoints. The general faults reach them only when it is named
// explicitly: an empty Endpoints still means every CDR endpoint.
const EndpointRecordings = "recordings"

// Recording rules, in thousandths or hundredths of the hash ranges below.
const (
	recPerMille      = 400 // of answered calls
	recTwoPercent    = 10  // of recorded calls with billsec >= 2
	recStereoPercent = 25  // two-channel WAV
	recMonoWAVPct    = 15  // mono WAV; the rest is mono MP3
	recOneWayMinSec  = 45
	// recOneWayBelowMOS: one-way audio is drawn on the two-channel
	// recordings longer than recOneWayMinSec of calls whose MOS is below the
	// good band (about 15% of calls), so the call page's quality verdict
	// and the recording's silent channel tell the same story, as they do
	// when a NAT or RTP fault cuts one direction (docs/vobiz-api.md#recordings).
	recOneWayBelowMOS = 400 // hundredths
	// recStringPercent of objects carry recording_duration_ms and the
	// start/end times as strings, as the SDKs show them.
	recStringPercent = 35
)

// kindRecording derives recording ids, like the call identifiers.
const kindRecording idKind = 0x52

// recording is one recording of a call, as the endpoints describe it.
type recording struct {
	j          int   // the call's index in the view's array
	callID     int64 // the call's numeric id
	part       int   // 0, or 1 for the second of two
	format     string
	channels   int
	startMS    int64 // epoch ms
	endMS      int64
	addMicros  int64 // add_time, epoch µs
	oneWay     bool
	stringy    bool // numbers as strings in JSON
	hash       uint64
	callerNum  string
	calleeNum  string
	durationMS int64
}

// recKeys are the per-seed keys of the recording rules.
type recKeys struct {
	ids  idKeys
	rule uint64
	sig  []byte
}

func (s *Server) recKeys() recKeys {
	k := recKeys{ids: newIDKeys(s.opts.Seed, kindRecording), rule: mix64(uint64(s.opts.Seed) ^ 0x7ec0)}
	sum := sha256.Sum256([]byte("sandbox recording media\x00" + strconv.FormatInt(s.opts.Seed, 10) + "\x00" + s.opts.AuthToken))
	k.sig = sum[:]
	return k
}

// recordingCount returns how many recordings call c (numeric id) has.
func recordingCount(k *recKeys, c *call, id int64) (n int, h uint64) {
	if !c.answered() {
		return 0, 0
	}
	h = mix64(uint64(id) ^ k.rule)
	if h%1000 >= recPerMille {
		return 0, h
	}
	if c.billsec >= 2 && (h>>10)%100 < recTwoPercent {
		return 2, h
	}
	return 1, h
}

// recordingsOf returns call j's recordings (none, one or two). It does
// not allocate: the list ranks every recording of the data set with it.
func (s *Server) recordingsOf(k *recKeys, v *view, j int) (out [2]recording, n int) {
	c, ok := v.get(j)
	if !ok {
		return out, 0
	}
	id := s.idOf(j)
	n, h := recordingCount(k, c, id)
	if n == 0 {
		return out, 0
	}
	answerMS := (s.epoch + int64(c.start) + int64(c.ring)) * 1000
	endMS := answerMS + int64(c.billsec)*1000
	format, channels := "mp3", 1
	switch f := (h >> 20) % 100; {
	case f < recStereoPercent:
		format, channels = "wav", 2
	case f < recStereoPercent+recMonoWAVPct:
		format = "wav"
	}
	if format == "mp3" && !mp3Available() {
		format = "wav"
	}
	split := endMS
	if n == 2 {
		frac := 30 + (h>>40)%41 // the transfer comes 30-70% into the talk
		split = answerMS + max(1, int64(c.billsec)*int64(frac)/100)*1000
	}
	for p := range n {
		r := recording{j: j, callID: id, part: p, format: format, channels: channels,
			startMS: answerMS, endMS: split, hash: mix64(h ^ uint64(p+1)),
			callerNum: s.parties[c.caller].number, calleeNum: s.parties[c.dest].number}
		if p == 1 {
			r.startMS, r.endMS = split, endMS
		}
		r.durationMS = r.endMS - r.startMS
		// add_time: 2-8 s after the recording ends, to the microsecond.
		r.addMicros = r.endMS*1000 + 2_000_000 + int64(r.hash%6_000_000)
		r.oneWay = channels == 2 && r.durationMS > recOneWayMinSec*1000 && c.mos > 0 && c.mos < recOneWayBelowMOS
		r.stringy = (r.hash>>32)%100 < recStringPercent
		out[p] = r
	}
	return out, n
}

// callUUID returns the uuid of r's call.
func (s *Server) callUUID(r *recording) string {
	var b [uuidLen]byte
	s.uuidKeys.encode(&b, r.callID)
	return string(b[:])
}

// visibleAt reports whether r exists yet: its add_time has passed by the
// view's clock (a live call's recording appears a few seconds after it).
func (r *recording) visibleAt(v *view) bool { return r.addMicros <= v.asOf*1_000_000 }

func (r *recording) id(k *recKeys) string {
	var b [uuidLen]byte
	k.ids.encode(&b, r.callID*2+int64(r.part))
	return string(b[:])
}

// findRecording decodes a recording id to the recording it names.
func (s *Server) findRecording(k *recKeys, v *view, id string) (recording, bool) {
	n, ok := k.ids.decode(strings.ToLower(id))
	if !ok || n < 0 {
		return recording{}, false
	}
	callID, part := n/2, int(n%2)
	j := int(callID - s.idBase)
	if callID < s.idBase || j >= len(v.calls) || !v.visible(j) {
		return recording{}, false
	}
	rs, count := s.recordingsOf(k, v, j)
	if part >= count || !rs[part].visibleAt(v) {
		return recording{}, false
	}
	return rs[part], true
}

// mediaSig signs a media path, so the URL is its own access (a capability,
// like a storage service's signed URL).
func (k *recKeys) mediaSig(name string) string {
	m := hmac.New(sha256.New, k.sig)
	m.Write([]byte(name))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// mediaPrefix is the media route: {base}/media/recordings/{id}.{format}.
const mediaPrefix = "/media/recordings/"

// baseURL is the sandbox's own address as the client reached it: the
// sandbox cannot know it otherwise (it may sit behind a prefix or a port
// chosen at start).
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix := ""
	if raw := r.RequestURI; raw != "" && !strings.HasPrefix(raw, "http") {
		p, _, _ := strings.Cut(raw, "?")
		if ep := r.URL.EscapedPath(); strings.HasSuffix(p, ep) {
			prefix = strings.TrimSuffix(p, ep) // mounted under http.StripPrefix
		}
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + prefix
}

// appendRecording appends one recording object, keys in alphabetical
// order like every object the sandbox writes.
func (s *Server) appendRecording(b []byte, k *recKeys, r *recording, base string) []byte {
	id := r.id(k)
	name := id + "." + r.format
	num := func(b []byte, v int64) []byte {
		if r.stringy {
			b = append(b, '"')
			b = appendInt(b, v)
			return append(b, ".00000\""...)
		}
		return appendInt(b, v)
	}
	add := time.UnixMicro(r.addMicros).In(s.loc).Format("2006-01-02 15:04:05.999999-07:00")
	b = append(b, '{')
	b = appendKey(b, "add_time")
	b = appendString(b, add)
	b = append(b, ',')
	b = appendKey(b, "call_uuid")
	b = appendString(b, s.callUUID(r))
	b = append(b, ',')
	b = appendKey(b, "conference_name")
	b = append(b, "null"...)
	b = append(b, ',')
	b = appendKey(b, "from_number")
	b = appendString(b, r.callerNum)
	b = append(b, ',')
	b = appendKey(b, "recording_duration_ms")
	b = num(b, r.durationMS)
	b = append(b, ',')
	b = appendKey(b, "recording_end_ms")
	b = num(b, r.endMS)
	b = append(b, ',')
	b = appendKey(b, "recording_format")
	b = appendString(b, r.format)
	b = append(b, ',')
	b = appendKey(b, "recording_id")
	b = appendString(b, id)
	b = append(b, ',')
	b = appendKey(b, "recording_start_ms")
	b = num(b, r.startMS)
	b = append(b, ',')
	b = appendKey(b, "recording_type")
	b = appendString(b, "call")
	b = append(b, ',')
	b = appendKey(b, "recording_url")
	b = appendString(b, base+mediaPrefix+name+"?sig="+k.mediaSig(name))
	b = append(b, ',')
	b = appendKey(b, "resource_uri")
	b = appendString(b, "/api/v1/Account/"+s.opts.AuthID+"/Recording/"+id+"/")
	b = append(b, ',')
	// Billed by the started minute, in seconds.
	b = appendKey(b, "rounded_recording_duration")
	b = appendInt(b, (r.durationMS+59_999)/60_000*60)
	b = append(b, ',')
	b = appendKey(b, "to_number")
	b = appendString(b, r.calleeNum)
	return append(b, '}')
}

// recQuery is a parsed list request.
type recQuery struct {
	callUUID         string
	hasCall          bool
	from, to         string
	gte, lt          int64 // add_time bounds in epoch µs, [gte, lt)
	limit, offset    int
	rawWithoutOffset url.Values
}

// recTimeLayouts are the add_time filter forms: the API's own
// "YYYY-MM-DD HH:MM[:SS[.ffffff]]" (read as UTC) and RFC 3339.
var recTimeLayouts = []string{
	"2006-01-02 15:04:05.999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04:05.999999",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999Z07:00",
}

func parseRecTime(v string) (int64, bool) {
	v = strings.TrimSpace(v)
	for _, l := range recTimeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// parseRecQuery validates the list parameters; a refusal is a 400 in the
// documented error shape.
func parseRecQuery(q url.Values) (*recQuery, *apiError) {
	rq := &recQuery{limit: vobiz.DefaultRecordingLimit, gte: -1 << 62, lt: 1 << 62}
	var errs []vobiz.FieldError
	intParam := func(name string, lo, hi int, msg string) int {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return -1
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			errs = append(errs, vobiz.FieldError{Field: name, Message: msg})
			return -1
		}
		return n
	}
	if n := intParam(vobiz.ParamRecLimit, 1, vobiz.MaxRecordingLimit, "limit must be a whole number between 1 and 100."); n > 0 {
		rq.limit = n
	}
	if n := intParam(vobiz.ParamRecOffset, 0, 1<<30, "offset must be a whole number, 0 or more."); n > 0 {
		rq.offset = n
	}
	if v := q.Get(vobiz.ParamRecCallUUID); v != "" {
		rq.callUUID, rq.hasCall = strings.TrimSpace(v), true
	}
	rq.from = strings.TrimSpace(q.Get(vobiz.ParamRecFromNumber))
	rq.to = strings.TrimSpace(q.Get(vobiz.ParamRecToNumber))
	for _, b := range []struct {
		name  string
		apply func(int64)
	}{
		{"add_time__gte", func(t int64) { rq.gte = max(rq.gte, t) }},
		{"add_time__gt", func(t int64) { rq.gte = max(rq.gte, t+1) }},
		{"add_time__lte", func(t int64) { rq.lt = min(rq.lt, t+1) }},
		{"add_time__lt", func(t int64) { rq.lt = min(rq.lt, t) }},
	} {
		v := q.Get(b.name)
		if v == "" {
			continue
		}
		t, ok := parseRecTime(v)
		if !ok {
			errs = append(errs, vobiz.FieldError{Field: b.name,
				Message: "Use YYYY-MM-DD HH:MM[:SS[.ffffff]] (UTC) or an RFC 3339 time."})
			continue
		}
		b.apply(t)
	}
	if len(errs) > 0 {
		return nil, validationError(&vobiz.ValidationError{Fields: errs}, q)
	}
	rq.rawWithoutOffset = url.Values{}
	for key, vals := range q {
		if key != vobiz.ParamRecOffset && key != vobiz.ParamRecLimit {
			rq.rawWithoutOffset[key] = vals
		}
	}
	return rq, nil
}

// recKey orders recordings newest add_time first.
type recKey struct {
	add  int64
	j    int32
	part int8
}

// matchRecordings lists the recordings rq selects, newest first.
func (s *Server) matchRecordings(k *recKeys, v *view, rq *recQuery) []recKey {
	var out []recKey
	consider := func(j int) {
		rs, n := s.recordingsOf(k, v, j)
		for _, r := range rs[:n] {
			if !r.visibleAt(v) || r.addMicros < rq.gte || r.addMicros >= rq.lt {
				continue
			}
			if rq.from != "" && normalizeNumber(rq.from) != normalizeNumber(r.callerNum) {
				continue
			}
			if rq.to != "" && normalizeNumber(rq.to) != normalizeNumber(r.calleeNum) {
				continue
			}
			out = append(out, recKey{r.addMicros, int32(j), int8(r.part)})
		}
	}
	if rq.hasCall {
		if j, ok := s.indexOf(v, s.uuidKeys, rq.callUUID); ok {
			consider(j)
		}
	} else {
		// Calls are sorted by start and a recording is added after its
		// call started, within a call's longest span (ring + talk + 8 s).
		hi := len(v.calls)
		if rq.lt < 1<<62 {
			limit := rq.lt/1_000_000 - s.epoch + 1
			hi = sortSearchStart(v.calls, limit)
		}
		lo := 0
		if rq.gte > -1<<62 {
			lo = sortSearchStart(v.calls, rq.gte/1_000_000-s.epoch-(1<<16)-256-10)
		}
		for j := lo; j < min(hi, v.n); j++ {
			consider(j)
		}
		for _, j := range v.extra {
			if int(j) >= lo && int(j) < hi {
				consider(int(j))
			}
		}
	}
	slices.SortFunc(out, func(a, b recKey) int {
		switch {
		case a.add != b.add:
			return cmpInt64(b.add, a.add)
		case a.j != b.j:
			return int(b.j - a.j)
		}
		return int(b.part - a.part)
	})
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortSearchStart returns the first index whose start is >= rel seconds
// from the epoch.
func sortSearchStart(calls []call, rel int64) int {
	if rel <= 0 {
		return 0
	}
	lo, hi := 0, len(calls)
	for lo < hi {
		m := (lo + hi) / 2
		if int64(calls[m].start) < rel {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// serveRecordings answers the list.
func (s *Server) serveRecordings(rq *request) {
	q, apiErr := parseRecQuery(rq.r.URL.Query())
	if apiErr != nil {
		s.writeError(rq, apiErr)
		return
	}
	k := s.recKeys()
	v := s.current()
	all := s.matchRecordings(&k, v, q)
	total := len(all)
	page := all[min(q.offset, total):min(q.offset+q.limit, total)]
	base := baseURL(rq.r)
	path := "/api/v1/Account/" + s.opts.AuthID + "/Recording/"
	link := func(offset int) []byte {
		vals := url.Values{}
		for key, v := range q.rawWithoutOffset {
			vals[key] = v
		}
		vals.Set(vobiz.ParamRecLimit, strconv.Itoa(q.limit))
		vals.Set(vobiz.ParamRecOffset, strconv.Itoa(offset))
		return appendString(nil, path+"?"+vals.Encode())
	}
	b := getBuf()
	defer putBuf(b)
	out := append((*b)[:0], '{')
	out = appendKey(out, "api_id")
	out = appendString(out, apiID(rq.reqID))
	out = append(out, ',')
	out = appendKey(out, "meta")
	out = append(out, '{')
	out = appendKey(out, "limit")
	out = appendInt(out, int64(q.limit))
	out = append(out, ',')
	out = appendKey(out, "next")
	if q.offset+q.limit < total {
		out = append(out, link(q.offset+q.limit)...)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, ',')
	out = appendKey(out, "offset")
	out = appendInt(out, int64(q.offset))
	out = append(out, ',')
	out = appendKey(out, "previous")
	if q.offset > 0 {
		out = append(out, link(max(0, q.offset-q.limit))...)
	} else {
		out = append(out, "null"...)
	}
	out = append(out, ',')
	out = appendKey(out, "total_count")
	out = appendInt(out, int64(total))
	out = append(out, "},"...)
	out = appendKey(out, "objects")
	out = append(out, '[')
	for i, key := range page {
		if i > 0 {
			out = append(out, ',')
		}
		rs, _ := s.recordingsOf(&k, v, int(key.j))
		r := rs[key.part]
		out = s.appendRecording(out, &k, &r, base)
	}
	out = append(out, "]}"...)
	*b = out
	s.writeJSON(rq, out)
}

// apiID turns a request id into the api_id the Recording API echoes.
func apiID(reqID string) string {
	h := mix64(uint64(len(reqID)))
	for i := 0; i < len(reqID); i++ {
		h = mix64(h ^ uint64(reqID[i]))
	}
	var b [uuidLen]byte
	newIDKeys(int64(h), kindRecording).encode(&b, int64(h>>1))
	return string(b[:])
}

var errRecordingNotFound = &apiError{status: http.StatusNotFound, code: "NOT_FOUND", message: "Recording not found."}

// serveRecording answers get-one: the object with the request's api_id.
func (s *Server) serveRecording(rq *request, id string) {
	k := s.recKeys()
	r, ok := s.findRecording(&k, s.current(), id)
	if !ok {
		s.writeError(rq, errRecordingNotFound)
		return
	}
	b := getBuf()
	defer putBuf(b)
	out := append((*b)[:0], `{"api_id":`...)
	out = appendString(out, apiID(rq.reqID))
	out = append(out, ',')
	obj := s.appendRecording(nil, &k, &r, baseURL(rq.r))
	out = append(out, obj[1:]...)
	*b = out
	s.writeJSON(rq, out)
}

// planOf returns the audio plan of r.
func planOf(r *recording) *audioPlan {
	return newAudioPlan(r.hash, r.durationMS, r.channels, r.oneWay)
}

// audioOf returns r's audio file.
func audioOf(r *recording) (audioFile, string) {
	p := planOf(r)
	if r.format == "mp3" {
		return newMP3(p), "audio/mpeg"
	}
	return newWAV(p), "audio/wav"
}

var errBadSignature = &apiError{status: http.StatusForbidden, code: "FORBIDDEN",
	message: "The recording URL is not valid or has expired."}

// serveMedia answers GET {base}/media/recordings/{id}.{format}?sig=…:
// no credentials, the signature is the access.
func (s *Server) serveMedia(rq *request, name string) {
	f := s.faults.Load()
	ctx := rq.r.Context()
	if d := f.f.RecordingSlowStart; d > 0 && !f.wait(ctx, d) && ctx.Err() != nil {
		return
	}
	if st := f.f.RecordingURLExpired; st == http.StatusForbidden || st == http.StatusNotFound {
		s.writeError(rq, &apiError{status: st, code: map[int]string{403: "FORBIDDEN", 404: "NOT_FOUND"}[st],
			message: "The recording URL has expired."})
		return
	}
	k := s.recKeys()
	got := rq.r.URL.Query().Get("sig")
	if !hmac.Equal([]byte(got), []byte(k.mediaSig(name))) {
		s.writeError(rq, errBadSignature)
		return
	}
	id, format, _ := strings.Cut(name, ".")
	r, ok := s.findRecording(&k, s.current(), id)
	if !ok || r.format != format {
		s.writeError(rq, errRecordingNotFound)
		return
	}
	file, ct := audioOf(&r)
	h := rq.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "private, max-age=3600")
	w := rq.w
	if n := f.f.RecordingCutAfterBytes; n > 0 {
		w = &cutWriter{ResponseWriter: rq.w, bw: &bodyWriter{w: rq.w, ctx: ctx, resetAfter: n}}
	}
	modified := time.UnixMicro(r.addMicros).Truncate(time.Second)
	http.ServeContent(w, rq.r, name, modified, ioSectionReader(file))
}

// cutWriter applies RecordingCutAfterBytes to http.ServeContent's writes.
type cutWriter struct {
	http.ResponseWriter
	bw *bodyWriter
}

func (c *cutWriter) Write(p []byte) (int, error) { return c.bw.Write(p) }

func ioSectionReader(f audioFile) *io.SectionReader { return io.NewSectionReader(f, 0, f.Size()) }

// RecordingScenario describes one recording of the data set, so tests can
// pick one of each kind (two parts, two channels, one-way audio).
type RecordingScenario struct {
	CallUUID, RecordingID, Format string
	Channels                      int
	Duration                      time.Duration
	// SilentChannel is 0 when both sides have audio throughout, else the
	// channel (1 or 2) that is digitally silent from SilentFrom to the end.
	SilentChannel int
	SilentFrom    time.Duration
}

// RecordingScenarios lists every recording served now, oldest call
// first. It walks the whole data set (about 50 ms for 100,000 calls) and
// allocates one entry per recording (about 40% of answered calls), so
// call it once per test, not per request.
func (s *Server) RecordingScenarios() []RecordingScenario {
	k := s.recKeys()
	v := s.current()
	var out []RecordingScenario
	add := func(j int) {
		rs, n := s.recordingsOf(&k, v, j)
		for _, r := range rs[:n] {
			if !r.visibleAt(v) {
				continue
			}
			sc := RecordingScenario{CallUUID: s.callUUID(&r), RecordingID: r.id(&k), Format: r.format,
				Channels: r.channels, Duration: time.Duration(r.durationMS) * time.Millisecond}
			if r.oneWay {
				sc.SilentChannel, sc.SilentFrom = 2, oneWayFromSec*time.Second
			}
			out = append(out, sc)
		}
	}
	for j := range v.n {
		add(j)
	}
	for _, j := range v.extra {
		add(int(j))
	}
	return out
}
