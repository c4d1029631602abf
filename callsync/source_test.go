package callsync

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// countingSource records how many of its calls run at once; List waits
// for a release after saying it entered.
type countingSource struct {
	in, max atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (c *countingSource) List(context.Context, vobiz.Filter) (*vobiz.ListResponse, error) {
	n := c.in.Add(1)
	for m := c.max.Load(); n > m && !c.max.CompareAndSwap(m, n); m = c.max.Load() {
	}
	c.entered <- struct{}{}
	<-c.release
	c.in.Add(-1)
	return &vobiz.ListResponse{}, nil
}

func (c *countingSource) Recent(context.Context, int) (*vobiz.RecentResponse, error) {
	return &vobiz.RecentResponse{}, nil
}

func (c *countingSource) Export(context.Context, vobiz.Filter) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("uuid\n")), nil
}

// At most MaxInFlight requests run at once, and an export holds its slot
// until its body is closed.
func TestLimitedInFlight(t *testing.T) {
	src := &countingSource{entered: make(chan struct{}), release: make(chan struct{})}
	l := newLimited(src, 2)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = l.List(context.Background(), vobiz.Filter{})
		}()
	}
	<-src.entered
	<-src.entered // two inside at once; the others wait for a slot
	for i := range 5 {
		src.release <- struct{}{}
		if i < 3 {
			<-src.entered
		}
	}
	wg.Wait()
	if m := src.max.Load(); m != 2 {
		t.Errorf("%d requests at once, want at most (and here exactly) 2", m)
	}

	ctx := context.Background()
	a, err := l.Export(ctx, vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Export(ctx, vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Recent(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("a third request ran beside two open exports: %v", err)
	}
	_ = a.Close()
	_ = a.Close() // twice gives the slot back once
	c, err := l.Export(ctx, vobiz.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Recent(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("closing a body twice freed two slots: %v", err)
	}
	_, _ = b.Close(), c.Close()
	if _, err := l.Recent(ctx, 1); err != nil {
		t.Fatal(err)
	}
}
