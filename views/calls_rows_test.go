package views

import (
	"context"
	"strings"
	"testing"
	"time"
)

func callRowsFixture() []CallRow {
	t0 := time.Date(2026, 11, 26, 8, 30, 5, 0, time.UTC)
	return []CallRow{
		{UUID: "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b", URL: "/calls/3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b?list=per_page%3D100%26page%3D2", Start: t0, Direction: "outbound",
			CallerName: "Ravi <Sharma> & \"co\"", Caller: "+91 98765 43210", CallerE164: "+919876543210", Destination: "+91 80123 45678", DestinationE164: "+918012345678",
			Duration: "1m 2s", Talk: "58s", Outcome: "answered", OutcomeLabel: "Answered", Cause: "NORMAL_CLEARING", Quality: "good", QualityLabel: "Good", QualityTitle: "MOS 4.40 · jitter 2.0 ms · loss 0.10 %", Cost: "₹1.20"},
		{UUID: "x'y", URL: "/b?x=<a>&y='", Direction: "inbound", Caller: "", Destination: "d", Outcome: "", Quality: "no_media", QualityLabel: "No media", QualityTitle: "", Cost: "0.00 USD"},
		{UUID: "u", URL: "/c", Start: t0.Add(time.Hour), Direction: "weird<dir>", Caller: "c", Cause: "<b>"},
		{UUID: "f", URL: "/f", Start: t0, Direction: "inbound", Caller: "+91 98765 43210", CallerE164: "+919876543210", Destination: "sip:agent@pbx.example.com", DestinationE164: "sip:agent@pbx.example.com",
			Duration: "4s", Talk: "3s", Outcome: "failed", OutcomeLabel: "Failed", Diagnosis: "Your answer URL did not return a 2xx <response> & \"more\" [NORMAL_CLEARING/7011]",
			Cause: "NORMAL_CLEARING", Quality: "good", QualityLabel: "Good", Cost: "₹0.45"},
	}
}

// TestCallRows pins the calls table's markup to the bytes the templ
// version of its rows wrote (escaping, empty titles, the space between
// name and number, the direction variants, badges, the zero time). The
// last row adds what came after the templ version: a failed call's
// one-line diagnosis under its outcome, escaped like every other value.
func TestCallRows(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Zone: loc, Now: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	var b strings.Builder
	if err := CallsTable(p, callRowsFixture()).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != wantCallsTable {
		t.Errorf("calls table markup changed:\n got %s\nwant %s", got, wantCallsTable)
	}
}

const wantCallsTable = `<div class="table-wrap"><table class="table table--responsive" data-testid="calls-table"><caption class="visually-hidden">Calls, newest first</caption> <thead><tr><th scope="col">Start (IST +05:30)</th><th scope="col">Direction</th><th scope="col">Caller</th><th scope="col">Destination</th><th scope="col" class="num">Duration</th><th scope="col" class="num">Talk</th><th scope="col">Outcome</th><th scope="col">Hangup cause</th><th scope="col">Quality</th><th scope="col" class="num">Cost</th></tr></thead> <tbody><tr data-testid="call-row" data-uuid="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"><td class="cell-time" data-label="Start"><a href="/calls/3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b?list=per_page%3D100%26page%3D2" data-testid="call-link">26 Nov 2026, 14:00:05</a></td><td data-label="Direction"><span class="dir dir--outbound"><span class="dir__icon" aria-hidden="true">↗</span>Outbound</span></td><td data-label="Caller"><span class="cell-name">Ravi &lt;Sharma&gt; &amp; &#34;co&#34;</span> <span class="cell-number" title="+919876543210">+91 98765 43210</span></td><td data-label="Destination"><span class="cell-number" title="+918012345678">+91 80123 45678</span></td><td class="num" data-label="Duration">1m 2s</td><td class="num" data-label="Talk">58s</td><td data-label="Outcome"><span class="badge badge--answered">Answered</span></td><td data-label="Hangup cause"><code>NORMAL_CLEARING</code></td><td data-label="Quality"><span class="badge badge--good" title="MOS 4.40 · jitter 2.0 ms · loss 0.10 %">Good</span></td><td class="num" data-label="Cost">₹1.20</td></tr><tr data-testid="call-row" data-uuid="x&#39;y"><td class="cell-time" data-label="Start"><a href="/b?x=&lt;a&gt;&amp;y=&#39;" data-testid="call-link">—</a></td><td data-label="Direction"><span class="dir dir--inbound"><span class="dir__icon" aria-hidden="true">↙</span>Inbound</span></td><td data-label="Caller"><span class="cell-number" title=""></span></td><td data-label="Destination"><span class="cell-number" title="">d</span></td><td class="num" data-label="Duration"></td><td class="num" data-label="Talk"></td><td data-label="Outcome"><span class="badge badge--"></span></td><td data-label="Hangup cause"><code></code></td><td data-label="Quality"><span class="badge badge--no_media">No media</span></td><td class="num" data-label="Cost">0.00 USD</td></tr><tr data-testid="call-row" data-uuid="u"><td class="cell-time" data-label="Start"><a href="/c" data-testid="call-link">26 Nov 2026, 15:00:05</a></td><td data-label="Direction"><span class="dir">weird&lt;dir&gt;</span></td><td data-label="Caller"><span class="cell-number" title="">c</span></td><td data-label="Destination"><span class="cell-number" title=""></span></td><td class="num" data-label="Duration"></td><td class="num" data-label="Talk"></td><td data-label="Outcome"><span class="badge badge--"></span></td><td data-label="Hangup cause"><code>&lt;b&gt;</code></td><td data-label="Quality"><span class="badge badge--"></span></td><td class="num" data-label="Cost"></td></tr><tr data-testid="call-row" data-uuid="f"><td class="cell-time" data-label="Start"><a href="/f" data-testid="call-link">26 Nov 2026, 14:00:05</a></td><td data-label="Direction"><span class="dir dir--inbound"><span class="dir__icon" aria-hidden="true">↙</span>Inbound</span></td><td data-label="Caller"><span class="cell-number" title="+919876543210">+91 98765 43210</span></td><td data-label="Destination"><span class="cell-number" title="sip:agent@pbx.example.com">sip:agent@pbx.example.com</span></td><td class="num" data-label="Duration">4s</td><td class="num" data-label="Talk">3s</td><td data-label="Outcome"><span class="badge badge--failed">Failed</span><span class="cell-diagnosis" data-testid="call-diagnosis">Your answer URL did not return a 2xx &lt;response&gt; &amp; &#34;more&#34; [NORMAL_CLEARING/7011]</span></td><td data-label="Hangup cause"><code>NORMAL_CLEARING</code></td><td data-label="Quality"><span class="badge badge--good">Good</span></td><td class="num" data-label="Cost">₹0.45</td></tr></tbody></table></div>`
