package auth_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

func TestAuthenticate(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		carol := e.addUser(t, "carol", auth.RoleAgent)
		e.addUser(t, "dave", auth.RoleAdmin)
		if err := e.svc.Disable(ctx, auth.SystemActor("test"), carol.ID); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name, user, pw string
			wantReason     string // "" = success
		}{
			{"success", "alice", password("alice"), ""},
			{"success, username typed with capitals and spaces", " ALICE ", password("alice"), ""},
			{"wrong password", "alice", "wrong-password-123", "bad_password"},
			{"unknown user", "nobody", password("alice"), "unknown_user"},
			{"invalid username", "<script>", "x", "invalid_username"},
			{"disabled user, right password", "carol", password("carol"), "disabled"},
			{"empty password", "alice", "", "bad_password"},
			{"oversized password", "alice", strings.Repeat("x", 5000), "bad_password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.clk.Advance(time.Minute)
				u, err := e.svc.Authenticate(ctx, tt.user, tt.pw, "198.51.100.7")
				last := e.events(t, store.EventFilter{})[len(e.events(t, store.EventFilter{}))-1]
				if tt.wantReason == "" {
					if err != nil || u == nil || u.ID != alice.ID {
						t.Fatalf("Authenticate = %v, %v; want alice", u, err)
					}
					if u.LastLoginAt == nil || !u.LastLoginAt.Equal(e.clk.Now()) {
						t.Errorf("returned LastLoginAt = %v, want %v", u.LastLoginAt, e.clk.Now())
					}
					stored, _ := e.db.UserByID(ctx, alice.ID)
					if stored.LastLoginAt == nil || !stored.LastLoginAt.Equal(e.clk.Now()) {
						t.Errorf("stored LastLoginAt = %v", stored.LastLoginAt)
					}
					if last.Action != auth.ActionLoginSuccess || last.Username != "alice" ||
						last.UserID == nil || *last.UserID != alice.ID || last.ClientIP != "198.51.100.7" {
						t.Errorf("audit = %+v", last)
					}
					return
				}
				if !errors.Is(err, auth.ErrInvalidCredentials) || u != nil {
					t.Fatalf("Authenticate = %v, %v; want ErrInvalidCredentials", u, err)
				}
				if last.Action != auth.ActionLoginFailure || !strings.Contains(last.Details, tt.wantReason) {
					t.Errorf("audit = %+v, want failure %s", last, tt.wantReason)
				}
				if strings.Contains(last.Details, tt.pw) && tt.pw != "" {
					t.Errorf("audit details contain the password: %q", last.Details)
				}
				// Failures of one IP must not lock the next subtest.
				mustNil(t, e.db.ClearLoginFailures(ctx, "ip:198.51.100.7"))
			})
		}
		for _, pw := range []string{password("alice"), "wrong-password-123"} {
			if strings.Contains(e.log.String(), pw) {
				t.Errorf("log contains a password %q", pw)
			}
		}
	})
}

func TestAuthenticateDoesNotRecordInvalidUsernames(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const typo = "Tr0ub4dor&3 horse" // a password typed into the username field
		if _, err := e.svc.Authenticate(ctx, typo, "x", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatal(err)
		}
		evs := e.events(t, store.EventFilter{Action: auth.ActionLoginFailure})
		if len(evs) != 1 || evs[0].Username != "" || !strings.Contains(evs[0].Details, "invalid_username") {
			t.Errorf("events = %+v", evs)
		}
		var keys []string
		rows, err := e.db.SQL().QueryContext(ctx, `SELECT key FROM login_failures`)
		mustNil(t, err)
		for rows.Next() {
			var k string
			mustNil(t, rows.Scan(&k))
			keys = append(keys, k)
		}
		rows.Close()
		for _, where := range []string{e.log.String(), strings.Join(keys, " "), evs[0].Details} {
			if strings.Contains(strings.ToLower(where), "tr0ub4dor") {
				t.Errorf("typed input stored or logged: %s", where)
			}
		}
		// The hashed key still throttles repeated attempts with that input.
		for range 4 {
			e.svc.Authenticate(ctx, typo, "x", "192.0.2.1")
		}
		if _, err := e.svc.Authenticate(ctx, typo, "x", "192.0.2.1"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("invalid username not throttled: %v", err)
		}
	})
}

func TestLookupUser(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		u, err := e.svc.LookupUser(ctx, " Alice")
		if err != nil || u.ID != alice.ID {
			t.Errorf("LookupUser = %v, %v", u, err)
		}
		for _, name := range []string{"bob", "b o b"} {
			if _, err := e.svc.LookupUser(ctx, name); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("LookupUser(%q) = %v, want ErrNotFound", name, err)
			}
		}
	})
}

func TestAuthenticateSameErrorMessage(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		_, errUnknown := e.svc.Authenticate(ctx, "nobody", "whatever-password", "")
		_, errWrong := e.svc.Authenticate(ctx, "alice", "whatever-password", "")
		if errUnknown == nil || errWrong == nil || errUnknown.Error() != errWrong.Error() {
			t.Errorf("unknown user: %v; wrong password: %v; want the same error", errUnknown, errWrong)
		}
	})
}

