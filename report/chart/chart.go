// Package chart turns report data into ECharts options, and nothing else.
//
// The server marshals a chart's JSON() into a <script type="application/json">
// block and static/js/charts.js starts the vendored ECharts from it.
// go-echarts' Render and RenderSnippet are never used, because they emit
// inline scripts, inline styles and a CDN URL, none of which the page's CSP
// allows. No option carries a JavaScript function (go-echarts would smuggle
// it through as a "__f__" string); anything that needs code (drill-down
// clicks, dark mode) lives in charts.js.
package chart

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
)

// Chart IDs. Each is the chart container's data-chart value, and its
// options block has the id "<ID>-options".
const (
	IDCallsPerDay     = "calls-per-day"
	IDTalkCost        = "talk-cost-per-day"
	IDOutcomes        = "outcomes"
	IDCauses          = "hangup-causes"
	IDQuality         = "quality"
	IDMOS             = "mos-histogram"
	IDHourWeekday     = "hour-weekday"
	IDCostsByCountry  = "costs-by-country"
	assetsHost        = "/static/vendor/echarts/" // never used: we do not Render
	missingValue      = "-"                       // ECharts' "no data here": a gap, never a zero
	answerRateDigits  = 1
	talkMinutesDigits = 1
)

// The Okabe–Ito palette, designed to stay distinguishable with every
// common form of colour blindness (Okabe & Ito, "Color Universal Design",
// 2008). Black is replaced by a mid grey that reads on light and dark
// backgrounds. Colour is never the only signal: bars also carry ECharts'
// decal patterns (aria.decal), series differ in shape (bars against lines
// with distinct symbols and dash styles), and every chart has labels and a
// data table.
const (
	colorOrange     = "#E69F00"
	colorSky        = "#56B4E9"
	colorGreen      = "#009E73"
	colorYellow     = "#F0E442"
	colorBlue       = "#0072B2"
	colorVermillion = "#D55E00"
	colorPurple     = "#CC79A7"
	colorGrey       = "#999999"
)

var palette = opts.Colors{colorBlue, colorOrange, colorSky, colorVermillion, colorGreen, colorPurple, colorYellow, colorGrey}

// viridis, reversed so more calls are darker: perceptually uniform, readable
// in grey and by colour-blind viewers, and it works on light and dark
// backgrounds alike.
var viridis = []string{"#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"}

// Outcome and band colours, fixed so a colour means the same on every
// chart.
var (
	outcomeColors = map[diagnosis.Outcome]string{
		diagnosis.Answered: colorBlue, diagnosis.NoAnswer: colorOrange, diagnosis.Busy: colorYellow,
		diagnosis.Cancelled: colorGrey, diagnosis.Failed: colorVermillion,
	}
	bandColors = map[diagnosis.Band]string{
		diagnosis.BandGood: colorGreen, diagnosis.BandFair: colorOrange, diagnosis.BandPoor: colorVermillion,
		diagnosis.BandNoMedia: colorGrey, diagnosis.BandUnknown: colorPurple,
	}
)

// Chart is any go-echarts chart.
type Chart interface {
	Validate()
	JSON() map[string]any
}

// Marshal returns a chart's ECharts options as JSON. Validate must run
// first: it copies the category axis data into place.
func Marshal(c Chart) (json.RawMessage, error) {
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		return nil, fmt.Errorf("chart options: %w", err)
	}
	// go-echarts has no fields for several layout options (label width and
	// overflow, label layout, media queries), so the layout is applied to
	// the options as plain JSON, the same way to every chart.
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("chart options: %w", err)
	}
	fitLayout(m)
	if b, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("chart options: %w", err)
	}
	return b, nil
}

// visitable is every go-echarts chart: it takes a visitor that can add
// options to the JSON.
type visitable interface {
	Accept(charts.ConfigurationVisitor)
}

// cspVisitor adds the options go-echarts v2.6 has no field for, and the
// formatting hints charts.js reads.
type cspVisitor struct {
	charts.BaseConfigurationVisitor
	hints hints
}

