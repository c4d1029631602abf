package auth

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/cdrdash/cdrdash/store/storetest"
)

// TestUnknownUserDoesTheSameWork checks the timing-equalisation mechanism
// deterministically: every failure path, the unknown-user one included,
// runs exactly one argon2id check with the service's parameters.
func TestUnknownUserDoesTheSameWork(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	s := NewService(db, WithHashParams(InsecureFastParams))
	if NeedsRehash(s.dummyHash, s.params) {
		t.Fatalf("dummy hash %q does not use the service parameters", s.dummyHash)
	}
	var (
		mu     sync.Mutex
		hashes []string
	)
	s.verify = func(ctx context.Context, hash, pw string) (bool, error) {
		mu.Lock()
		hashes = append(hashes, hash)
		mu.Unlock()
		return checkPassword(ctx, hash, pw)
	}
	u, err := s.AddUser(ctx, SystemActor("test"), "alice", "long enough password", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.AddUser(ctx, SystemActor("test"), "bob", "long enough password", RoleAgent)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetDisabled(ctx, bob.ID, true); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, user string
		wantHash   string
	}{
		{"unknown user", "nobody", s.dummyHash},
		{"invalid username", "no body!", s.dummyHash},
		{"wrong password", "alice", u.PasswordHash},
		{"disabled", "bob", bob.PasswordHash},
	}
	for _, tt := range tests {
		hashes = nil
		_, err := s.Authenticate(ctx, tt.user, "not the password", "")
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s: %v", tt.name, err)
		}
		if len(hashes) != 1 || hashes[0] != tt.wantHash {
			t.Errorf("%s: verified against %q, want exactly one check against %q", tt.name, hashes, tt.wantHash)
		}
	}
}
