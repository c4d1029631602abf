package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// SessionStore is an scs session store backed by the sessions table. It
// implements scs.Store, scs.CtxStore, scs.IterableStore and
// scs.IterableCtxStore, in both dialects.
//
// Expiry is checked against the store's clock (WithClock), so a session is
// invisible as soon as it expires even before housekeeping deletes it.
// Several DB instances (replicas) over one PostgreSQL database share
// sessions, since all state is in the table.
type SessionStore struct {
	db *DB

	// seen holds, per token, the row FindCtx read last, so that CommitCtx
	// can skip rewriting it unchanged (see CommitCtx).
	mu   sync.Mutex
	seen map[string]seenSession
}

type seenSession struct {
	data   []byte
	expiry time.Time
}

// maxSeen bounds the seen map; a request that finds a session but never
// commits it (a panic) would otherwise leave its entry behind.
const maxSeen = 10_000

var (
	_ scs.Store            = (*SessionStore)(nil)
	_ scs.CtxStore         = (*SessionStore)(nil)
	_ scs.IterableStore    = (*SessionStore)(nil)
	_ scs.IterableCtxStore = (*SessionStore)(nil)
)

// SessionStore returns the scs store over this database. All calls return
// the same instance; its lifetime is the DB's.
func (db *DB) SessionStore() *SessionStore { return db.sessions }

// FindCtx returns the data of an unexpired session.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var (
		b      []byte
		expiry int64
	)
	err := s.db.queryRowHot(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND expiry > $2`,
		token, micros(s.db.now())).Scan(&b, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	s.mu.Lock()
	if s.seen == nil || len(s.seen) >= maxSeen {
		s.seen = make(map[string]seenSession)
	}
	s.seen[token] = seenSession{data: bytes.Clone(b), expiry: fromMicros(expiry)}
	s.mu.Unlock()
	return b, true, nil
}

// CommitCtx inserts or replaces a session.
//
// With an idle timeout, scs commits every request's session just to move
// its expiry forward, which made a database write of every page view. A
// commit of exactly the data this request found, whose expiry moves by
// less than touchWindow, is skipped: the session then ends at most that
// much (a thirtieth of the idle timeout, at most a minute) before the idle
// timeout after its last request, instead of exactly then.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if s.unchanged(token, b, expiry) {
		return nil
	}
	_, err := s.db.execHot(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`,
		token, b, micros(expiry))
	if err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session; deleting a missing token is not an error.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	s.mu.Lock()
	delete(s.seen, token)
	s.mu.Unlock()
	if _, err := s.db.sql.ExecContext(ctx, s.db.q(`DELETE FROM sessions WHERE token = $1`), token); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// AllCtx returns every unexpired session keyed by its stored token. When
// the manager hashes tokens in the store (auth does), the keys are hashes:
// fine for reading session values with scs.SessionManager.Iterate, but
// Destroy inside Iterate cannot find them. Revoke sessions with
// DB.RevokeSessions instead.
func (s *SessionStore) AllCtx(ctx context.Context) (map[string][]byte, error) {
	rows, err := s.db.sql.QueryContext(ctx, s.db.q(`SELECT token, data FROM sessions WHERE expiry > $1`),
		micros(s.db.now()))
	if err != nil {
		return nil, fmt.Errorf("store: all sessions: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]byte)
	for rows.Next() {
		var (
			token string
			data  []byte
		)
		if err := rows.Scan(&token, &data); err != nil {
			return nil, fmt.Errorf("store: all sessions: %w", err)
		}
		out[token] = data
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: all sessions: %w", err)
	}
	return out, nil
}

// unchanged reports whether committing b with expiry would only move the
// expiry of the row FindCtx last read for token by less than touchWindow.
// The entry is used once.
func (s *SessionStore) unchanged(token string, b []byte, expiry time.Time) bool {
	s.mu.Lock()
	prev, ok := s.seen[token]
	delete(s.seen, token)
	s.mu.Unlock()
	if !ok || !bytes.Equal(prev.data, b) {
		return false
	}
	d := expiry.Sub(prev.expiry)
	return d >= 0 && d < touchWindow(expiry)
}

// touchWindow is how far an unchanged session's expiry may lag: a
// thirtieth of the time it has left (about the idle timeout, since scs
// stamps expiry as now + idle timeout), at most a minute.
func touchWindow(expiry time.Time) time.Duration {
	return min(time.Until(expiry)/30, time.Minute)
}

// Find implements scs.Store.
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (s *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// All implements scs.IterableStore.
func (s *SessionStore) All() (map[string][]byte, error) {
	return s.AllCtx(context.Background())
}

// CountActiveSessions returns the number of unexpired sessions (for metrics).
// Sessions of anonymous visitors are not stored, so this approximates the
// number of signed-in browsers.
func (db *DB) CountActiveSessions(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM sessions WHERE expiry > $1`),
		micros(db.now())).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count sessions: %w", err)
	}
	return n, nil
}

// DeleteExpiredSessions deletes sessions whose expiry has passed and
// returns how many were removed. Housekeeping calls it periodically.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE expiry <= $1`), micros(db.now()))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return n, nil
}

// DeleteAllSessions deletes every session (signs everybody out), for a CLI
// "flush sessions" command. It returns how many were removed.
func (db *DB) DeleteAllSessions(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM sessions`)
	if err != nil {
		return 0, fmt.Errorf("store: delete all sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete all sessions: %w", err)
	}
	return n, nil
}
