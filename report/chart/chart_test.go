package chart

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/vobiz"
)

// exportCSV has a call in every band and outcome the charts colour.
const exportCSV = "uuid,start_time,billsec,duration,hangup_cause,hangup_disposition,hangup_source,mos,jitter,packet_loss,currency\r\n" +
	"u1,2026-11-02T04:30:00Z,60,65,NORMAL_CLEARING,send_bye,Caller,4.3,2,0.1,INR\r\n" +
	"u2,2026-11-02T04:45:00Z,30,33,NORMAL_CLEARING,recv_bye,Callee,3.0,5,0.2,INR\r\n" +
	"u3,2026-11-03T13:00:00Z,0,30,NO_ANSWER,send_cancel,Callee,0,0,0,INR\r\n" +
	"u4,2026-11-08T20:00:00Z,0,4,USER_BUSY,send_refuse,Callee,,,,INR\r\n"

var errUpstream = errors.New("upstream failed")

// days: one with calls, one that failed to load, one without calls.
var days = []report.Day{{Date: "2026-11-01", Summary: vobiz.Summary{TotalCalls: 10, AnsweredCalls: 5, TotalBillableSeconds: 600}},
	{Date: "2026-11-02", Err: errUpstream}, {Date: "2026-11-03"}}

// TestChartsAreInertJSON: every chart is plain data: no functions (which
// go-echarts would carry as "__f__" strings), no external URL, tooltips
// drawn on the canvas, decal patterns on.
func TestChartsAreInertJSON(t *testing.T) {
	b, err := report.Aggregate(context.Background(), strings.NewReader(exportCSV), report.AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	evil := `</script><script>alert(1)</script>`
	charts := map[string]Chart{
		IDCallsPerDay: CallsPerDay(days, evil), IDTalkCost: TalkCostPerDay(days, "INR", evil),
		IDOutcomes: Outcomes(b, evil), IDCauses: Causes(b.CauseCounts(), evil), IDQuality: Quality(b, evil),
		IDMOS: MOSHistogram(b, diagnosis.DefaultThresholds(), evil), IDHourWeekday: HourWeekday(b, evil),
	}
	for id, c := range charts {
		raw, err := Marshal(c)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s := string(raw)
		for _, bad := range []string{"__f__", "function", "http:", "https:", "<script", "go-echarts.github.io"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s: options contain %q", id, bad)
			}
		}
		var opt struct {
			Tooltip struct {
				RenderMode string `json:"renderMode"`
			} `json:"tooltip"`
			Aria struct {
				Decal struct{ Show bool } `json:"decal"`
			} `json:"aria"`
			Color []string `json:"color"`
		}
		if err := json.Unmarshal(raw, &opt); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if opt.Tooltip.RenderMode != "richText" || !opt.Aria.Decal.Show || len(opt.Color) == 0 || opt.Color[0] != colorBlue {
			t.Errorf("%s: tooltip %q, decal %v, palette %v", id, opt.Tooltip.RenderMode, opt.Aria.Decal.Show, opt.Color)
		}
	}
}

// TestMissingDaysAreGaps: a day that failed to load is drawn as a gap
// ("-") and named on the axis, never as zero; a day without calls has no
// answer rate rather than 0 %.
func TestMissingDaysAreGaps(t *testing.T) {
	for _, c := range []Chart{CallsPerDay(days, ""), TalkCostPerDay(days, "INR", "")} {
		var opt struct {
			Series []struct {
				Data []struct{ Value any } `json:"data"`
			} `json:"series"`
			XAxis []struct{ Data []string } `json:"xAxis"`
		}
		raw, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &opt); err != nil {
			t.Fatal(err)
		}
		for _, s := range opt.Series {
			if gap := s.Data[1].Value == missingValue; !gap {
				t.Errorf("missing day drawn as %v", s.Data[1].Value)
			}
			if s.Data[0].Value == missingValue {
				t.Error("a loaded day is drawn as a gap")
			}
		}
		if !strings.Contains(opt.XAxis[0].Data[1], "not loaded") {
			t.Errorf("axis label %q does not mark the missing day", opt.XAxis[0].Data[1])
		}
	}
	var opt struct {
		Series []struct {
			Data []struct{ Value any } `json:"data"`
		} `json:"series"`
	}
	raw, _ := Marshal(CallsPerDay(days, ""))
	_ = json.Unmarshal(raw, &opt)
	if rate := opt.Series[2].Data; rate[0].Value != 50.0 || rate[2].Value != missingValue {
		t.Errorf("answer rate %v", rate)
	}
}
