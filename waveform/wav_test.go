package waveform

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// near reports whether got is within 50 ms (one window) of want.
func near(got, want time.Duration) bool {
	d := got - want
	return d > -window && d < window
}

func analyzeBytes(t *testing.T, b []byte, format string, o Options) (*Waveform, error) {
	t.Helper()
	return Analyze(context.Background(), bytes.NewReader(b), format, o)
}

func TestAnalyzeWAVFormats(t *testing.T) {
	// Sound 0–10 s, digital zero 10–20 s, sound 20–25 s.
	sig := mono(piecewise(Span{s(10), s(20)}))
	tests := []struct {
		name string
		spec wavSpec
	}{
		{"pcm 8-bit", wavSpec{code: wavPCM, bits: 8}},
		{"pcm 16-bit", wavSpec{code: wavPCM, bits: 16}},
		{"pcm 24-bit", wavSpec{code: wavPCM, bits: 24}},
		{"pcm 32-bit", wavSpec{code: wavPCM, bits: 32}},
		{"float 32-bit", wavSpec{code: wavFloat, bits: 32}},
		{"float 64-bit", wavSpec{code: wavFloat, bits: 64}},
		{"extensible 16-bit", wavSpec{code: wavPCM, bits: 16, extensible: true}},
		{"extensible 24 in 32", wavSpec{code: wavPCM, bits: 24, width: 4, extensible: true}},
		{"extensible float", wavSpec{code: wavFloat, bits: 32, extensible: true}},
		{"mu-law", wavSpec{code: wavMuLaw, bits: 8}},
		{"a-law", wavSpec{code: wavALaw, bits: 8}},
		{"extensible mu-law", wavSpec{code: wavMuLaw, bits: 8, extensible: true}},
		{"pcm 16-bit 44.1 kHz", wavSpec{code: wavPCM, bits: 16, rate: 44100}},
		{"pcm 16-bit 11025 Hz", wavSpec{code: wavPCM, bits: 16, rate: 11025}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.channels, spec.dur = 1, s(25)
			if spec.rate == 0 {
				spec.rate = 8000
			}
			w, err := analyzeBytes(t, makeWAV(spec, sig), "wav", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if w.SampleRate != spec.rate || !near(w.Duration, s(25)) || len(w.Channels) != 1 {
				t.Fatalf("rate %d duration %s channels %d", w.SampleRate, w.Duration, len(w.Channels))
			}
			ch := w.Channels[0]
			if len(ch.Silences) != 1 || !near(ch.Silences[0].Start, s(10)) || !near(ch.Silences[0].End, s(20)) {
				t.Fatalf("silences %v, want one from 10 s to 20 s", ch.Silences)
			}
			// 25 s of 50 ms windows, fewer than 600 (at 11025 Hz a window is
			// 551 frames, so a short one is left at the end).
			if n := len(ch.Peaks); n != 500 && !(spec.rate == 11025 && n == 501) {
				t.Fatalf("%d peaks, want 500", n)
			}
			if p := ch.Peaks[0]; math.Abs(float64(p)-0.5) > 0.03 {
				t.Errorf("peak of the tone %.3f, want 0.5", p)
			}
			if p := ch.Peaks[300]; p > 0.001 { // A-law has no exact zero
				t.Errorf("peak inside the silence %.4f, want 0", p)
			}
		})
	}
}

