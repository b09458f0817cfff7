//! The App Store's shapes and rules: apps (one name+version each), their visibility, catalog
//! queries, and the semantic-version order that "newest version" means everywhere.

use crate::api::Finding;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Who sees an app (and, later, an instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Visibility {
    /// The owner and admins only.
    #[default]
    #[serde(rename = "PRIVATE")]
    Private,
    /// Everyone signed in: the catalog.
    #[serde(rename = "ALL_USERS")]
    AllUsers,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Private, Visibility::AllUsers];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "PRIVATE",
            Visibility::AllUsers => "ALL_USERS",
        }
    }

    /// Its name on a page (the API's words are `PRIVATE` and `ALL_USERS`).
    pub fn label(self) -> &'static str {
        match self {
            Visibility::Private => "Private",
            Visibility::AllUsers => "All users",
        }
    }

    /// What changing to it does, as a button says it: "Yes, make it private".
    pub fn change_words(self) -> &'static str {
        match self {
            Visibility::Private => "make it private",
            Visibility::AllUsers => "share it with all users",
        }
    }

    /// What it means, in words for the page that offers the choice.
    pub fn explanation(self) -> &'static str {
        match self {
            Visibility::Private => "only you and admins see it",
            Visibility::AllUsers => "everyone signed in finds it in the catalog",
        }
    }
}

impl std::fmt::Display for Visibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Visibility {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| format!("visibility must be PRIVATE or ALL_USERS, not `{text}`"))
    }
}

/// An app as the catalog lists it: enough for a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppSummary {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The importer's username; `None` once their account is deleted.
    pub owner: Option<String>,
    pub visibility: Visibility,
    pub created_at: String,
    pub has_icon: bool,
}

/// What the catalog shows of a manifest: the server stores it at import, and the upload page
/// previews it from the same function, so the preview is what users will see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogText {
    /// The Title, or the Name when there is no title.
    pub title: String,
    pub description: String,
    /// Trimmed; `None` when empty.
    pub category: Option<String>,
    pub keywords: Vec<String>,
    /// Trimmed, empty ones left out.
    pub tags: Vec<String>,
}

impl CatalogText {
    pub fn from_manifest(manifest: &crate::manifest::Manifest) -> Self {
        let app = &manifest.app;
        CatalogText {
            title: manifest.title_or_name().to_owned(),
            description: app.description.clone().unwrap_or_default(),
            category: app.category.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned),
            keywords: app.keywords.clone().unwrap_or_default(),
            tags: app.tags.iter().flatten().map(|t| t.trim()).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
        }
    }
}

/// How an app runs, as its page shows it (from the manifest's `[Runtime]`, `[[Env]]`, `[[File]]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppRuntime {
    pub module: Option<String>,
    pub runtime_version: Option<String>,
    pub memory_limit: Option<String>,
    pub memory_reservation: Option<String>,
    pub cpu_limit: Option<String>,
    pub cpu_reservation: Option<String>,
    pub gpu_count: Option<u32>,
    pub volume_mount: Option<String>,
    pub volume_size: Option<String>,
    /// `[[Env]]` names (values and secrets stay on the server).
    #[serde(default)]
    pub env: Vec<String>,
    /// `[[File]]` paths.
    #[serde(default)]
    pub files: Vec<String>,
}

impl AppRuntime {
    pub fn from_manifest(manifest: &crate::manifest::Manifest) -> Self {
        let runtime = &manifest.runtime;
        AppRuntime {
            module: runtime.module.clone(),
            runtime_version: runtime.runtime_version.clone(),
            memory_limit: runtime.memory_limit.clone(),
            memory_reservation: runtime.memory_reservation.clone(),
            cpu_limit: runtime.cpu_limit.clone(),
            cpu_reservation: runtime.cpu_reservation.clone(),
            gpu_count: runtime.gpu_count,
            volume_mount: runtime.volume_mount.clone(),
            volume_size: runtime.volume_size.clone(),
            env: manifest.env.iter().map(|e| e.name.clone()).collect(),
            files: manifest.files.iter().map(|f| f.path.clone()).collect(),
        }
    }
}

