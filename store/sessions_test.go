package store_test

import (
	"bytes"
	"context"
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
