package csvreport_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

var fuzzZone = time.FixedZone("X", -(9*3600 + 30*60))

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// fixture is a small sandbox and its full export, shared by read-only
// tests.
var fixture = sync.OnceValues(func() (*sandbox.Server, []byte) {
	s := sandbox.New(sandbox.Options{Seed: 3, Calls: 2_000, Now: testNow})
	return s, exportOf(s, "")
})

func exportOf(s *sandbox.Server, query string) []byte {
	target := "/api/v1/Account/" + s.AuthID() + "/cdr/export"
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		panic(w.Body.String())
	}
	return w.Body.Bytes()
}

func kolkata(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// readAll parses a report with the standard library, checking every row
// has as many cells as the header.
func readAll(t testing.TB, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(csvreport.BOM))))
	recs, err := r.ReadAll() // FieldsPerRecord 0: every row as wide as the first
	if err != nil {
		t.Fatalf("report does not parse: %v\n%.500s", err, b)
	}
	return recs
}

func transform(t testing.TB, src []byte, opts csvreport.Options) ([]byte, csvreport.Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := csvreport.Transform(context.Background(), &out, bytes.NewReader(src), opts)
	if err != nil {
		t.Fatalf("Transform: %v", err)
	}
	if st.Bytes != int64(out.Len()) {
		t.Errorf("Stats.Bytes = %d, wrote %d", st.Bytes, out.Len())
	}
	return out.Bytes(), st
}

func TestColumnsCoverEveryField(t *testing.T) {
	var names []string
	for _, c := range csvreport.Columns() {
		names = append(names, c.Name)
		if c.Label == "" {
			t.Errorf("column %s has no label", c.Name)
		}
	}
	for _, f := range vobiz.FieldNames {
		if !slices.Contains(names, f) {
			t.Errorf("CDR field %s is not a report column", f)
		}
	}
	for _, d := range []string{csvreport.ColOutcome, csvreport.ColDiagnosis, csvreport.ColQuality} {
		if c, ok := csvreport.Lookup(d); !ok || c.Kind != csvreport.KindDerived {
			t.Errorf("derived column %s: %+v %v", d, c, ok)
		}
	}
	if len(names) != len(vobiz.FieldNames)+3 {
		t.Errorf("%d columns, want %d", len(names), len(vobiz.FieldNames)+3)
	}
	for _, d := range csvreport.DefaultColumns() {
		if _, ok := csvreport.Lookup(d); !ok {
			t.Errorf("default column %s unknown", d)
		}
	}
}

func TestParseColumns(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
		err  string
	}{
		{"one list", []string{"uuid,start_time"}, []string{"uuid", "start_time"}, ""},
		{"repeated values", []string{"uuid", "outcome", "mos"}, []string{"uuid", "outcome", "mos"}, ""},
		{"mixed and spaces", []string{" UUID , Start_Time", "quality"}, []string{"uuid", "start_time", "quality"}, ""},
		{"duplicates keep first place", []string{"mos,uuid,mos"}, []string{"mos", "uuid"}, ""},
		{"empty items skipped", []string{",uuid,,"}, []string{"uuid"}, ""},
		{"unknown", []string{"uuid,password_hash"}, nil, `no column "password_hash"`},
		{"injection attempt", []string{`uuid,"=cmd|' /C calc'!A0`}, nil, "no column"},
		{"nothing", []string{""}, nil, "at least one column"},
		{"no values", nil, nil, "at least one column"},
		{"too long", []string{strings.Repeat("uuid,", 500)}, nil, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := csvreport.ParseColumns(tt.in...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
			if back, err := csvreport.ParseColumns(csvreport.FormatColumns(got)); err != nil || !slices.Equal(back, got) {
				t.Errorf("round trip: %q %v", back, err)
			}
		})
	}
	var unknown *csvreport.UnknownColumnError
	if _, err := csvreport.ParseColumns("nope"); !errors.As(err, &unknown) || unknown.Name != "nope" {
		t.Errorf("err = %#v", err)
	}
	if _, err := csvreport.ParseColumns(""); !errors.Is(err, csvreport.ErrNoColumns) {
		t.Errorf("err = %v", err)
	}
}

