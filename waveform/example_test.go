package waveform

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// A two-channel call where the second party's audio stops at 30 s: the
// strip marks that channel silent from 30 s, and OneWay says so.
func ExampleAnalyze() {
	wav := makeWAV(wavSpec{code: wavPCM, bits: 16, channels: 2, rate: 8000, dur: time.Minute},
		func(t time.Duration, ch int) float64 {
			if ch == 1 && t >= 30*time.Second {
				return 0
			}
			return tone(t, 0.3)
		})
	w, err := Analyze(context.Background(), bytes.NewReader(wav), "wav", Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.Duration, len(w.Channels), "channels,", len(w.Channels[0].Peaks), "peaks each")
	fmt.Println("channel 2 silences:", w.Channels[1].Silences)
	fmt.Printf("channel 2 silent share: %.2f\n", w.SilentShare(1))
	if ch, from, ok := w.OneWay(); ok {
		fmt.Printf("one-way audio: channel %d silent from %s\n", ch+1, from)
	}
	// Output:
	// 1m0s 2 channels, 600 peaks each
	// channel 2 silences: [{30s 1m0s}]
	// channel 2 silent share: 0.50
	// one-way audio: channel 2 silent from 30s
}
