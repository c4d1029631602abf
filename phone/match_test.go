package phone

import (
	"errors"
	"strings"
	"testing"
)

func TestMatchForm(t *testing.T) {
	tests := []struct {
		region, in, want string
		full             bool
		err              error
	}{
		// Every way +91 80 1234 5678 is written becomes the national
		// significant number, a substring of all of them.
		{"IN", "8012345678", "8012345678", true, nil},
		{"IN", "+91 80 1234 5678", "8012345678", true, nil},
		{"IN", "+918012345678", "8012345678", true, nil},
		{"IN", "080-1234-5678", "8012345678", true, nil},
		{"IN", "918012345678", "8012345678", true, nil},
		{"IN", "0091 80 1234 5678", "8012345678", true, nil},
		{"IN", "(+91) 98765.43210", "9876543210", true, nil},
		{"IN", "98765 43210", "9876543210", true, nil},
		// Another country's number keeps its own national number.
		{"IN", "+1 415 555 2671", "4155552671", true, nil},
		{"IN", "+44 20 7946 0958", "2079460958", true, nil},
		{"US", "(415) 555-2671", "4155552671", true, nil},
		// Italy's national number keeps its leading 0 in E.164 but looks
		// like a national prefix to an Indian reading, so the form settles
		// on the shorter digits (wider still, and stable).
		{"IN", "+39 06 1234 5678", "612345678", true, nil},
		// Partial numbers keep the digits typed (and a typed +), less a
		// leading national prefix.
		{"IN", "98765", "98765", false, nil},
		{"IN", "080 1234", "801234", false, nil},
		{"IN", "+9198", "+9198", false, nil},
		{"IN", "+1 415", "+1415", false, nil},
		{"IN", "801234567", "801234567", false, nil},
		{"IN", "0", "0", false, nil},
		{"US", "1 415 555", "415555", false, nil},
		// Empty and non-numbers.
		{"IN", "", "", false, nil},
		{"IN", "   ", "", false, nil},
		{"IN", "sip:agent@pbx.example.com", "", false, ErrNotNumber},
		{"IN", "98765 or 1=1", "", false, ErrNotNumber},
		{"IN", "91+98765", "", false, ErrNotNumber},
		{"IN", "+", "", false, ErrNotNumber},
	}
	for _, tt := range tests {
		n := Normalizer{Region: tt.region}
		got, full, err := n.MatchForm(tt.in)
		if got != tt.want || full != tt.full || !errors.Is(err, tt.err) {
			t.Errorf("%s MatchForm(%q) = %q, %v, %v; want %q, %v, %v", tt.region, tt.in, got, full, err, tt.want, tt.full, tt.err)
		}
	}
}

// TestMatchFormWidensAndIsStable: for any number-like input, the form is a
// substring of what was typed (without separators), so it never matches
// fewer records than the typed value; and the form of the form is itself,
// so links carrying it match the same records on every page.
func TestMatchFormWidensAndIsStable(t *testing.T) {
	inputs := []string{
		"8012345678", "+91 80 1234 5678", "080-1234-5678", "918012345678", "0091 80 1234 5678",
		"+1 415 555 2671", "14155552671", "+44 20 7946 0958", "020 7946 0958", "+39 06 1234 5678",
		"+54 9 11 1234 5678", "+52 1 55 1234 5678", "+7 495 123-45-67", "+81 3-1234-5678",
		"0", "00", "000123", "98765", "+9198", "080 1234", "1800 123 4567", "+1", "112", "(0) 80 1234",
	}
	for _, region := range []string{"IN", "US", "GB", "IT", "AR", ""} {
		n := Normalizer{Region: region}
		for _, in := range inputs {
			form, _, err := n.MatchForm(in)
			if err != nil {
				t.Errorf("%s %q: %v", region, in, err)
				continue
			}
			typed := digitsOf(in)
			if strings.HasPrefix(strings.TrimLeft(in, "( "), "+") {
				typed = "+" + typed
			}
			if form == "" || !strings.Contains(typed, form) {
				t.Errorf("%s %q: form %q is not a substring of %q, so it could narrow the match", region, in, form, typed)
			}
			if again, _, err := n.MatchForm(form); again != form || err != nil {
				t.Errorf("%s %q: form %q, but its own form is %q, %v", region, in, form, again, err)
			}
		}
	}
}

func FuzzMatchForm(f *testing.F) {
	for _, s := range []string{"+91 80 1234 5678", "080-1234-5678", "0", "+39 06 1234 5678", "sip:x@y"} {
		f.Add(s)
	}
	n := Normalizer{Region: "IN"}
	f.Fuzz(func(t *testing.T, in string) {
		form, _, err := n.MatchForm(in)
		if err != nil || form == "" {
			return
		}
		typed := digitsOf(in)
		if strings.HasPrefix(strings.TrimLeft(strings.TrimSpace(in), "( "), "+") {
			typed = "+" + typed
		}
		if !strings.Contains(typed, form) {
			t.Fatalf("%q: form %q is not a substring of %q", in, form, typed)
		}
		if again, _, _ := n.MatchForm(form); again != form {
			t.Fatalf("%q: form %q is not stable (%q)", in, form, again)
		}
	})
}
