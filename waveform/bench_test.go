package waveform

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkAnalyzeWAV1Hour: one hour of 8 kHz 16-bit stereo, the shape of
// a long two-channel call recording (docs/recordings.md#speed).
func BenchmarkAnalyzeWAV1Hour(b *testing.B) {
	spec := wavSpec{code: wavPCM, bits: 16, channels: 2, rate: 8000, dur: time.Minute}
	minute := makeWAV(spec, func(t time.Duration, ch int) float64 {
		if ch == 1 && t > 30*time.Second {
			return 0
		}
		return tone(t, 0.4)
	})
	hdr, data := minute[:44], minute[44:]
	wav := append([]byte(nil), hdr...)
	for range 60 {
		wav = append(wav, data...)
	}
	// Streamed size: read to the end.
	copy(wav[40:], []byte{0, 0, 0, 0})
	b.SetBytes(int64(len(wav)))
	b.ReportAllocs()
	for b.Loop() {
		w, err := Analyze(context.Background(), bytes.NewReader(wav), "wav", Options{})
		if err != nil {
			b.Fatal(err)
		}
		if w.Duration != time.Hour || len(w.Channels) != 2 {
			b.Fatalf("%s, %d channels", w.Duration, len(w.Channels))
		}
	}
}

// BenchmarkAnalyzeMP3: the MP3 fixtures looped to about 10 minutes: 16 kHz
// stereo (MPEG 2) and 8 kHz mono (MPEG 2.5, through mpeg25Reader).
func BenchmarkAnalyzeMP3(b *testing.B) {
	for _, bc := range []struct {
		name, file string
		loops      int
	}{
		{"16kHz-stereo-10min", "oneway-stereo.mp3", 43},
		{"8kHz-mono-10min", "speech-then-silence-mono.mp3", 60},
	} {
		b.Run(bc.name, func(b *testing.B) {
			one, err := os.ReadFile("testdata/" + bc.file)
			if err != nil {
				b.Fatal(err)
			}
			mp3 := bytes.Repeat(one, bc.loops)
			b.SetBytes(int64(len(mp3)))
			b.ReportAllocs()
			for b.Loop() {
				w, err := Analyze(context.Background(), bytes.NewReader(mp3), "mp3", Options{})
				if err != nil {
					b.Fatal(err)
				}
				if w.Duration < 9*time.Minute {
					b.Fatalf("only %s", w.Duration)
				}
			}
		})
	}
}
