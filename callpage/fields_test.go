package callpage

import (
	"testing"

	"github.com/cdrdash/cdrdash/vobiz"
)

// TestCallPageSectionsNameRealFields: a renamed or removed CDR field must
// not linger in the list of fields the call page's sections show.
func TestCallPageSectionsNameRealFields(t *testing.T) {
	for name := range shownInSections {
		if _, ok := vobiz.FieldByName(name); !ok {
			t.Errorf("shownInSections names %q, which is not a CDR field", name)
		}
	}
}

// TestOtherFields: a field no section shows is listed under its label,
// with its value as recorded or a dash for null.
func TestOtherFields(t *testing.T) {
	c := &vobiz.CDR{Region: "ap-south-1", MOS: vobiz.NullFloat{Float64: 4.25, Valid: true}}
	shown := make(map[string]bool)
	for _, f := range vobiz.Fields {
		shown[f.Name] = true
	}
	if got := otherFields(c, shown); len(got) != 0 {
		t.Fatalf("every field shown, yet listed again: %+v", got)
	}
	tests := []struct{ field, label, value string }{
		{"region", "Region", "ap-south-1"},
		{"mos", "MOS", "4.25"},
		{"trunk_id", "Trunk id", "—"},
		{"answer_time", "Answer time", "—"},
	}
	for _, tt := range tests {
		delete(shown, tt.field)
		got := otherFields(c, shown)
		shown[tt.field] = true
		if len(got) != 1 || got[0].Label != tt.label || got[0].Value != tt.value || got[0].TestID != "rec-"+tt.field {
			t.Errorf("%s: got %+v, want label %q value %q", tt.field, got, tt.label, tt.value)
		}
	}
}
