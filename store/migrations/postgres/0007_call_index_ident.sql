-- Nothing to do on PostgreSQL: SQLite's 0007 adds an index for its free-text
-- search; PostgreSQL's search (LIKE over the same columns) keeps its plan. The
-- file keeps both dialects' migration versions in step.
SELECT 1;
