package vobiz

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestIntUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    Int
		wantErr bool
	}{
		{`42`, 42, false},
		{`-3`, -3, false},
		{`0`, 0, false},
		{`"42"`, 42, false},
		{`" 7 "`, 7, false},
		{`""`, 0, false},
		{`"   "`, 0, false},
		{`null`, 0, false},
		{`1e3`, 1000, false},
		{`"1.0"`, 1, false},
		{`+5`, 5, false},
		{`9223372036854775807`, math.MaxInt64, false}, // exact, not rounded through float64
		{`-9223372036854775808`, math.MinInt64, false},
		{`9007199254740993`, 9007199254740993, false}, // 2^53+1 stays exact
		{`"\u0034\u0032"`, 42, false},                 // escaped digits take the slow path
		{`9223372036854775808`, 0, true},              // out of range
		{`1e30`, 0, true},
		{`4.5`, 0, true},
		{`"4.5"`, 0, true},
		{`"abc"`, 0, true},
		{`"NaN"`, 0, true},
		{`"Inf"`, 0, true},
		{`{}`, 0, true},
		{`[]`, 0, true},
		{`true`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n := Int(99)
			err := n.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && n != tt.want {
				t.Errorf("got %d, want %d", n, tt.want)
			}
		})
	}
}

func TestFloatUnmarshal(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{`0.1`, 0.1, false},
		{`"0.1"`, 0.1, false},
		{`0`, 0, false},
		{`47`, 47, false},
		{`"12"`, 12, false},
		{`-2.5e-3`, -0.0025, false},
		{`123456789012345678`, 123456789012345678, false}, // beyond the fast path, ParseFloat rounds
		{`""`, 0, false},
		{`null`, 0, false},
		{`"1,5"`, 0, true},
		{`"NaN"`, 0, true},
		{`"-Inf"`, 0, true},
		{`1e400`, 0, true},
		{`{}`, 0, true},
		{`false`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var f Float
			err := f.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && float64(f) != tt.want {
				t.Errorf("got %v, want %v", f, tt.want)
			}
		})
	}
	// "-0" keeps its sign, exactly as strconv.ParseFloat reads it.
	var f Float
	if err := f.UnmarshalJSON([]byte(`-0`)); err != nil || !math.Signbit(float64(f)) {
		t.Errorf("-0: got %v, %v", f, err)
	}
}

func TestNullIntAndNullFloat(t *testing.T) {
	intTests := []struct {
		in      string
		want    NullInt
		wantErr bool
	}{
		{`4000`, NullInt{4000, true}, false},
		{`"4100"`, NullInt{4100, true}, false},
		{`0`, NullInt{0, true}, false},
		{`null`, NullInt{}, false},
		{`""`, NullInt{}, false},
		{`"x"`, NullInt{}, true},
		{`3.5`, NullInt{}, true},
		{`1e19`, NullInt{}, true},
		{`[1]`, NullInt{}, true},
	}
	for _, tt := range intTests {
		var n NullInt
		err := n.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr || (!tt.wantErr && n != tt.want) {
			t.Errorf("NullInt %s = %+v, %v; want %+v, error %v", tt.in, n, err, tt.want, tt.wantErr)
		}
	}
	floatTests := []struct {
		in      string
		want    NullFloat
		wantErr bool
	}{
		{`0`, NullFloat{0, true}, false}, // 0 is a value (no media), not null
		{`0.1`, NullFloat{0.1, true}, false},
		{`"4.5"`, NullFloat{4.5, true}, false},
		{`null`, NullFloat{}, false},
		{`""`, NullFloat{}, false},
		{`"bad"`, NullFloat{}, true},
		{`{"v":1}`, NullFloat{}, true},
	}
	for _, tt := range floatTests {
		var f NullFloat
		err := f.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr || (!tt.wantErr && f != tt.want) {
			t.Errorf("NullFloat %s = %+v, %v; want %+v, error %v", tt.in, f, err, tt.want, tt.wantErr)
		}
	}
}

