package vobiz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPIErrorIs(t *testing.T) {
	all := []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrBadRequest,
		ErrUnavailable, ErrBadResponse, ErrResponseTooLarge, ErrTimeout}
	tests := []struct {
		name string
		err  *APIError
		want []error
	}{
		{"400", &APIError{StatusCode: 400}, []error{ErrBadRequest}},
		{"401", &APIError{StatusCode: 401}, []error{ErrUnauthorized}},
		{"403", &APIError{StatusCode: 403}, []error{ErrForbidden}},
		{"404", &APIError{StatusCode: 404}, []error{ErrNotFound}},
		{"409", &APIError{StatusCode: 409}, nil},
		{"422", &APIError{StatusCode: 422}, []error{ErrBadRequest}},
		{"429", &APIError{StatusCode: 429}, []error{ErrRateLimited}},
		{"500", &APIError{StatusCode: 500}, nil},
		{"501", &APIError{StatusCode: 501}, nil},
		{"502", &APIError{StatusCode: 502}, []error{ErrUnavailable}},
		{"503", &APIError{StatusCode: 503}, []error{ErrUnavailable}},
		{"504", &APIError{StatusCode: 504}, []error{ErrUnavailable}},
		{"transport", &APIError{kind: ErrUnavailable}, []error{ErrUnavailable}},
		{"timeout", &APIError{kind: ErrTimeout}, []error{ErrTimeout}},
		{"timeout mid-body", &APIError{StatusCode: 200, kind: ErrTimeout}, []error{ErrTimeout}},
		{"bad 200", &APIError{StatusCode: 200, kind: ErrBadResponse}, []error{ErrBadResponse}},
		{"too large", &APIError{StatusCode: 200, kind: ErrResponseTooLarge}, []error{ErrBadResponse, ErrResponseTooLarge}},
		{"data null", &APIError{StatusCode: 200, kind: ErrNotFound}, []error{ErrNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("vobiz: list cdrs: %w", tt.err)
			for _, s := range all {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(wrapped, s); got != want {
					t.Errorf("errors.Is(%s, %v) = %v", tt.name, s, got)
				}
			}
			if tt.err.Is(nil) {
				t.Error("Is(nil)")
			}
		})
	}
}

func TestAPIErrorUnwrapsCause(t *testing.T) {
	e := &APIError{kind: ErrTimeout, Err: fmt.Errorf("limit 1s: %w", context.DeadlineExceeded)}
	if !errors.Is(e, context.DeadlineExceeded) || !errors.Is(e, ErrTimeout) {
		t.Errorf("cause not reachable: %v", e)
	}
}

