//! Runtime images, their versions and runtimes, per workspace (shared/API.md, "Runtime images").
//! The rules (version ids, the current version, the ceiling rule, what a runtime resolves to) are
//! wavehub-core's; this module keeps them in the database: every change runs in one write
//! transaction with its audit entry, and an image's current version, versions count and effective
//! state are recomputed in the same transaction. Workspaces and who may act in them are in
//! [`workspaces`], the state columns are written by [`state::write_state`], the `--bootstrap` file
//! is read in [`bootstrap`], the HTTP handlers are in [`routes`].

pub mod bootstrap;
pub mod routes;
pub mod state;
pub mod workspaces;

use crate::audit;
use crate::db;
use crate::http::error::{ApiError, ApiResult};
use crate::runtime_images::workspaces::Access;
use state::{db_state, Side, Subject};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use std::collections::HashMap;
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::audit::Reason;
use wavehub_core::runtime_images::{
    check_reason, console_state_for, current_version, explain_current, resolve_runtime, Prereleases,
    version_id_sort_key, ImageFacts, ImageSort, NewRuntime, NewRuntimeImage, NewRuntimeImageVersion, Runtime,
    RuntimeImage, RuntimeImagePatch, RuntimeImageQuery, RuntimeImageVersion, Availability, StateAction, StateEvent,
    VersionList, PLATFORM_WORKSPACE,
};

/// Where a list looks: one workspace (its images and the platform's) or, for platform admins,
/// every workspace.
pub enum Scope<'a> {
    Workspace(&'a Access),
    All,
}

/// The path an image has in the audit log and in refusals.
pub fn image_resource(workspace: &str, uid: &str) -> String {
    format!("workspaces/{workspace}/runtime-images/{uid}")
}

/// The path a version has in the audit log and in refusals.
pub fn version_resource(workspace: &str, uid: &str, version: &str) -> String {
    format!("{}/versions/{version}", image_resource(workspace, uid))
}

fn runtime_resource(workspace: &str, uid: &str) -> String {
    format!("workspaces/{workspace}/runtimes/{uid}")
}

/// Where in the bootstrap file an image's (or version's) state is set, for refusals.
pub fn bootstrap_config_path(uid: &str, version: Option<&str>) -> String {
    match version {
        None => format!("config.deployer.composition.runtimeImages.{uid}"),
        Some(version) => format!("config.deployer.composition.runtimeImages.{uid}.versions (version {version})"),
    }
}

fn generate_uid(prefix: &str) -> String {
    format!("{prefix}-{}", &crate::accounts::auth::random_secret()[..10])
}

// The workspace's name rides along for lists over every workspace (`workspace_id` is the
// row's: `workspaces` has no such column).
const IMAGE_COLUMNS: &str = "workspace_id, (SELECT w.name FROM workspaces w WHERE w.id = workspace_id) AS workspace_name, uid, name, description, managed_by_bootstrap, platform_state, \
    platform_state_reason, console_state, console_state_reason, state, state_reason, state_update_time, \
    current_version, current_docker_image, prereleases_can_be_current, versions_count, created_time, updated_time";

#[derive(Debug, sqlx::FromRow)]
pub struct ImageRow {
    pub workspace_id: String,
    workspace_name: String,
    pub uid: String,
    name: String,
    description: String,
    pub managed_by_bootstrap: bool,
    platform_state: Option<String>,
    platform_state_reason: Option<String>,
    console_state: String,
    console_state_reason: Option<String>,
    state: String,
    state_reason: Option<String>,
    state_update_time: String,
    current_version: Option<String>,
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

    fn platform_state(&self) -> Option<Availability> {
        self.platform_state.as_deref().map(db_state)
    }

