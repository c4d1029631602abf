package diagnosis

import (
	"math"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

func nf(v float64) vobiz.NullFloat { return vobiz.NullFloat{Float64: v, Valid: true} }
func ns(v string) vobiz.NullString { return vobiz.NullString{String: v, Valid: true} }
func ni(v int64) vobiz.NullInt     { return vobiz.NullInt{Int64: v, Valid: true} }

// answeredCDR is an answered call with clean figures, to vary one metric.
func answeredCDR() *vobiz.CDR {
	return &vobiz.CDR{Billsec: 60, MOS: nf(4.3), Jitter: nf(1), PacketLoss: nf(0), Codec: ns("PCMU")}
}

func TestMOSBoundaries(t *testing.T) {
	tests := []struct {
		mos  float64
		want Band
	}{
		{4.5, BandGood},
		{4.0, BandGood},
		{3.99, BandFair},
		{3.5, BandFair},
		{3.49, BandPoor},
		{1.0, BandPoor},
	}
	for _, tt := range tests {
		c := answeredCDR()
		c.MOS = nf(tt.mos)
		q := Quality(c, DefaultThresholds())
		if q.MOS.Band != tt.want {
			t.Errorf("MOS %v: band %s, want %s", tt.mos, q.MOS.Band, tt.want)
		}
		if q.Overall != tt.want {
			t.Errorf("MOS %v: overall %s, want %s", tt.mos, q.Overall, tt.want)
		}
	}
}

func TestJitterBoundaries(t *testing.T) {
	tests := []struct {
		jitter  float64
		want    Band
		flagged bool
	}{
		{0, BandGood, false},
		{10, BandGood, false},
		{10.01, BandFair, false},
		{30, BandFair, false},
		{30.01, BandPoor, true},
		{120, BandPoor, true},
	}
	for _, tt := range tests {
		c := answeredCDR()
		c.Jitter = nf(tt.jitter)
		q := Quality(c, DefaultThresholds())
		if q.Jitter.Band != tt.want {
			t.Errorf("jitter %v: band %s, want %s", tt.jitter, q.Jitter.Band, tt.want)
		}
		flagged := strings.Contains(strings.Join(q.Notes, " "), "Jitter of")
		if flagged != tt.flagged {
			t.Errorf("jitter %v: flagged=%v, want %v (notes %q)", tt.jitter, flagged, tt.flagged, q.Notes)
		}
	}
}

func TestLossBoundaries(t *testing.T) {
	tests := []struct {
		loss    float64
		want    Band
		flagged bool
	}{
		{0, BandGood, false},
		{0.49, BandGood, false},
		{0.5, BandFair, false},
		{1.0, BandFair, false},
		{1.01, BandPoor, true},
		{5, BandPoor, true},
	}
	for _, tt := range tests {
		c := answeredCDR()
		c.PacketLoss = nf(tt.loss)
		q := Quality(c, DefaultThresholds())
		if q.PacketLoss.Band != tt.want {
			t.Errorf("loss %v: band %s, want %s", tt.loss, q.PacketLoss.Band, tt.want)
		}
		flagged := strings.Contains(strings.Join(q.Notes, " "), "Packet loss of")
		if flagged != tt.flagged {
			t.Errorf("loss %v: flagged=%v, want %v (notes %q)", tt.loss, flagged, tt.flagged, q.Notes)
		}
	}
}

func TestNoMedia(t *testing.T) {
	tests := []struct {
		name string
		c    *vobiz.CDR
		want Band
	}{
		{"unanswered mos 0", &vobiz.CDR{MOS: nf(0), Jitter: nf(0), PacketLoss: nf(0)}, BandNoMedia},
		{"unanswered mos null", &vobiz.CDR{}, BandNoMedia},
		{"unanswered mos 0 with stray jitter", &vobiz.CDR{MOS: nf(0), Jitter: nf(50)}, BandNoMedia},
		{"answered mos 0 and zeros", &vobiz.CDR{Billsec: 30, MOS: nf(0), Jitter: nf(0), PacketLoss: nf(0)}, BandNoMedia},
		{"answered all null", &vobiz.CDR{Billsec: 30}, BandNoMedia},
		{"answered mos null but jitter high", &vobiz.CDR{Billsec: 30, Jitter: nf(45)}, BandPoor},
		{"nil record", nil, BandNoMedia},
	}
	for _, tt := range tests {
		q := Quality(tt.c, DefaultThresholds())
		if q.Overall != tt.want {
			t.Errorf("%s: overall %s, want %s", tt.name, q.Overall, tt.want)
		}
		if tt.want == BandNoMedia && q.MOS.Band != BandNoMedia {
			t.Errorf("%s: MOS band %s, want no_media (never poor)", tt.name, q.MOS.Band)
		}
	}
	// Unanswered with MOS 0 must never read as poor anywhere.
	q := Quality(&vobiz.CDR{MOS: nf(0)}, DefaultThresholds())
	if q.Phrase() != "no media" {
		t.Errorf("phrase %q", q.Phrase())
	}
}

func TestOverallIsWorst(t *testing.T) {
	c := answeredCDR()
	c.MOS, c.Jitter, c.PacketLoss = nf(4.4), nf(20), nf(0.1)
	if q := Quality(c, DefaultThresholds()); q.Overall != BandFair {
		t.Errorf("good MOS + fair jitter: overall %s", q.Overall)
	}
	c.PacketLoss = nf(2)
	q := Quality(c, DefaultThresholds())
	if q.Overall != BandPoor {
		t.Errorf("poor loss: overall %s", q.Overall)
	}
	if !strings.Contains(q.Phrase(), "loss 2 %") {
		t.Errorf("phrase %q should name the loss", q.Phrase())
	}
	// MOS fine but loss poor: the one-direction caveat and the codec note.
	notes := strings.Join(q.Notes, " ")
	for _, want := range []string{"one direction", "PCMU"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}

func TestOutOfRangeFigures(t *testing.T) {
	c := answeredCDR()
	c.MOS, c.Jitter, c.PacketLoss = nf(7), nf(-3), nf(140)
	q := Quality(c, DefaultThresholds())
	if q.MOS.Band != BandUnknown || q.Jitter.Band != BandUnknown || q.PacketLoss.Band != BandUnknown {
		t.Errorf("bands %s %s %s, want unknown", q.MOS.Band, q.Jitter.Band, q.PacketLoss.Band)
	}
	if q.Overall != BandUnknown {
		t.Errorf("overall %s", q.Overall)
	}
	if len(q.Notes) == 0 {
		t.Error("no notes about impossible values")
	}
}

func TestMetricMetadata(t *testing.T) {
	q := Quality(answeredCDR(), DefaultThresholds())
	if q.MOS.Rule != "≥ 4.0 good · 3.5–4.0 acceptable · < 3.5 poor" {
		t.Errorf("MOS rule %q", q.MOS.Rule)
	}
	if q.Jitter.Rule != "≤ 10 ms good · 10–30 ms acceptable · > 30 ms poor" {
		t.Errorf("jitter rule %q", q.Jitter.Rule)
	}
	if q.PacketLoss.Rule != "< 0.5 % good · 0.5–1 % acceptable · > 1 % poor" {
		t.Errorf("loss rule %q", q.PacketLoss.Rule)
	}
	for _, m := range []Metric{q.MOS, q.Jitter, q.PacketLoss} {
		if m.Source == "" || m.Name == "" {
			t.Errorf("metric %+v lacks name or source", m)
		}
	}
	if !strings.Contains(q.MOS.Detail, "G.107") {
		t.Errorf("MOS detail %q", q.MOS.Detail)
	}
	if got := (Metric{Valid: true, Value: 0.25, Unit: "%"}).Display(); got != "0.25 %" {
		t.Errorf("Display = %q", got)
	}
	if got := (Metric{}).Display(); got != "—" {
		t.Errorf("Display of missing = %q", got)
	}
	for _, b := range []Band{BandGood, BandFair, BandPoor, BandNoMedia, BandUnknown} {
		if b.Label() == "" || b.Severity() == "" {
			t.Errorf("band %s: empty label or severity", b)
		}
	}
	if BandFair.Label() != "Acceptable" || BandNoMedia.Label() != "No media" {
		t.Error("labels changed")
	}
}

func TestCustomThresholds(t *testing.T) {
	th := DefaultThresholds()
	th.JitterMaxMS = 50
	c := answeredCDR()
	c.Jitter = nf(45)
	if q := Quality(c, th); q.Jitter.Band != BandFair {
		t.Errorf("jitter 45 with edge 50: %s", q.Jitter.Band)
	}
	th.JitterGoodMS = 50 // no acceptable band
	if q := Quality(c, th); q.Jitter.Band != BandGood || q.Jitter.Rule != "≤ 50 ms good · > 50 ms poor" {
		t.Errorf("collapsed band: %s, %q", q.Jitter.Band, q.Jitter.Rule)
	}
}

func TestThresholdsValidate(t *testing.T) {
	if err := DefaultThresholds().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*Thresholds)
		field string
	}{
		{"fair above good", func(t *Thresholds) { t.MOSFair = 4.2 }, "MOSFair"},
		{"mos above scale", func(t *Thresholds) { t.MOSGood = 5.5 }, "MOSGood"},
		{"mos below scale", func(t *Thresholds) { t.MOSFair = 0.5 }, "MOSFair"},
		{"mos NaN", func(t *Thresholds) { t.MOSGood = math.NaN() }, "MOSGood"},
		{"negative jitter", func(t *Thresholds) { t.JitterGoodMS = -1 }, "JitterGoodMS"},
		{"zero jitter edge", func(t *Thresholds) { t.JitterMaxMS = 0; t.JitterGoodMS = 0 }, "JitterMaxMS"},
		{"jitter unordered", func(t *Thresholds) { t.JitterGoodMS = 40 }, "JitterGoodMS"},
		{"huge jitter", func(t *Thresholds) { t.JitterMaxMS = 5000 }, "JitterMaxMS"},
		{"loss unordered", func(t *Thresholds) { t.LossGoodPct = 2 }, "LossGoodPct"},
		{"loss over 100", func(t *Thresholds) { t.LossMaxPct = 150 }, "LossMaxPct"},
		{"loss good zero", func(t *Thresholds) { t.LossGoodPct = 0 }, "LossGoodPct"},
		{"loss Inf", func(t *Thresholds) { t.LossMaxPct = math.Inf(1) }, "LossMaxPct"},
	}
	for _, tt := range tests {
		th := DefaultThresholds()
		tt.edit(&th)
		err := th.Validate()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: error %q does not name %s", tt.name, err, tt.field)
		}
	}
	// Equal edges are allowed: they just remove the acceptable band.
	th := DefaultThresholds()
	th.MOSFair, th.JitterGoodMS, th.LossGoodPct = th.MOSGood, th.JitterMaxMS, th.LossMaxPct
	if err := th.Validate(); err != nil {
		t.Errorf("equal edges rejected: %v", err)
	}
}

