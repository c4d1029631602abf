package store

import (
	"context"
	"database/sql"
	"sync"
)

// The queries every page runs (the session, the signed-in user, the audit
// event of a call view) go through statements prepared once per DB, so
// SQLite does not parse their SQL on every request; database/sql prepares
// each on a connection the first time it runs there. A statement that
// cannot be prepared is run unprepared, exactly as before.

// stmts caches prepared statements by their PostgreSQL-style text.
type stmts struct {
	m sync.Map // string → *sql.Stmt
}

// hot returns the prepared statement for query (written with $n
// placeholders), or nil when it cannot be prepared.
func (db *DB) hot(ctx context.Context, query string) *sql.Stmt {
	if v, ok := db.prepared.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	st, err := db.sql.PrepareContext(ctx, db.q(query))
	if err != nil {
		return nil
	}
	if v, loaded := db.prepared.m.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	return st
}

// queryRowHot is QueryRowContext through a prepared statement.
func (db *DB) queryRowHot(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.hot(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.sql.QueryRowContext(ctx, db.q(query), args...)
}

// execHot is ExecContext through a prepared statement.
func (db *DB) execHot(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := db.hot(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.sql.ExecContext(ctx, db.q(query), args...)
}

// closePrepared closes every cached statement (before the DB closes).
func (db *DB) closePrepared() {
	db.prepared.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		db.prepared.m.Delete(k)
		return true
	})
}
