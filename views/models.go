package views

import "strconv"

// FieldView is one form control.
type FieldView struct {
	Name        string // query parameter name
	Label       string
	Type        string // text, search, date, number
	Value       string
	Error       string
	Hint        string
	Placeholder string
	Max         string
	Options     []Option // for Select, and the boxes of "checkboxes"
	// Values are the checked options of a "checkboxes" group.
	Values []string
	// TestID replaces "filter-" + Name as the control's data-testid.
	TestID string
}

// testID is f's control's data-testid.
func (f FieldView) testID() string {
	if f.TestID != "" {
		return f.TestID
	}
	return "filter-" + f.Name
}

// IndexStatus is what a page says about the call index: where its calls
// came from and how fresh they are.
type IndexStatus struct {
	// Banner is set when the index is on but the API answered: "Live from
	// Vobiz: the call index covers 8 Sep – 7 Dec."
	Banner string
	// Degraded marks a banner that reports a problem (the index cannot be
	// read, or "today" falls back to the UTC day): it is shown as a
	// warning. Otherwise the banner only says where the calls came from
	// (the API's newest calls, a window outside the coverage) and is shown
	// as information, so support does not read a normal answer as a fault.
	Degraded bool
	// Fresh ("Synced 8 s ago") and FreshTitle (the exact time) are set
	// when the index answered; RefreshAction and ReturnTo are the refresh
	// button's form.
	Fresh, FreshTitle       string
	RefreshAction, ReturnTo string
	// Scope says which period an undated index answer spans.
	Scope string
}

// SortHead is a sortable column header: URL is the link that sorts by it
// (toggling the direction when it is the current sort), Dir is
// "ascending" or "descending" on the current column. A zero SortHead is a
// plain header (the API cannot sort).
type SortHead struct {
	URL string
	Dir string
}

// SortHeads are the calls table's sortable headers.
type SortHeads struct {
	Start, Duration, Talk, Quality, Cost SortHead
}

// Option is one choice of a Select.
type Option struct{ Value, Label string }

// Tile is one summary figure.
type Tile struct {
	Key, Label, Value, Note string
	Delta, DeltaDir         string // "▲ 12%", "up"/"down"/"flat"
}

// Chip is an active filter with the URL that drops it.
type Chip struct{ Label, Value, RemoveURL string }

// PerPageOption is one per-page link.
type PerPageOption struct {
	Label   string
	URL     string
	Current bool
}

// PagerView is a pagination bar. Empty URLs are disabled links.
type PagerView struct {
	From, To, Total         int64
	Page, Pages             int
	First, Prev, Next, Last string
	PerPage                 []PerPageOption
}

func relFor(key string) string {
	switch key {
	case "prev":
		return "prev"
	case "next":
		return "next"
	}
	return ""
}

// widthClass maps a percentage to one of the w0…w100 utility classes.
func widthClass(pct int) string {
	return "w" + strconv.Itoa(min(max(pct, 0), 100))
}

func hasValue(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
