package phone

import (
	"errors"
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
