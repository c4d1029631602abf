// Package cdrcorpus is the corpus of call records the diagnosis is held
// to: every documented textual hangup cause and numeric code, both
// directions, every hangup_source, answered and not, with and without
// media and failure fields. Each case is one row of the table below; the
// diagnosis tests, the call page tests and the sandbox coverage test all
// read it, and Check states the invariants every case must satisfy.
//
// The package is only imported by tests.
package cdrcorpus

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Case is one kind of call.
type Case struct {
	Name        string
	Direction   string // vobiz.DirectionInbound or vobiz.DirectionOutbound
	Cause       string
	Code        int
	Source      string
	Disposition string
	Ring        int  // ring_time
	Billsec     int  // 0 = not answered
	Progress    bool // progress_time set (false: the call never rang)
	Media       bool // answered with audio figures (mos > 0)
	Failure     bool // failure_code / failure_reason set
	// PDD is the seconds from start_time to progress_time; -1 means the
	// default (1 s when the call rang 2 s or more, else 0).
	PDD   int
	Trunk bool // context sip-trunking (else voice-api)
}

// table is the corpus, one case per line:
//
//	direction | cause | code | hangup_source | disposition | flags
//
// flags: ring=N, talk=N (answered with that billsec), noprog (no
// progress_time), pdd=N (progress_time N s after start_time), nomedia
// (answered without audio figures), fail (failure_code / failure_reason
// set), trunk (context sip-trunking). Every line must also occur in the
// sandbox's data set (see the sandbox's coverage test), so a new line may
// need a new outcome there.
const table = `
out | NORMAL_CLEARING | 4000 | Caller | send_bye | ring=5 talk=95
out | NORMAL_CLEARING | 4000 | Caller | send_bye | ring=5 talk=3
out | NORMAL_CLEARING | 4000 | Caller | send_bye | ring=5 talk=1500
out | NORMAL_CLEARING | 4000 | Callee | recv_bye | ring=12 talk=95
out | NORMAL_CLEARING | 4000 | Callee | recv_bye | ring=12 talk=2
in  | NORMAL_CLEARING | 4000 | Caller | recv_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 4000 | Caller | recv_bye | ring=5 talk=4
in  | NORMAL_CLEARING | 4000 | Callee | send_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 4000 | Callee | send_bye | ring=5 talk=2
in  | NORMAL_CLEARING | 4010 | Answer XML | send_bye | ring=5 talk=95
out | NORMAL_CLEARING | 4010 | Answer XML | send_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 4020 | API Request | send_bye | ring=5 talk=95
out | NORMAL_CLEARING | 4020 | API Request | send_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 4030 | API Request | send_bye | ring=5 talk=95
out | NORMAL_CLEARING | 4030 | API Request | send_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 6000 | Vobiz | send_bye | ring=5 talk=900
out | NORMAL_CLEARING | 6000 | Vobiz | send_bye | ring=5 talk=1800
out | NORMAL_CLEARING | 9100 | Vobiz | send_bye | ring=5 talk=4
out | NORMAL_CLEARING | 9110 | Vobiz | send_bye | ring=5 talk=12
in  | NORMAL_CLEARING | 1010 | Vobiz | send_bye | ring=5 talk=95
out | NORMAL_CLEARING | 1010 | Vobiz | send_bye | ring=5 talk=95
in  | NORMAL_CLEARING | 7011 | Error | send_bye | ring=2 talk=2
out | NORMAL_CLEARING | 7011 | Error | send_bye | ring=2 talk=2
in  | NORMAL_CLEARING | 7012 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7013 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7014 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7022 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7023 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7024 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7032 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7033 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 7034 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 8011 | Error | send_bye | ring=2 talk=2
out | NORMAL_CLEARING | 8011 | Error | send_bye | ring=2 talk=2
in  | NORMAL_CLEARING | 8012 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 8013 | Error | send_bye | ring=2 talk=30
in  | NORMAL_CLEARING | 8014 | Error | send_bye | ring=2 talk=30
in  | MEDIA_TIMEOUT | 6020 | Vobiz | send_bye | ring=5 talk=118 fail
out | MEDIA_TIMEOUT | 6020 | Vobiz | send_bye | ring=5 talk=118 fail
out | MEDIA_TIMEOUT | 6020 | Vobiz | send_bye | ring=5 talk=61 nomedia fail
in  | MEDIA_TIMEOUT | 6020 | Vobiz | send_bye | ring=5 talk=61 nomedia fail
out | NO_ANSWER | 3000 | Callee | send_cancel | ring=30 fail
out | NO_ANSWER | 3000 | Callee | send_cancel | ring=17 fail
in  | NO_ANSWER | 3000 | Callee | send_refuse | ring=30 fail
in  | NO_ANSWER | 6010 | Vobiz | send_cancel | ring=50 fail
out | NO_ANSWER | 6010 | Vobiz | send_cancel | ring=50 fail
in  | USER_BUSY | 3010 | Callee | send_refuse | ring=1 fail
in  | USER_BUSY | 3010 | Callee | send_refuse | ring=5 fail
out | USER_BUSY | 3010 | Callee | send_refuse | ring=1 fail
out | USER_BUSY | 3010 | Callee | send_refuse | ring=5 fail
out | USER_BUSY | 3100 | Carrier | send_refuse | ring=0 noprog fail
in  | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=1 fail
in  | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=12 fail
in  | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=35 fail
out | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=1 fail
out | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=12 fail
out | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=35 fail
out | ORIGINATOR_CANCEL | 1000 | API Request | send_cancel | ring=17 fail
out | ORIGINATOR_CANCEL | 1000 | API Request | send_cancel | ring=1 fail
out | ORIGINATOR_CANCEL | 1000 | API Request | send_cancel | ring=25 fail
out | ORIGINATOR_CANCEL | 1020 | Vobiz | send_cancel | ring=0 noprog fail
out | ORIGINATOR_CANCEL | 9000 | Vobiz | send_cancel | ring=6 fail
in  | CALL_REJECTED | 3020 | Callee | send_refuse | ring=6 fail
in  | CALL_REJECTED | 3020 | Callee | send_refuse | ring=0 fail
out | CALL_REJECTED | 3020 | Callee | send_refuse | ring=6 fail
out | CALL_REJECTED | 3020 | Callee | send_refuse | ring=0 fail
out | CALL_REJECTED | 3020 | Callee | send_refuse | ring=3 pdd=0 fail
out | CALL_REJECTED | 3110 | Callee | send_refuse | ring=6 fail
out | CALL_REJECTED | 3030 | Vobiz | send_refuse | ring=0 noprog fail
out | CALL_REJECTED | 3040 | Carrier | send_refuse | ring=0 noprog fail
out | CALL_REJECTED | 3130 | Carrier | send_refuse | ring=0 noprog fail
out | CALL_REJECTED | 3140 | Carrier | send_refuse | ring=0 noprog fail
in  | REJECTED | 3020 | Answer XML | send_refuse | ring=1 fail
out | REJECTED | 3020 | Callee | send_refuse | ring=0 fail
out | REJECTED | 3020 | Callee | send_refuse | ring=4 fail
out | REJECTED | 2030 | Vobiz | send_refuse | ring=0 noprog fail
out | REJECTED | 2040 | Vobiz | send_refuse | ring=0 noprog fail
out | REJECTED | 2050 | Vobiz | send_refuse | ring=0 noprog fail
out | REJECTED | 2070 | Vobiz | send_refuse | ring=0 noprog fail
out | INVALID_NUMBER | 2000 | Vobiz | send_refuse | ring=0 noprog fail
out | UNALLOCATED_NUMBER | 3050 | Carrier | send_refuse | ring=1 noprog fail
out | UNALLOCATED_NUMBER | 3050 | Carrier | send_refuse | ring=0 noprog fail
out | UNALLOCATED_NUMBER | 3120 | Carrier | send_refuse | ring=0 noprog fail
in  | SERVICE_UNAVAILABLE | 2010 | Carrier | send_refuse | ring=1 noprog fail
out | SERVICE_UNAVAILABLE | 2010 | Carrier | send_refuse | ring=1 noprog fail
in  | SERVICE_UNAVAILABLE | 2020 | Vobiz | send_refuse | ring=0 noprog fail
in  | DESTINATION_OUT_OF_ORDER | 2010 | Carrier | send_refuse | ring=2 fail
out | DESTINATION_OUT_OF_ORDER | 2010 | Carrier | send_refuse | ring=2 fail
in  | SERVER_ERROR | 3080 | Carrier | send_refuse | ring=1 noprog fail
out | SERVER_ERROR | 3080 | Carrier | send_refuse | ring=1 noprog fail
in  | SERVER_ERROR | 5010 | Vobiz | send_refuse | ring=0 noprog fail
out | SERVER_ERROR | 5010 | Vobiz | send_refuse | ring=0 noprog fail
in  | PROTOCOL_ERROR | 5000 | Error | send_refuse | ring=1 noprog fail
out | PROTOCOL_ERROR | 5000 | Error | send_refuse | ring=1 noprog fail
out | PROTOCOL_ERROR | 2060 | Vobiz | send_refuse | ring=0 noprog fail
in  | NETWORK_OUT_OF_ORDER | 5000 | Carrier | send_refuse | ring=1 noprog fail
out | NETWORK_OUT_OF_ORDER | 5000 | Carrier | send_refuse | ring=1 noprog fail
out | NETWORK_OUT_OF_ORDER | 5020 | Vobiz | send_refuse | ring=0 noprog fail
in  | NORMAL_TEMPORARY_FAILURE | 3090 | Carrier | send_refuse | ring=2 fail
out | NORMAL_TEMPORARY_FAILURE | 3090 | Carrier | send_refuse | ring=2 fail
out | NORMAL_TEMPORARY_FAILURE | 3070 | Carrier | send_refuse | ring=0 noprog fail
in  | SWITCH_CONGESTION | 3090 | Carrier | send_refuse | ring=1 noprog fail
out | SWITCH_CONGESTION | 3090 | Carrier | send_refuse | ring=1 noprog fail
out | SWITCH_CONGESTION | 5030 | Vobiz | send_refuse | ring=0 noprog fail
in  | UNKNOWN | 0 | Unknown | send_refuse | ring=0 fail
in  | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=12 fail trunk
out | ORIGINATOR_CANCEL | 1000 | Caller | send_cancel | ring=12 fail trunk
out | NO_ANSWER | 6010 | Vobiz | send_cancel | ring=50 fail trunk
out | REJECTED | 2040 | Vobiz | send_refuse | ring=0 noprog fail trunk
in  | NORMAL_CLEARING | 8011 | Error | send_bye | ring=2 talk=2 trunk
in  | MEDIA_TIMEOUT | 6020 | Vobiz | send_bye | ring=5 talk=118 fail trunk
out | UNKNOWN | 0 | Unknown | send_refuse | ring=4 fail
`

