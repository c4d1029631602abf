package views

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 calls"}, {1, "1 call"}, {2, "2 calls"}, {1234, "1,234 calls"}, {-1, "-1 calls"}} {
		if got := Count(c.n, "call", "calls"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
