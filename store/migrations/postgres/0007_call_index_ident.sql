-- The call index's free-text search (PostgreSQL): search looks for a
-- substring of the numbers and the caller's name (the trigram indexes of
-- 0004) or of an identifier (uuid, sip_call_id, bridge_uuid, campaign_id,
-- trunk_id). The identifiers, lowercased and joined by chr(31), get a trigram
-- index too, so a search is a bitmap OR of trigram lookups instead of a scan
-- of its window (callindex.identExprPG is this expression, character for
-- character). Skipped, like 0004's, when pg_trgm is not available.
DO $do$
DECLARE
    ext_schema TEXT;
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX call_index_ident_trgm ON call_index USING gin ((lower(uuid || chr(31) || '
            'sip_call_id || chr(31) || COALESCE(bridge_uuid, '''') || chr(31) || COALESCE(campaign_id, '''') || '
            'chr(31) || COALESCE(trunk_id, ''''))) %I.gin_trgm_ops)', ext_schema);
    END IF;
END
$do$;
