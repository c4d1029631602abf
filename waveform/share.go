package waveform

import "time"

// One-way audio thresholds (docs/recordings.md#one-way-audio).
const (
	oneWayMinSilence = 10 * time.Second
	oneWayMinShare   = 0.20
	oneWayMinSound   = time.Second
)

// SilentShare is the share of the recording (0..1) that channel ch spends
// in reported silences; 0 for a channel that does not exist.
func (w *Waveform) SilentShare(ch int) float64 {
	if w == nil || ch < 0 || ch >= len(w.Channels) || w.Duration <= 0 {
		return 0
	}
	var total time.Duration
	for _, s := range w.Channels[ch].Silences {
		total += s.End - s.Start
	}
	return min(float64(total)/float64(w.Duration), 1)
}

// OneWay tells whether a two-channel recording shows one-way audio: one
// channel silent from some point to the end, for at least 10 s and 20% of
// the recording, while the other channel still has at least 1 s of sound
// (time outside its own silences) after that point. It returns that
// channel and when its silence began; when both channels qualify, the one
// that went silent first.
func (w *Waveform) OneWay() (ch int, from time.Duration, ok bool) {
	if w == nil || len(w.Channels) != 2 || w.Duration <= 0 {
		return 0, 0, false
	}
	for c := range 2 {
		start, silentToEnd := w.trailingSilence(c)
		if !silentToEnd {
			continue
		}
		long := w.Duration - start
		if long < oneWayMinSilence || float64(long) < oneWayMinShare*float64(w.Duration) {
			continue
		}
		if w.soundAfter(1-c, start) < oneWayMinSound {
			continue
		}
		if !ok || start < from {
			ch, from, ok = c, start, true
		}
	}
	return ch, from, ok
}

// trailingSilence returns the start of the silence running to the end of
// channel c, if it has one.
func (w *Waveform) trailingSilence(c int) (time.Duration, bool) {
	ss := w.Channels[c].Silences
	if len(ss) == 0 || ss[len(ss)-1].End < w.Duration {
		return 0, false
	}
	return ss[len(ss)-1].Start, true
}

// soundAfter is how much of channel c after t lies outside its silences.
func (w *Waveform) soundAfter(c int, t time.Duration) time.Duration {
	sound := w.Duration - t
	for _, s := range w.Channels[c].Silences {
		lo, hi := max(s.Start, t), min(s.End, w.Duration)
		if hi > lo {
			sound -= hi - lo
		}
	}
	return sound
}
