//! Tags: admins create and delete them; users holding one of a tag's admin roles (any signed-in
//! user when it has none) assign it to app versions they can see, remove it, and edit it.
//! Assignments live in `app_tags`, where app.toml's `Tags` also put them at import.

use crate::audit;
use crate::accounts::auth::Caller;
use crate::store::catalog::{self, Viewer};
use crate::db::{self, AsConn};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use crate::{execute, on_conn, on_db};
use sqlx::QueryBuilder;
use wavehub_core::accounts::Role;
use wavehub_core::api::Finding;
use wavehub_core::audit::Reason;
use wavehub_core::manifest::Manifest;
use wavehub_core::tags::{may_assign, NewTag, Tag, TagPatch, DEFAULT_COLOR};

type TagRow = (String, String, String, String, String);

fn roles_from_db(text: &str) -> Vec<Role> {
    serde_json::from_str(text).unwrap_or_default()
}

/// A tag's admin roles as stored: each role once, in order (`["user", "user"]` is `["user"]`).
fn roles_to_db(roles: &[Role]) -> ApiResult<String> {
    Ok(serde_json::to_string(&wavehub_core::accounts::distinct_roles(roles)).map_err(anyhow::Error::from)?)
}

fn tag_from_row((name, title, color, description, admin_roles): TagRow, apps_count: u64, caller: &Caller) -> Tag {
    let admin_roles = roles_from_db(&admin_roles);
    Tag { can_assign: may_assign(&admin_roles, &caller.roles), name, title, color, description, admin_roles, apps_count }
}

async fn find(conn: &mut impl AsConn, name: &str) -> ApiResult<TagRow> {
    let sql = "SELECT name, title, color, description, admin_roles FROM tags WHERE name = $1";
    let row: Option<TagRow> = on_conn!(conn, |c| sqlx::query_as(sql).bind(name).fetch_optional(c).await)?;
    row.ok_or_else(|| ApiError::NotFound(format!("There is no tag `{name}`; an admin creates tags on the Tags page.")))
}

/// Who may assign a tag (and remove and edit it): admins, holders of one of its admin roles, and
/// anyone signed in when it has none. The one rule for `PUT /apps/{id}/tags/{tag}`, tag edits, and
/// app.toml's `Tags` at import.
pub fn may_assign_tag(caller: &Caller, admin_roles: &[Role]) -> bool {
    may_assign(admin_roles, &caller.roles)
}

/// "users with the role author or reviewer (and admins)": who [`may_assign_tag`] lets through.
fn assigners(admin_roles: &[Role]) -> String {
    let roles: Vec<&str> = admin_roles.iter().map(|r| r.as_str()).collect();
    format!("users with the role {} (and admins)", roles.join(" or "))
}

fn require_assigner(caller: &Caller, name: &str, admin_roles: &[Role]) -> ApiResult<()> {
    if may_assign_tag(caller, admin_roles) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("Only {} may assign, remove or edit tag `{name}`.", assigners(admin_roles))))
    }
}

/// The tags app.toml's `Tags` names that `caller` may not assign, as findings: import applies the
/// same rule as `PUT /apps/{id}/tags/{tag}`, so a bundle cannot hand out a tag its importer could not.
/// A name no admin created has no rules (it is kept, shown by name). Runs inside the import's write
/// transaction, so a tag's roles cannot change between this check and the insert.
pub async fn unassignable_at_import(conn: &mut impl AsConn, caller: &Caller, manifest: &Manifest, tags: &[String]) -> ApiResult<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for tag in tags.iter().filter(|tag| seen.insert(tag.as_str())) {
        let roles: Option<String> =
            on_conn!(conn, |c| sqlx::query_scalar("SELECT admin_roles FROM tags WHERE name = $1").bind(tag).fetch_optional(c).await)?;
        let Some(roles) = roles else { continue };
        let admin_roles = roles_from_db(&roles);
        if may_assign_tag(caller, &admin_roles) {
            continue;
        }
        let message = format!(
            "Tags names `{tag}`, which only {} may assign (the tag's admin roles); remove it from Tags and ask one of them \
             to assign it after the import.",
            assigners(&admin_roles)
        );
        let mut finding = Finding::error("tag.not_assignable", "App.Tags", message).in_file("app.toml");
        if let Some(position) = manifest.position_of("App.Tags") {
            finding = finding.at(position);
        }
        findings.push(finding);
    }
    Ok(findings)
}

/// `GET /tags`: every tag, with how many app versions the caller can see carry it.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<Tag>> {
    let sql = "SELECT name, title, color, description, admin_roles FROM tags ORDER BY name";
    let rows: Vec<TagRow> = on_db!(&state.db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    let counts: Vec<(String, i64)> = on_db!(&state.db, |pool, DB| {
        let mut counts = QueryBuilder::<DB>::new("SELECT t.tag, count(*) FROM app_tags t JOIN apps a ON a.id = t.app_id WHERE ");
        catalog::push_visible(&mut counts, "a", Viewer::from(caller));
        counts.push(" GROUP BY t.tag");
        counts.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let count = counts.iter().find(|(tag, _)| *tag == row.0).map_or(0, |(_, n)| *n as u64);
            tag_from_row(row, count, caller)
        })
        .collect())
}

