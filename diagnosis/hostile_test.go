package diagnosis

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// TestOutOfRangeCodeShownAsRecorded: the lookups clamp a hangup cause code
// to ±2^30, but the text names the code the record holds (issue 11,
// hostile data: an int64 at the end of its range was shown as
// -1073741824).
func TestOutOfRangeCodeShownAsRecorded(t *testing.T) {
	for _, code := range []int64{-9223372036854775808, 9223372036854775807, 1 << 31} {
		c := &vobiz.CDR{HangupCause: vobiz.NullString{String: "NORMAL_CLEARING", Valid: true},
			HangupCauseCode: vobiz.NullInt{Int64: code, Valid: true}, Billsec: 5}
		want := strconv.FormatInt(code, 10)
		d := Explain(c)
		all := d.Headline + " " + d.Meaning + " " + d.LikelyReason + " " + OneLine(c)
		if !strings.Contains(all, want) {
			t.Errorf("code %d: the text does not name it: %q", code, all)
		}
		if strings.Contains(all, "1073741824") {
			t.Errorf("code %d: the text names the clamped value: %q", code, all)
		}
	}
}
