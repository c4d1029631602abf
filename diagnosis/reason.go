package diagnosis

// The remaining parts of a diagnosis: meaning, failure fields, audio,
// routing context and the support step.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cdrdash/cdrdash/vobiz"
)

func (f *facts) meaning() string {
	var causeText, codeText string
	switch {
	case f.causeOK && f.primary.isCode && f.cause.Family == FamilyNormal:
		causeText = fmt.Sprintf("The text cause %s only says the signalling ended normally; the code is the more specific of the two.", f.cause.Name)
	case f.causeOK && f.primary.isCode && f.cause.Family == FamilyUnknown:
		causeText = fmt.Sprintf("The text cause %s carries no detail; the code is the more specific of the two.", f.cause.Name)
	case f.fromFailure:
		causeText = fmt.Sprintf("The record has no hangup cause or code; its failure fields point to %s: %s", f.cause.Name, f.cause.Meaning)
	case f.causeOK:
		causeText = f.cause.Meaning
	case f.rawCause != "":
		causeText = fmt.Sprintf("%s is not a hangup cause in our tables (Vobiz's list or the Q.850 / FreeSWITCH names).", quote(clip(f.rawCause, 60)))
	}
	switch {
	case f.codeOK:
		codeText = fmt.Sprintf("Code %d (%s): %s", f.code, f.codeInfo.Name, f.codeInfo.Meaning)
	case f.codeValid && f.familyOK:
		codeText = fmt.Sprintf("Code %d is not in the documented table; it falls in the %d–%d range. %s", f.rawCode, f.family.Low, f.family.High, f.family.Meaning)
	case f.codeValid:
		codeText = fmt.Sprintf("Code %d is not in the documented table or in any documented range.", f.rawCode)
	}
	// When your own application refused the call, the tables' "the called
	// party declined" would blame the wrong party: say what the values
	// record instead.
	if _, side, _ := f.who(); side == SideApp {
		by := "your application's XML"
		if f.src.Value != "Answer XML" {
			by = "your application"
		}
		if f.causeOK && (f.cause.scenario == scRejected || f.cause.scenario == scBusy) {
			causeText = fmt.Sprintf("The text cause %s records that the call was refused before it was answered; here %s refused it, not the person called.", f.cause.Name, by)
		}
		if f.codeOK && (f.codeInfo.scenario == scRejected || f.codeInfo.scenario == scBusy) {
			codeText = fmt.Sprintf("Code %d (%s) is how the platform records that refusal.", f.code, f.codeInfo.Name)
		}
	}
	var s []string
	if f.primary.isCode {
		s = append(s, codeText, causeText)
	} else {
		s = append(s, causeText, codeText)
	}
	s = slices.DeleteFunc(s, func(x string) bool { return x == "" })
	if len(s) == 0 {
		if fr, ok := LookupCause(f.failRsn); ok {
			return "The record has no hangup cause or code; its failure_reason " + fr.Name + " means: " + fr.Meaning
		}
		return "The record carries no hangup cause or code."
	}
	return strings.Join(s, " ")
}

