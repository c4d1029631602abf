package waveform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// window is the length of one envelope step. Silences are found on this
// grid, so their edges are exact to 50 ms, and the envelope of a four-hour
// recording stays at a few megabytes whatever the sample rate
// (docs/recordings.md#waveform).
const window = 50 * time.Millisecond

// maxClick is the longest burst of sound that does not split a silence in
// two: a click, a line pop or a keypad blip inside a dead line
// (docs/recordings.md#silence-rule).
const maxClick = 100 * time.Millisecond

// subBlocks is how many parts of a window (10 ms each) are told loud or
// quiet on their own, so that a click's length is known to 10 ms.
const subBlocks = 5

// readChunk is how many bytes are read from the recording at a time; the
// context is checked between chunks.
const readChunk = 64 << 10

// Analyze reads a WAV or MP3 recording from r and returns its envelope and
// silences. format ("wav", "mp3" or "") is only a hint: the first bytes
// decide. The recording is streamed: memory grows with its duration (one
// small record per 50 ms), never with its size.
func Analyze(ctx context.Context, r io.Reader, format string, o Options) (*Waveform, error) {
	o = o.withDefaults()
	br := bufio.NewReaderSize(r, readChunk)
	head, err := br.Peek(12)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("waveform: reading the first bytes: %w", err)
	}
	if len(head) < 4 {
		return nil, fmt.Errorf("waveform: only %d bytes arrived: %w", len(head), ErrCorrupt)
	}
	switch sniff(head, format) {
	case "wav":
		return analyzeWAV(ctx, br, o)
	case "mp3":
		return analyzeMP3(ctx, br, o)
	}
	if format != "" {
		return nil, fmt.Errorf("waveform: the bytes are neither WAV nor MP3 (announced as %q): %w", format, ErrUnsupported)
	}
	return nil, fmt.Errorf("waveform: the bytes are neither WAV nor MP3: %w", ErrUnsupported)
}

// sniff names the container from its first bytes. The hint only helps an
// MP3 stream that starts with a few bytes of junk before its first frame.
func sniff(head []byte, hint string) string {
	switch {
	case string(head[:4]) == "RIFF" || string(head[:4]) == "RF64":
		if len(head) < 12 || string(head[8:12]) == "WAVE" {
			return "wav" // one cut short is reported as damaged
		}
		return "" // a RIFF that is not WAVE (AVI, WebP…)
	case string(head[:3]) == "ID3":
		return "mp3"
	case len(head) >= 4:
		if _, ok := parseFrameHeader(head[:4]); ok {
			return "mp3"
		}
	}
	if hint == "mp3" || hint == "audio/mpeg" {
		return "mp3"
	}
	return ""
}

func (o Options) withDefaults() Options {
	if o.Bins <= 0 {
		o.Bins = DefaultBins
	}
	if o.MinSilence <= 0 {
		o.MinSilence = DefaultMinSilence
	}
	if o.SilenceDB >= 0 || math.IsNaN(o.SilenceDB) {
		o.SilenceDB = DefaultSilenceDB
	}
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxLength
	}
	return o
}

// envelope accumulates, per 50 ms window and per channel, the mean square
// and the peak of the samples. It is all Analyze keeps of the audio.
type envelope struct {
	keep      int   // channels analysed: 1 or 2
	rate      int   // frames per second
	win       int   // frames per window
	maxFrames int64 // frames allowed by MaxLength
	frames    int64 // frames seen
	n         int   // frames in the current window
	sum       [2]float64
	peak      [2]float32
	ms        [2][]float32 // mean square per window
	pk        [2][]float32 // peak per window
	thr2      float64      // mean square below which audio is silent
	nsub      int          // parts per window
	sub       int          // current part of the window
	subFrom   int          // frame in the window where the part began
	subSum    [2]float64   // e.sum when the part began
	nloud     [2]uint8     // loud parts so far in the window
	loud      [2][]uint8   // loud parts per window
	diff      float64      // sum of (left-right)² over the recording
	energy    float64      // sum of left²+right² over the recording
	// peakFromRMS derives the peaks from the loudness, for decoded audio
	// whose level is right but whose samples are not.
	peakFromRMS bool
}

