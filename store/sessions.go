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
//
// A session that ends stays ended, even when a request that loaded it
// earlier commits it afterwards: destroyed tokens of signed-in sessions go
// on a revoked list (Revoke) that FindCtx and CommitOwnedCtx check, and a
// user's sessions end by moving the user's session epoch on and deleting
// their rows (DB.RevokeSessions), which CommitOwnedCtx checks too.
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

// SessionOwner is the user a session is signed in as: the user's id and
// the user's session epoch (store.User.SessionEpoch) when it signed in. The
// zero value is an anonymous session.
type SessionOwner struct {
	UserID int64
	Epoch  int64
}

// SessionOwnerFunc tells CommitOwnedCtx whom the encoded session data b
// belongs to. The store does not know the session encoding; package auth
// does.
type SessionOwnerFunc func(b []byte) (SessionOwner, error)

// DefaultRevocationRetention is how long DeleteCtx keeps a destroyed token
// on the revoked list: twice auth's default session lifetime. A token
// must stay listed for as long as a session with it could still be alive,
// so callers with longer sessions use Revoke with their lifetime.
const DefaultRevocationRetention = 24 * time.Hour

// findSessionQuery runs on every request that carries a session cookie. A
// revoked token is never found, even if a row for it was written again
// (a late commit racing the revocation on PostgreSQL, or a replica still
// running an older release).
const findSessionQuery = `SELECT data, expiry FROM sessions
	WHERE token = $1 AND expiry > $2
	AND NOT EXISTS (SELECT 1 FROM revoked_sessions r WHERE r.token = $1)`

// FindCtx returns the data of an unexpired session whose token has not
// been revoked.
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var (
		b      []byte
		expiry int64
	)
	err := s.db.queryRowHot(ctx, findSessionQuery, token, micros(s.db.now())).Scan(&b, &expiry)
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

// CommitCtx inserts or replaces an anonymous session (see CommitOwnedCtx).
func (s *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.CommitOwnedCtx(ctx, token, b, expiry, nil)
}

// The commit is one conditional upsert: nothing is written for a revoked
// token, nor for a signed-in session whose user has since been disabled or
// has had their sessions revoked (epoch moved on). The two dialects differ
// only in how the parameters of the SELECT are typed.
const (
	commitSessionSQLite = `INSERT INTO sessions (token, data, expiry, user_id, user_epoch)
	SELECT $1, $2, $3, $4, $5
	WHERE NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE token = $1)
	AND ($4 IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $4 AND session_epoch = $5 AND disabled = $6))
	ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry,
		user_id = excluded.user_id, user_epoch = excluded.user_epoch`
	commitSessionPostgres = `INSERT INTO sessions (token, data, expiry, user_id, user_epoch)
	SELECT CAST($1 AS TEXT), CAST($2 AS BYTEA), CAST($3 AS BIGINT), CAST($4 AS BIGINT), CAST($5 AS BIGINT)
	WHERE NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE token = $1)
	AND ($4 IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $4 AND session_epoch = $5 AND disabled = $6))
	ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry,
		user_id = excluded.user_id, user_epoch = excluded.user_epoch`

	// dropRevokedSession runs after a PostgreSQL commit wrote a row. Under
	// READ COMMITTED the upsert checks the revocations in its own snapshot:
	// when a sign-out deletes the row at the same moment, the upsert waits
	// for it and then inserts the row afresh without looking again. This
	// statement takes a new snapshot, in which that sign-out is visible.
	// (SQLite runs one writer at a time, so its upsert cannot interleave.)
	dropRevokedSession = `DELETE FROM sessions WHERE token = $1 AND (
		EXISTS (SELECT 1 FROM revoked_sessions r WHERE r.token = $1)
		OR (user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u
			WHERE u.id = sessions.user_id AND u.session_epoch = sessions.user_epoch AND u.disabled = $2)))`
)

