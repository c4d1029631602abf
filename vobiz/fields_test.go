package vobiz

import (
	"reflect"
	"slices"
	"testing"
)

// TestFieldTable: the table read from the CDR type has each field once,
// under its JSON name, with a label (TestDecodeContractExamples checks that
// every documented field is there).
func TestFieldTable(t *testing.T) {
	if len(Fields) < 43 || len(FieldNames) != len(Fields) || !slices.IsSorted(FieldNames) {
		t.Fatalf("%d fields, %d names (sorted: %v)", len(Fields), len(FieldNames), slices.IsSorted(FieldNames))
	}
	seen := make(map[string]bool)
	for _, f := range Fields {
		if seen[f.Name] || f.Label == "" {
			t.Errorf("field %q: duplicate or without a label", f.Name)
		}
		seen[f.Name] = true
		if g, ok := FieldByName(f.Name); !ok || g.Name != f.Name || g.Label != f.Label {
			t.Errorf("FieldByName(%q) = %+v, %v", f.Name, g, ok)
		}
	}
	if f, ok := FieldByName("start_time"); !ok || !f.IsTime() {
		t.Error("start_time is not a time field")
	}
	if f, ok := FieldByName("uuid"); !ok || f.IsTime() {
		t.Error("uuid is a time field")
	}
}

// TestFieldTableRefusesMistakes: a table that disagrees with the CDR
// struct stops the program at start-up, not when a record arrives.
func TestFieldTableRefusesMistakes(t *testing.T) {
	withRow := func(i int, f Field) []Field {
		fs := slices.Clone(Fields)
		fs[i] = f
		return fs
	}
	uuid := func(c *CDR) any { return &c.UUID }
	tests := []struct {
		name string
		fs   []Field
	}{
		{"a field missing", Fields[1:]},
		{"a field twice", append(slices.Clone(Fields), Fields[0])},
		{"name is not the json tag", withRow(0, Field{"start", "Start time", Fields[0].ptr})},
		{"no label", withRow(0, Field{"start_time", "", Fields[0].ptr})},
		{"points at another field", withRow(0, Field{"start_time", "Start time", uuid})},
		{"a type with no CSV form", withRow(0, Field{"start_time", "Start time", func(c *CDR) any { return &c.StartTime.Time }})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("accepted")
				}
			}()
			checkFields(tt.fs)
		})
	}
}

// TestFieldTextRoundTrip: every field's CSV text reads back to the same
// value, and null stays null.
func TestFieldTextRoundTrip(t *testing.T) {
	for _, want := range []CDR{wantAnswered(), wantUnanswered()} {
		var got CDR
		for _, f := range Fields {
			if err := f.Set(&got, f.Text(&want)); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
		want.Raw = nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}
