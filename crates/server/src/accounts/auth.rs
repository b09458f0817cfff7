//! Who is calling: password hashing, session cookies, API tokens and the [`Caller`] extractor that
//! every protected handler takes. Authorization is decided here and in the handlers, never in the
//! browser.

use crate::db::{self, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::on_db;
use crate::http::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use wavehub_core::accounts::{Me, Role};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "wavehub_session";
/// The session cookie's name over HTTPS (`--secure-cookies`): the `__Host-` prefix makes browsers
/// refuse it unless it is Secure, for `/`, and set by this very host, so a page on another
/// subdomain of the site (an app) cannot plant or overwrite it (cookie tossing).
pub const SECURE_SESSION_COOKIE: &str = "__Host-wavehub_session";

/// The session cookie's name under these settings.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
/// API tokens start with this, so a leaked one is easy to recognise (and to search for).
pub const TOKEN_PREFIX: &str = "wh_";

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes). CPU-heavy: runs on
/// the blocking pool so it never stalls the async workers.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(anyhow::Error::msg)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(anyhow::Error::msg)
    })
    .await?
}

/// Checks a password against a stored hash. When there is no such user it still does the same
/// work against a fixed hash, so response times do not tell which usernames exist.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> anyhow::Result<bool> {
    let user_exists = stored_hash.is_some();
    let hash = match stored_hash {
        Some(hash) => hash,
        None => decoy_hash().await?,
    };
    let matches = tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(anyhow::Error::msg)?;
        anyhow::Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await??;
    Ok(matches && user_exists)
}

/// A real argon2id hash of a random password, made once, used for timing-safe misses.
async fn decoy_hash() -> anyhow::Result<String> {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_try_init(|| hash_password(random_secret()))
        .await
        .cloned()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
}

/// 256 random bits as hex: session ids, API tokens, generated passwords.
pub fn random_secret() -> String {
    hex::encode(random_bytes::<32>())
}

/// A password for the first admin: 20 characters of base-32, easy to copy.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    random_bytes::<20>().iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// What the database keeps instead of a session id or token.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; holds the stored hash of the cookie.
    Session(String),
    /// An API token; holds its row id.
    Token(i64),
    /// Another Wavehub server checked the user's own credential and vouches for them (a request it
    /// forwards, [`crate::instances::logs`]).
    Peer,
}

/// The signed-in user making this request. Taking it as a handler argument makes the endpoint
/// answer 401 to anyone without a valid session cookie or bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub roles: Vec<Role>,
    pub credential: Credential,
}

impl Caller {
    pub fn me(&self) -> Me {
        Me { username: self.username.clone(), roles: self.roles.clone() }
    }

    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden("Only admins may do this.".into()))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| ApiError::Unauthorized("The Authorization header must be `Bearer <token>`.".into()))?;
            return caller_from_token(&state.db, token).await;
        }
        match session_cookie(parts, state.config.secure_cookies) {
            Some(session_id) => caller_from_session(&state.db, &session_id).await,
            None => Err(ApiError::Unauthorized("Sign in first.".into())),
        }
    }
}

/// A credential as a request sends it, before it is checked: for the access log, which names the
/// user of every request, valid or not (checking it is the handler's business, see [`Caller`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentCredential {
    Token(String),
    Session(String),
}

impl SentCredential {
    /// A bearer token, else the session cookie.
    pub fn of(parts: &Parts, secure_cookies: bool) -> Option<SentCredential> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        match bearer {
            Some(token) => Some(SentCredential::Token(token.to_owned())),
            None => session_cookie(parts, secure_cookies).map(SentCredential::Session),
        }
    }

    /// A key naming it without holding the secret: its kind and the secret's hash.
    pub fn key(&self) -> String {
        match self {
            SentCredential::Token(secret) => format!("token:{}", secret_hash(secret)),
            SentCredential::Session(secret) => format!("session:{}", secret_hash(secret)),
        }
    }

    /// The id of the user it belongs to, if any (one indexed read); expiry is not looked at.
    pub async fn user_id(&self, db: &Db) -> sqlx::Result<Option<i64>> {
        let (query, secret) = match self {
            SentCredential::Token(secret) => ("SELECT user_id FROM api_tokens WHERE token_hash = $1", secret),
            SentCredential::Session(secret) => ("SELECT user_id FROM sessions WHERE id_hash = $1", secret),
        };
        on_db!(db, |pool| sqlx::query_scalar(query).bind(secret_hash(secret)).fetch_optional(pool).await)
    }
}

