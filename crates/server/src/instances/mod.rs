//! App instances: launch, list, visibility, terminate, logs. Who may: anyone signed in launches an
//! app version they can see; an instance is seen by its owner, admins, and (ALL_USERS) everyone
//! signed in; only its owner and admins change it, stop it or read its log. The process itself is
//! the [`runner::Runner`]'s; browsers reach it through the apps origin's [`proxy`]. The HTTP
//! handlers are in [`routes`].

pub mod logs;
pub mod proxy;
pub mod routes;
pub mod runner;

use crate::audit;
use crate::accounts::auth::Caller;
use crate::store::catalog::{self, Viewer};
use crate::db::{self, Db, Dialect};
use crate::http::error::{ApiError, ApiResult};
use crate::instances::runner::{LaunchPlan, StatusReport, StatusSink};
use crate::http::state::AppState;
use crate::{execute, on_conn, on_db};
use sqlx::QueryBuilder;
use std::sync::Arc;
use wavehub_core::api::Page;
use wavehub_core::apps::Visibility;
use wavehub_core::instances::{Instance, InstanceQuery, InstanceStatus, NewInstance};
use wavehub_core::manifest::{Manifest, ValueSource};

/// How many live instances one user may have (the platform's default `InstanceLimit`).
pub const INSTANCE_LIMIT: i64 = 10;

const SELECT: &str = "SELECT i.id, i.app_id, a.name, a.version, a.title, u.username, i.owner_id, i.visibility, i.status, \
    i.status_reason, i.step, i.step_started_at, i.created_at, i.updated_at FROM instances i JOIN apps a ON a.id = i.app_id \
    LEFT JOIN users u ON u.id = i.owner_id";

type Row = (i64, i64, String, String, String, Option<String>, Option<i64>, String, String, Option<String>, Option<String>, Option<String>, String, String);

fn from_row(row: Row, caller: &Caller, apps_url: &str) -> Instance {
    let (id, app_id, app_name, app_version, app_title, owner, owner_id, visibility, status, status_reason, step, step_started_at, created_at, updated_at) = row;
    let status: InstanceStatus = status.parse().unwrap_or(InstanceStatus::Failed);
    let starting = status == InstanceStatus::Starting;
    Instance {
        id,
        app_id,
        app_name,
        app_version,
        app_title,
        owner,
        visibility: visibility.parse().unwrap_or(Visibility::Private),
        // The address only matters while it answers: the proxy on the apps origin.
        url: (status == InstanceStatus::Running).then(|| format!("{apps_url}{}", wavehub_core::instances::base_path(id))),
        step: step.filter(|_| starting).and_then(|s| s.parse().ok()),
        step_started_at: step_started_at.filter(|_| starting),
        status,
        status_reason,
        created_at,
        updated_at,
        can_manage: caller.is_admin() || owner_id == Some(caller.user_id),
    }
}

fn push_visible<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, caller: &Caller) {
    if caller.is_admin() {
        builder.push("1 = 1");
    } else {
        builder.push("(i.visibility = 'ALL_USERS' OR i.owner_id = ");
        DB::bind_i64(builder, caller.user_id);
        builder.push(")");
    }
}

/// `WHERE …` for the list's filters.
fn push_filter<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, caller: &Caller, query: &InstanceQuery) {
    builder.push(" WHERE ");
    push_visible(builder, caller);
    if let Some(app) = query.app {
        builder.push(" AND i.app_id = ");
        DB::bind_i64(builder, app);
    }
    match query.owner.as_deref() {
        Some("me") => {
            builder.push(" AND i.owner_id = ");
            DB::bind_i64(builder, caller.user_id);
        }
        Some("others") => {
            builder.push(" AND i.visibility = 'ALL_USERS' AND coalesce(i.owner_id, 0) <> ");
            DB::bind_i64(builder, caller.user_id);
        }
        _ => {}
    }
    if let Some(status) = query.status {
        builder.push(" AND i.status = ");
        DB::bind_text(builder, status.as_str().to_owned());
    }
}

/// The instance as `caller` may see it: 404 when it does not exist or is not visible.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Instance> {
    let row: Option<Row> = on_db!(&state.db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new(SELECT);
        builder.push(" WHERE i.id = ").push_bind(id).push(" AND ");
        push_visible(&mut builder, caller);
        builder.build_query_as().fetch_optional(pool).await?
    });
    row.map(|row| from_row(row, caller, &state.config.apps_url)).ok_or_else(|| ApiError::NotFound(format!("There is no instance {id} that you can see.")))
}

