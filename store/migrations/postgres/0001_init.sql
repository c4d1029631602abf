-- cdrdash schema v1 (PostgreSQL). Times are Unix microseconds (UTC) in BIGINT
-- columns, the same representation as on SQLite. To read them in psql:
--   SELECT to_timestamp(at / 1e6) FROM audit_events;

CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'agent')),
    password_hash  TEXT    NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone      TEXT    NOT NULL DEFAULT '',
    export_columns TEXT    NOT NULL DEFAULT '',
    session_epoch  BIGINT  NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    last_login_at  BIGINT
);

CREATE TABLE sessions (
    token  TEXT   PRIMARY KEY,
    data   BYTEA  NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE login_failures (
    id  BIGSERIAL PRIMARY KEY,
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at_idx ON login_failures (key, at);
CREATE INDEX login_failures_at_idx ON login_failures (at);

CREATE TABLE audit_events (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    username  TEXT   NOT NULL DEFAULT '',
    user_id   BIGINT,
    client_ip TEXT   NOT NULL DEFAULT '',
    action    TEXT   NOT NULL,
    details   TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_username_at_idx ON audit_events (username, at);
CREATE INDEX audit_events_action_at_idx ON audit_events (action, at);

-- The audit trail is append-only.
CREATE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$fn$;
CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
