package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// MatchForm turns what a person typed into what a number filter that
// matches by substring should receive. The Vobiz API matches from_number
// and to_number as "substring or full E.164", and a record may hold a
// number as E.164 (+918012345678), with the country code but no +
// (918012345678), in national form (08012345678) or bare (8012345678).
//
// A whole number in any common format ("+91 80 1234 5678", "080-1234-5678",
// "918012345678", "0091 80 1234 5678") becomes its national significant
// number, "8012345678": a substring of every one of those forms. A number
// of another country keeps its own national number ("+1 415 555 2671"
// becomes "4155552671"). A partial number keeps the digits typed (and a +
// typed before them), less a leading national prefix ("080 1234" becomes
// "801234"), since nothing safer can be said about it.
//
// The result is always a substring of the digits typed, so it matches
// every record the typed value matches, and more: a normalisation may
// widen a match, never narrow it. It is also its own MatchForm, so a link
// that carries it matches the same records again. full reports whether the
// input was read as a whole number. Input with letters or other symbols is
// refused with ErrNotNumber; callers decide whether to send it as it is.
func (n Normalizer) MatchForm(input string) (form string, full bool, err error) {
	s := strings.TrimSpace(input)
	if _, err := n.Normalize(s); err != nil || s == "" {
		return "", false, err
	}
	form = digitsOf(s)
	if strings.HasPrefix(strings.TrimLeft(s, "( "), "+") {
		form = "+" + form
	}
	// Every step returns a shorter substring of its input or stops, so the
	// loop ends, and it ends on a form whose next step changes nothing.
	for {
		next, whole := n.widen(form)
		full = full || whole
		if next == form {
			return form, full, nil
		}
		form = next
	}
}

// widen is one step of MatchForm: a valid number becomes its national
// significant number, when that is a substring of it (it always is but for
// exotic national formats); a partial number loses a leading national
// prefix. It returns s itself when neither applies.
func (n Normalizer) widen(s string) (string, bool) {
	if num, err := phonenumbers.Parse(s, n.region()); err == nil && phonenumbers.IsValidNumber(num) {
		if nsn := phonenumbers.GetNationalSignificantNumber(num); nsn != "" && strings.Contains(s, nsn) {
			return nsn, true
		}
		return s, true
	}
	if strings.HasPrefix(s, "+") {
		return s, false
	}
	if ndd := phonenumbers.GetNddPrefixForRegion(n.region(), true); ndd != "" && len(s) > len(ndd) && strings.HasPrefix(s, ndd) {
		return s[len(ndd):], false
	}
	return s, false
}
