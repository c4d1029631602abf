package csvreport_test

import (
	"io"
	"net/http"
	"runtime"
)

// liveHeap collects garbage and returns the bytes still reachable.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sampler is a writer that discards its input and calls sample every
// `every` bytes.
type sampler struct {
	every, n, next int64
	sample         func()
}

func (s *sampler) Write(p []byte) (int, error) {
	s.n += int64(len(p))
	if s.n >= s.next {
		s.next = s.n + s.every
		s.sample()
	}
	return len(p), nil
}

// pipeResponse is an http.ResponseWriter that streams the body into a
// pipe, so a handler's output can be consumed while it is produced.
type pipeResponse struct {
	w io.Writer
	h http.Header
}

func (p *pipeResponse) Header() http.Header         { return p.h }
func (p *pipeResponse) WriteHeader(int)             {}
func (p *pipeResponse) Write(b []byte) (int, error) { return p.w.Write(b) }
