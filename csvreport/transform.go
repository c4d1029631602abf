// Package csvreport turns a Vobiz CDR CSV export into cdrdash's "report"
// CSV: the columns a person chose, in their order, with every time in the
// person's own zone (offset included), plus the outcome, the one-line
// hangup diagnosis and the quality verdict the dashboard shows.
//
// It works on streams: Transform reads one export row, writes one report
// row, and holds nothing else, so memory is constant whatever the number of
// rows. It knows nothing about HTTP; the handler feeds it the upstream body
// and the response.
//
// Spreadsheet safety. A report is made to be opened in a spreadsheet, so
// every cell that a spreadsheet would run as a formula (one beginning with
// =, +, -, @, tab or carriage return; OWASP "CSV Injection") is written
// with a leading apostrophe, which spreadsheets treat as "this is text".
// The one exemption is a cell that is "+" followed only by digits: an
// E.164 phone number such as "+919876543210". It is written exactly as
// Vobiz sent it because it cannot run anything — with no letters,
// brackets or operators after the sign, a spreadsheet can only read it as
// the number 919876543210, never as a function call or a cell reference —
// and because every other way of marking it as text changes it: "'+91…"
// is read back with the apostrophe by CSV parsers, grep and CRM imports
// (and LibreOffice and Google Sheets show it), a leading tab is itself a
// formula trigger, and ="+91…" is a formula. Kept as sent, the number is
// exact for machines and readable as text wherever a column can be
// imported as Text (Excel's Data › From Text/CSV, LibreOffice's import
// dialog, Google Sheets with "convert text to numbers" off); only Excel's
// double-click open with default column types shows it as the number
// 919876543210, which keeps all digits (E.164 numbers have at most 15,
// Excel's precision) and executes nothing. Every other cell starting with
// a trigger character is neutralised, negative numbers included ("-5"
// becomes "'-5"): the API documents no negative values, and the rule "no
// cell begins with =, -, @, tab or CR, nor with + unless only digits
// follow" is simple enough to check on every file. The raw export is never
// touched by any of this; it is Vobiz's bytes.
//
// Every other character of a field is kept as recorded: markup, control
// characters, zero-width and bidi characters (a right-to-left override can
// make a cell read backwards in a spreadsheet, but it cannot run anything
// or leak into the next cell). The report is a copy of the record, not a
// cleaned-up version of it; the one change is that a lone carriage return
// inside a value is dropped by encoding/csv, which writes CRLF line ends
// (after the apostrophe has gone in, so "\r=1+2" comes out as "'=1+2").
package csvreport

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/vobiz"
)

// TimeLayout is how report times are written: local wall time and the
// offset from UTC, e.g. "2026-11-26 14:05:09 +05:30". The offset is in
// every cell, so a row stays unambiguous around DST changes and when the
// file travels to someone in another zone.
const TimeLayout = "2006-01-02 15:04:05 -07:00"

// BOM is the UTF-8 byte order mark written first when Options.BOM is set.
// Excel needs it to read a CSV file as UTF-8 (names in Devanagari, say).
const BOM = "\ufeff"

// Options configure Transform.
type Options struct {
	// Columns are the report's columns in order (names from Columns;
	// ParseColumns validates a user's list). Empty means DefaultColumns.
	Columns []string
	// Location is the zone times are written in; nil means UTC.
	Location *time.Location
	// BOM writes a UTF-8 byte order mark before the header row.
	BOM bool
	// MaxRows stops the report after this many data rows with ErrRowLimit
	// when more follow. 0 means no limit.
	MaxRows int
	// Thresholds decide the quality verdict; the zero value means
	// diagnosis.DefaultThresholds().
	Thresholds diagnosis.Thresholds
}

// Stats describe what Transform wrote.
type Stats struct {
	// Rows is the number of data rows encoded (the header is not counted).
	Rows int64
	// Bytes is the number of bytes dst accepted, BOM and header included.
	Bytes int64
}

// ErrRowLimit is returned when the export has more rows than
// Options.MaxRows; the report then holds exactly MaxRows rows.
var ErrRowLimit = errors.New("csvreport: row limit reached")

// bufferSize is the write buffer between the CSV encoder and dst. Large
// writes keep the per-write cost of an HTTP response low.
const bufferSize = 32 << 10

// ctxCheckRows is how often (in rows) Transform checks ctx between reads.
// Reads from an HTTP body already fail as soon as ctx is cancelled; this
// covers sources that ignore ctx.
const ctxCheckRows = 1024

