//! The App Store API over a real router and SQLite database: import, the catalog, an app's data,
//! images and bundle, visibility and delete, and who may do each (API.md, "App store").

mod common;

use axum::http::{Method, StatusCode};
use common::{png, TestApp, ADMIN_PASSWORD};
use serde_json::{json, Value};
use wavehub_core::accounts::Role;
use wavehub_core::package::package_files;
use wavehub_server::on_db;

const APPS: &str = "/api/v1/apps";

struct Bundle {
    name: &'static str,
    version: &'static str,
    title: &'static str,
    description: &'static str,
    category: &'static str,
    tags: &'static [&'static str],
    keywords: &'static [&'static str],
    screenshots: usize,
}

impl Default for Bundle {
    fn default() -> Self {
        Bundle {
            name: "ai.wavehub.credit",
            version: "1.0.0",
            title: "Credit Risk",
            description: "Scores loan applications.",
            category: "Finance",
            tags: &["FINSERV"],
            keywords: &["loans", "scoring"],
            screenshots: 2,
        }
    }
}

impl Bundle {
    fn bytes(&self) -> Vec<u8> {
        let list = |items: &[&str]| items.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ");
        let toml = format!(
            "[App]\nName = \"{}\"\nVersion = \"{}\"\nTitle = \"{}\"\nDescription = \"{}\"\nCategory = \"{}\"\n\
             Tags = [{}]\nKeywords = [{}]\nLongDescription = \"about.md\"\n\n[Runtime]\nModule = \"app\"\nMemoryLimit = \"2Gi\"\n\n\
             [[Env]]\nName = \"GREETING\"\nValue = \"hello\"\n",
            self.name,
            self.version,
            self.title,
            self.description,
            self.category,
            list(self.tags),
            list(self.keywords)
        );
        let mut files = vec![
            ("app.toml".to_owned(), toml.into_bytes()),
            ("app.py".to_owned(), b"print('hi')\n".to_vec()),
            ("about.md".to_owned(), b"### About\n\n* scores <script>x</script>\n".to_vec()),
            ("static/icon.png".to_owned(), png(400, 400)),
        ];
        for n in 1..=self.screenshots {
            files.push((format!("static/screenshot-{n}.png"), png(1280, 800)));
        }
        package_files(&files).unwrap()
    }
}

/// A server with `author` (author), `other` (author) and `user` (plain user) besides `admin`.
async fn store() -> TestApp {
    let app = TestApp::new().await;
    app.add_user("author", "author-password", &[Role::Author]).await;
    app.add_user("other", "other-password", &[Role::Author]).await;
    app.add_user("user", "user-password", &[Role::User]).await;
    app
}

