package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// Badge is a small coloured label; kind picks the colour class
// (good, fair, poor, no_media, answered, busy, failed, …). The text always
// says the state too, so colour is never the only signal. It renders
//
//	<span class="badge badge--KIND" title="TITLE">LABEL</span>
//
// without the title attribute when title is empty.
//
// It is written in Go rather than templ because the calls table renders two
// per row, and templ's class-attribute handling (a map, a slice and a join
// per element, plus a pooled buffer) made the badges a fifth of the calls
// page's render time. The bytes are the ones the templ version wrote;
// TestBadge pins them.
func Badge(kind, label, title string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := w.Write(appendBadge(make([]byte, 0, 64+len(label)+len(title)), kind, label, title))
		return err
	})
}
