-- The call index's sync job state (PostgreSQL): one row, shared by every process
-- on the database, so any replica's pages can say how fresh the index is and
-- an admin's "re-sync" or "refresh" reaches whichever process syncs.
--
-- holder/lease_until: the process that syncs and until when its lease holds;
-- another process may take the lease once it has expired. Times are Unix
-- microseconds (UTC); NULL means never.
CREATE TABLE call_index_sync (
    id                BIGINT  PRIMARY KEY CHECK (id = 1),
    holder            TEXT    NOT NULL DEFAULT '',
    lease_until       BIGINT,
    last_poll_at      BIGINT,
    last_error        TEXT    NOT NULL DEFAULT '',
    last_error_at     BIGINT,
    paused            TEXT    NOT NULL DEFAULT '',
    backfill_days     BIGINT  NOT NULL DEFAULT 0,
    backfill_done     BIGINT  NOT NULL DEFAULT 0,
    poll_requested_at BIGINT,
    updated_at        BIGINT  NOT NULL
);
INSERT INTO call_index_sync (id, updated_at) VALUES (1, 0);
