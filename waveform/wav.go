package waveform

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// WAVE format codes (the fmt chunk's wFormatTag, or the first two bytes
// of WAVE_FORMAT_EXTENSIBLE's sub-format GUID).
const (
	wavPCM        = 0x0001
	wavFloat      = 0x0003
	wavALaw       = 0x0006
	wavMuLaw      = 0x0007
	wavExtensible = 0xFFFE
)

// wavFormat is what the fmt chunk says about the samples.
type wavFormat struct {
	code     uint16
	channels int
	rate     int
	width    int // bytes per sample in the data (its container)
	bits     int // bits per sample as declared
}

// analyzeWAV walks the RIFF chunks up to "data" and streams it. A data size
// of 0 or 0xFFFFFFFF (a WAV written while recording, or RF64) means "up to
// the end of the stream"; data that stops early is used as far as it goes.
func analyzeWAV(ctx context.Context, br *bufio.Reader, o Options) (*Waveform, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, wavReadErr("RIFF header", err)
	}
	var f *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return nil, wavReadErr("chunk header (no data chunk)", err)
		}
		id, size := string(ch[:4]), binary.LittleEndian.Uint32(ch[4:])
		switch id {
		case "fmt ":
			if size < 16 || size > 1<<16 {
				return nil, fmt.Errorf("waveform: WAV fmt chunk of %d bytes: %w", size, ErrCorrupt)
			}
			b := make([]byte, size+size&1)
			if _, err := io.ReadFull(br, b); err != nil {
				return nil, wavReadErr("fmt chunk", err)
			}
			var err error
			if f, err = parseWAVFormat(b[:size]); err != nil {
				return nil, err
			}
		case "data":
			if f == nil {
				return nil, fmt.Errorf("waveform: WAV data chunk before its fmt chunk: %w", ErrCorrupt)
			}
			return readWAVData(ctx, br, f, size, o)
		default:
			// LIST, fact, ds64, bext…: not needed. Chunks are padded to
			// an even size.
			if err := skipChunk(ctx, br, int64(size)+int64(size&1)); err != nil {
				return nil, wavReadErr(fmt.Sprintf("%q chunk", id), err)
			}
		}
	}
}

// skipChunk discards n bytes, checking the context between steps: a chunk
// can announce up to 4 GB.
func skipChunk(ctx context.Context, br *bufio.Reader, n int64) error {
	for n > 0 {
		if err := checkCtx(ctx); err != nil {
			return err
		}
		step := int(min(n, readChunk))
		got, err := br.Discard(step)
		n -= int64(got)
		if got < step {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

func wavReadErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("waveform: WAV cut short in its %s: %w", what, ErrCorrupt)
	}
	return fmt.Errorf("waveform: reading WAV %s: %w", what, err)
}

func parseWAVFormat(b []byte) (*wavFormat, error) {
	le := binary.LittleEndian
	f := &wavFormat{
		code:     le.Uint16(b[0:]),
		channels: int(le.Uint16(b[2:])),
		rate:     int(le.Uint32(b[4:])),
		bits:     int(le.Uint16(b[14:])),
	}
	align := int(le.Uint16(b[12:]))
	if f.code == wavExtensible {
		if len(b) < 40 {
			return nil, fmt.Errorf("waveform: WAV extensible fmt chunk of %d bytes: %w", len(b), ErrCorrupt)
		}
		f.code = le.Uint16(b[24:]) // sub-format GUID starts with the format code
	}
	switch {
	case f.channels == 0 || f.rate == 0 || align == 0:
		return nil, fmt.Errorf("waveform: WAV with %d channels at %d Hz: %w", f.channels, f.rate, ErrCorrupt)
	case f.channels > 2:
		return nil, fmt.Errorf("waveform: WAV with %d channels (1 or 2 are read): %w", f.channels, ErrUnsupported)
	case f.rate > 768000:
		return nil, fmt.Errorf("waveform: WAV at %d Hz: %w", f.rate, ErrUnsupported)
	case align%f.channels != 0:
		return nil, fmt.Errorf("waveform: WAV block of %d bytes for %d channels: %w", align, f.channels, ErrCorrupt)
	}
	// The block size is the truth about the container: 24-bit audio may
	// sit in 3 or 4 bytes.
	f.width = align / f.channels
	ok := false
	switch f.code {
	case wavPCM:
		ok = f.width >= 1 && f.width <= 4 && f.bits <= 8*f.width
	case wavFloat:
		ok = f.width == 4 || f.width == 8
	case wavALaw, wavMuLaw:
		ok = f.width == 1
	default:
		return nil, fmt.Errorf("waveform: WAV format code %#04x: %w", f.code, ErrUnsupported)
	}
	if !ok {
		return nil, fmt.Errorf("waveform: WAV format %#04x with %d-bit samples in %d bytes: %w", f.code, f.bits, f.width, ErrUnsupported)
	}
	return f, nil
}

func readWAVData(ctx context.Context, br *bufio.Reader, f *wavFormat, size uint32, o Options) (*Waveform, error) {
	block := f.width * f.channels
	env := newEnvelope(f.rate, f.channels, o)
	var left int64 = -1 // unknown: read to the end
	if size != 0 && size != 0xFFFFFFFF {
		left = int64(size)
		// Known from the header: refuse before reading the audio.
		if left/int64(block) > env.maxFrames {
			return nil, fmt.Errorf("waveform: WAV of %s, longer than %s: %w", env.at(left/int64(block)), o.MaxLength, ErrTooLong)
		}
	}
	conv := wavConverter(f)
	buf := make([]byte, readChunk/block*block)
	samples := make([]float32, len(buf)/f.width)
	for left != 0 {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		want := len(buf)
		if left > 0 && left < int64(want) {
			want = int(left)
		}
		n, err := io.ReadFull(br, buf[:want])
		if left > 0 {
			left -= int64(n)
		}
		n -= n % block // a partial frame at the end is dropped
		if n > 0 {
			conv(buf[:n], samples)
			if err := env.add(samples[:n/f.width], f.channels); err != nil {
				return nil, fmt.Errorf("waveform: WAV longer than %s: %w", o.MaxLength, err)
			}
		}
		if left > 0 && left < int64(block) {
			break // a data size that is not whole frames
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // truncated or streamed: use what arrived
			}
			return nil, fmt.Errorf("waveform: reading WAV data: %w", err)
		}
	}
	return env.result(o)
}

