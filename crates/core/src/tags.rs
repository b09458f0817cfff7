//! App tags: named labels with a title and a color, created by admins and assigned to app versions by
//! the users their admin roles name (shared/API.md, "App store"; spec §5).

use crate::accounts::Role;
use crate::api::Finding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    /// Canonical name, as app.toml's `Tags` writes it: `FORECASTING`.
    pub name: String,
    /// What cards show.
    pub title: String,
    /// `#rrggbb`.
    pub color: String,
    pub description: String,
    /// Who may assign, remove and edit it; empty = anyone signed in. Admins always may.
    pub admin_roles: Vec<Role>,
    /// App versions carrying it (that the caller can see).
    #[serde(default)]
    pub apps_count: u64,
    /// Whether the caller may assign, remove and edit it.
    #[serde(default)]
    pub can_assign: bool,
}

/// `POST /tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTag {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub admin_roles: Vec<Role>,
}

/// `PATCH /tags/{name}`: absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct TagPatch {
    pub title: Option<String>,
    pub color: Option<String>,
    pub description: Option<String>,
    /// Only admins may change who administers a tag.
    pub admin_roles: Option<Vec<Role>>,
}

/// The color a tag gets when none is chosen.
pub const DEFAULT_COLOR: &str = "#5b6b7f";
pub const TITLE_MAX_LEN: usize = 100;
pub const DESCRIPTION_MAX_LEN: usize = 1000;

/// Tag names: 1 to 63 letters, digits, `_` and `-`, as app.toml files write them (`DATA_SCIENCE`).
pub fn check_name(name: &str) -> Vec<Finding> {
    let ok = (1..=63).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Vec::new()
    } else {
        vec![Finding::field_error(
            "name.invalid",
            "name",
            format!("`{name}` can't be a tag name: use 1 to 63 letters, digits, `_` and `-`, e.g. `DATA_SCIENCE`."),
        )]
    }
}

/// `#rrggbb`, either case.
pub fn check_color(color: &str) -> Vec<Finding> {
    let ok = color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Vec::new()
    } else {
        vec![Finding::field_error("color.invalid", "color", format!("`{color}` is not a color: write `#` and six hex digits, e.g. `#1f77b4`."))]
    }
}

fn check_texts(title: Option<&str>, description: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if title.is_some_and(|t| t.trim().is_empty() || t.chars().count() > TITLE_MAX_LEN) {
        findings.push(Finding::field_error("title.invalid", "title", format!("A title is 1 to {TITLE_MAX_LEN} characters.")));
    }
    if description.is_some_and(|d| d.chars().count() > DESCRIPTION_MAX_LEN) {
        findings.push(Finding::field_error("description.too_long", "description", format!("A description is at most {DESCRIPTION_MAX_LEN} characters.")));
    }
    findings
}

impl NewTag {
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = check_name(&self.name);
        findings.extend(self.color.as_deref().map(check_color).unwrap_or_default());
        findings.extend(check_texts(self.title.as_deref(), self.description.as_deref()));
        findings
    }
}

impl TagPatch {
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = self.color.as_deref().map(check_color).unwrap_or_default();
        findings.extend(check_texts(self.title.as_deref(), self.description.as_deref()));
        findings
    }
}

/// Whether someone holding `roles` may assign, remove and edit a tag administered by `admin_roles`.
/// Admins always may; an empty list means anyone signed in.
pub fn may_assign(admin_roles: &[Role], roles: &[Role]) -> bool {
    roles.contains(&Role::Admin) || admin_roles.is_empty() || admin_roles.iter().any(|role| roles.contains(role))
}

/// Text color that stays readable on a tag's background: black on light colors, white on dark ones
/// (WCAG relative luminance).
pub fn text_color_on(background: &str) -> &'static str {
    let channel = |i: usize| {
        let value = u8::from_str_radix(background.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
        let c = f64::from(value) / 255.0;
        if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    if luminance > 0.179 { "#000000" } else { "#ffffff" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_colors() {
        assert!(check_name("DATA_SCIENCE").is_empty());
        assert!(check_name("ai-for-good").is_empty());
        assert_eq!(check_name("has space")[0].code, "name.invalid");
        assert_eq!(check_name("")[0].code, "name.invalid");
        assert!(check_color("#1F77b4").is_empty());
        for bad in ["1f77b4", "#1f77b", "#1f77bz", "red"] {
            assert_eq!(check_color(bad)[0].code, "color.invalid", "{bad}");
        }
    }

    #[test]
    fn admin_roles_decide_who_assigns() {
        use Role::*;
        assert!(may_assign(&[], &[User]));
        assert!(may_assign(&[Author], &[Author, User]));
        assert!(!may_assign(&[Author], &[User]));
        assert!(may_assign(&[Author], &[Admin]));
        assert!(!may_assign(&[Admin], &[Author]));
    }

    #[test]
    fn text_stays_readable() {
        assert_eq!(text_color_on("#ffffff"), "#000000");
        assert_eq!(text_color_on("#000000"), "#ffffff");
        assert_eq!(text_color_on("#ffd700"), "#000000");
        assert_eq!(text_color_on("#1f3b73"), "#ffffff");
    }
}
