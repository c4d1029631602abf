// Package docs holds cdrdash's own documentation. Its only Go code is this
// test, which keeps the citations in code pointing at headings that exist.
package docs_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// citation matches a reference such as docs/vobiz-api.md#csv-export, or a
// Markdown link between the pages of docs/ such as (vobiz-api.md#dates).
var (
	citation  = regexp.MustCompile(`docs/([A-Za-z0-9_-]+\.md)#([^\s)\].,;:'"` + "`" + `]+)`)
	localLink = regexp.MustCompile(`\]\(([A-Za-z0-9_-]+\.md)?#([^\s)]+)\)`)
)

// TestCitationsResolve: every docs/<page>.md#<anchor> cited anywhere in the
// repository (Go code, templates, SQL, Markdown, the Makefile) names a page
// in docs/ with a heading that GitHub turns into that anchor, and every
// in-page or cross-page link inside docs/ does too.
func TestCitationsResolve(t *testing.T) {
	root := repoRoot(t)
	anchors := map[string]map[string]bool{} // page -> anchors
	pageAnchors := func(page string) map[string]bool {
		if a, ok := anchors[page]; ok {
			return a
		}
		b, err := os.ReadFile(filepath.Join(root, "docs", page))
		if err != nil {
			anchors[page] = nil
			return nil
		}
		anchors[page] = headingAnchors(string(b))
		return anchors[page]
	}
	check := func(file string, line int, page, anchor string) {
		t.Helper()
		a := pageAnchors(page)
		switch {
		case a == nil:
			t.Errorf("%s:%d cites docs/%s, which does not exist", file, line, page)
		case !a[anchor]:
			t.Errorf("%s:%d cites docs/%s#%s, which has no such heading", file, line, page, anchor)
		}
	}
	cited := 0
	walkText(t, root, func(rel string, n int, text string) {
		for _, m := range citation.FindAllStringSubmatch(text, -1) {
			cited++
			check(rel, n, m[1], m[2])
		}
		if filepath.Dir(rel) == "docs" && strings.HasSuffix(rel, ".md") {
			for _, m := range localLink.FindAllStringSubmatch(text, -1) {
				page := m[1]
				if page == "" {
					page = filepath.Base(rel)
				}
				check(rel, n, page, m[2])
			}
		}
	})
	if cited < 20 {
		t.Errorf("found only %d citations; is the pattern still right?", cited)
	}
}

// TestNoOutsideReferences: no comment, document or test points at a file
// outside the repository, at a path of one machine, or at a numbered
// section ("§4.2") of a document the reader cannot open.
func TestNoOutsideReferences(t *testing.T) {
	root := repoRoot(t)
	outside := regexp.MustCompile(`(^|[\s(/"'])(/(?:work|home|Users)/|\.\./shared/|shared/[a-z-]+\.md)`)
	walkText(t, root, func(rel string, n int, text string) {
		if strings.Contains(text, "§") {
			t.Errorf("%s:%d: a § reference; cite a heading in docs/ instead: %s", rel, n, strings.TrimSpace(text))
		}
		if outside.MatchString(text) {
			t.Errorf("%s:%d: names a file outside the repository: %s", rel, n, strings.TrimSpace(text))
		}
	})
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown page: lower case, punctuation dropped, spaces to hyphens, and
// -1, -2… appended to repeats. Fenced code blocks hold no headings.
func headingAnchors(md string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		if text == "" || !strings.HasPrefix(strings.TrimLeft(line, "#"), " ") {
			continue
		}
		a := slug(text)
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"CSV export":                        "csv-export",
		"Field types and lenient decoding":  "field-types-and-lenient-decoding",
		"Search filters echo":               "search-filters-echo",
		"The `hangup_source` wording (2.1)": "the-hangup_source-wording-21",
		"MOS: 4.0+ / jitter":                "mos-40--jitter",
	}
	for in, want := range tests {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	a := headingAnchors("# A\n## A\n```\n# not a heading\n```\n## A\n#nospace\n")
	for _, want := range []string{"a", "a-1", "a-2"} {
		if !a[want] {
			t.Errorf("anchors %v lack %q", a, want)
		}
	}
	if a["not-a-heading"] || a["nospace"] {
		t.Errorf("anchors %v include a non-heading", a)
	}
}

// repoRoot is the module root: the parent of docs/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: %v", root, err)
	}
	return root
}

// textExts are the files people read: code, templates, queries, pages.
var textExts = map[string]bool{".go": true, ".templ": true, ".sql": true, ".md": true, ".js": true, ".css": true,
	".yaml": true, ".yml": true, ".sh": true}

// walkText calls fn for every line of the repository's text files, skipping
// generated templ code (its .templ source is checked), vendored and test
// data, and build output.
func walkText(t *testing.T, root string, fn func(rel string, line int, text string)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "node_modules", "out", "data":
				return filepath.SkipDir
			}
			if rel == filepath.Join("static", "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		if strings.HasSuffix(name, "_templ.go") || (!textExts[filepath.Ext(name)] && name != "Makefile" &&
			name != "Dockerfile" && name != "run") {
			return nil
		}
		if rel == filepath.Join("docs", "citations_test.go") {
			return nil // its own patterns and examples
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			fn(filepath.ToSlash(rel), n, sc.Text())
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
