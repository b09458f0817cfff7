//! Console sessions: signing in checks the password and stores a new session (only the hash of its
//! id, as for tokens); signing out deletes it. The cookie that carries the id, and the throttle on
//! failed sign-ins, are the handlers' ([`super::routes`]).

use crate::accounts::auth;
use crate::db::{self, Db};
use crate::http::error::ApiResult;
use crate::on_db;

/// The id of the user whose password this is; `None` for a wrong username or password. An unknown
/// username costs the same hashing time as a known one ([`auth::verify_password`]).
pub async fn check_password(db: &Db, username: &str, password: String) -> ApiResult<Option<i64>> {
    let user: Option<(i64, String)> = on_db!(db, |pool| {
        sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1").bind(username).fetch_optional(pool).await
    })?;
    let (user_id, stored_hash) = user.unzip();
    if !auth::verify_password(password, stored_hash).await? {
        return Ok(None);
    }
    Ok(Some(user_id.expect("a verified password belongs to a user")))
}

/// Starts a session for `user_id` that lasts `lifetime`, and returns its id (the cookie's value).
pub async fn start(db: &Db, user_id: i64, lifetime: chrono::Duration) -> ApiResult<String> {
    let session_id = auth::random_secret();
    let now = chrono::Utc::now();
    on_db!(db, |pool| {
        // Sweep expired sessions here: sign-ins are rare enough that this costs nothing.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(db::timestamp(now)).execute(pool).await?;
        sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(auth::secret_hash(&session_id))
            .bind(user_id)
            .bind(db::timestamp(now))
            .bind(db::timestamp(now + lifetime))
            .bind(db::timestamp(now))
            .execute(pool)
            .await?;
    });
    Ok(session_id)
}

/// Ends the session whose id hashes to `id_hash`.
pub async fn end(db: &Db, id_hash: &str) -> ApiResult<()> {
    on_db!(db, |pool| sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await.map(drop))?;
    Ok(())
}