// hints tell static/js/charts.js how to format a chart's tooltip and axis
// labels: the options cannot carry formatter functions. They travel as the
// option's "cdrdash" block, which charts.js removes before ECharts sees it.
type hints struct {
	// Kind "hour-weekday": the tooltip names the weekday (the y axis data)
	// and the hour range of a cell, "Tue 14:00–15:00 · 1,615 calls".
	Kind string `json:"kind,omitempty"`
	// Currency of the money values, formatted as views.FormatMoney does.
	Currency string `json:"currency,omitempty"`
	// MoneyAxis ("x" or "y") and MoneyAxisIndex name the value axis whose
	// labels are money; the tooltip shows the series on it as money too.
	MoneyAxis      string `json:"moneyAxis,omitempty"`
	MoneyAxisIndex int    `json:"moneyAxisIndex,omitempty"`
}

// Visit adds the hints, when there are any.
func (v cspVisitor) Visit(obj map[string]any) {
	if v.hints != (hints{}) {
		obj[hintsKey] = v.hints
	}
}

// hintsKey is the option block charts.js reads the hints from.
const hintsKey = "cdrdash"

// Money marks a chart's value axis (axis "x" or "y", index among those
// axes) as amounts in currency: charts.js labels it, and shows the series
// drawn against it in the tooltip, as views.FormatMoney would
// (₹1,50,328.20). Call it after SetGlobalOptions.
func Money(c visitable, currency, axis string, index int) {
	c.Accept(cspVisitor{hints: hints{Currency: currency, MoneyAxis: axis, MoneyAxisIndex: index}})
}

// VisitTooltipOpt draws tooltips on the canvas (renderMode "richText"):
// ECharts' HTML tooltips set inline styles, which style-src 'self' blocks,
// and rich text also cannot carry injected markup. confine keeps them
// inside the chart.
func (cspVisitor) VisitTooltipOpt(t opts.Tooltip) any {
	return struct {
		opts.Tooltip
		RenderMode string `json:"renderMode"`
		Confine    bool   `json:"confine"`
	}{t, "richText", true}
}

// common are the options every chart shares: our own chart ID (a random
// one would change on every render), a transparent background so the
// card's colour shows in light and dark mode, the palette, and ARIA: a
// description read by screen readers and decal patterns.
func common(c visitable, id, description, trigger string) []charts.GlobalOpts {
	var h hints
	if id == IDHourWeekday {
		h.Kind = "hour-weekday"
	}
	c.Accept(cspVisitor{hints: h})
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: assetsHost,
			Theme: "white", Renderer: "canvas", BackgroundColor: "transparent"}),
		charts.WithColorsOpts(palette),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true),
			Label: &opts.AriaLabel{Enabled: opts.Bool(true), Description: description},
			Decal: &opts.AriaDecal{Show: opts.Bool(true)}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
	}
}

// dayGrid leaves room for the axis names on both sides.
var dayGrid = opts.Grid{ContainLabel: opts.Bool(true), Top: "44", Left: "16", Right: "24", Bottom: "8"}

func valueAxis(name string) opts.YAxis {
	return opts.YAxis{Type: "value", Name: name, Min: 0, SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}
}

// CallsPerDay: answered and not-answered calls per day as stacked bars,
// with the answer rate as a line on a second axis. Missing days are gaps.
func CallsPerDay(days []report.Day, description string) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(c, IDCallsPerDay, description, "axis"),
		charts.WithGridOpts(dayGrid),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(valueAxis("Calls")),
	)...)
	c.ExtendYAxis(opts.YAxis{Type: "value", Name: "Answer %", Min: 0, Max: 100, Position: "right",
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	cats := make([]string, len(days))
	answered := make([]opts.BarData, len(days))
	notAnswered := make([]opts.BarData, len(days))
	rate := make([]opts.LineData, len(days))
	for i, d := range days {
		cats[i] = dayLabel(d)
		if d.Err != nil {
			answered[i] = opts.BarData{Value: missingValue}
			notAnswered[i] = opts.BarData{Value: missingValue}
			rate[i] = opts.LineData{Value: missingValue}
			continue
		}
		s := d.Summary
		answered[i] = opts.BarData{Value: int64(s.AnsweredCalls), ItemStyle: partialStyle(d, colorBlue)}
		notAnswered[i] = opts.BarData{Value: max(int64(s.TotalCalls)-int64(s.AnsweredCalls), 0),
			ItemStyle: partialStyle(d, colorOrange)}
		if s.TotalCalls > 0 {
			rate[i] = opts.LineData{Value: round(report.AnswerRate(s.AnsweredCalls, s.TotalCalls), answerRateDigits)}
		} else {
			rate[i] = opts.LineData{Value: missingValue} // no calls: no rate, not 0 %
		}
	}
	c.SetXAxis(cats)
	c.AddSeries("Answered", answered, charts.WithBarChartOpts(opts.BarChart{Stack: "calls"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBlue}))
	c.AddSeries("Not answered", notAnswered, charts.WithBarChartOpts(opts.BarChart{Stack: "calls"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOrange}))
	line := charts.NewLine()
	line.AddSeries("Answer rate (%)", rate,
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, Symbol: "diamond", SymbolSize: 7, ShowSymbol: opts.Bool(true)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorPurple}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Color: colorPurple}))
	c.Overlap(line)
	return c
}

