package vobiz

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// fastSeeds are bodies at the edges of the fast path: the documented
// shapes, odd but valid JSON, and JSON encoding/json handles in its own
// way (folded keys, duplicates, nulls), where the fast path must either
// agree or give up.
var fastSeeds = []string{
	`{"data":[],"success":true}`,
	`{"data":null}`,
	`{}`,
	` { "data" : [ { "id" : 1 , "uuid" : "a" } ] , "count" : "1" } `,
	`{"data":[{"ID":1,"Uuid":"a"}]}`,
	`{"Data":[{"id":1}]}`,
	`{"data":[{"id":1}],"data":[{"uuid":"b"}]}`,
	`{"data":[null]}`,
	`{"data":[{"id":1}],"pagination":{"page":1},"pagination":{"total":5,"has_next":true}}`,
	`{"data":[],"pagination":null,"summary":null,"success":null,"filters":null}`,
	`{"data":[],"pagination":{"Page":2}}`,
	`{"data":[],"summary":{"totalcalls":2}}`,
	`{"data":[],"success":"true"}`,
	`{"data":[],"filters":{"a":1,"b":null,"c":{"x":[1,2]}}}`,
	`{"data":[{"mos":"4.5","jitter":null,"packet_loss":"","duration":"47","failure_code":16}]}`,
	`{"data":[{"start_time":"2026-09-29 10:00:00","answer_time":"","caller_id_name":"Jos\u00e9 \"J\""}]}`,
	`{"data":[{"caller_id_name":"\xff\xfe"}]}`,
	`{"data":[{"id":1.5}]}`,
	`{"data":[{"id":01}]}`,
	`{"data":[{"id":-}]}`,
	`{"data":[{"id":1e5,"cost":-0,"total_cost":1E-2}]}`,
	`{"data":[{"unknown":{"deep":[[[{"x":"y"}]]]},"id":2}]}`,
	`{"data":[{"id":2,}]}`,
	`{"data":[{"id":2}],}`,
	`{"data":[{"id":2}]} x`,
	`{"data":[{"id":2}]}{}`,
	`{"data":[{"id":2}]`,
	`{"data":[{"k\u0065y":2}]}`,
	"{\"data\":[{\"caller_id_name\":\"a\tb\"}]}",
	`{"data":[{"\u212aey":1,"ſuccess":2}],"ſuccess":true}`,
	`{"data":[{"id":true}]}`,
	`{"data":[{"hangup_cause_code":"4000.5"}]}`,
	`{"data":{"id":1}}`,
	`[]`,
	`null`,
	`{"data":[{"id":9223372036854775808}]}`,
	`{"account_id":7,"count":null,"data":[{"-":1,"Raw":"x"}]}`,
	`{"data":[{"id":"\u0031"}]}`,
	`{"data":[{"uuid":"x\/y"}]}`,
	`{"data":[{"uuid":"\ud800"}]}`,
	`{"data":[{"uuid":"\u00"}]}`,
}

func fastCorpus() [][]byte {
	out := [][]byte{searchBody(3), searchBody(0)}
	for _, s := range fastSeeds {
		out = append(out, []byte(s))
	}
	return out
}

