package sandbox

import (
	"os"
	"path/filepath"
	"testing"
)

// assetPlans are the sources of the embedded MP3 frames: six seconds of
// one person talking without pause, and three seconds of the noise floor.
func assetPlans() (speech, floor *audioPlan) {
	speech = &audioPlan{samples: 6 * wavRate, channels: 1, silentFrom: -1, noiseKey: 0x5eed}
	r := &rng{state: 0xa55e7}
	for s := int64(0); s < speech.samples; {
		e := min(s+int64(r.between(110, 320))*wavRate/1000, speech.samples)
		speech.syllables = append(speech.syllables, span{start: s, end: e,
			pitch: float32(r.uniform(100, 220)), amp: float32(32767 * 0.15 * r.uniform(0.8, 1.1))})
		s = e + int64(r.between(15, 60))*wavRate/1000
	}
	speech.turns = []span{{start: 0, end: speech.samples}}
	floor = &audioPlan{samples: 3 * wavRate, channels: 1, silentFrom: -1, noiseKey: 0xf100}
	return speech, floor
}

// TestWriteMP3Sources renders the WAV sources of media/*.mp3 and checks
// their length; with CDRDASH_MP3_SOURCE_DIR set (media/make-mp3.sh sets
// it) it writes them there for LAME, otherwise to a temporary folder, so
// the sources the committed MP3s came from keep building.
func TestWriteMP3Sources(t *testing.T) {
	dir := os.Getenv("CDRDASH_MP3_SOURCE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	speech, floor := assetPlans()
	for name, p := range map[string]*audioPlan{"speech.wav": speech, "floor.wav": floor} {
		b := renderWAVBytes(p)
		// A 44-byte header and 16-bit mono samples.
		if want := 44 + 2*int(p.samples); len(b) != want {
			t.Errorf("%s: %d bytes, want %d", name, len(b), want)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
