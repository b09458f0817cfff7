-- The catalog's change counter (issue 17, several servers on one database): every write that
-- moves what the catalog caches counts bumps it inside its transaction, and each server's cache
-- compares it with the count it has followed before answering from memory (store/catalog/cache.rs).
CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
