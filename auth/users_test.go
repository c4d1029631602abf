package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

func TestAddUser(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		cli := auth.SystemActor("cli")
		u, err := e.svc.AddUser(ctx, cli, "  Alice ", "long enough password", auth.RoleAdmin)
		mustNil(t, err)
		if u.Username != "alice" || u.Role != auth.RoleAdmin {
			t.Errorf("AddUser = %+v", u)
		}
		if ok, err := auth.CheckPassword(u.PasswordHash, "long enough password"); !ok || err != nil {
			t.Errorf("stored hash does not verify: %v %v", ok, err)
		}

		tests := []struct {
			name, user, pw, role string
			field                string
			is                   error
		}{
			{"taken", "ALICE", "long enough password", auth.RoleAgent, "username", store.ErrDuplicate},
			{"bad username", "al ice", "long enough password", auth.RoleAgent, "username", auth.ErrInvalidUsername},
			{"short password", "bob", "short", auth.RoleAgent, "password", auth.ErrInvalidPassword},
			{"bad role", "bob", "long enough password", "root", "role", auth.ErrInvalidRole},
		}
		for _, tt := range tests {
			_, err := e.svc.AddUser(ctx, cli, tt.user, tt.pw, tt.role)
			var ve *auth.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, tt.is) {
				t.Errorf("%s: err = %v, want ValidationError on %s matching %v", tt.name, err, tt.field, tt.is)
			}
		}

		// An agent may not create users; an admin may.
		agent, err := e.svc.AddUser(ctx, cli, "agent1", "long enough password", auth.RoleAgent)
		mustNil(t, err)
		_, err = e.svc.AddUser(ctx, auth.Actor{UserID: agent.ID, Username: "agent1"}, "x1", "long enough password", auth.RoleAgent)
		if !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("agent creating a user: %v, want ErrForbidden", err)
		}
		_, err = e.svc.AddUser(ctx, auth.Actor{UserID: u.ID, Username: "alice", ClientIP: "192.0.2.1"}, "x2", "long enough password", auth.RoleAgent)
		mustNil(t, err)

		evs := e.events(t, store.EventFilter{Action: auth.ActionUserCreate})
		if len(evs) != 3 {
			t.Fatalf("%d user.create events, want 3", len(evs))
		}
		last := evs[2]
		if last.Username != "alice" || last.UserID == nil || *last.UserID != u.ID || last.ClientIP != "192.0.2.1" ||
			!strings.Contains(last.Details, `"target":"x2"`) {
			t.Errorf("user.create event = %+v", last)
		}
		if strings.Contains(e.log.String(), "long enough password") {
			t.Error("password in log")
		}
	})
}

func TestUserManagementRules(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		bob := e.addUser(t, "bob", auth.RoleAgent)
		asAlice := auth.Actor{UserID: alice.ID, Username: "alice"}
		asBob := auth.Actor{UserID: bob.ID, Username: "bob"}
		cli := auth.SystemActor("cli")

		// Self-lockout is refused even when other admins exist.
		e.addUser(t, "zed", auth.RoleAdmin)
		if err := e.svc.Disable(ctx, asAlice, alice.ID); !errors.Is(err, auth.ErrSelfLockout) {
			t.Errorf("self-disable: %v", err)
		}
		if err := e.svc.SetRole(ctx, asAlice, alice.ID, auth.RoleAgent); !errors.Is(err, auth.ErrSelfLockout) {
			t.Errorf("self-demote: %v", err)
		}
		mustNil(t, e.svc.SetRole(ctx, asAlice, alice.ID, auth.RoleAdmin)) // no-op is fine

		// Agents cannot manage users.
		if err := e.svc.SetRole(ctx, asBob, bob.ID, auth.RoleAdmin); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("agent self-promote: %v", err)
		}
		if err := e.svc.Disable(ctx, asBob, alice.ID); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("agent disabling admin: %v", err)
		}
		if _, err := e.svc.SetPassword(ctx, asBob, alice.ID, "new long password"); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("agent resetting admin password: %v", err)
		}

		// Promote and demote.
		mustNil(t, e.svc.SetRole(ctx, asAlice, bob.ID, auth.RoleAdmin))
		mustNil(t, e.svc.SetRole(ctx, asAlice, bob.ID, auth.RoleAgent))
		if err := e.svc.SetRole(ctx, asAlice, bob.ID, "superuser"); !errors.Is(err, auth.ErrInvalidRole) {
			t.Errorf("bad role: %v", err)
		}

		// Disable and enable.
		mustNil(t, e.svc.Disable(ctx, asAlice, bob.ID))
		if _, err := e.svc.Authenticate(ctx, "bob", password("bob"), ""); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("disabled bob signed in: %v", err)
		}
		mustNil(t, e.svc.Enable(ctx, asAlice, bob.ID))
		if _, err := e.svc.Authenticate(ctx, "bob", password("bob"), ""); err != nil {
			t.Errorf("re-enabled bob: %v", err)
		}

		// Never zero enabled admins: the CLI is not bound by self-lockout,
		// but is by the last-admin rule.
		mustNil(t, e.svc.SetRole(ctx, cli, alice.ID, auth.RoleAgent))
		zed, _ := e.db.UserByName(ctx, "zed")
		if err := e.svc.Disable(ctx, cli, zed.ID); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("disable last admin: %v", err)
		}
		if err := e.svc.SetRole(ctx, cli, zed.ID, auth.RoleAgent); !errors.Is(err, auth.ErrLastAdmin) {
			t.Errorf("demote last admin: %v", err)
		}

		// A demoted admin loses management rights at once.
		if err := e.svc.Disable(ctx, asAlice, bob.ID); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("demoted alice disabling bob: %v", err)
		}

		if err := e.svc.Disable(ctx, cli, 999999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disable unknown id: %v", err)
		}

		actions := []string{}
		for _, ev := range e.events(t, store.EventFilter{Action: "user."}) {
			actions = append(actions, ev.Action)
		}
		want := "user.create user.create user.create user.role user.role user.disable user.enable user.role"
		if strings.Join(actions, " ") != want {
			t.Errorf("audit actions:\n got %v\nwant %v", strings.Join(actions, " "), want)
		}
	})
}

