//! Runtimes (`runtimes`): a model type bound to a runtime image (and optionally a pinned version),
//! with what a new deployment would run now, and the endpoints under `/workspaces/{ws}/runtimes`.

use crate::audit;
use crate::db::{self, AsConn, Db, Dialect};
use crate::http::error::{ApiError, ApiResult};
use crate::runtime_images::images::find_image;
use crate::runtime_images::state::db_state;
use crate::runtime_images::versions::find_version;
use crate::runtime_images::workspaces::Access;
use crate::runtime_images::{generate_uid, runtime_resource};
use crate::{execute, on_conn, on_db};
use sqlx::QueryBuilder;
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::audit::Reason;
use wavehub_core::runtime_images::{check_reason, console_state_for, resolve_runtime, ImageFacts, NewRuntime, Runtime, StateAction};

/// A runtime with what decides its resolution: its image's state and current version, and the
/// pinned version's image and state.
#[derive(Debug, sqlx::FromRow)]
struct RuntimeRow {
    workspace_id: String,
    uid: String,
    name: String,
    description: String,
    image_uid: String,
    image_name: String,
    image_state: String,
    version: Option<String>,
    model_type: String,
    environment_variables: String,
    read_only_data_volume: bool,
    state: String,
    state_reason: Option<String>,
    created_time: String,
    updated_time: String,
    current_version: Option<String>,
    current_docker_image: Option<String>,
    current_state: Option<String>,
    pinned_docker_image: Option<String>,
    pinned_state: Option<String>,
}

const RUNTIME_SELECT: &str = "SELECT r.workspace_id, r.uid, r.name, r.description, r.image_uid, i.name AS image_name, \
    i.state AS image_state, r.version, r.model_type, r.environment_variables, r.read_only_data_volume, r.state, r.state_reason, \
    r.created_time, r.updated_time, i.current_version, i.current_docker_image, cv.state AS current_state, \
    pv.docker_image AS pinned_docker_image, pv.state AS pinned_state \
    FROM runtimes r \
    JOIN runtime_images i ON i.workspace_id = r.image_workspace_id AND i.uid = r.image_uid \
    LEFT JOIN runtime_image_versions cv ON cv.workspace_id = i.workspace_id AND cv.image_uid = i.uid AND cv.version = i.current_version \
    LEFT JOIN runtime_image_versions pv ON pv.workspace_id = i.workspace_id AND pv.image_uid = i.uid AND pv.version = r.version";

impl RuntimeRow {
    fn into_api(self) -> Runtime {
        let current_state = self.current_state.as_deref().map(db_state);
        let pinned_state = self.pinned_state.as_deref().map(db_state);
        let facts = ImageFacts {
            image_state: db_state(&self.image_state),
            current: match (&self.current_version, &self.current_docker_image, current_state) {
                (Some(v), Some(image), Some(state)) => Some((v.as_str(), image.as_str(), state)),
                _ => None,
            },
            pinned: match (&self.version, &self.pinned_docker_image, pinned_state) {
                (Some(v), Some(image), Some(state)) => Some((v.as_str(), image.as_str(), state)),
                _ => None,
            },
        };
        let resolution = resolve_runtime(self.version.as_deref(), facts);
        Runtime {
            uid: self.uid,
            workspace: self.workspace_id,
            name: self.name,
            description: self.description,
            runtime_image_uid: self.image_uid,
            runtime_image_name: self.image_name,
            version: self.version,
            model_type: self.model_type,
            environment_variables: serde_json::from_str(&self.environment_variables).unwrap_or_default(),
            read_only_data_volume: self.read_only_data_volume,
            state: db_state(&self.state),
            state_reason: self.state_reason,
            resolution,
            created_time: self.created_time,
            updated_time: self.updated_time,
        }
    }
}

/// `GET /workspaces/{ws}/runtimes?image=`.
pub async fn list_runtimes(db: &Db, access: &Access, image: Option<&str>, paging: PageRequest) -> ApiResult<Page<Runtime>> {
    ApiError::check(paging.check())?;
    let (total, rows): (i64, Vec<RuntimeRow>) = on_db!(db, |pool, DB| {
        let mut count = QueryBuilder::<DB>::new("SELECT count(*) FROM runtimes r");
        push_runtime_filter(&mut count, access, image);
        let total = count.build_query_scalar().fetch_one(pool).await?;
        let mut select = QueryBuilder::<DB>::new(RUNTIME_SELECT);
        push_runtime_filter(&mut select, access, image);
        select.push(" ORDER BY r.name, r.uid LIMIT ").push_bind(i64::from(paging.page_size)).push(" OFFSET ").push_bind(paging.offset() as i64);
        (total, select.build_query_as().fetch_all(pool).await?)
    });
    Ok(Page { items: rows.into_iter().map(RuntimeRow::into_api).collect(), total: total as u64, page: paging.page, page_size: paging.page_size })
}

/// `WHERE …` for the runtime list's filters.
fn push_runtime_filter<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, access: &Access, image: Option<&str>) {
    builder.push(" WHERE r.workspace_id = ");
    DB::bind_text(builder, access.workspace.clone());
    if let Some(image) = image {
        builder.push(" AND r.image_uid = ");
        DB::bind_text(builder, image.to_owned());
    }
}

