//! The App Store's second half over a real router, database and runner: tags and who may assign
//! them, write-only secrets and the import's check of them, instances run for real by the local
//! runner (Python), their logs, and the audit log (API.md, "App store").

mod common;

use axum::http::{Method, StatusCode};
use common::{store, Reply, Store};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wavehub_core::package::package_files;
use wavehub_server::on_db;

/// The secret value the tests store; no API answer may ever contain it.
const SECRET_VALUE: &str = "s3cr3t-value-7f1c";

/// A tiny standard-library app: serves its greeting and whether it got the secret, on $PORT.
const APP_PY: &str = r#"
import hashlib, http.server, os, sys
print("starting on", os.environ["PORT"], flush=True)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = os.environ.get("API_TOKEN", "")
        conf = open("conf/settings.txt").read()
        body = f"{os.environ['GREETING']} token-sha256={hashlib.sha256(token.encode()).hexdigest()} conf={conf}".encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
        print("served", self.path, flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"#;

fn bundle(name: &str, version: &str, with_secret: bool) -> Vec<u8> {
    let secret_env = if with_secret { "\n[[Env]]\nName = \"API_TOKEN\"\nSecret = \"api-credentials\"\nSecretKey = \"token\"\n" } else { "" };
    let toml = format!(
        "[App]\nName = \"{name}\"\nVersion = \"{version}\"\nTitle = \"Greeter\"\nDescription = \"Greets.\"\n\n[Runtime]\nModule = \"app\"\n\n\
         [[Env]]\nName = \"GREETING\"\nValue = \"hello from {version}\"\n{secret_env}\n[[File]]\nPath = \"conf/settings.txt\"\nValue = \"colour=blue\"\n"
    );
    let files = vec![("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), APP_PY.as_bytes().to_vec())];
    package_files(&files).unwrap()
}

impl Store {
    async fn import(&self, bytes: Vec<u8>, visibility: &str) -> Reply {
        self.app.call_bytes(Method::POST, &format!("/api/v1/apps?visibility={visibility}"), bytes, Some(&self.author)).await
    }

    async fn add_secret(&self) {
        let secret = json!({"name": "api-credentials", "keys": {"token": SECRET_VALUE}, "grants": {"users": ["author"]}});
        let reply = self.call(Method::POST, "/api/v1/secrets", Some(secret), &self.admin).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }

    /// Polls the instance until its status is not `starting`.
    async fn settled(&self, id: i64, who: &str) -> Value {
        let started = Instant::now();
        loop {
            let reply = self.call(Method::GET, &format!("/api/v1/instances/{id}"), None, who).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            if reply.body["status"] != "starting" || started.elapsed() > Duration::from_secs(90) {
                return reply.body;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn never_shows_the_secret(reply: &Reply) {
    assert!(!reply.text.contains(SECRET_VALUE), "a secret value leaked: {}", reply.text);
}

#[tokio::test]
async fn tags_are_created_by_admins_and_assigned_by_their_admin_roles() {
    let s = store().await;
    let app = s.import(bundle("ai.wavehub.greeter", "1.0.0", false), "ALL_USERS").await.body;
    let app_id = app["id"].as_i64().unwrap();
    let tag = json!({"name": "FORECASTING", "title": "Forecasting", "color": "#1F77B4", "admin_roles": ["author"]});
    // Only admins create and delete tags; anonymous is a 401.
    for who in [&s.author, &s.user] {
        assert_eq!(s.call(Method::POST, "/api/v1/tags", Some(tag.clone()), who).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(s.app.call(Method::POST, "/api/v1/tags", Some(tag.clone()), None).await.status, StatusCode::UNAUTHORIZED);
    let created = s.call(Method::POST, "/api/v1/tags", Some(tag.clone()), &s.admin).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["color"], "#1f77b4");
    assert_eq!(s.call(Method::POST, "/api/v1/tags", Some(tag), &s.admin).await.status, StatusCode::CONFLICT);
    let bad = s.call(Method::POST, "/api/v1/tags", Some(json!({"name": "bad name", "color": "blue"})), &s.admin).await;
    assert_eq!(bad.body["errors"].as_array().unwrap().len(), 2);
    s.call(Method::POST, "/api/v1/tags", Some(json!({"name": "BADGE"})), &s.admin).await;
    // Each admin role counts once, however often it was sent.
    let twice = json!({"name": "TWICE", "admin_roles": ["user", "author", "user"]});
    assert_eq!(s.call(Method::POST, "/api/v1/tags", Some(twice), &s.admin).await.body["admin_roles"], json!(["author", "user"]));
    let patched = s.call(Method::PATCH, "/api/v1/tags/TWICE", Some(json!({"admin_roles": ["admin", "admin"]})), &s.admin).await;
    assert_eq!(patched.body["admin_roles"], json!(["admin"]));

    // Assign: holders of an admin role (author, other), admins; not plain users; everyone reads.
    let assign = format!("/api/v1/apps/{app_id}/tags/FORECASTING");
    for (who, expected) in [(&s.user, StatusCode::FORBIDDEN), (&s.other, StatusCode::NO_CONTENT), (&s.author, StatusCode::NO_CONTENT), (&s.admin, StatusCode::NO_CONTENT)] {
        let reply = s.call(Method::PUT, &assign, None, who).await;
        assert_eq!(reply.status, expected, "{}", reply.text);
    }
    assert_eq!(s.app.call(Method::PUT, &assign, None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.call(Method::PUT, &format!("/api/v1/apps/{app_id}/tags/NOPE"), None, &s.admin).await.status, StatusCode::NOT_FOUND);
    // A tag with no admin roles: anyone signed in.
    assert_eq!(s.call(Method::PUT, &format!("/api/v1/apps/{app_id}/tags/BADGE"), None, &s.user).await.status, StatusCode::NO_CONTENT);
    // The catalog filters by it.
    let catalog = s.call(Method::GET, "/api/v1/apps?tag=FORECASTING", None, &s.user).await;
    assert_eq!(catalog.body["total"], 1, "{}", catalog.text);
    let tags = s.call(Method::GET, "/api/v1/tags", None, &s.user).await.body;
    let forecasting = tags.as_array().unwrap().iter().find(|t| t["name"] == "FORECASTING").unwrap().clone();
    assert_eq!((forecasting["apps_count"].as_u64(), forecasting["can_assign"].as_bool()), (Some(1), Some(false)));
    // Edit: admin roles holders edit; only admins change the roles.
    let reply = s.call(Method::PATCH, "/api/v1/tags/FORECASTING", Some(json!({"title": "Forecasts"})), &s.other).await;
    assert_eq!((reply.status, reply.body["title"].as_str()), (StatusCode::OK, Some("Forecasts")));
    assert_eq!(s.call(Method::PATCH, "/api/v1/tags/FORECASTING", Some(json!({"title": "X"})), &s.user).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::PATCH, "/api/v1/tags/FORECASTING", Some(json!({"admin_roles": []})), &s.author).await.status, StatusCode::FORBIDDEN);
    // Private apps: a tag admin who cannot see the app gets a 404.
    let private = s.import(bundle("ai.wavehub.private", "1.0.0", false), "PRIVATE").await.body;
    let reply = s.call(Method::PUT, &format!("/api/v1/apps/{}/tags/FORECASTING", private["id"]), None, &s.other).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    // Remove, then delete the tag (admins) with its assignments.
    assert_eq!(s.call(Method::DELETE, &assign, None, &s.user).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::DELETE, &assign, None, &s.author).await.status, StatusCode::NO_CONTENT);
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/BADGE", None, &s.author).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/BADGE", None, &s.admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(s.call(Method::GET, "/api/v1/apps?tag=BADGE", None, &s.user).await.body["total"], 0);
}

#[tokio::test]
async fn secrets_are_write_only_and_checked_at_import() {
    let s = store().await;
    // Admins only, for every secret call.
    for who in [&s.author, &s.other, &s.user] {
        assert_eq!(s.call(Method::GET, "/api/v1/secrets", None, who).await.status, StatusCode::FORBIDDEN);
        let reply = s.call(Method::POST, "/api/v1/secrets", Some(json!({"name": "x", "keys": {"k": "v"}})), who).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(s.call(Method::DELETE, "/api/v1/secrets/x", None, who).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(s.app.call(Method::GET, "/api/v1/secrets", None, None).await.status, StatusCode::UNAUTHORIZED);
    // Importing an app that reads a missing secret is refused, naming it and its line.
    let refused = s.import(bundle("ai.wavehub.greeter", "1.0.0", true), "PRIVATE").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    let finding = &refused.body["errors"][0];
    assert_eq!((finding["code"].as_str(), finding["file"].as_str(), finding["line"].as_u64()), (Some("secret.unknown"), Some("app.toml"), Some(16)), "{finding}");
    assert!(finding["message"].as_str().unwrap().contains("secret `api-credentials`"));
    // A wrong key is refused too.
    s.call(Method::POST, "/api/v1/secrets", Some(json!({"name": "api-credentials", "keys": {"other": "x"}, "grants": {"users": ["author"]}})), &s.admin).await;
    let refused = s.import(bundle("ai.wavehub.greeter", "1.0.0", true), "PRIVATE").await;
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("no such key (it has other)"), "{}", refused.text);
    // Replacing the keys (200), then the import goes through.
    let secret = json!({"name": "api-credentials", "keys": {"token": SECRET_VALUE}, "grants": {"users": ["author"]}});
    let replaced = s.call(Method::POST, "/api/v1/secrets", Some(secret), &s.admin).await;
    assert_eq!(replaced.status, StatusCode::OK);
    never_shows_the_secret(&replaced);
    assert_eq!(replaced.body["keys"], json!(["token"]));
    assert_eq!(s.import(bundle("ai.wavehub.greeter", "1.0.0", true), "PRIVATE").await.status, StatusCode::CREATED);
    // Listing shows names, keys and users, never values.
    let list = s.call(Method::GET, "/api/v1/secrets", None, &s.admin).await;
    never_shows_the_secret(&list);
    assert_eq!(list.body[0]["used_by"], json!(["ai.wavehub.greeter 1.0.0"]));
    // In use: can't be deleted; the audit log has the change without the value.
    let reply = s.call(Method::DELETE, "/api/v1/secrets/api-credentials", None, &s.admin).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body["detail"].as_str().unwrap().contains("ai.wavehub.greeter 1.0.0"));
    let audit = s.call(Method::GET, "/api/v1/audit?resource=secrets", None, &s.admin).await;
    never_shows_the_secret(&audit);
    assert_eq!(audit.body["total"], 2, "{}", audit.text);
    assert_eq!(s.call(Method::POST, "/api/v1/secrets", Some(json!({"name": "Bad", "keys": {}})), &s.admin).await.body["errors"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_secret_is_used_only_by_the_authors_it_is_granted_to_and_sealed_at_rest() {
    let s = store().await;
    let secret = |grants: Value| json!({"name": "api-credentials", "keys": {"token": SECRET_VALUE}, "grants": grants});
    let created = s.call(Method::POST, "/api/v1/secrets", Some(secret(json!({"users": ["author"]}))), &s.admin).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["grants"], json!({"users": ["author"], "roles": []}));
    let import_as = |who: &str, name: &str| {
        let who = who.to_owned();
        let bytes = bundle(name, "1.0.0", true);
        let app = &s.app;
        async move { app.call_bytes(Method::POST, "/api/v1/apps?visibility=PRIVATE", bytes, Some(&who)).await }
    };
    // The granted author, and an admin, may import an app that reads it.
    assert_eq!(import_as(&s.author, "ai.wavehub.granted").await.status, StatusCode::CREATED);
    assert_eq!(import_as(&s.admin, "ai.wavehub.by-admin").await.status, StatusCode::CREATED);
    // Another author may not: 422 naming the secret, at its line (nothing stored).
    let refused = import_as(&s.other, "ai.wavehub.other").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!((refused.body["errors"][0]["code"].as_str(), refused.body["errors"][0]["line"].as_u64()), (Some("secret.not_granted"), Some(16)));
    assert!(refused.text.contains("secret `api-credentials`") && !refused.text.contains(SECRET_VALUE));
    assert_eq!(s.call(Method::GET, "/api/v1/apps?q=ai.wavehub.other", None, &s.admin).await.body["total"], 0);
    // A plain user may not import at all; anonymous is not signed in.
    assert_eq!(import_as(&s.user, "ai.wavehub.user").await.status, StatusCode::FORBIDDEN);
    let anonymous = s.app.call_bytes(Method::POST, "/api/v1/apps", bundle("ai.wavehub.anon", "1.0.0", true), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // A role grant lets every author in; an unknown user cannot be granted.
    s.call(Method::POST, "/api/v1/secrets", Some(secret(json!({"users": ["author"], "roles": ["author"]}))), &s.admin).await;
    assert_eq!(import_as(&s.other, "ai.wavehub.other").await.status, StatusCode::CREATED);
    let unknown = s.call(Method::POST, "/api/v1/secrets", Some(secret(json!({"users": ["nobody"]}))), &s.admin).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.text);

    // A launch runs with the value; the grant withdrawn, the next launch of that author's app is refused.
    let granted = s.call(Method::GET, "/api/v1/apps?q=ai.wavehub.granted", None, &s.author).await.body["items"][0]["id"].as_i64().unwrap();
    let launched = s.call(Method::POST, &format!("/api/v1/apps/{granted}/instances"), None, &s.author).await;
    let id = launched.body["id"].as_i64().unwrap();
    assert_eq!(s.settled(id, &s.author).await["status"], "running");
    let upstream = s.app.state.runner.upstream(id).unwrap();
    let secret_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(SECRET_VALUE.as_bytes()));
    assert!(reqwest_get(&format!("http://{}/", upstream.address)).await.contains(&secret_hash));
    s.call(Method::POST, &format!("/api/v1/instances/{id}/terminate"), None, &s.author).await;
    s.call(Method::POST, "/api/v1/secrets", Some(secret(json!({}))), &s.admin).await;
    let refused = s.call(Method::POST, &format!("/api/v1/apps/{granted}/instances"), None, &s.author).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("no longer granted") && refused.text.contains("api-credentials"), "{}", refused.text);

    // The value is nowhere in the data dir: database, WAL, blobs, instance folders.
    if let Some(pool) = s.app.state.db.sqlite() {
        // SQLite keeps recent writes in its WAL file; PostgreSQL keeps none of its files here.
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(pool).await.unwrap();
    }
    let mut stack = vec![s.app.data_dir().to_path_buf()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = std::fs::read(&path) {
            files += 1;
            assert!(!bytes.windows(SECRET_VALUE.len()).any(|w| w == SECRET_VALUE.as_bytes()), "the secret is readable in {}", path.display());
        }
    }
    assert!(files > 3, "the data dir was searched");
}

#[tokio::test]
async fn an_instance_runs_the_app_for_real_and_its_log_follows() {
    let s = store().await;
    s.add_secret().await;
    let app = s.import(bundle("ai.wavehub.greeter", "1.0.0", true), "ALL_USERS").await.body;
    let app_id = app["id"].as_i64().unwrap();
    // Anyone signed in who sees the app may launch; anonymous may not.
    assert_eq!(s.app.call(Method::POST, &format!("/api/v1/apps/{app_id}/instances"), None, None).await.status, StatusCode::UNAUTHORIZED);
    let launched = s.call(Method::POST, &format!("/api/v1/apps/{app_id}/instances"), Some(json!({"visibility": "PRIVATE"})), &s.user).await;
    assert_eq!(launched.status, StatusCode::CREATED, "{}", launched.text);
    assert_eq!(launched.body["status"], "starting");
    let id = launched.body["id"].as_i64().unwrap();
    let instance = s.settled(id, &s.user).await;
    assert_eq!(instance["status"], "running", "{instance}");
    // Its URL is the proxy's on the apps origin (tests/proxy.rs, tests/instances_live.rs); behind
    // it, the app answers with its [[Env]] value, the secret (as a hash) and the [[File]].
    assert!(instance["url"].as_str().unwrap().ends_with(&format!("/instances/{id}/")), "{instance}");
    let upstream = s.app.state.runner.upstream(id).expect("a running instance has an upstream");
    let url = &format!("http://{}/", upstream.address);
    let body = reqwest_get(url).await;
    let secret_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(SECRET_VALUE.as_bytes()));
    assert_eq!(body, format!("hello from 1.0.0 token-sha256={secret_hash} conf=colour=blue"));
    // Its log has the runner's lines and the app's own output.
    let log = s.call(Method::GET, &format!("/api/v1/instances/{id}/logs"), None, &s.user).await;
    assert!(log.text.contains("[wavehub] running at") && log.text.contains("served /"), "{}", log.text);
    never_shows_the_secret(&log);
    // Others: the PRIVATE instance is a 404 to them; the owner makes it ALL_USERS, then they see it
    // but can't manage it or read its log.
    assert_eq!(s.call(Method::GET, &format!("/api/v1/instances/{id}"), None, &s.other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.call(Method::GET, &format!("/api/v1/instances/{id}/logs"), None, &s.other).await.status, StatusCode::NOT_FOUND);
    // Admins see and may manage everyone's instances, PRIVATE ones included.
    let as_admin = s.call(Method::GET, &format!("/api/v1/instances/{id}"), None, &s.admin).await;
    assert_eq!((as_admin.status, as_admin.body["can_manage"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(s.call(Method::GET, &format!("/api/v1/instances/{id}/logs"), None, &s.admin).await.status, StatusCode::OK);
    for path in [format!("/api/v1/instances/{id}"), format!("/api/v1/instances/{id}/logs"), "/api/v1/instances".to_owned()] {
        assert_eq!(s.app.call(Method::GET, &path, None, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let shared = s.call(Method::PATCH, &format!("/api/v1/instances/{id}"), Some(json!({"visibility": "ALL_USERS"})), &s.user).await;
    assert_eq!(shared.body["visibility"], "ALL_USERS");
    let seen = s.call(Method::GET, &format!("/api/v1/instances/{id}"), None, &s.other).await;
    assert_eq!((seen.status, seen.body["can_manage"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(s.call(Method::GET, &format!("/api/v1/instances/{id}/logs"), None, &s.other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::POST, &format!("/api/v1/instances/{id}/terminate"), None, &s.other).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::PATCH, &format!("/api/v1/instances/{id}"), Some(json!({"visibility": "PRIVATE"})), &s.other).await.status, StatusCode::FORBIDDEN);
    // Lists: mine, and by app; the versions list counts it.
    let mine = s.call(Method::GET, "/api/v1/instances?owner=me", None, &s.user).await;
    assert_eq!(mine.body["total"], 1);
    assert_eq!(s.call(Method::GET, "/api/v1/instances?owner=me", None, &s.other).await.body["total"], 0);
    let versions = s.call(Method::GET, "/api/v1/app-names/ai.wavehub.greeter/versions", None, &s.author).await;
    assert_eq!(versions.body["items"][0]["instances"], 1);
    // A version with a live instance can't be deleted, even by its owner.
    let reply = s.call(Method::DELETE, &format!("/api/v1/apps/{app_id}"), None, &s.author).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body["detail"].as_str().unwrap().contains("1 running instance"), "{}", reply.text);
    // Terminate: the process stops, the status says who, the log says so, the URL is gone.
    let ended = s.call(Method::POST, &format!("/api/v1/instances/{id}/terminate"), None, &s.user).await;
    assert_eq!((ended.body["status"].as_str(), ended.body["status_reason"].as_str()), (Some("terminated"), Some("Terminated by user.")));
    assert_eq!(ended.body["url"], Value::Null);
    assert!(reqwest_get_fails(url).await, "the app still answers after terminate");
    assert_eq!(s.call(Method::POST, &format!("/api/v1/instances/{id}/terminate"), None, &s.user).await.status, StatusCode::CONFLICT);
    let follow = s.call(Method::GET, &format!("/api/v1/instances/{id}/logs?follow=true"), None, &s.user).await;
    assert!(follow.headers["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert!(follow.text.contains("data: [wavehub] stopped") && follow.text.ends_with("event: end\ndata: the instance has ended\n\n"), "{}", follow.text);
    // Now it can be deleted.
    assert_eq!(s.call(Method::DELETE, &format!("/api/v1/apps/{app_id}"), None, &s.author).await.status, StatusCode::NO_CONTENT);
    // The audit log: admins only; the start, visibility and terminate are there, by user.
    assert_eq!(s.call(Method::GET, "/api/v1/audit", None, &s.author).await.status, StatusCode::FORBIDDEN);
    let audit = s.call(Method::GET, &format!("/api/v1/audit?resource=instances/{id}"), None, &s.admin).await.body;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["terminate", "visibility", "start"]);
    let by_actor = s.call(Method::GET, "/api/v1/audit?actor=author&action=delete", None, &s.admin).await.body;
    assert_eq!(by_actor["total"], 1);
}

#[tokio::test]
async fn a_failing_app_is_failed_with_the_reason() {
    let s = store().await;
    let toml = "[App]\nName = \"ai.wavehub.crash\"\nVersion = \"1.0.0\"\n\n[Runtime]\nModule = \"app\"\n";
    let files = vec![("app.toml".to_owned(), toml.as_bytes().to_vec()), ("app.py".to_owned(), b"raise SystemExit('no config found')\n".to_vec())];
    let app = s.import(package_files(&files).unwrap(), "PRIVATE").await.body;
    // Someone who cannot see the app cannot launch it.
    assert_eq!(s.call(Method::POST, &format!("/api/v1/apps/{}/instances", app["id"]), None, &s.user).await.status, StatusCode::NOT_FOUND);
    let launched = s.call(Method::POST, &format!("/api/v1/apps/{}/instances", app["id"]), None, &s.author).await.body;
    let instance = s.settled(launched["id"].as_i64().unwrap(), &s.author).await;
    assert_eq!(instance["status"], "failed");
    assert!(instance["status_reason"].as_str().unwrap().contains("exited (exit status: 1) before it answered"), "{instance}");
    let log = s.call(Method::GET, &format!("/api/v1/instances/{}/logs", launched["id"]), None, &s.author).await;
    assert!(log.text.contains("no config found"), "{}", log.text);
}

async fn reqwest_get(url: &str) -> String {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let (host, path) = url.trim_start_matches("http://").split_once('/').unwrap();
        let mut stream = std::net::TcpStream::connect(host).unwrap();
        use std::io::{Read, Write};
        write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default()
    })
    .await
    .unwrap()
}

async fn reqwest_get_fails(url: &str) -> bool {
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    tokio::task::spawn_blocking(move || std::net::TcpStream::connect(host).is_err()).await.unwrap()
}

#[tokio::test]
async fn values_an_older_wavehub_stored_in_plain_text_are_sealed_at_start() {
    let s = store().await;
    let db = &s.app.state.db;
    on_db!(db, |pool| sqlx::query("INSERT INTO secrets (name, created_at, updated_at) VALUES ('old', 'x', 'x')").execute(pool).await.map(drop)).unwrap();
    on_db!(db, |pool| sqlx::query("INSERT INTO secret_keys (secret_name, key, value) VALUES ('old', 'token', $1)").bind(SECRET_VALUE).execute(pool).await.map(drop)).unwrap();
    let sealed = wavehub_server::store::secrets::seal_plain_values(db, &s.app.state.sealer).await.unwrap();
    assert_eq!(sealed, 1);
    let (value, bytes): (Option<String>, Vec<u8>) = on_db!(db, |pool| sqlx::query_as("SELECT value, sealed FROM secret_keys WHERE secret_name = 'old'").fetch_one(pool).await).unwrap();
    assert_eq!(value, None);
    assert_eq!(s.app.state.sealer.open("old", "token", &bytes).unwrap(), SECRET_VALUE);
    for file in ["wavehub.db", "wavehub.db-wal"] {
        let bytes = std::fs::read(s.app.data_dir().join(file)).unwrap_or_default();
        assert!(!bytes.windows(SECRET_VALUE.len()).any(|w| w == SECRET_VALUE.as_bytes()), "plain text left in {file}");
    }
}

#[tokio::test]
async fn rotating_the_key_reseals_every_value_and_keeps_the_old_key_beside() {
    let s = store().await;
    s.add_secret().await;
    let dir = s.app.data_dir().to_path_buf();
    let old_key = std::fs::read_to_string(dir.join("secret.key")).unwrap();
    let (count, path) = wavehub_server::store::sealing::rotate(&dir, None, &s.app.state.config.database).await.unwrap();
    assert_eq!((count, path), (1, dir.join("secret.key")));
    let new_key = std::fs::read_to_string(dir.join("secret.key")).unwrap();
    assert_ne!(new_key, old_key);
    assert_eq!(std::fs::read_to_string(dir.join("secret.key.old")).unwrap(), old_key);
    let (rotated, _) = wavehub_server::store::sealing::SecretBox::load_or_create(&dir, None).unwrap();
    let sealed: Vec<u8> = on_db!(&s.app.state.db, |pool| sqlx::query_scalar("SELECT sealed FROM secret_keys").fetch_one(pool).await).unwrap();
    assert_eq!(rotated.open("api-credentials", "token", &sealed).unwrap(), SECRET_VALUE);
    assert!(s.app.state.sealer.open("api-credentials", "token", &sealed).is_err(), "the old key no longer opens it");
}

/// Deletes and role changes take an optional `{reason}` (what the console's bulk actions send for
/// every selected row); each lands in the row's audit entry, a blank one is none, a long one is
/// refused before anything changes, and a plain DELETE still works.
#[tokio::test]
async fn deletes_and_role_changes_record_their_reason() {
    let s = store().await;
    let reason_of = async |resource: &str, action: &str| {
        let audit = s.call(Method::GET, &format!("/api/v1/audit?resource={resource}&action={action}"), None, &s.admin).await;
        assert_eq!(audit.body["total"], 1, "{}", audit.text);
        audit.body["items"][0]["reason"].clone()
    };
    for name in ["OLD", "STALE", "PLAIN"] {
        let reply = s.call(Method::POST, "/api/v1/tags", Some(json!({"name": name})), &s.admin).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let long = json!({"reason": "x".repeat(501)});
    let reply = s.call(Method::DELETE, "/api/v1/tags/OLD", Some(long.clone()), &s.admin).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(reply.body["errors"][0]["path"], "reason");
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/OLD", Some(json!({"reason": "Merged into FORECASTING"})), &s.author).await.status, StatusCode::FORBIDDEN);
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/OLD", Some(json!({"reason": " Merged into FORECASTING "})), &s.admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(reason_of("tags/OLD", "delete").await, "Merged into FORECASTING");
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/STALE", Some(json!({"reason": "  "})), &s.admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(reason_of("tags/STALE", "delete").await, Value::Null);
    assert_eq!(s.call(Method::DELETE, "/api/v1/tags/PLAIN", None, &s.admin).await.status, StatusCode::NO_CONTENT);

    let reply = s.call(Method::PATCH, "/api/v1/users/other", Some(json!({"roles": ["user"], "reason": "Left the team"})), &s.admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reason_of("users/other", "update").await, "Left the team");
    assert_eq!(s.call(Method::DELETE, "/api/v1/users/other", Some(long), &s.admin).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.call(Method::DELETE, "/api/v1/users/other", Some(json!({"reason": "Account closed"})), &s.admin).await.status, StatusCode::NO_CONTENT);
    assert_eq!(reason_of("users/other", "delete").await, "Account closed");

    let ws = "/api/v1/workspaces/default";
    let image = json!({"uid": "scorer", "name": "Scorer", "docker_image": "h2oai/scorer:1.0.0"});
    assert_eq!(s.call(Method::POST, &format!("{ws}/runtime-images"), Some(image), &s.admin).await.status, StatusCode::CREATED);
    let runtime = json!({"uid": "mojo", "name": "MOJO", "runtime_image_uid": "scorer", "model_type": "dai_mojo"});
    assert_eq!(s.call(Method::POST, &format!("{ws}/runtimes"), Some(runtime), &s.admin).await.status, StatusCode::CREATED);
    let reply = s.call(Method::DELETE, &format!("{ws}/runtimes/mojo"), Some(json!({"reason": "Replaced by the REST runtime"})), &s.admin).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(reason_of("workspaces/default/runtimes/mojo", "delete").await, "Replaced by the REST runtime");
}
