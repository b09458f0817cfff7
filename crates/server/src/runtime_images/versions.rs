//! Versions of a runtime image (`runtime_image_versions`): adding one, the image's current version
//! recomputed from them ([`refresh_image`]), and the endpoints under `.../{uid}/versions`.

use crate::audit;
use crate::db::{self, AsConn, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::runtime_images::images::{find_image, load_image, ImageRow};
use crate::runtime_images::state::{self, db_state, Side, StateColumns, Subject};
use crate::runtime_images::workspaces::Access;
use crate::runtime_images::{bootstrap_config_path, bootstrap_refusal, require_state_manager, version_resource};
use crate::{execute, on_conn};
use wavehub_core::runtime_images::{
    check_reason, console_state_for, current_version, explain_current, version_id_sort_key, Availability, NewRuntimeImageVersion,
    Prereleases, RuntimeImageVersion, StateAction, VersionList,
};

const VERSION_COLUMNS: &str = "version, docker_image, managed_by_bootstrap, platform_state, platform_state_reason, \
    console_state, console_state_reason, state, state_reason, state_update_time, created_time";

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct VersionRow {
    version: String,
    docker_image: String,
    managed_by_bootstrap: bool,
    #[sqlx(flatten)]
    pub states: StateColumns,
    created_time: String,
}

impl VersionRow {
    fn into_api(self, current: Option<&str>) -> RuntimeImageVersion {
        RuntimeImageVersion {
            is_current: current == Some(self.version.as_str()),
            version: self.version,
            docker_image: self.docker_image,
            availability: self.states.into_api(self.managed_by_bootstrap),
            created_time: self.created_time,
        }
    }
}

/// Adds a version; 409 when the image has it already. `platform` is the bootstrap file's state and
/// reason for versions it manages.
pub async fn insert_version(
    conn: &mut impl AsConn,
    workspace: &str,
    uid: &str,
    version: &str,
    docker_image: &str,
    platform: Option<(Availability, Option<&str>)>,
    now: &str,
) -> ApiResult<()> {
    let state = platform.map_or(Availability::Active, |(state, _)| state);
    let reason = platform.and_then(|(_, reason)| reason);
    let inserted = execute!(
        conn,
        "INSERT INTO runtime_image_versions (workspace_id, image_uid, version, version_key, docker_image, managed_by_bootstrap, \
         platform_state, platform_state_reason, console_state, state, state_reason, state_update_time, created_time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ACTIVE', $9, $10, $11, $12)",
        workspace, uid, version, version_id_sort_key(version), docker_image, platform.is_some(), platform.map(|(state, _)| state.as_str()),
        reason, state.as_str(), reason, now, now
    )
    .map(drop);
    db::or_conflict(inserted, || {
        format!(
            "Runtime image `{uid}` has version {version} already; a version can't be replaced, so give the new image \
             another version."
        )
    })
}

/// Recomputes what an image shows of its versions: the current version (wavehub-core's rule), its
/// docker image, and the count.
pub async fn refresh_image(conn: &mut impl AsConn, workspace: &str, uid: &str, now: &str) -> Result<(), sqlx::Error> {
    let versions: Vec<(String, String, String)> = on_conn!(conn, |c| {
        sqlx::query_as("SELECT version, state, docker_image FROM runtime_image_versions WHERE workspace_id = $1 AND image_uid = $2")
            .bind(workspace)
            .bind(uid)
            .fetch_all(c)
            .await
    })?;
    let may_be_current: bool = on_conn!(conn, |c| {
        sqlx::query_scalar("SELECT prereleases_can_be_current FROM runtime_images WHERE workspace_id = $1 AND uid = $2")
            .bind(workspace)
            .bind(uid)
            .fetch_one(c)
            .await
    })?;
    let prereleases = Prereleases::from_flag(may_be_current);
    let current = current_version(versions.iter().map(|(version, state, _)| (version.as_str(), db_state(state))), prereleases);
    let docker_image = current.and_then(|c| versions.iter().find(|(v, _, _)| v == c)).map(|(_, _, image)| image.as_str());
    execute!(
        conn,
        "UPDATE runtime_images SET current_version = $1, current_docker_image = $2, versions_count = $3, updated_time = $4 \
         WHERE workspace_id = $5 AND uid = $6",
        current, docker_image, versions.len() as i64, now, workspace, uid
    )
    .map(drop)
}

/// `GET .../runtime-images/{uid}/versions?state=`: newest semver first, with why the current one is current.
pub async fn versions(db: &Db, access: &Access, uid: &str, state: Option<Availability>) -> ApiResult<VersionList> {
    let mut conn = db.acquire().await?;
    let image = find_image(&mut conn, access, uid).await?;
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM runtime_image_versions WHERE workspace_id = $1 AND image_uid = $2 ORDER BY version_key DESC"
    );
    let rows: Vec<VersionRow> = on_conn!(&mut conn, |c| sqlx::query_as(&sql).bind(&image.workspace_id).bind(uid).fetch_all(c).await)?;
    let current_explanation = explain_current(rows.iter().map(|row| (row.version.as_str(), row.states.effective())), image.prereleases());
    let current = image.current_version.as_deref();
    let items: Vec<RuntimeImageVersion> = rows
        .into_iter()
        .filter(|row| state.is_none_or(|wanted| row.states.effective() == wanted))
        .map(|row| row.into_api(current))
        .collect();
    Ok(VersionList { total: items.len() as u64, items, current_version: image.current_version.clone(), current_explanation })
}

