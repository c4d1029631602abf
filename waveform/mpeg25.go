package waveform

import (
	"bufio"
	"io"
)

// MPEG 2.5 (8, 11.025 and 12 kHz MP3, what an encoder makes of telephone
// audio) is MPEG 2 at half the sample rate: the same frame layout, side
// information and scale factors. go-mp3 refuses it, so mpeg25Reader
// rewrites each frame header on the way in to the MPEG 2 frame of the same
// size: twice the sample rate, twice the bitrate. The decoder then picks the
// scale-factor band widths of the doubled rate, which spreads some energy
// into neighbouring bands: the sound is not faithful, but its loudness per
// 50 ms, all Analyze keeps, is (docs/recordings.md#formats). The real sample
// rate is taken from the first header.

// lsfBitrates is the MPEG 2 and 2.5 Layer III bitrate table, in kbit/s.
var lsfBitrates = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}

// doubledBitrate maps an MPEG 2.5 bitrate index to the MPEG 2 index of
// twice that bitrate; 0 where MPEG 2 has none (96 kbit/s and up, far above
// what 8–12 kHz audio is encoded at).
var doubledBitrate = func() (m [16]byte) {
	for i, br := range lsfBitrates {
		for j, br2 := range lsfBitrates {
			if br > 0 && br2 == 2*br {
				m[i] = byte(j)
			}
		}
	}
	return m
}()

// mpeg25Reader passes an MPEG 2.5 Layer III stream through with every frame
// header rewritten to MPEG 2. Bytes between frames that are not an MPEG 2.5
// frame header (a trailing ID3v1 tag, damage) are dropped until the next
// header, as a decoder would skip them.
type mpeg25Reader struct {
	br   *bufio.Reader
	hdr  [4]byte
	nhdr int // rewritten header bytes not yet handed out
	left int // bytes of the current frame's body still to pass
}

func (m *mpeg25Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if m.nhdr > 0 {
		n := copy(p, m.hdr[4-m.nhdr:])
		m.nhdr -= n
		return n, nil
	}
	if m.left > 0 {
		n, err := m.br.Read(p[:min(len(p), m.left)])
		m.left -= n
		return n, err
	}
	for {
		b, err := m.br.Peek(4)
		if err != nil {
			if len(b) == 0 || err == io.EOF {
				return 0, io.EOF
			}
			return 0, err
		}
		if size, ok := m.rewrite(b); ok {
			m.br.Discard(4)
			m.nhdr, m.left = 4, size-4
			return m.Read(p)
		}
		m.br.Discard(1)
	}
}

// rewrite turns an MPEG 2.5 Layer III header into the MPEG 2 header of a
// frame of the same size, stored in m.hdr, and returns that size.
func (m *mpeg25Reader) rewrite(b []byte) (int, bool) {
	h, ok := parseFrameHeader(b)
	if !ok || !h.mpeg25 || h.freeRate {
		return 0, false
	}
	idx := b[2] >> 4
	to := doubledBitrate[idx]
	if to == 0 {
		return 0, false
	}
	pad := int(b[2]>>1) & 1
	size := 72*lsfBitrates[idx]*1000/h.rate + pad
	if size < 4 {
		return 0, false
	}
	m.hdr = [4]byte{b[0], b[1] | 0x10, to<<4 | b[2]&0x0F, b[3]}
	return size, true
}
