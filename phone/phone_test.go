package phone

import (
	"errors"
	"fmt"
	"testing"
)

func TestNormalize(t *testing.T) {
	n := Normalizer{Region: "IN"}
	tests := []struct {
		in, want string
		err      error
	}{
		{"098765 43210", "+919876543210", nil},
		{"+91 98765-43210", "+919876543210", nil},
		{"9876543210", "+919876543210", nil},
		{"0091 98765 43210", "+919876543210", nil},
		{"(+91) 98765.43210", "+919876543210", nil},
		{"98765", "98765", nil},
		{"+9198", "+9198", nil},
		{"", "", nil},
		{"  ", "", nil},
		{"abc", "", ErrNotNumber},
		{"98765 or 1=1", "", ErrNotNumber},
		{"+", "", ErrNotNumber},
		{"91+98765", "", ErrNotNumber},
		{"++919876543210", "", ErrNotNumber},
	}
	for _, tt := range tests {
		got, err := n.Normalize(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestNormalizeOtherRegion(t *testing.T) {
	n := Normalizer{Region: "US"}
	got, err := n.Normalize("(415) 555-2671")
	if err != nil || got != "+14155552671" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestFormat(t *testing.T) {
	tests := map[string]string{
		"+919876543210": "+91 98765 43210",
		"+14155552671":  "+1 415-555-2671",
		"12345":         "12345",
		"+99":           "+99",
		"<b>x</b>":      "<b>x</b>",
	}
	for in, want := range tests {
		for range 2 { // the second call is served from the cache
			if got := Format(in); got != want {
				t.Errorf("Format(%q) = %q, want %q", in, got, want)
			}
		}
	}
}

func BenchmarkFormatCached(b *testing.B) {
	Format("+919876543210")
	for b.Loop() {
		Format("+919876543210")
	}
}

// TestFormatCacheKeepsRecentNumbers: at its bound the cache drops the least
// recently used numbers, not everything at once, so a number on every page
// stays formatted without a new parse.
func TestFormatCacheKeepsRecentNumbers(t *testing.T) {
	// A small bound keeps the test quick; the rule is the same at 50,000.
	const bound = 100
	formatCache.Purge()
	formatCache.Resize(bound)
	t.Cleanup(func() { formatCache.Purge(); formatCache.Resize(formatCacheMax) })
	const hot = "+919876543210"
	Format(hot)
	for i := range 3 * bound {
		Format(fmt.Sprintf("+9198%08d", i))
		if i%10 == 0 {
			Format(hot)
		}
	}
	if n := formatCache.Len(); n != bound {
		t.Errorf("cache holds %d numbers, want its bound %d", n, bound)
	}
	if !formatCache.Contains(hot) {
		t.Error("a number used on every page was dropped")
	}
}