func newEnvelope(rate, keep int, o Options) *envelope {
	win := rate / int(time.Second/window)
	if win < 1 {
		win = 1
	}
	max := o.MaxLength
	return &envelope{
		keep:      keep,
		rate:      rate,
		win:       win,
		nsub:      min(subBlocks, win),
		thr2:      math.Pow(10, o.SilenceDB/10),
		maxFrames: int64(max/time.Second)*int64(rate) + int64(max%time.Second)*int64(rate)/int64(time.Second),
	}
}

// subEnd is the frame in the window where the current part ends.
func (e *envelope) subEnd() int {
	return (e.sub + 1) * e.win / e.nsub
}

// closeSub counts the part that just ended as loud or quiet.
func (e *envelope) closeSub() {
	if n := e.n - e.subFrom; n > 0 {
		for c := 0; c < e.keep; c++ {
			if (e.sum[c]-e.subSum[c])/float64(n) >= e.thr2 {
				e.nloud[c]++
			}
			e.subSum[c] = e.sum[c]
		}
	}
	e.sub++
	e.subFrom = e.n
}

// add takes interleaved samples in -1..1 with src channels per frame (1 or
// 2); with keep 1 only the first channel of each frame is analysed.
func (e *envelope) add(s []float32, src int) error {
	frames := len(s) / src
	if e.frames+int64(frames) > e.maxFrames {
		return ErrTooLong
	}
	e.frames += int64(frames)
	for len(s) >= src {
		take := min(e.subEnd()-e.n, len(s)/src)
		switch {
		case src == 2 && e.keep == 2:
			e.addStereo(s[:2*take])
		default:
			e.addFirst(s[:src*take], src)
		}
		s = s[src*take:]
		e.n += take
		if e.n == e.win {
			e.flush()
		} else if e.n == e.subEnd() {
			e.closeSub()
		}
	}
	return nil
}

// addFirst adds the first channel of interleaved samples with stride
// src (1: mono, 2: the left of a stereo pair kept as one channel).
func (e *envelope) addFirst(s []float32, src int) {
	sum, peak := 0.0, e.peak[0]
	for i := 0; i < len(s); i += src {
		v := s[i]
		sum += float64(v * v)
		if v < 0 {
			v = -v
		}
		peak = max(peak, v)
	}
	e.sum[0] += sum
	e.peak[0] = peak
}

func (e *envelope) addStereo(s []float32) {
	sl, sr, sd := 0.0, 0.0, 0.0
	pl, pr := e.peak[0], e.peak[1]
	for i := 0; i+1 < len(s); i += 2 {
		l, r := s[i], s[i+1]
		d := l - r
		sd += float64(d * d)
		sl += float64(l * l)
		sr += float64(r * r)
		pl = max(pl, abs32(l))
		pr = max(pr, abs32(r))
	}
	e.sum[0] += sl
	e.sum[1] += sr
	e.peak[0], e.peak[1] = pl, pr
	e.diff += sd
	e.energy += sl + sr
}

func abs32(v float32) float32 {
	return math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
}

// sameChannels tells whether both channels carry the same audio: exactly,
// or up to coding noise 40 dB below the signal, which is what a joint-stereo
// MP3 made from mono decodes to. Two parties on two channels, or one
// channel going quiet, differ by far more.
func (e *envelope) sameChannels() bool {
	return e.diff <= 1e-4*e.energy
}

// flush closes the current window, which may be short at the end.
func (e *envelope) flush() {
	if e.n == 0 {
		return
	}
	e.closeSub()
	for c := 0; c < e.keep; c++ {
		e.ms[c] = append(e.ms[c], float32(e.sum[c]/float64(e.n)))
		e.pk[c] = append(e.pk[c], e.peak[c])
		e.loud[c] = append(e.loud[c], e.nloud[c])
		e.sum[c], e.peak[c], e.subSum[c], e.nloud[c] = 0, 0, 0, 0
	}
	e.n, e.sub, e.subFrom = 0, 0, 0
}

