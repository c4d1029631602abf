package sandbox

import "math"

// rng is a small splitmix64 generator. The sandbox uses its own generator
// instead of math/rand so that a seed produces the same data set on every
// Go release: demo screenshots, golden tests and bug reports that quote a
// call stay valid after a toolchain upgrade.
type rng struct{ state uint64 }

func newRNG(seed int64, stream uint64) *rng {
	return &rng{state: mix64(uint64(seed)^0x9e3779b97f4a7c15) ^ mix64(stream+0x632be59bd9b4e019)}
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix64(r.state)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a uniform value in [0, n); n <= 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a uniform integer in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.intn(hi-lo+1)
}

// uniform returns a uniform float in [lo, hi).
func (r *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// norm returns a standard normal deviate (Box–Muller; one value per call is
// plenty for data generation).
func (r *rng) norm() float64 {
	u := r.float()
	for u == 0 {
		u = r.float()
	}
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// mix64 is the splitmix64 / murmur3 finaliser: a bijection on uint64 with
// good avalanche, used both as the generator's output function and to derive
// identifiers (see ids.go, which relies on it being invertible).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// unmix64 inverts mix64.
func unmix64(x uint64) uint64 {
	x = unshiftXor(x, 31)
	x *= mulInverse(0x94d049bb133111eb)
	x = unshiftXor(x, 27)
	x *= mulInverse(0xbf58476d1ce4e5b9)
	x = unshiftXor(x, 30)
	return x
}

// unshiftXor inverts x ^= x >> s.
func unshiftXor(x uint64, s uint) uint64 {
	y := x
	for i := s; i < 64; i += s {
		y = x ^ y>>s
	}
	return y
}

// mulInverse returns the inverse of odd a modulo 2^64 (Newton's iteration
// doubles the correct low bits each round: 3 → 6 → … → 96 ≥ 64).
func mulInverse(a uint64) uint64 {
	x := a // correct to 3 bits for odd a
	for range 5 {
		x *= 2 - a*x
	}
	return x
}
