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
	Offset   int       // rows to skip (ListEvents only)
	// Before continues a listing after the last event of the previous page
	// (ListEventsPage): only events older than it, in (At, ID) order.
	Before EventCursor
}

// EventCursor is a position in the trail, newest first: the (At, ID) of the
// last event shown. The zero cursor is the newest end.
type EventCursor struct {
	At time.Time
	ID int64
}

// IsZero reports whether c is the newest end of the trail.
func (c EventCursor) IsZero() bool { return c.ID == 0 && c.At.IsZero() }

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
// total number of matching events. Counting reads every matching row: pages
// use ListEventsPage, which does not count.
func (db *DB) ListEvents(ctx context.Context, f EventFilter) ([]Event, int, error) {
	cond, args := eventConditions(f, false)
	var total int
	if err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM audit_events`+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count events: %w", err)
	}
	limit := eventLimit(f.Limit)
	pageArgs := append(args[:len(args):len(args)], limit, max(f.Offset, 0))
	query := fmt.Sprintf(`SELECT id, at, username, user_id, client_ip, action, details FROM audit_events%s
		ORDER BY at DESC, id DESC LIMIT $%d OFFSET $%d`, cond, len(args)+1, len(args)+2)
	out, err := db.queryEvents(ctx, query, pageArgs)
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// ListEventsPage returns up to f.Limit events matching f older than
// f.Before, newest first, and whether more follow. It walks the (at, id)
// index from the cursor (keyset pagination), so a page costs the same on a
// trail of a hundred rows or a hundred million; there is no total.
func (db *DB) ListEventsPage(ctx context.Context, f EventFilter) ([]Event, bool, error) {
	cond, args := eventConditions(f, true)
	limit := eventLimit(f.Limit)
	query := fmt.Sprintf(`SELECT id, at, username, user_id, client_ip, action, details FROM audit_events%s
		ORDER BY at DESC, id DESC LIMIT $%d`, cond, len(args)+1)
	out, err := db.queryEvents(ctx, query, append(args, limit+1))
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

func eventLimit(n int) int {
	if n <= 0 {
		n = DefaultEventLimit
	}
	return min(n, MaxEventLimit)
}

// eventConditions builds the WHERE clause for f (with the cursor when
// keyset is set) and its arguments.
func eventConditions(f EventFilter, keyset bool) (string, []any) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "$?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
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
	if keyset && !f.Before.IsZero() {
		at := micros(f.Before.At)
		add("(at < $? OR (at = $? AND id < $?))", at, at, f.Before.ID)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

func (db *DB) queryEvents(ctx context.Context, query string, args []any) ([]Event, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
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
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		e.At = fromMicros(at)
		if uid.Valid {
			id := uid.Int64
			e.UserID = &id
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	return out, nil
}

// MinAuditRetention is the shortest audit retention the database accepts
// (a CHECK on audit_retention): no event younger than this can be deleted.
const MinAuditRetention = 30 * 24 * time.Hour

// SetAuditRetention stores how long audit events are kept. The database's
// delete trigger reads it: an event can be deleted only once it is older
// than the retention (measured by the database's own clock), so the trail
// stays append-only for everything younger, whatever the application does.
func (db *DB) SetAuditRetention(ctx context.Context, d time.Duration) error {
	if d < MinAuditRetention {
		return fmt.Errorf("store: audit retention %s is shorter than the minimum %s", d, MinAuditRetention)
	}
	if _, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO audit_retention (id, micros) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET micros = excluded.micros`), d.Microseconds()); err != nil {
		return fmt.Errorf("store: set audit retention: %w", err)
	}
	return nil
}

// PruneEvents deletes audit events older than retention (from the store's
// clock) and returns how many it removed. Housekeeping calls it when a
// retention is set (WithAuditRetention).
func (db *DB) PruneEvents(ctx context.Context, retention time.Duration) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM audit_events WHERE at < $1`), micros(db.now().Add(-retention)))
	if err != nil {
		return 0, fmt.Errorf("store: prune audit events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune audit events: %w", err)
	}
	return n, nil
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
