// Package config holds every setting of cdrdash in one typed place.
//
// Each setting has a command-line flag, an environment variable, a default,
// and, for secrets, a *_FILE variant that reads the value from a file (the
// way Docker and Kubernetes hand out secrets). A flag beats the variable,
// the variable beats its *_FILE, and the file beats the default. Load
// reports every problem at once, by name, before anything starts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration.
type Config struct {
	Addr     string
	BasePath string // "" or "/sub/path", no trailing slash
	DataDir  string
	// DatabaseURL selects PostgreSQL ("postgres://…"); empty means the
	// SQLite file in DataDir.
	DatabaseURL string

	Demo           bool // force the built-in sandbox even with credentials
	VobizAuthID    string
	VobizAuthToken string
	VobizBaseURL   string
	VobizTimeout   time.Duration

	TimeZone    string // default display zone, IANA name
	PhoneRegion string // default region for numbers typed without +CC

	CookieSecure    bool
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// AuditRetention is how long audit events are kept before housekeeping
	// deletes them; 0 keeps them forever.
	AuditRetention time.Duration

	TLSCert        string
	TLSKey         string
	TrustedProxies []netip.Prefix

	LogFormat string // auto | text | json
	LogLevel  string // debug | info | warn | error

	MetricsAddr     string // separate listener for /metrics; "" serves it on Addr behind MetricsToken
	MetricsToken    string
	ShutdownTimeout time.Duration
	WriteTimeout    time.Duration

	SandboxSeed    int64
	SandboxCalls   int
	SandboxLatency time.Duration
	// SandboxLiveRate is the demo sandbox's live traffic, new calls per
	// minute (0: none).
	SandboxLiveRate float64

	ReportRowCap int // rows of the export read for report breakdowns

	// Index turns the local call index and its sync on (the default); off
	// keeps the pure proxy to the Vobiz API.
	Index bool
	// IndexPoll is how often the sync fetches the newest calls.
	IndexPoll time.Duration
	// IndexDays is how many UTC days, today included, the index keeps.
	IndexDays int
	// Recordings says who may listen to call recordings on the call page:
	// "all" signed-in users, "admin" only, or "off" (docs/recordings.md#who-may-listen).
	Recordings string

	// Quality band edges, read as plain numbers: cli turns them into the
	// diagnosis package's thresholds and checks their order (a Check), so
	// that config depends on nothing else in the project.
	MOSGood, MOSFair          float64
	JitterGoodMS, JitterMaxMS float64
	LossGoodPct, LossMaxPct   float64
}

// option describes one setting.
type option struct {
	flag, env, usage string
	secret           bool
	def              string
	set              func(c *Config, v string) error
	get              func(c *Config) string
}

