// Package storetest opens throw-away cdrdash databases for tests, so that one
// test suite runs against SQLite and PostgreSQL alike.
//
// SQLite databases live in t.TempDir(). PostgreSQL databases are private
// schemas (cdrdash_test_<random>) in the database named by
// CDRDASH_TEST_DATABASE_URL, selected through search_path, and dropped when
// the test ends; tests in parallel packages never see each other's tables.
//
// When CDRDASH_TEST_DATABASE_URL is unset or the server does not answer,
// PostgreSQL subtests are skipped with a loud message, or fail when
// CDRDASH_TEST_STRICT=1 (set it in CI).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for the admin connection

	"github.com/cdrdash/cdrdash/store"
)

// Environment variables read by this package.
const (
	EnvDatabaseURL = "CDRDASH_TEST_DATABASE_URL"
	EnvStrict      = "CDRDASH_TEST_STRICT"
)

// Target is a test database location. Open may be called several times on
// one Target to get independent handles to the same data: a restart, or two
// replicas.
type Target struct {
	Name    string // "sqlite" or "postgres"
	DSN     string // "" for SQLite
	DataDir string // SQLite data directory ("" for PostgreSQL)
}

// Open opens the target with housekeeping disabled (tests call RunCleanup
// when they want it), then opts. The handle is closed when the test ends;
// closing it earlier is fine.
func (tg Target) Open(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := append([]store.Option{store.WithCleanupInterval(0)}, opts...)
	db, err := store.Open(ctx, tg.DSN, tg.DataDir, all...)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", tg.Name, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: close %s: %v", tg.Name, err)
		}
	})
	return db
}

// SQLiteTarget returns a target in a fresh temporary directory.
func SQLiteTarget(t testing.TB) Target {
	return Target{Name: store.DialectSQLite, DataDir: t.TempDir()}
}

// PostgresTarget returns a target in a fresh schema, or skips the test (fails
// it in strict mode) when no PostgreSQL server is available.
func PostgresTarget(t testing.TB) Target {
	t.Helper()
	admin, base, reason := adminDB()
	if admin == nil {
		unavailable(t, reason)
		return Target{}
	}
	schema := "cdrdash_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("storetest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	u := *base
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Target{Name: store.DialectPostgres, DSN: u.String()}
}

// SQLite opens a fresh SQLite database.
func SQLite(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	return SQLiteTarget(t).Open(t, opts...)
}

// Postgres opens a fresh PostgreSQL database (private schema) or skips.
func Postgres(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	return PostgresTarget(t).Open(t, opts...)
}

// ForEachTarget runs fn as subtests "sqlite" and "postgres", each with a
// fresh target.
func ForEachTarget(t *testing.T, fn func(t *testing.T, tg Target)) {
	t.Helper()
	t.Run(store.DialectSQLite, func(t *testing.T) { fn(t, SQLiteTarget(t)) })
	t.Run(store.DialectPostgres, func(t *testing.T) { fn(t, PostgresTarget(t)) })
}

var (
	adminOnce   sync.Once
	adminConn   *sql.DB
	adminURL    *url.URL
	adminReason string
	warnOnce    sync.Once
)

// adminDB returns a process-wide connection to the test server, or a reason
// why there is none.
func adminDB() (*sql.DB, *url.URL, string) {
	adminOnce.Do(func() {
		raw := os.Getenv(EnvDatabaseURL)
		if raw == "" {
			adminReason = EnvDatabaseURL + " is not set"
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			adminReason = fmt.Sprintf("%s is not a URL: %v", EnvDatabaseURL, err)
			return
		}
		db, err := sql.Open("pgx", raw)
		if err != nil {
			adminReason = fmt.Sprintf("open %s: %v", u.Redacted(), err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminReason = fmt.Sprintf("cannot reach %s: %v", u.Redacted(), err)
			return
		}
		db.SetMaxOpenConns(2)
		adminConn, adminURL = db, u
	})
	return adminConn, adminURL, adminReason
}

// unavailable skips t, or fails it when strict mode is on.
func unavailable(t testing.TB, reason string) {
	t.Helper()
	hint := " (set " + EnvDatabaseURL + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
	if os.Getenv(EnvStrict) == "1" {
		t.Fatal("PostgreSQL required (" + EnvStrict + "=1) but unavailable: " + reason + hint)
	}
	msg := "!!! PostgreSQL tests SKIPPED: " + reason + hint + "; " + EnvStrict + "=1 makes this a failure"
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, msg) })
	t.Skip(msg)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Clock is a manual clock for tests; pass c.Now to store.WithClock and
// auth.WithClock. The zero value is not usable; call NewClock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