/// `POST /tags`: admins.
pub async fn create(state: &AppState, caller: &Caller, request: &NewTag) -> ApiResult<Tag> {
    caller.require_admin()?;
    ApiError::check(request.check())?;
    let now = db::now();
    let title = request.title.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(&request.name).to_owned();
    let color = request.color.clone().unwrap_or_else(|| DEFAULT_COLOR.to_owned()).to_lowercase();
    let description = request.description.as_deref().unwrap_or("").trim().to_owned();
    let roles = roles_to_db(&request.admin_roles)?;
    let mut tx = state.db.begin_write().await?;
    let inserted = execute!(
        &mut tx,
        "INSERT INTO tags (name, title, color, description, admin_roles, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &request.name, &title, &color, &description, &roles, &now, &now
    );
    db::or_conflict(inserted, || format!("A tag `{}` exists already.", request.name))?;
    let resource = format!("tags/{}", request.name);
    let detail = serde_json::json!({"title": title, "color": color, "admin_roles": request.admin_roles});
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "create", resource: &resource, reason: None, detail }).await?;
    let row = find(&mut tx, &request.name).await?;
    // No app carries a new tag yet, and its title or colour is in no catalog count: the cache stays.
    tx.commit().await?;
    Ok(tag_from_row(row, 0, caller))
}

/// `PATCH /tags/{name}`: holders of its admin roles; only admins change the roles themselves.
pub async fn update(state: &AppState, caller: &Caller, name: &str, patch: &TagPatch) -> ApiResult<Tag> {
    ApiError::check(patch.check())?;
    let mut tx = state.db.begin_write().await?;
    let (_, title, color, description, roles) = find(&mut tx, name).await?;
    require_assigner(caller, name, &roles_from_db(&roles))?;
    if patch.admin_roles.is_some() && !caller.is_admin() {
        return Err(ApiError::Forbidden("Only admins change who administers a tag.".into()));
    }
    let title = patch.title.as_deref().map(str::trim).map(str::to_owned).unwrap_or(title);
    let color = patch.color.as_deref().map(str::to_lowercase).unwrap_or(color);
    let description = patch.description.as_deref().map(str::trim).map(str::to_owned).unwrap_or(description);
    let roles = match &patch.admin_roles {
        Some(roles) => roles_to_db(roles)?,
        None => roles,
    };
    execute!(
        &mut tx,
        "UPDATE tags SET title = $1, color = $2, description = $3, admin_roles = $4, updated_at = $5 WHERE name = $6",
        &title, &color, &description, &roles, db::now(), name
    )?;
    let resource = format!("tags/{name}");
    let detail = serde_json::to_value(patch).map_err(anyhow::Error::from)?;
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "update", resource: &resource, reason: None, detail }).await?;
    let row = find(&mut tx, name).await?;
    tx.commit().await?;
    Ok(tag_from_row(row, 0, caller))
}

/// `DELETE /tags/{name}`: admins. Its assignments go with it.
pub async fn delete(state: &AppState, caller: &Caller, name: &str, why: &Reason) -> ApiResult<()> {
    caller.require_admin()?;
    ApiError::check(why.check())?;
    let mut tx = state.db.begin_write().await?;
    find(&mut tx, name).await?;
    let removed = execute!(&mut tx, "DELETE FROM app_tags WHERE tag = $1", name)?;
    execute!(&mut tx, "DELETE FROM tags WHERE name = $1", name)?;
    let resource = format!("tags/{name}");
    let detail = serde_json::json!({"assignments_removed": removed});
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "delete", resource: &resource, reason: why.text(), detail }).await?;
    // Every app that had it changed: every server's catalog cache starts over.
    catalog::bump_version(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// `PUT` (assign = true) or `DELETE /apps/{id}/tags/{tag}`: the app must be visible to the caller,
/// the tag must exist, and the caller must hold one of its admin roles.
pub async fn set_assignment(state: &AppState, caller: &Caller, app_id: i64, tag: &str, assign: bool) -> ApiResult<()> {
    let app = catalog::load_detail(&state.db, Viewer::from(caller), app_id).await?;
    let mut tx = state.db.begin_write().await?;
    let change = catalog::begin_change(&mut tx, &app.summary.name).await?;
    let (_, _, _, _, roles) = find(&mut tx, tag).await?;
    require_assigner(caller, tag, &roles_from_db(&roles))?;
    let sql = if assign {
        "INSERT INTO app_tags (app_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM app_tags WHERE app_id = $1 AND tag = $2"
    };
    let changed = execute!(&mut tx, sql, app_id, tag)?;
    if changed > 0 {
        let resource = format!("apps/{app_id}/tags/{tag}");
        let detail = serde_json::json!({"app": app.summary.name, "version": app.summary.version});
        let action = if assign { "assign" } else { "remove" };
        audit::record(&mut tx, audit::Entry { actor: &caller.username, action, resource: &resource, reason: None, detail }).await?;
    }
    catalog::commit_change(state, tx, &app.summary.name, change).await
}