var options = []option{
	{"addr", "CDRDASH_ADDR", "listen address", false, "127.0.0.1:8080",
		func(c *Config, v string) error { c.Addr = v; return checkAddr(v) },
		func(c *Config) string { return c.Addr }},
	{"base-path", "CDRDASH_BASE_PATH", "URL path prefix when served under a sub-path of a reverse proxy", false, "",
		func(c *Config, v string) (err error) { c.BasePath, err = cleanBasePath(v); return },
		func(c *Config) string { return c.BasePath }},
	{"data", "CDRDASH_DATA_DIR", "data directory (SQLite database)", false, "./data",
		func(c *Config, v string) error { c.DataDir = v; return notEmpty(v) },
		func(c *Config) string { return c.DataDir }},
	{"database-url", "CDRDASH_DATABASE_URL", "PostgreSQL URL (postgres://…); empty uses SQLite in the data directory", true, "",
		func(c *Config, v string) error { c.DatabaseURL = v; return checkDatabaseURL(v) },
		func(c *Config) string { return c.DatabaseURL }},
	{"demo", "CDRDASH_DEMO", "use the built-in sandbox even when Vobiz credentials are set", false, "false",
		func(c *Config, v string) (err error) { c.Demo, err = parseBool(v); return },
		func(c *Config) string { return strconv.FormatBool(c.Demo) }},
	{"vobiz-auth-id", "VOBIZ_AUTH_ID", "Vobiz auth ID (MA_…); empty runs the demo sandbox", false, "",
		func(c *Config, v string) error { c.VobizAuthID = v; return nil },
		func(c *Config) string { return c.VobizAuthID }},
	{"vobiz-auth-token", "VOBIZ_AUTH_TOKEN", "Vobiz auth token", true, "",
		func(c *Config, v string) error { c.VobizAuthToken = v; return nil },
		func(c *Config) string { return c.VobizAuthToken }},
	{"vobiz-base-url", "VOBIZ_BASE_URL", "Vobiz API base URL", false, "https://api.vobiz.ai",
		func(c *Config, v string) error { c.VobizBaseURL = v; return checkHTTPURL(v) },
		func(c *Config) string { return c.VobizBaseURL }},
	{"vobiz-timeout", "VOBIZ_TIMEOUT", "timeout of one Vobiz API request", false, "15s",
		durationSetter(func(c *Config) *time.Duration { return &c.VobizTimeout }),
		func(c *Config) string { return c.VobizTimeout.String() }},
	{"timezone", "CDRDASH_TIMEZONE", "default display time zone (IANA name)", false, "Asia/Kolkata",
		func(c *Config, v string) error {
			c.TimeZone = v
			if _, err := time.LoadLocation(v); err != nil {
				return fmt.Errorf("%q is not an IANA time zone name such as Asia/Kolkata or UTC", v)
			}
			return nil
		},
		func(c *Config) string { return c.TimeZone }},
	{"phone-region", "CDRDASH_PHONE_REGION", "region for phone numbers typed without a country code (ISO 3166 code)", false, "IN",
		func(c *Config, v string) error {
			c.PhoneRegion = strings.ToUpper(v)
			if len(v) != 2 {
				return fmt.Errorf("%q is not a two-letter region code such as IN or US", v)
			}
			return nil
		},
		func(c *Config) string { return c.PhoneRegion }},
	{"cookie-secure", "CDRDASH_COOKIE_SECURE", "mark the session cookie Secure (set when a TLS proxy is in front)", false, "false",
		func(c *Config, v string) (err error) { c.CookieSecure, err = parseBool(v); return },
		func(c *Config) string { return strconv.FormatBool(c.CookieSecure) }},
	{"session-idle", "CDRDASH_SESSION_IDLE", "sign out after this long without activity", false, "30m",
		durationSetter(func(c *Config) *time.Duration { return &c.SessionIdle }),
		func(c *Config) string { return c.SessionIdle.String() }},
	{"session-lifetime", "CDRDASH_SESSION_LIFETIME", "sign out this long after signing in, active or not", false, "12h",
		durationSetter(func(c *Config) *time.Duration { return &c.SessionLifetime }),
		func(c *Config) string { return c.SessionLifetime.String() }},
	{"audit-retention", "CDRDASH_AUDIT_RETENTION", "keep audit events this long (e.g. 400d, 9600h; at least 30d; 0 keeps them forever)", false, "400d",
		func(c *Config, v string) (err error) { c.AuditRetention, err = parseRetention(v); return },
		func(c *Config) string { return formatDays(c.AuditRetention) }},
	{"tls-cert", "CDRDASH_TLS_CERT", "TLS certificate file (serve HTTPS)", false, "",
		func(c *Config, v string) error { c.TLSCert = v; return readable(v) },
		func(c *Config) string { return c.TLSCert }},
	{"tls-key", "CDRDASH_TLS_KEY", "TLS private key file", false, "",
		func(c *Config, v string) error { c.TLSKey = v; return readable(v) },
		func(c *Config) string { return c.TLSKey }},
	{"trusted-proxies", "CDRDASH_TRUSTED_PROXIES", "comma-separated IPs or CIDRs whose X-Forwarded-For/-Proto are believed", false, "",
		func(c *Config, v string) (err error) { c.TrustedProxies, err = parsePrefixes(v); return },
		func(c *Config) string { return joinPrefixes(c.TrustedProxies) }},
	{"log-format", "CDRDASH_LOG_FORMAT", "log format: auto (text on a terminal, JSON otherwise), text or json", false, "auto",
		oneOf(func(c *Config) *string { return &c.LogFormat }, "auto", "text", "json"),
		func(c *Config) string { return c.LogFormat }},
	{"log-level", "CDRDASH_LOG_LEVEL", "log level: debug, info, warn or error", false, "info",
		oneOf(func(c *Config) *string { return &c.LogLevel }, "debug", "info", "warn", "error"),
		func(c *Config) string { return c.LogLevel }},
	{"metrics-addr", "CDRDASH_METRICS_ADDR", "serve /metrics on this separate address instead of the main one", false, "",
		func(c *Config, v string) error {
			c.MetricsAddr = v
			if v == "" {
				return nil
			}
			return checkAddr(v)
		},
		func(c *Config) string { return c.MetricsAddr }},
	{"metrics-token", "CDRDASH_METRICS_TOKEN", "bearer token required for /metrics on the main address (empty: /metrics is off there)", true, "",
		func(c *Config, v string) error { c.MetricsToken = v; return nil },
		func(c *Config) string { return c.MetricsToken }},
	{"shutdown-timeout", "CDRDASH_SHUTDOWN_TIMEOUT", "how long running requests (exports) may finish after SIGTERM", false, "30s",
		durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
		func(c *Config) string { return c.ShutdownTimeout.String() }},
	{"write-timeout", "CDRDASH_WRITE_TIMEOUT", "longest time one response may take (long enough for big exports)", false, "30m",
		durationSetter(func(c *Config) *time.Duration { return &c.WriteTimeout }),
		func(c *Config) string { return c.WriteTimeout.String() }},
	{"sandbox-seed", "CDRDASH_SANDBOX_SEED", "seed of the demo data set", false, "1",
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			c.SandboxSeed = n
			return nil
		},
		func(c *Config) string { return strconv.FormatInt(c.SandboxSeed, 10) }},
	{"sandbox-calls", "CDRDASH_SANDBOX_CALLS", "number of calls in the demo data set", false, "100000",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 5_000_000 {
				return fmt.Errorf("%q is not a whole number from 1 to 5000000", v)
			}
			c.SandboxCalls = n
			return nil
		},
		func(c *Config) string { return strconv.Itoa(c.SandboxCalls) }},
	{"sandbox-latency", "CDRDASH_SANDBOX_LATENCY", "latency added to every demo sandbox response", false, "0s",
		durationSetter(func(c *Config) *time.Duration { return &c.SandboxLatency }),
		func(c *Config) string { return c.SandboxLatency.String() }},
	{"sandbox-live-rate", "CDRDASH_SANDBOX_LIVE_RATE", "new calls per minute the demo sandbox adds as time passes (0: none)", false, "3",
		func(c *Config, v string) error {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || n < 0 || n > sandboxMaxLiveRate {
				return fmt.Errorf("%q is not a number from 0 to %d", v, sandboxMaxLiveRate)
			}
			c.SandboxLiveRate = n
			return nil
		},
		func(c *Config) string { return strconv.FormatFloat(c.SandboxLiveRate, 'f', -1, 64) }},
	{"report-row-cap", "CDRDASH_REPORT_ROW_CAP", "most export rows read to build one report's breakdowns", false, "2000000",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("%q is not a whole number of 1 or more", v)
			}
			c.ReportRowCap = n
			return nil
		},
		func(c *Config) string { return strconv.Itoa(c.ReportRowCap) }},
	{"index", "CDRDASH_INDEX", "local call index synced from Vobiz: on, or off to query the API only", false, "on",
		func(c *Config, v string) (err error) { c.Index, err = parseOnOff(v); return },
		func(c *Config) string { return onOff(c.Index) }},
	{"index-poll", "CDRDASH_INDEX_POLL", "how often the index fetches the newest calls (at least 1s)", false, "15s",
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration such as 15s or 1m", v)
			}
			if d < time.Second {
				return fmt.Errorf("%q is shorter than the minimum of 1s", v)
			}
			c.IndexPoll = d
			return nil
		},
		func(c *Config) string { return c.IndexPoll.String() }},
	{"index-days", "CDRDASH_INDEX_DAYS", "UTC days of calls the index keeps, today included (1 to 3650); older ones are deleted", false, "400",
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 3650 {
				return fmt.Errorf("%q is not a whole number from 1 to 3650", v)
			}
			c.IndexDays = n
			return nil
		},
		func(c *Config) string { return strconv.Itoa(c.IndexDays) }},
	{"recordings", "CDRDASH_RECORDINGS", "who may listen to and download call recordings: all, admin or off", false, "all",
		func(c *Config, v string) error {
			switch m := strings.ToLower(strings.TrimSpace(v)); m {
			case "all", "admin", "off":
				c.Recordings = m
				return nil
			}
			return fmt.Errorf("%q is not one of all, admin or off", v)
		},
		func(c *Config) string { return c.Recordings }},
	floatOption("quality-mos-good", "CDRDASH_QUALITY_MOS_GOOD", "MOS at or above which audio is good", "4.0",
		func(c *Config) *float64 { return &c.MOSGood }),
	floatOption("quality-mos-fair", "CDRDASH_QUALITY_MOS_FAIR", "MOS at or above which audio is acceptable (below: poor)", "3.5",
		func(c *Config) *float64 { return &c.MOSFair }),
	floatOption("quality-jitter-good", "CDRDASH_QUALITY_JITTER_GOOD", "jitter in ms at or below which audio is good", "10",
		func(c *Config) *float64 { return &c.JitterGoodMS }),
	floatOption("quality-jitter-max", "CDRDASH_QUALITY_JITTER_MAX", "jitter in ms above which audio is poor", "30",
		func(c *Config) *float64 { return &c.JitterMaxMS }),
	floatOption("quality-loss-good", "CDRDASH_QUALITY_LOSS_GOOD", "packet loss in % below which audio is good", "0.5",
		func(c *Config) *float64 { return &c.LossGoodPct }),
	floatOption("quality-loss-max", "CDRDASH_QUALITY_LOSS_MAX", "packet loss in % above which audio is poor", "1",
		func(c *Config) *float64 { return &c.LossMaxPct }),
}

