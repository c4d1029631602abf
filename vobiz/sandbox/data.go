package sandbox

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// call is one generated call, stored compactly: 36 bytes, so a million calls
// fit in ~36 MB. Strings are indices into the server's tables, times are
// seconds from the data set's epoch, money is in ten-thousandths of a rupee
// and quality figures in hundredths. Identifiers are derived (ids.go). The
// order of fields keeps the struct free of padding.
type call struct {
	start   uint32 // seconds since Server.epoch
	cost    uint32 // ten-thousandths of INR
	stream  uint32 // streaming_cost, ten-thousandths of INR
	billsec uint16
	caller  uint16 // index into Server.parties
	dest    uint16 // index into Server.parties
	mos     uint16 // hundredths; 0 when no media
	jitter  uint16 // hundredths of a millisecond
	loss    uint16 // hundredths of a percent
	ring    uint8
	pdd     uint8 // post-dial delay in seconds; pddNull means progress_time is null
	outcome uint8 // index into outcomes
	flags   uint8 // flagOutbound | flagSIPTrunking | flagSecondaryRegion
	codec   uint8 // index into codecs; 0 = null
	orig    uint8 // index into originationRegions
	extra   uint8 // campaign (outbound voice-api), trunk (sip-trunking), 1-based; 0 = null
	sipEnd  uint8 // customer endpoint (inbound) / termination (outbound), 1-based; 0 = null
	delays  uint8 // low nibble: created_at - end_time; high nibble: updated_at - created_at
	_       uint8
}

const (
	flagOutbound = 1 << iota
	flagSIPTrunking
	flagSecondaryRegion
)

const pddNull = 0xff

func (c *call) outbound() bool    { return c.flags&flagOutbound != 0 }
func (c *call) sipTrunking() bool { return c.flags&flagSIPTrunking != 0 }
func (c *call) answered() bool    { return c.billsec > 0 }
func (c *call) duration() int     { return int(c.ring) + int(c.billsec) }
func (c *call) totalCost() int64  { return int64(c.cost) + int64(c.stream) }

// campaignIndex returns 0 for none, else a 1-based index into campaignIDs.
func (c *call) campaignIndex() int {
	if c.outbound() && !c.sipTrunking() {
		return int(c.extra)
	}
	return 0
}

// trunkIndex returns 0 for none, else a 1-based index into trunkIDs.
func (c *call) trunkIndex() int {
	if c.sipTrunking() {
		return int(c.extra)
	}
	return 0
}

// party is a telephone number with the name shown for it.
type party struct {
	number    string
	name      string
	nameLower string // for case-insensitive search
}

// Pool sizes. A few thousand customers with a skewed popularity gives the
// dashboard repeat callers to drill into; a few dozen company numbers play
// the account's DIDs.
const (
	numCustomers = 4000
	numCompany   = 36
)

// Generation constants.
const (
	// windowEndGap keeps every call's start this far before Now.
	windowEndGap = 2 * time.Minute
	// endGap keeps every call's end (and so its created_at, at most 15 s
	// later) at least this far before Now: a CDR appears only after the call.
	endGap = 20 * time.Second
	// slotLen is the granularity of the traffic profile.
	slotLen = 15 * time.Minute
)

// generate fills s.parties and returns the data set's calls, oldest first.
// It is deterministic in (Seed, Now, Calls, Days, Location).
func (s *Server) generate() []call {
	s.parties = makeParties(s.opts.Seed)
	n := s.opts.Calls
	if n == 0 {
		return nil
	}
	starts := s.startTimes(n)
	calls := make([]call, n)
	r := newRNG(s.opts.Seed, 2)
	endLimit := s.now.Add(-endGap).Unix() - s.epoch
	for i, st := range starts {
		s.fillCall(&calls[i], r, st, endLimit)
	}
	return calls
}

// startTimes draws n start times (as seconds since s.epoch), ascending. The
// window is split into 15-minute slots weighted by a business-hours profile
// in the configured zone and a gentle growth trend; the newest call is
// pinned to just before the window's end so "today" always has traffic.
func (s *Server) startTimes(n int) []uint32 {
	windowStart := s.now.Add(-time.Duration(s.opts.Days) * 24 * time.Hour)
	windowEnd := s.now.Add(-windowEndGap)
	slots := int(windowEnd.Sub(windowStart) / slotLen)
	if slots < 1 {
		slots = 1
	}
	cum := make([]float64, slots)
	total := 0.0
	for k := range slots {
		t := windowStart.Add(time.Duration(k) * slotLen)
		trend := 0.85 + 0.3*float64(k)/float64(slots)
		total += trafficWeight(t.In(s.loc)) * trend
		cum[k] = total
	}
	base := uint32(windowStart.Unix() - s.epoch)
	last := uint32(windowEnd.Unix() - s.epoch)
	r := newRNG(s.opts.Seed, 1)
	out := make([]uint32, n)
	for i := range out {
		k := sort.SearchFloat64s(cum, r.float()*total)
		if k >= slots {
			k = slots - 1
		}
		st := base + uint32(k)*uint32(slotLen/time.Second) + uint32(r.intn(int(slotLen/time.Second)))
		out[i] = min(st, last)
	}
	slices.Sort(out)
	out[n-1] = last - uint32(r.intn(60))
	if n > 1 && out[n-1] < out[n-2] {
		out[n-1] = out[n-2]
	}
	return out
}

