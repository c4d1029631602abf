package vobiz

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// secretQuery is the capability part of the test media URLs; it must never
// show up in an error.
const secretQuery = "sig=0123456789abcdef-secret"

// mediaServer serves h under /media/… and records the headers it saw.
type mediaServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newMediaServer(t *testing.T, h http.HandlerFunc) *mediaServer {
	t.Helper()
	m := &mediaServer{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.headers = append(m.headers, r.Header.Clone())
		m.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mediaServer) requests() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.headers)
}

func (m *mediaServer) rec(format string) *Recording {
	return &Recording{ID: "r1", Format: Text(format), URL: Text(m.URL + "/media/r1." + format + "?" + secretQuery)}
}

func serveBytes(ct string, b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		} else {
			w.Header()["Content-Type"] = nil // no sniffing
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	}
}

func TestOpenRecordingAudioSuccess(t *testing.T) {
	audio := bytes.Repeat([]byte("RIFFdata"), 100)
	tests := []struct {
		name, ct, format, rng string
		wantStatus            int
		wantCT                string
		wantLen               int
		wantRangeSent         string
	}{
		{"full wav", "audio/wav", "wav", "", 200, "audio/wav", 800, ""},
		{"range", "audio/mpeg", "mp3", "bytes=0-99", 206, "audio/mpeg", 100, "bytes=0-99"},
		{"octet-stream by format", "application/octet-stream", "wav", "", 200, "audio/wav", 800, ""},
		{"no type by format", "", "mp3", "", 200, "audio/mpeg", 800, ""},
		{"audio type with params", "audio/x-wav; codecs=1", "wav", "", 200, "audio/x-wav", 800, ""},
		{"odd range not sent", "audio/wav", "wav", "bytes=0-99\r\nX-Evil: 1", 200, "audio/wav", 800, ""},
		{"open range", "audio/wav", "wav", "bytes=700-", 206, "audio/wav", 100, "bytes=700-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMediaServer(t, serveBytes(tt.ct, audio))
			c, p := newTestClient(t, "http://api.invalid")
			a, err := c.OpenRecordingAudio(context.Background(), m.rec(tt.format), tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Body.Close()
			got, err := io.ReadAll(a.Body)
			if err != nil {
				t.Fatal(err)
			}
			if a.StatusCode != tt.wantStatus || a.ContentType != tt.wantCT || len(got) != tt.wantLen {
				t.Errorf("status %d type %q len %d, want %d %q %d", a.StatusCode, a.ContentType, len(got), tt.wantStatus, tt.wantCT, tt.wantLen)
			}
			if tt.wantStatus == 206 && (a.ContentRange == "" || !a.AcceptRanges) {
				t.Errorf("206 without Content-Range %q or AcceptRanges", a.ContentRange)
			}
			h := m.headers[0]
			if h.Get("X-Auth-ID") != "" || h.Get("X-Auth-Token") != "" {
				t.Error("credentials were sent to the media URL")
			}
			if h.Get("User-Agent") == "" || !strings.HasPrefix(h.Get("User-Agent"), "cdrdash/") {
				t.Errorf("User-Agent %q", h.Get("User-Agent"))
			}
			if h.Get("Range") != tt.wantRangeSent {
				t.Errorf("Range sent %q, want %q", h.Get("Range"), tt.wantRangeSent)
			}
			if eps := p.attempts; len(eps) != 1 || eps[0].endpoint != "recording_audio" {
				t.Errorf("observer saw %+v", eps)
			}
		})
	}
}

func TestOpenRecordingAudioErrors(t *testing.T) {
	echo := func(status int, ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("X-Request-Id", "req_media1")
			w.WriteHeader(status)
			// An error page that quotes the URL, as storage services do.
			io.WriteString(w, "<html><title>Denied "+r.URL.String()+"</title>"+r.URL.String()+"</html>")
		}
	}
	tests := []struct {
		name     string
		h        http.HandlerFunc
		want     []error
		attempts int
	}{
		{"404", echo(404, "text/html"), []error{ErrNotFound}, 1},
		{"410", echo(410, "text/html"), []error{ErrNotFound}, 1},
		{"403", echo(403, "application/xml"), []error{ErrForbidden}, 1},
		{"401", echo(401, "text/html"), []error{ErrForbidden}, 1},
		{"416", echo(416, "text/plain"), []error{ErrBadRequest}, 1},
		{"503 not retried", echo(503, "text/html"), []error{ErrUnavailable}, 1},
		{"html on 200", echo(200, "text/html; charset=utf-8"), []error{ErrBadResponse}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMediaServer(t, tt.h)
			c, p := newTestClient(t, "http://api.invalid")
			_, err := c.OpenRecordingAudio(context.Background(), m.rec("mp3"), "bytes=0-99")
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("err %v is not %v", err, w)
				}
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Endpoint != "recording_audio" {
				t.Fatalf("err %#v is not a recording_audio APIError", err)
			}
			if tt.name == "416" && ae.StatusCode != 416 {
				t.Errorf("status %d", ae.StatusCode)
			}
			assertNoURL(t, err, m.URL)
			if n := m.requests(); n != tt.attempts {
				t.Errorf("%d requests, want %d", n, tt.attempts)
			}
			_ = p
		})
	}
}

func assertNoURL(t *testing.T, err error, base string) {
	t.Helper()
	var ae *APIError
	texts := []string{err.Error()}
	if errors.As(err, &ae) {
		texts = append(texts, string(ae.Body), ae.Message)
	}
	for _, s := range texts {
		if strings.Contains(s, secretQuery) || strings.Contains(s, "/media/r1") {
			t.Errorf("error text leaks the recording URL: %q", s)
		}
	}
}

