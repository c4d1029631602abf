package sandbox

import (
	"strconv"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// row is one call with every field resolved to its output value. The JSON
// encoder, the CSV writer and Call all start from a row, so the three views
// of a call cannot drift apart. Building a row allocates nothing.
type row struct {
	id         int64
	uuid       [uuidLen]byte
	sipCallID  [uuidLen]byte
	bridgeUUID [uuidLen]byte
	hasBridge  bool

	accountID    string
	direction    string
	callerName   string
	callerNumber string
	destNumber   string

	duration, billsec, ring int

	start, end, created, updated int64 // unix seconds
	progress, answer             int64 // unix seconds; 0 = null

	cost, stream, total int64 // ten-thousandths of INR

	out *outcome

	codec             string // "" = null
	mos, jitter, loss int    // hundredths

	networkAddr uint32
	carrierIP   string // "" = null

	context, region, origRegion string
	campaign, trunk             string // "" = null
	endpoint, terminatedTo      string // "" = null
}

// resolve fills r from the i-th newest call.
func (s *Server) resolve(r *row, i int) {
	c := &s.calls[i]
	o := &outcomes[c.outcome]
	r.id = s.idOf(i)
	s.uuidKeys.encode(&r.uuid, r.id)
	s.sipKeys.encode(&r.sipCallID, r.id)
	r.hasBridge = c.answered()
	if r.hasBridge {
		s.bridgeKeys.encode(&r.bridgeUUID, r.id)
	}
	r.accountID = s.opts.AuthID
	r.direction = vobiz.DirectionInbound
	if c.outbound() {
		r.direction = vobiz.DirectionOutbound
	}
	caller := &s.parties[c.caller]
	r.callerName = caller.name
	r.callerNumber = caller.number
	r.destNumber = s.parties[c.dest].number

	r.billsec, r.ring = int(c.billsec), int(c.ring)
	r.duration = c.duration()
	r.start = s.epoch + int64(c.start)
	r.end = r.start + int64(r.duration)
	r.created = r.end + int64(c.delays&0x0f)
	r.updated = r.created + int64(c.delays>>4)
	r.progress, r.answer = 0, 0
	if c.pdd != pddNull {
		r.progress = r.start + int64(c.pdd)
	}
	if c.answered() {
		r.answer = r.start + int64(c.ring)
	}

	r.cost, r.stream = int64(c.cost), int64(c.stream)
	r.total = r.cost + r.stream
	r.out = o
	r.codec = codecs[c.codec]
	r.mos, r.jitter, r.loss = int(c.mos), int(c.jitter), int(c.loss)

	h := mix64(uint64(r.id) ^ s.uuidKeys.key2)
	r.networkAddr = 10<<24 | uint32(h&0xffffff)
	r.carrierIP = ""
	if o.carrier || !c.outbound() { // inbound calls always arrive through a carrier
		r.carrierIP = carrierIPs[(h>>24)%uint64(len(carrierIPs))]
	}

	r.context = ctxVoiceAPI
	r.trunk, r.campaign, r.endpoint, r.terminatedTo = "", "", "", ""
	if c.sipTrunking() {
		r.context = ctxSIPTrunking
		if k := c.trunkIndex(); k > 0 {
			r.trunk = trunkIDs[k-1]
		}
		if c.sipEnd > 0 {
			if c.outbound() {
				r.terminatedTo = terminations[c.sipEnd-1]
			} else {
				r.endpoint = customerEndpoints[c.sipEnd-1]
			}
		}
	} else if k := c.campaignIndex(); k > 0 {
		r.campaign = campaignIDs[k-1]
	}
	r.region = regionPrimary
	if c.flags&flagSecondaryRegion != 0 {
		r.region = regionSecondary
	}
	r.origRegion = originationRegions[c.orig].name
}

// Output formats shared by the encoders.
const (
	timeLayout = "2006-01-02T15:04:05Z"
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

// appendFixed appends v/scale in its shortest decimal form ("0.45", "4",
// "12.3"). v is an exact count of 1/scale units, so the decimal is exact.
func appendFixed(b []byte, v int64, scale float64) []byte {
	return strconv.AppendFloat(b, float64(v)/scale, 'f', -1, 64)
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

// cdr converts r to the shared client type.
func (r *row) cdr() vobiz.CDR {
	ns := func(s string) vobiz.NullString { return vobiz.NullString{String: s, Valid: s != ""} }
	nt := func(sec int64) vobiz.Time {
		if sec == 0 {
			return vobiz.Time{}
		}
		return vobiz.Time{Time: time.Unix(sec, 0).UTC()}
	}
	c := vobiz.CDR{
		ID:                vobiz.Int(r.id),
		UUID:              vobiz.Text(r.uuid[:]),
		AccountID:         vobiz.Text(r.accountID),
		CallDirection:     vobiz.Text(r.direction),
		CallerIDName:      vobiz.Text(r.callerName),
		CallerIDNumber:    vobiz.Text(r.callerNumber),
		DestinationNumber: vobiz.Text(r.destNumber),
		Duration:          vobiz.Int(r.duration),
		Billsec:           vobiz.Int(r.billsec),
		RingTime:          vobiz.Int(r.ring),
		StartTime:         nt(r.start),
		ProgressTime:      nt(r.progress),
		AnswerTime:        nt(r.answer),
		EndTime:           nt(r.end),
		CreatedAt:         nt(r.created),
		UpdatedAt:         nt(r.updated),
		Cost:              vobiz.Float(float64(r.cost) / 1e4),
		StreamingCost:     vobiz.Float(float64(r.stream) / 1e4),
		TotalCost:         vobiz.Float(float64(r.total) / 1e4),
		Currency:          currency,
		HangupCause:       ns(r.out.cause),
		HangupCauseCode:   vobiz.NullInt{Int64: int64(r.out.code), Valid: true},
		HangupCauseName:   ns(r.out.name),
		HangupDisposition: ns(r.out.disposition),
		HangupSource:      ns(r.out.source),
		FailureCode:       ns(r.out.failCode),
		FailureReason:     ns(r.out.failReason),
		SIPCallID:         vobiz.Text(r.sipCallID[:]),
		SIPUserAgent:      ns(userAgent),
		Codec:             ns(r.codec),
		MOS:               vobiz.NullFloat{Float64: float64(r.mos) / 100, Valid: true},
		Jitter:            vobiz.NullFloat{Float64: float64(r.jitter) / 100, Valid: true},
		PacketLoss:        vobiz.NullFloat{Float64: float64(r.loss) / 100, Valid: true},
		NetworkAddr:       ns(string(appendIPv4(nil, r.networkAddr))),
		CarrierIP:         ns(r.carrierIP),
		Context:           vobiz.Text(r.context),
		Region:            vobiz.Text(r.region),
		OriginationRegion: vobiz.Text(r.origRegion),
		CampaignID:        ns(r.campaign),
		CustomerEndpoint:  ns(r.endpoint),
		TrunkID:           ns(r.trunk),
		TerminatedTo:      ns(r.terminatedTo),
	}
	if r.hasBridge {
		c.BridgeUUID = ns(string(r.bridgeUUID[:]))
	}
	return c
}
