package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/store"
)

// Throttling defaults: five failed sign-ins within fifteen minutes lock the
// username, and separately the client address, until the oldest of those
// five failures is fifteen minutes old.
const (
	DefaultMaxFailures   = 5
	DefaultFailureWindow = 15 * time.Minute
)

// ThrottledError is returned by Authenticate while a username or client
// address is locked. errors.Is(err, ErrThrottled) is true.
type ThrottledError struct {
	RetryAfter time.Duration // how long until the lock lifts (> 0)
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-in attempts; try again in %d seconds", e.RetryAfterSeconds())
}

// Is makes errors.Is(err, ErrThrottled) match.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, for the
// Retry-After header and messages.
func (e *ThrottledError) RetryAfterSeconds() int {
	return int(math.Ceil(e.RetryAfter.Seconds()))
}

// Service signs users in and manages accounts. Create it once with
// NewService; it is safe for concurrent use.
type Service struct {
	db          *store.DB
	audit       *Audit
	logger      *slog.Logger
	now         func() time.Time
	params      Params
	maxFailures int
	window      time.Duration
	dummyHash   string
	// demo: this instance runs demo mode, the only kind where accounts
	// marked store.User.Demo may sign in (see WithDemoMode).
	demo bool

	// verify checks a password against a hash; tests wrap it to count calls.
	verify func(ctx context.Context, hash, pw string) (bool, error)
}

// Option configures NewService.
type Option func(*Service)

// WithHashParams sets the argon2id parameters for new hashes (and for the
// dummy hash used for unknown users). Tests use InsecureFastParams.
func WithHashParams(p Params) Option { return func(s *Service) { s.params = p } }

// WithClock sets the clock for throttling windows and sign-in times. The
// default is the store's clock (store.WithClock).
func WithClock(now func() time.Time) Option {
	return func(s *Service) {
		if now != nil {
			s.now = now
		}
	}
}

// WithLogger sets the logger for the service and its Audit (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Service) {
		if l != nil {
			s.logger = l
		}
	}
}

// WithThrottle sets how many failures within window lock a username or a
// client address. maxFailures <= 0 disables throttling.
func WithThrottle(maxFailures int, window time.Duration) Option {
	return func(s *Service) {
		s.maxFailures = maxFailures
		if window > 0 {
			s.window = window
		}
	}
}

// WithDemoMode tells the service that this instance runs demo mode (synthetic
// calls from the sandbox). Only such instances let demo accounts
// (store.User.Demo) sign in; elsewhere they are treated like disabled
// accounts, even if the row says enabled.
func WithDemoMode(demo bool) Option { return func(s *Service) { s.demo = demo } }

// WithAudit makes the service record to a (shared) Audit instead of creating
// its own.
func WithAudit(a *Audit) Option { return func(s *Service) { s.audit = a } }

// NewService returns a service over db. It hashes one throw-away password
// at construction (the dummy hash that keeps sign-in timing the same for
// unknown users), which takes one hash time with the configured params.
func NewService(db *store.DB, opts ...Option) *Service {
	s := &Service{
		db:          db,
		logger:      slog.Default(),
		now:         db.Now,
		params:      DefaultParams,
		maxFailures: DefaultMaxFailures,
		window:      DefaultFailureWindow,
		verify:      checkPassword,
	}
	for _, o := range opts {
		o(s)
	}
	if s.audit == nil {
		s.audit = NewAudit(db, s.logger)
	}
	if err := s.params.validate(); err != nil {
		s.logger.Error("auth: invalid hash parameters, using defaults", slog.Any("error", err))
		s.params = DefaultParams
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf) // never fails (Go 1.24+)
	if h, err := s.params.Hash(hex.EncodeToString(buf)); err == nil {
		s.dummyHash = h
	} else {
		s.logger.Error("auth: cannot build dummy hash", slog.Any("error", err))
	}
	return s
}

// Audit returns the audit trail the service records to; pages use it to
// record call views and exports and to list events.
func (s *Service) Audit() *Audit { return s.audit }

// HashParams returns the parameters used for new hashes.
func (s *Service) HashParams() Params { return s.params }

