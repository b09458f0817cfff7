-- The App Store: one row per app name+version, its images, its tags, and the catalog's search index.
-- Portable SQL except the FTS5 table and its triggers (SQLite's full-text search; PostgreSQL would
-- use a tsvector column instead).

CREATE TABLE apps (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    version          TEXT NOT NULL,
    -- wavehub_core::apps::version_sort_key(version): byte order = semver precedence.
    version_key      TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    long_description TEXT,
    category         TEXT,
    keywords         TEXT NOT NULL,   -- a JSON array of strings (FTS5 indexes its words)
    owner_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    visibility       TEXT NOT NULL CHECK (visibility IN ('PRIVATE', 'ALL_USERS')),
    manifest         TEXT NOT NULL,   -- the parsed manifest as JSON
    sha256           TEXT NOT NULL,   -- the bundle's blob, blobs/<sha256>
    bundle_size      INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX apps_by_name_version ON apps (name, version_key);
CREATE INDEX apps_by_owner ON apps (owner_id);
CREATE INDEX apps_by_visibility_title ON apps (visibility, title);
CREATE INDEX apps_by_created ON apps (created_at);
CREATE INDEX apps_by_category ON apps (category);
CREATE INDEX apps_by_sha256 ON apps (sha256);

-- Icon (position 0 of kind 'icon') and screenshots (kind 'screenshot', positions from 0), taken out
-- of the bundle once at import so pages never open the archive.
CREATE TABLE app_images (
    app_id     INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('icon', 'screenshot')),
    position   INTEGER NOT NULL,
    path       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    PRIMARY KEY (app_id, kind, position)
);

CREATE TABLE app_tags (
    app_id INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    tag    TEXT NOT NULL,
    PRIMARY KEY (app_id, tag)
);
CREATE INDEX app_tags_by_tag ON app_tags (tag);

-- Full-text search over name, title, description and keywords, kept in step by triggers.
CREATE VIRTUAL TABLE apps_fts USING fts5(
    name, title, description, keywords,
    content = 'apps', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER apps_fts_insert AFTER INSERT ON apps BEGIN
    INSERT INTO apps_fts (rowid, name, title, description, keywords)
    VALUES (new.id, new.name, new.title, new.description, new.keywords);
END;
CREATE TRIGGER apps_fts_delete AFTER DELETE ON apps BEGIN
    INSERT INTO apps_fts (apps_fts, rowid, name, title, description, keywords)
    VALUES ('delete', old.id, old.name, old.title, old.description, old.keywords);
END;