    fn into_api(self, can_manage: bool) -> RuntimeImage {
        RuntimeImage {
            platform_state: self.platform_state(),
            uid: self.uid,
            workspace: self.workspace_id,
            workspace_name: self.workspace_name,
            name: self.name,
            description: self.description,
            docker_image: self.current_docker_image,
            state: db_state(&self.state),
            state_reason: self.state_reason,
            state_update_time: self.state_update_time,
            managed_by_bootstrap: self.managed_by_bootstrap,
            platform_state_reason: self.platform_state_reason,
            console_state: db_state(&self.console_state),
            console_state_reason: self.console_state_reason,
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
fn can_manage(scope: &Scope<'_>, row: &ImageRow) -> bool {
    match scope {
        Scope::All => true,
        Scope::Workspace(access) if row.managed_by_bootstrap => access.platform_admin,
        Scope::Workspace(access) => access.can_manage(),
    }
}

/// 403 unless the caller may change the state of `row` (see [`can_manage`]).
fn require_state_manager(access: &Access, managed_by_bootstrap: bool) -> ApiResult<()> {
    if managed_by_bootstrap {
        access.require_platform_admin()
    } else {
        access.require_manage()
    }
}

fn bootstrap_refusal(uid: &str, what: &str) -> ApiError {
    ApiError::Conflict(format!(
        "`{uid}` is a platform image, managed by the bootstrap file, so it can't be {what} through the console \
         or the API. An operator changes it at {} in the bootstrap file and restarts Wavehub.",
        bootstrap_config_path(uid, None)
    ))
}

/// The image `uid` as the workspace sees it: its own first, else the platform's.
pub async fn find_image(conn: &mut SqliteConnection, access: &Access, uid: &str) -> ApiResult<ImageRow> {
    let sql = format!(
        "SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE uid = ? AND workspace_id IN (?, ?) ORDER BY managed_by_bootstrap LIMIT 1"
    );
    sqlx::query_as(&sql)
        .bind(uid)
        .bind(&access.workspace)
        .bind(PLATFORM_WORKSPACE)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("There is no runtime image `{uid}` in workspace `{}`.", access.workspace)))
}

async fn load_image(conn: &mut SqliteConnection, workspace: &str, uid: &str) -> ApiResult<ImageRow> {
    let sql = format!("SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE workspace_id = ? AND uid = ?");
    Ok(sqlx::query_as(&sql).bind(workspace).bind(uid).fetch_one(conn).await?)
}

/// `GET /workspaces/{ws}/runtime-images` and `GET /runtime-images`.
pub async fn list(db: &SqlitePool, scope: Scope<'_>, query: &RuntimeImageQuery) -> ApiResult<Page<RuntimeImage>> {
    list_named(db, scope, query, None).await
}

/// [`list`], and with `exact_name` only the images of exactly that name (the H2O MLOps client's
/// `display_name = '…'` filter, see [`crate::mlops`]).
pub async fn list_named(db: &SqlitePool, scope: Scope<'_>, query: &RuntimeImageQuery, exact_name: Option<&str>) -> ApiResult<Page<RuntimeImage>> {
    let paging = query.paging();
    ApiError::check(paging.check())?;
    let pattern = query
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_lowercase);
    // The trigram index finds a text of 3 characters or more (as one quoted phrase: a substring).
    let trigram_phrase = pattern.as_deref().filter(|name| name.chars().count() >= 3).map(|name| format!("\"{}\"", name.replace('"', "\"\"")));
    let pattern = pattern.map(|name| format!("%{}%", db::escape_like(&name)));
    // Rows of one workspace (or of all), with the filters. `per_row`: the name filter is checked
    // on each row the order's index gives (the page fills within a few rows when the filter
    // matches many images) instead of as the set of the images the trigram index finds (the
    // cheaper one when it matches few).
    let filter = |builder: &mut QueryBuilder<'_, Sqlite>, workspaces: &[&str], per_row: bool| {
        builder.push(" FROM runtime_images WHERE 1 = 1");
        if !workspaces.is_empty() {
            builder.push(" AND workspace_id IN (");
            let mut list = builder.separated(", ");
            for workspace in workspaces {
                list.push_bind(workspace.to_string());
            }
            builder.push(")");
        }
        if let Some(state) = query.state {
            builder.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(name) = exact_name {
            builder.push(" AND name = ").push_bind(name.trim().to_owned());
        }
        if let Some(pattern) = &pattern {
            // The texts of runtime_image_texts (migration 0010) are these three, so the rows are
            // the same; with 3 characters or more the trigram index picks the candidates.
            if per_row {
                builder.push(" AND EXISTS (SELECT 1 FROM runtime_image_texts t WHERE t.workspace_id = runtime_images.workspace_id AND t.uid = runtime_images.uid AND ");
            } else {
                builder.push(" AND (workspace_id, uid) IN (SELECT t.workspace_id, t.uid FROM runtime_image_texts t WHERE ");
            }
            if let Some(phrase) = trigram_phrase.as_ref().filter(|_| !per_row) {
                builder
                    .push("t.id IN (SELECT rowid FROM runtime_images_search WHERE runtime_images_search MATCH ")
                    .push_bind(phrase.clone())
                    .push(") AND ");
            }
            builder
                .push("(t.name_key LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR t.uid_key LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR t.docker_key LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'))");
        }
    };
    // Each order has an index per workspace (migration 0005), so a page reads only its rows.
    // With the columns each order reads, all in its index: the keys of a page.
    let (order, keys) = match query.sort {
        ImageSort::Name => (" ORDER BY name_key, uid", "workspace_id, uid, name_key"),
        ImageSort::NameDesc => (" ORDER BY name_key DESC, uid DESC", "workspace_id, uid, name_key"),
        ImageSort::Newest => (" ORDER BY created_time DESC, uid", "workspace_id, uid, created_time"),
        ImageSort::Oldest => (" ORDER BY created_time, uid", "workspace_id, uid, created_time"),
        ImageSort::RecentlyUpdated => (" ORDER BY updated_time DESC, uid", "workspace_id, uid, updated_time"),
        ImageSort::State => (" ORDER BY state_rank DESC, name_key, uid", "workspace_id, uid, state_rank, name_key"),
    };
    let workspaces: Vec<&str> = match &scope {
        Scope::Workspace(access) => vec![access.workspace.as_str(), PLATFORM_WORKSPACE],
        Scope::All => Vec::new(),
    };
    let total = list_total(db, &format!("{:?}|{:?}|{exact_name:?}|{pattern:?}", workspaces, query.state), || {
        let mut count = QueryBuilder::new("SELECT count(*)");
        filter(&mut count, &workspaces, false);
        count
    })
    .await?;
    let per_row = total >= PER_ROW_FILTER_FROM;