// sandboxMaxLiveRate is the sandbox's own bound (sandbox.MaxLiveRate),
// repeated so that config depends on nothing else in the project.
const sandboxMaxLiveRate = 60_000

// floatOption is a setting holding a number.
func floatOption(flag, env, usage, def string, f func(*Config) *float64) option {
	return option{flag: flag, env: env, usage: usage, def: def,
		set: func(c *Config, v string) error {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
				return fmt.Errorf("%q is not a number", v)
			}
			*f(c) = n
			return nil
		},
		get: func(c *Config) string { return strconv.FormatFloat(*f(c), 'f', -1, 64) }}
}

// ProblemList is every configuration problem found, each naming its setting.
type ProblemList []string

func (p ProblemList) Error() string {
	return "invalid configuration:\n  - " + strings.Join(p, "\n  - ")
}

// Load parses args (without the program and subcommand names) and the
// environment. Unknown flags and every invalid value are reported together.
//
// Each check runs on the parsed settings next to Load's own cross-checks and
// returns problems in the same words; the composition root uses them for
// rules that belong to other packages (the order of quality band edges), so
// that every problem is still reported at once.
func Load(name string, args []string, getenv func(string) string, checks ...Check) (*Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flagVals := map[string]*textFlag{}
	for _, o := range options {
		// A true/false setting may be given bare (-demo), like any Go
		// boolean flag; -demo=false still works.
		f := &textFlag{boolean: o.def == "true" || o.def == "false"}
		fs.Var(f, o.flag, o.usage)
		flagVals[o.flag] = f
	}
	if err := fs.Parse(args); err != nil {
		return nil, ProblemList{err.Error() + " (run with -h for the list of settings)"}
	}
	if fs.NArg() > 0 {
		return nil, ProblemList{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	setByFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setByFlag[f.Name] = true })

	c := &Config{}
	var problems ProblemList
	for _, o := range options {
		v, source, err := o.value(&flagVals[o.flag].v, setByFlag[o.flag], getenv)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if err := o.set(c, v); err != nil {
			problems = append(problems, fmt.Sprintf("%s (from %s): %v", o.env, source, err))
			// A number that could not be read would be 0 for the checks
			// below, and reported again as, say, a MOS of 0 below the
			// scale: they see the default instead.
			if _, numErr := strconv.ParseFloat(o.def, 64); numErr == nil {
				_ = o.set(c, o.def)
			}
		}
	}
	problems = append(problems, c.crossChecks()...)
	for _, check := range checks {
		problems = append(problems, check(c)...)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, problems
	}
	return c, nil
}

