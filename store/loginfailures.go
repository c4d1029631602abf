package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Login failures back sign-in throttling. Each failed attempt is one row
// under a key chosen by the caller (package auth uses "ip:<address>" and
// "user:<username>"). Keeping them in the database makes the limits hold
// across replicas.

// RecordLoginFailure stores one failed attempt for key at time at.
func (db *DB) RecordLoginFailure(ctx context.Context, key string, at time.Time) error {
	if _, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO login_failures (key, at) VALUES ($1, $2)`),
		key, micros(at)); err != nil {
		return fmt.Errorf("store: record login failure: %w", err)
	}
	return nil
}

// CountLoginFailures returns the number of failures for key at or after since.
func (db *DB) CountLoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2`),
		key, micros(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count login failures: %w", err)
	}
	return n, nil
}

// RecentLoginFailures returns the times of at most limit failures for key
// at or after since, newest first. With limit equal to the throttling
// threshold, the last element tells when the lock lifts.
func (db *DB) RecentLoginFailures(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT at FROM login_failures
		WHERE key = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3`),
		key, micros(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent login failures: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("store: recent login failures: %w", err)
		}
		out = append(out, fromMicros(at))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent login failures: %w", err)
	}
	return out, nil
}

// ClearLoginFailures deletes all failures for key (after a successful
// sign-in, or when an admin unlocks an account).
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE key = $1`), key); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_locks WHERE key = $1`), key); err != nil {
		return fmt.Errorf("store: clear login locks: %w", err)
	}
	return nil
}

// PruneLoginFailures deletes failures older than before and returns how
// many were removed. Housekeeping calls it periodically.
func (db *DB) PruneLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE at < $1`), micros(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune login failures: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune login failures: %w", err)
	}
	return n, nil
}

// LoginLimit is one throttling rule for TryLoginAttempt: at most Max
// failures (pending attempts included) under Key within Window.
type LoginLimit struct {
	Key    string
	Max    int
	Window time.Duration
}

// LoginLock describes a refused attempt: the key that is locked, until
// when, and how many attempts this lock period has refused so far
// (1 for the first). A new period starts when an attempt arrives after
// the previous period's Until.
type LoginLock struct {
	Key       string
	Until     time.Time
	Throttled int64
}

// TryLoginAttempt is the atomic half of sign-in throttling. For every limit
// it counts the failures under its key within its window; if any key has
// reached its Max, nothing is recorded and the longest lock is returned
// (its lock period counted in login_locks). Otherwise one row per key is
// recorded at at, before the password is checked, and their ids returned:
// the attempt counts as a failure until the caller deletes the rows
// (DeleteLoginAttempt) on success. Count and record happen in one
// transaction serialised per key (an advisory lock on PostgreSQL, the
// database write lock of BEGIN IMMEDIATE on SQLite), so parallel attempts,
// from one replica or several, can never all pass the check: at most Max
// password checks run per key and window.
func (db *DB) TryLoginAttempt(ctx context.Context, at time.Time, limits []LoginLimit) (ids []int64, lock *LoginLock, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("store: login attempt: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	keys := make([]string, 0, len(limits))
	for _, l := range limits {
		if l.Key != "" {
			keys = append(keys, l.Key)
		}
	}
	if db.dialect == DialectPostgres {
		// Sorted, so two transactions never wait on each other's keys in
		// opposite orders.
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('cdrdash.login:' || $1::text))`, k); err != nil {
				return nil, nil, fmt.Errorf("store: login attempt: lock: %w", err)
			}
		}
	}

	for _, l := range limits {
		if l.Key == "" || l.Max <= 0 {
			continue
		}
		var oldest sql.NullInt64
		var n int
		// The Max-th newest failure in the window: when it leaves the
		// window, the key has fewer than Max failures again.
		err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*), MIN(at) FROM (SELECT at FROM login_failures
			WHERE key = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3) recent`),
			l.Key, micros(at.Add(-l.Window)), l.Max).Scan(&n, &oldest)
		if err != nil {
			return nil, nil, fmt.Errorf("store: login attempt: count: %w", err)
		}
		if n < l.Max {
			continue
		}
		until := fromMicros(oldest.Int64).Add(l.Window)
		if !until.After(at) {
			continue // that failure leaves the window now
		}
		if lock == nil || until.After(lock.Until) {
			lock = &LoginLock{Key: l.Key, Until: until}
		}
	}
	if lock != nil {
		if lock.Throttled, err = countLockedAttempt(ctx, tx, db, lock.Key, at, lock.Until); err != nil {
			return nil, nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, nil, fmt.Errorf("store: login attempt: commit: %w", err)
		}
		return nil, lock, nil
	}

	for _, l := range limits {
		if l.Key == "" {
			continue
		}
		var id int64
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO login_failures (key, at) VALUES ($1, $2) RETURNING id`),
			l.Key, micros(at)).Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("store: login attempt: record: %w", err)
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("store: login attempt: commit: %w", err)
	}
	return ids, nil, nil
}

// countLockedAttempt counts one refused attempt in key's lock period and
// returns the period's count: a period whose end has passed is replaced by
// a new one starting at at.
func countLockedAttempt(ctx context.Context, tx *sql.Tx, db *DB, key string, at, until time.Time) (int64, error) {
	greatest := "GREATEST"
	if db.dialect == DialectSQLite {
		greatest = "MAX" // SQLite's two-argument max() is scalar
	}
	var n int64
	err := tx.QueryRowContext(ctx, db.q(strings.ReplaceAll(`INSERT INTO login_locks (key, started, until, throttled) VALUES ($1, $2, $3, 1)
		ON CONFLICT (key) DO UPDATE SET
			started   = CASE WHEN login_locks.until < $2 THEN $2 ELSE login_locks.started END,
			throttled = CASE WHEN login_locks.until < $2 THEN 1 ELSE login_locks.throttled + 1 END,
			until     = CASE WHEN login_locks.until < $2 THEN $3 ELSE MAX_FN(login_locks.until, $3) END
		RETURNING throttled`, "MAX_FN", greatest)), key, micros(at), micros(until)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: login attempt: count lock: %w", err)
	}
	return n, nil
}

// DeleteLoginAttempt removes the rows TryLoginAttempt recorded for an
// attempt that turned out to be a success.
func (db *DB) DeleteLoginAttempt(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE id = $1`), id); err != nil {
			return fmt.Errorf("store: delete login attempt: %w", err)
		}
	}
	return nil
}

// ClearLoginFailuresPrefix deletes the failures of every key starting with
// prefix (an admin unlocking a username clears all its username+address
// pairs). The prefix is compared literally.
func (db *DB) ClearLoginFailuresPrefix(ctx context.Context, prefix string) error {
	if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_failures WHERE substr(key, 1, $1) = $2`),
		len(prefix), prefix); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_locks WHERE substr(key, 1, $1) = $2`),
		len(prefix), prefix); err != nil {
		return fmt.Errorf("store: clear login locks: %w", err)
	}
	return nil
}

// PruneLoginLocks deletes lock periods that ended before before.
func (db *DB) PruneLoginLocks(ctx context.Context, before time.Time) error {
	if _, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM login_locks WHERE until < $1`), micros(before)); err != nil {
		return fmt.Errorf("store: prune login locks: %w", err)
	}
	return nil
}
