// Command loadgen runs cdrdash's process-level benchmark scenarios (issue
// 10) and writes their figures as JSON for bench/report:
//
//   - load: a `cdrdash sandbox` process with injected latency, a `cdrdash
//     serve` process pointed at it, and N signed-in virtual users (one
//     session and one keep-alive connection each) browsing home, list and
//     detail pages for a fixed time. Latency of every request, errors, and
//     the dashboard process's RSS (sampled from /proc) are recorded.
//   - export: a large sandbox (1,000,000 calls by default) and a dashboard
//     in front of it; the raw export is downloaded straight from the
//     sandbox and through the dashboard, interleaved, and the throughputs
//     compared; the dashboard's RSS is sampled during each download. The
//     report format is downloaded too, for its throughput and memory.
//   - signin: a sign-in storm. 64 users (one account each, each from its
//     own address through X-Forwarded-For) post the sign-in form at the
//     same moment; the dashboard's peak RSS is sampled until all are in.
//     Every sign-in is an argon2id check, so this is the memory worst case
//     of a shift starting.
//
// The sandbox always runs as its own process, so the dashboard's RSS is the
// dashboard's alone. Every request goes to 127.0.0.1 and every scenario is
// bounded in time and in request count.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	sandboxAuthID = "MA_SANDBOX"
	sandboxToken  = "sandbox-token"
	benchUser     = "bench"
	benchPassword = "bench-password-1234"
)

type options struct {
	bin         string
	out         string
	logDir      string
	scenarios   string
	vus         int
	duration    time.Duration
	warmup      time.Duration
	think       time.Duration
	latency     time.Duration
	calls       int
	maxRequests int64
	exportCalls int
	exportRuns  int
	reportDays  int
	stormUsers  int
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "cdrdash binary to run (build it with go build -o …)")
	flag.StringVar(&o.out, "out", "bench/out/scenarios.json", "where to write the results (JSON)")
	flag.StringVar(&o.logDir, "logs", "bench/out", "directory for the servers' logs")
	flag.StringVar(&o.scenarios, "scenarios", "load,export,signin", "comma-separated scenarios to run: load, export, signin")
	flag.IntVar(&o.stormUsers, "storm-users", 64, "signin: users signing in at once")
	flag.IntVar(&o.vus, "vus", 64, "load: concurrent signed-in virtual users")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "load: measured duration")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "load: unmeasured warm-up before it")
	flag.DurationVar(&o.think, "think", 500*time.Millisecond, "load: mean think time between a user's requests (uniform ±50%)")
	flag.DurationVar(&o.latency, "latency", 30*time.Millisecond, "load: latency injected into every sandbox response")
	flag.IntVar(&o.calls, "calls", 100_000, "load: calls in the sandbox")
	flag.Int64Var(&o.maxRequests, "max-requests", 200_000, "load: stop after this many requests whatever the time")
	flag.IntVar(&o.exportCalls, "export-calls", 1_000_000, "export: calls in the sandbox (all exported)")
	flag.IntVar(&o.exportRuns, "export-runs", 3, "export: downloads of each kind, interleaved; the fastest counts")
	flag.IntVar(&o.reportDays, "report-days", 90, "export: days of history covered by the report-format download")
	flag.Parse()
	if o.bin == "" {
		fatalf("-bin is required")
	}
	if runtime.GOOS != "linux" {
		fatalf("loadgen reads RSS from /proc and runs on Linux only")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	res := results{Machine: describeMachine()}
	for _, s := range strings.Split(o.scenarios, ",") {
		var err error
		switch strings.TrimSpace(s) {
		case "load":
			res.Load, err = runLoad(ctx, o)
		case "export":
			res.Export, err = runExport(ctx, o)
		case "signin":
			res.SignIn, err = runSignIn(ctx, o)
		case "":
		default:
			err = fmt.Errorf("unknown scenario %q", s)
		}
		if err != nil {
			res.Errors = append(res.Errors, s+": "+err.Error())
			logf("scenario %s failed: %v", s, err)
		}
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		fatalf("%v", err)
	}
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		fatalf("%v", err)
	}
	logf("wrote %s", o.out)
	if len(res.Errors) > 0 {
		os.Exit(1)
	}
}

