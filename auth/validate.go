package auth

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Input limits.
const (
	MaxUsernameLength = 64
	MinPasswordLength = 12   // runes, after NFKC normalisation
	MaxPasswordBytes  = 1024 // bytes, before normalisation
)

// Sentinels wrapped by *ValidationError; test with errors.Is.
var (
	ErrInvalidUsername = errors.New("auth: invalid username")
	ErrInvalidPassword = errors.New("auth: invalid password")
	ErrInvalidRole     = errors.New("auth: invalid role")
	ErrInvalidTimeZone = errors.New("auth: invalid time zone")
)

// ValidationError is a user-facing input problem. Field names the form field
// ("username", "password", "role", "time_zone") and Message is a sentence to
// show next to it. It unwraps to one of the ErrInvalid* sentinels (or to
// store.ErrDuplicate for a taken username).
type ValidationError struct {
	Field   string
	Message string
	err     error
}

func (e *ValidationError) Error() string { return e.Message }
func (e *ValidationError) Unwrap() error { return e.err }

func invalid(field, msg string, err error) error {
	return &ValidationError{Field: field, Message: msg, err: err}
}

const usernameRule = "Usernames are 1 to 64 characters: letters a-z, digits, dot, dash or underscore, starting with a letter or digit."

// NormalizeUsername turns what a person typed into the canonical username:
// surrounding spaces are trimmed and ASCII letters lowercased. Anything
// outside ASCII is rejected rather than folded, so look-alike characters
// (Cyrillic "а", the Kelvin sign "K") can never alias an existing account.
// The result satisfies ValidateUsername.
func NormalizeUsername(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "", invalid("username", usernameRule, ErrInvalidUsername)
		}
	}
	s = strings.ToLower(s)
	if err := ValidateUsername(s); err != nil {
		return "", err
	}
	return s, nil
}

// ValidateUsername checks that name is already canonical: 1-64 characters
// from [a-z0-9._-], the first one a letter or digit (so a username can never
// look like a command-line flag).
func ValidateUsername(name string) error {
	if len(name) == 0 || len(name) > MaxUsernameLength {
		return invalid("username", usernameRule, ErrInvalidUsername)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return invalid("username", usernameRule, ErrInvalidUsername)
		}
	}
	return nil
}

// ValidatePassword checks a new password: valid UTF-8, at least 12
// characters after NFKC normalisation, at most 1024 bytes, and not one of
// the most common passwords (IsCommonPassword). There are no composition
// rules; length and not being on attackers' lists is what matters (NIST SP
// 800-63B 5.1.1.2).
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return invalid("password", "The password contains invalid characters.", ErrInvalidPassword)
	}
	if len(pw) > MaxPasswordBytes {
		return invalid("password", "The password is too long (at most 1024 bytes).", ErrInvalidPassword)
	}
	if utf8.RuneCountInString(norm.NFKC.String(pw)) < MinPasswordLength {
		return invalid("password", "The password must be at least 12 characters long.", ErrInvalidPassword)
	}
	if IsCommonPassword(pw) {
		return invalid("password", "That is one of the most common passwords, which attackers try first. "+
			"Choose another: a few unrelated words make a good one.", ErrInvalidPassword)
	}
	return nil
}

// ValidateRole checks that role is RoleAdmin or RoleAgent.
func ValidateRole(role string) error {
	if role != RoleAdmin && role != RoleAgent {
		return invalid("role", "The role must be admin or agent.", ErrInvalidRole)
	}
	return nil
}

// ValidateTimeZone checks an IANA time zone name for the per-user display
// preference; "" (server default) is accepted. Binaries that may run without
// a system zoneinfo database should import time/tzdata.
func ValidateTimeZone(tz string) error {
	if tz == "" {
		return nil
	}
	if tz == "Local" || len(tz) > 64 || strings.ContainsAny(tz, " \\") || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return invalid("time_zone", "Unknown time zone.", ErrInvalidTimeZone)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid("time_zone", "Unknown time zone.", ErrInvalidTimeZone)
	}
	return nil
}
