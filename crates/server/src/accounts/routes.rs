//! The accounts' HTTP handlers: signing in and out, `GET /me`, API tokens and `/users` (admins
//! manage accounts). Each reads the request, calls one function of [`super::sessions`],
//! [`super::tokens`] or [`super::users`], and shapes the answer.

use crate::accounts::auth::{self, Caller, Credential};
use crate::accounts::{sessions, tokens, users};
use crate::http::error::{ApiError, ApiResult};
use crate::accounts::throttle::{whole_seconds, ClientAddress};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use wavehub_core::accounts::{
    normalize_username, CreatedToken, LoginRequest, Me, NewToken, NewUser, TokenInfo, TokenQuery, User, UserPatch, USERNAME_MAX_LEN,
};
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::audit::Reason;

const WRONG_CREDENTIALS: &str = "Wrong username or password.";

/// `{username}`, here and in a workspace's member routes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("username"), parameter_in = Path)]
pub struct Username(
    /// The account's username.
    pub String,
);

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
    let Some(user_id) = sessions::check_password(&state.db, &username, request.password).await? else {
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
    };
    throttle.succeeded(attempt, throttle.now());
    let lifetime = state.config.session_lifetime;
    let session_id = sessions::start(&state.db, user_id, lifetime).await?;
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
        sessions::end(&state.db, id_hash).await?;
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

/// `GET /users?page=&page_size=`: every account, by username.
#[utoipa::path(
    get, path = "/users", tag = "users", operation_id = "list_users",
    params(PageRequest),
    responses((status = 200, description = "Every account, by username (admins only).", body = Page<User>)),
)]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(paging): ApiQuery<PageRequest>,
) -> ApiResult<ApiJson<Page<User>>> {
    Ok(ApiJson(users::list(&state.db, &caller, &paging).await?))
}

/// `GET /users/{username}`.
#[utoipa::path(
    get, path = "/users/{username}", tag = "users", operation_id = "get_user",
    params(Username),
    responses((status = 200, description = "The account.", body = User)),
)]
pub async fn get_user(State(state): State<AppState>, caller: Caller, ApiPath(Username(username)): ApiPath<Username>) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(users::get(&state.db, &caller, &username).await?))
}

/// `POST /users`: 201 with the user; 409 when the username is taken.
#[utoipa::path(
    post, path = "/users", tag = "users", operation_id = "create_user",
    request_body = NewUser,
    responses(
        (status = 201, description = "Created.", body = User),
        (status = 409, description = "The username is taken."),
    ),
)]
pub async fn create_user(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewUser>) -> ApiResult<impl IntoResponse> {
    let user = users::create(&state, &caller, &request).await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

/// `PATCH /users/{username}` `{password?, roles?}`. A new password signs the user out everywhere:
/// their sessions, API tokens and app sessions end, except the credential of this very request when
/// users change their own password.
#[utoipa::path(
    patch, path = "/users/{username}", tag = "users", operation_id = "update_user",
    params(Username),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The account as it is now. A new password ends the user's other sessions and tokens.", body = User),
        (status = 409, description = "The change would leave no admin."),
    ),
)]
pub async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(Username(username)): ApiPath<Username>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(users::update(&state, &caller, &username, &patch).await?))
}

/// `DELETE /users/{username}`: removes the account with its sessions and tokens.
#[utoipa::path(
    delete, path = "/users/{username}", tag = "users", operation_id = "delete_user",
    params(Username),
    request_body(content = Option<Reason>, description = "Optional: `{reason}`, kept in the audit log; an empty body gives none."),
    responses(
        (status = 204, description = "Deleted, with its sessions and tokens."),
        (status = 409, description = "Admins cannot delete their own account, and one admin must remain."),
    ),
)]
pub async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(Username(username)): ApiPath<Username>,
    OptionalJson(body): OptionalJson<Reason>,
) -> ApiResult<StatusCode> {
    users::delete(&state, &caller, &username, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
