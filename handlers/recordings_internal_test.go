package handlers

import "testing"

func TestSingleRange(t *testing.T) {
	tests := []struct {
		rng        string
		start, end int64
		ok         bool
	}{
		{"bytes=0-99", 0, 99, true},
		{"bytes=100-", 100, 4999, true},
		{"bytes=4990-9999", 4990, 4999, true},
		{"bytes=-100", 4900, 4999, true},
		{"bytes=-9000", 0, 4999, true},
		{"bytes=5000-", 5000, 0, false}, // past the end: 416
		{"bytes=0-1,5-9", -1, 0, false}, // several: the whole file
		{"bytes=abc", -1, 0, false},     // unreadable: the whole file
		{"bytes=9-1", -1, 0, false},     // reversed: the whole file
		{"bytes=-0", -1, 0, false},      // empty suffix: the whole file
		{"bytes=-1-5", -1, 0, false},    // negative: the whole file
	}
	for _, tt := range tests {
		s, e, ok := singleRange(tt.rng, 5000)
		if s != tt.start || ok != tt.ok || (ok && e != tt.end) {
			t.Errorf("%s: %d-%d %v, want %d-%d %v", tt.rng, s, e, ok, tt.start, tt.end, tt.ok)
		}
	}
}

func TestRangeStartsAtZero(t *testing.T) {
	for rng, want := range map[string]bool{"": true, "bytes=0-": true, "bytes=0-99": true, "bytes= 0-1": true,
		"bytes=1-1": false, "bytes=100-": false, "bytes=-500": false} {
		if got := rangeStartsAtZero(rng); got != want {
			t.Errorf("%q: %v, want %v", rng, got, want)
		}
	}
}

func TestIsRecordingID(t *testing.T) {
	for id, want := range map[string]bool{"1577b800-1348-49ac-8021-40917ff41201": true, "rec_1": true, "": false,
		"a/b": false, "..": false, "rec.1": false, "%2F": false, "x y": false} {
		if got := isRecordingID(id); got != want {
			t.Errorf("%q: %v, want %v", id, got, want)
		}
	}
}
