package report

import (
	"cmp"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
)

// exportCSV is a small export in the column order a real one might use
// (the reader matches columns by name).
const exportCSV = "uuid,start_time,billsec,duration,hangup_cause,hangup_disposition,hangup_source,mos,jitter,packet_loss,currency\r\n" +
	// Mon 2 Nov 10:00 IST: answered, good audio.
	"u1,2026-11-02T04:30:00Z,60,65,NORMAL_CLEARING,send_bye,Caller,4.3,2,0.1,INR\r\n" +
	// Mon 2 Nov 10:15 IST: answered, poor audio.
	"u2,2026-11-02T04:45:00Z,30,33,NORMAL_CLEARING,recv_bye,Callee,3.0,5,0.2,INR\r\n" +
	// Tue 3 Nov 18:30 IST: no answer, no media.
	"u3,2026-11-03T13:00:00Z,0,30,NO_ANSWER,send_cancel,Callee,0,0,0,INR\r\n" +
	// Sun 8 Nov 20:00 UTC is Mon 9 Nov 01:30 IST: busy.
	"u4,2026-11-08T20:00:00Z,0,4,USER_BUSY,send_refuse,Callee,,,,INR\r\n" +
	// Wed 4 Nov 05:30 IST: no cause at all, the caller cancelled.
	"u5,2026-11-04T00:00:00Z,0,9,,send_cancel,Caller,,,,INR\r\n"

func ist(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestAggregate(t *testing.T) {
	b, err := Aggregate(context.Background(), strings.NewReader(exportCSV), AggregateOptions{Zone: ist(t)})
	if err != nil {
		t.Fatal(err)
	}
	if b.Rows != 5 || b.Truncated || b.Currency != "INR" {
		t.Fatalf("rows %d truncated %v currency %q", b.Rows, b.Truncated, b.Currency)
	}
	wantOutcomes := map[diagnosis.Outcome]int64{diagnosis.Answered: 2, diagnosis.NoAnswer: 1, diagnosis.Busy: 1, diagnosis.Cancelled: 1}
	for i, o := range diagnosis.Outcomes() {
		if b.Outcomes[i] != wantOutcomes[o] {
			t.Errorf("outcome %s: %d, want %d", o, b.Outcomes[i], wantOutcomes[o])
		}
	}
	wantCauses := map[string]int64{"NORMAL_CLEARING": 2, "NO_ANSWER": 1, "USER_BUSY": 1, NoCause: 1}
	if len(b.Causes) != len(wantCauses) {
		t.Errorf("causes %v", b.Causes)
	}
	for k, n := range wantCauses {
		if b.Causes[k] != n {
			t.Errorf("cause %s: %d, want %d", k, b.Causes[k], n)
		}
	}
	if got := b.CauseCounts(); got[0] != (Count{"NORMAL_CLEARING", 2}) {
		t.Errorf("cause order %v", got)
	}
	wantBands := map[diagnosis.Band]int64{diagnosis.BandGood: 1, diagnosis.BandPoor: 1, diagnosis.BandNoMedia: 3}
	for i, band := range Bands() {
		if b.Quality[i] != wantBands[band] {
			t.Errorf("band %s: %d, want %d", band, b.Quality[i], wantBands[band])
		}
	}
	for i, n := range b.MOS {
		want := int64(0)
		if MOSBucketLabel(i) == "4.25–4.50" || MOSBucketLabel(i) == "3.00–3.25" {
			want = 1
		}
		if n != want {
			t.Errorf("MOS bucket %s: %d, want %d", MOSBucketLabel(i), n, want)
		}
	}
	const mon, tue, wed = 0, 1, 2
	want := map[[2]int]int64{{mon, 10}: 2, {tue, 18}: 1, {mon, 1}: 1, {wed, 5}: 1}
	for d := range 7 {
		for h := range 24 {
			if b.HourWeekday[d][h] != want[[2]int{d, h}] {
				t.Errorf("%s %02d:00: %d, want %d", Weekdays[d], h, b.HourWeekday[d][h], want[[2]int{d, h}])
			}
		}
	}
	if !b.First.Equal(time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC)) || !b.Last.Equal(time.Date(2026, 11, 8, 20, 0, 0, 0, time.UTC)) {
		t.Errorf("first %v last %v", b.First, b.Last)
	}
}

