package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/store"
)

// Audit actions. Names are dotted so pages can filter by prefix
// (store.EventFilter{Action: "user."}).
const (
	ActionLoginSuccess   = "login.success"
	ActionLoginFailure   = "login.failure"   // details: {"reason": "unknown_user"|"bad_password"|"disabled"}
	ActionLoginThrottled = "login.throttled" // details: {"retry_after_seconds": n}
	ActionLogout         = "logout"
	ActionUserCreate     = "user.create" // details: {"target": name, "role": role}
	ActionUserPassword   = "user.password"
	ActionUserDisable    = "user.disable"
	ActionUserEnable     = "user.enable"
	ActionUserRole       = "user.role" // details: {"target": name, "from": old, "to": new}
	ActionUserRevoke     = "user.revoke_sessions"
	ActionUserUnlock     = "user.unlock"
	ActionUserDemo       = "user.demo"   // details: {"target": name, "demo": true}: marked as demo mode's account
	ActionCallView       = "call.view"   // details: e.g. {"call_id": "..."}
	ActionCallExport     = "call.export" // details: the filters and columns used
	// A recording's audio reached a browser: played (the first request of a
	// playback, not every seek) or downloaded. details: {"call_id", "recording_id"}.
	ActionRecordingPlay     = "recording.play"
	ActionRecordingDownload = "recording.download"
)

// Event is what callers pass to Audit.Record.
type Event struct {
	Action string
	// Username and UserID identify the actor. When both are empty, Record
	// takes them from the signed-in user in ctx (LoadUser).
	Username string
	UserID   int64 // 0 = none
	ClientIP string
	// Details is stored as text: a string verbatim, anything else as JSON
	// (maps, structs). JSON object keys that look secret (password, token,
	// secret, cookie, hash) are replaced by "[redacted]". Never put
	// credentials in a plain string.
	Details any
}

// Audit appends events to the trail and mirrors them to the log.
type Audit struct {
	db     *store.DB
	logger *slog.Logger
}

// NewAudit returns an Audit writing to db and logging to logger
// (slog.Default() when nil).
func NewAudit(db *store.DB, logger *slog.Logger) *Audit {
	if logger == nil {
		logger = slog.Default()
	}
	return &Audit{db: db, logger: logger}
}

// recordTimeout bounds the audit insert, which runs even if the request's
// context has been cancelled (the client went away after viewing a call).
const recordTimeout = 5 * time.Second

// Record appends e to the trail (time = store clock) and logs that it did,
// with slog at Info (failures and throttling at Warn), naming the event
// but not its details. It never fails the caller: a
// store error is logged at Error with the event attached.
func (a *Audit) Record(ctx context.Context, e Event) {
	if e.Username == "" && e.UserID == 0 {
		if u, ok := UserFrom(ctx); ok {
			e.Username, e.UserID = u.Username, u.ID
		}
	}
	details := encodeDetails(e.Details)
	se := store.Event{Username: e.Username, ClientIP: e.ClientIP, Action: e.Action, Details: details}
	if e.UserID != 0 {
		id := e.UserID
		se.UserID = &id
	}

	attrs := []slog.Attr{
		slog.String("action", e.Action),
		slog.String("username", e.Username),
		slog.String("client_ip", e.ClientIP),
	}
	if e.UserID != 0 {
		attrs = append(attrs, slog.Int64("user_id", e.UserID))
	}

	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	id, err := a.db.InsertEvent(wctx, se)
	if err != nil {
		// The details go to the log only when the trail could not keep
		// them, so the event is not lost.
		if details != "" {
			attrs = append(attrs, slog.String("details", details))
		}
		a.logger.LogAttrs(ctx, slog.LevelError, "audit: failed to store event",
			append(attrs, slog.Any("error", err))...)
		return
	}
	// Details (export filters, call ids) hold phone numbers and other
	// personal data: they stay in the audit trail, where admins read them,
	// and out of the process log, like query strings in the request log.
	level := slog.LevelInfo
	if e.Action == ActionLoginFailure || e.Action == ActionLoginThrottled {
		level = slog.LevelWarn
	}
	a.logger.LogAttrs(ctx, level, "audit", append(attrs, slog.Int64("event_id", id))...)
}

// RecordRequest records action for the signed-in user of r, from r's
// client IP.
func (a *Audit) RecordRequest(r *http.Request, action string, details any) {
	a.Record(r.Context(), Event{Action: action, ClientIP: ClientIP(r), Details: details})
}

// List returns one page of events, newest first, and the total matching.
func (a *Audit) List(ctx context.Context, f store.EventFilter) ([]store.Event, int, error) {
	return a.db.ListEvents(ctx, f)
}

func encodeDetails(d any) string {
	switch v := d.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.RawMessage:
		return redactJSON(v)
	case []byte:
		return redactJSON(v)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return `{"error":"details not encodable"}`
	}
	return redactJSON(b)
}

// redactJSON replaces the values of secret-looking keys anywhere in a JSON
// document. Input that is not JSON is returned unchanged.
func redactJSON(b []byte) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep large ids exact
	if err := dec.Decode(&v); err != nil || dec.More() {
		return string(b)
	}
	v = redact(v)
	out, err := json.Marshal(v)
	if err != nil {
		return string(b)
	}
	return string(out)
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if secretKey(k) {
				t[k] = "[redacted]"
			} else {
				t[k] = redact(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "passwd", "token", "secret", "cookie", "hash", "authorization"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}
