package diagnosis

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Band is a quality verdict for one metric or for the whole call.
type Band string

// The bands. NoMedia is not a quality: it means no audio flowed (an
// unanswered or failed call, MOS 0 or null; docs/vobiz-api.md#answered-calls-and-media), and must never
// read as "poor".
const (
	BandGood    Band = "good"
	BandFair    Band = "fair"
	BandPoor    Band = "poor"
	BandNoMedia Band = "no_media"
	BandUnknown Band = "unknown"
)

// Label returns the band as shown on badges. "fair" reads "Acceptable",
// the Vobiz console's word for the middle band (D-LOGS).
func (b Band) Label() string {
	switch b {
	case BandGood:
		return "Good"
	case BandFair:
		return "Acceptable"
	case BandPoor:
		return "Poor"
	case BandNoMedia:
		return "No media"
	}
	return "Unknown"
}

// Severity maps a band to a badge severity.
func (b Band) Severity() string {
	switch b {
	case BandGood:
		return SeverityOK
	case BandFair, BandNoMedia:
		return SeverityInfo
	case BandPoor:
		return SeverityWarning
	}
	return SeverityInfo
}

// rank orders the quality bands; NoMedia and Unknown are not qualities and
// rank 0 so they never win "worst of".
func (b Band) rank() int {
	switch b {
	case BandGood:
		return 1
	case BandFair:
		return 2
	case BandPoor:
		return 3
	}
	return 0
}

// Thresholds are the band edges. Admins may change them; Validate keeps
// them ordered and in range.
//
// Edges and comparisons:
//   - MOS: good when ≥ MOSGood, acceptable when ≥ MOSFair, poor below.
//     4.0 and 3.5 are the Vobiz console's own bands ("4.0+ is good, 3.5–4.0
//     acceptable, below 3.5 indicates audible quality issues", D-LOGS) and
//     3.5 is also Twilio's and Plivo's low-MOS alert (TW-SDKEV, PL-SDK).
//   - Jitter (ms): good when ≤ JitterGoodMS, acceptable up to and
//     including JitterMaxMS, poor above. 10 ms is Plivo Call Insights'
//     "good" edge (PL-INSIGHTS); 30 ms is Cisco's voice target
//     (CISCO-7920), Twilio's and Plivo's high-jitter alert (TW-SDKEV,
//     PL-SDK) and the Vobiz diagnosis prompt's flag (D-CDR).
//   - Packet loss (%): good when < LossGoodPct, acceptable up to and
//     including LossMaxPct, poor above. 0.5 % is Plivo's "good" edge
//     (PL-INSIGHTS); 1 % is Cisco's limit (CISCO-7920), Twilio's SDK
//     warning (TW-SDKEV) and the Vobiz prompt's flag (D-CDR).
type Thresholds struct {
	MOSGood      float64 // 4.0
	MOSFair      float64 // 3.5
	JitterGoodMS float64 // 10
	JitterMaxMS  float64 // 30
	LossGoodPct  float64 // 0.5
	LossMaxPct   float64 // 1
}

// DefaultThresholds returns the documented defaults (see Thresholds).
func DefaultThresholds() Thresholds {
	return Thresholds{MOSGood: 4.0, MOSFair: 3.5, JitterGoodMS: 10, JitterMaxMS: 30, LossGoodPct: 0.5, LossMaxPct: 1}
}

// Bounds for Validate. MOS lives on the P.800 1–5 scale; jitter beyond a
// second or loss beyond 100 % cannot be a sensible alert edge.
const (
	mosScaleMin  = 1.0
	mosScaleMax  = 5.0
	jitterEdgeMS = 1000.0
)

// severeLossPct marks loss that Twilio treats as its higher alert level
// (> 3 % in 7 of 10 samples, TW-SDKEV). It only changes a note's wording.
const severeLossPct = 3.0

// shortSampleSecs: figures from a call this short rest on very few
// packets. Our choice; the docs say nothing about sample size.
const shortSampleSecs = 10

