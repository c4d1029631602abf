package auth_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
)

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func TestHashAndCheck(t *testing.T) {
	p := auth.InsecureFastParams
	h1, err := p.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := p.Hash("correct horse battery staple")
	if !phc.MatchString(h1) {
		t.Fatalf("hash %q is not PHC argon2id", h1)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Errorf("hash %q does not record the params", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := auth.CheckPassword(h1, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, got, err, tt.want)
		}
	}
}

func TestCheckPasswordNormalizesUnicode(t *testing.T) {
	// "é" precomposed vs "e" + combining acute: the same password to a person.
	h, err := auth.InsecureFastParams.Hash("caf\u00e9-caf\u00e9-caf\u00e9")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := auth.CheckPassword(h, "cafe\u0301-cafe\u0301-cafe\u0301")
	if err != nil || !ok {
		t.Errorf("decomposed form did not match: %v, %v", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, _ := auth.InsecureFastParams.Hash("x")
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"",
		"plaintext",
		"$2a$10$abcdefghijklmnopqrstuv", // bcrypt
		strings.Replace(good, "argon2id", "argon2i", 1),                               // other variant
		strings.Replace(good, "v=19", "v=16", 1),                                      // old version
		strings.Replace(good, "m=8,", "m=99999999,", 1),                               // absurd memory
		strings.Replace(good, "t=1,", "t=1000,", 1),                                   // absurd time
		strings.Replace(good, "p=1$", "p=300$", 1),                                    // absurd lanes
		strings.Replace(good, "m=8,t=1,p=1", "m=8,t=1,p=1,x=2", 1),                    // junk
		strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"), // bad salt
		good + "$extra",
	} {
		ok, err := auth.CheckPassword(h, "x")
		if ok || !errors.Is(err, auth.ErrMalformedHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want ErrMalformedHash", h, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := auth.InsecureFastParams.Hash("x")
	if auth.NeedsRehash(h, auth.InsecureFastParams) {
		t.Error("NeedsRehash with the same params")
	}
	if !auth.NeedsRehash(h, auth.DefaultParams) {
		t.Error("no NeedsRehash with other params")
	}
	if !auth.NeedsRehash("garbage", auth.DefaultParams) {
		t.Error("no NeedsRehash for garbage")
	}
}

func TestInvalidParams(t *testing.T) {
	for _, p := range []auth.Params{
		{},
		{Memory: 4, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 64, Iterations: 0, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 4, KeyLength: 32},
	} {
		if _, err := p.Hash("x"); err == nil {
			t.Errorf("Hash with %+v: no error", p)
		}
	}
}

// TestDefaultParams hashes once with the production parameters and logs
// how long a check takes (aim: 50-100 ms on 2 cores).
func TestDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("slow by design")
	}
	h, err := auth.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("default hash %q", h)
	}
	start := time.Now()
	ok, err := auth.CheckPassword(h, "a long enough password")
	if err != nil || !ok {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
	t.Logf("argon2id check with DefaultParams took %v", time.Since(start))
}
