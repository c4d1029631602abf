package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

func TestSessionStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()
		ss := db.SessionStore()
		if db.SessionStore() != ss {
			t.Error("SessionStore() returned a different instance")
		}

		// Missing token: not found, no error.
		if b, found, err := ss.Find("missing"); err != nil || found || b != nil {
			t.Fatalf("Find(missing) = %q, %v, %v", b, found, err)
		}
		mustNil(t, ss.Delete("missing"))

		mustNil(t, ss.Commit("tok", []byte("v1"), t0.Add(time.Hour)))
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte{0, 1, 2, 0xff}, t0.Add(2*time.Hour))) // upsert
		b, found, err := ss.FindCtx(ctx, "tok")
		mustNil(t, err)
		if !found || !bytes.Equal(b, []byte{0, 1, 2, 0xff}) {
			t.Fatalf("Find after upsert = %v, %v", b, found)
		}

		mustNil(t, ss.Commit("other", []byte("x"), t0.Add(30*time.Minute)))
		all, err := ss.All()
		mustNil(t, err)
		if len(all) != 2 || string(all["other"]) != "x" {
			t.Errorf("All = %v", all)
		}
		n, err := db.CountActiveSessions(ctx)
		mustNil(t, err)
		if n != 2 {
			t.Errorf("CountActiveSessions = %d, want 2", n)
		}

		// "other" expires at +30 min: invisible afterwards, before cleanup.
		clk.Advance(30 * time.Minute)
		if _, found, _ := ss.Find("other"); found {
			t.Error("expired session still found")
		}
		all, err = ss.AllCtx(ctx)
		mustNil(t, err)
		if len(all) != 1 {
			t.Errorf("All after expiry has %d sessions, want 1", len(all))
		}
		deleted, err := db.DeleteExpiredSessions(ctx)
		mustNil(t, err)
		if deleted != 1 {
			t.Errorf("DeleteExpiredSessions = %d, want 1", deleted)
		}

		mustNil(t, ss.DeleteCtx(ctx, "tok"))
		if _, found, _ := ss.Find("tok"); found {
			t.Error("deleted session still found")
		}

		mustNil(t, ss.Commit("a", []byte("x"), t0.Add(time.Hour*24)))
		mustNil(t, ss.Commit("b", []byte("x"), t0.Add(time.Hour*24)))
		deleted, err = db.DeleteAllSessions(ctx)
		mustNil(t, err)
		if deleted != 2 {
			t.Errorf("DeleteAllSessions = %d, want 2", deleted)
		}
	})
}

// TestSessionsSurviveRestart: create a session, close the database, reopen
// it: the session is still valid.
func TestSessionsSurviveRestart(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db := tg.Open(t)
		sm := scs.New()
		sm.Store = db.SessionStore()

		c, err := sm.Load(ctx, "")
		mustNil(t, err)
		sm.Put(c, "user_id", int64(42))
		token, _, err := sm.Commit(c)
		mustNil(t, err)
		mustNil(t, db.Close())

		db = tg.Open(t)
		sm2 := scs.New()
		sm2.Store = db.SessionStore()
		c, err = sm2.Load(ctx, token)
		mustNil(t, err)
		if got := sm2.GetInt64(c, "user_id"); got != 42 {
			t.Errorf("after restart user_id = %d, want 42", got)
		}
	})
}

// TestSessionTouchSkipped: scs commits every request's session to move its
// idle expiry; an unchanged session whose expiry moves by less than a
// thirtieth of the time it has left (at most a minute) is not rewritten,
// anything else is.
func TestSessionTouchSkipped(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		ss := db.SessionStore()
		stored := func() time.Time {
			t.Helper()
			var us int64
			mustNil(t, db.SQL().QueryRowContext(ctx, `SELECT expiry FROM sessions WHERE token = 'tok'`).Scan(&us))
			return time.UnixMicro(us).UTC()
		}
		// scs stamps expiry with the real clock: now + idle timeout.
		exp := time.Now().Add(30 * time.Minute).Truncate(time.Microsecond).UTC()
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v1"), exp))

		// Found, then committed unchanged 10 s later: skipped.
		_, found, err := ss.FindCtx(ctx, "tok")
		mustNil(t, err)
		if !found {
			t.Fatal("not found")
		}
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v1"), exp.Add(10*time.Second)))
		if got := stored(); !got.Equal(exp) {
			t.Errorf("a 10 s touch was written: expiry %v, want %v", got, exp)
		}
		// Without a Find first (another request, a new session): written.
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v1"), exp.Add(20*time.Second)))
		if got := stored(); !got.Equal(exp.Add(20 * time.Second)) {
			t.Errorf("a commit without a find was skipped: expiry %v", got)
		}
		// A move of a minute or more: written.
		_, _, err = ss.FindCtx(ctx, "tok")
		mustNil(t, err)
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v1"), exp.Add(90*time.Second)))
		if got := stored(); !got.Equal(exp.Add(90 * time.Second)) {
			t.Errorf("a 70 s move was skipped: expiry %v", got)
		}
		// Changed data: written whatever the expiry.
		_, _, err = ss.FindCtx(ctx, "tok")
		mustNil(t, err)
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v2"), exp.Add(90*time.Second)))
		if b, _, _ := ss.FindCtx(ctx, "tok"); string(b) != "v2" {
			t.Errorf("changed data was not written: %q", b)
		}
		// A short idle timeout gets a short window: 1 min left, 3 s move.
		short := time.Now().Add(time.Minute).Truncate(time.Microsecond).UTC()
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v3"), short))
		_, _, err = ss.FindCtx(ctx, "tok")
		mustNil(t, err)
		mustNil(t, ss.CommitCtx(ctx, "tok", []byte("v3"), short.Add(3*time.Second)))
		if got := stored(); !got.Equal(short.Add(3 * time.Second)) {
			t.Errorf("a 3 s move with a minute left was skipped: expiry %v", got)
		}
	})
}

