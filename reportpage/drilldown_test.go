package reportpage_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/report/chart"
	"github.com/cdrdash/cdrdash/report/reporttest"
	"github.com/cdrdash/cdrdash/reportpage"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

var ixNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func date(offset int) string { return ixNow.AddDate(0, 0, offset).Format(vobiz.DateLayout) }

// callsURL is the handler's CallsURL: the report's filters (the API's
// and the index-only extra ones), changed by key, value pairs.
func callsURL(f vobiz.Filter, extra ...string) func(pairs ...string) string {
	return func(pairs ...string) string {
		v := f.WithoutPaging().Values()
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				v.Del(pairs[i])
			} else {
				v.Set(pairs[i], pairs[i+1])
			}
		}
		return "/calls?" + v.Encode()
	}
}

// linkFilter reads a drill-down link as the calls list reads its
// parameters (scopes: from the URL to a callindex.Filter), independently
// of the code that wrote it: API filters through vobiz.ParseFilter, the
// index-only ones here, hour and weekday as one window per matching local
// day, clipped to the dates' UTC days. A parameter it does not know fails
// the test, so a link cannot carry a filter this reading ignores.
func linkFilter(t *testing.T, link string, zone *time.Location, th diagnosis.Thresholds) callindex.Filter {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/calls" {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	api, err := vobiz.ParseFilter(q)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	f := callindex.Filter{API: api, Thresholds: th, Limit: 1}
	num := func(name string) *float64 {
		s := q.Get(name)
		if s == "" {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("link %q: %s: %v", link, name, err)
		}
		return &v
	}
	f.MinMOS, f.MaxMOS = num(reportpage.ParamMinMOS), num(reportpage.ParamMaxMOS)
	for _, o := range q[reportpage.ParamOutcome] {
		f.Outcomes = append(f.Outcomes, diagnosis.Outcome(o))
	}
	for _, b := range q[reportpage.ParamQuality] {
		if b == "acceptable" {
			b = string(diagnosis.BandFair)
		}
		f.Qualities = append(f.Qualities, diagnosis.Band(b))
	}
	if h, wd := q.Get(reportpage.ParamHour), q.Get(reportpage.ParamWeekday); h != "" || wd != "" {
		hour, err := strconv.Atoi(h)
		w := slices.Index(reportpage.WeekdayParams, wd)
		if err != nil || w < 0 {
			t.Fatalf("link %q: hour %q weekday %q", link, h, wd)
		}
		start, _ := time.Parse(vobiz.DateLayout, api.StartDate)
		end, _ := time.Parse(vobiz.DateLayout, api.EndDate)
		end = end.AddDate(0, 0, 1)
		for d := start.In(zone).AddDate(0, 0, -1); d.Before(end.AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
			if (int(d.Weekday())+6)%7 != w {
				continue
			}
			from := time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, zone)
			to := time.Date(d.Year(), d.Month(), d.Day(), hour+1, 0, 0, 0, zone)
			from, to = maxTime(from, start), minTime(to, end)
			if from.Before(to) {
				f.Windows = append(f.Windows, callindex.Window{From: from, To: to})
			}
		}
		if len(f.Windows) == 0 {
			f.Windows = []callindex.Window{{From: start, To: start}} // nothing matches
		}
	}
	for k := range q {
		switch k {
		case reportpage.ParamOutcome, reportpage.ParamQuality, reportpage.ParamMinMOS, reportpage.ParamMaxMOS,
			reportpage.ParamHour, reportpage.ParamWeekday:
		default:
			if _, ok := api.Values()[k]; !ok {
				t.Fatalf("link %q: parameter %q is not read", link, k)
			}
		}
	}
	return f
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Every mark of every chart of a report from the index links to a list
// whose total, counted by callindex.Query from the link's parameters, is
// the mark's value: the days, each outcome, cause, quality band, MOS
// bucket (edges included) and hour × weekday cell, with the report's own
// filters kept.
func TestDrillDownTotalsEqualMarks(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := reporttest.New(t, tg, sandbox.Options{Seed: 5, Calls: 3000, Days: 40, Now: ixNow})
		e.Load(t)
		polled := ixNow.Add(-8 * time.Second)
		e.MarkComplete(t, ixNow.AddDate(0, 0, -45), ixNow, polled, polled)
		zone, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			t.Fatal(err)
		}
		th := diagnosis.DefaultThresholds()
		svc := report.New(e.Client, report.Options{Now: func() time.Time { return ixNow }, Index: e.Index})
		minMOS, maxMOS := 3.6, 4.3
		for _, tc := range []struct {
			f      vobiz.Filter
			narrow callindex.Filter
			extra  []string // narrow as URL parameters
		}{
			{f: vobiz.Filter{StartDate: date(-29), EndDate: date(0)}},
			{f: vobiz.Filter{StartDate: date(-13), EndDate: date(-1), CallDirection: vobiz.DirectionOutbound}},
			{f: vobiz.Filter{StartDate: date(-20), EndDate: date(0)},
				narrow: callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.Answered, diagnosis.Failed},
					Qualities: []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair}, MinMOS: &minMOS, MaxMOS: &maxMOS},
				extra: []string{"outcome", "answered", "outcome", "failed", "quality", "good", "quality", "acceptable",
					"min_mos", "3.6", "max_mos", "4.3"}},
			{f: vobiz.Filter{StartDate: date(-6), EndDate: date(0)},
				narrow: callindex.Filter{Outcomes: []diagnosis.Outcome{diagnosis.NoAnswer, diagnosis.Busy}},
				extra:  []string{"outcome", "no_answer", "outcome", "busy"}},
			{f: vobiz.Filter{StartDate: date(-6), EndDate: date(0)},
				narrow: callindex.Filter{Qualities: []diagnosis.Band{diagnosis.BandPoor}, MaxMOS: &maxMOS},
				extra:  []string{"quality", "poor", "max_mos", "4.3"}},
		} {
			f := tc.f
			t.Run(f.Values().Encode()+strings.Join(tc.extra, ","), func(t *testing.T) {
				rep, err := svc.Build(context.Background(), report.Request{Filter: f, Zone: zone, Thresholds: th, Narrow: tc.narrow})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Origin != report.OriginIndex || rep.BreakdownErr != nil {
					t.Fatalf("origin %s, breakdown %v", rep.Origin, rep.BreakdownErr)
				}
				v := reportpage.Build(rep, reportpage.Input{Zone: zone, Now: ixNow, DayZone: "UTC", Thresholds: th,
					CallsURL: callsURL(f, tc.extra...)})
				checked, edges := 0, 0
				for _, c := range append(v.DayCharts, v.BreakdownCharts...) {
					values := reporttest.MarkValues(rep, c.ID)
					if len(c.Links) != len(values) || len(values) == 0 {
						t.Fatalf("chart %s: %d links for %d marks", c.ID, len(c.Links), len(values))
					}
					for i, link := range c.Links {
						if link == "" {
							// Only marks no parameter can select: no cause, the
							// folded causes, and in a narrowed report the
							// outcomes, bands and MOS buckets it excludes.
							folded := c.ID == chart.IDCauses && strings.HasPrefix(report.TopCauses(rep.Breakdown.CauseCounts())[i].Name, "(")
							excluded := rep.Narrowed && values[i] == 0 && c.ID != chart.IDHourWeekday
							if !folded && !excluded {
								t.Errorf("chart %s mark %d (%d calls) has no link", c.ID, i, values[i])
							}
							continue
						}
						lf := linkFilter(t, link, zone, th)
						p, err := e.Index.Query(context.Background(), lf)
						if err != nil {
							t.Fatalf("%s: %v", link, err)
						}
						if p.Total != values[i] {
							t.Errorf("chart %s mark %d = %d, its link %s lists %d", c.ID, i, values[i], link, p.Total)
						}
						if lf.MaxMOS != nil && *lf.MaxMOS < 5 {
							// Some calls sit exactly on the bucket's lower edge:
							// the edge cases are in the data, not only in theory.
							n, err := e.Index.Query(context.Background(), callindex.Filter{API: lf.API,
								MinMOS: lf.MinMOS, MaxMOS: lf.MinMOS, Limit: 1})
							if err != nil {
								t.Fatal(err)
							}
							edges += int(n.Total)
						}
						checked++
					}
				}
				if checked < 190 || edges == 0 {
					t.Errorf("checked %d links, %d calls on a MOS edge", checked, edges)
				}
			})
		}
	})
}