/// `GET /apps/{id}`: everything the app page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppDetail {
    #[serde(flatten)]
    pub summary: AppSummary,
    /// The LongDescription file's Markdown, as written (render it with [`crate::markdown`]).
    pub long_description: Option<String>,
    /// The same, rendered by the server with [`crate::markdown::to_safe_html`]: sanitized HTML whose
    /// relative links and pictures point at the version's own files (`/apps/{id}/files/…`). Only
    /// `GET /apps/{id}` fills it in.
    #[serde(default)]
    pub long_description_html: Option<String>,
    pub runtime: AppRuntime,
    /// How many screenshots `/apps/{id}/screenshots/{n}` serves (n counts from 0).
    pub screenshots: u32,
    pub bundle_size: u64,
    pub sha256: String,
    /// Whether the caller may change visibility and delete it (the server checks again).
    #[serde(default)]
    pub can_manage: bool,
}

/// `PATCH /apps/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppPatch {
    pub visibility: Visibility,
    /// Why, kept in the audit log and shown in the name's history. Required when a version everyone
    /// sees is made PRIVATE (see [`check_visibility_change`]); at most
    /// [`crate::audit::REASON_MAX_LEN`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AppPatch {
    /// The findings that refuse this change of a version that is `from` now; empty when it is fine.
    pub fn check(&self, from: Visibility) -> Vec<Finding> {
        check_visibility_change(from, self.visibility, self.reason.as_deref())
    }
}

/// Whether a visibility change needs a reason: taking a version away from everyone (ALL_USERS to
/// PRIVATE, which retires it when a newer one is in the catalog) does, since the people who used it
/// will want to know why; sharing or keeping a visibility takes one optionally.
pub fn visibility_change_needs_reason(from: Visibility, to: Visibility) -> bool {
    from == Visibility::AllUsers && to == Visibility::Private
}

/// The rule for a visibility change's reason, for the server and the rollout page alike: required
/// when [`visibility_change_needs_reason`], never longer than [`crate::audit::REASON_MAX_LEN`].
pub fn check_visibility_change(from: Visibility, to: Visibility, reason: Option<&str>) -> Vec<Finding> {
    if visibility_change_needs_reason(from, to) && reason.is_none_or(|r| r.trim().is_empty()) {
        return vec![Finding::field_error(
            "reason.required",
            "reason",
            "Say why you make this version PRIVATE: everyone sees it now, and the reason is kept in the app's history for its authors and admins.",
        )];
    }
    reason.map(crate::audit::check_reason_length).unwrap_or_default()
}

/// Another version of an app, named where its own cannot be shown: the one that replaced a
/// retired or deleted version (`successor` in the 404 of `GET /apps/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppRef {
    pub id: i64,
    pub version: String,
    pub title: String,
}

/// What happened to a version of an app, in its name's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppEventKind {
    Imported,
    /// Made ALL_USERS.
    Shared,
    /// Made PRIVATE.
    MadePrivate,
    Deleted,
    TagAdded,
    TagRemoved,
    InstanceStarted,
    InstanceTerminated,
    /// The instance stopped by itself, or could not start.
    InstanceFailed,
}

/// One entry of `GET /app-names/{name}/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppEvent {
    /// The audit log entry it comes from.
    pub id: i64,
    pub time: String,
    /// A username, or `system` for what the server did itself; `None` for someone's private
    /// instance that the caller may not see.
    pub actor: Option<String>,
    pub kind: AppEventKind,
    /// The version it is about (it may be deleted since).
    pub app_id: i64,
    pub version: String,
    pub reason: Option<String>,
    /// For tag changes: the tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// For instance events: the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<i64>,
    /// Set when this event changed which version the catalog shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogChange>,
}

/// The version the catalog showed for a name before and after a change (`None`: no version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogChange {
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A change to the set of versions of a name and their visibility, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionChange {
    /// Imported or given this visibility.
    Visibility { version: String, visibility: Visibility },
    Deleted { version: String },
}

