//! The PostgreSQL schema (migrations/postgres) against SQLite's, on a real PostgreSQL cluster
//! (wavehub-testkit; `cargo xtask test` installs Debian's postgresql): the same tables, columns,
//! keys and indexes with PostgreSQL's types, opening it, the writer lock, search and the counters
//! that replace SQLite's FTS5 tables and triggers.

mod common;

use common::TestApp;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use wavehub_server::db::{self, Db, Tx};
use wavehub_testkit::Postgres;

/// One cluster for the tests that run at the same time, stopped when the last of them ends (a
/// static would never be dropped, and the cluster would outlive the process).
fn cluster() -> Arc<Postgres> {
    static SHARED: Mutex<Weak<Postgres>> = Mutex::new(Weak::new());
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(cluster) = shared.upgrade() {
        return cluster;
    }
    let cluster = Arc::new(Postgres::start().unwrap_or_else(|e| panic!("these tests need PostgreSQL: {e}")));
    *shared = Arc::downgrade(&cluster);
    cluster
}

/// A new empty database on the cluster, and its URL.
fn fresh_database() -> (Arc<Postgres>, String) {
    let cluster = cluster();
    let url = cluster.create_database().unwrap();
    (cluster, url)
}

async fn migrated() -> (Arc<Postgres>, PgPool) {
    let (cluster, url) = fresh_database();
    match db::open_postgres(&url).await.unwrap() {
        Db::Postgres(pool) => (cluster, pool),
        Db::Sqlite(_) => unreachable!(),
    }
}

/// The columns that are 0/1 flags in SQLite and BOOLEAN in PostgreSQL.
const FLAGS: [(&str, &str); 5] = [
    ("apps", "latest_shared"),
    ("runtime_images", "managed_by_bootstrap"),
    ("runtime_image_versions", "managed_by_bootstrap"),
    ("runtimes", "read_only_data_volume"),
    ("runtime_images", "prereleases_can_be_current"),
];

#[derive(Debug)]
struct Column {
    kind: String,
    not_null: bool,
    default: Option<String>,
}

/// SQLite's tables (without its own, sqlx's, and FTS5's virtual tables with their shadow tables):
/// name -> column -> (declared type, NOT NULL or a key, default).
async fn sqlite_tables(pool: &SqlitePool) -> BTreeMap<String, BTreeMap<String, Column>> {
    let tables: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetch_all(pool).await.unwrap();
    let virtual_tables: Vec<&str> =
        tables.iter().filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL TABLE")).map(|(name, _)| name.as_str()).collect();
    let mut found = BTreeMap::new();
    for (table, sql) in &tables {
        let fts5 = virtual_tables.iter().any(|vt| table == vt || table.starts_with(&format!("{vt}_")));
        if fts5 || table.starts_with("sqlite_") || table == "_sqlx_migrations" || sql.starts_with("CREATE VIRTUAL TABLE") {
            continue;
        }
        let rows: Vec<(String, String, bool, Option<String>, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)")
                .bind(table)
                .fetch_all(pool)
                .await
                .unwrap();
        let columns = rows
            .into_iter()
            .map(|(name, kind, not_null, default, pk)| (name, Column { kind, not_null: not_null || pk > 0, default }))
            .collect();
        found.insert(table.clone(), columns);
    }
    found
}

/// PostgreSQL's relations in `public` (tables and views): name -> (kind, column -> (type with its
/// collation, NOT NULL, default)).
async fn postgres_relations(pool: &PgPool) -> BTreeMap<String, (String, BTreeMap<String, Column>)> {
    let rows = sqlx::query(
        "SELECT c.relname::text, c.relkind::text, a.attname::text,
                format_type(a.atttypid, a.atttypmod) || coalesce(' COLLATE ' || co.collname, ''),
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> ''
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut found: BTreeMap<String, (String, BTreeMap<String, Column>)> = BTreeMap::new();
    for row in rows {
        let (table, relkind, column): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let generated: bool = row.get(6);
        let default: Option<String> = if generated { None } else { row.get(5) };
        let entry = found.entry(table).or_insert_with(|| (relkind, BTreeMap::new()));
        entry.1.insert(
            column,
            Column { kind: row.get(3), not_null: row.get(4), default: default.map(|d| d.trim_end_matches("::text").to_owned()) },
        );
    }
    found
}

async fn fresh_sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = db::open(dir.path()).await.unwrap();
    (dir, db)
}

