package waveform

import (
	"math"
	"testing"
	"time"
)

func TestSilentShare(t *testing.T) {
	w := &Waveform{Duration: s(100), Channels: []Channel{
		{Silences: []Span{{s(0), s(10)}, {s(50), s(80)}}},
		{},
	}}
	tests := []struct {
		w    *Waveform
		ch   int
		want float64
	}{
		{w, 0, 0.4},
		{w, 1, 0},
		{w, 2, 0},
		{w, -1, 0},
		{&Waveform{}, 0, 0},
		{nil, 0, 0},
		{&Waveform{Duration: s(10), Channels: []Channel{{Silences: []Span{{0, s(10)}}}}}, 0, 1},
	}
	for i, tt := range tests {
		if got := tt.w.SilentShare(tt.ch); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%d: SilentShare(%d) = %v, want %v", i, tt.ch, got, tt.want)
		}
	}
}

func TestOneWay(t *testing.T) {
	two := func(dur float64, a, b []Span) *Waveform {
		return &Waveform{Duration: s(dur), Channels: []Channel{{Silences: a}, {Silences: b}}}
	}
	tests := []struct {
		name string
		w    *Waveform
		ch   int
		from time.Duration
		ok   bool
	}{
		{"channel 2 silent from 30 s of 60", two(60, nil, []Span{{s(30), s(60)}}), 1, s(30), true},
		{"channel 1 silent from 40 s of 60", two(60, []Span{{s(40), s(60)}}, nil), 0, s(40), true},
		{"silence not reaching the end", two(60, nil, []Span{{s(30), s(59)}}), 0, 0, false},
		{"9 s to the end is too short", two(60, nil, []Span{{s(51), s(60)}}), 0, 0, false},
		{"10 s but under 20% of a long call", two(600, nil, []Span{{s(580), s(600)}}), 0, 0, false},
		{"both silent from 30 s: the call went dead, not one-way", two(60, []Span{{s(30), s(60)}}, []Span{{s(30), s(60)}}), 0, 0, false},
		{"other side talks only 0.5 s after", two(60, []Span{{s(30.5), s(60)}}, []Span{{s(30), s(60)}}), 0, 0, false},
		{"both qualify: the earlier wins", two(100, []Span{{s(20), s(30)}, {s(70), s(100)}}, []Span{{s(40), s(100)}}), 1, s(40), true},
		{"mono", &Waveform{Duration: s(60), Channels: []Channel{{Silences: []Span{{s(30), s(60)}}}}}, 0, 0, false},
		{"nil", nil, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, from, ok := tt.w.OneWay()
			if ch != tt.ch || from != tt.from || ok != tt.ok {
				t.Errorf("OneWay() = %d, %s, %v; want %d, %s, %v", ch, from, ok, tt.ch, tt.from, tt.ok)
			}
		})
	}
}
