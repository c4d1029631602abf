package callindex

import (
	"context"
	"fmt"

	"github.com/cdrdash/cdrdash/store"
)

// Size is how much the index holds, for the admin view.
type Size struct {
	// Rows is the number of calls in the index.
	Rows int64
	// Bytes is the disk space: on SQLite the whole database file (the
	// index is almost all of it, and the file is what an operator sizes
	// a disk for); on PostgreSQL the index's tables with their indexes and
	// TOAST.
	Bytes int64
}

// Size measures the index. Counting the rows reads the smallest index of
// call_index, a few tens of milliseconds per million calls.
func (ix *Index) Size(ctx context.Context) (Size, error) {
	var sz Size
	if err := ix.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM call_index").Scan(&sz.Rows); err != nil {
		return Size{}, fmt.Errorf("callindex: count rows: %w", err)
	}
	q := "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	if ix.dialect == store.DialectPostgres {
		q = "SELECT pg_total_relation_size('call_index') + pg_total_relation_size('call_index_days') + " +
			"pg_total_relation_size('call_index_sync')"
	}
	if err := ix.db.QueryRowContext(ctx, q).Scan(&sz.Bytes); err != nil {
		return Size{}, fmt.Errorf("callindex: database size: %w", err)
	}
	return sz, nil
}
