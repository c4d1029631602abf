package vobiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Recording API (docs/vobiz-api.md#recordings). A CDR carries no
// recording field: a call's recordings are listed by its call_uuid.

// Recording limits (docs/vobiz-api.md#recordings).
const (
	DefaultRecordingLimit = 20
	MaxRecordingLimit     = 100
	// maxRecordingIDLen bounds a recording id in a path; ids seen are UUIDs.
	maxRecordingIDLen = 64
)

// Recording is one recording object. Every field is decoded leniently:
// recording_duration_ms has been seen as a string, add_time as
// "2026-05-07 09:45:35.79276+05:30".
//
// URL grants access to the audio to whoever holds it. It must never reach
// a browser, a log line or an error message: cdrdash streams the audio
// itself (OpenRecordingAudio).
type Recording struct {
	ID              Text    `json:"recording_id"`
	URL             Text    `json:"recording_url"`
	Format          Text    `json:"recording_format"` // "mp3" or "wav"
	CallUUID        Text    `json:"call_uuid"`
	Type            Text    `json:"recording_type"` // e.g. "call", "conference"
	DurationMS      NullInt `json:"recording_duration_ms"`
	RoundedDuration NullInt `json:"rounded_recording_duration"` // seconds
	StartMS         NullInt `json:"recording_start_ms"`         // epoch ms
	EndMS           NullInt `json:"recording_end_ms"`           // epoch ms
	AddTime         Time    `json:"add_time"`
	FromNumber      Text    `json:"from_number"`
	ToNumber        Text    `json:"to_number"`
	ConferenceName  Text    `json:"conference_name"`
	ResourceURI     Text    `json:"resource_uri"`
}

// UnmarshalJSON decodes a recording leniently (see Recording). The four
// millisecond and second counts also accept a fraction ("345100.5" or
// 345100.5), rounded to the nearest whole number: they are measurements,
// and an object must not be lost over half a millisecond.
func (r *Recording) UnmarshalJSON(b []byte) error {
	type plain Recording
	aux := struct {
		*plain
		DurationMS      json.RawMessage `json:"recording_duration_ms"`
		RoundedDuration json.RawMessage `json:"rounded_recording_duration"`
		StartMS         json.RawMessage `json:"recording_start_ms"`
		EndMS           json.RawMessage `json:"recording_end_ms"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	for _, f := range []struct {
		raw  json.RawMessage
		dst  *NullInt
		name string
	}{
		{aux.DurationMS, &r.DurationMS, "recording_duration_ms"},
		{aux.RoundedDuration, &r.RoundedDuration, "rounded_recording_duration"},
		{aux.StartMS, &r.StartMS, "recording_start_ms"},
		{aux.EndMS, &r.EndMS, "recording_end_ms"},
	} {
		if err := roundedInt(f.raw, f.dst); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// roundedInt reads a whole number, or a number with a fraction rounded to
// the nearest whole one; an absent value leaves dst unset.
func roundedInt(raw json.RawMessage, dst *NullInt) error {
	*dst = NullInt{}
	if len(raw) == 0 {
		return nil
	}
	if err := dst.UnmarshalJSON(raw); err == nil {
		return nil
	}
	var f NullFloat
	if err := f.UnmarshalJSON(raw); err != nil {
		return err
	}
	if !f.Valid || math.Abs(f.Float64) >= 1<<62 {
		return typeError(raw, nullIntType)
	}
	*dst = NullInt{Int64: int64(math.Round(f.Float64)), Valid: true}
	return nil
}

// Duration is the recording's length: recording_duration_ms, else the
// rounded seconds, else the span between start and end; 0 when unknown.
func (r *Recording) Duration() time.Duration {
	switch {
	case r.DurationMS.Valid && r.DurationMS.Int64 > 0:
		return time.Duration(r.DurationMS.Int64) * time.Millisecond
	case r.RoundedDuration.Valid && r.RoundedDuration.Int64 > 0:
		return time.Duration(r.RoundedDuration.Int64) * time.Second
	case r.StartMS.Valid && r.EndMS.Valid && r.EndMS.Int64 > r.StartMS.Int64:
		return time.Duration(r.EndMS.Int64-r.StartMS.Int64) * time.Millisecond
	}
	return 0
}

// RecordingMeta is the Recording API's paging block (offset paging, unlike
// the CDR endpoints' page/per_page).
type RecordingMeta struct {
	Limit      Int        `json:"limit"`
	Offset     Int        `json:"offset"`
	TotalCount Int        `json:"total_count"`
	Next       NullString `json:"next"`     // a path with the next offset, or null
	Previous   NullString `json:"previous"` // likewise
}

// RecordingList is the list endpoint's envelope.
type RecordingList struct {
	APIID   Text          `json:"api_id"`
	Meta    RecordingMeta `json:"meta"`
	Objects []Recording   `json:"objects"`

	// received counts the objects the page held before those without a
	// recording_id were dropped: the next page's offset moves by it.
	received int
}

// Received returns how many objects the page held as sent, before objects
// without a recording_id were dropped: the next page starts at
// Meta.Offset + Received().
func (l *RecordingList) Received() int { return max(l.received, len(l.Objects)) }

// HasNext reports whether another page follows this one: meta.next, or,
// when the upstream sent none, total_count beyond this page.
func (l *RecordingList) HasNext() bool {
	if l.Meta.Next.Valid && strings.TrimSpace(l.Meta.Next.String) != "" {
		return true
	}
	n := l.Received()
	return n > 0 && int64(l.Meta.Offset)+int64(n) < int64(l.Meta.TotalCount)
}

// RecordingFilter selects recordings. Zero fields are not sent.
type RecordingFilter struct {
	CallUUID string
	// AddedFrom and AddedBefore bound add_time (add_time__gte and
	// add_time__lt), sent as "YYYY-MM-DD HH:MM:SS" in UTC.
	AddedFrom, AddedBefore time.Time
	FromNumber, ToNumber   string
	Limit                  int // 0: the API's default (20); at most MaxRecordingLimit
	Offset                 int
}

// Recording API query parameters.
const (
	ParamRecCallUUID    = "call_uuid"
	ParamRecAddedGTE    = "add_time__gte"
	ParamRecAddedLT     = "add_time__lt"
	ParamRecFromNumber  = "from_number"
	ParamRecToNumber    = "to_number"
	ParamRecLimit       = "limit"
	ParamRecOffset      = "offset"
	recordingTimeLayout = "2006-01-02 15:04:05"
)

// Validate checks f before any request.
func (f RecordingFilter) Validate() error {
	var errs []FieldError
	if f.CallUUID != "" {
		if msg := checkUUID(f.CallUUID); msg != "" {
			errs = append(errs, FieldError{ParamRecCallUUID, msg})
		}
	}
	if f.Limit < 0 || f.Limit > MaxRecordingLimit {
		errs = append(errs, FieldError{ParamRecLimit,
			fmt.Sprintf("Limit must be a whole number between 1 and %d.", MaxRecordingLimit)})
	}
	if f.Offset < 0 {
		errs = append(errs, FieldError{ParamRecOffset, "Offset must not be negative."})
	}
	if !f.AddedFrom.IsZero() && !f.AddedBefore.IsZero() && !f.AddedFrom.Before(f.AddedBefore) {
		errs = append(errs, FieldError{ParamRecAddedLT, "The end of the add_time window must be after its start."})
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

// Values encodes f as query parameters.
func (f RecordingFilter) Values() url.Values {
	v := url.Values{}
	if f.CallUUID != "" {
		v.Set(ParamRecCallUUID, strings.ToLower(f.CallUUID))
	}
	if !f.AddedFrom.IsZero() {
		v.Set(ParamRecAddedGTE, f.AddedFrom.UTC().Format(recordingTimeLayout))
	}
	if !f.AddedBefore.IsZero() {
		v.Set(ParamRecAddedLT, f.AddedBefore.UTC().Format(recordingTimeLayout))
	}
	if f.FromNumber != "" {
		v.Set(ParamRecFromNumber, f.FromNumber)
	}
	if f.ToNumber != "" {
		v.Set(ParamRecToNumber, f.ToNumber)
	}
	if f.Limit > 0 {
		v.Set(ParamRecLimit, strconv.Itoa(f.Limit))
	}
	if f.Offset > 0 {
		v.Set(ParamRecOffset, strconv.Itoa(f.Offset))
	}
	return v
}

var (
	epRecordings = endpoint{"recordings", "list recordings"}
	epRecording  = endpoint{"recording", "get recording"}
	epAudio      = endpoint{"recording_audio", "fetch recording audio"}
)

// recordingURL is the Recording endpoint's base, next to the cdr one.
func (c *Client) recordingURL() string {
	return strings.TrimSuffix(c.cdrURL, "/cdr") + "/Recording/"
}

// ListRecordings returns one page of recordings matching f, newest first.
// Recording objects without a recording_id are dropped (nothing could play
// them). An upstream without the Recording endpoint answers ErrNotFound.
func (c *Client) ListRecordings(ctx context.Context, f RecordingFilter) (*RecordingList, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var out RecordingList
	err := c.getJSON(ctx, epRecordings, c.recordingURL()+query(f.Values()), func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		if out.Objects == nil && !hasKey(b, "objects") {
			return errors.New(`the response has no "objects" list`)
		}
		out.received = len(out.Objects)
		kept := out.Objects[:0]
		for _, r := range out.Objects {
			if strings.TrimSpace(string(r.ID)) != "" {
				kept = append(kept, r)
			}
		}
		out.Objects = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CallRecordings returns every recording of one call (all pages, at most
// a few hundred), oldest first, each recording once.
func (c *Client) CallRecordings(ctx context.Context, callUUID string) ([]Recording, error) {
	var all []Recording
	seen := map[Text]bool{}
	f := RecordingFilter{CallUUID: callUUID, Limit: MaxRecordingLimit}
	for page := 0; page < 5; page++ {
		l, err := c.ListRecordings(ctx, f)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, r := range l.Objects {
			if seen[r.ID] {
				continue
			}
			seen[r.ID] = true
			fresh++
			// A tolerant reading of the filter: an upstream that ignored
			// call_uuid must not show another call's audio on this page
			// (docs/vobiz-api.md#recordings).
			if strings.EqualFold(string(r.CallUUID), callUUID) || r.CallUUID == "" {
				all = append(all, r)
			}
		}
		// An upstream that ignores offset sends the same page again:
		// stop when a page brings nothing new.
		if !l.HasNext() || l.Received() == 0 || fresh == 0 {
			break
		}
		f.Offset += l.Received()
	}
	sortRecordingsOldestFirst(all)
	return all, nil
}

func sortRecordingsOldestFirst(rs []Recording) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && recordingBefore(rs[j], rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func recordingBefore(a, b Recording) bool {
	if !a.AddTime.Equal(b.AddTime.Time) {
		return a.AddTime.Before(b.AddTime.Time)
	}
	return a.ID < b.ID
}

// GetRecording returns one recording by its id.
func (c *Client) GetRecording(ctx context.Context, id string) (*Recording, error) {
	id = strings.TrimSpace(id)
	if id == "" || len(id) > maxRecordingIDLen || strings.ContainsAny(id, "/?#%\\") || strings.ContainsFunc(id, isControl) {
		return nil, &ValidationError{Fields: []FieldError{{"recording_id", "A recording id is up to 64 letters, digits and dashes."}}}
	}
	var out Recording
	err := c.getJSON(ctx, epRecording, c.recordingURL()+url.PathEscape(id)+"/", func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		if strings.TrimSpace(string(out.ID)) == "" {
			return errNotFoundBody
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func hasKey(b []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// Audio is an open recording stream.
type Audio struct {
	Body          io.ReadCloser
	StatusCode    int    // 200 or 206
	ContentType   string // e.g. "audio/mpeg"; from the format when upstream sent none
	ContentLength int64  // -1 when unknown
	ContentRange  string // the upstream's Content-Range on a 206
	AcceptRanges  bool
	// RequestID is the upstream's X-Request-Id, for support.
	RequestID string
}

// ContentTypeFor returns the MIME type of a recording_format.
func ContentTypeFor(format string) string {
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "wav":
		return "audio/wav"
	default:
		return "audio/mpeg"
	}
}

// OpenRecordingAudio fetches r's audio from its recording_url, passing
// rangeHeader ("bytes=0-99", or "" for all) through. The URL carries its
// own access, so the account's credentials are never sent with it (it may
// point at another host). The client's timeout bounds the wait for the
// headers only: the body streams for as long as the listener needs, and
// a stall longer than the timeout between two reads ends it with
// ErrTimeout. Only a connection failure before any header is retried.
//
// Errors are *APIError with endpoint "recording_audio"; an expired or
// refused URL is ErrNotFound (404, 410) or ErrForbidden (401, 403), and a
// Range the upstream cannot satisfy is ErrBadRequest with StatusCode 416.
// A 401 also matches ErrUnauthorized by its status: test ErrForbidden
// first, as the account's credentials were not involved. A recording
// without an http or https URL, or a 2xx that is an HTML page, is
// ErrBadResponse. The URL never appears in an error or a log line
// (docs/vobiz-api.md#recordings).
//
// A rangeHeader that is not a plain "bytes=" range is not sent: a server
// may ignore any Range, so the full audio (200) is a valid answer to it.
func (c *Client) OpenRecordingAudio(ctx context.Context, r *Recording, rangeHeader string) (*Audio, error) {
	if r == nil {
		return nil, fmt.Errorf("vobiz: %s: %w", epAudio.op,
			&APIError{Endpoint: epAudio.name, kind: ErrBadResponse, Err: errors.New("no recording")})
	}
	u, ok := audioURL(string(r.URL))
	if !ok {
		return nil, fmt.Errorf("vobiz: %s: %w", epAudio.op, &APIError{Endpoint: epAudio.name, kind: ErrBadResponse,
			Err: errors.New("the recording has no http or https recording_url")})
	}
	scrub := newURLScrubber(string(r.URL), u)
	rangeHeader = cleanRange(rangeHeader)
	format := string(r.Format)
	if format == "" {
		format = formatFromPath(u.Path)
	}
	var audio *Audio
	err := c.retry(ctx, epAudio, func(ctx context.Context) (int, error) {
		a, status, err := c.audioAttempt(ctx, u, rangeHeader, format)
		if err != nil {
			return status, scrub.apply(err)
		}
		audio = a
		return status, nil
	})
	if err != nil {
		return nil, err
	}
	return audio, nil
}

// audioURL accepts only absolute http and https URLs with a host. A
// recording_url is data from the API, and cdrdash fetches it server-side:
// any other scheme (file:, gopher:, a relative path) is refused.
func audioURL(raw string) (*url.URL, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.ContainsFunc(raw, isControl) {
		return nil, false
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, false
	}
	u.Fragment, u.RawFragment = "", ""
	return u, true
}

// cleanRange returns h when it is a byte range a browser sends
// ("bytes=0-", "bytes=100-199", "bytes=-500", several joined by commas),
// else "".
func cleanRange(h string) string {
	h = strings.TrimSpace(h)
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || spec == "" || len(h) > 200 {
		return ""
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		first, last, ok := strings.Cut(part, "-")
		if !ok || (first == "" && last == "") || strings.Trim(first, "0123456789") != "" ||
			strings.Trim(last, "0123456789") != "" {
			return ""
		}
	}
	return h
}

// formatFromPath guesses mp3 or wav from a URL path's extension, for an
// object that names no recording_format.
func formatFromPath(p string) string {
	if strings.HasSuffix(strings.ToLower(p), ".wav") {
		return "wav"
	}
	return "mp3"
}

// audioAccept prefers audio but accepts anything, so a server that
// labels its files application/octet-stream still answers.
const audioAccept = "audio/mpeg, audio/wav, audio/*;q=0.9, application/octet-stream;q=0.8, */*;q=0.1"

// maxAudioRedirects bounds the redirects a media URL may take (storage
// services commonly redirect a signed URL to a CDN).
const maxAudioRedirects = 5

// audioRedirect follows redirects to other hosts, unlike the API client's
// policy: a media request carries no credentials to leak. It never goes
// from https to plain http, and never to another scheme.
func audioRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxAudioRedirects {
		return fmt.Errorf("%w: more than %d redirects", errRedirect, len(via))
	}
	if (req.URL.Scheme != "http" && req.URL.Scheme != "https") ||
		(via[0].URL.Scheme == "https" && req.URL.Scheme != "https") {
		return fmt.Errorf("%w: it leads to plain http or another scheme", errRedirect)
	}
	// net/http copies the first request's headers onto the redirect; none
	// of them is a credential (newAudioRequest sets no auth header).
	return nil
}

// audioAttempt sends one media request and returns the unread body on a
// 2xx. Only connection failures before any header are retryable.
func (c *Client) audioAttempt(ctx context.Context, u *url.URL, rangeHeader, format string) (*Audio, int, error) {
	actx, cancel := context.WithCancelCause(ctx)
	var headerTimer *time.Timer
	if c.timeout > 0 {
		headerTimer = time.AfterFunc(c.timeout, func() { cancel(errAttemptTimeout) })
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel(nil)
		// The parse error would quote the URL: say only that it is unusable.
		return nil, 0, &APIError{Endpoint: epAudio.name, kind: ErrBadResponse, Err: errors.New("the recording_url cannot be requested")}
	}
	// No X-Auth-ID or X-Auth-Token: the URL is its own access, and it may
	// be on another host (docs/vobiz-api.md#recordings).
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", audioAccept)
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	hc := *c.hc
	hc.CheckRedirect = audioRedirect
	resp, err := hc.Do(req)
	if headerTimer != nil && !headerTimer.Stop() && err == nil {
		resp.Body.Close()
		err = context.DeadlineExceeded
	}
	if err != nil {
		defer cancel(nil)
		terr := c.transportError(ctx, actx, epAudio, 0, err)
		var ae *APIError
		if errors.As(terr, &ae) && ae.kind == ErrUnavailable && closedBeforeHeaders(err) {
			ae.retryable = true
		}
		return nil, 0, terr
	}
	status := resp.StatusCode
	reqID := cleanText(resp.Header.Get("X-Request-Id"), 128)
	if status < 200 || status > 299 {
		defer cancel(nil)
		defer resp.Body.Close()
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if rerr != nil && ctx.Err() != nil {
			return nil, status, ctx.Err()
		}
		e := newStatusError(epAudio.name, status, resp.Header, body, c.now())
		e.retryable = false // a status is an answer: the same URL answers the same way
		switch status {
		case http.StatusNotFound, http.StatusGone:
			e.kind = ErrNotFound
		case http.StatusUnauthorized, http.StatusForbidden:
			e.kind = ErrForbidden
		case http.StatusRequestedRangeNotSatisfiable:
			e.kind = ErrBadRequest
		}
		return nil, status, c.redact.apply(e)
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "text/html":
		// A login or proxy page, not audio.
		defer cancel(nil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := newBadResponse(epAudio.name, status, body, errors.New("content type text/html is not audio"))
		parseErrorBody(body, e)
		if e.RequestID == "" {
			e.RequestID = reqID
		}
		return nil, status, c.redact.apply(e)
	case strings.HasPrefix(mt, "audio/"):
		ct = mt
	default:
		// application/octet-stream, a missing type or anything else: what
		// the recording_format says it is.
		ct = ContentTypeFor(format)
	}
	ab := c.newStreamBody(ctx, actx, cancel, epAudio, resp, reqID, true)
	a := &Audio{
		Body:          ab,
		StatusCode:    status,
		ContentType:   ct,
		ContentLength: resp.ContentLength,
		AcceptRanges:  status == http.StatusPartialContent || strings.EqualFold(strings.TrimSpace(resp.Header.Get("Accept-Ranges")), "bytes"),
		RequestID:     reqID,
	}
	if status == http.StatusPartialContent {
		a.ContentRange = cleanText(resp.Header.Get("Content-Range"), 100)
	}
	return a, status, nil
}

// closedBeforeHeaders reports net/http's "server closed idle connection":
// the server closed a connection before answering, which it reports with
// an unexported error that isConnError does not know.
func closedBeforeHeaders(err error) bool {
	return strings.Contains(err.Error(), "server closed idle connection")
}

// scrubbedCause describes a mid-stream failure without any text from the
// transport, which could echo the URL.
func scrubbedCause(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case isConnError(err):
		return "connection lost"
	}
	return "read failed"
}

// urlScrubber removes a recording_url, and the parts of it that grant
// access (its query string, its path), from error text: transport errors
// and upstream error pages can quote them.
type urlScrubber []string

// minScrubLen keeps a short path such as "/a" from shredding messages.
const minScrubLen = 6

func newURLScrubber(raw string, u *url.URL) urlScrubber {
	var s urlScrubber
	for _, v := range []string{strings.TrimSpace(raw), u.String(), u.RawQuery, u.Query().Encode(),
		u.EscapedPath(), u.Path} {
		if len(v) >= minScrubLen && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	// Longest first, so the whole URL is replaced before its parts.
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}

func (s urlScrubber) string(v string) string {
	for _, secret := range s {
		v = strings.ReplaceAll(v, secret, "[recording url]")
	}
	return v
}

func (s urlScrubber) contains(v string) bool {
	for _, secret := range s {
		if strings.Contains(v, secret) {
			return true
		}
	}
	return false
}

// apply scrubs err's text; errors.Is and errors.As still see its chain.
func (s urlScrubber) apply(err error) error {
	var ae *APIError
	if errors.As(err, &ae) {
		ae.Message = s.string(ae.Message)
		ae.Code = s.string(ae.Code)
		ae.RequestID = s.string(ae.RequestID)
		if s.contains(string(ae.Body)) {
			ae.Body = []byte(s.string(string(ae.Body)))
		}
		if ae.Err != nil && s.contains(ae.Err.Error()) {
			ae.Err = &redactedError{msg: s.string(ae.Err.Error()), err: ae.Err}
		}
	}
	if err != nil && s.contains(err.Error()) {
		return &redactedError{msg: s.string(err.Error()), err: err}
	}
	return err
}
