// Package waveform reads a call recording (WAV or MP3) and tells where its
// audio went silent: a peak envelope per channel, for the strip drawn under
// the player, and the stretches of silence long enough to matter (one-way
// audio, a muted party, a dead line). It knows audio formats and nothing
// about Vobiz or HTTP (docs/recordings.md#waveform).
package waveform

import (
	"errors"
	"time"
)

// Defaults for Options.
const (
	DefaultBins       = 600
	DefaultMinSilence = 3 * time.Second
	DefaultSilenceDB  = -50.0 // dBFS, RMS over a short window
	DefaultMaxLength  = 4 * time.Hour
)

// Errors callers branch on.
var (
	ErrUnsupported = errors.New("waveform: unsupported audio format")
	ErrCorrupt     = errors.New("waveform: audio is damaged")
	ErrTooLong     = errors.New("waveform: recording is longer than the limit")
)

// Options tune Analyze. Zero values select the defaults, and so does a
// SilenceDB of zero or above (dBFS cannot be positive).
type Options struct {
	Bins       int           // envelope points per channel
	MinSilence time.Duration // shortest stretch reported as silence
	SilenceDB  float64       // loudness below which audio counts as silent (negative dBFS)
	MaxLength  time.Duration // longer recordings fail with ErrTooLong
}

// Span is a stretch of a recording, from its start.
type Span struct {
	Start, End time.Duration
}

// Channel is one channel's envelope and silences.
type Channel struct {
	// Peaks holds Bins values in 0..1: the loudest sample in each equal
	// slice of the recording, as a fraction of full scale.
	Peaks []float32
	// Silences are the stretches quieter than SilenceDB for at least
	// MinSilence, in order.
	Silences []Span
}

// Waveform is what Analyze found.
type Waveform struct {
	Duration   time.Duration
	SampleRate int
	// Channels has one entry for a mono recording and two for a
	// two-channel one. Stereo whose channels carry the same samples (mono
	// saved as stereo, which MP3 decoders always produce) is one channel.
	Channels []Channel
	// Approximate is set for an 8, 11 or 12 kHz MP3 (MPEG 2.5), decoded
	// by a workaround: its silences are right, but its loudness may be off
	// by a few decibels and its peaks are derived from the loudness
	// (docs/recordings.md#formats).
	Approximate bool
}
