package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/vobiz"
)

// The two example CDRs of the contract (answered, and its unanswered
// variant), with all 43 fields, shared with the vobiz package's tests.
var (
	answeredExample   = readTestdata("../vobiz/testdata/contract_answered.json")
	unansweredExample = readTestdata("../vobiz/testdata/contract_unanswered.json")
	answeredUUID      = "aabbccdd-1234-5678-90ab-cdef12345678"
	unansweredUUID    = "bbccddee-1234-5678-90ab-cdef12345678"
)

func readTestdata(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// exampleSource serves the contract examples by UUID and delegates
// everything else to the real client.
type exampleSource struct {
	handlers.CDRSource
	records map[string]string
}

func (s exampleSource) Get(ctx context.Context, id string) (*vobiz.CDR, error) {
	raw, ok := s.records[id]
	if !ok {
		return s.CDRSource.Get(ctx, id)
	}
	var c vobiz.CDR
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, err
	}
	c.Raw = json.RawMessage(raw)
	return &c, nil
}

func withExamples() appOption {
	return withDeps(func(d *handlers.Deps) {
		d.CDRs = exampleSource{CDRSource: d.CDRs, records: map[string]string{
			answeredUUID:   answeredExample,
			unansweredUUID: unansweredExample,
		}}
	})
}

func TestCallDetailContractExamples(t *testing.T) {
	a := newTestApp(t, withCalls(500), withExamples())
	c := a.demo(t)
	tests := []struct {
		uuid     string
		outcome  string
		verdict  []string
		timeline string
		drawn    string // what the timestamps give when they disagree with the record, "" when they agree
		quality  string
	}{
		// The docs' own example: ring_time 5, billsec 42, duration 47,
		// but its timestamps span 42s with the answer 1s after the start.
		{answeredUUID, "Answered", []string{"Answered", "talked 42s", "audio was good"},
			"Rang 5s, talked 42s: 47s in all", "shows 1s of ringing (progress_time to answer_time) and 41s of talk (answer_time to end_time); the figures above are the record's own ring_time (5s) and billsec (42s)", "badge--good"},
		{unansweredUUID, "No answer", []string{"Not answered", "no media"},
			"Rang 12s and was never answered: 12s in all", "", "badge--no_media"},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			res, body := a.get(t, c, "/calls/"+tt.uuid)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			p := parsePage(t, body)
			if got := badges(p.in("call-summary")); !slices.Contains(got, tt.outcome) {
				t.Errorf("outcome badge %q missing from the call summary: %q", tt.outcome, got)
			}
			verdict := p.text("verdict")
			for _, w := range tt.verdict {
				if !strings.Contains(verdict, w) {
					t.Errorf("verdict %q lacks %q", verdict, w)
				}
			}
			if tl := p.text("timeline-summary"); !strings.HasPrefix(tl, tt.timeline) {
				t.Errorf("timeline %q does not start %q", tl, tt.timeline)
			}
			if drawn := p.text("timeline-drawn"); tt.drawn == "" && drawn != "" || !strings.Contains(drawn, tt.drawn) {
				t.Errorf("timestamps note %q, want %q", drawn, tt.drawn)
			}
			if got := p.text("rec-ring_time") + " " + p.text("rec-billsec") + " " + p.text("rec-duration"); tt.outcome == "Answered" && got != "5s 42s 47s" {
				t.Errorf("recorded durations %q, want 5s 42s 47s", got)
			}
			q := p.in("quality")
			if len(q.find(func(n *html.Node) bool { return hasClass(n, tt.quality) })) == 0 {
				t.Errorf("quality section lacks %s: %q", tt.quality, badges(q))
			}
			if len(q.find(func(n *html.Node) bool { return hasClass(n, "badge--poor") })) > 0 {
				t.Error("quality shows poor")
			}
			if p.text("diagnosis-headline") == "" || len(p.items("next-steps")) == 0 {
				t.Error("no diagnosis")
			}
			if !strings.Contains(p.text("raw"), `"hangup_cause"`) {
				t.Error("raw record missing")
			}
		})
	}
}

func TestCallDetailRejectsBadIDs(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	for _, path := range []string{
		"/calls/..%2F..%2Fexport",
		"/calls/abc",
		"/calls/" + strings.Repeat("a", 10*1024),
		"/calls/aabbccdd-1234-5678-90ab-cdef1234567%2F",
		"/calls/%2e%2e",
		"/calls/aabbccdd-1234-5678-90ab-cdef12345678%3Fx=1",
	} {
		before := a.upstreamRequests()
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%.60s: status %d, want 400", path, res.StatusCode)
		}
		if a.upstreamRequests() != before {
			t.Errorf("%.60s: reached the upstream", path)
		}
		if msg := parsePage(t, body).text("error"); !strings.Contains(msg, "not a call ID") {
			t.Errorf("%.60s: no explanation: %q", path, msg)
		}
	}
}

func TestCallDetailNotFound(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	res, body := a.get(t, c, "/calls/00000000-0000-4000-8000-000000000000")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", res.StatusCode)
	}
	var search string
	for _, l := range parsePage(t, body).in("error").tags("a") {
		if nodeText(l) == "Search for it" {
			search = attr(l, "href")
		}
	}
	if search != "/calls?search=00000000-0000-4000-8000-000000000000" {
		t.Errorf("404 page offers no search for the ID (link %q)", search)
	}
}

