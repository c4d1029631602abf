package cli

import (
	"strings"

	"github.com/cdrdash/cdrdash/config"
	"github.com/cdrdash/cdrdash/diagnosis"
)

// qualityThresholds turns the configured band edges into the diagnosis
// package's thresholds. The conversion lives here, in the composition root,
// so that config stays a leaf package.
func qualityThresholds(c *config.Config) diagnosis.Thresholds {
	return diagnosis.Thresholds{MOSGood: c.MOSGood, MOSFair: c.MOSFair, JitterGoodMS: c.JitterGoodMS,
		JitterMaxMS: c.JitterMaxMS, LossGoodPct: c.LossGoodPct, LossMaxPct: c.LossMaxPct}
}

// checkThresholds is the config.Check that refuses band edges out of order
// or out of range, in the diagnosis package's own words.
func checkThresholds(c *config.Config) []string {
	if err := qualityThresholds(c).Validate(); err != nil {
		return []string{"CDRDASH_QUALITY_*: " + strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	return nil
}
