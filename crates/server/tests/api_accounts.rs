//! The accounts API through the real router and a real database: sign-in, sessions, tokens and
//! user administration, with every authorization rule tested from the side it protects.

mod common;

use axum::http::{header, Method, StatusCode};
use common::{TestApp, ADMIN_PASSWORD};
use serde_json::json;
use wavehub_core::accounts::Role;
use wavehub_server::on_db;

fn assert_problem(reply: &common::Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(reply.body["status"], status.as_u16());
    assert!(reply.body["title"].is_string() && reply.body["detail"].is_string(), "{}", reply.text);
}

#[tokio::test]
async fn health_answers_anyone() {
    let app = TestApp::new().await;
    let reply = app.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["status"], "ok");
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_session_cookie() {
    let app = TestApp::new().await;
    let reply = app
        .call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "admin", "password": ADMIN_PASSWORD})), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body, json!({"username": "admin", "roles": ["admin"]}));
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("wavehub_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    // The cookie holds a secret; the database only its hash.
    let secret = cookie.split(';').next().unwrap().trim_start_matches("wavehub_session=");
    let stored: Vec<(String,)> = on_db!(&app.state.db, |pool| sqlx::query_as("SELECT id_hash FROM sessions").fetch_all(pool).await).unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, secret);
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_locked() {
    let app = TestApp::with_config(|config| config.secure_cookies = true).await;
    let reply = app
        .call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "admin", "password": ADMIN_PASSWORD})), None)
        .await;
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    // `__Host-`: the browser keeps it only if Secure, for `/`, without Domain, so an app on a
    // sibling subdomain can neither plant nor overwrite it.
    assert!(cookie.starts_with("__Host-wavehub_session=") && cookie.contains("; Secure") && !cookie.contains("Domain"), "{cookie}");
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let me = |cookie: String| {
        let app = &app;
        async move {
            let request = axum::http::Request::get("/api/v1/me").header(header::COOKIE, cookie).body(axum::body::Body::empty()).unwrap();
            tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap().status()
        }
    };
    assert_eq!(me(format!("__Host-wavehub_session={value}")).await, StatusCode::OK);
    // The same secret under the plain name (what a planted cookie would use) is not a session.
    assert_eq!(me(format!("wavehub_session={value}")).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_accepts_the_username_in_any_case() {
    let app = TestApp::new().await;
    let reply = app
        .call(Method::POST, "/api/v1/auth/login", Some(json!({"username": " Admin ", "password": ADMIN_PASSWORD})), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::new().await;
    let wrong = app
        .call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "admin", "password": "nope-nope"})), None)
        .await;
    let unknown = app
        .call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "ghost", "password": "nope-nope"})), None)
        .await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["detail"], "Wrong username or password.");
    assert_eq!(wrong.body, unknown.body, "the answer must not tell which usernames exist");
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn malformed_bodies_are_problems_not_crashes() {
    let app = TestApp::new().await;
    let missing_field = app.call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "admin"})), None).await;
    assert_problem(&missing_field, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing_field.body["errors"][0]["message"].as_str().unwrap().contains("password"), "{}", missing_field.text);

    let not_json = app.call(Method::POST, "/api/v1/auth/login", None, None).await;
    assert_problem(&not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // serde would read a struct from an array: `[]` would be a patch that changes nothing.
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    for body in [json!([]), json!(["x", ["admin"]]), json!("password"), json!(null)] {
        let reply = app.call(Method::PATCH, "/api/v1/users/admin", Some(body.clone()), Some(&admin)).await;
        assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.body["errors"][0]["code"], "body.not_object", "{body}: {}", reply.text);
    }
    let request = TestApp::request_as(Method::POST, "/api/v1/auth/login", None)
        .header(header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from("{\"username\": "))
        .unwrap();
    let broken = app.send_request(request).await;
    assert_problem(&broken, StatusCode::BAD_REQUEST);
    assert!(broken.body["detail"].as_str().unwrap().contains("not valid JSON"), "{}", broken.text);
}

