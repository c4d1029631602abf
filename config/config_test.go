package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.TimeZone != "Asia/Kolkata" || !c.DemoMode() ||
		c.SandboxLiveRate != 3 || c.Recordings != "all" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c, err := Load("serve", nil, env(map[string]string{"CDRDASH_SANDBOX_LIVE_RATE": "0.5"})); err != nil || c.SandboxLiveRate != 0.5 {
		t.Fatalf("live rate 0.5: %v, %v", c, err)
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load("serve", []string{"-addr", "127.0.0.1:9999"}, env(map[string]string{
		"CDRDASH_ADDR": "127.0.0.1:1111", "VOBIZ_AUTH_ID": "MA_X", "VOBIZ_AUTH_TOKEN_FILE": file,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" {
		t.Errorf("flag did not win: %s", c.Addr)
	}
	if c.VobizAuthToken != "from-file" {
		t.Errorf("token from file = %q", c.VobizAuthToken)
	}
	if c.DemoMode() {
		t.Error("demo mode with credentials")
	}
	for _, s := range c.Effective() {
		if strings.Contains(s.Value, "from-file") {
			t.Errorf("%s shows the secret", s.Env)
		}
	}
}

func TestEveryProblemReported(t *testing.T) {
	_, err := Load("serve", []string{"-addr", "nope"}, env(map[string]string{
		"VOBIZ_BASE_URL":           "ftp://x",
		"CDRDASH_TLS_CERT":         "/nonexistent/cert.pem",
		"CDRDASH_TIMEZONE":         "Nowhere/Land",
		"CDRDASH_DATABASE_URL":     "mysql://x",
		"CDRDASH_LOG_FORMAT":       "xml",
		"CDRDASH_SESSION_IDLE":     "24h",
		"CDRDASH_SESSION_LIFETIME": "1h",
		"VOBIZ_AUTH_ID":            "MA_X",
	}))
	problems, ok := err.(ProblemList)
	if !ok {
		t.Fatalf("want a ProblemList, got %v", err)
	}
	text := problems.Error()
	for _, name := range []string{"CDRDASH_ADDR", "VOBIZ_BASE_URL", "CDRDASH_TLS_CERT", "CDRDASH_TIMEZONE",
		"CDRDASH_DATABASE_URL", "CDRDASH_LOG_FORMAT", "CDRDASH_SESSION_IDLE", "VOBIZ_AUTH_TOKEN", "CDRDASH_TLS_KEY"} {
		if !strings.Contains(text, name) {
			t.Errorf("problems do not name %s:\n%s", name, text)
		}
	}
}

func TestRedactURL(t *testing.T) {
	got := RedactURL("postgres://app:hunter2@db:5432/cdr")
	if strings.Contains(got, "hunter2") {
		t.Fatalf("password shown: %s", got)
	}
}

// TestReadmeDocumentsEverySetting keeps the README's table in step with
// the options table.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range options {
		if !strings.Contains(string(readme), "`"+o.env+"`") || !strings.Contains(string(readme), "`-"+o.flag+"`") {
			t.Errorf("README does not document -%s / %s", o.flag, o.env)
		}
	}
}

func TestQualityThresholds(t *testing.T) {
	c, err := Load("serve", []string{"-quality-mos-good", "4.2", "-quality-jitter-max", "40"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MOSGood != 4.2 || c.JitterMaxMS != 40 || c.MOSFair != 3.5 {
		t.Fatalf("thresholds %+v", c)
	}
	if _, err := Load("serve", []string{"-quality-loss-max", "lots"}, env(nil)); err == nil ||
		!strings.Contains(err.Error(), "CDRDASH_QUALITY_LOSS_MAX") {
		t.Fatalf("non-number accepted: %v", err)
	}
}

// TestProblemsNameTheBadValue: every refused value is quoted back in the
// problem with its setting, in our words, never Go's parse messages (such
// as strconv.ParseBool: parsing "x": invalid syntax).
func TestProblemsNameTheBadValue(t *testing.T) {
	tests := []struct{ env, value string }{
		{"CDRDASH_DEMO", "maybe"},
		{"CDRDASH_COOKIE_SECURE", "yes please"},
		{"CDRDASH_SANDBOX_SEED", "x"},
		{"CDRDASH_SANDBOX_CALLS", "lots"},
		{"CDRDASH_SANDBOX_CALLS", "0"},
		{"CDRDASH_SANDBOX_LIVE_RATE", "-1"},
		{"CDRDASH_SANDBOX_LIVE_RATE", "fast"},
		{"CDRDASH_SANDBOX_LIVE_RATE", "1e9"},
		{"CDRDASH_REPORT_ROW_CAP", "1e9x"},
		{"CDRDASH_REPORT_ROW_CAP", "-5"},
		{"CDRDASH_QUALITY_MOS_GOOD", "x"},
		{"CDRDASH_TIMEZONE", "Nowhere/Land"},
		{"CDRDASH_PHONE_REGION", "IND"},
		{"CDRDASH_SESSION_IDLE", "soon"},
		{"CDRDASH_SHUTDOWN_TIMEOUT", "-1s"},
		{"CDRDASH_ADDR", "nope"},
		{"CDRDASH_LOG_LEVEL", "loud"},
		{"CDRDASH_TRUSTED_PROXIES", "10.0.0.0/8,proxy"},
		{"CDRDASH_RECORDINGS", "everyone"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			_, err := Load("serve", nil, env(map[string]string{tt.env: tt.value}))
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.env) {
				t.Errorf("%q does not name %s", msg, tt.env)
			}
			quoted := strconv.Quote(tt.value)
			if tt.env == "CDRDASH_TRUSTED_PROXIES" {
				quoted = `"proxy"`
			}
			if !strings.Contains(msg, quoted) {
				t.Errorf("%q does not quote the value %s", msg, quoted)
			}
			for _, leak := range []string{"strconv", "parsing", "invalid syntax", "unknown time zone", "time: "} {
				if strings.Contains(msg, leak) {
					t.Errorf("%q shows Go's parse text (%s)", msg, leak)
				}
			}
		})
	}
}

func TestAuditRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 400 * 24 * time.Hour, true}, // the default
		{"400d", 400 * 24 * time.Hour, true},
		{"9600h", 400 * 24 * time.Hour, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"0", 0, true},
		{"29d", 0, false},
		{"1h", 0, false},
		{"-5d", 0, false},
		{"forever", 0, false},
	}
	for _, tt := range tests {
		var args []string
		if tt.in != "" {
			args = []string{"-audit-retention", tt.in}
		}
		c, err := Load("serve", args, env(nil))
		if !tt.ok {
			if err == nil || !strings.Contains(err.Error(), "CDRDASH_AUDIT_RETENTION") {
				t.Errorf("%q: err = %v, want a problem naming CDRDASH_AUDIT_RETENTION", tt.in, err)
			}
			continue
		}
		if err != nil || c.AuditRetention != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.in, c.AuditRetention, err, tt.want)
		}
	}
}

// TestChecksJoinOtherProblems: a Check's problems come out together with
// Load's own, so one run names everything wrong.
func TestChecksJoinOtherProblems(t *testing.T) {
	check := func(c *Config) []string {
		if c.MOSGood < c.MOSFair {
			return []string{"CDRDASH_QUALITY_MOS_GOOD is below CDRDASH_QUALITY_MOS_FAIR"}
		}
		return nil
	}
	_, err := Load("serve", []string{"-quality-mos-good", "3.0", "-log-level", "loud"}, env(nil), check)
	if err == nil || !strings.Contains(err.Error(), "CDRDASH_QUALITY_MOS_GOOD is below") ||
		!strings.Contains(err.Error(), "CDRDASH_LOG_LEVEL") {
		t.Fatalf("want both the check's and Load's problems, got %v", err)
	}
	if _, err := Load("serve", nil, env(nil), check); err != nil {
		t.Fatalf("defaults fail the check: %v", err)
	}
}

// TestBareBooleanFlags: true/false settings stand alone like Go's boolean
// flags (-demo), and still take an explicit value (-demo=false).
func TestBareBooleanFlags(t *testing.T) {
	c, err := Load("serve", []string{"-demo", "-cookie-secure", "-addr", "127.0.0.1:9"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || !c.CookieSecure || c.Addr != "127.0.0.1:9" {
		t.Errorf("bare flags: demo=%v cookie-secure=%v addr=%q", c.Demo, c.CookieSecure, c.Addr)
	}
	c, err = Load("serve", []string{"-demo=false"}, env(map[string]string{"CDRDASH_DEMO": "true"}))
	if err != nil || c.Demo {
		t.Errorf("-demo=false over the environment: %v, %v", c, err)
	}
}

// TestUnreadableValueReportedOnce: a value that cannot be read is one
// problem, not also a cross-check about the zero it would have become.
func TestUnreadableValueReportedOnce(t *testing.T) {
	_, err := Load("serve", []string{"-quality-mos-good", "x"}, env(nil))
	problems, ok := err.(ProblemList)
	if !ok || len(problems) != 1 {
		t.Fatalf("problems = %v, want exactly one", err)
	}
}

// The index settings: on by default, off turns it off, and out-of-range
// values are refused by name.
func TestIndexSettings(t *testing.T) {
	c, err := Load("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Index || c.IndexPoll != 15*time.Second || c.IndexDays != 400 {
		t.Fatalf("defaults: %v %s %d", c.Index, c.IndexPoll, c.IndexDays)
	}
	c, err = Load("serve", []string{"-index-poll", "2s"}, env(map[string]string{"CDRDASH_INDEX": "off",
		"CDRDASH_INDEX_DAYS": "30"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Index || c.IndexPoll != 2*time.Second || c.IndexDays != 30 {
		t.Fatalf("set: %v %s %d", c.Index, c.IndexPoll, c.IndexDays)
	}
	bad := []struct{ env, value string }{
		{"CDRDASH_INDEX", "maybe"}, {"CDRDASH_INDEX_POLL", "500ms"}, {"CDRDASH_INDEX_POLL", "soon"},
		{"CDRDASH_INDEX_DAYS", "0"}, {"CDRDASH_INDEX_DAYS", "3651"}, {"CDRDASH_INDEX_DAYS", "a year"},
	}
	for _, b := range bad {
		_, err := Load("serve", nil, env(map[string]string{b.env: b.value}))
		if err == nil || !strings.Contains(err.Error(), b.env) {
			t.Errorf("%s=%q: %v", b.env, b.value, err)
		}
	}
}

func TestRecordingsSetting(t *testing.T) {
	for in, want := range map[string]string{"all": "all", "admin": "admin", "OFF": "off", " Admin ": "admin"} {
		c, err := Load("serve", nil, env(map[string]string{"CDRDASH_RECORDINGS": in}))
		if err != nil || c.Recordings != want {
			t.Errorf("%q: %v, %v; want %q", in, c, err, want)
		}
	}
	if c, err := Load("serve", []string{"-recordings", "admin"}, env(nil)); err != nil || c.Recordings != "admin" {
		t.Errorf("flag: %v, %v", c, err)
	}
}
