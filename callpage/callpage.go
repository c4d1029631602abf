// Package callpage builds the call detail page's view model from a record
// that is already fetched (or pasted into the diagnoser): the timeline,
// the diagnosis and quality in words, and the record's fields grouped and
// formatted. It fetches nothing and writes no HTML; views renders what it
// returns, handlers fetch and pass the record in.
package callpage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/phone"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Options are what the page needs besides the record.
type Options struct {
	// Thresholds decide the quality bands.
	Thresholds diagnosis.Thresholds
	// Zone is the viewer's time zone for clock times; nil means UTC.
	Zone *time.Location
	// BasePath prefixes the links to the calls list ("" at the root).
	BasePath string
}

// shownInSections are the CDR fields the call page's own sections show
// (header, timeline, hangup, quality, cost, identifiers), each in the form
// that suits it. Build lists every other field generically.
var shownInSections = map[string]bool{
	"start_time": true, "answer_time": true, "end_time": true, "progress_time": true, "created_at": true,
	"updated_at": true, "call_direction": true, "caller_id_name": true, "caller_id_number": true,
	"destination_number": true, "duration": true, "billsec": true, "ring_time": true, "hangup_cause": true,
	"hangup_cause_code": true, "hangup_cause_name": true, "hangup_disposition": true, "hangup_source": true,
	"failure_code": true, "failure_reason": true, "mos": true, "jitter": true, "packet_loss": true, "codec": true,
	"cost": true, "streaming_cost": true, "total_cost": true, "currency": true, "uuid": true, "id": true,
	"account_id": true, "bridge_uuid": true, "sip_call_id": true, "sip_user_agent": true, "network_addr": true,
	"carrier_ip": true, "context": true, "region": true, "origination_region": true, "campaign_id": true,
	"customer_endpoint": true, "trunk_id": true, "terminated_to": true,
}

// otherFields lists the fields of c that shown leaves out, as recorded,
// under their labels: a field added to vobiz.CDR is on the page before
// anyone writes a section for it.
func otherFields(c *vobiz.CDR, shown map[string]bool) []views.KV {
	var out []views.KV
	for _, f := range vobiz.Fields {
		if !shown[f.Name] {
			out = append(out, views.KV{Label: f.Label, Value: orDash(f.Text(c)), TestID: "rec-" + f.Name})
		}
	}
	return out
}