// checkFastMatches decodes b with the fast path and with encoding/json into
// every envelope type and the record type: when the fast path succeeds,
// encoding/json must succeed with an identical value.
func checkFastMatches(t *testing.T, b []byte) {
	t.Helper()
	check := func(name string, fast func() (any, bool), slow func() (any, error)) {
		t.Helper()
		got, ok := fast()
		if !ok {
			return
		}
		want, err := slow()
		if err != nil {
			t.Fatalf("%s: fast path accepted %q, encoding/json: %v", name, b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: fast path differs for %q:\n fast %+v\n json %+v", name, b, got, want)
		}
	}
	check("search", func() (any, bool) {
		var out SearchResponse
		ok := decodeEnvelopeFast(b, envelopeTargets{accountID: &out.AccountID, count: &out.Count,
			data: &out.Data, pagination: &out.Pagination, summary: &out.Summary, success: &out.Success,
			filters: &out.Filters})
		return out, ok
	}, func() (any, error) {
		var out SearchResponse
		err := json.Unmarshal(b, &out)
		return out, err
	})
	check("list", func() (any, bool) {
		var out ListResponse
		ok := decodeEnvelopeFast(b, envelopeTargets{accountID: &out.AccountID, count: &out.Count,
			data: &out.Data, pagination: &out.Pagination, summary: &out.Summary, success: &out.Success})
		return out, ok
	}, func() (any, error) {
		var out ListResponse
		err := json.Unmarshal(b, &out)
		return out, err
	})
	check("recent", func() (any, bool) {
		var out RecentResponse
		ok := decodeEnvelopeFast(b, envelopeTargets{accountID: &out.AccountID, count: &out.Count,
			data: &out.Data, success: &out.Success})
		return out, ok
	}, func() (any, error) {
		var out RecentResponse
		err := json.Unmarshal(b, &out)
		return out, err
	})
	check("record", func() (any, bool) {
		var c CDR
		i := skipSpace(b, 0)
		if i >= len(b) || b[i] != '{' {
			return c, false
		}
		end, ok := c.decodeFast(b, i)
		return c, ok && skipSpace(b, end) == len(b)
	}, func() (any, error) {
		var c CDR
		err := json.Unmarshal(b, &c)
		return c, err
	})
	// And the public entry points always agree with encoding/json.
	var viaFast, viaJSON SearchResponse
	errFast := decodeSearchResponse(b, &viaFast)
	errJSON := json.Unmarshal(b, &viaJSON)
	if (errFast == nil) != (errJSON == nil) || errFast != nil && errFast.Error() != errJSON.Error() {
		t.Fatalf("decodeSearchResponse(%q) error %v, encoding/json %v", b, errFast, errJSON)
	}
	if errFast == nil && !reflect.DeepEqual(viaFast, viaJSON) {
		t.Fatalf("decodeSearchResponse(%q) differs from encoding/json", b)
	}
}

func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	for _, b := range fastCorpus() {
		checkFastMatches(t, b)
	}
}

// TestFastPathTaken makes sure the documented shapes (and the sandbox's,
// which the benchmarks measure) really take the fast path.
func TestFastPathTaken(t *testing.T) {
	var s SearchResponse
	if !decodeEnvelopeFast(searchBody(100), envelopeTargets{accountID: &s.AccountID, count: &s.Count,
		data: &s.Data, pagination: &s.Pagination, summary: &s.Summary, success: &s.Success, filters: &s.Filters}) {
		t.Fatal("a 100-row search body left the fast path")
	}
	if len(s.Data) != 100 || s.Pagination.Total != 4500 || s.Summary.AnsweredCalls != 2171 || s.Filters["call_direction"] != "outbound" {
		t.Fatalf("decoded %d rows, pagination %+v, summary %+v, filters %v", len(s.Data), s.Pagination, s.Summary, s.Filters)
	}
	for _, name := range []string{"answered", "unanswered"} {
		b := contractRecord(t, name)
		var c CDR
		if end, ok := c.decodeFast(b, skipSpace(b, 0)); !ok || skipSpace(b, end) != len(b) {
			t.Fatalf("the contract's %s record left the fast path", name)
		}
	}
}

// contractRecord is the contract example as JSON, field for field.
func contractRecord(t *testing.T, name string) []byte {
	t.Helper()
	c := wantAnswered()
	if name == "unanswered" {
		c = wantUnanswered()
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"hangup_cause_code":`) {
		t.Fatalf("unexpected encoding %s", b)
	}
	return b
}

// FuzzFastDecodeMatchesEncodingJSON: whatever the input, the fast path
// either gives up or produces exactly what encoding/json produces.
func FuzzFastDecodeMatchesEncodingJSON(f *testing.F) {
	for _, b := range fastCorpus() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFastMatches(t, b)
	})
}

// BenchmarkDecodeSearch100JSON is the encoding/json path the fast decoder
// replaced, kept for comparison with BenchmarkDecodeSearch100.
func BenchmarkDecodeSearch100JSON(b *testing.B) {
	body := searchBody(100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var out SearchResponse
		if err := json.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
	}
}