/// The one text column of `sql`'s rows on SQLite, `$1` being `table`.
async fn sqlite_texts(pool: &SqlitePool, sql: &str, table: &str) -> Vec<String> {
    sqlx::query_scalar(sql).bind(table).fetch_all(pool).await.unwrap()
}

/// The one text column of `sql`'s rows on PostgreSQL, `$1` being `table`.
async fn postgres_texts(pool: &PgPool, sql: &str, table: &str) -> Vec<String> {
    sqlx::query_scalar(sql).bind(table).fetch_all(pool).await.unwrap()
}

#[tokio::test]
async fn every_sqlite_table_and_column_is_on_postgresql_with_its_postgresql_type() {
    let (_dir, sqlite) = fresh_sqlite().await;
    let expected = sqlite_tables(sqlite.sqlite().unwrap()).await;
    let (_cluster, pool) = migrated().await;
    let found = postgres_relations(&pool).await;
    assert!(expected.len() >= 20, "{:?}", expected.keys());

    let mut problems = Vec::new();
    for (table, columns) in &expected {
        let Some((relkind, pg_columns)) = found.get(table) else {
            problems.push(format!("{table}: missing"));
            continue;
        };
        // runtime_image_texts is a view on PostgreSQL (pg_trgm indexes the image rows themselves).
        let view = table == "runtime_image_texts";
        assert_eq!(relkind, if view { "v" } else { "r" }, "{table}");
        for (name, column) in columns {
            if view && name == "id" {
                continue; // the FTS5 index's rowid
            }
            let Some(pg) = pg_columns.get(name) else {
                problems.push(format!("{table}.{name}: missing"));
                continue;
            };
            let want = match column.kind.as_str() {
                "INTEGER" if FLAGS.contains(&(table.as_str(), name.as_str())) => "boolean",
                "INTEGER" => "bigint",
                "TEXT" => "text COLLATE C",
                "BLOB" => "bytea",
                other => panic!("{table}.{name}: a SQLite type this test does not know: {other}"),
            };
            if pg.kind != want {
                problems.push(format!("{table}.{name}: {} on PostgreSQL, {want} expected", pg.kind));
            }
            if !view && pg.not_null != column.not_null {
                problems.push(format!("{table}.{name}: NOT NULL {} on PostgreSQL, {} on SQLite", pg.not_null, column.not_null));
            }
            let sqlite_default = column.default.as_deref().map(|d| match (want, d) {
                ("boolean", "0") => "false",
                ("boolean", "1") => "true",
                (_, d) => d,
            });
            if pg.default.as_deref() != sqlite_default {
                problems.push(format!("{table}.{name}: default {:?} on PostgreSQL, {:?} on SQLite", pg.default, column.default));
            }
        }
        let extra: Vec<&String> = pg_columns.keys().filter(|c| !columns.contains_key(*c)).collect();
        let allowed: &[&str] = if table == "apps" { &["search"] } else { &[] };
        if extra.iter().any(|c| !allowed.contains(&c.as_str())) {
            problems.push(format!("{table}: columns only on PostgreSQL: {extra:?}"));
        }
    }
    let only_postgres: Vec<&String> = found.keys().filter(|t| !expected.contains_key(*t) && *t != "_sqlx_migrations").collect();
    assert!(only_postgres.is_empty(), "tables only on PostgreSQL: {only_postgres:?}");
    assert!(problems.is_empty(), "the schemas differ:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn every_sqlite_key_and_index_is_on_postgresql() {
    let (_dir, sqlite) = fresh_sqlite().await;
    let sqlite = sqlite.sqlite().unwrap();
    let (_cluster, pool) = migrated().await;
    let tables = sqlite_tables(sqlite).await;
    let mut problems = Vec::new();
    for table in tables.keys().filter(|t| *t != "runtime_image_texts") {
        // Primary keys, in order.
        let sqlite_pk = sqlite_texts(sqlite, "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk", table).await;
        let pg_pk = postgres_texts(
            &pool,
            "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
             WHERE i.indrelid = ('public.' || $1)::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
            table,
        )
        .await;
        if sqlite_pk != pg_pk {
            problems.push(format!("{table}: primary key {pg_pk:?} on PostgreSQL, {sqlite_pk:?} on SQLite"));
        }
        // Foreign keys: (columns, table, columns, ON DELETE).
        let rows: Vec<(i64, String, String, Option<String>, String)> =
            sqlx::query_as("SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq")
                .bind(table)
                .fetch_all(sqlite)
                .await
                .unwrap();
        let mut sqlite_fks: BTreeMap<i64, (Vec<String>, String, Vec<String>, String)> = BTreeMap::new();
        for (id, target, from, to, on_delete) in rows {
            let fk = sqlite_fks.entry(id).or_insert_with(|| (Vec::new(), target, Vec::new(), on_delete));
            fk.0.push(from);
            fk.2.push(to.unwrap_or_else(|| "id".into()));
        }
        let sqlite_fks: BTreeSet<String> =
            sqlite_fks.into_values().map(|(from, target, to, on_delete)| format!("{from:?} -> {target}{to:?} {on_delete}")).collect();
        let pg_fks: BTreeSet<String> = postgres_texts(
            &pool,
            "SELECT format('%s -> %s%s %s',
                    (SELECT '[' || string_agg('\"' || attname || '\"', ', ' ORDER BY array_position(c.conkey, attnum)) || ']'
                       FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)),
                    c.confrelid::regclass::text,
                    (SELECT '[' || string_agg('\"' || attname || '\"', ', ' ORDER BY array_position(c.confkey, attnum)) || ']'
                       FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY(c.confkey)),
                    CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'a' THEN 'NO ACTION' ELSE c.confdeltype::text END)
             FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ('public.' || $1)::regclass",
            table,
        )
        .await
        .into_iter()
        .collect();
        if sqlite_fks != pg_fks {
            problems.push(format!("{table}: foreign keys {pg_fks:?} on PostgreSQL, {sqlite_fks:?} on SQLite"));
        }
        // UNIQUE constraints (SQLite's autoindexes that are not the primary key).
        let sqlite_unique: BTreeSet<String> = sqlite_texts(
            sqlite,
            "SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
             FROM pragma_index_list($1) l WHERE l.origin = 'u'",
            table,
        )
        .await
        .into_iter()
        .collect();
        let pg_unique: BTreeSet<String> = postgres_texts(
            &pool,
            "SELECT (SELECT string_agg(attname, ',' ORDER BY array_position(c.conkey, attnum)) FROM pg_attribute
                      WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey))
             FROM pg_constraint c WHERE c.contype = 'u' AND c.conrelid = ('public.' || $1)::regclass",
            table,
        )
        .await
        .into_iter()
        .collect();
        if sqlite_unique != pg_unique {
            problems.push(format!("{table}: unique {pg_unique:?} on PostgreSQL, {sqlite_unique:?} on SQLite"));
        }
    }
    // Named indexes, with the same columns and orders.
    let sqlite_indexes: Vec<(String, String)> =
        sqlx::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetch_all(sqlite).await.unwrap();
    let pg_indexes: BTreeMap<String, String> =
        sqlx::query_as("SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let columns_of =
        |sql: &str| sql[sql.find(" (").expect("an index's columns") + 1..].split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    for (name, sql) in &sqlite_indexes {
        match pg_indexes.get(name) {
            None => problems.push(format!("index {name}: missing")),
            Some(def) => {
                let pg = columns_of(&def[def.find(" USING btree").map(|at| at + " USING btree".len()).unwrap_or(0)..]);
                if pg != columns_of(sql) {
                    problems.push(format!("index {name}: {def} on PostgreSQL, {sql} on SQLite"));
                }
            }
        }
    }
    for gin in ["apps_search", "runtime_images_name_trgm", "runtime_images_uid_trgm", "runtime_images_docker_trgm"] {
        assert!(pg_indexes.get(gin).is_some_and(|def| def.contains("USING gin")), "{gin}: {pg_indexes:?}");
    }
    assert!(problems.is_empty(), "the schemas differ:\n{}", problems.join("\n"));
}