/// Replays `changes` (oldest first) and says, for each, how it moved the version the catalog shows
/// (the newest ALL_USERS one, by semver): `Some` where it changed, `None` where it did not. The one
/// place "which version was in the catalog when" is worked out.
pub fn catalog_changes(changes: &[VersionChange]) -> Vec<Option<CatalogChange>> {
    let mut shared: Vec<String> = Vec::new();
    let newest = |shared: &[String]| shared.iter().max_by(|a, b| compare_versions(a, b)).cloned();
    changes
        .iter()
        .map(|change| {
            let before = newest(&shared);
            match change {
                VersionChange::Visibility { version, visibility: Visibility::AllUsers } => {
                    if !shared.contains(version) {
                        shared.push(version.clone());
                    }
                }
                VersionChange::Visibility { version, .. } | VersionChange::Deleted { version } => shared.retain(|v| v != version),
            }
            let after = newest(&shared);
            (before != after).then_some(CatalogChange { before, after })
        })
        .collect()
}

/// One version in `GET /app-names/{name}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppVersion {
    pub id: i64,
    pub version: String,
    pub title: String,
    pub owner: Option<String>,
    pub visibility: Visibility,
    pub created_at: String,
    /// Instances that are not terminated.
    pub instances: u64,
}

/// The catalog's sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AppSort {
    /// Best match first when searching; by title otherwise.
    #[default]
    Relevance,
    Title,
    Newest,
    Oldest,
    Name,
}

impl AppSort {
    pub const ALL: [AppSort; 5] = [AppSort::Relevance, AppSort::Title, AppSort::Newest, AppSort::Oldest, AppSort::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            AppSort::Relevance => "relevance",
            AppSort::Title => "title",
            AppSort::Newest => "newest",
            AppSort::Oldest => "oldest",
            AppSort::Name => "name",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AppSort::Relevance => "Best match",
            AppSort::Title => "Title A–Z",
            AppSort::Newest => "Newest first",
            AppSort::Oldest => "Oldest first",
            AppSort::Name => "Name A–Z",
        }
    }

    pub fn parse(text: &str) -> Option<AppSort> {
        AppSort::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// `GET /apps` query parameters. Every filter is optional; they combine with AND.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AppQuery {
    /// Words to find in name, title, description and keywords (prefix match, all words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `me`: only the caller's apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(pattern = "^me$"))]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Only the newest visible version of each name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub latest: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<AppSort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub page_size: Option<u32>,
}

/// How many apps a page of the web app's catalog shows.
pub const CATALOG_PAGE_SIZE: u32 = 24;

impl AppQuery {
    /// The web app's catalog as it opens: the shared catalog (each name's newest version shared
    /// with all users), first page, default order.
    pub fn catalog_front_page() -> Self {
        AppQuery {
            visibility: Some(Visibility::AllUsers),
            latest: true,
            page: Some(1),
            page_size: Some(CATALOG_PAGE_SIZE),
            ..AppQuery::default()
        }
    }

    /// The paging part, with the API's defaults.
    pub fn paging(&self) -> crate::api::PageRequest {
        let default = crate::api::PageRequest::default();
        crate::api::PageRequest {
            page: self.page.unwrap_or(default.page),
            page_size: self.page_size.unwrap_or(default.page_size),
        }
    }

    /// The findings that make this query invalid; empty when it is fine.
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = self.paging().check();
        if let Some(owner) = &self.owner {
            if owner != "me" {
                findings.push(Finding::field_error("owner.invalid", "owner", "owner takes only `me` (your own apps)"));
            }
        }
        if self.q.as_deref().is_some_and(|q| q.len() > MAX_QUERY_LEN) {
            findings.push(Finding::field_error(
                "q.too_long",
                "q",
                format!("the search text is longer than {MAX_QUERY_LEN} characters; search for fewer words"),
            ));
        }
        findings
    }

    /// The query string (without `?`) for this query, empty values left out: the catalog keeps its
    /// filters in the page URL with it, and the API client sends it.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut text = |key, value: &Option<String>| {
            if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                pairs.push((key, value.to_owned()));
            }
        };
        text("q", &self.q);
        text("category", &self.category);
        text("tag", &self.tag);
        text("owner", &self.owner);
        text("name", &self.name);
        if let Some(visibility) = self.visibility {
            pairs.push(("visibility", visibility.as_str().to_owned()));
        }
        if self.latest {
            pairs.push(("latest", "true".to_owned()));
        }
        if let Some(sort) = self.sort {
            pairs.push(("sort", sort.as_str().to_owned()));
        }
        if let Some(page) = self.page {
            pairs.push(("page", page.to_string()));
        }
        if let Some(page_size) = self.page_size {
            pairs.push(("page_size", page_size.to_string()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect::<Vec<_>>().join("&")
    }
}

/// The longest search text accepted.
pub const MAX_QUERY_LEN: usize = 200;

/// Percent-encodes everything but unreserved characters (RFC 3986), for query strings.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// A value and how many apps carry it, for the catalog's filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// `GET /apps`: a page of apps plus the counts the filters show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppListPage {
    pub items: Vec<AppSummary>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
    /// Categories among the apps that match the search (other filters left out), most used first.
    #[serde(default)]
    pub categories: Vec<FacetCount>,
    /// Tags among the apps that match the search (other filters left out), most used first.
    #[serde(default)]
    pub tags: Vec<FacetCount>,
}