var offsetTime = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$`)

// TestTransformSandboxExport checks a whole report against the sandbox's
// own records: chosen columns in order, times in the zone with offset,
// derived columns equal to what the dashboard computes.
func TestTransformSandboxExport(t *testing.T) {
	s, export := fixture()
	loc := kolkata(t)
	cols := []string{"uuid", "start_time", "answer_time", "caller_id_number", "outcome", "diagnosis", "quality",
		"total_cost", "mos", "created_at"}
	out, st := transform(t, export, csvreport.Options{Columns: cols, Location: loc})
	recs := readAll(t, out)
	if !slices.Equal(recs[0], cols) {
		t.Fatalf("header = %q, want %q", recs[0], cols)
	}
	if st.Rows != int64(s.Len()) || len(recs)-1 != s.Len() {
		t.Fatalf("rows: stats %d, parsed %d, sandbox %d", st.Rows, len(recs)-1, s.Len())
	}
	answered := 0
	for i, rec := range recs[1:] {
		c := s.Call(i)
		if rec[0] != string(c.UUID) {
			t.Fatalf("row %d uuid %s, want %s", i, rec[0], c.UUID)
		}
		if want := c.StartTime.In(loc).Format(csvreport.TimeLayout); rec[1] != want {
			t.Fatalf("row %d start %q, want %q", i, rec[1], want)
		}
		if !offsetTime.MatchString(rec[1]) || !strings.HasSuffix(rec[1], " +05:30") {
			t.Fatalf("row %d start %q lacks the offset", i, rec[1])
		}
		if c.AnswerTime.IsZero() != (rec[2] == "") {
			t.Fatalf("row %d answer %q for %v", i, rec[2], c.AnswerTime)
		}
		if rec[2] != "" {
			answered++
			if !offsetTime.MatchString(rec[2]) {
				t.Fatalf("row %d answer %q", i, rec[2])
			}
		}
		if rec[3] != string(c.CallerIDNumber) {
			t.Fatalf("row %d caller %q, want %q (E.164 must stay readable)", i, rec[3], c.CallerIDNumber)
		}
		if rec[4] != diagnosis.OutcomeOf(&c).Label() || rec[5] != diagnosis.OneLine(&c) ||
			rec[6] != diagnosis.Quality(&c, diagnosis.DefaultThresholds()).Overall.Label() {
			t.Fatalf("row %d derived %q", i, rec[4:7])
		}
		if rec[9] == "" || !offsetTime.MatchString(rec[9]) {
			t.Fatalf("row %d created %q", i, rec[9])
		}
	}
	if answered == 0 {
		t.Error("no answered calls in the fixture")
	}
}

func TestTransformDefaultsAndZones(t *testing.T) {
	_, export := fixture()
	out, _ := transform(t, export, csvreport.Options{}) // defaults, UTC
	recs := readAll(t, out)
	if !slices.Equal(recs[0], csvreport.DefaultColumns()) {
		t.Fatalf("header %q", recs[0])
	}
	if !strings.HasSuffix(recs[1][0], " +00:00") {
		t.Errorf("UTC start %q", recs[1][0])
	}
	// A zone west of UTC, with DST: the offset follows the date.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	src := "start_time,uuid\r\n2026-07-01T12:00:00Z,a\r\n2026-12-01T12:00:00Z,b\r\n2026-12-01 12:00:00,c\r\n"
	out, _ = transform(t, []byte(src), csvreport.Options{Columns: []string{"start_time", "uuid"}, Location: ny})
	want := "start_time,uuid\r\n2026-07-01 08:00:00 -04:00,a\r\n2026-12-01 07:00:00 -05:00,b\r\n2026-12-01 07:00:00 -05:00,c\r\n"
	if string(out) != want {
		t.Errorf("got\n%q\nwant\n%q", out, want)
	}
}

func TestTransformBOM(t *testing.T) {
	src := []byte("uuid,caller_id_name\r\nu1,अमित\r\n")
	for _, bom := range []bool{false, true} {
		out, st := transform(t, src, csvreport.Options{Columns: []string{"caller_id_name"}, BOM: bom})
		if got := bytes.HasPrefix(out, []byte(csvreport.BOM)); got != bom {
			t.Errorf("bom=%v: output starts %q", bom, out[:5])
		}
		if st.Bytes != int64(len(out)) {
			t.Errorf("bytes %d vs %d", st.Bytes, len(out))
		}
		if recs := readAll(t, out); recs[1][0] != "अमित" {
			t.Errorf("name %q", recs[1][0])
		}
	}
	// A BOM on the input is not a column name.
	out, _ := transform(t, append([]byte(csvreport.BOM), src...), csvreport.Options{Columns: []string{"uuid"}})
	if string(out) != "uuid\r\nu1\r\n" {
		t.Errorf("got %q", out)
	}
}

func TestNeutralize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"+919876543210", "+919876543210"}, // E.164 stays readable
		{"+1", "+1"},
		{"-5", "'-5"}, // no cell begins with "-", numbers included
		{"-0.25", "'-0.25"},
		{"+1.5", "'+1.5"}, // only "+" and digits is exempt
		{"0.4500", "0.4500"},
		{"=1+2", "'=1+2"},
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+1", "'+1+1"},
		{"+91 98765 43210", "'+91 98765 43210"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"+", "'+"},
		{"-", "'-"},
		{"+.5", "'+.5"},
		{"1.", "1."}, // starts with a digit: not a formula
		{"-1.", "'-1."},
		{"+1e5", "'+1e5"},
		{" =1", " =1"}, // leading space: text to spreadsheets
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := csvreport.Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTransformNeutralisesCells(t *testing.T) {
	src := "uuid,caller_id_name,caller_id_number,destination_number,hangup_cause,cost\r\n" +
		"u1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",+919876543210,@SUM(1),-cmd,-0.5\r\n" +
		"u2,\"\tx\",+44 20 7946 0000,+918012345678,NORMAL_CLEARING,0.45\r\n"
	cols := []string{"uuid", "caller_id_name", "caller_id_number", "destination_number", "hangup_cause", "cost"}
	out, _ := transform(t, []byte(src), csvreport.Options{Columns: cols})
	recs := readAll(t, out)
	want := [][]string{
		cols,
		{"u1", `'=HYPERLINK("http://evil","x")`, "+919876543210", "'@SUM(1)", "'-cmd", "'-0.5"},
		{"u2", "'\tx", "'+44 20 7946 0000", "+918012345678", "NORMAL_CLEARING", "0.45"},
	}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Errorf("got  %q\nwant %q", recs, want)
	}
}

func TestTransformEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		src  string
		cols []string
		want string
	}{
		{"empty body", "", []string{"uuid", "outcome"}, "uuid,outcome\r\n"},
		{"header only", strings.Join(vobiz.FieldNames, ",") + "\r\n", []string{"uuid"}, "uuid\r\n"},
		{"missing column is empty", "uuid\r\nu1\r\n", []string{"uuid", "codec"}, "uuid,codec\r\nu1,\r\n"},
		{"single empty column keeps its row", "uuid,codec\r\nu1,\r\nu2,PCMU\r\n", []string{"codec"},
			"codec\r\n\"\"\r\nPCMU\r\n"},
		{"header by name, any order, any case", "Codec, UUID\r\nPCMA,u9\r\n", []string{"uuid", "codec"},
			"uuid,codec\r\nu9,PCMA\r\n"},
		{"LF input, CRLF output", "uuid,billsec\nu1,3\n", []string{"billsec", "uuid"}, "billsec,uuid\r\n3,u1\r\n"},
		{"quoted newline survives", "uuid,caller_id_name\r\nu1,\"a\r\nb\"\r\n", []string{"caller_id_name"},
			"caller_id_name\r\n\"a\r\nb\"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, st := transform(t, []byte(tt.src), csvreport.Options{Columns: tt.cols})
			if string(out) != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
			if n := len(readAll(t, out)) - 1; int64(n) != st.Rows {
				t.Errorf("parsed %d rows, stats %d", n, st.Rows)
			}
		})
	}
}