#[tokio::test]
async fn both_migration_folders_end_at_the_same_version() {
    let last = |migrator: &sqlx::migrate::Migrator| migrator.iter().map(|m| m.version).max().unwrap();
    assert_eq!(last(&db::SQLITE_MIGRATIONS), last(&db::POSTGRES_MIGRATIONS), "a migration needs its twin in the other folder");
}

#[tokio::test]
async fn opening_twice_changes_nothing_and_two_servers_may_start_at_once_on_a_new_database() {
    let (_cluster, url) = fresh_database();
    let (one, two) = tokio::join!(db::open_postgres(&url), db::open_postgres(&url));
    let (one, two) = (one.unwrap(), two.unwrap());
    let again = db::open_postgres(&url).await.unwrap();
    let Db::Postgres(pool) = &again else { unreachable!() };
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version").fetch_all(pool).await.unwrap();
    assert_eq!(applied, db::POSTGRES_MIGRATIONS.iter().map(|m| (m.version, true)).collect::<Vec<_>>());
    let workspaces: i64 = sqlx::query_scalar("SELECT count(*) FROM workspaces").fetch_one(pool).await.unwrap();
    assert_eq!(workspaces, 2, "global and default, once");
    assert!(again.id().starts_with("postgres://") && !again.id().contains('@'), "{}", again.id());
    for db in [one, two, again] {
        db.close().await;
    }
}

