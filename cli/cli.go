// Package cli implements cdrdash's commands: serve (the default), sandbox,
// user, index, config, healthcheck and version.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cdrdash/cdrdash/config"
)

// Version is stamped at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// Env reads an environment variable.
type Env func(string) string

const usage = `cdrdash: a dashboard for Vobiz call detail records

Usage:
  cdrdash [serve] [flags]        start the dashboard (demo sandbox when no Vobiz credentials are set)
  cdrdash sandbox [flags]        serve only the Vobiz-compatible sandbox API
  cdrdash user add NAME -role admin|agent   add a user (password read from stdin)
  cdrdash user list | disable NAME | enable NAME | passwd NAME
  cdrdash index status | sync [-days N] [-force] | verify | purge -before YYYY-MM-DD
                                 the local call index: its state, a foreground sync, a check against Vobiz
  cdrdash config [flags]         print the effective configuration, secrets redacted
  cdrdash healthcheck [-url URL] exit 0 when the dashboard answers its health check
  cdrdash version                print the version

Run "cdrdash serve -h" for every setting and its environment variable.
`

// Run runs one command and returns the process exit code.
func Run(ctx context.Context, args []string, getenv Env, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || isHelpFlag(args[0])) {
		// A bare flag belongs to serve, the default command, except a
		// request for help: that lists the commands, not serve's flags.
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, getenv, stdout, stderr)
	case "sandbox":
		err = serveSandbox(ctx, args, stdout, stderr)
	case "user":
		err = userCommand(ctx, args, getenv, stdin, stdout)
	case "index":
		err = indexCommand(ctx, args, getenv, stdout, stderr)
	case "config":
		err = printConfig(args, getenv, stdout)
	case "healthcheck":
		err = healthcheck(ctx, args, getenv)
	case "version":
		fmt.Fprintln(stdout, "cdrdash", Version)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "cdrdash: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var problems config.ProblemList
	if errors.As(err, &problems) {
		fmt.Fprintf(stderr, "cdrdash %s: %v\n", cmd, problems)
		return 2
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "cdrdash %s: %v\n", cmd, err)
	return 1
}

var errHelp = errors.New("help shown")

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// loadConfig parses settings, printing the flag list for -h.
func loadConfig(name string, args []string, getenv Env, stdout io.Writer) (*config.Config, error) {
	for _, a := range args {
		if isHelpFlag(a) {
			fmt.Fprintf(stdout, "Usage: cdrdash %s [flags]\n\nEvery flag has an environment variable; a flag wins.\n\n", name)
			config.Usage(stdout)
			return nil, errHelp
		}
	}
	return config.Load(name, args, getenv, checkThresholds)
}

// newLogger builds the process logger: text on a terminal, JSON otherwise.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func printConfig(args []string, getenv Env, stdout io.Writer) error {
	cfg, err := loadConfig("config", args, getenv, stdout)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, s := range cfg.Effective() {
		fmt.Fprintf(tw, "%s\t-%s\t%s\n", s.Env, s.Flag, s.Value)
	}
	return tw.Flush()
}
