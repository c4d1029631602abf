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
	maxFailures int // per username+address pair
	userMax     int // per username
	ipMax       int // per address
	window      time.Duration
	dummyHash   string
	// demo: this instance runs demo mode, the only kind where accounts
	// marked store.User.Demo may sign in (see WithDemoMode).
	demo bool

	inFlight                 inFlight
	inFlightUser, inFlightIP int

	// verify checks a password against a hash; tests wrap it to count calls.
	verify func(ctx context.Context, hash, pw string) (bool, error)
}

// Option configures NewService.
type Option func(*Service)

// WithHashParams sets the argon2id parameters for new hashes (and for the
// dummy hash used for unknown users). Tests use InsecureFastParams.
func WithHashParams(p Params) Option { return func(s *Service) { s.params = p } }

// WithLogger sets the logger for the service and its Audit (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Service) {
		if l != nil {
			s.logger = l
		}
	}
}

// WithThrottle sets how many failures within window lock a username+address
// pair. maxFailures <= 0 disables throttling (all three limits).
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

// WithInFlightLimits sets how many sign-in attempts may run at once per
// username and per client address in this process (tests raise them to
// show that the database alone keeps the limits across replicas).
func WithInFlightLimits(perUser, perIP int) Option {
	return func(s *Service) { s.inFlightUser, s.inFlightIP = perUser, perIP }
}

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
		userMax:     DefaultUserMaxFailures,
		ipMax:       DefaultIPMaxFailures,
		window:      DefaultFailureWindow,
		verify:      checkPassword,

		inFlightUser: maxInFlightPerUser,
		inFlightIP:   maxInFlightPerIP,
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