// trafficWeight is the relative call volume at local time t: weekdays
// 10:00-19:00 are busiest, with a lunch dip, quiet nights, and lighter
// Saturdays and Sundays.
func trafficWeight(t time.Time) float64 {
	hourly := [24]float64{
		0.04, 0.03, 0.02, 0.02, 0.02, 0.03, 0.06, 0.15, // 00-07
		0.35, 0.65, 1.0, 1.0, 0.95, 0.8, 0.9, 1.0, // 08-15
		1.0, 0.95, 0.85, 0.6, 0.35, 0.22, 0.12, 0.07, // 16-23
	}
	w := hourly[t.Hour()]
	switch t.Weekday() {
	case time.Saturday:
		w *= 0.45
	case time.Sunday:
		w *= 0.25
	}
	return w
}

// fillCall draws every attribute of one call that starts at st. The call
// ends by endLimit (seconds since the epoch) when endLimit >= 0.
func (s *Server) fillCall(c *call, r *rng, st uint32, endLimit int64) {
	c.start = st
	outbound := r.chance(0.55)
	if outbound {
		c.flags |= flagOutbound
	}
	if r.chance(0.3) {
		c.flags |= flagSIPTrunking
	}
	if r.chance(0.05) {
		c.flags |= flagSecondaryRegion
	}
	c.orig = uint8(pickRegion(r))

	customer := uint16(numCompany + int(float64(numCustomers)*math.Pow(r.float(), 2.2)))
	company := uint16(r.intn(numCompany))
	if outbound {
		c.caller, c.dest = company, customer
	} else {
		c.caller, c.dest = customer, company
	}
	if outbound && !c.sipTrunking() && st%sipDialEvery == 0 {
		// An app dialling an agent's SIP endpoint: destination_number is a
		// SIP URI. Chosen from the start time, not the random stream, so
		// the rest of the data set is the same with or without it.
		c.dest = uint16(numCompany + numCustomers + int(st/sipDialEvery)%len(sipEndpoints))
	}

	oi := s.pickOutcome(r, outbound)
	c.outcome = uint8(oi)
	o := &outcomes[oi]

	c.ring = uint8(r.between(o.ringMin, o.ringMax))
	if o.progress {
		c.pdd = uint8(min(r.between(0, 3), int(c.ring)))
	} else {
		c.pdd = pddNull
	}
	if o.answered {
		c.billsec = uint16(talkTime(r, o))
	}
	// Keep the end of the newest calls before Now.
	if limit := endLimit - int64(st); endLimit >= 0 && int64(c.duration()) > limit {
		if o.answered {
			c.billsec = uint16(max(1, limit-int64(c.ring)))
		} else {
			c.ring = uint8(max(0, min(int64(c.ring), limit)))
		}
	}

	switch {
	case c.sipTrunking():
		c.extra = uint8(1 + r.intn(len(trunkIDs)))
		if outbound {
			c.sipEnd = uint8(1 + r.intn(len(terminations)))
		} else {
			c.sipEnd = uint8(1 + r.intn(len(customerEndpoints)))
		}
	case outbound && r.chance(0.35):
		c.extra = uint8(1 + r.intn(len(campaignIDs)))
	}

	if o.answered {
		c.codec = uint8(pickCodec(r))
		c.mos, c.jitter, c.loss = quality(r, o.poorQoS)
		if o.noMedia {
			c.mos, c.jitter, c.loss = 0, 0, 0
		}
		rate := ratePerMinute(c)
		minutes := (int64(c.billsec) + 59) / 60
		c.cost = uint32(minutes * rate)
		if !c.sipTrunking() && r.chance(0.04) {
			c.stream = uint32(minutes * 3000) // 0.30 INR/min media streaming
		}
	}
	c.delays = uint8(r.between(1, 5)) | uint8(r.between(0, 2))<<4
}

// pickOutcome draws an outcome index using the direction's shares.
func (s *Server) pickOutcome(r *rng, outbound bool) int {
	cum := s.inCum
	if outbound {
		cum = s.outCum
	}
	x := r.float() * cum[len(cum)-1]
	// The first entry whose cumulative share exceeds x; zero-share outcomes
	// repeat their predecessor's value and so are never chosen.
	k := sort.Search(len(cum), func(k int) bool { return cum[k] > x })
	return min(k, len(cum)-1)
}

func shareOf(k int, outbound bool) float64 {
	if outbound {
		return outcomes[k].outbound
	}
	return outcomes[k].inbound
}

func outcomeCum(outbound bool) []float64 {
	cum := make([]float64, len(outcomes))
	t := 0.0
	for k := range outcomes {
		t += shareOf(k, outbound)
		cum[k] = t
	}
	return cum
}