func TestPasswordChanges(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		bob := e.addUser(t, "bob", auth.RoleAgent)
		asAlice := auth.Actor{UserID: alice.ID, Username: "alice"}
		asBob := auth.Actor{UserID: bob.ID, Username: "bob"}

		// Admin reset.
		u, err := e.svc.SetPassword(ctx, asAlice, bob.ID, "brand new password")
		mustNil(t, err)
		if u.SessionEpoch != bob.SessionEpoch+1 {
			t.Errorf("epoch %d, want %d", u.SessionEpoch, bob.SessionEpoch+1)
		}
		if _, err := e.svc.Authenticate(ctx, "bob", password("bob"), ""); err == nil {
			t.Error("old password still works")
		}
		if _, err := e.svc.Authenticate(ctx, "bob", "brand new password", ""); err != nil {
			t.Errorf("new password: %v", err)
		}
		if _, err := e.svc.SetPassword(ctx, asAlice, bob.ID, "short"); !errors.Is(err, auth.ErrInvalidPassword) {
			t.Errorf("short reset: %v", err)
		}

		// Self change needs the current password.
		if _, err := e.svc.ChangePassword(ctx, asBob, "wrong current", "another new password"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("wrong current: %v", err)
		}
		u, err = e.svc.ChangePassword(ctx, asBob, "brand new password", "another new password")
		mustNil(t, err)
		if _, err := e.svc.Authenticate(ctx, "bob", "another new password", ""); err != nil {
			t.Errorf("after change: %v", err)
		}
		if _, err := e.svc.ChangePassword(ctx, auth.SystemActor("cli"), "a", "another new password"); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("system actor ChangePassword: %v", err)
		}

		// Wrong current passwords count towards the throttle.
		for range auth.DefaultMaxFailures {
			e.svc.ChangePassword(ctx, asBob, "wrong current", "yet another password")
		}
		if _, err := e.svc.ChangePassword(ctx, asBob, "another new password", "yet another password"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("after 5 wrong current passwords: %v, want throttled", err)
		}
		// An admin can unlock.
		mustNil(t, e.svc.Unlock(ctx, asAlice, "BOB"))
		if _, err := e.svc.ChangePassword(ctx, asBob, "another new password", "yet another password"); err != nil {
			t.Errorf("after unlock: %v", err)
		}
		_ = u
	})
}

