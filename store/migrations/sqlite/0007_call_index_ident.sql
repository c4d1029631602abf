-- The call index's free-text search (SQLite): search looks for a substring
-- of the numbers and the caller's name (the trigram index of 0004) or of an
-- identifier (uuid, sip_call_id, bridge_uuid, campaign_id, trunk_id). The
-- identifiers, lowercased and joined by char(31), are kept in this index led
-- by start time, so a search reads them from the index over its window
-- instead of visiting every call's row (7 days at a million calls: from 285 ms
-- to about 50 ms of CPU); a trigram index over them would cost a backfill far more (three UUIDs,
-- about a hundred trigrams per call). callindex.identExpr is this
-- expression, character for character.
CREATE INDEX call_index_ident_idx ON call_index (start_time, lower(uuid || char(31) || sip_call_id || char(31) ||
    COALESCE(bridge_uuid, '') || char(31) || COALESCE(campaign_id, '') || char(31) || COALESCE(trunk_id, '')));
