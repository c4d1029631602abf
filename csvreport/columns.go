package csvreport

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Kind says where a report column's cells come from.
type Kind int

const (
	// KindField is an API field copied from the export exactly as Vobiz
	// sent it (numbers keep the API's own formatting, null stays empty).
	KindField Kind = iota
	// KindTime is an API time field, re-rendered in the report's zone with
	// its offset ("2026-11-26 14:05:09 +05:30").
	KindTime
	// KindDerived is computed by cdrdash from the whole record (outcome,
	// diagnosis, quality).
	KindDerived
)

// Column is one column a report can have. Name is both the key used in
// column lists (URLs, the saved choice) and the report's header cell; for
// API fields it is the API's own name, so a report header reads like the
// raw export's.
type Column struct {
	Name  string
	Label string // for people: form labels, help text
	Kind  Kind
}

// Derived column names.
const (
	ColOutcome   = "outcome"
	ColDiagnosis = "diagnosis"
	ColQuality   = "quality"
)

// columns lists every report column in the order a column picker shows
// them: every CDR field in the order vobiz.CDR declares them (when and who
// first, then how the call ended, audio, money, and the identifiers and
// routing detail last), with the derived columns after the fields they
// explain. A new CDR field becomes a report column without an edit here.
//
// Time columns: all API times (start, progress, answer, end, created,
// updated) are rendered in the user's zone with the offset written into
// every cell, under their API names. There are no separate *_local
// columns: a report is for people, and the complaint this answers is
// "times in another zone than the screen". Anyone who needs the API's own
// UTC text takes the raw export, which is never touched.
var columns = func() []Column {
	derivedAfter := map[string][]Column{
		"ring_time":      {{ColOutcome, "Outcome", KindDerived}},
		"failure_reason": {{ColDiagnosis, "Diagnosis (one line)", KindDerived}, {ColQuality, "Quality verdict", KindDerived}},
	}
	var out []Column
	for _, f := range vobiz.Fields {
		kind := KindField
		if f.IsTime() {
			kind = KindTime
		}
		out = append(out, Column{f.Name, f.Label, kind})
		out = append(out, derivedAfter[f.Name]...)
	}
	return out
}()

var columnIndex = func() map[string]int {
	m := make(map[string]int, len(columns))
	for i, c := range columns {
		m[c.Name] = i
	}
	return m
}()

// defaultColumns is the set a report has until the user picks their own:
// what billing reconciliation and support triage ask of a call.
var defaultColumns = []string{
	"start_time", "call_direction", "caller_id_name", "caller_id_number", "destination_number",
	"duration", "billsec", ColOutcome, "hangup_cause", ColDiagnosis, ColQuality, "mos",
	"total_cost", "currency", "uuid",
}

// Columns returns every available column in display order. The slice is a
// copy.
func Columns() []Column { return slices.Clone(columns) }

// Lookup returns the column with the given name.
func Lookup(name string) (Column, bool) {
	i, ok := columnIndex[name]
	if !ok {
		return Column{}, false
	}
	return columns[i], true
}

// DefaultColumns returns the default column set (a copy).
func DefaultColumns() []string { return slices.Clone(defaultColumns) }

// MaxColumnListLen bounds the text of a column list; every valid list is
// far shorter (all 46 names, comma-separated, are under 600 bytes).
const MaxColumnListLen = 2048

// ErrNoColumns is returned for a list that names no column.
var ErrNoColumns = errors.New("csvreport: choose at least one column")

// UnknownColumnError names a column that does not exist.
type UnknownColumnError struct{ Name string }

func (e *UnknownColumnError) Error() string {
	return fmt.Sprintf("csvreport: there is no column %q", e.Name)
}

// ParseColumns reads a column list: one or more values, each a
// comma-separated list of names (so both columns=a,b and the repeated
// columns=a&columns=b a checkbox form sends are accepted). Names are
// trimmed and matched case-insensitively; empty items are skipped; a name
// given twice keeps its first position. An unknown name is an
// *UnknownColumnError, a list with no names ErrNoColumns.
func ParseColumns(values ...string) ([]string, error) {
	total := 0
	for _, v := range values {
		total += len(v) + 1
	}
	if total > MaxColumnListLen {
		return nil, fmt.Errorf("csvreport: the column list is longer than %d bytes", MaxColumnListLen)
	}
	var out []string
	seen := make(map[string]bool)
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			name := strings.ToLower(strings.TrimSpace(item))
			if name == "" {
				continue
			}
			if _, ok := columnIndex[name]; !ok {
				return nil, &UnknownColumnError{Name: shorten(strings.TrimSpace(item), 40)}
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	if len(out) == 0 {
		return nil, ErrNoColumns
	}
	return out, nil
}

// FormatColumns is the canonical text of a column list (comma-separated),
// as URLs carry it and the user's saved choice stores it.
func FormatColumns(cols []string) string { return strings.Join(cols, ",") }

// shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
