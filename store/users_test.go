package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

func TestUsersCRUD(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, clk *storetest.Clock) {
		ctx := context.Background()

		alice, err := db.CreateUser(ctx, "alice", store.RoleAdmin, "hash-a")
		mustNil(t, err)
		if alice.ID == 0 || alice.Username != "alice" || alice.Role != store.RoleAdmin ||
			alice.PasswordHash != "hash-a" || alice.Disabled || alice.LastLoginAt != nil ||
			!alice.CreatedAt.Equal(t0) || !alice.UpdatedAt.Equal(t0) || alice.SessionEpoch != 0 {
			t.Fatalf("CreateUser returned %+v", alice)
		}

		_, err = db.CreateUser(ctx, "alice", store.RoleAgent, "x")
		wantErr(t, err, store.ErrDuplicate)

		if _, err := db.CreateUser(ctx, "mallory", "root", "x"); err == nil {
			t.Error("CreateUser accepted an unknown role")
		}

		bob, err := db.CreateUser(ctx, "bob", store.RoleAgent, "hash-b")
		mustNil(t, err)

		got, err := db.UserByName(ctx, "alice")
		mustNil(t, err)
		if got.ID != alice.ID {
			t.Errorf("UserByName id = %d, want %d", got.ID, alice.ID)
		}
		got, err = db.UserByID(ctx, bob.ID)
		mustNil(t, err)
		if got.Username != "bob" {
			t.Errorf("UserByID username = %q", got.Username)
		}
		_, err = db.UserByName(ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)
		_, err = db.UserByID(ctx, 999999)
		wantErr(t, err, store.ErrNotFound)

		users, err := db.ListUsers(ctx)
		mustNil(t, err)
		if len(users) != 2 || users[0].Username != "alice" || users[1].Username != "bob" {
			t.Errorf("ListUsers = %+v", users)
		}
		n, err := db.CountUsers(ctx)
		mustNil(t, err)
		if n != 2 {
			t.Errorf("CountUsers = %d", n)
		}

		clk.Advance(time.Minute)
		mustNil(t, db.UpdatePassword(ctx, bob.ID, "hash-b2"))
		got, _ = db.UserByID(ctx, bob.ID)
		if got.PasswordHash != "hash-b2" || got.SessionEpoch != 1 || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after UpdatePassword: %+v", got)
		}
		wantErr(t, db.UpdatePassword(ctx, 999999, "x"), store.ErrNotFound)

		ok, err := db.ReplacePasswordHash(ctx, bob.ID, "stale", "hash-b3")
		mustNil(t, err)
		if ok {
			t.Error("ReplacePasswordHash replaced although the old hash did not match")
		}
		ok, err = db.ReplacePasswordHash(ctx, bob.ID, "hash-b2", "hash-b3")
		mustNil(t, err)
		got, _ = db.UserByID(ctx, bob.ID)
		if !ok || got.PasswordHash != "hash-b3" || got.SessionEpoch != 1 {
			t.Errorf("ReplacePasswordHash: ok=%v user=%+v (epoch must not change)", ok, got)
		}

		mustNil(t, db.RevokeSessions(ctx, bob.ID))
		got, _ = db.UserByID(ctx, bob.ID)
		if got.SessionEpoch != 2 {
			t.Errorf("RevokeSessions: epoch = %d, want 2", got.SessionEpoch)
		}

		login := t0.Add(2 * time.Minute).Add(123 * time.Microsecond)
		mustNil(t, db.RecordLogin(ctx, bob.ID, login))
		mustNil(t, db.SetTimeZone(ctx, bob.ID, "Europe/Paris"))
		mustNil(t, db.SetExportColumns(ctx, bob.ID, "start,from,to,duration"))
		got, _ = db.UserByID(ctx, bob.ID)
		if got.LastLoginAt == nil || !got.LastLoginAt.Equal(login) {
			t.Errorf("LastLoginAt = %v, want %v", got.LastLoginAt, login)
		}
		if got.TimeZone != "Europe/Paris" || got.ExportColumns != "start,from,to,duration" {
			t.Errorf("prefs = %q %q", got.TimeZone, got.ExportColumns)
		}
		wantErr(t, db.SetTimeZone(ctx, 999999, "UTC"), store.ErrNotFound)
	})
}