// TalkCostPerDay: billable minutes per day as bars and cost as a dashed
// line on a second axis.
func TalkCostPerDay(days []report.Day, currency, description string) *charts.Bar {
	c := charts.NewBar()
	costName := "Cost"
	if currency != "" {
		costName += " (" + currency + ")"
	}
	c.SetGlobalOptions(append(common(c, IDTalkCost, description, "axis"),
		charts.WithGridOpts(dayGrid),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(valueAxis("Minutes")),
	)...)
	c.ExtendYAxis(opts.YAxis{Type: "value", Name: costName, Min: 0, Position: "right",
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	Money(c, currency, "y", 1)
	cats := make([]string, len(days))
	talk := make([]opts.BarData, len(days))
	cost := make([]opts.LineData, len(days))
	for i, d := range days {
		cats[i] = dayLabel(d)
		if d.Err != nil {
			talk[i] = opts.BarData{Value: missingValue}
			cost[i] = opts.LineData{Value: missingValue}
			continue
		}
		talk[i] = opts.BarData{Value: round(float64(d.Summary.TotalBillableSeconds)/60, talkMinutesDigits),
			ItemStyle: partialStyle(d, colorSky)}
		cost[i] = opts.LineData{Value: round(float64(d.Summary.TotalCost), 2)}
	}
	c.SetXAxis(cats)
	c.AddSeries("Talk time (billable minutes)", talk, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorSky}))
	line := charts.NewLine()
	line.AddSeries(costName, cost,
		charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, Symbol: "triangle", SymbolSize: 7, ShowSymbol: opts.Bool(true)}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorVermillion}),
		charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: "dashed", Color: colorVermillion}))
	c.Overlap(line)
	return c
}

// Outcomes: how calls ended, as a ring with labelled slices.
func Outcomes(b *report.Breakdown, description string) *charts.Pie {
	c := charts.NewPie()
	c.SetGlobalOptions(common(c, IDOutcomes, description, "item")...)
	var data []opts.PieData
	for i, o := range diagnosis.Outcomes() {
		data = append(data, opts.PieData{Name: o.Label(), Value: b.Outcomes[i],
			ItemStyle: &opts.ItemStyle{Color: outcomeColors[o]}})
	}
	c.AddSeries("Outcome", data,
		charts.WithPieChartOpts(opts.PieChart{Radius: []string{"40%", "68%"}, Center: []string{"50%", "56%"}}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}: {d}%"}))
	return c
}

// Causes: the most frequent hangup causes as horizontal bars, the rest
// folded into OtherCause.
func Causes(counts []report.Count, description string) *charts.Bar {
	counts = report.TopCauses(counts)
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(c, IDCauses, description, "axis"),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Top: "16", Left: "8", Right: "48", Bottom: "8"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		// Three splits, as CostBars: at 390 px five counts of five digits
		// ran together ("10,00015,000").
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "Calls", Min: 0, SplitNumber: 3,
			AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
	)...)
	cats := make([]string, len(counts))
	data := make([]opts.BarData, len(counts))
	for i, n := range counts {
		cats[i] = n.Name
		data[i] = opts.BarData{Value: n.N}
	}
	c.SetXAxis(cats).XYReversal()
	c.AddSeries("Calls", data, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBlue}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	return c
}

// CostBars: an amount per category as horizontal bars, most first as
// given (the Costs page's cost by destination country and number type).
// Amounts are in the currency's main unit; the axis and tooltip format
// them as money (charts.js), and long labels are truncated like the
// hangup causes', in full in the tooltip.
func CostBars(id string, labels []string, amounts []float64, currency, description string) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(c, id, description, "axis"),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Top: "16", Left: "8", Right: "48", Bottom: "8"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, SplitNumber: 3}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true)}),
	)...)
	Money(c, currency, "x", 0)
	data := make([]opts.BarData, len(amounts))
	for i, a := range amounts {
		data[i] = opts.BarData{Value: a}
	}
	c.SetXAxis(labels).XYReversal()
	c.AddSeries("Total cost", data, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBlue}))
	return c
}

