//! Smaller leaks (issue 13, items 5 and 6): app.toml's `Tags` follow the tag's rules, the catalog
//! cache does not outlive an account whose id is reused, the versions list counts only instances the
//! caller may see, a password reset ends every other sign-in, a workspace admin's removals do not probe for
//! usernames, and file names that could only fail at launch are refused at import.

mod common;

use axum::http::{Method, StatusCode};
use common::{Reply, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use wavehub_core::accounts::Role;
use wavehub_core::package::package_files;
use wavehub_server::on_db;

const APPS: &str = "/api/v1/apps";
const PASSWORD: &str = "password-123";

/// A bundle of app `name` whose app.toml's [App] also says `app_extra` and ends with `tail`, plus `files`.
fn bundle(name: &str, app_extra: &str, tail: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let toml = format!(
        "[App]\nName = \"{name}\"\nVersion = \"1.0.0\"\nTitle = \"App {name}\"\nDescription = \"Does things.\"\n{app_extra}\n\
         [Runtime]\nModule = \"app\"\n{tail}\n"
    );
    let mut all = vec![("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), b"print('hi')\n".to_vec())];
    all.extend(files.iter().map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec())));
    // Names our packager refuses (too long) are written as a hostile uploader would: by hand.
    package_files(&all).unwrap_or_else(|_| raw_zip(&all))
}

fn raw_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

async fn import(app: &TestApp, bytes: Vec<u8>, visibility: &str, who: &str) -> Reply {
    app.call_bytes(Method::POST, &format!("{APPS}?visibility={visibility}"), bytes, Some(who)).await
}

fn codes(reply: &Reply) -> Vec<String> {
    reply.body["errors"].as_array().map(|errors| errors.iter().map(|e| e["code"].as_str().unwrap().to_owned()).collect()).unwrap_or_default()
}

// ---- 5. Tags named in app.toml follow the tag's rules ----

#[tokio::test]
async fn tags_named_in_app_toml_follow_the_rule_of_assigning_them() {
    let app = TestApp::new().await;
    app.add_user("author", PASSWORD, &[Role::Author]).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let author = app.sign_in("author", PASSWORD).await;
    for (name, roles) in [("CERTIFIED", json!(["admin"])), ("COMMUNITY", json!(["author"])), ("BADGE", json!([]))] {
        let reply = app.call(Method::POST, "/api/v1/tags", Some(json!({"name": name, "admin_roles": roles})), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }

    // The author may not PUT the admin-only tag on their app...
    let reply = import(&app, bundle("ai.plain", "", "", &[]), "PRIVATE", &author).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.body["id"].as_i64().unwrap();
    let put = app.call(Method::PUT, &format!("{APPS}/{id}/tags/CERTIFIED"), None, Some(&author)).await;
    assert_eq!(put.status, StatusCode::FORBIDDEN);

    // ...so naming it in app.toml is refused too, naming the tag and who may assign it; nothing is stored.
    let certified = bundle("ai.certified", "Tags = [\"COMMUNITY\", \"CERTIFIED\"]", "", &[]);
    let reply = import(&app, certified.clone(), "ALL_USERS", &author).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(codes(&reply), ["tag.not_assignable"]);
    let finding = &reply.body["errors"][0];
    assert_eq!(finding["path"], "App.Tags");
    assert_eq!(finding["file"], "app.toml");
    assert!(finding["line"].as_u64().is_some(), "at the Tags line: {finding}");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("CERTIFIED") && message.contains("role admin"), "{message}");
    assert!(reply.body["detail"].as_str().unwrap().contains("nothing was stored"));
    let catalog = app.call(Method::GET, &format!("{APPS}?name=ai.certified"), None, Some(&admin)).await;
    assert_eq!(catalog.body["total"], 0, "nothing was stored");

    // Tags the author may assign (their role; anyone's) and names no admin created are kept.
    let fine = bundle("ai.community", "Tags = [\"COMMUNITY\", \"BADGE\", \"NOT_A_TAG_YET\"]", "", &[]);
    let reply = import(&app, fine, "ALL_USERS", &author).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["tags"], json!(["BADGE", "COMMUNITY", "NOT_A_TAG_YET"]));

    // An admin may import the bundle the author could not.
    let reply = import(&app, certified, "ALL_USERS", &admin).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["tags"], json!(["CERTIFIED", "COMMUNITY"]));
}