func TestThrottleByUsernameAndAddress(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		const attacker = "203.0.113.66"
		start := e.clk.Now()
		// Five failures from one address, one minute apart.
		for i := range auth.DefaultMaxFailures {
			_, err := e.svc.Authenticate(ctx, "alice", "wrong", attacker)
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
			e.clk.Advance(time.Minute)
		}
		// That address is now locked for alice, even with the right password.
		_, err := e.svc.Authenticate(ctx, "ALICE", password("alice"), attacker)
		var terr *auth.ThrottledError
		if !errors.As(err, &terr) || !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("6th attempt: %v, want *ThrottledError", err)
		}
		// The first failure was at start; the lock lifts at start+15m.
		want := start.Add(auth.DefaultFailureWindow).Sub(e.clk.Now())
		if terr.RetryAfter != want || terr.RetryAfterSeconds() != int(want.Seconds()) {
			t.Errorf("RetryAfter = %v (%ds), want %v", terr.RetryAfter, terr.RetryAfterSeconds(), want)
		}
		if d, _ := e.svc.ThrottleStatus(ctx, "alice", attacker); d != want {
			t.Errorf("ThrottleStatus = %v, want %v", d, want)
		}
		evs := e.events(t, store.EventFilter{Action: auth.ActionLoginThrottled})
		if len(evs) != 1 || evs[0].Username != "alice" || !strings.Contains(evs[0].Details, "username_and_address") {
			t.Errorf("throttled audit events = %+v", evs)
		}
		// ...but alice herself, elsewhere, is not locked out by the attacker.
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), "198.51.100.7"); err != nil {
			t.Errorf("alice locked out everywhere by one address's failures: %v", err)
		}

		// One second before the lock lifts: still locked.
		e.clk.Set(start.Add(auth.DefaultFailureWindow - time.Second))
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), attacker); !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("just before expiry: %v, want throttled", err)
		}
		e.clk.Set(start.Add(auth.DefaultFailureWindow))
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), attacker); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Success cleared the pair's failures.
		if n, _ := e.db.CountLoginFailures(ctx, "user:alice|ip:"+attacker, start); n != 0 {
			t.Errorf("%d failures left after success", n)
		}
	})
}

func TestThrottleByUsernameGlobally(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		e.addUser(t, "bob", auth.RoleAgent)
		// Guessing spread over many addresses: one attempt each.
		for i := range auth.DefaultUserMaxFailures {
			_, err := e.svc.Authenticate(ctx, "alice", "wrong", "10.0."+strconv.Itoa(i/200)+"."+strconv.Itoa(i%200+1))
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		_, err := e.svc.Authenticate(ctx, "alice", password("alice"), "198.51.100.7")
		if !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("after %d failures from many addresses: %v, want throttled", auth.DefaultUserMaxFailures, err)
		}
		// Other users are not affected.
		if _, err := e.svc.Authenticate(ctx, "bob", password("bob"), "198.51.100.7"); err != nil {
			t.Errorf("bob locked out by alice's failures: %v", err)
		}
		// An admin unlock clears the username and its pairs.
		mustNil(t, e.svc.Unlock(ctx, auth.SystemActor("test"), "alice"))
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), "198.51.100.7"); err != nil {
			t.Errorf("after unlock: %v", err)
		}
	})
}

func TestThrottleByClientIP(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.addUser(t, "alice", auth.RoleAdmin)
		// Password spraying: one attempt per username from one network.
		for i := range auth.DefaultIPMaxFailures {
			_, err := e.svc.Authenticate(ctx, "user"+strconv.Itoa(i), "guess", "2001:db8:1:2::"+strconv.Itoa(i+1))
			if !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		// Another address in the same IPv6 /64 is locked too...
		_, err := e.svc.Authenticate(ctx, "alice", password("alice"), "2001:db8:1:2::ffff")
		if !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("same /64: %v, want throttled", err)
		}
		// ...but not another network.
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), "2001:db8:1:3::1"); err != nil {
			t.Fatalf("other /64: %v", err)
		}
		// A success does not clear the address's failures (so a valid
		// account cannot be used to reset spraying limits).
		if _, err := e.svc.Authenticate(ctx, "alice", password("alice"), "2001:db8:1:2::1"); !errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("after another address succeeded: %v, want still throttled", err)
		}
	})
}

func TestThrottleIPv4MappedAndDisabled(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for range auth.DefaultMaxFailures {
			e.svc.Authenticate(ctx, "x", "y", "::ffff:192.0.2.1")
		}
		if _, err := e.svc.Authenticate(ctx, "x", "y", "192.0.2.1"); !errors.Is(err, auth.ErrThrottled) {
			t.Errorf("IPv4-mapped address not the same key as IPv4: %v", err)
		}

		svc := e.newService(e.db, auth.WithThrottle(0, 0))
		for range 10 {
			if _, err := svc.Authenticate(ctx, "x", "y", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("throttling disabled: %v", err)
			}
		}
	})
}

func TestAuthenticateUpgradesHash(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		u := e.addUser(t, "alice", auth.RoleAdmin)
		stronger := auth.InsecureFastParams
		stronger.Iterations = 2
		svc := e.newService(e.db, auth.WithHashParams(stronger))
		if _, err := svc.Authenticate(ctx, "alice", password("alice"), ""); err != nil {
			t.Fatal(err)
		}
		got, _ := e.db.UserByID(ctx, u.ID)
		if !strings.Contains(got.PasswordHash, ",t=2,") {
			t.Errorf("hash not upgraded: %s", got.PasswordHash)
		}
		if got.SessionEpoch != u.SessionEpoch {
			t.Error("hash upgrade revoked sessions")
		}
		if _, err := svc.Authenticate(ctx, "alice", password("alice"), ""); err != nil {
			t.Errorf("sign-in after upgrade: %v", err)
		}
	})
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