// results is the JSON written to -out.
type results struct {
	Machine machine       `json:"machine"`
	Load    *loadResult   `json:"load,omitempty"`
	Export  *exportResult `json:"export,omitempty"`
	SignIn  *signInResult `json:"signin,omitempty"`
	Errors  []string      `json:"errors,omitempty"`
}

type machine struct {
	CPU       string `json:"cpu"`
	CPUs      int    `json:"cpus"`
	MemoryGiB int    `json:"memory_gib"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"loadavg_at_start"`
}

type latencies struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50_ms"`
	P90ms float64 `json:"p90_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

type loadResult struct {
	VUs             int                  `json:"vus"`
	DurationS       float64              `json:"duration_s"`
	ThinkMs         float64              `json:"think_ms"`
	UpstreamLatency float64              `json:"upstream_latency_ms"`
	SandboxCalls    int                  `json:"sandbox_calls"`
	Requests        int64                `json:"requests"`
	Errors          int64                `json:"errors"`
	ErrorSamples    []string             `json:"error_samples,omitempty"`
	Throughput      float64              `json:"throughput_rps"`
	All             latencies            `json:"all"`
	Pages           map[string]latencies `json:"pages"`
	Upstream        latencies            `json:"upstream_direct"` // the sandbox asked directly during the run
	DashCPUms       float64              `json:"dashboard_cpu_ms_per_request"`
	SandboxCPUms    float64              `json:"sandbox_cpu_ms_per_request"`
	RSSIdleMB       float64              `json:"rss_idle_mb"` // after start, before sign-in
	RSSAfterSignMB  float64              `json:"rss_after_signin_mb"`
	RSSPeakLoadMB   float64              `json:"rss_peak_load_mb"` // sampled during the measured run
	RSSEndMB        float64              `json:"rss_end_mb"`
	HWMMB           float64              `json:"hwm_mb"` // VmHWM: the whole life, sign-ins included
	SignInS         float64              `json:"signin_s"`
	LoadAvgEnd      string               `json:"loadavg_at_end"`
}

type download struct {
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	MBps       float64 `json:"mb_per_s"`
	RowsPerSec float64 `json:"rows_per_s"`
}

type exportResult struct {
	SandboxCalls    int        `json:"sandbox_calls"`
	Direct          []download `json:"direct"`
	Dashboard       []download `json:"dashboard"`
	BestDirect      download   `json:"best_direct"`
	BestDashboard   download   `json:"best_dashboard"`
	Ratio           float64    `json:"ratio"`                  // dashboard throughput / direct throughput (best of each)
	DashCPUperGB    float64    `json:"dashboard_cpu_s_per_gb"` // the dashboard's CPU time per GB of raw export
	RSSBeforeMB     float64    `json:"rss_before_mb"`
	RSSPeakRawMB    float64    `json:"rss_peak_raw_mb"`
	RSSGrowthRawMB  float64    `json:"rss_growth_raw_mb"`
	Report          download   `json:"report"`
	RSSBeforeRepMB  float64    `json:"rss_before_report_mb"`
	RSSPeakReportMB float64    `json:"rss_peak_report_mb"`
	RSSGrowthRepMB  float64    `json:"rss_growth_report_mb"`
	HWMMB           float64    `json:"hwm_mb"`
}

type signInResult struct {
	Users      int     `json:"users"`
	RSSIdleMB  float64 `json:"rss_idle_mb"`
	RSSPeakMB  float64 `json:"rss_peak_mb"` // sampled every 10 ms during the storm
	RSSEndMB   float64 `json:"rss_end_mb"`
	HWMMB      float64 `json:"hwm_mb"` // VmHWM: the whole life of the process
	Seconds    float64 `json:"seconds"`
	Retries429 int64   `json:"retries_429"` // sign-ins answered 429 and sent again after Retry-After
}

// ---------------------------------------------------------------- processes

// proc is a cdrdash command running as a child process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

var urlPattern = regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)`)