// Build turns a fetched record into the call page's view model. It
// fetches nothing: the neighbours, the back link and the audit trail are
// the handler's.
func Build(c *vobiz.CDR, o Options) views.CallView {
	loc := o.Zone
	if loc == nil {
		loc = time.UTC
	}
	d := diagnosis.ExplainWith(c, o.Thresholds)
	q := diagnosis.Quality(c, o.Thresholds)
	// d.Outcome is empty for a pasted cause or code without timings: the
	// page then shows no outcome badge rather than a guessed one.
	outcome := d.Outcome
	v := views.CallView{
		UUID:         string(c.UUID),
		Title:        isolated(orDash(phone.Format(string(c.CallerIDNumber)))) + " → " + isolated(orDash(phone.Format(string(c.DestinationNumber)))),
		Start:        c.StartTime.Time,
		Direction:    string(c.CallDirection),
		Outcome:      string(outcome),
		OutcomeLabel: outcome.Label(),
		Verdict:      diagnosis.Verdict(c, o.Thresholds),
		Severity:     d.Severity,
		Timeline:     timelineOf(c, loc),
		Diagnosis: views.DiagnosisView{Headline: d.Headline, Meaning: d.Meaning, WhoEnded: d.WhoEnded,
			LikelyReason: d.LikelyReason, NextSteps: d.NextSteps, Severity: d.Severity, Known: d.Known,
			TellCustomer: d.TellCustomer, Technical: d.Technical},
		Quality: qualityView(q),
		RawJSON: prettyJSON(c.Raw),
	}
	secs := func(n vobiz.Int) string { return vobiz.FormatShortDuration(time.Duration(max(n, 0)) * time.Second) }
	at := func(t vobiz.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	v.Recorded = []views.KV{
		{Label: "Ring time (ring_time)", Value: secs(c.RingTime), TestID: "rec-ring_time", Title: "Seconds before the answer, as Vobiz recorded it"},
		{Label: "Talk time, billed (billsec)", Value: secs(c.Billsec), TestID: "rec-billsec"},
		{Label: "Duration, ring and talk (duration)", Value: secs(c.Duration), TestID: "rec-duration"},
		{Label: "Record created (created_at)", Value: at(c.CreatedAt), TestID: "rec-created_at"},
		{Label: "Record updated (updated_at)", Value: at(c.UpdatedAt), TestID: "rec-updated_at"},
	}
	code := "—"
	if c.HangupCauseCode.Valid {
		code = strconv.FormatInt(c.HangupCauseCode.Int64, 10)
		if d.CodeName != "" {
			code += " · " + d.CodeName
		}
	}
	v.Hangup = []views.KV{
		{Label: "Cause", Value: orDash(c.HangupCause.String), Mono: true},
		{Label: "Code", Value: code},
		{Label: "Name (as recorded)", Value: orDash(c.HangupCauseName.String)},
		{Label: "Source", Value: orDash(c.HangupSource.String)},
		{Label: "Disposition", Value: orDash(c.HangupDisposition.String), Mono: true},
		{Label: "Failure code", Value: orDash(c.FailureCode.String), Mono: true},
		{Label: "Failure reason", Value: orDash(c.FailureReason.String)},
	}
	currency := string(c.Currency)
	rate := "—"
	if c.Billsec > 0 {
		perMin := float64(c.TotalCost) / (float64(c.Billsec) / 60)
		rate = views.FormatMoney(perMin, currency) + " per minute of talk"
	}
	v.Cost = []views.KV{
		{Label: "Call cost", Value: views.FormatMoney(float64(c.Cost), currency)},
		{Label: "Streaming cost", Value: views.FormatMoney(float64(c.StreamingCost), currency)},
		{Label: "Total", Value: views.FormatMoney(float64(c.TotalCost), currency)},
		{Label: "Effective rate", Value: rate, Title: "Total cost divided by billed talk time"},
	}
	v.IDs = []views.KV{
		{Label: "Call UUID", Value: string(c.UUID), Copy: true},
		{Label: "SIP Call-ID", Value: orDash(string(c.SIPCallID)), Copy: true},
		{Label: "Bridge UUID", Value: orDash(c.BridgeUUID.String), Copy: true},
		{Label: "Caller", Value: orDash(string(c.CallerIDNumber)), Copy: true},
		{Label: "Caller name", Value: orDash(string(c.CallerIDName))},
		{Label: "Destination", Value: orDash(string(c.DestinationNumber)), Copy: true},
		{Label: "Trunk", Value: orDash(c.TrunkID.String), Copy: true},
		{Label: "Campaign", Value: orDash(c.CampaignID.String), Copy: true},
		{Label: "Region", Value: orDash(string(c.Region))},
		{Label: "Origination region", Value: orDash(string(c.OriginationRegion))},
		{Label: "Network address", Value: orDash(c.NetworkAddr.String), Copy: true},
		{Label: "Carrier IP", Value: orDash(c.CarrierIP.String), Copy: true},
		{Label: "User agent", Value: orDash(c.SIPUserAgent.String)},
		{Label: "Context", Value: orDash(string(c.Context))},
		{Label: "Customer endpoint", Value: orDash(c.CustomerEndpoint.String), Copy: true},
		{Label: "Terminated to", Value: orDash(c.TerminatedTo.String), Copy: true},
		{Label: "Account", Value: orDash(string(c.AccountID))},
		{Label: "Record ID", Value: strconv.FormatInt(int64(c.ID), 10)},
	}
	v.IDs = append(v.IDs, otherFields(c, shownInSections)...)
	v.Related = related(c, o.BasePath)
	return v
}

// related links to the calls around this one.
func related(c *vobiz.CDR, base string) []views.Link {
	var out []views.Link
	add := func(label string, q url.Values) {
		out = append(out, views.Link{Label: label, URL: base + "/calls?" + q.Encode()})
	}
	if n := string(c.CallerIDNumber); n != "" {
		add("Calls from "+isolated(phone.Format(n)), url.Values{vobiz.ParamFromNumber: {n}})
		add("Calls to "+isolated(phone.Format(n)), url.Values{vobiz.ParamToNumber: {n}})
	}
	if n := string(c.DestinationNumber); n != "" {
		add("Calls to "+isolated(phone.Format(n)), url.Values{vobiz.ParamToNumber: {n}})
		add("Calls from "+isolated(phone.Format(n)), url.Values{vobiz.ParamFromNumber: {n}})
	}
	if !c.StartTime.IsZero() {
		// Days as the API cuts them: its timestamps are UTC.
		day := c.StartTime.UTC().Format(vobiz.DateLayout)
		add("Calls on "+day, url.Values{vobiz.ParamStartDate: {day}, vobiz.ParamEndDate: {day}})
	}
	if cause := c.HangupCause.String; cause != "" && !c.StartTime.IsZero() {
		day := c.StartTime.UTC().Format(vobiz.DateLayout)
		add("Same cause that day ("+isolated(cause)+")", url.Values{vobiz.ParamStartDate: {day}, vobiz.ParamEndDate: {day},
			vobiz.ParamHangupCause: {cause}})
	}
	return out
}

// timelineOf draws the call to scale: post-dial delay, ringing, talk.
func timelineOf(c *vobiz.CDR, loc *time.Location) views.Timeline {
	start, end := c.StartTime.Time, c.EndTime.Time
	progress, answer := c.ProgressTime.Time, c.AnswerTime.Time
	t := views.Timeline{Summary: recordedSummary(c)}
	point := func(label string, at time.Time) {
		if !at.IsZero() {
			t.Points = append(t.Points, views.KV{Label: label, Value: at.In(loc).Format("15:04:05")})
		}
	}
	point("Started", start)
	point("Ringing (progress)", progress)
	point("Answered", answer)
	point("Ended", end)
	if start.IsZero() || end.IsZero() || end.Before(start) {
		t.Drawn = "The record's start and end times do not allow a timeline bar."
		return t
	}
	total := end.Sub(start).Seconds()
	hasProgress := !progress.IsZero() && !progress.Before(start) && !progress.After(end)
	ringFrom := start
	if hasProgress {
		ringFrom = progress
	}
	pdd := ringFrom.Sub(start)
	var ring, talk time.Duration
	answered := !answer.IsZero() && !answer.Before(start) && !answer.After(end) && c.Billsec > 0
	if answered {
		ring = answer.Sub(ringFrom)
		talk = end.Sub(answer)
	} else {
		ring = end.Sub(ringFrom)
	}
	width := func(d time.Duration) int {
		if total <= 0 {
			return 0
		}
		return int(math.Round(d.Seconds() / total * 100))
	}
	f := vobiz.FormatShortDuration
	if pdd > 0 {
		t.Segments = append(t.Segments, views.Segment{Kind: "pdd", Label: "Before ringing " + f(pdd), Width: width(pdd)})
	}
	switch {
	case answered && hasProgress:
		t.Segments = append(t.Segments, views.Segment{Kind: "ring", Label: "Ringing " + f(ring), Width: width(ring)})
	case answered:
		t.Segments = append(t.Segments, views.Segment{Kind: "pdd", Label: "Setting up " + f(ring), Width: width(ring)})
	case hasProgress:
		t.Segments = append(t.Segments, views.Segment{Kind: "stop", Label: "Ringing, then ended unanswered " + f(ring), Width: width(ring)})
	default:
		t.Segments = append(t.Segments, views.Segment{Kind: "stop", Label: "Setting up, then ended without ringing " + f(ring), Width: width(ring)})
	}
	if answered {
		t.Segments = append(t.Segments, views.Segment{Kind: "talk", Label: "Talk " + f(talk), Width: width(talk)})
	}
	t.Drawn = drawnNote(c, pdd, ring, talk, hasProgress, answered)
	return t
}

// recordedSummary states the call's durations from the record's own
// ring_time, billsec and duration: the figures Vobiz bills and agents
// quote. It says the call rang only when the record shows ringing (a
// ring_time and, on a complete record, a progress_time).
func recordedSummary(c *vobiz.CDR) string {
	f := func(n vobiz.Int) string { return vobiz.FormatShortDuration(time.Duration(max(n, 0)) * time.Second) }
	rang := c.RingTime > 0 && (!c.ProgressTime.IsZero() || c.StartTime.IsZero() || c.EndTime.IsZero())
	switch {
	case c.Billsec > 0 && rang:
		return fmt.Sprintf("Rang %s, talked %s: %s in all (ring_time, billsec and duration as recorded).", f(c.RingTime), f(c.Billsec), f(c.Duration))
	case c.Billsec > 0:
		return fmt.Sprintf("Talked %s: %s in all (billsec and duration as recorded).", f(c.Billsec), f(c.Duration))
	case rang:
		return fmt.Sprintf("Rang %s and was never answered: %s in all (ring_time and duration as recorded).", f(c.RingTime), f(c.Duration))
	case c.Duration > 0:
		return fmt.Sprintf("Never rang and was never answered: %s in all (duration as recorded).", f(c.Duration))
	}
	return "Never rang and was never answered; it ended at once."
}

// drawnNote compares exactly what the bar draws with what the summary
// quotes: the ringing segment (progress to answer, or to the end) with
// ring_time, the talk segment (answer to end) with billsec. Only when they
// differ does it say what the bar shows and which figure is the record's,
// so an agent sees why the two disagree and which one to quote.
func drawnNote(c *vobiz.CDR, pdd, ring, talk time.Duration, ringDrawn, answered bool) string {
	secs := func(d time.Duration) int64 { return int64(d.Round(time.Second) / time.Second) }
	f := func(n int64) string { return vobiz.FormatShortDuration(time.Duration(n) * time.Second) }
	var drawn, quoted []string
	if ringDrawn && secs(ring) != int64(c.RingTime) {
		to := "answer_time"
		if !answered {
			to = "end_time"
		}
		s := f(secs(ring)) + " of ringing (progress_time to " + to
		if secs(pdd) > 0 {
			s += ", after " + f(secs(pdd)) + " before ringing"
		}
		drawn = append(drawn, s+")")
		quoted = append(quoted, "ring_time ("+f(int64(max(c.RingTime, 0)))+")")
	}
	if answered && secs(talk) != int64(c.Billsec) {
		drawn = append(drawn, f(secs(talk))+" of talk (answer_time to end_time)")
		quoted = append(quoted, "billsec ("+f(int64(max(c.Billsec, 0)))+")")
	}
	if len(drawn) == 0 {
		return ""
	}
	are, they := "is", "the figure"
	if len(quoted) > 1 {
		are, they = "are", "the figures"
	}
	return "The bar is drawn from the timestamps and shows " + strings.Join(drawn, " and ") +
		"; " + they + " above " + are + " the record's own " + strings.Join(quoted, " and ") +
		", which " + are + " what Vobiz bills and what to quote."
}

func qualityView(q diagnosis.QualityReport) views.QualityView {
	v := views.QualityView{Overall: string(q.Overall), OverallLabel: q.Overall.Label(), Notes: q.Notes, Codec: q.Codec}
	for _, m := range []diagnosis.Metric{q.MOS, q.Jitter, q.PacketLoss} {
		val := "—"
		if m.Valid {
			val = formatMetric(m.Value)
			if m.Unit != "" {
				val += " " + m.Unit
			}
		}
		v.Metrics = append(v.Metrics, views.MetricView{Name: m.Name, Value: val, Band: string(m.Band),
			BandLabel: m.Band.Label(), Rule: m.Rule, Source: m.Source})
	}
	v.Metrics = append(v.Metrics, views.MetricView{Name: "Codec", Value: orDash(q.Codec), Band: "info",
		BandLabel: "as recorded", Rule: "Explained below when it matters for this call."})
	return v
}

// formatMetric writes a quality figure as recorded ("4.41", "0.2"), and
// an absurd one (1e308 from a broken record) in exponent form rather than
// as hundreds of digits.
func formatMetric(v float64) string {
	if math.Abs(v) >= 1e9 {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func prettyJSON(raw []byte) string {
	if len(raw) == 0 {
		return "(not available)"
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// isolated prepares a value from a record for a line of text that holds
// more than that value (the call page's heading, a link label): its bidi
// formatting characters are dropped and it is wrapped in FIRST STRONG
// ISOLATE … POP DIRECTIONAL ISOLATE, so neither an override such as
// U+202E nor genuine right-to-left text can reorder the rest of the line.
func isolated(s string) string {
	return "\u2068" + strings.Map(func(r rune) rune {
		if r == '\u061c' || r == '\u200e' || r == '\u200f' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1
		}
		return r
	}, s) + "\u2069"
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