async fn import(app: &TestApp, cookie: &str, bundle: &Bundle, visibility: &str) -> Value {
    let reply = app.call_bytes(Method::POST, &format!("{APPS}?visibility={visibility}"), bundle.bytes(), Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

fn files_in(dir: &std::path::Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flatten()
        .flat_map(|e| if e.path().is_dir() { walk(&e.path()) } else { vec![e.path()] })
        .collect()
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|a| format!("{} {}", a["name"].as_str().unwrap(), a["version"].as_str().unwrap())).collect()
}

#[tokio::test]
async fn an_author_imports_a_bundle_and_gets_the_app_with_its_images_and_blob() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let reply = app.call_bytes(Method::POST, APPS, Bundle::default().bytes(), Some(&author)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.body["id"].as_i64().unwrap();
    assert_eq!(reply.headers["location"], format!("{APPS}/{id}").as_str());
    let body = &reply.body;
    assert_eq!(body["name"], "ai.wavehub.credit");
    assert_eq!(body["version"], "1.0.0");
    assert_eq!(body["title"], "Credit Risk");
    assert_eq!(body["visibility"], "PRIVATE", "PRIVATE unless asked otherwise");
    assert_eq!(body["owner"], "author");
    assert_eq!(body["category"], "Finance");
    assert_eq!(body["tags"], json!(["FINSERV"]));
    assert_eq!(body["keywords"], json!(["loans", "scoring"]));
    assert_eq!(body["has_icon"], true);
    assert_eq!(body["screenshots"], 2);
    assert_eq!(body["runtime"]["module"], "app");
    assert_eq!(body["runtime"]["memory_limit"], "2Gi");
    assert_eq!(body["runtime"]["env"], json!(["GREETING"]));
    assert!(body["long_description"].as_str().unwrap().starts_with("### About"));
    assert_eq!(body["can_manage"], true);
    assert!(body.get("manifest").is_none(), "Env values stay on the server");
    assert!(!reply.text.contains("hello"), "Env values stay on the server: {}", reply.text);

    // The blob is stored under its digest, and the upload file is gone.
    let sha = body["sha256"].as_str().unwrap();
    let blob = app.data_dir().join("blobs").join(&sha[..2]).join(sha);
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), body["bundle_size"].as_u64().unwrap());
    assert_eq!(files_in(&app.data_dir().join("uploads")), 0);

    let icon = app.call(Method::GET, &format!("{APPS}/{id}/icon"), None, Some(&author)).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.headers["content-type"], "image/png");
    assert_eq!(icon.headers["content-length"], png(400, 400).len().to_string().as_str());
    assert_eq!(icon.bytes, png(400, 400));
    let shot = app.call(Method::GET, &format!("{APPS}/{id}/screenshots/1"), None, Some(&author)).await;
    assert_eq!(shot.status, StatusCode::OK);
    let missing = app.call(Method::GET, &format!("{APPS}/{id}/screenshots/2"), None, Some(&author)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let download = app.call(Method::GET, &format!("{APPS}/{id}/bundle"), None, Some(&author)).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.headers["content-disposition"], "attachment; filename=\"ai.wavehub.credit.1.0.0.wave\"");
    assert_eq!(download.bytes, Bundle::default().bytes(), "the bundle as uploaded");
    assert_eq!(download.headers["content-length"], body["bundle_size"].to_string().as_str());
}

#[tokio::test]
async fn importing_needs_an_author_or_admin() {
    let app = store().await;
    let anonymous = app.call_bytes(Method::POST, APPS, Bundle::default().bytes(), None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let user = app.sign_in("user", "user-password").await;
    let plain = app.call_bytes(Method::POST, APPS, Bundle::default().bytes(), Some(&user)).await;
    assert_eq!(plain.status, StatusCode::FORBIDDEN);
    assert!(plain.body["detail"].as_str().unwrap().contains("author role"), "{}", plain.text);
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    import(&app, &admin, &Bundle::default(), "ALL_USERS").await;
    let bad = app.call_bytes(Method::POST, &format!("{APPS}?visibility=PUBLIC"), Bundle::default().bytes(), Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["path"], "visibility");
}

#[tokio::test]
async fn an_invalid_bundle_is_refused_with_its_findings_and_leaves_nothing() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let bad = Bundle { version: "v1.0", ..Bundle::default() };
    let reply = app.call_bytes(Method::POST, APPS, bad.bytes(), Some(&author)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    let error = &reply.body["errors"][0];
    assert_eq!(error["file"], "app.toml");
    assert_eq!(error["path"], "App.Version");
    assert_eq!(error["line"], 3);
    assert!(reply.body["detail"].as_str().unwrap().contains("nothing was stored"));

    let garbage = app.call_bytes(Method::POST, APPS, b"PK not really".to_vec(), Some(&author)).await;
    assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);

    let apps: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM apps").fetch_one(pool).await).unwrap();
    assert_eq!(apps, 0);
    assert_eq!(files_in(&app.data_dir().join("blobs")), 0);
    assert_eq!(files_in(&app.data_dir().join("uploads")), 0);
}