func TestTransformErrors(t *testing.T) {
	_, export := fixture()
	t.Run("unknown column writes nothing", func(t *testing.T) {
		var out bytes.Buffer
		_, err := csvreport.Transform(context.Background(), &out, bytes.NewReader(export),
			csvreport.Options{Columns: []string{"uuid", "secret"}})
		var ue *csvreport.UnknownColumnError
		if !errors.As(err, &ue) || out.Len() != 0 {
			t.Fatalf("err %v, wrote %d", err, out.Len())
		}
	})
	t.Run("not an export writes nothing", func(t *testing.T) {
		var out bytes.Buffer
		_, err := csvreport.Transform(context.Background(), &out, strings.NewReader("<html><body>502</body></html>\n"),
			csvreport.Options{})
		if err == nil || out.Len() != 0 {
			t.Fatalf("err %v, wrote %q", err, out.String())
		}
	})
	t.Run("bad record stops the report", func(t *testing.T) {
		src := "uuid,billsec\r\nu1,3\r\nu2,three\r\nu3,4\r\n"
		var out bytes.Buffer
		st, err := csvreport.Transform(context.Background(), &out, strings.NewReader(src),
			csvreport.Options{Columns: []string{"uuid"}})
		if err == nil || !strings.Contains(err.Error(), "billsec") || st.Rows != 1 {
			t.Fatalf("err %v, rows %d", err, st.Rows)
		}
		if recs := readAll(t, out.Bytes()); len(recs) != 2 {
			t.Errorf("partial output %q", out.String())
		}
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("connection reset")
		src := io.MultiReader(bytes.NewReader(export[:len(export)/2]), iotestErrReader{boom})
		var out bytes.Buffer
		st, err := csvreport.Transform(context.Background(), &out, src, csvreport.Options{})
		if !errors.Is(err, boom) || st.Rows == 0 || st.Bytes != int64(out.Len()) {
			t.Fatalf("err %v, stats %+v, wrote %d", err, st, out.Len())
		}
	})
	t.Run("write error", func(t *testing.T) {
		w := &limitedWriter{max: 100_000}
		_, err := csvreport.Transform(context.Background(), w, bytes.NewReader(export), csvreport.Options{})
		if !errors.Is(err, errFull) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var out bytes.Buffer
		_, err := csvreport.Transform(ctx, &out, bytes.NewReader(export), csvreport.Options{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("row limit", func(t *testing.T) {
		var out bytes.Buffer
		st, err := csvreport.Transform(context.Background(), &out, bytes.NewReader(export),
			csvreport.Options{Columns: []string{"uuid"}, MaxRows: 10})
		if !errors.Is(err, csvreport.ErrRowLimit) || st.Rows != 10 || len(readAll(t, out.Bytes())) != 11 {
			t.Fatalf("err %v, rows %d", err, st.Rows)
		}
		out.Reset()
		src := "uuid\r\n" + strings.Repeat("u\r\n", 10)
		if st, err := csvreport.Transform(context.Background(), &out, strings.NewReader(src),
			csvreport.Options{Columns: []string{"uuid"}, MaxRows: 10}); err != nil || st.Rows != 10 {
			t.Fatalf("exactly MaxRows: %v %d", err, st.Rows)
		}
	})
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

var errFull = errors.New("disk full")

type limitedWriter struct{ n, max int }

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.max {
		return 0, errFull
	}
	w.n += len(p)
	return len(p), nil
}

// TestTransformConstantMemory streams a large export through Transform and
// checks the live heap does not grow with it.
func TestTransformConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large export")
	}
	s := sandbox.New(sandbox.Options{Seed: 5, Calls: 100_000, Now: testNow})
	pr, pw := io.Pipe()
	go func() {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/Account/"+s.AuthID()+"/cdr/export", nil)
		req.Header.Set("X-Auth-ID", s.AuthID())
		req.Header.Set("X-Auth-Token", s.AuthToken())
		s.ServeHTTP(&pipeResponse{w: pw, h: http.Header{}}, req)
		pw.Close()
	}()
	base := liveHeap()
	var peak uint64
	w := &sampler{every: 8 << 20, sample: func() { peak = max(peak, liveHeap()) }}
	st, err := csvreport.Transform(context.Background(), w, pr, csvreport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != int64(s.Len()) {
		t.Fatalf("rows %d", st.Rows)
	}
	if growth := int64(peak) - int64(base); growth > 8<<20 {
		t.Errorf("live heap grew by %d bytes while streaming %d bytes", growth, st.Bytes)
	}
	t.Logf("%d rows, %d bytes, live heap growth %d bytes", st.Rows, st.Bytes, int64(peak)-int64(base))
}
