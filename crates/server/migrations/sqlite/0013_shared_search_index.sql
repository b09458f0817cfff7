-- The shared catalog's own full-text index (measured with `cargo xtask bench catalog`).
--
-- Everyone types into the shared catalog (each name's newest ALL_USERS version, `latest_shared`),
-- about half of the rows at 100,000 apps. Searched in `apps_fts`, a one-letter prefix walks the
-- matches of every row, older versions and private apps too, and its text rank weighs words
-- against all of them. This index holds the shared rows alone: the walk is half as long, and the
-- rank weighs the words of the catalog being searched. Same columns, tokenizer and prefix
-- indexes as apps_fts (0010).
--
-- A row's text never changes once imported (apps_fts has no update trigger either); a row
-- enters and leaves this index when its flag turns.
CREATE VIRTUAL TABLE shared_apps_fts USING fts5(
    name, title, description, keywords,
    content = 'apps', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);
INSERT INTO shared_apps_fts (rowid, name, title, description, keywords)
    SELECT id, name, title, description, keywords FROM apps WHERE latest_shared;
CREATE TRIGGER shared_apps_fts_insert AFTER INSERT ON apps WHEN new.latest_shared BEGIN
    INSERT INTO shared_apps_fts (rowid, name, title, description, keywords)
    VALUES (new.id, new.name, new.title, new.description, new.keywords);
END;
CREATE TRIGGER shared_apps_fts_delete AFTER DELETE ON apps WHEN old.latest_shared BEGIN
    INSERT INTO shared_apps_fts (shared_apps_fts, rowid, name, title, description, keywords)
    VALUES ('delete', old.id, old.name, old.title, old.description, old.keywords);
END;
CREATE TRIGGER shared_apps_fts_shared AFTER UPDATE OF latest_shared ON apps WHEN new.latest_shared AND NOT old.latest_shared BEGIN
    INSERT INTO shared_apps_fts (rowid, name, title, description, keywords)
    VALUES (new.id, new.name, new.title, new.description, new.keywords);
END;
CREATE TRIGGER shared_apps_fts_unshared AFTER UPDATE OF latest_shared ON apps WHEN old.latest_shared AND NOT new.latest_shared BEGIN
    INSERT INTO shared_apps_fts (shared_apps_fts, rowid, name, title, description, keywords)
    VALUES ('delete', old.id, old.name, old.title, old.description, old.keywords);
END;
