package diagnosis

// The explanation rules: one function per scenario, each reading the
// timings, parties and quality together to pick the wording.

import (
	"fmt"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

func (f *facts) find() finding {
	var fd finding
	switch {
	case !f.primary.ok && !f.familyOK:
		fd = f.unknownFinding()
	case !f.primary.ok:
		fd = f.familyFinding()
	case !f.timed:
		fd = f.sparseFinding()
	default:
		switch f.sc {
		case scMediaTimeout:
			fd = f.mediaTimeout()
		case scNormal:
			fd = f.normal()
		case scCancel:
			fd = f.cancel()
		case scNoAnswer:
			fd = f.noAnswer()
		case scBusy:
			fd = f.busy()
		case scRejected:
			fd = f.rejected()
		case scBadNumber:
			fd = f.badNumber()
		default:
			fd = f.generic()
		}
	}
	if fd.severity == "" {
		fd.severity = f.primary.severity
	}
	if fd.severity == "" {
		fd.severity = SeverityWarning
	}
	if fd.short == "" {
		fd.short = f.primary.summary
	}
	return fd
}

// generic explains from the table row alone, with the timings.
func (f *facts) generic() finding {
	sum := f.primary.summary
	var h string
	switch {
	case f.answered:
		h = fmt.Sprintf("The call ended after %s of talk: %s", dur(f.talk), sum)
	case f.rang:
		h = fmt.Sprintf("%s: %s (after %s of ringing)", notConnectedLead(f.outcome), sum, dur(f.ring))
	default:
		h = notConnectedLead(f.outcome) + ": " + sum
	}
	reason := capitalize(sum) + "."
	if r := f.familyReading(); r != "" {
		reason += " " + r
	}
	if !f.answered && f.outcome == Failed {
		if f.rang {
			reason += fmt.Sprintf(" It failed after %s of ringing, so the destination was reached first.", dur(f.ring))
		} else {
			switch f.dir {
			case vobiz.DirectionInbound:
				reason += " It failed at once, before anyone on your side could answer."
			case vobiz.DirectionOutbound:
				reason += " It failed without ringing: the call never reached the customer's phone."
			default:
				reason += " It failed without ringing: the call never reached the phone it was meant for."
			}
		}
	}
	if subject, side, _ := f.who(); subject != "" && side != SideError {
		reason += " The hangup is attributed to " + subject + "."
	}
	if f.primary.retry != "" && f.primary.retry != RetryNone {
		reason += " Advice: " + strings.ToLower(f.primary.retry[:1]) + f.primary.retry[1:] + "."
	}
	return finding{headline: h, short: sum, reason: reason}
}

// familyReading says where the fault lies for each family, in support
// terms; it follows the vendors' own grouping
// (docs/hangups-and-quality.md#code-families-as-fault-areas).
var familyReading = map[string]string{
	FamilyCanceled:    "The call was stopped before it was answered, by your app or by the platform, not by a fault on the line.",
	FamilyDestination: "The problem is the destination or what your account allows for it, not the network's health.",
	FamilyCarrier:     "The carrier on the route reported the problem; nothing on your side or the customer's phone caused it.",
	FamilySystem:      "The failure was on the platform or network side; nothing the customer did caused it.",
	FamilyTimeout:     "A platform timer ended the call.",
	FamilyURL:         "The fault is in your application's setup, not the network or the customer: the platform could not get instructions for the call.",
	FamilyXML:         "The fault is in your application's XML, not the network or the customer.",
}

// familyReading is the family's sentence where it fits this call: the
// sentences name a party or say the call was never answered, so they are
// only used when the blame decision (who) names the same party and the
// record agrees it was not answered.
func (f *facts) familyReading() string {
	r := familyReading[f.primary.family]
	_, side, _ := f.who()
	switch f.primary.family {
	case FamilyCanceled:
		switch {
		case f.answered:
			return "" // the leg mismatch note says what the talk time means
		case side == SidePlatform:
			return "The platform stopped the call before it was answered (a limit it applies), not a fault on the line."
		case side == SideApp:
			return "Your application stopped the call before it was answered, not a fault on the line."
		}
	case FamilyCarrier:
		if f.codeOK && (f.code == 3130 || f.code == 3140) {
			// The carrier refused the call over your caller ID: your
			// side's number, not nothing on your side.
			return "The carrier on the route refused it because of the caller ID you presented, not because of the customer's phone."
		}
		switch side {
		case SideCarrier, SideUnknown, "":
		case SidePlatform, SideError:
			return "The platform reported the problem while handling the call; nothing on your side or the customer's phone caused it."
		default:
			return ""
		}
	}
	return r
}

func notConnectedLead(o Outcome) string {
	switch o {
	case NoAnswer:
		return "Not answered"
	case Busy:
		return "Busy"
	case Cancelled:
		return "Cancelled"
	}
	return "Not connected"
}

// sparseFinding is for input with no timings (a pasted cause or code): it
// explains the values without guessing what happened on the call.
func (f *facts) sparseFinding() finding {
	fd := finding{
		headline: f.label() + ": " + f.primary.summary,
		short:    f.primary.summary,
		reason:   "Only the hangup cause or code was given, so this explains the value itself; paste the whole CDR to read the timings, who ended the call and the audio figures.",
	}
	if subject, _, _ := f.who(); subject != "" {
		fd.reason += " The hangup is attributed to " + subject + "."
	}
	return fd
}

func (f *facts) mediaTimeout() finding {
	fd := finding{severity: SeverityError}
	mediaFlowed := f.answered && f.q.MOS.Band.rank() > 0
	const tech = "Technically, RTP stopped arriving for longer than the media timeout. Usual causes: an expired NAT mapping or firewall pinhole for UDP media, or a re-INVITE that moved the media to an address that cannot be reached."
	switch {
	case mediaFlowed && f.talk > mediaTimeoutSecs:
		// The timer fires a whole timeout after the last audio packet, so
		// the audio stopped that long before the drop, not at it.
		fd.headline = fmt.Sprintf("The call was dropped after %s of talk because no audio had arrived for about %d s (media timeout)", dur(f.talk), mediaTimeoutSecs)
		fd.short = fmt.Sprintf("audio stopped about %d s before the platform dropped the call", mediaTimeoutSecs)
		fd.reason = fmt.Sprintf("Audio had been flowing, then stopped about %s into the call; the platform waited about %d s for it to come back and then hung up. When audio works at first and then stops, the usual causes are a router or firewall that stops passing it, or the phone switching networks (Wi-Fi to mobile data).",
			dur(f.talk-mediaTimeoutSecs), mediaTimeoutSecs)
		fd.steps = []string{"Check NAT and firewall timeouts for UDP media, and whether the caller's device changed networks during the call."}
	case mediaFlowed:
		fd.headline = fmt.Sprintf("The call was dropped after %s of talk because the audio stopped almost as soon as it was answered (media timeout)", dur(f.talk))
		fd.short = "audio stopped right after the answer and the platform dropped the call"
		fd.reason = fmt.Sprintf("A little audio arrived after the answer, then none for about %d s, so the platform hung up. Audio that stops at once points to the network path between the phones: a router or firewall blocking it.", mediaTimeoutSecs)
		fd.steps = []string{"Check NAT and firewall rules for UDP media on both sides."}
	case f.answered:
		fd.headline = fmt.Sprintf("The call was answered but no audio ever arrived, and it was dropped after %s of talk", dur(f.talk))
		fd.short = "answered, but no audio arrived and the platform dropped the call"
		fd.reason = "The call connected, but no audio reached the platform, so both sides most likely heard silence until the platform gave up. Audio that never arrives points to the network path: a firewall or router blocking it, or a wrong address given for it."
	default:
		fd.headline = "No audio ever arrived, so the call was dropped before it was answered (media timeout)"
		fd.short = "no audio arrived and the platform dropped the call"
		fd.reason = "No audio reached the platform while the call was being set up. That points to the network path: a firewall or router blocking the audio, or a wrong public address given for it."
	}
	fd.tech = []string{tech}
	return fd
}

func (f *facts) normal() finding {
	if !f.answered {
		return f.normalUnanswered()
	}
	subject, side, person := f.who()
	verb := "ended the call"
	if person {
		verb = "hung up"
	}
	talk := dur(f.talk)
	var fd finding
	switch {
	case f.talk <= immediateTalkSecs:
		fd.severity = SeverityWarning
		fd.steps = []string{"Listen to the recording if there is one (Recording API, by call UUID) to hear what the person heard."}
		switch {
		case side == SideCallee && f.dir != vobiz.DirectionInbound:
			fd.headline = fmt.Sprintf("%s hung up %s after answering", capitalize(subject), talk)
			fd.short = fmt.Sprintf("%s hung up %s after answering", subject, talk)
			fd.reason = "The callee hung up almost immediately after answering. That is rarely a conversation: a wrong number, a voicemail or IVR greeting that picked up and dropped, or one-way audio (they heard nothing and gave up)?"
			fd.steps = append(fd.steps, "Check the number dialled really belongs to this customer.", "If your app plays something first, make sure it starts at once: a few seconds of silence makes people hang up.")
		case side == SideCallee:
			fd.headline = fmt.Sprintf("Your side (the callee) hung up %s after answering", talk)
			fd.short = fmt.Sprintf("your side hung up %s after answering", talk)
			fd.reason = "Your side answered the customer's call and then ended it almost at once: an answer XML that ends straight away, an agent who dropped the call, or a device that answered and hung up."
			fd.steps = append(fd.steps, "Check the answer XML returned for this call and the agent's or device's logs at that time.")
		case side == SideCaller && f.dir == vobiz.DirectionOutbound:
			fd.headline = fmt.Sprintf("Your side (the caller) hung up %s after the customer answered", talk)
			fd.short = fmt.Sprintf("your side hung up %s after the answer", talk)
			fd.reason = "Your app or agent ended the call right after the customer answered: an XML flow that ends at once, answering-machine handling, or an agent who hung up."
			fd.steps = append(fd.steps, "Check your app's answer XML and logs for this call.")
		case side == SideCaller:
			fd.headline = fmt.Sprintf("%s hung up %s after being answered", capitalize(subject), talk)
			fd.short = fmt.Sprintf("%s hung up %s after being answered", subject, talk)
			fd.reason = "The caller hung up almost as soon as the call was answered: they may have heard silence or an unexpected greeting, or realised they had dialled the wrong number."
			fd.steps = append(fd.steps, "Check what the caller hears first (greeting, IVR) and that it starts at once.")
		default:
			fd.headline = fmt.Sprintf("The call ended %s after it was answered", talk)
			if subject != "" {
				fd.headline = fmt.Sprintf("%s ended the call %s after it was answered", capitalize(subject), talk)
			}
			fd.short = fmt.Sprintf("it ended %s after the answer", talk)
			fd.reason = "A call this short after the answer is rarely a real conversation: check what your app did right after the answer and whether audio flowed."
		}
		if f.q.Overall == BandNoMedia {
			fd.reason += " No audio figures were recorded, which points to one-way or no audio."
			fd.steps = append(fd.steps, "Test for one-way audio: NAT or firewall rules on the RTP ports.")
		}
	case f.talk >= longTalkSecs:
		fd.severity = SeverityOK
		if subject != "" {
			fd.headline = fmt.Sprintf("%s %s normally after a long conversation (%s)", capitalize(subject), verb, talk)
			fd.short = fmt.Sprintf("%s %s normally after a long conversation", subject, verb)
		} else {
			fd.headline = fmt.Sprintf("The call ended normally after a long conversation (%s)", talk)
			fd.short = "it ended normally after a long conversation"
		}
		fd.reason = "A normal end to a long conversation; nothing points to a fault on the line."
	default:
		fd.severity = SeverityOK
		if subject != "" {
			fd.headline = fmt.Sprintf("%s %s normally after %s of talk", capitalize(subject), verb, talk)
			fd.short = fmt.Sprintf("%s %s normally", subject, verb)
		} else {
			fd.headline = fmt.Sprintf("The call ended normally after %s of talk", talk)
			fd.short = "it ended normally"
		}
		fd.reason = "The call connected and ended in the ordinary way; nothing points to a fault."
	}
	if side == SidePlatform || side == SideError {
		fd.reason += " The platform, not a person, ended it: look at the code and your app's limits (time limit, end of XML)."
		fd.severity = worseSeverity(fd.severity, SeverityInfo)
	}
	if f.q.Overall == BandPoor && f.talk > immediateTalkSecs {
		fd.reason += " The audio was poor, though, which may be why the call ended when it did."
	}
	return fd
}

func (f *facts) normalUnanswered() finding {
	subject, side, _ := f.who()
	if side == SideCaller || side == SideApp || f.dispOK && (f.disp.Value == "send_cancel" || f.disp.Value == "recv_cancel") {
		return f.cancel()
	}
	fd := finding{severity: SeverityInfo}
	if !f.c.AnswerTime.IsZero() {
		fd.headline = "The call was answered but ended within a second, before any billable talk"
		fd.short = "answered but ended at once (no billable talk)"
		fd.reason = "An answer time is recorded but billsec is 0: the call was picked up and dropped immediately, which usually means a device or app that answers and hangs up, or a failure right after the answer."
		fd.severity = SeverityWarning
		return fd
	}
	fd.headline = "The call was cleared before it was answered " + f.ringPhrase()
	fd.short = "cleared before anyone answered, " + f.ringPhrase()
	fd.reason = "The cause is a normal hangup, but nobody talked: the attempt ended before the answer."
	if subject != "" {
		fd.reason += " The hangup is attributed to " + subject + "."
	}
	return fd
}

// ringPhrase says how long the attempt rang, or that it never did:
// "after 17s of ringing", "after 1s, before it rang", "before it rang".
func (f *facts) ringPhrase() string {
	switch {
	case f.rang:
		return "after " + dur(f.ring) + " of ringing"
	case f.ring > 0:
		return "after " + dur(f.ring) + ", before it rang"
	}
	return "before it rang"
}

func (f *facts) cancel() finding {
	subject, side, _ := f.who()
	if side == "" {
		// With neither hangup_source nor a telling disposition, a cancel
		// is the originator's by definition (ORIGINATOR_CANCEL, SIP 487).
		side, subject = SideCaller, partyName(SideCaller, f.dir)
	}
	ring := dur(f.ring)
	when := f.ringPhrase()
	fd := finding{severity: SeverityInfo}
	switch side {
	case SideApp:
		if f.srcOK && f.src.Value == "Answer XML" {
			fd.headline = "Your application's XML ended the call " + when + ", before it was answered"
			fd.short = "your app's XML ended the call before the answer"
			fd.reason = "Your application's XML ended the call with its Hangup element before anyone answered; nothing on the network failed."
			fd.steps = []string{"Check the XML your app returned for this call."}
			break
		}
		fd.headline = "Your application cancelled the call through the API " + when + ", before it was answered"
		fd.short = "your app cancelled the call through the API " + when
		fd.reason = "Your application stopped the call with the Hangup / Cancel Call API before anyone answered; nothing on the network failed."
		if f.rang && f.ring >= longRingSecs {
			fd.reason += fmt.Sprintf(" It had rung for %s, so this may be your app's own ring timeout.", ring)
		}
		fd.steps = []string{"If the cancel was not intended, find which part of your app calls the Hangup / Cancel Call API for this call."}
	case SidePlatform:
		fd.headline = "The Vobiz platform cancelled the call " + when + ", before it was answered"
		fd.short = "the platform cancelled the call " + when
		fd.reason = "The platform itself stopped the attempt (a limit or a timer it applies), not a person and not your application."
	case SideCaller:
		fd = f.callerCancel(when)
	default:
		fd.headline = "The call was cancelled " + when + ", before it was answered"
		fd.short = "cancelled " + when
		fd.reason = "The attempt was stopped before anyone answered."
		if subject != "" && side != SideError {
			fd.reason += " The hangup is attributed to " + subject + "."
		}
	}
	return fd
}

// callerCancel words a cancel by the calling party, which is your side on
// an outbound call and the customer on an inbound one.
func (f *facts) callerCancel(when string) finding {
	ring := dur(f.ring)
	fd := finding{severity: SeverityInfo}
	switch f.dir {
	case vobiz.DirectionOutbound:
		switch {
		case !f.rang || f.ring < immediateCancelSecs:
			fd.headline = "Your side (the caller) cancelled the call almost immediately, " + when
			fd.short = "your side cancelled almost at once, " + when
			fd.reason = "A cancel this quick is rarely someone giving up: usually a misdial noticed straight away, or your app stopping the call."
			fd.steps = []string{"Check your app's logs for a Hangup / Cancel Call API request right after the call was placed."}
		case f.ring >= longRingSecs:
			fd.headline = fmt.Sprintf("Your side stopped waiting after %s of ringing", ring)
			fd.short = fmt.Sprintf("your side gave up after %s of ringing", ring)
			fd.reason = fmt.Sprintf("Nobody answered within %s and your app or agent cancelled the attempt. If that limit comes from your app's own timeout, consider allowing more time.", ring)
		default:
			fd.headline = fmt.Sprintf("Your side (the caller) cancelled the call after %s of ringing, before the customer answered", ring)
			fd.short = fmt.Sprintf("your side cancelled after %s of ringing", ring)
			fd.reason = fmt.Sprintf("Your app or agent stopped the attempt before the customer answered. %s is not long for a person to reach the phone: check whether your app sets a short ring timeout.", capitalize(ring))
			fd.steps = []string{"Set the ring timeout to 30 s or more unless a short one is deliberate."}
		}
	case vobiz.DirectionInbound:
		switch {
		case !f.rang || f.ring < immediateCancelSecs:
			fd.headline = "The customer hung up almost immediately, " + when
			fd.short = "the customer hung up almost at once, " + when
			fd.reason = "A cancel this quick is rarely impatience: most likely a misdial or a pocket dial noticed straight away."
		case f.ring >= longRingSecs:
			fd.headline = fmt.Sprintf("The customer gave up after %s of ringing", ring)
			fd.short = fmt.Sprintf("the customer gave up after %s of ringing", ring)
			fd.reason = fmt.Sprintf("The customer waited %s for an answer and hung up.", ring)
			fd.steps = []string{"Answer faster: more agents at this hour, a shorter message before the queue, or offer a callback."}
			fd.severity = SeverityWarning
		default:
			fd.headline = fmt.Sprintf("The customer (the caller) hung up after %s of ringing, before anyone answered", ring)
			fd.short = fmt.Sprintf("the customer hung up after %s of ringing", ring)
			fd.reason = fmt.Sprintf("The customer stopped calling before anyone on your side answered. %s is not a long wait, so it may have been a change of mind rather than impatience.", capitalize(ring))
		}
	default:
		switch {
		case !f.rang || f.ring < immediateCancelSecs:
			fd.headline = "The caller cancelled the call almost immediately, " + when
			fd.short = "the caller cancelled almost at once, " + when
			fd.reason = "A cancel this quick is rarely someone giving up: usually a misdial noticed straight away, or an application stopping the call."
		default:
			fd.headline = fmt.Sprintf("The caller hung up after %s of ringing, before anyone answered", ring)
			fd.short = fmt.Sprintf("the caller gave up after %s of ringing", ring)
			fd.reason = fmt.Sprintf("Nobody answered within %s and the caller stopped waiting.", ring)
		}
	}
	return fd
}

func (f *facts) noAnswer() finding {
	ring := dur(f.ring)
	_, side, _ := f.who()
	// Our side ended the wait (a ring timeout, or the caller or app
	// giving up) unless the blame decision names the far end.
	ourSide := side != SideCallee && side != SideCarrier &&
		(f.dispOK && f.disp.Value == "send_cancel" || f.codeOK && f.code == 6010 ||
			side == SideCaller || side == SideApp || side == SidePlatform)
	farSide := side != SideCaller && side != SideApp && side != SidePlatform &&
		(f.dispOK && (f.disp.Value == "recv_refuse" || f.disp.Value == "recv_cancel") || side == SideCarrier)
	fd := finding{severity: SeverityInfo}
	switch {
	case !f.rang:
		fd.headline = "It never rang: the destination could not be reached"
		fd.short = "it never rang (destination unreachable)"
		fd.reason = "A no-answer with no ringing usually means the phone was switched off, out of coverage or not registered, so there was nothing to answer."
		if f.dir == vobiz.DirectionInbound {
			fd.headline = "It never rang on your side: your number's destination could not be reached"
			fd.short = "it never rang on your side"
			fd.reason = "The customer's call reached the platform, but the phone, app or SIP device it should ring on your side could not be reached (not registered, offline or unreachable)."
			fd.steps = []string{"Check that your answering device or app is registered and online."}
			fd.severity = SeverityWarning
		}
		fd.tech = []string{"That is usually SIP 480 Temporarily Unavailable from the far end."}
	case f.ring >= nearTimeoutSecs:
		fd.headline = fmt.Sprintf("Rang for %s, the full ring timeout, with no answer", ring)
		fd.short = fmt.Sprintf("rang the full %s with no answer", ring)
		fd.reason = fmt.Sprintf("The phone rang until the ring timeout (%d s by default) ran out: the person was away from the phone or chose not to answer.", defaultRingTimeoutSecs)
		if f.dir == vobiz.DirectionInbound {
			fd.reason = fmt.Sprintf("The customer's call rang on your side until the ring timeout (%d s by default) ran out, and nobody on your side picked up.", defaultRingTimeoutSecs)
			fd.steps = []string{"Check agent availability at that time and that your answering device or app picks up."}
			fd.severity = SeverityWarning
		}
		if f.codeOK && f.code == 6010 {
			fd.reason += " Code 6010 (Ring Timeout Reached) confirms the platform's timer ended it."
		}
	case f.dir == vobiz.DirectionInbound:
		fd.headline = fmt.Sprintf("Your side did not answer within %s", ring)
		fd.short = fmt.Sprintf("rang %s on your side with no answer", ring)
		fd.reason = fmt.Sprintf("The customer's call rang for %s on your side (app, agent or SIP device) without being answered.", ring)
		fd.steps = []string{"Check agent availability and that your answering device or app is registered and picks up."}
		fd.severity = SeverityWarning
	case f.ring < shortRingSecs && ourSide:
		fd.headline = fmt.Sprintf("Rang only %s before the ring timeout ended the attempt", ring)
		fd.short = fmt.Sprintf("rang %s with no answer before the ring timeout", ring)
		fd.reason = fmt.Sprintf("%s is a short ring: a ring timeout set by your app (ring_timeout / timeout on the dial) most likely cut the attempt off before the person could reach the phone.", capitalize(ring))
		if f.codeOK && f.code == 6010 {
			fd.reason = fmt.Sprintf("Code 6010 (Ring Timeout Reached) after only %s means the ring timeout is set short, shorter than a person needs to reach the phone.", ring)
		}
		fd.steps = []string{"Set the ring timeout to 30 s or more unless a short one is deliberate."}
		fd.severity = SeverityWarning
	case f.ring < shortRingSecs && farSide:
		fd.headline = fmt.Sprintf("Rang %s, then the callee's network ended the attempt", ring)
		fd.short = fmt.Sprintf("rang %s, then the callee's network stopped it", ring)
		fd.reason = fmt.Sprintf("The far end stopped the ringing after %s, before your timeout: the phone or its network has its own no-answer timer (often when voicemail is off), or the person silenced the call.", ring)
	case f.ring < shortRingSecs:
		fd.headline = fmt.Sprintf("Rang %s with no answer", ring)
		fd.short = fmt.Sprintf("rang %s with no answer", ring)
		fd.reason = fmt.Sprintf("%s is short for a person to answer. If your app sets a ring timeout, check that it allows 30 s or more.", capitalize(ring))
	default:
		fd.headline = fmt.Sprintf("Rang %s with no answer", ring)
		fd.short = fmt.Sprintf("rang %s with no answer", ring)
		fd.reason = fmt.Sprintf("The phone rang for %s but nobody picked up", ring)
		switch {
		case ourSide && side == SidePlatform:
			fd.reason += "; then the platform's ring timeout ended the attempt."
		case ourSide:
			fd.reason += "; then the attempt was stopped on your side (a ring timeout, or your app or agent giving up)."
		case farSide:
			fd.reason += "; then the callee's network stopped it."
		default:
			fd.reason += "."
		}
	}
	return fd
}

func (f *facts) busy() finding {
	subject, side, _ := f.who()
	fd := finding{severity: SeverityInfo}
	switch {
	case f.srcOK && f.src.Value == "Answer XML":
		fd.headline = "Your application's XML refused the call as busy"
		fd.short = "your app's XML returned busy"
		fd.reason = "Your answer XML ended the call with Hangup reason \"busy\", so the caller heard a busy signal; nothing was wrong on the network."
		fd.steps = []string{"Check the answer XML logic that returns busy (opening hours, capacity checks)."}
	case side == SideApp || side == SidePlatform || side == SideCarrier || side == SideError:
		fd.headline = fmt.Sprintf("The call was refused as busy by %s", subject)
		fd.short = "refused as busy by " + subject
		fd.reason = fmt.Sprintf("The busy signal came from %s, not from the person called.", subject)
		if side == SideCarrier && f.dir != vobiz.DirectionInbound {
			fd.reason += " If many numbers on that carrier come back busy at once, it may be filtering your caller ID as spam."
		}
	case f.dir == vobiz.DirectionInbound:
		fd.headline = "Your side was busy"
		fd.short = "your side was busy"
		fd.reason = "The customer's call reached a line, agent or device of yours that was already busy."
		fd.steps = []string{"Check capacity at that time (agents, concurrent calls), or queue callers instead of returning busy."}
		fd.severity = SeverityWarning
	case f.rang && f.ring > declinedAfterRingSecs:
		who := "the callee"
		if subject != "" && side == SideCallee {
			who = subject
		}
		fd.headline = fmt.Sprintf("%s rejected the call after %s of ringing (signalled as busy)", capitalize(who), dur(f.ring))
		fd.short = fmt.Sprintf("rejected as busy after %s of ringing", dur(f.ring))
		fd.reason = "Busy after ringing usually means the person saw the call and pressed decline: many mobiles report a decline as busy."
	case f.rang:
		fd.headline = fmt.Sprintf("The line was busy (after %s of ringing)", dur(f.ring))
		fd.short = "the line was busy"
		fd.reason = fmt.Sprintf("Busy came back after only %s of ringing: the person was on another call without call waiting, or declined it at once. If many numbers on one carrier come back busy at once, that carrier may be filtering your caller ID as spam.", dur(f.ring))
	default:
		fd.headline = "The line was busy"
		fd.short = "the line was busy"
		fd.reason = "Busy came back straight away: the person was on another call without call waiting, or their phone rejects calls automatically. If many numbers on one carrier come back busy at once, that carrier may be filtering your caller ID as spam."
	}
	return fd
}

func (f *facts) rejected() finding {
	subject, side, _ := f.who()
	fd := finding{}
	sum := f.primary.summary
	switch {
	case f.srcOK && f.src.Value == "Answer XML":
		fd.headline = "Your application's XML rejected the call"
		fd.short = "your app's XML rejected the call"
		fd.reason = "Your answer XML ended the call with Hangup reason \"rejected\" (or with Hangup as its first element), so the call was refused before it was answered."
		fd.steps = []string{"Check the answer XML logic that rejects calls (blocked callers, opening hours)."}
		fd.severity = SeverityInfo
	case side == SideApp || side == SidePlatform || side == SideCarrier || side == SideError:
		fd.headline = fmt.Sprintf("The call was refused by %s %s", subject, f.ringPhrase())
		fd.short = "refused by " + subject
		fd.reason = fmt.Sprintf("The refusal came from %s, not from the person called.", subject)
		if f.dir != vobiz.DirectionInbound {
			fd.reason += " Check the caller ID you present (is it a number on your account, is it flagged as spam?) and the route's permissions."
		} else {
			fd.reason += " Check your number's settings and the route the call came in on."
		}
		fd.severity = SeverityWarning
	case f.rang && f.ring > declinedAfterRingSecs:
		who := "the callee"
		if subject != "" && side == SideCallee {
			who = subject
		}
		fd.headline = fmt.Sprintf("%s declined the call after %s of ringing", capitalize(who), dur(f.ring))
		fd.short = fmt.Sprintf("declined after %s of ringing", dur(f.ring))
		fd.reason = "The phone rang and the call was then actively declined: the person saw it and chose not to answer."
		fd.severity = SeverityInfo
	case f.rang:
		// It rang (ring_time with a progress time), if only briefly: the
		// story may not say it never rang, nor rule out a person.
		fd.headline = fmt.Sprintf("The call was rejected after %s of ringing: %s", dur(f.ring), sum)
		fd.short = fmt.Sprintf("rejected after %s of ringing", dur(f.ring))
		fd.reason = fmt.Sprintf("It rang for only %s before it was rejected: the person called may have declined it at once, or a blocking service on the route refused it.", dur(f.ring))
		if f.dir == vobiz.DirectionInbound {
			fd.reason = fmt.Sprintf("It rang on your side for only %s before it was rejected: an agent or device of yours declined it, or your number's setup refused it.", dur(f.ring))
			fd.steps = []string{"Check where your number sends its calls and whether that device or app refuses them."}
		}
		fd.severity = SeverityInfo
	case f.dir == vobiz.DirectionInbound:
		fd.headline = "The customer's call was rejected on your side before it rang: " + sum
		fd.short = sum + " before it rang"
		fd.reason = "An instant rejection of an incoming call comes from your side's setup (the device, PBX or app the number points to) or the platform, not from the customer."
		fd.steps = []string{"Check where your number sends its calls and whether that device or app refuses them."}
		fd.severity = SeverityWarning
	default:
		fd.headline = "The call was rejected before it rang: " + sum
		fd.short = sum + " before it rang"
		fd.reason = "An instant rejection comes from the network or a blocking service, not a person: check the caller ID you present (is it a number on your account, is it flagged as spam?) and the route's permissions."
		fd.steps = []string{"Try a test call to the same destination with another caller ID from your account."}
		fd.severity = SeverityWarning
	}
	return fd
}

func (f *facts) badNumber() finding {
	dest := strings.TrimSpace(string(f.c.DestinationNumber))
	sum := f.primary.summary
	fd := finding{severity: SeverityWarning}
	if dest != "" {
		fd.headline = fmt.Sprintf("Not connected: %s (%s)", sum, clip(dest, 40))
	} else {
		fd.headline = "Not connected: " + sum
	}
	fd.short = sum
	fd.reason = capitalize(sum) + "."
	digits := 0
	for _, r := range dest {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	lower := strings.ToLower(dest)
	switch {
	case dest == "":
	case strings.HasPrefix(lower, "sip:") || strings.Contains(dest, "@"):
		fd.reason += " The destination is a SIP address: check the user part and the domain."
	case digits > maxE164Digits:
		fd.reason += fmt.Sprintf(" The number has %d digits; E.164 numbers have at most %d, so digits were probably added or doubled.", digits, maxE164Digits)
	case digits < minNumberDigits:
		fd.reason += fmt.Sprintf(" The number has only %d digits, too few for a full international number.", digits)
	case !strings.HasPrefix(dest, "+"):
		fd.reason += " It was dialled without a leading + and country code, the most common cause of this error."
	case f.formatProblem():
		fd.reason += " It looks like a valid international number, so check for a missing or extra digit for that country, or a wrong country code."
	default:
		fd.reason += " The number is well formed, so it is most likely disconnected, or mistyped by a digit."
	}
	return fd
}

// formatProblem: the cause or code says the number's format is wrong,
// rather than that a well-formed number is not in service.
func (f *facts) formatProblem() bool {
	if f.codeOK && f.code == 2000 {
		return true
	}
	return f.causeOK && (f.cause.Name == "INVALID_NUMBER" || f.cause.Name == "INVALID_NUMBER_FORMAT")
}

// familyFinding explains a code missing from the table but inside a
// documented range.
func (f *facts) familyFinding() finding {
	fam := f.family
	fd := finding{severity: fam.Severity, steps: fam.NextSteps}
	desc := fmt.Sprintf("unrecognised code %d in the %s range", f.code, fam.Name)
	if f.rawCause != "" {
		desc = fmt.Sprintf("unrecognised %s with code %d in the %s range", quote(clip(f.rawCause, 60)), f.code, fam.Name)
	}
	fd.headline = capitalize(desc)
	if f.timed {
		fd.headline = fmt.Sprintf("%s: %s", f.fallbackLead(), desc)
	}
	fd.short = desc
	fd.reason = fam.Meaning + " " + f.fallbackFacts()
	return fd
}

// unknownFinding is the last resort: nothing is in the tables, so report
// what the fields themselves say.
func (f *facts) unknownFinding() finding {
	var what string
	switch {
	case f.rawCause != "" && f.codeValid:
		what = fmt.Sprintf("unrecognised hangup cause %s with code %d", quote(clip(f.rawCause, 60)), f.code)
	case f.rawCause != "":
		what = "unrecognised hangup cause " + quote(clip(f.rawCause, 60))
	case f.codeValid:
		what = fmt.Sprintf("unrecognised code %d", f.code)
	default:
		what = "no hangup cause or code recorded"
	}
	fd := finding{severity: SeverityWarning, short: what}
	fd.headline = capitalize(what)
	if f.timed {
		fd.headline = f.fallbackLead() + ": " + what
	}
	fd.reason = f.fallbackFacts()
	if fr, ok := LookupCause(f.failRsn); ok {
		fd.short = what + "; failure_reason says " + fr.Summary
	}
	fd.steps = []string{"Read failure_code / failure_reason and hangup_cause_name for the platform's own wording."}
	return fd
}

func (f *facts) fallbackLead() string {
	if f.outcome == Answered {
		return fmt.Sprintf("Answered, ended after %s of talk", dur(f.talk))
	}
	return notConnectedLead(f.outcome)
}

// fallbackFacts restates what the record says when the tables cannot.
func (f *facts) fallbackFacts() string {
	var s []string
	if name := strings.TrimSpace(f.c.HangupCauseName.String); name != "" && !f.codeOK {
		s = append(s, fmt.Sprintf("The record names it %s.", quote(clip(name, 80))))
	}
	if !f.timed {
		s = append(s, "No call timings were given.")
	} else if f.answered {
		s = append(s, fmt.Sprintf("The call was answered and lasted %s of talk.", dur(f.talk)))
	} else if f.rang {
		s = append(s, fmt.Sprintf("It was not answered; it rang for %s.", dur(f.ring)))
	} else {
		s = append(s, "It was not answered and did not ring.")
	}
	if subject, _, _ := f.who(); subject != "" {
		s = append(s, "The hangup is attributed to "+subject+".")
	}
	return strings.Join(s, " ")
}
