//! `GET /app-names/{name}/history`: what happened to an app name's versions, newest first: imports,
//! visibility changes (and which version the catalog showed after each), deletes, tag changes,
//! instances started and stopped, each with who, when and why. Read from the audit log, where
//! every such change is recorded with the app's name ([`crate::audit::record`]).
//!
//! Who may read it: the name's authors (whoever owns one of its versions) and admins. Someone else
//! who sees a version of it gets a 403; someone who sees none a 404, as if the name did not exist.

use crate::audit::Recorded;
use crate::accounts::auth::Caller;
use crate::store::catalog::{self, Viewer};
use crate::db::{self, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::on_db;
use serde_json::Value;
use sqlx::QueryBuilder;
use std::collections::HashMap;
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::apps::{catalog_changes, AppEvent, AppEventKind, CatalogChange, VersionChange, Visibility};

/// A page of `name`'s history, newest first.
pub async fn history(db: &Db, caller: &Caller, name: &str, paging: PageRequest) -> ApiResult<Page<AppEvent>> {
    ApiError::check(paging.check())?;
    require_reader(db, caller, name).await?;
    let (entries, total) = entries(db, name, paging).await?;
    let catalog = catalog_moves(db, name).await?;
    let instances = InstanceFacts::load(db, name, &entries).await?;
    let items = entries
        .into_iter()
        .filter_map(|(id, entry)| {
            let mut event = event_from(id, entry, &instances, caller)?;
            event.catalog = catalog.get(&id).cloned();
            Some(event)
        })
        .collect();
    Ok(Page { items, total, page: paging.page, page_size: paging.page_size })
}

/// An audit entry as read: id, time, actor, action, resource, reason, detail.
type AuditRow = (i64, String, String, String, String, Option<String>, String);

/// The page of `name`'s audit entries the history shows (changes to its versions and their tags,
/// instances started and stopped), newest first, and how many there are in all.
async fn entries(db: &Db, name: &str, paging: PageRequest) -> ApiResult<(Vec<(i64, Recorded)>, u64)> {
    const SHOWN: &str = "WHERE app_name = $1 AND (resource LIKE 'apps/%' OR action IN ('start', 'terminate', 'fail'))";
    let count = format!("SELECT count(*) FROM audit_log {SHOWN}");
    let total: i64 = on_db!(db, |pool| sqlx::query_scalar(&count).bind(name).fetch_one(pool).await)?;
    let select = format!("SELECT id, time, actor, action, resource, reason, detail FROM audit_log {SHOWN} ORDER BY id DESC LIMIT $2 OFFSET $3");
    let rows: Vec<AuditRow> = on_db!(db, |pool| {
        sqlx::query_as(&select).bind(name).bind(i64::from(paging.page_size)).bind(paging.offset() as i64).fetch_all(pool).await
    })?;
    let entries = rows
        .into_iter()
        .map(|(id, time, actor, action, resource, reason, detail)| (id, Recorded { time, actor, action, resource, reason, detail }))
        .collect();
    Ok((entries, total as u64))
}

/// Authors of the name and admins; 403 for others who see a version of it, 404 for the rest.
async fn require_reader(db: &Db, caller: &Caller, name: &str) -> ApiResult<()> {
    if caller.is_admin() || catalog::name_owners(db, name).await?.iter().any(|(id, _)| *id == Some(caller.user_id)) {
        return Ok(());
    }
    // `1` is an int4 on PostgreSQL: an i32.
    let visible: Option<i32> = on_db!(db, |pool, DB| {
        let mut visible = QueryBuilder::<DB>::new("SELECT 1 FROM apps a WHERE a.name = ");
        visible.push_bind(name.to_owned()).push(" AND ");
        catalog::push_visible(&mut visible, "a", Viewer::from(caller));
        visible.push(" LIMIT 1");
        visible.build_query_scalar().fetch_optional(pool).await
    })?;
    if visible.is_some() {
        Err(ApiError::Forbidden(format!(
            "Only the authors of {name} (whoever owns one of its versions) and admins may read its history."
        )))
    } else {
        Err(ApiError::NotFound(format!("There is no app named {name} that you can see.")))
    }
}

/// The entries that changed which version the catalog shows, by audit id, from a replay of every
/// import, visibility change and delete of the name since its first.
async fn catalog_moves(db: &Db, name: &str) -> ApiResult<HashMap<i64, CatalogChange>> {
    let sql = "SELECT id, action, detail FROM audit_log WHERE app_name = $1 AND action IN ('import', 'visibility', 'delete') \
               AND resource LIKE 'apps/%' AND resource NOT LIKE 'apps/%/%' ORDER BY id";
    let rows: Vec<(i64, String, String)> = on_db!(db, |pool| sqlx::query_as(sql).bind(name).fetch_all(pool).await)?;
    let mut ids = Vec::new();
    let mut changes = Vec::new();
    for (id, action, detail) in rows {
        let detail: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
        let Some(version) = detail["version"].as_str().map(str::to_owned) else { continue };
        let change = match (action.as_str(), detail["visibility"].as_str().and_then(|v| v.parse::<Visibility>().ok())) {
            ("delete", _) => VersionChange::Deleted { version },
            (_, Some(visibility)) => VersionChange::Visibility { version, visibility },
            _ => continue,
        };
        ids.push(id);
        changes.push(change);
    }
    Ok(ids.into_iter().zip(catalog_changes(&changes)).filter_map(|(id, change)| Some((id, change?))).collect())
}

/// What the page's instance events need to know about their instances: the version, whose it is
/// and whether the caller may see it. From each instance's `start` entry (which outlives the
/// instance's row, deleted with its version) and, while the row exists, its visibility now.
#[derive(Default)]
struct InstanceFacts {
    by_id: HashMap<i64, Instance>,
}

struct Instance {
    app_id: i64,
    version: String,
    owner: String,
    visibility: Visibility,
}

impl InstanceFacts {
    async fn load(db: &Db, name: &str, entries: &[(i64, Recorded)]) -> ApiResult<Self> {
        let ids: Vec<i64> = entries.iter().filter_map(|(_, e)| instance_id(&e.resource)).collect();
        let mut facts = InstanceFacts::default();
        if ids.is_empty() {
            return Ok(facts);
        }
        let rows: Vec<(String, String, String)> = on_db!(db, |pool, DB| {
            let mut starts = QueryBuilder::<DB>::new("SELECT resource, actor, detail FROM audit_log WHERE app_name = ");
            starts.push_bind(name.to_owned()).push(" AND action = 'start' AND resource IN (");
            db::push_in_list(&mut starts, ids.iter().map(|id| format!("instances/{id}")));
            starts.build_query_as().fetch_all(pool).await
        })?;
        for (resource, owner, detail) in rows {
            let (Some(id), Ok(detail)) = (instance_id(&resource), serde_json::from_str::<Value>(&detail)) else { continue };
            let instance = Instance {
                app_id: detail["app_id"].as_i64().unwrap_or_default(),
                version: detail["version"].as_str().unwrap_or_default().to_owned(),
                owner,
                visibility: detail["visibility"].as_str().and_then(|v| v.parse().ok()).unwrap_or_default(),
            };
            facts.by_id.insert(id, instance);
        }
        let rows: Vec<(i64, String)> = on_db!(db, |pool, DB| {
            let mut now = QueryBuilder::<DB>::new("SELECT id, visibility FROM instances WHERE id IN (");
            db::push_in_list(&mut now, ids.iter().copied());
            now.build_query_as().fetch_all(pool).await
        })?;
        for (id, visibility) in rows {
            if let (Some(instance), Ok(visibility)) = (facts.by_id.get_mut(&id), visibility.parse()) {
                instance.visibility = visibility;
            }
        }
        Ok(facts)
    }

    /// The rule of `GET /instances`: ALL_USERS instances, one's own, every one for admins.
    fn visible_to(instance: &Instance, caller: &Caller) -> bool {
        caller.is_admin() || instance.visibility == Visibility::AllUsers || instance.owner == caller.username
    }
}

fn instance_id(resource: &str) -> Option<i64> {
    resource.strip_prefix("instances/")?.parse().ok()
}

/// The event an audit entry stands for; `None` for entries the history does not show.
fn event_from(id: i64, entry: Recorded, instances: &InstanceFacts, caller: &Caller) -> Option<AppEvent> {
    let detail: Value = serde_json::from_str(&entry.detail).unwrap_or(Value::Null);
    let version = detail["version"].as_str().unwrap_or_default().to_owned();
    let event = |kind, app_id, version| AppEvent {
        id,
        time: entry.time.clone(),
        actor: Some(entry.actor.clone()),
        kind,
        app_id,
        version,
        reason: entry.reason.clone(),
        tag: None,
        instance_id: None,
        catalog: None,
    };
    if let Some(instance_id) = instance_id(&entry.resource) {
        let kind = match entry.action.as_str() {
            "start" => AppEventKind::InstanceStarted,
            "terminate" => AppEventKind::InstanceTerminated,
            "fail" => AppEventKind::InstanceFailed,
            _ => return None,
        };
        let instance = instances.by_id.get(&instance_id)?;
        let mut event = event(kind, instance.app_id, instance.version.clone());
        event.instance_id = Some(instance_id);
        // Whose private instance it is stays hidden, as on the versions list.
        if !InstanceFacts::visible_to(instance, caller) {
            event.actor = None;
            event.reason = None;
        }
        return Some(event);
    }
    let mut path = entry.resource.strip_prefix("apps/")?.split('/');
    let app_id: i64 = path.next()?.parse().ok()?;
    match (path.next(), path.next(), entry.action.as_str()) {
        (None, _, "import") => Some(event(AppEventKind::Imported, app_id, version)),
        (None, _, "delete") => Some(event(AppEventKind::Deleted, app_id, version)),
        (None, _, "visibility") => {
            let kind = match detail["visibility"].as_str()?.parse().ok()? {
                Visibility::AllUsers => AppEventKind::Shared,
                Visibility::Private => AppEventKind::MadePrivate,
            };
            Some(event(kind, app_id, version))
        }
        (Some("tags"), Some(tag), action @ ("assign" | "remove")) => {
            let kind = if action == "assign" { AppEventKind::TagAdded } else { AppEventKind::TagRemoved };
            Some(AppEvent { tag: Some(tag.to_owned()), ..event(kind, app_id, version) })
        }
        _ => None,
    }
}