// textFlag holds a flag's text as given; boolean ones may stand alone.
type textFlag struct {
	v       string
	boolean bool
}

func (f *textFlag) String() string     { return f.v }
func (f *textFlag) Set(v string) error { f.v = v; return nil }
func (f *textFlag) IsBoolFlag() bool   { return f.boolean }

// Check is an extra rule for Load: it returns one problem per line, each
// naming the settings at fault, or nothing.
type Check func(c *Config) []string

// value picks the raw value: flag, then env, then env_FILE, then default.
func (o option) value(flagVal *string, byFlag bool, getenv func(string) string) (v, source string, err error) {
	if byFlag {
		return *flagVal, "-" + o.flag, nil
	}
	if v := getenv(o.env); v != "" {
		return v, o.env, nil
	}
	if file := getenv(o.env + "_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", "", fmt.Errorf("%s_FILE: cannot read %s: %v", o.env, file, errors.Unwrap(err))
		}
		return strings.TrimRight(string(b), "\r\n"), o.env + "_FILE", nil
	}
	return o.def, "default", nil
}

func (c *Config) crossChecks() []string {
	var p []string
	if (c.TLSCert == "") != (c.TLSKey == "") {
		p = append(p, "CDRDASH_TLS_CERT and CDRDASH_TLS_KEY must be set together")
	}
	if c.VobizAuthID != "" && c.VobizAuthToken == "" && !c.Demo {
		p = append(p, "VOBIZ_AUTH_TOKEN is required when VOBIZ_AUTH_ID is set")
	}
	if c.VobizAuthToken != "" && c.VobizAuthID == "" && !c.Demo {
		p = append(p, "VOBIZ_AUTH_ID is required when VOBIZ_AUTH_TOKEN is set")
	}
	if c.SessionIdle > 0 && c.SessionLifetime > 0 && c.SessionIdle > c.SessionLifetime {
		p = append(p, "CDRDASH_SESSION_IDLE is longer than CDRDASH_SESSION_LIFETIME")
	}
	return p
}

