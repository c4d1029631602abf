package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/cdrdash/cdrdash/store/storetest"
)

// gatedVerify is a verify hook that counts password checks and holds each
// one until release is closed, so a test can see how many attempts of a
// burst reach the check while all of them are in flight.
type gatedVerify struct {
	calls   atomic.Int64
	entered chan struct{}
	release chan struct{}
}

func newGatedVerify(capacity int) *gatedVerify {
	return &gatedVerify{entered: make(chan struct{}, capacity), release: make(chan struct{})}
}

func (g *gatedVerify) verify(ctx context.Context, hash, pw string) (bool, error) {
	g.calls.Add(1)
	g.entered <- struct{}{}
	<-g.release
	return checkPassword(ctx, hash, pw)
}

// settle waits until each of n started attempts has either reached the
// password check or returned (into results), and reports how many did
// which. It needs no sleep: every attempt does one or the other.
func (g *gatedVerify) settle(n int, results <-chan error) (checking int, returned []error) {
	for checking+len(returned) < n {
		select {
		case <-g.entered:
			checking++
		case err := <-results:
			returned = append(returned, err)
		}
	}
	return checking, returned
}

// TestParallelBurstChecksAtMostTheLimit sends 40 wrong passwords for one
// account at once through two replicas (two services on two database
// handles, in-process caps lifted so only the database decides), then the
// right password: at most DefaultMaxFailures checks run and the right
// password is refused, because every attempt is counted before its check.
func TestParallelBurstChecksAtMostTheLimit(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		const wrong = 40
		g := newGatedVerify(wrong + 1)
		var replicas []*Service
		for range 2 {
			s := NewService(tg.Open(t), WithHashParams(InsecureFastParams), WithInFlightLimits(1000, 1000),
				WithLogger(slog.New(slog.DiscardHandler)))
			replicas = append(replicas, s)
		}
		if _, err := replicas[0].AddUser(ctx, SystemActor("test"), "alice", "correct horse battery", RoleAgent); err != nil {
			t.Fatal(err)
		}
		for _, s := range replicas {
			s.verify = g.verify
		}

		results := make(chan error, wrong)
		for i := range wrong {
			go func() {
				_, err := replicas[i%2].Authenticate(ctx, "alice", "wrong guess", "192.0.2.1")
				results <- err
			}()
		}
		checking, refused := g.settle(wrong, results)
		for _, err := range refused {
			if !errors.Is(err, ErrThrottled) {
				t.Errorf("refused attempt: %v, want throttled", err)
			}
		}

		right := make(chan error, 1)
		go func() {
			_, err := replicas[1].Authenticate(ctx, "alice", "correct horse battery", "192.0.2.1")
			right <- err
		}()
		select {
		case <-g.entered:
			t.Errorf("the right password reached the password check after %d wrong ones were in flight", checking)
			close(g.release)
			if err := <-right; err == nil {
				t.Error("the right password, sent last in a burst, signed in")
			}
		case err := <-right:
			close(g.release)
			if !errors.Is(err, ErrThrottled) {
				t.Errorf("right password last in the burst: %v, want throttled", err)
			}
		}
		for i := 0; i < wrong-len(refused); i++ {
			if err := <-results; !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("checked attempt: %v, want invalid credentials", err)
			}
		}
		if n := g.calls.Load(); n > DefaultMaxFailures {
			t.Errorf("%d password checks ran for a burst of %d; want at most %d", n, wrong+1, DefaultMaxFailures)
		}
	})
}

// TestParallelChangePasswordChecksAtMostTheLimit is the same burst against
// the current-password check of ChangePassword.
func TestParallelChangePasswordChecksAtMostTheLimit(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		ctx := context.Background()
		const wrong = 20
		g := newGatedVerify(wrong)
		s := NewService(tg.Open(t), WithHashParams(InsecureFastParams), WithInFlightLimits(1000, 1000),
			WithLogger(slog.New(slog.DiscardHandler)))
		u, err := s.AddUser(ctx, SystemActor("test"), "alice", "correct horse battery", RoleAgent)
		if err != nil {
			t.Fatal(err)
		}
		s.verify = g.verify
		actor := Actor{UserID: u.ID, Username: "alice", ClientIP: "192.0.2.1"}
		results := make(chan error, wrong)
		for range wrong {
			go func() {
				_, err := s.ChangePassword(ctx, actor, "wrong current", "a brand new passphrase")
				results <- err
			}()
		}
		_, refused := g.settle(wrong, results)
		close(g.release)
		for _, err := range refused {
			if !errors.Is(err, ErrThrottled) {
				t.Errorf("refused attempt: %v, want throttled", err)
			}
		}
		for i := 0; i < wrong-len(refused); i++ {
			if err := <-results; !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("checked attempt: %v, want invalid credentials", err)
			}
		}
		if n := g.calls.Load(); n > DefaultMaxFailures {
			t.Errorf("%d current-password checks ran for a burst of %d; want at most %d", n, wrong, DefaultMaxFailures)
		}
	})
}

// TestInFlightCapPerUsername: with the default caps, a third attempt for a
// username while two are being checked is refused as busy, and records
// nothing.
func TestInFlightCapPerUsername(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	s := NewService(db, WithHashParams(InsecureFastParams), WithLogger(slog.New(slog.DiscardHandler)))
	g := newGatedVerify(3)
	s.verify = g.verify
	results := make(chan error, 3)
	for i := range 3 {
		go func() {
			_, err := s.Authenticate(ctx, "alice", "guess", "192.0.2."+string(rune('1'+i)))
			results <- err
		}()
	}
	checking, returned := g.settle(3, results)
	close(g.release)
	var busy *BusyError
	if checking != maxInFlightPerUser || len(returned) != 1 || !errors.As(returned[0], &busy) {
		t.Fatalf("checking %d, returned %v; want %d checking and one *BusyError", checking, returned, maxInFlightPerUser)
	}
	if busy.RetryAfterSeconds() < 1 {
		t.Errorf("RetryAfterSeconds = %d", busy.RetryAfterSeconds())
	}
	for range checking {
		<-results
	}
	if n, err := db.CountLoginFailures(ctx, "user:alice", db.Now().Add(-DefaultFailureWindow)); err != nil || n != checking {
		t.Errorf("failures recorded = %d (%v), want %d: a busy refusal must record nothing", n, err, checking)
	}
}

// TestHashQueueIsBounded: with every hash slot taken, a caller beyond the
// queue's length, or one whose wait times out, gets *BusyError instead of
// waiting without end.
func TestHashQueueIsBounded(t *testing.T) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	oldMax, oldWait := hashQueueMax, hashQueueWait
	defer func() { hashQueueMax, hashQueueWait = oldMax, oldWait }()

	hashQueueMax = 0 // full queue
	if _, err := InsecureFastParams.Hash("whatever password"); !errors.Is(err, ErrBusy) {
		t.Errorf("full queue: %v, want busy", err)
	}
	hashQueueMax, hashQueueWait = 10, 1 // a wait that ends at once
	if _, err := CheckPassword("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("wait timed out: %v, want busy", err)
	}
	if hashWaiting.Load() != 0 {
		t.Errorf("%d waiters left behind", hashWaiting.Load())
	}
}
