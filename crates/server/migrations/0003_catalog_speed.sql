-- Catalog speed: the shared catalog (each name's newest ALL_USERS version) is a flag kept up to date
-- by the server instead of a per-row subquery, and titles sort case-blind through an indexed column.
-- Measured with 100,000 apps: the default page went from about 1 s of SQL to a few ms.

-- Lowercased title (the server folds Unicode; the backfill below folds ASCII, as SQLite's LOWER does).
ALTER TABLE apps ADD COLUMN sort_title TEXT NOT NULL DEFAULT '';
-- 1 on the newest ALL_USERS version of its name (semver), 0 elsewhere: catalog::refresh_latest_shared.
ALTER TABLE apps ADD COLUMN latest_shared INTEGER NOT NULL DEFAULT 0;

UPDATE apps SET sort_title = LOWER(title);
UPDATE apps SET latest_shared = 1
WHERE visibility = 'ALL_USERS'
  AND version_key = (SELECT MAX(b.version_key) FROM apps b WHERE b.name = apps.name AND b.visibility = 'ALL_USERS');

CREATE INDEX apps_latest_shared_title ON apps (latest_shared, sort_title);
CREATE INDEX apps_latest_shared_created ON apps (latest_shared, created_at);
CREATE INDEX apps_latest_shared_name ON apps (latest_shared, name);