#[tokio::test]
async fn a_wrong_postgresql_location_says_where_and_what_to_check_without_the_password() {
    let port = wavehub_testkit::free_port().unwrap();
    let error = format!("{:#}", db::open_postgres(&format!("postgres://wavehub:hunter2@127.0.0.1:{port}/hub")).await.unwrap_err());
    assert!(error.contains(&format!("127.0.0.1:{port}")) && error.contains("`hub`") && error.contains("check"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

#[tokio::test]
async fn write_transactions_on_postgresql_run_one_at_a_time() {
    let (_cluster, url) = fresh_database();
    let db = db::open_postgres(&url).await.unwrap();
    let mut first = db.begin_write().await.unwrap();
    let second = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tx = db.begin_write().await.unwrap();
            let Tx::Postgres(pg) = &mut tx else { unreachable!() };
            let tags: i64 = sqlx::query_scalar("SELECT count(*) FROM tags").fetch_one(&mut **pg).await.unwrap();
            tx.commit().await.unwrap();
            tags
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!second.is_finished(), "the second writer waits for the first");
    let Tx::Postgres(pg) = &mut first else { unreachable!() };
    sqlx::query("INSERT INTO tags (name, title, color, created_at, updated_at) VALUES ('a', 'A', 'blue', 't', 't')")
        .execute(&mut **pg)
        .await
        .unwrap();
    first.commit().await.unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(10), second).await.expect("the second writer goes on after the commit").unwrap();
    assert_eq!(seen, 1, "and sees what the first committed");
    db.close().await;
}

async fn insert_app(pool: &PgPool, name: &str, title: &str, description: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO apps (name, version, version_key, title, sort_title, description, keywords, visibility, sha256, bundle_size, created_at, updated_at)
         VALUES ($1, '1.0.0', '1.0.0', $2, lower($2), $3, '[\"churn\", \"risk-score\"]', 'ALL_USERS', 'aa', 1, 't', 't') RETURNING id",
    )
    .bind(name)
    .bind(title)
    .bind(description)
    .fetch_one(pool)
    .await
}

