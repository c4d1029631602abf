package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Event is one row of the append-only audit trail.
type Event struct {
	ID       int64
	At       time.Time
	Username string // who acted ("" for anonymous); kept even if the user is renamed or removed
	UserID   *int64 // nil when the actor is not a known user (failed sign-in, CLI)
	ClientIP string
	Action   string // dotted name, for example "login.success"; see auth.Action*
	Details  string // free text or JSON; never contains secrets
}

// EventFilter selects audit events for ListEvents. Zero fields do not filter.
type EventFilter struct {
	Username string    // exact match
	Action   string    // exact match, or a prefix when it ends with "." (e.g. "login.")
	Since    time.Time // At >= Since
	Until    time.Time // At < Until
	Limit    int       // page size; default DefaultEventLimit, capped at MaxEventLimit
	Offset   int       // rows to skip
}

// Page size limits for ListEvents.
const (
	DefaultEventLimit = 50
	MaxEventLimit     = 1000
)

// InsertEvent appends an event and returns its id. A zero At is set to now.
func (db *DB) InsertEvent(ctx context.Context, e Event) (int64, error) {
	if e.At.IsZero() {
		e.At = db.now()
	}
	var uid sql.NullInt64
	if e.UserID != nil {
		uid = sql.NullInt64{Int64: *e.UserID, Valid: true}
	}
	var id int64
	err := db.queryRowHot(ctx, `INSERT INTO audit_events
		(at, username, user_id, client_ip, action, details) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		micros(e.At), e.Username, uid, e.ClientIP, e.Action, e.Details).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert event %q: %w", e.Action, err)
	}
	return id, nil
}

// ListEvents returns one page of events matching f, newest first, and the
// total number of matching events (for pagination).
func (db *DB) ListEvents(ctx context.Context, f EventFilter) ([]Event, int, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Username != "" {
		add("username = $?", f.Username)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			// Prefix match without LIKE so '_' and '%' in names stay literal.
			add("substr(action, 1, "+fmt.Sprint(len(f.Action))+") = $?", f.Action)
		} else {
			add("action = $?", f.Action)
		}
	}
	if !f.Since.IsZero() {
		add("at >= $?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		add("at < $?", micros(f.Until))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}

	var total int
	if err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM audit_events`+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count events: %w", err)
	}

	limit := f.Limit
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	limit = min(limit, MaxEventLimit)
	offset := max(f.Offset, 0)
	pageArgs := append(args[:len(args):len(args)], limit, offset)
	query := fmt.Sprintf(`SELECT id, at, username, user_id, client_ip, action, details FROM audit_events%s
		ORDER BY at DESC, id DESC LIMIT $%d OFFSET $%d`, cond, len(args)+1, len(args)+2)
	rows, err := db.sql.QueryContext(ctx, db.q(query), pageArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var (
			e   Event
			at  int64
			uid sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &at, &e.Username, &uid, &e.ClientIP, &e.Action, &e.Details); err != nil {
			return nil, 0, fmt.Errorf("store: list events: %w", err)
		}
		e.At = fromMicros(at)
		if uid.Valid {
			id := uid.Int64
			e.UserID = &id
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: list events: %w", err)
	}
	return out, total, nil
}

// ListEventActions returns the distinct action names present in the trail,
// sorted, for a filter drop-down.
func (db *DB) ListEventActions(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT action FROM audit_events ORDER BY action`)
	if err != nil {
		return nil, fmt.Errorf("store: list event actions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("store: list event actions: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list event actions: %w", err)
	}
	return out, nil
}