// Validate reports every problem with t, each naming its field.
func (t Thresholds) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("diagnosis: thresholds: "+format, a...)) }
	finite := func(name string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad("%s must be a number", name)
			return false
		}
		return true
	}
	if finite("MOSGood", t.MOSGood) && (t.MOSGood < mosScaleMin || t.MOSGood > mosScaleMax) {
		bad("MOSGood %s is outside the 1–5 MOS scale", num(t.MOSGood))
	}
	if finite("MOSFair", t.MOSFair) && (t.MOSFair < mosScaleMin || t.MOSFair > mosScaleMax) {
		bad("MOSFair %s is outside the 1–5 MOS scale", num(t.MOSFair))
	}
	if t.MOSFair > t.MOSGood {
		bad("MOSFair %s must not be above MOSGood %s", num(t.MOSFair), num(t.MOSGood))
	}
	if finite("JitterGoodMS", t.JitterGoodMS) && t.JitterGoodMS < 0 {
		bad("JitterGoodMS must not be negative")
	}
	if finite("JitterMaxMS", t.JitterMaxMS) && (t.JitterMaxMS <= 0 || t.JitterMaxMS > jitterEdgeMS) {
		bad("JitterMaxMS %s must be above 0 and at most %s ms", num(t.JitterMaxMS), num(jitterEdgeMS))
	}
	if t.JitterGoodMS > t.JitterMaxMS {
		bad("JitterGoodMS %s must not be above JitterMaxMS %s", num(t.JitterGoodMS), num(t.JitterMaxMS))
	}
	if finite("LossGoodPct", t.LossGoodPct) && (t.LossGoodPct <= 0 || t.LossGoodPct > 100) {
		bad("LossGoodPct %s must be above 0 and at most 100", num(t.LossGoodPct))
	}
	if finite("LossMaxPct", t.LossMaxPct) && (t.LossMaxPct <= 0 || t.LossMaxPct > 100) {
		bad("LossMaxPct %s must be above 0 and at most 100", num(t.LossMaxPct))
	}
	if t.LossGoodPct > t.LossMaxPct {
		bad("LossGoodPct %s must not be above LossMaxPct %s", num(t.LossGoodPct), num(t.LossMaxPct))
	}
	return errors.Join(errs...)
}

// MOSBand bands a MOS value. It does not know about "no media"; Quality
// handles 0 and null before calling it.
func (t Thresholds) MOSBand(v float64) Band {
	switch {
	case math.IsNaN(v):
		return BandUnknown
	case v >= t.MOSGood:
		return BandGood
	case v >= t.MOSFair:
		return BandFair
	}
	return BandPoor
}

// JitterBand bands a jitter value in milliseconds.
func (t Thresholds) JitterBand(ms float64) Band {
	switch {
	case math.IsNaN(ms) || ms < 0:
		return BandUnknown
	case ms <= t.JitterGoodMS:
		return BandGood
	case ms <= t.JitterMaxMS:
		return BandFair
	}
	return BandPoor
}

// LossBand bands a packet-loss percentage.
func (t Thresholds) LossBand(pct float64) Band {
	switch {
	case math.IsNaN(pct) || pct < 0 || pct > 100:
		return BandUnknown
	case pct < t.LossGoodPct:
		return BandGood
	case pct <= t.LossMaxPct:
		return BandFair
	}
	return BandPoor
}

// MOSRule describes the MOS bands for a legend.
func (t Thresholds) MOSRule() string {
	if t.MOSGood == t.MOSFair {
		return fmt.Sprintf("≥ %s good · < %s poor", num1(t.MOSGood), num1(t.MOSGood))
	}
	return fmt.Sprintf("≥ %s good · %s–%s acceptable · < %s poor", num1(t.MOSGood), num1(t.MOSFair), num1(t.MOSGood), num1(t.MOSFair))
}

// JitterRule describes the jitter bands for a legend.
func (t Thresholds) JitterRule() string {
	if t.JitterGoodMS == t.JitterMaxMS {
		return fmt.Sprintf("≤ %s ms good · > %s ms poor", num(t.JitterMaxMS), num(t.JitterMaxMS))
	}
	return fmt.Sprintf("≤ %s ms good · %s–%s ms acceptable · > %s ms poor", num(t.JitterGoodMS), num(t.JitterGoodMS), num(t.JitterMaxMS), num(t.JitterMaxMS))
}

// LossRule describes the packet-loss bands for a legend.
func (t Thresholds) LossRule() string {
	return fmt.Sprintf("< %s %% good · %s–%s %% acceptable · > %s %% poor", num(t.LossGoodPct), num(t.LossGoodPct), num(t.LossMaxPct), num(t.LossMaxPct))
}