// ---- 6a. The catalog cache and reused user ids ----

#[tokio::test]
async fn a_new_account_with_a_deleted_accounts_id_does_not_see_its_cached_catalog() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let create = |username: &'static str| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let body = json!({"username": username, "password": PASSWORD, "roles": ["author"]});
            let reply = app.call(Method::POST, "/api/v1/users", Some(body), Some(&admin)).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        }
    };
    create("first").await;
    let first = app.sign_in("first", PASSWORD).await;
    let private = bundle("ai.first.secret", "Category = \"Mergers and Acquisitions\"\nTags = [\"PROJECT_FALCON\"]", "", &[]);
    assert_eq!(import(&app, private, "PRIVATE", &first).await.status, StatusCode::CREATED);
    let seen = app.call(Method::GET, APPS, None, Some(&first)).await;
    assert_eq!(seen.body["total"], 1);
    assert_eq!(seen.body["categories"][0]["value"], "Mergers and Acquisitions");

    let first_id: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT id FROM users WHERE username = 'first'").fetch_one(pool).await).unwrap();
    assert_eq!(app.call(Method::DELETE, "/api/v1/users/first", None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    create("second").await;
    let second_id: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT id FROM users WHERE username = 'second'").fetch_one(pool).await).unwrap();
    // The case this guards against: SQLite gives the new account the deleted one's id. PostgreSQL's
    // identity never reuses one, and the new account must see nothing there either.
    if app.state.db.sqlite().is_some() {
        assert_eq!(first_id, second_id, "SQLite gives the new account the deleted one's id");
    }

    let second = app.sign_in("second", PASSWORD).await;
    let seen = app.call(Method::GET, APPS, None, Some(&second)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body["items"].as_array().unwrap().is_empty());
    assert_eq!(seen.body["total"], 0, "{}", seen.text);
    assert!(!seen.text.contains("Mergers") && !seen.text.contains("PROJECT_FALCON"), "{}", seen.text);
}

// ---- 6b. Instances counted in the versions list ----

async fn add_instance(app: &TestApp, app_id: i64, owner: &str, visibility: &str, status: &str) {
    on_db!(&app.state.db, |pool| sqlx::query(
        "INSERT INTO instances (app_id, owner_id, visibility, status, created_at, updated_at) \
         VALUES ($1, (SELECT id FROM users WHERE username = $2), $3, $4, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .bind(app_id)
    .bind(owner)
    .bind(visibility)
    .bind(status).execute(pool).await.map(drop))
    .unwrap();
}

#[tokio::test]
async fn the_versions_list_counts_only_instances_the_caller_may_see_or_owns_the_version_of() {
    let app = TestApp::new().await;
    for name in ["author", "alice", "bob"] {
        app.add_user(name, PASSWORD, &[Role::Author]).await;
    }
    let author = app.sign_in("author", PASSWORD).await;
    let reply = import(&app, bundle("ai.shared", "", "", &[]), "ALL_USERS", &author).await;
    let id = reply.body["id"].as_i64().unwrap();
    add_instance(&app, id, "alice", "PRIVATE", "running").await;
    add_instance(&app, id, "alice", "PRIVATE", "starting").await;
    add_instance(&app, id, "bob", "ALL_USERS", "running").await;
    add_instance(&app, id, "bob", "PRIVATE", "terminated").await;
    let count = |who: String| {
        let app = &app;
        async move {
            let reply = app.call(Method::GET, "/api/v1/app-names/ai.shared/versions", None, Some(&who)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            reply.body["items"][0]["instances"].as_u64().unwrap()
        }
    };
    assert_eq!(count(app.sign_in("bob", PASSWORD).await).await, 1, "bob sees his shared one, not alice's private ones");
    assert_eq!(count(app.sign_in("alice", PASSWORD).await).await, 3, "alice: her two and bob's shared one");
    assert_eq!(count(author.clone()).await, 3, "the version's owner counts all of its live ones (the rollout page)");
    assert_eq!(count(app.sign_in("admin", ADMIN_PASSWORD).await).await, 3, "admins see every live one");
}

// ---- 6c. A password reset ends every other sign-in ----

async fn new_token(app: &TestApp, who: &str) -> String {
    let reply = app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "cli"})), Some(who)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body["token"].as_str().unwrap().to_owned()
}