// talkTime draws billsec for an answered outcome: log-normal around a 90 s
// median with a tail to one hour, plus a few 1-5 s calls.
func talkTime(r *rng, o *outcome) int {
	if o.talkMax > 0 {
		return r.between(o.talkMin, o.talkMax)
	}
	if r.chance(0.06) {
		return r.between(1, 5)
	}
	v := math.Exp(math.Log(90) + 1.05*r.norm())
	return int(max(1, min(3600, math.Round(v))))
}

func pickRegion(r *rng) int {
	total := 0.0
	for _, o := range originationRegions {
		total += o.weight
	}
	x := r.float() * total
	for i, o := range originationRegions {
		if x < o.weight {
			return i
		}
		x -= o.weight
	}
	return 0
}

func pickCodec(r *rng) int {
	switch x := r.float(); {
	case x < 0.5:
		return 1 // PCMU
	case x < 0.8:
		return 2 // PCMA
	default:
		return 3 // opus
	}
}

// quality draws correlated MOS, jitter and loss: ~85% good (MOS 4.0-4.5,
// jitter < 10 ms, loss < 0.5%), ~10% fair, ~5% poor (jitter > 30 ms and/or
// loss > 1%). Media-timeout calls are always poor.
func quality(r *rng, poor bool) (mos, jitter, loss uint16) {
	band := r.float()
	if poor {
		band = 1
	}
	var m, j, l float64
	switch {
	case band < 0.85:
		m, j, l = r.uniform(4.0, 4.5), r.uniform(0.1, 9.9), r.uniform(0, 0.49)
	case band < 0.95:
		m, j, l = r.uniform(3.5, 4.0), r.uniform(10, 30), r.uniform(0.5, 1.0)
	default:
		m = r.uniform(1.8, 3.5)
		j, l = r.uniform(30, 90), r.uniform(0.2, 1.0)
		if r.chance(0.6) {
			l = r.uniform(1.0, 6.0)
		}
		if r.chance(0.3) {
			j = r.uniform(8, 30) // loss-only degradation
			l = r.uniform(1.0, 6.0)
		}
	}
	return uint16(math.Round(m * 100)), uint16(math.Round(j * 100)), uint16(math.Round(l * 100))
}

// ratePerMinute is the per-started-minute price in ten-thousandths of INR.
func ratePerMinute(c *call) int64 {
	switch {
	case !c.outbound():
		return 4500 // 0.45 INR/min inbound
	case c.sipTrunking():
		return 7500 // 0.75 INR/min trunk termination
	case c.campaignIndex() > 0:
		return 12000 // 1.20 INR/min campaign dialling
	default:
		return 9000 // 0.90 INR/min
	}
}

// sipEndpoints are the agents' SIP endpoints that about one outbound
// voice-api call in a hundred dials instead of a phone number, so demo mode
// has destinations that are not numbers (filters, links and exports must
// carry them as they are).
var sipEndpoints = []string{
	"sip:agent-anita@pbx.example.com", "sip:agent-bala@pbx.example.com",
	"sip:agent-chitra@pbx.example.com", "sip:frontdesk@pbx.example.com",
	"sip:ivr-test@sip.example.net", "sip:1001@office.example.org",
}

// sipDialEvery: an outbound voice-api call whose start second is a multiple
// of it dials a SIP endpoint (about 1 in 97).
const sipDialEvery = 97

// makeParties builds the number table: numCompany company DIDs first, then
// numCustomers customers, then the SIP endpoints (sipEndpoints), which only
// appear as destinations. All numbers are unique Indian E.164 numbers:
// customers are mobiles (+91 then 10 digits starting 6-9), company numbers
// are Bengaluru and Ahmedabad virtual numbers (+91 80 6xxx xxxx, +91 79 6xxx
// xxxx), which also start with 7 or 8 after the country code.
func makeParties(seed int64) []party {
	r := newRNG(seed, 3)
	seen := make(map[string]bool, numCompany+numCustomers)
	unique := func(gen func() string) string {
		for {
			n := gen()
			if !seen[n] {
				seen[n] = true
				return n
			}
		}
	}
	ps := make([]party, 0, numCompany+numCustomers)
	for range numCompany {
		num := unique(func() string {
			area := "80"
			if r.chance(0.3) {
				area = "79"
			}
			return "+91" + area + "6" + digits(r, 7)
		})
		name := companyLabels[r.intn(len(companyLabels))]
		ps = append(ps, party{number: num, name: name, nameLower: strings.ToLower(name)})
	}
	for range numCustomers {
		num := unique(func() string {
			return "+91" + strconv.Itoa(6+r.intn(4)) + digits(r, 9)
		})
		name := ""
		if !r.chance(0.12) {
			name = firstNames[r.intn(len(firstNames))] + " " + lastNames[r.intn(len(lastNames))]
		}
		ps = append(ps, party{number: num, name: name, nameLower: strings.ToLower(name)})
	}
	for _, uri := range sipEndpoints {
		ps = append(ps, party{number: uri})
	}
	return ps
}

func digits(r *rng, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.intn(10))
	}
	return string(b)
}
