package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/phone"
)

// Costs is where a period's money went: the totals and every breakdown
// of the costs page, computed from the call index. Money is in exact
// millionths of Currency (callindex.Sums), and every breakdown's rows add
// up to Total exactly: calls without a trunk, campaign or region have a
// "(none)" row, and the prefixes and numbers beyond the top ones one
// "Other" row.
type Costs struct {
	From, To time.Time
	// Currency is the account's: the newest indexed call's.
	Currency string
	Total    callindex.Sums
	// Tables are the breakdowns in the page's order.
	Tables []CostTable
}

// CostTable is one breakdown of the period's calls.
type CostTable struct {
	// Part names it in download links and file names.
	Part  string
	Title string
	// Column is what the rows are, for the table's first header.
	Column string
	Rows   []CostRow
}

// CostRow is the calls sharing one key of a breakdown.
type CostRow struct {
	// Key is the value as stored ("" for none, or for the Other row);
	// Label is how people read it.
	Key   string
	Label string
	// Other marks the row gathering what the table does not list.
	Other bool
	callindex.Sums
}

// The breakdowns' parts, in the page's order.
const (
	PartDirection = "direction"
	PartCountry   = "country"
	PartPrefix    = "prefix"
	PartTrunk     = "trunk"
	PartCampaign  = "campaign"
	PartRegion    = "region"
	PartOutcome   = "outcome"
	PartNumbers   = "numbers"
)

// Parts lists every breakdown's part.
var Parts = []string{PartDirection, PartCountry, PartPrefix, PartTrunk, PartCampaign, PartRegion, PartOutcome, PartNumbers}

// TopPrefixes and TopNumbers are how many prefixes and numbers the
// breakdowns list before their Other row.
const (
	TopPrefixes = 20
	TopNumbers  = 20
)

// NoneLabel is the row of calls without a trunk, campaign or region.
const NoneLabel = "(none)"

// Table returns the breakdown named part, or nil.
func (c *Costs) Table(part string) *CostTable {
	for i := range c.Tables {
		if c.Tables[i].Part == part {
			return &c.Tables[i]
		}
	}
	return nil
}

// RatePerMinute is what a billed minute cost on average, in millionths:
// total cost over billed talk time. ok is false without billed time.
func RatePerMinute(s callindex.Sums) (micros int64, ok bool) {
	if s.Billsec <= 0 {
		return 0, false
	}
	// Rounded half up; the products stay far from overflow for any
	// real month (1e12 micros × 60).
	return (s.TotalMicros*60*2 + s.Billsec) / (2 * s.Billsec), true
}

// Costs computes the costs of the calls f selects (f.From and f.To
// required) from the call index: one Slots call for the totals,
// directions and outcomes, and one Groups call per stored dimension.
// ErrNeedsIndex without an index.
func (s *Service) Costs(ctx context.Context, f callindex.Filter) (*Costs, error) {
	if s.ix == nil {
		return nil, ErrNeedsIndex
	}
	if f.From.IsZero() || f.To.IsZero() {
		return nil, fmt.Errorf("costs: the window needs both ends")
	}
	f.Sort, f.Limit, f.Offset = callindex.Sort{}, 0, 0
	// One query after another. Measured at a million calls on SQLite
	// (BenchmarkCostsMonthSQLite), the five queries at once took about
	// twice as long as in sequence, and two lanes about 1.5 times: each
	// SQLite connection warms its own page cache, and the CPUs are few.
	slots, err := s.ix.Slots(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("costs: slots: %w", err)
	}
	groups := map[callindex.GroupBy][]callindex.Group{}
	for _, g := range []callindex.GroupBy{callindex.ByDestination, callindex.ByTrunk, callindex.ByCampaign, callindex.ByRegion} {
		rows, err := s.ix.Groups(ctx, f, g)
		if err != nil {
			return nil, fmt.Errorf("costs: %s: %w", g, err)
		}
		groups[g] = rows
	}
	currency, err := s.accountCurrency(ctx, f.From, f.To)
	if err != nil {
		return nil, fmt.Errorf("costs: currency: %w", err)
	}

	out := &Costs{From: f.From, To: f.To, Currency: currency}
	dests := classify(groups[callindex.ByDestination])
	byDir := map[string]*CostRow{}
	byOutcome := map[string]*CostRow{}
	for _, r := range slots {
		out.Total.Add(r.Sums)
		add(byDir, r.Direction, directionLabel(r.Direction), r.Sums)
		add(byOutcome, string(r.Outcome), r.Outcome.Label(), r.Sums)
	}
	out.Tables = []CostTable{
		{Part: PartDirection, Title: "By direction", Column: "Direction", Rows: sorted(byDir)},
		countryTable(dests),
		prefixTable(dests),
		groupTable(PartTrunk, "By trunk", "Trunk", groups[callindex.ByTrunk]),
		groupTable(PartCampaign, "By campaign", "Campaign", groups[callindex.ByCampaign]),
		groupTable(PartRegion, "By region", "Region", groups[callindex.ByRegion]),
		{Part: PartOutcome, Title: "By hangup outcome", Column: "Outcome", Rows: sorted(byOutcome)},
		numbersTable(groups[callindex.ByDestination]),
	}
	return out, nil
}