// TestRevokedSessionNeverComesBack: a destroyed token is neither found
// nor written again, whoever commits it later, until its revocation
// expires; the revocation is pruned after its keep time, not before.
func TestRevokedSessionNeverComesBack(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()
		ss := db.SessionStore()
		revoked := func(token string) bool {
			t.Helper()
			var n int
			mustNil(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM revoked_sessions WHERE token = '`+token+`'`).Scan(&n))
			return n > 0
		}
		u, err := db.CreateUser(ctx, "alice", store.RoleAdmin, "hash")
		mustNil(t, err)
		owner := func([]byte) (store.SessionOwner, error) {
			return store.SessionOwner{UserID: u.ID, Epoch: u.SessionEpoch}, nil
		}
		exp := t0.Add(time.Hour)
		mustNil(t, ss.CommitOwnedCtx(ctx, "tok", []byte("v1"), exp, owner))
		// A request loads the session, then it is destroyed.
		if _, found, err := ss.FindCtx(ctx, "tok"); err != nil || !found {
			t.Fatalf("find: %v %v", found, err)
		}
		mustNil(t, ss.Revoke(ctx, "tok", 12*time.Hour))
		// The request commits it: nothing is written, nothing found.
		mustNil(t, ss.CommitOwnedCtx(ctx, "tok", []byte("v1"), exp.Add(time.Minute), owner))
		mustNil(t, ss.Commit("tok", []byte("v2"), exp))
		if all, _ := ss.AllCtx(ctx); len(all) != 0 {
			t.Errorf("revoked session written back: %v", all)
		}
		if _, found, _ := ss.FindCtx(ctx, "tok"); found {
			t.Error("revoked session found")
		}
		// A row written behind the store's back (a replica on an older
		// release) is still not found.
		_, err = db.SQL().ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ('tok', 'x', 9999999999999999)`)
		mustNil(t, err)
		if _, found, _ := ss.FindCtx(ctx, "tok"); found {
			t.Error("a row for a revoked token is found")
		}
		_, err = db.SQL().ExecContext(ctx, `DELETE FROM sessions`)
		mustNil(t, err)

		// Deleting a token that has no row, or an anonymous session (a
		// flash message), lists nothing: sign-out requests cannot fill
		// the list.
		mustNil(t, ss.DeleteCtx(ctx, "never-stored"))
		mustNil(t, ss.CommitCtx(ctx, "anon", []byte("flash"), exp))
		mustNil(t, ss.DeleteCtx(ctx, "anon"))
		if revoked("never-stored") || revoked("anon") {
			t.Error("a token without a signed-in row was listed")
		}
		if all, _ := ss.AllCtx(ctx); len(all) != 0 {
			t.Errorf("sessions left: %v", all)
		}

		// Pruning keeps the revocation for its whole keep time.
		clk.Advance(12*time.Hour - time.Second)
		n, err := db.PruneRevokedSessions(ctx)
		mustNil(t, err)
		if !revoked("tok") || n != 0 {
			t.Errorf("revocation pruned early (%d pruned)", n)
		}
		clk.Advance(time.Second)
		db.RunCleanup(ctx)
		if revoked("tok") {
			t.Error("revocation not pruned after its keep time")
		}
	})
}

