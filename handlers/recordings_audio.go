package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// recError is a recording request's failure as the listener sees it, as
// a page or, for the player's script, as JSON. VobizRequestID is the
// upstream's ID, RequestID cdrdash's own (filled in when written).
type recError struct {
	Status         int    `json:"-"`
	Title          string `json:"title"`
	Message        string `json:"message"`
	RequestID      string `json:"request_id"`
	VobizRequestID string `json:"vobiz_request_id,omitempty"`
	retryAfter     int
	cause          error
}

func (e *recError) Error() string {
	if e.cause != nil {
		return strconv.Itoa(e.Status) + " " + e.Title + ": " + e.cause.Error()
	}
	return strconv.Itoa(e.Status) + " " + e.Title
}

func (e *recError) Unwrap() error { return e.cause }

// wantsJSON reports whether the request asked for a JSON error (the
// player's script does, to show the message next to the player).
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

// writeRecError answers a failed recording request. Neither the page, the
// JSON nor the log line carries the recording_url: errors from the vobiz
// package never contain it (docs/recordings.md#the-audio-proxy).
func (h *Handler) writeRecError(w http.ResponseWriter, r *http.Request, e *recError) {
	e.RequestID = requestID(r.Context())
	if e.Status == statusClientGone {
		h.Log.Debug("recording request cancelled", "request_id", e.RequestID)
		return // nobody is listening for an answer
	}
	h.Log.Log(r.Context(), slogLevelFor(e.Status), "recording request failed", "status", e.Status,
		"path", r.URL.Path, "request_id", e.RequestID, "vobiz_request_id", e.VobizRequestID, "err", e.cause)
	hd := w.Header()
	hd.Del("Content-Disposition")
	hd.Set("Cache-Control", "no-store")
	if e.retryAfter > 0 {
		hd.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if wantsJSON(r) {
		hd.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(e)
		return
	}
	msg := e.Message
	if e.VobizRequestID != "" {
		msg += " Vobiz request ID: " + e.VobizRequestID + "."
	}
	v := views.ErrorView{Status: e.Status, Title: e.Title, Message: msg, RequestID: e.RequestID}
	if e.retryAfter > 0 {
		v.RetryIn = strconv.Itoa(e.retryAfter) + " s"
	}
	if err := h.render(w, r, e.Status, views.ErrorPage(h.page(r, e.Title, ""), v)); err != nil {
		h.Log.Error("render error page", "err", err)
		http.Error(w, http.StatusText(e.Status), e.Status)
	}
}

// recordingFor checks a recording request and returns the recording:
// the call and recording ids' shape, the permission, the per-user rate
// limit (when fetch is true), and that the recording belongs to the call
// in the address, so no call's URL opens another call's audio.
func (h *Handler) recordingFor(r *http.Request, fetch bool) (*vobiz.Recording, *recError) {
	callUUID, id := chi.URLParam(r, "uuid"), chi.URLParam(r, "id")
	if !isCallUUID(callUUID) {
		return nil, &recError{Status: http.StatusBadRequest, Title: "That is not a call ID",
			Message: "A call is opened by its UUID, like 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b."}
	}
	if !isRecordingID(id) {
		return nil, &recError{Status: http.StatusBadRequest, Title: "That is not a recording ID",
			Message: "A recording ID is up to 64 letters, digits and dashes, as the call page links it."}
	}
	if e := h.checkListen(r); e != nil {
		return nil, e
	}
	if fetch {
		if e := h.takeRecordingToken(r); e != nil {
			return nil, e
		}
	}
	if h.Recordings == nil {
		return nil, &recError{Status: http.StatusNotFound, Title: "Not found",
			Message: "This cdrdash has no Recording API configured."}
	}
	rec, err := h.Recordings.GetRecording(r.Context(), id)
	if err != nil {
		return nil, recUpstreamError(err, "looking the recording up")
	}
	if !strings.EqualFold(string(rec.CallUUID), callUUID) {
		return nil, &recError{Status: http.StatusNotFound, Title: "Not found",
			Message: "This call has no recording with that ID."}
	}
	return rec, nil
}

// checkListen applies CDRDASH_RECORDINGS.
func (h *Handler) checkListen(r *http.Request) *recError {
	switch {
	case h.recordingAccess() == RecordingsOff || h.Recordings == nil:
		return &recError{Status: http.StatusNotFound, Title: "Recordings are turned off",
			Message: "Recordings are turned off on this cdrdash."}
	case !h.mayListen(r):
		return &recError{Status: http.StatusForbidden, Title: "Admins only",
			Message: "Only administrators can listen to recordings on this cdrdash."}
	}
	return nil
}

func (h *Handler) takeRecordingToken(r *http.Request) *recError {
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		return &recError{Status: http.StatusUnauthorized, Title: "Sign in first",
			Message: "This address needs a signed-in session."}
	}
	if ok, wait := h.recs.allow(u.ID, h.Now()); !ok {
		secs := int((wait + 999_999_999) / 1_000_000_000)
		if secs < 1 {
			secs = 1
		}
		return &recError{Status: http.StatusTooManyRequests, Title: "Too many recording requests",
			Message: "You have fetched recordings faster than cdrdash allows (60 at once, then one a second). " +
				"Wait " + strconv.Itoa(secs) + " s and try again.", retryAfter: secs}
	}
	return nil
}

