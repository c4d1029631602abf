package vobiz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for a Client. They are sized for a dashboard: a person is
// waiting on every JSON call, so a slow or failing API is reported within
// seconds instead of being retried for a minute.
const (
	DefaultTimeout      = 15 * time.Second       // per JSON attempt; see WithTimeout
	DefaultRetries      = 2                      // retries after the first attempt
	DefaultRetryBase    = 250 * time.Millisecond // first backoff step
	DefaultMaxBodyBytes = 8 << 20                // JSON response limit

	// maxBackoff caps one exponential backoff step.
	maxBackoff = 5 * time.Second
	// maxRetryAfter is the longest Retry-After the client waits out by
	// itself. Anything longer is returned to the caller (with RetryAfter
	// set) so the page can tell the person instead of hanging.
	maxRetryAfter = 10 * time.Second
	// maxExportErrorBody bounds how much of a failed export's body is read.
	maxExportErrorBody = 64 << 10
	// maxUUIDLen bounds Get's argument; a call UUID is 36 characters.
	maxUUIDLen = 64
)

// Client is a typed client for the Vobiz CDR API. It is safe for
// concurrent use and should be reused, so connections are kept alive.
type Client struct {
	cdrURL    string // base + "/api/v1/Account/{auth_id}/cdr", escaped
	authID    string
	authToken string
	redact    redactor

	hc           *http.Client
	ownTransport bool
	timeout      time.Duration
	maxRetries   int
	retryBase    time.Duration
	userAgent    string
	maxBody      int64
	observer     func(endpoint string, status int, d time.Duration, err error)
	log          *slog.Logger

	// Seams for tests: time and waiting.
	now           func() time.Time
	sleep         func(ctx context.Context, d time.Duration) error
	maxRetryAfter time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send requests through hc instead of its
// own tuned http.Client. Timeouts set with WithTimeout still apply per
// request, on top of whatever hc enforces. hc's own redirect policy
// applies: unlike the default client's, net/http's default follows
// redirects to other hosts with the X-Auth-Token header.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
			c.ownTransport = false
		}
	}
}

// WithTimeout sets the per-attempt limit of the JSON calls (default 15s):
// headers and the whole body must arrive within it. Exports stream for as
// long as they need, so for them d bounds only the wait for the response
// headers and any stall between two reads. d <= 0 disables the client's
// own limits and leaves only the caller's context.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = max(d, 0) }
}

// WithRetries sets how many times a failed request is retried (default 2,
// so at most 3 attempts) and the first backoff step (default 250ms), which
// doubles with each retry, is jittered, and is capped at 5s.
func WithRetries(n int, base time.Duration) Option {
	return func(c *Client) {
		c.maxRetries = max(n, 0)
		if base > 0 {
			c.retryBase = base
		}
	}
}

// WithUserAgent sets the User-Agent header (default "cdrdash/<version>").
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua = strings.TrimSpace(ua); ua != "" {
			c.userAgent = ua
		}
	}
}

// WithMaxBodyBytes limits the size of a JSON response (default 8 MiB, about
// 5,000 CDRs; a page holds at most 100). A bigger body fails with
// ErrResponseTooLarge instead of exhausting memory. Exports are streamed
// and not limited.
func WithMaxBodyBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithObserver registers fn to be called once per attempt, for metrics:
// endpoint is "list", "search", "get", "recent" or "export", status is the
// HTTP status (0 when no response arrived), d the attempt's duration (for
// exports, the time to the response headers) and err the attempt's error.
// fn must be fast and safe for concurrent use.
func WithObserver(fn func(endpoint string, status int, d time.Duration, err error)) Option {
	return func(c *Client) { c.observer = fn }
}

