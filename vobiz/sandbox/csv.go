package sandbox

import (
	"bufio"
	"encoding/csv"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Export format (the docs leave all of it open; see docs/vobiz-api.md#csv-export):
// a header row of the field names in vobiz.Fields order, one row per
// call newest first, RFC 4180 quoting with CRLF line ends (encoding/csv),
// null as an empty cell, no row cap. Rows are streamed: the writer flushes
// to the client every flushRows rows, so a client can read and process the
// first rows long before the last one is produced, and memory stays flat no
// matter how many rows match.

// flushRows is how often the export flushes to the client.
const flushRows = 256

// exportWriteSize is the size of the export's writes: about four TLS
// records, as a production server would send.
const exportWriteSize = 64 << 10

// rowEncoder turns records into CSV rows. All cells of a row are appended
// to one scratch buffer and converted to a single string, which the cells
// then slice: one allocation per row instead of one per number or time.
type rowEncoder struct {
	scratch []byte
	ends    []int
	rec     []string
}

func newRowEncoder() *rowEncoder {
	n := len(recordFields)
	return &rowEncoder{scratch: make([]byte, 0, 1024), ends: make([]int, n), rec: make([]string, n)}
}

// record returns the cells of c in vobiz.FieldNames order, null as an
// empty cell. The slice is reused by the next call.
func (e *rowEncoder) record(c *vobiz.CDR) []string {
	b := e.scratch[:0]
	for k, f := range recordFields {
		if t, ok := f.Ptr(c).(*vobiz.Time); ok {
			// Six times a row: appendUnix is much faster than time.Format.
			if !t.IsZero() {
				b = appendUnix(b, t.Unix())
			}
		} else {
			b = f.AppendText(b, c)
		}
		e.ends[k] = len(b)
	}
	e.scratch = b
	all := string(b)
	start := 0
	for k := range e.rec {
		e.rec[k] = all[start:e.ends[k]]
		start = e.ends[k]
	}
	return e.rec
}

// writeExport streams the export of q to bw. It returns the number of data
// rows written and the first write error (a client that went away, or an
// injected abort).
func (s *Server) writeExport(bw *bodyWriter, q *query, dropAfter int) (int, error) {
	v := q.v
	// Rows leave in pieces of exportWriteSize rather than encoding/csv's
	// 4 KB, so the client reads an export of hundreds of megabytes in a few
	// thousand system calls, not a hundred thousand. csv.NewWriter uses a
	// *bufio.Writer this large as it is, so cw.Flush flushes it.
	cw := csv.NewWriter(bufio.NewWriterSize(bw, exportWriteSize))
	cw.UseCRLF = true
	if err := cw.Write(vobiz.FieldNames); err != nil {
		return 0, err
	}
	enc := newRowEncoder()
	var r vobiz.CDR
	rows := 0
	flush := func() error {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		bw.flush()
		if s.exportHook != nil {
			s.exportHook(rows)
		}
		return nil
	}
	emit := func(i int) error {
		s.resolve(v, &r, i)
		if err := cw.Write(enc.record(&r)); err != nil {
			return err
		}
		rows++
		if dropAfter > 0 && rows == dropAfter {
			if err := flush(); err != nil {
				return err
			}
			bw.abort()
			return errAborted
		}
		if rows%flushRows == 0 {
			return flush()
		}
		return nil
	}
	for i := q.lo; i < q.hi && !q.empty; i++ {
		j := v.idx(i)
		c, ok := v.get(j)
		if !ok || !q.matches(s, j, c) {
			continue
		}
		if err := emit(j); err != nil {
			return rows, err
		}
	}
	cw.Flush()
	return rows, cw.Error()
}
