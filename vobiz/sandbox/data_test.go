package sandbox

import (
	"math"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/cdrdash/cdrdash/vobiz"
)

func TestDeterminism(t *testing.T) {
	a := New(Options{Calls: 5000, Now: testNow, Seed: 42})
	b := New(Options{Calls: 5000, Now: testNow, Seed: 42})
	if !reflect.DeepEqual(a.view.Load().calls, b.view.Load().calls) || !reflect.DeepEqual(a.parties, b.parties) {
		t.Fatal("same options gave different data")
	}
	for _, i := range []int{0, 1, 2500, 4999} {
		if !reflect.DeepEqual(a.Call(i), b.Call(i)) {
			t.Fatalf("Call(%d) differs", i)
		}
	}
	c := New(Options{Calls: 5000, Now: testNow, Seed: 43})
	if reflect.DeepEqual(a.view.Load().calls, c.view.Load().calls) || a.Call(0).UUID == c.Call(0).UUID {
		t.Fatal("different seeds gave the same data")
	}
}

func TestDefaults(t *testing.T) {
	s := New(Options{Calls: 10, Now: testNow})
	o := s.Options()
	if o.Seed != 1 || o.Days != 90 || o.AuthID != "MA_SANDBOX" || o.AuthToken != "sandbox-token" || o.Location == nil {
		t.Fatalf("defaults %+v", o)
	}
	if s.AuthID() != "MA_SANDBOX" || s.AuthToken() != "sandbox-token" || s.Len() != 10 || !s.Now().Equal(testNow) {
		t.Fatal("accessors disagree with options")
	}
	if !reflect.DeepEqual(s.Call(-1), vobiz.CDR{}) || !reflect.DeepEqual(s.Call(10), vobiz.CDR{}) {
		t.Fatal("out-of-range Call is not the zero CDR")
	}
	if empty := New(Options{Calls: -1, Now: testNow}); empty.Len() != 0 {
		t.Fatal("negative Calls should give an empty data set")
	}
}

func TestCompactStorage(t *testing.T) {
	if size := unsafe.Sizeof(call{}); size > 40 {
		t.Fatalf("call is %d bytes; keep it compact (1M calls must fit the demo's memory budget)", size)
	}
}

var (
	mobileRE  = regexp.MustCompile(`^\+91[6-9]\d{9}$`)
	uuidV4RE  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	ipRE      = regexp.MustCompile(`^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$`)
	validDisp = []string{"send_bye", "recv_bye", "send_cancel", "send_refuse"}
	validSrc  = []string{"Caller", "Callee", "Vobiz", "Carrier", "API Request", "Answer XML", "Error", "Unknown"}
)

