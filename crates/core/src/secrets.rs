//! Secrets: named sets of key/value pairs that apps receive at run time through `[[Env]]` and
//! `[[File]]`. Admins write them; values never leave the server (spec §6).

use crate::accounts::Role;
use crate::api::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /secrets`: creates the secret or replaces all its keys (as the platform's `update` does).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSecret {
    pub name: String,
    pub keys: BTreeMap<String, String>,
    /// Who may import and run apps that read it; admins always may.
    #[serde(default)]
    pub grants: SecretGrants,
}

/// Who may use a secret (name it in an app's `[[Env]]`/`[[File]]`): these users and everyone with
/// one of these roles, besides admins. Empty: admins only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretGrants {
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub roles: Vec<Role>,
}

impl SecretGrants {
    /// The rule, in one place: admins, the users named, and the roles named.
    pub fn allow(&self, username: &str, roles: &[Role]) -> bool {
        roles.contains(&Role::Admin)
            || self.users.iter().any(|user| user.eq_ignore_ascii_case(username))
            || self.roles.iter().any(|role| roles.contains(role))
    }

    /// Who may use it, in words (for errors and the admin page).
    pub fn describe(&self) -> String {
        let mut who: Vec<String> = vec!["admins".into()];
        who.extend(self.roles.iter().map(|role| format!("every {}", role.as_str())));
        who.extend(self.users.iter().cloned());
        who.join(", ")
    }
}

/// Never prints the values, so a secret cannot reach a log through `{:?}`.
impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("name", &self.name)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("grants", &self.grants)
            .finish()
    }
}

/// A secret as the API shows it: names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretSummary {
    pub name: String,
    pub keys: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// App versions whose manifest reads it (`name version`), which keep it from being deleted.
    #[serde(default)]
    pub used_by: Vec<String>,
    /// Who may use it besides admins.
    #[serde(default)]
    pub grants: SecretGrants,
}

pub const NAME_MAX_LEN: usize = 63;
pub const KEY_MAX_LEN: usize = 253;
/// Values are for tokens, passwords and small config files.
pub const VALUE_MAX_BYTES: usize = 64 * 1024;

impl NewSecret {
    /// The platform's rules: a DNS-subdomain-like name of at most 63 characters, keys of letters,
    /// digits, `-`, `_` and `.`; at least one key.
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if self.name.len() > NAME_MAX_LEN || !self.name.split('.').all(label_ok) {
            findings.push(Finding::field_error(
                "name.invalid",
                "name",
                format!(
                    "`{}` can't be a secret name: use up to {NAME_MAX_LEN} lower-case letters, digits and `-`, in \
                     parts separated by `.`, e.g. `s3-credentials`.",
                    self.name
                ),
            ));
        }
        if self.keys.is_empty() {
            findings.push(Finding::field_error("keys.required", "keys", "Add at least one key and its value."));
        }
        for (key, value) in &self.keys {
            let ok = !key.is_empty()
                && key.len() <= KEY_MAX_LEN
                && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                findings.push(Finding::field_error(
                    "keys.invalid",
                    &format!("keys.{key}"),
                    format!("`{key}` can't be a key: use up to {KEY_MAX_LEN} letters, digits, `-`, `_` and `.`."),
                ));
            }
            if value.len() > VALUE_MAX_BYTES {
                findings.push(Finding::field_error(
                    "keys.too_large",
                    &format!("keys.{key}"),
                    format!("The value of `{key}` is {} bytes; a value is at most {VALUE_MAX_BYTES}.", value.len()),
                ));
            }
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, keys: &[(&str, &str)]) -> NewSecret {
        NewSecret { name: name.into(), keys: keys.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(), grants: SecretGrants::default() }
    }

    #[test]
    fn names_and_keys_follow_the_platform() {
        assert!(secret("s3-credentials", &[("access_key", "x")]).check().is_empty());
        assert!(secret("team.s3", &[("a.b-c_d", "x")]).check().is_empty());
        for bad in ["S3", "-s3", "s3-", "a..b", "", &"a".repeat(64)] {
            assert_eq!(secret(bad, &[("k", "v")]).check()[0].code, "name.invalid", "{bad}");
        }
        assert_eq!(secret("s", &[]).check()[0].code, "keys.required");
        assert_eq!(secret("s", &[("bad key", "v")]).check()[0].code, "keys.invalid");
        let big = "x".repeat(VALUE_MAX_BYTES + 1);
        assert_eq!(secret("s", &[("k", &big)]).check()[0].code, "keys.too_large");
    }

    #[test]
    fn grants_allow_admins_the_named_users_and_roles() {
        let none = SecretGrants::default();
        assert!(none.allow("root", &[Role::Admin]));
        assert!(!none.allow("alice", &[Role::Author]));
        let grants = SecretGrants { users: vec!["Alice".into()], roles: vec![Role::User] };
        assert!(grants.allow("alice", &[Role::Author]), "user names match in any case");
        assert!(grants.allow("bob", &[Role::User]));
        assert!(!grants.allow("carol", &[Role::Author]));
        assert_eq!(grants.describe(), "admins, every user, Alice");
    }

    #[test]
    fn debug_output_has_no_values() {
        let text = format!("{:?}", secret("s", &[("password", "hunter2")]));
        assert!(text.contains("password") && !text.contains("hunter2"), "{text}");
    }
}