// Where each metric's edges come from, for legends.
const (
	SourceMOS    = "Vobiz console bands; ITU-T G.107/G.109 satisfaction labels; Twilio/Plivo alert at 3.5"
	SourceJitter = "Cisco voice guideline and Twilio/Plivo alerts (30 ms); Plivo Call Insights (10 ms)"
	SourceLoss   = "Cisco voice guideline and Twilio SDK warning (1 %); Plivo Call Insights (0.5 %)"
)

// Metric is one quality figure with its verdict and the rule behind it.
type Metric struct {
	Name   string  // "MOS", "Jitter", "Packet loss"
	Value  float64 // meaningful only when Valid
	Valid  bool    // the CDR carried a number (0 counts; null does not)
	Unit   string  // "", "ms", "%"
	Band   Band
	Rule   string // the band edges, e.g. "≥ 4.0 good · 3.5–4.0 acceptable · < 3.5 poor"
	Source string // where the edges come from
	Detail string // extra reading, e.g. the G.107 satisfaction label for a MOS
}

// Display formats the value with its unit, or "—" when there is none.
func (m Metric) Display() string {
	if !m.Valid {
		return "—"
	}
	switch m.Unit {
	case "":
		return num(m.Value)
	case "%":
		return num(m.Value) + " %"
	}
	return num(m.Value) + " " + m.Unit
}

// QualityReport is the audio verdict for a call.
type QualityReport struct {
	Overall                 Band // worst of the metrics present; NoMedia when no audio flowed
	MOS, Jitter, PacketLoss Metric
	Codec                   string
	Notes                   []string // plain-language observations, worst first
}

// Phrase returns a clause for one-sentence verdicts ("audio was good").
func (q QualityReport) Phrase() string {
	switch q.Overall {
	case BandGood:
		return "audio was good"
	case BandFair:
		return "audio was acceptable" + q.why(BandFair)
	case BandPoor:
		return "audio was poor" + q.why(BandPoor)
	case BandNoMedia:
		return "no media"
	}
	return "audio quality unknown"
}