// Quality: calls per audio-quality band, one colour per band.
func Quality(b *report.Breakdown, description string) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(c, IDQuality, description, "axis"),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Top: "36", Left: "16", Right: "16", Bottom: "8"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(valueAxis("Calls")),
	)...)
	var cats []string
	var data []opts.BarData
	for i, band := range report.Bands() {
		if band == diagnosis.BandUnknown && b.Quality[i] == 0 {
			continue
		}
		cats = append(cats, band.Label())
		data = append(data, opts.BarData{Value: b.Quality[i], ItemStyle: &opts.ItemStyle{Color: bandColors[band]}})
	}
	c.SetXAxis(cats)
	c.AddSeries("Calls", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
	return c
}

// MOSHistogram: calls per MOS bucket, each bar coloured by the band its
// lower edge falls in under t.
func MOSHistogram(b *report.Breakdown, t diagnosis.Thresholds, description string) *charts.Bar {
	c := charts.NewBar()
	c.SetGlobalOptions(append(common(c, IDMOS, description, "axis"),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Top: "36", Left: "16", Right: "24", Bottom: "8"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(valueAxis("Calls")),
	)...)
	cats := make([]string, report.MOSBuckets)
	data := make([]opts.BarData, report.MOSBuckets)
	for i := range report.MOSBuckets {
		lo, _ := report.MOSBucketRange(i)
		cats[i] = report.MOSBucketLabel(i)
		data[i] = opts.BarData{Value: b.MOS[i], ItemStyle: &opts.ItemStyle{Color: bandColors[t.MOSBand(lo)]}}
	}
	c.SetXAxis(cats)
	c.AddSeries("Calls", data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "10%"}))
	return c
}

// HourWeekday: calls by hour (columns) and weekday (rows) in the viewer's
// zone.
func HourWeekday(b *report.Breakdown, description string) *charts.HeatMap {
	c := charts.NewHeatMap()
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = report.HourLabel(h)
	}
	var peak int64
	var data []opts.HeatMapData
	for d := range 7 {
		for h := range 24 {
			n := b.HourWeekday[d][h]
			peak = max(peak, n)
			data = append(data, opts.HeatMapData{Name: HeatCellName(d, h), Value: [3]int64{int64(h), int64(d), n}})
		}
	}
	c.SetGlobalOptions(append(common(c, IDHourWeekday, description, "item"),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Top: "8", Left: "8", Right: "8", Bottom: "56"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: hours, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: report.Weekdays, Inverse: opts.Bool(true),
			SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "continuous", Calculable: opts.Bool(true), Min: 0,
			Max: float32(max(peak, 1)), Orient: "horizontal", Left: "center", Bottom: "0", Text: []string{"more calls", "fewer"},
			InRange: &opts.VisualMapInRange{Color: viridis}}),
	)...)
	c.AddSeries("Calls", data)
	return c
}

// dayLabel marks a missing bucket on the axis too, so the gap is explained
// where it is seen, and a partial one ("so far"), so its short bar is not
// read as a drop. The tooltip shows the same category name.
func dayLabel(d report.Day) string {
	l := d.Label
	if l == "" {
		l = d.Date
	}
	switch {
	case d.Err != nil:
		return l + " (not loaded)"
	case d.SoFar:
		return l + " (so far)"
	case d.Partial:
		return l + " (partial)"
	}
	return l
}

// partialStyle draws a partial bucket (today so far, or one the window
// cuts) lighter with a solid outline in the series colour: nil for a
// whole one, which keeps the series style.
func partialStyle(d report.Day, color string) *opts.ItemStyle {
	if !d.Partial {
		return nil
	}
	return &opts.ItemStyle{Color: color, Opacity: opts.Float(0.4), BorderColor: color, BorderWidth: 1.5}
}

// HeatCellName names a heat map cell for its tooltip: "Tue 14:00–15:00"
// (weekday d, Monday first, and hour h in the viewer's zone).
func HeatCellName(d, h int) string {
	return fmt.Sprintf("%s %02d:00–%02d:00", report.Weekdays[d], h, h+1)
}

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