/// The instance, when `caller` may change it (owner or admin): 403 otherwise.
pub async fn get_managed(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Instance> {
    let instance = get(state, caller, id).await?;
    if instance.can_manage {
        Ok(instance)
    } else {
        Err(ApiError::Forbidden(format!("Only the owner of instance {id} and admins may change it or read its log.")))
    }
}

/// `GET /instances`.
pub async fn list(state: &AppState, caller: &Caller, query: &InstanceQuery) -> ApiResult<Page<Instance>> {
    let db = &state.db;
    ApiError::check(query.check())?;
    let paging = query.paging();
    let (total, rows): (i64, Vec<Row>) = on_db!(db, |pool, DB| {
        let mut count = QueryBuilder::<DB>::new("SELECT count(*) FROM instances i");
        push_filter(&mut count, caller, query);
        let total = count.build_query_scalar().fetch_one(pool).await?;
        let mut select = QueryBuilder::<DB>::new(SELECT);
        push_filter(&mut select, caller, query);
        select.push(" ORDER BY i.id DESC LIMIT ").push_bind(i64::from(paging.page_size)).push(" OFFSET ").push_bind(paging.offset() as i64);
        (total, select.build_query_as().fetch_all(pool).await?)
    });
    Ok(Page { items: rows.into_iter().map(|r| from_row(r, caller, &state.config.apps_url)).collect(), total: total as u64, page: paging.page, page_size: paging.page_size })
}

/// `POST /apps/{id}/instances`: records the instance as `starting` and hands it to the runner.
pub async fn launch(state: &AppState, caller: &Caller, app_id: i64, request: &NewInstance) -> ApiResult<Instance> {
    let app = catalog::load_detail(&state.db, Viewer::from(caller), app_id).await?;
    let manifest_json: String =
        on_db!(&state.db, |pool| sqlx::query_scalar("SELECT manifest FROM app_documents WHERE app_id = $1").bind(app_id).fetch_one(pool).await)?;
    let manifest: Manifest = serde_json::from_str(&manifest_json).map_err(anyhow::Error::from)?;
    let module = match (manifest.runs_python_module(), manifest.runtime.module.clone()) {
        (true, Some(module)) => module,
        _ => {
            return Err(ApiError::Conflict(format!(
                "{} {} is not a Python app Wavehub can run (a LINK or container app); open its link instead.",
                app.summary.name, app.summary.version
            )))
        }
    };
    // A file of the bundle on this machine (fetched from an object store on first use), before an
    // instance is recorded: a bundle that cannot be had starts nothing.
    let bundle = state.blobs.local_path(&app.sha256).await.map_err(|e| anyhow::anyhow!("cannot fetch the bundle of app {app_id}: {e}"))?;
    // The app's author, not the launcher, is who a secret is granted to; checked again here since
    // a grant can be withdrawn after the import.
    let author: Option<(i64, String)> = on_db!(&state.db, |pool| {
        sqlx::query_as("SELECT u.id, u.username FROM apps a JOIN users u ON u.id = a.owner_id WHERE a.id = $1").bind(app_id).fetch_optional(pool).await
    })?;
    let (author_name, author_roles) = match author {
        Some((id, name)) => (name, crate::accounts::auth::load_roles(&state.db, id).await?),
        None => (String::new(), Vec::new()),
    };
    let secrets = crate::store::secrets::values_for(&state.db, &state.sealer, &manifest, (&author_name, &author_roles)).await?;
    let visibility = request.visibility.unwrap_or(Visibility::Private);
    let now = db::now();
    let mut tx = state.db.begin_write().await?;
    let live: i64 = on_conn!(&mut tx, |c| {
        sqlx::query_scalar("SELECT count(*) FROM instances WHERE owner_id = $1 AND status IN ('starting', 'running')")
            .bind(caller.user_id)
            .fetch_one(c)
            .await
    })?;
    if live >= INSTANCE_LIMIT {
        return Err(ApiError::Conflict(format!(
            "You have {live} running instances, the most one person may have; terminate one on My instances first."
        )));
    }
    let id: i64 = on_conn!(&mut tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO instances (app_id, owner_id, visibility, status, created_at, updated_at, server_url) \
             VALUES ($1, $2, $3, 'starting', $4, $5, $6) RETURNING id",
        )
        .bind(app_id)
        .bind(caller.user_id)
        .bind(visibility.as_str())
        .bind(&now)
        .bind(&now)
        .bind(&state.config.internal_url)
        .fetch_one(c)
        .await
    })?;
    let resource = format!("instances/{id}");
    let detail = serde_json::json!({"app_id": app_id, "app": app.summary.name, "version": app.summary.version, "visibility": visibility.as_str()});
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "start", resource: &resource, reason: None, detail }).await?;
    tx.commit().await?;

    let mut env = vec![
        // The store's public address: apps build links back to it from this.
        ("H2O_CLOUD_ENVIRONMENT".to_owned(), state.config.public_url.clone()),
        ("H2O_CLOUD_INSTANCE_ID".to_owned(), id.to_string()),
        ("H2O_CLOUD_APP_NAME".to_owned(), app.summary.name.clone()),
        ("H2O_CLOUD_APP_VERSION".to_owned(), app.summary.version.clone()),
        ("H2O_CLOUD_APP_ID".to_owned(), app_id.to_string()),
    ];
    // A missing optional secret leaves its variable unset and its file absent.
    let content = |source: &ValueSource| {
        let from_secret = || source.secret_reference().and_then(|(secret, key)| secrets.get(&(secret.to_owned(), key.to_owned())).cloned());
        source.value.clone().or_else(from_secret)
    };
    env.extend(manifest.env.iter().filter_map(|entry| Some((entry.name.clone(), content(&entry.source)?))));
    let files = manifest.files.iter().filter_map(|file| Some((file.path.clone(), content(&file.source)?.into_bytes()))).collect();
    let memory_limit = manifest
        .runtime
        .memory_limit
        .as_deref()
        .and_then(|text| wavehub_core::manifest::parse_quantity(text).ok())
        .map(|quantity| u64::try_from(quantity.nanos() / 1_000_000_000).unwrap_or(u64::MAX));
    let plan = LaunchPlan { instance_id: id, bundle, bundle_sha256: app.sha256.clone(), module, env, files, memory_limit, volume_mount: manifest.runtime.volume_mount.clone() };
    state.runner.launch(plan, status_sink(state.db.clone()));
    get(state, caller, id).await
}

