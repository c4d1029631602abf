//go:build race

package handlers_test

// raceEnabled reports a -race build: the 1,000,000-row export test takes
// minutes under the race detector and is skipped there (the smaller export
// tests exercise the same streaming code under -race).
const raceEnabled = true