/// Compares two app versions by semantic-version precedence (prerelease before release, build
/// metadata ignored). Versions that are not semver (the validator refuses them, but old rows may
/// hold anything) sort below every semver version, by text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp_precedence(&b),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// A text whose byte order is the versions' semver precedence, so a database can sort by it and
/// take `MAX` of it: `MAJOR.MINOR.PATCH` zero-padded, then `~` for a release or `-` and the
/// prerelease identifiers (numbers zero-padded after `0`, words after `1`, joined by `!`, which
/// sorts below every character an identifier may hold). Not semver: `!` and the text (lowest).
pub fn version_sort_key(version: &str) -> String {
    let parsed = semver::Version::parse(version)
        .ok()
        .or_else(|| pad_short_version(version).and_then(|padded| semver::Version::parse(&padded).ok()));
    let Some(parsed) = parsed else {
        return format!("!{version}");
    };
    let mut key = format!("{:020}.{:020}.{:020}", parsed.major, parsed.minor, parsed.patch);
    if parsed.pre.is_empty() {
        key.push('~');
    } else {
        key.push('-');
        let identifiers: Vec<String> = parsed
            .pre
            .as_str()
            .split('.')
            .map(|id| match id.parse::<u64>() {
                Ok(number) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => format!("0{number:020}"),
                _ => format!("1{id}"),
            })
            .collect();
        key.push_str(&identifiers.join("!"));
    }
    key
}


