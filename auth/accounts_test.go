package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

// TestAccountReads covers what handlers and the CLI read and store through
// the service instead of reaching the store directly.
func TestAccountReads(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ann := e.addUser(t, "ann", auth.RoleAdmin)
		e.addUser(t, "bob", auth.RoleAgent)

		users, err := e.svc.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		if !slices.Equal(names, []string{"ann", "bob"}) {
			t.Errorf("ListUsers = %v, want [ann bob]", names)
		}

		if _, err := e.svc.UserByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByID(missing) = %v, want store.ErrNotFound", err)
		}

		if err := e.svc.SetTimeZone(ctx, ann.ID, "Asia/Kolkata"); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetTimeZone(ctx, ann.ID, "Mars/Olympus"); !errors.Is(err, auth.ErrInvalidTimeZone) {
			t.Errorf("SetTimeZone(Mars/Olympus) = %v, want ErrInvalidTimeZone", err)
		}
		if err := e.svc.SetExportColumns(ctx, ann.ID, "call_id,duration"); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.UserByID(ctx, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TimeZone != "Asia/Kolkata" || got.ExportColumns != "call_id,duration" {
			t.Errorf("stored preferences = %q, %q; want the valid zone and the columns", got.TimeZone, got.ExportColumns)
		}

		e.svc.Audit().Record(ctx, auth.Event{Action: auth.ActionLogout, Username: "ann"})
		actions, err := e.svc.Audit().Actions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(actions, auth.ActionLogout) || !slices.Contains(actions, auth.ActionUserCreate) {
			t.Errorf("Actions = %v, want logout and user.create among them", actions)
		}
	})
}