// startProc runs bin args… with env, logging stderr to logPath, and waits
// until it prints the URL it listens on.
func startProc(ctx context.Context, bin string, args, env []string, logPath string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if m := urlPattern.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	select {
	case p.url = <-found:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s %s exited before listening; see %s", filepath.Base(bin), args[0], logPath)
	case <-time.After(90 * time.Second):
		p.stop()
		return nil, fmt.Errorf("%s %s did not listen within 90 s", filepath.Base(bin), args[0])
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// stop sends SIGTERM, then SIGKILL after 10 s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// startStack starts a sandbox with calls and latency, and a dashboard in
// front of it with the bench user.
func startStack(ctx context.Context, o options, name string, calls int, latency time.Duration, users ...string) (sb, dash *proc, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "cdrdash-bench-")
	if err != nil {
		return nil, nil, nil, err
	}
	var procs []*proc
	cleanup = func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
		os.RemoveAll(dir)
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	if err := os.MkdirAll(o.logDir, 0o755); err != nil {
		return nil, nil, nil, err
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}
	args := []string{"sandbox", "-addr", "127.0.0.1:0", "-calls", strconv.Itoa(calls)}
	if latency > 0 {
		args = append(args, "-latency", latency.String())
	}
	t0 := time.Now()
	sb, err = startProc(ctx, o.bin, args, base, filepath.Join(o.logDir, name+"-sandbox.log"))
	if err != nil {
		return nil, nil, nil, err
	}
	procs = append(procs, sb)
	logf("%s: sandbox with %d calls (latency %s) on %s in %s", name, calls, latency, sb.url, time.Since(t0).Round(time.Millisecond))

	env := append(slices.Clone(base),
		"CDRDASH_DATA_DIR="+filepath.Join(dir, "data"),
		"CDRDASH_ADDR=127.0.0.1:0",
		"CDRDASH_LOG_FORMAT=json",
		"CDRDASH_LOG_LEVEL=info",
		"VOBIZ_BASE_URL="+sb.url,
		"VOBIZ_AUTH_ID="+sandboxAuthID,
		"VOBIZ_AUTH_TOKEN="+sandboxToken,
		// Virtual users sign in "from" their own addresses (X-Forwarded-For
		// from loadgen), as people behind a proxy do, so the per-address
		// sign-in limits see many clients rather than one.
		"CDRDASH_TRUSTED_PROXIES=127.0.0.1",
	)
	// With bench/profserve as -bin, profiles of the dashboard (never the
	// sandbox), one per scenario.
	for _, k := range []string{"CDRDASH_CPUPROFILE", "CDRDASH_MEMPROFILE"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+strings.TrimSuffix(v, ".prof")+"-"+name+".prof")
		}
	}
	for _, u := range append([]string{benchUser}, users...) {
		add := exec.CommandContext(ctx, o.bin, "user", "add", u, "-role", "agent")
		add.Env = env
		add.Stdin = strings.NewReader(benchPassword + "\n")
		if out, err := add.CombinedOutput(); err != nil {
			return nil, nil, nil, fmt.Errorf("user add %s: %v: %s", u, err, out)
		}
	}
	dash, err = startProc(ctx, o.bin, []string{"serve"}, env, filepath.Join(o.logDir, name+"-serve.log"))
	if err != nil {
		return nil, nil, nil, err
	}
	procs = append(procs, dash)
	logf("%s: dashboard (pid %d) on %s", name, dash.pid(), dash.url)
	return sb, dash, cleanup, nil
}

// rssMB reads VmRSS or VmHWM of pid in MB (10^6 bytes).
func procStatusMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb * 1024 / 1e6
			}
		}
	}
	return 0
}

func rssMB(pid int) float64 { return procStatusMB(pid, "VmRSS") }