func TestEnsureDemoUser(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		demoSvc := e.newService(e.db, auth.WithDemoMode(true))
		u, err := demoSvc.EnsureDemoUser(ctx)
		mustNil(t, err)
		if u.Username != "demo" || u.Role != auth.RoleAdmin || u.Disabled || !u.Demo {
			t.Fatalf("demo user = %+v", u)
		}
		if _, err := demoSvc.Authenticate(ctx, "demo", "demo", ""); err != nil {
			t.Fatalf("demo/demo: %v", err)
		}
		// The short password is only possible through EnsureDemoUser.
		if _, err := demoSvc.AddUser(ctx, auth.SystemActor("cli"), "demo2", "demo", auth.RoleAdmin); !errors.Is(err, auth.ErrInvalidPassword) {
			t.Errorf("AddUser with password demo: %v", err)
		}

		// Tampered demo account is restored, each change audited; a second
		// call is idempotent. (A second demo-mode admin lets demo be demoted.)
		hash, err := auth.InsecureFastParams.Hash("helper password")
		mustNil(t, err)
		_, err = e.db.CreateDemoUser(ctx, "demo-helper", auth.RoleAdmin, hash)
		mustNil(t, err)
		cli := auth.SystemActor("cli")
		_, err = demoSvc.SetPassword(ctx, cli, u.ID, "changed password!")
		mustNil(t, err)
		mustNil(t, demoSvc.SetRole(ctx, cli, u.ID, auth.RoleAgent))
		mustNil(t, demoSvc.Disable(ctx, cli, u.ID))
		before := len(e.events(t, store.EventFilter{}))
		u2, err := demoSvc.EnsureDemoUser(ctx)
		mustNil(t, err)
		if u2.ID != u.ID || u2.Role != auth.RoleAdmin || u2.Disabled || !u2.Demo {
			t.Errorf("restored demo user = %+v", u2)
		}
		if _, err := demoSvc.Authenticate(ctx, "demo", "demo", ""); err != nil {
			t.Errorf("demo/demo after restore: %v", err)
		}
		var got []string
		for _, ev := range e.events(t, store.EventFilter{})[before:] {
			if ev.Username == "demo-mode" {
				got = append(got, ev.Action)
			}
		}
		want := []string{auth.ActionUserPassword, auth.ActionUserRole, auth.ActionUserEnable}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("restoring the demo account recorded %v, want %v", got, want)
		}
		before = len(e.events(t, store.EventFilter{}))
		u3, err := demoSvc.EnsureDemoUser(ctx)
		mustNil(t, err)
		if u3.SessionEpoch != u2.SessionEpoch {
			t.Error("idempotent EnsureDemoUser revoked sessions")
		}
		if n := len(e.events(t, store.EventFilter{})); n != before {
			t.Errorf("idempotent EnsureDemoUser recorded %d events", n-before)
		}
		n, _ := e.db.CountUsers(ctx)
		if n != 2 {
			t.Errorf("%d users, want 2", n)
		}
	})
}

