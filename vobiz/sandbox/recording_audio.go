package sandbox

import (
	_ "embed"
	"encoding/binary"
	"io"
	"math"
)

// Synthetic recording audio (docs/vobiz-api.md#recordings).
//
// A recording's audio is a pure function of its plan: conversational
// turns of 1-4 s made of syllables, pauses shorter than 1.5 s, and a noise
// floor around -40 dBFS under everything, so a live channel is never
// quieter than -50 dBFS for long. Every byte is computed from its offset
// (io.ReaderAt), so a Range request renders only the bytes it asks for and
// a one-hour recording never sits in memory: that is why there is no cache
// of generated files.

const (
	wavRate        = 8000 // telephony: 8 kHz, 16-bit PCM
	wavHeaderLen   = 44
	mp3Rate        = 16000 // the embedded MP3 frames' sample rate
	mp3FrameSample = 576   // samples per MPEG-2 Layer III frame
	// noiseAmp is the peak of the uniform noise floor: its RMS is
	// noiseAmp/sqrt(3) ≈ 327, which is -40 dBFS of 32767.
	noiseAmp = 567
	// oneWayFrom is where a one-way recording's second channel goes
	// digitally silent.
	oneWayFromSec = 30
)

// span is a stretch of a plan in 8 kHz samples, [start, end).
type span struct {
	start, end int64
	speaker    uint8   // 0 the caller (from), 1 the callee (to)
	pitch      float32 // Hz, syllables only
	amp        float32 // target RMS in sample units, syllables only
}

// audioPlan is what a recording says, when. Turns never overlap.
type audioPlan struct {
	samples    int64 // per channel, at 8 kHz
	channels   int
	turns      []span
	syllables  []span
	silentFrom int64 // first 8 kHz sample of channel 2 that is zero; -1 none
	noiseKey   uint64
}

// newAudioPlan lays out the conversation of a recording of the given
// length. It costs one entry per syllable (about 4 a second).
func newAudioPlan(seed uint64, durMS int64, channels int, oneWay bool) *audioPlan {
	p := &audioPlan{samples: durMS * wavRate / 1000, channels: channels, silentFrom: -1, noiseKey: mix64(seed ^ 0x5e11)}
	if oneWay {
		p.silentFrom = oneWayFromSec * wavRate
	}
	r := &rng{state: mix64(seed)}
	ms := func(v int) int64 { return int64(v) * wavRate / 1000 }
	t := ms(r.between(200, 1000))
	speaker := uint8(r.intn(2)) // who speaks first
	for t < p.samples {
		turnEnd := min(t+ms(r.between(1000, 4000)), p.samples)
		// A turn's loudness: -20..-10 dBFS RMS while a syllable sounds.
		amp := float32(32767 * math.Pow(10, r.uniform(-20, -10)/20))
		turn := span{start: t, end: turnEnd, speaker: speaker}
		pitch := float32(r.uniform(95, 140))
		if r.chance(0.5) {
			pitch = float32(r.uniform(170, 250))
		}
		for s := t; s < turnEnd; {
			e := min(s+ms(r.between(110, 320)), turnEnd)
			p.syllables = append(p.syllables, span{start: s, end: e, speaker: speaker,
				pitch: pitch * float32(r.uniform(0.85, 1.2)), amp: amp * float32(r.uniform(0.7, 1.15))})
			gap := r.between(15, 80)
			if r.chance(0.15) {
				gap = r.between(120, 300) // between words
			}
			s = e + ms(gap)
		}
		p.turns = append(p.turns, turn)
		t = turnEnd + ms(r.between(150, 1400)) // pauses stay under 1.5 s
		if !r.chance(0.2) {                    // sometimes the same person goes on
			speaker ^= 1
		}
	}
	return p
}

// harmonic is one period of a voiced sound: a few harmonics falling off
// like a voice's, normalised to an RMS of 1.
var harmonic = func() (t [1024]float32) {
	var sum, sq float64
	vals := make([]float64, len(t))
	for i := range t {
		x := 2 * math.Pi * float64(i) / float64(len(t))
		v := 0.0
		for k := 1; k <= 6; k++ {
			v += math.Sin(float64(k)*x+float64(k)) / float64(k)
		}
		vals[i] = v
		sum += v
	}
	mean := sum / float64(len(t))
	for _, v := range vals {
		sq += (v - mean) * (v - mean)
	}
	rms := math.Sqrt(sq / float64(len(t)))
	for i, v := range vals {
		t[i] = float32((v - mean) / rms)
	}
	return t
}()

