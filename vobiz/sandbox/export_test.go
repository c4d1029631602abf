package sandbox

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

func TestExport(t *testing.T) {
	s := sharedServer()
	tests := []url.Values{
		vals(),
		vals("call_direction", "outbound", "hangup_cause", "NORMAL_CLEARING"),
		vals("search", "sharma", "page", "3", "per_page", "5"), // paging is ignored by export
		vals("start_date", "2026-03-01", "end_date", "2026-03-03", "min_duration", "30"),
		vals("campaign_id", "cmp_none"),
	}
	for _, q := range tests {
		t.Run(q.Encode(), func(t *testing.T) {
			sq := url.Values{}
			for k, v := range q {
				if k != "page" && k != "per_page" {
					sq[k] = v
				}
			}
			sq.Set("per_page", "100")
			search := decodeSearch(t, do(t, s, basePath(s)+"/search", sq))

			w := do(t, s, basePath(s)+"/export", q)
			mustStatus(t, w, http.StatusOK)
			if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Fatalf("Content-Type %q", ct)
			}
			if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="cdrs.csv"` {
				t.Fatalf("Content-Disposition %q", cd)
			}
			body := w.Body.Bytes()
			if lines := bytes.Count(body, []byte("\n")); lines != bytes.Count(body, []byte("\r\n")) {
				t.Fatal("line ends are not CRLF")
			}
			cr := csv.NewReader(bytes.NewReader(body))
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("CSV does not parse: %v", err)
			}
			if !slices.Equal(recs[0], vobiz.FieldNames) {
				t.Fatalf("header %v", recs[0])
			}
			if got := len(recs) - 1; got != int(search.Summary.TotalCalls) {
				t.Fatalf("%d rows, summary says %d", got, search.Summary.TotalCalls)
			}

			er, err := vobiz.NewExportReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; ; k++ {
				c, err := er.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if k < len(search.Data) {
					i, ok := s.Index(string(search.Data[k].UUID))
					if !ok {
						t.Fatal("unknown uuid")
					}
					want := s.Call(i)
					if !reflect.DeepEqual(*c, want) {
						t.Fatalf("row %d differs from Call(%d):\n got %+v\nwant %+v", k, i, *c, want)
					}
				}
			}
		})
	}
}

func TestExportNullsAreEmptyCells(t *testing.T) {
	s := sharedServer()
	w := do(t, s, basePath(s)+"/export", vals("hangup_cause", "NO_ANSWER"))
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%v, %d records", err, len(recs))
	}
	col := slices.Index(vobiz.FieldNames, "answer_time")
	for _, r := range recs[1:] {
		if r[col] != "" {
			t.Fatalf("answer_time %q on an unanswered call", r[col])
		}
	}
}

// TestExportStreams proves the export is streamed: the handler is held
// after its first flush until the client has read the first data row, so
// the client demonstrably reads row 1 before the last row is written.
func TestExportStreams(t *testing.T) {
	s := New(Options{Calls: 5_000, Now: testNow})
	flushed := make(chan int, 1)
	release := make(chan struct{})
	first := true
	s.exportHook = func(rows int) {
		if first {
			first = false
			flushed <- rows
			<-release
		}
	}
	ts := httptest.NewServer(s)
	defer ts.Close()

	resp, err := ts.Client().Do(authed(t, s, ts.URL+basePath(s)+"/export"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rowsAtFlush := <-flushed
	if rowsAtFlush >= s.Len() {
		t.Fatalf("first flush after %d rows: nothing left to stream", rowsAtFlush)
	}
	br := bufio.NewReader(resp.Body)
	cr := csv.NewReader(br)
	header, err := cr.Read()
	if err != nil || header[0] != "account_id" {
		t.Fatalf("header %v: %v", header, err)
	}
	row, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	if row[len(row)-1] != string(s.Call(0).UUID) {
		t.Fatalf("first row is not the newest call")
	}
	// The handler is still parked in the hook: the rest has not been written.
	close(release)
	n := 1
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != s.Len() {
		t.Fatalf("%d rows, want %d", n, s.Len())
	}
}

func TestExportEmptyIsHeaderOnly(t *testing.T) {
	s := sharedServer()
	w := do(t, s, basePath(s)+"/export", vals("context", "nope"))
	mustStatus(t, w, http.StatusOK)
	if got, want := w.Body.String(), strings.Join(vobiz.FieldNames, ",")+"\r\n"; got != want {
		t.Fatalf("body %q", got)
	}
}
