package views

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// ZoneLabel names a zone as users read it: abbreviation and UTC offset
// ("IST +05:30"), without parentheses so it reads well inside them.
// Zones without a letter abbreviation (Go prints "+0530") show the offset
// once.
func ZoneLabel(loc *time.Location, at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	t := at.In(loc)
	abbr := t.Format("MST")
	off := t.Format("-07:00")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return "UTC" + off
	}
	if abbr == "UTC" {
		return "UTC"
	}
	return abbr + " " + off
}

// FormatTime formats a time in loc for tables: "26 Nov 2026, 14:05:09".
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("02 Jan 2006, 15:04:05")
}

// FormatInt writes a count with thousands separators: 12,345.
func FormatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// FormatMoney formats an amount with its currency: "₹1,234.50" for INR,
// "12.30 USD" for others. It runs for every row of the calls table, so it
// builds the text in one buffer.
func FormatMoney(v float64, currency string) string {
	// Amounts beyond any real bill (or not numbers at all) would overflow
	// the cents arithmetic below; show them as recorded instead.
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e15 {
		return strings.TrimSpace(strconv.FormatFloat(v, 'g', 6, 64) + " " + currency)
	}
	neg := v < 0
	if neg {
		v = -v
	}
	cents := int64(v*100 + 0.5)
	var buf [64]byte
	b := buf[:0]
	upper := strings.ToUpper(currency)
	switch upper {
	case "INR":
		b = append(b, "₹"...)
	case "USD":
		b = append(b, '$')
	}
	if neg {
		b = append(b, '-')
	}
	b = appendGrouped(b, cents/100)
	b = append(b, '.')
	if c := cents % 100; c < 10 {
		b = strconv.AppendInt(append(b, '0'), c, 10)
	} else {
		b = strconv.AppendInt(b, c, 10)
	}
	switch upper {
	case "INR", "USD", "":
		return string(b)
	}
	return string(b) + " " + currency
}

// appendGrouped appends n with thousands separators, as FormatInt writes
// it.
func appendGrouped(b []byte, n int64) []byte {
	var digits [24]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	if n < 0 {
		b = append(b, '-')
		d = d[1:]
	}
	pre := len(d) % 3
	if pre == 0 {
		pre = 3
	}
	b = append(b, d[:pre]...)
	for i := pre; i < len(d); i += 3 {
		b = append(append(b, ','), d[i:i+3]...)
	}
	return b
}

// FormatPlain writes an int without separators (for attributes).
func FormatPlain(n int) string { return strconv.Itoa(n) }
