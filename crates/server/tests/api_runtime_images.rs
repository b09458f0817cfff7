//! Runtime images over a real router and SQLite database: workspaces and who may do what in them,
//! images and versions, the current version, bootstrap-managed images and the ceiling rule,
//! runtimes and deletion (API.md, "Runtime images").

mod common;

use axum::http::{Method, StatusCode};
use common::{Reply, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use wavehub_core::accounts::Role;
use wavehub_server::runtime_images::bootstrap;

const WS: &str = "/api/v1/workspaces/default";

/// A server with the roles these tests need: `owner` administers `default`, `reader` is a member,
/// `outsider` belongs to no workspace. Everyone but the platform admin is a plain user.
struct World {
    app: TestApp,
    admin: String,
    owner: String,
    reader: String,
    outsider: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    for name in ["owner", "reader", "outsider"] {
        app.add_user(name, "password-123", &[Role::User]).await;
    }
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let owner = app.sign_in("owner", "password-123").await;
    let reader = app.sign_in("reader", "password-123").await;
    let outsider = app.sign_in("outsider", "password-123").await;
    for (user, role) in [("owner", "admin"), ("reader", "member")] {
        let reply = app.call(Method::PUT, &format!("{WS}/members/{user}"), Some(json!({"role": role})), Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    World { app, admin, owner, reader, outsider }
}

impl World {
    async fn call(&self, method: Method, path: &str, body: Option<Value>, who: &str) -> Reply {
        self.app.call(method, path, body, Some(who)).await
    }

    async fn create_image(&self, uid: &str, docker_image: &str) -> Reply {
        let body = json!({"uid": uid, "name": format!("Image {uid}"), "docker_image": docker_image});
        self.call(Method::POST, &format!("{WS}/runtime-images"), Some(body), &self.owner).await
    }

    async fn add_version(&self, uid: &str, docker_image: &str, version: Option<&str>) -> Reply {
        let body = json!({"docker_image": docker_image, "version": version});
        self.call(Method::POST, &format!("{WS}/runtime-images/{uid}/versions"), Some(body), &self.owner).await
    }

    async fn image(&self, uid: &str) -> Value {
        let reply = self.call(Method::GET, &format!("{WS}/runtime-images/{uid}"), None, &self.reader).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }

    async fn bootstrap(&self, yaml: &str) {
        let images = bootstrap::parse(yaml, "values.yaml").unwrap();
        bootstrap::apply(&self.app.state.db, &images).await.unwrap();
    }
}

fn platform_file(images: &str) -> String {
    format!("config:\n  deployer:\n    composition:\n      runtimeImages:\n{images}")
}

#[tokio::test]
async fn workspaces_are_read_by_members_and_managed_by_their_admins() {
    let w = world().await;
    // Anonymous: 401 everywhere.
    assert_eq!(w.app.call(Method::GET, "/api/v1/workspaces", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(w.app.call(Method::GET, &format!("{WS}/runtime-images"), None, None).await.status, StatusCode::UNAUTHORIZED);
    // Listing: members see their workspaces, platform admins all of them; nobody sees `global`.
    let create = w.call(Method::POST, "/api/v1/workspaces", Some(json!({"id": "research", "name": "Research"})), &w.admin).await;
    assert_eq!(create.status, StatusCode::CREATED, "{}", create.text);
    let ids = |reply: Reply| reply.body["items"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(w.call(Method::GET, "/api/v1/workspaces", None, &w.admin).await), ["default", "research"]);
    assert_eq!(ids(w.call(Method::GET, "/api/v1/workspaces", None, &w.reader).await), ["default"]);
    assert!(ids(w.call(Method::GET, "/api/v1/workspaces", None, &w.outsider).await).is_empty());
    let me = w.call(Method::GET, WS, None, &w.reader).await;
    assert_eq!(me.body["my_role"], "member");
    // Outsiders get a 404: a workspace they cannot read does not exist for them.
    assert_eq!(w.call(Method::GET, &format!("{WS}/runtime-images"), None, &w.outsider).await.status, StatusCode::NOT_FOUND);
    assert_eq!(w.call(Method::GET, "/api/v1/workspaces/global/runtime-images", None, &w.admin).await.status, StatusCode::NOT_FOUND);
    // Only platform admins create workspaces; `global` is reserved; ids are unique.
    let reply = w.call(Method::POST, "/api/v1/workspaces", Some(json!({"id": "mine", "name": "Mine"})), &w.owner).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = w.call(Method::POST, "/api/v1/workspaces", Some(json!({"id": "global", "name": "G"})), &w.admin).await;
    assert_eq!(reply.body["errors"][0]["code"], "id.reserved");
    let reply = w.call(Method::POST, "/api/v1/workspaces", Some(json!({"id": "research", "name": "R"})), &w.admin).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    // Members read, only workspace admins manage members.
    let reply = w.call(Method::PUT, &format!("{WS}/members/outsider"), Some(json!({"role": "member"})), &w.reader).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["detail"].as_str().unwrap().contains("you are a member"));
    let reply = w.call(Method::PUT, &format!("{WS}/members/outsider"), Some(json!({"role": "member"})), &w.owner).await;
    assert_eq!(reply.status, StatusCode::OK);
    let members = w.call(Method::GET, &format!("{WS}/members"), None, &w.outsider).await;
    assert_eq!(members.body.as_array().unwrap().len(), 3);
    assert_eq!(w.call(Method::DELETE, &format!("{WS}/members/outsider"), None, &w.owner).await.status, StatusCode::NO_CONTENT);
    assert_eq!(w.call(Method::GET, &format!("{WS}/members"), None, &w.outsider).await.status, StatusCode::NOT_FOUND);
    assert_eq!(w.call(Method::PUT, &format!("{WS}/members/nobody"), Some(json!({"role": "member"})), &w.owner).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_image_endpoint_checks_the_callers_role() {
    let w = world().await;
    assert_eq!(w.create_image("scorer", "h2oai/scorer:1.0.0").await.status, StatusCode::CREATED);
    let image = format!("{WS}/runtime-images/scorer");
    let reason = Some(json!({"reason": "testing"}));
    // (method, path, body, expected for reader (member), expected for owner (workspace admin))
    let calls: Vec<(Method, String, Option<Value>, StatusCode, StatusCode)> = vec![
        (Method::GET, format!("{WS}/runtime-images"), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, image.clone(), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, format!("{image}/versions"), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, format!("{image}/versions/v1.0.0"), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, format!("{image}/versions/@latest"), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, format!("{image}/history"), None, StatusCode::OK, StatusCode::OK),
        (Method::GET, format!("{WS}/runtimes"), None, StatusCode::OK, StatusCode::OK),
        (Method::POST, format!("{WS}/runtime-images"), Some(json!({"name": "n", "docker_image": "a:1.0.0"})), StatusCode::FORBIDDEN, StatusCode::CREATED),
        (Method::PATCH, image.clone(), Some(json!({"description": "d"})), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/versions"), Some(json!({"docker_image": "h2oai/scorer:1.1.0"})), StatusCode::FORBIDDEN, StatusCode::CREATED),
        (Method::POST, format!("{image}/deprecate"), reason.clone(), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/disable"), reason.clone(), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/enable"), None, StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/versions/v1.0.0/deprecate"), reason.clone(), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/versions/v1.0.0/disable"), reason.clone(), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{image}/versions/v1.0.0/activate"), None, StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{WS}/runtimes"), Some(json!({"uid": "rt", "name": "r", "runtime_image_uid": "scorer", "model_type": "dai_mojo"})), StatusCode::FORBIDDEN, StatusCode::CREATED),
        (Method::POST, format!("{WS}/runtimes/rt/deprecate"), reason.clone(), StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::POST, format!("{WS}/runtimes/rt/enable"), None, StatusCode::FORBIDDEN, StatusCode::OK),
        (Method::GET, format!("{WS}/runtimes/rt"), None, StatusCode::OK, StatusCode::OK),
        (Method::DELETE, format!("{WS}/runtimes/rt"), None, StatusCode::FORBIDDEN, StatusCode::NO_CONTENT),
        (Method::DELETE, image.clone(), None, StatusCode::FORBIDDEN, StatusCode::NO_CONTENT),
    ];
    for (method, path, body, for_reader, for_owner) in calls {
        let reply = w.call(method.clone(), &path, body.clone(), &w.reader).await;
        assert_eq!(reply.status, for_reader, "reader {method} {path}: {}", reply.text);
        let reply = w.call(method.clone(), &path, body.clone(), &w.outsider).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "outsider {method} {path}: {}", reply.text);
        let reply = w.app.call(method.clone(), &path, body.clone(), None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "anonymous {method} {path}");
        let reply = w.call(method.clone(), &path, body, &w.owner).await;
        assert_eq!(reply.status, for_owner, "owner {method} {path}: {}", reply.text);
    }
    // The cross-workspace list is for platform admins.
    assert_eq!(w.call(Method::GET, "/api/v1/runtime-images", None, &w.owner).await.status, StatusCode::FORBIDDEN);
    assert_eq!(w.call(Method::GET, "/api/v1/runtime-images", None, &w.admin).await.status, StatusCode::OK);
}

/// The state routes take the action as their last segment (`.../{action}`). A word that names no
/// action of that kind (versions say `activate`, images and runtimes `enable`) is a path the API
/// does not have: the same 404 as any, before who is asking is looked at; another method on an
/// action's path is a 405, as on every route; the static segments beside it still win.
#[tokio::test]
async fn a_state_route_knows_its_kinds_actions_only() {
    let w = world().await;
    assert_eq!(w.create_image("scorer", "h2oai/scorer:1.0.0").await.status, StatusCode::CREATED);
    let runtime = json!({"uid": "rt", "name": "r", "runtime_image_uid": "scorer", "model_type": "dai_mojo"});
    assert_eq!(w.call(Method::POST, &format!("{WS}/runtimes"), Some(runtime), &w.owner).await.status, StatusCode::CREATED);
    let image = format!("{WS}/runtime-images/scorer");
    for path in [
        format!("{image}/activate"),
        format!("{image}/versions/v1.0.0/enable"),
        format!("{WS}/runtimes/rt/activate"),
        format!("{image}/Disable"),
        format!("{image}/retire"),
    ] {
        for who in [Some(w.owner.as_str()), None] {
            let reply = w.app.call(Method::POST, &path, None, who).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "POST {path} ({who:?}): {}", reply.text);
            assert_eq!(reply.body["detail"], format!("There is no API endpoint POST {path}."), "{path}");
            let unknown = w.app.call(Method::POST, &format!("{path}/x"), None, who).await;
            assert_eq!(unknown.body["detail"].as_str().map(|d| d.replace("/x.", ".")), reply.body["detail"].as_str().map(str::to_owned));
        }
        let reply = w.call(Method::GET, &path, None, &w.owner).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "GET {path}: {}", reply.text);
        assert_eq!(reply.body["detail"], format!("There is no API endpoint GET {path}."), "{path}");
    }
    for path in [format!("{image}/disable"), format!("{image}/versions/v1.0.0/activate"), format!("{WS}/runtimes/rt/enable")] {
        let reply = w.call(Method::GET, &path, None, &w.owner).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "GET {path}: {}", reply.text);
        assert_eq!(reply.body["detail"], format!("{} does not accept GET.", path.trim_start_matches("/api/v1")), "{path}");
    }
    assert_eq!(w.call(Method::GET, &format!("{image}/history"), None, &w.owner).await.status, StatusCode::OK);
    assert_eq!(w.call(Method::GET, &format!("{image}/versions"), None, &w.owner).await.status, StatusCode::OK);
    // The 405 reads as on every route (its path without the API's prefix), e.g. POST on `history`.
    let reply = w.call(Method::POST, &format!("{image}/history"), None, &w.owner).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.body["detail"], format!("{}/history does not accept POST.", image.trim_start_matches("/api/v1")));
}