// Cases returns the corpus, parsed from the table.
func Cases() []Case {
	var out []Case
	for n, line := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 6 {
			panic(fmt.Sprintf("cdrcorpus: line %d has %d fields", n+1, len(f)))
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		code, err := strconv.Atoi(f[2])
		if err != nil {
			panic(fmt.Sprintf("cdrcorpus: line %d: code %q", n+1, f[2]))
		}
		c := Case{Cause: f[1], Code: code, Source: f[3], Disposition: f[4], Progress: true, Media: true, PDD: -1}
		switch f[0] {
		case "in":
			c.Direction = vobiz.DirectionInbound
		case "out":
			c.Direction = vobiz.DirectionOutbound
		default:
			panic(fmt.Sprintf("cdrcorpus: line %d: direction %q", n+1, f[0]))
		}
		for _, flag := range strings.Fields(f[5]) {
			k, v, _ := strings.Cut(flag, "=")
			num, _ := strconv.Atoi(v)
			switch k {
			case "ring":
				c.Ring = num
			case "talk":
				c.Billsec = num
			case "noprog":
				c.Progress = false
			case "nomedia":
				c.Media = false
			case "fail":
				c.Failure = true
			case "pdd":
				c.PDD = num
			case "trunk":
				c.Trunk = true
			default:
				panic(fmt.Sprintf("cdrcorpus: line %d: flag %q", n+1, flag))
			}
		}
		if c.Billsec == 0 {
			c.Media = false
		}
		c.Name = fmt.Sprintf("%02d-%s-%s-%d-%s-ring%d-talk%d", n+1, f[0], c.Cause, c.Code, strings.ReplaceAll(c.Source, " ", ""), c.Ring, c.Billsec)
		if !c.Progress {
			c.Name += "-noprog"
		}
		if c.Billsec > 0 && !c.Media {
			c.Name += "-nomedia"
		}
		if c.PDD >= 0 {
			c.Name += fmt.Sprintf("-pdd%d", c.PDD)
		}
		if c.Trunk {
			c.Name += "-trunk"
		}
		out = append(out, c)
	}
	return out
}

