//! Runtime images: their row (`runtime_images`), finding one as a workspace sees it, and the
//! endpoints on one image: `GET`, `POST` (create), `PATCH`, `DELETE` and its state
//! (`POST .../{uid}/{action}`). Lists are in [`super::list_query`], versions in [`super::versions`].

use crate::audit;
use crate::db::{self, AsConn, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::runtime_images::state::{self, Side, StateColumns, Subject};
use crate::runtime_images::versions::{insert_version, refresh_image};
use crate::runtime_images::workspaces::Access;
use crate::runtime_images::{bootstrap_config_path, bootstrap_refusal, generate_uid, image_resource, require_state_manager, Scope};
use crate::{execute, on_conn};
use wavehub_core::runtime_images::{
    check_reason, console_state_for, Availability, NewRuntimeImage, Prereleases, RuntimeImage, RuntimeImagePatch, StateAction,
    PLATFORM_WORKSPACE,
};

// The workspace's name rides along for lists over every workspace (`workspace_id` is the
// row's: `workspaces` has no such column).
pub(super) const IMAGE_COLUMNS: &str = "workspace_id, (SELECT w.name FROM workspaces w WHERE w.id = workspace_id) AS workspace_name, uid, name, description, managed_by_bootstrap, platform_state, \
    platform_state_reason, console_state, console_state_reason, state, state_reason, state_update_time, \
    current_version, current_docker_image, prereleases_can_be_current, versions_count, created_time, updated_time";

#[derive(Debug, sqlx::FromRow)]
pub struct ImageRow {
    pub workspace_id: String,
    workspace_name: String,
    pub uid: String,
    pub name: String,
    description: String,
    pub managed_by_bootstrap: bool,
    #[sqlx(flatten)]
    pub states: StateColumns,
    pub current_version: Option<String>,
    current_docker_image: Option<String>,
    prereleases_can_be_current: bool,
    versions_count: i64,
    created_time: String,
    updated_time: String,
}

impl ImageRow {
    pub fn prereleases(&self) -> Prereleases {
        Prereleases::from_flag(self.prereleases_can_be_current)
    }

    pub(super) fn into_api(self, can_manage: bool) -> RuntimeImage {
        RuntimeImage {
            uid: self.uid,
            workspace: self.workspace_id,
            workspace_name: self.workspace_name,
            name: self.name,
            description: self.description,
            docker_image: self.current_docker_image,
            availability: self.states.into_api(self.managed_by_bootstrap),
            prereleases: Prereleases::from_flag(self.prereleases_can_be_current),
            current_version: self.current_version,
            versions_count: self.versions_count.try_into().unwrap_or(u32::MAX),
            created_time: self.created_time,
            updated_time: self.updated_time,
            can_manage,
        }
    }
}

/// Whether the caller may change `row`: workspace admins their workspace's images; platform
/// admins (only) the platform's, and those only in their state.
pub(super) fn can_manage(scope: &Scope<'_>, row: &ImageRow) -> bool {
    match scope {
        Scope::All => true,
        Scope::Workspace(access) if row.managed_by_bootstrap => access.platform_admin,
        Scope::Workspace(access) => access.can_manage(),
    }
}

/// The image `uid` as the workspace sees it: its own first, else the platform's.
pub async fn find_image(conn: &mut impl AsConn, access: &Access, uid: &str) -> ApiResult<ImageRow> {
    // FALSE sorts first on both backends: the workspace's own image before the platform's.
    let sql = format!(
        "SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE uid = $1 AND workspace_id IN ($2, $3) ORDER BY managed_by_bootstrap LIMIT 1"
    );
    on_conn!(conn, |c| {
        sqlx::query_as::<_, ImageRow>(&sql).bind(uid).bind(&access.workspace).bind(PLATFORM_WORKSPACE).fetch_optional(c).await
    })?
    .ok_or_else(|| ApiError::NotFound(format!("There is no runtime image `{uid}` in workspace `{}`.", access.workspace)))
}

pub(crate) async fn load_image(conn: &mut impl AsConn, workspace: &str, uid: &str) -> ApiResult<ImageRow> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE workspace_id = $1 AND uid = $2");
    Ok(on_conn!(conn, |c| sqlx::query_as(&sql).bind(workspace).bind(uid).fetch_one(c).await)?)
}

