package cli

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestSandboxFlags(t *testing.T) {
	tests := []struct {
		args []string
		want func(sandboxSetup) bool
		err  string
	}{
		{args: nil, want: func(s sandboxSetup) bool {
			return s.opts.LiveRate == 0 && s.opts.LateCDRs == 0 && s.opts.UpdateAfterExport == 0 && s.faults.FailFirst == 0
		}},
		{args: []string{"-live-rate", "2.5", "-late-cdrs", "3", "-update-after-export", "4", "-calls", "5000"},
			want: func(s sandboxSetup) bool {
				return s.opts.LiveRate == 2.5 && s.opts.LateCDRs == 3 && s.opts.UpdateAfterExport == 4 && s.opts.Calls == 5000
			}},
		{args: []string{"-error-status", "429", "-retry-after", "3s", "-fail-first", "2", "-fault-endpoints", "export"},
			want: func(s sandboxSetup) bool {
				f := s.faults
				return f.ErrorStatus == 429 && f.RetryAfter == 3*time.Second && f.FailFirst == 2 &&
					len(f.Endpoints) == 1 && f.Endpoints[0] == "export"
			}},
		{args: []string{"-export-drop-after-rows", "700"}, want: func(s sandboxSetup) bool { return s.faults.ExportDropAfterRows == 700 }},
		{args: []string{"-live-rate", "-1"}, err: "-live-rate"},
		{args: []string{"-live-rate", "NaN"}, err: "-live-rate"},
		{args: []string{"-late-cdrs", "-2"}, err: "-late-cdrs"},
		{args: []string{"-fault-endpoints", "nope"}, err: "unknown endpoint"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := parseSandboxFlags(tt.args, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one naming %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.want(got) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}