// why lists the metrics that earned band b, e.g. " (jitter 45 ms, loss 3 %)".
func (q QualityReport) why(b Band) string {
	var parts []string
	for _, m := range []Metric{q.MOS, q.Jitter, q.PacketLoss} {
		if m.Band == b && m.Valid {
			name := strings.ToLower(m.Name)
			if m.Name == "MOS" {
				name = "MOS"
			}
			if m.Name == "Packet loss" {
				name = "loss"
			}
			parts = append(parts, name+" "+m.Display())
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// g107Bands are the G.107 Annex B / G.109 user-satisfaction categories,
// with the MOS at each R edge computed from the G.107 formula
// (docs/hangups-and-quality.md#mos-satisfaction-bands). They label a MOS; they do not set the bands.
var g107Bands = []struct {
	min   float64
	label string
}{
	{4.34, "users very satisfied (R 90–100)"},
	{4.02, "users satisfied (R 80–89)"},
	{3.60, "some users dissatisfied (R 70–79)"},
	{3.10, "many users dissatisfied (R 60–69)"},
	{2.58, "nearly all users dissatisfied (R 50–59)"},
	{-1, "below the lowest G.109 category (R < 50)"},
}

// g107Label returns the G.107/G.109 satisfaction label for a MOS.
func g107Label(mos float64) string {
	for _, b := range g107Bands {
		if mos >= b.min {
			return b.label
		}
	}
	return ""
}

// codecInfo: what each codec means for how loss and jitter sound. Facts:
// G.711 (PCMU/PCMA) is uncompressed 64 kbit/s narrowband audio with no
// forward error correction; G.722 is 64 kbit/s wideband; G.729 is 8 kbit/s
// compressed narrowband; Opus is adaptive (6–510 kbit/s) with optional
// in-band FEC, which is why Plivo's SDK only flags loss ≥ 10 % for Opus
// (PL-SDK, docs/hangups-and-quality.md#platform-alert-thresholds).
var codecInfo = map[string]string{
	"PCMU": "PCMU (G.711 µ-law) is uncompressed 64 kbit/s narrowband audio with no forward error correction, so network loss and jitter are heard directly",
	"PCMA": "PCMA (G.711 A-law) is uncompressed 64 kbit/s narrowband audio with no forward error correction, so network loss and jitter are heard directly",
	"G722": "G.722 is 64 kbit/s wideband audio with no forward error correction, so network loss is heard directly",
	"G729": "G.729 squeezes speech into 8 kbit/s, so each lost packet takes more speech with it",
	"OPUS": "Opus adapts its bitrate and can carry its own error correction, so it hides moderate loss (Plivo only warns at ≥ 10 % loss for Opus); poor figures despite Opus point to a badly degraded network",
}

// CodecNote explains how a codec copes with loss and jitter, or "" for an
// unknown codec.
func CodecNote(codec string) string {
	key := strings.ToUpper(codecSeparators.Replace(strings.TrimSpace(codec)))
	if i := strings.IndexByte(key, '/'); i >= 0 { // "opus/48000/2"
		key = key[:i]
	}
	return codecInfo[key]
}

// OverallBand is Quality(c, t).Overall without building any text: the
// calls table needs only the badge, for every row of every page.
func OverallBand(c *vobiz.CDR, t Thresholds) Band {
	if c == nil {
		return BandNoMedia
	}
	_, _, _, overall := bandsOf(c, t)
	return overall
}

// bandsOf decides each metric's band and the overall band. Quality and
// OverallBand share it, so the table badge and the detail page always agree.
func bandsOf(c *vobiz.CDR, t Thresholds) (mos, jitter, loss, overall Band) {
	mosPresent := c.MOS.Valid && c.MOS.Float64 != 0
	if !c.Answered() && !mosPresent {
		return BandNoMedia, BandNoMedia, BandNoMedia, BandNoMedia
	}
	switch {
	case !mosPresent:
		mos = BandNoMedia
	case math.IsNaN(c.MOS.Float64) || c.MOS.Float64 < mosScaleMin || c.MOS.Float64 > mosScaleMax:
		mos = BandUnknown
	default:
		mos = t.MOSBand(c.MOS.Float64)
	}
	// Jitter and loss: without a MOS, a 0 is no figure at all.
	bandOf := func(v vobiz.NullFloat, band func(float64) Band) Band {
		if !v.Valid || (!mosPresent && v.Float64 == 0) {
			return BandNoMedia
		}
		return band(v.Float64)
	}
	jitter = bandOf(c.Jitter, t.JitterBand)
	loss = bandOf(c.PacketLoss, t.LossBand)
	// Overall: the worst band present; no figure at all means no media.
	for _, b := range []Band{mos, jitter, loss} {
		if b.rank() > overall.rank() {
			overall = b
		}
	}
	if overall == "" {
		overall = BandNoMedia
		if mos == BandUnknown || jitter == BandUnknown || loss == BandUnknown {
			overall = BandUnknown
		}
	}
	return mos, jitter, loss, overall
}

// Quality judges a call's audio with thresholds t. Invalid thresholds are
// not checked here (Validate is for the admin form); they only move edges.
//
// Rules, from docs/vobiz-api.md#quality-metrics, docs/hangups-and-quality.md#quality-bands and
// docs/hangups-and-quality.md#quality-labels:
//   - MOS 0 or null means no media, never poor. On an unanswered call the
//     whole report is NoMedia whatever jitter and loss say (they are 0).
//   - Jitter and loss of 0 or null beside a MOS of 0/null are also no media.
//   - Overall is the worst band among the metrics present.
func Quality(c *vobiz.CDR, t Thresholds) QualityReport {
	if c == nil {
		c = &vobiz.CDR{}
	}
	q := QualityReport{Codec: strings.TrimSpace(c.Codec.String)}
	q.MOS = Metric{Name: "MOS", Value: c.MOS.Float64, Valid: c.MOS.Valid, Rule: t.MOSRule(), Source: SourceMOS}
	q.Jitter = Metric{Name: "Jitter", Value: c.Jitter.Float64, Valid: c.Jitter.Valid, Unit: "ms", Rule: t.JitterRule(), Source: SourceJitter}
	q.PacketLoss = Metric{Name: "Packet loss", Value: c.PacketLoss.Float64, Valid: c.PacketLoss.Valid, Unit: "%", Rule: t.LossRule(), Source: SourceLoss}

	q.MOS.Band, q.Jitter.Band, q.PacketLoss.Band, q.Overall = bandsOf(c, t)
	if q.Overall == BandNoMedia && !c.Answered() && !(c.MOS.Valid && c.MOS.Float64 != 0) {
		return q
	}
	switch q.MOS.Band {
	case BandUnknown:
		q.Notes = append(q.Notes, fmt.Sprintf("MOS %s is outside the 1–5 scale, so it was not used.", num(c.MOS.Float64)))
	case BandNoMedia:
	default:
		q.MOS.Detail = "Estimated from network statistics (MOS-CQE, ITU-T P.800.1), not a listening test; G.107/G.109: " + g107Label(c.MOS.Float64) + "."
		if c.MOS.Float64 >= 4.5 {
			q.MOS.Detail += " 4.5 is the top of this estimate: a flawless stream, not better-than-phone quality."
		}
	}
	for _, m := range []*Metric{&q.Jitter, &q.PacketLoss} {
		if m.Band == BandUnknown {
			q.Notes = append(q.Notes, fmt.Sprintf("%s %s is not a possible value, so it was not used.", m.Name, m.Display()))
		}
	}

	q.Notes = append(q.Notes, qualityNotes(c, t, q)...)
	return q
}

// qualityNotes turns the bands into advice a support agent can repeat.
// Symptom wording follows Plivo Call Insights' hints (broken audio → loss,
// robotic audio → jitter; PL-INSIGHTS).
func qualityNotes(c *vobiz.CDR, t Thresholds, q QualityReport) []string {
	var notes []string
	if q.MOS.Band == BandPoor {
		notes = append(notes, fmt.Sprintf("MOS %s is below %s: callers will have noticed the audio (%s).", num(q.MOS.Value), num1(t.MOSFair), g107Label(q.MOS.Value)))
	}
	if q.Jitter.Band == BandPoor {
		notes = append(notes, fmt.Sprintf("Jitter of %s is above %s ms: expect choppy or robotic audio.", q.Jitter.Display(), num(t.JitterMaxMS)))
	}
	if q.PacketLoss.Band == BandPoor {
		if q.PacketLoss.Value >= severeLossPct {
			notes = append(notes, fmt.Sprintf("Packet loss of %s is severe (above %s %%): words and syllables will have dropped out.", q.PacketLoss.Display(), num(t.LossMaxPct)))
		} else {
			notes = append(notes, fmt.Sprintf("Packet loss of %s is above %s %%: expect broken audio and clipped words.", q.PacketLoss.Display(), num(t.LossMaxPct)))
		}
	}
	netPoor := q.Jitter.Band == BandPoor || q.PacketLoss.Band == BandPoor
	netClean := q.Jitter.Band == BandGood && q.PacketLoss.Band == BandGood
	switch {
	case q.MOS.Band.rank() > 0 && q.MOS.Band != BandPoor && netPoor:
		// FreeSWITCH-style MOS is computed from the inbound stream only
		// (FS-RTP do_mos); that Vobiz does the same is our inference.
		notes = append(notes, "The MOS looks fine while jitter or loss is high: the MOS is an estimate that may cover only one direction of the audio.")
	case q.MOS.Band == BandPoor && netClean:
		// Bursty loss hurts more than its average (CISCO-AVVID).
		notes = append(notes, "The MOS is low although average jitter and loss look clean: the trouble may come in bursts, which averages hide, or be in the other direction of the audio.")
	}
	if (q.Overall == BandPoor || q.Overall == BandFair && netPoor) && q.Codec != "" {
		if cn := CodecNote(q.Codec); cn != "" {
			notes = append(notes, cn+".")
		}
	}
	if c.Answered() && q.MOS.Band == BandNoMedia {
		notes = append(notes, "The call was answered but no quality figures were recorded (MOS 0 or empty): if the parties heard nothing, suspect one-way or no audio (NAT or firewall).")
	}
	if c.Answered() && c.Billsec < shortSampleSecs && q.Overall.rank() > 0 {
		notes = append(notes, fmt.Sprintf("These figures cover only %s of audio, so treat them as rough.", vobiz.FormatShortDuration(c.TalkTime())))
	}
	return notes
}

// num formats a figure with at most two decimals and no trailing zeros.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// num1 formats with at least one decimal ("4.0", "3.5", "3.75") as MOS
// values are usually written.
func num1(v float64) string {
	s := num(v)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Replacers are built once: building one per call showed up in profiles.
var codecSeparators = strings.NewReplacer(".", "", "-", "", " ", "")
