package vobiz

import "testing"

// TestCSVNumbersLikeJSON: the CSV export's cells read the way the JSON
// decoder reads the same values (issue 11, hostile data). Every int64 is
// exact, the extremes included (a float64 detour refused the maximum and
// rounded everything beyond 2^53); NaN and infinities are refused for
// amounts as they are in JSON.
func TestCSVNumbersLikeJSON(t *testing.T) {
	d, err := NewCSVDecoder([]string{"id", "duration", "hangup_cause_code", "cost", "mos"})
	if err != nil {
		t.Fatal(err)
	}
	var c CDR
	if err := d.Decode([]string{"9223372036854775807", "9007199254740993", "-9223372036854775808", "1e308", "4.5"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.ID != 9223372036854775807 || c.Duration != 9007199254740993 ||
		c.HangupCauseCode != (NullInt{Int64: -9223372036854775808, Valid: true}) || c.Cost != 1e308 {
		t.Errorf("decoded %+v", c)
	}
	for _, row := range [][]string{
		{"1", "1", "1", "NaN", ""}, {"1", "1", "1", "", "Inf"}, {"1", "1", "1", "-Infinity", ""},
		{"9223372036854775808", "1", "1", "", ""}, {"1", "4.5", "1", "", ""}, {"1", "1", "1e400", "", ""},
	} {
		if err := d.Decode(row, &c); err == nil {
			t.Errorf("%q decoded without error: %+v", row, c)
		}
	}
}
