package vobiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
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
}

// HasNext reports whether another page follows this one.
func (l *RecordingList) HasNext() bool {
	if l.Meta.Next.Valid && strings.TrimSpace(l.Meta.Next.String) != "" {
		return true
	}
	return int64(l.Meta.Offset)+int64(len(l.Objects)) < int64(l.Meta.TotalCount) && len(l.Objects) > 0
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
// a few hundred), oldest first.
func (c *Client) CallRecordings(ctx context.Context, callUUID string) ([]Recording, error) {
	var all []Recording
	f := RecordingFilter{CallUUID: callUUID, Limit: MaxRecordingLimit}
	for page := 0; page < 5; page++ {
		l, err := c.ListRecordings(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range l.Objects {
			// A tolerant reading of the filter: an upstream that ignored
			// call_uuid must not show another call's audio on this page.
			if strings.EqualFold(string(r.CallUUID), callUUID) || r.CallUUID == "" {
				all = append(all, r)
			}
		}
		if !l.HasNext() || len(l.Objects) == 0 {
			break
		}
		f.Offset += len(l.Objects)
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
// headers only: the body streams for as long as the listener needs.
//
// Errors are *APIError with endpoint "recording_audio"; an expired or
// refused URL is ErrNotFound or ErrForbidden, and a Range the upstream
// cannot satisfy is ErrBadRequest with StatusCode 416. URL never appears
// in an error.
func (c *Client) OpenRecordingAudio(ctx context.Context, r *Recording, rangeHeader string) (*Audio, error) {
	return nil, errors.New("vobiz: OpenRecordingAudio: not built yet")
}

// ensure imports stay used while OpenRecordingAudio is being built.
var _ = mime.ParseMediaType
var _ = http.MethodGet