async fn add_app_session(app: &TestApp, username: &str, id_hash: &str) {
    on_db!(&app.state.db, |pool| sqlx::query(
        "INSERT INTO app_sessions (id_hash, user_id, created_at, expires_at) \
         VALUES ($1, (SELECT id FROM users WHERE username = $2), '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
    )
    .bind(id_hash)
    .bind(username).execute(pool).await.map(drop))
    .unwrap();
}

async fn app_sessions(app: &TestApp, username: &str) -> i64 {
    on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT count(*) FROM app_sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)")
        .bind(username).fetch_one(pool).await)
        .unwrap()
}

async fn status_of_me(app: &TestApp, who: &str) -> StatusCode {
    app.call(Method::GET, "/api/v1/me", None, Some(who)).await.status
}

#[tokio::test]
async fn a_password_reset_revokes_the_users_sessions_tokens_and_app_sessions() {
    let app = TestApp::new().await;
    app.add_user("bob", PASSWORD, &[Role::Author]).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let bob_session = app.sign_in("bob", PASSWORD).await;
    let bob_token = new_token(&app, &bob_session).await;
    add_app_session(&app, "bob", "bob-app-session").await;
    assert_eq!(status_of_me(&app, &bob_token).await, StatusCode::OK);

    let reply = app.call(Method::PATCH, "/api/v1/users/bob", Some(json!({"password": "a-brand-new-password"})), Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status_of_me(&app, &bob_session).await, StatusCode::UNAUTHORIZED, "the session ended");
    assert_eq!(status_of_me(&app, &bob_token).await, StatusCode::UNAUTHORIZED, "the API token is revoked");
    assert_eq!(app_sessions(&app, "bob").await, 0, "the app sessions ended");
    assert_eq!(status_of_me(&app, &admin).await, StatusCode::OK, "the admin who reset it stays signed in");
    app.sign_in("bob", "a-brand-new-password").await;

    // A role change alone signs nobody out.
    let bob_session = app.sign_in("bob", "a-brand-new-password").await;
    let reply = app.call(Method::PATCH, "/api/v1/users/bob", Some(json!({"roles": ["user"]})), Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status_of_me(&app, &bob_session).await, StatusCode::OK);
}

