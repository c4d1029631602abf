package handlers

import (
	"context"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/vobiz"
)

// A detail page opened from the calls list shows links to the calls before
// and after it in that list. Finding them used to repeat the list's search,
// and at a page edge then fetch the adjacent page, one after the other: two
// upstream round trips in a row before the page could be sent. The list
// page now remembers, for a short while, which calls it showed, so the
// detail page knows its neighbours at once and fetches at most the
// adjacent page, while the call itself is being fetched. It also uses the
// list the agent actually saw, even if newer calls have since shifted the
// pages.

// listPageTTL is how long a shown list page is remembered.
const listPageTTL = 2 * time.Minute

// maxListPages bounds the memory: about 4 KB per remembered page of 100.
const maxListPages = 512

// listPage is what the neighbour links need from one page of a list.
type listPage struct {
	uuids            []string
	page             int
	hasPrev, hasNext bool
	at               time.Time
}

// listPages remembers recently shown list pages by their upstream filter
// (page and page size included). The zero value is ready to use.
type listPages struct {
	mu sync.Mutex
	m  map[string]listPage
}

func newListPage(res *vobiz.SearchResponse) listPage {
	p := listPage{uuids: make([]string, len(res.Data)), page: max(int(res.Pagination.Page), 1),
		hasPrev: res.Pagination.HasPrev, hasNext: res.Pagination.HasNext, at: time.Now()}
	for i := range res.Data {
		p.uuids[i] = string(res.Data[i].UUID)
	}
	return p
}

func (l *listPages) put(f vobiz.Filter, p listPage) {
	key := f.Values().Encode()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxListPages {
		l.m = make(map[string]listPage)
	}
	l.m[key] = p
}

func (l *listPages) get(f vobiz.Filter) (listPage, bool) {
	key := f.Values().Encode()
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.m[key]
	if ok && time.Since(p.at) > listPageTTL {
		delete(l.m, key)
		return listPage{}, false
	}
	return p, ok
}

// listPageFor returns the calls of one page of a list: remembered if it
// was shown lately, else searched (and remembered).
func (h *Handler) listPageFor(ctx context.Context, f vobiz.Filter) (listPage, error) {
	if p, ok := h.lists.get(f); ok {
		return p, nil
	}
	res, err := h.CDRs.Search(ctx, f)
	if err != nil {
		return listPage{}, err
	}
	p := newListPage(res)
	h.lists.put(f, p)
	return p, nil
}
