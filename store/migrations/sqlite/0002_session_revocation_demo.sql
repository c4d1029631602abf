-- Sessions that sign-out, disabling, password and role changes end must stay
-- ended, even when a request that loaded them before finishes afterwards and
-- commits them again. Times are Unix microseconds (UTC).

-- Sessions from before cannot be attributed to their user, so they end:
-- everybody signs in again once after this upgrade.
DELETE FROM sessions;

-- The user a session is signed in as, and the user's session epoch it was
-- created in (both NULL for anonymous sessions): revoking a user's sessions
-- deletes their rows by user, and a late commit of a session from an older
-- epoch is refused.
ALTER TABLE sessions ADD COLUMN user_id INTEGER;
ALTER TABLE sessions ADD COLUMN user_epoch INTEGER;
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Destroyed tokens of signed-in sessions (as stored: hashed). A token listed
-- here is never found nor written again; the row is kept until the longest
-- session that token could have had is over.
CREATE TABLE revoked_sessions (
    token  TEXT    PRIMARY KEY,
    expiry INTEGER NOT NULL
);
CREATE INDEX revoked_sessions_expiry_idx ON revoked_sessions (expiry);

-- Accounts of demo mode: its demo / demo admin and accounts added on a demo
-- instance. Only demo instances let them sign in, and demo mode refuses a
-- database that holds any account without the mark.
ALTER TABLE users ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
