package views

import (
	"math"
	"strings"
	"testing"
)

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		v        float64
		currency string
		want     string
	}{
		{0, "INR", "₹0.00"},
		{0.005, "INR", "₹0.01"},
		{0.45, "inr", "₹0.45"},
		{999, "INR", "₹999.00"},
		{1000, "INR", "₹1,000.00"},
		{1234.5, "INR", "₹1,234.50"},
		{100000, "INR", "₹1,00,000.00"},
		{150328.2, "INR", "₹1,50,328.20"},
		{12345678.9, "INR", "₹1,23,45,678.90"},
		{-150328.2, "INR", "₹-1,50,328.20"},
		{-1234.5, "INR", "₹-1,234.50"},
		{150328.2, "USD", "$150,328.20"},
		{1234567.891, "USD", "$1,234,567.89"},
		{-150328.2, "USD", "$-150,328.20"},
		{999.999, "usd", "$1,000.00"},
		{150328.2, "EUR", "€150,328.20"},
		{-12.3, "eur", "€-12.30"},
		{1234.5, "GBP", "£1,234.50"},
		{1234.5, "XYZ", "XYZ\u00a01,234.50"},
		{-1234.5, "XYZ", "XYZ\u00a0-1,234.50"},
		{12.3, "", "12.30"},
	} {
		if got := FormatMoney(c.v, c.currency); got != c.want {
			t.Errorf("FormatMoney(%v, %q) = %q, want %q", c.v, c.currency, got, c.want)
		}
	}
}

func TestFormatMoneyOutOfRange(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{1e308, "1e+308\u00a0INR"}, {-1e20, "-1e+20\u00a0INR"}, {math.NaN(), "NaN\u00a0INR"}, {12.5, "₹12.50"},
	} {
		if got := FormatMoney(c.v, "INR"); got != c.want {
			t.Errorf("FormatMoney(%g) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestMoneyHasNoBreakOpportunity: an amount holds no space a line could
// break at, whatever the currency.
func TestMoneyHasNoBreakOpportunity(t *testing.T) {
	for _, cur := range []string{"INR", "USD", "EUR", "", "GBP"} {
		for _, v := range []float64{0, -150328.2, 12345678.9, 1e20} {
			if s := FormatMoney(v, cur); strings.ContainsAny(s, " \t\n") {
				t.Errorf("FormatMoney(%g, %q) = %q has a breaking space", v, cur, s)
			}
		}
	}
}

func TestFormatInt(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {100000, "100,000"},
		{150328, "150,328"}, {1234567, "1,234,567"}, {-1, "-1"}, {-999, "-999"}, {-1000, "-1,000"},
		{-150328, "-150,328"}, {math.MaxInt64, "9,223,372,036,854,775,807"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	} {
		if got := FormatInt(c.n); got != c.want {
			t.Errorf("FormatInt(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

// TestGroupingRules: the rules read from x/text are the ones expected of
// each locale, and appendGrouped applies them to every length.
func TestGroupingRules(t *testing.T) {
	if thousands != (grouping{sep: ",", first: 3, rest: 3}) {
		t.Errorf("en grouping %+v", thousands)
	}
	if lakhs != (grouping{sep: ",", first: 3, rest: 2}) {
		t.Errorf("en-IN grouping %+v", lakhs)
	}
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {99999, "99,999"}, {100000, "1,00,000"}, {150328, "1,50,328"},
		{1000000, "10,00,000"}, {10000000, "1,00,00,000"}, {-150328, "-1,50,328"}, {-100, "-100"},
	} {
		if got := string(appendGrouped(nil, c.n, lakhs)); got != c.want {
			t.Errorf("lakh grouping of %d = %q, want %q", c.n, got, c.want)
		}
	}
	if got := string(appendGrouped(nil, 1234567, grouping{})); got != "1234567" {
		t.Errorf("no grouping: %q", got)
	}
}

func BenchmarkFormatMoney(b *testing.B) {
	for b.Loop() {
		FormatMoney(150328.2, "INR")
	}
}
