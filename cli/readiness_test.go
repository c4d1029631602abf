package cli

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReadinessAsksVobizOncePerTTL: the database is pinged on every probe,
// Vobiz once for all probes within upstreamProbeTTL, and a failed answer is
// kept like a good one (a down API is not asked again by every probe).
func TestReadinessAsksVobizOncePerTTL(t *testing.T) {
	var dbPings, upstreamPings atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	ready := readiness(
		func(context.Context) error { dbPings.Add(1); return nil },
		func(context.Context) error {
			if upstreamPings.Add(1) == 1 {
				close(started)
				<-release
			}
			return errors.New("401 Unauthorized")
		})

	// Two probes at once: the second waits for the first's answer.
	var wg sync.WaitGroup
	results := make([][]string, 2)
	for i := range results {
		wg.Go(func() {
			if i == 1 {
				<-started
			}
			for _, c := range ready(context.Background()) {
				results[i] = append(results[i], c.Name+":"+c.Detail)
			}
		})
	}
	<-started
	close(release)
	wg.Wait()
	ready(context.Background())

	if n := upstreamPings.Load(); n != 1 {
		t.Errorf("Vobiz asked %d times within the TTL, want 1", n)
	}
	if n := dbPings.Load(); n != 3 {
		t.Errorf("database pinged %d times for 3 probes, want 3", n)
	}
	for i, r := range results {
		if len(r) != 2 || r[0] != "database:" || r[1] != "vobiz:401 Unauthorized" {
			t.Errorf("probe %d: %v", i, r)
		}
	}
}
