package handlers

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/cdrdash/cdrdash/callindex"
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

// apiListKey keys a page of a list the API answered.
func apiListKey(f vobiz.Filter) string { return f.Values().Encode() }

// indexListKey keys a page of a list the index answered: its whole clean
// query (index parameters included) and the page as the list's URL gives
// it (0 when absent, like the API's key).
func indexListKey(q *filterQuery, page int) string {
	v := q.with()
	if page > 0 {
		v.Set(vobiz.ParamPage, strconv.Itoa(page))
	}
	return "index?" + v.Encode()
}

func (l *listPages) put(key string, p listPage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= maxListPages {
		l.m = make(map[string]listPage)
	}
	l.m[key] = p
}

func (l *listPages) get(key string) (listPage, bool) {
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
	if p, ok := h.lists.get(apiListKey(f)); ok {
		return p, nil
	}
	res, err := h.CDRs.Search(ctx, f)
	if err != nil {
		return listPage{}, err
	}
	p := newListPage(res)
	h.lists.put(apiListKey(f), p)
	return p, nil
}

// indexListPage is what the neighbour links need from a page the index
// answered.
func indexListPage(calls []callindex.Call, page, perPage int, total int64) listPage {
	page = max(page, 1)
	p := listPage{uuids: make([]string, len(calls)), page: page, hasPrev: page > 1,
		hasNext: int64(page)*int64(perPage) < total, at: time.Now()}
	for i := range calls {
		p.uuids[i] = string(calls[i].CDR.UUID)
	}
	return p
}

// indexListPageFor is listPageFor for a list the index answers: f is the
// list's index query without paging.
func (h *Handler) indexListPageFor(ctx context.Context, q *filterQuery, f callindex.Filter, page int) (listPage, error) {
	key := indexListKey(q, page)
	if p, ok := h.lists.get(key); ok {
		return p, nil
	}
	per := perPageOf(q.filter)
	f.Limit, f.Offset = per, (max(page, 1)-1)*per
	res, err := h.Index.Query(ctx, f)
	if err != nil {
		return listPage{}, err
	}
	p := indexListPage(res.Calls, page, per, res.Total)
	h.lists.put(key, p)
	return p, nil
}

// perPageOf is the page size of a list.
func perPageOf(f vobiz.Filter) int {
	if f.PerPage > 0 {
		return f.PerPage
	}
	return vobiz.DefaultPerPage
}