// From the API, the index-only drill-downs would be refused by the list
// (400), so the marks keep linking to the whole range, and the page says
// what the index covers instead.
func TestAPIPathLinksAndBanner(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		e := reporttest.New(t, tg, sandbox.Options{Seed: 5, Calls: 800, Days: 20, Now: ixNow})
		e.Load(t)
		e.MarkComplete(t, ixNow.AddDate(0, 0, -5), ixNow, ixNow, ixNow)
		svc := report.New(e.Client, report.Options{Now: func() time.Time { return ixNow }, Index: e.Index})
		f := vobiz.Filter{StartDate: date(-9), EndDate: date(0)}
		rep, err := svc.Build(context.Background(), report.Request{Filter: f})
		if err != nil {
			t.Fatal(err)
		}
		v := reportpage.Build(rep, reportpage.Input{Now: ixNow, Thresholds: diagnosis.DefaultThresholds(), CallsURL: callsURL(f)})
		if rep.Origin != report.OriginAPI || rep.Index == nil || !rep.Index.Coverage.From.Equal(ixNow.AddDate(0, 0, -5).Truncate(24*time.Hour)) {
			t.Errorf("origin %s, index state %+v; want the API and a coverage from 2 Dec", rep.Origin, rep.Index)
		}
		rangeURL := callsURL(f)()
		for _, c := range v.BreakdownCharts {
			for _, link := range c.Links {
				u, _ := url.Parse(link)
				for _, p := range []string{reportpage.ParamOutcome, reportpage.ParamQuality, reportpage.ParamMinMOS,
					reportpage.ParamHour} {
					if u.Query().Has(p) {
						t.Errorf("chart %s links %s from the API path", c.ID, link)
					}
				}
			}
			if c.ID == chart.IDOutcomes && c.Links[0] != rangeURL {
				t.Errorf("outcome link %s, want %s", c.Links[0], rangeURL)
			}
			if c.ID == chart.IDHourWeekday && len(c.Links) != 0 {
				t.Errorf("heat map links on the API path: %d", len(c.Links))
			}
		}
	})
}