#[tokio::test]
async fn versions_come_from_tags_or_are_asked_for() {
    let w = world().await;
    let reply = w.create_image("scorer", "docker.io/myorg/scorer:2.0.0").await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["current_version"], "v2.0.0");
    assert_eq!(reply.body["docker_image"], "docker.io/myorg/scorer:2.0.0");
    assert_eq!(reply.headers["location"], "/api/v1/workspaces/default/runtime-images/scorer");
    // No semver tag and no version: 422 asking for one; nothing is created.
    let reply = w.create_image("latest", "docker.io/myorg/scorer:latest").await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body["errors"][0]["path"], "version");
    assert_eq!(w.call(Method::GET, &format!("{WS}/runtime-images/latest"), None, &w.owner).await.status, StatusCode::NOT_FOUND);
    let reply = w.create_image("port", "registry.example.com:5000/org/scorer").await;
    assert!(reply.body["detail"].as_str().unwrap().contains("no tag"), "{}", reply.text);
    // Explicit versions win and always get their `v`; duplicates meet whatever the spelling.
    assert_eq!(w.add_version("scorer", "docker.io/myorg/scorer:latest", Some("1.0.0")).await.body["version"], "v1.0.0");
    let reply = w.add_version("scorer", "docker.io/myorg/scorer:v2.0.0", None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert!(reply.body["detail"].as_str().unwrap().contains("has version v2.0.0 already"));
    assert_eq!(w.add_version("scorer", "docker.io/myorg/scorer:rc", Some("v3.0.0-rc.1")).await.status, StatusCode::CREATED);
    // A new docker_image through PATCH adds a version too.
    let reply = w.call(Method::PATCH, &format!("{WS}/runtime-images/scorer"), Some(json!({"docker_image": "docker.io/myorg/scorer:3.0.0", "name": "Scorer"})), &w.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["name"].as_str(), reply.body["current_version"].as_str(), reply.body["versions_count"].as_u64()), (Some("Scorer"), Some("v3.0.0"), Some(4)));
    // Image ids: the platform's rule, unique per workspace.
    assert_eq!(w.create_image("Bad-Id", "a:1.0.0").await.body["errors"][0]["code"], "uid.invalid");
    assert_eq!(w.create_image("scorer", "a:1.0.0").await.status, StatusCode::CONFLICT);
    // Generated ids when none is given.
    let reply = w.call(Method::POST, &format!("{WS}/runtime-images"), Some(json!({"name": "Gen", "docker_image": "a:1.0.0"})), &w.owner).await;
    assert!(reply.body["uid"].as_str().unwrap().starts_with("ri-"), "{}", reply.text);
}