// accountCurrency is the newest indexed call's currency in [from, to):
// every call of an account is billed in the account's currency. It asks
// the window's last day first, since Query also sums the calls it
// selects, and the whole window only when that day had no call.
func (s *Service) accountCurrency(ctx context.Context, from, to time.Time) (string, error) {
	for _, start := range []time.Time{to.Add(-24 * time.Hour), from} {
		if start.Before(from) {
			start = from
		}
		p, err := s.ix.Query(ctx, callindex.Filter{From: start, To: to, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(p.Calls) > 0 {
			return string(p.Calls[0].CDR.Currency), nil
		}
	}
	return "", nil
}

func directionLabel(d string) string {
	switch d {
	case "inbound":
		return "Inbound"
	case "outbound":
		return "Outbound"
	case "":
		return NoneLabel
	}
	return d
}

func add(m map[string]*CostRow, key, label string, s callindex.Sums) {
	r := m[key]
	if r == nil {
		r = &CostRow{Key: key, Label: label}
		m[key] = r
	}
	r.Sums.Add(s)
}

// byCost orders rows by total cost, most expensive first, then by label,
// so a table is the same on every load; an Other row stays last.
func byCost(a, b CostRow) int {
	if a.Other != b.Other {
		if a.Other {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(b.TotalMicros, a.TotalMicros); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Calls, a.Calls); c != 0 {
		return c
	}
	return cmp.Compare(a.Label, b.Label)
}

func sorted(m map[string]*CostRow) []CostRow {
	rows := make([]CostRow, 0, len(m))
	for _, r := range m {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, byCost)
	return rows
}

// groupTable is a stored dimension as a table; calls without a value
// (NULL or empty, and case variants of one value the index keeps apart)
// keep their own rows, so the rows add up.
func groupTable(part, title, column string, gs []callindex.Group) CostTable {
	m := map[string]*CostRow{}
	for _, g := range gs {
		label := g.Key
		if label == "" {
			label = NoneLabel
		}
		add(m, g.Key, label, g.Sums)
	}
	return CostTable{Part: part, Title: title, Column: column, Rows: sorted(m)}
}

// destination is a destination number's calls with its class.
type destination struct {
	class phone.Class
	sums  callindex.Sums
}

// classify classifies every destination once, for the country and the
// prefix tables.
func classify(gs []callindex.Group) []destination {
	var cl phone.Classifier
	out := make([]destination, len(gs))
	for i, g := range gs {
		out[i] = destination{class: cl.Classify(g.Key), sums: g.Sums}
	}
	return out
}

// countryTable splits destinations by country and line type.
func countryTable(ds []destination) CostTable {
	m := map[string]*CostRow{}
	for _, d := range ds {
		label := d.class.Country + " · " + d.class.Type.Label()
		add(m, label, label, d.sums)
	}
	return CostTable{Part: PartCountry, Title: "By destination country and number type",
		Column: "Country · type", Rows: sorted(m)}
}

// prefixTable lists the TopPrefixes most expensive destination prefixes
// and gathers the rest, with destinations that are not numbers, in Other.
func prefixTable(ds []destination) CostTable {
	m := map[string]*CostRow{}
	var unknown callindex.Sums
	for _, d := range ds {
		if d.class.Prefix == "" {
			unknown.Add(d.sums)
			continue
		}
		add(m, d.class.Prefix, d.class.Prefix, d.sums)
	}
	rows := topN(sorted(m), TopPrefixes, "Other prefixes and non-numbers", unknown)
	return CostTable{Part: PartPrefix, Title: "By destination prefix", Column: "Prefix", Rows: rows}
}

// numbersTable is the TopNumbers destinations that cost most. Only the
// rows kept are formatted for reading: a month can reach 100,000
// numbers, and libphonenumber takes microseconds for each.
func numbersTable(gs []callindex.Group) CostTable {
	rows := make([]CostRow, 0, len(gs))
	for _, g := range gs {
		rows = append(rows, CostRow{Key: g.Key, Label: g.Key, Sums: g.Sums})
	}
	slices.SortFunc(rows, byCost)
	rows = topN(rows, TopNumbers, "All other numbers", callindex.Sums{})
	for i := range rows {
		switch {
		case rows[i].Other:
		case rows[i].Key == "":
			rows[i].Label = NoneLabel
		default:
			rows[i].Label = phone.Format(rows[i].Key)
		}
	}
	return CostTable{Part: PartNumbers, Title: "Top numbers by cost", Column: "Destination number", Rows: rows}
}

// topN keeps the first n rows and sums the rest, with extra, into one
// Other row (absent when it would be empty).
func topN(rows []CostRow, n int, otherLabel string, extra callindex.Sums) []CostRow {
	other := CostRow{Label: otherLabel, Other: true, Sums: extra}
	if len(rows) > n {
		for _, r := range rows[n:] {
			other.Sums.Add(r.Sums)
		}
		rows = rows[:n]
	}
	if other.Calls > 0 {
		rows = append(rows, other)
	}
	return rows
}
