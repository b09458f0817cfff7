//! Users and their roles: the one place the `users` and `user_roles` tables are written. Admins
//! manage accounts through these functions (the handlers are in [`super::routes`]); the first
//! admin, the demo users and the seeders are created by [`insert_user`]. At least one admin always
//! remains, and an admin cannot delete their own account, so nobody can lock everyone out.

use crate::accounts::auth::{self, Caller, Credential};
use crate::db::{self, AsConn, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use crate::{execute, on_conn, on_db};
use std::collections::HashMap;
use wavehub_core::accounts::{distinct_roles, NewUser, Role, User, UserPatch};
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::audit::Reason;

/// One page of every account, by username. The page's roles are read in one query, not one per user.
pub async fn list(db: &Db, caller: &Caller, paging: &PageRequest) -> ApiResult<Page<User>> {
    caller.require_admin()?;
    ApiError::check(paging.check())?;
    let (total, rows): (i64, Vec<(i64, String, String, String)>) = on_db!(db, |pool| {
        let total = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
        let rows = sqlx::query_as("SELECT id, username, created_at, updated_at FROM users ORDER BY username LIMIT $1 OFFSET $2")
            .bind(i64::from(paging.page_size))
            .bind(paging.offset() as i64)
            .fetch_all(pool)
            .await?;
        (total, rows)
    });
    let mut roles = roles_of(db, rows.iter().map(|(id, ..)| *id)).await?;
    let items = rows
        .into_iter()
        .map(|(id, username, created_at, updated_at)| User { username, roles: roles.remove(&id).unwrap_or_default(), created_at, updated_at })
        .collect();
    Ok(Page { items, total: total as u64, page: paging.page, page_size: paging.page_size })
}

/// The roles of several users in their canonical order (as [`auth::load_roles`] gives one user's).
async fn roles_of(db: &Db, user_ids: impl Iterator<Item = i64>) -> ApiResult<HashMap<i64, Vec<Role>>> {
    let user_ids: Vec<i64> = user_ids.collect();
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = on_db!(db, |pool, DB| {
        let mut query = sqlx::QueryBuilder::<DB>::new("SELECT user_id, role FROM user_roles WHERE user_id IN (");
        db::push_in_list(&mut query, user_ids.iter().copied());
        query.build_query_as().fetch_all(pool).await?
    });
    let mut roles: HashMap<i64, Vec<Role>> = HashMap::new();
    for (user_id, name) in rows {
        let role = name.parse::<Role>().map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?;
        roles.entry(user_id).or_default().push(role);
    }
    roles.values_mut().for_each(|roles| roles.sort());
    Ok(roles)
}

/// One account, for admins.
pub async fn get(db: &Db, caller: &Caller, username: &str) -> ApiResult<User> {
    caller.require_admin()?;
    Ok(load_user(db, username).await?.1)
}

/// An admin creates an account: checked with core's rules, audited under the admin's name.
pub async fn create(state: &AppState, caller: &Caller, request: &NewUser) -> ApiResult<User> {
    caller.require_admin()?;
    ApiError::check(request.check())?;
    let user = insert_user_as(&state.db, request, &caller.username).await?;
    tracing::info!(actor = %caller.username, username = %user.username, "user created");
    Ok(user)
}

/// Creates an account (rules already checked) for the server itself: the first admin, demo users.
pub async fn insert_user(db: &Db, request: &NewUser) -> Result<User, InsertUserError> {
    insert_user_as(db, request, crate::audit::SYSTEM_ACTOR).await
}

/// Why [`insert_user`] could not create an account. Not an HTTP error: startup, the demo and the
/// seeders call it too; the API answers it through the one `From` impl below.
#[derive(Debug, thiserror::Error)]
pub enum InsertUserError {
    #[error("The username `{0}` is taken; choose another.")]
    Taken(String),
    /// The password hasher or the database failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<sqlx::Error> for InsertUserError {
    fn from(error: sqlx::Error) -> Self {
        InsertUserError::Failed(error.into())
    }
}

impl From<InsertUserError> for ApiError {
    fn from(error: InsertUserError) -> Self {
        match error {
            InsertUserError::Taken(_) => ApiError::Conflict(error.to_string()),
            InsertUserError::Failed(cause) => ApiError::Internal(cause),
        }
    }
}

/// Creates an account (rules already checked), recording `actor` in the audit log.
pub async fn insert_user_as(db: &Db, request: &NewUser, actor: &str) -> Result<User, InsertUserError> {
    let password_hash = auth::hash_password(request.password.clone()).await?;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let inserted = on_conn!(&mut tx, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&request.username)
        .bind(&password_hash)
        .bind(&now)
        .bind(&now)
        .fetch_one(c)
        .await
    });
    let id = match inserted {
        Err(error) if db::is_unique_violation(&error) => return Err(InsertUserError::Taken(request.username.clone())),
        other => other?,
    };
    let roles = replace_roles(&mut tx, id, &request.roles).await?;
    let resource = format!("users/{}", request.username);
    let detail = serde_json::json!({"roles": roles});
    crate::audit::record(&mut tx, crate::audit::Entry { actor, action: "create", resource: &resource, reason: None, detail }).await?;
    // SQLite may give the new account the id of a deleted one: nothing cached may follow the id.
    crate::store::catalog::bump_version(&mut tx).await?;
    tx.commit().await?;
    Ok(User { username: request.username.clone(), roles, created_at: now.clone(), updated_at: now })
}

