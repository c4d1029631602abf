package views

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
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
	var buf [32]byte
	return string(appendGrouped(buf[:0], n, thousands))
}

// FormatMoney formats an amount with its currency: "₹1,50,328.20" for INR
// (lakh and crore groups, as Indian readers expect), "$150,328.20" for USD,
// "€150,328.20" for EUR, "£12.30" for GBP, and the code first for others
// ("XYZ\u00a01,234.50"). A negative sign sits between symbol and digits
// ("₹-1,234.50"), where no line may break (Unicode line breaking, UAX #14,
// rule LB25), and a code is joined by a no-break space, so an amount is
// never wrapped mid-number. static/js/charts.js formats chart axes and
// tooltips the same way. It runs for every row of the calls table, so it
// builds the text in one buffer.
func FormatMoney(v float64, currency string) string {
	// Amounts beyond any real bill (or not numbers at all) would overflow
	// the cents arithmetic below; show them as recorded instead.
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e15 {
		s := strconv.FormatFloat(v, 'g', 6, 64)
		if currency == "" {
			return s
		}
		return s + nbsp + currency
	}
	neg := v < 0
	if neg {
		v = -v
	}
	cents := int64(v*100 + 0.5)
	var buf [64]byte
	b := buf[:0]
	upper := strings.ToUpper(currency)
	g := thousands
	switch upper {
	case "INR":
		b = append(b, "₹"...)
		g = lakhs
	case "USD":
		b = append(b, '$')
	case "EUR":
		b = append(b, "€"...)
	case "GBP":
		b = append(b, "£"...)
	case "":
	default:
		b = append(append(b, currency...), nbsp...)
	}
	if neg {
		b = append(b, '-')
	}
	b = appendGrouped(b, cents/100, g)
	b = append(b, '.')
	if c := cents % 100; c < 10 {
		b = strconv.AppendInt(append(b, '0'), c, 10)
	} else {
		b = strconv.AppendInt(b, c, 10)
	}
	return string(b)
}

// nbsp joins an amount to its currency code.
const nbsp = "\u00a0"

// grouping is how a locale groups the digits of a whole number: the
// lowest group has first digits, every group above it rest digits, each
// preceded by sep. first == 0 means no grouping.
type grouping struct {
	sep         string
	first, rest int
}

// The grouping rules come from the CLDR data in golang.org/x/text: "en"
// groups by thousands (150,328), "en-IN" by lakhs and crores (1,50,328).
// They are read once, by formatting a probe number, because formatting
// every amount through x/text's message.Printer costs over a microsecond
// and a dozen allocations: a tenth of the calls page's budget for its 100
// cost cells.
var (
	thousands = groupingOf(language.English)
	lakhs     = groupingOf(language.MustParse("en-IN"))
)

// groupingOf reads tag's grouping from how x/text writes 1234567890
// ("1,234,567,890" or "1,23,45,67,890").
func groupingOf(tag language.Tag) grouping {
	s := message.NewPrinter(tag).Sprint(number.Decimal(int64(1234567890)))
	var groups []string // digit runs, most significant first
	var g grouping
	start := -1
	for i, r := range s {
		isDigit := r >= '0' && r <= '9'
		switch {
		case isDigit && start < 0:
			start = i
		case !isDigit && start >= 0:
			groups = append(groups, s[start:i])
			start = -1
			if g.sep == "" {
				g.sep = s[i : i+utf8.RuneLen(r)]
			}
		}
	}
	if start >= 0 {
		groups = append(groups, s[start:])
	}
	if len(groups) < 3 || g.sep == "" {
		return grouping{} // a locale that does not group
	}
	g.first = len(groups[len(groups)-1])
	g.rest = len(groups[len(groups)-2])
	return g
}

// appendGrouped appends n with its digits grouped by g. It is the one
// grouping function behind FormatInt and FormatMoney.
func appendGrouped(b []byte, n int64, g grouping) []byte {
	var digits [24]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	if n < 0 {
		b = append(b, '-')
		d = d[1:]
	}
	if g.first <= 0 || len(d) <= g.first {
		return append(b, d...)
	}
	head, tail := d[:len(d)-g.first], d[len(d)-g.first:]
	pre := len(head) % g.rest
	if pre == 0 {
		pre = g.rest
	}
	b = append(b, head[:pre]...)
	for i := pre; i < len(head); i += g.rest {
		b = append(append(b, g.sep...), head[i:i+g.rest]...)
	}
	return append(append(b, g.sep...), tail...)
}

// FormatPlain writes an int without separators (for attributes).
func FormatPlain(n int) string { return strconv.Itoa(n) }

// Count writes a number with its noun: "1 call", "1,234 calls".
func Count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return FormatInt(n) + " " + many
}
