package views

import (
	"context"
	"io"
	"time"

	"github.com/a-h/templ"
)

// callRows renders the rows of CallsTable. It is the one loop on the
// dashboard's busiest page that runs a hundred times per request, so it is
// written in Go rather than templ: templ spends a fmt.Sprint, an escape
// and an attribute resolution per expression, and its class handling a
// map and a buffer per badge. Rendered with templ, these rows took about
// ten times as long (BenchmarkCallsTable100: 0.27–0.54 ms against 0.03 ms
// for 100 rows) and put the calls page at or over its 1 ms p50 target
// (BenchmarkCallsPage100). TestCallRows checks what the rows show by
// data-testid and label; the badges are Badge's markup, which TestRowBadge
// holds to the templ component.
func callRows(rows []CallRow, loc *time.Location) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := make([]byte, 0, 2048)
		for i := range rows {
			b = appendCallRow(b[:0], &rows[i], loc)
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

func appendCallRow(b []byte, r *CallRow, loc *time.Location) []byte {
	b = append(b, `<tr data-testid="call-row" data-uuid="`...)
	b = appendHTML(b, r.UUID)
	b = append(b, `"><td class="cell-time" data-label="Start"><a href="`...)
	b = appendHTML(b, r.URL)
	b = append(b, `" data-testid="call-link">`...)
	if r.Start.IsZero() {
		b = append(b, "—"...)
	} else {
		// The layout's output (digits, month names, ", :") needs no escaping.
		b = r.Start.In(loc).AppendFormat(b, tableTimeLayout)
	}
	b = append(b, `</a>`...)
	if r.Recorded {
		// Text, not only an icon: the word is read out and survives
		// forced colours; the table and card layouts share this cell.
		b = append(b, recordingMark...)
	}
	b = append(b, `</td><td data-label="Direction">`...)
	switch r.Direction {
	case "inbound":
		b = append(b, `<span class="dir dir--inbound"><span class="dir__icon" aria-hidden="true">↙</span>Inbound</span>`...)
	case "outbound":
		b = append(b, `<span class="dir dir--outbound"><span class="dir__icon" aria-hidden="true">↗</span>Outbound</span>`...)
	default:
		b = append(b, `<span class="dir">`...)
		b = appendHTML(b, r.Direction)
		b = append(b, `</span>`...)
	}
	b = append(b, `</td><td data-label="Caller">`...)
	if r.CallerName != "" {
		b = append(b, `<span class="cell-name">`...)
		b = appendHTML(b, r.CallerName)
		b = append(b, `</span> `...)
	}
	b = append(b, `<span class="cell-number" title="`...)
	b = appendHTML(b, r.CallerE164)
	b = append(b, `">`...)
	b = appendHTML(b, r.Caller)
	b = append(b, `</span></td><td data-label="Destination"><span class="cell-number" title="`...)
	b = appendHTML(b, r.DestinationE164)
	b = append(b, `">`...)
	b = appendHTML(b, r.Destination)
	b = append(b, `</span></td><td class="num" data-label="Duration">`...)
	b = appendHTML(b, r.Duration)
	b = append(b, `</td><td class="num" data-label="Talk">`...)
	b = appendHTML(b, r.Talk)
	b = append(b, `</td><td data-label="Outcome">`...)
	b = appendBadge(b, r.Outcome, r.OutcomeLabel, "")
	if r.Diagnosis != "" {
		b = append(b, `<span class="cell-diagnosis" data-testid="call-diagnosis">`...)
		b = appendHTML(b, r.Diagnosis)
		b = append(b, `</span>`...)
	}
	b = append(b, `</td><td data-label="Hangup cause"><code>`...)
	b = appendHTML(b, r.Cause)
	b = append(b, `</code></td><td data-label="Quality">`...)
	b = appendBadge(b, r.Quality, r.QualityLabel, r.QualityTitle)
	b = append(b, `</td><td class="num" data-label="Cost">`...)
	b = appendHTML(b, r.Cost)
	b = append(b, `</td></tr>`...)
	return b
}

// recordingMark marks a recorded call in the list.
const recordingMark = ` <span class="rec-mark" title="Recorded: listen on the call page" data-testid="recording-mark">` +
	`<span class="rec-mark__dot" aria-hidden="true">●</span><span class="rec-mark__text" aria-hidden="true">Rec</span>` +
	`<span class="visually-hidden">Recorded</span></span>`

// tableTimeLayout is FormatTime's layout.
const tableTimeLayout = "02 Jan 2006, 15:04:05"

// appendBadge appends the markup of the templ component Badge, which is
// the reference: TestRowBadge compares the two.
func appendBadge(b []byte, kind, label, title string) []byte {
	b = append(b, `<span class="badge badge--`...)
	b = appendHTML(b, kind)
	b = append(b, '"')
	if title != "" {
		b = append(b, ` title="`...)
		b = appendHTML(b, title)
		b = append(b, '"')
	}
	b = append(b, '>')
	b = appendHTML(b, label)
	return append(b, `</span>`...)
}

// appendHTML appends s escaped exactly as templ.EscapeString (that is,
// html.EscapeString) escapes it, without allocating.
func appendHTML(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}