// Transform reads a CDR CSV export from src (columns matched by header
// name, see vobiz.NewExportReader) and writes the report to dst: an
// optional BOM, a header row of column names, then one row per record.
// It uses constant memory.
//
// Nothing is written until the export's header row has been read, so a
// src that fails at once (or is not a CDR export at all) leaves dst
// untouched. Any later failure — a read error, a record that does not
// decode, a cancelled ctx, a write error — stops the report and is
// returned; the rows before it have been written. A record that does not
// decode is an error rather than a skipped or blank row: a billing report
// with a silently missing or half-empty row is worse than a failed one.
func Transform(ctx context.Context, dst io.Writer, src io.Reader, opts Options) (Stats, error) {
	var st Stats
	cols := opts.Columns
	if len(cols) == 0 {
		cols = defaultColumns
	}
	for _, name := range cols {
		if _, ok := columnIndex[name]; !ok {
			return st, &UnknownColumnError{Name: shorten(name, 40)}
		}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	th := opts.Thresholds
	if th == (diagnosis.Thresholds{}) {
		th = diagnosis.DefaultThresholds()
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}

	er, err := vobiz.NewExportReader(src)
	if err != nil {
		return st, fmt.Errorf("csvreport: read export header: %w", err)
	}
	plan := makePlan(cols, er.Header())

	cw := &countWriter{w: dst}
	// csv.NewWriter reuses bw (it is a large enough *bufio.Writer), so
	// writeEmptyRow can write to bw directly without reordering output.
	bw := bufio.NewWriterSize(cw, bufferSize)
	enc := csv.NewWriter(bw)
	enc.UseCRLF = true // RFC 4180, like the export itself
	fail := func(err error) (Stats, error) {
		_ = bw.Flush()
		st.Bytes = cw.n
		return st, err
	}

	if opts.BOM {
		_, _ = bw.WriteString(BOM)
	}
	if err := enc.Write(cols); err != nil {
		return fail(err)
	}

	r := renderer{loc: loc, th: th, out: make([]string, len(plan))}
	for {
		if st.Rows%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
		}
		c, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return fail(fmt.Errorf("csvreport: %w (%w)", cerr, err))
			}
			return fail(fmt.Errorf("csvreport: after %d rows: %w", st.Rows, err))
		}
		if opts.MaxRows > 0 && st.Rows >= int64(opts.MaxRows) {
			return fail(ErrRowLimit)
		}
		rec := r.row(plan, c, er.Record())
		if len(rec) == 1 && rec[0] == "" {
			err = writeEmptyRow(enc, bw)
		} else {
			err = enc.Write(rec)
		}
		if err != nil {
			return fail(err)
		}
		st.Rows++
	}
	enc.Flush()
	if err := enc.Error(); err != nil {
		return fail(err)
	}
	st.Bytes = cw.n
	return st, nil
}

// writeEmptyRow writes a one-column row whose cell is empty. encoding/csv
// would write a blank line, which CSV readers (Go's included) skip as no
// record at all, silently losing the row; a quoted empty field keeps it.
func writeEmptyRow(enc *csv.Writer, bw *bufio.Writer) error {
	if err := enc.Error(); err != nil {
		return err
	}
	_, err := bw.WriteString("\"\"\r\n")
	return err
}

// step is how one report column is filled.
type step struct {
	kind  Kind
	name  string
	field int         // KindField: index of the column in the export, -1 if absent
	time  vobiz.Field // KindTime: the CDR field
}

// makePlan maps the report columns to the export's header. Header names
// are matched like vobiz.CSVDecoder does (trimmed, case-insensitive, BOM
// stripped); a column the export lacks comes out empty.
func makePlan(cols, header []string) []step {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		name := normalizeHeader(h)
		if _, dup := pos[name]; !dup {
			pos[name] = i
		}
	}
	plan := make([]step, len(cols))
	for i, name := range cols {
		col := columns[columnIndex[name]]
		s := step{kind: col.Kind, name: name, field: -1}
		if p, ok := pos[name]; ok {
			s.field = p
		}
		if col.Kind == KindTime {
			s.time, _ = vobiz.FieldByName(name)
		}
		plan[i] = s
	}
	return plan
}

// renderer turns one record into report cells, reusing its buffers.
type renderer struct {
	loc     *time.Location
	th      diagnosis.Thresholds
	out     []string
	scratch []byte
}

func (r *renderer) row(plan []step, c *vobiz.CDR, raw []string) []string {
	for i, s := range plan {
		var v string
		switch s.kind {
		case KindField:
			if s.field >= 0 && s.field < len(raw) {
				v = raw[s.field]
			}
		case KindTime:
			if t := s.time.Ptr(c).(*vobiz.Time); !t.IsZero() {
				r.scratch = t.In(r.loc).AppendFormat(r.scratch[:0], TimeLayout)
				v = string(r.scratch)
			}
		case KindDerived:
			v = r.derived(c, s.name)
		}
		r.out[i] = Neutralize(v)
	}
	return r.out
}

func (r *renderer) derived(c *vobiz.CDR, name string) string {
	switch name {
	case ColOutcome:
		return diagnosis.OutcomeOf(c).Label()
	case ColDiagnosis:
		return diagnosis.OneLine(c)
	case ColQuality:
		return diagnosis.OverallBand(c, r.th).Label() // = Quality(c, th).Overall, without its text
	}
	return ""
}

// Neutralize makes a cell safe to open in a spreadsheet: a cell that would
// be read as a formula (first character =, +, -, @, tab or carriage
// return) gets a leading apostrophe, unless it is "+" and digits only, an
// E.164 number such as "+919876543210" (see the package comment).
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isE164Like(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isE164Like reports whether s is "+" followed by one or more digits.
func isE164Like(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// normalizeHeader matches vobiz.CSVDecoder's reading of header cells.
func normalizeHeader(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, BOM)))
}

// countWriter counts the bytes its writer accepts.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
