package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/diagnosis"
)

func TestQualityThresholdsFromConfig(t *testing.T) {
	none := func(string) string { return "" }
	// config repeats the defaults as flag defaults; they must stay the
	// diagnosis package's documented ones.
	cfg, err := loadConfig("serve", nil, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := qualityThresholds(cfg), diagnosis.DefaultThresholds(); got != want {
		t.Errorf("default thresholds %+v, want %+v", got, want)
	}

	cfg, err = loadConfig("serve", []string{"-quality-mos-good", "4.2", "-quality-jitter-max", "40"}, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if th := qualityThresholds(cfg); th.MOSGood != 4.2 || th.JitterMaxMS != 40 || th.MOSFair != 3.5 {
		t.Errorf("thresholds %+v", th)
	}

	tests := []struct {
		name string
		args []string
	}{
		{"MOS edges out of order", []string{"-quality-mos-good", "3.0", "-quality-mos-fair", "3.5"}},
		{"jitter edges out of order", []string{"-quality-jitter-good", "50", "-quality-jitter-max", "30"}},
		{"MOS off the scale", []string{"-quality-mos-good", "6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig("serve", tt.args, none, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "CDRDASH_QUALITY_") {
				t.Fatalf("accepted or unnamed: %v", err)
			}
		})
	}
}
