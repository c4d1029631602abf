-- The local call index (SQLite): one row per call of the Vobiz account, kept
-- in sync with the API by the index's sync job, and the per-UTC-day state
-- that job resumes from. Package callindex owns both tables.
--
-- Columns carry the API's field names. Times are Unix microseconds (UTC), as
-- everywhere in this database, NULL when the record has no time. Derived
-- columns: outcome (diagnosis.OutcomeOf) and failed (outcome = 'failed') are
-- written with the row; the quality band is not stored because its edges are
-- admin settings: queries compute it from mos, jitter and packet_loss.
CREATE TABLE call_index (
    seq                INTEGER PRIMARY KEY,
    uuid               TEXT    NOT NULL UNIQUE,
    start_time         INTEGER NOT NULL,
    answer_time        INTEGER,
    end_time           INTEGER,
    progress_time      INTEGER,
    call_direction     TEXT    NOT NULL,
    caller_id_name     TEXT    NOT NULL,
    caller_id_number   TEXT    NOT NULL,
    destination_number TEXT    NOT NULL,
    duration           INTEGER NOT NULL,
    billsec            INTEGER NOT NULL,
    ring_time          INTEGER NOT NULL,
    hangup_cause       TEXT,
    hangup_cause_code  INTEGER,
    hangup_cause_name  TEXT,
    hangup_disposition TEXT,
    hangup_source      TEXT,
    failure_code       TEXT,
    failure_reason     TEXT,
    mos                REAL,
    jitter             REAL,
    packet_loss        REAL,
    codec              TEXT,
    cost               REAL    NOT NULL,
    streaming_cost     REAL    NOT NULL,
    total_cost         REAL    NOT NULL,
    currency           TEXT    NOT NULL,
    id                 INTEGER NOT NULL,
    account_id         TEXT    NOT NULL,
    bridge_uuid        TEXT,
    sip_call_id        TEXT    NOT NULL,
    sip_user_agent     TEXT,
    network_addr       TEXT,
    carrier_ip         TEXT,
    context            TEXT    NOT NULL,
    region             TEXT    NOT NULL,
    origination_region TEXT    NOT NULL,
    campaign_id        TEXT,
    customer_endpoint  TEXT,
    trunk_id           TEXT,
    terminated_to      TEXT,
    created_at         INTEGER,
    updated_at         INTEGER,
    extra              TEXT,
    outcome            TEXT    NOT NULL,
    failed             INTEGER NOT NULL
);

-- Time windows, the default newest-first order and the summary tiles: the
-- columns the tiles add up and the cheap filters test are in the index, so a
-- window's count and sums never visit the table.
CREATE INDEX call_index_start_idx ON call_index (start_time, outcome, call_direction, billsec, duration,
    ring_time, total_cost, mos, jitter, packet_loss, hangup_source, region, codec, trunk_id);
-- Equality filters over long windows.
CREATE INDEX call_index_cause_code_idx ON call_index (hangup_cause_code, start_time);
CREATE INDEX call_index_cause_idx ON call_index (hangup_cause COLLATE NOCASE, start_time);
-- Sorts other than by start time walk one of these in order and stop after
-- the page, instead of sorting the whole window.
CREATE INDEX call_index_duration_idx ON call_index (duration, start_time);
CREATE INDEX call_index_billsec_idx ON call_index (billsec, start_time);
CREATE INDEX call_index_ring_idx ON call_index (ring_time, start_time);
CREATE INDEX call_index_cost_idx ON call_index (total_cost, start_time);
CREATE INDEX call_index_mos_idx ON call_index (mos, start_time);

-- Substring search on the numbers and the caller's name (from_number,
-- to_number, search): a trigram full-text index. Updates and deletes keep it
-- by triggers; new rows are added by the writer (callindex.Upsert) with one
-- statement per batch, because a trigger per inserted row made FTS5 flush
-- its pending terms after every row, a third of a backfill's time.
CREATE VIRTUAL TABLE call_index_fts USING fts5(
    caller_id_number, destination_number, caller_id_name,
    content='call_index', content_rowid='seq', tokenize='trigram'
);
CREATE TRIGGER call_index_fts_delete AFTER DELETE ON call_index BEGIN
    INSERT INTO call_index_fts (call_index_fts, rowid, caller_id_number, destination_number, caller_id_name)
    VALUES ('delete', old.seq, old.caller_id_number, old.destination_number, old.caller_id_name);
END;
CREATE TRIGGER call_index_fts_update AFTER UPDATE OF caller_id_number, destination_number, caller_id_name
ON call_index BEGIN
    INSERT INTO call_index_fts (call_index_fts, rowid, caller_id_number, destination_number, caller_id_name)
    VALUES ('delete', old.seq, old.caller_id_number, old.destination_number, old.caller_id_name);
    INSERT INTO call_index_fts (rowid, caller_id_number, destination_number, caller_id_name)
    VALUES (new.seq, new.caller_id_number, new.destination_number, new.caller_id_name);
END;

-- One row per UTC day the sync job has touched. A day is 'complete' only when
-- its row count matched the API's own total at verified_at.
CREATE TABLE call_index_days (
    day         TEXT    PRIMARY KEY,
    status      TEXT    NOT NULL CHECK (status IN ('complete', 'syncing', 'mismatch', 'missing')),
    rows        INTEGER NOT NULL DEFAULT 0,
    api_total   INTEGER,
    verified_at INTEGER,
    last_error  TEXT    NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
);
