package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/store/storetest"
	"github.com/cdrdash/cdrdash/vobiz"
)

// heldSource holds the next list or search call until release is closed,
// so a test can act while a page waits on Vobiz.
type heldSource struct {
	handlers.CDRSource
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *heldSource) hold(ctx context.Context) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		select {
		case <-s.release:
		case <-ctx.Done():
		}
	}
}

func (s *heldSource) List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error) {
	s.hold(ctx)
	return s.CDRSource.List(ctx, f)
}

func (s *heldSource) Search(ctx context.Context, f vobiz.Filter) (*vobiz.SearchResponse, error) {
	s.hold(ctx)
	return s.CDRSource.Search(ctx, f)
}

// TestSignOutSticksWhileAPageLoads: a /calls page that loaded its session
// before sign-out and answers after it must not bring the session back
// (the idle timeout makes scs commit every loaded session when it
// answers). The kept cookie must then get the sign-in page on
// /admin/users, and the sessions table must not hold the session.
func TestSignOutSticksWhileAPageLoads(t *testing.T) {
	storetest.ForEachTarget(t, func(t *testing.T, tg storetest.Target) {
		src := &heldSource{entered: make(chan struct{}), release: make(chan struct{})}
		a := newTestApp(t, withCalls(200), withDB(tg.Open(t)), withDeps(func(d *handlers.Deps) {
			src.CDRSource = d.CDRs
			d.CDRs = src
		}))
		c := a.demo(t)
		kept := c.Jar.Cookies(mustURL(t, a.srv.URL))
		if len(kept) == 0 {
			t.Fatal("no session cookie")
		}
		if n, err := a.db.CountActiveSessions(context.Background()); err != nil || n != 1 {
			t.Fatalf("%d sessions before sign-out (%v)", n, err)
		}

		slow := a.browser(t)
		slow.Jar.SetCookies(mustURL(t, a.srv.URL), kept)
		src.armed.Store(true)
		done := make(chan int, 1)
		go func() {
			res, err := slow.Get(a.srv.URL + "/calls")
			if err != nil {
				done <- 0
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			done <- res.StatusCode
		}()
		<-src.entered
		if res := a.postForm(t, c, "/logout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		close(src.release)
		if code := <-done; code != http.StatusOK {
			t.Fatalf("the slow /calls: %d", code)
		}

		// The store keys sessions by the token's hash, as scs computes it.
		sum := sha256.Sum256([]byte(kept[0].Value))
		all, err := a.db.SessionStore().All()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := all[base64.RawURLEncoding.EncodeToString(sum[:])]; ok {
			t.Error("the slow page wrote the signed-out session back")
		}
		replay := a.browser(t)
		replay.Jar.SetCookies(mustURL(t, a.srv.URL), kept)
		res, _ := a.get(t, replay, "/admin/users")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers" {
			t.Errorf("the signed-out cookie on /admin/users: %d %q, want the sign-in page",
				res.StatusCode, res.Header.Get("Location"))
		}
	})
}
