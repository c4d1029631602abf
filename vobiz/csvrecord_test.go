package vobiz

import (
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// csvOf renders the given records (JSON-decoded CDR maps) as CSV with the
// given column order, null as an empty cell, as the sandbox does.
func csvOf(t *testing.T, cols []string, rows []map[string]string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.Write(cols); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = r[c]
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return b.String()
}

func answeredRow() map[string]string {
	return map[string]string{
		"id": "18000000", "uuid": "aabbccdd-1234-5678-90ab-cdef12345678", "account_id": "MA_XXXXXXXX",
		"call_direction": "outbound", "caller_id_name": "Doe, John \"JD\"", "caller_id_number": "+919876543210",
		"destination_number": "+918012345678", "duration": "47", "billsec": "42", "ring_time": "5",
		"start_time": "2026-03-25T10:00:00Z", "progress_time": "2026-03-25T10:00:00Z",
		"answer_time": "2026-03-25T10:00:01Z", "end_time": "2026-03-25T10:00:42Z",
		"cost": "0.45", "streaming_cost": "0", "total_cost": "0.45", "currency": "INR",
		"hangup_cause": "NORMAL_CLEARING", "hangup_cause_code": "4000", "hangup_cause_name": "Normal Hangup",
		"hangup_disposition": "send_bye", "hangup_source": "Caller", "failure_code": "", "failure_reason": "",
		"codec": "PCMU", "mos": "4.5", "jitter": "0.2", "packet_loss": "0.1",
		"sip_call_id": "11223344-5566-7788-99aa-bbccddeeff00", "sip_user_agent": "Vobiz",
		"bridge_uuid": "aabbccdd-1234-5678-90ab-cdef12345678", "network_addr": "10.0.0.1", "carrier_ip": "10.0.0.1",
		"context": "voice-api", "region": "ap-south-1", "origination_region": "mumbai",
		"campaign_id": "", "customer_endpoint": "", "trunk_id": "", "terminated_to": "",
		"created_at": "2026-03-25T10:00:42Z", "updated_at": "2026-03-25T10:00:42Z",
	}
}

func TestExportReaderByHeaderName(t *testing.T) {
	cols := append([]string(nil), FieldNames...)
	cols = append(cols, "recording_url", "future_column") // unknown columns
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })

	row := answeredRow()
	row["recording_url"] = "https://example.invalid/r.mp3"
	row["future_column"] = "x"
	body := csvOf(t, cols, []map[string]string{row, row})

	er, err := NewExportReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := er.Header(); len(got) != len(cols) || got[0] != cols[0] {
		t.Errorf("Header = %v", got)
	}
	want := wantAnswered()
	want.CallerIDName = "Doe, John \"JD\"" // quoting survives
	n := 0
	for {
		c, err := er.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		assertCDR(t, *c, want)
		if len(er.Record()) != len(cols) {
			t.Errorf("Record has %d cells", len(er.Record()))
		}
	}
	if n != 2 {
		t.Errorf("read %d rows, want 2", n)
	}
}

func TestExportReaderEdgeCases(t *testing.T) {
	t.Run("empty body", func(t *testing.T) {
		er, err := NewExportReader(strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		if er.Header() != nil {
			t.Error("header of empty body")
		}
		if _, err := er.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("Next = %v, want EOF", err)
		}
	})
	t.Run("header only", func(t *testing.T) {
		er, err := NewExportReader(strings.NewReader(strings.Join(FieldNames, ",") + "\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := er.Next(); !errors.Is(err, io.EOF) {
			t.Errorf("Next = %v, want EOF", err)
		}
	})
	t.Run("BOM in header", func(t *testing.T) {
		for _, header := range []string{"\ufeffuuid,duration", "\ufeff\"uuid\",\"duration\""} {
			er, err := NewExportReader(strings.NewReader(header + "\nu-1,47\n"))
			if err != nil {
				t.Fatalf("%q: %v", header, err)
			}
			c, err := er.Next()
			if err != nil || c.UUID != "u-1" || c.Duration != 47 {
				t.Errorf("%q: got %+v, %v", header, c, err)
			}
		}
	})
	t.Run("not a CDR export", func(t *testing.T) {
		if _, err := NewExportReader(strings.NewReader("<html><body>502 Bad Gateway</body></html>\n")); err == nil {
			t.Error("HTML body accepted as CSV")
		}
	})
	t.Run("bad number cell names its line and column", func(t *testing.T) {
		body := "uuid,duration,mos\nu-1,47,4.1\nu-2,forty,4.2\n"
		er, err := NewExportReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := er.Next(); err != nil {
			t.Fatal(err)
		}
		_, err = er.Next()
		if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "duration") {
			t.Errorf("err = %v, want line 3 and column duration", err)
		}
	})
	t.Run("fraction in an integer column", func(t *testing.T) {
		er, _ := NewExportReader(strings.NewReader("uuid,billsec\nu,4.5\n"))
		if _, err := er.Next(); err == nil {
			t.Error("4.5 accepted as billsec")
		}
	})
	t.Run("nulls and short rows", func(t *testing.T) {
		er, _ := NewExportReader(strings.NewReader("uuid,answer_time,mos,hangup_cause_code,failure_code\nu,,,null\n"))
		c, err := er.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !c.AnswerTime.IsZero() || c.MOS.Valid || c.HangupCauseCode.Valid || c.FailureCode.Valid {
			t.Errorf("nulls decoded as %+v", c)
		}
	})
	t.Run("time forms", func(t *testing.T) {
		er, _ := NewExportReader(strings.NewReader("uuid,start_time\nu,2026-05-07 09:45:35.79276+05:30\n"))
		c, err := er.Next()
		if err != nil || !c.StartTime.Equal(time.Date(2026, 5, 7, 4, 15, 35, 792760000, time.UTC)) {
			t.Errorf("start_time = %v, %v", c.StartTime, err)
		}
	})
	t.Run("malformed csv", func(t *testing.T) {
		er, _ := NewExportReader(strings.NewReader("uuid,duration\n\"u,47\n"))
		if _, err := er.Next(); err == nil || errors.Is(err, io.EOF) {
			t.Errorf("Next = %v, want a CSV error", err)
		}
	})
}