    // Ids first: the page's keys from the order's index (covering: no image row is read for the
    // rows before the page), then the rows of just those keys.
    let (limit, offset) = (i64::from(paging.page_size), paging.offset() as i64);
    let mut select = QueryBuilder::new(format!("SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE (workspace_id, uid) IN (SELECT workspace_id, uid FROM ("));
    // A workspace's page merges two ordered index scans (its own images, the platform's): a
    // compound SELECT with its own ORDER BY is merged as it streams, while `IN` over two
    // workspaces (or an ORDER BY around the compound) would make SQLite read and sort every key
    // before the page.
    let arms: Vec<&[&str]> = if workspaces.is_empty() { vec![&[]] } else { workspaces.chunks(1).collect() };
    for (i, workspace) in arms.into_iter().enumerate() {
        if i > 0 {
            select.push(" UNION ALL ");
        }
        select.push(format!("SELECT {keys}"));
        filter(&mut select, workspace, per_row);
    }
    select.push(order).push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset).push("))").push(order);
    let rows: Vec<ImageRow> = select.build_query_as().fetch_all(db).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let manage = can_manage(&scope, &row);
            row.into_api(manage)
        })
        .collect();
    Ok(Page { items, total: total as u64, page: paging.page, page_size: paging.page_size })
}

/// From how many matching images a name filter is checked row by row for a page (see `filter`).
const PER_ROW_FILTER_FROM: i64 = 1000;

/// The count of a list's filter (`key`, the filter in words), from the counts kept since the last
/// change to `runtime_images`: every insert, update and delete raises `runtime_images_changes.n`
/// (triggers, migration 0010), so no write path can leave a stale count behind. Reading the mark
/// before counting means a count is never kept under a mark older than the rows it saw.
async fn list_total<'a>(db: &SqlitePool, key: &str, count: impl FnOnce() -> QueryBuilder<'a, Sqlite>) -> ApiResult<i64> {
    static TOTALS: std::sync::LazyLock<std::sync::Mutex<HashMap<String, (i64, i64)>>> = std::sync::LazyLock::new(Default::default);
    let mark: i64 = sqlx::query_scalar("SELECT n FROM runtime_images_changes").fetch_one(db).await?;
    // One map for the process: the database file is part of the key (tests run many).
    let key = format!("{}|{key}", db.connect_options().get_filename().display());
    if let Some((seen, total)) = TOTALS.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if *seen == mark {
            return Ok(*total);
        }
    }
    let total: i64 = count().build_query_scalar().fetch_one(db).await?;
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    if totals.len() >= 1000 {
        totals.clear();
    }
    totals.insert(key, (mark, total));
    Ok(total)
}

pub async fn get(db: &SqlitePool, access: &Access, uid: &str) -> ApiResult<RuntimeImage> {
    let mut conn = db.acquire().await?;
    let row = find_image(&mut conn, access, uid).await?;
    let manage = can_manage(&Scope::Workspace(access), &row);
    Ok(row.into_api(manage))
}

