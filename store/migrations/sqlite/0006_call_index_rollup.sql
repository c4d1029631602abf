-- The call index at a million calls and more (SQLite).
--
-- 1. Hourly rollup: per UTC hour and per outcome, direction and quality band
--    (the band under the default thresholds, diagnosis.DefaultThresholds),
--    the sums behind the summary tiles. A list page's tiles over a long
--    window add up a few rows per hour instead of every call; the partial
--    hours at the window's edges are read from call_index. callindex.Upsert
--    and DeleteBefore keep it in the same transaction as the calls (they
--    recompute every hour they touched from call_index), so it is never
--    ahead of or behind the calls. A band asked with other thresholds is
--    computed from the calls, as before. hour and last_start are Unix
--    microseconds (UTC); cost_micros is total_cost in millionths, added
--    exactly.
CREATE TABLE call_index_hourly (
    hour           INTEGER NOT NULL,
    outcome        TEXT    NOT NULL,
    call_direction TEXT    NOT NULL,
    band           TEXT    NOT NULL,
    calls          INTEGER NOT NULL,
    answered       INTEGER NOT NULL,
    duration       INTEGER NOT NULL,
    billsec        INTEGER NOT NULL,
    cost_micros    INTEGER NOT NULL,
    last_start     INTEGER NOT NULL,
    PRIMARY KEY (hour, outcome, call_direction, band)
) WITHOUT ROWID;

INSERT INTO call_index_hourly
SELECT start_time / 3600000000 * 3600000000, outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE max(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)
FROM call_index INDEXED BY call_index_start_idx
GROUP BY 1, 2, 3, 4;

-- 2. Sort indexes led by the UTC day (start_time / 86400000000): a backfill
--    writes a day at a time, so each batch's entries land in one small,
--    cached stretch of every index instead of at random places all over an
--    index that outgrew the page cache (with the old indexes a backfill ran
--    17,200 calls/s at 100,000 calls, 10,700 building a million). A sorted
--    page walks each day of its window in order and merges the days
--    (callindex.walkSQL).
DROP INDEX call_index_duration_idx;
DROP INDEX call_index_billsec_idx;
DROP INDEX call_index_ring_idx;
DROP INDEX call_index_cost_idx;
DROP INDEX call_index_mos_idx;
CREATE INDEX call_index_duration_day_idx ON call_index (start_time / 86400000000, duration, start_time);
CREATE INDEX call_index_billsec_day_idx ON call_index (start_time / 86400000000, billsec, start_time);
CREATE INDEX call_index_ring_day_idx ON call_index (start_time / 86400000000, ring_time, start_time);
CREATE INDEX call_index_cost_day_idx ON call_index (start_time / 86400000000, total_cost, start_time);
CREATE INDEX call_index_mos_day_idx ON call_index (start_time / 86400000000, mos, start_time);

-- 3. The hangup cause and cause code indexes carry the columns the tiles add
--    up, so a cause filter's summary over a long window reads only its own
--    entries (it visited the row of every match: 95 ms of CPU for 30 days at
--    a million calls).
DROP INDEX call_index_cause_code_idx;
DROP INDEX call_index_cause_idx;
CREATE INDEX call_index_cause_code_idx ON call_index (hangup_cause_code, start_time, billsec, duration, total_cost);
CREATE INDEX call_index_cause_idx ON call_index (hangup_cause COLLATE NOCASE, start_time, billsec, duration, total_cost);
