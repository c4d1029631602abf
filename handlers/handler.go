// Package handlers wires HTTP requests to the Vobiz client and the views:
// it parses and validates input, calls the CDR source, builds view models
// and renders them. It holds no API knowledge (that is package vobiz) and no
// markup (that is package views).
package handlers

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/metrics"
	"github.com/cdrdash/cdrdash/report"
	"github.com/cdrdash/cdrdash/static"
	"github.com/cdrdash/cdrdash/views"
	"github.com/cdrdash/cdrdash/vobiz"
	"github.com/cdrdash/cdrdash/waveform"
)

// CDRSource is what the dashboard needs from the Vobiz API. *vobiz.Client
// implements it; tests may pass anything that does.
type CDRSource interface {
	List(ctx context.Context, f vobiz.Filter) (*vobiz.ListResponse, error)
	Search(ctx context.Context, f vobiz.Filter) (*vobiz.SearchResponse, error)
	Get(ctx context.Context, callUUID string) (*vobiz.CDR, error)
	Recent(ctx context.Context, limit int) (*vobiz.RecentResponse, error)
	Export(ctx context.Context, f vobiz.Filter) (io.ReadCloser, error)
}

// Deps are the handler's dependencies.
type Deps struct {
	CDRs     CDRSource
	Assets   *static.Assets
	Log      *slog.Logger
	BasePath string
	Demo     bool
	Version  string
	Location *time.Location // default display zone
	Now      func() time.Time
	// PhoneRegion is the region assumed for numbers typed without a
	// country code (ISO 3166, e.g. "IN").
	PhoneRegion string
	// Thresholds decide the quality bands.
	Thresholds diagnosis.Thresholds
	// Auth signs users in and keeps the audit trail; Sessions holds their
	// sessions. Both are required for the signed-in pages.
	Auth     *auth.Service
	Sessions *scs.SessionManager
	// Metrics collects Prometheus metrics; nil collects nothing.
	Metrics *metrics.Metrics
	// MetricsToken is the bearer token /metrics requires on the main
	// address; empty serves no /metrics there (404). MetricsOff leaves
	// /metrics off the main router (it is served on its own address
	// instead).
	MetricsToken string
	MetricsOff   bool
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// TLS is true when cdrdash serves HTTPS itself.
	TLS bool
	// Ready reports whether dependencies answer, for /readyz; nil means
	// always ready.
	Ready func(ctx context.Context) []Check
	// Reports builds the Reports page's data and caches finished days.
	// New makes one over CDRs (default row cap) and Index when nil.
	Reports *report.Service
	// Index is the local call index (docs/call-index.md); nil when it is
	// off (CDRDASH_INDEX=off): every page then asks the Vobiz API, as
	// before the index existed.
	Index *callindex.Index
	// IndexMaxLag is how far the index's last poll may trail now while it
	// still answers for windows that reach the present (source.go); zero
	// means DefaultIndexMaxLag.
	IndexMaxLag time.Duration
	// IndexRefreshWait bounds how long the refresh button waits for the
	// sync to poll before going back to the page; zero means
	// defaultRefreshWait, negative does not wait.
	IndexRefreshWait time.Duration
	// Recordings lists and streams call recordings
	// (docs/recordings.md); nil shows no recordings box.
	Recordings RecordingSource
	// RecordingAccess is who may listen: RecordingsAll (the default),
	// RecordingsAdmin or RecordingsOff (CDRDASH_RECORDINGS).
	RecordingAccess string
	// AnalyzeWaveform reads a recording for the waveform strip; nil
	// uses waveform.Analyze.
	AnalyzeWaveform func(ctx context.Context, r io.Reader, format string, o waveform.Options) (*waveform.Waveform, error)
}

// Handler serves every page. Each page is a method in its own file.
type Handler struct {
	Deps
	exports exportLimiter         // running CSV exports per user (export_limit.go)
	lists   listPages             // recently shown list pages, for neighbour links (listpages.go)
	logins  *keyedLimiter[string] // sign-in posts per client address (login_limit.go)
	recs    *keyedLimiter[int64]  // recording fetches per user (recordings_limit.go)
	waves   *waveformCache        // recordings_waveform.go
}

// New returns a Handler with defaults filled in.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Thresholds == (diagnosis.Thresholds{}) {
		d.Thresholds = diagnosis.DefaultThresholds()
	}
	if d.PhoneRegion == "" {
		d.PhoneRegion = "IN"
	}
	if d.IndexMaxLag <= 0 {
		d.IndexMaxLag = DefaultIndexMaxLag
	}
	if d.IndexRefreshWait == 0 {
		d.IndexRefreshWait = defaultRefreshWait
	}
	if d.Version == "" {
		d.Version = "dev"
	}
	if d.Reports == nil && d.CDRs != nil {
		d.Reports = report.New(d.CDRs, report.Options{Now: d.Now, Index: d.Index, MaxLag: d.IndexMaxLag, Log: d.Log})
	}
	return &Handler{Deps: d, waves: newWaveformCache(), logins: newLoginLimiter(), recs: newRecordingLimiter()}
}

// page returns the shell values for a request.
func (h *Handler) page(r *http.Request, title, nav string) views.Page {
	return views.Page{
		Title:    title,
		Nav:      nav,
		BasePath: h.BasePath,
		Assets:   h.Assets,
		User:     userView(r),
		Demo:     h.Demo,
		Version:  h.Version,
		Zone:     h.zone(r),
		Lookup:   r.URL.Query().Get("q"),
		Now:      h.Now(),
	}
}

// render writes a component with a status. It renders into a buffer first,
// so a render error becomes a clean error page instead of half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		// Keep ordinary pages' buffers; let a freak one go to the GC.
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	if err != nil {
		// The client went away mid-write; nothing more can be sent.
		h.Log.Debug("write page", "err", err)
	}
	return nil
}

// pageBuffers recycles render buffers: a 100-row page is about 100 KB, and
// growing a fresh buffer to that size was most of a page's allocations.
var pageBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 128<<10)) }}

const maxPooledBuffer = 1 << 20

// url builds a path under the base path.
func (h *Handler) url(path string) string { return h.BasePath + path }