// TestInvariants checks every call of the shared data set for internal
// consistency and for the contract's shapes.
func TestInvariants(t *testing.T) {
	s := sharedServer()
	all := sharedCDRs()
	seenUUID := make(map[vobiz.Text]bool, len(all))
	causes := map[string]int{}
	var answered, outbound, poor, sipDests int
	for i := range all {
		c := &all[i]
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("call %d (%s): "+format, append([]any{i, c.UUID}, args...)...)
		}
		if i > 0 {
			prev := &all[i-1]
			if c.StartTime.After(prev.StartTime.Time) || c.ID >= prev.ID {
				fail("not newest first")
			}
		}
		if seenUUID[c.UUID] {
			fail("duplicate uuid")
		}
		seenUUID[c.UUID] = true
		if !uuidV4RE.MatchString(string(c.UUID)) || !uuidV4RE.MatchString(string(c.SIPCallID)) {
			fail("identifiers are not v4-shaped")
		}
		if c.Duration != c.RingTime+c.Billsec || c.Billsec < 0 || c.RingTime < 0 || c.RingTime > 60 || c.Billsec > 3600 {
			fail("duration %d ring %d billsec %d", c.Duration, c.RingTime, c.Billsec)
		}
		if !c.EndTime.Equal(c.StartTime.Add(c.DurationTime())) || !c.EndTime.Before(testNow) ||
			c.CreatedAt.Before(c.EndTime.Time) || c.UpdatedAt.Before(c.CreatedAt.Time) || c.CreatedAt.After(testNow) {
			fail("times start %v end %v created %v updated %v", c.StartTime, c.EndTime, c.CreatedAt, c.UpdatedAt)
		}
		if c.StartTime.Before(testNow.AddDate(0, 0, -90)) {
			fail("starts before the window")
		}
		isAnswered := c.Billsec > 0
		if isAnswered != !c.AnswerTime.IsZero() || isAnswered != c.BridgeUUID.Valid || isAnswered != c.Codec.Valid {
			fail("answered=%v but answer_time/bridge/codec disagree", isAnswered)
		}
		if isAnswered {
			answered++
			if !c.AnswerTime.Equal(c.StartTime.Add(time.Duration(c.RingTime) * time.Second)) {
				fail("answer_time is not start + ring_time")
			}
			if !uuidV4RE.MatchString(c.BridgeUUID.String) {
				fail("bridge uuid")
			}
			// A media timeout whose audio never arrived has no figures.
			noMedia := c.HangupCause.String == "MEDIA_TIMEOUT" && c.MOS.Float64 == 0 && c.Jitter.Float64 == 0 && c.PacketLoss.Float64 == 0
			if !noMedia && (c.MOS.Float64 < 1 || c.MOS.Float64 > 5) || c.Cost <= 0 {
				fail("answered call mos %v cost %v", c.MOS.Float64, c.Cost)
			}
			if !noMedia && c.MOS.Float64 < 3.5 {
				poor++
			}
		} else if c.MOS.Float64 != 0 || c.Jitter.Float64 != 0 || c.PacketLoss.Float64 != 0 || c.Cost != 0 || c.StreamingCost != 0 {
			fail("unanswered call has media or cost")
		}
		if !c.ProgressTime.IsZero() && (c.ProgressTime.Before(c.StartTime.Time) ||
			(isAnswered && c.ProgressTime.After(c.AnswerTime.Time))) {
			fail("progress_time out of order")
		}
		if math.Abs(float64(c.TotalCost)-float64(c.Cost)-float64(c.StreamingCost)) > 1e-9 || c.Currency != "INR" {
			fail("total_cost %v != %v + %v", c.TotalCost, c.Cost, c.StreamingCost)
		}
		if c.CallDirection == "outbound" {
			outbound++
			switch dest := string(c.DestinationNumber); {
			case slices.Contains(sipEndpoints, dest):
				sipDests++
				if c.Context != "voice-api" {
					fail("SIP endpoint %s dialled over %s", dest, c.Context)
				}
			case !mobileRE.MatchString(dest):
				fail("destination %s", c.DestinationNumber)
			}
		} else if !mobileRE.MatchString(string(c.CallerIDNumber)) {
			fail("caller %s", c.CallerIDNumber)
		}
		cause := c.HangupCause.String
		causes[cause]++
		if (cause == "NORMAL_CLEARING") == c.FailureCode.Valid || c.FailureCode.Valid != c.FailureReason.Valid {
			fail("failure fields %v/%v with cause %s", c.FailureCode, c.FailureReason, cause)
		}
		if cause == "NO_ANSWER" && c.HangupCauseCode.Int64 != 3000 && c.HangupCauseCode.Int64 != 6010 {
			fail("NO_ANSWER with code %d", c.HangupCauseCode.Int64)
		}
		if cause == "NORMAL_CLEARING" && !isAnswered {
			fail("NORMAL_CLEARING on an unanswered call")
		}
		if !slices.Contains(validDisp, c.HangupDisposition.String) || !slices.Contains(validSrc, c.HangupSource.String) {
			fail("disposition %q source %q", c.HangupDisposition.String, c.HangupSource.String)
		}
		if (c.Context == "sip-trunking") != c.TrunkID.Valid || (c.CampaignID.Valid && c.CallDirection != "outbound") {
			fail("context %s trunk %v campaign %v", c.Context, c.TrunkID, c.CampaignID)
		}
		if !ipRE.MatchString(c.NetworkAddr.String) || (c.CarrierIP.Valid && !ipRE.MatchString(c.CarrierIP.String)) {
			fail("addresses %v %v", c.NetworkAddr, c.CarrierIP)
		}
		if c.AccountID != "MA_SANDBOX" || c.SIPUserAgent.String != "Vobiz" || c.Region == "" || c.OriginationRegion == "" {
			fail("constant fields")
		}
		if got, ok := s.Index(string(c.UUID)); !ok || got != i {
			fail("uuid does not decode to its index (%d, %v)", got, ok)
		}
	}
	if sipDests == 0 {
		t.Error("no call dials a SIP endpoint")
	}
	for _, cause := range HangupCauses() {
		if causes[cause] == 0 {
			t.Errorf("cause %s never occurs", cause)
		}
	}
	n := float64(len(all))
	share := func(k int) float64 { return float64(k) / n }
	checks := []struct {
		name     string
		got      float64
		min, max float64
	}{
		{"NORMAL_CLEARING", share(causes["NORMAL_CLEARING"]), 0.62, 0.72},
		{"NO_ANSWER", share(causes["NO_ANSWER"]), 0.09, 0.15},
		{"USER_BUSY", share(causes["USER_BUSY"]), 0.04, 0.08},
		{"ORIGINATOR_CANCEL", share(causes["ORIGINATOR_CANCEL"]), 0.05, 0.09},
		{"outbound", share(outbound), 0.50, 0.60},
		{"answered", share(answered), 0.62, 0.72},
		{"poor MOS among answered", float64(poor) / float64(answered), 0.03, 0.09},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s share %.3f outside [%.2f, %.2f]", c.name, c.got, c.min, c.max)
		}
	}
	if age := testNow.Sub(all[0].EndTime.Time); age > time.Hour {
		t.Errorf("newest call ended %v before Now", age)
	}
}