/// `POST /workspaces/{ws}/runtime-images`: the image and its first version.
pub async fn create(db: &SqlitePool, access: &Access, request: &NewRuntimeImage) -> ApiResult<RuntimeImage> {
    access.require_manage()?;
    let choice = request.check().map_err(ApiError::invalid)?;
    let uid = request.uid.clone().unwrap_or_else(|| generate_uid("ri"));
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
    let platform_has_it: Option<i64> = sqlx::query_scalar("SELECT 1 FROM runtime_images WHERE workspace_id = ? AND uid = ?")
        .bind(PLATFORM_WORKSPACE)
        .bind(&uid)
        .fetch_optional(&mut *tx)
        .await?;
    if platform_has_it.is_some() {
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
pub async fn insert_row(conn: &mut SqliteConnection, row: &NewImageRow<'_>, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO runtime_images (workspace_id, uid, name, name_key, description, managed_by_bootstrap, console_state, \
         state, state_rank, state_update_time, prereleases_can_be_current, created_time, updated_time) \
         VALUES (?, ?, ?, ?, ?, ?, 'ACTIVE', 'ACTIVE', ?, ?, ?, ?, ?)",
    )
    .bind(row.workspace)
    .bind(row.uid)
    .bind(row.name)
    .bind(row.name.to_lowercase())
    .bind(row.description)
    .bind(row.managed_by_bootstrap)
    .bind(state::state_rank(Availability::Active))
    .bind(now)
    .bind(row.prereleases.may_be_current())
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map(drop)
}

/// `PATCH /workspaces/{ws}/runtime-images/{uid}`: name, description, and a new version from a new
/// docker image.
pub async fn update(db: &SqlitePool, access: &Access, uid: &str, patch: &RuntimeImagePatch) -> ApiResult<RuntimeImage> {
    access.require_manage()?;
    let choice = patch.check().map_err(ApiError::invalid)?;
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
    let row = find_image(&mut tx, access, uid).await?;
    if row.managed_by_bootstrap {
        return Err(bootstrap_refusal(uid, "updated"));
    }
    if let Some(name) = &patch.name {
        sqlx::query("UPDATE runtime_images SET name = ?, name_key = ?, updated_time = ? WHERE workspace_id = ? AND uid = ?")
            .bind(name.trim())
            .bind(name.trim().to_lowercase())
            .bind(&now)
            .bind(&row.workspace_id)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(description) = &patch.description {
        sqlx::query("UPDATE runtime_images SET description = ?, updated_time = ? WHERE workspace_id = ? AND uid = ?")
            .bind(description.trim())
            .bind(&now)
            .bind(&row.workspace_id)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(prereleases) = patch.prereleases {
        sqlx::query("UPDATE runtime_images SET prereleases_can_be_current = ?, updated_time = ? WHERE workspace_id = ? AND uid = ?")
            .bind(prereleases.may_be_current())
            .bind(&now)
            .bind(&row.workspace_id)
            .bind(uid)
            .execute(&mut *tx)
            .await?;
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
pub async fn delete(db: &SqlitePool, access: &Access, uid: &str) -> ApiResult<()> {
    access.require_manage()?;
    let mut tx = db::begin_write(db).await?;
    let row = find_image(&mut tx, access, uid).await?;
    if row.managed_by_bootstrap {
        return Err(bootstrap_refusal(uid, "deleted (removing it from the file disables it)"));
    }
    let users: Vec<(String, String)> =
        sqlx::query_as("SELECT uid, name FROM runtimes WHERE image_workspace_id = ? AND image_uid = ? ORDER BY uid")
            .bind(&row.workspace_id)
            .bind(uid)
            .fetch_all(&mut *tx)
            .await?;
    if !users.is_empty() {
        let names: Vec<String> = users.iter().map(|(id, name)| format!("`{id}` ({name})")).collect();
        return Err(ApiError::Conflict(format!(
            "Runtime image `{uid}` can't be deleted while runtimes use it: {}. Delete {} first.",
            names.join(", "),
            if users.len() == 1 { "that runtime" } else { "those runtimes" }
        )));
    }
    sqlx::query("DELETE FROM runtime_images WHERE workspace_id = ? AND uid = ?")
        .bind(&row.workspace_id)
        .bind(uid)
        .execute(&mut *tx)
        .await?;
    let resource = image_resource(&row.workspace_id, uid);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "delete", resource: &resource, reason: None, detail: serde_json::json!({"name": row.name}) }).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST .../runtime-images/{uid}/deprecate|disable|enable`.
pub async fn change_image_state(db: &SqlitePool, access: &Access, uid: &str, action: StateAction, reason: Option<&str>) -> ApiResult<RuntimeImage> {
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
    let row = find_image(&mut tx, access, uid).await?;
    require_state_manager(access, row.managed_by_bootstrap)?;
    let console = console_state_for(row.platform_state(), action)
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

// ---- versions -------------------------------------------------------------------------------

const VERSION_COLUMNS: &str = "version, docker_image, managed_by_bootstrap, platform_state, platform_state_reason, \
    console_state, console_state_reason, state, state_reason, state_update_time, created_time";

#[derive(Debug, sqlx::FromRow)]
struct VersionRow {
    version: String,
    docker_image: String,
    managed_by_bootstrap: bool,
    platform_state: Option<String>,
    platform_state_reason: Option<String>,
    console_state: String,
    console_state_reason: Option<String>,
    state: String,
    state_reason: Option<String>,
    state_update_time: String,
    created_time: String,
}

impl VersionRow {
    fn into_api(self, current: Option<&str>) -> RuntimeImageVersion {
        RuntimeImageVersion {
            is_current: current == Some(self.version.as_str()),
            version: self.version,
            docker_image: self.docker_image,
            state: db_state(&self.state),
            state_reason: self.state_reason,
            state_update_time: self.state_update_time,
            managed_by_bootstrap: self.managed_by_bootstrap,
            platform_state: self.platform_state.as_deref().map(db_state),
            platform_state_reason: self.platform_state_reason,
            console_state: db_state(&self.console_state),
            console_state_reason: self.console_state_reason,
            created_time: self.created_time,
        }
    }
}

/// Adds a version; 409 when the image has it already. `platform` is the bootstrap file's state and
/// reason for versions it manages.
pub async fn insert_version(
    conn: &mut SqliteConnection,
    workspace: &str,
    uid: &str,
    version: &str,
    docker_image: &str,
    platform: Option<(Availability, Option<&str>)>,
    now: &str,
) -> ApiResult<()> {
    let state = platform.map_or(Availability::Active, |(state, _)| state);
    let reason = platform.and_then(|(_, reason)| reason);
    let inserted = sqlx::query(
        "INSERT INTO runtime_image_versions (workspace_id, image_uid, version, version_key, docker_image, managed_by_bootstrap, \
         platform_state, platform_state_reason, console_state, state, state_reason, state_update_time, created_time) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?)",
    )
    .bind(workspace)
    .bind(uid)
    .bind(version)
    .bind(version_id_sort_key(version))
    .bind(docker_image)
    .bind(platform.is_some())
    .bind(platform.map(|(state, _)| state.as_str()))
    .bind(reason)
    .bind(state.as_str())
    .bind(reason)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await;
    db::or_conflict(inserted, || {
        format!(
            "Runtime image `{uid}` has version {version} already; a version can't be replaced, so give the new image \
             another version."
        )
    })
    .map(drop)
}

/// Recomputes what an image shows of its versions: the current version (wavehub-core's rule), its
/// docker image, and the count.
pub async fn refresh_image(conn: &mut SqliteConnection, workspace: &str, uid: &str, now: &str) -> Result<(), sqlx::Error> {
    let versions: Vec<(String, String, String)> =
        sqlx::query_as("SELECT version, state, docker_image FROM runtime_image_versions WHERE workspace_id = ? AND image_uid = ?")
            .bind(workspace)
            .bind(uid)
            .fetch_all(&mut *conn)
            .await?;
    let may_be_current: bool =
        sqlx::query_scalar("SELECT prereleases_can_be_current FROM runtime_images WHERE workspace_id = ? AND uid = ?")
            .bind(workspace)
            .bind(uid)
            .fetch_one(&mut *conn)
            .await?;
    let prereleases = Prereleases::from_flag(may_be_current);
    let current = current_version(versions.iter().map(|(version, state, _)| (version.as_str(), db_state(state))), prereleases);
    let docker_image = current.and_then(|c| versions.iter().find(|(v, _, _)| v == c)).map(|(_, _, image)| image.as_str());
    sqlx::query(
        "UPDATE runtime_images SET current_version = ?, current_docker_image = ?, versions_count = ?, updated_time = ? \
         WHERE workspace_id = ? AND uid = ?",
    )
    .bind(current)
    .bind(docker_image)
    .bind(versions.len() as i64)
    .bind(now)
    .bind(workspace)
    .bind(uid)
    .execute(conn)
    .await?;
    Ok(())
}

/// `GET .../runtime-images/{uid}/versions?state=`: newest semver first, with why the current one is current.
pub async fn versions(db: &SqlitePool, access: &Access, uid: &str, state: Option<Availability>) -> ApiResult<VersionList> {
    let mut conn = db.acquire().await?;
    let image = find_image(&mut conn, access, uid).await?;
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM runtime_image_versions WHERE workspace_id = ? AND image_uid = ? ORDER BY version_key DESC"
    );
    let rows: Vec<VersionRow> = sqlx::query_as(&sql).bind(&image.workspace_id).bind(uid).fetch_all(&mut *conn).await?;
    let current_explanation = explain_current(rows.iter().map(|row| (row.version.as_str(), db_state(&row.state))), image.prereleases());
    let current = image.current_version.as_deref();
    let items: Vec<RuntimeImageVersion> = rows
        .into_iter()
        .filter(|row| state.is_none_or(|wanted| db_state(&row.state) == wanted))
        .map(|row| row.into_api(current))
        .collect();
    Ok(VersionList { total: items.len() as u64, items, current_version: image.current_version.clone(), current_explanation })
}

async fn find_version(conn: &mut SqliteConnection, image: &ImageRow, version: &str) -> ApiResult<VersionRow> {
    // `@latest` is the current version, as the platform's API allows.
    let wanted = if version == "@latest" {
        image.current_version.clone().ok_or_else(|| {
            ApiError::NotFound(format!("Runtime image `{}` has no current version: every version is disabled.", image.uid))
        })?
    } else {
        wavehub_core::runtime_images::normalize_version(version).unwrap_or_else(|_| version.to_owned())
    };
    let sql = format!("SELECT {VERSION_COLUMNS} FROM runtime_image_versions WHERE workspace_id = ? AND image_uid = ? AND version = ?");
    sqlx::query_as(&sql)
        .bind(&image.workspace_id)
        .bind(&image.uid)
        .bind(&wanted)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Runtime image `{}` has no version {wanted}.", image.uid)))
}

pub async fn get_version(db: &SqlitePool, access: &Access, uid: &str, version: &str) -> ApiResult<RuntimeImageVersion> {
    let mut conn = db.acquire().await?;
    let image = find_image(&mut conn, access, uid).await?;
    let row = find_version(&mut conn, &image, version).await?;
    Ok(row.into_api(image.current_version.as_deref()))
}

/// `POST .../runtime-images/{uid}/versions`.
pub async fn add_version(db: &SqlitePool, access: &Access, uid: &str, request: &NewRuntimeImageVersion) -> ApiResult<RuntimeImageVersion> {
    access.require_manage()?;
    let choice = wavehub_core::runtime_images::version_for(&request.docker_image, request.version.as_deref())
        .map_err(|finding| ApiError::invalid(vec![finding]))?;
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
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
    db: &SqlitePool,
    access: &Access,
    uid: &str,
    version: &str,
    action: StateAction,
    reason: Option<&str>,
) -> ApiResult<RuntimeImageVersion> {
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
    let image = find_image(&mut tx, access, uid).await?;
    let row = find_version(&mut tx, &image, version).await?;
    require_state_manager(access, row.managed_by_bootstrap)?;
    let platform_state = row.platform_state.as_deref().map(db_state);
    let console = console_state_for(platform_state, action).map_err(|refusal| {
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

/// `GET .../runtime-images/{uid}/history`: the image's and its versions' changes, newest first.
pub async fn history(db: &SqlitePool, access: &Access, uid: &str) -> ApiResult<Vec<StateEvent>> {
    let mut conn = db.acquire().await?;
    let image = find_image(&mut conn, access, uid).await?;
    let base = image_resource(&image.workspace_id, uid);
    let entries = audit::for_resource_tree(&mut conn, &base, 500).await?;
    let versions_prefix = format!("{base}/versions/");
    Ok(entries
        .into_iter()
        .map(|entry| {
            let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap_or_default();
            StateEvent {
                subject: entry.resource.strip_prefix(&versions_prefix).unwrap_or("image").to_owned(),
                state: detail.get("state").and_then(|s| s.as_str()).map(db_state),
                summary: (entry.action == "update").then(|| update_summary(&detail)),
                time: entry.time,
                actor: entry.actor,
                action: entry.action,
                reason: entry.reason,
            }
        })
        .collect())
}

/// What an image `update` changed, from its audit detail (the fields the PATCH carried), in words
/// for the history: "renamed it to “Scorer”; added version v2.1.0 (docker.io/org/scorer:2.1.0)".
fn update_summary(detail: &serde_json::Value) -> String {
    let text = |key: &str| detail.get(key).and_then(|v| v.as_str());
    let mut changes = Vec::new();
    if let Some(name) = text("name") {
        changes.push(format!("renamed it to “{name}”"));
    }
    if let Some(description) = text("description") {
        changes.push(if description.trim().is_empty() { "cleared the description".to_owned() } else { "changed the description".to_owned() });
    }
    match (text("version"), text("docker_image")) {
        (Some(version), Some(docker_image)) => changes.push(format!("added version {version} ({docker_image})")),
        (None, Some(docker_image)) => changes.push(format!("added a version ({docker_image})")),
        _ => {}
    }
    match detail.get("prereleases").and_then(|v| v.as_str()) {
        Some("may_be_current") => changes.push("let pre-releases be the current version".to_owned()),
        Some("never_current") => changes.push("let only releases be the current version".to_owned()),
        _ => {}
    }
    if changes.is_empty() {
        "updated the image".to_owned()
    } else {
        changes.join("; ")
    }
}

// ---- runtimes -------------------------------------------------------------------------------

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
pub async fn list_runtimes(db: &SqlitePool, access: &Access, image: Option<&str>, paging: PageRequest) -> ApiResult<Page<Runtime>> {
    ApiError::check(paging.check())?;
    let filter = |builder: &mut QueryBuilder<'_, Sqlite>| {
        builder.push(" WHERE r.workspace_id = ").push_bind(access.workspace.clone());
        if let Some(image) = image {
            builder.push(" AND r.image_uid = ").push_bind(image.to_owned());
        }
    };
    let mut count = QueryBuilder::new("SELECT count(*) FROM runtimes r");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(db).await?;
    let mut select = QueryBuilder::new(RUNTIME_SELECT);
    filter(&mut select);
    select.push(" ORDER BY r.name, r.uid LIMIT ").push_bind(i64::from(paging.page_size)).push(" OFFSET ").push_bind(paging.offset() as i64);
    let rows: Vec<RuntimeRow> = select.build_query_as().fetch_all(db).await?;
    Ok(Page { items: rows.into_iter().map(RuntimeRow::into_api).collect(), total: total as u64, page: paging.page, page_size: paging.page_size })
}

async fn load_runtime(conn: &mut SqliteConnection, workspace: &str, uid: &str) -> ApiResult<Runtime> {
    let sql = format!("{RUNTIME_SELECT} WHERE r.workspace_id = ? AND r.uid = ?");
    let row: Option<RuntimeRow> = sqlx::query_as(&sql).bind(workspace).bind(uid).fetch_optional(conn).await?;
    row.map(RuntimeRow::into_api).ok_or_else(|| runtime_not_found(workspace, uid))
}

fn runtime_not_found(workspace: &str, uid: &str) -> ApiError {
    ApiError::NotFound(format!("There is no runtime `{uid}` in workspace `{workspace}`."))
}

pub async fn get_runtime(db: &SqlitePool, access: &Access, uid: &str) -> ApiResult<Runtime> {
    let mut conn = db.acquire().await?;
    load_runtime(&mut conn, &access.workspace, uid).await
}

/// `POST /workspaces/{ws}/runtimes`: refused when what it would run is blocked for new use.
pub async fn create_runtime(db: &SqlitePool, access: &Access, request: &NewRuntime) -> ApiResult<Runtime> {
    access.require_manage()?;
    let version = request.check().map_err(ApiError::invalid)?;
    let uid = request.uid.clone().unwrap_or_else(|| generate_uid("r"));
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
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
    let inserted = sqlx::query(
        "INSERT INTO runtimes (workspace_id, uid, name, description, image_workspace_id, image_uid, version, model_type, \
         environment_variables, read_only_data_volume, state, state_update_time, created_time, updated_time) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?)",
    )
    .bind(&access.workspace)
    .bind(&uid)
    .bind(request.name.trim())
    .bind(request.description.as_deref().unwrap_or("").trim())
    .bind(&image.workspace_id)
    .bind(&image.uid)
    .bind(&version)
    .bind(&request.model_type)
    .bind(environment)
    .bind(request.read_only_data_volume)
    .bind(&now)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await;
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

pub async fn delete_runtime(db: &SqlitePool, access: &Access, uid: &str, why: &Reason) -> ApiResult<()> {
    access.require_manage()?;
    ApiError::check(why.check())?;
    let mut tx = db::begin_write(db).await?;
    let removed = sqlx::query("DELETE FROM runtimes WHERE workspace_id = ? AND uid = ?")
        .bind(&access.workspace)
        .bind(uid)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(runtime_not_found(&access.workspace, uid));
    }
    let resource = runtime_resource(&access.workspace, uid);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "delete", resource: &resource, reason: why.text(), detail: serde_json::json!({}) }).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST .../runtimes/{uid}/deprecate|disable|enable`. Runtimes are API-managed: no ceiling.
pub async fn change_runtime_state(db: &SqlitePool, access: &Access, uid: &str, action: StateAction, reason: Option<&str>) -> ApiResult<Runtime> {
    access.require_manage()?;
    ApiError::check(check_reason(action, reason))?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let state = console_state_for(None, action).expect("API-managed resources have no ceiling");
    let now = db::now();
    let mut tx = db::begin_write(db).await?;
    let updated = sqlx::query("UPDATE runtimes SET state = ?, state_reason = ?, state_update_time = ?, updated_time = ? WHERE workspace_id = ? AND uid = ?")
        .bind(state.as_str())
        .bind(reason)
        .bind(&now)
        .bind(&now)
        .bind(&access.workspace)
        .bind(uid)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(runtime_not_found(&access.workspace, uid));
    }
    let resource = runtime_resource(&access.workspace, uid);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: action.verb(false), resource: &resource, reason, detail: serde_json::json!({"state": state}) }).await?;
    let runtime = load_runtime(&mut tx, &access.workspace, uid).await?;
    tx.commit().await?;
    Ok(runtime)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_seed::runtime_images::{seed, MEMBER, WORKSPACE};
    use wavehub_core::runtime_images::WorkspaceRole;

    /// The name filter, checked row by row (a filter that matches many images) or as the trigram
    /// index's set (one that matches few), and pages read by keys give the rows of one plain scan
    /// with `LIMIT ... OFFSET`.
    #[tokio::test]
    async fn filtered_pages_are_the_rows_of_a_plain_scan() {
        let data = tempfile::tempdir().unwrap();
        seed(data.path(), 3000, 2, 5, Some("bench-admin-password".into()), Some("bench-user-password".into())).await.unwrap();
        let db = db::open(data.path()).await.unwrap();
        let member = Access { workspace: WORKSPACE.into(), role: WorkspaceRole::Member, platform_admin: false, actor: MEMBER.into() };
        let broad = RuntimeImageQuery { name: Some("scorer".into()), ..RuntimeImageQuery::default() };
        let broad = list(&db, Scope::Workspace(&member), &broad).await.unwrap().total;
        assert!(broad >= PER_ROW_FILTER_FROM as u64, "{broad}: the row-by-row check is tested too");
        for name in ["scorer", "SCORER", "sc", "py31", "zzz", "5000/"] {
            let like = format!("%{}%", db::escape_like(&name.to_lowercase()));
            for (sort, order) in [(ImageSort::Name, "name_key, uid"), (ImageSort::Newest, "created_time DESC, uid"), (ImageSort::State, "state_rank DESC, name_key, uid")] {
                for page in [1, 3, 30] {
                    let query = RuntimeImageQuery { name: Some(name.into()), sort, page: Some(page), page_size: Some(50), ..RuntimeImageQuery::default() };
                    let listed = list(&db, Scope::Workspace(&member), &query).await.unwrap();
                    let sql = format!(
                        "SELECT uid FROM runtime_images WHERE workspace_id IN ('bench', 'global') AND (name_key LIKE ?1 ESCAPE '\\' \
                         OR uid LIKE ?1 ESCAPE '\\' OR lower(coalesce(current_docker_image, '')) LIKE ?1 ESCAPE '\\') ORDER BY {order} LIMIT 50 OFFSET ?2"
                    );
                    let expected: Vec<String> = sqlx::query_scalar(&sql).bind(&like).bind((page - 1) * 50).fetch_all(&db).await.unwrap();
                    let found: Vec<String> = listed.items.iter().map(|i| i.uid.clone()).collect();
                    assert_eq!(found, expected, "name={name} sort={sort:?} page={page}");
                    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM ({})", sql.replace(" LIMIT 50 OFFSET ?2", "")))
                        .bind(&like)
                        .fetch_one(&db)
                        .await
                        .unwrap();
                    assert_eq!(listed.total, total as u64, "name={name}");
                }
            }
        }
    }
}
