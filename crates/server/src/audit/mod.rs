//! The audit log: who did what to which resource, when, and why. Every change writes one entry in
//! the same transaction as the change itself, so the log never misses a change or records one that
//! did not happen. `GET /audit` is in [`routes`].

pub mod routes;

use serde_json::Value;
use sqlx::SqliteConnection;

/// The actor name for changes made by the platform's bootstrap file at start.
pub const BOOTSTRAP_ACTOR: &str = "bootstrap";
/// The actor name for changes the server makes on its own (the first admin, demo data, instances
/// that stop by themselves).
pub const SYSTEM_ACTOR: &str = "system";

/// One change to record.
pub struct Entry<'a> {
    pub actor: &'a str,
    /// A verb: `create`, `update`, `delete`, `deprecate`, `disable`, `enable`, `activate`, `bootstrap`…
    pub action: &'a str,
    /// A path naming the resource, e.g. `workspaces/default/runtime-images/scorer/versions/v1.0.0`.
    pub resource: &'a str,
    pub reason: Option<&'a str>,
    /// What changed, as JSON (e.g. `{"state": "DISABLED"}`).
    pub detail: Value,
}

pub async fn record(conn: &mut SqliteConnection, entry: Entry<'_>) -> sqlx::Result<()> {
    let app_name = app_name_of(conn, entry.resource).await?;
    sqlx::query("INSERT INTO audit_log (time, actor, action, resource, reason, detail, app_name) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(crate::db::now())
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.resource)
        .bind(entry.reason.map(str::trim).filter(|r| !r.is_empty()))
        .bind(entry.detail.to_string())
        .bind(app_name)
        .execute(conn)
        .await?;
    Ok(())
}

/// The app name an entry about `apps/{id}`, `apps/{id}/...` or `instances/{id}` belongs to, kept
/// with the entry so that an app name's history is one indexed read, whatever happens to the
/// version or instance later. A version deleted in the same transaction is found in its
/// tombstone. Entries about anything else have none.
async fn app_name_of(conn: &mut SqliteConnection, resource: &str) -> sqlx::Result<Option<String>> {
    let mut parts = resource.split('/');
    let (kind, id) = (parts.next(), parts.next().and_then(|id| id.parse::<i64>().ok()));
    let query = match (kind, id) {
        (Some("apps"), Some(_)) => {
            "SELECT coalesce((SELECT name FROM apps WHERE id = ?1), (SELECT name FROM deleted_apps WHERE id = ?1))"
        }
        (Some("instances"), Some(_)) => "SELECT a.name FROM instances i JOIN apps a ON a.id = i.app_id WHERE i.id = ?1",
        _ => return Ok(None),
    };
    Ok(sqlx::query_scalar::<_, Option<String>>(query).bind(id).fetch_optional(conn).await?.flatten())
}

/// A recorded entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recorded {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub resource: String,
    pub reason: Option<String>,
    pub detail: String,
}

/// The newest `limit` entries about `resource` and everything under it (`resource/...`).
pub async fn for_resource_tree(conn: &mut SqliteConnection, resource: &str, limit: u32) -> sqlx::Result<Vec<Recorded>> {
    // A range instead of LIKE: `/` + 1 is `0`, so [resource/, resource0) is exactly the subtree,
    // and the index on resource serves it.
    sqlx::query_as(
        "SELECT time, actor, action, resource, reason, detail FROM audit_log \
         WHERE resource = ? OR (resource >= ? AND resource < ?) ORDER BY id DESC LIMIT ?",
    )
    .bind(resource)
    .bind(format!("{resource}/"))
    .bind(format!("{resource}0"))
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// `GET /audit`: admins only (the route checks); newest first.
pub async fn list(db: &sqlx::SqlitePool, query: &wavehub_core::audit::AuditQuery) -> crate::http::error::ApiResult<wavehub_core::api::Page<wavehub_core::audit::AuditEntry>> {
    use sqlx::{QueryBuilder, Sqlite};
    let paging = query.paging();
    crate::http::error::ApiError::check(paging.check())?;
    let filter = |builder: &mut QueryBuilder<'_, Sqlite>| {
        builder.push(" FROM audit_log WHERE 1 = 1");
        if let Some(resource) = query.resource.as_deref().map(|r| r.trim().trim_end_matches('/')).filter(|r| !r.is_empty()) {
            builder
                .push(" AND (resource = ")
                .push_bind(resource.to_owned())
                .push(" OR (resource >= ")
                .push_bind(format!("{resource}/"))
                .push(" AND resource < ")
                .push_bind(format!("{resource}0"))
                .push("))");
        }
        if let Some(actor) = query.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            builder.push(" AND actor = ").push_bind(actor.to_owned());
        }
        if let Some(action) = query.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            builder.push(" AND action = ").push_bind(action.to_owned());
        }
    };
    let mut count = QueryBuilder::new("SELECT count(*)");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(db).await?;
    let mut select = QueryBuilder::new("SELECT id, time, actor, action, resource, reason, detail");
    filter(&mut select);
    select.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(paging.page_size)).push(" OFFSET ").push_bind(paging.offset() as i64);
    // id, time, actor, action, resource, reason, detail
    type Row = (i64, String, String, String, String, Option<String>, String);
    let rows: Vec<Row> = select.build_query_as().fetch_all(db).await?;
    let items = rows
        .into_iter()
        .map(|(id, time, actor, action, resource, reason, detail)| wavehub_core::audit::AuditEntry {
            id,
            time,
            actor,
            action,
            resource,
            reason,
            detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
        })
        .collect();
    Ok(wavehub_core::api::Page { items, total: total as u64, page: paging.page, page_size: paging.page_size })
}
