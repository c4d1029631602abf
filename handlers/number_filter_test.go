package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

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
			if got := parsePage(t, body).text("tile-total"); got != views.FormatInt(want) {
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

// TestSIPDestinationFilterAndLinks: a destination that is a SIP URI (demo
// mode has some) can be filtered on, reaches the API as typed, and every
// "Related calls" link on its call page answers 200.
func TestSIPDestinationFilterAndLinks(t *testing.T) {
	a := newTestApp(t, withCalls(20_000))
	c := a.demo(t)
	var call vobiz.CDR
	for i := range a.sb.Len() {
		if cdr := a.sb.Call(i); strings.HasPrefix(string(cdr.DestinationNumber), "sip:") {
			call = cdr
			break
		}
	}
	if call.UUID == "" {
		t.Fatal("the sandbox has no call to a SIP URI")
	}
	uri := string(call.DestinationNumber)
	var sent []string
	a.sb.SetObserver(func(r *http.Request) {
		if v := r.URL.Query().Get("to_number"); v != "" {
			sent = append(sent, v)
		}
	})
	q := url.Values{"to_number": {uri}}
	res, body := a.get(t, c, "/calls?"+q.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("to_number=%s: status %d", uri, res.StatusCode)
	}
	if len(sent) != 1 || sent[0] != uri {
		t.Errorf("to_number reached the API as %q, want %q", sent, uri)
	}
	p := parsePage(t, body)
	if !slices.ContainsFunc(p.all("call-row"), func(n *html.Node) bool { return attr(n, "data-uuid") == string(call.UUID) }) {
		t.Error("the call itself is not in the list filtered by its destination")
	}
	if got, want := p.text("tile-total"), views.FormatInt(directTotal(t, a, vobiz.Filter{ToNumber: uri})); got != want {
		t.Errorf("cdrdash shows %s calls to %s, the API's own search %s", got, uri, want)
	}
	want := readAllBytes(t, directExport(t, a, q.Encode()))
	exp := exportStart(t, context.Background(), c, a, "/calls/export?format=raw&"+q.Encode())
	if got := readAllBytes(t, exp.Body); exp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
		t.Errorf("export status %d, %d bytes; a direct export has %d", exp.StatusCode, len(got), len(want))
	}

	res, body = a.get(t, c, "/calls/"+string(call.UUID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("call page: status %d", res.StatusCode)
	}
	links := parsePage(t, body).in("related").tags("a")
	var toLink bool
	for _, l := range links {
		href := attr(l, "href")
		toLink = toLink || strings.Contains(href, "to_number="+url.QueryEscape(uri))
		if res, _ := a.get(t, c, href); res.StatusCode != http.StatusOK {
			t.Errorf("related link %s: status %d", href, res.StatusCode)
		}
	}
	if len(links) < 3 || !toLink {
		t.Errorf("%d related links: want one for calls to %s", len(links), uri)
	}
}