async fn matching(pool: &PgPool, query: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM apps WHERE search @@ to_tsquery('wavehub', $1) ORDER BY name")
        .bind(query)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_search_column_splits_unaccents_and_weighs_as_fts5_did() {
    let (_cluster, pool) = migrated().await;
    insert_app(&pool, "ai.bench.app-12", "Bench", "Numbers").await.unwrap();
    insert_app(&pool, "radio", "Écoute", "Listen to ÜNÏCODE").await.unwrap();
    insert_app(&pool, "forecast", "Forecast", "Sales ahead").await.unwrap();
    insert_app(&pool, "weather", "Weather", "A forecast for tomorrow").await.unwrap();

    assert_eq!(matching(&pool, "ai <-> bench <-> app <-> 1:*").await, ["ai.bench.app-12"]);
    assert_eq!(matching(&pool, "bench <-> app <-> 12").await, ["ai.bench.app-12"]);
    assert_eq!(matching(&pool, "ecoute:*").await, ["radio"]);
    assert_eq!(matching(&pool, "unicode").await, ["radio"]);
    assert_eq!(matching(&pool, "fore:*").await, ["forecast", "weather"]);
    assert_eq!(matching(&pool, "fore:*A").await, ["forecast"], "weight A is the name only");
    assert_eq!(matching(&pool, "risk <-> sc:*").await.len(), 4, "keywords are searched");
    assert_eq!(matching(&pool, "churn:* & tomorrow:*").await, ["weather"]);
    // Names rank above descriptions, as bm25's weights 10 and 1 did.
    let ranked: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM apps, to_tsquery('wavehub', 'fore:*') q WHERE search @@ q ORDER BY ts_rank('{0.1, 0.2, 0.5, 1.0}', search, q, 1) DESC",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(ranked, ["forecast", "weather"]);
}

async fn mark(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT n FROM runtime_images_changes").fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn the_runtime_images_change_counter_moves_on_every_write() {
    let (_cluster, pool) = migrated().await;
    let image = |workspace: &'static str, uid: &'static str, managed: bool| {
        sqlx::query(
            "INSERT INTO runtime_images (workspace_id, uid, name, name_key, managed_by_bootstrap, state, state_rank, state_update_time, created_time, updated_time)
             VALUES ($1, $2, $2, lower($2), $3, 'ACTIVE', 0, 't', 't', 't')",
        )
        .bind(workspace)
        .bind(uid)
        .bind(managed)
    };
    let start = mark(&pool).await;
    image("default", "scorer", false).execute(&pool).await.unwrap();
    let inserted = mark(&pool).await;
    assert!(inserted > start, "insert: {start} -> {inserted}");
    sqlx::query("UPDATE runtime_images SET current_docker_image = 'Registry/Scorer:1' WHERE uid = 'scorer'").execute(&pool).await.unwrap();
    let updated = mark(&pool).await;
    assert!(updated > inserted, "update: {inserted} -> {updated}");
    let texts: (String, String) =
        sqlx::query_as("SELECT uid_key, docker_key FROM runtime_image_texts WHERE uid = 'scorer'").fetch_one(&pool).await.unwrap();
    assert_eq!(texts, ("scorer".into(), "registry/scorer:1".into()), "the view follows the row");
    sqlx::query("DELETE FROM runtime_images WHERE uid = 'scorer'").execute(&pool).await.unwrap();
    let deleted = mark(&pool).await;
    assert!(deleted > updated, "delete: {updated} -> {deleted}");

    // Only the platform's workspace holds bootstrap-managed images, and all of them.
    image("global", "platform", true).execute(&pool).await.unwrap();
    for (workspace, uid, managed) in [("default", "x", true), ("global", "y", false)] {
        let error = image(workspace, uid, managed).execute(&pool).await.unwrap_err();
        assert!(error.as_database_error().and_then(|e| e.code()).as_deref() == Some("23514"), "{workspace} {managed}: {error}");
    }
}

#[tokio::test]
async fn a_second_app_of_one_name_and_version_is_a_unique_violation() {
    let (_cluster, pool) = migrated().await;
    let first = insert_app(&pool, "forecast", "Forecast", "Sales").await.unwrap();
    let error = insert_app(&pool, "forecast", "Forecast", "Sales").await.unwrap_err();
    assert!(db::is_unique_violation(&error), "{error}");
    // The failed insert took an id from the sequence; ids are never handed out twice.
    let next = insert_app(&pool, "weather", "Weather", "Rain").await.unwrap();
    assert!(next > first);
    let catalog: i64 = sqlx::query_scalar("SELECT version FROM catalog_version").fetch_one(&pool).await.unwrap();
    assert_eq!(catalog, 0);
}

#[tokio::test]
async fn test_apps_run_on_the_database_the_environment_names() {
    let app = TestApp::without_users(common::test_database_url().as_deref(), |_| {}).await;
    match common::test_database_url() {
        Some(_) => assert!(matches!(app.state.db, Db::Postgres(_)), "WAVEHUB_TEST_DATABASE_URL is set: PostgreSQL"),
        None => assert!(matches!(app.state.db, Db::Sqlite(_)), "SQLite by default"),
    }
}

#[tokio::test]
async fn on_postgresql_each_test_app_gets_a_database_of_its_own_copied_from_one_template_and_dropped_after_it() {
    let cluster = cluster();
    let server = cluster.url();
    let apps = futures_util::future::join_all((0..4).map(|_| TestApp::without_users(Some(&server), |_| {}))).await;
    let mut names = BTreeSet::new();
    for app in &apps {
        let Db::Postgres(pool) = &app.state.db else { panic!("PostgreSQL") };
        let name: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(pool).await.unwrap();
        let workspaces: i64 = sqlx::query_scalar("SELECT count(*) FROM workspaces").fetch_one(pool).await.unwrap();
        assert_eq!(workspaces, 2, "{name} is migrated");
        names.insert(name);
    }
    assert_eq!(names.len(), 4, "{names:?}");

    // A second server shares the first one's database.
    let second = apps[0].second_server().await;
    let (Db::Postgres(one), Db::Postgres(two)) = (&apps[0].state.db, &second.state.db) else { panic!("PostgreSQL") };
    sqlx::query("INSERT INTO tags (name, title, color, created_at, updated_at) VALUES ('a', 'A', 'blue', 't', 't')")
        .execute(one)
        .await
        .unwrap();
    let tags: i64 = sqlx::query_scalar("SELECT count(*) FROM tags").fetch_one(two).await.unwrap();
    assert_eq!(tags, 1);

    let databases = || cluster.psql("SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database").unwrap();
    let before = databases();
    assert_eq!(before.matches("wavehub_template_").count(), 1, "one template: {before}");
    assert!(names.iter().all(|name| before.contains(name.as_str())), "{before}");
    drop(apps);
    let after = databases();
    let left: Vec<&String> = names.iter().filter(|name| after.contains(name.as_str())).collect();
    assert_eq!(left.len(), 1, "only the database the second server still uses is left: {after}");
    drop(second);
    let after = databases();
    assert!(names.iter().all(|name| !after.contains(name.as_str())), "every test database is dropped: {after}");
}
