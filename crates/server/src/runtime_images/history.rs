//! `GET .../runtime-images/{uid}/history`: an image's and its versions' changes, read from the
//! audit log.

use crate::audit;
use crate::db::Db;
use crate::http::error::ApiResult;
use crate::runtime_images::image_resource;
use crate::runtime_images::images::find_image;
use crate::runtime_images::state::db_state;
use crate::runtime_images::workspaces::Access;
use wavehub_core::runtime_images::StateEvent;

/// `GET .../runtime-images/{uid}/history`: the image's and its versions' changes, newest first.
pub async fn history(db: &Db, access: &Access, uid: &str) -> ApiResult<Vec<StateEvent>> {
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