#[tokio::test]
async fn the_current_version_moves_when_versions_are_disabled() {
    let w = world().await;
    w.create_image("scorer", "h2oai/scorer:1.0.0").await;
    for tag in ["1.5.0", "2.0.0", "10.0.0-rc.1"] {
        assert_eq!(w.add_version("scorer", &format!("h2oai/scorer:{tag}"), None).await.status, StatusCode::CREATED);
    }
    let versions_path = format!("{WS}/runtime-images/scorer/versions");
    let current = |reply: &Reply| reply.body["current_version"].as_str().map(str::to_owned);
    assert_eq!(w.image("scorer").await["current_version"], "v10.0.0-rc.1");
    let order: Vec<String> = w.call(Method::GET, &versions_path, None, &w.reader).await.body["items"]
        .as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap().to_owned()).collect();
    assert_eq!(order, ["v10.0.0-rc.1", "v2.0.0", "v1.5.0", "v1.0.0"]);

    let disable = async |version: &str| {
        w.call(Method::POST, &format!("{versions_path}/{version}/disable"), Some(json!({"reason": "CVE-2026-1"})), &w.owner).await
    };
    assert_eq!(disable("v10.0.0-rc.1").await.body["is_current"], false);
    let list = w.call(Method::GET, &versions_path, None, &w.reader).await;
    assert_eq!(current(&list).as_deref(), Some("v2.0.0"));
    assert_eq!(list.body["current_explanation"], "v2.0.0 is current: it is the highest version that is not disabled (v10.0.0-rc.1 is disabled).");
    // Deprecated still counts (the documented rule), with a warning.
    let reply = w.call(Method::POST, &format!("{versions_path}/v2.0.0/deprecate"), Some(json!({"reason": "use v3"})), &w.owner).await;
    assert_eq!((reply.body["state"].as_str(), reply.body["is_current"].as_bool()), (Some("DEPRECATED"), Some(true)));
    // Disable everything: no current version, `@latest` is a 404, the image shows none.
    for version in ["v2.0.0", "v1.5.0", "v1.0.0"] {
        assert_eq!(disable(version).await.status, StatusCode::OK);
    }
    assert_eq!(w.image("scorer").await["current_version"], Value::Null);
    assert_eq!(w.image("scorer").await["docker_image"], Value::Null);
    let latest = w.call(Method::GET, &format!("{versions_path}/@latest"), None, &w.reader).await;
    assert_eq!(latest.status, StatusCode::NOT_FOUND);
    assert!(latest.body["detail"].as_str().unwrap().contains("every version is disabled"));
    // Activate brings it back; the filter lists by state.
    let reply = w.call(Method::POST, &format!("{versions_path}/1.5.0/activate"), None, &w.owner).await;
    assert_eq!((reply.body["state"].as_str(), reply.body["state_reason"].as_str()), (Some("ACTIVE"), None));
    assert_eq!(w.image("scorer").await["current_version"], "v1.5.0");
    let disabled = w.call(Method::GET, &format!("{versions_path}?state=DISABLED"), None, &w.reader).await;
    assert_eq!(disabled.body["total"], 3);
    // Restricting needs a reason; the history keeps every change with its reason.
    let reply = w.call(Method::POST, &format!("{versions_path}/v1.5.0/disable"), None, &w.owner).await;
    assert_eq!(reply.body["errors"][0]["code"], "reason.required");
    let history = w.call(Method::GET, &format!("{WS}/runtime-images/scorer/history"), None, &w.reader).await.body;
    let first = &history[0];
    assert_eq!((first["action"].as_str(), first["subject"].as_str(), first["actor"].as_str()), (Some("activate"), Some("v1.5.0"), Some("owner")));
    assert!(history.as_array().unwrap().iter().any(|e| e["reason"] == "CVE-2026-1" && e["state"] == "DISABLED"));
}

