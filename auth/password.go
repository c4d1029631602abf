package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Params are argon2id cost parameters. Hashes record their own parameters,
// so changing them only affects new hashes (and old ones are upgraded on the
// next successful sign-in, see Service.Authenticate).
type Params struct {
	Memory      uint32 // KiB
	Iterations  uint32
	Parallelism uint8
	SaltLength  uint32 // bytes
	KeyLength   uint32 // bytes
}

// DefaultParams are OWASP's minimum for argon2id: 19 MiB, two passes, one
// lane (about 40 ms per hash or check on a 2-core machine with Go 1.26 on
// amd64). Memory, not time, is what bounds how many sign-ins a small
// instance takes at once, and 19 MiB per running hash keeps a storm of 64
// sign-ins under 150 MB of RSS (make bench, signin scenario). Hashes made
// with other parameters (the earlier 64 MiB, t=1, p=2) still verify and are
// re-hashed with these at the owner's next sign-in.
var DefaultParams = Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// InsecureFastParams are for tests only: a hash takes microseconds. Never use
// them for real accounts.
var InsecureFastParams = Params{Memory: 8, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Limits applied when decoding a stored hash, so a corrupted or hostile
// hash cannot make a check allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB   = 1 << 20 // 1 GiB
	maxIterations  = 64
	maxParallelism = 64
)

// ErrMalformedHash means a stored password hash could not be decoded.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// hashSlots bounds concurrent argon2 computations process-wide: each one
// holds Params.Memory of RAM, and more of them than CPUs only adds latency.
var hashSlots = make(chan struct{}, max(1, runtime.NumCPU()))

// The queue in front of hashSlots is bounded in length and in waiting time,
// so a burst of sign-ins cannot pile up goroutines and connections without
// end: past hashQueueMax waiters, or after hashQueueWait, the caller gets
// *BusyError (the sign-in page answers 429 with Retry-After). Variables so
// tests can shrink them.
var (
	hashQueueMax  int64 = 64
	hashQueueWait       = 10 * time.Second
	hashWaiting   atomic.Int64
)

func acquireHashSlot(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	default:
	}
	if hashWaiting.Add(1) > hashQueueMax {
		hashWaiting.Add(-1)
		return &BusyError{RetryAfter: busyRetryAfter}
	}
	defer hashWaiting.Add(-1)
	t := time.NewTimer(hashQueueWait)
	defer t.Stop()
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-t.C:
		return &BusyError{RetryAfter: busyRetryAfter}
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash password: %w", ctx.Err())
	}
}

// releaseHashSlot frees a slot taken for a hash of memKiB. A large block
// is collected before the slot is freed, so the next hash allocates its
// block into the memory this one used instead of on top of it: left to
// itself the runtime collects only when the heap doubles, and a sign-in
// storm then holds two or three dead blocks besides the running ones (99
// MB of heap and 155 MB of RSS for 64 sign-ins at 19 MiB, make bench). The
// collection costs a few milliseconds: argon2 blocks hold no pointers.
// When the last running hash ends, the memory also goes back to the OS, in
// the background, so an idle dashboard does not sit on it.
func releaseHashSlot(memKiB uint32) {
	if memKiB >= returnMemoryKiB {
		runtime.GC()
	}
	<-hashSlots
	if memKiB >= returnMemoryKiB && len(hashSlots) == 0 {
		returnHashMemory()
	}
}

// returnMemoryKiB is the block size from which releaseHashSlot returns
// memory (real parameters; not the tests' InsecureFastParams).
const returnMemoryKiB = 8 << 10

var returningMemory atomic.Bool

func returnHashMemory() {
	if !returningMemory.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer returningMemory.Store(false)
		debug.FreeOSMemory()
	}()
}

// normalizePassword applies Unicode NFKC so the same password typed on
// different keyboards or systems hashes the same (NIST SP 800-63B 5.1.1.2).
func normalizePassword(pw string) []byte { return []byte(norm.NFKC.String(pw)) }

// HashPassword hashes pw with DefaultParams and returns a PHC-format string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	return DefaultParams.hash(context.Background(), pw)
}

// Hash hashes pw with p (see HashPassword for the format).
func (p Params) Hash(pw string) (string, error) { return p.hash(context.Background(), pw) }

func (p Params) hash(ctx context.Context, pw string) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	if err := acquireHashSlot(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey(normalizePassword(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	releaseHashSlot(p.Memory)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (p Params) validate() error {
	switch {
	case p.Parallelism < 1 || p.Parallelism > maxParallelism:
		return fmt.Errorf("auth: argon2 parallelism %d out of range 1-%d", p.Parallelism, maxParallelism)
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("auth: argon2 memory %d KiB out of range", p.Memory)
	case p.Iterations < 1 || p.Iterations > maxIterations:
		return fmt.Errorf("auth: argon2 iterations %d out of range 1-%d", p.Iterations, maxIterations)
	case p.SaltLength < 8 || p.SaltLength > 64:
		return fmt.Errorf("auth: argon2 salt length %d out of range 8-64", p.SaltLength)
	case p.KeyLength < 16 || p.KeyLength > 128:
		return fmt.Errorf("auth: argon2 key length %d out of range 16-128", p.KeyLength)
	}
	return nil
}

// CheckPassword reports whether pw matches the PHC-format argon2id hash. The
// final comparison is constant-time. A hash that cannot be decoded returns
// ErrMalformedHash.
func CheckPassword(hash, pw string) (bool, error) {
	return checkPassword(context.Background(), hash, pw)
}

func checkPassword(ctx context.Context, hash, pw string) (bool, error) {
	p, salt, want, err := decodeHash(hash)
	if err != nil {
		return false, err
	}
	if err := acquireHashSlot(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey(normalizePassword(pw), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(want)))
	releaseHashSlot(p.Memory)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether hash was made with parameters other than p
// (or cannot be decoded).
func NeedsRehash(hash string, p Params) bool {
	hp, salt, key, err := decodeHash(hash)
	if err != nil {
		return true
	}
	return hp.Memory != p.Memory || hp.Iterations != p.Iterations || hp.Parallelism != p.Parallelism ||
		uint32(len(salt)) != p.SaltLength || uint32(len(key)) != p.KeyLength
}

func decodeHash(hash string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformedHash)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, parts[2])
	}
	var par uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &par); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Iterations, par) != parts[3] {
		return p, nil, nil, fmt.Errorf("%w: bad parameters %q", ErrMalformedHash, parts[3])
	}
	if par > maxParallelism {
		return p, nil, nil, fmt.Errorf("%w: parallelism %d too high", ErrMalformedHash, par)
	}
	p.Parallelism = uint8(par)
	b64 := base64.RawStdEncoding
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformedHash)
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: bad hash", ErrMalformedHash)
	}
	p.SaltLength, p.KeyLength = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return p, salt, key, nil
}