#[tokio::test]
async fn me_needs_a_session_and_logout_ends_it() {
    let app = TestApp::new().await;
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, None).await, StatusCode::UNAUTHORIZED);
    assert_problem(
        &app.call(Method::GET, "/api/v1/me", None, Some("wavehub_session=forged")).await,
        StatusCode::UNAUTHORIZED,
    );

    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    let me = app.call(Method::GET, "/api/v1/me", None, Some(&cookie)).await;
    assert_eq!(me.body, json!({"username": "admin", "roles": ["admin"]}));

    let logout = app.call(Method::POST, "/api/v1/auth/logout", None, Some(&cookie)).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    // The old cookie is dead on the server, not only forgotten by the browser.
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&cookie)).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    on_db!(&app.state.db, |pool| sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'").execute(pool).await.map(drop)).unwrap();
    let reply = app.call(Method::GET, "/api/v1/me", None, Some(&cookie)).await;
    assert_problem(&reply, StatusCode::UNAUTHORIZED);
    assert!(reply.body["detail"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn api_tokens_authenticate_are_listed_without_secret_and_revoke() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    let created = app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "laptop CLI"})), Some(&cookie)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("wh_"));

    let me = app.call(Method::GET, "/api/v1/me", None, Some(&token)).await;
    assert_eq!(me.body["username"], "admin", "{}", me.text);

    let listed = app.call(Method::GET, "/api/v1/tokens", None, Some(&cookie)).await;
    assert_eq!(listed.body[0]["name"], "laptop CLI");
    assert!(listed.body[0]["last_used_at"].is_string(), "using a token records when");
    assert!(!listed.text.contains(&token[3..]), "a token is shown once, never listed");

    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, Some(&cookie)).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&token)).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some("Bearer not-a-token")).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_private_to_their_owner() {
    let app = TestApp::new().await;
    app.add_user("bob", "bob-password", &[Role::User]).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let bob = app.sign_in("bob", "bob-password").await;
    let created = app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "admin's"})), Some(&admin)).await;
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::GET, "/api/v1/tokens", None, Some(&bob)).await.body, json!([]));
    assert_problem(&app.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, Some(&bob)).await, StatusCode::NOT_FOUND);
    assert_problem(&app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": " "})), Some(&bob)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.call(Method::GET, "/api/v1/tokens?all=true", None, Some(&bob)).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_see_and_revoke_everyones_tokens_and_the_audit_log_says_so() {
    let app = TestApp::new().await;
    app.add_user("bob", "bob-password", &[Role::User]).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let bob = app.sign_in("bob", "bob-password").await;
    let created = app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "bob's laptop"})), Some(&bob)).await;
    assert_eq!(created.body["owner"], "bob");
    let (id, token) = (created.body["id"].as_i64().unwrap(), created.body["token"].as_str().unwrap().to_owned());
    app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "admin's"})), Some(&admin)).await;

    // The admin's own list is theirs; `all` adds everyone's, each with its owner.
    let own = app.call(Method::GET, "/api/v1/tokens", None, Some(&admin)).await;
    assert_eq!(own.body.as_array().unwrap().len(), 1);
    let all = app.call(Method::GET, "/api/v1/tokens?all=true", None, Some(&admin)).await;
    let owners: Vec<&str> = all.body.as_array().unwrap().iter().map(|t| t["owner"].as_str().unwrap()).collect();
    assert_eq!(owners, ["admin", "bob"]);
    assert!(!all.text.contains(&token), "no secret in any list");

    assert_eq!(app.call(Method::DELETE, &format!("/api/v1/tokens/{id}"), None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&token)).await, StatusCode::UNAUTHORIZED);
    let log = app.call(Method::GET, "/api/v1/audit?resource=users/bob/tokens", None, Some(&admin)).await;
    let entries: Vec<(&str, &str)> =
        log.body["items"].as_array().unwrap().iter().map(|e| (e["actor"].as_str().unwrap(), e["action"].as_str().unwrap())).collect();
    assert_eq!(entries, [("admin", "revoke"), ("bob", "create")], "{}", log.text);
}

#[tokio::test]
async fn only_admins_manage_users() {
    let app = TestApp::new().await;
    app.add_user("alice", "alice-password", &[Role::Author]).await;
    let alice = app.sign_in("alice", "alice-password").await;
    let new_user = json!({"username": "carol", "password": "carol-password", "roles": ["user"]});
    for (method, path, body) in [
        (Method::GET, "/api/v1/users", None),
        (Method::POST, "/api/v1/users", Some(new_user.clone())),
        (Method::GET, "/api/v1/users/admin", None),
        (Method::PATCH, "/api/v1/users/admin", Some(json!({"roles": ["user"]}))),
        (Method::DELETE, "/api/v1/users/admin", None),
    ] {
        assert_problem(&app.call(method.clone(), path, body.clone(), None).await, StatusCode::UNAUTHORIZED);
        assert_problem(&app.call(method, path, body, Some(&alice)).await, StatusCode::FORBIDDEN);
    }
    // Nothing changed.
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.call(Method::GET, "/api/v1/users", None, Some(&admin)).await.body["total"], 2);
}