#[tokio::test]
async fn a_name_and_version_is_imported_once_even_when_raced() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    import(&app, &author, &Bundle::default(), "PRIVATE").await;
    let again = app.call_bytes(Method::POST, APPS, Bundle::default().bytes(), Some(&author)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body["detail"].as_str().unwrap().contains("Version 1.0.0 of ai.wavehub.credit already exists"));

    // Eight imports of a new version at once: exactly one wins.
    let racers = (0..8).map(|_| {
        let bytes = Bundle { version: "2.0.0", ..Bundle::default() }.bytes();
        let (router, cookie) = (app.router.clone(), author.clone());
        tokio::spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post(APPS)
                .header("cookie", cookie)
                .body(axum::body::Body::from(bytes))
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        })
    });
    let mut statuses = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        statuses.push(racer.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 7, "{statuses:?}");
    let rows: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM apps").fetch_one(pool).await).unwrap();
    assert_eq!(rows, 2);
    assert_eq!(files_in(&app.data_dir().join("blobs")), 2);
    assert_eq!(files_in(&app.data_dir().join("uploads")), 0);
}

#[tokio::test]
async fn a_name_belongs_to_its_first_importer() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    import(&app, &author, &Bundle::default(), "ALL_USERS").await;
    let other = app.sign_in("other", "other-password").await;
    let reply = app.call_bytes(Method::POST, APPS, Bundle { version: "9.0.0", ..Bundle::default() }.bytes(), Some(&other)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["detail"].as_str().unwrap().contains("belongs to author"), "{}", reply.text);
    // The owner and admins may add versions.
    import(&app, &author, &Bundle { version: "1.1.0", ..Bundle::default() }, "PRIVATE").await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    import(&app, &admin, &Bundle { version: "1.2.0", ..Bundle::default() }, "PRIVATE").await;
}

