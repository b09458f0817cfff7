//! `wavehub serve --demo`: demo users and the demo apps made from the example folders in the
//! repository's `demo/apps/`, imported through the same code as an upload. Loading is idempotent:
//! what is already there is left alone.

use crate::auth::{Caller, Credential};
use crate::catalog;
use crate::error::ApiError;
use crate::routes::users::insert_user;
use crate::state::AppState;
use crate::uploads;
use std::path::{Path, PathBuf};
use wavehub_core::accounts::{NewUser, Role};
use wavehub_core::apps::Visibility;

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

/// Creates the demo users and imports every demo app folder that is not imported yet. Returns
/// lines to show the person who started the server.
pub async fn load(state: &AppState, dir: &Path) -> anyhow::Result<Vec<String>> {
    let author = ensure_user(state, DEMO_AUTHOR, Role::Author).await?;
    ensure_user(state, DEMO_USER, Role::User).await?;
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read the demo apps in {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("app.toml").is_file())
        .collect();
    folders.sort();
    let mut imported = 0;
    for folder in &folders {
        let bytes = crate::bundle_files::package_folder(folder)?.1;
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
    ])
}

/// The demo user, created when missing, as the caller their imports are made by.
async fn ensure_user(state: &AppState, username: &str, role: Role) -> anyhow::Result<Caller> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username = ?").bind(username).fetch_optional(&state.db).await?;
    if existing.is_none() {
        let user = NewUser { username: username.into(), password: DEMO_PASSWORD.into(), roles: vec![role] };
        insert_user(&state.db, &user).await.map_err(|e| anyhow::anyhow!("cannot create the demo user {username}: {e}"))?;
    }
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = ?").bind(username).fetch_one(&state.db).await?;
    let roles = crate::auth::load_roles(&state.db, user_id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Not a signed-in request: the server acts for the demo user while it starts.
    Ok(Caller { user_id, username: username.into(), roles, credential: Credential::Token(0) })
}
