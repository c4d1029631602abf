package handlers

import "golang.org/x/time/rate"

// Recording fetches per user (docs/recordings.md#rate-limit): a burst of
// 60, then one a second. A browser playing and seeking makes a request per
// seek, so the burst is generous; what it stops is a script pulling every
// recording of the account through cdrdash. Every fetch that reaches
// Vobiz counts: audio, downloads and waveforms not yet cached.
const (
	recordingRate    = rate.Limit(1)
	recordingBurst   = 60
	recordingBuckets = 10_000
)

func newRecordingLimiter() *keyedLimiter[int64] {
	return &keyedLimiter[int64]{rate: recordingRate, burst: recordingBurst, max: recordingBuckets}
}
