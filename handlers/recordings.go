package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// RecordingSource is what the call page needs from the Recording API
// (docs/vobiz-api.md#recordings). *vobiz.Client implements it.
type RecordingSource interface {
	CallRecordings(ctx context.Context, callUUID string) ([]vobiz.Recording, error)
	GetRecording(ctx context.Context, id string) (*vobiz.Recording, error)
	OpenRecordingAudio(ctx context.Context, r *vobiz.Recording, rangeHeader string) (*vobiz.Audio, error)
}

// Who may listen to recordings (CDRDASH_RECORDINGS,
// docs/recordings.md#who-may-listen).
const (
	RecordingsAll   = "all"
	RecordingsAdmin = "admin"
	RecordingsOff   = "off"
)

// recordingsListTimeout bounds the call page's wait for the recordings
// list: the rest of the page must not wait on a slow Recording API.
const recordingsListTimeout = 5 * time.Second

// recordingAccess is the effective setting.
func (h *Handler) recordingAccess() string {
	switch h.RecordingAccess {
	case RecordingsAdmin, RecordingsOff:
		return h.RecordingAccess
	}
	return RecordingsAll
}

// mayListen reports whether the request's user may play and download.
func (h *Handler) mayListen(r *http.Request) bool {
	switch h.recordingAccess() {
	case RecordingsOff:
		return false
	case RecordingsAdmin:
		u, ok := auth.UserFrom(r.Context())
		return ok && auth.HasRole(u, auth.RoleAdmin)
	}
	return true
}

// isRecordingID reports whether s is shaped like a recording id: up to 64
// letters, digits, dashes and underscores (ids seen are UUIDs). Anything
// else never reaches the API.
func isRecordingID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// recordingsBox fetches the call's recordings for the call page. It never
// fails the page: whatever went wrong is what the box says
// (docs/recordings.md#what-the-call-page-shows).
func (h *Handler) recordingsBox(ctx context.Context, r *http.Request, callUUID string) *views.RecordingsBox {
	if h.Recordings == nil {
		return nil
	}
	box := &views.RecordingsBox{CanPlay: h.mayListen(r), ScriptURL: h.assetPath("js/recordings.js")}
	if h.recordingAccess() == RecordingsOff {
		box.State = views.RecordingsOff
		box.Message = "Recordings are turned off on this cdrdash."
		return box
	}
	ctx, cancel := context.WithTimeout(ctx, recordingsListTimeout)
	defer cancel()
	recs, err := h.Recordings.CallRecordings(ctx, callUUID)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return box // the viewer left or the call failed; the box is not shown
		}
		h.Log.Warn("list recordings", "call_id", callUUID, "request_id", requestID(r.Context()), "err", err)
		box.State = views.RecordingsError
		box.Message = recordingsListMessage(err)
		box.RequestID = requestID(r.Context())
		box.VobizRequestID = vobizRequestID(err)
		return box
	}
	if len(recs) == 0 {
		box.State = views.RecordingsNone
		box.Message = "This call was not recorded."
		return box
	}
	box.State = views.RecordingsList
	if !box.CanPlay {
		box.Message = "Only administrators can listen to recordings."
	}
	loc := h.zone(r)
	for i := range recs {
		box.Items = append(box.Items, h.recordingItem(callUUID, &recs[i], loc, i+1))
	}
	return box
}

// recordingsListMessage names what failed when the list did not come.
func recordingsListMessage(err error) string {
	switch {
	case errors.Is(err, vobiz.ErrNotFound):
		return "Your Vobiz account's API did not answer the Recording endpoint, so cdrdash cannot tell whether this " +
			"call was recorded. The rest of the call's record is below."
	case errors.Is(err, vobiz.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "Vobiz's Recording API did not answer within 5 seconds. Reload the page to try again."
	case errors.Is(err, vobiz.ErrUnauthorized), errors.Is(err, vobiz.ErrForbidden):
		return "Vobiz's Recording API refused cdrdash's credentials, so this call's recordings cannot be listed."
	case errors.Is(err, vobiz.ErrRateLimited):
		return "Vobiz's Recording API is rate-limiting cdrdash. Reload the page in a moment."
	}
	return "Vobiz's Recording API failed while listing this call's recordings. Reload the page to try again; if " +
		"it keeps happening, quote the request IDs to Vobiz support."
}

// vobizRequestID is the upstream's request ID carried by err, if any.
func vobizRequestID(err error) string {
	var apiErr *vobiz.APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}

// recordingItem is one recording as the box shows it. Only cdrdash's own
// addresses go into it: the recording_url stays on the server.
func (h *Handler) recordingItem(callUUID string, rec *vobiz.Recording, loc *time.Location, n int) views.RecordingItem {
	id := string(rec.ID)
	base := h.url("/calls/" + url.PathEscape(callUUID) + "/recordings/" + url.PathEscape(id))
	it := views.RecordingItem{
		N:           n,
		ID:          id,
		Format:      strings.ToUpper(orDash(string(rec.Format))),
		Type:        orDash(string(rec.Type)),
		AudioURL:    base,
		DownloadURL: base + "/download",
		WaveformURL: base + "/waveform",
	}
	if d := rec.Duration(); d > 0 {
		it.Duration = views.FormatClock(d)
		it.Seconds = d.Seconds()
	} else {
		it.Duration = "—"
	}
	if !rec.AddTime.IsZero() {
		it.AddedAt = views.FormatTime(rec.AddTime.Time, loc)
	} else {
		it.AddedAt = "—"
	}
	return it
}

// recordingFilename names a file: call-3f2a9c1e-rec-7c1d2e3f.mp3, the first
// eight characters of the call's and the recording's ids, so two
// recordings of one call never share a name.
func recordingFilename(callUUID, recID, format string) string {
	ext := "mp3"
	if strings.EqualFold(strings.TrimSpace(format), "wav") {
		ext = "wav"
	}
	short := callUUID
	if len(short) > 8 {
		short = short[:8]
	}
	rec := recID
	if len(rec) > 8 {
		rec = rec[:8]
	}
	return fmt.Sprintf("call-%s-rec-%s.%s", short, rec, ext)
}

// assetPath is a static file's fingerprinted URL.
func (h *Handler) assetPath(name string) string {
	if h.Assets == nil {
		return h.BasePath + "/static/missing/" + name
	}
	return h.Assets.Path(name)
}
