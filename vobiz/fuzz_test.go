package vobiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"reflect"
	"testing"
)

// FuzzParseFilter feeds arbitrary query strings to the filter parser. It
// must never panic; a filter it accepts must validate, and encoding it and
// parsing it again must give the same filter (what the dashboard sends is
// what it parsed).
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"", "call_direction=outbound&per_page=50&page=2", "start_date=2026-01-05",
		"start_date=2026-02-30&end_date=2026-03-01", "from_number=%2B919876543210&search=a%26b%3Dc",
		"min_duration=-1", "per_page=101", "page=0x10", "search=%00%0a", "hangup_cause=NORMAL_CLEARING&hangup_cause=X",
		"min_duration=999999999999", "end_date=2026-01-01&start_date=2026-01-02", "%zz", "context=" + string(make([]byte, 300)),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) || len(verr.Fields) == 0 {
				t.Fatalf("error is not a field list: %v", err)
			}
			return
		}
		if err := flt.Validate(); err != nil {
			t.Fatalf("accepted filter does not validate: %v", err)
		}
		again, err := ParseFilter(flt.Values())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", flt.Values().Encode(), err)
		}
		if !reflect.DeepEqual(again, flt) {
			t.Fatalf("round trip changed the filter:\n%+v\n%+v", flt, again)
		}
	})
}

// FuzzDecodeCDR decodes arbitrary bytes as a CDR and as a search envelope.
// It must never panic, whatever the types of the fields.
func FuzzDecodeCDR(f *testing.F) {
	f.Add([]byte(`{"id":1,"uuid":"a","duration":"47","billsec":42,"mos":"4.5","packet_loss":0,"jitter":null}`))
	f.Add([]byte(`{"duration":{},"mos":[1],"start_time":"2026-09-29 10:00:00","answer_time":"","failure_code":16}`))
	f.Add([]byte(`{"data":[{"hangup_cause_code":"4000.5"}],"pagination":{"page":"2"},"filters":{"a":1,"b":null}}`))
	f.Add([]byte(`{"id":9223372036854775808,"cost":1e400,"start_time":"yesterday"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c CDR
		if err := json.Unmarshal(b, &c); err == nil {
			if _, err := json.Marshal(c); err != nil {
				t.Fatalf("a decoded record does not encode: %v", err)
			}
			_ = c.Answered()
			_ = c.HasMedia()
		}
		var s SearchResponse
		_ = json.Unmarshal(b, &s)
	})
}

// FuzzExportReader reads arbitrary bytes as a CSV export; it must never
// panic and must end with io.EOF or an error, never loop.
func FuzzExportReader(f *testing.F) {
	f.Add([]byte("uuid,duration,mos\r\nabc,12,4.1\r\n"))
	f.Add([]byte("\ufeff\"uuid\",\"start_time\"\r\n\"x\",\"2026-01-01 10:00:00\"\r\n"))
	f.Add([]byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add([]byte("duration\r\n\"unterminated\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewExportReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		for i := 0; i <= len(b)+1; i++ {
			if _, err := r.Next(); err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				return
			}
		}
		t.Fatal("reader produced more records than input bytes")
	})
}
