-- Sign-in lock periods and audit-trail retention (PostgreSQL).

-- One row per throttle key while it is (or recently was) locked: the audit
-- trail records a lock once per period, and the attempts refused during the
-- period are counted here instead of each writing an audit row.
CREATE TABLE login_locks (
    key       TEXT   PRIMARY KEY,
    started   BIGINT NOT NULL,
    until     BIGINT NOT NULL,
    throttled BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX login_locks_until_idx ON login_locks (until);

-- How long audit events are kept (microseconds), set by the application at
-- start-up. The delete trigger below reads it, so only events older than the
-- retention can ever be deleted, and never younger than 30 days.
CREATE TABLE audit_retention (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    micros BIGINT  NOT NULL CHECK (micros >= 2592000000000)
);
INSERT INTO audit_retention (id, micros) VALUES (1, 400 * 86400000000::bigint);

CREATE FUNCTION audit_events_delete_guard() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF OLD.at < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
            - COALESCE((SELECT micros FROM audit_retention WHERE id = 1), 4611686018427387904) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: only events older than the retention may be deleted';
END;
$fn$;
DROP TRIGGER audit_events_no_update_delete ON audit_events;
CREATE TRIGGER audit_events_no_update
    BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_delete
    BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_delete_guard();