// firstSyllable returns the index of the first syllable ending after n.
func (p *audioPlan) firstSyllable(n int64) int {
	lo, hi := 0, len(p.syllables)
	for lo < hi {
		m := (lo + hi) / 2
		if p.syllables[m].end <= n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// speaking reports whether n (an 8 kHz sample) falls inside a turn.
func (p *audioPlan) speaking(n int64) bool {
	lo, hi := 0, len(p.turns)
	for lo < hi {
		m := (lo + hi) / 2
		if p.turns[m].end <= n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(p.turns) && p.turns[lo].start <= n
}

// noise is the floor of channel ch at sample n: uniform in ±noiseAmp.
func (p *audioPlan) noise(n int64, ch int) float32 {
	h := mix64(uint64(n)<<1 ^ uint64(ch) ^ p.noiseKey)
	return float32(int64(h%(2*noiseAmp+1)) - noiseAmp)
}

// render writes frames [first, first+len(dst)/channels) as interleaved
// 16-bit samples.
func (p *audioPlan) render(dst []int16, first int64) {
	ch := p.channels
	k := p.firstSyllable(first)
	for i := 0; i < len(dst)/ch; i++ {
		n := first + int64(i)
		for k < len(p.syllables) && p.syllables[k].end <= n {
			k++
		}
		var voice float32
		speaker := -1
		if k < len(p.syllables) && p.syllables[k].start <= n {
			sy := &p.syllables[k]
			pos := n - sy.start
			length := sy.end - sy.start
			env := float32(math.Sin(math.Pi * float64(pos) / float64(length)))
			phase := float64(sy.pitch) * float64(pos) / wavRate
			idx := int((phase - math.Floor(phase)) * float64(len(harmonic)))
			voice = harmonic[idx&(len(harmonic)-1)] * sy.amp * env * 1.4
			speaker = int(sy.speaker)
		}
		for c := range ch {
			v := p.noise(n, c)
			if ch == 1 || speaker == c {
				v += voice
			}
			if c == 1 && p.silentFrom >= 0 && n >= p.silentFrom {
				v = 0 // one-way audio: nothing at all reaches this side
			}
			dst[i*ch+c] = int16(max(-32768, min(32767, v)))
		}
	}
}

// wavAudio is a recording's WAV file, rendered on demand.
type wavAudio struct {
	p      *audioPlan
	header [wavHeaderLen]byte
}

func newWAV(p *audioPlan) *wavAudio {
	w := &wavAudio{p: p}
	data := uint32(p.samples * int64(p.channels) * 2)
	h := w.header[:0]
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, 36+data)
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, uint16(p.channels))
	h = binary.LittleEndian.AppendUint32(h, wavRate)
	h = binary.LittleEndian.AppendUint32(h, uint32(wavRate*2*p.channels))
	h = binary.LittleEndian.AppendUint16(h, uint16(2*p.channels))
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	binary.LittleEndian.AppendUint32(h, data)
	return w
}

func (w *wavAudio) Size() int64 { return wavHeaderLen + w.p.samples*int64(w.p.channels)*2 }

// ReadAt implements io.ReaderAt.
func (w *wavAudio) ReadAt(b []byte, off int64) (int, error) {
	size := w.Size()
	if off >= size {
		return 0, io.EOF
	}
	n := 0
	if off < wavHeaderLen {
		n = copy(b, w.header[off:])
		off += int64(n)
	}
	want := min(int64(len(b)-n), size-off)
	if want > 0 {
		frameBytes := int64(w.p.channels) * 2
		dataOff := off - wavHeaderLen
		first := dataOff / frameBytes
		last := (dataOff + want + frameBytes - 1) / frameBytes
		buf := make([]int16, (last-first)*int64(w.p.channels))
		w.p.render(buf, first)
		raw := make([]byte, len(buf)*2)
		for i, v := range buf {
			binary.LittleEndian.PutUint16(raw[2*i:], uint16(v))
		}
		skip := dataOff - first*frameBytes
		n += copy(b[n:], raw[skip:skip+want])
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// The MP3 frames: a few seconds of the same synthetic speech and of the
// noise floor, encoded once with LAME without the bit reservoir, so every
// frame decodes on its own (vobiz/sandbox/media/make-mp3.sh makes them).
var (
	//go:embed media/speech.mp3
	speechMP3 []byte
	//go:embed media/floor.mp3
	floorMP3 []byte
)

// mp3Frames splits an MP3 stream into its frames. The embedded files are
// constant bit rate without padding, so every frame has the same size.
type mp3Frames struct {
	frames    [][]byte
	frameSize int
}

var speechFrames, floorFrames = splitMP3(speechMP3), splitMP3(floorMP3)

func splitMP3(b []byte) mp3Frames {
	var out mp3Frames
	for i := 0; i+4 <= len(b); {
		size := mp3FrameLen(b[i:])
		if size <= 0 || i+size > len(b) {
			i++
			continue
		}
		if out.frameSize == 0 {
			out.frameSize = size
		}
		if size == out.frameSize {
			out.frames = append(out.frames, b[i:i+size])
		}
		i += size
	}
	// Drop the encoder's start-up and tail frames: they fade in and out.
	if len(out.frames) > 8 {
		out.frames = out.frames[2 : len(out.frames)-2]
	}
	return out
}

// mp3FrameLen returns the length of the MPEG-2 Layer III frame at the
// start of b, or 0 when b does not start with one at 16 kHz.
func mp3FrameLen(b []byte) int {
	if b[0] != 0xff || b[1]&0xfe != 0xf2 { // sync, MPEG-2, Layer III
		return 0
	}
	rates := [...]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
	bi, si := int(b[2]>>4), int(b[2]>>2&3)
	if bi == 0 || bi >= len(rates) || si != 2 { // 2 = 16 kHz in MPEG-2
		return 0
	}
	return 72*rates[bi]*1000/mp3Rate + int(b[2]>>1&1)
}

// mp3Audio is a recording's MP3 file: whole frames of speech while a
// turn lasts and of the noise floor between turns.
type mp3Audio struct {
	p      *audioPlan
	frames int64
}

func newMP3(p *audioPlan) *mp3Audio {
	n := (p.samples*mp3Rate/wavRate + mp3FrameSample/2) / mp3FrameSample
	return &mp3Audio{p: p, frames: max(n, 1)}
}

// mp3Available reports whether the embedded frames loaded (they always
// should; without them every recording is WAV).
func mp3Available() bool {
	return len(speechFrames.frames) > 0 && len(floorFrames.frames) > 0 &&
		speechFrames.frameSize == floorFrames.frameSize
}

func (m *mp3Audio) Size() int64 { return m.frames * int64(speechFrames.frameSize) }

// frame returns frame k of the recording.
func (m *mp3Audio) frame(k int64) []byte {
	mid := (k*mp3FrameSample + mp3FrameSample/2) * wavRate / mp3Rate
	if m.p.speaking(mid) {
		return speechFrames.frames[k%int64(len(speechFrames.frames))]
	}
	return floorFrames.frames[k%int64(len(floorFrames.frames))]
}

// ReadAt implements io.ReaderAt.
func (m *mp3Audio) ReadAt(b []byte, off int64) (int, error) {
	size, fs := m.Size(), int64(speechFrames.frameSize)
	n := 0
	for n < len(b) && off < size {
		k := off / fs
		c := copy(b[n:], m.frame(k)[off-k*fs:])
		n += c
		off += int64(c)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// audioFile is a rendered recording: its bytes on demand and its size.
type audioFile interface {
	io.ReaderAt
	Size() int64
}

// renderWAVBytes renders a whole plan, for tests and the asset script.
func renderWAVBytes(p *audioPlan) []byte {
	w := newWAV(p)
	b := make([]byte, w.Size())
	_, _ = w.ReadAt(b, 0)
	return b
}
