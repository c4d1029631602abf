package views

import (
	"fmt"
	"strconv"
	"time"
)

// The recordings box's states (docs/recordings.md#what-the-call-page-shows).
const (
	RecordingsList  = "list"
	RecordingsNone  = "none"
	RecordingsOff   = "off"
	RecordingsError = "error"
)

// RecordingsBox is the call page's recordings card.
type RecordingsBox struct {
	State   string
	Message string
	// CanPlay is false when only administrators may listen: the list
	// shows without players or downloads.
	CanPlay bool
	Items   []RecordingItem
	// RequestID is cdrdash's, VobizRequestID the upstream's, when the
	// list failed.
	RequestID      string
	VobizRequestID string
	ScriptURL      string
}

// RecordingItem is one recording. Its URLs are cdrdash's own: the
// upstream recording_url never reaches a page.
type RecordingItem struct {
	N           int
	ID          string
	Format      string
	Type        string
	Duration    string
	Seconds     float64
	AddedAt     string
	AudioURL    string
	DownloadURL string
	WaveformURL string
}

// WaveformView is a recording's waveform strip.
type WaveformView struct {
	CallUUID    string
	RecordingID string
	Seconds     float64
	Rows        []WaveformRow
	Silences    []string // "Callee (channel 2): silent from 0:30 to 2:05 (1 min 35 s)"
	OneWay      string
	Axis        []string // evenly spaced times, first 0:00, last the end
	BackURL     string
}

// WaveformRow is one channel's strip, drawn in a 1000×100 box.
type WaveformRow struct {
	Label    string
	Channel  int
	Bars     []WaveformBar
	Silences []WaveformSpan
}

// WaveformBar is one peak, centred on the strip's middle line.
type WaveformBar struct {
	X, Y, W, H string
}

// WaveformSpan is a shaded silence; Start and End are seconds.
type WaveformSpan struct {
	X, W       string
	Start, End string
	Label      string // "Silent from 0:30 to 1:00 (30 s)", shown on hover
}

// FormatClock writes a duration as m:ss or h:mm:ss.
func FormatClock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// FormatSpan writes a length in words: "1 min 35 s", "8 s", "1 h 2 min".
func FormatSpan(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return strconv.FormatInt(s, 10) + " s"
	case s < 3600:
		if s%60 == 0 {
			return strconv.FormatInt(s/60, 10) + " min"
		}
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	}
	if s/60%60 == 0 {
		return strconv.FormatInt(s/3600, 10) + " h"
	}
	return fmt.Sprintf("%d h %d min", s/3600, s/60%60)
}

func seconds(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