// CommitOwnedCtx inserts or replaces a session, recording whom it belongs
// to (owner may be nil for anonymous sessions).
//
// A request loads its session before it runs and, with an idle timeout,
// commits it when it answers, so a slow request can commit a session that
// was destroyed while it ran. Such a commit writes nothing: the token is
// on the revoked list (sign-out, Revoke), or the owner is disabled or
// their session epoch has moved on (password change, role change, "sign
// out everywhere"). It returns nil then, since the request itself was
// authorised when it began; the token it sends back finds no session.
//
// With an idle timeout, scs commits every request's session just to move
// its expiry forward, which made a database write of every page view. A
// commit of exactly the data this request found, whose expiry moves by
// less than touchWindow, is skipped: the session then ends at most that
// much (a thirtieth of the idle timeout, at most a minute) before the idle
// timeout after its last request, instead of exactly then. owner is only
// called when the row is written.
func (s *SessionStore) CommitOwnedCtx(ctx context.Context, token string, b []byte, expiry time.Time, owner SessionOwnerFunc) error {
	if s.unchanged(token, b, expiry) {
		return nil
	}
	var uid, epoch sql.NullInt64
	if owner != nil {
		o, err := owner(b)
		if err != nil {
			return fmt.Errorf("store: commit session: %w", err)
		}
		if o.UserID != 0 {
			uid = sql.NullInt64{Int64: o.UserID, Valid: true}
			epoch = sql.NullInt64{Int64: o.Epoch, Valid: true}
		}
	}
	query := commitSessionSQLite
	if s.db.dialect == DialectPostgres {
		query = commitSessionPostgres
	}
	res, err := s.db.execHot(ctx, query, token, b, micros(expiry), uid, epoch, false)
	if err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	if s.db.dialect != DialectPostgres {
		return nil
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil // nothing written, nothing to take back
	}
	if _, err := s.db.execHot(ctx, dropRevokedSession, token, false); err != nil {
		return fmt.Errorf("store: commit session: recheck revocation: %w", err)
	}
	return nil
}

// DeleteCtx destroys a session, keeping a signed-in session's token
// revoked for DefaultRevocationRetention (see Revoke). Deleting a missing
// token is not an error.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.Revoke(ctx, token, DefaultRevocationRetention)
}

// Revoke destroys the session with this (stored) token. A signed-in
// session's token also goes on the revoked list for keep, which must be at
// least the longest a session may live (its absolute lifetime): until then
// neither FindCtx nor a commit accepts the token again. Anonymous sessions
// (a flash message) are only deleted: writing one back gives nobody
// anything, and listing them would let anyone fill the list for free, one
// sign-out request each. Revoking a missing token is not an error.
func (s *SessionStore) Revoke(ctx context.Context, token string, keep time.Duration) error {
	s.mu.Lock()
	delete(s.seen, token)
	s.mu.Unlock()
	tx, err := s.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: revoke session: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var owner sql.NullInt64
	err = tx.QueryRowContext(ctx, s.db.q(`DELETE FROM sessions WHERE token = $1 RETURNING user_id`), token).Scan(&owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: revoke session: %w", err)
	}
	if owner.Valid {
		if _, err := tx.ExecContext(ctx, s.db.q(`INSERT INTO revoked_sessions (token, expiry) VALUES ($1, $2)
			ON CONFLICT (token) DO UPDATE SET expiry = excluded.expiry
			WHERE revoked_sessions.expiry < excluded.expiry`),
			token, micros(s.db.now().Add(keep))); err != nil {
			return fmt.Errorf("store: revoke session: record: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: revoke session: commit: %w", err)
	}
	return nil
}

// AllCtx returns every unexpired session keyed by its stored token. When
// the manager hashes tokens in the store (auth does), the keys are hashes:
// fine for reading session values with scs.SessionManager.Iterate, but
// Destroy inside Iterate cannot find them. Revoke a user's sessions with
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

// PruneRevokedSessions deletes revocations whose keep time has passed
// (housekeeping): by then no session with that token can be alive.
func (db *DB) PruneRevokedSessions(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM revoked_sessions WHERE expiry <= $1`), micros(db.now()))
	if err != nil {
		return 0, fmt.Errorf("store: prune revoked sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune revoked sessions: %w", err)
	}
	return n, nil
}

// DeleteAllSessions deletes every session (signs everybody out), for a CLI
// "flush sessions" command. Every user's session epoch moves on in the
// same transaction, so a request still running cannot write its signed-in
// session back. It returns how many were removed.
func (db *DB) DeleteAllSessions(ctx context.Context) (int64, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: delete all sessions: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx, `UPDATE users SET session_epoch = session_epoch + 1`); err != nil {
		return 0, fmt.Errorf("store: delete all sessions: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions`)
	if err != nil {
		return 0, fmt.Errorf("store: delete all sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete all sessions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: delete all sessions: commit: %w", err)
	}
	return n, nil
}
