package views

import "testing"

func TestFormatMoney(t *testing.T) {
	for _, c := range []struct {
		v        float64
		currency string
		want     string
	}{
		{0, "INR", "₹0.00"},
		{0.005, "INR", "₹0.01"},
		{0.45, "inr", "₹0.45"},
		{1234.5, "INR", "₹1,234.50"},
		{1234567.891, "USD", "$1,234,567.89"},
		{-1234.5, "INR", "₹-1,234.50"},
		{12.3, "EUR", "12.30 EUR"},
		{12.3, "", "12.30"},
		{999.999, "usd", "$1,000.00"},
	} {
		if got := FormatMoney(c.v, c.currency); got != c.want {
			t.Errorf("FormatMoney(%v, %q) = %q, want %q", c.v, c.currency, got, c.want)
		}
	}
}

func TestFormatMoneyOutOfRange(t *testing.T) {
	for v, want := range map[float64]string{1e308: "1e+308 INR", -1e20: "-1e+20 INR", 12.5: "₹12.50"} {
		if got := FormatMoney(v, "INR"); got != want {
			t.Errorf("FormatMoney(%g) = %q, want %q", v, got, want)
		}
	}
}