func TestAggregateRowCap(t *testing.T) {
	for _, tc := range []struct {
		cap       int64
		rows      int64
		truncated bool
	}{{0, 5, false}, {3, 3, true}, {4, 4, true}, {5, 5, false}, {9, 5, false}} {
		b, err := Aggregate(context.Background(), strings.NewReader(exportCSV), AggregateOptions{RowCap: tc.cap})
		if err != nil {
			t.Fatal(err)
		}
		if b.Rows != tc.rows || b.Truncated != tc.truncated {
			t.Errorf("cap %d: rows %d truncated %v, want %d %v", tc.cap, b.Rows, b.Truncated, tc.rows, tc.truncated)
		}
	}
	// With the cap, First and Last say which part was counted.
	b, _ := Aggregate(context.Background(), strings.NewReader(exportCSV), AggregateOptions{RowCap: 2})
	if !b.Last.Equal(time.Date(2026, 11, 2, 4, 45, 0, 0, time.UTC)) {
		t.Errorf("counted part ends %v", b.Last)
	}
}

func TestAggregateErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Aggregate(ctx, strings.NewReader(exportCSV), AggregateOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := Aggregate(context.Background(), strings.NewReader("<html>bad gateway</html>\n"), AggregateOptions{}); err == nil {
		t.Error("an HTML page was counted as an export")
	}
	broken := exportCSV + "u6,not-a-time,1,1,,,,,,,INR\r\n"
	if _, err := Aggregate(context.Background(), strings.NewReader(broken), AggregateOptions{}); err == nil {
		t.Error("an unreadable row was skipped silently")
	}
	b, err := Aggregate(context.Background(), strings.NewReader(""), AggregateOptions{})
	if err != nil || b.Rows != 0 {
		t.Errorf("empty export: %v %v", b, err)
	}
}

func TestMergeBoundsCauses(t *testing.T) {
	a := &Breakdown{Causes: map[string]int64{}, Rows: MaxCauses}
	for i := range MaxCauses {
		a.addCause("CAUSE_"+strconv.Itoa(i), 1)
	}
	b := &Breakdown{Causes: map[string]int64{"CAUSE_0": 2, "NEW_ONE": 3}, Rows: 5, Truncated: true}
	m := merge(a, b)
	if len(m.Causes) != MaxCauses+1 || m.Causes[OtherCause] != 3 || m.Causes["CAUSE_0"] != 3 {
		t.Errorf("causes: %d names, other %d, CAUSE_0 %d", len(m.Causes), m.Causes[OtherCause], m.Causes["CAUSE_0"])
	}
	if m.Rows != MaxCauses+5 || !m.Truncated {
		t.Errorf("rows %d truncated %v", m.Rows, m.Truncated)
	}
	if a.Causes["CAUSE_0"] != 1 {
		t.Error("merge modified its input (a cached breakdown)")
	}
	if got := m.CauseCounts(); got[len(got)-1].Name != OtherCause {
		t.Errorf("other is not last: %v", got[len(got)-1])
	}
}

func TestTopCauses(t *testing.T) {
	var counts []Count
	for i := range 20 {
		counts = append(counts, Count{"C" + strconv.Itoa(i), int64(100 - i)})
	}
	top := TopCauses(counts)
	if len(top) != maxCauseBars || top[len(top)-1].Name != OtherCause {
		t.Fatalf("top: %v", top)
	}
	var sum, want int64
	for _, c := range top {
		sum += c.N
	}
	for _, c := range counts {
		want += c.N
	}
	if sum != want {
		t.Errorf("folding lost calls: %d of %d", sum, want)
	}
}

