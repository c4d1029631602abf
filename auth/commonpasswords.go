package auth

import (
	_ "embed"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// commonPasswordsText is the 10,000 most common passwords, most common
// first, one per line: the first 10,000 entries of the "passwords"
// frequency list of zxcvbn (Dropbox's password strength estimator, built
// from Xato's corpus of 10 million leaked passwords), as shipped in
// data/passwords.txt of the Go module github.com/trustelem/zxcvbn v1.0.1.
// Both zxcvbn and that port are MIT-licensed. Only the list is embedded:
// the module itself would bring its name and word dictionaries and a
// regular-expression engine along for one lookup.
//
//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonPasswordsText), "\n")
	m := make(map[string]struct{}, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			m[strings.ToLower(l)] = struct{}{}
		}
	}
	return m
})

// IsCommonPassword reports whether pw is one of the 10,000 most common
// passwords, ignoring case, or one of them with only digits and symbols
// added at the end ("Password2024!"): the first guesses of any attacker.
func IsCommonPassword(pw string) bool {
	p := strings.ToLower(strings.TrimSpace(norm.NFKC.String(pw)))
	m := commonPasswords()
	if _, ok := m[p]; ok {
		return true
	}
	base := strings.TrimRightFunc(p, func(r rune) bool {
		return r < 128 && !('a' <= r && r <= 'z')
	})
	if base == p || len(base) < 4 {
		return false
	}
	_, ok := m[base]
	return ok
}