func TestLastAdminGuard(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		ctx := context.Background()
		a1, err := db.CreateUser(ctx, "a1", store.RoleAdmin, "h")
		mustNil(t, err)
		a2, err := db.CreateUser(ctx, "a2", store.RoleAdmin, "h")
		mustNil(t, err)
		ag, err := db.CreateUser(ctx, "ag", store.RoleAgent, "h")
		mustNil(t, err)

		admins := func() int {
			t.Helper()
			n, err := db.CountAdmins(ctx)
			mustNil(t, err)
			return n
		}
		if admins() != 2 {
			t.Fatalf("CountAdmins = %d, want 2", admins())
		}

		// Agents can always be disabled and re-enabled.
		mustNil(t, db.SetDisabled(ctx, ag.ID, true))
		got, _ := db.UserByID(ctx, ag.ID)
		if !got.Disabled || got.SessionEpoch != 1 {
			t.Errorf("disabled agent: %+v (want disabled, epoch 1)", got)
		}
		mustNil(t, db.SetDisabled(ctx, ag.ID, false))
		got, _ = db.UserByID(ctx, ag.ID)
		if got.Disabled || got.SessionEpoch != 1 {
			t.Errorf("re-enabled agent: %+v (want enabled, epoch still 1)", got)
		}

		mustNil(t, db.SetRole(ctx, a1.ID, store.RoleAgent))
		if admins() != 1 {
			t.Fatalf("CountAdmins = %d, want 1", admins())
		}
		wantErr(t, db.SetRole(ctx, a2.ID, store.RoleAgent), store.ErrLastAdmin)
		wantErr(t, db.SetDisabled(ctx, a2.ID, true), store.ErrLastAdmin)
		got, _ = db.UserByID(ctx, a2.ID)
		if got.Role != store.RoleAdmin || got.Disabled {
			t.Errorf("last admin changed despite ErrLastAdmin: %+v", got)
		}

		// A disabled admin does not count: promote, disable, and the
		// remaining enabled admin is still protected.
		mustNil(t, db.SetRole(ctx, a1.ID, store.RoleAdmin))
		mustNil(t, db.SetDisabled(ctx, a1.ID, true))
		wantErr(t, db.SetRole(ctx, a2.ID, store.RoleAgent), store.ErrLastAdmin)
		// Demoting a disabled admin is fine.
		mustNil(t, db.SetRole(ctx, a1.ID, store.RoleAgent))
		// No-op changes on the last admin are fine.
		mustNil(t, db.SetRole(ctx, a2.ID, store.RoleAdmin))
		mustNil(t, db.SetDisabled(ctx, a2.ID, false))

		wantErr(t, db.SetRole(ctx, 999999, store.RoleAgent), store.ErrNotFound)
		wantErr(t, db.SetDisabled(ctx, 999999, true), store.ErrNotFound)
	})
}

func TestLastAdminGuardConcurrent(t *testing.T) {
	// Two admins demoting each other at the same time over two handles
	// (two replicas): exactly one may succeed.
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		db1, db2 := tg.Open(t), tg.Open(t)
		a, err := db1.CreateUser(ctx, "a", store.RoleAdmin, "h")
		mustNil(t, err)
		b, err := db1.CreateUser(ctx, "b", store.RoleAdmin, "h")
		mustNil(t, err)
		for round := range 5 {
			errs := make(chan error, 2)
			go func() { errs <- db1.SetDisabled(ctx, a.ID, true) }()
			go func() { errs <- db2.SetRole(ctx, b.ID, store.RoleAgent) }()
			e1, e2 := <-errs, <-errs
			if n, _ := db1.CountAdmins(ctx); n != 1 {
				t.Fatalf("round %d: %d enabled admins left (errors %v, %v)", round, n, e1, e2)
			}
			if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, store.ErrLastAdmin) || errors.Is(e2, store.ErrLastAdmin)) {
				t.Fatalf("round %d: want one success and one ErrLastAdmin, got %v, %v", round, e1, e2)
			}
			// Reset: re-enable a and promote b (both admins again).
			mustNil(t, db1.SetDisabled(ctx, a.ID, false))
			mustNil(t, db1.SetRole(ctx, a.ID, store.RoleAdmin))
			mustNil(t, db1.SetRole(ctx, b.ID, store.RoleAdmin))
		}
	})
}
