//! Runtime images: the container images models run on, grouped per workspace, each with semver
//! versions and states; runtimes that bind an image to a model type. The rules (references,
//! version ids, the current version, the ceiling rule) and the API's shapes (shared/API.md,
//! "Runtime images").

pub mod reference;
pub mod state;
pub mod version;

pub use reference::{ImageReference, ReferenceError};
pub use state::{console_state_for, effective_state, effective_with_reason, CeilingRefusal, Availability, StateAction};
pub use version::{
    compare_version_ids, current_version, explain_current, is_prerelease, normalize_version, version_for, version_id_sort_key,
    Prereleases, VersionChoice, VersionSource,
};

use crate::api::{Finding, PageRequest};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The workspace platform (bootstrap-managed) images belong to. They show in every workspace.
pub const PLATFORM_WORKSPACE: &str = "global";

/// An id made from a display name, for forms that leave the id to the user: `REST Scorer 2` →
/// `rest-scorer-2`. Lower-cased, every run of other characters one `-`, cut to 63, trimmed to start
/// with a letter and end with a letter or digit. `None` when nothing of the name can make an id
/// (the server then picks one).
pub fn id_from_name(name: &str) -> Option<String> {
    let mut id = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_start_matches(|c: char| !c.is_ascii_lowercase());
    let id: String = id.chars().take(63).collect();
    let id = id.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned();
    check_id("id", &id).is_empty().then_some(id)
}

/// Ids of workspaces, images and runtimes: 1 to 63 characters, lower-case letters, digits, `-` and
/// `_`, starting with a letter and ending with a letter or digit (a DNS-label-like id that is safe
/// in a URL).
pub fn check_id(field: &str, id: &str) -> Vec<Finding> {
    let bytes = id.as_bytes();
    let ok = (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
        && bytes[bytes.len() - 1].is_ascii_alphanumeric();
    if ok {
        Vec::new()
    } else {
        vec![Finding::field_error(
            &format!("{field}.invalid"),
            field,
            format!(
                "`{id}` can't be an id: use 1 to 63 lower-case letters, digits, `-` and `_`, starting with a letter \
                 and ending with a letter or digit, e.g. `rest-scorer`."
            ),
        )]
    }
}

/// Display names of workspaces, images and runtimes: 1 to 200 characters after trimming.
pub const NAME_MAX_LEN: usize = 200;
/// Descriptions and reasons are short texts.
pub const DESCRIPTION_MAX_LEN: usize = 2000;
pub use crate::audit::REASON_MAX_LEN;

fn check_name(field: &str, name: &str) -> Vec<Finding> {
    let length = name.trim().chars().count();
    if length == 0 {
        vec![Finding::field_error(&format!("{field}.required"), field, "Enter a name.")]
    } else if length > NAME_MAX_LEN {
        vec![Finding::field_error(
            &format!("{field}.too_long"),
            field,
            format!("A name is at most {NAME_MAX_LEN} characters; this one has {length}."),
        )]
    } else {
        Vec::new()
    }
}

fn check_description(description: Option<&str>) -> Vec<Finding> {
    match description.map(|d| d.chars().count()) {
        Some(length) if length > DESCRIPTION_MAX_LEN => vec![Finding::field_error(
            "description.too_long",
            "description",
            format!("A description is at most {DESCRIPTION_MAX_LEN} characters; this one has {length}."),
        )],
        _ => Vec::new(),
    }
}

/// Restricting a resource (deprecate, disable) needs a reason that people will read later;
/// re-enabling takes one optionally.
pub fn check_reason(action: StateAction, reason: Option<&str>) -> Vec<Finding> {
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() && action.needs_reason() {
        vec![Finding::field_error(
            "reason.required",
            "reason",
            format!("Say why you {} it; the reason is kept with the state and shown to everyone who uses it.", action.verb(false)),
        )]
    } else {
        crate::audit::check_reason_length(reason)
    }
}

/// A member's role in a workspace: admins manage its images and runtimes, members read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceRole {
    Member,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub created_time: String,
    /// The caller's role here; platform admins act as workspace admins everywhere.
    pub my_role: Option<WorkspaceRole>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWorkspace {
    pub id: String,
    pub name: String,
}

impl NewWorkspace {
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = check_id("id", &self.id);
        if self.id == PLATFORM_WORKSPACE {
            findings.push(Finding::field_error(
                "id.reserved",
                "id",
                format!("`{PLATFORM_WORKSPACE}` is where the platform's own images live; choose another id."),
            ));
        }
        findings.extend(check_name("name", &self.name));
        findings
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceMember {
    pub username: String,
    pub role: WorkspaceRole,
}

/// `PUT /workspaces/{ws}/members/{username}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberRole {
    pub role: WorkspaceRole,
}

/// The state of an image or a version as the API returns it, beside the row's other fields: the
/// state in force and the two sides it comes from ([`effective_with_reason`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityDetail {
    /// The state in force: the more restricted of `platform_state` and `console_state`.
    pub state: Availability,
    pub state_reason: Option<String>,
    pub state_update_time: String,
    pub managed_by_bootstrap: bool,
    /// What the bootstrap file sets (bootstrap-managed rows only): the ceiling.
    pub platform_state: Option<Availability>,
    pub platform_state_reason: Option<String>,
    /// What the console last set, and why.
    pub console_state: Availability,
    pub console_state_reason: Option<String>,
}

