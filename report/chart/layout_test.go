package chart

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
)

// laidOut is the part of the options the shared layout sets.
type laidOut struct {
	Legend struct {
		Show   *bool `json:"show"`
		Top    any   `json:"top"`
		Bottom any   `json:"bottom"`
	} `json:"legend"`
	Grid []struct {
		ContainLabel bool `json:"containLabel"`
	} `json:"grid"`
	YAxis []struct {
		Type      string `json:"type"`
		AxisLabel struct {
			Width    float64 `json:"width"`
			Overflow string  `json:"overflow"`
		} `json:"axisLabel"`
	} `json:"yAxis"`
	Series []struct {
		Type  string `json:"type"`
		Label struct {
			Formatter string `json:"formatter"`
		} `json:"label"`
	} `json:"series"`
	Media []struct {
		Query  map[string]float64 `json:"query"`
		Option map[string]any     `json:"option"`
	} `json:"media"`
	Hints *hints `json:"cdrdash"`
}

func marshalLaidOut(t *testing.T, c Chart) laidOut {
	t.Helper()
	raw, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var o laidOut
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return o
}

// TestLayoutFitsAPhone: the rules that keep charts readable at 390 px
// are in every chart's options.
func TestLayoutFitsAPhone(t *testing.T) {
	b, err := report.Aggregate(context.Background(), strings.NewReader(exportCSV), report.AggregateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	long := []report.Count{{Name: "NORMAL_TEMPORARY_FAILURE_WITH_A_VERY_LONG_NAME", N: 3}, {Name: "USER_BUSY", N: 1}}
	for _, c := range []struct {
		id    string
		chart Chart
		check func(t *testing.T, o laidOut)
	}{
		{IDCallsPerDay, CallsPerDay(days, ""), func(t *testing.T, o laidOut) {
			// The legend is below the plot, never over the axis names.
			if o.Legend.Top != nil || o.Legend.Bottom == nil {
				t.Errorf("legend %+v, want it at the bottom", o.Legend)
			}
			if len(o.Media) == 0 {
				t.Error("no narrow-width media query making room for a wrapped legend")
			}
		}},
		{IDTalkCost, TalkCostPerDay(days, "INR", ""), func(t *testing.T, o laidOut) {
			want := hints{Currency: "INR", MoneyAxis: "y", MoneyAxisIndex: 1}
			if o.Hints == nil || *o.Hints != want {
				t.Errorf("hints %+v, want %+v", o.Hints, want)
			}
		}},
		{IDCauses, Causes(long, ""), func(t *testing.T, o laidOut) {
			// Long causes are cut to a width, so the bars keep theirs.
			if len(o.YAxis) == 0 || o.YAxis[0].Type != "category" || o.YAxis[0].AxisLabel.Width != barLabelNarrow ||
				o.YAxis[0].AxisLabel.Overflow != "truncate" {
				t.Errorf("cause axis %+v, want labels truncated at %d px", o.YAxis, barLabelNarrow)
			}
			if len(o.Media) == 0 || o.Media[0].Query["minWidth"] != wideChart {
				t.Errorf("media %+v, want wider labels from %d px", o.Media, wideChart)
			}
		}},
		{IDOutcomes, Outcomes(b, ""), func(t *testing.T, o laidOut) {
			// Percentages only on a phone (the legend names the slices).
			if len(o.Series) == 0 || o.Series[0].Label.Formatter != "{d}%" {
				t.Errorf("donut label %+v, want the percentage only", o.Series)
			}
		}},
		{IDHourWeekday, HourWeekday(b, ""), func(t *testing.T, o laidOut) {
			if o.Hints == nil || o.Hints.Kind != "hour-weekday" {
				t.Errorf("hints %+v, want the hour-weekday tooltip", o.Hints)
			}
		}},
		{IDQuality, Quality(b, ""), nil},
		{IDMOS, MOSHistogram(b, diagnosis.DefaultThresholds(), ""), nil},
	} {
		t.Run(c.id, func(t *testing.T) {
			o := marshalLaidOut(t, c.chart)
			for _, g := range o.Grid {
				if !g.ContainLabel {
					t.Errorf("grid %+v does not contain its labels", g)
				}
			}
			if c.check != nil {
				c.check(t, o)
			}
		})
	}
}
