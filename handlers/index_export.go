package handlers

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strings"

	"github.com/cdrdash/cdrdash/callindex"
	"github.com/cdrdash/cdrdash/vobiz"
)

// exportFields are the CDR fields in the API export's column order
// (vobiz.FieldNames: "columns mirror the CDR object fields", written as
// the sandbox writes them, docs/vobiz-api.md#csv-export).
var exportFields = func() []vobiz.Field {
	out := make([]vobiz.Field, len(vobiz.FieldNames))
	for i, name := range vobiz.FieldNames {
		out[i], _ = vobiz.FieldByName(name)
	}
	return out
}()

// indexExport is the export of f read from the call index, as a body in
// the API export's layout: a header of vobiz.FieldNames, then one RFC 4180
// row per call (CRLF, null as an empty cell, times in vobiz.TimeLayout),
// newest first. exportCalls streams it exactly as it streams the API's,
// so the raw file and the report are the same code for either source.
//
// Nothing is written before the first row (or the end of an empty walk),
// so a query that fails at once is an error page, not a cut file; a
// failure after that reaches the reader as a read error, and the download
// is aborted as for a cut upstream. Closing the body stops the walk and
// waits for it.
func (h *Handler) indexExport(ctx context.Context, f callindex.Filter) io.ReadCloser {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		bw := bufio.NewWriterSize(pw, exportBufSize)
		cw := csv.NewWriter(bw)
		cw.UseCRLF = true
		rec := make([]string, len(exportFields))
		ends := make([]int, len(exportFields))
		var scratch []byte
		started := false
		header := func() error {
			started = true
			return cw.Write(vobiz.FieldNames)
		}
		err := h.Index.Each(ctx, f, func(c *callindex.Call) error {
			if !started {
				if err := header(); err != nil {
					return err
				}
			}
			// One buffer per row, sliced into the cells: AppendText
			// without a string per cell.
			scratch = scratch[:0]
			for i, fd := range exportFields {
				scratch = fd.AppendText(scratch, &c.CDR)
				ends[i] = len(scratch)
			}
			row := string(scratch)
			start := 0
			for i, end := range ends {
				rec[i] = row[start:end]
				start = end
			}
			return cw.Write(rec)
		})
		if err == nil && !started {
			err = header()
		}
		if err == nil {
			cw.Flush()
			err = cw.Error()
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.Close()
	}()
	return &pipeBody{PipeReader: pr, cancel: cancel, done: done}
}

// pipeBody is the reading end of indexExport.
type pipeBody struct {
	*io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *pipeBody) Close() error {
	p.cancel()
	err := p.PipeReader.Close()
	<-p.done
	return err
}

// exportNameFilter is the filter the download's file name is made from:
// the API's, with local from/to written as dates and times.
func (q *filterQuery) exportNameFilter() vobiz.Filter {
	f := q.filter
	if q.local.from.IsZero() && q.local.to.IsZero() {
		return f
	}
	name := func(name string) string { return strings.ReplaceAll(q.clean.Get(name), ":", "") }
	f.StartDate, f.EndDate = name(paramFrom), name(paramTo)
	return f
}
