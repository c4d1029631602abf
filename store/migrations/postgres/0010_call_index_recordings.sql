-- Recordings in the call index (docs/call-index.md#recordings): one row per
-- recording the Recording API listed, keyed by its id, so the calls list can
-- mark recorded calls and filter on them without asking Vobiz per call.
--
-- There is deliberately no recording_url: it grants access to the audio to
-- whoever holds it, so it is never stored; the call page asks the API for a
-- fresh one at play time. Times are Unix microseconds (UTC), NULL for none;
-- start_ms and end_ms are as the API gives them (epoch milliseconds).
CREATE TABLE call_index_recordings (
    recording_id   TEXT    PRIMARY KEY,
    call_uuid      TEXT    NOT NULL,
    add_time       BIGINT,
    format         TEXT    NOT NULL DEFAULT '',
    recording_type TEXT    NOT NULL DEFAULT '',
    duration_ms    BIGINT  NOT NULL DEFAULT 0,
    start_ms       BIGINT,
    end_ms         BIGINT,
    from_number    TEXT    NOT NULL DEFAULT '',
    to_number      TEXT    NOT NULL DEFAULT '',
    updated_at     BIGINT  NOT NULL
);
-- The calls list's EXISTS probe and the call page's lookup.
CREATE INDEX call_index_recordings_call_idx ON call_index_recordings (call_uuid);
-- Retention deletes recordings by age as well as with their calls.
CREATE INDEX call_index_recordings_added_idx ON call_index_recordings (add_time);

-- Per UTC day (by add_time): when the day's recording list was last read
-- through to its end, and how many recordings it listed. A day without a row
-- has not been synced: the calls list says so before answering has_recording
-- for it.
CREATE TABLE call_index_recording_days (
    day        TEXT    PRIMARY KEY,
    listed     BIGINT  NOT NULL DEFAULT 0,
    synced_at  BIGINT  NOT NULL
);

-- The recording sync's own state, one row shared by every process (like
-- call_index_sync): the newest add_time seen (the poll's watermark), the
-- last failure, and "unavailable" when the account answered that it has no
-- Recording endpoint (404), with when to try again.
CREATE TABLE call_index_recording_sync (
    id            BIGINT  PRIMARY KEY CHECK (id = 1),
    watermark     BIGINT,
    last_poll_at  BIGINT,
    unavailable   TEXT    NOT NULL DEFAULT '',
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at BIGINT,
    retry_at      BIGINT,
    failures      BIGINT  NOT NULL DEFAULT 0,
    updated_at    BIGINT  NOT NULL
);
INSERT INTO call_index_recording_sync (id, updated_at) VALUES (1, 0);

-- recorded: 1 when the index holds a recording of the call, kept by
-- callindex (UpsertRecordings, LinkRecordings), so has_recording is read from
-- the time index like the other cheap filters: probing the recordings per
-- call needed each call's row (about a second for 30 days of a million
-- calls). The time index is rebuilt with it (a few seconds per million calls,
-- once).
ALTER TABLE call_index ADD COLUMN recorded SMALLINT NOT NULL DEFAULT 0;
DROP INDEX call_index_start_idx;
CREATE INDEX call_index_start_idx ON call_index (start_time)
    INCLUDE (outcome, call_direction, billsec, duration, ring_time, total_cost, mos, jitter, packet_loss,
        hangup_source, region, codec, trunk_id, recorded);