// TestDemoModeRefusesRealDatabase: demo mode never opens a database that
// holds real accounts, never touches a real account named demo, and its
// own account signs in on demo instances only.
func TestDemoModeRefusesRealDatabase(t *testing.T) {
	ctx := context.Background()
	hash := func(t *testing.T, pw string) string {
		t.Helper()
		h, err := auth.InsecureFastParams.Hash(pw)
		mustNil(t, err)
		return h
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env)
		example string // "" = demo mode accepts the database
	}{
		{"a real admin", func(t *testing.T, e *env) { e.addUser(t, "alice", auth.RoleAdmin) }, "alice"},
		{"a real agent next to demo's account", func(t *testing.T, e *env) {
			_, err := e.db.CreateDemoUser(ctx, "demo", auth.RoleAdmin, hash(t, "demo"))
			mustNil(t, err)
			e.addUser(t, "bob", auth.RoleAgent)
		}, "bob"},
		{"a real account named demo", func(t *testing.T, e *env) { e.addUser(t, "demo", auth.RoleAgent) }, "demo"},
		{"demo's account adopted from the shell", func(t *testing.T, e *env) {
			u, err := e.db.CreateDemoUser(ctx, "demo", auth.RoleAdmin, hash(t, "demo"))
			mustNil(t, err)
			_, err = e.svc.SetPassword(ctx, auth.SystemActor("cli"), u.ID, "the owner's own password")
			mustNil(t, err)
		}, "demo"},
		{"an empty database", func(*testing.T, *env) {}, ""},
		{"an account added on a demo instance", func(t *testing.T, e *env) {
			_, err := e.newService(e.db, auth.WithDemoMode(true)).AddUser(ctx, auth.SystemActor("test"), "visitor",
				"a long enough password", auth.RoleAgent)
			mustNil(t, err)
		}, ""},
		{"demo's account from before the mark", func(t *testing.T, e *env) {
			_, err := e.db.CreateUser(ctx, "demo", auth.RoleAdmin, hash(t, "demo"))
			mustNil(t, err)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachEnv(t, func(t *testing.T, e *env) {
				tt.setup(t, e)
				usersBefore, err := e.db.ListUsers(ctx)
				mustNil(t, err)
				eventsBefore := len(e.events(t, store.EventFilter{}))
				demoSvc := e.newService(e.db, auth.WithDemoMode(true))

				u, err := demoSvc.EnsureDemoUser(ctx)
				if tt.example == "" {
					mustNil(t, err)
					if !u.Demo || u.Disabled || u.Role != auth.RoleAdmin {
						t.Fatalf("demo user = %+v", u)
					}
					// Demo's account signs in on demo instances only.
					if _, err := demoSvc.Authenticate(ctx, "demo", "demo", ""); err != nil {
						t.Errorf("demo/demo on a demo instance: %v", err)
					}
					if _, err := e.svc.Authenticate(ctx, "demo", "demo", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
						t.Errorf("demo/demo on a real instance: %v", err)
					}
					return
				}
				var nerr *auth.NotDemoDatabaseError
				if !errors.As(err, &nerr) || !errors.Is(err, auth.ErrNotDemoDatabase) || nerr.Example != tt.example {
					t.Fatalf("EnsureDemoUser = %v, %v; want a refusal naming %q", u, err, tt.example)
				}
				usersAfter, err := e.db.ListUsers(ctx)
				mustNil(t, err)
				if fmt.Sprint(usersAfter) != fmt.Sprint(usersBefore) {
					t.Errorf("refusing demo mode changed accounts:\n%v\n%v", usersBefore, usersAfter)
				}
				if n := len(e.events(t, store.EventFilter{})); n != eventsBefore {
					t.Errorf("refusing demo mode recorded %d events", n-eventsBefore)
				}
				if _, err := e.svc.Authenticate(ctx, "demo", "demo", ""); !errors.Is(err, auth.ErrInvalidCredentials) {
					t.Errorf("demo/demo on a real instance after the refusal: %v", err)
				}
			})
		})
	}
}

// TestDemoInstanceCannotChangeRealAccounts: an account added to a shared
// database while a demo instance runs (after its start-up check) cannot be
// reset, disabled, enabled, promoted or signed out by the demo's admin,
// whose password everyone knows; demo mode's own accounts still can.
func TestDemoInstanceCannotChangeRealAccounts(t *testing.T) {
	ctx := context.Background()
	forEachEnv(t, func(t *testing.T, e *env) {
		demoSvc := e.newService(e.db, auth.WithDemoMode(true))
		demo, err := demoSvc.EnsureDemoUser(ctx)
		mustNil(t, err)
		visitor, err := demoSvc.AddUser(ctx, auth.SystemActor("test"), "visitor", "a long enough password", auth.RoleAgent)
		mustNil(t, err)
		real := e.addUser(t, "prodadmin", auth.RoleAdmin) // added later, from outside the demo
		actor := auth.Actor{UserID: demo.ID, Username: demo.Username}

		changes := map[string]func(id int64) error{
			"reset password": func(id int64) error {
				_, err := demoSvc.SetPassword(ctx, actor, id, "hijacked by demo admin 7")
				return err
			},
			"disable": func(id int64) error { return demoSvc.Disable(ctx, actor, id) },
			"enable":  func(id int64) error { return demoSvc.Enable(ctx, actor, id) },
			"role":    func(id int64) error { return demoSvc.SetRole(ctx, actor, id, auth.RoleAgent) },
			"revoke":  func(id int64) error { return demoSvc.RevokeSessions(ctx, actor, id) },
		}
		for name, change := range changes {
			before, err := e.db.UserByID(ctx, real.ID)
			mustNil(t, err)
			if err := change(real.ID); !errors.Is(err, auth.ErrNotDemoAccount) {
				t.Errorf("%s of a real account from a demo instance: %v, want ErrNotDemoAccount", name, err)
			}
			after, err := e.db.UserByID(ctx, real.ID)
			mustNil(t, err)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("%s changed the real account:\n%+v\n%+v", name, before, after)
			}
			if err := change(visitor.ID); err != nil {
				t.Errorf("%s of demo mode's own account: %v", name, err)
			}
		}
		if _, err := e.svc.Authenticate(ctx, "prodadmin", "hijacked by demo admin 7", ""); err == nil {
			t.Error("the demo admin's password reset of a real account took effect")
		}
	})
}