// DemoMode reports whether cdrdash runs on its built-in sandbox.
func (c *Config) DemoMode() bool { return c.Demo || c.VobizAuthID == "" }

// TLS reports whether cdrdash serves HTTPS itself.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// Location returns the default display zone (validated by Load).
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Setting is one line of the effective configuration.
type Setting struct{ Flag, Env, Value, Default, Usage string }

// Effective lists every setting with secrets redacted, for `cdrdash config`
// and the README table.
func (c *Config) Effective() []Setting {
	out := make([]Setting, 0, len(options))
	for _, o := range options {
		v := o.get(c)
		if o.secret && v != "" {
			v = "[redacted]"
		}
		if o.secret && o.flag == "database-url" && c.DatabaseURL != "" {
			v = RedactURL(c.DatabaseURL)
		}
		out = append(out, Setting{Flag: o.flag, Env: o.env, Value: v, Default: o.def, Usage: o.usage})
	}
	return out
}

// RedactURL hides the password of a URL such as a database DSN.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "[redacted]"
	}
	return u.Redacted()
}

// Usage writes the flag list with each variable and default.
func Usage(w io.Writer) {
	for _, o := range options {
		secret := ""
		if o.secret {
			secret = " (secret; " + o.env + "_FILE reads it from a file)"
		}
		fmt.Fprintf(w, "  -%s  (%s, default %q)\n      %s%s\n", o.flag, o.env, o.def, o.usage, secret)
	}
}

func durationSetter(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s or 15m", v)
		}
		if d < 0 {
			return fmt.Errorf("%q is negative", v)
		}
		*f(c) = d
		return nil
	}
}

// parseOnOff reads on/off, and true/false like the other switches.
func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not on or off", v)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// parseBool is strconv.ParseBool with an error that names the value
// instead of Go's parse message.
func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}

// MinAuditRetention is the shortest audit retention accepted: the database
// refuses to delete anything younger, whatever the setting.
const MinAuditRetention = 30 * 24 * time.Hour

// parseRetention reads a retention as whole days ("400d") or a Go duration
// ("9600h"); "0" keeps events forever.
func parseRetention(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("%q is not a number of days such as 400d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q is not a retention such as 400d or 9600h", v)
		}
	}
	if d != 0 && d < MinAuditRetention {
		return 0, fmt.Errorf("%q is shorter than the minimum of 30d (use 0 to keep events forever)", v)
	}
	return d, nil
}

// formatDays prints whole days as "400d", anything else as a duration.
func formatDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func oneOf(f func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*f(c) = strings.ToLower(v)
		for _, a := range allowed {
			if *f(c) == a {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func notEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func checkAddr(v string) error {
	if _, _, err := net.SplitHostPort(v); err != nil {
		return fmt.Errorf("%q is not host:port", v)
	}
	return nil
}

func checkHTTPURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", v)
	}
	return nil
}

func checkDatabaseURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return errors.New("want postgres://user@host:port/database")
	}
	return nil
}

func readable(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %v", path, errors.Unwrap(err))
	}
	return f.Close()
}

func cleanBasePath(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "/" {
		return "", nil
	}
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?#\\ ") || strings.Contains(v, "//") || strings.Contains(v, "..") {
		return "", fmt.Errorf("%q is not a path such as /cdrdash", v)
	}
	return strings.TrimSuffix(v, "/"), nil
}

func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}
