//! Why and when (issue 15, items 4 and 5) over a real router and SQLite database: reasons for
//! visibility changes and deletes (required to make a shared version PRIVATE), an app name's
//! history for its authors and admins, and the successor a retired or deleted version's link
//! points to, for those who may see it.

mod common;

use axum::http::{header, Method, StatusCode};
use common::{store, Reply, Store, TestApp};
use serde_json::{json, Value};
use wavehub_core::package::package_files;
use wavehub_server::on_db;

const NAME: &str = "ai.wavehub.history";
const HISTORY: &str = "/api/v1/app-names/ai.wavehub.history/history";

/// The people of [`Store`]: `author` owns the versions, `other` is an author of nothing here.
impl Store {
    /// Imports `version` of [`NAME`] as `author`; its id.
    async fn import(&self, version: &str, visibility: &str) -> i64 {
        let toml = format!("[App]\nName = \"{NAME}\"\nVersion = \"{version}\"\nTitle = \"History {version}\"\n\n[Runtime]\nModule = \"app\"\n");
        let bytes = package_files(&[("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), b"print('hi')\n".to_vec())]).unwrap();
        let reply = self.app.call_bytes(Method::POST, &format!("/api/v1/apps?visibility={visibility}"), bytes, Some(&self.author)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body["id"].as_i64().unwrap()
    }

    async fn patch(&self, id: i64, body: Value, who: &str) -> Reply {
        self.call(Method::PATCH, &format!("/api/v1/apps/{id}"), Some(body), who).await
    }

    async fn get(&self, id: i64, who: &str) -> Reply {
        self.call(Method::GET, &format!("/api/v1/apps/{id}"), None, who).await
    }

    async fn history(&self, query: &str, who: &str) -> Reply {
        self.call(Method::GET, &format!("{HISTORY}{query}"), None, who).await
    }
}

/// A history's items as `kind version actor reason` lines, newest first, for comparing whole.
fn lines(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
            format!("{} {} {} {}", text(&e["kind"]), text(&e["version"]), text(&e["actor"]), text(&e["reason"]))
        })
        .collect()
}

fn finding(reply: &Reply) -> (String, String) {
    (reply.body["errors"][0]["code"].as_str().unwrap_or_default().to_owned(), reply.body["errors"][0]["path"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn retiring_needs_a_reason_and_the_history_says_who_did_what_why_and_what_the_catalog_showed() {
    let s = store().await;
    let v1 = s.import("1.0.0", "ALL_USERS").await;
    let v2 = s.import("2.0.0", "PRIVATE").await;

    // `user` starts a private instance of 1.0.0 and terminates it.
    let launched = s.call(Method::POST, &format!("/api/v1/apps/{v1}/instances"), Some(json!({"visibility": "PRIVATE"})), &s.user).await;
    assert_eq!(launched.status, StatusCode::CREATED, "{}", launched.text);
    let instance = launched.body["id"].as_i64().unwrap();
    let stopped = s.call(Method::POST, &format!("/api/v1/instances/{instance}/terminate"), None, &s.user).await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.text);

    // Promoting takes a reason optionally.
    let promoted = s.patch(v2, json!({"visibility": "ALL_USERS", "reason": "adds the export"}), &s.author).await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text);

    // Retiring 1.0.0 (ALL_USERS to PRIVATE) needs a reason: none, a blank one and an overlong one
    // are refused with the field named, and change nothing.
    for body in [json!({"visibility": "PRIVATE"}), json!({"visibility": "PRIVATE", "reason": " \n "})] {
        let refused = s.patch(v1, body, &s.author).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
        assert_eq!(finding(&refused), ("reason.required".into(), "reason".into()));
        assert!(refused.body["detail"].as_str().unwrap().contains("Say why you make this version PRIVATE"), "{}", refused.text);
    }
    let long = s.patch(v1, json!({"visibility": "PRIVATE", "reason": "x".repeat(501)}), &s.author).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(finding(&long), ("reason.too_long".into(), "reason".into()));
    assert_eq!(s.call(Method::GET, &format!("/api/v1/apps/{v1}"), None, &s.user).await.body["visibility"], "ALL_USERS");
    // Authorization comes first: a stranger learns nothing about the rule.
    assert_eq!(s.patch(v1, json!({"visibility": "PRIVATE"}), &s.other).await.status, StatusCode::FORBIDDEN);
    let retired = s.patch(v1, json!({"visibility": "PRIVATE", "reason": "  fixes login  "}), &s.author).await;
    assert_eq!(retired.status, StatusCode::OK, "{}", retired.text);
    // Making a PRIVATE version PRIVATE again needs none.
    assert_eq!(s.patch(v1, json!({"visibility": "PRIVATE"}), &s.author).await.status, StatusCode::OK);

    // A tag, and the delete with its reason.
    assert_eq!(s.call(Method::POST, "/api/v1/tags", Some(json!({"name": "FINSERV"})), &s.admin).await.status, StatusCode::CREATED);
    assert_eq!(s.call(Method::PUT, &format!("/api/v1/apps/{v2}/tags/FINSERV"), None, &s.admin).await.status, StatusCode::NO_CONTENT);
    let deleted = s.call(Method::DELETE, &format!("/api/v1/apps/{v1}"), Some(json!({"reason": "superseded"})), &s.author).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);

    // The author reads it all, newest first. `user`'s private instance is theirs to know about:
    // the author sees that it ran, not whose it was.
    let history = s.history("", &s.author).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text);
    assert_eq!(
        lines(&history.body),
        [
            "deleted 1.0.0 author superseded",
            "tag_added 2.0.0 admin -",
            "made_private 1.0.0 author -",
            "made_private 1.0.0 author fixes login",
            "shared 2.0.0 author adds the export",
            "instance_terminated 1.0.0 - -",
            "instance_started 1.0.0 - -",
            "imported 2.0.0 author -",
            "imported 1.0.0 author -",
        ]
    );
    assert_eq!(history.body["total"], 9);
    let items = history.body["items"].as_array().unwrap();
    // Which version the catalog showed, where it changed: 1.0.0 from its import, 2.0.0 from its
    // promotion; retiring and deleting the older one changed nothing.
    let moves: Vec<(String, Value)> =
        items.iter().filter(|e| e.get("catalog").is_some()).map(|e| (e["kind"].as_str().unwrap().to_owned(), e["catalog"].clone())).collect();
    assert_eq!(
        moves,
        [
            ("shared".to_owned(), json!({"before": "1.0.0", "after": "2.0.0"})),
            ("imported".to_owned(), json!({"before": null, "after": "1.0.0"})),
        ]
    );
    assert_eq!(items[1]["tag"], "FINSERV");
    assert_eq!(items[5]["instance_id"], instance);
    assert_eq!(items[0]["app_id"], v1);

    // Admins see whose instance it was.
    let as_admin = s.history("", &s.admin).await;
    assert_eq!(lines(&as_admin.body)[5..7], ["instance_terminated 1.0.0 user -", "instance_started 1.0.0 user -"]);

    // Paged like every list.
    let first = s.history("?page_size=4", &s.author).await;
    let second = s.history("?page=2&page_size=4", &s.author).await;
    assert_eq!((first.body["total"].as_u64(), first.body["page_size"].as_u64()), (Some(9), Some(4)));
    assert_eq!([lines(&first.body), lines(&second.body)].concat(), lines(&history.body)[..8]);
    let bad = s.history("?page=0", &s.author).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["path"], "page");

