//! Workspaces scope runtime images and runtimes. Members read a workspace, its admins manage it,
//! and platform admins act as admins of every workspace. A workspace the caller cannot read is a
//! 404, the same as one that does not exist.

use crate::audit;
use crate::accounts::auth::Caller;
use crate::db::{self, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::{execute, on_conn, on_db};
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::runtime_images::{NewWorkspace, Workspace, WorkspaceMember, WorkspaceRole, PLATFORM_WORKSPACE};

/// What the caller may do in one workspace.
#[derive(Debug, Clone)]
pub struct Access {
    pub workspace: String,
    /// The caller's role here (platform admins: `Admin`).
    pub role: WorkspaceRole,
    pub platform_admin: bool,
    pub actor: String,
}

impl Access {
    pub fn can_manage(&self) -> bool {
        self.role == WorkspaceRole::Admin
    }

    /// 403 unless the caller administers this workspace.
    pub fn require_manage(&self) -> ApiResult<()> {
        if self.can_manage() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "Only admins of workspace `{}` may change it; you are a member, so you can read it.",
                self.workspace
            )))
        }
    }

    /// The platform's own images are shared by every workspace, so only platform admins change them.
    pub fn require_platform_admin(&self) -> ApiResult<()> {
        if self.platform_admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Platform images are shared by every workspace; only a platform admin can change their state.".into(),
            ))
        }
    }
}

fn role_from_db(role: &str) -> WorkspaceRole {
    if role == "admin" {
        WorkspaceRole::Admin
    } else {
        WorkspaceRole::Member
    }
}

fn role_to_db(role: WorkspaceRole) -> &'static str {
    match role {
        WorkspaceRole::Admin => "admin",
        WorkspaceRole::Member => "member",
    }
}

/// The caller's access to `workspace`: 404 when it does not exist or the caller is not a member.
pub async fn access(db: &Db, caller: &Caller, workspace: &str) -> ApiResult<Access> {
    let not_found = || ApiError::NotFound(format!("There is no workspace `{workspace}` that you belong to."));
    if workspace == PLATFORM_WORKSPACE {
        return Err(not_found());
    }
    let row: Option<(String, Option<String>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT w.id, m.role FROM workspaces w LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $1 WHERE w.id = $2",
        )
        .bind(caller.user_id)
        .bind(workspace)
        .fetch_optional(pool)
        .await
    })?;
    let (id, member_role) = row.ok_or_else(not_found)?;
    let role = match (caller.is_admin(), member_role) {
        (true, _) => WorkspaceRole::Admin,
        (false, Some(role)) => role_from_db(&role),
        (false, None) => return Err(not_found()),
    };
    Ok(Access { workspace: id, role, platform_admin: caller.is_admin(), actor: caller.username.clone() })
}

/// `GET /workspaces`: the caller's workspaces; platform admins see all.
pub async fn list(db: &Db, caller: &Caller) -> ApiResult<Page<Workspace>> {
    let rows: Vec<(String, String, String, Option<String>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT w.id, w.name, w.created_time, m.role FROM workspaces w \
             LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = $1 \
             WHERE w.id <> $2 AND ($3 OR m.role IS NOT NULL) ORDER BY w.name, w.id",
        )
        .bind(caller.user_id)
        .bind(PLATFORM_WORKSPACE)
        .bind(caller.is_admin())
        .fetch_all(pool)
        .await
    })?;
    let items: Vec<Workspace> = rows
        .into_iter()
        .map(|(id, name, created_time, role)| Workspace {
            id,
            name,
            created_time,
            my_role: if caller.is_admin() { Some(WorkspaceRole::Admin) } else { role.as_deref().map(role_from_db) },
        })
        .collect();
    let total = items.len() as u64;
    Ok(Page { items, total, page: 1, page_size: (total as u32).max(PageRequest::DEFAULT_SIZE) })
}