// TestBusinessHours checks the traffic shape: weekday office hours in IST
// are much busier than nights and Sundays.
func TestBusinessHours(t *testing.T) {
	s := sharedServer()
	var office, night, weekday, sunday int
	v := s.current()
	for i := range v.len() {
		lt := time.Unix(s.startUnix(v, i), 0).In(s.loc)
		h := lt.Hour()
		switch {
		case h >= 10 && h < 19:
			office++
		case h < 6:
			night++
		}
		switch lt.Weekday() {
		case time.Sunday:
			sunday++
		case time.Wednesday:
			weekday++
		}
	}
	if office < 10*night || weekday < 2*sunday {
		t.Fatalf("office %d night %d wednesday %d sunday %d", office, night, weekday, sunday)
	}
}

func TestIdentifierCodec(t *testing.T) {
	for _, x := range []uint64{0, 1, 42, 1 << 63, math.MaxUint64, 0xdeadbeefcafebabe} {
		if unmix64(mix64(x)) != x {
			t.Fatalf("unmix64(mix64(%x)) != %x", x, x)
		}
	}
	k := newIDKeys(5, kindUUID)
	var buf [uuidLen]byte
	for _, id := range []int64{0, 1, 18_000_001, 1 << 40} {
		k.encode(&buf, id)
		got, ok := k.decode(string(buf[:]))
		if !ok || got != id {
			t.Fatalf("decode(encode(%d)) = %d, %v", id, got, ok)
		}
		if _, ok := newIDKeys(5, kindSIPCallID).decode(string(buf[:])); ok {
			t.Fatal("a uuid decodes as a sip_call_id")
		}
	}
	for _, bad := range []string{"", "x", "00000000-0000-4000-8000-000000000000", string(buf[:35]) + "g", string(buf[:8]) + "x" + string(buf[9:])} {
		if _, ok := k.decode(bad); ok {
			t.Fatalf("decoded %q", bad)
		}
	}
}

// TestMillionCalls checks the data set at the largest size people run it
// with. How fast it is generated is BenchmarkGenerate100k's business, not a
// test's: a wall-clock limit here failed under -race on a busy machine.
func TestMillionCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 1M calls")
	}
	s := New(Options{Calls: 1_000_000, Now: testNow})
	if s.Len() != 1_000_000 {
		t.Fatal(s.Len())
	}
	last := s.Call(s.Len() - 1)
	if last.ID != 18_000_001 || last.StartTime.Before(testNow.AddDate(0, 0, -90)) {
		t.Fatalf("oldest call %d at %v", last.ID, last.StartTime)
	}
}

func TestAppendUnix(t *testing.T) {
	r := newRNG(1, 99)
	cases := []int64{0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 4102444800, -62135596800, 253402300799}
	for range 20000 {
		cases = append(cases, int64(r.next()%(1<<36))-(1<<35))
	}
	for _, sec := range cases {
		want := time.Unix(sec, 0).UTC().Format(timeLayout)
		if got := string(appendUnix(nil, sec)); got != want {
			t.Fatalf("appendUnix(%d) = %s, want %s", sec, got, want)
		}
	}
}
