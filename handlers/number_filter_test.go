package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/phone"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// directTotal is the sandbox's own search total for a raw filter, sent as
// is by the client (no normalisation on the way).
func directTotal(t testing.TB, a *testApp, f vobiz.Filter) int64 {
	t.Helper()
	res, err := a.client.Search(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return int64(res.Pagination.Total)
}

// TestNumberFilterMatchesDirectSearch: ten digits typed into the number
// filters give the same total as the API's own substring search for the
// same raw value, and the raw export equals a direct export byte for byte.
// The values are ten-digit windows of the sandbox's numbers, including
// windows that straddle the country code ("9180…" of +9180…), which a
// rewrite to E.164 (+919180…) narrows to nothing.
func TestNumberFilterMatchesDirectSearch(t *testing.T) {
	a := newTestApp(t, withCalls(20_000))
	c := a.demo(t)
	var typed []string
	seen := map[string]bool{}
	for i := 0; len(typed) < 8 && i < a.sb.Len(); i++ {
		d := string(a.sb.Call(i).DestinationNumber)
		if !strings.HasPrefix(d, "+91") || len(d) != 13 {
			continue
		}
		for _, w := range []string{d[1:11], d[3:13]} { // 91 + 8 digits; the national number
			if !seen[w] {
				seen[w] = true
				typed = append(typed, w)
			}
		}
	}
	narrowedBefore := 0
	old := phone.Normalizer{Region: "IN"}
	for _, v := range typed {
		want := directTotal(t, a, vobiz.Filter{ToNumber: v})
		if e164, err := old.Normalize(v); err == nil && directTotal(t, a, vobiz.Filter{ToNumber: e164}) != want {
			narrowedBefore++
		}
		for _, param := range []string{"to_number", "from_number"} {
			f := vobiz.Filter{ToNumber: v}
			if param == "from_number" {
				f = vobiz.Filter{FromNumber: v}
			}
			want := directTotal(t, a, f)
			res, body := a.get(t, c, "/calls?"+url.Values{param: {v}}.Encode())
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s=%s: status %d", param, v, res.StatusCode)
			}
			if got := between(body, `data-testid="tile-total">`, "<"); got != views.FormatInt(want) {
				t.Errorf("%s=%s: cdrdash shows %s calls, the API's own search %d", param, v, got, want)
			}
		}
	}
	if narrowedBefore == 0 {
		t.Fatalf("no value among %v tells a rewrite to E.164 from the API's substring match", typed)
	}
	for _, v := range typed[:4] {
		q := url.Values{"to_number": {v}}
		want := readAllBytes(t, directExport(t, a, q.Encode()))
		res := exportStart(t, context.Background(), c, a, "/calls/export?format=raw&"+q.Encode())
		got := readAllBytes(t, res.Body)
		if res.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("to_number=%s: export status %d, %d bytes; a direct export has %d", v, res.StatusCode, len(got), len(want))
		}
	}
}