/// [`describe`], for a caller and the workspace they name (the MLOps API's workspace read).
pub async fn get(db: &Db, caller: &Caller, workspace: &str) -> ApiResult<Workspace> {
    describe(db, access(db, caller, workspace).await?).await
}

/// `GET /workspaces/{ws}`: the workspace `access` is to, with the caller's role there.
pub async fn describe(db: &Db, access: Access) -> ApiResult<Workspace> {
    let (name, created_time): (String, String) = on_db!(db, |pool| {
        sqlx::query_as("SELECT name, created_time FROM workspaces WHERE id = $1").bind(&access.workspace).fetch_one(pool).await
    })?;
    Ok(Workspace { id: access.workspace, name, created_time, my_role: Some(access.role) })
}

/// `POST /workspaces`: platform admins only.
pub async fn create(db: &Db, caller: &Caller, request: &NewWorkspace) -> ApiResult<Workspace> {
    caller.require_admin()?;
    ApiError::check(request.check())?;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let inserted = execute!(
        &mut tx,
        "INSERT INTO workspaces (id, name, created_time) VALUES ($1, $2, $3)",
        &request.id, request.name.trim(), &now
    );
    db::or_conflict(inserted, || format!("A workspace `{}` exists already; choose another id.", request.id))?;
    let resource = format!("workspaces/{}", request.id);
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "create", resource: &resource, reason: None, detail: serde_json::json!({"name": request.name.trim()}) }).await?;
    tx.commit().await?;
    Ok(Workspace { id: request.id.clone(), name: request.name.trim().to_owned(), created_time: now, my_role: Some(WorkspaceRole::Admin) })
}

pub async fn members(db: &Db, access: &Access) -> ApiResult<Vec<WorkspaceMember>> {
    let rows: Vec<(String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT u.username, m.role FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.username",
        )
        .bind(&access.workspace)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(|(username, role)| WorkspaceMember { username, role: role_from_db(&role) }).collect())
}

/// `PUT /workspaces/{ws}/members/{username}`: adds a member or changes their role (the
/// workspace's admins and platform admins).
///
/// Adding people by name tells whoever adds them whether a name exists, as in every product where
/// project admins add members (Harbor, GitLab); workspace admins need that. Removing answers the
/// same for a non-member and a name nobody has (see `remove_member`).
pub async fn set_member(db: &Db, access: &Access, username: &str, role: WorkspaceRole) -> ApiResult<WorkspaceMember> {
    access.require_manage()?;
    let mut tx = db.begin_write().await?;
    let user_id: Option<i64> =
        on_conn!(&mut tx, |c| sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_optional(c).await)?;
    let user_id = user_id.ok_or_else(|| ApiError::NotFound(format!("There is no user `{username}`.")))?;
    execute!(
        &mut tx,
        "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
        &access.workspace, user_id, role_to_db(role)
    )?;
    let resource = format!("workspaces/{}/members/{username}", access.workspace);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "set-role", resource: &resource, reason: None, detail: serde_json::json!({"role": role_to_db(role)}) }).await?;
    tx.commit().await?;
    Ok(WorkspaceMember { username: username.to_owned(), role })
}

pub async fn remove_member(db: &Db, access: &Access, username: &str) -> ApiResult<()> {
    access.require_manage()?;
    let mut tx = db.begin_write().await?;
    let removed = execute!(
        &mut tx,
        "DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = (SELECT id FROM users WHERE username = $2)",
        &access.workspace, username
    )?;
    if removed == 0 {
        return Err(ApiError::NotFound(format!("`{username}` is not a member of workspace `{}`.", access.workspace)));
    }
    let resource = format!("workspaces/{}/members/{username}", access.workspace);
    audit::record(&mut tx, audit::Entry { actor: &access.actor, action: "remove", resource: &resource, reason: None, detail: serde_json::json!({}) }).await?;
    tx.commit().await?;
    Ok(())
}