func TestAnalyzeStereo(t *testing.T) {
	const dur = 60
	// Channel 2 goes to digital zero at exactly 30 s: one-way audio.
	oneWay := func(t time.Duration, ch int) float64 {
		if ch == 1 && t >= s(30) {
			return 0
		}
		return tone(t, 0.3+0.2*float64(ch))
	}
	sameBoth := func(t time.Duration, _ int) float64 { return piecewise(Span{s(5), s(9)})(t) }
	tests := []struct {
		name      string
		sig       signal
		channels  int
		silences  [][]Span
		oneWay    bool
		oneWayCh  int
		oneWayAt  time.Duration
		bitsWidth int
	}{
		{"channel 2 silent from 30 s", oneWay, 2, [][]Span{nil, {{s(30), s(dur)}}}, true, 1, s(30), 16},
		{"channel 2 silent from 30 s, mu-law", oneWay, 2, [][]Span{nil, {{s(30), s(dur)}}}, true, 1, s(30), 8},
		{"mono saved as stereo", sameBoth, 1, [][]Span{{{s(5), s(9)}}}, false, 0, 0, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := wavSpec{code: wavPCM, bits: 16, channels: 2, rate: 8000, dur: s(dur)}
			if tt.bitsWidth == 8 {
				spec.code, spec.bits = wavMuLaw, 8
			}
			w, err := analyzeBytes(t, makeWAV(spec, tt.sig), "", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Channels) != tt.channels {
				t.Fatalf("%d channels, want %d", len(w.Channels), tt.channels)
			}
			for c, want := range tt.silences {
				got := w.Channels[c].Silences
				if len(got) != len(want) {
					t.Fatalf("channel %d silences %v, want %v", c, got, want)
				}
				for i := range want {
					if !near(got[i].Start, want[i].Start) || got[i].End != min(want[i].End, w.Duration) && !near(got[i].End, want[i].End) {
						t.Errorf("channel %d silence %d = %v, want %v", c, i, got[i], want[i])
					}
				}
			}
			ch, from, ok := w.OneWay()
			if ok != tt.oneWay || ok && (ch != tt.oneWayCh || !near(from, tt.oneWayAt)) {
				t.Errorf("OneWay() = %d, %s, %v; want %d, %s, %v", ch, from, ok, tt.oneWayCh, tt.oneWayAt, tt.oneWay)
			}
		})
	}
}

// TestSilenceRule pins the rule of docs/recordings.md#silence-rule.
func TestSilenceRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	noise := func(db float64) func(time.Duration) float64 {
		a := math.Pow(10, db/20) * math.Sqrt(3) // uniform noise of that RMS
		return func(time.Duration) float64 { return a * (2*rng.Float64() - 1) }
	}
	inside := func(lo, hi float64, in, out func(time.Duration) float64) func(time.Duration) float64 {
		return func(t time.Duration) float64 {
			if t >= s(lo) && t < s(hi) {
				return in(t)
			}
			return out(t)
		}
	}
	zero := func(time.Duration) float64 { return 0 }
	loud := func(t time.Duration) float64 { return tone(t, 0.5) }
	tests := []struct {
		name string
		sig  func(time.Duration) float64
		want []Span
	}{
		{"quiet noise at -60 dBFS is silence", inside(5, 15, noise(-60), loud), []Span{{s(5), s(15)}}},
		{"noise at -40 dBFS is sound", inside(5, 15, noise(-40), loud), nil},
		{"a 60 ms click does not split a silence", inside(5, 15, inside(10, 10.06, loud, zero), loud), []Span{{s(5), s(15)}}},
		{"a 99 ms click off the grid does not split it", inside(5, 15, inside(10.02, 10.119, loud, zero), loud), []Span{{s(5), s(15)}}},
		{"a 150 ms burst on the window grid does split it", inside(5, 15, inside(10, 10.15, loud, zero), loud), []Span{{s(5), s(10)}, {s(10.15), s(15)}}},
		{"a 120 ms burst does too", inside(5, 15, inside(10.01, 10.13, loud, zero), loud), []Span{{s(5), s(10)}, {s(10.15), s(15)}}},
		{"three 20 ms clicks within 140 ms do not: 60 ms of sound", inside(5, 15, func(t time.Duration) float64 {
			if t >= s(10) && t < s(10.14) && (t-s(10))%s(0.06) < s(0.02) {
				return loud(t)
			}
			return 0
		}, loud), []Span{{s(5), s(15)}}},
		{"half a second of speech does", inside(5, 15, inside(10, 10.5, loud, zero), loud), []Span{{s(5), s(10)}, {s(10.5), s(15)}}},
		{"2.9 s is too short", inside(5, 7.9, zero, loud), nil},
		{"3 s is enough", inside(5, 8, zero, loud), []Span{{s(5), s(8)}}},
		{"silence at the start", inside(0, 4, zero, loud), []Span{{0, s(4)}}},
		{"silence to the end ends at the duration", inside(17, 99, zero, loud), []Span{{s(17), s(20)}}},
		{"all silent", zero, []Span{{0, s(20)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(20)}
			w, err := analyzeBytes(t, makeWAV(spec, mono(tt.sig)), "wav", Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := w.Channels[0].Silences
			if len(got) != len(tt.want) {
				t.Fatalf("silences %v, want %v", got, tt.want)
			}
			for i := range got {
				if !near(got[i].Start, tt.want[i].Start) || !near(got[i].End, tt.want[i].End) {
					t.Errorf("silence %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
			if len(got) > 0 && got[len(got)-1].End > w.Duration {
				t.Errorf("silence ends at %s, after the duration %s", got[len(got)-1].End, w.Duration)
			}
		})
	}
}

func TestAnalyzeWAVLayout(t *testing.T) {
	spec := wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(10)}
	sig := mono(piecewise(Span{s(2), s(6)}))
	full := makeWAV(spec, sig)
	u32 := func(v uint32) *uint32 { return &v }
	withSize := func(n uint32) []byte { sp := spec; sp.dataSize = u32(n); return makeWAV(sp, sig) }
	odd := spec
	// An odd-sized LIST chunk is followed by a pad byte.
	odd.extra = append([]byte("LIST\x05\x00\x00\x00INFOx"), 0)
	header := full[:44]
	tests := []struct {
		name    string
		in      []byte
		dur     time.Duration
		wantErr error
	}{
		{"odd chunk before data", makeWAV(odd, sig), s(10), nil},
		{"data size 0: streamed", withSize(0), s(10), nil},
		{"data size 0xFFFFFFFF: streamed", withSize(0xFFFFFFFF), s(10), nil},
		{"data size shorter than the file", withSize(8000 * 2 * 4), s(4), nil},
		{"data size not whole frames", withSize(8000*2*4 + 1), s(4), nil},
		{"truncated in the data", full[:44+8000*2*3+1], s(3), nil},
		{"header only", header, 0, ErrCorrupt},
		{"cut in the fmt chunk", full[:30], 0, ErrCorrupt},
		{"no data chunk", full[:36], 0, ErrCorrupt},
		{"empty", nil, 0, ErrCorrupt},
		{"cut in the RIFF header", full[:10], 0, ErrCorrupt},
		{"garbage", []byte("<html><body>Access denied</body></html>"), 0, ErrUnsupported},
		{"RIFF but not WAVE", []byte("RIFF\x00\x00\x00\x00AVI LIST"), 0, ErrUnsupported},
		{"three channels", makeWAV(wavSpec{code: wavPCM, bits: 16, channels: 3, rate: 8000, dur: s(1)}, mono(piecewise())), 0, ErrUnsupported},
		{"ADPCM", makeWAV(wavSpec{code: 0x0011, bits: 8, channels: 1, rate: 8000, dur: s(1)}, mono(piecewise())), 0, ErrUnsupported},
		{"zero channels", makeWAV(wavSpec{code: wavPCM, bits: 16, width: 2, channels: 0, rate: 8000, dur: s(1)}, mono(piecewise())), 0, ErrCorrupt},
		{"data before fmt", append([]byte("RIFF\x00\x00\x00\x00WAVEdata\x04\x00\x00\x00"), 1, 2, 3, 4), 0, ErrCorrupt},
		{"huge fmt chunk", []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"), 0, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := analyzeBytes(t, tt.in, "wav", Options{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(w.Duration, tt.dur) {
				t.Errorf("duration %s, want %s", w.Duration, tt.dur)
			}
		})
	}
}