// Authenticate checks a sign-in attempt and returns the user on success.
//
// Every failure (unknown user, wrong password, disabled account) returns
// ErrInvalidCredentials after the same work: one user lookup, one argon2id
// check (against a dummy hash when the user does not exist), recording the
// failure and an audit event. While the username or the client address has
// DefaultMaxFailures failures within DefaultFailureWindow, it returns a
// *ThrottledError without checking the password. Other errors are internal
// (database down) and should render a 500.
//
// On success the username's failure count is cleared, the last sign-in time
// stored, the hash upgraded if its parameters are outdated, and
// login.success recorded. The caller then calls Login to start the session.
func (s *Service) Authenticate(ctx context.Context, username, password, clientIP string) (*store.User, error) {
	now := s.now()
	// attempted is what the audit trail shows. Input that is not a valid
	// username is not recorded verbatim: people type passwords into the
	// username field.
	name, nameErr := NormalizeUsername(username)
	attempted := name
	userKey, ipKey := userThrottleKey(username), ipThrottleKey(clientIP)

	if retry, err := s.lockedFor(ctx, now, userKey, ipKey); err != nil {
		return nil, fmt.Errorf("auth: authenticate: %w", err)
	} else if retry > 0 {
		terr := &ThrottledError{RetryAfter: retry}
		s.audit.Record(ctx, Event{Action: ActionLoginThrottled, Username: attempted, ClientIP: clientIP,
			Details: map[string]any{"retry_after_seconds": terr.RetryAfterSeconds()}})
		return nil, terr
	}

	var u *store.User
	if nameErr == nil {
		var err error
		u, err = s.db.UserByName(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("auth: authenticate: %w", err)
		}
	}

	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	pw := password
	if len(pw) > MaxPasswordBytes {
		pw = "" // still do the work, but never match
	}
	ok, err := s.verify(ctx, hash, pw)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("auth: authenticate: %w", err)
		}
		s.logger.Error("auth: cannot check password hash", slog.String("username", attempted), slog.Any("error", err))
		ok = false
	}
	if len(password) > MaxPasswordBytes {
		ok = false
	}

	reason := ""
	switch {
	case nameErr != nil:
		reason = "invalid_username"
	case u == nil:
		reason = "unknown_user"
	case !ok:
		reason = "bad_password"
	case u.Disabled:
		reason = "disabled"
	case u.Demo && !s.demo:
		reason = "demo_account"
	}
	if reason != "" {
		for _, key := range []string{userKey, ipKey} {
			if key == "" {
				continue
			}
			if err := s.db.RecordLoginFailure(ctx, key, now); err != nil {
				return nil, fmt.Errorf("auth: authenticate: %w", err)
			}
		}
		ev := Event{Action: ActionLoginFailure, Username: attempted, ClientIP: clientIP,
			Details: map[string]string{"reason": reason}}
		if u != nil {
			ev.UserID = u.ID
		}
		s.audit.Record(ctx, ev)
		return nil, ErrInvalidCredentials
	}

	if err := s.db.ClearLoginFailures(ctx, userKey); err != nil {
		s.logger.Error("auth: cannot clear login failures", slog.String("username", u.Username), slog.Any("error", err))
	}
	if err := s.db.RecordLogin(ctx, u.ID, now); err != nil {
		s.logger.Error("auth: cannot record sign-in time", slog.String("username", u.Username), slog.Any("error", err))
	} else {
		t := now.UTC()
		u.LastLoginAt = &t
	}
	s.upgradeHash(ctx, u, password)
	s.audit.Record(ctx, Event{Action: ActionLoginSuccess, Username: u.Username, UserID: u.ID, ClientIP: clientIP})
	return u, nil
}

// upgradeHash re-hashes the password with the current parameters when the
// stored hash uses others. Failures only log.
func (s *Service) upgradeHash(ctx context.Context, u *store.User, password string) {
	if !NeedsRehash(u.PasswordHash, s.params) {
		return
	}
	h, err := s.params.hash(ctx, password)
	if err == nil {
		var replaced bool
		replaced, err = s.db.ReplacePasswordHash(ctx, u.ID, u.PasswordHash, h)
		if replaced {
			u.PasswordHash = h
		}
	}
	if err != nil {
		s.logger.Warn("auth: cannot upgrade password hash", slog.String("username", u.Username), slog.Any("error", err))
	}
}

// lockedFor returns how long the longest-locked of keys stays locked (0 when
// none is locked).
func (s *Service) lockedFor(ctx context.Context, now time.Time, keys ...string) (time.Duration, error) {
	if s.maxFailures <= 0 {
		return 0, nil
	}
	var longest time.Duration
	for _, key := range keys {
		if key == "" {
			continue
		}
		recent, err := s.db.RecentLoginFailures(ctx, key, now.Add(-s.window), s.maxFailures)
		if err != nil {
			return 0, err
		}
		if len(recent) < s.maxFailures {
			continue
		}
		// The lock lifts when the oldest of the last maxFailures failures
		// leaves the window.
		until := recent[len(recent)-1].Add(s.window)
		longest = max(longest, until.Sub(now))
	}
	if longest > 0 && longest < time.Second {
		longest = time.Second
	}
	return longest, nil
}

// ThrottleStatus reports how long sign-in stays locked for username and
// clientIP (0 = not locked), without recording anything; the sign-in page
// can use it to disable the form.
func (s *Service) ThrottleStatus(ctx context.Context, username, clientIP string) (time.Duration, error) {
	d, err := s.lockedFor(ctx, s.now(), userThrottleKey(username), ipThrottleKey(clientIP))
	if err != nil {
		return 0, fmt.Errorf("auth: throttle status: %w", err)
	}
	return d, nil
}

// userThrottleKey returns the throttle key for a typed username:
// "user:<canonical name>" for a valid name, otherwise a SHA-256 of the
// input, so invalid input (perhaps a password typed in the wrong field) is
// neither stored readably nor unbounded in size.
func userThrottleKey(raw string) string {
	if name, err := NormalizeUsername(raw); err == nil {
		return "user:" + name
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(raw)))
	return "user#" + hex.EncodeToString(sum[:16])
}

// ipThrottleKey returns the throttle key for a client address: the address
// itself for IPv4, its /64 network for IPv6 (one subscriber usually holds a
// whole /64), "" when unknown.
func ipThrottleKey(clientIP string) string {
	if clientIP == "" {
		return ""
	}
	addr, err := netip.ParseAddr(clientIP)
	if err != nil {
		sum := sha256.Sum256([]byte(clientIP))
		return "ip#" + hex.EncodeToString(sum[:16])
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + addr.String()
}