/// A runtime image as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeImage {
    pub uid: String,
    /// The workspace it belongs to; [`PLATFORM_WORKSPACE`] for bootstrap-managed images.
    pub workspace: String,
    /// That workspace's name, as people read it (`Platform` for bootstrap-managed images).
    #[serde(default)]
    pub workspace_name: String,
    pub name: String,
    pub description: String,
    /// The current version's image (none when every version is disabled).
    pub docker_image: Option<String>,
    #[serde(flatten)]
    pub availability: AvailabilityDetail,
    /// `v1.2.3`; none when every version is disabled.
    pub current_version: Option<String>,
    /// Whether a pre-release can be the current version.
    #[serde(default)]
    pub prereleases: Prereleases,
    pub versions_count: u32,
    pub created_time: String,
    pub updated_time: String,
    /// Whether the caller may change it (the server decides; the page only follows).
    pub can_manage: bool,
}

/// `POST /workspaces/{ws}/runtime-images`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRuntimeImage {
    /// Chosen id; generated when absent.
    #[serde(default)]
    pub uid: Option<String>,
    pub name: String,
    pub docker_image: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Whether a pre-release can be current; the platform's rule (it can) when absent.
    #[serde(default)]
    pub prereleases: Option<Prereleases>,
}

impl NewRuntimeImage {
    /// The version the first version gets, or every finding that stops the create.
    pub fn check(&self) -> Result<VersionChoice, Vec<Finding>> {
        let mut findings = self.uid.as_deref().map(|uid| check_id("uid", uid)).unwrap_or_default();
        findings.extend(check_name("name", &self.name));
        findings.extend(check_description(self.description.as_deref()));
        match version_for(&self.docker_image, self.version.as_deref()) {
            Ok(choice) if findings.is_empty() => Ok(choice),
            Ok(_) => Err(findings),
            Err(finding) => {
                findings.push(finding);
                Err(findings)
            }
        }
    }
}

/// `PATCH /workspaces/{ws}/runtime-images/{uid}`: absent fields stay; a new `docker_image` adds a
/// version (with `version`, or the one from its tag).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeImagePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub docker_image: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// Whether a pre-release can be current from now on; the current version is worked out again.
    #[serde(default)]
    pub prereleases: Option<Prereleases>,
}

impl RuntimeImagePatch {
    /// The version to add, if any, or every finding that stops the update.
    pub fn check(&self) -> Result<Option<VersionChoice>, Vec<Finding>> {
        let mut findings = self.name.as_deref().map(|name| check_name("name", name)).unwrap_or_default();
        findings.extend(check_description(self.description.as_deref()));
        if self.version.is_some() && self.docker_image.is_none() {
            findings.push(Finding::field_error(
                "version.without_image",
                "version",
                "A version goes with a new docker_image; to add a version, give the image too.",
            ));
        }
        let choice = match self.docker_image.as_deref().map(|image| version_for(image, self.version.as_deref())) {
            Some(Ok(choice)) => Some(choice),
            Some(Err(finding)) => {
                findings.push(finding);
                None
            }
            None => None,
        };
        if findings.is_empty() {
            Ok(choice)
        } else {
            Err(findings)
        }
    }
}

/// Body of deprecate, disable, enable and activate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateChange {
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeImageVersion {
    /// `v1.2.3`
    pub version: String,
    pub docker_image: String,
    #[serde(flatten)]
    pub availability: AvailabilityDetail,
    /// Whether it is the image's current version.
    pub is_current: bool,
    pub created_time: String,
}

/// `POST .../runtime-images/{uid}/versions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRuntimeImageVersion {
    pub docker_image: String,
    #[serde(default)]
    pub version: Option<String>,
}