// failAfter serves b, then fails: the header is read, the audio never is.
type failAfter struct {
	b   []byte
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, f.err
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func TestAnalyzeLimits(t *testing.T) {
	errNet := errors.New("connection reset")
	spec := wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(10)}
	sig := mono(piecewise())
	full := makeWAV(spec, sig)
	streamed := spec
	zero := uint32(0)
	streamed.dataSize = &zero
	hugeHeader := append([]byte(nil), full[:44]...)
	copy(hugeHeader[40:], []byte{0xF0, 0xFF, 0xFF, 0x7F}) // 2 GB of data announced

	tests := []struct {
		name    string
		r       io.Reader
		o       Options
		wantErr error
	}{
		{"announced longer than the limit, refused from the header", &failAfter{hugeHeader, errNet}, Options{MaxLength: time.Hour}, ErrTooLong},
		{"streamed longer than the limit", bytes.NewReader(makeWAV(streamed, sig)), Options{MaxLength: 5 * time.Second}, ErrTooLong},
		{"exactly the limit", bytes.NewReader(full), Options{MaxLength: 10 * time.Second}, nil},
		{"network failure in the data is not a damaged file", &failAfter{full[:1000], errNet}, Options{}, errNet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Analyze(context.Background(), tt.r, "wav", tt.o)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, errNet) && errors.Is(err, ErrCorrupt) {
				t.Errorf("a read failure reported as a damaged file: %v", err)
			}
		})
	}
}

