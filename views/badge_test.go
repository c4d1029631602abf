package views

import (
	"context"
	"strings"
	"testing"
)

// TestBadge pins Badge's markup: the bytes the templ version wrote.
func TestBadge(t *testing.T) {
	for _, c := range []struct{ kind, label, title, want string }{
		{"good", "Good", "", `<span class="badge badge--good">Good</span>`},
		{"poor", "Poor", "MOS 2.10 · jitter 40.0 ms · loss 3.00 %",
			`<span class="badge badge--poor" title="MOS 2.10 · jitter 40.0 ms · loss 3.00 %">Poor</span>`},
		{"", "", "", `<span class="badge badge--"></span>`},
		{`a<b"'&`, `x<y>&"'`, `t<"'&>`,
			`<span class="badge badge--a&lt;b&#34;&#39;&amp;" title="t&lt;&#34;&#39;&amp;&gt;">x&lt;y&gt;&amp;&#34;&#39;</span>`},
	} {
		var b strings.Builder
		if err := Badge(c.kind, c.label, c.title).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("Badge(%q, %q, %q)\n got %s\nwant %s", c.kind, c.label, c.title, b.String(), c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Badge("good", "Good", "").Render(ctx, &strings.Builder{}); err == nil {
		t.Error("rendered on a cancelled context")
	}
}
