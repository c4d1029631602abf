-- The local call index (PostgreSQL): one row per call of the Vobiz account,
-- kept in sync with the API by the index's sync job, and the per-UTC-day
-- state that job resumes from. Package callindex owns both tables.
--
-- Columns carry the API's field names. Times are Unix microseconds (UTC), as
-- everywhere in this database, NULL when the record has no time. Derived
-- columns: outcome (diagnosis.OutcomeOf) and failed (outcome = 'failed') are
-- written with the row; the quality band is not stored because its edges are
-- admin settings: queries compute it from mos, jitter and packet_loss.
CREATE TABLE call_index (
    seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid               TEXT    NOT NULL UNIQUE,
    start_time         BIGINT  NOT NULL,
    answer_time        BIGINT,
    end_time           BIGINT,
    progress_time      BIGINT,
    call_direction     TEXT    NOT NULL,
    caller_id_name     TEXT    NOT NULL,
    caller_id_number   TEXT    NOT NULL,
    destination_number TEXT    NOT NULL,
    duration           BIGINT  NOT NULL,
    billsec            BIGINT  NOT NULL,
    ring_time          BIGINT  NOT NULL,
    hangup_cause       TEXT,
    hangup_cause_code  BIGINT,
    hangup_cause_name  TEXT,
    hangup_disposition TEXT,
    hangup_source      TEXT,
    failure_code       TEXT,
    failure_reason     TEXT,
    mos                DOUBLE PRECISION,
    jitter             DOUBLE PRECISION,
    packet_loss        DOUBLE PRECISION,
    codec              TEXT,
    cost               DOUBLE PRECISION NOT NULL,
    streaming_cost     DOUBLE PRECISION NOT NULL,
    total_cost         DOUBLE PRECISION NOT NULL,
    currency           TEXT    NOT NULL,
    id                 BIGINT  NOT NULL,
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
    created_at         BIGINT,
    updated_at         BIGINT,
    extra              TEXT,
    outcome            TEXT    NOT NULL,
    failed             SMALLINT NOT NULL
);

-- Time windows, the default newest-first order and the summary tiles: the
-- columns the tiles add up and the cheap filters test are included, so a
-- window's count and sums can be an index-only scan.
CREATE INDEX call_index_start_idx ON call_index (start_time)
    INCLUDE (outcome, call_direction, billsec, duration, ring_time, total_cost, mos, jitter, packet_loss,
        hangup_source, region, codec, trunk_id);
CREATE INDEX call_index_cause_code_idx ON call_index (hangup_cause_code, start_time);
CREATE INDEX call_index_cause_idx ON call_index (lower(hangup_cause), start_time);
CREATE INDEX call_index_duration_idx ON call_index (duration, start_time);
CREATE INDEX call_index_billsec_idx ON call_index (billsec, start_time);
CREATE INDEX call_index_ring_idx ON call_index (ring_time, start_time);
CREATE INDEX call_index_cost_idx ON call_index (total_cost, start_time);
-- NULLS FIRST so both directions of the MOS sort (no media lowest) walk it.
CREATE INDEX call_index_mos_idx ON call_index (mos NULLS FIRST, start_time);

-- Substring search on the numbers and the caller's name: trigram GIN
-- indexes from pg_trgm. The extension is created in public when the role may
-- (pg_trgm is a trusted extension), so a schema dropped later cannot take it
-- with it; without it the indexes are skipped and substring filters scan
-- their time window instead, slower but correct.
DO $do$
DECLARE
    ext_schema TEXT;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'call index: pg_trgm unavailable (%), substring search will scan', SQLERRM;
    END;
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX call_index_caller_trgm ON call_index USING gin (caller_id_number %I.gin_trgm_ops)', ext_schema);
        EXECUTE format('CREATE INDEX call_index_dest_trgm ON call_index USING gin (destination_number %I.gin_trgm_ops)', ext_schema);
        EXECUTE format('CREATE INDEX call_index_name_trgm ON call_index USING gin (lower(caller_id_name) %I.gin_trgm_ops)', ext_schema);
    END IF;
END
$do$;

-- One row per UTC day the sync job has touched. A day is 'complete' only when
-- its row count matched the API's own total at verified_at.
CREATE TABLE call_index_days (
    day         TEXT    PRIMARY KEY,
    status      TEXT    NOT NULL CHECK (status IN ('complete', 'syncing', 'mismatch', 'missing')),
    rows        BIGINT  NOT NULL DEFAULT 0,
    api_total   BIGINT,
    verified_at BIGINT,
    last_error  TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL
);
