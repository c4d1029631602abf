package callsync

import (
	"context"
	"io"
	"sync"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Source is the part of the Vobiz API the sync reads; *vobiz.Client
// implements it. Errors are the client's (*vobiz.APIError and its
// sentinels), so a rate limit's Retry-After reaches the sync.
type Source interface {
	// List answers the day totals (per_page=1: only the pagination is read).
	List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error)
	// Recent returns the newest calls, for the polls.
	Recent(ctx context.Context, limit int) (*vobiz.RecentResponse, error)
	// Export streams a day's calls as CSV.
	Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error)
}

// limited lets at most cap(sem) requests to Vobiz run at once, counting an
// export until its body is closed: the sync shares the account's rate limit
// with the people using the pages.
type limited struct {
	src Source
	sem chan struct{}
}

func newLimited(src Source, n int) *limited {
	return &limited{src: src, sem: make(chan struct{}, n)}
}

func (l *limited) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *limited) release() { <-l.sem }

func (l *limited) List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.src.List(ctx, f)
}

func (l *limited) Recent(ctx context.Context, limit int) (*vobiz.RecentResponse, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	defer l.release()
	return l.src.Recent(ctx, limit)
}

func (l *limited) Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error) {
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	body, err := l.src.Export(ctx, f)
	if err != nil {
		l.release()
		return nil, err
	}
	return &releasingBody{ReadCloser: body, release: l.release}, nil
}

// releasingBody gives the export's slot back when the body is closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