/// Writes the runner's reports: the launch step while it starts, then its status. A report never
/// revives an instance that has ended (a terminate that raced with `running`), and a failure is
/// recorded in the audit log as the system's.
fn status_sink(db: Db) -> StatusSink {
    Arc::new(move |report: StatusReport| {
        let db = db.clone();
        Box::pin(async move {
            let result: anyhow::Result<()> = async {
                let mut tx = db.begin_write().await?;
                let now = db::now();
                let updated = execute!(
                    &mut tx,
                    "UPDATE instances SET status = $1, status_reason = $2, step = $3, \
                     step_started_at = CASE WHEN $4 IS NULL THEN NULL ELSE $5 END, updated_at = $6 \
                     WHERE id = $7 AND status IN ('starting', 'running')",
                    report.status.as_str(), &report.reason, report.step.map(|s| s.as_str()), report.step.map(|s| s.as_str()), &now, &now,
                    report.instance_id
                )?;
                if updated > 0 && report.status == InstanceStatus::Failed {
                    let resource = format!("instances/{}", report.instance_id);
                    let entry = audit::Entry { actor: audit::SYSTEM_ACTOR, action: "fail", resource: &resource, reason: report.reason.as_deref(), detail: serde_json::json!({}) };
                    audit::record(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(())
            }
            .await;
            if let Err(error) = result {
                tracing::error!(instance = report.instance_id, ?error, "cannot record an instance's status");
            }
        })
    })
}

/// `PATCH /instances/{id}` `{visibility}`.
pub async fn set_visibility(state: &AppState, caller: &Caller, id: i64, visibility: Visibility) -> ApiResult<Instance> {
    get_managed(state, caller, id).await?;
    let mut tx = state.db.begin_write().await?;
    execute!(&mut tx, "UPDATE instances SET visibility = $1, updated_at = $2 WHERE id = $3", visibility.as_str(), db::now(), id)?;
    let resource = format!("instances/{id}");
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "visibility", resource: &resource, reason: None, detail: serde_json::json!({"visibility": visibility.as_str()}) }).await?;
    tx.commit().await?;
    get(state, caller, id).await
}

