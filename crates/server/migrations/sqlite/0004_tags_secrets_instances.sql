-- Tags with titles, colors and admin roles; secrets; app instances.
-- Portable SQL (SQLite now, PostgreSQL later). Times are RFC 3339 UTC text.

-- A tag's assignments stay in app_tags (0002), keyed by name: app.toml's `Tags` assign at import, and
-- PUT/DELETE /apps/{id}/tags/{tag} later. A name in app_tags without a row here is a tag the
-- manifest named that no admin created (shown by name, in the default color).
CREATE TABLE tags (
    name        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    color       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    admin_roles TEXT NOT NULL DEFAULT '[]',   -- JSON array of role names; empty = anyone signed in
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Values are write-only: no API answer carries them; only instances receive them.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE secret_keys (
    secret_name TEXT NOT NULL REFERENCES secrets(name) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (secret_name, key)
);

-- One running copy of an app version. Deleting an app version is refused while it has live
-- (starting or running) instances; its ended instances go with it.
CREATE TABLE instances (
    id            INTEGER PRIMARY KEY,
    app_id        INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    owner_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    visibility    TEXT NOT NULL CHECK (visibility IN ('PRIVATE', 'ALL_USERS')),
    status        TEXT NOT NULL CHECK (status IN ('starting', 'running', 'failed', 'terminated')),
    status_reason TEXT,
    url           TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX instances_by_app ON instances (app_id, status);
CREATE INDEX instances_by_owner ON instances (owner_id, id);
