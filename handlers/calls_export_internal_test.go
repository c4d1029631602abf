package handlers

import (
	"bytes"
	"encoding/csv"
	"mime"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// TestExportFilename: whatever the filter values (they are validated
// before this runs, but the file name must not depend on that), the name
// holds only [A-Za-z0-9_.-], ends in .csv, and the header round-trips.
func TestExportFilename(t *testing.T) {
	tests := []struct {
		name   string
		f      vobiz.Filter
		format string
		want   string
	}{
		{"dates and direction", vobiz.Filter{StartDate: "2026-11-01", EndDate: "2026-11-26", CallDirection: "outbound"}, formatRaw,
			"calls_2026-11-01_2026-11-26_outbound.csv"},
		{"report", vobiz.Filter{StartDate: "2026-11-01", EndDate: "2026-11-01"}, formatReport, "calls_2026-11-01_2026-11-01_report.csv"},
		{"no filters", vobiz.Filter{}, formatRaw, "calls.csv"},
		{"lone start", vobiz.Filter{StartDate: "2026-11-01"}, formatRaw, "calls_from_2026-11-01.csv"},
		{"lone end", vobiz.Filter{EndDate: "2026-11-01"}, formatRaw, "calls_to_2026-11-01.csv"},
		{"personal data left out", vobiz.Filter{FromNumber: "+919876543210", Search: "Amit", CallDirection: "inbound"}, formatRaw,
			"calls_inbound.csv"},
		{"quote and header injection", vobiz.Filter{StartDate: "2026\"; filename=evil.exe\r\nSet-Cookie: a=b", EndDate: "x"}, formatRaw,
			"calls_2026---filename-evil.exe--Set-Cookie--a-b_x.csv"},
		{"path traversal", vobiz.Filter{StartDate: "../../etc/passwd", EndDate: `..\..\boot.ini`, CallDirection: "/"}, formatRaw,
			"calls_..-..-etc-passwd_..-..-boot.ini_-.csv"},
		{"unicode and NUL", vobiz.Filter{CallDirection: "ïnbound\x00€"}, formatRaw, "calls_--nbound----.csv"},
		{"very long", vobiz.Filter{StartDate: strings.Repeat("9", 500), EndDate: "1"}, formatRaw,
			"calls_" + strings.Repeat("9", 90) + ".csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exportFilename(tt.f, tt.format)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, c := range []byte(strings.TrimSuffix(got, ".csv")) {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
					t.Fatalf("unsafe byte %q in %q", c, got)
				}
			}
			disp, params, err := mime.ParseMediaType(`attachment; filename="` + got + `"`)
			if err != nil || disp != "attachment" || params["filename"] != got || len(params) != 1 {
				t.Errorf("header does not round-trip: %v %v %v", disp, params, err)
			}
		})
	}
}

// TestRecordCounter: the streaming count equals encoding/csv's record
// count, however the stream is split into reads.
func TestRecordCounter(t *testing.T) {
	inputs := []string{
		"",
		"a,b\r\n",
		"a,b\r\n1,2\r\n3,4\r\n",
		"a,b\r\n1,2",                             // no final newline
		"a,b\n\"x\ny\",2\n\"q\"\"\n\",3\n",       // quoted newlines and escaped quotes
		"a\r\n\"\"\r\n\"\"\"\"\r\n\",\r\n\"\r\n", // empty quoted, quote-only and quoted CRLF
		"h\r\n\"a\"\"b\",\"c\r\nd\"\r\n\"e\"",
	}
	for _, in := range inputs {
		r := csv.NewReader(strings.NewReader(in))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := int64(max(len(recs)-1, 0))
		for split := 0; split <= len(in); split++ {
			for _, step := range []int{1, 2, 3, len(in) + 1} {
				var c recordCounter
				c.scan([]byte(in[:split]))
				rest := []byte(in[split:])
				for len(rest) > 0 {
					n := min(step, len(rest))
					c.scan(rest[:n])
					rest = rest[n:]
				}
				if got := c.rows(true); got != want {
					t.Fatalf("%q split %d step %d: %d rows, want %d", in, split, step, got, want)
				}
			}
		}
	}
}

// TestRecordCounterCut: in a cut stream only finished rows count.
func TestRecordCounterCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"h\r\n1\r\n2", 1},
		{"h\r\n1\r\n", 1},
		{"h\r\n1\r\n\"2\r\n", 1}, // cut inside a quoted newline
		{"h\r", 0},
		{"", 0},
	} {
		var c recordCounter
		c.scan([]byte(tc.in))
		if got := c.rows(false); got != tc.want {
			t.Errorf("%q: %d rows, want %d", tc.in, got, tc.want)
		}
	}
}

func BenchmarkRecordCounter(b *testing.B) {
	row := []byte("MA_SANDBOX,2026-11-26T10:00:01Z,42,aabbccdd-1234,outbound,\"Sharma, Amit\",+919876543210,,10.0.0.1,PCMU,voice-api,0.4500\r\n")
	buf := bytes.Repeat(row, (32<<10)/len(row))
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		var c recordCounter
		c.scan(buf)
	}
}

func TestExportLimiter(t *testing.T) {
	var l exportLimiter
	for i := range 3 {
		if !l.acquire(1, 3) {
			t.Fatalf("slot %d refused", i)
		}
	}
	if l.acquire(1, 3) {
		t.Fatal("fourth slot granted")
	}
	if !l.acquire(2, 3) {
		t.Fatal("another user refused")
	}
	l.release(1)
	if !l.acquire(1, 3) {
		t.Fatal("released slot not reusable")
	}
	for range 3 {
		l.release(1)
	}
	l.release(2)
	if len(l.running) != 0 {
		t.Errorf("map keeps idle users: %v", l.running)
	}
}
