package diagnosis

// Who ended the call: hangup_source, hangup_disposition and the call
// direction read together (docs/hangups-and-quality.md#who-ended-the-call).

import (
	"fmt"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// who returns the subject for "X hung up" sentences, the side it stands
// for, and whether it is a person (who "hangs up") rather than a system
// (which "ends the call"). With no usable hangup_source the SIP
// disposition and call direction stand in.
//
// This is the one decision about blame: the headline, the likely reason,
// "who ended it" and the line for the customer all name the party it
// returns, never one of their own. A media timeout is the platform's
// decision whatever hangup_source says: a media-path failure, not a party (FSD-AUDIO, PL-CAUSES 6020).
func (f *facts) who() (subject, side string, person bool) {
	if f.sc == scMediaTimeout {
		return partyName(SidePlatform, f.dir), SidePlatform, false
	}
	if f.srcOK {
		switch f.src.Side {
		case SideCaller, SideCallee:
			return partyName(f.src.Side, f.dir), f.src.Side, true
		case SideApp:
			if f.src.Value == "Answer XML" {
				return "your application's XML", SideApp, false
			}
			return "your application (through the API)", SideApp, false
		case SidePlatform, SideCarrier:
			return partyName(f.src.Side, f.dir), f.src.Side, false
		}
		return "", f.src.Side, false
	}
	if side := f.dispSide(); side != "" {
		return partyName(side, f.dir), side, side == SideCaller || side == SideCallee
	}
	return "", "", false
}

// dispSide reads which party a disposition points at, where it does.
func (f *facts) dispSide() string {
	if !f.dispOK {
		return ""
	}
	switch f.disp.Value {
	case "recv_bye":
		switch f.dir {
		case vobiz.DirectionOutbound:
			return SideCallee
		case vobiz.DirectionInbound:
			return SideCaller
		}
	case "recv_cancel":
		return SideCaller
	case "send_cancel":
		if f.dir == vobiz.DirectionOutbound {
			return SideCaller
		}
	case "recv_refuse":
		return SideCallee
	}
	return ""
}

// dispClause is the disposition in words for this call's direction. The
// FreeSWITCH refusal on an outbound leg is recorded as send_refuse by some
// platforms although the far end refused (FS-SOFIA, FS-SIP), so the
// wording only says "incoming" when the call was one.
func (f *facts) dispClause() string {
	switch f.disp.Value {
	case "recv_bye":
		switch f.dir {
		case vobiz.DirectionOutbound:
			return "the hangup (BYE) came from the callee's side"
		case vobiz.DirectionInbound:
			return "the hangup (BYE) came from the caller's side"
		}
	case "send_refuse":
		switch f.dir {
		case vobiz.DirectionInbound:
			return "the platform refused the incoming call before answering it"
		case vobiz.DirectionOutbound:
			return "the outgoing call attempt was refused before it was answered"
		}
		return "the call was refused before it was answered"
	}
	return f.disp.clause
}

// whoEnded says who ended the call in plain words (the first return) and
// adds the signalling-level notes for the technical layer (the second).
// The party comes from who(), the same decision the headline and the
// likely reason use.
func (f *facts) whoEnded() (string, []string) {
	var s, tech []string
	subject, side, _ := f.who()
	switch {
	case f.srcOK:
		tagged := fmt.Sprintf(" (hangup_source %s)", quote(f.srcRaw))
		switch {
		case f.sc == scMediaTimeout:
			// A media timeout is the platform's decision whatever the
			// source says: a media-path failure, not a party
			// (docs/hangups-and-quality.md#media-timeout).
			if n := partyName(f.src.Side, f.dir); n != "" && f.src.Side != SidePlatform {
				s = append(s, fmt.Sprintf("The platform ended the call because audio stopped arriving; hangup_source %s only names %s, the side whose audio went missing.", quote(f.srcRaw), n))
			} else {
				s = append(s, "The platform ended the call because audio stopped arriving"+tagged+".")
			}
		case side == SideCaller:
			if f.answered {
				s = append(s, capitalize(subject)+" hung up"+tagged+".")
			} else {
				s = append(s, capitalize(subject)+" ended the attempt before it was answered"+tagged+".")
			}
		case side == SideCallee:
			switch {
			case f.answered:
				s = append(s, capitalize(subject)+" hung up"+tagged+".")
			case f.outcome == NoAnswer:
				s = append(s, capitalize(subject)+" did not answer"+tagged+".")
			case f.outcome == Busy:
				s = append(s, capitalize(subject)+" was busy or declined"+tagged+".")
			default:
				s = append(s, capitalize(subject)+" did not take the call"+tagged+".")
			}
		case side == SideApp:
			if f.src.Value == "Answer XML" {
				s = append(s, "Your application's XML ended the call with its Hangup element"+tagged+".")
			} else {
				s = append(s, "Your application ended the call with the Hangup / Cancel Call API"+tagged+".")
			}
		case side == SidePlatform:
			s = append(s, "The Vobiz platform ended the call itself"+tagged+": a limit, a timeout or an error it detected.")
		case side == SideCarrier:
			s = append(s, "The remote carrier's network ended the call"+tagged+".")
		case side == SideError:
			s = append(s, "An error ended the call"+tagged+"; the cause and code say which.")
		default:
			s = append(s, "The platform could not tell who ended the call"+tagged+".")
		}
	case f.srcRaw != "":
		s = append(s, fmt.Sprintf("hangup_source is %s, a value not in the documented list.", quote(clip(f.srcRaw, 60))))
	default:
		s = append(s, "hangup_source is empty.")
		if subject != "" && f.sc != scMediaTimeout {
			s = append(s, "Going by the call signalling, "+subject+" ended it.")
		}
	}

	switch {
	case f.dispOK:
		tech = append(tech, "SIP shows "+f.dispClause()+" ("+f.disp.Value+").")
	case f.dispRaw != "":
		tech = append(tech, fmt.Sprintf("hangup_disposition %s is not a value we know.", quote(clip(f.dispRaw, 60))))
	}

	// Fields that disagree about the leg.
	if f.dispOK && f.srcOK {
		switch {
		case f.answered && f.disp.BeforeAnswer:
			tech = append(tech, "That disposition normally ends an unanswered call, yet talk time was recorded.")
		case f.disp.Value == "recv_bye" && f.dir == vobiz.DirectionOutbound && f.src.Side == SideCaller:
			tech = append(tech, "On an outbound call recv_bye means the callee's side sent the BYE, which disagrees with hangup_source Caller: the record may describe the other leg.")
		case f.disp.Value == "recv_bye" && f.dir == vobiz.DirectionInbound && f.src.Side == SideCallee:
			tech = append(tech, "On an inbound call recv_bye means the caller's side sent the BYE, which disagrees with hangup_source Callee: the record may describe the other leg.")
		}
	}

	// The code's documented source (PL-CAUSES-LEGACY, codes up to 2040)
	// against the record's. Code 0 is skipped: it is set in too many
	// situations for its "Unknown" source to mean anything.
	if f.codeOK && f.code != 0 && f.codeInfo.Source != "" && f.srcOK && f.src.Side != SideUnknown &&
		!strings.Contains(f.codeInfo.Source, f.src.Value) {
		tech = append(tech, fmt.Sprintf("Code %d is documented with hangup_source %s, not %s; the code is usually the better guide to who acted.", f.code, f.codeInfo.Source, f.src.Value))
	}

	// Conference caveat (docs/vobiz-api.md#hangup-sources). The plain
	// sentence stays visible; the mechanism goes to the technical layer.
	switch {
	case f.codeOK && (f.code == 4020 || f.code == 4030):
		s = append(s, "This was a multiparty (conference) leg, where the record cannot tell the platform closing the leg from the participant hanging up.")
	case f.answered && f.srcOK && f.src.Side == SideCallee &&
		(f.codeValid && f.code == 4000 || !f.codeValid && f.causeOK && f.cause.Name == "NORMAL_CLEARING"):
		tech = append(tech, "If this was a conference leg, \"Callee\" may only mean the platform removed the leg when the conference ended (endConferenceOnExit): on conference legs hangup_source cannot tell that apart from the participant hanging up.")
	}
	return strings.Join(s, " "), tech
}
