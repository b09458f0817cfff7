-- What a starting instance is doing now (docs/instances.md), shown on the page with its elapsed time.
ALTER TABLE instances ADD COLUMN step TEXT;
ALTER TABLE instances ADD COLUMN step_started_at TEXT;

-- The apps origin (docs/instances.md, "The proxy") has sessions of its own: the console's cookie is
-- never sent there when apps run on a separate domain, and is stripped when they share a host.
-- A ticket is minted on the console (one use, a minute) and exchanged on the apps origin for a
-- session cookie. Both are stored hashed, like console sessions.
CREATE TABLE app_tickets (
    ticket_hash TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    expires_at  TEXT NOT NULL
);
CREATE TABLE app_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX app_sessions_by_user ON app_sessions (user_id);