pub async fn get(db: &Db, access: &Access, uid: &str) -> ApiResult<RuntimeImage> {
    let mut conn = db.acquire().await?;
    let row = find_image(&mut conn, access, uid).await?;
    let manage = can_manage(&Scope::Workspace(access), &row);
    Ok(row.into_api(manage))
}

/// `POST /workspaces/{ws}/runtime-images`: the image and its first version.
pub async fn create(db: &Db, access: &Access, request: &NewRuntimeImage) -> ApiResult<RuntimeImage> {
    access.require_manage()?;
    let choice = request.check().map_err(ApiError::invalid)?;
    let uid = request.uid.clone().unwrap_or_else(|| generate_uid("ri"));
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let platform_has_it: bool = on_conn!(&mut tx, |c| {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM runtime_images WHERE workspace_id = $1 AND uid = $2)")
            .bind(PLATFORM_WORKSPACE)
            .bind(&uid)
            .fetch_one(c)
            .await
    })?;
    if platform_has_it {
        return Err(ApiError::Conflict(format!(
            "`{uid}` is the id of a platform image, which every workspace sees; choose another id."
        )));
    }
    let row = NewImageRow {
        workspace: &access.workspace,
        uid: &uid,
        name: request.name.trim(),
        description: request.description.as_deref().unwrap_or("").trim(),
        managed_by_bootstrap: false,
        prereleases: request.prereleases.unwrap_or_default(),
    };
    let inserted = insert_row(&mut tx, &row, &now).await;
    db::or_conflict(inserted, || {
        format!("Workspace `{}` has a runtime image `{uid}` already; choose another id.", access.workspace)
    })?;
    let docker_image = request.docker_image.trim();
    insert_version(&mut tx, &access.workspace, &uid, &choice.version, docker_image, None, &now).await?;
    refresh_image(&mut tx, &access.workspace, &uid, &now).await?;
    let resource = image_resource(&access.workspace, &uid);
    let detail = serde_json::json!({"name": request.name.trim(), "docker_image": docker_image, "version": choice.version, "state": Availability::Active});
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "create", resource: &resource, reason: None, detail }).await?;
    let row = load_image(&mut tx, &access.workspace, &uid).await?;
    tx.commit().await?;
    Ok(row.into_api(true))
}

/// A new image row, before its versions.
pub struct NewImageRow<'a> {
    pub workspace: &'a str,
    pub uid: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub managed_by_bootstrap: bool,
    pub prereleases: Prereleases,
}

/// The one `INSERT` of an image (the API's create, the bootstrap file, the seeder): ACTIVE on both
/// sides, with its derived `name_key` and `state_rank`. The caller then adds its versions and runs
/// [`refresh_image`]; a UNIQUE violation means the workspace has the uid already.
pub async fn insert_row(conn: &mut impl AsConn, row: &NewImageRow<'_>, now: &str) -> Result<(), sqlx::Error> {
    execute!(
        conn,
        "INSERT INTO runtime_images (workspace_id, uid, name, name_key, description, managed_by_bootstrap, console_state, \
         state, state_rank, state_update_time, prereleases_can_be_current, created_time, updated_time) \
         VALUES ($1, $2, $3, $4, $5, $6, 'ACTIVE', 'ACTIVE', $7, $8, $9, $10, $11)",
        row.workspace, row.uid, row.name, row.name.to_lowercase(), row.description, row.managed_by_bootstrap,
        state::state_rank(Availability::Active), now, row.prereleases.may_be_current(), now, now
    )
    .map(drop)
}

