package waveform

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// The fixtures in testdata are made with lame from synthetic WAVs; see
// testdata/README.md.
func TestAnalyzeMP3(t *testing.T) {
	// MP3 coding delays the audio (about 1100 samples: 70 ms at 16 kHz,
	// 140 ms at 8 kHz) and the last syllable rings on a little, so edges
	// are allowed 200 ms.
	within := func(got, want time.Duration) bool { d := got - want; return d >= -4*window && d <= 4*window }
	tests := []struct {
		file     string
		hint     string
		rate     int
		approx   bool
		channels int
		dur      time.Duration
		silences [][]Span
		oneWay   bool
		oneWayCh int
		oneWayAt time.Duration
	}{
		{"speech-then-silence-mono.mp3", "mp3", 8000, true, 1, s(10), [][]Span{{{s(4), s(10)}}}, false, 0, 0},
		{"oneway-stereo.mp3", "", 16000, false, 2, s(14), [][]Span{nil, {{s(3), s(14)}}}, true, 1, s(3)},
		{"mono-as-stereo.mp3", "wav", 16000, false, 1, s(5), [][]Span{{{s(1), s(4.5)}}}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			w, err := analyzeBytes(t, b, tt.hint, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Channels) != tt.channels || w.SampleRate != tt.rate || w.Approximate != tt.approx || !within(w.Duration, tt.dur) {
				t.Fatalf("%d channels at %d Hz for %s", len(w.Channels), w.SampleRate, w.Duration)
			}
			for c, want := range tt.silences {
				got := w.Channels[c].Silences
				if len(got) != len(want) {
					t.Fatalf("channel %d silences %v, want %v", c, got, want)
				}
				for i := range want {
					if !within(got[i].Start, want[i].Start) || !within(got[i].End, want[i].End) {
						t.Errorf("channel %d silence %v, want %v", c, got[i], want[i])
					}
				}
			}
			ch, from, ok := w.OneWay()
			if ok != tt.oneWay || ok && (ch != tt.oneWayCh || !within(from, tt.oneWayAt)) {
				t.Errorf("OneWay() = %d, %s, %v", ch, from, ok)
			}
		})
	}
}

func TestAnalyzeMP3Damaged(t *testing.T) {
	b, err := os.ReadFile("testdata/oneway-stereo.mp3")
	if err != nil {
		t.Fatal(err)
	}
	id3 := []byte("ID3\x03\x00\x00\x00\x00\x00\x0a0123456789")
	tests := []struct {
		name    string
		in      []byte
		dur     time.Duration // for a file that is still read
		wantErr error
	}{
		{"cut in the middle: what arrived", b[:len(b)/2], s(7), nil},
		{"behind an ID3 tag", append(append([]byte(nil), id3...), b...), s(14), nil},
		{"junk before the first frame, announced as mp3", append([]byte("\x00\x00junk"), b...), s(14), nil},
		{"a frame header and nothing else", b[:4], 0, ErrCorrupt},
		{"an ID3 tag and nothing else", id3, 0, ErrCorrupt},
		{"an ID3 tag cut short", id3[:12], 0, ErrCorrupt},
		{"8 kHz (MPEG 2.5) header and zeros: one silent frame", append([]byte{0xFF, 0xE3, 0x18, 0xC4}, make([]byte, 500)...), 72 * time.Millisecond, nil},
		{"8 kHz (MPEG 2.5) at 96 kbit/s", append([]byte{0xFF, 0xE3, 0xA8, 0xC4}, make([]byte, 500)...), 0, ErrUnsupported},
		{"free bitrate", append([]byte{0xFF, 0xF3, 0x08, 0xC4}, make([]byte, 500)...), 0, ErrUnsupported},
		{"an HTML page announced as mp3", []byte("<html><body>Forbidden</body></html>"), 0, ErrUnsupported},
		{"frame sync then noise", append([]byte{0xFF, 0xF3, 0x28, 0x64}, bytes.Repeat([]byte{0xA5, 0x17, 0xFF, 0x00}, 300)...), 0, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := analyzeBytes(t, tt.in, "mp3", Options{})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := w.Duration - tt.dur; d < -time.Second || d > time.Second {
				t.Errorf("duration %s, want about %s", w.Duration, tt.dur)
			}
		})
	}
}

func TestAnalyzeMP3Limits(t *testing.T) {
	b, err := os.ReadFile("testdata/oneway-stereo.mp3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analyzeBytes(t, b, "mp3", Options{MaxLength: 5 * time.Second}); !errors.Is(err, ErrTooLong) {
		t.Errorf("err %v, want ErrTooLong", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Analyze(ctx, bytes.NewReader(b), "mp3", Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
