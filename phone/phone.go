// Package phone normalises phone numbers typed by people and formats
// stored E.164 numbers for reading, using libphonenumber's rules (the
// nyaruka/phonenumbers port).
package phone

import (
	"errors"
	"strings"
	"unicode"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/nyaruka/phonenumbers"
)

// ErrNotNumber means the input cannot be read as a phone number or part of
// one.
var ErrNotNumber = errors.New("not a phone number")

// Normalizer reads numbers for one default region (the country assumed
// when a number has no +country code).
type Normalizer struct {
	Region string // ISO 3166 alpha-2, e.g. "IN"
}

// Normalize reads what a person typed as a phone number. A full number in
// any common format ("098765 43210", "+91 98765-43210", "9876543210",
// "0091 98765 43210") becomes E.164 ("+919876543210"). A partial number
// ("98765") is kept as its digits. Anything with letters or other symbols
// is refused. The number filters do not send E.164, which would miss
// records that store a number another way: see MatchForm.
func (n Normalizer) Normalize(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", nil
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/' || unicode.IsSpace(r):
		default:
			return "", ErrNotNumber
		}
	}
	if digits == 0 {
		return "", ErrNotNumber
	}
	lead := strings.TrimLeft(s, "( ")
	if strings.Count(s, "+") > 1 || (strings.Contains(s, "+") && !strings.HasPrefix(lead, "+")) {
		return "", ErrNotNumber
	}
	if num, err := phonenumbers.Parse(s, n.region()); err == nil && phonenumbers.IsPossibleNumber(num) &&
		phonenumbers.IsValidNumber(num) {
		return phonenumbers.Format(num, phonenumbers.E164), nil
	}
	plain := digitsOf(s)
	if strings.HasPrefix(lead, "+") {
		return "+" + plain, nil
	}
	return plain, nil
}

func (n Normalizer) region() string {
	if n.Region == "" {
		return "IN"
	}
	return strings.ToUpper(n.Region)
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// formatCache remembers formatted numbers: a call list shows the same few
// thousand numbers again and again, and parsing with libphonenumber costs
// microseconds per number, too much for a 100-row page rendered in under a
// millisecond. Least recently used numbers go first; a number's format
// never changes, so entries do not expire (and no cleanup goroutine runs).
var formatCache = expirable.NewLRU[string, string](formatCacheMax, nil, 0)

const formatCacheMax = 50_000

// Format returns an E.164 number in international format for reading
// ("+91 98765 43210"). Input that is not a valid E.164 number is returned
// unchanged, so nothing a record holds is ever hidden.
func Format(e164 string) string {
	if !strings.HasPrefix(e164, "+") || len(e164) > 20 {
		return e164
	}
	if v, ok := formatCache.Get(e164); ok {
		return v
	}
	v := e164
	if num, err := phonenumbers.Parse(e164, ""); err == nil && phonenumbers.IsValidNumber(num) {
		v = phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
	}
	formatCache.Add(e164, v)
	return v
}
