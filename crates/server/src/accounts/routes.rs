//! Signing in and out, `GET /me`, and API tokens (their rules are in [`crate::accounts::tokens`]).

use crate::accounts::auth::{self, Caller, Credential};
use crate::db;
use crate::accounts::tokens;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::accounts::throttle::{whole_seconds, ClientAddress};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use wavehub_core::accounts::{normalize_username, CreatedToken, LoginRequest, Me, NewToken, TokenInfo, TokenQuery, USERNAME_MAX_LEN};

const WRONG_CREDENTIALS: &str = "Wrong username or password.";

/// `POST /auth/login`: checks the password and starts a session (cookie). Failed sign-ins are
/// throttled by client address and by account (see [`crate::accounts::throttle`]); a held attempt is a 429
/// with `Retry-After`, answered without looking at the password.
#[utoipa::path(
    post, path = "/auth/login", tag = "accounts", operation_id = "login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: the session cookie is set.", body = Me,
            headers(("set-cookie" = String, description = "The session cookie (`wavehub_session`, HttpOnly, SameSite=Strict)."))),
        (status = 401, description = "Wrong username or password."),
        (status = 429, description = "Too many failed attempts; try again after `Retry-After` seconds.",
            headers(("retry-after" = u64, description = "Seconds to wait."))),
    ),
    security(()),
)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let username = normalize_username(&request.username);
    // Usernames come from anyone: quoted (escapes, no forged log lines) and no longer than a real one.
    let logged_name: String = username.chars().take(USERNAME_MAX_LEN).collect();
    let throttle = &state.login_throttle;
    let attempt = match throttle.attempt(client.0, &username, throttle.now()) {
        Ok(attempt) => attempt,
        Err(held) => {
            tracing::warn!(
                client = %client,
                username = ?logged_name,
                held_by = held.reason(),
                retry_after_s = whole_seconds(held.wait),
                "sign-in throttled"
            );
            return Err(ApiError::TooManyRequests { detail: held.detail(&username), retry_after: held.wait });
        }
    };
    let user: Option<(i64, String)> = sqlx::query_as("SELECT id, password_hash FROM users WHERE username = ?")
        .bind(&username)
        .fetch_optional(&state.db)
        .await?;
    let (user_id, stored_hash) = user.unzip();
    if !auth::verify_password(request.password, stored_hash).await? {
        tracing::info!(client = %client, username = ?logged_name, "sign-in refused");
        // Say when this failure makes the client wait.
        if let Some(held) = throttle.failed(attempt, throttle.now()) {
            tracing::warn!(
                client = %client,
                username = ?logged_name,
                held_by = held.reason(),
                wait_s = whole_seconds(held.wait),
                "sign-in failures: further attempts must wait"
            );
        }
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS.into()));
    }
    throttle.succeeded(attempt, throttle.now());
    let user_id = user_id.expect("a verified password belongs to a user");

    let session_id = auth::random_secret();
    let now = chrono::Utc::now();
    let lifetime = state.config.session_lifetime;
    // Sweep expired sessions here: sign-ins are rare enough that this costs nothing.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?").bind(db::timestamp(now)).execute(&state.db).await?;
    sqlx::query("INSERT INTO sessions (id_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
        .bind(auth::secret_hash(&session_id))
        .bind(user_id)
        .bind(db::timestamp(now))
        .bind(db::timestamp(now + lifetime))
        .bind(db::timestamp(now))
        .execute(&state.db)
        .await?;
    let roles = auth::load_roles(&state.db, user_id).await?;
    let cookie = session_cookie_header(&session_id, lifetime.num_seconds(), state.config.secure_cookies);
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie);
    Ok((headers, ApiJson(Me { username, roles })))
}

/// `POST /auth/logout`: ends the caller's session and clears the cookie.
#[utoipa::path(
    post, path = "/auth/logout", tag = "accounts", operation_id = "logout",
    responses((status = 204, description = "Signed out: the session ends and its cookie is cleared.")),
)]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    if let Credential::Session(id_hash) = &caller.credential {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(id_hash).execute(&state.db).await?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, session_cookie_header("", 0, state.config.secure_cookies));
    Ok((StatusCode::NO_CONTENT, headers))
}

/// The Set-Cookie value for a session: HttpOnly so scripts cannot read it, SameSite=Strict so
/// other sites cannot make the browser send it.
fn session_cookie_header(value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let name = auth::session_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}");
    HeaderValue::from_str(&cookie).expect("hex session ids make a valid header")
}

/// `GET /me`.
#[utoipa::path(
    get, path = "/me", tag = "accounts", operation_id = "me",
    responses((status = 200, description = "The caller.", body = Me)),
)]
pub async fn me(caller: Caller) -> ApiJson<Me> {
    ApiJson(caller.me())
}

/// `POST /tokens`: a new API token for the caller, shown this once.
#[utoipa::path(
    post, path = "/tokens", tag = "accounts", operation_id = "create_token",
    request_body = NewToken,
    responses((status = 201, description = "The new token, shown this once.", body = CreatedToken)),
)]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewToken>,
) -> ApiResult<impl IntoResponse> {
    let created = tokens::create(&state.db, &caller, &request).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// `GET /tokens`: the caller's tokens, without their secrets; `?all=true`: everyone's (admins).
#[utoipa::path(
    get, path = "/tokens", tag = "accounts", operation_id = "list_tokens",
    params(TokenQuery),
    responses((status = 200, description = "The caller's tokens (with `all`, every user's), newest first.", body = Vec<TokenInfo>)),
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> ApiResult<ApiJson<Vec<TokenInfo>>> {
    Ok(ApiJson(tokens::list(&state.db, &caller, query.all).await?))
}

/// `DELETE /tokens/{id}`: revokes one of the caller's tokens (an admin: anyone's).
#[utoipa::path(
    delete, path = "/tokens/{id}", tag = "accounts", operation_id = "delete_token",
    params(("id" = i64, Path, description = "The token's id.")),
    responses((status = 204, description = "Revoked.")),
)]
pub async fn delete_token(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    tokens::revoke(&state.db, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
