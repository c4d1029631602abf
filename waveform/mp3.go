package waveform

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// frameHeader is the part of an MPEG audio frame header Analyze needs.
type frameHeader struct {
	mono     bool // channel mode 3: a single channel
	mpeg25   bool // MPEG 2.5: 8, 11.025 or 12 kHz
	freeRate bool // "free" bitrate
	bitrate  byte // bitrate index
	rate     int  // sample rate in Hz
}

// mp3Rates are the sample rates by version (MPEG 2.5, reserved, 2, 1) and index.
var mp3Rates = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}

// parseFrameHeader reads a 4-byte MPEG audio frame header and accepts only
// Layer III (MP3) with a valid bitrate and sample rate.
func parseFrameHeader(b []byte) (frameHeader, bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return frameHeader{}, false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 3
	if version == 1 || layer != 1 || bitrate == 0xF || rate == 3 {
		return frameHeader{}, false
	}
	return frameHeader{
		mono:     b[3]>>6 == 3,
		mpeg25:   version == 0,
		freeRate: bitrate == 0,
		bitrate:  bitrate,
		rate:     mp3Rates[version][rate],
	}, true
}

// maxJunk is how far past an ID3v2 tag (or the start) Analyze looks for
// the first frame: some encoders leave padding the tag size does not count.
const maxJunk = 4096

// analyzeMP3 skips an ID3v2 tag, reads the first frame's channel mode and
// streams the decoder's output. go-mp3 always yields 16-bit stereo; a mono
// MP3 is analysed on its left channel only.
func analyzeMP3(ctx context.Context, br *bufio.Reader, o Options) (w *Waveform, err error) {
	tagged, err := skipID3v2(br)
	if err != nil {
		return nil, err
	}
	var fh frameHeader
	for skipped := 0; ; skipped++ {
		b, perr := br.Peek(4)
		if h, ok := parseFrameHeader(b); ok {
			fh = h
			break
		}
		if _, derr := br.Discard(1); perr != nil || derr != nil || skipped >= maxJunk {
			// Announced as MP3 but without a tag or a frame, it is most
			// likely not audio at all (an HTML error page).
			kind := ErrUnsupported
			if tagged {
				kind = ErrCorrupt
			}
			return nil, fmt.Errorf("waveform: no MP3 frame in the first bytes: %w", kind)
		}
	}
	// go-mp3 decodes MPEG 1 and 2 but neither "free" bitrate streams nor
	// MPEG 2.5, which mpeg25Reader turns into MPEG 2 (docs/recordings.md#formats).
	var in io.Reader = br
	switch {
	case fh.freeRate:
		return nil, fmt.Errorf("waveform: MP3 with a free bitrate cannot be decoded: %w", ErrUnsupported)
	case fh.mpeg25 && doubledBitrate[fh.bitrate] == 0:
		return nil, fmt.Errorf("waveform: MP3 at %d Hz and %d kbit/s cannot be decoded: %w", fh.rate, lsfBitrates[fh.bitrate], ErrUnsupported)
	case fh.mpeg25:
		in = &mpeg25Reader{br: br}
	}
	// The decoder is third-party code fed untrusted bytes: a panic in it
	// is a damaged file, not a crashed server.
	defer func() {
		if p := recover(); p != nil {
			w, err = nil, fmt.Errorf("waveform: MP3 decoder failed (%v): %w", p, ErrCorrupt)
		}
	}()
	src := &ioErrReader{r: in}
	d, derr := mp3.NewDecoder(src)
	if derr != nil {
		return nil, mp3Err(src, derr)
	}
	keep := 2
	if fh.mono {
		keep = 1
	}
	rate := d.SampleRate()
	if fh.mpeg25 {
		rate = fh.rate // the decoder was told twice the rate
	}
	env := newEnvelope(rate, keep, o)
	env.peakFromRMS = fh.mpeg25
	buf := make([]byte, readChunk)
	samples := make([]float32, readChunk/2)
	for {
		if err := checkCtx(ctx); err != nil {
			return nil, err
		}
		n, rerr := io.ReadFull(d, buf)
		n -= n % 4
		if n > 0 {
			for i := range samples[:n/2] {
				samples[i] = float32(int16(uint16(buf[2*i])|uint16(buf[2*i+1])<<8)) / (1 << 15)
			}
			if err := env.add(samples[:n/2], 2); err != nil {
				return nil, fmt.Errorf("waveform: MP3 longer than %s: %w", o.MaxLength, err)
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				break // the decoder treats a cut last frame as the end
			}
			return nil, mp3Err(src, rerr)
		}
	}
	return env.result(o)
}

// ioErrReader remembers a read error of the underlying stream, so a
// network failure is reported as such and not as a damaged file.
type ioErrReader struct {
	r   io.Reader
	err error
}

func (r *ioErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

func mp3Err(src *ioErrReader, err error) error {
	if src.err != nil {
		return fmt.Errorf("waveform: reading MP3: %w", src.err)
	}
	return fmt.Errorf("waveform: decoding MP3 (%v): %w", err, ErrCorrupt)
}

// skipID3v2 discards an ID3v2 tag at the start, if there is one: a
// 10-byte header whose last four bytes are a 28-bit "syncsafe" size, plus
// a 10-byte footer when flag 0x10 is set.
func skipID3v2(br *bufio.Reader) (bool, error) {
	b, err := br.Peek(10)
	if err != nil || string(b[:3]) != "ID3" {
		if len(b) >= 3 && string(b[:3]) == "ID3" {
			return true, fmt.Errorf("waveform: MP3 cut short in its ID3 tag: %w", ErrCorrupt)
		}
		return false, nil
	}
	if (b[6]|b[7]|b[8]|b[9])&0x80 != 0 {
		return true, fmt.Errorf("waveform: MP3 ID3 tag with a bad size: %w", ErrCorrupt)
	}
	size := 10 + (int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9]))
	if b[5]&0x10 != 0 {
		size += 10
	}
	if n, _ := br.Discard(size); n < size {
		return true, fmt.Errorf("waveform: MP3 cut short in its ID3 tag: %w", ErrCorrupt)
	}
	return true, nil
}
