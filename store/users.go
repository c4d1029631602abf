package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Roles known to the schema (a CHECK constraint enforces them). Package auth
// re-exports them and defines what each may do.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// User is an account that can sign in.
type User struct {
	ID           int64
	Username     string // canonical form (lowercase ASCII); see auth.NormalizeUsername
	Role         string // RoleAdmin or RoleAgent
	PasswordHash string // PHC-format argon2id hash; never log or render it
	Disabled     bool
	// TimeZone is the IANA zone the user wants times shown in ("" = server default).
	TimeZone string
	// ExportColumns is the remembered CSV column choice, as the export page
	// encodes it (for example a comma-separated list); "" = defaults.
	ExportColumns string
	// SessionEpoch is incremented whenever the user's existing sessions must
	// stop working (password change, disable, explicit revoke). Sessions
	// remember the epoch they were created with.
	SessionEpoch int64
	// Demo marks demo mode's accounts (see CreateDemoUser): only demo
	// instances let them sign in.
	Demo        bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt *time.Time // nil until the first successful sign-in
}

const userColumns = `id, username, role, password_hash, disabled, time_zone, export_columns,
	session_epoch, demo, created_at, updated_at, last_login_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(s rowScanner) (*User, error) {
	var (
		u                  User
		created, updated   int64
		lastLogin          sql.NullInt64
		disabled, demo     bool
		timeZone, exportCs string
	)
	if err := s.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &disabled, &timeZone, &exportCs,
		&u.SessionEpoch, &demo, &created, &updated, &lastLogin); err != nil {
		return nil, err
	}
	u.Disabled = disabled
	u.Demo = demo
	u.TimeZone = timeZone
	u.ExportColumns = exportCs
	u.CreatedAt = fromMicros(created)
	u.UpdatedAt = fromMicros(updated)
	if lastLogin.Valid {
		t := fromMicros(lastLogin.Int64)
		u.LastLoginAt = &t
	}
	return &u, nil
}

// CreateUser inserts a user. The caller validates and normalises username,
// role and hash (package auth does). It returns ErrDuplicate when the
// username is taken.
func (db *DB) CreateUser(ctx context.Context, username, role, passwordHash string) (*User, error) {
	return db.createUser(ctx, username, role, passwordHash, false)
}

// CreateDemoUser inserts a user marked as demo mode's (User.Demo): only demo
// instances let it sign in. It returns ErrDuplicate when the username is
// taken.
func (db *DB) CreateDemoUser(ctx context.Context, username, role, passwordHash string) (*User, error) {
	return db.createUser(ctx, username, role, passwordHash, true)
}

func (db *DB) createUser(ctx context.Context, username, role, passwordHash string, demo bool) (*User, error) {
	now := micros(db.now())
	row := db.sql.QueryRowContext(ctx, db.q(`INSERT INTO users
		(username, role, password_hash, disabled, demo, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		RETURNING `+userColumns),
		username, role, passwordHash, false, demo, now)
	u, err := scanUser(row)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, fmt.Errorf("store: create user %q: %w", username, ErrDuplicate)
		}
		return nil, fmt.Errorf("store: create user %q: %w", username, err)
	}
	return u, nil
}

// UserByName returns the user with this canonical username, or ErrNotFound.
func (db *DB) UserByName(ctx context.Context, username string) (*User, error) {
	row := db.sql.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE username = $1`), username)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: user %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user %q: %w", username, err)
	}
	return u, nil
}

// userByIDQuery runs on every signed-in request.
const userByIDQuery = `SELECT ` + userColumns + ` FROM users WHERE id = $1`

// UserByID returns the user with this id, or ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (*User, error) {
	row := db.queryRowHot(ctx, userByIDQuery, id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: user %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// ListUsers returns all users ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, *u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// CountAdmins returns the number of enabled admins.
func (db *DB) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = $2`),
		RoleAdmin, false).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count admins: %w", err)
	}
	return n, nil
}

// CountUsers returns the number of users (enabled or not).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// execOne runs an UPDATE that must touch exactly one row; zero rows is
// ErrNotFound.
func (db *DB) execOne(ctx context.Context, what string, query string, args ...any) error {
	res, err := db.sql.ExecContext(ctx, db.q(query), args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// UpdatePassword stores a new password hash and ends every existing
// session of the user (see RevokeSessions).
func (db *DB) UpdatePassword(ctx context.Context, id int64, passwordHash string) error {
	return db.revokingTx(ctx, fmt.Sprintf("update password of user %d", id), id,
		`UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, updated_at = $2 WHERE id = $3`,
		passwordHash, micros(db.now()), id)
}

// revokingTx runs an UPDATE of user id that increments its session epoch
// and must touch exactly one row (zero is ErrNotFound), and deletes the
// user's sessions in the same transaction.
func (db *DB) revokingTx(ctx context.Context, what string, id int64, update string, args ...any) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	res, err := tx.ExecContext(ctx, db.q(update), args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	if err := db.deleteUserSessions(ctx, tx, id); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: commit: %w", what, err)
	}
	return nil
}

// deleteUserSessions deletes the session rows of user id. The caller has
// moved the user's session epoch on in the same transaction, first: a
// request still holding one of these sessions then cannot write it back
// (SessionStore.CommitOwnedCtx), and the user's row lock makes such a
// commit on PostgreSQL wait for this transaction.
func (db *DB) deleteUserSessions(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_id = $1`), id); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// ReplacePasswordHash swaps oldHash for newHash without touching sessions,
// only if the stored hash is still oldHash. It is used to upgrade hash
// parameters after a successful sign-in; it reports whether it replaced.
func (db *DB) ReplacePasswordHash(ctx context.Context, id int64, oldHash, newHash string) (bool, error) {
	res, err := db.sql.ExecContext(ctx,
		db.q(`UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`),
		newHash, id, oldHash)
	if err != nil {
		return false, fmt.Errorf("store: rehash password of user %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: rehash password of user %d: %w", id, err)
	}
	return n == 1, nil
}

