//! Console sessions: signing in checks the password and stores a new session (only the hash of its
//! id, as for tokens); signing out deletes it. The cookie that carries the id, and the throttle on
//! failed sign-ins, are the handlers' ([`super::routes`]).

use crate::accounts::auth;
use crate::db;
use crate::http::error::ApiResult;
use sqlx::SqlitePool;

/// The id of the user whose password this is; `None` for a wrong username or password. An unknown
/// username costs the same hashing time as a known one ([`auth::verify_password`]).
pub async fn check_password(db: &SqlitePool, username: &str, password: String) -> ApiResult<Option<i64>> {
    let user: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = ?").bind(username).fetch_optional(db).await?;
    let (user_id, stored_hash) = user.unzip();
    if !auth::verify_password(password, stored_hash).await? {
        return Ok(None);
    }
    Ok(Some(user_id.expect("a verified password belongs to a user")))
}

/// Starts a session for `user_id` that lasts `lifetime`, and returns its id (the cookie's value).
pub async fn start(db: &SqlitePool, user_id: i64, lifetime: chrono::Duration) -> ApiResult<String> {
    let session_id = auth::random_secret();
    let now = chrono::Utc::now();
    // Sweep expired sessions here: sign-ins are rare enough that this costs nothing.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(db::timestamp(now)).execute(db).await?;
    sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
        .bind(auth::secret_hash(&session_id))
        .bind(user_id)
        .bind(db::timestamp(now))
        .bind(db::timestamp(now + lifetime))
        .bind(db::timestamp(now))
        .execute(db)
        .await?;
    Ok(session_id)
}

/// Ends the session whose id hashes to `id_hash`.
pub async fn end(db: &SqlitePool, id_hash: &str) -> ApiResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(id_hash).execute(db).await?;
    Ok(())
}