/// An admin changes an account's password and/or roles. A new password signs the user out
/// everywhere ([`revoke_credentials`]), except the credential of this very request when users
/// change their own password. Returns the account as it is now.
pub async fn update(state: &AppState, caller: &Caller, username: &str, patch: &UserPatch) -> ApiResult<User> {
    caller.require_admin()?;
    ApiError::check(patch.check())?;
    let (id, _) = load_user(&state.db, username).await?;
    let password_hash = match patch.password.clone() {
        Some(password) => Some(auth::hash_password(password).await?),
        None => None,
    };
    let mut tx = state.db.begin_write().await?;
    if let Some(roles) = &patch.roles {
        replace_roles(&mut tx, id, roles).await?;
        ensure_an_admin_remains(&mut tx).await?;
    }
    let mut revoked = serde_json::Value::Null;
    if let Some(hash) = &password_hash {
        execute!(&mut tx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, id)?;
        revoked = revoke_credentials(&mut tx, id, (id == caller.user_id).then_some(&caller.credential)).await?;
    }
    execute!(&mut tx, "UPDATE users SET updated_at = $1 WHERE id = $2", db::now(), id)?;
    let resource = format!("users/{username}");
    let reason = wavehub_core::audit::recorded_reason(patch.reason.as_deref());
    // Whether the password changed, never the password.
    let mut detail = serde_json::json!({"roles": patch.roles, "password_changed": patch.password.is_some()});
    if !revoked.is_null() {
        detail["revoked"] = revoked;
    }
    crate::audit::record(&mut tx, crate::audit::Entry { actor: &caller.username, action: "update", resource: &resource, reason, detail }).await?;
    if patch.roles.is_some() {
        // What an account sees follows its roles; cached catalog totals must not outlive a change.
        crate::store::catalog::bump_version(&mut tx).await?;
    }
    tx.commit().await?;
    tracing::info!(actor = %caller.username, %username, "user updated");
    Ok(load_user(&state.db, username).await?.1)
}

/// An admin removes an account with its sessions and tokens (not their own, and not the last admin).
pub async fn delete(state: &AppState, caller: &Caller, username: &str, body: &Reason) -> ApiResult<()> {
    caller.require_admin()?;
    ApiError::check(body.check())?;
    let (id, _) = load_user(&state.db, username).await?;
    if id == caller.user_id {
        return Err(ApiError::Conflict("You cannot delete your own account; ask another admin.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    execute!(&mut tx, "DELETE FROM users WHERE id = $1", id)?;
    ensure_an_admin_remains(&mut tx).await?;
    let resource = format!("users/{username}");
    crate::audit::record(&mut tx, crate::audit::Entry { actor: &caller.username, action: "delete", resource: &resource, reason: body.text(), detail: serde_json::json!({}) }).await?;
    // SQLite reuses the ids of deleted rows: the next account could get this one, and must not be
    // answered from what was cached for this user (the totals and facets of their PRIVATE apps).
    crate::store::catalog::bump_version(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(actor = %caller.username, %username, "user deleted");
    Ok(())
}

/// Ends every way `user_id` is signed in after a password change: console sessions, API tokens,
/// app sessions and unused app tickets. `keep` is the credential of the request itself, when users
/// change their own password (they stay signed in where they did it). Returns the counts, for the
/// audit log.
async fn revoke_credentials(conn: &mut impl AsConn, user_id: i64, keep: Option<&Credential>) -> ApiResult<serde_json::Value> {
    let (keep_session, keep_token) = match keep {
        Some(Credential::Session(id_hash)) => (id_hash.as_str(), -1),
        Some(Credential::Token(token_id)) => ("", *token_id),
        Some(Credential::Peer) | None => ("", -1),
    };
    let (sessions, tokens, app_sessions) = on_conn!(conn, |c| {
        let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut *c)
            .await?
            .rows_affected();
        let tokens = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep_token)
            .execute(&mut *c)
            .await?
            .rows_affected();
        let app_sessions = sqlx::query("DELETE FROM app_sessions WHERE user_id = $1").bind(user_id).execute(&mut *c).await?.rows_affected();
        sqlx::query("DELETE FROM app_tickets WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
        (sessions, tokens, app_sessions)
    });
    Ok(serde_json::json!({"sessions": sessions, "tokens": tokens, "app_sessions": app_sessions}))
}

async fn load_user(db: &Db, username: &str) -> ApiResult<(i64, User)> {
    let row: Option<(i64, String, String)> = on_db!(db, |pool| {
        sqlx::query_as("SELECT id, created_at, updated_at FROM users WHERE username = $1").bind(username).fetch_optional(pool).await
    })?;
    let (id, created_at, updated_at) = row.ok_or_else(|| ApiError::NotFound(format!("There is no user `{username}`.")))?;
    let roles = auth::load_roles(db, id).await?;
    Ok((id, User { username: username.to_owned(), roles, created_at, updated_at }))
}

async fn replace_roles(conn: &mut impl AsConn, user_id: i64, roles: &[Role]) -> sqlx::Result<Vec<Role>> {
    let roles = distinct_roles(roles);
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
        for role in &roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)").bind(user_id).bind(role.as_str()).execute(&mut *c).await?;
        }
    });
    Ok(roles)
}

/// Refuses a change (inside its transaction, so it rolls back) that would leave no admin.
async fn ensure_an_admin_remains(conn: &mut impl AsConn) -> ApiResult<()> {
    let admins: i64 =
        on_conn!(conn, |c| sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role = 'admin'").fetch_one(c).await)?;
    if admins == 0 {
        return Err(ApiError::Conflict("Wavehub needs at least one admin; make someone else admin first.".into()));
    }
    Ok(())
}