#[tokio::test]
async fn admin_creates_lists_updates_and_deletes_users() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let created = app
        .call(Method::POST, "/api/v1/users", Some(json!({"username": "carol", "password": "carol-password", "roles": ["user", "author"]})), Some(&admin))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["roles"], json!(["author", "user"]));
    assert!(created.body.get("password").is_none() && !created.text.contains("argon2"));

    let duplicate = app
        .call(Method::POST, "/api/v1/users", Some(json!({"username": "carol", "password": "other-password", "roles": ["user"]})), Some(&admin))
        .await;
    assert_problem(&duplicate, StatusCode::CONFLICT);

    let list = app.call(Method::GET, "/api/v1/users?page=1&page_size=1", None, Some(&admin)).await;
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["page_size"], 1);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["username"], "admin");
    let page_two = app.call(Method::GET, "/api/v1/users?page=2&page_size=1", None, Some(&admin)).await;
    assert_eq!(page_two.body["items"][0]["username"], "carol");
    assert_problem(&app.call(Method::GET, "/api/v1/users?page_size=501", None, Some(&admin)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&app.call(Method::GET, "/api/v1/users?page=abc", None, Some(&admin)).await, StatusCode::UNPROCESSABLE_ENTITY);

    // A new password ends carol's sessions.
    let carol = app.sign_in("carol", "carol-password").await;
    let patched = app
        .call(Method::PATCH, "/api/v1/users/carol", Some(json!({"password": "new-carol-password", "roles": ["user"]})), Some(&admin))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["roles"], json!(["user"]));
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&carol)).await, StatusCode::UNAUTHORIZED);
    app.sign_in("carol", "new-carol-password").await;

    assert_eq!(app.call(Method::DELETE, "/api/v1/users/carol", None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.call(Method::GET, "/api/v1/users/carol", None, Some(&admin)).await, StatusCode::NOT_FOUND);
    assert_problem(&app.call(Method::DELETE, "/api/v1/users/carol", None, Some(&admin)).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_users_get_every_finding_with_its_field() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let reply = app
        .call(Method::POST, "/api/v1/users", Some(json!({"username": "Bad Name", "password": "short", "roles": []})), Some(&admin))
        .await;
    assert_problem(&reply, StatusCode::UNPROCESSABLE_ENTITY);
    let paths: Vec<&str> = reply.body["errors"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["username", "password", "roles"]);
    let bad_role = app
        .call(Method::POST, "/api/v1/users", Some(json!({"username": "dave", "password": "dave-password", "roles": ["root"]})), Some(&admin))
        .await;
    assert_problem(&bad_role, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_last_admin_cannot_be_removed() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let demote = app.call(Method::PATCH, "/api/v1/users/admin", Some(json!({"roles": ["user"]})), Some(&admin)).await;
    assert_problem(&demote, StatusCode::CONFLICT);
    assert_problem(&app.call(Method::DELETE, "/api/v1/users/admin", None, Some(&admin)).await, StatusCode::CONFLICT);
    // Still an admin: the refused change rolled back.
    assert_eq!(app.call(Method::GET, "/api/v1/me", None, Some(&admin)).await.body["roles"], json!(["admin"]));

    // With a second admin, the first may step down.
    app.add_user("erin", "erin-password", &[Role::Admin]).await;
    let demote = app.call(Method::PATCH, "/api/v1/users/admin", Some(json!({"roles": ["author"]})), Some(&admin)).await;
    assert_eq!(demote.status, StatusCode::OK, "{}", demote.text);
}

#[tokio::test]
async fn deleting_a_user_ends_their_sessions_and_tokens() {
    let app = TestApp::new().await;
    app.add_user("frank", "frank-password", &[Role::User]).await;
    let frank = app.sign_in("frank", "frank-password").await;
    let token = app.call(Method::POST, "/api/v1/tokens", Some(json!({"name": "cli"})), Some(&frank)).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.call(Method::DELETE, "/api/v1/users/frank", None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&frank)).await, StatusCode::UNAUTHORIZED);
    assert_problem(&app.call(Method::GET, "/api/v1/me", None, Some(&token)).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_api_paths_are_problem_json_404s_and_pages_get_the_web_app() {
    let app = TestApp::new().await;
    for path in ["/api/v1/nope", "/api/v2/health", "/api", "/api/"] {
        let reply = app.call(Method::GET, path, None, None).await;
        assert_problem(&reply, StatusCode::NOT_FOUND);
        assert!(reply.body["detail"].as_str().unwrap().contains(path), "{path}: the 404 names the path");
    }
    let wrong_method = app.call(Method::DELETE, "/api/v1/health", None, None).await;
    assert_problem(&wrong_method, StatusCode::METHOD_NOT_ALLOWED);

    for path in ["/", "/apps/42", "/admin/runtime-images/abc", "/login"] {
        let reply = app.call(Method::GET, path, None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.text.contains("<title>Wavehub</title>"), "{path}: {}", reply.text);
    }
    let asset = app.call(Method::GET, "/app.js", None, None).await;
    assert_eq!(asset.text, "console.log('hi')");
    assert_eq!(asset.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down_with_retry_after() {
    let app = TestApp::new().await;
    let attempt = |password: &'static str| {
        app.call(Method::POST, "/api/v1/auth/login", Some(json!({"username": "admin", "password": password})), None)
    };
    for _ in 0..5 {
        assert_problem(&attempt("wrong-password").await, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password must wait: the guesser cannot tell which one was right.
    let held = attempt(ADMIN_PASSWORD).await;
    assert_problem(&held, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(held.headers[header::RETRY_AFTER], "1");
    assert!(held.body["detail"].as_str().unwrap().contains("try again in 1 second."), "{}", held.text);
    // Other accounts are not affected.
    app.add_user("gina", "gina-password", &[Role::User]).await;
    app.sign_in("gina", "gina-password").await;
}