func TestNullStringAndText(t *testing.T) {
	tests := []struct {
		in      string
		want    NullString
		wantErr bool
	}{
		{`"PCMU"`, NullString{"PCMU", true}, false},
		{`""`, NullString{"", true}, false},
		{`null`, NullString{}, false},
		{`16`, NullString{"16", true}, false}, // failure_code as a bare number
		{`-1.5`, NullString{"-1.5", true}, false},
		{`true`, NullString{"true", true}, false},
		{`"caf\u00e9\n"`, NullString{"café\n", true}, false},
		{`"Mumbai – ☎"`, NullString{"Mumbai – ☎", true}, false},
		{`"a\"b"`, NullString{`a"b`, true}, false},
		{"\"bad\xffutf8\"", NullString{"bad\uFFFDutf8", true}, false}, // as encoding/json does
		{`{}`, NullString{}, true},
		{`["x"]`, NullString{}, true},
		{`"unterminated`, NullString{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s NullString
			err := s.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && s != tt.want {
				t.Errorf("got %+v, want %+v", s, tt.want)
			}
			var x Text
			terr := x.UnmarshalJSON([]byte(tt.in))
			if (terr != nil) != tt.wantErr || (!tt.wantErr && string(x) != tt.want.String) {
				t.Errorf("Text: got %q, %v", x, terr)
			}
		})
	}
}

// The fast string path must agree with encoding/json on every input it
// accepts; this compares the two on a spread of tricky literals.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{`""`, `"plain"`, `"tab\there"`, `"\u2028"`, "\"\u2028\"", `"\\"`, "\"\xc3\x28\"", `"é"`, `"\/"`}
	for _, in := range inputs {
		want := ""
		wantErr := json.Unmarshal([]byte(in), &want)
		got, err := jsonString([]byte(in))
		if (err != nil) != (wantErr != nil) || got != want {
			t.Errorf("jsonString(%s) = %q, %v; encoding/json gives %q, %v", in, got, err, want, wantErr)
		}
	}
}

func TestTimeUnmarshal(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2026-03-25T10:00:00Z"`, utc(2026, 3, 25, 10, 0, 0, 0), false},
		{`"2026-03-25T10:00:00.5Z"`, utc(2026, 3, 25, 10, 0, 0, 5e8), false},
		{`"2026-03-25T15:30:00+05:30"`, utc(2026, 3, 25, 10, 0, 0, 0), false},
		{`"2026-09-29 10:00:00"`, utc(2026, 9, 29, 10, 0, 0, 0), false}, // n8n mock form, taken as UTC
		{`"2026-05-07 09:45:35.79276+05:30"`, utc(2026, 5, 7, 4, 15, 35, 792760000), false},
		{`"2026-03-25T10:00:00"`, utc(2026, 3, 25, 10, 0, 0, 0), false},
		{`"2024-02-29T00:00:00Z"`, utc(2024, 2, 29, 0, 0, 0, 0), false}, // leap day on the fast path
		{`""`, time.Time{}, false},
		{`null`, time.Time{}, false},
		{`"yesterday"`, time.Time{}, true},
		{`"2026-02-30T10:00:00Z"`, time.Time{}, true}, // impossible date
		{`"2026-13-01T10:00:00Z"`, time.Time{}, true},
		{`"2026-03-25T24:00:00Z"`, time.Time{}, true},
		{`12345`, time.Time{}, true},
		{`{}`, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var v Time
			err := v.UnmarshalJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !v.Equal(tt.want) {
				t.Errorf("got %v, want %v", v.Time, tt.want)
			}
			if !tt.wantErr && !v.IsZero() && v.Location() != time.UTC {
				t.Errorf("location %v, want UTC", v.Location())
			}
		})
	}
}

func TestLenientMarshalRoundTrip(t *testing.T) {
	type rec struct {
		A NullInt    `json:"a"`
		B NullFloat  `json:"b"`
		C NullString `json:"c"`
		D Time       `json:"d"`
	}
	in := rec{NullInt{4000, true}, NullFloat{0.1, true}, NullString{"x\"y", true}, Time{time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":4000,"b":0.1,"c":"x\"y","d":"2026-03-25T10:00:00Z"}`; string(b) != want {
		t.Errorf("marshal = %s, want %s", b, want)
	}
	var out rec
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip = %+v, %v", out, err)
	}
	b, _ = json.Marshal(rec{})
	if want := `{"a":null,"b":null,"c":null,"d":null}`; string(b) != want {
		t.Errorf("zero marshal = %s, want %s", b, want)
	}
}

// A lenient type's error is a *json.UnmarshalTypeError, so encoding/json
// names the field that was wrong.
func TestLenientErrorNamesField(t *testing.T) {
	var out struct {
		Data []CDR `json:"data"`
	}
	err := json.Unmarshal([]byte(`{"data":[{"uuid":"u","duration":{}}]}`), &out)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *json.UnmarshalTypeError", err, err)
	}
	if !strings.Contains(err.Error(), "data.duration") || te.Type != intType {
		t.Errorf("err = %v, want it to name data.duration of type vobiz.Int", err)
	}
}