func TestCallDetailPrevNext(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	list := url.Values{"per_page": {"20"}, "page": {"2"}}.Encode()
	// The first row of page 2: previous is the last row of page 1.
	first := string(a.sb.Call(20).UUID)
	_, body := a.get(t, c, "/calls/"+first+"?list="+url.QueryEscape(list))
	p := parsePage(t, body)
	if prev := callLink(t, p, "prev-call"); prev != string(a.sb.Call(19).UUID) {
		t.Errorf("previous link points at %q, not the last call of page 1", prev)
	}
	if next := callLink(t, p, "next-call"); next != string(a.sb.Call(21).UUID) {
		t.Errorf("next link points at %q, not the next call", next)
	}
	if back := p.attr("back", "href"); back != "/calls?page=2&per_page=20" {
		t.Errorf("back link %q does not return to the list", back)
	}
}

func TestDiagnose(t *testing.T) {
	a := newTestApp(t, withCalls(100))
	c := a.demo(t)
	tests := []struct {
		name, input string
		status      int
		want        string
	}{
		{"record", answeredExample, 200, "audio was good"},
		{"envelope", `{"data":` + unansweredExample + `,"success":true}`, 200, "no media"},
		{"cause and code", "USER_BUSY 3010", 200, "busy"},
		{"malformed json", "{\n  \"uuid\": \"x\",\n  \"duration\": 12,,\n}", 400, "line 3, column"},
		{"wrong type", `{"duration": {"a":1}}`, 400, "duration"},
		{"empty", "", 400, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.upstreamRequests()
			req := formRequest(t, a.srv.URL+"/diagnose", url.Values{"cdr": {tt.input}})
			res, body := do(t, c, req)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, parsePage(t, body).text("diagnose-error"))
			}
			p := parsePage(t, body)
			where := p.text("verdict")
			if tt.status != 200 {
				where = p.text("diagnose-error")
			}
			if !strings.Contains(strings.ToLower(where), strings.ToLower(tt.want)) {
				t.Errorf("%q lacks %q", where, tt.want)
			}
			if a.upstreamRequests() != before {
				t.Error("diagnose called the upstream")
			}
		})
	}
	big := strings.Repeat("x", 300*1024)
	res, _ := do(t, c, formRequest(t, a.srv.URL+"/diagnose", url.Values{"cdr": {big}}))
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized paste: %d, want 413", res.StatusCode)
	}
}

// TestCallDetailFromListReusesPage: a detail page opened from a list page
// shown moments before takes its neighbours from that page, so the only
// upstream requests are the call itself and, at a page edge, the adjacent
// page (fetched while the call is), not the list's search again.
func TestCallDetailFromListReusesPage(t *testing.T) {
	a := newTestApp(t, withCalls(500))
	c := a.demo(t)
	res, body := a.get(t, c, "/calls?per_page=20&page=2")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("list: %d", res.StatusCode)
	}
	first := string(a.sb.Call(20).UUID)
	href := row(t, body, first).attr("call-link", "href")
	if !strings.HasPrefix(href, "/calls/"+first+"?") {
		t.Fatalf("the list's link to its first call is %q", href)
	}
	before := a.upstreamRequests()
	_, body = a.get(t, c, href)
	if n := a.upstreamRequests() - before; n != 2 {
		t.Errorf("%d upstream requests for a detail page at a page edge, want 2 (the call, the previous page)", n)
	}
	p := parsePage(t, body)
	if callLink(t, p, "prev-call") != string(a.sb.Call(19).UUID) || callLink(t, p, "next-call") != string(a.sb.Call(21).UUID) {
		t.Error("previous/next links do not point at the neighbouring calls")
	}
	// Inside the page: only the call.
	mid := string(a.sb.Call(25).UUID)
	before = a.upstreamRequests()
	_, body = a.get(t, c, "/calls/"+mid+"?list="+url.QueryEscape("page=2&per_page=20"))
	if n := a.upstreamRequests() - before; n != 1 {
		t.Errorf("%d upstream requests for a detail page inside a shown list page, want 1", n)
	}
	p = parsePage(t, body)
	if callLink(t, p, "prev-call") != string(a.sb.Call(24).UUID) || callLink(t, p, "next-call") != string(a.sb.Call(26).UUID) {
		t.Error("previous/next links do not point at the neighbouring calls")
	}
}

// callLink is the call UUID the link with data-testid id opens ("" if the
// link is missing or opens something else).
func callLink(t testing.TB, p page, id string) string {
	t.Helper()
	u, err := url.Parse(p.attr(id, "href"))
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	uuid, ok := strings.CutPrefix(u.Path, "/calls/")
	if !ok {
		return ""
	}
	return uuid
}

// badges are the words of the badges under p.
func badges(p page) []string {
	var out []string
	for _, b := range p.find(func(n *html.Node) bool { return hasClass(n, "badge") }) {
		out = append(out, nodeText(b))
	}
	return out
}