pub(crate) async fn find_version(conn: &mut impl AsConn, image: &ImageRow, version: &str) -> ApiResult<VersionRow> {
    // `@latest` is the current version, as the platform's API allows.
    let wanted = if version == "@latest" {
        image.current_version.clone().ok_or_else(|| {
            ApiError::NotFound(format!("Runtime image `{}` has no current version: every version is disabled.", image.uid))
        })?
    } else {
        wavehub_core::runtime_images::normalize_version(version).unwrap_or_else(|_| version.to_owned())
    };
    let sql = format!("SELECT {VERSION_COLUMNS} FROM runtime_image_versions WHERE workspace_id = $1 AND image_uid = $2 AND version = $3");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, VersionRow>(&sql).bind(&image.workspace_id).bind(&image.uid).bind(&wanted).fetch_optional(c).await
    })?
    .ok_or_else(|| ApiError::NotFound(format!("Runtime image `{}` has no version {wanted}.", image.uid)))
}

pub async fn get_version(db: &Db, access: &Access, uid: &str, version: &str) -> ApiResult<RuntimeImageVersion> {
    let mut conn = db.acquire().await?;
    let image = find_image(&mut conn, access, uid).await?;
    let row = find_version(&mut conn, &image, version).await?;
    Ok(row.into_api(image.current_version.as_deref()))
}

/// `POST .../runtime-images/{uid}/versions`.
pub async fn add_version(db: &Db, access: &Access, uid: &str, request: &NewRuntimeImageVersion) -> ApiResult<RuntimeImageVersion> {
    access.require_manage()?;
    let choice = wavehub_core::runtime_images::version_for(&request.docker_image, request.version.as_deref())
        .map_err(|finding| ApiError::invalid(vec![finding]))?;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let image = find_image(&mut tx, access, uid).await?;
    if image.managed_by_bootstrap {
        return Err(bootstrap_refusal(uid, "given new versions"));
    }
    let docker_image = request.docker_image.trim();
    insert_version(&mut tx, &image.workspace_id, uid, &choice.version, docker_image, None, &now).await?;
    refresh_image(&mut tx, &image.workspace_id, uid, &now).await?;
    let resource = version_resource(&image.workspace_id, uid, &choice.version);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "create", resource: &resource, reason: None, detail: serde_json::json!({"docker_image": docker_image, "state": Availability::Active}) }).await?;
    let image = load_image(&mut tx, &image.workspace_id, uid).await?;
    let row = find_version(&mut tx, &image, &choice.version).await?;
    tx.commit().await?;
    Ok(row.into_api(image.current_version.as_deref()))
}

/// `POST .../versions/{version}/deprecate|disable|activate`.
pub async fn change_version_state(
    db: &Db,
    access: &Access,
    uid: &str,
    version: &str,
    action: StateAction,
    reason: Option<&str>,
) -> ApiResult<RuntimeImageVersion> {
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let image = find_image(&mut tx, access, uid).await?;
    let row = find_version(&mut tx, &image, version).await?;
    require_state_manager(access, row.managed_by_bootstrap)?;
    let console = console_state_for(row.states.platform(), action).map_err(|refusal| {
        ApiError::Conflict(refusal.explain(
            &format!("version {} of image `{uid}`", row.version),
            &bootstrap_config_path(uid, Some(&row.version)),
        ))
    })?;
    let subject = Subject::Version { workspace: &image.workspace_id, uid, version: &row.version };
    let (state, _) = state::write_state(&mut tx, subject, Side::Console(console, reason), &now).await?;
    refresh_image(&mut tx, &image.workspace_id, uid, &now).await?;
    let resource = version_resource(&image.workspace_id, uid, &row.version);
    let detail = serde_json::json!({"state": state, "console_state": console});
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: action.verb(true), resource: &resource, reason, detail }).await?;
    let image = load_image(&mut tx, &image.workspace_id, uid).await?;
    let row = find_version(&mut tx, &image, &row.version).await?;
    tx.commit().await?;
    Ok(row.into_api(image.current_version.as_deref()))
}
