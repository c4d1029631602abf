// Command report turns the output of `make bench` into one Markdown table:
// every scenario of issue 10 with its figure, value, target and PASS/FAIL,
// followed by the raw `go test -bench` output (benchstat reads it as is).
//
//	go run ./bench/report -go bench/out/go-bench.txt -scenarios bench/out/scenarios.json
//
// Go benchmark figures are medians over the -count runs. A figure that is
// missing (its benchmark failed to build or run, or a scenario failed) is
// reported as "not measured" with the reason found in the output. With
// -strict the command exits 1 when a target is missed or not measured.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	goPath := flag.String("go", "bench/out/go-bench.txt", "raw go test -bench output")
	scenPath := flag.String("scenarios", "bench/out/scenarios.json", "loadgen results")
	strict := flag.Bool("strict", false, "exit 1 when a target is missed or not measured")
	flag.Parse()

	raw, err := os.ReadFile(*goPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: %v\n", err)
	}
	gb := parseBench(string(raw))
	var sc scenarios
	scErr := "loadgen did not run"
	if b, err := os.ReadFile(*scenPath); err == nil {
		if err := json.Unmarshal(b, &sc); err != nil {
			scErr = "unreadable " + *scenPath + ": " + err.Error()
		} else {
			scErr = strings.Join(sc.Errors, "; ")
		}
	}

	t := &table{}
	buildTable(t, gb, &sc, scErr)
	t.print(os.Stdout, &sc)

	fmt.Println()
	fmt.Printf("Raw `go test -bench` output (%s; benchstat-ready):\n\n```text\n", *goPath)
	os.Stdout.Write(raw)
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		fmt.Println()
	}
	fmt.Println("```")
	if *strict && (t.failed > 0 || t.missing > 0) {
		os.Exit(1)
	}
}

// ---------------------------------------------------------------- go test output

// benchResults maps a benchmark name (without the -GOMAXPROCS suffix) to
// its runs, each a map from unit to value.
type benchResults struct {
	runs   map[string][]map[string]float64
	failed map[string]string // package → first failure line
	raw    string
}