// wavConverter returns the function turning a run of whole frames into
// samples in -1..1.
func wavConverter(f *wavFormat) func(b []byte, out []float32) {
	le := binary.LittleEndian
	switch {
	case f.code == wavMuLaw:
		return func(b []byte, out []float32) {
			for i, v := range b {
				out[i] = muLaw[v]
			}
		}
	case f.code == wavALaw:
		return func(b []byte, out []float32) {
			for i, v := range b {
				out[i] = aLaw[v]
			}
		}
	case f.code == wavFloat && f.width == 4:
		return func(b []byte, out []float32) {
			for i := range b[:len(b)/4] {
				out[i] = clampNaN(math.Float32frombits(le.Uint32(b[4*i:])))
			}
		}
	case f.code == wavFloat:
		return func(b []byte, out []float32) {
			for i := range b[:len(b)/8] {
				out[i] = clampNaN(float32(math.Float64frombits(le.Uint64(b[8*i:]))))
			}
		}
	case f.width == 1: // 8-bit PCM is unsigned
		return func(b []byte, out []float32) {
			for i, v := range b {
				out[i] = float32(int(v)-128) / 128
			}
		}
	case f.width == 2:
		return func(b []byte, out []float32) {
			for i := range b[:len(b)/2] {
				out[i] = float32(int16(le.Uint16(b[2*i:]))) / (1 << 15)
			}
		}
	case f.width == 3:
		return func(b []byte, out []float32) {
			for i := range b[:len(b)/3] {
				v := int32(uint32(b[3*i])<<8 | uint32(b[3*i+1])<<16 | uint32(b[3*i+2])<<24)
				out[i] = float32(v) / (1 << 31)
			}
		}
	default: // 4 bytes, whatever the declared bits: the samples are left-justified
		return func(b []byte, out []float32) {
			for i := range b[:len(b)/4] {
				out[i] = float32(int32(le.Uint32(b[4*i:]))) / (1 << 31)
			}
		}
	}
}

// clampNaN keeps a damaged float sample from poisoning a whole window.
func clampNaN(v float32) float32 {
	switch {
	case v != v:
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return v
}

// G.711 decoding tables (ITU-T G.711), scaled to -1..1.
var muLaw, aLaw = g711Tables()

func g711Tables() (mu, a [256]float32) {
	for i := range 256 {
		// μ-law: bits are inverted; sign, 3-bit exponent, 4-bit mantissa.
		u := ^byte(i)
		t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
		v := t - 0x84
		if u&0x80 != 0 {
			v = -v
		}
		mu[i] = float32(v) / 32768

		// A-law: even bits are inverted.
		x := byte(i) ^ 0x55
		m := int(x&0x0F)<<4 + 8
		if e := (x & 0x70) >> 4; e > 0 {
			m = (m + 0x100) << (e - 1)
		}
		if x&0x80 == 0 {
			m = -m
		}
		a[i] = float32(m) / 32768
	}
	return mu, a
}