#[tokio::test]
async fn changing_your_own_password_keeps_only_the_sign_in_you_did_it_from() {
    let app = TestApp::new().await;
    let here = app.sign_in("admin", ADMIN_PASSWORD).await;
    let elsewhere = app.sign_in("admin", ADMIN_PASSWORD).await;
    let token = new_token(&app, &here).await;
    add_app_session(&app, "admin", "admin-app-session").await;
    let reply = app.call(Method::PATCH, "/api/v1/users/admin", Some(json!({"password": "another-admin-password"})), Some(&here)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status_of_me(&app, &here).await, StatusCode::OK, "the session that changed it stays");
    assert_eq!(status_of_me(&app, &elsewhere).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app_sessions(&app, "admin").await, 0);

    // Changed with a token, the token stays and the sessions end.
    let session = app.sign_in("admin", "another-admin-password").await;
    let token = new_token(&app, &session).await;
    let other_token = new_token(&app, &session).await;
    let reply = app.call(Method::PATCH, "/api/v1/users/admin", Some(json!({"password": "a-third-admin-password"})), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status_of_me(&app, &token).await, StatusCode::OK);
    assert_eq!(status_of_me(&app, &other_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of_me(&app, &session).await, StatusCode::UNAUTHORIZED);
}

// ---- 6d. Workspace admins: removing does not tell which names exist ----

#[tokio::test]
async fn a_workspace_admin_adds_members_and_removing_answers_alike_for_a_missing_user_and_a_non_member() {
    const WS: &str = "/api/v1/workspaces/default/members";
    let app = TestApp::new().await;
    for name in ["owner", "reader", "outsider", "newcomer"] {
        app.add_user(name, PASSWORD, &[Role::User]).await;
    }
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    for (user, role) in [("owner", "admin"), ("reader", "member")] {
        let reply = app.call(Method::PUT, &format!("{WS}/{user}"), Some(json!({"role": role})), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let owner = app.sign_in("owner", PASSWORD).await;
    // Adding people is what a workspace's admin is for (a name they type must exist).
    let added = app.call(Method::PUT, &format!("{WS}/newcomer"), Some(json!({"role": "member"})), Some(&owner)).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let missing = app.call(Method::PUT, &format!("{WS}/nobody"), Some(json!({"role": "member"})), Some(&owner)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Removing answers the same, word for word, for a non-member and a name nobody has.
    let remove = |user: &'static str| {
        let (app, owner) = (&app, owner.clone());
        async move { app.call(Method::DELETE, &format!("{WS}/{user}"), None, Some(&owner)).await }
    };
    let anonymised = |reply: &Reply, name: &str| reply.text.replace(name, "someone");
    let (existing, missing) = (remove("outsider").await, remove("nobody").await);
    assert_eq!((existing.status, anonymised(&existing, "outsider")), (missing.status, anonymised(&missing, "nobody")));
    let reply = app.call(Method::PUT, &format!("{WS}/reader"), Some(json!({"role": "admin"})), Some(&owner)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

// ---- 6e. File names that could only fail at launch ----

fn finding<'a>(reply: &'a Reply, code: &str) -> &'a Value {
    let errors = reply.body["errors"].as_array().unwrap_or_else(|| panic!("no findings: {}", reply.text));
    errors.iter().find(|e| e["code"] == code).unwrap_or_else(|| panic!("no {code} in {}", reply.text))
}

#[tokio::test]
async fn file_names_that_would_fail_at_launch_are_refused_at_import() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;

    // [[File]] Paths with `..` folders: the runner refuses them when an instance starts.
    for path in ["../outside/settings.json", "/etc/../../outside/x", "conf/../../x/y"] {
        let tail = format!("[[File]]\nPath = \"{path}\"\nValue = \"x\"\n");
        let reply = import(&app, bundle("ai.dotdot", "", &tail, &[]), "PRIVATE", &admin).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", reply.text);
        let found = finding(&reply, "bundle.file_path.not_plain");
        assert_eq!(found["path"], "File[1].Path");
        assert_eq!(found["file"], "app.toml");
        assert!(found["message"].as_str().unwrap().contains(path), "names the path: {found}");
    }
    let tail = "[[File]]\nPath = \"conf//settings.json\"\nValue = \"x\"\n";
    let reply = import(&app, bundle("ai.empty", "", tail, &[]), "PRIVATE", &admin).await;
    finding(&reply, "bundle.file_path.not_plain");
    let tail = format!("[[File]]\nPath = \"conf/{}.json\"\nValue = \"x\"\n", "n".repeat(300));
    let reply = import(&app, bundle("ai.longpath", "", &tail, &[]), "PRIVATE", &admin).await;
    finding(&reply, "bundle.file_path.too_long");

    // A 5,000-character file name in the bundle: no file system could unpack it.
    let long_name = format!("data/{}.csv", "a".repeat(5_000));
    let reply = import(&app, bundle("ai.longname", "", "", &[(long_name.as_str(), b"1,2\n")]), "PRIVATE", &admin).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", &reply.text[..reply.text.len().min(500)]);
    let found = finding(&reply, "archive.name.too_long");
    assert_eq!(found["path"], long_name.as_str(), "the finding names the file");
    assert!(found["message"].as_str().unwrap().len() < 400, "the message shows the start of the name");
    // So does a name of many short folders that adds up past the limit.
    let deep_name = "folder/".repeat(200) + "x.py";
    let reply = import(&app, bundle("ai.deep", "", "", &[(deep_name.as_str(), b"")]), "PRIVATE", &admin).await;
    assert_eq!(finding(&reply, "archive.name.too_long")["path"], deep_name.as_str());

    // The same rules run at check time (`POST /bundles/validate`), and ordinary names pass.
    let reply = app.call_bytes(Method::POST, "/api/v1/bundles/validate", bundle("ai.longname", "", "", &[(long_name.as_str(), b"1")]), Some(&admin)).await;
    assert_eq!(reply.body["valid"], false);
    let fine = bundle("ai.fine", "", "[[File]]\nPath = \"/etc/conf/settings.json\"\nValue = \"x\"\n", &[("data/ok.csv", b"1")]);
    let reply = import(&app, fine, "PRIVATE", &admin).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}