// UUID is the case's call UUID, unique within the corpus.
func UUID(i int) string { return fmt.Sprintf("c0a5e000-0000-4000-8000-%012d", i) }

// Start is when every corpus call starts.
var Start = time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)

// CDR builds a complete record for the case, shaped like the sandbox's:
// answer_time is start + ring_time, progress_time one second after the
// start when the call rang for two seconds or more (so the timestamps'
// ringing differs from ring_time, as on real records), end_time is start +
// duration.
func (c Case) CDR(i int) *vobiz.CDR {
	ts := func(t time.Time) vobiz.Time { return vobiz.Time{Time: t} }
	ns := func(s string) vobiz.NullString { return vobiz.NullString{String: s, Valid: s != ""} }
	nf := func(v float64) vobiz.NullFloat { return vobiz.NullFloat{Float64: v, Valid: true} }
	dur := c.Ring + c.Billsec
	end := Start.Add(time.Duration(dur) * time.Second)
	r := &vobiz.CDR{
		ID:                vobiz.Int(18_000_000 + i),
		UUID:              vobiz.Text(UUID(i)),
		AccountID:         "MA_CORPUS",
		CallDirection:     vobiz.Text(c.Direction),
		CallerIDNumber:    "+919876543210",
		DestinationNumber: "+918012345678",
		Duration:          vobiz.Int(dur),
		Billsec:           vobiz.Int(c.Billsec),
		RingTime:          vobiz.Int(c.Ring),
		StartTime:         ts(Start),
		EndTime:           ts(end),
		CreatedAt:         ts(end.Add(2 * time.Second)),
		UpdatedAt:         ts(end.Add(3 * time.Second)),
		Currency:          "INR",
		HangupCause:       ns(c.Cause),
		HangupCauseCode:   vobiz.NullInt{Int64: int64(c.Code), Valid: true},
		HangupSource:      ns(c.Source),
		HangupDisposition: ns(c.Disposition),
		SIPCallID:         vobiz.Text("sip-" + UUID(i)),
		MOS:               nf(0),
		Jitter:            nf(0),
		PacketLoss:        nf(0),
		Context:           "voice-api",
		Region:            "ap-south-1",
	}
	if c.Trunk {
		r.Context = "sip-trunking"
	}
	if c.Direction == vobiz.DirectionInbound {
		r.CallerIDNumber, r.DestinationNumber = r.DestinationNumber, r.CallerIDNumber
	}
	if c.Progress {
		pdd := 0
		if c.Ring >= 2 {
			pdd = 1
		}
		if c.PDD >= 0 {
			pdd = c.PDD
		}
		r.ProgressTime = ts(Start.Add(time.Duration(pdd) * time.Second))
	}
	if c.Billsec > 0 {
		r.AnswerTime = ts(Start.Add(time.Duration(c.Ring) * time.Second))
		r.BridgeUUID = ns("b0a5e000-0000-4000-8000-" + UUID(i)[24:])
		r.Codec = ns("PCMU")
		r.Cost, r.TotalCost = 0.9, 0.9
	}
	if c.Media {
		r.MOS, r.Jitter, r.PacketLoss = nf(4.3), nf(3), nf(0.2)
		if c.Cause == "MEDIA_TIMEOUT" {
			r.MOS, r.Jitter, r.PacketLoss = nf(2.4), nf(45), nf(4.5)
		}
	}
	if c.Failure {
		r.FailureCode, r.FailureReason = ns("16"), ns(c.Cause)
	}
	return r
}

