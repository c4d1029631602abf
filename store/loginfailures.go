package store

import (
	"context"
	"fmt"
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
