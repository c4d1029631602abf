package sandbox

import (
	"strconv"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// resolve fills r with the call at index i of the view's array, every field
// as the API sends it (an updated record as updated). The JSON encoder, the
// CSV writer and Call all start from here, so the three views of a call
// cannot drift apart, and a new CDR field needs only a line below to be
// served everywhere.
func (s *Server) resolve(v *view, r *vobiz.CDR, i int) {
	c := &v.calls[i]
	u := v.marks.update(i)
	if u != nil {
		c = &u.c
	}
	o := &outcomes[c.outcome]
	id := s.idOf(i)
	h := mix64(uint64(id) ^ s.uuidKeys.key2)

	// The generated text (three identifiers and the network address) is
	// written into one buffer and becomes one string, which the fields
	// slice: one allocation per record instead of four.
	var buf [3*uuidLen + len("255.255.255.255")]byte
	s.uuidKeys.encode((*[uuidLen]byte)(buf[0:]), id)
	s.sipKeys.encode((*[uuidLen]byte)(buf[uuidLen:]), id)
	s.bridgeKeys.encode((*[uuidLen]byte)(buf[2*uuidLen:]), id)
	text := string(appendIPv4(buf[:3*uuidLen], 10<<24|uint32(h&0xffffff)))
	code := func(k int) vobiz.Text { return vobiz.Text(text[k*uuidLen : (k+1)*uuidLen]) }
	at := func(sec int64) vobiz.Time { return vobiz.Time{Time: time.Unix(sec, 0).UTC()} }
	null := func(v string) vobiz.NullString { return vobiz.NullString{String: v, Valid: v != ""} }
	hundredths := func(v uint16) vobiz.NullFloat { return vobiz.NullFloat{Float64: float64(v) / 100, Valid: true} }
	money := func(v int64) vobiz.Float { return vobiz.Float(float64(v) / 1e4) } // ten-thousandths of INR

	*r = vobiz.CDR{
		ID:             vobiz.Int(id),
		UUID:           code(0),
		SIPCallID:      code(1),
		AccountID:      vobiz.Text(s.opts.AuthID),
		CallDirection:  vobiz.DirectionInbound,
		CallerIDName:   vobiz.Text(s.parties[c.caller].name),
		CallerIDNumber: vobiz.Text(s.parties[c.caller].number),

		DestinationNumber: vobiz.Text(s.parties[c.dest].number),
		Duration:          vobiz.Int(c.duration()),
		Billsec:           vobiz.Int(c.billsec),
		RingTime:          vobiz.Int(c.ring),
		Cost:              money(int64(c.cost)),
		StreamingCost:     money(int64(c.stream)),
		TotalCost:         money(c.totalCost()),
		Currency:          currency,
		HangupCause:       null(o.cause),
		HangupCauseCode:   vobiz.NullInt{Int64: int64(o.code), Valid: true},
		HangupCauseName:   null(o.name),
		HangupDisposition: null(o.disposition),
		HangupSource:      null(o.source),
		FailureCode:       null(o.failCode),
		FailureReason:     null(o.failReason),
		SIPUserAgent:      null(userAgent),
		Codec:             null(codecs[c.codec]),
		MOS:               hundredths(c.mos),
		Jitter:            hundredths(c.jitter),
		PacketLoss:        hundredths(c.loss),
		Context:           ctxVoiceAPI,
		Region:            regionPrimary,
		OriginationRegion: vobiz.Text(originationRegions[c.orig].name),
	}
	if c.outbound() {
		r.CallDirection = vobiz.DirectionOutbound
	}
	if c.answered() {
		r.BridgeUUID = null(string(code(2)))
	}

	start := s.epoch + int64(c.start)
	end := start + int64(c.duration())
	created := end + int64(c.delays&0x0f)
	r.StartTime, r.EndTime = at(start), at(end)
	r.CreatedAt, r.UpdatedAt = at(created), at(created+int64(c.delays>>4))
	if u != nil {
		r.UpdatedAt = at(u.updatedAt)
	}
	if c.pdd != pddNull {
		r.ProgressTime = at(start + int64(c.pdd))
	}
	if c.answered() {
		r.AnswerTime = at(start + int64(c.ring))
	}

	r.NetworkAddr = null(text[3*uuidLen:])
	if o.carrier || !c.outbound() { // inbound calls always arrive through a carrier
		r.CarrierIP = null(carrierIPs[(h>>24)%uint64(len(carrierIPs))])
	}

	if c.sipTrunking() {
		r.Context = ctxSIPTrunking
		if k := c.trunkIndex(); k > 0 {
			r.TrunkID = null(trunkIDs[k-1])
		}
		if c.sipEnd > 0 {
			if c.outbound() {
				r.TerminatedTo = null(terminations[c.sipEnd-1])
			} else {
				r.CustomerEndpoint = null(customerEndpoints[c.sipEnd-1])
			}
		}
	} else if k := c.campaignIndex(); k > 0 {
		r.CampaignID = null(campaignIDs[k-1])
	}
	if c.flags&flagSecondaryRegion != 0 {
		r.Region = regionSecondary
	}
}

// Output formats shared by the encoders.
const (
	timeLayout = vobiz.TimeLayout
	currency   = "INR"
	userAgent  = "Vobiz"
)

// appendUnix appends sec as "YYYY-MM-DDTHH:MM:SSZ". Every record carries
// six timestamps, so this converts days to a civil date directly (Howard
// Hinnant's days_from_civil inverse) instead of going through time.Format,
// which is about three times slower.
func appendUnix(b []byte, sec int64) []byte {
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	z := days + 719468
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	if y < 0 || y > 9999 {
		return time.Unix(sec, 0).UTC().AppendFormat(b, timeLayout)
	}
	two := func(v int64) { b = append(b, byte('0'+v/10), byte('0'+v%10)) }
	two(y / 100)
	two(y % 100)
	b = append(b, '-')
	two(m)
	b = append(b, '-')
	two(d)
	b = append(b, 'T')
	two(rem / 3600)
	b = append(b, ':')
	two(rem / 60 % 60)
	b = append(b, ':')
	two(rem % 60)
	return append(b, 'Z')
}

func appendIPv4(b []byte, ip uint32) []byte {
	b = strconv.AppendUint(b, uint64(ip>>24), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>16&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>8&0xff), 10)
	b = append(b, '.')
	return strconv.AppendUint(b, uint64(ip&0xff), 10)
}
