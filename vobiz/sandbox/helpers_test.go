package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// testNow anchors every test data set, so tests do not depend on the clock.
var testNow = time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)

const testCalls = 20_000

// sharedServer is a fault-free server reused by read-only tests. Tests that
// change faults, hooks or observers build their own with newSmall.
var sharedServer = sync.OnceValue(func() *Server {
	return New(Options{Calls: testCalls, Now: testNow})
})

func newSmall(t testing.TB) *Server {
	t.Helper()
	return New(Options{Calls: 2_000, Now: testNow, Seed: 7})
}

func basePath(s *Server) string { return "/api/v1/Account/" + s.AuthID() + "/cdr" }

// do sends an authenticated GET for path?query straight to the handler.
func do(t testing.TB, s *Server, path string, query url.Values) *httptest.ResponseRecorder {
	t.Helper()
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w
}

// authed adds the sandbox credentials to a request for a real server.
func authed(t testing.TB, s *Server, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-ID", s.AuthID())
	req.Header.Set("X-Auth-Token", s.AuthToken())
	return req
}

func mustStatus(t testing.TB, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("status %d, want %d; body %.300s", w.Code, want, w.Body.String())
	}
}

// topKeys returns the keys of the JSON object in b, in order.
func topKeys(t testing.TB, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v %.200s", err, b)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func decodeSearch(t testing.TB, w *httptest.ResponseRecorder) vobiz.SearchResponse {
	t.Helper()
	mustStatus(t, w, http.StatusOK)
	var resp vobiz.SearchResponse
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return resp
}

// apiErrorBody is the D-ERR shape as a test decodes it.
type apiErrorBody struct {
	Status string `json:"status"`
	Error  struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details struct {
			Errors []struct {
				Field, Message, Code, Value string
			} `json:"errors"`
			RetryAfter *int `json:"retryAfter"`
		} `json:"details"`
	} `json:"error"`
	Timestamp string `json:"timestamp"`
	RequestID string `json:"requestId"`
}

func decodeError(t testing.TB, w *httptest.ResponseRecorder, status int, code string) apiErrorBody {
	t.Helper()
	mustStatus(t, w, status)
	var e apiErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("decode error body: %v: %s", err, w.Body.String())
	}
	if e.Status != "error" || e.Error.Code != code || e.Error.Message == "" || e.Timestamp == "" {
		t.Fatalf("error body %+v, want code %s", e, code)
	}
	if e.RequestID == "" || e.RequestID != w.Header().Get("X-Request-Id") {
		t.Fatalf("requestId %q, X-Request-Id %q", e.RequestID, w.Header().Get("X-Request-Id"))
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", e.Timestamp); err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	return e
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}
