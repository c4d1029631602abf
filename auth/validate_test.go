package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
)

func TestNormalizeUsername(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice", "alice", true},
		{"  Alice.Smith ", "alice.smith", true},
		{"a", "a", true},
		{"agent_007-x", "agent_007-x", true},
		{"0day", "0day", true},
		{strings.Repeat("a", 64), strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), "", false},
		{"", "", false},
		{"   ", "", false},
		{"-rf", "", false},
		{".hidden", "", false},
		{"_x", "", false},
		{"al ice", "", false},
		{"alice@example.com", "", false},
		{"al/ice", "", false},
		{"\u0430lice", "", false},  // Cyrillic a
		{"\u212aelvin", "", false}, // Kelvin sign, lowercases to ASCII k
		{"ǅemo", "", false},
		{"alice\x00", "", false},
		{"ali\tce", "", false},
	}
	for _, tt := range tests {
		got, err := auth.NormalizeUsername(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil {
			var ve *auth.ValidationError
			if !errors.As(err, &ve) || ve.Field != "username" || !errors.Is(err, auth.ErrInvalidUsername) {
				t.Errorf("NormalizeUsername(%q) error %v is not a username ValidationError", tt.in, err)
			}
		}
	}
	if err := auth.ValidateUsername("Alice"); err == nil {
		t.Error("ValidateUsername accepted a non-canonical name")
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"123456789012", true},
		{"12345678901", false},
		{"", false},
		{"demo", false},
		{"ééééééééééé", false}, // 11 runes, 22 bytes
		{"éééééééééééé", true}, // 12 runes
		{"e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301", false}, // 12 code points, 6 after NFKC
		{strings.Repeat("x", 1024), true},
		{strings.Repeat("x", 1025), false},
		{"valid-length\xff", false},
	}
	for _, tt := range tests {
		err := auth.ValidatePassword(tt.pw)
		if tt.ok != (err == nil) {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidPassword) {
			t.Errorf("ValidatePassword(%q) = %v, not ErrInvalidPassword", tt.pw, err)
		}
	}
}

func TestValidateRoleAndTimeZone(t *testing.T) {
	for role, ok := range map[string]bool{"admin": true, "agent": true, "Admin": false, "": false, "root": false} {
		if (auth.ValidateRole(role) == nil) != ok {
			t.Errorf("ValidateRole(%q) ok=%v", role, !ok)
		}
	}
	for tz, ok := range map[string]bool{
		"": true, "UTC": true, "Europe/Paris": true, "America/New_York": true,
		"Local": false, "Mars/Olympus": false, "../../etc/passwd": false, "/etc/localtime": false, "Europe\\Paris": false,
	} {
		if (auth.ValidateTimeZone(tz) == nil) != ok {
			t.Errorf("ValidateTimeZone(%q) ok=%v, want %v", tz, !ok, ok)
		}
	}
}
