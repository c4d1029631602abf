package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/callsync"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/vobiz"
)

const indexUsage = `Usage:
  cdrdash index status [-days N]          coverage, days by status, calls, last poll, last error, lease
  cdrdash index sync [-days N] [-force]   sync every day not complete, newest first, in the foreground
  cdrdash index verify [-days N]          compare each day with Vobiz's total; exit 0 only if all complete
  cdrdash index purge -before YYYY-MM-DD  delete the calls that started before that UTC day
-days defaults to CDRDASH_INDEX_DAYS. Every other setting (database, Vobiz credentials or the demo
sandbox) applies as for serve.`

// indexFlags are the index command's own flags, with whether each takes a
// value; every other argument is a setting, as for serve.
var indexFlags = map[string]bool{"days": true, "force": false, "before": true}

// indexCommand inspects and maintains the local call index from the shell.
func indexCommand(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("missing subcommand\n%s", indexUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "status", "sync", "verify", "purge":
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", sub, indexUsage)
	}
	fs := flag.NewFlagSet("index "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	days := fs.Int("days", 0, "UTC days, today included")
	force := fs.Bool("force", false, "sync even though another process holds the lease")
	before := fs.String("before", "", "YYYY-MM-DD (UTC)")
	own, settings := splitFlags(rest, indexFlags)
	if err := fs.Parse(own); err != nil {
		return fmt.Errorf("%v\n%s", err, indexUsage)
	}
	cfg, err := loadConfig("index", settings, getenv, stdout)
	if err != nil {
		return err
	}
	n := cfg.IndexDays
	if *days != 0 {
		if *days < 1 || *days > 3650 {
			return fmt.Errorf("-days %d: want 1 to 3650", *days)
		}
		n = *days
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.WithCleanupInterval(0))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	ix := callindex.New(db)

	switch sub {
	case "status":
		st, err := callsync.ReadStatus(ctx, ix, time.Now(), n)
		if err != nil {
			return err
		}
		printIndexStatus(stdout, st, databaseSize(ctx, db))
		return nil
	case "purge":
		return purgeIndex(ctx, ix, *before, cfg.IndexDays, stdout)
	}

	if !cfg.Index && sub == "sync" {
		return errors.New("CDRDASH_INDEX is off: nothing reads the index, so sync refuses to fill it")
	}
	log := newLogger(cfg, stderr)
	baseURL, authID, token, stop, err := vobizEndpoint(cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	client, err := vobiz.NewClient(baseURL, authID, token, vobiz.WithTimeout(cfg.VobizTimeout),
		vobiz.WithUserAgent("cdrdash/"+Version), vobiz.WithLogger(log))
	if err != nil {
		return fmt.Errorf("vobiz client: %w", err)
	}
	syncer := callsync.New(ix, client, callsync.Options{Days: n, Log: log, Recordings: client})
	// Fixed columns rather than a tabwriter: each day prints as it is done.
	line := "%-10s  %-8s  %9s  %9s  %s\n"
	fmt.Fprintf(stdout, line, "DAY", "STATUS", "INDEX", "VOBIZ", "NOTE")
	report := func(d callindex.DayState) {
		fmt.Fprintf(stdout, line, d.Day.Format(time.DateOnly), d.Status, fmt.Sprint(d.Rows), total(d.APITotal),
			d.LastError)
	}
	var st callsync.Status
	if sub == "sync" {
		st, err = syncer.Backfill(ctx, *force, report)
	} else {
		st, err = syncer.Verify(ctx, report)
	}
	if err != nil {
		return err
	}
	complete := st.ByStatus[callindex.DayComplete]
	fmt.Fprintf(stdout, "%d of %d days complete (%s – %s UTC), %d calls in the index\n", complete, len(st.Days),
		st.Oldest.Format(time.DateOnly), st.Today.Format(time.DateOnly), st.Rows)
	if err := printRecordings(ctx, stdout, ix, st); err != nil {
		return err
	}
	if complete != len(st.Days) {
		return fmt.Errorf("%d days are not complete; see the NOTE column", len(st.Days)-complete)
	}
	return nil
}

// splitFlags separates the flags named in own (with their values) from the
// rest of args.
func splitFlags(args []string, own map[string]bool) (mine, rest []string) {
	for i := 0; i < len(args); i++ {
		name := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(name, "=")
		takesValue, ok := own[name]
		if !ok || !strings.HasPrefix(args[i], "-") {
			rest = append(rest, args[i])
			continue
		}
		mine = append(mine, args[i])
		if takesValue && !hasValue && i+1 < len(args) {
			mine = append(mine, args[i+1])
			i++
		}
	}
	return mine, rest
}

func total(n int64) string {
	if n == callindex.UnknownTotal {
		return "?"
	}
	return fmt.Sprint(n)
}

// databaseSize is the size of the whole database (the index is most of
// it), or "" when it cannot be read.
func databaseSize(ctx context.Context, db *store.DB) string {
	q := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if db.Dialect() == store.DialectPostgres {
		q = "SELECT pg_database_size(current_database())"
	}
	var n int64
	if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
		return ""
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func printIndexStatus(w io.Writer, st callsync.Status, size string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	utc := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
	if st.Coverage.IsZero() {
		fmt.Fprintln(tw, "coverage:\tnothing verified yet: pages read from Vobiz")
	} else {
		fmt.Fprintf(tw, "coverage:\t%s – %s\n", utc(st.Coverage.From), utc(st.Coverage.To))
	}
	fmt.Fprintf(tw, "days kept:\t%s – %s UTC (%d)\n", st.Oldest.Format(time.DateOnly), st.Today.Format(time.DateOnly),
		len(st.Days))
	var counts []string
	for _, s := range []callindex.DayStatus{callindex.DayComplete, callindex.DaySyncing, callindex.DayMismatch,
		callindex.DayMissing} {
		counts = append(counts, fmt.Sprintf("%d %s", st.ByStatus[s], s))
	}
	fmt.Fprintf(tw, "days:\t%s\n", strings.Join(counts, ", "))
	fmt.Fprintf(tw, "calls:\t%d\n", st.Rows)
	if size != "" {
		fmt.Fprintf(tw, "database:\t%s\n", size)
	}
	if st.State.LastPoll.IsZero() {
		fmt.Fprintln(tw, "last poll:\tnever")
	} else {
		fmt.Fprintf(tw, "last poll:\t%s (lag %s)\n", utc(st.State.LastPoll), st.Lag().Round(time.Second))
	}
	if st.State.BackfillDays > 0 {
		fmt.Fprintf(tw, "backfill:\t%d of %d days\n", st.State.BackfillDone, st.State.BackfillDays)
	}
	if st.State.Paused != "" {
		fmt.Fprintf(tw, "paused:\t%s\n", st.State.Paused)
	}
	if st.State.LastError != "" {
		fmt.Fprintf(tw, "last error:\t%s (%s)\n", st.State.LastError, utc(st.State.LastErrorAt))
	}
	switch {
	case st.LeaseLive():
		fmt.Fprintf(tw, "syncing:\t%s (lease until %s)\n", st.State.Holder, utc(st.State.LeaseUntil))
	case st.State.Holder != "":
		fmt.Fprintf(tw, "syncing:\tnobody (last %s)\n", st.State.Holder)
	default:
		fmt.Fprintln(tw, "syncing:\tnobody")
	}
	_ = tw.Flush()
	var open []callindex.DayState
	for _, d := range st.Days {
		if d.Status != callindex.DayComplete {
			open = append(open, d)
		}
	}
	if len(open) == 0 {
		return
	}
	fmt.Fprintln(w, "\nDays not complete:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tSTATUS\tINDEX\tVOBIZ\tNOTE")
	for _, d := range open {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.Day.Format(time.DateOnly), d.Status, d.Rows, total(d.APITotal),
			d.LastError)
	}
	_ = tw.Flush()
}

// purgeIndex deletes the calls that started before the UTC day given.
func purgeIndex(ctx context.Context, ix *callindex.Index, before string, keepDays int, w io.Writer) error {
	if before == "" {
		return fmt.Errorf("purge needs -before YYYY-MM-DD\n%s", indexUsage)
	}
	day, err := time.Parse(time.DateOnly, before)
	if err != nil {
		return fmt.Errorf("-before %q is not a date such as 2026-01-31", before)
	}
	n, err := ix.DeleteBefore(ctx, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "deleted %d calls that started before %s 00:00 UTC\n", n, day.Format(time.DateOnly))
	oldest := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -(keepDays - 1))
	if day.After(oldest) {
		fmt.Fprintf(w, "note: the days from %s on are within CDRDASH_INDEX_DAYS (%d): a running sync downloads "+
			"them again; lower CDRDASH_INDEX_DAYS to keep them out\n", oldest.Format(time.DateOnly), keepDays)
	}
	return nil
}

// printRecordings says how far the index's list of recordings goes: the
// days listed and the recordings held, or that the account has no
// Recording API, or the last failure (docs/call-index.md#recordings).
func printRecordings(ctx context.Context, w io.Writer, ix *callindex.Index, st callsync.Status) error {
	rs, err := ix.RecordingSync(ctx)
	if err != nil {
		return err
	}
	if rs.Unavailable != "" {
		fmt.Fprintf(w, "recordings: not available from this Vobiz account (%s)\n", rs.Unavailable)
		return nil
	}
	days, err := ix.RecordingDays(ctx, st.Oldest, st.Today.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	n, err := ix.CountRecordings(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "recordings: listed for %d of %d days, %d recordings in the index\n", len(days), len(st.Days), n)
	if rs.LastError != "" {
		fmt.Fprintf(w, "recordings: last error %s: %s\n", rs.LastErrorAt.UTC().Format(time.RFC3339), rs.LastError)
	}
	return nil
}