/// `POST /instances/{id}/terminate`: marks it terminated, then stops the process. 409 when it has
/// ended already.
pub async fn terminate(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Instance> {
    get_managed(state, caller, id).await?;
    let mut tx = state.db.begin_write().await?;
    let reason = format!("Terminated by {}.", caller.username);
    let updated = execute!(
        &mut tx,
        "UPDATE instances SET status = 'terminated', status_reason = $1, updated_at = $2 WHERE id = $3 AND status IN ('starting', 'running')",
        &reason, db::now(), id
    )?;
    if updated == 0 {
        return Err(ApiError::Conflict(format!("Instance {id} has ended already; there is nothing to terminate.")));
    }
    let resource = format!("instances/{id}");
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "terminate", resource: &resource, reason: None, detail: serde_json::json!({}) }).await?;
    tx.commit().await?;
    state.runner.stop(id).await;
    get(state, caller, id).await
}

/// Stops the instances this server runs whose rows say they ended: with several servers, a
/// terminate that reached another server marks the row there, and this server, which runs the
/// process, stops it here ([`watch_ended_elsewhere`] asks every 2 s). Returns how many it stopped.
pub async fn stop_ended_elsewhere(state: &AppState) -> sqlx::Result<usize> {
    let mut stopped = 0;
    for id in state.runner.active_ids() {
        let status: Option<String> =
            on_db!(&state.db, |pool| sqlx::query_scalar("SELECT status FROM instances WHERE id = $1").bind(id).fetch_optional(pool).await)?;
        if !matches!(status.as_deref(), Some("starting" | "running")) {
            state.runner.stop(id).await;
            stopped += 1;
        }
    }
    Ok(stopped)
}

/// [`stop_ended_elsewhere`] every 2 s, for as long as the server runs.
pub async fn watch_ended_elsewhere(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        every.tick().await;
        match stop_ended_elsewhere(&state).await {
            Ok(0) => {}
            Ok(stopped) => tracing::info!(stopped, "stopped instances whose rows another server marked ended"),
            Err(error) => tracing::warn!(%error, "cannot read the status of this server's instances"),
        }
    }
}

/// The `--internal-url` of the other server that runs instance `id` (or, unless `live_only`, ran
/// it and keeps its log); `None` when this server does, or one server runs every instance.
pub async fn run_by_other_server(state: &AppState, id: i64, live_only: bool) -> ApiResult<Option<String>> {
    let server_url: Option<String> = on_db!(&state.db, |pool| {
        sqlx::query_scalar::<_, Option<String>>("SELECT server_url FROM instances WHERE id = $1 AND (NOT $2 OR status IN ('starting', 'running'))")
            .bind(id)
            .bind(live_only)
            .fetch_optional(pool)
            .await
    })?
    .flatten();
    Ok(server_url.filter(|url| Some(url) != state.config.internal_url.as_ref()))
}

/// At start: instances this server's previous process ran ended with it (`server_url`, its
/// `--internal-url`; other servers' instances on the same database run on). Each is recorded as
/// failed in the audit log (its app's history shows when it stopped), in the same transaction.
pub async fn mark_orphans(db: &Db, server_url: Option<&str>) -> anyhow::Result<u64> {
    const REASON: &str = "Wavehub restarted while it ran; start it again.";
    // `server_url` is `$1` in both statements; `IS NOT DISTINCT FROM` matches NULL to NULL, as SQLite's `IS`.
    const OURS: &str = "status IN ('starting', 'running') AND server_url IS NOT DISTINCT FROM $1";
    let mut tx = db.begin_write().await?;
    let ids: Vec<i64> = on_conn!(&mut tx, |c| {
        let ids = sqlx::query_scalar(&format!("SELECT id FROM instances WHERE {OURS}")).bind(server_url).fetch_all(&mut *c).await?;
        sqlx::query(&format!("UPDATE instances SET status = 'failed', status_reason = $2, updated_at = $3 WHERE {OURS}"))
            .bind(server_url)
            .bind(REASON)
            .bind(db::now())
            .execute(&mut *c)
            .await?;
        ids
    });
    for id in &ids {
        let resource = format!("instances/{id}");
        let entry = audit::Entry { actor: audit::SYSTEM_ACTOR, action: "fail", resource: &resource, reason: Some(REASON), detail: serde_json::json!({}) };
        audit::record(&mut tx, entry).await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}
