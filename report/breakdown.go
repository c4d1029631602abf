package report

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
)

// Breakdown dimensions. The summary block carries none of these, so they
// are counted row by row from the CSV export.
const (
	// MOSBuckets splits the MOS scale 1.0–5.0 into steps of MOSStep. A
	// quarter point lines up with the default band edges (3.5 and 4.0) and
	// with most custom ones.
	MOSBuckets = 16
	MOSStep    = 0.25
	mosMin     = 1.0
	mosMax     = 5.0

	// MaxCauses bounds the distinct hangup causes kept by name; further
	// names are counted under OtherCause. Vobiz documents 17 textual causes,
	// so the bound only matters if the export is not what it should be, and
	// it keeps the aggregate's size independent of the rows read.
	MaxCauses = 64
	// maxCauseLen: a longer value is not a cause name.
	maxCauseLen = 64
	// OtherCause and NoCause label the two buckets that are not a real
	// hangup_cause value.
	OtherCause = "(other)"
	NoCause    = "(none)"
)

// Bands lists the quality bands in display order; Breakdown.Quality is
// indexed the same way.
func Bands() []diagnosis.Band {
	return []diagnosis.Band{diagnosis.BandGood, diagnosis.BandFair, diagnosis.BandPoor,
		diagnosis.BandNoMedia, diagnosis.BandUnknown}
}

// Breakdown is what the rows of an export add up to. Its size does not
// depend on the number of rows read.
type Breakdown struct {
	// Rows is the number of rows counted.
	Rows int64
	// Truncated reports that the export held more rows than the cap, so
	// only the first Rows were counted.
	Truncated bool
	// First and Last are the earliest and latest start_time among the
	// counted rows (zero when none had one): the part of the range that
	// was counted when Truncated.
	First, Last time.Time
	// Outcomes is indexed like diagnosis.Outcomes().
	Outcomes [5]int64
	// Causes counts the textual hangup_cause; NoCause for an empty one.
	Causes map[string]int64
	// Quality is indexed like Bands().
	Quality [5]int64
	// MOS counts calls with a MOS on the 1–5 scale, bucket i holding
	// [1 + i·MOSStep, 1 + (i+1)·MOSStep), the last one including 5.0.
	// Calls without media (MOS 0 or null) are not in it.
	MOS [MOSBuckets]int64
	// MOSMax is the largest MOS counted in each bucket (0 when empty): a
	// drill-down's inclusive max_mos must reach it (MOSBucketMax).
	MOSMax [MOSBuckets]float64
	// HourWeekday counts calls by the start's weekday (Monday first) and
	// hour in the viewer's time zone.
	HourWeekday [7][24]int64
	// Currency is the first currency seen (the summary block has none).
	Currency string
}

// AggregateOptions say how rows are counted.
type AggregateOptions struct {
	Zone       *time.Location // for HourWeekday; UTC when nil
	Thresholds diagnosis.Thresholds
	// RowCap stops reading after this many rows; 0 means no cap.
	RowCap int64
}

// Aggregate reads an export body to its end (or to the row cap), one row
// at a time, in constant memory. It stops early when ctx is done. Any
// read or decode error ends it: a breakdown built on a partly unreadable
// export would be wrong without saying so.
func Aggregate(ctx context.Context, r io.Reader, o AggregateOptions) (*Breakdown, error) {
	if o.Zone == nil {
		o.Zone = time.UTC
	}
	if o.Thresholds == (diagnosis.Thresholds{}) {
		o.Thresholds = diagnosis.DefaultThresholds()
	}
	rows, err := newRowReader(r)
	if err != nil {
		return nil, err
	}
	b := &Breakdown{Causes: map[string]int64{}}
	for {
		// The body read fails on its own once an HTTP request's context
		// ends; checking here too covers any other reader.
		if b.Rows%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c, err := rows.next()
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		if o.RowCap > 0 && b.Rows >= o.RowCap {
			// One row past the cap proves there are more; the caller
			// closes the body, which stops the upstream stream.
			b.Truncated = true
			return b, nil
		}
		b.add(c, &o)
	}
}