    // Those who see the app but are not its authors are refused; a name nobody else sees is a 404
    // to them, as if it did not exist; signed out is a 401.
    for who in [&s.other, &s.user] {
        let refused = s.history("", who).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert!(refused.body["detail"].as_str().unwrap().contains("Only the authors of ai.wavehub.history"), "{}", refused.text);
    }
    assert_eq!(s.patch(v2, json!({"visibility": "PRIVATE", "reason": "pulled"}), &s.author).await.status, StatusCode::OK);
    assert_eq!(s.history("", &s.user).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.call(Method::GET, "/api/v1/app-names/ai.wavehub.nothing/history", None, &s.user).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.app.call(Method::GET, HISTORY, None, None).await.status, StatusCode::UNAUTHORIZED);
    let last = s.history("?page_size=1", &s.author).await;
    assert_eq!(last.body["items"][0]["catalog"], json!({"before": "2.0.0", "after": null}));

    // The reasons are in the audit log too, trimmed.
    let audit = s.call(Method::GET, &format!("/api/v1/audit?resource=apps/{v1}&action=visibility"), None, &s.admin).await;
    let reasons: Vec<&Value> = audit.body["items"].as_array().unwrap().iter().map(|e| &e["reason"]).collect();
    assert_eq!(reasons, [&Value::Null, &json!("fixes login")]);
}