func TestOpenRecordingAudioRefusesOddURLs(t *testing.T) {
	c, _ := newTestClient(t, "http://api.invalid")
	for _, u := range []string{"", "file:///etc/passwd", "/media/r1.mp3", "ftp://x/y.mp3", "http://", "http://u:p@host/a.mp3", "http://h/a\n.mp3"} {
		_, err := c.OpenRecordingAudio(context.Background(), &Recording{URL: Text(u)}, "")
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: err %v, want ErrBadResponse", u, err)
		}
		if u != "" && strings.Contains(err.Error(), u) {
			t.Errorf("%q: error quotes the URL: %v", u, err)
		}
	}
	if _, err := c.OpenRecordingAudio(context.Background(), nil, ""); !errors.Is(err, ErrBadResponse) {
		t.Errorf("nil recording: %v", err)
	}
}

func TestOpenRecordingAudioRetriesConnectionFailure(t *testing.T) {
	// A listener that accepts and closes at once: EOF before headers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	c, p := newTestClient(t, "http://api.invalid")
	r := &Recording{URL: Text("http://" + ln.Addr().String() + "/media/r1.mp3?" + secretQuery)}
	_, err = c.OpenRecordingAudio(context.Background(), r, "")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err %v, want ErrUnavailable", err)
	}
	if n := len(p.statuses()); n != 3 {
		t.Errorf("%d attempts, want 3 (%v)", n, err)
	}
	assertNoURL(t, err, "")
}

func TestOpenRecordingAudioSlowHeaders(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	m := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	c, _ := newTestClient(t, "http://api.invalid", WithTimeout(20*time.Millisecond))
	_, err := c.OpenRecordingAudio(context.Background(), m.rec("wav"), "")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	assertNoURL(t, err, m.URL)
	if n := m.requests(); n != 1 {
		t.Errorf("%d requests: a timeout must not be retried", n)
	}
}

func TestOpenRecordingAudioCutStream(t *testing.T) {
	m := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		w.Write(make([]byte, 100))
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c, _ := newTestClient(t, "http://api.invalid")
	a, err := c.OpenRecordingAudio(context.Background(), m.rec("wav"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Body.Close()
	_, err = io.ReadAll(a.Body)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("read err %v, want ErrUnavailable", err)
	}
	assertNoURL(t, err, m.URL)
}

func TestOpenRecordingAudioCallerCancel(t *testing.T) {
	m := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c, _ := newTestClient(t, "http://api.invalid")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.OpenRecordingAudio(ctx, m.rec("wav"), "")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestOpenRecordingAudioRedirect(t *testing.T) {
	target := newMediaServer(t, serveBytes("audio/mpeg", []byte("ID3abc")))
	front := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/cdn/r1.mp3", http.StatusFound)
	})
	c, _ := newTestClient(t, "http://api.invalid")
	a, err := c.OpenRecordingAudio(context.Background(), front.rec("mp3"), "bytes=0-2")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Body.Close()
	b, _ := io.ReadAll(a.Body)
	if string(b) != "ID3" || a.StatusCode != 206 {
		t.Errorf("got %q %d", b, a.StatusCode)
	}
	if h := target.headers[0]; h.Get("X-Auth-Token") != "" || h.Get("Range") != "bytes=0-2" {
		t.Errorf("redirected request headers %v", h)
	}
}

func TestCleanRange(t *testing.T) {
	for in, want := range map[string]string{
		"bytes=0-99": "bytes=0-99", "bytes=100-": "bytes=100-", "bytes=-500": "bytes=-500",
		"bytes=0-1,5-9": "bytes=0-1,5-9", "": "", "bytes=": "", "bytes=-": "", "items=0-1": "",
		"bytes=a-b": "", "bytes=0-99\n": "bytes=0-99", "bytes=0-99\nX: y": "",
	} {
		if got := cleanRange(in); got != want {
			t.Errorf("cleanRange(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTimeAddTime(t *testing.T) {
	want := time.Date(2026, 5, 7, 4, 15, 35, 792760000, time.UTC)
	for _, s := range []string{
		"2026-05-07 09:45:35.79276+05:30",
		"2026-05-07 09:45:35.79276 +05:30",
		"2026-05-07 09:45:35.79276+0530",
		"2026-05-07 09:45:35.79276 +0530",
		"2026-05-07T09:45:35.79276+05:30",
		"2026-05-07 04:15:35.79276Z",
	} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
}

// TestOpenRecordingAudioLogsNoURL: debug and retry log lines name the
// endpoint, never the recording URL.
func TestOpenRecordingAudioLogsNoURL(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied "+r.URL.String(), http.StatusForbidden)
	})
	c, _ := newTestClient(t, "http://api.invalid", WithLogger(logger))
	if _, err := c.OpenRecordingAudio(context.Background(), m.rec("mp3"), ""); !errors.Is(err, ErrForbidden) {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused, retried
	_, _ = c.OpenRecordingAudio(context.Background(), &Recording{URL: Text("http://" + addr + "/media/r1.mp3?" + secretQuery)}, "")
	if !strings.Contains(logs.String(), "recording_audio") {
		t.Fatalf("no log lines: %q", logs.String())
	}
	if strings.Contains(logs.String(), secretQuery) || strings.Contains(logs.String(), "/media/r1") {
		t.Errorf("logs leak the recording URL:\n%s", logs.String())
	}
}

// TestOpenRecordingAudioStall: a body that stops sending ends with a
// timeout once the stall limit passes.
func TestOpenRecordingAudioStall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	m := newMediaServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	c, _ := newTestClient(t, "http://api.invalid", WithTimeout(30*time.Millisecond))
	a, err := c.OpenRecordingAudio(context.Background(), m.rec("wav"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Body.Close()
	_, err = io.ReadAll(a.Body)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	assertNoURL(t, err, m.URL)
}