// breakdownColumns are the CDR fields a breakdown reads: those
// diagnosis.OutcomeOf and diagnosis.OverallBand look at, the start time
// and the currency. Decoding these 11 of the 43 columns, rather than
// every one, makes reading a row several times cheaper (six timestamps
// and a dozen strings are skipped). TestAggregateMatchesFullDecode
// compares the result with a full decode and diagnosis.Quality on sandbox
// data, so a field diagnosis starts to depend on shows up there.
var breakdownColumns = map[string]bool{
	"start_time": true, "billsec": true, "currency": true,
	"hangup_cause": true, "hangup_cause_code": true, "hangup_disposition": true, "hangup_source": true,
	"failure_reason": true, "mos": true, "jitter": true, "packet_loss": true,
}

// rowReader is vobiz.ExportReader restricted to breakdownColumns: the same
// header matching (by name, case and BOM tolerant) and cell decoding
// (vobiz.CSVDecoder), with the other columns left unread.
type rowReader struct {
	cr  *csv.Reader
	dec *vobiz.CSVDecoder // nil for an empty body
	rec vobiz.CDR
}

func newRowReader(r io.Reader) (*rowReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3) // a BOM would break a quoted first header cell
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &rowReader{cr: cr}, nil // the docs allow an empty body
	}
	if err != nil {
		return nil, fmt.Errorf("report: export header: %w", err)
	}
	masked := make([]string, len(header))
	for i, h := range header {
		if name := strings.ToLower(strings.TrimSpace(h)); breakdownColumns[name] {
			masked[i] = name
		}
	}
	dec, err := vobiz.NewCSVDecoder(masked)
	if err != nil {
		return nil, err // not a CDR export (an HTML error page, say)
	}
	return &rowReader{cr: cr, dec: dec}, nil
}

// next returns the next row, valid until the following call, or io.EOF.
func (r *rowReader) next() (*vobiz.CDR, error) {
	if r.dec == nil {
		return nil, io.EOF
	}
	rec, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("report: export: %w", err)
	}
	if err := r.dec.Decode(rec, &r.rec); err != nil {
		line, _ := r.cr.FieldPos(0)
		return nil, fmt.Errorf("report: export line %d: %w", line, err)
	}
	return &r.rec, nil
}

func (b *Breakdown) add(c *vobiz.CDR, o *AggregateOptions) {
	b.Rows++
	if b.Currency == "" && c.Currency != "" {
		b.Currency = string(c.Currency)
	}
	if t := c.StartTime.Time; !t.IsZero() {
		if b.First.IsZero() || t.Before(b.First) {
			b.First = t
		}
		if t.After(b.Last) {
			b.Last = t
		}
		lt := t.In(o.Zone)
		b.HourWeekday[(int(lt.Weekday())+6)%7][lt.Hour()]++
	}
	b.Outcomes[outcomeIndex(diagnosis.OutcomeOf(c))]++
	b.addCause(c.HangupCause.String, 1)
	// OverallBand is Quality(c, t).Overall without building the report's
	// text, which would cost more than reading the row.
	b.Quality[bandIndex(diagnosis.OverallBand(c, o.Thresholds))]++
	// The histogram takes every MOS on the 1–5 scale (Quality's rule for
	// a usable MOS): 0 or null is no media, and NaN fails both tests.
	if m := c.MOS; m.Valid && m.Float64 >= mosMin && m.Float64 <= mosMax {
		i := mosBucket(m.Float64)
		b.MOS[i]++
		b.MOSMax[i] = max(b.MOSMax[i], m.Float64)
	}
}

func (b *Breakdown) addCause(name string, n int64) {
	switch {
	case name == "":
		name = NoCause
	case len(name) > maxCauseLen:
		name = OtherCause
	}
	if _, ok := b.Causes[name]; !ok && len(b.Causes) >= MaxCauses {
		name = OtherCause
	}
	b.Causes[name] += n
}

