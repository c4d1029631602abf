package vobiz

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The CSV export's layout is undocumented beyond "columns mirror the CDR
// object fields": column order, quoting and null rendering are not
// specified. So rows are read by header name, never by position; unknown
// columns are ignored, missing columns leave their field unset, and an
// empty cell is null. See docs/vobiz-api.md#csv-export.

func parseCell(v string) (float64, bool, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "null" {
		return 0, false, nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		// Like the JSON decoder: "NaN" and "Infinity" are not amounts.
		return 0, false, fmt.Errorf("%q is not a number", v)
	}
	return n, true, nil
}

// parseWholeCell is parseCell for integer columns: like the JSON decoder,
// it reads every int64 exactly (a float64 cannot hold those beyond 2^53)
// and refuses a fraction instead of silently truncating it.
func parseWholeCell(v string) (int64, bool, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		return n, true, nil
	}
	n, ok, err := parseCell(v)
	if err == nil && ok && (n != math.Trunc(n) || n >= 0x1p63 || n < -0x1p63) {
		return 0, false, fmt.Errorf("%q is not a whole number", strings.TrimSpace(v))
	}
	return int64(n), ok, err
}

// CSVDecoder turns CSV export rows into CDRs, matching columns by header
// name.
type CSVDecoder struct {
	header []string
	fields []*Field // parallel to header; nil for unknown columns
}

// NewCSVDecoder prepares a decoder for the given header row. It fails when
// the header holds none of the CDR fields, which means the body is not a
// CDR export at all (an HTML error page, say).
func NewCSVDecoder(header []string) (*CSVDecoder, error) {
	d := &CSVDecoder{header: header, fields: make([]*Field, len(header))}
	known := 0
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if f, ok := FieldByName(name); ok {
			d.fields[i] = &f
			known++
		}
	}
	if known == 0 {
		return nil, errors.New("vobiz: csv: the header row names no CDR field")
	}
	return d, nil
}

// Header returns the header row the decoder was made with.
func (d *CSVDecoder) Header() []string { return d.header }

// Decode fills c from one record. c is reset first.
func (d *CSVDecoder) Decode(record []string, c *CDR) error {
	*c = CDR{}
	for i, v := range record {
		if i >= len(d.fields) || d.fields[i] == nil {
			continue
		}
		if err := d.fields[i].Set(c, v); err != nil {
			return fmt.Errorf("vobiz: csv: column %s: %w", d.header[i], err)
		}
	}
	return nil
}

// ExportReader reads CDRs one at a time from an export body, in constant
// memory.
type ExportReader struct {
	r   *csv.Reader
	dec *CSVDecoder
	rec CDR
	raw []string
}

// NewExportReader reads the header row and returns a reader for the rest.
// An empty body (the docs allow "header-only (or empty)") is not an error:
// the first Next returns io.EOF.
func NewExportReader(r io.Reader) (*ExportReader, error) {
	// Drop a UTF-8 byte order mark (spreadsheet tools write one) before
	// the CSV parser sees it: in front of a quoted header cell it would
	// otherwise be a "bare quote" error.
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &ExportReader{r: cr}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("vobiz: csv header: %w", err)
	}
	dec, err := NewCSVDecoder(append([]string(nil), header...))
	if err != nil {
		return nil, err
	}
	return &ExportReader{r: cr, dec: dec}, nil
}

// Header returns the export's header row (nil for an empty body).
func (e *ExportReader) Header() []string {
	if e.dec == nil {
		return nil
	}
	return e.dec.Header()
}

// Next returns the next record, valid until the following call, or io.EOF.
func (e *ExportReader) Next() (*CDR, error) {
	if e.dec == nil {
		return nil, io.EOF
	}
	rec, err := e.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("vobiz: csv: %w", err)
	}
	e.raw = rec
	if err := e.dec.Decode(rec, &e.rec); err != nil {
		line, _ := e.r.FieldPos(0)
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	return &e.rec, nil
}

// Record returns the raw cells of the last row read by Next (valid until
// the following call), for transformers that copy columns through.
func (e *ExportReader) Record() []string { return e.raw }