// recUpstreamError words a Recording API or audio failure. doing says
// what cdrdash was doing ("looking the recording up", "fetching the
// audio").
func recUpstreamError(err error, doing string) *recError {
	e := &recError{cause: err, VobizRequestID: vobizRequestID(err)}
	var apiErr *vobiz.APIError
	isAudio := errors.As(err, &apiErr) && apiErr.Endpoint == "recording_audio"
	switch {
	case errors.Is(err, context.Canceled):
		e.Status, e.Title, e.Message = statusClientGone, "Request cancelled", "The request was cancelled."
	case isAudio && apiErr.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		e.Status, e.Title = http.StatusRequestedRangeNotSatisfiable, "Range not available"
		e.Message = "The part of the recording asked for lies beyond its end."
	case isAudio && (errors.Is(err, vobiz.ErrNotFound) || errors.Is(err, vobiz.ErrForbidden) ||
		errors.Is(err, vobiz.ErrUnauthorized) || apiErr.StatusCode == http.StatusGone):
		e.Status, e.Title = http.StatusBadGateway, "Vobiz refused the recording's link"
		e.Message = "Vobiz refused the recording's link (it may have expired). Reload the call page to try " +
			"again; if it keeps happening, quote the request IDs to Vobiz support."
	case errors.Is(err, vobiz.ErrNotFound):
		e.Status, e.Title = http.StatusNotFound, "Not found"
		e.Message = "Vobiz has no recording with that ID."
	case errors.Is(err, vobiz.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		e.Status, e.Title = http.StatusGatewayTimeout, "Vobiz did not answer in time"
		e.Message = "Vobiz took too long " + doing + ". Try again in a moment."
	case errors.Is(err, vobiz.ErrRateLimited):
		e.Status, e.Title = http.StatusServiceUnavailable, "Vobiz is rate-limiting"
		e.Message = "Vobiz is limiting how fast cdrdash may ask for recordings. Try again in a moment."
		e.retryAfter = 5
		if d, ok := vobiz.RetryAfter(err); ok && d > 0 {
			e.retryAfter = int((d + 999_999_999) / 1_000_000_000)
		}
	case errors.Is(err, vobiz.ErrUnauthorized), errors.Is(err, vobiz.ErrForbidden):
		e.Status, e.Title = http.StatusBadGateway, "Vobiz refused cdrdash's credentials"
		e.Message = "The Recording API rejected the configured auth ID or token. An administrator should check " +
			"VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN."
	case apiErr != nil || errors.Is(err, vobiz.ErrUnavailable) || errors.Is(err, vobiz.ErrBadResponse):
		e.Status, e.Title = http.StatusBadGateway, "Vobiz could not answer"
		e.Message = "Vobiz failed while " + doing + ". Try again; if it keeps happening, quote the request IDs " +
			"to Vobiz support."
	default:
		e.Status, e.Title = http.StatusInternalServerError, "Something went wrong"
		e.Message = "cdrdash hit an unexpected problem " + doing + ". It has been logged."
	}
	return e
}

// statusClientGone marks a request whose client went away (nginx's 499):
// nothing is written for it.
const statusClientGone = 499

// streamBufSize bounds the memory one listener holds.
const streamBufSize = 32 << 10

// serveRecording is the audio proxy (docs/recordings.md#the-audio-proxy):
// cdrdash fetches the audio from the recording_url, which only it knows,
// and streams it with the browser's Range passed through, so seeking works
// and the link never reaches the browser. download sends it as a file.
func (h *Handler) serveRecording(download bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, e := h.recordingFor(r, true)
		if e != nil {
			h.writeRecError(w, r, e)
			return
		}
		rng := strings.TrimSpace(r.Header.Get("Range"))
		if len(rng) > 200 || !strings.HasPrefix(rng, "bytes=") {
			rng = "" // not a byte range this proxy passes on: answer the whole file
		}
		audio, err := h.Recordings.OpenRecordingAudio(r.Context(), rec, rng)
		if err != nil {
			h.writeRecError(w, r, recUpstreamError(err, "fetching the audio"))
			return
		}
		defer audio.Body.Close()

		callUUID := strings.ToLower(chi.URLParam(r, "uuid"))
		details := map[string]string{"call_id": callUUID, "recording_id": string(rec.ID)}
		switch {
		case download:
			h.recordAudit(r, auth.ActionRecordingDownload, details)
		case rangeStartsAtZero(rng):
			// A playback starts at byte 0; seeks ask for later bytes and are
			// not new plays (docs/recordings.md#audit).
			h.recordAudit(r, auth.ActionRecordingPlay, details)
		}

		status := audio.StatusCode
		if status != http.StatusPartialContent {
			status = http.StatusOK
		}
		length, contentRange := audio.ContentLength, audio.ContentRange
		var body io.Reader = audio.Body
		if status == http.StatusOK && rng != "" && length >= 0 {
			// The upstream ignored the Range: serve it ourselves, so that
			// seeking still works.
			start, end, ok := singleRange(rng, length)
			switch {
			case !ok && start < 0:
				// Unparseable or several ranges: the whole file, as RFC 9110 allows.
			case !ok:
				w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(length, 10))
				h.writeRecError(w, r, &recError{Status: http.StatusRequestedRangeNotSatisfiable,
					Title: "Range not available", Message: "The part of the recording asked for lies beyond its end."})
				return
			default:
				if _, err := io.CopyN(io.Discard, audio.Body, start); err != nil {
					h.writeRecError(w, r, recUpstreamError(&vobiz.APIError{Endpoint: "recording_audio",
						RequestID: audio.RequestID, Err: err}, "fetching the audio"))
					return
				}
				body = io.LimitReader(audio.Body, end-start+1)
				contentRange = "bytes " + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end, 10) + "/" +
					strconv.FormatInt(length, 10)
				length = end - start + 1
				status = http.StatusPartialContent
			}
		}

		hd := w.Header()
		ct := audio.ContentType
		if ct == "" {
			ct = vobiz.ContentTypeFor(string(rec.Format))
		}
		hd.Set("Content-Type", ct)
		if length >= 0 {
			hd.Set("Content-Length", strconv.FormatInt(length, 10))
		}
		if status == http.StatusPartialContent && contentRange != "" {
			hd.Set("Content-Range", contentRange)
		}
		hd.Set("Accept-Ranges", "bytes")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		disposition := "inline"
		if download {
			disposition = "attachment"
		}
		hd.Set("Content-Disposition", mime.FormatMediaType(disposition,
			map[string]string{"filename": recordingFilename(callUUID, string(rec.ID), string(rec.Format))}))
		w.WriteHeader(status)
		if r.Method == http.MethodHead {
			return
		}
		n, err := streamAudio(w, body)
		if err != nil && r.Context().Err() == nil {
			// Vobiz cut the stream, or the listener went away: the response
			// ends short (net/http closes the connection, as the length no
			// longer holds) and the player reports it.
			h.Log.Warn("recording stream cut", "request_id", requestID(r.Context()),
				"vobiz_request_id", audio.RequestID, "bytes", n, "err", err)
		}
	}
}

