package sandbox

import (
	"io"
	"net/url"
	"testing"
	"time"
)

// Figures for docs/vobiz-api.md#recordings and the notes:
//
//	go test -run '^$' -bench Recording -benchtime 20x ./vobiz/sandbox/

func BenchmarkRecordingListNewest(b *testing.B) {
	s := benchServer()
	q := url.Values{"limit": {"20"}}
	b.ResetTimer()
	for b.Loop() {
		do(b, s, recPath(s), q)
	}
}

func BenchmarkRecordingListByCall(b *testing.B) {
	s := benchServer()
	sc := s.RecordingScenarios()
	q := url.Values{"call_uuid": {sc[len(sc)/2].CallUUID}}
	b.ResetTimer()
	for b.Loop() {
		do(b, s, recPath(s), q)
	}
}

func BenchmarkRecordingListAddTimeWindow(b *testing.B) {
	s := benchServer()
	to := s.Now().Add(-24 * time.Hour)
	q := url.Values{"limit": {"100"}, "add_time__gte": {to.Add(-15 * time.Minute).Format("2006-01-02 15:04:05")},
		"add_time__lt": {to.Format("2006-01-02 15:04:05")}}
	b.ResetTimer()
	for b.Loop() {
		do(b, s, recPath(s), q)
	}
}

func BenchmarkRecordingScenarios(b *testing.B) {
	s := benchServer()
	b.ResetTimer()
	for b.Loop() {
		s.RecordingScenarios()
	}
}

// BenchmarkRecordingWAVMinute renders one minute of two-channel WAV.
func BenchmarkRecordingWAVMinute(b *testing.B) {
	p := newAudioPlan(42, 60_000, 2, false)
	f := newWAV(p)
	b.SetBytes(f.Size())
	for b.Loop() {
		_, _ = io.Copy(io.Discard, io.NewSectionReader(f, 0, f.Size()))
	}
}