// TestSessionCommitChecksOwner: a signed-in session is only written while
// its user is enabled and still on the epoch it signed in with; revoking a
// user's sessions deletes their rows.
func TestSessionCommitChecksOwner(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		ss := db.SessionStore()
		alice, err := db.CreateUser(ctx, "alice", store.RoleAdmin, "hash")
		mustNil(t, err)
		bob, err := db.CreateUser(ctx, "bob", store.RoleAgent, "hash")
		mustNil(t, err)
		owner := func(u *store.User) store.SessionOwnerFunc {
			return func([]byte) (store.SessionOwner, error) {
				return store.SessionOwner{UserID: u.ID, Epoch: u.SessionEpoch}, nil
			}
		}
		commit := func(tok string, u *store.User) bool {
			t.Helper()
			mustNil(t, ss.CommitOwnedCtx(ctx, tok, []byte(tok), t0.Add(time.Hour), owner(u)))
			all, err := ss.AllCtx(ctx)
			mustNil(t, err)
			_, ok := all[tok]
			return ok
		}
		if !commit("a1", alice) || !commit("b1", bob) || !commit("b2", bob) {
			t.Fatal("sessions of enabled users not written")
		}
		steps := []struct {
			name   string
			revoke func() error
		}{
			{"sessions revoked", func() error { return db.RevokeSessions(ctx, bob.ID) }},
			{"password changed", func() error { return db.UpdatePassword(ctx, bob.ID, "hash2") }},
			{"role changed", func() error { return db.SetRole(ctx, bob.ID, store.RoleAdmin) }},
			{"disabled", func() error { return db.SetDisabled(ctx, bob.ID, true) }},
		}
		for _, st := range steps {
			stale := *bob
			mustNil(t, st.revoke())
			all, err := ss.AllCtx(ctx)
			mustNil(t, err)
			if _, ok := all["b1"]; ok || len(all) != 1 {
				t.Errorf("%s: sessions left %v, want only alice's", st.name, all)
			}
			if commit("b1", &stale) {
				t.Errorf("%s: a session from before was written back", st.name)
			}
			bob, err = db.UserByID(ctx, bob.ID)
			mustNil(t, err)
			if bob.Disabled {
				if commit("b3", bob) {
					t.Errorf("%s: a session of a disabled user was written", st.name)
				}
				continue
			}
			if !commit("b1", bob) {
				t.Errorf("%s: a session on the new epoch was refused", st.name)
			}
		}
		// Setting the role a user already has ends nothing.
		mustNil(t, db.SetRole(ctx, alice.ID, store.RoleAdmin))
		if all, _ := ss.AllCtx(ctx); len(all) != 1 {
			t.Errorf("a no-op role change ended sessions: %v", all)
		}
		// Flushing all sessions moves every epoch on.
		stale := *alice
		n, err := db.DeleteAllSessions(ctx)
		mustNil(t, err)
		if n != 1 || commit("a1", &stale) {
			t.Errorf("after flushing %d sessions, alice's old session was written back", n)
		}
	})
}

// TestCommitRacingRevocationPostgres: on PostgreSQL a commit whose row a
// revocation is deleting waits for it and then, under READ COMMITTED,
// inserts the row afresh without looking at the revocation again. The
// store must take that row back. The revocation's transaction is held
// open here until the commit is seen waiting on it (pg_blocking_pids), so
// the interleaving is forced, not hoped for.
func TestCommitRacingRevocationPostgres(t *testing.T) {
	tests := []struct {
		name   string
		revoke []string // statements of the revoking transaction; $1 is the user id
	}{
		{"sign-out", []string{
			`DELETE FROM sessions WHERE token = 'tok'`,
			`INSERT INTO revoked_sessions (token, expiry) VALUES ('tok', 9999999999999999)`,
		}},
		{"sessions of the user revoked", []string{
			`UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1`,
			`DELETE FROM sessions WHERE user_id = $1`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Postgres(t)
			ss := db.SessionStore()
			u, err := db.CreateUser(ctx, "alice", store.RoleAdmin, "hash")
			mustNil(t, err)
			owner := func([]byte) (store.SessionOwner, error) {
				return store.SessionOwner{UserID: u.ID, Epoch: u.SessionEpoch}, nil
			}
			exp := time.Now().Add(time.Hour)
			mustNil(t, ss.CommitOwnedCtx(ctx, "tok", []byte("v1"), exp, owner))

			tx, err := db.SQL().BeginTx(ctx, nil)
			mustNil(t, err)
			defer tx.Rollback()
			var pid int
			mustNil(t, tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid))
			for _, q := range tt.revoke {
				var args []any
				if strings.Contains(q, "$1") {
					args = append(args, u.ID)
				}
				_, err := tx.ExecContext(ctx, q, args...)
				mustNil(t, err)
			}
			done := make(chan error, 1)
			go func() { done <- ss.CommitOwnedCtx(ctx, "tok", []byte("v2"), exp, owner) }()
			for waiting := false; !waiting; {
				select {
				case err := <-done:
					t.Fatalf("the commit did not wait for the revocation (err %v)", err)
				default:
				}
				var n int
				mustNil(t, db.SQL().QueryRowContext(ctx,
					`SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n))
				waiting = n > 0
			}
			mustNil(t, tx.Commit())
			mustNil(t, <-done)
			var n int
			mustNil(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n))
			if n != 0 {
				t.Errorf("the racing commit left %d session rows", n)
			}
		})
	}
}
