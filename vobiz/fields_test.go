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
		if g, ok := FieldByName(f.Name); !ok || g != f {
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

// TestFieldTableRefusesMistakes: a CDR field the table cannot handle stops
// the program at start-up, not when a record arrives.
func TestFieldTableRefusesMistakes(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
	}{
		{"no label", reflect.TypeFor[struct {
			X Text `json:"x"`
		}]()},
		{"no json name", reflect.TypeFor[struct {
			X Text `label:"X"`
		}]()},
		{"plain string", reflect.TypeFor[struct {
			X string `json:"x" label:"X"`
		}]()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("accepted")
				}
			}()
			fieldsOf(tt.typ)
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