// TestAggregateMatchesFullDecode: the breakdown reads only some columns
// and uses the band-only quality check; on a realistic export it must
// count exactly what decoding every column and running the full
// diagnosis.Quality would.
func TestAggregateMatchesFullDecode(t *testing.T) {
	_, client := sandboxClient(t, 20_000, 0)
	zone := ist(t)
	th := diagnosis.Thresholds{MOSGood: 4.2, MOSFair: 3.6, JitterGoodMS: 8, JitterMaxMS: 25, LossGoodPct: 0.4, LossMaxPct: 0.9}
	f := vobiz.Filter{StartDate: "2026-08-01", EndDate: "2026-11-26"}
	body, err := client.Export(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Aggregate(context.Background(), body, AggregateOptions{Zone: zone, Thresholds: th})
	body.Close()
	if err != nil {
		t.Fatal(err)
	}

	body, err = client.Export(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	er, err := vobiz.NewExportReader(body)
	if err != nil {
		t.Fatal(err)
	}
	want := &Breakdown{Causes: map[string]int64{}}
	for {
		c, err := er.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want.Rows++
		want.Currency = cmp.Or(want.Currency, string(c.Currency))
		st := c.StartTime.Time
		if want.First.IsZero() || st.Before(want.First) {
			want.First = st
		}
		if st.After(want.Last) {
			want.Last = st
		}
		lt := st.In(zone)
		want.HourWeekday[(int(lt.Weekday())+6)%7][lt.Hour()]++
		want.Outcomes[slices.Index(diagnosis.Outcomes(), diagnosis.OutcomeOf(c))]++
		want.addCause(c.HangupCause.String, 1)
		q := diagnosis.Quality(c, th)
		want.Quality[slices.Index(Bands(), q.Overall)]++
		if q.MOS.Valid && q.MOS.Band != diagnosis.BandNoMedia && q.MOS.Band != diagnosis.BandUnknown {
			i := mosBucket(q.MOS.Value)
			want.MOS[i]++
			want.MOSMax[i] = max(want.MOSMax[i], q.MOS.Value)
		}
	}
	if want.Rows < 15_000 {
		t.Fatalf("only %d rows", want.Rows)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("breakdown differs from a full decode:\n got %+v\nwant %+v", got, want)
	}
}

// A MOS bucket's drill-down bounds (inclusive, as the calls list reads
// them) select exactly the calls the bucket counts, edges included: 3.50
// and 4.00 start a bucket, 3.74 ends one, 5.00 is in the last; finer data
// (3.7499) pushes the bound to the float below the edge.
func TestMOSBucketBounds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mos   []float64
		edges map[int]string // bucket → its max_mos
	}{
		{"hundredths", []float64{1, 1.24, 1.25, 2.5, 3.49, 3.5, 3.74, 3.75, 3.99, 4, 4.24, 4.99, 5, 0, 5.01, 0.5},
			map[int]string{0: "1.24", 10: "3.74", 11: "3.99", 12: "4.24", 15: "5.00"}},
		{"finer", []float64{3.5, 3.7499, 3.75, 4.00001, 4.2499999},
			map[int]string{10: "3.7499999999999996", 11: "3.99", 12: "4.249999999999999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Breakdown{Causes: map[string]int64{}}
			o := AggregateOptions{Zone: time.UTC, Thresholds: diagnosis.DefaultThresholds()}
			for _, v := range tc.mos {
				b.add(&vobiz.CDR{MOS: vobiz.NullFloat{Float64: v, Valid: true}}, &o)
			}
			for i := range MOSBuckets {
				lo, err1 := strconv.ParseFloat(MOSBucketMin(i), 64)
				hi, err2 := strconv.ParseFloat(MOSBucketMax(b, i), 64)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				var n int64
				for _, v := range tc.mos {
					if v >= lo && v <= hi {
						n++
					}
				}
				if n != b.MOS[i] {
					t.Errorf("bucket %d [%s, %s] selects %d values, counts %d", i, MOSBucketMin(i), MOSBucketMax(b, i), n, b.MOS[i])
				}
				if want, ok := tc.edges[i]; ok && MOSBucketMax(b, i) != want {
					t.Errorf("bucket %d: max_mos %s, want %s", i, MOSBucketMax(b, i), want)
				}
			}
			if b.MOS[mosBucket(3.5)] == 0 || mosBucket(3.5) != 10 || mosBucket(4) != 12 || mosBucket(5) != 15 {
				t.Errorf("edges: 3.50 in %d, 4.00 in %d, 5.00 in %d", mosBucket(3.5), mosBucket(4), mosBucket(5))
			}
		})
	}
}
