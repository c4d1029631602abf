package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/vobiz"
)

// fakeUpstream is a Vobiz API stand-in that answers every request with one
// fixed JSON body, the way the docs print it, and remembers the queries it
// received.
type fakeUpstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []url.Values
}

func newFakeUpstream(t testing.TB, body string) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.URL.Query())
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// option points the dashboard's CDR source at the fake.
func (f *fakeUpstream) option(t testing.TB) appOption {
	return withDeps(func(d *handlers.Deps) {
		c, err := vobiz.NewClient(f.srv.URL, "MA_XXXXXXXX", "token", vobiz.WithRetries(0, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		d.CDRs = c
	})
}

// answerURLFailure is the contract's answered example as Vobiz records a
// call whose answer URL could not be reached: answered for 3 s, textual
// cause NORMAL_CLEARING, code 7011.
var answerURLFailure = strings.NewReplacer(
	`"uuid":"aabbccdd-1234-5678-90ab-cdef12345678"`, `"uuid":"7011aaaa-1234-5678-90ab-cdef12345678"`,
	`"billsec":42`, `"billsec":3`, `"duration":47`, `"duration":8`,
	`"hangup_cause_code":4000`, `"hangup_cause_code":7011`,
	`"hangup_cause_name":"Normal Hangup"`, `"hangup_cause_name":"Error Reaching Answer URL"`,
	`"hangup_source":"Caller"`, `"hangup_source":"Error"`,
).Replace(answeredExample)

// searchBody wraps records in the search envelope, with the filters echo
// the docs show (every key present, unset ones "").
func searchBody(echoCause string, records ...string) string {
	n := itoa(int64(len(records)))
	return `{"account_id":"MA_XXXXXXXX","count":` + n + `,"data":[` + strings.Join(records, ",") + `],` +
		`"filters":{"call_direction":"","from_number":"","hangup_cause":"` + echoCause + `","to_number":""},` +
		`"pagination":{"page":1,"per_page":20,"total":` + n + `,"pages":1,"has_next":false,"has_prev":false},` +
		`"success":true,"summary":{"totalCalls":` + n + `,"answeredCalls":` + n + `,"answerRate":100,"avgCallDuration":"22s",` +
		`"total_duration_seconds":55,"total_billable_seconds":45,"total_cost":0.9,"last_call_at":"2026-03-25T10:00:00Z"}}`
}

// row returns the calls-table row for uuid (an empty page if none).
func row(t testing.TB, body, uuid string) page {
	for _, n := range parsePage(t, body).all("call-row") {
		if attr(n, "data-uuid") == uuid {
			return page{n}
		}
	}
	t.Errorf("no row for %s", uuid)
	return page{}
}

// outcome is the outcome badge of a calls-table row: its modifier classes
// and its words.
func outcome(r page) (classes, label string) {
	for _, td := range r.tags("td") {
		if attr(td, "data-label") != "Outcome" {
			continue
		}
		for _, b := range (page{td}).find(func(n *html.Node) bool { return hasClass(n, "badge") }) {
			return attr(b, "class"), nodeText(b)
		}
	}
	return "", ""
}

// selectedOption is the value and label of the selected option of the
// filter select name ("" if none is selected).
func selectedOption(p page, name string) (value, label string) {
	for _, o := range p.in("filter-" + name).tags("option") {
		if hasAttr(o, "selected") {
			return attr(o, "value"), nodeText(o)
		}
	}
	return "", ""
}

// TestCallsListShowsFailures: a call that ended with code 7011 reads as a
// failure in the list, with its one-line diagnosis, although it was
// answered and its textual cause is NORMAL_CLEARING; an ordinary answered
// call beside it gets no diagnosis line.
func TestCallsListShowsFailures(t *testing.T) {
	up := newFakeUpstream(t, searchBody("", answerURLFailure, answeredExample))
	a := newTestApp(t, withCalls(10), up.option(t))
	res, body := a.get(t, a.demo(t), "/calls")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	failed := row(t, body, "7011aaaa-1234-5678-90ab-cdef12345678")
	if class, label := outcome(failed); class != "badge badge--failed" || label != "Failed" {
		t.Errorf("the 7011 call is not shown as failed: %q %q", class, label)
	}
	diag := failed.text("call-diagnosis")
	if !strings.Contains(diag, "answer URL") || !strings.Contains(diag, "7011") {
		t.Errorf("the 7011 call's one-line diagnosis = %q, want it to name the answer URL and the code", diag)
	}
	ok := row(t, body, answeredUUID)
	if class, _ := outcome(ok); !slices.Contains(strings.Fields(class), "badge--answered") || ok.has("call-diagnosis") {
		t.Errorf("the normal answered call: badge %q, diagnosis %q", class, ok.text("call-diagnosis"))
	}
}

// TestCallsListShowsSandboxFailures: demo mode has 7011 calls, and the list
// shows them as failures with the diagnosis.
func TestCallsListShowsSandboxFailures(t *testing.T) {
	a := newTestApp(t, withCalls(5000))
	var uuid string
	for i := range a.sb.Len() {
		if c := a.sb.Call(i); c.HangupCauseCode.Int64 == 7011 && c.Billsec > 0 {
			uuid = string(c.UUID)
			break
		}
	}
	if uuid == "" {
		t.Fatal("the sandbox has no answered call with code 7011")
	}
	res, body := a.get(t, a.demo(t), "/calls?"+url.Values{"search": {uuid}}.Encode())
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	r := row(t, body, uuid)
	if class, _ := outcome(r); !slices.Contains(strings.Fields(class), "badge--failed") || !strings.Contains(r.text("call-diagnosis"), "answer URL") {
		t.Errorf("sandbox 7011 call row: badge %q, diagnosis %q", class, r.text("call-diagnosis"))
	}
}

// TestCallsEmptyEchoIsNotEchoed: the search endpoint echoes hangup_cause
// as "" (as the docs show) even when the results are filtered by it; that
// is "not echoed", not "Vobiz applied an empty filter". A different value
// is still reported.
func TestCallsEmptyEchoIsNotEchoed(t *testing.T) {
	tests := []struct {
		echo, note string
	}{
		{"", ""},
		{"NO_ANSWER", `Hangup cause (sent USER_BUSY, Vobiz applied "NO_ANSWER")`},
	}
	for _, tt := range tests {
		up := newFakeUpstream(t, searchBody(tt.echo, answeredExample))
		a := newTestApp(t, withCalls(10), up.option(t))
		res, body := a.get(t, a.demo(t), "/calls?hangup_cause=USER_BUSY")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		p := parsePage(t, body)
		note := p.text("applied")
		if tt.note == "" && p.has("applied") {
			t.Errorf("echo %q: the page says %q", tt.echo, note)
		}
		if tt.note != "" && !strings.Contains(note, tt.note) {
			t.Errorf("echo %q: note %q, want it to contain %q", tt.echo, note, tt.note)
		}
		if got, _ := selectedOption(p, "hangup_cause"); tt.echo == "" && got != "USER_BUSY" {
			t.Errorf("echo %q: the form lost the cause that was sent (selected %q)", tt.echo, got)
		}
	}
}

// TestFilterDropdownsInPlainWords: the hangup-cause and disposition options
// read in plain words while their values stay the API's codes, every
// documented value has words, and the active filter's chip uses them too.
func TestFilterDropdownsInPlainWords(t *testing.T) {
	a := newTestApp(t, withCalls(1000))
	res, body := a.get(t, a.demo(t), "/calls?hangup_cause=USER_BUSY&hangup_disposition=send_refuse")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	p := parsePage(t, body)
	for _, sel := range []string{"hangup_cause", "hangup_disposition"} {
		options := p.in("filter-" + sel).tags("option")
		if len(options) < 5 {
			t.Fatalf("%s: %d options", sel, len(options))
		}
		for _, o := range options[1:] { // the first is "any"
			value, label := attr(o, "value"), nodeText(o)
			if value == "" || label == value || !strings.HasSuffix(label, " ("+value+")") {
				t.Errorf("%s option %q is labelled %q, want plain words then the code", sel, value, label)
			}
		}
	}
	if v, l := selectedOption(p, "hangup_cause"); v != "USER_BUSY" || l != "Line busy (USER_BUSY)" {
		t.Errorf("the selected cause is %q labelled %q, want USER_BUSY in plain words", v, l)
	}
	if v, l := selectedOption(p, "hangup_disposition"); v != "send_refuse" || l != "Vobiz refused the call (send_refuse)" {
		t.Errorf("the selected disposition is %q labelled %q, want send_refuse in plain words", v, l)
	}
	if chips := p.texts("chip"); !slices.ContainsFunc(chips, func(c string) bool { return strings.Contains(c, "Line busy (USER_BUSY)") }) {
		t.Errorf("the cause chip does not use the plain words: %q", chips)
	}
	// A value typed into the URL that the list does not know is kept as it is.
	_, body = a.get(t, a.demo(t), "/calls?hangup_cause=LOSE_RACE")
	if v, l := selectedOption(parsePage(t, body), "hangup_cause"); v != "LOSE_RACE" || l != "LOSE_RACE" {
		t.Errorf("an unlisted cause is not kept in the form: selected %q labelled %q", v, l)
	}
}