// RevokeSessions ends all of the user's existing sessions: it increments
// the user's session epoch (a session remembers the epoch it signed in
// with, so any copy of it stops working) and deletes the user's session
// rows, in one transaction.
func (db *DB) RevokeSessions(ctx context.Context, id int64) error {
	return db.revokingTx(ctx, fmt.Sprintf("revoke sessions of user %d", id), id,
		`UPDATE users SET session_epoch = session_epoch + 1, updated_at = $1 WHERE id = $2`,
		micros(db.now()), id)
}

// RecordLogin sets the user's last sign-in time.
func (db *DB) RecordLogin(ctx context.Context, id int64, at time.Time) error {
	return db.execOne(ctx, fmt.Sprintf("record login of user %d", id),
		`UPDATE users SET last_login_at = $1 WHERE id = $2`, micros(at), id)
}

// SetTimeZone stores the user's display time zone (an IANA name, validated
// by the caller; "" means the server default).
func (db *DB) SetTimeZone(ctx context.Context, id int64, tz string) error {
	return db.execOne(ctx, fmt.Sprintf("set time zone of user %d", id),
		`UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3`, tz, micros(db.now()), id)
}

// SetExportColumns stores the user's remembered CSV column choice.
func (db *DB) SetExportColumns(ctx context.Context, id int64, columns string) error {
	return db.execOne(ctx, fmt.Sprintf("set export columns of user %d", id),
		`UPDATE users SET export_columns = $1, updated_at = $2 WHERE id = $3`, columns, micros(db.now()), id)
}

// SetRole changes the user's role and ends the user's existing sessions
// (see RevokeSessions), so the new role starts with a new sign-in and a
// new session token. Demoting the last enabled admin fails with
// ErrLastAdmin. Setting the role the user already has changes nothing.
func (db *DB) SetRole(ctx context.Context, id int64, role string) error {
	what := fmt.Sprintf("set role of user %d", id)
	return db.guardAdmins(ctx, what, id, func(tx *sql.Tx, u *User) (bool, error) {
		if u.Role == role {
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE users SET role = $1, updated_at = $2,
			session_epoch = session_epoch + 1 WHERE id = $3`), role, micros(db.now()), id); err != nil {
			return false, err
		}
		return u.Role == RoleAdmin && !u.Disabled, db.deleteUserSessions(ctx, tx, id)
	})
}

// SetDisabled disables or enables the user. Disabling also ends the user's
// sessions (see RevokeSessions), so re-enabling later does not revive
// them. Disabling the last enabled admin fails with ErrLastAdmin.
func (db *DB) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	what := fmt.Sprintf("set disabled=%t on user %d", disabled, id)
	return db.guardAdmins(ctx, what, id, func(tx *sql.Tx, u *User) (bool, error) {
		if u.Disabled == disabled {
			return false, nil
		}
		q := `UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3`
		if disabled {
			q = `UPDATE users SET disabled = $1, updated_at = $2, session_epoch = session_epoch + 1 WHERE id = $3`
		}
		if _, err := tx.ExecContext(ctx, db.q(q), disabled, micros(db.now()), id); err != nil {
			return false, err
		}
		if !disabled {
			return false, nil
		}
		return u.Role == RoleAdmin, db.deleteUserSessions(ctx, tx, id)
	})
}

// guardAdmins runs change inside a transaction that is serialised with every
// other admin-affecting change (advisory lock on PostgreSQL, IMMEDIATE
// transaction on SQLite). change reports whether it removed an enabled admin;
// if so and no enabled admin remains, the transaction is rolled back and
// ErrLastAdmin returned.
func (db *DB) guardAdmins(ctx context.Context, what string, id int64, change func(*sql.Tx, *User) (bool, error)) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	if db.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx,
			`SELECT pg_advisory_xact_lock(hashtext('cdrdash.admins:' || coalesce(current_schema(), '')))`); err != nil {
			return fmt.Errorf("store: %s: lock: %w", what, err)
		}
	}
	u, err := scanUser(tx.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM users WHERE id = $1`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	removedAdmin, err := change(tx, u)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if removedAdmin {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = $2`),
			RoleAdmin, false).Scan(&n); err != nil {
			return fmt.Errorf("store: %s: count admins: %w", what, err)
		}
		if n == 0 {
			return fmt.Errorf("store: %s: %w", what, ErrLastAdmin)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: commit: %w", what, err)
	}
	return nil
}

// SetDemo sets or clears the demo mark of user id (User.Demo).
func (db *DB) SetDemo(ctx context.Context, id int64, demo bool) error {
	return db.execOne(ctx, fmt.Sprintf("set demo=%t on user %d", demo, id),
		`UPDATE users SET demo = $1, updated_at = $2 WHERE id = $3`, demo, micros(db.now()), id)
}