// ringClass and talkClass group durations the way the diagnosis words
// them, so a sandbox record "is" a case when it would be explained the
// same way.
func ringClass(ring int, progress bool) int {
	switch {
	case ring == 0:
		return 0
	case !progress:
		return 1
	case ring < 3:
		return 2
	case ring < 20:
		return 3
	case ring < 110:
		return 4
	}
	return 5
}

func talkClass(billsec int) int {
	switch {
	case billsec == 0:
		return 0
	case billsec <= 5:
		return 1
	case billsec <= 60:
		return 2
	case billsec < 1200:
		return 3
	}
	return 4
}

// Matches reports whether a record is an instance of the case: the same
// direction, cause, code, source and disposition, answered or not, with
// or without media and failure fields, and durations in the same class.
func (c Case) Matches(r *vobiz.CDR) bool {
	return string(r.CallDirection) == c.Direction &&
		r.HangupCause.String == c.Cause &&
		r.HangupCauseCode.Valid && int(r.HangupCauseCode.Int64) == c.Code &&
		r.HangupSource.String == c.Source &&
		r.HangupDisposition.String == c.Disposition &&
		ringClass(int(r.RingTime), !r.ProgressTime.IsZero()) == ringClass(c.Ring, c.Progress) &&
		talkClass(int(r.Billsec)) == talkClass(c.Billsec) &&
		(r.MOS.Valid && r.MOS.Float64 > 0) == c.Media &&
		r.FailureCode.Valid == c.Failure &&
		(c.PDD < 0 || !r.ProgressTime.IsZero() && int(r.ProgressTime.Sub(r.StartTime.Time)/time.Second) == c.PDD) &&
		(!c.Trunk || strings.EqualFold(string(r.Context), "sip-trunking"))
}