func TestCodecNote(t *testing.T) {
	for _, c := range []string{"PCMU", "pcma", "opus", "OPUS/48000/2", "G.722", "G729"} {
		if CodecNote(c) == "" {
			t.Errorf("no note for %s", c)
		}
	}
	if CodecNote("speex") != "" || CodecNote("") != "" {
		t.Error("note for unknown codec")
	}
}

// TestOverallBandAgreesWithQuality keeps the table badge and the detail
// page in step over a grid of answered/unanswered calls and metric values.
func TestOverallBandAgreesWithQuality(t *testing.T) {
	th := DefaultThresholds()
	mosValues := []vobiz.NullFloat{{}, {Float64: 0, Valid: true}, {Float64: 4.4, Valid: true}, {Float64: 3.7, Valid: true},
		{Float64: 2.1, Valid: true}, {Float64: 7, Valid: true}}
	figures := []vobiz.NullFloat{{}, {Float64: 0, Valid: true}, {Float64: 5, Valid: true}, {Float64: 45, Valid: true},
		{Float64: -1, Valid: true}}
	for _, billsec := range []vobiz.Int{0, 30} {
		for _, mos := range mosValues {
			for _, j := range figures {
				for _, l := range figures {
					c := &vobiz.CDR{Billsec: billsec, MOS: mos, Jitter: j, PacketLoss: l}
					if got, want := OverallBand(c, th), Quality(c, th).Overall; got != want {
						t.Errorf("billsec %d mos %v jitter %v loss %v: OverallBand %s, Quality %s", billsec, mos, j, l, got, want)
					}
				}
			}
		}
	}
}
