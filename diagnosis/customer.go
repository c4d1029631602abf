package diagnosis

// What the agent says to the customer, and advice that fits the call.
// Both read the same blame decision (who) and the same direction as the
// rest of the diagnosis, so the plain line can never tell a different
// story from the headline.

import (
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

// tellCustomer is one sentence an agent can read out. On an outbound call
// "we" placed the call to the customer; on an inbound call the customer
// called "us". It names no codes and no fields, states no durations (the
// numbers are on the page, next to the field they come from) and only
// says the phone rang when the record shows ringing.
func (f *facts) tellCustomer(fd finding, severity string) string {
	if !f.timed {
		return "Only a hangup cause or code was given, so there is nothing specific to tell the customer yet."
	}
	in := f.dir == vobiz.DirectionInbound
	out := f.dir == vobiz.DirectionOutbound
	_, side, _ := f.who()
	switch {
	case f.sc == scMediaTimeout && f.q.MOS.Band.rank() == 0:
		return "The call was cut off because no sound got through on the line; that was a network problem, not something you did."
	case f.sc == scMediaTimeout:
		return "The call was cut off because the sound stopped getting through on the line; that was a network problem, not something you did."
	case f.answered && f.legMismatch:
		return "The call connected; we are checking the records of this call to see exactly how it ended."
	case f.answered:
		return f.tellAnswered(side, severity)
	}
	switch f.outcome {
	case NoAnswer:
		switch {
		case in && f.rang:
			return "Your call reached us but nobody on our side answered in time; sorry about that, please try again or ask us to call you back."
		case in:
			return "Your call reached us but could not be put through to anyone on our side; sorry about that, please try again or ask us to call you back."
		case out && f.rang:
			return "We called you and your phone rang, but the call was not answered."
		case out:
			return "We tried to call you but could not reach your phone; it may have been switched off or out of coverage."
		}
		return "The call was not answered."
	case Busy:
		switch {
		case in && side == SideApp:
			return "Our system could not take your call at that moment; please try again a little later."
		case in:
			return "Our line was busy when you called; please try again or ask us to call you back."
		case out:
			return "When we called, your line was busy or the call was declined."
		}
		return "The line was busy."
	case Cancelled:
		switch {
		case in && side == SideCaller:
			return "Your call ended before anyone on our side answered it."
		case in:
			return "Your call was stopped on our side before it was answered; sorry about that, please try again."
		case out && (side == SideCaller || side == SideApp || side == SidePlatform || side == ""):
			return "We stopped our call to you before it was answered."
		case out:
			return "Our call to you was stopped before it was answered."
		}
		return "The call was stopped before it was answered."
	}
	return f.tellFailed(side, in, out)
}

func (f *facts) tellAnswered(side, severity string) string {
	quality := ""
	if f.q.Overall == BandPoor {
		quality = " The sound quality on the line was poor, which may have made it hard to hear."
	}
	switch {
	case f.primary.family == FamilyURL || f.primary.family == FamilyXML || side == SideError:
		return "The call connected but was ended by a problem in our own system, not by you; we are looking into it." + quality
	case f.codeOK && f.code == 6000:
		return "The call connected and was ended automatically when it reached its maximum length." + quality
	case f.codeOK && f.code == 9100:
		return "The call reached a voicemail or answering machine, so it was ended without a message." + quality
	case f.codeOK && f.code == 1010:
		return "The call connected and was then ended by our system, not by you." + quality
	case side == SidePlatform || side == SideApp:
		if severity == SeverityError {
			return "The call connected and was then ended by our system, not by you; we are looking into it." + quality
		}
		return "The call connected and was ended by our system when it finished, not by a fault on your line." + quality
	}
	return "The call connected and ended normally." + quality
}

func (f *facts) tellFailed(side string, in, out bool) string {
	fam := f.primary.family
	switch {
	case side == SideApp && in:
		return "Our system did not accept your call at that moment (for example outside opening hours); please try again later."
	case side == SideApp:
		return "Our system stopped the call before it reached you."
	case fam == FamilyURL || fam == FamilyXML:
		return "A problem in our own system stopped the call; it was not caused by you."
	case f.sc == scBadNumber && out:
		return "The number we dialled could not be reached as dialled; we will check the number we have for you."
	case f.sc == scBadNumber:
		return "The call could not be connected because of the number it was sent to; we are checking it."
	case f.sc == scRejected && out && side == SideCallee:
		return "Our call to you was declined or blocked on your side."
	case f.sc == scRejected && in:
		return "Your call was refused on our side before it was answered; sorry about that, we are checking why."
	case fam == FamilyDestination:
		// The destination family is about the number or what the account
		// allows for it, not the network's health.
		if in {
			return "Your call could not be put through to anyone on our side; it was not caused by you, and we are checking why."
		}
		return "Our call could not be put through to your number; it was not caused by anything you did, and we are checking why."
	case fam == FamilyCarrier || fam == FamilySystem || side == SideCarrier:
		if in {
			return "A network problem stopped your call from reaching us; it was not caused by you, please try again later."
		}
		return "A network problem stopped our call from reaching you; it was not caused by you."
	}
	if in {
		return "Your call could not be connected; we are looking into why."
	}
	return "Our call could not be connected; we are looking into why."
}

// stepContradicts reports a table step that does not fit this call. The
// tables' steps are written for the common case, your app dialling out;
// on an inbound call the ones about your dialling (caller ID, dialling
// lists, the dial's ring timeout) do not apply, and on an outbound call the
// ones about answering incoming calls do not. A step about the person
// declining does not fit a call your own application refused.
func (f *facts) stepContradicts(step string) bool {
	s := strings.ToLower(step)
	switch f.dir {
	case vobiz.DirectionInbound:
		for _, w := range []string{"outbound", "caller id", "dialling", "dialing", "on the dial", "ring timeout",
			"campaign", "calling rate", "the number with the customer"} {
			if strings.Contains(s, w) {
				return true
			}
		}
	case vobiz.DirectionOutbound:
		for _, w := range []string{"inbound", "incoming", "answer faster", "queue callers"} {
			if strings.Contains(s, w) {
				return true
			}
		}
	}
	if _, side, _ := f.who(); side == SideApp && strings.HasPrefix(s, "if the person declined") {
		return true
	}
	// A rejection that never rang came from the network or a blocking
	// service, as the likely reason says: not a person declining.
	if f.sc == scRejected && !f.rang && strings.HasPrefix(s, "if the person declined") {
		return true
	}
	return false
}
