-- Aggregates for reports and the costs page (PostgreSQL). callindex.Upsert and
-- DeleteBefore keep both tables in the same transaction as the calls, so they
-- always equal what a scan of call_index adds up. Times are Unix microseconds
-- (UTC); money is in millionths, each call's amount rounded to six decimals
-- and then added as integers, so sums are exact.
--
-- 1. The rollup moves from UTC hours to 15-minute slots (callindex.SlotLength):
--    every time zone's offset is a multiple of 15 minutes, so a local hour,
--    day, week or month is a whole number of slots, and a report in IST
--    (+05:30) or NPT (+05:45) reads its days from the rollup whole. It also
--    keeps cost and streaming_cost besides total_cost (cost_micros was
--    total_cost; it is now cost, total_micros is total_cost). The band is
--    under the default thresholds, as before.
CREATE TABLE call_index_slots (
    slot             BIGINT NOT NULL,
    outcome          TEXT    NOT NULL,
    call_direction   TEXT    NOT NULL,
    band             TEXT    NOT NULL,
    calls            BIGINT NOT NULL,
    answered         BIGINT NOT NULL,
    duration         BIGINT NOT NULL,
    billsec          BIGINT NOT NULL,
    cost_micros      BIGINT NOT NULL,
    streaming_micros BIGINT NOT NULL,
    total_micros     BIGINT NOT NULL,
    last_start       BIGINT NOT NULL,
    PRIMARY KEY (slot, outcome, call_direction, band)
);

INSERT INTO call_index_slots
SELECT start_time / 900000000 * 900000000, outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), MAX(start_time)
FROM call_index
GROUP BY 1, 2, 3, 4;

DROP TABLE call_index_hourly;

-- 2. Per UTC day, per dimension a report or the costs page splits calls by
--    (callindex.GroupBy, all but destination_number: one row per number and
--    day would be nearly a row per call), per value of it and per outcome,
--    direction and band (the conditions a rollup can answer): the same sums
--    and the largest MOS. callindex.Groups reads the whole UTC days of its
--    window here and the partial days at its edges from call_index (a local
--    day never aligns with a UTC one: IST midnight is 18:30 UTC). key is the
--    value as stored, '' for NULL; mos_bucket's key is floor((mos - 1) * 4),
--    15 for 5.0, for calls with 1 <= mos <= 5 only.
CREATE TABLE call_index_day_groups (
    dim              TEXT    NOT NULL,
    day              BIGINT NOT NULL,
    key              TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    call_direction   TEXT    NOT NULL,
    band             TEXT    NOT NULL,
    calls            BIGINT NOT NULL,
    answered         BIGINT NOT NULL,
    duration         BIGINT NOT NULL,
    billsec          BIGINT NOT NULL,
    cost_micros      BIGINT NOT NULL,
    streaming_micros BIGINT NOT NULL,
    total_micros     BIGINT NOT NULL,
    max_mos          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (dim, day, key, outcome, call_direction, band)
);

INSERT INTO call_index_day_groups
SELECT 'hangup_cause', start_time / 86400000000 * 86400000000, COALESCE(hangup_cause, ''), outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), COALESCE(MAX(mos), 0)
FROM call_index
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO call_index_day_groups
SELECT 'mos_bucket', start_time / 86400000000 * 86400000000, CAST(CASE WHEN mos >= 5 THEN 15 ELSE CAST(FLOOR((mos - 1) * 4) AS BIGINT) END AS TEXT), outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), COALESCE(MAX(mos), 0)
FROM call_index WHERE mos >= 1 AND mos <= 5
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO call_index_day_groups
SELECT 'trunk_id', start_time / 86400000000 * 86400000000, COALESCE(trunk_id, ''), outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), COALESCE(MAX(mos), 0)
FROM call_index
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO call_index_day_groups
SELECT 'campaign_id', start_time / 86400000000 * 86400000000, COALESCE(campaign_id, ''), outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), COALESCE(MAX(mos), 0)
FROM call_index
GROUP BY 2, 3, 4, 5, 6;

INSERT INTO call_index_day_groups
SELECT 'region', start_time / 86400000000 * 86400000000, region, outcome, call_direction,
    (CASE WHEN billsec <= 0 AND NOT (mos IS NOT NULL AND mos <> 0) THEN 'no_media' ELSE CASE GREATEST(CASE WHEN NOT (mos IS NOT NULL AND mos <> 0) THEN 0 WHEN mos < 1 OR mos > 5 THEN 1 WHEN mos >= 4 THEN 2 WHEN mos >= 3.5 THEN 3 ELSE 4 END, CASE WHEN jitter IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND jitter = 0) THEN 0 WHEN jitter < 0 THEN 1 WHEN jitter <= 10 THEN 2 WHEN jitter <= 30 THEN 3 ELSE 4 END, CASE WHEN packet_loss IS NULL OR (NOT (mos IS NOT NULL AND mos <> 0) AND packet_loss = 0) THEN 0 WHEN packet_loss < 0 OR packet_loss > 100 THEN 1 WHEN packet_loss < 0.5 THEN 2 WHEN packet_loss <= 1 THEN 3 ELSE 4 END) WHEN 0 THEN 'no_media' WHEN 1 THEN 'unknown' WHEN 2 THEN 'good' WHEN 3 THEN 'fair' ELSE 'poor' END END),
    COUNT(*), SUM(CASE WHEN billsec > 0 THEN 1 ELSE 0 END), SUM(duration), SUM(billsec),
    SUM(CAST(ROUND(cost * 1000000) AS BIGINT)), SUM(CAST(ROUND(streaming_cost * 1000000) AS BIGINT)),
    SUM(CAST(ROUND(total_cost * 1000000) AS BIGINT)), COALESCE(MAX(mos), 0)
FROM call_index
GROUP BY 2, 3, 4, 5, 6;
