-- The call index at a million calls and more (PostgreSQL): an hourly rollup.
-- Per UTC hour and per outcome, direction and quality band (the band under
-- the default thresholds, diagnosis.DefaultThresholds), the sums behind the
-- summary tiles. A list page's tiles over a long window add up a few rows per
-- hour instead of every call; the partial hours at the window's edges are read
-- from call_index. callindex.Upsert and DeleteBefore keep it in the same
-- transaction as the calls (they recompute every hour they touched from
-- call_index). A band asked with other thresholds is computed from the calls,
-- as before. hour and last_start are Unix microseconds (UTC); cost_micros is
-- total_cost in millionths, added exactly.
--
-- The sort indexes stay as they are here: SQLite's moved to day-led keys
-- (its 0006) for its backfill; PostgreSQL's planner walks these itself.
CREATE TABLE call_index_hourly (
    hour           BIGINT NOT NULL,
    outcome        TEXT   NOT NULL,
    call_direction TEXT   NOT NULL,
    band           TEXT   NOT NULL,
    calls          BIGINT NOT NULL,
    answered       BIGINT NOT NULL,
    duration       BIGINT NOT NULL,
    billsec        BIGINT NOT NULL,
    cost_micros    BIGINT NOT NULL,
    last_start     BIGINT NOT NULL,
    PRIMARY KEY (hour, outcome, call_direction, band)
);

INSERT INTO call_index_hourly
SELECT start_time / 3600000000 * 3600000000, outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)
FROM call_index
GROUP BY 1, 2, 3, 4;
