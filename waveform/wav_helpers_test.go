package waveform

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// signal gives the sample (-1..1) of channel ch at time t.
type signal func(t time.Duration, ch int) float64

// tone is a 440 Hz sine at amplitude a.
func tone(t time.Duration, a float64) float64 {
	return a * math.Sin(2*math.Pi*440*t.Seconds())
}

// piecewise plays tone at amplitude 0.5 except inside the zero spans.
func piecewise(zeros ...Span) func(t time.Duration) float64 {
	return func(t time.Duration) float64 {
		for _, z := range zeros {
			if t >= z.Start && t < z.End {
				return 0
			}
		}
		return tone(t, 0.5)
	}
}

func mono(f func(time.Duration) float64) signal {
	return func(t time.Duration, _ int) float64 { return f(t) }
}

// wavSpec describes a WAV to synthesise.
type wavSpec struct {
	code       uint16 // wavPCM, wavFloat, wavALaw, wavMuLaw
	bits       int    // declared bits per sample
	width      int    // container bytes per sample (0: bits/8)
	channels   int
	rate       int
	dur        time.Duration
	extensible bool
	dataSize   *uint32 // override the data chunk size (0, 0xFFFFFFFF…)
	extra      []byte  // chunks written between fmt and data
}

func s(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }

// makeWAV writes the WAV for spec with samples from sig.
func makeWAV(spec wavSpec, sig signal) []byte {
	if spec.width == 0 {
		spec.width = spec.bits / 8
	}
	frames := int(int64(spec.dur) * int64(spec.rate) / int64(time.Second))
	data := make([]byte, 0, frames*spec.channels*spec.width)
	for i := range frames {
		t := time.Duration(int64(i) * int64(time.Second) / int64(spec.rate))
		for c := range spec.channels {
			data = appendSample(data, spec, sig(t, c))
		}
	}
	var b bytes.Buffer
	le := binary.LittleEndian
	w32 := func(v uint32) { binary.Write(&b, le, v) }
	w16 := func(v uint16) { binary.Write(&b, le, v) }
	b.WriteString("RIFF")
	w32(0) // nobody checks the RIFF size; streamed WAVs leave it 0
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	align := uint16(spec.channels * spec.width)
	if spec.extensible {
		w32(40)
		w16(wavExtensible)
	} else {
		w32(16)
		w16(spec.code)
	}
	w16(uint16(spec.channels))
	w32(uint32(spec.rate))
	w32(uint32(spec.rate) * uint32(align))
	w16(align)
	w16(uint16(spec.bits))
	if spec.extensible {
		w16(22)
		w16(uint16(spec.bits)) // valid bits
		w32(3)                 // channel mask
		w16(spec.code)
		b.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	b.Write(spec.extra)
	b.WriteString("data")
	if spec.dataSize != nil {
		w32(*spec.dataSize)
	} else {
		w32(uint32(len(data)))
	}
	b.Write(data)
	return b.Bytes()
}

func appendSample(b []byte, spec wavSpec, v float64) []byte {
	le := binary.LittleEndian
	v = max(-1, min(v, 1))
	i16 := int16(max(-32768, min(32767, math.Round(v*32768))))
	switch spec.code {
	case wavMuLaw:
		return append(b, linearToMuLaw(i16))
	case wavALaw:
		return append(b, linearToALaw(i16))
	case wavFloat:
		if spec.width == 8 {
			return le.AppendUint64(b, math.Float64bits(v))
		}
		return le.AppendUint32(b, math.Float32bits(float32(v)))
	}
	switch spec.width {
	case 1:
		return append(b, byte(int(math.Round(v*127))+128))
	case 2:
		return le.AppendUint16(b, uint16(i16))
	case 3:
		x := int32(max(-(1 << 23), min(1<<23-1, math.Round(v*(1<<23)))))
		return append(b, byte(x), byte(x>>8), byte(x>>16))
	default:
		x := int64(max(-(1 << 31), min(1<<31-1, math.Round(v*(1<<31)))))
		if spec.bits == 24 { // 24 valid bits, left-justified in 32
			x &^= 0xFF
		}
		return le.AppendUint32(b, uint32(int32(x)))
	}
}

// linearToMuLaw is the G.711 μ-law encoder.
func linearToMuLaw(s int16) byte {
	const bias, clip = 0x84, 32635
	x, sign := int(s), 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0F
	return ^byte(sign | exp<<4 | mant)
}

// linearToALaw is the G.711 A-law encoder.
func linearToALaw(s int16) byte {
	x := int(s) >> 3
	mask := 0xD5
	if x < 0 {
		mask, x = 0x55, -x-1
	}
	ends := []int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
	seg := 0
	for seg < 8 && x > ends[seg] {
		seg++
	}
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	a := seg << 4
	if seg < 2 {
		a |= (x >> 1) & 0x0F
	} else {
		a |= (x >> seg) & 0x0F
	}
	return byte(a ^ mask)
}
