package waveform

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// FuzzAnalyze: whatever the bytes, Analyze returns a Waveform or an error,
// never panics, and a Waveform it returns is well formed.
func FuzzAnalyze(f *testing.F) {
	short := func(spec wavSpec) []byte {
		spec.rate, spec.dur = 8000, 200*time.Millisecond
		if spec.channels == 0 {
			spec.channels = 1
		}
		return makeWAV(spec, mono(piecewise(Span{s(0.05), s(0.1)})))
	}
	for _, spec := range []wavSpec{
		{code: wavPCM, bits: 8}, {code: wavPCM, bits: 16, channels: 2}, {code: wavPCM, bits: 24},
		{code: wavPCM, bits: 24, width: 4, extensible: true}, {code: wavFloat, bits: 32}, {code: wavFloat, bits: 64},
		{code: wavMuLaw, bits: 8}, {code: wavALaw, bits: 8, channels: 2},
	} {
		f.Add(short(spec), "wav")
	}
	for _, name := range []string{"speech-then-silence-mono.mp3", "oneway-stereo.mp3", "mono-as-stereo.mp3"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 2000)], "mp3")
	}
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64"), "")
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"), "")
	f.Add([]byte("<html>"), "mp3")
	f.Fuzz(func(t *testing.T, b []byte, hint string) {
		w, err := Analyze(context.Background(), bytes.NewReader(b), hint, Options{Bins: 50, MaxLength: time.Hour})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("error outside the contract: %v", err)
			}
			return
		}
		if w.Duration <= 0 || w.SampleRate <= 0 || len(w.Channels) < 1 || len(w.Channels) > 2 {
			t.Fatalf("malformed result: %+v", w)
		}
		for _, c := range w.Channels {
			if len(c.Peaks) == 0 || len(c.Peaks) > 50 {
				t.Fatalf("%d peaks", len(c.Peaks))
			}
			for _, p := range c.Peaks {
				if !(p >= 0 && p <= 1) {
					t.Fatalf("peak %v", p)
				}
			}
			var last time.Duration
			for _, sp := range c.Silences {
				if sp.Start < last || sp.End <= sp.Start || sp.End > w.Duration {
					t.Fatalf("silence %v in %s", sp, w.Duration)
				}
				last = sp.End
			}
		}
		_ = w.SilentShare(0)
		_, _, _ = w.OneWay()
	})
}
