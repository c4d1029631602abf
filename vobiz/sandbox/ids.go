package sandbox

// Call identifiers (uuid, sip_call_id, bridge_uuid) are not stored: each is
// derived from the call's numeric id and the seed when it is written, which
// keeps a call at a few dozen bytes in memory. The derivation is a
// bijection, so the get-one endpoint and the exact sip_call_id / bridge_uuid
// filters decode a string back to its call in O(1) without an index map (a
// map of a million UUIDs would cost more memory than the calls themselves).
//
// Layout of the 16 UUID bytes (v4-shaped: version nibble 4, variant 10xx):
//
//	a = mix64(id ^ key)      invertible, carries the id
//	b = mix64(a ^ key2)      filler that makes the rest look random
//	bytes 0-5, 7, 9          the 8 bytes of a
//	byte 6                   0x40 | low nibble of b
//	byte 8                   0x80 | 6 bits of b
//	bytes 10-15              6 more bytes of b
//
// Decoding extracts a, inverts mix64, range-checks the id and re-encodes to
// compare, so any other string (a valid UUID from elsewhere included) is
// rejected.

// idKind selects which identifier of a call is derived.
type idKind uint64

const (
	kindUUID idKind = iota + 1
	kindSIPCallID
	kindBridgeUUID
)

// uuidLen is the length of the canonical 8-4-4-4-12 form.
const uuidLen = 36

// idKeys holds the per-seed keys of one identifier kind.
type idKeys struct{ key, key2 uint64 }

func newIDKeys(seed int64, kind idKind) idKeys {
	r := newRNG(seed, 0x1d000000+uint64(kind))
	return idKeys{key: r.next(), key2: r.next()}
}

const hexDigits = "0123456789abcdef"

// hexPairs maps a byte to its two lower-case hex digits. Identifiers are
// derived for every call a free-text search visits, so encode is written
// for speed: one table lookup per byte at fixed positions.
var hexPairs = func() (t [256][2]byte) {
	for i := range t {
		t[i] = [2]byte{hexDigits[i>>4], hexDigits[i&0x0f]}
	}
	return t
}()

// encode writes the identifier of call id into dst.
func (k idKeys) encode(dst *[uuidLen]byte, id int64) {
	a := mix64(uint64(id) ^ k.key)
	b := mix64(a ^ k.key2)
	put := func(pos int, c byte) {
		p := hexPairs[c]
		dst[pos], dst[pos+1] = p[0], p[1]
	}
	put(0, byte(a>>56))
	put(2, byte(a>>48))
	put(4, byte(a>>40))
	put(6, byte(a>>32))
	dst[8] = '-'
	put(9, byte(a>>24))
	put(11, byte(a>>16))
	dst[13] = '-'
	put(14, 0x40|byte(b&0x0f))
	put(16, byte(a>>8))
	dst[18] = '-'
	put(19, 0x80|byte((b>>8)&0x3f))
	put(21, byte(a))
	dst[23] = '-'
	put(24, byte(b>>16))
	put(26, byte(b>>24))
	put(28, byte(b>>32))
	put(30, byte(b>>40))
	put(32, byte(b>>48))
	put(34, byte(b>>56))
}

// decode returns the call id whose identifier is s, or ok=false. The id is
// not range-checked here; the caller knows the valid range. Upper-case hex
// is accepted, as UUIDs are case-insensitive.
func (k idKeys) decode(s string) (id int64, ok bool) {
	if len(s) != uuidLen {
		return 0, false
	}
	var raw [16]byte
	j := 0
	for i := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			if s[j] != '-' {
				return 0, false
			}
			j++
		}
		hi, ok1 := unhex(s[j])
		lo, ok2 := unhex(s[j+1])
		if !ok1 || !ok2 {
			return 0, false
		}
		raw[i] = hi<<4 | lo
		j += 2
	}
	a := uint64(raw[0])<<56 | uint64(raw[1])<<48 | uint64(raw[2])<<40 | uint64(raw[3])<<32 |
		uint64(raw[4])<<24 | uint64(raw[5])<<16 | uint64(raw[7])<<8 | uint64(raw[9])
	id = int64(unmix64(a) ^ k.key)
	var check [uuidLen]byte
	k.encode(&check, id)
	for i := range check {
		c := s[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		if check[i] != c {
			return 0, false
		}
	}
	return id, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
