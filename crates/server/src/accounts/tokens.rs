//! API tokens: created for the caller (the secret is returned once; only its hash is stored),
//! listed without secrets, revoked by their owner or an admin. Creating and revoking are audited:
//! a token is a credential.

use crate::audit;
use crate::accounts::auth::{self, Caller, TOKEN_PREFIX};
use crate::db::{self, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::{execute, on_conn, on_db};
use serde_json::json;
use wavehub_core::accounts::{check_token_name, CreatedToken, NewToken, TokenInfo};

/// The audit log's name for a token: under its owner.
fn resource(owner: &str, id: i64) -> String {
    format!("users/{owner}/tokens/{id}")
}

/// A new token for the caller.
pub async fn create(db: &Db, caller: &Caller, request: &NewToken) -> ApiResult<CreatedToken> {
    ApiError::check(check_token_name(&request.name))?;
    let token = format!("{TOKEN_PREFIX}{}", auth::random_secret());
    let name = request.name.trim().to_owned();
    let created_at = db::now();
    let mut tx = db.begin_write().await?;
    let id: i64 = on_conn!(&mut tx, |c| {
        sqlx::query_scalar("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(caller.user_id)
            .bind(&name)
            .bind(auth::secret_hash(&token))
            .bind(&created_at)
            .fetch_one(c)
            .await
    })?;
    let entry = audit::Entry {
        actor: &caller.username,
        action: "create",
        resource: &resource(&caller.username, id),
        reason: None,
        detail: json!({ "name": name }),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    let info = TokenInfo { id, name, owner: caller.username.clone(), created_at, last_used_at: None };
    Ok(CreatedToken { token, info })
}

/// The caller's tokens, or with `all` every user's (admins only), newest first.
pub async fn list(db: &Db, caller: &Caller, all: bool) -> ApiResult<Vec<TokenInfo>> {
    if all {
        caller.require_admin()?;
    }
    let rows: Vec<(i64, String, String, String, Option<String>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT t.id, t.name, u.username, t.created_at, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE $1 OR t.user_id = $2 ORDER BY t.created_at DESC, t.id DESC",
        )
        .bind(all)
        .bind(caller.user_id)
        .fetch_all(pool)
        .await
    })?;
    let tokens = rows
        .into_iter()
        .map(|(id, name, owner, created_at, last_used_at)| TokenInfo { id, name, owner, created_at, last_used_at })
        .collect();
    Ok(tokens)
}

/// Revokes a token of the caller's, or any token for an admin. Someone else's token is a 404 to
/// non-admins, as if it did not exist.
pub async fn revoke(db: &Db, caller: &Caller, id: i64) -> ApiResult<()> {
    let mut tx = db.begin_write().await?;
    let found: Option<(String, String)> = on_conn!(&mut tx, |c| {
        sqlx::query_as(
            "SELECT u.username, t.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 AND ($2 OR t.user_id = $3)",
        )
        .bind(id)
        .bind(caller.is_admin())
        .bind(caller.user_id)
        .fetch_optional(c)
        .await
    })?;
    let Some((owner, name)) = found else {
        return Err(ApiError::NotFound(format!("You have no API token with id {id}.")));
    };
    execute!(&mut tx, "DELETE FROM api_tokens WHERE id = $1", id)?;
    let entry = audit::Entry {
        actor: &caller.username,
        action: "revoke",
        resource: &resource(&owner, id),
        reason: None,
        detail: json!({ "name": name }),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}