// Authenticate checks a sign-in attempt and returns the user on success.
//
// Every failure (unknown user, wrong password, disabled account) returns
// ErrInvalidCredentials after the same work: one user lookup, one argon2id
// check (against a dummy hash when the user does not exist), the recorded
// failure and an audit event. Other errors are internal (database down) and
// should render a 500, except *BusyError (too many attempts running for
// this username or address, or the hash queue full: answer 429).
//
// Throttling holds under parallel requests: the attempt is counted and
// recorded as a failure in one serialised transaction before the password
// is checked (store.TryLoginAttempt), and only a success takes it back. So
// of any burst, at most the limit's worth of attempts per key reach the
// password check, across replicas too; the rest get *ThrottledError without
// any hashing. The lock is recorded in the audit trail once per lock
// period (and again at 10, 100, 1000... refused attempts, with the count),
// never once per refused attempt.
//
// On success the pair's failures are cleared, the last sign-in time
// stored, the hash upgraded if its parameters are outdated, and
// login.success recorded. The caller then calls Login to start the session.
func (s *Service) Authenticate(ctx context.Context, username, password, clientIP string) (*store.User, error) {
	// attempted is what the audit trail shows. Input that is not a valid
	// username is not recorded verbatim: people type passwords into the
	// username field.
	name, nameErr := NormalizeUsername(username)
	attempted := name
	userKey, ipKey := userThrottleKey(username), ipThrottleKey(clientIP)

	release, err := s.enter(userKey, ipKey)
	if err != nil {
		return nil, err
	}
	defer release()

	now := s.now()
	attempt, err := s.beginAttempt(ctx, now, userKey, ipKey)
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate: %w", err)
	}
	if attempt.lock != nil {
		return nil, s.throttled(ctx, now, attempt.lock, Event{Username: attempted, ClientIP: clientIP})
	}

	var u *store.User
	if nameErr == nil {
		u, err = s.db.UserByName(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.cancelAttempt(ctx, attempt)
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
		if ctx.Err() != nil || errors.Is(err, ErrBusy) {
			// Nothing was checked: the attempt does not count.
			s.cancelAttempt(ctx, attempt)
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
		// The failure is already recorded (beginAttempt).
		ev := Event{Action: ActionLoginFailure, Username: attempted, ClientIP: clientIP,
			Details: map[string]string{"reason": reason}}
		if u != nil {
			ev.UserID = u.ID
		}
		s.audit.Record(ctx, ev)
		return nil, ErrInvalidCredentials
	}

	s.cancelAttempt(ctx, attempt)
	if err := s.db.ClearLoginFailures(ctx, pairThrottleKey(userKey, ipKey)); err != nil {
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

// enter takes an in-flight slot for the username and the address, or
// returns *BusyError when either already has its cap of attempts running.
func (s *Service) enter(userKey, ipKey string) (release func(), err error) {
	keys := []string{userKey, ipKey}
	if !s.inFlight.acquire(keys, []int{s.inFlightUser, s.inFlightIP}) {
		return nil, &BusyError{RetryAfter: busyRetryAfter}
	}
	return func() { s.inFlight.release(keys) }, nil
}

// attempt is a sign-in attempt recorded as a failure before its password
// is checked (ids), or refused because a key is locked (lock).
type attempt struct {
	ids  []int64
	lock *store.LoginLock
}

// limits are the throttling rules for a username and an address.
func (s *Service) limits(userKey, ipKey string) []store.LoginLimit {
	if s.maxFailures <= 0 {
		return nil
	}
	out := []store.LoginLimit{{Key: pairThrottleKey(userKey, ipKey), Max: s.maxFailures, Window: s.window}}
	if s.userMax > 0 {
		out = append(out, store.LoginLimit{Key: userKey, Max: s.userMax, Window: s.window})
	}
	if s.ipMax > 0 && ipKey != "" {
		out = append(out, store.LoginLimit{Key: ipKey, Max: s.ipMax, Window: s.window})
	}
	return out
}

func (s *Service) beginAttempt(ctx context.Context, now time.Time, userKey, ipKey string) (attempt, error) {
	limits := s.limits(userKey, ipKey)
	if len(limits) == 0 {
		return attempt{}, nil
	}
	ids, lock, err := s.db.TryLoginAttempt(ctx, now, limits)
	return attempt{ids: ids, lock: lock}, err
}

// cancelAttempt takes back an attempt that succeeded or was never checked.
func (s *Service) cancelAttempt(ctx context.Context, a attempt) {
	if len(a.ids) == 0 {
		return
	}
	if err := s.db.DeleteLoginAttempt(context.WithoutCancel(ctx), a.ids); err != nil {
		s.logger.Error("auth: cannot take back a sign-in attempt", slog.Any("error", err))
	}
}

// throttled records a refused attempt in the audit trail when it is the
// first of its lock period or its count reaches a power of ten, and returns
// the *ThrottledError. ev carries who tried.
func (s *Service) throttled(ctx context.Context, now time.Time, lock *store.LoginLock, ev Event) error {
	retry := max(lock.Until.Sub(now), time.Second)
	terr := &ThrottledError{RetryAfter: retry}
	if isPowerOfTen(lock.Throttled) {
		ev.Action = ActionLoginThrottled
		ev.Details = map[string]any{"retry_after_seconds": terr.RetryAfterSeconds(),
			"locked": lockKind(lock.Key), "refused_in_lock": lock.Throttled}
		s.audit.Record(ctx, ev)
	}
	return terr
}

func isPowerOfTen(n int64) bool {
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}

// lockKind names what a throttle key locks, for the audit trail.
func lockKind(key string) string {
	switch {
	case strings.Contains(key, "|"):
		return "username_and_address"
	case strings.HasPrefix(key, "user"):
		return "username"
	default:
		return "address"
	}
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

// lockedFor returns how long the longest-locked of the limits stays locked
// (0 when none is), without recording anything.
func (s *Service) lockedFor(ctx context.Context, now time.Time, limits []store.LoginLimit) (time.Duration, error) {
	var longest time.Duration
	for _, l := range limits {
		recent, err := s.db.RecentLoginFailures(ctx, l.Key, now.Add(-l.Window), l.Max)
		if err != nil {
			return 0, err
		}
		if len(recent) < l.Max {
			continue
		}
		// The lock lifts when the oldest of the last Max failures leaves
		// the window.
		until := recent[len(recent)-1].Add(l.Window)
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
	d, err := s.lockedFor(ctx, s.now(), s.limits(userThrottleKey(username), ipThrottleKey(clientIP)))
	if err != nil {
		return 0, fmt.Errorf("auth: throttle status: %w", err)
	}
	return d, nil
}

// pairThrottleKey is the key of one username tried from one address.
func pairThrottleKey(userKey, ipKey string) string { return userKey + "|" + ipKey }

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