async fn load_runtime(conn: &mut impl AsConn, workspace: &str, uid: &str) -> ApiResult<Runtime> {
    let sql = format!("{RUNTIME_SELECT} WHERE r.workspace_id = $1 AND r.uid = $2");
    let row: Option<RuntimeRow> = on_conn!(conn, |c| sqlx::query_as(&sql).bind(workspace).bind(uid).fetch_optional(c).await)?;
    row.map(RuntimeRow::into_api).ok_or_else(|| runtime_not_found(workspace, uid))
}

fn runtime_not_found(workspace: &str, uid: &str) -> ApiError {
    ApiError::NotFound(format!("There is no runtime `{uid}` in workspace `{workspace}`."))
}

pub async fn get_runtime(db: &Db, access: &Access, uid: &str) -> ApiResult<Runtime> {
    let mut conn = db.acquire().await?;
    load_runtime(&mut conn, &access.workspace, uid).await
}

/// `POST /workspaces/{ws}/runtimes`: refused when what it would run is blocked for new use.
pub async fn create_runtime(db: &Db, access: &Access, request: &NewRuntime) -> ApiResult<Runtime> {
    access.require_manage()?;
    let version = request.check().map_err(ApiError::invalid)?;
    let uid = request.uid.clone().unwrap_or_else(|| generate_uid("r"));
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let image = match find_image(&mut tx, access, request.runtime_image_uid.trim()).await {
        Ok(image) => image,
        Err(ApiError::NotFound(message)) => {
            return Err(ApiError::invalid(vec![wavehub_core::api::Finding::field_error("runtime_image_uid.unknown", "runtime_image_uid", message)]))
        }
        Err(other) => return Err(other),
    };
    if let Some(version) = &version {
        if let Err(ApiError::NotFound(message)) = find_version(&mut tx, &image, version).await {
            return Err(ApiError::invalid(vec![wavehub_core::api::Finding::field_error("version.unknown", "version", message)]));
        }
    }
    let environment = serde_json::to_string(&request.environment_variables).map_err(anyhow::Error::from)?;
    let inserted = execute!(
        &mut tx,
        "INSERT INTO runtimes (workspace_id, uid, name, description, image_workspace_id, image_uid, version, model_type, \
         environment_variables, read_only_data_volume, state, state_update_time, created_time, updated_time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ACTIVE', $11, $12, $13)",
        &access.workspace, &uid, request.name.trim(), request.description.as_deref().unwrap_or("").trim(), &image.workspace_id, &image.uid,
        &version, &request.model_type, &environment, request.read_only_data_volume, &now, &now, &now
    );
    db::or_conflict(inserted, || format!("Workspace `{}` has a runtime `{uid}` already; choose another id.", access.workspace))?;
    let runtime = load_runtime(&mut tx, &access.workspace, &uid).await?;
    if !runtime.resolution.usable {
        // Dropping the transaction rolls the insert back.
        let why = runtime.resolution.message.unwrap_or_default();
        return Err(ApiError::Conflict(format!("{why} Choose another image or version for the runtime.")));
    }
    let resource = runtime_resource(&access.workspace, &uid);
    let detail = serde_json::json!({"runtime_image": image.uid, "version": version, "model_type": request.model_type});
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "create", resource: &resource, reason: None, detail }).await?;
    tx.commit().await?;
    Ok(runtime)
}

pub async fn delete_runtime(db: &Db, access: &Access, uid: &str, why: &Reason) -> ApiResult<()> {
    access.require_manage()?;
    ApiError::check(why.check())?;
    let mut tx = db.begin_write().await?;
    let removed = execute!(&mut tx, "DELETE FROM runtimes WHERE workspace_id = $1 AND uid = $2", &access.workspace, uid)?;
    audit_runtime_write(&mut tx, access, uid, removed, "delete", why.text(), serde_json::json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST .../runtimes/{uid}/deprecate|disable|enable`. Runtimes are API-managed: no ceiling.
pub async fn change_runtime_state(db: &Db, access: &Access, uid: &str, action: StateAction, reason: Option<&str>) -> ApiResult<Runtime> {
    access.require_manage()?;
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let state = console_state_for(None, action).expect("API-managed resources have no ceiling");
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let updated = execute!(
        &mut tx,
        "UPDATE runtimes SET state = $1, state_reason = $2, state_update_time = $3, updated_time = $4 WHERE workspace_id = $5 AND uid = $6",
        state.as_str(), reason, &now, &now, &access.workspace, uid
    )?;
    audit_runtime_write(&mut tx, access, uid, updated, action.verb(false), reason, serde_json::json!({"state": state})).await?;
    let runtime = load_runtime(&mut tx, &access.workspace, uid).await?;
    tx.commit().await?;
    Ok(runtime)
}

/// After a write to the runtime `uid` (`rows`: how many rows it changed): 404 when there was no
/// such runtime, else the write's audit entry.
async fn audit_runtime_write(
    conn: &mut impl AsConn,
    access: &Access,
    uid: &str,
    rows: u64,
    action: &str,
    reason: Option<&str>,
    detail: serde_json::Value,
) -> ApiResult<()> {
    if rows == 0 {
        return Err(runtime_not_found(&access.workspace, uid));
    }
    let resource = runtime_resource(&access.workspace, uid);
    audit::record(conn, audit::Entry { actor: &access.actor, action, resource: &resource, reason, detail }).await?;
    Ok(())
}
