// Package store is cdrdash's data layer for users, sessions, sign-in
// throttling and the audit trail.
//
// It is plain SQL over database/sql and works with two dialects:
//
//   - SQLite (the default): a single file under the data directory, opened
//     with the pure-Go driver modernc.org/sqlite so the binary needs no cgo.
//   - PostgreSQL, for several replicas behind a load balancer, through pgx's
//     database/sql driver (github.com/jackc/pgx/v5/stdlib).
//
// Queries are written once with PostgreSQL-style placeholders ($1, $2, ...)
// and rewritten to SQLite's numbered form (?1, ?2, ...) when needed. Times are
// stored as BIGINT Unix microseconds (UTC) in both dialects so that comparison
// and ordering behave the same everywhere and no driver time parsing is
// involved.
//
// Open applies the embedded, versioned migrations before returning.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names returned by (*DB).Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// SQLiteFileName is the name of the SQLite database file inside the data
// directory.
const SQLiteFileName = "cdrdash.db"

// DefaultCleanupInterval is how often the housekeeping goroutine started by
// Open deletes expired sessions, old login failures and revocations past
// their keep time.
const DefaultCleanupInterval = 5 * time.Minute

// DefaultFailureRetention is how long login failures are kept before the
// housekeeping goroutine deletes them. It must exceed the throttling window.
const DefaultFailureRetention = 24 * time.Hour

// Errors returned by the store. Callers compare them with errors.Is.
var (
	// ErrNotFound means the requested row does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate means a unique constraint (such as the username) was violated.
	ErrDuplicate = errors.New("store: duplicate")
	// ErrLastAdmin means the change would leave no enabled admin.
	ErrLastAdmin = errors.New("store: at least one enabled admin must remain")
)

// DB is an open cdrdash database. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	dialect string
	now     func() time.Time
	logger  *slog.Logger

	cleanupInterval  time.Duration
	failureRetention time.Duration
	auditRetention   time.Duration

	sessions *SessionStore
	prepared stmts

	stopCleanup context.CancelFunc
	cleanupDone chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock used for expiry checks and timestamps. Tests
// inject a fake clock; the default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(db *DB) {
		if now != nil {
			db.now = now
		}
	}
}

// WithLogger sets the logger used by the housekeeping goroutine. The default
// is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(db *DB) {
		if l != nil {
			db.logger = l
		}
	}
}

// WithCleanupInterval sets how often expired sessions and old login failures
// are deleted. Zero or a negative value disables the housekeeping goroutine
// (useful for short-lived CLI commands and for tests).
func WithCleanupInterval(d time.Duration) Option {
	return func(db *DB) { db.cleanupInterval = d }
}

// WithAuditRetention makes Open store d as the audit trail's retention
// (SetAuditRetention) and housekeeping delete events older than d. Zero
// keeps every event (and leaves the stored retention as it is).
func WithAuditRetention(d time.Duration) Option {
	return func(db *DB) { db.auditRetention = d }
}

