//! The audit log: who did what to which resource, when, and why. Every change writes one entry in
//! the same transaction as the change itself, so the log never misses a change or records one that
//! did not happen. `GET /audit` is in [`routes`].

pub mod routes;

use crate::db::{AsConn, Db, Dialect};
use sqlx::QueryBuilder;
use crate::{execute, on_conn, on_db};
use serde_json::Value;

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

pub async fn record(conn: &mut impl AsConn, entry: Entry<'_>) -> sqlx::Result<()> {
    let app_name = app_name_of(conn, entry.resource).await?;
    execute!(
        conn,
        "INSERT INTO audit_log (time, actor, action, resource, reason, detail, app_name) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        crate::db::now(), entry.actor, entry.action, entry.resource, entry.reason.map(str::trim).filter(|r| !r.is_empty()),
        entry.detail.to_string(), app_name
    )?;
    Ok(())
}

/// The app name an entry about `apps/{id}`, `apps/{id}/...` or `instances/{id}` belongs to, kept
/// with the entry so that an app name's history is one indexed read, whatever happens to the
/// version or instance later. A version deleted in the same transaction is found in its
/// tombstone. Entries about anything else have none.
async fn app_name_of(conn: &mut impl AsConn, resource: &str) -> sqlx::Result<Option<String>> {
    let mut parts = resource.split('/');
    let (kind, id) = (parts.next(), parts.next().and_then(|id| id.parse::<i64>().ok()));
    let query = match (kind, id) {
        (Some("apps"), Some(_)) => {
            "SELECT coalesce((SELECT name FROM apps WHERE id = $1), (SELECT name FROM deleted_apps WHERE id = $1))"
        }
        (Some("instances"), Some(_)) => "SELECT a.name FROM instances i JOIN apps a ON a.id = i.app_id WHERE i.id = $1",
        _ => return Ok(None),
    };
    let name = on_conn!(conn, |c| sqlx::query_scalar::<_, Option<String>>(query).bind(id).fetch_optional(c).await)?;
    Ok(name.flatten())
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
pub async fn for_resource_tree(conn: &mut impl AsConn, resource: &str, limit: u32) -> sqlx::Result<Vec<Recorded>> {
    // A range instead of LIKE: `/` + 1 is `0`, so [resource/, resource0) is exactly the subtree,
    // and the index on resource serves it.
    on_conn!(conn, |c| {
        sqlx::query_as(
            "SELECT time, actor, action, resource, reason, detail FROM audit_log \
             WHERE resource = $1 OR (resource >= $2 AND resource < $3) ORDER BY id DESC LIMIT $4",
        )
        .bind(resource)
        .bind(format!("{resource}/"))
        .bind(format!("{resource}0"))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
    })
}

/// `GET /audit`: admins only (the route checks); newest first.
pub async fn list(db: &Db, query: &wavehub_core::audit::AuditQuery) -> crate::http::error::ApiResult<wavehub_core::api::Page<wavehub_core::audit::AuditEntry>> {
    let paging = query.paging();
    crate::http::error::ApiError::check(paging.check())?;
    // id, time, actor, action, resource, reason, detail
    type Row = (i64, String, String, String, String, Option<String>, String);
    let (total, rows): (i64, Vec<Row>) = on_db!(db, |pool, DB| {
        let mut count = QueryBuilder::<DB>::new("SELECT count(*)");
        push_filter(&mut count, query);
        let total = count.build_query_scalar().fetch_one(pool).await?;
        let mut select = QueryBuilder::<DB>::new("SELECT id, time, actor, action, resource, reason, detail");
        push_filter(&mut select, query);
        select.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(paging.page_size)).push(" OFFSET ").push_bind(paging.offset() as i64);
        (total, select.build_query_as().fetch_all(pool).await?)
    });
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

/// `FROM audit_log WHERE …` for the list's filters.
fn push_filter<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, query: &wavehub_core::audit::AuditQuery) {
    builder.push(" FROM audit_log WHERE TRUE");
    if let Some(resource) = query.resource.as_deref().map(|r| r.trim().trim_end_matches('/')).filter(|r| !r.is_empty()) {
        builder.push(" AND (resource = ");
        DB::bind_text(builder, resource.to_owned());
        builder.push(" OR (resource >= ");
        DB::bind_text(builder, format!("{resource}/"));
        builder.push(" AND resource < ");
        DB::bind_text(builder, format!("{resource}0"));
        builder.push("))");
    }
    if let Some(actor) = query.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        builder.push(" AND actor = ");
        DB::bind_text(builder, actor.to_owned());
    }
    if let Some(action) = query.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        builder.push(" AND action = ");
        DB::bind_text(builder, action.to_owned());
    }
}