#[tokio::test]
async fn a_private_app_is_a_404_to_everyone_but_its_owner_and_admins() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let id = import(&app, &author, &Bundle::default(), "PRIVATE").await["id"].as_i64().unwrap();
    let user = app.sign_in("user", "user-password").await;
    let other = app.sign_in("other", "other-password").await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;

    for path in [
        format!("{APPS}/{id}"),
        format!("{APPS}/{id}/icon"),
        format!("{APPS}/{id}/screenshots/0"),
        format!("{APPS}/{id}/bundle"),
        format!("{APPS}/{id}/files/static/screenshot-1.png"),
    ] {
        assert_eq!(app.call(Method::GET, &path, None, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
        for stranger in [&user, &other] {
            let reply = app.call(Method::GET, &path, None, Some(stranger)).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
        }
        assert_eq!(app.call(Method::GET, &path, None, Some(&author)).await.status, StatusCode::OK, "{path}");
        assert_eq!(app.call(Method::GET, &path, None, Some(&admin)).await.status, StatusCode::OK, "{path}");
    }
    let listed = app.call(Method::GET, APPS, None, Some(&user)).await;
    assert_eq!(listed.body["total"], 0);
    let versions = app.call(Method::GET, "/api/v1/app-names/ai.wavehub.credit/versions", None, Some(&user)).await;
    assert_eq!(versions.body["items"], json!([]));
    assert_eq!(app.call(Method::GET, APPS, None, Some(&author)).await.body["total"], 1);
    assert_eq!(app.call(Method::GET, APPS, None, Some(&admin)).await.body["total"], 1);
    assert_eq!(app.call(Method::GET, APPS, None, None).await.status, StatusCode::UNAUTHORIZED);

    // Strangers can neither share it nor delete it: to them it does not exist.
    let patch = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "ALL_USERS"})), Some(&other)).await;
    assert_eq!(patch.status, StatusCode::NOT_FOUND);
    let delete = app.call(Method::DELETE, &format!("{APPS}/{id}"), None, Some(&user)).await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);

    // The owner shares it: now everyone signed in sees it, but still only the owner and admins manage it.
    let shared = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "ALL_USERS"})), Some(&author)).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text);
    assert_eq!(shared.body["visibility"], "ALL_USERS");
    let seen = app.call(Method::GET, &format!("{APPS}/{id}"), None, Some(&user)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.body["can_manage"], false);
    let patch = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "PRIVATE"})), Some(&other)).await;
    assert_eq!(patch.status, StatusCode::FORBIDDEN);
    let delete = app.call(Method::DELETE, &format!("{APPS}/{id}"), None, Some(&user)).await;
    assert_eq!(delete.status, StatusCode::FORBIDDEN);
    let bad = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "PUBLIC"})), Some(&author)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin_patch = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "PRIVATE", "reason": "under review"})), Some(&admin)).await;
    assert_eq!(admin_patch.status, StatusCode::OK);
    assert_eq!(app.call(Method::GET, &format!("{APPS}/{id}"), None, Some(&user)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn delete_removes_the_app_and_its_blob_unless_another_app_shares_it() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let first = import(&app, &author, &Bundle::default(), "ALL_USERS").await;
    let second = import(&app, &author, &Bundle { version: "1.0.1", ..Bundle::default() }, "ALL_USERS").await;
    assert_eq!(files_in(&app.data_dir().join("blobs")), 2);

    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let id = first["id"].as_i64().unwrap();
    let reply = app.call(Method::DELETE, &format!("{APPS}/{id}"), None, Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert_eq!(app.call(Method::GET, &format!("{APPS}/{id}"), None, Some(&admin)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(Method::DELETE, &format!("{APPS}/{id}"), None, Some(&admin)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(files_in(&app.data_dir().join("blobs")), 1);
    let images: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM app_images WHERE app_id = $1").bind(id).fetch_one(pool).await).unwrap();
    assert_eq!(images, 0);

    // The same version can be imported again after a delete; its blob comes back.
    import(&app, &author, &Bundle::default(), "ALL_USERS").await;
    assert_eq!(files_in(&app.data_dir().join("blobs")), 2);
    let id = second["id"].as_i64().unwrap();
    assert_eq!(app.call(Method::DELETE, &format!("{APPS}/{id}"), None, Some(&author)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(files_in(&app.data_dir().join("blobs")), 1);
}

async fn shared_catalog(app: &TestApp, cookie: &str) -> Vec<String> {
    names(&app.call(Method::GET, &format!("{APPS}?latest=true&visibility=ALL_USERS"), None, Some(cookie)).await.body)
}

#[tokio::test]
async fn versions_are_listed_newest_semver_first() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    for version in ["1.9.0", "1.10.0-rc.1", "1.10.0", "0.2.0"] {
        import(&app, &author, &Bundle { version, ..Bundle::default() }, "ALL_USERS").await;
    }
    import(&app, &author, &Bundle { version: "2.0.0", ..Bundle::default() }, "PRIVATE").await;
    let user = app.sign_in("user", "user-password").await;
    let reply = app.call(Method::GET, "/api/v1/app-names/ai.wavehub.credit/versions", None, Some(&user)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let versions: Vec<&str> = reply.body["items"].as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["1.10.0", "1.10.0-rc.1", "1.9.0", "0.2.0"]);
    assert_eq!(reply.body["items"][0]["instances"], 0);
    let mine = app.call(Method::GET, "/api/v1/app-names/ai.wavehub.credit/versions", None, Some(&author)).await;
    assert_eq!(mine.body["items"][0]["version"], "2.0.0");
    assert_eq!(mine.body["items"][0]["visibility"], "PRIVATE");

    // latest=true: the newest version each caller sees.
    let latest = app.call(Method::GET, &format!("{APPS}?latest=true"), None, Some(&user)).await;
    assert_eq!(names(&latest.body), ["ai.wavehub.credit 1.10.0"]);
    let latest = app.call(Method::GET, &format!("{APPS}?latest=true"), None, Some(&author)).await;
    assert_eq!(names(&latest.body), ["ai.wavehub.credit 2.0.0"]);
    let shared = app.call(Method::GET, &format!("{APPS}?latest=true&visibility=ALL_USERS"), None, Some(&author)).await;
    assert_eq!(names(&shared.body), ["ai.wavehub.credit 1.10.0"]);

    // The shared catalog follows every change: promoting 2.0.0, demoting it, deleting the newest.
    let id_of = |version: &str| mine.body["items"].as_array().unwrap().iter().find(|v| v["version"] == version).unwrap()["id"].as_i64().unwrap();
    let v2 = id_of("2.0.0");
    let patch = |visibility: &str| Some(json!({ "visibility": visibility }));
    assert_eq!(app.call(Method::PATCH, &format!("{APPS}/{v2}"), patch("ALL_USERS"), Some(&author)).await.status, StatusCode::OK);
    assert_eq!(shared_catalog(&app, &user).await, ["ai.wavehub.credit 2.0.0"]);
    let retire = Some(json!({"visibility": "PRIVATE", "reason": "not ready"}));
    assert_eq!(app.call(Method::PATCH, &format!("{APPS}/{v2}"), retire, Some(&author)).await.status, StatusCode::OK);
    assert_eq!(shared_catalog(&app, &user).await, ["ai.wavehub.credit 1.10.0"]);
    assert_eq!(app.call(Method::DELETE, &format!("{APPS}/{}", id_of("1.10.0")), None, Some(&author)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(shared_catalog(&app, &user).await, ["ai.wavehub.credit 1.10.0-rc.1"]);
}

#[tokio::test]
async fn a_search_ranks_the_named_app_first_then_name_and_title_prefixes_then_text() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    for (name, title, description) in [
        // The most "forecast" text of all, but neither its name nor its title starts with it.
        ("ai.wavehub.planner", "Weekly Planner", "Forecast forecast forecast: forecasts for every forecast."),
        ("ai.wavehub.forecast", "Sales Forecast", "Sales per store."),
        ("ai.wavehub.forecaster", "Forecaster", "Plans ahead."),
    ] {
        import(&app, &author, &Bundle { name, title, description, keywords: &["forecast"], ..Bundle::default() }, "ALL_USERS").await;
    }
    let search = |q: &'static str| {
        let (app, author) = (&app, author.clone());
        async move { names(&app.call(Method::GET, &format!("{APPS}?q={q}"), None, Some(&author)).await.body) }
    };
    let found = search("forecast").await;
    assert_eq!(found.len(), 3);
    assert_eq!(found[2], "ai.wavehub.planner 1.0.0", "text relevance comes after name and title prefixes: {found:?}");
    assert_eq!(search("ai.wavehub.forecast").await, ["ai.wavehub.forecast 1.0.0", "ai.wavehub.forecaster 1.0.0"]);
    assert_eq!(search("AI.Wavehub.Forecaster").await[0], "ai.wavehub.forecaster 1.0.0", "the exact name, in any case");
    assert_eq!(search("week").await, ["ai.wavehub.planner 1.0.0"]);
}

#[tokio::test]
async fn the_catalog_searches_filters_sorts_and_pages() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let other = app.sign_in("other", "other-password").await;
    import(&app, &author, &Bundle::default(), "ALL_USERS").await;
    import(
        &app,
        &author,
        &Bundle {
            name: "ai.wavehub.churn",
            title: "Churn Explorer",
            description: "Finds customers about to leave.",
            category: "Marketing",
            tags: &["MARKETING", "DATA_SCIENCE"],
            keywords: &["retention"],
            ..Bundle::default()
        },
        "ALL_USERS",
    )
    .await;
    import(
        &app,
        &other,
        &Bundle {
            name: "ai.wavehub.forecast",
            title: "Sales Forecast",
            description: "Forecasts weekly sales per store.",
            category: "Forecasting",
            tags: &["DATA_SCIENCE"],
            keywords: &["time series"],
            ..Bundle::default()
        },
        "ALL_USERS",
    )
    .await;
    import(&app, &other, &Bundle { name: "ai.wavehub.secret", title: "Secret Thing", ..Bundle::default() }, "PRIVATE").await;
    let user = app.sign_in("user", "user-password").await;
    let get = |query: &'static str| {
        let (app, user) = (&app, user.clone());
        async move {
            let reply = app.call(Method::GET, &format!("{APPS}{query}"), None, Some(&user)).await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            reply.body
        }
    };

    // Default order: by title.
    let all = get("").await;
    assert_eq!(names(&all), ["ai.wavehub.churn 1.0.0", "ai.wavehub.credit 1.0.0", "ai.wavehub.forecast 1.0.0"]);
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"][0]["tags"], json!(["DATA_SCIENCE", "MARKETING"]));
    assert_eq!(all["categories"], json!([{"value": "Finance", "count": 1}, {"value": "Forecasting", "count": 1}, {"value": "Marketing", "count": 1}]));
    assert_eq!(all["tags"][0], json!({"value": "DATA_SCIENCE", "count": 2}));

    // Search: prefixes of words in the title, description, keywords and name; every word must match.
    assert_eq!(names(&get("?q=chur").await), ["ai.wavehub.churn 1.0.0"]);
    assert_eq!(names(&get("?q=weekly%20sales").await), ["ai.wavehub.forecast 1.0.0"]);
    assert_eq!(names(&get("?q=retent").await), ["ai.wavehub.churn 1.0.0"]);
    assert_eq!(names(&get("?q=wavehub.credit").await), ["ai.wavehub.credit 1.0.0"]);
    assert_eq!(get("?q=secret").await["total"], 0, "private apps of others are not found");
    assert_eq!(get("?q=sales%20loans").await["total"], 0);
    assert_eq!(get("?q=%22%29%28*").await["total"], 3, "search syntax is not passed through");

    // Filters, and facets that ignore their own filter.
    let tagged = get("?tag=DATA_SCIENCE").await;
    assert_eq!(names(&tagged), ["ai.wavehub.churn 1.0.0", "ai.wavehub.forecast 1.0.0"]);
    // The category facet keeps the tag filter: only the two DATA_SCIENCE apps' categories count.
    assert_eq!(tagged["categories"], json!([{"value": "Forecasting", "count": 1}, {"value": "Marketing", "count": 1}]));
    let marketing = get("?category=Marketing").await;
    assert_eq!(marketing["tags"], json!([{"value": "DATA_SCIENCE", "count": 1}, {"value": "MARKETING", "count": 1}]));
    assert_eq!(marketing["categories"].as_array().unwrap().len(), 3, "the category facet ignores its own filter");
    assert_eq!(names(&get("?category=Forecasting").await), ["ai.wavehub.forecast 1.0.0"]);
    let nothing = get("?category=Forecasting&tag=MARKETING").await;
    assert_eq!(names(&nothing), Vec::<String>::new());
    // The chosen tag stays listed, with 0, so it can be seen and cleared.
    assert!(nothing["tags"].as_array().unwrap().contains(&json!({"value": "MARKETING", "count": 0})), "{}", nothing["tags"]);
    assert_eq!(names(&get("?sort=name").await), ["ai.wavehub.churn 1.0.0", "ai.wavehub.credit 1.0.0", "ai.wavehub.forecast 1.0.0"]);
    assert_eq!(names(&get("?sort=newest").await)[0], "ai.wavehub.forecast 1.0.0");
    assert_eq!(names(&get("?sort=oldest").await)[0], "ai.wavehub.credit 1.0.0");

    // Paging.
    let second = get("?page=2&page_size=2").await;
    assert_eq!(names(&second), ["ai.wavehub.forecast 1.0.0"]);
    assert_eq!((second["total"].as_u64(), second["page"].as_u64(), second["page_size"].as_u64()), (Some(3), Some(2), Some(2)));
    let reply = app.call(Method::GET, &format!("{APPS}?page_size=501"), None, Some(&user)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app.call(Method::GET, &format!("{APPS}?owner=someone"), None, Some(&user)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = app.call(Method::GET, &format!("{APPS}?sort=random"), None, Some(&user)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);

    // "My apps": the caller's own, PRIVATE included.
    let mine = app.call(Method::GET, &format!("{APPS}?owner=me"), None, Some(&other)).await;
    assert_eq!(names(&mine.body), ["ai.wavehub.forecast 1.0.0", "ai.wavehub.secret 1.0.0"]);
    let private = app.call(Method::GET, &format!("{APPS}?owner=me&visibility=PRIVATE"), None, Some(&other)).await;
    assert_eq!(names(&private.body), ["ai.wavehub.secret 1.0.0"]);
}

/// Each caller's answer to each catalog query.
async fn catalog_answers(app: &TestApp, who: &[&str], queries: &[&'static str]) -> Vec<(&'static str, Value)> {
    let mut all = Vec::new();
    for caller in who {
        for query in queries {
            let reply = app.call(Method::GET, &format!("{APPS}?{query}"), None, Some(caller)).await;
            assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
            all.push((*query, reply.body));
        }
    }
    all
}

/// The answers (counts from the cache) are those of a recount (an empty cache).
async fn check_against_recount(app: &TestApp, who: &[&str], queries: &[&'static str], after: &str) {
    let cached = catalog_answers(app, who, queries).await;
    app.state.catalog_cache.invalidate().await;
    let fresh = catalog_answers(app, who, queries).await;
    for ((query, cached), (_, fresh)) in cached.iter().zip(&fresh) {
        assert_eq!(cached, fresh, "after {after}: {query}");
    }
}

/// Two servers on one database, each with its own catalog cache: a sign-in on one is valid on the
/// other, and a write on either is in both servers' answers at once, the answers a recount gives.
#[tokio::test]
async fn two_servers_on_one_database_answer_each_others_writes_at_once() {
    let one = store().await;
    let two = one.second_server().await;
    let author = one.sign_in("author", "author-password").await;
    let user = two.sign_in("user", "user-password").await;
    let admin = one.sign_in("admin", ADMIN_PASSWORD).await;
    import(&one, &author, &Bundle::default(), "ALL_USERS").await;
    let queries = ["latest=true&visibility=ALL_USERS", "latest=true&visibility=ALL_USERS&tag=FINSERV", "q=churn", "owner=me"];
    let who = [author.as_str(), &user, &admin];
    // Both caches hold every answer; each server checks the other's sessions.
    catalog_answers(&one, &who, &queries).await;
    catalog_answers(&two, &who, &queries).await;
    assert!(two.state.catalog_cache.held().await > 0 && one.state.catalog_cache.held().await > 0);

    async fn shared_catalog(app: &TestApp, who: &str) -> Value {
        app.call(Method::GET, &format!("{APPS}?latest=true&visibility=ALL_USERS"), None, Some(who)).await.body
    }
    let churn = Bundle { name: "ai.wavehub.churn", title: "Churn Explorer", tags: &["MARKETING"], keywords: &["churn"], screenshots: 0, ..Bundle::default() };
    let churn_id = import(&one, &author, &churn, "ALL_USERS").await["id"].as_i64().unwrap();
    assert_eq!(shared_catalog(&two, &user).await["total"], 2, "an import on one is in two's catalog at once");
    check_against_recount(&two, &who, &queries, "an import on the other server").await;

    let retire = Some(json!({"visibility": "PRIVATE", "reason": "not ready"}));
    assert_eq!(two.call(Method::PATCH, &format!("{APPS}/{churn_id}"), retire, Some(&author)).await.status, StatusCode::OK);
    assert_eq!(shared_catalog(&one, &user).await["total"], 1, "a visibility change on two is seen by one at once");
    check_against_recount(&one, &who, &queries, "a visibility change on the other server").await;

    let created = one.call(Method::POST, "/api/v1/tags", Some(json!({"name": "FINSERV"})), Some(&admin)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let why = json!({"reason": "retired"});
    assert_eq!(one.call(Method::DELETE, "/api/v1/tags/FINSERV", Some(why), Some(&admin)).await.status, StatusCode::NO_CONTENT);
    let tags = shared_catalog(&two, &user).await["tags"].clone();
    assert!(!tags.to_string().contains("FINSERV"), "a tag deleted on one is gone from two's filters: {tags}");
    check_against_recount(&two, &who, &queries, "a tag deleted on the other server").await;
}

/// Writes keep the catalog's cached counts: an answer after each write is the one a recount gives,
/// and entries the write cannot change stay cached.
#[tokio::test]
async fn cached_catalog_counts_follow_each_write_and_only_the_ones_it_changes_go() {
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let other = app.sign_in("other", "other-password").await;
    let user = app.sign_in("user", "user-password").await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let churn = |version: &'static str| Bundle {
        name: "ai.wavehub.churn",
        version,
        title: "Churn Explorer",
        description: "Finds customers about to leave.",
        category: "Marketing",
        tags: &["MARKETING"],
        keywords: &["retention"],
        screenshots: 0,
    };
    let v1 = import(&app, &author, &churn("1.0.0"), "ALL_USERS").await["id"].as_i64().unwrap();
    let v2 = import(&app, &author, &churn("1.1.0"), "ALL_USERS").await["id"].as_i64().unwrap();
    import(&app, &author, &Bundle { screenshots: 0, ..Bundle::default() }, "ALL_USERS").await;
    let forecast = Bundle {
        name: "ai.wavehub.forecast",
        title: "Sales Forecast",
        description: "Forecasts weekly sales.",
        category: "Forecasting",
        tags: &["DATA_SCIENCE"],
        screenshots: 0,
        ..Bundle::default()
    };
    import(&app, &other, &forecast, "PRIVATE").await;

    let queries = [
        "latest=true&visibility=ALL_USERS",
        "latest=true&visibility=ALL_USERS&category=Marketing",
        "latest=true&visibility=ALL_USERS&tag=DATA_SCIENCE",
        "latest=true",
        "owner=me",
        "visibility=PRIVATE",
        "name=ai.wavehub.churn",
        "q=churn",
        "q=loans&latest=true&visibility=ALL_USERS",
        "q=weekly",
    ];
    let who = [author.as_str(), &other, &user, &admin];
    catalog_answers(&app, &who, &queries).await;
    let warm = app.state.catalog_cache.held().await;
    assert_eq!(warm, 4 + 6 * 4, "the shared catalog's queries are one entry for everyone");

    let retire = Some(json!({"visibility": "PRIVATE", "reason": "not ready"}));
    assert_eq!(app.call(Method::PATCH, &format!("{APPS}/{v2}"), retire, Some(&author)).await.status, StatusCode::OK);
    // The churn search's entries (one per caller) may change; the others stay, their counts updated.
    assert_eq!(app.state.catalog_cache.held().await, warm - 4);
    check_against_recount(&app, &who, &queries, "retiring a version").await;

    let share = Some(json!({"visibility": "ALL_USERS"}));
    assert_eq!(app.call(Method::PATCH, &format!("{APPS}/{v2}"), share, Some(&author)).await.status, StatusCode::OK);
    check_against_recount(&app, &who, &queries, "sharing it again").await;
    for tag in ["DATA_SCIENCE", "MARKETING"] {
        let created = app.call(Method::POST, "/api/v1/tags", Some(json!({"name": tag})), Some(&admin)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    }
    assert_eq!(app.state.catalog_cache.held().await, warm, "creating tags changes no count");
    assert_eq!(app.call(Method::PUT, &format!("{APPS}/{v1}/tags/DATA_SCIENCE"), None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    check_against_recount(&app, &who, &queries, "assigning a tag").await;
    assert_eq!(app.call(Method::DELETE, &format!("{APPS}/{v2}/tags/MARKETING"), None, Some(&admin)).await.status, StatusCode::NO_CONTENT);
    check_against_recount(&app, &who, &queries, "removing a tag").await;
    import(&app, &other, &Bundle { name: "ai.wavehub.weekly", title: "Weekly", screenshots: 0, ..Bundle::default() }, "ALL_USERS").await;
    check_against_recount(&app, &who, &queries, "an import").await;
    assert_eq!(app.call(Method::DELETE, &format!("{APPS}/{v2}"), None, Some(&author)).await.status, StatusCode::NO_CONTENT);
    check_against_recount(&app, &who, &queries, "a delete").await;
}

#[tokio::test]
async fn an_interrupted_upload_leaves_no_row_and_no_file() {
    use tower::ServiceExt;
    let app = store().await;
    let author = app.sign_in("author", "author-password").await;
    let bytes = Bundle::default().bytes();
    let half = bytes[..bytes.len() / 2].to_vec();
    // The client sends half the bundle, then the connection breaks.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset"))];
    let request = axum::http::Request::post(APPS)
        .header("cookie", &author)
        .body(axum::body::Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let rows: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM apps").fetch_one(pool).await).unwrap();
    assert_eq!(rows, 0);
    assert_eq!(files_in(&app.data_dir().join("uploads")), 0);
    assert_eq!(files_in(&app.data_dir().join("blobs")), 0);
    // The server goes on: the same bundle, sent whole, is imported.
    import(&app, &author, &Bundle::default(), "PRIVATE").await;
}