var benchLine = regexp.MustCompile(`^(Benchmark[^\s]+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

func parseBench(s string) *benchResults {
	r := &benchResults{runs: map[string][]map[string]float64{}, failed: map[string]string{}, raw: s}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := benchLine.FindStringSubmatch(line); m != nil {
			f := strings.Fields(m[3])
			run := map[string]float64{}
			for i := 0; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err == nil {
					run[f[i+1]] = v
				}
			}
			r.runs[m[1]] = append(r.runs[m[1]], run)
			continue
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "# ") || strings.Contains(line, "--- FAIL") {
			f := strings.Fields(line)
			key := line
			if len(f) > 1 {
				key = f[1]
			}
			if _, ok := r.failed[key]; !ok {
				r.failed[key] = line
			}
		}
	}
	return r
}

// median returns the median of unit over the runs of name.
func (r *benchResults) median(name, unit string) (float64, bool) {
	var vs []float64
	for _, run := range r.runs[name] {
		if v, ok := run[unit]; ok {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

func (r *benchResults) count(name string) int { return len(r.runs[name]) }

// whyMissing explains a benchmark with no results.
func (r *benchResults) whyMissing(name string) string {
	if strings.TrimSpace(r.raw) == "" {
		return "no go test output"
	}
	for _, line := range r.failed {
		if strings.Contains(line, name) {
			return strings.TrimSpace(line)
		}
	}
	if len(r.failed) > 0 {
		var ls []string
		for _, l := range r.failed {
			ls = append(ls, strings.TrimSpace(l))
		}
		slices.Sort(ls)
		return name + " has no result; go test reported: " + strings.Join(ls, " | ")
	}
	return name + " has no result in the go test output (not written yet?)"
}

// ---------------------------------------------------------------- loadgen output

type latencies struct {
	N     int     `json:"n"`
	P50ms float64 `json:"p50_ms"`
	P90ms float64 `json:"p90_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

type download struct {
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	MBps       float64 `json:"mb_per_s"`
	RowsPerSec float64 `json:"rows_per_s"`
}

type scenarios struct {
	Machine struct {
		CPU       string `json:"cpu"`
		CPUs      int    `json:"cpus"`
		MemoryGiB int    `json:"memory_gib"`
		GoVersion string `json:"go_version"`
		LoadAvg   string `json:"loadavg_at_start"`
	} `json:"machine"`
	Load *struct {
		VUs             int                  `json:"vus"`
		DurationS       float64              `json:"duration_s"`
		ThinkMs         float64              `json:"think_ms"`
		UpstreamLatency float64              `json:"upstream_latency_ms"`
		Requests        int64                `json:"requests"`
		Errors          int64                `json:"errors"`
		ErrorSamples    []string             `json:"error_samples"`
		Throughput      float64              `json:"throughput_rps"`
		All             latencies            `json:"all"`
		Pages           map[string]latencies `json:"pages"`
		Upstream        latencies            `json:"upstream_direct"`
		DashCPUms       float64              `json:"dashboard_cpu_ms_per_request"`
		SandboxCPUms    float64              `json:"sandbox_cpu_ms_per_request"`
		RSSIdleMB       float64              `json:"rss_idle_mb"`
		RSSAfterSignMB  float64              `json:"rss_after_signin_mb"`
		RSSPeakLoadMB   float64              `json:"rss_peak_load_mb"`
		HWMMB           float64              `json:"hwm_mb"`
		LoadAvgEnd      string               `json:"loadavg_at_end"`
	} `json:"load"`
	Export *struct {
		SandboxCalls    int      `json:"sandbox_calls"`
		BestDirect      download `json:"best_direct"`
		BestDashboard   download `json:"best_dashboard"`
		Ratio           float64  `json:"ratio"`
		DashCPUperGB    float64  `json:"dashboard_cpu_s_per_gb"`
		RSSBeforeMB     float64  `json:"rss_before_mb"`
		RSSPeakRawMB    float64  `json:"rss_peak_raw_mb"`
		RSSGrowthRawMB  float64  `json:"rss_growth_raw_mb"`
		Report          download `json:"report"`
		RSSBeforeRepMB  float64  `json:"rss_before_report_mb"`
		RSSPeakReportMB float64  `json:"rss_peak_report_mb"`
		RSSGrowthRepMB  float64  `json:"rss_growth_report_mb"`
	} `json:"export"`
	SignIn *struct {
		Users      int     `json:"users"`
		RSSIdleMB  float64 `json:"rss_idle_mb"`
		RSSPeakMB  float64 `json:"rss_peak_mb"`
		RSSEndMB   float64 `json:"rss_end_mb"`
		HWMMB      float64 `json:"hwm_mb"`
		Seconds    float64 `json:"seconds"`
		Retries429 int64   `json:"retries_429"`
	} `json:"signin"`
	Errors []string `json:"errors"`
}

// ---------------------------------------------------------------- the table

type row struct{ scenario, figure, value, target, result string }

type table struct {
	rows            []row
	failed, missing int
}

// check adds a row with a target: ok decides PASS or FAIL.
func (t *table) check(scenario, figure, value, target string, ok bool) {
	res := "PASS"
	if !ok {
		res = "**FAIL**"
		t.failed++
	}
	t.rows = append(t.rows, row{scenario, figure, value, target, res})
}

// info adds a row without a target.
func (t *table) info(scenario, figure, value string) {
	t.rows = append(t.rows, row{scenario, figure, value, "reported", "—"})
}

// missingRow adds a row whose figure could not be measured.
func (t *table) missingRow(scenario, figure, target, why string) {
	t.missing++
	t.rows = append(t.rows, row{scenario, figure, "not measured: " + cell(why), target, "**NOT MEASURED**"})
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 220 {
		s = s[:220] + "…"
	}
	return s
}

func (t *table) print(w io.Writer, sc *scenarios) {
	m := sc.Machine
	if m.CPUs > 0 {
		fmt.Fprintf(w, "Machine: %s, %d CPUs, %d GiB, %s; load average %s at the start of the scenarios.\n\n",
			m.CPU, m.CPUs, m.MemoryGiB, m.GoVersion, m.LoadAvg)
	}
	fmt.Fprintln(w, "| scenario | figure | value | target | result |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range t.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.scenario, r.figure, r.value, r.target, r.result)
	}
	fmt.Fprintf(w, "\n%d targets missed, %d not measured.\n", t.failed, t.missing)
}

func ms(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func buildTable(t *table, gb *benchResults, sc *scenarios, scErr string) {
	// Page benchmarks (handlers/bench_test.go): the dashboard's own work.
	page := func(scenario, name string, limitMs float64) {
		target := "p50 ≤ " + ms(limitMs)
		p50, ok := gb.median(name, "p50-µs")
		if !ok {
			t.missingRow(scenario, "p50 per page", target, gb.whyMissing(name))
			return
		}
		t.check(scenario, fmt.Sprintf("p50 per page (median of %d runs)", gb.count(name)), ms(p50/1000), target, p50/1000 <= limitMs)
		if cpu, ok := gb.median(name, "cpu-µs/op"); ok {
			t.info(scenario, "CPU per page (process CPU time / pages)", ms(cpu/1000))
		}
		allocs, ok1 := gb.median(name, "allocs/op")
		bytes, ok2 := gb.median(name, "B/op")
		if ok1 && ok2 {
			t.info(scenario, "allocations per page", fmt.Sprintf("%.0f allocs, %.0f KB", allocs, bytes/1024))
		}
	}
	page("List page, 100 rows, upstream excluded (BenchmarkCallsPage100)", "BenchmarkCallsPage100", 1)
	if p50, ok := gb.median("BenchmarkCallsPage100WithDecode", "p50-µs"); ok {
		t.info("List page, 100 rows, with the client's request and JSON decode, in-process sandbox (BenchmarkCallsPage100WithDecode)",
			"p50 per page", ms(p50/1000))
	}
	if v, ok := gb.median("BenchmarkDecodeSearch100", "ns/op"); ok {
		t.info("JSON decode of a 100-row search response (BenchmarkDecodeSearch100)", "encoding/json, per response", ms(v/1e6))
	}
	page("Call detail page, upstream excluded (BenchmarkCallDetail)", "BenchmarkCallDetail", 0.5)

	// Load (bench/loadgen).
	const loadName = "Load: 64 signed-in users, home/list/detail, 20 s, sandbox +30 ms (bench/loadgen)"
	if l := sc.Load; l != nil {
		name := fmt.Sprintf("Load: %d signed-in users, home/list/detail, %.0f s, think %.0f ms, sandbox +%.0f ms (bench/loadgen)",
			l.VUs, l.DurationS, l.ThinkMs, l.UpstreamLatency)
		t.info(name, "throughput", fmt.Sprintf("%.0f requests/s (%d requests)", l.Throughput, l.Requests))
		t.info(name, "p50 / p90", ms(l.All.P50ms)+" / "+ms(l.All.P90ms))
		limit := l.UpstreamLatency + 20
		t.check(name, "p99", ms(l.All.P99ms), "≤ "+ms(limit)+" (upstream + 20 ms)", l.All.P99ms <= limit)
		var per []string
		for _, p := range []string{"home", "list", "detail"} {
			if x, ok := l.Pages[p]; ok {
				per = append(per, fmt.Sprintf("%s %s/%s", p, ms(x.P50ms), ms(x.P99ms)))
			}
		}
		t.info(name, "p50/p99 by page", strings.Join(per, ", "))
		t.info(name, "the sandbox asked directly, same seconds: p50/p99", ms(l.Upstream.P50ms)+" / "+ms(l.Upstream.P99ms))
		t.info(name, "CPU per request: dashboard / sandbox", ms(l.DashCPUms)+" / "+ms(l.SandboxCPUms))
		errs := fmt.Sprintf("%d", l.Errors)
		if len(l.ErrorSamples) > 0 {
			errs += " (" + cell(strings.Join(l.ErrorSamples, "; ")) + ")"
		}
		t.check(name, "errors", errs, "0", l.Errors == 0)
		t.check(name, "dashboard RSS, peak while browsing", fmt.Sprintf("%.0f MB", l.RSSPeakLoadMB), "< 150 MB", l.RSSPeakLoadMB < 150)
		t.info(name, "dashboard RSS: idle / right after the 64 sign-ins / VmHWM",
			fmt.Sprintf("%.0f / %.0f / %.0f MB", l.RSSIdleMB, l.RSSAfterSignMB, l.HWMMB))
		t.info(name, "load average at the end (other work on the machine)", l.LoadAvgEnd)
	} else {
		t.missingRow(loadName, "p99, errors, RSS", "p99 ≤ upstream + 20 ms, 0 errors, RSS < 150 MB", scErr)
	}

	// Sign-in storm (bench/loadgen).
	const stormName = "Sign-in storm: 64 users post the sign-in form at once, one address each (bench/loadgen)"
	if si := sc.SignIn; si != nil && si.Users > 0 {
		name := fmt.Sprintf("Sign-in storm: %d users post the sign-in form at once, one address each (bench/loadgen)", si.Users)
		t.check(name, "dashboard RSS, peak during the storm", fmt.Sprintf("%.0f MB", si.RSSPeakMB), "< 150 MB", si.RSSPeakMB < 150)
		t.info(name, "all signed in after / answers 429 retried", fmt.Sprintf("%.1f s / %d", si.Seconds, si.Retries429))
		t.info(name, "dashboard RSS: idle / after / VmHWM", fmt.Sprintf("%.0f / %.0f / %.0f MB", si.RSSIdleMB, si.RSSEndMB, si.HWMMB))
	} else {
		t.missingRow(stormName, "peak RSS", "< 150 MB", scErr)
	}

	// Reports (handlers/reports_test.go).
	rep := func(figure, name string, limitMs float64) {
		target := "≤ " + ms(limitMs)
		v, ok := gb.median(name, "ns/op")
		scenario := "Reports: 90-day report page, 100,000 calls, sandbox +50 ms (" + name + ")"
		if !ok {
			t.missingRow(scenario, figure, target, gb.whyMissing(name))
			return
		}
		t.check(scenario, fmt.Sprintf("%s (median of %d)", figure, gb.count(name)), ms(v/1e6), target, v/1e6 <= limitMs)
	}
	rep("cold", "BenchmarkReportsPage90DaysCold", 2000)
	rep("warm", "BenchmarkReportsPage90DaysWarm", 100)

	// Export: 1,000,000 rows, processes (bench/loadgen).
	const expName = "Export raw, 1,000,000 rows, through the dashboard vs straight from the sandbox (bench/loadgen)"
	if e := sc.Export; e != nil {
		name := fmt.Sprintf("Export raw, %d rows (%.0f MB), through the dashboard vs straight from the sandbox (bench/loadgen)",
			e.BestDashboard.Rows, float64(e.BestDashboard.Bytes)/1e6)
		t.check(name, "throughput ratio (best of each)", fmt.Sprintf("%.2f (%.0f vs %.0f MB/s)", e.Ratio, e.BestDashboard.MBps, e.BestDirect.MBps),
			"≥ 0.9", e.Ratio >= 0.9)
		t.info(name, "dashboard CPU time per GB exported", fmt.Sprintf("%.2f s", e.DashCPUperGB))
		t.check(name, "dashboard RSS growth", fmt.Sprintf("%+.1f MB (%.0f → %.0f MB peak)", e.RSSGrowthRawMB, e.RSSBeforeMB, e.RSSPeakRawMB),
			"≤ 20 MB", e.RSSGrowthRawMB <= 20)
		rname := fmt.Sprintf("Export report format, %d rows, through the dashboard (bench/loadgen)", e.Report.Rows)
		t.info(rname, "throughput", fmt.Sprintf("%.0f rows/s, %.0f MB/s", e.Report.RowsPerSec, e.Report.MBps))
		t.check(rname, "dashboard RSS growth (memory flat)", fmt.Sprintf("%+.1f MB (%.0f → %.0f MB peak)", e.RSSGrowthRepMB, e.RSSBeforeRepMB, e.RSSPeakReportMB),
			"≤ 20 MB", e.RSSGrowthRepMB <= 20)
	} else {
		t.missingRow(expName, "ratio, RSS growth", "≥ 0.9, ≤ 20 MB", scErr)
	}
	// Export: in-process benchmarks by the export's authors.
	if r, ok := gb.median("BenchmarkExportRaw", "ratio"); ok {
		d, _ := gb.median("BenchmarkExportRaw", "dashboard-MB/s")
		s, _ := gb.median("BenchmarkExportRaw", "direct-MB/s")
		t.check("Export raw, 100,000 rows, in-process (BenchmarkExportRaw)", fmt.Sprintf("throughput ratio (median of %d)", gb.count("BenchmarkExportRaw")),
			fmt.Sprintf("%.2f (%.0f vs %.0f MB/s)", r, d, s), "≥ 0.9", r >= 0.9)
	} else {
		t.missingRow("Export raw, 100,000 rows, in-process (BenchmarkExportRaw)", "throughput ratio", "≥ 0.9", gb.whyMissing("BenchmarkExportRaw"))
	}
	if r, ok := gb.median("BenchmarkExportReport", "rows/s"); ok {
		mb, _ := gb.median("BenchmarkExportReport", "report-MB/s")
		t.info("Export report format, 100,000 rows, in-process (BenchmarkExportReport)", "throughput", fmt.Sprintf("%.0f rows/s, %.1f MB/s", r, mb))
	} else {
		t.missingRow("Export report format, 100,000 rows, in-process (BenchmarkExportReport)", "throughput", "reported", gb.whyMissing("BenchmarkExportReport"))
	}

	// Sandbox.
	if v, ok := gb.median("BenchmarkSearchFiltered", "ns/op"); ok {
		t.check("Sandbox: filtered page of 100 over 100,000 calls (BenchmarkSearchFiltered)",
			fmt.Sprintf("time per request (median of %d)", gb.count("BenchmarkSearchFiltered")), ms(v/1e6), "≤ 5 ms", v/1e6 <= 5)
	} else {
		t.missingRow("Sandbox: filtered page of 100 over 100,000 calls (BenchmarkSearchFiltered)", "time per request", "≤ 5 ms",
			gb.whyMissing("BenchmarkSearchFiltered"))
	}
}
