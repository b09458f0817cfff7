//! Accounts: roles, the rules for usernames and passwords, and the request/response shapes of
//! `/api/v1/auth`, `/api/v1/me`, `/api/v1/users` and `/api/v1/tokens`.

use crate::api::Finding;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a user may do. A user holds one or more roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users, tags, secrets and runtime images; sees everything.
    Admin,
    /// Publishes apps.
    Author,
    /// Browses the catalog and runs apps.
    User,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Author, Role::User];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Author => "author",
            Role::User => "user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`: use one of admin, author, user"))
    }
}

/// Usernames are 1 to 64 characters: lowercase letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit. Lowercase only, so `Alice` and `alice` can never be two accounts.
pub const USERNAME_MAX_LEN: usize = 64;
/// Long enough to resist guessing; the upper bound keeps hashing cheap for the server.
pub const PASSWORD_MIN_LEN: usize = 8;
pub const PASSWORD_MAX_LEN: usize = 1024;
/// API token names are free text, 1 to 100 characters.
pub const TOKEN_NAME_MAX_LEN: usize = 100;

/// The canonical spelling of a username typed at sign-in: trimmed and lowercased.
pub fn normalize_username(input: &str) -> String {
    input.trim().to_lowercase()
}

/// Findings for a username (empty when it is valid).
pub fn check_username(username: &str) -> Vec<Finding> {
    let chars_ok = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let starts_ok = username.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if username.is_empty() {
        vec![Finding::field_error("username.required", "username", "Enter a username.")]
    } else if username.len() > USERNAME_MAX_LEN {
        vec![Finding::field_error(
            "username.too_long",
            "username",
            format!("A username is at most {USERNAME_MAX_LEN} characters; this one has {}.", username.chars().count()),
        )]
    } else if !chars_ok || !starts_ok {
        vec![Finding::field_error(
            "username.invalid",
            "username",
            "Use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit (for example `jane.doe`).",
        )]
    } else {
        Vec::new()
    }
}

/// Findings for a new password (empty when it is acceptable).
pub fn check_password(password: &str) -> Vec<Finding> {
    let length = password.chars().count();
    if length < PASSWORD_MIN_LEN {
        vec![Finding::field_error(
            "password.too_short",
            "password",
            format!("A password needs at least {PASSWORD_MIN_LEN} characters; this one has {length}."),
        )]
    } else if length > PASSWORD_MAX_LEN {
        vec![Finding::field_error(
            "password.too_long",
            "password",
            format!("A password is at most {PASSWORD_MAX_LEN} characters."),
        )]
    } else {
        Vec::new()
    }
}

/// Findings for a set of roles given to a user (empty when it is valid).
/// Roles as stored: each once, in order (`[user, author, user]` is `[author, user]`).
pub fn distinct_roles(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
}

pub fn check_roles(roles: &[Role]) -> Vec<Finding> {
    if roles.is_empty() {
        vec![Finding::field_error("roles.required", "roles", "Give the user at least one role: admin, author or user.")]
    } else {
        Vec::new()
    }
}

/// Findings for the name of a new API token (empty when it is valid).
pub fn check_token_name(name: &str) -> Vec<Finding> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        vec![Finding::field_error("name.required", "name", "Name the token after where it is used, for example `laptop CLI`.")]
    } else if trimmed.chars().count() > TOKEN_NAME_MAX_LEN {
        vec![Finding::field_error("name.too_long", "name", format!("A token name is at most {TOKEN_NAME_MAX_LEN} characters."))]
    } else {
        Vec::new()
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `GET /api/v1/me`, and the body of a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub username: String,
    pub roles: Vec<Role>,
}

impl Me {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }
    /// Authors and admins may publish apps.
    pub fn can_publish(&self) -> bool {
        self.has_role(Role::Author) || self.is_admin()
    }
}

/// A user as `GET /api/v1/users` lists it. Never carries the password or its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub username: String,
    pub roles: Vec<Role>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub roles: Vec<Role>,
}

impl NewUser {
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = check_username(&self.username);
        findings.extend(check_password(&self.password));
        findings.extend(check_roles(&self.roles));
        findings
    }
}

/// `PATCH /api/v1/users/{username}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Why, for the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl UserPatch {
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = self.password.as_deref().map(check_password).unwrap_or_default();
        findings.extend(self.roles.as_deref().map(check_roles).unwrap_or_default());
        findings.extend(self.reason.as_deref().map(crate::audit::check_reason_length).unwrap_or_default());
        findings
    }
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewToken {
    pub name: String,
}

/// An API token's metadata; the secret itself is only in [`CreatedToken`], once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The username the token acts as.
    #[serde(default)]
    pub owner: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// `GET /api/v1/tokens?all=true`: every user's tokens (admins only), instead of the caller's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TokenQuery {
    #[serde(default)]
    pub all: bool,
}

/// The answer to `POST /api/v1/tokens`: the only time the token is ever shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(findings: Vec<Finding>) -> Vec<String> {
        findings.into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn usernames() {
        for good in ["admin", "jane.doe", "a", "user_1", "0day", &"x".repeat(64)] {
            assert!(check_username(good).is_empty(), "{good} should be valid");
        }
        assert_eq!(codes(check_username("")), ["username.required"]);
        assert_eq!(codes(check_username(&"x".repeat(65))), ["username.too_long"]);
        for bad in ["Admin", "-lead", ".hidden", "jane doe", "ünï", "a/b", "<script>"] {
            assert_eq!(codes(check_username(bad)), ["username.invalid"], "{bad}");
        }
    }

    #[test]
    fn sign_in_names_are_normalized() {
        assert_eq!(normalize_username("  Admin "), "admin");
    }

    #[test]
    fn passwords() {
        assert!(check_password("eight ch").is_empty());
        assert_eq!(codes(check_password("short")), ["password.too_short"]);
        assert_eq!(codes(check_password(&"p".repeat(1025))), ["password.too_long"]);
    }

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        assert!("root".parse::<Role>().unwrap_err().contains("admin, author, user"));
        assert!(serde_json::from_str::<Role>("\"root\"").is_err());
    }

    #[test]
    fn new_user_collects_every_finding() {
        let user = NewUser { username: "Bad Name".into(), password: "x".into(), roles: vec![] };
        assert_eq!(codes(user.check()), ["username.invalid", "password.too_short", "roles.required"]);
    }

    #[test]
    fn user_patch_checks_only_what_is_given() {
        assert!(UserPatch::default().check().is_empty());
        let patch = UserPatch { password: Some("short".into()), roles: Some(vec![]), ..Default::default() };
        assert_eq!(codes(patch.check()), ["password.too_short", "roles.required"]);
    }

    #[test]
    fn token_names() {
        assert!(check_token_name("laptop CLI").is_empty());
        assert_eq!(codes(check_token_name("  ")), ["name.required"]);
        assert_eq!(codes(check_token_name(&"n".repeat(101))), ["name.too_long"]);
    }

    #[test]
    fn me_permissions() {
        let author = Me { username: "a".into(), roles: vec![Role::Author] };
        assert!(author.can_publish() && !author.is_admin());
        let admin = Me { username: "b".into(), roles: vec![Role::Admin] };
        assert!(admin.can_publish() && admin.is_admin());
        let user = Me { username: "c".into(), roles: vec![Role::User] };
        assert!(!user.can_publish());
    }
}
