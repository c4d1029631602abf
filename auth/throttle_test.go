package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

// TestThrottledAttemptsDoNotFloodTheAuditTrail: once a key is locked, a
// thousand further attempts add a handful of audit rows (the lock, then
// the counts at 10, 100 and 1000), not a thousand.
func TestThrottledAttemptsDoNotFloodTheAuditTrail(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAgent)
		for range auth.DefaultMaxFailures {
			if _, err := e.svc.Authenticate(ctx, "alice", "wrong", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatal(err)
			}
		}
		before := len(e.events(t, store.EventFilter{}))
		for i := range 1000 {
			if _, err := e.svc.Authenticate(ctx, "alice", "wrong", "192.0.2.1"); !errors.Is(err, auth.ErrThrottled) {
				t.Fatalf("attempt %d while locked: %v", i+1, err)
			}
			e.clk.Advance(100 * time.Millisecond) // all inside one lock period
		}
		evs := e.events(t, store.EventFilter{})[before:]
		if len(evs) > 4 {
			t.Fatalf("1000 throttled attempts added %d audit rows, want at most 4", len(evs))
		}
		last := evs[len(evs)-1]
		if last.Action != auth.ActionLoginThrottled || last.Username != "alice" {
			t.Errorf("last event %+v", last)
		}
		if want := `"refused_in_lock":1000`; !contains(last.Details, want) {
			t.Errorf("details %s do not carry the count %s", last.Details, want)
		}

		// A new lock period, after the first one ends, is recorded again.
		e.clk.Advance(auth.DefaultFailureWindow)
		for range auth.DefaultMaxFailures {
			e.svc.Authenticate(ctx, "alice", "wrong", "192.0.2.1")
		}
		e.svc.Authenticate(ctx, "alice", "wrong", "192.0.2.1")
		got := e.events(t, store.EventFilter{Action: auth.ActionLoginThrottled})
		if n := len(got); n != len(evs)+1 || !contains(got[n-1].Details, `"refused_in_lock":1`) {
			t.Errorf("second lock period: %d throttled events, last %+v", n, got[n-1])
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestCommonPasswordsRefused(t *testing.T) {
	tests := []struct {
		pw     string
		common bool
	}{
		{"qwertyuiop123", true},  // list entry "qwertyuiop" plus digits
		{"1qaz2wsx3edc", true},   // in the list as is
		{"Password2024!", true},  // case and a suffix do not help
		{"123qweasdzxc", true},   // keyboard walk from the list
		{"  qwerty123456", true}, // spaces around a common one do not help
		{"qwertyuiop123 ", true},
		{"correct horse battery staple", false},
		{"plum-kettle-orbit", false},
		{"dragon", true},
	}
	for _, tt := range tests {
		if got := auth.IsCommonPassword(tt.pw); got != tt.common {
			t.Errorf("IsCommonPassword(%q) = %v, want %v", tt.pw, got, tt.common)
		}
	}
	err := auth.ValidatePassword("qwertyuiop123")
	var verr *auth.ValidationError
	if !errors.As(err, &verr) || verr.Field != "password" || !errors.Is(err, auth.ErrInvalidPassword) {
		t.Fatalf("ValidatePassword(common) = %v", err)
	}
	if !contains(verr.Message, "most common passwords") {
		t.Errorf("message %q does not say why", verr.Message)
	}
}

// TestOwnPasswordNeedsTheCurrentOne: an admin cannot reset their own
// password through the admin reset (no current password); other users'
// resets still work, and so does ChangePassword.
func TestOwnPasswordNeedsTheCurrentOne(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		bob := e.addUser(t, "bob", auth.RoleAgent)
		asAlice := auth.Actor{UserID: alice.ID, Username: "alice"}
		if _, err := e.svc.SetPassword(ctx, asAlice, alice.ID, "a brand new passphrase"); !errors.Is(err, auth.ErrOwnPassword) {
			t.Errorf("own reset without the current password: %v, want ErrOwnPassword", err)
		}
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), ""); err != nil {
			t.Errorf("password changed anyway: %v", err)
		}
		if _, err := e.svc.SetPassword(ctx, asAlice, bob.ID, "a brand new passphrase"); err != nil {
			t.Errorf("resetting someone else's: %v", err)
		}
		if _, err := e.svc.ChangePassword(ctx, asAlice, password("alice"), "a brand new passphrase"); err != nil {
			t.Errorf("own change with the current password: %v", err)
		}
	})
}
