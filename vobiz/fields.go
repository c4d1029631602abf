package vobiz

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Field is one CDR field. Everything that handles fields one by one (the
// CSV reader, the sandbox's JSON and CSV writers, the report's columns, the
// call page's field list) walks Fields instead of naming fields itself, so
// a new field needs no edit there.
type Field struct {
	Name  string // the API's name: JSON key, CSV header, report column
	Label string // for people
	ptr   func(*CDR) any
}

// FieldNames lists the field names in byte order, the order the API's
// examples use for JSON keys and the sandbox uses for CSV columns. Readers
// must still go by name, never by position.
var FieldNames = sortedNames(Fields)

var fieldIndex = func() map[string]Field {
	m := make(map[string]Field, len(Fields))
	for _, f := range Fields {
		m[f.Name] = f
	}
	return m
}()

// FieldByName returns the field with the given API name.
func FieldByName(name string) (Field, bool) {
	f, ok := fieldIndex[name]
	return f, ok
}

// checkFields makes sure the table and the CDR struct agree: every field
// of the struct appears once, under its json name, with a label, pointing
// at itself, and of a type the switches below handle. A mistake stops the
// program when it starts (and every test), not when a record arrives.
func checkFields(fs []Field) []Field {
	var probe CDR
	v := reflect.ValueOf(&probe).Elem()
	byAddr := make(map[uintptr]string) // struct field address -> json name
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "-" {
			byAddr[v.Field(i).Addr().Pointer()] = name
		}
	}
	seen := make(map[string]bool)
	for _, f := range fs {
		p := f.ptr(&probe)
		switch p.(type) {
		case *Text, *NullString, *Int, *NullInt, *Float, *NullFloat, *Time:
		default:
			panic(fmt.Sprintf("vobiz: field %s: no CSV or JSON form for %T", f.Name, p))
		}
		if byAddr[reflect.ValueOf(p).Pointer()] != f.Name || f.Label == "" || seen[f.Name] {
			panic(fmt.Sprintf("vobiz: field %s: the name must be its json tag, once, with a label", f.Name))
		}
		seen[f.Name] = true
	}
	if len(seen) != len(byAddr) {
		panic(fmt.Sprintf("vobiz: Fields has %d of the CDR's %d fields", len(seen), len(byAddr)))
	}
	return fs
}

func sortedNames(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	slices.Sort(out)
	return out
}

// Ptr returns a pointer to the field in c: a *Text, *NullString, *Int,
// *NullInt, *Float, *NullFloat or *Time.
func (f Field) Ptr(c *CDR) any { return f.ptr(c) }

// IsTime reports whether the field is a timestamp.
func (f Field) IsTime() bool {
	_, ok := f.ptr(&typeProbe).(*Time)
	return ok
}

// typeProbe is a record whose fields' types are asked, never read or
// written, so sharing it is safe.
var typeProbe CDR

// TimeLayout is how the API writes times, and how AppendText does.
const TimeLayout = "2006-01-02T15:04:05Z"

// AppendText appends the field's value as the CSV export writes it: null
// as nothing, a time in TimeLayout, a number in its shortest form.
func (f Field) AppendText(b []byte, c *CDR) []byte {
	switch p := f.Ptr(c).(type) {
	case *Text:
		return append(b, *p...)
	case *NullString:
		return append(b, p.String...)
	case *Int:
		return strconv.AppendInt(b, int64(*p), 10)
	case *NullInt:
		if !p.Valid {
			return b
		}
		return strconv.AppendInt(b, p.Int64, 10)
	case *Float:
		return strconv.AppendFloat(b, float64(*p), 'f', -1, 64)
	case *NullFloat:
		if !p.Valid {
			return b
		}
		return strconv.AppendFloat(b, p.Float64, 'f', -1, 64)
	case *Time:
		if p.IsZero() {
			return b
		}
		return p.UTC().AppendFormat(b, TimeLayout)
	}
	panic("vobiz: unhandled field type") // checkFields admits no other
}

// Text returns the field's value as AppendText writes it.
func (f Field) Text(c *CDR) string { return string(f.AppendText(nil, c)) }

// Set stores one CSV cell in the field. An empty cell is null (zero for
// the fields that are never null); a cell that cannot be read as the
// field's type is an error.
func (f Field) Set(c *CDR, cell string) error {
	switch p := f.Ptr(c).(type) {
	case *Text:
		*p = Text(cell)
	case *NullString:
		*p = NullString{String: cell, Valid: cell != ""}
	case *Int:
		n, _, err := parseWholeCell(cell)
		*p = Int(n)
		return err
	case *NullInt:
		n, ok, err := parseWholeCell(cell)
		*p = NullInt{Int64: n, Valid: ok && err == nil}
		return err
	case *Float:
		n, _, err := parseCell(cell)
		*p = Float(n)
		return err
	case *NullFloat:
		n, ok, err := parseCell(cell)
		*p = NullFloat{Float64: n, Valid: ok && err == nil}
		return err
	case *Time:
		*p = Time{}
		if strings.TrimSpace(cell) == "" {
			return nil
		}
		t, err := ParseTime(cell)
		if err != nil {
			return err
		}
		*p = Time{t}
	default:
		panic("vobiz: unhandled field type") // checkFields admits no other
	}
	return nil
}
