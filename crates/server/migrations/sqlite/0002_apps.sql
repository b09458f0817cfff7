-- The App Store: one row per app name+version, its documents, images and tags, and the catalog's
-- search index. Portable SQL except the FTS5 table and its triggers (SQLite's full-text search;
-- PostgreSQL would use a tsvector column instead).

-- What the catalog lists and filters on. The large texts live in app_documents, so these rows stay
-- small and a scan over 100,000 of them stays fast.
CREATE TABLE apps (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    version       TEXT NOT NULL,
    -- wavehub_core::apps::version_sort_key(version): byte order = semver precedence.
    version_key   TEXT NOT NULL,
    title         TEXT NOT NULL,
    sort_title    TEXT NOT NULL,     -- the title lowercased: the catalog's case-blind order
    description   TEXT NOT NULL,
    category      TEXT,
    keywords      TEXT NOT NULL,     -- a JSON array of strings (FTS5 indexes its words)
    owner_id      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    visibility    TEXT NOT NULL CHECK (visibility IN ('PRIVATE', 'ALL_USERS')),
    -- 1 on the newest ALL_USERS version of its name (semver), 0 elsewhere: the shared catalog, kept
    -- by catalog::refresh_latest_shared instead of a per-row subquery.
    latest_shared INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL,     -- the bundle's blob, blobs/<sha256>
    bundle_size   INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX apps_by_name_version ON apps (name, version_key);
CREATE INDEX apps_by_owner ON apps (owner_id);
CREATE INDEX apps_by_category ON apps (category);
CREATE INDEX apps_by_sha256 ON apps (sha256);
-- The shared catalog in each of its orders, so a page (even a deep one) is an index range.
CREATE INDEX apps_shared_by_title ON apps (latest_shared, sort_title, name, version_key DESC);
CREATE INDEX apps_shared_by_created ON apps (latest_shared, created_at);
CREATE INDEX apps_shared_by_name ON apps (latest_shared, name, version_key DESC);

-- The app page's large texts: the parsed manifest and the LongDescription.
CREATE TABLE app_documents (
    app_id           INTEGER PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    manifest         TEXT NOT NULL,  -- the parsed manifest as JSON
    long_description TEXT
);

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
