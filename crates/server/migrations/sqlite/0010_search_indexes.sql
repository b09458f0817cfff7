-- Search as you type (measured with `cargo xtask bench catalog` and `bench runtime-images`).

-- The catalog's full-text index again, now with prefix indexes for 1, 2 and 3 characters: a
-- search for `f` reads one index entry instead of merging those of every word starting with f.
-- Same columns, tokenizer and triggers as 0002.
DROP TRIGGER apps_fts_insert;
DROP TRIGGER apps_fts_delete;
DROP TABLE apps_fts;
CREATE VIRTUAL TABLE apps_fts USING fts5(
    name, title, description, keywords,
    content = 'apps', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);
INSERT INTO apps_fts (apps_fts) VALUES ('rebuild');
CREATE TRIGGER apps_fts_insert AFTER INSERT ON apps BEGIN
    INSERT INTO apps_fts (rowid, name, title, description, keywords)
    VALUES (new.id, new.name, new.title, new.description, new.keywords);
END;
CREATE TRIGGER apps_fts_delete AFTER DELETE ON apps BEGIN
    INSERT INTO apps_fts (apps_fts, rowid, name, title, description, keywords)
    VALUES ('delete', old.id, old.name, old.title, old.description, old.keywords);
END;

-- A search's head (catalog::ranked_ids: names and titles that start with it) as index ranges.
CREATE INDEX apps_by_sort_title ON apps (sort_title);
CREATE INDEX apps_by_lower_name ON apps (lower(name));

-- The runtime image list's name filter (a part of the name, uid or docker image, any case): a
-- trigram index of the three texts it looks in, so a filter of 3 or more characters reads the
-- images that hold it instead of every image. The texts live in runtime_image_texts, keyed by
-- (workspace_id, uid) with an INTEGER PRIMARY KEY of their own for the index's rowid:
-- runtime_images has none, so VACUUM (secrets.rs) may renumber its rowids.
CREATE TABLE runtime_image_texts (
    id           INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    uid          TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    uid_key      TEXT NOT NULL,   -- lower(uid)
    docker_key   TEXT NOT NULL,   -- lower(coalesce(current_docker_image, ''))
    UNIQUE (workspace_id, uid)
);
CREATE VIRTUAL TABLE runtime_images_search USING fts5(
    name_key, uid_key, docker_key,
    content = 'runtime_image_texts', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO runtime_image_texts (workspace_id, uid, name_key, uid_key, docker_key)
    SELECT workspace_id, uid, name_key, lower(uid), lower(coalesce(current_docker_image, '')) FROM runtime_images;
INSERT INTO runtime_images_search (runtime_images_search) VALUES ('rebuild');

-- runtime_images → runtime_image_texts → runtime_images_search.
CREATE TRIGGER runtime_image_texts_insert AFTER INSERT ON runtime_images BEGIN
    INSERT INTO runtime_image_texts (workspace_id, uid, name_key, uid_key, docker_key)
    VALUES (new.workspace_id, new.uid, new.name_key, lower(new.uid), lower(coalesce(new.current_docker_image, '')));
END;
CREATE TRIGGER runtime_image_texts_delete AFTER DELETE ON runtime_images BEGIN
    DELETE FROM runtime_image_texts WHERE workspace_id = old.workspace_id AND uid = old.uid;
END;
CREATE TRIGGER runtime_image_texts_update AFTER UPDATE OF workspace_id, uid, name_key, current_docker_image ON runtime_images BEGIN
    UPDATE runtime_image_texts
       SET workspace_id = new.workspace_id, uid = new.uid, name_key = new.name_key, uid_key = lower(new.uid),
           docker_key = lower(coalesce(new.current_docker_image, ''))
     WHERE workspace_id = old.workspace_id AND uid = old.uid;
END;
CREATE TRIGGER runtime_images_search_insert AFTER INSERT ON runtime_image_texts BEGIN
    INSERT INTO runtime_images_search (rowid, name_key, uid_key, docker_key)
    VALUES (new.id, new.name_key, new.uid_key, new.docker_key);
END;
CREATE TRIGGER runtime_images_search_delete AFTER DELETE ON runtime_image_texts BEGIN
    INSERT INTO runtime_images_search (runtime_images_search, rowid, name_key, uid_key, docker_key)
    VALUES ('delete', old.id, old.name_key, old.uid_key, old.docker_key);
END;
CREATE TRIGGER runtime_images_search_update AFTER UPDATE ON runtime_image_texts BEGIN
    INSERT INTO runtime_images_search (runtime_images_search, rowid, name_key, uid_key, docker_key)
    VALUES ('delete', old.id, old.name_key, old.uid_key, old.docker_key);
    INSERT INTO runtime_images_search (rowid, name_key, uid_key, docker_key)
    VALUES (new.id, new.name_key, new.uid_key, new.docker_key);
END;

-- A mark every change to runtime_images raises: the list keeps the count of a filter until the
-- next change (runtime_images::list_total), and no write path can forget to say so.
CREATE TABLE runtime_images_changes (n INTEGER NOT NULL);
INSERT INTO runtime_images_changes (n) VALUES (0);
CREATE TRIGGER runtime_images_changes_insert AFTER INSERT ON runtime_images BEGIN
    UPDATE runtime_images_changes SET n = n + 1;
END;
CREATE TRIGGER runtime_images_changes_update AFTER UPDATE ON runtime_images BEGIN
    UPDATE runtime_images_changes SET n = n + 1;
END;
CREATE TRIGGER runtime_images_changes_delete AFTER DELETE ON runtime_images BEGIN
    UPDATE runtime_images_changes SET n = n + 1;
END;