/// The session id from the request's Cookie headers, if any.
pub fn session_cookie(parts: &Parts, secure: bool) -> Option<String> {
    let wanted = session_cookie_name(secure);
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// The user `user_id` as they are now (name, roles), for a request another Wavehub server vouches
/// for; 401 when the account is gone.
pub async fn caller_vouched_for(db: &Db, user_id: i64) -> ApiResult<Caller> {
    let username: Option<String> =
        on_db!(db, |pool| sqlx::query_scalar("SELECT username FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await)?;
    let username = username.ok_or_else(|| ApiError::Unauthorized("This account no longer exists.".into()))?;
    let roles = load_roles(db, user_id).await?;
    Ok(Caller { user_id, username, roles, credential: Credential::Peer })
}

/// The caller a session id signs in, checked as on any request (expired, roles).
pub async fn caller_from_session(db: &Db, session_id: &str) -> ApiResult<Caller> {
    let id_hash = secret_hash(session_id);
    let row: Option<(i64, String, String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT s.user_id, u.username, s.expires_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(pool)
        .await
    })?;
    let Some((user_id, username, expires_at, last_seen_at)) = row else {
        return Err(ApiError::Unauthorized("Your session has ended; sign in again.".into()));
    };
    let now = db::now();
    if expires_at <= now {
        on_db!(db, |pool| sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(&id_hash).execute(pool).await.map(drop))?;
        return Err(ApiError::Unauthorized("Your session has expired; sign in again.".into()));
    }
    if is_stale(Some(&last_seen_at)) {
        on_db!(db, |pool| {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2").bind(&now).bind(&id_hash).execute(pool).await.map(drop)
        })?;
    }
    let roles = load_roles(db, user_id).await?;
    Ok(Caller { user_id, username, roles, credential: Credential::Session(id_hash) })
}

async fn caller_from_token(db: &Db, token: &str) -> ApiResult<Caller> {
    let invalid = || ApiError::Unauthorized("This API token is not valid (revoked or mistyped); create a new one.".into());
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(invalid());
    }
    let row: Option<(i64, i64, String, Option<String>)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT t.id, t.user_id, u.username, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(secret_hash(token))
        .fetch_optional(pool)
        .await
    })?;
    let (token_id, user_id, username, last_used_at) = row.ok_or_else(invalid)?;
    if is_stale(last_used_at.as_deref()) {
        on_db!(db, |pool| {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(db::now()).bind(token_id).execute(pool).await.map(drop)
        })?;
    }
    let roles = load_roles(db, user_id).await?;
    Ok(Caller { user_id, username, roles, credential: Credential::Token(token_id) })
}

/// Whether a "last seen" / "last used" time is worth writing again. They are kept to the minute:
/// a busy client (a script, the catalog under load) would otherwise make every request a database
/// write, and SQLite has one writer.
fn is_stale(recorded: Option<&str>) -> bool {
    let cutoff = db::timestamp(chrono::Utc::now() - chrono::Duration::seconds(60));
    recorded.is_none_or(|at| at < cutoff.as_str())
}

/// A user's roles in their canonical order (admin, author, user).
pub async fn load_roles(db: &Db, user_id: i64) -> ApiResult<Vec<Role>> {
    let names: Vec<(String,)> =
        on_db!(db, |pool| sqlx::query_as("SELECT role FROM user_roles WHERE user_id = $1").bind(user_id).fetch_all(pool).await)?;
    let mut roles = names
        .into_iter()
        .map(|(name,)| name.parse::<Role>().map_err(|e| ApiError::Internal(anyhow::anyhow!(e))))
        .collect::<ApiResult<Vec<Role>>>()?;
    roles.sort();
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hashes_verify_and_are_argon2id() {
        let hash = hash_password("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify_password("wrong horse".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn a_missing_user_never_verifies() {
        assert!(!verify_password("anything".into(), None).await.unwrap());
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (random_secret(), random_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let password = random_password();
        assert_eq!(password.len(), 20);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