#[tokio::test]
async fn a_delete_takes_an_optional_json_reason_of_limited_length() {
    let s = store().await;
    let id = s.import("1.0.0", "PRIVATE").await;
    let path = format!("/api/v1/apps/{id}");
    let raw = |content_type: &'static str, body: &'static str| {
        let request = TestApp::request_as(Method::DELETE, &path, Some(&s.author)).header(header::CONTENT_TYPE, content_type);
        request.body(axum::body::Body::from(body)).unwrap()
    };
    assert_eq!(s.app.send_request(raw("text/plain", "{\"reason\": \"x\"}")).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(s.app.send_request(raw("application/json", "[]")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = s.call(Method::DELETE, &path, Some(json!({"reason": "y".repeat(501)})), &s.author).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(finding(&long), ("reason.too_long".into(), "reason".into()));
    assert_eq!(s.call(Method::GET, &path, None, &s.author).await.status, StatusCode::OK, "nothing was deleted");
    // Without a body, as before.
    assert_eq!(s.call(Method::DELETE, &path, None, &s.author).await.status, StatusCode::NO_CONTENT);
    let history = s.history("", &s.author).await;
    assert_eq!(history.status, StatusCode::NOT_FOUND, "no version is left for the author to own: {}", history.text);
    assert_eq!(lines(&s.history("", &s.admin).await.body), ["deleted 1.0.0 author -", "imported 1.0.0 author -"]);
}

#[tokio::test]
async fn a_retired_or_deleted_version_names_its_successor_to_those_who_may_see_it() {
    let s = store().await;
    let v1 = s.import("1.0.0", "ALL_USERS").await;
    let v2 = s.import("2.0.0", "PRIVATE").await;

    // Retired while 2.0.0 is still PRIVATE: `user` may not see 2.0.0, so the 404 is the plain one.
    assert_eq!(s.patch(v1, json!({"visibility": "PRIVATE", "reason": "broken"}), &s.author).await.status, StatusCode::OK);
    let plain = s.get(v1, &s.user).await;
    assert_eq!(plain.status, StatusCode::NOT_FOUND);
    assert!(plain.body.get("successor").is_none(), "{}", plain.text);
    assert!(!plain.text.contains("2.0.0") && !plain.text.contains(NAME), "{}", plain.text);

    // Once 2.0.0 is shared, the link to 1.0.0 points to it.
    assert_eq!(s.patch(v2, json!({"visibility": "ALL_USERS"}), &s.author).await.status, StatusCode::OK);
    let replaced = s.get(v1, &s.user).await;
    assert_eq!(replaced.status, StatusCode::NOT_FOUND);
    assert_eq!(replaced.headers["content-type"], "application/problem+json");
    assert_eq!(replaced.body["successor"], json!({"id": v2, "version": "2.0.0", "title": "History 2.0.0"}));
    assert_eq!(replaced.body["detail"], "ai.wavehub.history 1.0.0 is no longer available to you; version 2.0.0 replaced it.");
    // Its owner still sees 1.0.0 itself.
    assert_eq!(s.get(v1, &s.author).await.status, StatusCode::OK);

    // A newer PRIVATE version is never a successor to those who can't see it, and an older
    // version never replaces a newer one.
    let v3 = s.import("3.0.0-beta.1", "PRIVATE").await;
    assert_eq!(s.get(v1, &s.user).await.body["successor"]["id"], v2);
    let candidate = s.get(v3, &s.user).await;
    assert_eq!(candidate.status, StatusCode::NOT_FOUND);
    assert!(candidate.body.get("successor").is_none(), "{}", candidate.text);

    // Deleted: the link still points to the newest version each person may see.
    assert_eq!(s.call(Method::DELETE, &format!("/api/v1/apps/{v1}"), None, &s.author).await.status, StatusCode::NO_CONTENT);
    assert_eq!(s.get(v1, &s.user).await.body["successor"]["id"], v2);
    assert_eq!(s.get(v1, &s.admin).await.body["successor"]["version"], "3.0.0-beta.1");
    assert_eq!(s.get(v1, &s.other).await.body["successor"]["id"], v2);
    // A deleted id is never given to another version (SQLite would reuse the highest): its links
    // keep meaning the deleted one.
    assert_eq!(s.call(Method::DELETE, &format!("/api/v1/apps/{v3}"), None, &s.author).await.status, StatusCode::NO_CONTENT);
    let v4 = s.import("4.0.0", "PRIVATE").await;
    assert!(v4 > v3, "{v4} reuses a deleted id");
    assert_eq!(s.get(v3, &s.user).await.body.get("successor"), None, "3.0.0-beta.1 has no newer version user may see");
    assert_eq!(s.get(v3, &s.author).await.body["successor"]["id"], v4);
    // Ids that never were an app: plain.
    let unknown = s.get(v4 + 100, &s.user).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.get("successor").is_none());
}

#[tokio::test]
async fn instances_a_restart_ended_are_in_the_history_as_failed_by_the_system() {
    let s = store().await;
    let id = s.import("1.0.0", "ALL_USERS").await;
    let launched = s.call(Method::POST, &format!("/api/v1/apps/{id}/instances"), Some(json!({"visibility": "ALL_USERS"})), &s.user).await;
    assert_eq!(launched.status, StatusCode::CREATED, "{}", launched.text);
    let instance = launched.body["id"].as_i64().unwrap();
    // The process goes away without a word to the database, as when the server stops; then what
    // `wavehub serve` does at start with the instances a previous process ran.
    s.app.state.runner.stop(instance).await;
    assert_eq!(wavehub_server::instances::mark_orphans(&s.app.state.db, None).await.unwrap(), 1);
    let history = s.history("?page_size=2", &s.author).await;
    assert_eq!(
        lines(&history.body),
        ["instance_failed 1.0.0 system Wavehub restarted while it ran; start it again.", "instance_started 1.0.0 user -"]
    );
}

#[tokio::test]
async fn the_migration_names_the_apps_of_entries_written_before_it() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
    // A database as the previous release left it: every migration before 0008, then its data.
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier-migrations");
    std::fs::create_dir(&earlier).unwrap();
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&migrations).unwrap().map(Result::unwrap) {
        if entry.file_name().to_string_lossy().as_ref() < "0008" {
            std::fs::copy(entry.path(), earlier.join(entry.file_name())).unwrap();
        }
    }
    let options = SqliteConnectOptions::new().filename(dir.path().join(wavehub_server::db::DB_FILE)).create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(earlier.as_path()).await.unwrap().run(&pool).await.unwrap();
    for statement in [
        "INSERT INTO apps (id, name, version, version_key, title, sort_title, description, keywords, visibility, sha256, bundle_size, created_at, updated_at) \
         VALUES (1, 'ai.kept', '1.0.0', 'k', 'Kept', 'kept', '', '[]', 'ALL_USERS', 'x', 1, 't', 't')",
        "INSERT INTO instances (id, app_id, visibility, status, created_at, updated_at) VALUES (5, 1, 'PRIVATE', 'terminated', 't', 't')",
        "INSERT INTO audit_log (time, actor, action, resource, detail) VALUES \
         ('t', 'alice', 'import', 'apps/1', '{\"name\":\"ai.kept\",\"version\":\"1.0.0\"}'), \
         ('t', 'alice', 'assign', 'apps/1/tags/FINSERV', '{}'), \
         ('t', 'bob', 'start', 'instances/5', '{}'), \
         ('t', 'alice', 'delete', 'apps/2', '{\"name\":\"ai.gone\",\"version\":\"0.1.0\"}'), \
         ('t', 'admin', 'create', 'workspaces/default', '{}')",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let db = wavehub_server::db::open(dir.path()).await.unwrap();
    let named: Vec<(String, Option<String>)> = on_db!(&db, |pool| sqlx::query_as("SELECT resource, app_name FROM audit_log ORDER BY id").fetch_all(pool).await).unwrap();
    let expected = [
        ("apps/1", Some("ai.kept")),
        ("apps/1/tags/FINSERV", Some("ai.kept")),
        ("instances/5", Some("ai.kept")),
        ("apps/2", Some("ai.gone")),
        ("workspaces/default", None),
    ];
    assert_eq!(named, expected.map(|(r, n)| (r.to_owned(), n.map(str::to_owned))));
}