/// An image's versions with the sentence that says which is current and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionList {
    pub items: Vec<RuntimeImageVersion>,
    pub total: u64,
    pub current_version: Option<String>,
    pub current_explanation: String,
}

/// One state change, as the image page's history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateEvent {
    pub time: String,
    /// A username, or `bootstrap` for the platform's file.
    pub actor: String,
    /// `deprecate`, `disable`, `enable`, `activate`, `create`, `bootstrap`…
    pub action: String,
    /// `image` or the version id.
    pub subject: String,
    pub state: Option<Availability>,
    pub reason: Option<String>,
    /// What an `update` changed, in words ("renamed it to “Scorer”; added version v2.1.0").
    #[serde(default)]
    pub summary: Option<String>,
}

/// How the image list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ImageSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "-created")]
    Newest,
    #[serde(rename = "created")]
    Oldest,
    #[serde(rename = "-updated")]
    RecentlyUpdated,
    #[serde(rename = "state")]
    State,
}

impl ImageSort {
    pub const ALL: [ImageSort; 6] = [
        ImageSort::Name,
        ImageSort::NameDesc,
        ImageSort::Newest,
        ImageSort::Oldest,
        ImageSort::RecentlyUpdated,
        ImageSort::State,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImageSort::Name => "name",
            ImageSort::NameDesc => "-name",
            ImageSort::Newest => "-created",
            ImageSort::Oldest => "created",
            ImageSort::RecentlyUpdated => "-updated",
            ImageSort::State => "state",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImageSort::Name => "Name A–Z",
            ImageSort::NameDesc => "Name Z–A",
            ImageSort::Newest => "Newest first",
            ImageSort::Oldest => "Oldest first",
            ImageSort::RecentlyUpdated => "Recently changed",
            ImageSort::State => "State",
        }
    }

    pub fn parse(text: &str) -> Option<ImageSort> {
        ImageSort::ALL.into_iter().find(|sort| sort.as_str() == text)
    }
}

/// `GET /workspaces/{ws}/runtime-images` query: filters, sort and page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct RuntimeImageQuery {
    pub state: Option<Availability>,
    /// Part of the name, uid or docker image, any case.
    pub name: Option<String>,
    pub sort: ImageSort,
    /// From 1. (Plain fields, not a flattened [`PageRequest`]: query strings carry numbers as text,
    /// which serde's flatten cannot read.)
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    /// Default 50, at most 500.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub page_size: Option<u32>,
}

impl RuntimeImageQuery {
    /// The query string (without `?`) that asks for this list; defaults are left out.
    pub fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(state) = self.state {
            pairs.push(format!("state={state}"));
        }
        if let Some(name) = self.name.as_deref().filter(|n| !n.is_empty()) {
            pairs.push(format!("name={}", crate::apps::percent_encode(name)));
        }
        if self.sort != ImageSort::default() {
            pairs.push(format!("sort={}", crate::apps::percent_encode(self.sort.as_str())));
        }
        self.paging().push_pairs(&mut pairs);
        pairs.join("&")
    }

    /// The page asked for, defaults filled in.
    pub fn paging(&self) -> PageRequest {
        PageRequest::from_parts(self.page, self.page_size)
    }
}

/// A runtime: a model type bound to an image, optionally pinned to one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Runtime {
    pub uid: String,
    pub workspace: String,
    pub name: String,
    pub description: String,
    pub runtime_image_uid: String,
    pub runtime_image_name: String,
    /// The pinned version; absent = follow the image's current version.
    pub version: Option<String>,
    pub model_type: String,
    pub environment_variables: BTreeMap<String, String>,
    pub read_only_data_volume: bool,
    pub state: Availability,
    pub state_reason: Option<String>,
    /// What a new deployment would run now.
    pub resolution: Resolution,
    pub created_time: String,
    pub updated_time: String,
}

/// `POST /workspaces/{ws}/runtimes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRuntime {
    #[serde(default)]
    pub uid: Option<String>,
    pub name: String,
    pub runtime_image_uid: String,
    #[serde(default)]
    pub version: Option<String>,
    pub model_type: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub environment_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub read_only_data_volume: bool,
}