/// `1` → `1.0.0`, `1.0` → `1.0.0`, `1.2-beta` → `1.2.0-beta`: short versions padded with zeros,
/// when padding makes them valid semver. The platform accepts short versions (`0.5` was seen in
/// production), so they are ordered as their padded form.
pub fn pad_short_version(version: &str) -> Option<String> {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let parts = core.split('.').count();
    if parts >= 3 {
        return None;
    }
    let mut padded = core.to_owned();
    for _ in parts..3 {
        padded.push_str(".0");
    }
    if let Some(pre) = pre {
        padded = format!("{padded}-{pre}");
    }
    semver::Version::parse(&padded).is_ok().then_some(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordered lowest to highest, including semver.org's own precedence example.
    const ASCENDING: &[&str] = &[
        "0.0.1",
        "0.1.0",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-alpha-x",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.2.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ];

    #[test]
    fn compare_versions_follows_semver_precedence() {
        for pair in ASCENDING.windows(2) {
            assert_eq!(compare_versions(pair[0], pair[1]), Ordering::Less, "{} < {}", pair[0], pair[1]);
            assert_eq!(compare_versions(pair[1], pair[0]), Ordering::Greater);
        }
        assert_eq!(compare_versions("1.0.0+build.1", "1.0.0"), Ordering::Equal);
        assert_eq!(compare_versions("not-semver", "0.0.1"), Ordering::Less);
    }

    #[test]
    fn sort_keys_order_like_compare_versions() {
        for a in ASCENDING {
            for b in ASCENDING {
                assert_eq!(version_sort_key(a).cmp(&version_sort_key(b)), compare_versions(a, b), "{a} vs {b}");
            }
        }
        assert!(version_sort_key("garbage") < version_sort_key("0.0.0-0"));
    }

    #[test]
    fn visibility_parses_either_case_and_says_what_it_means() {
        assert_eq!("all_users".parse::<Visibility>(), Ok(Visibility::AllUsers));
        assert_eq!("PRIVATE".parse::<Visibility>(), Ok(Visibility::Private));
        assert!("PUBLIC".parse::<Visibility>().unwrap_err().contains("PRIVATE or ALL_USERS"));
        assert_eq!(serde_json::to_string(&Visibility::AllUsers).unwrap(), "\"ALL_USERS\"");
    }

    #[test]
    fn query_strings_leave_out_empty_filters_and_encode_values() {
        let query = AppQuery {
            q: Some("credit risk & more".into()),
            category: Some("".into()),
            tag: Some("DATA_SCIENCE".into()),
            latest: true,
            sort: Some(AppSort::Newest),
            page: Some(2),
            ..AppQuery::default()
        };
        assert_eq!(query.to_query_string(), "q=credit%20risk%20%26%20more&tag=DATA_SCIENCE&latest=true&sort=newest&page=2");
        assert_eq!(AppQuery::default().to_query_string(), "");
    }

    #[test]
    fn query_checks_owner_paging_and_length() {
        assert!(AppQuery::default().check().is_empty());
        let bad = AppQuery { owner: Some("alice".into()), page: Some(0), q: Some("x".repeat(201)), ..AppQuery::default() };
        let codes: Vec<String> = bad.check().into_iter().map(|f| f.code).collect();
        assert_eq!(codes, ["page.invalid", "owner.invalid", "q.too_long"]);
    }

    #[test]
    fn making_a_shared_version_private_needs_a_reason() {
        use Visibility::*;
        let codes = |from, to, reason| check_visibility_change(from, to, reason).into_iter().map(|f| f.code).collect::<Vec<_>>();
        assert_eq!(codes(AllUsers, Private, None), ["reason.required"]);
        assert_eq!(codes(AllUsers, Private, Some("  \n ")), ["reason.required"]);
        assert!(codes(AllUsers, Private, Some("fixes login")).is_empty());
        assert!(codes(Private, AllUsers, None).is_empty(), "sharing takes a reason optionally");
        assert!(codes(Private, Private, None).is_empty());
        assert!(codes(AllUsers, AllUsers, None).is_empty());
        let long = "x".repeat(crate::audit::REASON_MAX_LEN + 1);
        assert_eq!(codes(Private, AllUsers, Some(&long)), ["reason.too_long"]);
        let patch = AppPatch { visibility: Private, reason: None };
        assert_eq!(patch.check(AllUsers)[0].path, "reason");
        assert_eq!(serde_json::from_str::<AppPatch>(r#"{"visibility":"PRIVATE"}"#).unwrap(), patch, "reason is optional in JSON");
    }

    #[test]
    fn the_catalog_shows_the_newest_shared_version_through_every_change() {
        use Visibility::*;
        let set = |version: &str, visibility| VersionChange::Visibility { version: version.into(), visibility };
        let change = |before: Option<&str>, after: Option<&str>| {
            Some(CatalogChange { before: before.map(Into::into), after: after.map(Into::into) })
        };
        let changes = [
            set("1.0.0", Private),  // imported PRIVATE: nothing in the catalog yet
            set("1.0.0", AllUsers), // shared: the catalog shows it
            set("2.0.0", Private),
            set("1.10.0", AllUsers), // promoted: 1.10.0 replaces 1.0.0 (semver, not text order)
            set("1.0.0", Private),   // retiring an older one changes nothing
            set("2.0.0", AllUsers),
            VersionChange::Deleted { version: "2.0.0".into() }, // back to 1.10.0
            set("1.10.0", Private), // nothing left
        ];
        assert_eq!(
            catalog_changes(&changes),
            [
                None,
                change(None, Some("1.0.0")),
                None,
                change(Some("1.0.0"), Some("1.10.0")),
                None,
                change(Some("1.10.0"), Some("2.0.0")),
                change(Some("2.0.0"), Some("1.10.0")),
                change(Some("1.10.0"), None),
            ]
        );
    }
}