#[tokio::test]
async fn an_admin_chooses_whether_prereleases_can_be_current() {
    let w = world().await;
    w.create_image("scorer", "h2oai/scorer:2.0.0").await;
    assert_eq!(w.image("scorer").await["prereleases"], "may_be_current", "the platform's rule is the default");
    assert_eq!(w.add_version("scorer", "h2oai/scorer:3.0.0-rc.1", None).await.status, StatusCode::CREATED);
    let versions_path = format!("{WS}/runtime-images/scorer/versions");
    let list = w.call(Method::GET, &versions_path, None, &w.reader).await;
    assert_eq!(list.body["current_version"], "v3.0.0-rc.1");
    let why = list.body["current_explanation"].as_str().unwrap();
    assert!(why.contains("v3.0.0-rc.1 is a pre-release: runtimes that follow the current version get it"), "{why}");

    // Releases only: the current version moves back to the release at once.
    let patch = async |body: Value, who: &str| w.call(Method::PATCH, &format!("{WS}/runtime-images/scorer"), Some(body), who).await;
    assert_eq!(patch(json!({"prereleases": "never_current"}), &w.reader).await.status, StatusCode::FORBIDDEN);
    let reply = patch(json!({"prereleases": "never_current"}), &w.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["prereleases"].as_str(), reply.body["current_version"].as_str()), (Some("never_current"), Some("v2.0.0")));
    assert_eq!(reply.body["docker_image"], "h2oai/scorer:2.0.0");
    let list = w.call(Method::GET, &versions_path, None, &w.reader).await;
    assert_eq!(
        list.body["current_explanation"],
        "v2.0.0 is current: it is the highest release that is not disabled (v3.0.0-rc.1 is a pre-release, and is passed over: \
         this image lets only releases be current)."
    );
    // A later pre-release stays out; a release goes in.
    assert_eq!(w.add_version("scorer", "h2oai/scorer:3.0.0-rc.2", None).await.status, StatusCode::CREATED);
    assert_eq!(w.image("scorer").await["current_version"], "v2.0.0");
    assert_eq!(w.add_version("scorer", "h2oai/scorer:3.0.0", None).await.status, StatusCode::CREATED);
    assert_eq!(w.image("scorer").await["current_version"], "v3.0.0");
    // An image created releases-only with a pre-release has no current version, and says why.
    let body = json!({"uid": "nightly", "name": "Nightly", "docker_image": "h2oai/n:1.0.0-nightly", "prereleases": "never_current"});
    let reply = w.call(Method::POST, &format!("{WS}/runtime-images"), Some(body), &w.owner).await;
    assert_eq!((reply.status, &reply.body["current_version"]), (StatusCode::CREATED, &Value::Null), "{}", reply.text);
    let list = w.call(Method::GET, &format!("{WS}/runtime-images/nightly/versions"), None, &w.reader).await;
    assert!(list.body["current_explanation"].as_str().unwrap().starts_with("No release is enabled"), "{}", list.text);

    // The history says what each update changed, in words.
    assert_eq!(patch(json!({"name": "REST scorer", "description": "Scores"}), &w.owner).await.status, StatusCode::OK);
    let history = w.call(Method::GET, &format!("{WS}/runtime-images/scorer/history"), None, &w.reader).await.body;
    let summaries: Vec<&str> = history.as_array().unwrap().iter().filter_map(|e| e["summary"].as_str()).collect();
    assert_eq!(summaries, ["renamed it to “REST scorer”; changed the description", "let only releases be the current version"]);
}

