package diagnosis

import (
	"errors"
	"strings"
	"testing"
)

func TestParseInputAccepts(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		format  string
		cause   string
		code    int64 // -1: no code
		billsec int64
		note    string // substring expected in the notes, if any
	}{
		{"JSON object", exampleAnswered, FormatJSON, "NORMAL_CLEARING", 4000, 42, ""},
		{"get-one envelope", `{"data": ` + exampleUnanswered + `, "success": true}`, FormatJSONEnvelope, "NO_ANSWER", 4100, 0, ""},
		{"list envelope", `{"account_id":"MA_X","count":2,"data":[` + exampleAnswered + `,` + exampleUnanswered + `],"success":true}`,
			FormatJSONList, "NORMAL_CLEARING", 4000, 42, "2 records"},
		{"bare array", `[{"hangup_cause":"USER_BUSY"}]`, FormatJSONList, "USER_BUSY", -1, 0, ""},
		{"BOM and spaces", "\ufeff  \n" + `{"hangup_cause":"NO_ANSWER"}`, FormatJSON, "NO_ANSWER", -1, 0, ""},
		{"CSV header and row", "hangup_cause,hangup_cause_code,billsec,hangup_source\r\nNORMAL_CLEARING,4000,252,Caller\r\n",
			FormatCSV, "NORMAL_CLEARING", 4000, 252, ""},
		{"CSV columns in any order, extra column", "billsec,foo,hangup_cause_code\n0,x,3010\n", FormatCSV, "", 3010, 0, "foo"},
		{"CSV with several rows", "hangup_cause;billsec\nUSER_BUSY;0\nNO_ANSWER;0\n", FormatCSV, "USER_BUSY", -1, 0, "2 data rows"},
		{"TSV from a spreadsheet", "hangup_cause\thangup_cause_code\nNO_ANSWER\t3000\n", FormatCSV, "NO_ANSWER", 3000, 0, ""},
		{"bare cause", "NO_ANSWER", FormatText, "NO_ANSWER", -1, 0, ""},
		{"bare cause, lower case", "  no_answer \n", FormatText, "NO_ANSWER", -1, 0, ""},
		{"bare code", "3010", FormatText, "", 3010, 0, ""},
		{"cause and code", "USER_BUSY 3010", FormatText, "USER_BUSY", 3010, 0, ""},
		{"code and cause, commas", "3010, USER_BUSY", FormatText, "USER_BUSY", 3010, 0, ""},
		{"key=value pairs", "hangup_cause=NORMAL_CLEARING hangup_cause_code=4000", FormatText, "NORMAL_CLEARING", 4000, 0, ""},
		{"short keys", "cause=no_answer code=4100", FormatText, "NO_ANSWER", 4100, 0, ""},
		{"key: value lines", "hangup_cause: NO_ANSWER\nhangup_source: API Request\nbillsec: 12", FormatText, "NO_ANSWER", -1, 12, ""},
		{"JSON fragment lines", "\"hangup_cause\": \"NO_ANSWER\",\n\"hangup_cause_code\": 4100,", FormatText, "NO_ANSWER", 4100, 0, ""},
		{"unknown cause kept", "COSMIC_RAY", FormatText, "COSMIC_RAY", -1, 0, ""},
		{"code name", "Busy Line", FormatText, "", 3010, 0, "code 3010"},
		{"SIP response", "486", FormatText, "", -1, 0, "SIP response"},
	}
	for _, tt := range tests {
		in, err := ParseInputDetail([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		c := in.CDR
		if c == nil {
			t.Errorf("%s: nil CDR", tt.name)
			continue
		}
		if in.Format != tt.format {
			t.Errorf("%s: format %s, want %s", tt.name, in.Format, tt.format)
		}
		if c.HangupCause.String != tt.cause {
			t.Errorf("%s: cause %q, want %q", tt.name, c.HangupCause.String, tt.cause)
		}
		if tt.code < 0 && c.HangupCauseCode.Valid || tt.code >= 0 && (!c.HangupCauseCode.Valid || c.HangupCauseCode.Int64 != tt.code) {
			t.Errorf("%s: code %+v, want %d", tt.name, c.HangupCauseCode, tt.code)
		}
		if int64(c.Billsec) != tt.billsec {
			t.Errorf("%s: billsec %d, want %d", tt.name, c.Billsec, tt.billsec)
		}
		notes := strings.Join(in.Notes, " ")
		if tt.note != "" && !strings.Contains(notes, tt.note) {
			t.Errorf("%s: notes %q lack %q", tt.name, notes, tt.note)
		}
		if tt.note == "" && len(in.Notes) > 0 {
			t.Errorf("%s: unexpected notes %q", tt.name, in.Notes)
		}
		// Every accepted input explains without trouble.
		checkComplete(t, tt.name, Explain(c))
	}
}

func TestParseInputExtraFields(t *testing.T) {
	c, err := ParseInput([]byte("NO_ANSWER, 4100, send_cancel, Callee, outbound"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HangupDisposition.String != "send_cancel" || c.HangupSource.String != "Callee" || c.CallDirection != "outbound" {
		t.Errorf("got %+v", c)
	}
	c, err = ParseInput([]byte("hangup_source=\"API Request\" billsec=12 mos=3.2"))
	if err != nil {
		t.Fatal(err)
	}
	if c.HangupSource.String != "API Request" || c.Billsec != 12 || c.MOS.Float64 != 3.2 {
		t.Errorf("got %+v", c)
	}
}

func TestParseInputErrors(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		line, col int
		want      []string // substrings of the message
	}{
		{"empty", "", 0, 0, []string{"empty"}},
		{"blank", "  \n\t ", 0, 0, []string{"empty"}},
		{"trailing comma", "{\n  \"hangup_cause\": \"NO_ANSWER\",\n  \"billsec\": 0,\n}", 4, 1, []string{"JSON syntax error", "'}'"}},
		{"bad value", "{\"hangup_cause\":\"NO_ANSWER\",\n\"billsec\":x}", 2, 11, []string{"JSON syntax error", "'x'"}},
		{"BOM does not shift columns", "\ufeff{\"hangup_cause\":\"NO_ANSWER\",\n\"billsec\":x}", 2, 11, []string{"'x'"}},
		{"truncated", `{"hangup_cause":"NO_ANSWER"`, 1, 28, []string{"ends too early"}},
		{"two documents", `{"hangup_cause":"A"} {"b":2}`, 1, 22, []string{"after the JSON"}},
		{"wrong type", "{\n  \"hangup_cause\": \"NO_ANSWER\",\n  \"billsec\": {\"x\":1}\n}", 3, 14, []string{`"billsec"`, "whole number"}},
		{"wrong type in a string", "{\n  \"hangup_cause\": \"NO_ANSWER\",\n  \"hangup_cause_code\": \"abc\"\n}", 3, 24, []string{`"hangup_cause_code"`, `"abc"`}},
		{"wrong type in an envelope", `{"data": {"hangup_cause":"NO_ANSWER","mos":true}}`, 1, 44, []string{`"mos"`, "number"}},
		{"not a CDR", `{"foo":1}`, 1, 1, []string{"none of the CDR fields"}},
		{"API error body", `{"status":"error","error":{"code":"INVALID_CREDENTIALS","message":"bad token"}}`, 1, 1, []string{"API error", "bad token"}},
		{"empty list", `{"data":[]}`, 1, 9, []string{"empty"}},
		{"data is a string", `{"data":"x","success":true}`, 1, 9, []string{`"data"`, "a string"}},
		{"JSON null", `null`, 1, 1, []string{"nothing to explain"}},
		{"CSV header only", "hangup_cause,hangup_cause_code\n", 2, 1, []string{"no data row"}},
		{"CSV bad cell", "hangup_cause,hangup_cause_code,billsec\nNO_ANSWER,abc,0\n", 2, 11, []string{`"hangup_cause_code"`, `"abc"`}},
		{"CSV bad quote", "hangup_cause,hangup_cause_code\n\"NO_ANSWER,4100\n", 3, 1, []string{"CSV error"}},
		{"CSV too many cells", "hangup_cause,billsec\nNO_ANSWER,0,9\n", 2, 13, []string{"3 cells", "header has 2"}},
		{"unknown word", "hello world", 1, 1, []string{"hello"}},
		{"second word unknown", "NO_ANSWER hello", 1, 11, []string{"hello"}},
		{"two causes", "NO_ANSWER USER_BUSY", 1, 11, []string{"twice"}},
		{"unknown key", "foo=bar", 1, 1, []string{`"foo"`, "not a CDR field"}},
		{"bad key value", "hangup_cause_code=abc", 1, 19, []string{"hangup_cause_code", `"abc"`}},
		{"impossible number", "800", 1, 1, []string{"not a hangup code"}},
		{"negative number", "NO_ANSWER -3", 1, 11, []string{"not a hangup code"}},
	}
	for _, tt := range tests {
		c, err := ParseInput([]byte(tt.in))
		if err == nil {
			t.Errorf("%s: no error (got %+v)", tt.name, c)
			continue
		}
		if c != nil {
			t.Errorf("%s: non-nil CDR with an error", tt.name)
		}
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error %T is not *InputError", tt.name, err)
			continue
		}
		if ie.Line != tt.line || ie.Column != tt.col {
			t.Errorf("%s: at %d:%d, want %d:%d (%s)", tt.name, ie.Line, ie.Column, tt.line, tt.col, ie.Message)
		}
		for _, w := range tt.want {
			if !strings.Contains(ie.Message, w) {
				t.Errorf("%s: message %q lacks %q", tt.name, ie.Message, w)
			}
		}
		if !strings.Contains(err.Error(), ie.Message) {
			t.Errorf("%s: Error() %q drops the message", tt.name, err.Error())
		}
	}
}

func TestParseInputOffsets(t *testing.T) {
	in := "{\n  \"hangup_cause\": \"NO_ANSWER\",\n  \"billsec\": 0,\n}"
	_, err := ParseInput([]byte(in))
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatal(err)
	}
	if ie.Offset < 0 || ie.Offset >= int64(len(in)) || in[ie.Offset] != '}' {
		t.Errorf("offset %d does not point at the '}'", ie.Offset)
	}
	// Columns count characters, not bytes.
	_, err = ParseInput([]byte(`{"caller_id_name":"Zoë Ünal", "billsec": x}`))
	if !errors.As(err, &ie) || ie.Column != 42 {
		t.Errorf("column with multi-byte text: %+v", ie)
	}
}

func TestParseInputSize(t *testing.T) {
	big := make([]byte, MaxInputBytes+1)
	for i := range big {
		big[i] = ' '
	}
	_, err := ParseInput(big)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Message, "64 KiB") {
		t.Fatalf("oversize: %v", err)
	}
	// Exactly the limit is still read.
	ok := []byte("NO_ANSWER")
	ok = append(ok, make([]byte, MaxInputBytes-len(ok))...)
	for i := len("NO_ANSWER"); i < len(ok); i++ {
		ok[i] = ' '
	}
	if _, err := ParseInput(ok); err != nil {
		t.Errorf("input at the limit refused: %v", err)
	}
}