// cpuSeconds is the user+system CPU time pid has used.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

func hwmMB(pid int) float64 { return procStatusMB(pid, "VmHWM") }

// sampler records the peak VmRSS of pid until stopped.
type sampler struct {
	peak atomic.Uint64 // bits of a float64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(pid int, every time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.observe(rssMB(pid))
			select {
			case <-s.stop:
				s.observe(rssMB(pid))
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) observe(v float64) {
	if v > s.Peak() {
		s.peak.Store(uint64(v * 1000))
	}
}

func (s *sampler) Peak() float64 { return float64(s.peak.Load()) / 1000 }

func (s *sampler) Stop() float64 {
	close(s.stop)
	<-s.done
	return s.Peak()
}

// ---------------------------------------------------------------- clients

// newBrowser is one user's HTTP client: its own cookie jar (session) and
// its own keep-alive connection, like a browser tab.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		// Like a browser: ask for compression; net/http decompresses.
		DisableCompression: false,
	}
	return &http.Client{Jar: jar, Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func signIn(ctx context.Context, c *http.Client, base string) error {
	_, err := signInAs(ctx, c, base, benchUser, "10.9.0.1")
	return err
}

// signInAs signs user in from clientIP (sent as X-Forwarded-For; the
// dashboard trusts 127.0.0.1). A 429 is retried after its Retry-After, at
// most 20 times; retries counts them.
func signInAs(ctx context.Context, c *http.Client, base, user, clientIP string) (retries int64, err error) {
	form := url.Values{"username": {user}, "password": {benchPassword}}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			return retries, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.Header.Set("X-Forwarded-For", clientIP)
		res, err := c.Do(req)
		if err != nil {
			return retries, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests && retries < 20 {
			retries++
			secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			select {
			case <-time.After(time.Duration(max(secs, 1)) * time.Second):
			case <-ctx.Done():
				return retries, ctx.Err()
			}
			continue
		}
		if res.StatusCode != http.StatusSeeOther {
			return retries, fmt.Errorf("sign-in answered %d, want 303", res.StatusCode)
		}
		return retries, nil
	}
}

// get fetches target, reads the whole body, and returns it with the time
// from sending the request to the last byte.
func get(ctx context.Context, c *http.Client, target string, keep bool) ([]byte, int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, 0, err
	}
	req.Header.Set("Accept", "text/html")
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return nil, 0, time.Since(start), err
	}
	var body []byte
	if keep {
		body, err = io.ReadAll(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	res.Body.Close()
	return body, res.StatusCode, time.Since(start), err
}

// ---------------------------------------------------------------- load

// recorder keeps every latency of one page kind.
type recorder struct {
	mu      sync.Mutex
	byPage  map[string][]time.Duration
	errors  int64
	samples []string
	total   atomic.Int64
}

func (r *recorder) add(page string, d time.Duration) {
	r.mu.Lock()
	r.byPage[page] = append(r.byPage[page], d)
	r.mu.Unlock()
}

func (r *recorder) fail(page, msg string) {
	r.mu.Lock()
	r.errors++
	if len(r.samples) < 10 {
		r.samples = append(r.samples, page+": "+msg)
	}
	r.mu.Unlock()
}

func summarize(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := int(float64(len(s))*p+0.5) - 1
		i = min(max(i, 0), len(s)-1)
		return ms(s[i])
	}
	return latencies{N: len(s), P50ms: q(0.50), P90ms: q(0.90), P99ms: q(0.99), MaxMs: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var detailLink = regexp.MustCompile(`href="(/calls/[0-9a-f-]{36}(?:\?list=[^"]*)?)"`)

// listQueries are the filters agents use: directions, causes, date
// ranges, page sizes and pages.
func listQuery(rng *rand.Rand, today time.Time) string {
	q := url.Values{}
	switch rng.IntN(6) {
	case 1:
		q.Set("call_direction", "outbound")
	case 2:
		q.Set("call_direction", "inbound")
	case 3:
		q.Set("hangup_cause", "NORMAL_CLEARING")
	case 4:
		q.Set("start_date", today.AddDate(0, 0, -7).Format(time.DateOnly))
		q.Set("end_date", today.Format(time.DateOnly))
	case 5:
		q.Set("start_date", today.AddDate(0, 0, -30).Format(time.DateOnly))
		q.Set("end_date", today.AddDate(0, 0, -1).Format(time.DateOnly))
		q.Set("call_direction", "outbound")
	}
	q.Set("per_page", []string{"20", "50", "100"}[rng.IntN(3)])
	if p := 1 + rng.IntN(5); p > 1 {
		q.Set("page", strconv.Itoa(p))
	}
	return q.Encode()
}

// user is one virtual agent: home now and then, list pages with various
// filters, and detail pages opened from the list it saw last (with the
// list's ?list= parameter, as a click does).
func user(ctx context.Context, id int, c *http.Client, base string, o options, measureFrom, end time.Time, rec *recorder) {
	rng := rand.New(rand.NewPCG(uint64(id), 10))
	var details []string
	today := time.Now()
	for n := 0; ; n++ {
		now := time.Now()
		if !now.Before(end) || ctx.Err() != nil || rec.total.Load() >= o.maxRequests {
			return
		}
		page, target, keep := "", "", false
		switch r := rng.Float64(); {
		case n == 0 || r < 0.15:
			page, target = "home", base+"/"
		case len(details) > 0 && r < 0.60:
			i := rng.IntN(len(details))
			page, target = "detail", base+details[i]
			details = slices.Delete(details, i, i+1)
		default:
			page, target, keep = "list", base+"/calls?"+listQuery(rng, today), true
		}
		body, status, d, err := get(ctx, c, target, keep)
		measured := now.After(measureFrom) || now.Equal(measureFrom)
		if measured {
			rec.total.Add(1)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			if measured {
				rec.fail(page, err.Error())
			}
		case status != http.StatusOK:
			if measured {
				rec.fail(page, "status "+strconv.Itoa(status)+" for "+strings.TrimPrefix(target, base))
			}
		default:
			if measured {
				rec.add(page, d)
			}
		}
		if page == "list" && len(body) > 0 {
			details = details[:0]
			links := detailLink.FindAllSubmatch(body, -1)
			for k := 0; k < 3 && len(links) > 0; k++ {
				j := rng.IntN(len(links))
				details = append(details, html.UnescapeString(string(links[j][1])))
				links = slices.Delete(links, j, j+1)
			}
		}
		if o.think > 0 {
			pause := time.Duration(float64(o.think) * (0.5 + rng.Float64()))
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		}
	}
}

// probe asks the sandbox directly for list-like searches, one at a time
// with a pause, so the run also shows what the upstream alone answered in
// the same seconds (on a shared machine, its own latency moves too).
func probe(ctx context.Context, sandboxURL string, measureFrom, end time.Time, out *[]time.Duration) {
	c := &http.Client{Timeout: 10 * time.Second}
	rng := rand.New(rand.NewPCG(7, 7))
	today := time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		q := listQuery(rng, today)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
			sandboxURL+"/api/v1/Account/"+sandboxAuthID+"/cdr/search?"+q, nil)
		req.Header.Set("X-Auth-ID", sandboxAuthID)
		req.Header.Set("X-Auth-Token", sandboxToken)
		start := time.Now()
		res, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && !start.Before(measureFrom) {
				*out = append(*out, time.Since(start))
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func runLoad(ctx context.Context, o options) (*loadResult, error) {
	sb, dash, cleanup, err := startStack(ctx, o, "load", o.calls, o.latency)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &loadResult{VUs: o.vus, DurationS: o.duration.Seconds(), ThinkMs: ms(o.think),
		UpstreamLatency: ms(o.latency), SandboxCalls: o.calls}
	time.Sleep(300 * time.Millisecond)
	res.RSSIdleMB = rssMB(dash.pid())

	// Sign in two at a time (one account, so two is its in-flight cap);
	// the signin scenario measures a storm.
	clients := make([]*http.Client, o.vus)
	t0 := time.Now()
	var (
		next   atomic.Int64
		signWG sync.WaitGroup
		errs   = make([]error, o.vus)
	)
	for range 2 {
		signWG.Go(func() {
			for i := int(next.Add(1) - 1); i < o.vus; i = int(next.Add(1) - 1) {
				clients[i] = newBrowser()
				if _, err := signInAs(ctx, clients[i], dash.url, benchUser, fmt.Sprintf("10.8.%d.%d", i/200, i%200+1)); err != nil {
					errs[i] = fmt.Errorf("sign-in %d: %w", i, err)
				}
			}
		})
	}
	signWG.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res.SignInS = time.Since(t0).Seconds()
	res.RSSAfterSignMB = rssMB(dash.pid())
	logf("load: %d users signed in in %.1f s; RSS %.0f MB", o.vus, res.SignInS, res.RSSAfterSignMB)

	rec := &recorder{byPage: map[string][]time.Duration{}}
	start := time.Now()
	measureFrom := start.Add(o.warmup)
	end := measureFrom.Add(o.duration)
	lctx, cancel := context.WithTimeout(ctx, o.warmup+o.duration+30*time.Second)
	defer cancel()
	var (
		wg       sync.WaitGroup
		upstream []time.Duration
	)
	for i, c := range clients {
		wg.Go(func() { user(lctx, i, c, dash.url, o, measureFrom, end, rec) })
		// Spread the first requests over the first think time.
		time.Sleep(o.think / time.Duration(o.vus))
	}
	wg.Go(func() { probe(lctx, sb.url, measureFrom, end, &upstream) })
	time.Sleep(time.Until(measureFrom))
	s := sampleRSS(dash.pid(), 100*time.Millisecond)
	cpuDash, cpuSB := cpuSeconds(dash.pid()), cpuSeconds(sb.pid())
	wg.Wait()
	elapsed := time.Since(measureFrom)
	res.RSSPeakLoadMB = s.Stop()
	cpuDash, cpuSB = cpuSeconds(dash.pid())-cpuDash, cpuSeconds(sb.pid())-cpuSB
	res.RSSEndMB = rssMB(dash.pid())
	res.HWMMB = hwmMB(dash.pid())
	res.LoadAvgEnd = loadAvg()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	var all []time.Duration
	res.Pages = map[string]latencies{}
	for page, ds := range rec.byPage {
		res.Pages[page] = summarize(ds)
		all = append(all, ds...)
	}
	res.All = summarize(all)
	res.Requests = rec.total.Load()
	res.Errors = rec.errors
	res.ErrorSamples = rec.samples
	res.Throughput = float64(res.Requests) / elapsed.Seconds()
	res.Upstream = summarize(upstream)
	if res.Requests > 0 {
		res.DashCPUms = cpuDash * 1000 / float64(res.Requests)
		res.SandboxCPUms = cpuSB * 1000 / float64(res.Requests)
	}
	logf("load: %d requests in %.1f s (%.0f/s), p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors, peak RSS %.0f MB",
		res.Requests, elapsed.Seconds(), res.Throughput, res.All.P50ms, res.All.P99ms, res.All.MaxMs, res.Errors, res.RSSPeakLoadMB)
	for _, p := range []string{"home", "list", "detail"} {
		l := res.Pages[p]
		logf("load:   %-6s n=%-5d p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms", p, l.N, l.P50ms, l.P90ms, l.P99ms, l.MaxMs)
	}
	l := res.Upstream
	logf("load:   sandbox asked directly: n=%d p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms", l.N, l.P50ms, l.P90ms, l.P99ms, l.MaxMs)
	logf("load:   CPU per request: dashboard %.2f ms, sandbox %.2f ms; load average %s", res.DashCPUms, res.SandboxCPUms, res.LoadAvgEnd)
	return res, nil
}

// ---------------------------------------------------------------- export

// fetch downloads target with c and returns rows (newlines) and bytes.
func fetch(ctx context.Context, c *http.Client, target string, hdr http.Header) (download, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return download{}, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return download{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return download{}, fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	buf := make([]byte, 256<<10)
	var d download
	for {
		n, err := res.Body.Read(buf)
		d.Bytes += int64(n)
		for _, b := range buf[:n] {
			if b == '\n' {
				d.Rows++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return d, err
		}
	}
	d.Rows-- // the header line
	d.Seconds = time.Since(start).Seconds()
	d.MBps = float64(d.Bytes) / 1e6 / d.Seconds
	d.RowsPerSec = float64(d.Rows) / d.Seconds
	return d, nil
}

func runExport(ctx context.Context, o options) (*exportResult, error) {
	sb, dash, cleanup, err := startStack(ctx, o, "export", o.exportCalls, 0)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &exportResult{SandboxCalls: o.exportCalls}
	c := newBrowser()
	c.Timeout = 5 * time.Minute
	if err := signIn(ctx, c, dash.url); err != nil {
		return nil, err
	}
	// A small page and a small export first, so the baseline is a server
	// that has served both kinds of request.
	if _, _, _, err := get(ctx, c, dash.url+"/calls?per_page=20", false); err != nil {
		return nil, err
	}
	today := time.Now().Format(time.DateOnly)
	if _, err := fetch(ctx, c, dash.url+"/calls/export?start_date="+today+"&end_date="+today, nil); err != nil {
		return nil, fmt.Errorf("warm-up export: %w", err)
	}
	time.Sleep(500 * time.Millisecond)
	res.RSSBeforeMB = rssMB(dash.pid())

	direct := sb.url + "/api/v1/Account/" + sandboxAuthID + "/cdr/export"
	hdr := http.Header{"X-Auth-Id": {sandboxAuthID}, "X-Auth-Token": {sandboxToken}}
	peak := 0.0
	var cpu float64
	var dashBytes int64
	viaDashboard := func() error {
		s := sampleRSS(dash.pid(), 50*time.Millisecond)
		cpu0 := cpuSeconds(dash.pid())
		d, err := fetch(ctx, c, dash.url+"/calls/export?format=raw", nil)
		cpu += cpuSeconds(dash.pid()) - cpu0
		dashBytes += d.Bytes
		peak = max(peak, s.Stop())
		if err != nil {
			return fmt.Errorf("export through the dashboard: %w", err)
		}
		res.Dashboard = append(res.Dashboard, d)
		logf("export: through the dashboard %d rows, %.0f MB in %.2f s (%.0f MB/s)", d.Rows, float64(d.Bytes)/1e6, d.Seconds, d.MBps)
		return nil
	}
	straight := func() error {
		d, err := fetch(ctx, http.DefaultClient, direct, hdr)
		if err != nil {
			return fmt.Errorf("export from the sandbox: %w", err)
		}
		res.Direct = append(res.Direct, d)
		logf("export: straight from the sandbox %d rows, %.0f MB in %.2f s (%.0f MB/s)", d.Rows, float64(d.Bytes)/1e6, d.Seconds, d.MBps)
		return nil
	}
	// Interleaved, the order alternating, so a change in the machine's load
	// hits both kinds alike.
	for i := 0; i < o.exportRuns; i++ {
		first, second := viaDashboard, straight
		if i%2 == 1 {
			first, second = straight, viaDashboard
		}
		if err := first(); err != nil {
			return nil, err
		}
		if err := second(); err != nil {
			return nil, err
		}
		d, dd := res.Dashboard[len(res.Dashboard)-1], res.Direct[len(res.Direct)-1]
		if dd.Rows != d.Rows || dd.Bytes != d.Bytes {
			return nil, fmt.Errorf("the dashboard sent %d rows/%d bytes, the sandbox %d/%d", d.Rows, d.Bytes, dd.Rows, dd.Bytes)
		}
	}
	best := func(ds []download) download {
		return slices.MaxFunc(ds, func(a, b download) int { return cmpFloat(a.MBps, b.MBps) })
	}
	res.BestDirect, res.BestDashboard = best(res.Direct), best(res.Dashboard)
	res.Ratio = res.BestDashboard.MBps / res.BestDirect.MBps
	if dashBytes > 0 {
		res.DashCPUperGB = cpu / (float64(dashBytes) / 1e9)
	}
	res.RSSPeakRawMB = peak
	res.RSSGrowthRawMB = peak - res.RSSBeforeMB

	// The report format parses and rewrites every row.
	res.RSSBeforeRepMB = rssMB(dash.pid())
	q := url.Values{"format": {"report"}}
	if o.reportDays < 90 {
		q.Set("start_date", time.Now().AddDate(0, 0, -o.reportDays+1).Format(time.DateOnly))
		q.Set("end_date", today)
	}
	s := sampleRSS(dash.pid(), 50*time.Millisecond)
	d, err := fetch(ctx, c, dash.url+"/calls/export?"+q.Encode(), nil)
	res.RSSPeakReportMB = s.Stop()
	if err != nil {
		return nil, fmt.Errorf("report export: %w", err)
	}
	res.Report = d
	res.RSSGrowthRepMB = res.RSSPeakReportMB - res.RSSBeforeRepMB
	res.HWMMB = hwmMB(dash.pid())
	logf("export: report format %d rows, %.0f MB in %.2f s (%.0f rows/s)", d.Rows, float64(d.Bytes)/1e6, d.Seconds, d.RowsPerSec)
	logf("export: ratio %.3f; dashboard CPU %.2f s per GB of raw export; RSS %.0f MB before, %.0f MB peak (raw), %.0f MB peak (report)",
		res.Ratio, res.DashCPUperGB, res.RSSBeforeMB, res.RSSPeakRawMB, res.RSSPeakReportMB)
	return res, nil
}

// runSignIn is the sign-in storm: o.stormUsers accounts post the sign-in
// form at the same moment, each from its own address, and the dashboard's
// RSS is sampled until every one is signed in.
func runSignIn(ctx context.Context, o options) (*signInResult, error) {
	users := make([]string, o.stormUsers)
	for i := range users {
		users[i] = fmt.Sprintf("storm-%03d", i)
	}
	_, dash, cleanup, err := startStack(ctx, o, "signin", 1000, 0, users...)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	res := &signInResult{Users: o.stormUsers}
	time.Sleep(300 * time.Millisecond)
	res.RSSIdleMB = rssMB(dash.pid())

	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		errs    = make([]error, len(users))
		retries atomic.Int64
	)
	for i, u := range users {
		c := newBrowser()
		wg.Go(func() {
			<-start
			n, err := signInAs(sctx, c, dash.url, u, fmt.Sprintf("10.7.%d.%d", i/200, i%200+1))
			retries.Add(n)
			if err != nil {
				errs[i] = fmt.Errorf("sign-in %s: %w", u, err)
			}
		})
	}
	s := sampleRSS(dash.pid(), 10*time.Millisecond)
	t0 := time.Now()
	close(start)
	wg.Wait()
	res.Seconds = time.Since(t0).Seconds()
	res.RSSPeakMB = s.Stop()
	res.RSSEndMB = rssMB(dash.pid())
	res.HWMMB = hwmMB(dash.pid())
	res.Retries429 = retries.Load()
	logf("signin: %d users signed in at once in %.1f s (%d retries after 429); RSS %.0f MB idle, %.0f MB peak, VmHWM %.0f MB",
		res.Users, res.Seconds, res.Retries429, res.RSSIdleMB, res.RSSPeakMB, res.HWMMB)
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	return res, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ---------------------------------------------------------------- misc

func describeMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAvg: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.Atoi(strings.Fields(v)[0])
				m.MemoryGiB = (kb + 512*1024) / (1024 * 1024)
			}
		}
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(2)
}
