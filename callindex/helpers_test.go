package callindex_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

var sbNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// sandboxEnv is a sandbox API over HTTP and a client for it, like the sync
// job will use.
type sandboxEnv struct {
	sb     *sandbox.Server
	client *vobiz.Client
}

func newSandbox(t testing.TB, calls, days int) *sandboxEnv {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 3, Calls: calls, Days: days, Now: sbNow})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := vobiz.NewClient(srv.URL, sb.AuthID(), sb.AuthToken(), vobiz.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxEnv{sb: sb, client: c}
}

// exportAll downloads the whole export, decoded, newest first.
func (e *sandboxEnv) exportAll(t testing.TB) []vobiz.CDR {
	t.Helper()
	var out []vobiz.CDR
	err := e.export(context.Background(), func(c *vobiz.CDR) error {
		out = append(out, *c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *sandboxEnv) export(ctx context.Context, each func(*vobiz.CDR) error) error {
	body, err := e.client.Export(ctx, vobiz.Filter{})
	if err != nil {
		return err
	}
	defer body.Close()
	r, err := vobiz.NewExportReader(body)
	if err != nil {
		return err
	}
	for {
		c, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := each(c); err != nil {
			return err
		}
	}
}

// loadExport streams the sandbox's export into ix in batches, as the sync
// job should: one goroutine downloads and decodes the next batch while the
// previous one is written, so the two overlap on two cores.
func loadExport(ctx context.Context, e *sandboxEnv, ix *callindex.Index) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []vobiz.CDR, 1)
	decodeErr := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([]vobiz.CDR, 0, callindex.BatchSize)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([]vobiz.CDR, 0, callindex.BatchSize)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := e.export(ctx, func(c *vobiz.CDR) error {
			batch = append(batch, *c)
			if len(batch) == cap(batch) {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		decodeErr <- err
	}()
	n := 0
	for batch := range batches {
		st, err := ix.Upsert(ctx, batch)
		n += st.Offered - st.Invalid
		if err != nil {
			cancel()
			for range batches { // let the decoder finish
			}
			return n, err
		}
	}
	return n, <-decodeErr
}
