package sandbox

import (
	"bufio"
	"encoding/csv"
	"strconv"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Export format (the docs leave all of it open; see docs/vobiz-api.md#csv-export):
// a header row of the 43 field names in vobiz.FieldNames order, one row per
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

// rowEncoder turns rows into CSV records. All cells of a row are appended
// to one scratch buffer and converted to a single string, which the cells
// then slice: one allocation per row instead of one per number or time.
type rowEncoder struct {
	scratch []byte
	ends    [43]int
	rec     []string
}

func newRowEncoder() *rowEncoder {
	return &rowEncoder{scratch: make([]byte, 0, 1024), rec: make([]string, len(vobiz.FieldNames))}
}

// record returns the cells of r in vobiz.FieldNames order. The slice is
// reused by the next call.
func (e *rowEncoder) record(r *row) []string {
	b := e.scratch[:0]
	n := 0
	end := func() { e.ends[n] = len(b); n++ }
	nt := func(sec int64) {
		if sec != 0 {
			b = appendUnix(b, sec)
		}
		end()
	}
	str := func(v string) { b = append(b, v...); end() }
	num := func(v int64) { b = strconv.AppendInt(b, v, 10); end() }
	fixed := func(v int64, scale float64) { b = appendFixed(b, v, scale); end() }

	str(r.accountID) // account_id
	nt(r.answer)     // answer_time
	num(int64(r.billsec))
	if r.hasBridge { // bridge_uuid
		b = append(b, r.bridgeUUID[:]...)
	}
	end()
	str(r.direction)    // call_direction
	str(r.callerName)   // caller_id_name
	str(r.callerNumber) // caller_id_number
	str(r.campaign)     // campaign_id
	str(r.carrierIP)    // carrier_ip
	str(r.codec)        // codec
	str(r.context)      // context
	fixed(r.cost, 1e4)  // cost
	nt(r.created)       // created_at
	str(currency)       // currency
	str(r.endpoint)     // customer_endpoint
	str(r.destNumber)   // destination_number
	num(int64(r.duration))
	nt(r.end)              // end_time
	str(r.out.failCode)    // failure_code
	str(r.out.failReason)  // failure_reason
	str(r.out.cause)       // hangup_cause
	num(int64(r.out.code)) // hangup_cause_code
	str(r.out.name)        // hangup_cause_name
	str(r.out.disposition) // hangup_disposition
	str(r.out.source)      // hangup_source
	num(r.id)              // id
	fixed(int64(r.jitter), 100)
	fixed(int64(r.mos), 100)
	b = appendIPv4(b, r.networkAddr) // network_addr
	end()
	str(r.origRegion) // origination_region
	fixed(int64(r.loss), 100)
	nt(r.progress) // progress_time
	str(r.region)  // region
	num(int64(r.ring))
	b = append(b, r.sipCallID[:]...) // sip_call_id
	end()
	str(userAgent)              // sip_user_agent
	nt(r.start)                 // start_time
	fixed(r.stream, 1e4)        // streaming_cost
	str(r.terminatedTo)         // terminated_to
	fixed(r.total, 1e4)         // total_cost
	str(r.trunk)                // trunk_id
	nt(r.updated)               // updated_at
	b = append(b, r.uuid[:]...) // uuid
	end()

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
	var r row
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
		s.resolve(&r, i)
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
	lo, hi := q.lo, q.hi
	if q.only >= 0 {
		lo, hi = max(lo, q.only), min(hi, q.only+1)
	}
	for i := lo; i < hi && !q.empty; i++ {
		if !q.matches(s, i, &s.calls[i]) {
			continue
		}
		if err := emit(i); err != nil {
			return rows, err
		}
	}
	cw.Flush()
	return rows, cw.Error()
}