/// `PATCH /workspaces/{ws}/runtime-images/{uid}`: name, description, and a new version from a new
/// docker image.
pub async fn update(db: &Db, access: &Access, uid: &str, patch: &RuntimeImagePatch) -> ApiResult<RuntimeImage> {
    access.require_manage()?;
    let choice = patch.check().map_err(ApiError::invalid)?;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let row = find_image(&mut tx, access, uid).await?;
    if row.managed_by_bootstrap {
        return Err(bootstrap_refusal(uid, "updated"));
    }
    if patch.name.is_some() || patch.description.is_some() || patch.prereleases.is_some() {
        // One statement for the fields the patch gives; a NULL keeps the column as it is.
        let name = patch.name.as_deref().map(str::trim);
        execute!(
            &mut tx,
            "UPDATE runtime_images SET name = COALESCE($1, name), name_key = COALESCE($2, name_key), \
             description = COALESCE($3, description), prereleases_can_be_current = COALESCE($4, prereleases_can_be_current), \
             updated_time = $5 WHERE workspace_id = $6 AND uid = $7",
            name, name.map(str::to_lowercase), patch.description.as_deref().map(str::trim), patch.prereleases.map(|p| p.may_be_current()),
            &now, &row.workspace_id, uid
        )?;
    }
    if let (Some(choice), Some(docker_image)) = (&choice, &patch.docker_image) {
        insert_version(&mut tx, &row.workspace_id, uid, &choice.version, docker_image.trim(), None, &now).await?;
    }
    if patch.docker_image.is_some() || patch.prereleases.is_some() {
        refresh_image(&mut tx, &row.workspace_id, uid, &now).await?;
    }
    let resource = image_resource(&row.workspace_id, uid);
    let detail = serde_json::json!({
        "name": patch.name, "description": patch.description, "docker_image": patch.docker_image,
        "version": choice.as_ref().map(|c| c.version.clone()), "prereleases": patch.prereleases,
    });
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "update", resource: &resource, reason: None, detail }).await?;
    let row = load_image(&mut tx, &row.workspace_id, uid).await?;
    tx.commit().await?;
    Ok(row.into_api(true))
}

/// `DELETE /workspaces/{ws}/runtime-images/{uid}`: only API-managed images no runtime references.
pub async fn delete(db: &Db, access: &Access, uid: &str) -> ApiResult<()> {
    access.require_manage()?;
    let mut tx = db.begin_write().await?;
    let row = find_image(&mut tx, access, uid).await?;
    if row.managed_by_bootstrap {
        return Err(bootstrap_refusal(uid, "deleted (removing it from the file disables it)"));
    }
    let users: Vec<(String, String)> = on_conn!(&mut tx, |c| {
        sqlx::query_as("SELECT uid, name FROM runtimes WHERE image_workspace_id = $1 AND image_uid = $2 ORDER BY uid")
            .bind(&row.workspace_id)
            .bind(uid)
            .fetch_all(c)
            .await
    })?;
    if !users.is_empty() {
        let names: Vec<String> = users.iter().map(|(id, name)| format!("`{id}` ({name})")).collect();
        return Err(ApiError::Conflict(format!(
            "Runtime image `{uid}` can't be deleted while runtimes use it: {}. Delete {} first.",
            names.join(", "),
            if users.len() == 1 { "that runtime" } else { "those runtimes" }
        )));
    }
    execute!(&mut tx, "DELETE FROM runtime_images WHERE workspace_id = $1 AND uid = $2", &row.workspace_id, uid)?;
    let resource = image_resource(&row.workspace_id, uid);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "delete", resource: &resource, reason: None, detail: serde_json::json!({"name": row.name}) }).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST .../runtime-images/{uid}/deprecate|disable|enable`.
pub async fn change_image_state(db: &Db, access: &Access, uid: &str, action: StateAction, reason: Option<&str>) -> ApiResult<RuntimeImage> {
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let row = find_image(&mut tx, access, uid).await?;
    require_state_manager(access, row.managed_by_bootstrap)?;
    let console = console_state_for(row.states.platform(), action)
        .map_err(|refusal| ApiError::Conflict(refusal.explain(&format!("image `{uid}`"), &bootstrap_config_path(uid, None))))?;
    let subject = Subject::Image { workspace: &row.workspace_id, uid };
    let (state, _) = state::write_state(&mut tx, subject, Side::Console(console, reason), &now).await?;
    let resource = image_resource(&row.workspace_id, uid);
    let detail = serde_json::json!({"state": state, "console_state": console});
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: action.verb(false), resource: &resource, reason, detail }).await?;
    let row = load_image(&mut tx, &row.workspace_id, uid).await?;
    tx.commit().await?;
    let manage = can_manage(&Scope::Workspace(access), &row);
    Ok(row.into_api(manage))
}