// WithLogger sets the logger for per-attempt debug lines and retry
// warnings (default: discard). Headers, and so the token, are never
// logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// NewClient returns a client for the API at baseURL (for example
// "https://api.vobiz.ai", or a sandbox URL with a path prefix) that
// authenticates as authID with authToken.
//
// baseURL must be an absolute http or https URL without credentials, query
// or fragment. authID must be non-empty; it is also the account in every
// path, as the API requires. An empty token is allowed (the API will
// answer 401), so a misconfiguration shows up as a clear error page.
func NewClient(baseURL, authID, authToken string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("vobiz: base URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("vobiz: base URL %q: scheme must be http or https", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("vobiz: base URL %q: no host", u.Redacted())
	case u.User != nil:
		return nil, errors.New("vobiz: base URL must not carry credentials; pass the auth ID and token instead")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("vobiz: base URL %q: no query or fragment allowed", u.Redacted())
	}
	if strings.TrimSpace(authID) == "" {
		return nil, errors.New("vobiz: auth ID is empty")
	}
	if strings.ContainsFunc(authID, isControl) || strings.ContainsFunc(authToken, isControl) {
		return nil, errors.New("vobiz: auth ID or token contains control characters")
	}
	prefix := strings.TrimRight(u.EscapedPath(), "/")
	c := &Client{
		cdrURL:        u.Scheme + "://" + u.Host + prefix + "/api/v1/Account/" + url.PathEscape(authID) + "/cdr",
		authID:        authID,
		authToken:     authToken,
		redact:        redactor(authToken),
		ownTransport:  true,
		timeout:       DefaultTimeout,
		maxRetries:    DefaultRetries,
		retryBase:     DefaultRetryBase,
		userAgent:     "cdrdash/" + buildVersion(),
		maxBody:       DefaultMaxBodyBytes,
		log:           slog.New(slog.DiscardHandler),
		now:           time.Now,
		sleep:         sleepCtx,
		maxRetryAfter: maxRetryAfter,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.ownTransport {
		c.hc = &http.Client{Transport: newTransport(c.timeout), CheckRedirect: sameHostRedirect}
	}
	return c, nil
}

// newTransport is tuned for one upstream host under a busy dashboard: many
// kept-alive connections to that host, and fast failure when it cannot be
// reached.
func newTransport(headerTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   5 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: headerTimeout, // backstop; the client also enforces it per request
		ExpectContinueTimeout: time.Second,
	}
}

// errRedirect marks a redirect the client would not follow.
var errRedirect = errors.New("redirect refused")

// sameHostRedirect is the redirect policy of the client's own http.Client.
// net/http copies custom headers such as X-Auth-Token onto redirected
// requests (it strips only Authorization and cookies), so a redirect to
// another host, or from https to http, would hand the token to a third
// party. The API is not documented to redirect at all; a same-host
// redirect (say, a trailing slash) is still followed
// (docs/vobiz-api.md#base-url-and-authentication).
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%w: more than %d redirects", errRedirect, len(via))
	}
	first := via[0].URL
	if req.URL.Host != first.Host || (first.Scheme == "https" && req.URL.Scheme != "https") {
		return fmt.Errorf("%w: it leads to another host or to plain http", errRedirect)
	}
	return nil
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// AuthID returns the account the client reads.
func (c *Client) AuthID() string { return c.authID }

// endpoint names one API operation: its observer label and its name in
// error messages.
type endpoint struct {
	name string
	op   string
}

var (
	epList   = endpoint{"list", "list cdrs"}
	epSearch = endpoint{"search", "search cdrs"}
	epGet    = endpoint{"get", "get cdr"}
	epRecent = endpoint{"recent", "recent cdrs"}
	epExport = endpoint{"export", "export cdrs"}
)