// at is the time of a frame index from the start.
func (e *envelope) at(frames int64) time.Duration {
	r := int64(e.rate)
	return time.Duration(frames/r)*time.Second + time.Duration(frames%r)*time.Second/time.Duration(r)
}

// result turns the envelope into a Waveform: peaks reduced to o.Bins per
// channel, silences found on the window grid.
func (e *envelope) result(o Options) (*Waveform, error) {
	e.flush()
	if e.frames == 0 {
		return nil, fmt.Errorf("waveform: the recording holds no audio: %w", ErrCorrupt)
	}
	w := &Waveform{Duration: e.at(e.frames), SampleRate: e.rate}
	if e.peakFromRMS {
		// Sample peaks are not to be trusted (see mpeg25Reader): use the
		// peak of a sine of the window's loudness.
		w.Approximate = true
		for c := 0; c < e.keep; c++ {
			for i, ms := range e.ms[c] {
				e.pk[c][i] = float32(min(1, math.Sqrt(2*float64(ms))))
			}
		}
	}
	chans := e.keep
	if chans == 2 && e.sameChannels() {
		chans = 1 // mono saved as stereo
	}
	for c := 0; c < chans; c++ {
		w.Channels = append(w.Channels, Channel{
			Peaks:    reducePeaks(e.pk[c], o.Bins),
			Silences: e.silences(e.ms[c], e.loud[c], o.MinSilence, w.Duration),
		})
	}
	return w, nil
}

// reducePeaks folds the per-window peaks into bins equal slices (fewer
// when there are fewer windows), each the loudest window in it, capped at 1.
func reducePeaks(pk []float32, bins int) []float32 {
	n := len(pk)
	bins = min(bins, n)
	out := make([]float32, bins)
	for b := range out {
		lo, hi := b*n/bins, (b+1)*n/bins
		var p float32
		for _, v := range pk[lo:hi] {
			p = max(p, v)
		}
		out[b] = min(p, 1)
	}
	return out
}

// silences applies the rule of docs/recordings.md#silence-rule: a window is
// silent when its RMS is below the threshold (digital zero always is); a
// burst of sound shorter than maxClick with silent windows on both sides
// counts as silent; runs of silent windows lasting at least minSilence are
// reported, a run reaching the end ending at the recording's duration.
func (e *envelope) silences(ms []float32, loud []uint8, minSilence, dur time.Duration) []Span {
	n := len(ms)
	silent := make([]bool, n)
	for i, v := range ms {
		silent[i] = float64(v) < e.thr2 || v == 0
	}
	// Bridge clicks: a burst touching at most clickWins windows and
	// clickSubs 10 ms parts. A click shorter than maxClick can touch one
	// more window, and one more part, than it covers, hence the +1s.
	winDur := e.at(int64(e.win))
	subDur := winDur / time.Duration(e.nsub)
	clickWins := int((maxClick+winDur-1)/winDur) + 1
	clickSubs := int((maxClick+subDur-1)/subDur) + 1
	for i := 0; i < n; {
		if silent[i] {
			i++
			continue
		}
		j := i
		for j < n && !silent[j] {
			j++
		}
		parts := 0
		for _, l := range loud[i:j] {
			parts += int(l)
		}
		if i > 0 && j < n && j-i <= clickWins && parts <= clickSubs {
			for k := i; k < j; k++ {
				silent[k] = true
			}
		}
		i = j
	}
	var out []Span
	for i := 0; i < n; {
		if !silent[i] {
			i++
			continue
		}
		j := i
		for j < n && silent[j] {
			j++
		}
		s := Span{Start: e.at(int64(i) * int64(e.win)), End: min(e.at(int64(j)*int64(e.win)), dur)}
		if s.End-s.Start >= minSilence {
			out = append(out, s)
		}
		i = j
	}
	return out
}

// checkCtx reports a cancelled context, wrapped so the caller can tell it
// from a damaged file.
func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("waveform: analysis stopped: %w", err)
	}
	return nil
}