func TestAPIErrorMessage(t *testing.T) {
	tests := []struct {
		err  *APIError
		want string
	}{
		{&APIError{StatusCode: 429, Code: "RATE_LIMIT_EXCEEDED", Message: "Too many requests", RequestID: "req_1", RetryAfter: 2 * time.Second},
			"HTTP 429 Too Many Requests RATE_LIMIT_EXCEEDED: Too many requests [request req_1]; retry after 2s"},
		{&APIError{StatusCode: 404}, "HTTP 404 Not Found"},
		{&APIError{StatusCode: 599}, "HTTP 599"},
		{&APIError{kind: ErrUnavailable, Err: errors.New("connection refused")}, "cannot reach the API: connection refused"},
		{&APIError{StatusCode: 200, kind: ErrUnavailable, Err: errors.New("unexpected EOF")}, "response cut short (HTTP 200 OK): unexpected EOF"},
		{&APIError{kind: ErrTimeout, Err: errors.New("limit 15s")}, "request timed out: limit 15s"},
		{&APIError{StatusCode: 200, kind: ErrBadResponse, Err: errors.New("decode JSON")}, "bad response (HTTP 200 OK): decode JSON"},
		{&APIError{StatusCode: 200, kind: ErrResponseTooLarge}, "response too large (HTTP 200 OK)"},
		{&APIError{StatusCode: 200, kind: ErrNotFound}, "not found (HTTP 200 OK)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

func TestRetryAfterHelper(t *testing.T) {
	if d, ok := RetryAfter(fmt.Errorf("x: %w", &APIError{StatusCode: 429, RetryAfter: 3 * time.Second})); !ok || d != 3*time.Second {
		t.Errorf("RetryAfter = %v, %v", d, ok)
	}
	for _, err := range []error{nil, errors.New("plain"), &APIError{StatusCode: 429}} {
		if _, ok := RetryAfter(err); ok {
			t.Errorf("RetryAfter(%v) reported a hint", err)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"2", 2 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999", 1 << 31 * time.Second, true}, // clamped, no overflow
		{"Wed, 25 Mar 2026 10:00:05 GMT", 5 * time.Second, true},
		{"Wednesday, 25-Mar-26 10:01:00 GMT", time.Minute, true}, // RFC 850
		{"Wed, 25 Mar 2026 09:59:00 GMT", 0, true},               // in the past: now
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name                 string
		body                 string
		code, msg, requestID string
		retryAfter           time.Duration
	}{
		{"D-ERR", derr("RATE_LIMIT_EXCEEDED", "Too many", 2), "RATE_LIMIT_EXCEEDED", "Too many", "req_7a8b9c0d1e2f", 2 * time.Second},
		{"string error", `{"error":"call not found","call_uuid":"x"}`, "", "call not found", "", 0},
		{"top-level message", `{"message":"Unauthorized","code":401,"request_id":"r-9"}`, "401", "Unauthorized", "r-9", 0},
		{"retryAfter as string", `{"error":{"code":"X","details":{"retryAfter":"1.5"}}}`, "X", "", "", 1500 * time.Millisecond},
		{"odd shapes ignored", `{"error":{"code":{"a":1},"message":["x"],"details":"none"},"requestId":42}`, "", "", "42", 0},
		{"error is null", `{"error":null,"message":"m"}`, "", "m", "", 0},
		{"empty", ``, "", "", "", 0},
		{"whitespace", " \n ", "", "", "", 0},
		{"html", "<!DOCTYPE html><html><head><TITLE>503 Service\n Temporarily Unavailable</TITLE></head></html>", "",
			"503 Service Temporarily Unavailable", "", 0},
		{"html without title", "<html><body>oops</body></html>", "", "", "", 0},
		{"plain text", "upstream request timeout\r\nsecond line", "", "upstream request timeout", "", 0},
		{"broken json", `{"error": "unterminated`, "", `{"error": "unterminated`, "", 0},
		{"control characters", "{\"error\":\"bad\\u0000\\u001b[31m thing\"}", "", "bad [31m thing", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &APIError{}
			parseErrorBody([]byte(tt.body), e)
			if e.Code != tt.code || e.Message != tt.msg || e.RequestID != tt.requestID || e.RetryAfter != tt.retryAfter {
				t.Errorf("got code %q msg %q request %q retry %v", e.Code, e.Message, e.RequestID, e.RetryAfter)
			}
		})
	}
}

func TestNewStatusError(t *testing.T) {
	h := http.Header{}
	h.Set("X-Request-Id", "hdr-1")
	h.Set("Retry-After", "7")
	body := strings.Repeat("z", 10000)
	e := newStatusError("list", 503, h, []byte(body), time.Now())
	if e.RequestID != "hdr-1" || e.RetryAfter != 7*time.Second || len(e.Body) != maxErrorBody || !e.retryable {
		t.Errorf("got %+v", e)
	}
	// The body's request ID wins over the header's; the header's
	// Retry-After wins over the body's hint.
	e = newStatusError("list", 429, h, []byte(derr("R", "m", 1)), time.Now())
	if e.RequestID != "req_7a8b9c0d1e2f" || e.RetryAfter != 7*time.Second {
		t.Errorf("got %+v", e)
	}
	for status, retry := range map[int]bool{400: false, 401: false, 404: false, 429: true, 500: false, 502: true, 503: true, 504: true} {
		if got := newStatusError("list", status, http.Header{}, nil, time.Now()).retryable; got != retry {
			t.Errorf("status %d retryable = %v", status, got)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := map[string]string{
		"":                       "",
		"  a  b\tc\n":            "a b c",
		"x\x00y\x1b":             "x y",
		"bad\xffutf8":            "bad utf8",
		strings.Repeat("a", 250): strings.Repeat("a", 200) + "…",
	}
	for in, want := range tests {
		if got := cleanText(in, 200); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := redactor("tok-123456")
	if got := r.string("a tok-123456 b tok-123456"); got != "a [redacted] b [redacted]" {
		t.Errorf("string = %q", got)
	}
	if got := string(r.bytes([]byte("xtok-123456"))); got != "x[redacted]" {
		t.Errorf("bytes = %q", got)
	}
	cause := errors.New("echo tok-123456")
	err := r.error(cause)
	if err.Error() != "echo [redacted]" || !errors.Is(err, cause) {
		t.Errorf("error = %v", err)
	}
	if plain := errors.New("fine"); r.error(plain) != plain {
		t.Error("an error without the token should be returned as is")
	}
	// A token too short to redact safely leaves text alone.
	if got := redactor("ab").string("about"); got != "about" {
		t.Errorf("short token redacted: %q", got)
	}
	e := r.apply(&APIError{Code: "tok-123456", Message: "m tok-123456", RequestID: "tok-123456", Body: []byte("tok-123456"), Err: cause})
	if strings.Contains(e.Error(), "tok-123456") || strings.Contains(string(e.Body), "tok-123456") {
		t.Errorf("apply left the token: %v %s", e, e.Body)
	}
}

func TestDecodeErrorOffset(t *testing.T) {
	body := []byte(`{"data":[}`)
	var v ListResponse
	err := decodeError(json.Unmarshal(body, &v), body)
	if !strings.Contains(err.Error(), "byte 10 of 10") {
		t.Errorf("err = %v", err)
	}
	err = decodeError(errors.New("custom"), body)
	if err.Error() != "decode JSON (10 bytes): custom" {
		t.Errorf("err = %v", err)
	}
}
