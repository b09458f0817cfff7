-- The shared catalog's own search index, the twin of SQLite's 0013 (`shared_apps_fts`).
--
-- Everyone types into the shared catalog (each name's newest ALL_USERS version, `latest_shared`),
-- about half of the rows at 100,000 apps. A partial GIN index of those rows' `search` vectors lets
-- a search of the shared catalog walk their matches alone. (ts_rank weighs no other rows, so the
-- order is the same as before; PostgreSQL keeps the index as the flag moves.)
CREATE INDEX apps_shared_search ON apps USING gin (search) WHERE latest_shared;
