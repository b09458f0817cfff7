//! The audit log: who did what to which resource, when, and why. Every change writes one entry in
//! the same transaction as the change itself, so the log never misses a change or records one that
//! did not happen.

use serde_json::Value;
use sqlx::SqliteConnection;

/// The actor name for changes made by the platform's bootstrap file at start.
pub const BOOTSTRAP_ACTOR: &str = "bootstrap";

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
    sqlx::query("INSERT INTO audit_log (time, actor, action, resource, reason, detail) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(crate::db::now())
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.resource)
        .bind(entry.reason.map(str::trim).filter(|r| !r.is_empty()))
        .bind(entry.detail.to_string())
        .execute(conn)
        .await?;
    Ok(())
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
