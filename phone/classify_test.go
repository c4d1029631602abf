package phone

import "testing"

func TestClassify(t *testing.T) {
	cases := []struct {
		number  string
		country string
		prefix  string
		typ     Type
	}{
		{"+919876543210", "India (+91)", "+91 98", TypeMobile},
		{"9876543210", "India (+91)", "+91 98", TypeMobile},
		{"+918061234567", "India (+91)", "+91 80", TypeFixed},
		{"+9118002666666", "India (+91)", "+91 18", TypeTollFree},
		{"+14155550123", "United States (+1)", "+1 41", TypeFixedOrMobile},
		{"+442071234567", "United Kingdom (+44)", "+44 20", TypeFixed},
		{"+9112", "India (+91)", "+91 12", TypeOther},
		{"sip:agent@pbx.example.com", "Unknown", "", TypeOther},
		{"", "Unknown", "", TypeOther},
		{"1001", "India (+91)", "+91 10", TypeOther},
	}
	var c Classifier
	for range 2 { // the second round answers from the memo
		for _, tc := range cases {
			got := c.Classify(tc.number)
			if got.Country != tc.country || got.Prefix != tc.prefix || got.Type != tc.typ {
				t.Errorf("Classify(%q) = %+v, want %s %q %s", tc.number, got, tc.country, tc.prefix, tc.typ)
			}
		}
	}
}

// A valid and an invalid number sharing leading digits are not confused
// by the memo: the length is part of its key.
func TestClassifyMemoKeepsLengthApart(t *testing.T) {
	var c Classifier
	if got := c.Classify("+919876543210"); got.Type != TypeMobile {
		t.Fatalf("valid mobile: %+v", got)
	}
	if got := c.Classify("+9198765432"); got.Type != TypeOther {
		t.Fatalf("short number: %+v", got)
	}
}

// BenchmarkClassify100kNumbers: a month's 100,000 distinct Indian
// mobiles, spread over every series, classified by a fresh Classifier
// (the process's cache warm after the first run, as on a server).
func BenchmarkClassify100kNumbers(b *testing.B) {
	nums := make([]string, 100_000)
	x := uint64(88172645463325252)
	for i := range nums {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		nums[i] = "+91" + string(rune('6'+x%4)) + itoa9(int(x>>8%1_000_000_000))
	}
	for b.Loop() {
		var c Classifier
		for _, n := range nums {
			c.Classify(n)
		}
	}
}

func itoa9(i int) string {
	b := []byte("000000000")
	for k := 8; k >= 0 && i > 0; k-- {
		b[k] = byte('0' + i%10)
		i /= 10
	}
	return string(b)
}
