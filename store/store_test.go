package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

// t0 is the start time of fake clocks in this package.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// forEachDB runs fn on a fresh SQLite and PostgreSQL database, both on a
// fake clock starting at t0.
func forEachDB(t *testing.T, fn func(t *testing.T, db *store.DB, clk *storetest.Clock)) {
	t.Helper()
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		clk := storetest.NewClock(t0)
		fn(t, tg.Open(t, store.WithClock(clk.Now)), clk)
	})
}

func TestOpenSQLiteFile(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, err := store.Open(ctx, "", dir, store.WithCleanupInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if got := db.Dialect(); got != store.DialectSQLite {
		t.Errorf("Dialect() = %q, want sqlite", got)
	}
	for path, want := range map[string]os.FileMode{
		dir:                                      0o700,
		filepath.Join(dir, store.SQLiteFileName): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	var mode string
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(mode, "wal") {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	if err := db.SQL().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestOpenSQLitePaths(t *testing.T) {
	ctx := context.Background()
	t.Run("default ./data", func(t *testing.T) {
		t.Chdir(t.TempDir())
		db, err := store.Open(ctx, "", "", store.WithCleanupInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := os.Stat(filepath.Join("data", store.SQLiteFileName)); err != nil {
			t.Errorf("database not in ./data: %v", err)
		}
	})
	t.Run("odd characters", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "we?ird #dir %20 é")
		db, err := store.Open(ctx, "", dir, store.WithCleanupInterval(0))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := os.Stat(filepath.Join(dir, store.SQLiteFileName)); err != nil {
			t.Errorf("database not at the literal path: %v", err)
		}
		entries, _ := os.ReadDir(filepath.Dir(dir))
		if len(entries) != 1 {
			t.Errorf("stray files next to the data dir: %v", entries)
		}
	})
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	for _, dsn := range []string{"mysql://u:secret@host/db", "sqlite:///tmp/x.db", "host=localhost user=x"} {
		_, err := store.Open(context.Background(), dsn, t.TempDir())
		if err == nil {
			t.Errorf("Open(%q): no error", dsn)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q): error leaks the password: %v", dsn, err)
		}
	}
}

func TestMigrationsIdempotentAndConcurrent(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		// Several processes starting at once must each see a migrated
		// database and apply every migration exactly once.
		const n = 4
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				db, err := store.Open(ctx, tg.DSN, tg.DataDir, store.WithCleanupInterval(0))
				if err != nil {
					errs <- err
					return
				}
				errs <- db.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent Open: %v", err)
			}
		}

		db := tg.Open(t)
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v < 1 {
			t.Errorf("SchemaVersion = %d, want >= 1", v)
		}
		var rows int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		// Versions need not be contiguous (branches take numbers ahead of
		// merging), so compare with the files shipped.
		files, err := os.ReadDir(filepath.Join("migrations", db.Dialect()))
		if err != nil {
			t.Fatal(err)
		}
		if rows != len(files) {
			t.Errorf("schema_migrations has %d rows for %d migrations; a migration ran twice or was skipped", rows, len(files))
		}
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		if _, err := db.SQL().ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err := store.Open(ctx, tg.DSN, tg.DataDir, store.WithCleanupInterval(0))
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("Open on a newer schema: err = %v, want a 'newer than this binary' error", err)
		}
	})
}

func TestCloseStopsHousekeeping(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	db, err := store.Open(context.Background(), "", t.TempDir(), store.WithCleanupInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRunCleanup(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()
		ss := db.SessionStore()
		mustNil(t, ss.CommitCtx(ctx, "old", []byte("a"), t0.Add(time.Minute)))
		mustNil(t, ss.CommitCtx(ctx, "new", []byte("b"), t0.Add(48*time.Hour)))
		mustNil(t, db.RecordLoginFailure(ctx, "ip:1", t0))
		clk.Advance(25 * time.Hour) // past the default 24 h failure retention
		mustNil(t, db.RecordLoginFailure(ctx, "ip:1", clk.Now()))

		db.RunCleanup(ctx)

		var sessions, failures int
		mustNil(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&sessions))
		mustNil(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures`).Scan(&failures))
		if sessions != 1 || failures != 1 {
			t.Errorf("after cleanup: %d sessions, %d failures; want 1 and 1", sessions, failures)
		}
	})
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
}
