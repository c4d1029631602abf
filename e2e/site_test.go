package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/handlers"
	"github.com/cdrdash/cdrdash/static"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/vobiz/sandbox"
)

// siteDeps returns what an in-process dashboard over db needs besides its
// data sources: demo mode's admin (returned), the embedded assets, the
// Asia/Kolkata zone, a clock stopped at now and the session store. Tests
// that need to watch or fault the upstream build their own site with it
// instead of using the suite's server.
func siteDeps(t *testing.T, db *store.DB, now time.Time) (handlers.Deps, *auth.Service, *store.User) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	au := auth.NewService(db, auth.WithHashParams(auth.InsecureFastParams), auth.WithLogger(log), auth.WithDemoMode(true))
	demo, err := au.EnsureDemoUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New("/static")
	if err != nil {
		t.Fatal(err)
	}
	ist, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	return handlers.Deps{Assets: assets, Log: log, Demo: true, Version: "e2e", Location: ist,
		Now: func() time.Time { return now }, Auth: au,
		Sessions: auth.NewSessionManager(db, auth.SessionConfig{Path: "/"})}, au, demo
}

// sandboxClient serves the test data set both in-process sites use (seed
// 7, 3,000 calls ending at now) and returns it with a client for it.
func sandboxClient(t *testing.T, now time.Time) (*sandbox.Server, *vobiz.Client) {
	t.Helper()
	sb := sandbox.New(sandbox.Options{Seed: 7, Calls: 3000, Now: now})
	up := httptest.NewServer(sb)
	t.Cleanup(up.Close)
	client, err := vobiz.NewClient(up.URL, sb.AuthID(), sb.AuthToken(), vobiz.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return sb, client
}
