package diagnosis

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Small text helpers shared by the explanation code.

// dur formats whole seconds like "4m 12s".
func dur(secs int64) string {
	const maxSecs = 100 * 365 * 24 * 3600 // keeps time.Duration from overflowing
	secs = min(max(secs, 0), maxSecs)
	return vobiz.FormatShortDuration(time.Duration(secs) * time.Second)
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = capitalize(strings.TrimSpace(s))
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func joinSentences(parts []string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, sentence(p))
		}
	}
	return strings.Join(out, " ")
}

func dedupe(steps []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range steps {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// quote wraps a raw value for display. Control characters are replaced so
// a hostile value cannot break a CSV cell or a log line.
func quote(s string) string { return "\u201c" + clean(s) + "\u201d" }

// clean replaces control characters with spaces and drops bidi formatting
// characters (embeddings, overrides, isolates, marks), so a quoted value
// cannot reorder the sentence around it: "invoice\u202egpj.exe" would
// otherwise show the rest of the line backwards. The record itself is
// shown elsewhere as recorded.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case isBidiControl(r):
			return -1
		}
		return r
	}, s)
}

// isBidiControl reports the explicit bidi formatting characters: ALM,
// LRM, RLM, LRE…RLO (U+202A–U+202E) and LRI…PDI (U+2066–U+2069).
func isBidiControl(r rune) bool {
	return r == '\u061c' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// clip shortens a raw value to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
