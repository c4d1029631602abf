package waveform

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

func TestMPEG25Rewrite(t *testing.T) {
	tests := []struct {
		name string
		in   [4]byte
		out  [4]byte
		size int
		ok   bool
	}{
		{"8 kHz 8 kbit/s mono", [4]byte{0xFF, 0xE3, 0x18, 0xC4}, [4]byte{0xFF, 0xF3, 0x28, 0xC4}, 72, true},
		{"8 kHz 16 kbit/s stereo, padded", [4]byte{0xFF, 0xE3, 0x2A, 0x04}, [4]byte{0xFF, 0xF3, 0x4A, 0x04}, 145, true},
		{"11025 Hz 24 kbit/s with a CRC", [4]byte{0xFF, 0xE2, 0x30, 0xC4}, [4]byte{0xFF, 0xF2, 0x60, 0xC4}, 156, true},
		{"12 kHz 80 kbit/s", [4]byte{0xFF, 0xE3, 0x94, 0xC4}, [4]byte{0xFF, 0xF3, 0xE4, 0xC4}, 480, true},
		{"96 kbit/s has no MPEG 2 double", [4]byte{0xFF, 0xE3, 0xA8, 0xC4}, [4]byte{}, 0, false},
		{"MPEG 2 is left alone", [4]byte{0xFF, 0xF3, 0x28, 0xC4}, [4]byte{}, 0, false},
		{"free bitrate", [4]byte{0xFF, 0xE3, 0x08, 0xC4}, [4]byte{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m mpeg25Reader
			size, ok := m.rewrite(tt.in[:])
			if ok != tt.ok || size != tt.size || ok && m.hdr != tt.out {
				t.Errorf("rewrite = % x, %d, %v; want % x, %d, %v", m.hdr, size, ok, tt.out, tt.size, tt.ok)
			}
		})
	}
}

// TestMPEG25ReaderFrames: frames pass with their headers rewritten and
// junk between them dropped, whatever the size of the reads.
func TestMPEG25ReaderFrames(t *testing.T) {
	frame := func(fill byte) []byte {
		return append([]byte{0xFF, 0xE3, 0x18, 0xC4}, bytes.Repeat([]byte{fill}, 68)...)
	}
	in := append(append(append(frame(1), "junk"...), frame(2)...), "TAG"...)
	want := append(append([]byte{0xFF, 0xF3, 0x28, 0xC4}, bytes.Repeat([]byte{1}, 68)...),
		append([]byte{0xFF, 0xF3, 0x28, 0xC4}, bytes.Repeat([]byte{2}, 68)...)...)
	for _, chunk := range []int{1, 3, 4, 50, 4096} {
		r := &mpeg25Reader{br: bufio.NewReader(bytes.NewReader(in))}
		var got []byte
		buf := make([]byte, chunk)
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("reads of %d: got % x", chunk, got)
		}
	}
}