impl NewRuntime {
    /// The normalised pinned version (if any), or every finding that stops the create.
    pub fn check(&self) -> Result<Option<String>, Vec<Finding>> {
        let mut findings = self.uid.as_deref().map(|uid| check_id("uid", uid)).unwrap_or_default();
        findings.extend(check_name("name", &self.name));
        findings.extend(check_description(self.description.as_deref()));
        if self.runtime_image_uid.trim().is_empty() {
            findings.push(Finding::field_error("runtime_image_uid.required", "runtime_image_uid", "Choose a runtime image."));
        }
        let model_type_ok = (1..=63).contains(&self.model_type.len())
            && self.model_type.starts_with(|c: char| c.is_ascii_lowercase())
            && self.model_type.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !model_type_ok {
            findings.push(Finding::field_error(
                "model_type.invalid",
                "model_type",
                "A model type is 1 to 63 lower-case letters, digits and `_`, starting with a letter, e.g. `dai_mojo`.",
            ));
        }
        for name in self.environment_variables.keys() {
            let ok = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                findings.push(Finding::field_error(
                    "environment_variables.invalid",
                    &format!("environment_variables.{name}"),
                    format!("`{name}` is not an environment variable name: use letters, digits and `_`, not starting with a digit."),
                ));
            }
        }
        let version = match self.version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(version) => match normalize_version(version) {
                Ok(version) => Some(version),
                Err(message) => {
                    findings.push(Finding::field_error("version.invalid", "version", message));
                    None
                }
            },
        };
        if findings.is_empty() {
            Ok(version)
        } else {
            Err(findings)
        }
    }
}

/// What a runtime would run for a new deployment now, and whether it can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    pub version: Option<String>,
    pub docker_image: Option<String>,
    /// False when a new deployment can't use it (see `message`).
    pub usable: bool,
    /// Why it is unusable, or the warning when something is deprecated.
    pub message: Option<String>,
}

/// The facts about a runtime's image that decide what it resolves to.
#[derive(Debug, Clone, Copy)]
pub struct ImageFacts<'a> {
    pub image_state: Availability,
    /// The image's current version and its image.
    pub current: Option<(&'a str, &'a str, Availability)>,
    /// The pinned version (id, image, state) when the runtime pins one and it exists.
    pub pinned: Option<(&'a str, &'a str, Availability)>,
}