// streamIdle is how long a listener may stop reading (a paused player
// with a full buffer) before the connection is closed; the browser asks
// again with a Range when playback resumes.
const streamIdle = 10 * time.Minute

// streamAudio copies body to w through one bounded buffer. Each chunk
// written moves the write deadline on, so a long recording played in real
// time outlives CDRDASH_WRITE_TIMEOUT while data flows, and a stalled
// listener still lets go of the connection.
func streamAudio(w http.ResponseWriter, body io.Reader) (int64, error) {
	rc := http.NewResponseController(w)
	buf := make([]byte, streamBufSize)
	var total int64
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(streamIdle)) // not every writer supports it; then the server's timeout holds
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// rangeStartsAtZero reports whether a request starts a playback: no Range,
// or one starting at byte 0.
func rangeStartsAtZero(rng string) bool {
	if rng == "" {
		return true
	}
	spec := strings.TrimSpace(strings.TrimPrefix(rng, "bytes="))
	return strings.HasPrefix(spec, "0-")
}

// singleRange reads one "bytes=a-b", "bytes=a-" or "bytes=-n" range
// against a file of length bytes. ok is false with start -1 when the
// header is not a single range cdrdash can serve (the whole file is sent),
// and false with start >= 0 when it lies past the end (416).
func singleRange(rng string, length int64) (start, end int64, ok bool) {
	spec := strings.TrimSpace(strings.TrimPrefix(rng, "bytes="))
	if strings.Contains(spec, ",") {
		return -1, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return -1, 0, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return -1, 0, false
		}
		if n > length {
			n = length
		}
		if length == 0 {
			return 0, 0, false
		}
		return length - n, length - 1, true
	}
	s, err := strconv.ParseInt(a, 10, 64)
	if err != nil || s < 0 {
		return -1, 0, false
	}
	e := length - 1
	if b != "" {
		e, err = strconv.ParseInt(b, 10, 64)
		if err != nil || e < s {
			return -1, 0, false
		}
		if e > length-1 {
			e = length - 1
		}
	}
	if s >= length {
		return s, 0, false
	}
	return s, e, true
}