// endless serves a WAV header announcing a streamed size, then a tone for
// ever, counting what was read.
type endless struct {
	head []byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.head)
	e.head = e.head[n:]
	for i := n; i < len(p); i++ {
		p[i] = byte(i * 7)
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestAnalyzeStopsAtTheLimit: a stream that never ends is refused as soon
// as it passes MaxLength, having read little more than that.
func TestAnalyzeStopsAtTheLimit(t *testing.T) {
	zero := uint32(0)
	b := makeWAV(wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: 0, dataSize: &zero}, mono(piecewise()))
	r := &endless{head: b}
	_, err := Analyze(context.Background(), r, "wav", Options{MaxLength: time.Minute})
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("err %v, want ErrTooLong", err)
	}
	if limit := int64(60*8000*2 + 2*readChunk); r.read > limit {
		t.Errorf("read %d bytes for a one-minute limit (%d)", r.read, limit)
	}
}

func TestAnalyzeRF64(t *testing.T) {
	// RF64 keeps its real sizes in a ds64 chunk and writes 0xFFFFFFFF in
	// the data chunk: read to the end.
	ff := uint32(0xFFFFFFFF)
	spec := wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(4), dataSize: &ff,
		extra: append([]byte("ds64\x1c\x00\x00\x00"), make([]byte, 28)...)}
	b := makeWAV(spec, mono(piecewise()))
	copy(b, "RF64")
	w, err := analyzeBytes(t, b, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !near(w.Duration, s(4)) {
		t.Errorf("duration %s, want 4 s", w.Duration)
	}
}

func TestAnalyzeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := makeWAV(wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(1)}, mono(piecewise()))
	if _, err := Analyze(ctx, bytes.NewReader(b), "wav", Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestAnalyzeBins(t *testing.T) {
	spec := wavSpec{code: wavPCM, bits: 16, channels: 1, rate: 8000, dur: s(120)}
	// Loud for the first minute, quiet (0.1) for the second.
	sig := mono(func(t time.Duration) float64 {
		if t < s(60) {
			return tone(t, 0.8)
		}
		return tone(t, 0.1)
	})
	b := makeWAV(spec, sig)
	tests := []struct {
		bins, want int
	}{{0, 600}, {100, 100}, {5000, 2400}}
	for _, tt := range tests {
		w, err := analyzeBytes(t, b, "wav", Options{Bins: tt.bins})
		if err != nil {
			t.Fatal(err)
		}
		p := w.Channels[0].Peaks
		if len(p) != tt.want {
			t.Fatalf("bins %d: %d peaks, want %d", tt.bins, len(p), tt.want)
		}
		if first, last := p[0], p[len(p)-1]; math.Abs(float64(first)-0.8) > 0.02 || math.Abs(float64(last)-0.1) > 0.02 {
			t.Errorf("bins %d: peaks %.3f … %.3f, want 0.8 … 0.1", tt.bins, first, last)
		}
	}
}

func TestG711Tables(t *testing.T) {
	// The encoders in the test and the decoding tables agree within the
	// G.711 step size, and silence decodes to (near) zero.
	for _, v := range []int16{0, 1, -1, 100, -100, 1000, -1000, 12345, -12345, 32767, -32768} {
		mu, a := muLaw[linearToMuLaw(v)]*32768, aLaw[linearToALaw(v)]*32768
		tol := math.Max(16, math.Abs(float64(v))/16)
		if math.Abs(float64(mu)-float64(v)) > tol || math.Abs(float64(a)-float64(v)) > tol {
			t.Errorf("%d: mu-law %.0f, A-law %.0f", v, mu, a)
		}
	}
	if muLaw[0xFF] != 0 || aLaw[0xD5]*32768 > 8 {
		t.Errorf("silence codes decode to %v and %v", muLaw[0xFF], aLaw[0xD5])
	}
}

// TestAnalyzeMemoryFollowsDuration: six times the samples for the same
// duration costs no more memory, because only the 50 ms summary is kept.
func TestAnalyzeMemoryFollowsDuration(t *testing.T) {
	allocated := func(rate int) uint64 {
		b := makeWAV(wavSpec{code: wavPCM, bits: 16, channels: 2, rate: rate, dur: s(60)}, func(t time.Duration, ch int) float64 {
			return tone(t, 0.2*float64(ch+1))
		})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := analyzeBytes(t, b, "wav", Options{}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	low, high := allocated(8000), allocated(48000)
	if high > low+low/2 {
		t.Errorf("60 s at 48 kHz allocated %d bytes, at 8 kHz %d: memory follows the samples", high, low)
	}
}