/// Resolves a runtime: a pinned version is used as is; otherwise the image's current version. A
/// DISABLED image, a DISABLED pinned version, or no current version blocks new deployments; a
/// DEPRECATED one warns.
pub fn resolve_runtime(pinned_version: Option<&str>, facts: ImageFacts<'_>) -> Resolution {
    let chosen = match pinned_version {
        Some(pinned) => match facts.pinned {
            Some(found) => Ok(found),
            None => Err(format!("The pinned version {pinned} no longer exists.")),
        },
        None => facts.current.ok_or_else(|| {
            "The image has no current version (every version is disabled), so new deployments can't start.".to_owned()
        }),
    };
    let (version, docker_image, version_state) = match chosen {
        Ok(found) => found,
        Err(message) => return Resolution { version: None, docker_image: None, usable: false, message: Some(message) },
    };
    let message = if facts.image_state == Availability::Disabled {
        Some("The image is disabled, so new deployments can't use it.".to_owned())
    } else if version_state == Availability::Disabled {
        Some(format!("The pinned version {version} is disabled, so new deployments can't use it."))
    } else if facts.image_state == Availability::Deprecated {
        Some("The image is deprecated: new deployments get a warning.".to_owned())
    } else if version_state == Availability::Deprecated {
        Some(format!("Version {version} is deprecated: new deployments get a warning."))
    } else {
        None
    };
    Resolution {
        version: Some(version.to_owned()),
        docker_image: Some(docker_image.to_owned()),
        usable: facts.image_state != Availability::Disabled && version_state != Availability::Disabled,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_from_names() {
        assert_eq!(id_from_name("REST Scorer 2").as_deref(), Some("rest-scorer-2"));
        assert_eq!(id_from_name("  H2O-3 MOJO (Scorer) ").as_deref(), Some("h2o-3-mojo-scorer"));
        assert_eq!(id_from_name("2024 scorer").as_deref(), Some("scorer"));
        assert_eq!(id_from_name(&"a".repeat(70)).map(|id| id.len()), Some(63));
        assert_eq!(id_from_name("Évaluation").as_deref(), Some("valuation"));
        assert_eq!(id_from_name("123 !!"), None);
    }

    #[test]
    fn ids_follow_the_platform_rule() {
        for ok in ["a", "rest-scorer", "ri_2", "a1", &"a".repeat(63)] {
            assert!(check_id("uid", ok).is_empty(), "{ok}");
        }
        for bad in ["", "My-Image", "1image", "image-", "image_", "-a", "a.b", &"a".repeat(64)] {
            assert_eq!(check_id("uid", bad).len(), 1, "{bad}");
        }
    }

    #[test]
    fn new_image_collects_every_finding() {
        let request = NewRuntimeImage { uid: Some("Bad".into()), name: " ".into(), docker_image: "img:latest".into(), ..Default::default() };
        let codes: Vec<String> = request.check().unwrap_err().into_iter().map(|f| f.code).collect();
        assert_eq!(codes, ["uid.invalid", "name.required", "version.required"]);
        let request = NewRuntimeImage { name: "Scorer".into(), docker_image: "img:v2.0.0".into(), ..Default::default() };
        assert_eq!(request.check().unwrap().version, "v2.0.0");
    }

    #[test]
    fn patch_adds_a_version_only_with_an_image() {
        assert_eq!(RuntimeImagePatch { name: Some("x".into()), ..Default::default() }.check(), Ok(None));
        let patch = RuntimeImagePatch { docker_image: Some("img:3.0.0".into()), ..Default::default() };
        assert_eq!(patch.check().unwrap().unwrap().version, "v3.0.0");
        let patch = RuntimeImagePatch { version: Some("3.0.0".into()), ..Default::default() };
        assert_eq!(patch.check().unwrap_err()[0].code, "version.without_image");
    }

    #[test]
    fn restricting_needs_a_reason() {
        assert_eq!(check_reason(StateAction::Disable, Some("  "))[0].code, "reason.required");
        assert!(check_reason(StateAction::Disable, Some("CVE-2024-1234")).is_empty());
        assert!(check_reason(StateAction::Enable, None).is_empty());
        assert_eq!(check_reason(StateAction::Deprecate, Some(&"x".repeat(REASON_MAX_LEN + 1)))[0].code, "reason.too_long");
    }

    #[test]
    fn workspace_ids_cannot_take_the_platforms() {
        let codes: Vec<String> = NewWorkspace { id: "global".into(), name: "G".into() }.check().into_iter().map(|f| f.code).collect();
        assert_eq!(codes, ["id.reserved"]);
    }

    #[test]
    fn runtimes_check_their_fields() {
        let mut env = BTreeMap::new();
        env.insert("1BAD".to_owned(), "x".to_owned());
        env.insert("GOOD_1".to_owned(), "x".to_owned());
        let request = NewRuntime {
            name: "DAI MOJO".into(),
            runtime_image_uid: "scorer".into(),
            version: Some("1.2".into()),
            model_type: "Dai-Mojo".into(),
            environment_variables: env,
            ..Default::default()
        };
        let codes: Vec<String> = request.check().unwrap_err().into_iter().map(|f| f.code).collect();
        assert_eq!(codes, ["model_type.invalid", "environment_variables.invalid", "version.invalid"]);
        let request = NewRuntime { name: "r".into(), runtime_image_uid: "s".into(), version: Some("1.2.0".into()), model_type: "dai_mojo".into(), ..Default::default() };
        assert_eq!(request.check(), Ok(Some("v1.2.0".into())));
    }

    #[test]
    fn runtimes_resolve_to_pinned_or_current() {
        use Availability::*;
        let current = Some(("v2.0.0", "img:2.0.0", Active));
        let follow = |image_state, current| resolve_runtime(None, ImageFacts { image_state, current, pinned: None });
        let r = follow(Active, current);
        assert_eq!((r.version.as_deref(), r.usable, r.message), (Some("v2.0.0"), true, None));
        let r = follow(Active, None);
        assert!(!r.usable && r.message.unwrap().contains("no current version"));
        let r = follow(Disabled, current);
        assert!(!r.usable && r.message.unwrap().contains("image is disabled"));
        let r = follow(Deprecated, current);
        assert!(r.usable && r.message.unwrap().contains("deprecated"));
        let pinned = |state| resolve_runtime(Some("v1.0.0"), ImageFacts { image_state: Active, current, pinned: Some(("v1.0.0", "img:1.0.0", state)) });
        assert_eq!(pinned(Active).version.as_deref(), Some("v1.0.0"));
        assert!(!pinned(Disabled).usable);
        assert!(pinned(Deprecated).usable);
        let gone = resolve_runtime(Some("v9.0.0"), ImageFacts { image_state: Active, current, pinned: None });
        assert!(!gone.usable && gone.message.unwrap().contains("no longer exists"));
    }

    #[test]
    fn query_strings_leave_defaults_out() {
        assert_eq!(RuntimeImageQuery::default().to_query_string(), "");
        let query = RuntimeImageQuery {
            state: Some(Availability::Deprecated),
            name: Some("rest scorer".into()),
            sort: ImageSort::Newest,
            page: Some(3),
            page_size: Some(100),
        };
        assert_eq!(query.to_query_string(), "state=DEPRECATED&name=rest%20scorer&sort=-created&page=3&page_size=100");
    }
}