#[tokio::test]
async fn image_lists_filter_sort_and_page() {
    let w = world().await;
    for (uid, tag) in [("alpha", "1.0.0"), ("beta", "2.0.0"), ("gamma_ray", "3.0.0")] {
        w.create_image(uid, &format!("h2oai/{uid}:{tag}").replace('_', "-")).await;
    }
    w.call(Method::POST, &format!("{WS}/runtime-images/beta/deprecate"), Some(json!({"reason": "old"})), &w.owner).await;
    w.bootstrap(&platform_file("        platform-one:\n          displayName: \"Zulu Platform\"\n          versions:\n            - image: {repository: \"p/one\", tag: \"1.0.0\"}\n")).await;
    let list = async |query: &str| w.call(Method::GET, &format!("{WS}/runtime-images?{query}"), None, &w.reader).await;
    let uids = |reply: Reply| reply.body["items"].as_array().unwrap().iter().map(|i| i["uid"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let all = list("").await;
    assert_eq!(all.body["total"], 4);
    assert_eq!(all.body["page_size"], 50);
    assert_eq!(uids(all), ["alpha", "beta", "gamma_ray", "platform-one"]);
    assert_eq!(uids(list("sort=-name").await), ["platform-one", "gamma_ray", "beta", "alpha"]);
    assert_eq!(uids(list("state=DEPRECATED").await), ["beta"]);
    assert_eq!(uids(list("sort=state").await)[0], "beta");
    // `name` matches names, ids and docker images, any case; `_` is a character, not a wildcard.
    assert_eq!(uids(list("name=ZULU").await), ["platform-one"]);
    assert_eq!(uids(list("name=h2oai%2Fbeta").await), ["beta"]);
    assert_eq!(uids(list("name=a_r").await), ["gamma_ray"]);
    let page = list("page=2&page_size=3").await;
    assert_eq!((page.body["total"].as_u64(), page.body["page"].as_u64()), (Some(4), Some(2)));
    assert_eq!(uids(page), ["platform-one"]);
    assert_eq!(list("page_size=501").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(list("state=GONE").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another workspace sees the platform's image but not default's.
    w.call(Method::POST, "/api/v1/workspaces", Some(json!({"id": "other", "name": "Other"})), &w.admin).await;
    let other = w.call(Method::GET, "/api/v1/workspaces/other/runtime-images", None, &w.admin).await;
    assert_eq!(uids(other), ["platform-one"]);
    // Platform admins list across workspaces: each row names its workspace, the platform's image
    // comes once, and the filters and paging are the per-workspace list's.
    let body = json!({"uid": "delta", "name": "Delta", "docker_image": "h2oai/delta:1.0.0"});
    assert_eq!(w.call(Method::POST, "/api/v1/workspaces/other/runtime-images", Some(body), &w.admin).await.status, StatusCode::CREATED);
    let everything = w.call(Method::GET, "/api/v1/runtime-images?page_size=10", None, &w.admin).await;
    assert_eq!(everything.body["total"], 5);
    let rows: Vec<(String, String, String)> = everything.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["uid"].as_str().unwrap().into(), i["workspace"].as_str().unwrap().into(), i["workspace_name"].as_str().unwrap().into()))
        .collect();
    let row = |uid: &str, ws: &str, name: &str| (uid.to_owned(), ws.to_owned(), name.to_owned());
    assert_eq!(
        rows,
        [
            row("delta", "other", "Other"),
            row("alpha", "default", "Default"),
            row("beta", "default", "Default"),
            row("gamma_ray", "default", "Default"),
            row("platform-one", "global", "Platform"),
        ]
    );
    let everywhere = async |query: &str| w.call(Method::GET, &format!("/api/v1/runtime-images?{query}"), None, &w.admin).await;
    assert_eq!(uids(everywhere("name=delt").await), ["delta"]);
    assert_eq!(uids(everywhere("state=DEPRECATED").await), ["beta"]);
    assert_eq!(uids(everywhere("page=2&page_size=2").await), ["beta", "gamma_ray"]);
    // One workspace's list and one image name their workspace too.
    assert_eq!(w.image("alpha").await["workspace_name"], "Default");
}

/// The name filter (answered through the trigram index from 3 characters) finds exactly the images
/// whose name, uid or docker image holds the text, in any case, also after a new version moves the
/// docker image; and pages read by keys add up to the one long page, in every order.
#[tokio::test]
async fn the_name_filter_index_and_paging_by_keys_give_the_rows_a_scan_gives() {
    let w = world().await;
    for n in 0..14 {
        let uid = format!("{}-{n}", ["alpha", "beta", "gamma_ray", "Delta"][n % 4].to_lowercase());
        let reply = w.create_image(&uid, &format!("h2oai/{}:1.{n}.0", ["scorer", "trainer"][n % 2])).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    w.add_version("beta-1", "quay.io/other/zebra:2.0.0", None).await;
    w.bootstrap(&platform_file("        platform-one:\n          displayName: \"Zulu Scorer\"\n          versions:\n            - image: {repository: \"p/one\", tag: \"1.0.0\"}\n")).await;
    let list = async |query: &str| {
        let reply = w.call(Method::GET, &format!("{WS}/runtime-images?{query}"), None, &w.reader).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
        reply.body
    };
    let all = list("page_size=500").await;
    let images: Vec<Value> = all["items"].as_array().unwrap().clone();
    assert_eq!(images.len(), 15);
    for text in ["al", "alp", "ALPHA-1", "h2oai/", "a_r", "image ", "%", "1.1", "zebra", "SCORER", "zzz", "eta-1"] {
        let holds = |value: &Value| value.as_str().unwrap_or_default().to_lowercase().contains(&text.to_lowercase());
        let expected: Vec<&str> = images
            .iter()
            .filter(|i| holds(&i["name"]) || holds(&i["uid"]) || holds(&i["docker_image"]))
            .map(|i| i["uid"].as_str().unwrap())
            .collect();
        let found = list(&format!("name={}&page_size=500", text.replace('%', "%25").replace(' ', "%20").replace('/', "%2F"))).await;
        let found: Vec<&str> = found["items"].as_array().unwrap().iter().map(|i| i["uid"].as_str().unwrap()).collect();
        assert_eq!(found, expected, "name={text}");
    }
    assert_eq!(list("name=zebra").await["items"][0]["uid"], "beta-1", "the new version's docker image is found");
    for sort in ["name", "-name", "-created", "created", "-updated", "state"] {
        let long = list(&format!("sort={sort}&page_size=500")).await["items"].clone();
        let mut paged = Vec::new();
        for page in 1..=6 {
            paged.extend(list(&format!("sort={sort}&page_size=3&page={page}")).await["items"].as_array().unwrap().clone());
        }
        assert_eq!(Value::Array(paged), long, "sort={sort}");
    }
}

/// The ceiling rule through the API: for each platform state, each action on a platform image and
/// on a platform version, what the console may do (spec §17.3).
#[tokio::test]
async fn the_ceiling_rule_holds_for_platform_images_and_versions() {
    let w = world().await;
    let mut yaml = String::new();
    for state in ["ACTIVE", "DEPRECATED", "DISABLED"] {
        let id = state.to_lowercase();
        yaml.push_str(&format!(
            "        {id}:\n          state: {state}\n          stateReason: \"platform says {id}\"\n          versions:\n            - image: {{repository: \"p/{id}\", tag: \"1.0.0\"}}\n              state: {state}\n"
        ));
    }
    w.bootstrap(&platform_file(&yaml)).await;
    // (platform state, action, expected status, effective state after)
    let table = [
        ("ACTIVE", "deprecate", StatusCode::OK, "DEPRECATED"),
        ("ACTIVE", "disable", StatusCode::OK, "DISABLED"),
        ("ACTIVE", "enable", StatusCode::OK, "ACTIVE"),
        ("DEPRECATED", "disable", StatusCode::OK, "DISABLED"),
        ("DEPRECATED", "deprecate", StatusCode::OK, "DEPRECATED"),
        ("DEPRECATED", "enable", StatusCode::CONFLICT, "DEPRECATED"),
        ("DISABLED", "disable", StatusCode::OK, "DISABLED"),
        ("DISABLED", "deprecate", StatusCode::CONFLICT, "DISABLED"),
        ("DISABLED", "enable", StatusCode::CONFLICT, "DISABLED"),
    ];
    for (platform, action, status, after) in table {
        let id = platform.to_lowercase();
        let body = Some(json!({"reason": "console says so"}));
        let image = format!("{WS}/runtime-images/{id}");
        let reply = w.call(Method::POST, &format!("{image}/{action}"), body.clone(), &w.admin).await;
        assert_eq!(reply.status, status, "image {platform} {action}: {}", reply.text);
        assert_eq!(w.image(&id).await["state"], after, "image {platform} {action}");
        let version_action = if action == "enable" { "activate" } else { action };
        let reply = w.call(Method::POST, &format!("{image}/versions/v1.0.0/{version_action}"), body, &w.admin).await;
        assert_eq!(reply.status, status, "version {platform} {version_action}: {}", reply.text);
        if status == StatusCode::CONFLICT {
            let detail = reply.body["detail"].as_str().unwrap();
            assert!(detail.contains(&format!("to {platform} in its bootstrap configuration")), "{detail}");
            assert!(detail.contains("an operator changes `state`"), "{detail}");
        }
    }
    // Workspace admins read platform images but only platform admins change their state.
    let reply = w.call(Method::POST, &format!("{WS}/runtime-images/active/disable"), Some(json!({"reason": "x"})), &w.owner).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["detail"].as_str().unwrap().contains("only a platform admin"));
    assert_eq!(w.image("active").await["can_manage"], false);
    // Nobody edits, deletes or adds versions to a platform image through the API.
    let image = format!("{WS}/runtime-images/active");
    for (method, path, body) in [
        (Method::PATCH, image.clone(), Some(json!({"name": "Mine"}))),
        (Method::DELETE, image.clone(), None),
        (Method::POST, format!("{image}/versions"), Some(json!({"docker_image": "p/active:2.0.0"}))),
    ] {
        let reply = w.call(method.clone(), &path, body, &w.admin).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{method} {path}");
        assert!(reply.body["detail"].as_str().unwrap().contains("managed by the bootstrap file"));
    }
}

#[tokio::test]
async fn the_platform_file_never_lifts_a_console_restriction() {
    let w = world().await;
    let file = |state: &str| platform_file(&format!(
        "        scorer:\n          state: {state}\n          versions:\n            - image: {{repository: \"p/scorer\", tag: \"1.0.0\"}}\n            - image: {{repository: \"p/scorer\", tag: \"2.0.0\"}}\n"
    ));
    w.bootstrap(&file("DEPRECATED")).await;
    let reply = w.call(Method::POST, &format!("{WS}/runtime-images/scorer/disable"), Some(json!({"reason": "console"})), &w.admin).await;
    assert_eq!(reply.status, StatusCode::OK);
    // The platform relaxes to ACTIVE: the console's DISABLED stays, with its reason.
    w.bootstrap(&file("ACTIVE")).await;
    let image = w.image("scorer").await;
    assert_eq!((image["state"].as_str(), image["state_reason"].as_str()), (Some("DISABLED"), Some("console")));
    assert_eq!((image["platform_state"].as_str(), image["console_state"].as_str()), (Some("ACTIVE"), Some("DISABLED")));
    // Now the console may lift its own restriction.
    let reply = w.call(Method::POST, &format!("{WS}/runtime-images/scorer/enable"), None, &w.admin).await;
    assert_eq!(reply.body["state"], "ACTIVE", "{}", reply.text);
    // A version that leaves the file is disabled by the platform; an image that leaves it too.
    w.bootstrap(&platform_file("        scorer:\n          versions:\n            - image: {repository: \"p/scorer\", tag: \"1.0.0\"}\n")).await;
    let versions = w.call(Method::GET, &format!("{WS}/runtime-images/scorer/versions"), None, &w.reader).await.body;
    assert_eq!(versions["current_version"], "v1.0.0");
    assert_eq!(versions["items"][0]["platform_state_reason"], bootstrap::REMOVED_REASON);
    w.bootstrap(&platform_file("        {}\n")).await;
    let image = w.image("scorer").await;
    assert_eq!((image["state"].as_str(), image["state_reason"].as_str()), (Some("DISABLED"), Some(bootstrap::REMOVED_REASON)));
    // Applying the same file again changes nothing and records nothing.
    let before = w.call(Method::GET, &format!("{WS}/runtime-images/scorer/history"), None, &w.reader).await.body;
    w.bootstrap(&platform_file("        {}\n")).await;
    let after = w.call(Method::GET, &format!("{WS}/runtime-images/scorer/history"), None, &w.reader).await.body;
    assert_eq!(before, after);
    assert!(after.as_array().unwrap().iter().any(|e| e["actor"] == "bootstrap" && e["state"] == "DISABLED"));
}

#[tokio::test]
async fn runtimes_resolve_and_block_deleting_their_image() {
    let w = world().await;
    w.create_image("scorer", "h2oai/scorer:1.0.0").await;
    w.add_version("scorer", "h2oai/scorer:2.0.0", None).await;
    let runtimes = format!("{WS}/runtimes");
    let create = |uid: &str, version: Option<&str>| {
        let body = json!({"uid": uid, "name": format!("Runtime {uid}"), "runtime_image_uid": "scorer", "version": version, "model_type": "dai_mojo", "environment_variables": {"THREADS": "4"}});
        w.call(Method::POST, &runtimes, Some(body), &w.owner)
    };
    let follow = create("follow", None).await;
    assert_eq!(follow.status, StatusCode::CREATED, "{}", follow.text);
    assert_eq!(follow.body["resolution"]["version"], "v2.0.0");
    assert_eq!(follow.body["environment_variables"]["THREADS"], "4");
    let pinned = create("pinned", Some("1.0.0")).await;
    assert_eq!((pinned.body["version"].as_str(), pinned.body["resolution"]["docker_image"].as_str()), (Some("v1.0.0"), Some("h2oai/scorer:1.0.0")));
    assert_eq!(create("missing", Some("v9.9.9")).await.body["errors"][0]["code"], "version.unknown");
    let bad_image = w.call(Method::POST, &runtimes, Some(json!({"name": "x", "runtime_image_uid": "nope", "model_type": "dai_mojo"})), &w.owner).await;
    assert_eq!(bad_image.body["errors"][0]["code"], "runtime_image_uid.unknown");
    // Disabling v2.0.0 moves the follower to v1.0.0; disabling v1.0.0 makes the pinned one unusable.
    w.call(Method::POST, &format!("{WS}/runtime-images/scorer/versions/v2.0.0/disable"), Some(json!({"reason": "bad"})), &w.owner).await;
    assert_eq!(w.call(Method::GET, &format!("{runtimes}/follow"), None, &w.reader).await.body["resolution"]["version"], "v1.0.0");
    w.call(Method::POST, &format!("{WS}/runtime-images/scorer/versions/v1.0.0/disable"), Some(json!({"reason": "bad"})), &w.owner).await;
    let pinned = w.call(Method::GET, &format!("{runtimes}/pinned"), None, &w.reader).await.body;
    assert_eq!(pinned["resolution"]["usable"], false);
    // New use of a disabled version is refused, and nothing is left behind.
    let refused = create("late", Some("v1.0.0")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(w.call(Method::GET, &format!("{runtimes}/late"), None, &w.owner).await.status, StatusCode::NOT_FOUND);
    // The image can't be deleted while runtimes use it; the refusal names them.
    let reply = w.call(Method::DELETE, &format!("{WS}/runtime-images/scorer"), None, &w.owner).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.contains("`follow` (Runtime follow)") && detail.contains("`pinned` (Runtime pinned)"), "{detail}");
    let by_image = w.call(Method::GET, &format!("{runtimes}?image=scorer"), None, &w.reader).await;
    assert_eq!(by_image.body["total"], 2);
    for uid in ["follow", "pinned"] {
        assert_eq!(w.call(Method::DELETE, &format!("{runtimes}/{uid}"), None, &w.owner).await.status, StatusCode::NO_CONTENT);
    }
    assert_eq!(w.call(Method::DELETE, &format!("{WS}/runtime-images/scorer"), None, &w.owner).await.status, StatusCode::NO_CONTENT);
    assert_eq!(w.call(Method::GET, &format!("{WS}/runtime-images/scorer"), None, &w.owner).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn runtimes_may_use_platform_images_but_not_disabled_ones() {
    let w = world().await;
    w.bootstrap(&platform_file(
        "        shared:\n          versions:\n            - image: {repository: \"p/shared\", tag: \"1.0.0\"}\n        retired:\n          state: DISABLED\n          versions:\n            - image: {repository: \"p/retired\", tag: \"1.0.0\"}\n",
    )).await;
    let body = |image: &str| json!({"name": "r", "runtime_image_uid": image, "model_type": "h2o3_mojo"});
    let reply = w.call(Method::POST, &format!("{WS}/runtimes"), Some(body("shared")), &w.owner).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let reply = w.call(Method::POST, &format!("{WS}/runtimes"), Some(body("retired")), &w.owner).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert!(reply.body["detail"].as_str().unwrap().contains("image is disabled"));
    // A workspace image can't take a platform image's id.
    let reply = w.create_image("shared", "a:1.0.0").await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
}
