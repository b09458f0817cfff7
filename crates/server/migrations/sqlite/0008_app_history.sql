-- An app name's history and the successor of a deleted version.

-- The app name an audit entry is about (a version, its tags, its instances), so an app name's
-- history (GET /app-names/{name}/history) is one index range. Written by audit::record.
ALTER TABLE audit_log ADD COLUMN app_name TEXT;
CREATE INDEX audit_log_by_app_name ON audit_log (app_name, id);

-- What is left of a deleted version: its name and version, so a link to it can still point to
-- the version that replaced it. Written in the delete's transaction.
CREATE TABLE deleted_apps (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    version_key TEXT NOT NULL,   -- wavehub_core::apps::version_sort_key(version)
    deleted_at  TEXT NOT NULL
);

-- Entries written before this migration: their names from the versions and instances that are
-- still there (SQLite: CAST reads the leading digits of `12/tags/X`), then deletes by their
-- detail.
UPDATE audit_log SET app_name = (SELECT a.name FROM apps a WHERE a.id = CAST(substr(audit_log.resource, 6) AS INTEGER))
    WHERE resource LIKE 'apps/%';
UPDATE audit_log SET app_name = (
        SELECT a.name FROM instances i JOIN apps a ON a.id = i.app_id
        WHERE i.id = CAST(substr(audit_log.resource, 11) AS INTEGER))
    WHERE resource LIKE 'instances/%';
UPDATE audit_log SET app_name = json_extract(detail, '$.name')
    WHERE app_name IS NULL AND resource LIKE 'apps/%' AND action = 'delete' AND json_valid(detail);