// failureSentence reads failure_code and failure_reason (docs/vobiz-api.md#failure-code-and-reason:
// strings, null on success; the only example is "16" / "NO_ANSWER").
func (f *facts) failureSentence() string {
	if f.failCode == "" && f.failRsn == "" {
		return ""
	}
	var parts []string
	if f.failCode != "" {
		p := "failure_code " + clean(clip(f.failCode, 40))
		if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(f.failCode), "sip:")); err == nil {
			switch {
			case n >= 100 && n <= 699:
				if si, ok := LookupSIP(n); ok {
					p += fmt.Sprintf(" is SIP %d %s (%s)", n, si.Reason, si.Meaning)
				} else {
					p += fmt.Sprintf(" looks like a SIP %dxx response", n/100)
				}
			case n >= 0 && n <= 127:
				if ci, ok := lookupQ850(n); ok && ci.NumberKind == NumberQ850 {
					p += fmt.Sprintf(" is Q.850 cause %d (%s)", n, ci.Name)
					if n == 16 && f.causeOK && f.cause.Name != "NORMAL_CLEARING" {
						p += ", a generic value: FreeSWITCH-based platforms report 16 for all their internal causes, so the cause name is the better guide"
					}
				} else {
					p += fmt.Sprintf(" is Q.850 cause value %d", n)
				}
			}
		}
		parts = append(parts, p)
	}
	if f.failRsn != "" {
		p := "failure_reason " + clean(clip(f.failRsn, 80))
		fr, ok := LookupCause(f.failRsn)
		switch {
		case ok && f.causeOK && fr.Name == f.cause.Name:
			p += " matches the hangup cause"
		case ok:
			p += " means " + fr.Summary
		}
		parts = append(parts, p)
	}
	return "The failure fields: " + strings.Join(parts, "; ") + "."
}

func (f *facts) qualitySentence() string {
	if !f.answered || f.sc == scMediaTimeout {
		return ""
	}
	switch f.q.Overall {
	case BandPoor:
		return "Audio: " + strings.Join(f.q.Notes, " ")
	case BandNoMedia:
		if f.talk > immediateTalkSecs {
			return "No audio figures were recorded although the call was answered; if the customer reports silence, suspect one-way audio (NAT or firewall on the RTP ports)."
		}
	}
	return ""
}

func (f *facts) qualitySeverity() string {
	if f.answered && f.q.Overall == BandPoor {
		return SeverityWarning
	}
	return ""
}

func (f *facts) qualitySteps() []string {
	if !f.answered || f.q.Overall != BandPoor {
		return nil
	}
	steps := []string{"Ask about the customer's connection (weak mobile signal, busy Wi-Fi) and check bandwidth and voice QoS on your side."}
	codec := strings.ToUpper(f.q.Codec)
	if f.q.PacketLoss.Band == BandPoor && (codec == "PCMU" || codec == "PCMA" || codec == "G722") {
		steps = append(steps, "If loss is common on this route, prefer Opus where both ends support it: it copes with loss far better than "+f.q.Codec+".")
	}
	if f.q.Jitter.Band == BandPoor {
		steps = append(steps, "Look for congested links or Wi-Fi on the path: jitter comes from packets queuing unevenly.")
	}
	return steps
}

// contextSentence adds what the routing fields say, where it matters.
func (f *facts) contextSentence() string {
	if f.outcome == Answered || !f.timed {
		return ""
	}
	if strings.EqualFold(strings.TrimSpace(string(f.c.Context)), "sip-trunking") && f.ourPBXSide() {
		return "The call went through your SIP trunk, so your own PBX may have made or passed on the decision."
	}
	return ""
}

func (f *facts) supportStep() string {
	uuid := clip(strings.TrimSpace(string(f.c.UUID)), 64)
	sipID := clip(strings.TrimSpace(string(f.c.SIPCallID)), 128)
	switch {
	case uuid != "" && sipID != "":
		return fmt.Sprintf("If it keeps happening, send Vobiz support the call UUID %s and SIP Call-ID %s.", uuid, sipID)
	case uuid != "":
		return fmt.Sprintf("If it keeps happening, send Vobiz support the call UUID %s.", uuid)
	}
	return "If it keeps happening, send Vobiz support the call UUID and SIP Call-ID."
}

// ourPBXSide: the blame decision leaves room for your own PBX, which sits
// on your side of a trunked call (the caller of an outbound call, the
// callee of an inbound one), or names nobody.
func (f *facts) ourPBXSide() bool {
	if f.sc == scMediaTimeout {
		return false
	}
	_, side, _ := f.who()
	switch side {
	case "", SideUnknown:
		return true
	case SideCaller:
		return f.dir == vobiz.DirectionOutbound
	case SideCallee:
		return f.dir == vobiz.DirectionInbound
	}
	return false
}
