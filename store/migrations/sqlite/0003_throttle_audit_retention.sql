-- Sign-in lock periods and audit-trail retention (SQLite).

-- One row per throttle key while it is (or recently was) locked: the audit
-- trail records a lock once per period, and the attempts refused during the
-- period are counted here instead of each writing an audit row.
CREATE TABLE login_locks (
    key       TEXT    PRIMARY KEY,
    started   INTEGER NOT NULL,
    until     INTEGER NOT NULL,
    throttled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_locks_until_idx ON login_locks (until);

-- How long audit events are kept (microseconds), set by the application at
-- start-up. The delete trigger below reads it, so only events older than the
-- retention can ever be deleted, and never younger than 30 days.
CREATE TABLE audit_retention (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    micros INTEGER NOT NULL CHECK (micros >= 2592000000000)
);
INSERT INTO audit_retention (id, micros) VALUES (1, 400 * 86400000000);

DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT (OLD.at < CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)
        - COALESCE((SELECT micros FROM audit_retention WHERE id = 1), 4611686018427387904))
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: only events older than the retention may be deleted');
END;