// Open opens the database and applies pending migrations.
//
// An empty dsn selects SQLite in dataDir/cdrdash.db (dataDir defaults to
// "./data" and is created with mode 0700, the file with 0600). The file is
// opened in WAL mode with a busy timeout, foreign keys on, and IMMEDIATE
// transactions so concurrent writers queue instead of failing.
//
// A dsn starting with "postgres://" or "postgresql://" selects PostgreSQL.
// Migrations are serialised with an advisory lock, so several replicas may
// start at once. A search_path query parameter in the URL is passed to the
// server, which is how tests isolate themselves in a private schema.
//
// Open starts a housekeeping goroutine (see WithCleanupInterval); Close stops
// it.
func Open(ctx context.Context, dsn, dataDir string, opts ...Option) (*DB, error) {
	db := &DB{
		now:              time.Now,
		logger:           slog.Default(),
		cleanupInterval:  DefaultCleanupInterval,
		failureRetention: DefaultFailureRetention,
	}
	for _, o := range opts {
		o(db)
	}

	var err error
	switch {
	case dsn == "":
		db.dialect = DialectSQLite
		db.sql, err = openSQLite(dataDir)
		if err == nil {
			// A report runs three index queries at once and the costs page
			// several: with database/sql's default of two idle connections
			// every page closed one (freeing its page cache) and opened a cold
			// one, which doubled a warm report's time (docs/performance.md).
			db.sql.SetMaxIdleConns(5)
		}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db.dialect = DialectPostgres
		db.sql, err = sql.Open("pgx", dsn)
		if err == nil {
			db.sql.SetMaxOpenConns(10)
			db.sql.SetMaxIdleConns(5)
			db.sql.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, fmt.Errorf("store: open: unsupported database URL %q (want empty for SQLite or postgres://…)", redactDSN(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", db.dialect, err)
	}

	if err := db.connect(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("store: connect %s: %w", db.dialect, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}

	if db.auditRetention > 0 {
		if err := db.SetAuditRetention(ctx, db.auditRetention); err != nil {
			db.sql.Close()
			return nil, err
		}
	}

	db.sessions = &SessionStore{db: db}

	db.cleanupDone = make(chan struct{})
	cctx, cancel := context.WithCancel(context.Background())
	db.stopCleanup = cancel
	if db.cleanupInterval > 0 {
		go db.cleanupLoop(cctx, db.cleanupInterval)
	} else {
		close(db.cleanupDone)
	}
	return db, nil
}

// connect opens the first connection. On SQLite it runs the DSN's pragmas,
// and switching a file to WAL is answered with SQLITE_BUSY at once, without
// waiting out busy_timeout, while another process opens or migrates the
// same file; replicas and commands started together do that, so a busy
// answer is tried again for up to sqliteConnectWait.
func (db *DB) connect(ctx context.Context) error {
	deadline := time.Now().Add(sqliteConnectWait)
	for {
		err := db.sql.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || db.dialect != DialectSQLite || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY ||
			time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// sqliteConnectWait bounds connect's retries, like busy_timeout bounds a
// statement's wait for a lock.
const sqliteConnectWait = 10 * time.Second

func openSQLite(dataDir string) (*sql.DB, error) {
	if dataDir == "" {
		dataDir = "data"
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFileName)
	// Create the file ourselves so it is not world-readable; SQLite gives
	// the -wal and -shm files the same mode as the main file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	}

	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The call index writes batches of thousands of wide rows: with the
	// default 2 MB page cache, a backfill spent much of its time writing
	// pages out in the middle of its transactions.
	q.Add("_pragma", "cache_size(-32768)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}
	return sql.Open("sqlite", u.String())
}

// redactDSN hides a password in a URL-shaped DSN so it can go into errors.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if len(dsn) > 32 {
			return dsn[:32] + "…"
		}
		return dsn
	}
	return u.Redacted()
}

// Close stops housekeeping and closes the database. It is safe to call more
// than once.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.stopCleanup()
		<-db.cleanupDone
		db.closePrepared()
		if err := db.sql.Close(); err != nil {
			db.closeErr = fmt.Errorf("store: close: %w", err)
		}
	})
	return db.closeErr
}

// Ping checks that the database is reachable (for health checks).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Dialect reports "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Now returns the current time from the store's clock (see WithClock).
func (db *DB) Now() time.Time { return db.now() }

// SQL exposes the underlying *sql.DB for the rare caller that needs it (for
// example a health check reading pool statistics). Prefer the typed methods.
func (db *DB) SQL() *sql.DB { return db.sql }

// q rewrites $n placeholders to ?n for SQLite. Queries in this package never
// contain a literal '$' outside placeholders.
func (db *DB) q(query string) string {
	if db.dialect != DialectSQLite {
		return query
	}
	return strings.ReplaceAll(query, "$", "?")
}

// cleanupLoop runs housekeeping every interval until ctx is cancelled.
func (db *DB) cleanupLoop(ctx context.Context, interval time.Duration) {
	defer close(db.cleanupDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			db.runCleanup(ctx)
		}
	}
}

func (db *DB) runCleanup(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if n, err := db.DeleteExpiredSessions(ctx); err != nil {
		if ctx.Err() == nil {
			db.logger.Error("store: session cleanup failed", slog.Any("error", err))
		}
	} else if n > 0 {
		db.logger.Debug("store: deleted expired sessions", slog.Int64("count", n))
	}
	if _, err := db.PruneLoginFailures(ctx, db.now().Add(-db.failureRetention)); err != nil && ctx.Err() == nil {
		db.logger.Error("store: login failure cleanup failed", slog.Any("error", err))
	}
	if _, err := db.PruneRevokedSessions(ctx); err != nil && ctx.Err() == nil {
		db.logger.Error("store: revoked session cleanup failed", slog.Any("error", err))
	}
	if err := db.PruneLoginLocks(ctx, db.now().Add(-db.failureRetention)); err != nil && ctx.Err() == nil {
		db.logger.Error("store: login lock cleanup failed", slog.Any("error", err))
	}
	if db.auditRetention > 0 {
		if n, err := db.PruneEvents(ctx, db.auditRetention); err != nil {
			if ctx.Err() == nil {
				db.logger.Error("store: audit retention cleanup failed", slog.Any("error", err))
			}
		} else if n > 0 {
			db.logger.Info("store: deleted audit events past their retention", slog.Int64("count", n),
				slog.Duration("retention", db.auditRetention))
		}
	}
}

// RunCleanup performs one housekeeping pass now (delete expired sessions,
// old login failures, lock periods and revocations past their keep time,
// and audit events past the retention). Errors are logged, not returned.
func (db *DB) RunCleanup(ctx context.Context) { db.runCleanup(ctx) }

// isUniqueViolation reports whether err is a unique or primary key
// constraint violation in either dialect.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		switch coder.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return true
		}
	}
	return false
}

// micros converts t to Unix microseconds, the storage format for times.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts stored Unix microseconds to a UTC time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
