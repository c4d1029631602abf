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
	Options     []Option // for Select
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
