//! `wavehub serve --demo`: demo users and the demo apps made from the example folders in the
//! repository's `demo/apps/`, imported through the same code as an upload. Loading is idempotent:
//! what is already there is left alone.

use crate::accounts::auth::{Caller, Credential};
use crate::store::catalog;
use crate::http::error::ApiError;
use crate::accounts::users::insert_user;
use crate::http::state::AppState;
use crate::on_db;
use crate::store::uploads;
use std::path::{Path, PathBuf};
use wavehub_core::accounts::{NewUser, Role};
use wavehub_core::apps::Visibility;
use wavehub_core::runtime_images::{NewRuntime, NewRuntimeImage, NewRuntimeImageVersion};

/// The demo accounts: an author who owns the demo apps and a plain user.
pub const DEMO_AUTHOR: &str = "alice";
pub const DEMO_USER: &str = "bob";
/// Both demo accounts' password. Demo data is for trying Wavehub out, never for a real server.
pub const DEMO_PASSWORD: &str = "wavehub-demo";

/// Demo apps that stay PRIVATE to their author, to show "My apps" and sharing.
const PRIVATE_DEMO_APPS: &[&str] = &["text-summarizer"];

/// Where the example app folders are: `WAVEHUB_DEMO_DIR`, else the repository's `demo/apps`.
pub fn demo_dir() -> PathBuf {
    std::env::var_os("WAVEHUB_DEMO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/apps"))
}

/// The platform images a demo server starts with when no `--bootstrap` file is given.
pub fn demo_bootstrap_file() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/runtime-images.yaml");
    path.canonicalize().unwrap_or(path)
}

/// Creates the demo users and imports every demo app folder that is not imported yet. Returns
/// lines to show the person who started the server.
pub async fn load(state: &AppState, dir: &Path) -> anyhow::Result<Vec<String>> {
    let author = ensure_user(state, DEMO_AUTHOR, Role::Author).await?;
    let user = ensure_user(state, DEMO_USER, Role::User).await?;
    let runtime_images = load_runtime_images(state, &author, &user).await?;
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the demo apps in {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("app.toml").is_file())
        .collect();
    folders.sort();
    let mut imported = 0;
    for folder in &folders {
        let bytes = crate::store::bundle_files::package_folder(folder)?.1;
        let upload = uploads::from_bytes(&state.config, &bytes)?;
        let (upload, report) = uploads::check(&state.config, upload).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let folder_name = folder.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let visibility =
            if PRIVATE_DEMO_APPS.contains(&folder_name) { Visibility::Private } else { Visibility::AllUsers };
        match catalog::import(state, &author, visibility, upload, report).await {
            Ok(_) => imported += 1,
            Err(ApiError::Conflict(_)) => {}
            Err(error) => anyhow::bail!("cannot import the demo app {}: {error}", folder.display()),
        }
    }
    Ok(vec![
        format!("Demo data: {imported} of {} demo apps imported now (the rest were there already).", folders.len()),
        format!("Demo accounts: `{DEMO_AUTHOR}` (author) and `{DEMO_USER}` (user), password `{DEMO_PASSWORD}`."),
        runtime_images,
    ])
}

/// The demo workspace: alice administers `default`, bob reads it; two images of its own with a few
/// versions, and a runtime that follows one of them.
async fn load_runtime_images(state: &AppState, author: &Caller, user: &Caller) -> anyhow::Result<String> {
    for (member, role) in [(author, "admin"), (user, "member")] {
        let sql = "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ('default', $1, $2) ON CONFLICT DO NOTHING";
        on_db!(&state.db, |pool| sqlx::query(sql).bind(member.user_id).bind(role).execute(pool).await.map(drop))?;
    }
    let access = crate::runtime_images::workspaces::access(&state.db, author, "default").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let images: [(&str, &str, &[&str]); 2] = [
        ("rest-scorer", "REST Scorer", &["h2oai/rest-scorer:1.0.0", "h2oai/rest-scorer:1.1.0", "h2oai/rest-scorer:2.0.0"]),
        ("python-pipeline", "Python Pipeline Scorer", &["registry.example.com:5000/ml/python-pipeline:v0.9.0"]),
    ];
    let mut created = 0;
    for (uid, name, docker_images) in images {
        let request = NewRuntimeImage { uid: Some(uid.into()), name: name.into(), docker_image: docker_images[0].into(), ..Default::default() };
        match crate::runtime_images::images::create(&state.db, &access, &request).await {
            Ok(_) => created += 1,
            Err(ApiError::Conflict(_)) => continue,
            Err(error) => anyhow::bail!("cannot create the demo runtime image {uid}: {error}"),
        }
        for docker_image in &docker_images[1..] {
            let version = NewRuntimeImageVersion { docker_image: (*docker_image).into(), version: None };
            crate::runtime_images::versions::add_version(&state.db, &access, uid, &version).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    if created > 0 {
        let runtime = NewRuntime {
            uid: Some("dai-mojo".into()),
            name: "DAI MOJO".into(),
            runtime_image_uid: "rest-scorer".into(),
            model_type: "dai_mojo".into(),
            ..Default::default()
        };
        match crate::runtime_images::runtimes::create_runtime(&state.db, &access, &runtime).await {
            Ok(_) | Err(ApiError::Conflict(_)) => {}
            Err(error) => anyhow::bail!("cannot create the demo runtime: {error}"),
        }
    }
    Ok(format!("Demo runtime images: workspace `default` ({DEMO_AUTHOR} administers it, {DEMO_USER} reads it), {created} images created now."))
}

/// The demo user, created when missing, as the caller their imports are made by.
async fn ensure_user(state: &AppState, username: &str, role: Role) -> anyhow::Result<Caller> {
    let find = "SELECT id FROM users WHERE username = $1";
    let existing: Option<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(find).bind(username).fetch_optional(pool).await)?;
    if existing.is_none() {
        let user = NewUser { username: username.into(), password: DEMO_PASSWORD.into(), roles: vec![role] };
        insert_user(&state.db, &user).await.map_err(|e| anyhow::anyhow!("cannot create the demo user {username}: {e}"))?;
    }
    let user_id: i64 = on_db!(&state.db, |pool| sqlx::query_scalar(find).bind(username).fetch_one(pool).await)?;
    let roles = crate::accounts::auth::load_roles(&state.db, user_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Not a signed-in request: the server acts for the demo user while it starts.
    Ok(Caller { user_id, username: username.into(), roles, credential: Credential::Token(0) })
}
