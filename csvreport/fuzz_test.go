package csvreport_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/csvreport"
	"github.com/cdrdash/cdrdash/vobiz"
)

// FuzzTransform: no input panics, and whatever Transform writes — after a
// success or a failure — parses back with encoding/csv into rows exactly as
// wide as the header, with no cell a spreadsheet would run as a formula.
func FuzzTransform(f *testing.F) {
	_, export := fixture()
	header := strings.Join(vobiz.FieldNames, ",")
	for _, s := range []string{
		"", "\n", "\r\n", ",", `"`, `""`, "\ufeff", "uuid", "uuid\n", "uuid\r\nu1\r\n",
		"uuid,caller_id_name\nu1,=1+2\n", "uuid,caller_id_name\nu1,\"\t=x\"\n", "uuid,caller_id_number\nu,+919876543210\n",
		"uuid,billsec\nu,x\n", "uuid,start_time\nu,not a time\n", "start_time\n2026-11-26T10:00:00Z\n",
		"uuid,mos,billsec,answer_time\nu,NaN,5,2026-11-26 10:00:00\n", "codec\n\n\n", "codec\n\"\"\n",
		"uuid,codec\nu1\nu2,PCMU,extra\n", "uuid,\"a\"b\"\nu\n", "UUID,Uuid\nx,y\n", `\.` + "\n" + `\.` + "\n",
		"caller_id_name\n\"a\r\nb\"\n", "hangup_cause,hangup_cause_code,billsec\nUSER_BUSY,3010,0\n",
		header + "\n", string(export[:min(len(export), 4096)]), "\x00\xff\xfe,uuid\n\xff,\x00\n",
	} {
		f.Add([]byte(s), uint64(0), false)
		f.Add([]byte(s), uint64(1<<40|1<<20|1<<11|7), true)
	}
	all := csvreport.Columns()
	f.Fuzz(func(t *testing.T, in []byte, mask uint64, bom bool) {
		var cols []string
		for i, c := range all {
			if mask&(1<<(uint(i)%64)) != 0 {
				cols = append(cols, c.Name)
			}
		}
		want := cols
		if len(want) == 0 {
			want = csvreport.DefaultColumns()
		}
		var out bytes.Buffer
		st, _ := csvreport.Transform(context.Background(), &out, bytes.NewReader(in),
			csvreport.Options{Columns: cols, BOM: bom, Location: fuzzZone})
		if st.Bytes != int64(out.Len()) {
			t.Fatalf("Stats.Bytes %d, wrote %d", st.Bytes, out.Len())
		}
		body := out.Bytes()
		if bom && len(body) > 0 {
			if !bytes.HasPrefix(body, []byte(csvreport.BOM)) {
				t.Fatalf("no BOM: %q", body)
			}
			body = body[len(csvreport.BOM):]
		}
		if len(body) == 0 {
			return // failed before the header: nothing written
		}
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, body)
		}
		if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(want, ",") {
			t.Fatalf("header %q, want %q", recs, want)
		}
		if int64(len(recs)-1) != st.Rows {
			t.Fatalf("parsed %d rows, stats say %d\n%q", len(recs)-1, st.Rows, body)
		}
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) && csvreport.Neutralize(cell) != cell {
					t.Fatalf("dangerous cell %q", cell)
				}
			}
		}
	})
}
