package handlers_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// page is a parsed HTML page (or a part of one), read by data-testid so a
// test pins what an element says, not how the markup around it is spelled.
type page struct{ root *html.Node }

func parsePage(t testing.TB, body string) page {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return page{root}
}

// all returns the elements carrying data-testid id, in document order.
func (p page) all(id string) []*html.Node {
	return p.find(func(n *html.Node) bool { return attr(n, "data-testid") == id })
}

// find returns the elements under p (p's own root included) that match.
func (p page) find(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if p.root != nil {
		walk(p.root)
	}
	return out
}

// tags returns the elements named tag (a, option, input...) under p.
func (p page) tags(tag string) []*html.Node {
	return p.find(func(n *html.Node) bool { return n.Data == tag })
}

// has reports whether some element carries data-testid id.
func (p page) has(id string) bool { return len(p.all(id)) > 0 }

// in narrows p to the first element with data-testid id; the result is
// empty (finds nothing, reads "") when there is none.
func (p page) in(id string) page {
	if n := p.all(id); len(n) > 0 {
		return page{n[0]}
	}
	return page{}
}

// text is the whitespace-collapsed text of the first element with
// data-testid id, "" if absent.
func (p page) text(id string) string { return nodeText(p.in(id).root) }

// texts are the texts of every element with data-testid id.
func (p page) texts(id string) []string {
	var out []string
	for _, n := range p.all(id) {
		out = append(out, nodeText(n))
	}
	return out
}

// attr is attribute name of the first element with data-testid id, "" if
// either is absent.
func (p page) attr(id, name string) string {
	if n := p.all(id); len(n) > 0 {
		return attr(n[0], name)
	}
	return ""
}

// items are the texts of the <li> under the element with data-testid id.
func (p page) items(id string) []string {
	var out []string
	for _, n := range p.all(id) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "li" {
				out = append(out, nodeText(c))
			}
		}
	}
	return out
}

// inside reports whether the element with data-testid id sits inside an
// element with data-testid outer.
func (p page) inside(id, outer string) bool {
	for _, n := range p.all(id) {
		for a := n.Parent; a != nil; a = a.Parent {
			if attr(a, "data-testid") == outer {
				return true
			}
		}
	}
	return false
}

// attr is n's attribute name, "" if n is nil or has none.
func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n carries attribute name at all (checked,
// selected, disabled...).
func hasAttr(n *html.Node, name string) bool {
	if n == nil {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// hasClass reports whether n's class list holds class.
func hasClass(n *html.Node, class string) bool {
	return n != nil && slices.Contains(strings.Fields(attr(n, "class")), class)
}

// errorText is the text of a body's error section, for messages.
func errorText(body string) string {
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	return page{root}.text("error")
}

// errorLinks are the hrefs of the links an error section offers.
func errorLinks(t testing.TB, body string) []string {
	var out []string
	for _, a := range parsePage(t, body).in("error").tags("a") {
		out = append(out, attr(a, "href"))
	}
	return out
}

// nodeText is n's text with whitespace runs collapsed, "" for nil.
func nodeText(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