func outcomeIndex(o diagnosis.Outcome) int {
	if i := slices.Index(diagnosis.Outcomes(), o); i >= 0 {
		return i
	}
	return len(diagnosis.Outcomes()) - 1 // Failed, as OutcomeOf's fallback
}

func bandIndex(band diagnosis.Band) int {
	if i := slices.Index(Bands(), band); i >= 0 {
		return i
	}
	return len(Bands()) - 1 // unknown
}

func mosBucket(v float64) int {
	i := int(math.Floor((v - mosMin) / MOSStep))
	return min(max(i, 0), MOSBuckets-1)
}

// MOSBucketRange returns the MOS range of bucket i.
func MOSBucketRange(i int) (lo, hi float64) {
	return mosMin + float64(i)*MOSStep, mosMin + float64(i+1)*MOSStep
}

// MOSBucketMax is the inclusive upper bound that selects exactly bucket i
// of b, for a filter whose bounds are inclusive (the calls list's
// max_mos): the edge itself for the last bucket (which holds 5.0); else
// the edge less 0.01, as written in the link, when every MOS counted in
// the bucket is at or below it (Vobiz and the sandbox give MOS in
// hundredths: 3.74 is the largest value below 3.75); else, for finer
// data, the largest float64 below the edge. A MOS exactly on an edge
// (3.50, 4.00) is in the bucket above it, as mosBucket counts it.
func MOSBucketMax(b *Breakdown, i int) string {
	_, hi := MOSBucketRange(i)
	if i == MOSBuckets-1 {
		return strconv.FormatFloat(hi, 'f', 2, 64)
	}
	s := strconv.FormatFloat(hi-0.01, 'f', 2, 64)
	if v, err := strconv.ParseFloat(s, 64); err == nil && b.MOSMax[i] <= v {
		return s
	}
	return strconv.FormatFloat(math.Nextafter(hi, math.Inf(-1)), 'g', -1, 64)
}

// MOSBucketMin is the inclusive lower bound of bucket i, as links write it.
func MOSBucketMin(i int) string {
	lo, _ := MOSBucketRange(i)
	return strconv.FormatFloat(lo, 'f', 2, 64)
}

// merge returns a new breakdown holding a and b (either may be nil).
func merge(a, b *Breakdown) *Breakdown {
	out := &Breakdown{Causes: map[string]int64{}}
	for _, x := range []*Breakdown{a, b} {
		if x == nil {
			continue
		}
		out.Rows += x.Rows
		out.Truncated = out.Truncated || x.Truncated
		if !x.First.IsZero() && (out.First.IsZero() || x.First.Before(out.First)) {
			out.First = x.First
		}
		if x.Last.After(out.Last) {
			out.Last = x.Last
		}
		for i := range out.Outcomes {
			out.Outcomes[i] += x.Outcomes[i]
		}
		for i := range out.Quality {
			out.Quality[i] += x.Quality[i]
		}
		for i := range out.MOS {
			out.MOS[i] += x.MOS[i]
			out.MOSMax[i] = max(out.MOSMax[i], x.MOSMax[i])
		}
		for d := range out.HourWeekday {
			for h := range out.HourWeekday[d] {
				out.HourWeekday[d][h] += x.HourWeekday[d][h]
			}
		}
		// Sorted so that which names overflow into OtherCause does not
		// depend on map order.
		for _, name := range slices.Sorted(maps.Keys(x.Causes)) {
			out.addCause(name, x.Causes[name])
		}
		if out.Currency == "" {
			out.Currency = x.Currency
		}
	}
	return out
}

// Count is one named count.
type Count struct {
	Name string
	N    int64
}

// CauseCounts returns the causes, most frequent first (ties by name), with
// OtherCause last.
func (b *Breakdown) CauseCounts() []Count {
	out := make([]Count, 0, len(b.Causes))
	var other int64
	for name, n := range b.Causes {
		if name == OtherCause {
			other = n
			continue
		}
		out = append(out, Count{name, n})
	}
	slices.SortFunc(out, func(x, y Count) int {
		if c := cmp.Compare(y.N, x.N); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	})
	if other > 0 {
		out = append(out, Count{OtherCause, other})
	}
	return out
}
