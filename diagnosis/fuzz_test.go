package diagnosis

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// FuzzParseInput: no input may panic; a success always carries a record
// that the rest of the package can explain; a failure is an *InputError
// with a position inside the input.
func FuzzParseInput(f *testing.F) {
	for _, s := range []string{
		"", " ", "\ufeff", "NO_ANSWER", "3010", "USER_BUSY 3010", "486", "16", "0", "-1", "99999999999999999999",
		"hangup_cause=NORMAL_CLEARING hangup_cause_code=4000", "cause=", "=", ":", "a:b:c", "\"", `""`, "''",
		"hangup_cause: NO_ANSWER\nhangup_source: API Request", "Busy Line",
		exampleAnswered, exampleUnanswered,
		`{"data": ` + exampleAnswered + `}`, `{"data":[` + exampleUnanswered + `]}`, `{"data":[]}`, `{"data":null}`,
		`[]`, `[1]`, `[{}]`, `{}`, `{"billsec":{}}`, `{"mos":"NaN"}`, `{"hangup_cause_code":1e400}`,
		`{"hangup_cause_code":9223372036854775807}`, `{"billsec":-9223372036854775808}`, `{"a":`, `{"a":1}}`,
		"hangup_cause,billsec\nNO_ANSWER,0", "hangup_cause\n", "billsec,hangup_cause\n\"x", "a,b\n1,2",
		"hangup_cause\tbillsec\nX\t1\t2", "\x00\xff\xfe", "NO_ANSWER\r\n\r\n4100",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseInputDetail(in)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not *InputError: %v", err, err)
			}
			if ie.Message == "" || ie.Offset > int64(len(in)) || ie.Line < 0 || ie.Column < 0 {
				t.Fatalf("bad error %+v for %q", ie, in)
			}
			return
		}
		if d.CDR == nil || d.Format == "" {
			t.Fatalf("success without a record: %+v", d)
		}
		c, err := ParseInput(in)
		if err != nil || c == nil {
			t.Fatalf("ParseInput disagrees with ParseInputDetail: %v", err)
		}
		dg := Explain(c)
		if dg.Headline == "" || len(dg.NextSteps) == 0 {
			t.Fatalf("empty diagnosis for %q", in)
		}
		_ = Verdict(c, DefaultThresholds())
		_ = OneLine(c)
	})
}

// FuzzExplain decodes arbitrary JSON into a CDR and explains it: nothing
// may panic, and the text parts are never empty.
func FuzzExplain(f *testing.F) {
	for _, s := range []string{
		exampleAnswered, exampleUnanswered, `{}`, `{"billsec":5}`, `{"billsec":-5,"ring_time":-1}`,
		`{"hangup_cause":"MEDIA_TIMEOUT","billsec":1200,"mos":1.2,"jitter":400,"packet_loss":99}`,
		`{"hangup_cause":"X\u0000Y","hangup_cause_code":-4000,"hangup_source":"\u2028"}`,
		`{"hangup_cause_code":"7011","hangup_source":"Answer XML","call_direction":"inbound"}`,
		`{"hangup_cause":"NO_ANSWER","hangup_cause_code":6010,"ring_time":4,"hangup_disposition":"send_cancel"}`,
		`{"billsec":9223372036854775807,"duration":1,"mos":7,"jitter":-1}`,
		`{"failure_code":"sip:486"}`, `{"failure_code":"999999999999999999999"}`, `{"failure_reason":"USER_BUSY"}`,
		`{"answer_time":"2026-03-25T10:00:01Z","start_time":"2026-03-25T10:00:00Z","hangup_cause":"NORMAL_CLEARING"}`,
	} {
		f.Add([]byte(s))
	}
	th := DefaultThresholds()
	f.Fuzz(func(t *testing.T, in []byte) {
		var c vobiz.CDR
		if json.Unmarshal(in, &c) != nil {
			return
		}
		d := Explain(&c)
		if d.Headline == "" || d.Meaning == "" || d.WhoEnded == "" || d.LikelyReason == "" || len(d.NextSteps) == 0 {
			t.Fatalf("incomplete diagnosis for %s: %+v", in, d)
		}
		if !validSeverity(d.Severity) {
			t.Fatalf("severity %q", d.Severity)
		}
		q := Quality(&c, th)
		if q.Overall == "" {
			t.Fatal("no overall band")
		}
		if c.Billsec <= 0 && !c.HasMedia() && q.Overall != BandNoMedia {
			t.Fatalf("unanswered call without media banded %s", q.Overall)
		}
		v := Verdict(&c, th)
		if v == "" || !strings.HasSuffix(v, ".") {
			t.Fatalf("verdict %q", v)
		}
		if o := OneLine(&c); strings.ContainsAny(o, "\r\n") {
			t.Fatalf("OneLine with a line break: %q", o)
		}
	})
}