// List returns one page of CDRs matching f, newest first, with the
// pagination and the summary over the whole filtered set. An invalid f is
// refused before any request with a *ValidationError.
func (c *Client) List(ctx context.Context, f Filter) (*ListResponse, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var out ListResponse
	err := c.getJSON(ctx, epList, c.cdrURL+query(f.Values()), func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		return requireData(out.Data, b)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Search is List on the search endpoint, which also echoes the filters the
// API applied.
func (c *Client) Search(ctx context.Context, f Filter) (*SearchResponse, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var out SearchResponse
	err := c.getJSON(ctx, epSearch, c.cdrURL+"/search"+query(f.Values()), func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		return requireData(out.Data, b)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Recent returns the newest CDRs. limit 0 leaves the API's default (20);
// otherwise it must be between 1 and MaxLimit.
func (c *Client) Recent(ctx context.Context, limit int) (*RecentResponse, error) {
	q := ""
	switch {
	case limit == 0:
	case limit < 0 || limit > MaxLimit:
		return nil, &ValidationError{Fields: []FieldError{{ParamLimit,
			fmt.Sprintf("Limit must be a whole number between 1 and %d.", MaxLimit)}}}
	default:
		q = "?" + ParamLimit + "=" + strconv.Itoa(limit)
	}
	var out RecentResponse
	err := c.getJSON(ctx, epRecent, c.cdrURL+"/recent"+q, func(b []byte) error {
		if err := json.Unmarshal(b, &out); err != nil {
			return err
		}
		return requireData(out.Data, b)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns one CDR by its call UUID (the CDR's "uuid", not its numeric
// "id"), with Raw holding the record's JSON exactly as the API sent it.
//
// The account endpoint wraps the record as {"data":{...},"success":true}.
// The partner endpoint's documented example is a bare CDR object
// (docs/vobiz-api.md#get-one-call), so a bare object with a "uuid" is accepted too, rather than
// failing if the API ever answers the partner way. {"data":null} is
// reported as ErrNotFound.
func (c *Client) Get(ctx context.Context, callUUID string) (*CDR, error) {
	if msg := checkUUID(callUUID); msg != "" {
		return nil, &ValidationError{Fields: []FieldError{{"uuid", msg}}}
	}
	var out *CDR
	err := c.getJSON(ctx, epGet, c.cdrURL+"/"+url.PathEscape(callUUID), func(b []byte) error {
		cdr, err := decodeOne(b)
		out = cdr
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func checkUUID(s string) string {
	switch {
	case s == "":
		return "The call ID is empty."
	case len(s) > maxUUIDLen:
		return fmt.Sprintf("The call ID is too long (at most %d characters).", maxUUIDLen)
	case strings.ContainsRune(s, '/'), s == ".", s == "..":
		return "The call ID is not valid."
	case strings.ContainsFunc(s, isControl) || strings.ContainsRune(s, ' '):
		return "The call ID contains spaces or control characters."
	}
	return ""
}

// errNotFoundBody marks a 200 whose data is null.
var errNotFoundBody = errors.New("the response's data is null")

func decodeOne(b []byte) (*CDR, error) {
	var env struct {
		Data    json.RawMessage `json:"data"`
		Success *bool           `json:"success"`
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		return nil, json.Unmarshal(t, &env) // reports the syntax or type error
	}
	if err := json.Unmarshal(t, &env); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(env.Data)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		// Wrapped, as documented. env.Data is already a copy of the bytes.
	case bytes.Equal(raw, []byte("null")):
		return nil, errNotFoundBody
	case len(raw) > 0:
		return nil, fmt.Errorf(`"data" is %s, not an object`, kindOf(raw))
	default:
		// Bare record (partner style): the whole body is the CDR.
		raw = bytes.Clone(t)
	}
	cdr := new(CDR)
	if err := json.Unmarshal(raw, cdr); err != nil {
		return nil, err
	}
	if cdr.UUID == "" {
		return nil, errors.New(`the record has no "uuid"`)
	}
	cdr.Raw = json.RawMessage(raw)
	return cdr, nil
}

// requireData refuses a 2xx JSON body that has no "data" key at all (say
// {} or another API's envelope): that is not an empty result, and showing
// it as "no calls" would hide the problem. "data": null is read as empty.
func requireData(data []CDR, body []byte) error {
	if data != nil {
		return nil
	}
	var probe struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return err
	}
	if probe.Data == nil {
		return errors.New(`the response has no "data" field`)
	}
	return nil
}

// Export streams the CSV export of every CDR matching f (page and per_page
// are never sent). The body is returned unread; read it with
// NewExportReader and always Close it, which releases the connection.
//
// The status is checked first: a non-2xx answer is an *APIError and is
// retried like the JSON calls when its status is retryable, because no
// byte has reached the caller yet. Once the body is returned nothing is
// retried: a stream cut in the middle surfaces from Read as ErrUnavailable,
// a stall longer than the timeout as ErrTimeout, and cancelling ctx stops
// the stream with ctx's error.
func (c *Client) Export(ctx context.Context, f Filter) (io.ReadCloser, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	target := c.cdrURL + "/export" + query(f.WithoutPaging().Values())
	var body io.ReadCloser
	err := c.retry(ctx, epExport, func(ctx context.Context) (int, error) {
		b, status, err := c.exportAttempt(ctx, target)
		body = b
		return status, err
	})
	if err != nil {
		return nil, err
	}
	return body, nil
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// Sentinel causes for the client's own timers, so a timeout can be told
// apart from the caller cancelling.
var (
	errAttemptTimeout = errors.New("vobiz: attempt timeout")
	errStallTimeout   = errors.New("vobiz: export stalled")
	errClosed         = errors.New("vobiz: export body closed")
)

func (c *Client) newRequest(ctx context.Context, target, accept string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-ID", c.authID)
	req.Header.Set("X-Auth-Token", c.authToken)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", accept)
	return req, nil
}

// retry runs attempt until it succeeds, fails for good, or the retry budget
// is spent. Only GETs are sent, so every retry is safe; which failures are
// retried is decided in retryWait.
func (c *Client) retry(ctx context.Context, ep endpoint, attempt func(context.Context) (int, error)) error {
	for n := 0; ; n++ {
		start := time.Now()
		status, err := attempt(ctx)
		d := time.Since(start)
		if c.observer != nil {
			c.observer(ep.name, status, d, err)
		}
		if err == nil {
			c.log.LogAttrs(ctx, slog.LevelDebug, "vobiz request",
				slog.String("endpoint", ep.name), slog.Int("status", status),
				slog.Duration("duration", d), slog.Int("attempt", n+1))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("vobiz: %s: %w", ep.op, ctx.Err())
		}
		wait, ok := c.retryWait(ctx, n, err)
		if !ok {
			c.log.LogAttrs(ctx, slog.LevelDebug, "vobiz request failed",
				slog.String("endpoint", ep.name), slog.Int("status", status),
				slog.Duration("duration", d), slog.Int("attempt", n+1), slog.String("error", err.Error()))
			return fmt.Errorf("vobiz: %s: %w", ep.op, err)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "vobiz request failed, retrying",
			slog.String("endpoint", ep.name), slog.Int("status", status),
			slog.Duration("duration", d), slog.Int("attempt", n+1),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("vobiz: %s: %w", ep.op, err)
		}
	}
}

// retryWait decides whether the n-th failed attempt (from 0) is retried
// and after how long.
//
// Retried: 429, 502, 503 and 504, and connection failures before any
// response (refused, reset, EOF before headers). Not retried: other 4xx
// (the same request fails the same way), 500 (possibly a deterministic bug
// for this request; retrying would triple the wait for the same error),
// timeouts (the person has already waited the full limit once), bodies
// cut or malformed after a status arrived, and the caller's own
// cancellation.
//
// A Retry-After is honoured exactly; one longer than maxRetryAfter, or one
// that would outlast ctx's deadline, ends the retries so the caller gets
// the rate-limit error with RetryAfter and can tell the person. See
// docs/vobiz-api.md#retries-and-rate-limits.
func (c *Client) retryWait(ctx context.Context, n int, err error) (time.Duration, bool) {
	var ae *APIError
	if !errors.As(err, &ae) || !ae.retryable || n >= c.maxRetries {
		return 0, false
	}
	wait := c.backoff(n)
	if ae.RetryAfter > 0 {
		if ae.RetryAfter > c.maxRetryAfter {
			return 0, false
		}
		wait = ae.RetryAfter
	}
	if dl, ok := ctx.Deadline(); ok && dl.Sub(c.now()) <= wait {
		return 0, false
	}
	return wait, true
}

// backoff is exponential from retryBase with "equal jitter": half the
// step is fixed and half random, so retries from many page loads spread
// out without ever retrying immediately.
func (c *Client) backoff(n int) time.Duration {
	step := c.retryBase << min(n, 20)
	if step <= 0 || step > maxBackoff {
		step = max(maxBackoff, c.retryBase)
	}
	half := step / 2
	return half + rand.N(half+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bufPool recycles response buffers; decoded values never alias them
// (encoding/json copies strings and RawMessages).
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuf keeps one huge response from pinning memory in the pool.
const maxPooledBuf = 1 << 20

// getJSON performs one JSON GET with retries and hands the body to decode.
func (c *Client) getJSON(ctx context.Context, ep endpoint, target string, decode func([]byte) error) error {
	return c.retry(ctx, ep, func(ctx context.Context) (int, error) {
		return c.jsonAttempt(ctx, ep, target, decode)
	})
}

func (c *Client) jsonAttempt(ctx context.Context, ep endpoint, target string, decode func([]byte) error) (int, error) {
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		actx, cancel = context.WithTimeoutCause(ctx, c.timeout, errAttemptTimeout)
	}
	defer cancel()
	req, err := c.newRequest(actx, target, "application/json")
	if err != nil {
		return 0, fmt.Errorf("build request: %w", c.redact.error(err))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, c.transportError(ctx, actx, ep, 0, err)
	}
	defer resp.Body.Close()
	status := resp.StatusCode
	if status < 200 || status > 299 {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if rerr != nil && ctx.Err() != nil {
			return status, ctx.Err()
		}
		return status, c.redact.apply(newStatusError(ep.name, status, resp.Header, body, c.now()))
	}
	err = c.readJSON(ctx, actx, ep, resp, decode)
	var ae *APIError
	if errors.As(err, &ae) {
		// A 2xx that went wrong still has the API's request ID in its
		// headers; support needs it as much as for an error status.
		if ae.RequestID == "" {
			ae.RequestID = cleanText(resp.Header.Get("X-Request-Id"), 128)
		}
		c.redact.apply(ae)
	}
	return status, err
}

// readJSON reads a 2xx body within the size limit and decodes it.
func (c *Client) readJSON(ctx, actx context.Context, ep endpoint, resp *http.Response, decode func([]byte) error) error {
	status := resp.StatusCode
	if ct := resp.Header.Get("Content-Type"); !isJSONType(ct) {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := newBadResponse(ep.name, status, body, fmt.Errorf("content type %q is not JSON", cleanText(ct, 100)))
		parseErrorBody(body, e) // an HTML proxy page: keep its title as the message
		return e
	}
	if resp.ContentLength > c.maxBody {
		// Refuse before reading: the body is never needed.
		return &APIError{Endpoint: ep.name, StatusCode: status, kind: ErrResponseTooLarge,
			Err: fmt.Errorf("Content-Length %d exceeds the %d-byte limit", resp.ContentLength, c.maxBody)}
	}

	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuf {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength) + 1)
	}
	// Read one byte past the limit, so "exactly the limit" and "over it"
	// can be told apart without trusting Content-Length.
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, c.maxBody+1)); err != nil {
		return c.transportError(ctx, actx, ep, status, err)
	}
	if int64(buf.Len()) > c.maxBody {
		return &APIError{Endpoint: ep.name, StatusCode: status, kind: ErrResponseTooLarge,
			Body: trimBody(buf.Bytes()),
			Err:  fmt.Errorf("body exceeds the %d-byte limit", c.maxBody)}
	}
	if err := decode(buf.Bytes()); err != nil {
		if errors.Is(err, errNotFoundBody) {
			return &APIError{Endpoint: ep.name, StatusCode: status, kind: ErrNotFound, Err: err}
		}
		return newBadResponse(ep.name, status, buf.Bytes(), decodeError(err, buf.Bytes()))
	}
	return nil
}

func newBadResponse(endpoint string, status int, body []byte, err error) *APIError {
	return &APIError{Endpoint: endpoint, StatusCode: status, kind: ErrBadResponse, Body: trimBody(body), Err: err}
}

// isJSONType accepts application/json, any +json type, and a missing
// Content-Type (the JSON decoder then decides). Anything else on a 2xx,
// typically text/html from a captive portal or proxy, is a bad response.
func isJSONType(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// transportError classifies an error from sending a request or reading its
// body. The caller's own cancellation is returned as ctx.Err(); the
// client's own timers become ErrTimeout; everything else is ErrUnavailable,
// retryable only when no response had arrived (status 0) and the failure
// is a connection failure rather than, say, a TLS certificate problem.
func (c *Client) transportError(ctx, actx context.Context, ep endpoint, status int, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is known from Endpoint; keep the message short
	}
	if errors.Is(err, errRedirect) {
		return &APIError{Endpoint: ep.name, StatusCode: status, kind: ErrBadResponse, Err: err}
	}
	cause := context.Cause(actx)
	if cause == errAttemptTimeout || isTimeout(err) {
		var te error
		if c.timeout > 0 {
			te = fmt.Errorf("limit %s: %w", c.timeout, err)
		} else {
			te = err
		}
		return c.redact.apply(&APIError{Endpoint: ep.name, StatusCode: status, kind: ErrTimeout, Err: te})
	}
	return c.redact.apply(&APIError{Endpoint: ep.name, StatusCode: status, kind: ErrUnavailable, Err: err,
		retryable: status == 0 && isConnError(err)})
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isConnError reports failures to get any response over a connection:
// refused or failed dials, resets, and the server closing the connection
// before sending headers.
func isConnError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) && (dns.IsTemporary || dns.IsTimeout)
}

// exportAttempt sends one export request and returns the unread body on a
// 2xx.
func (c *Client) exportAttempt(ctx context.Context, target string) (io.ReadCloser, int, error) {
	actx, cancel := context.WithCancelCause(ctx)
	var headerTimer *time.Timer
	if c.timeout > 0 {
		headerTimer = time.AfterFunc(c.timeout, func() { cancel(errAttemptTimeout) })
	}
	req, err := c.newRequest(actx, target, "text/csv")
	if err != nil {
		cancel(nil)
		return nil, 0, fmt.Errorf("build request: %w", c.redact.error(err))
	}
	resp, err := c.hc.Do(req)
	if headerTimer != nil && !headerTimer.Stop() && err == nil {
		// The limit passed just as the headers arrived; the body is
		// already cancelled, so report the timeout now.
		resp.Body.Close()
		err = context.DeadlineExceeded
	}
	if err != nil {
		defer cancel(nil)
		return nil, 0, c.transportError(ctx, actx, epExport, 0, err)
	}
	status := resp.StatusCode
	if status < 200 || status > 299 {
		defer cancel(nil)
		defer resp.Body.Close()
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxExportErrorBody))
		if rerr != nil && ctx.Err() != nil {
			return nil, status, ctx.Err()
		}
		return nil, status, c.redact.apply(newStatusError(epExport.name, status, resp.Header, body, c.now()))
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		// A proxy or login page, not a CSV file.
		defer cancel(nil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := newBadResponse(epExport.name, status, body, errors.New("content type text/html is not CSV"))
		parseErrorBody(body, e)
		if e.RequestID == "" {
			e.RequestID = cleanText(resp.Header.Get("X-Request-Id"), 128)
		}
		return nil, status, c.redact.apply(e)
	}
	eb := c.newStreamBody(ctx, actx, cancel, epExport, resp, cleanText(resp.Header.Get("X-Request-Id"), 128), false)
	return eb, status, nil
}

// streamBody is a response body that streams for as long as its reader
// needs (an export, a recording's audio): read errors become the client's
// error classes, and Close cancels the request.
type streamBody struct {
	c      *Client
	ep     endpoint
	ctx    context.Context // the caller's
	actx   context.Context // the request's, cancelled by stall or Close
	cancel context.CancelCauseFunc
	body   io.ReadCloser
	stall  time.Duration
	timer  *time.Timer
	n      int64
	once   sync.Once
	// scrub keeps the transport's own words out of mid-stream errors: a
	// recording_url's transport error can quote the URL.
	scrub bool

	status    int
	requestID string
}

// newStreamBody wraps a 2xx body whose header timer has been stopped; the
// client's timeout becomes the stall limit between reads.
func (c *Client) newStreamBody(ctx, actx context.Context, cancel context.CancelCauseFunc, ep endpoint,
	resp *http.Response, requestID string, scrub bool) *streamBody {
	b := &streamBody{c: c, ep: ep, ctx: ctx, actx: actx, cancel: cancel, body: resp.Body, status: resp.StatusCode,
		requestID: requestID, scrub: scrub}
	if c.timeout > 0 {
		b.stall = c.timeout
		b.timer = time.AfterFunc(time.Hour, func() { cancel(errStallTimeout) })
		b.timer.Stop()
	}
	return b
}

// Read reads from the stream. The stall timer runs only while Read waits
// on the network, so a slow consumer (or a paused listener) is never
// mistaken for a slow server.
func (b *streamBody) Read(p []byte) (int, error) {
	if b.timer != nil {
		b.timer.Reset(b.stall)
	}
	n, err := b.body.Read(p)
	if b.timer != nil {
		b.timer.Stop()
	}
	b.n += int64(n)
	if err != nil && err != io.EOF {
		err = b.mapError(err)
	}
	return n, err
}

func (b *streamBody) mapError(err error) error {
	if b.ctx.Err() != nil {
		return fmt.Errorf("vobiz: %s: %w", b.ep.op, b.ctx.Err())
	}
	switch context.Cause(b.actx) {
	case errClosed:
		return fmt.Errorf("vobiz: %s: read after close", b.ep.op)
	case errStallTimeout:
		return fmt.Errorf("vobiz: %s: %w", b.ep.op, b.c.redact.apply(&APIError{Endpoint: b.ep.name,
			StatusCode: b.status, RequestID: b.requestID, kind: ErrTimeout,
			Err: fmt.Errorf("no data for %s after %d bytes", b.stall, b.n)}))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if b.scrub {
		err = errors.New(scrubbedCause(err))
	}
	return fmt.Errorf("vobiz: %s: %w", b.ep.op, b.c.redact.apply(&APIError{
		Endpoint: b.ep.name, StatusCode: b.status, RequestID: b.requestID, kind: ErrUnavailable,
		Err: fmt.Errorf("stream cut after %d bytes: %w", b.n, err)}))
}

// Close stops the stream and releases the connection. It is safe to call
// more than once and concurrently with Read.
func (b *streamBody) Close() error {
	var err error
	b.once.Do(func() {
		// Close first: after a full read the connection is back in the
		// pool and cancelling cannot hurt it; mid-stream, closing drops it.
		err = b.body.Close()
		b.cancel(errClosed)
		if b.timer != nil {
			b.timer.Stop()
		}
	})
	return err
}
