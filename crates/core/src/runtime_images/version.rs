//! Version ids of runtime image versions: `v` + a strict semantic version, taken from an explicit
//! input or from the Docker tag (spec §16), and the rule for an image's current version (§15).

use super::reference::ImageReference;
use super::Availability;
use crate::api::Finding;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Where a version id came from, so a form can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionSource {
    /// Typed by the person (wins over the tag).
    Explicit,
    /// Extracted from the image's tag.
    Tag,
}

/// The version a new runtime image version gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionChoice {
    /// Always with the leading `v`: `v2.0.0`.
    pub version: String,
    pub source: VersionSource,
}

/// `1.2.3` or `v1.2.3` as the stored id `v1.2.3`. One lower-case `v` is stripped; the rest must be a
/// strict semantic version (three numbers without leading zeros, an optional pre-release) without
/// build metadata, because the id is a URL path segment where `+` means something else.
pub fn normalize_version(input: &str) -> Result<String, String> {
    let bare = input.strip_prefix('v').unwrap_or(input);
    if bare.contains('+') {
        return Err(format!(
            "`{input}` has build metadata (`+…`), which a version id cannot carry; drop it or move it into \
             the pre-release (e.g. `v1.2.3-build.1`)."
        ));
    }
    match semver::Version::parse(bare) {
        Ok(_) => Ok(format!("v{bare}")),
        Err(_) => Err(format!(
            "`{input}` is not a semantic version: write MAJOR.MINOR.PATCH with an optional pre-release, \
             e.g. `v1.2.3` or `v1.2.3-rc.1` (the `v` is optional)."
        )),
    }
}

/// The version id for an image created from `docker_image`, with `explicit` winning over the tag.
/// The error is a finding on `version` (or `docker_image`) that asks for what is missing.
pub fn version_for(docker_image: &str, explicit: Option<&str>) -> Result<VersionChoice, Finding> {
    let reference = ImageReference::parse(docker_image.trim())
        .map_err(|error| Finding::field_error("docker_image.invalid", "docker_image", error.to_string()))?;
    if let Some(explicit) = explicit.map(str::trim).filter(|v| !v.is_empty()) {
        return normalize_version(explicit)
            .map(|version| VersionChoice { version, source: VersionSource::Explicit })
            .map_err(|message| Finding::field_error("version.invalid", "version", message));
    }
    let Some(tag) = reference.tag.as_deref() else {
        let what = if reference.digest.is_some() { "only a digest" } else { "no tag" };
        return Err(Finding::field_error(
            "version.required",
            "version",
            format!("`{docker_image}` has {what}, so there is no version to take from it; enter the version, e.g. v1.0.0."),
        ));
    };
    normalize_version(tag)
        .map(|version| VersionChoice { version, source: VersionSource::Tag })
        .map_err(|_| {
            Finding::field_error(
                "version.required",
                "version",
                format!(
                    "The tag `{tag}` is not a semantic version, so the version can't be taken from it; \
                     enter the version, e.g. v1.0.0."
                ),
            )
        })
}

/// Semver precedence of two version ids (`v` optional). Ids that do not parse sort below all that do.
pub fn compare_version_ids(a: &str, b: &str) -> Ordering {
    crate::apps::compare_versions(a.strip_prefix('v').unwrap_or(a), b.strip_prefix('v').unwrap_or(b))
}

/// A text whose byte order is the ids' semver precedence, for `ORDER BY` in a database.
pub fn version_id_sort_key(id: &str) -> String {
    crate::apps::version_sort_key(id.strip_prefix('v').unwrap_or(id))
}

/// Whether an image's pre-release versions (`v3.0.0-rc.1`, and variant tags like `v1.2.3-gpu`) may
/// be its current version. The platform's rule lets them (the default); an admin can choose
/// releases only, so a release candidate never reaches runtimes that follow the current version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Prereleases {
    /// The highest version that is not disabled is current, pre-release or not.
    #[default]
    MayBeCurrent,
    /// Only releases can be current; pre-releases stay available to runtimes that pin them.
    NeverCurrent,
}

impl Prereleases {
    /// The stored flag (`runtime_images.prereleases_can_be_current`) as the policy.
    pub fn from_flag(may_be_current: bool) -> Self {
        if may_be_current {
            Prereleases::MayBeCurrent
        } else {
            Prereleases::NeverCurrent
        }
    }

    pub fn may_be_current(self) -> bool {
        self == Prereleases::MayBeCurrent
    }
}

/// Whether a version id has a pre-release part (`v3.0.0-rc.1`, `v1.2.3-alpine`).
pub fn is_prerelease(id: &str) -> bool {
    semver::Version::parse(id.strip_prefix('v').unwrap_or(id)).is_ok_and(|version| !version.pre.is_empty())
}

/// An image's current version: the highest semantic version that is not DISABLED (ACTIVE and
/// DEPRECATED both count; a pre-release is lower than its release), leaving pre-releases out when
/// the image's policy says so; none when no version qualifies.
/// This is the documented rule (spec §15); the platform's API text ("latest ACTIVE, else
/// DEPRECATED") differs, and this is the one place to switch it.
pub fn current_version<'a>(versions: impl IntoIterator<Item = (&'a str, Availability)>, prereleases: Prereleases) -> Option<&'a str> {
    versions
        .into_iter()
        .filter(|(id, state)| *state != Availability::Disabled && (prereleases.may_be_current() || !is_prerelease(id)))
        .map(|(id, _)| id)
        .max_by(|a, b| compare_version_ids(a, b))
}

/// Why `current` is the current version (or why there is none), in a sentence for the image page.
/// It says so when the current version is a pre-release, and which pre-releases a releases-only
/// image passed over.
pub fn explain_current<'a>(versions: impl IntoIterator<Item = (&'a str, Availability)> + Clone, prereleases: Prereleases) -> String {
    let all: Vec<(&str, Availability)> = versions.into_iter().collect();
    if all.is_empty() {
        return "This image has no versions yet, so it has no current version.".to_owned();
    }
    let higher_than = |current: Option<&str>, wanted: &dyn Fn(&str, Availability) -> bool| -> Vec<&str> {
        let mut higher: Vec<&str> = all
            .iter()
            .filter(|(id, state)| wanted(id, *state) && current.is_none_or(|c| compare_version_ids(id, c) == Ordering::Greater))
            .map(|(id, _)| *id)
            .collect();
        higher.sort_by(|a, b| compare_version_ids(b, a));
        higher
    };
    let Some(current) = current_version(all.iter().copied(), prereleases) else {
        let passed_over = higher_than(None, &|id, state| state != Availability::Disabled && is_prerelease(id));
        if !passed_over.is_empty() {
            return format!(
                "No release is enabled, and this image lets only releases be current, so it has no current version                  ({} {} a pre-release): runtimes that follow the current version can't start new deployments until a                  release is added or enabled, or pre-releases are allowed under Details.",
                join_ids(&passed_over),
                if passed_over.len() == 1 { "is" } else { "are each" }
            );
        }
        return "Every version is disabled, so there is no current version: runtimes that follow the current \
                version can't start new deployments until a version is activated."
            .to_owned();
    };
    let kind = if prereleases.may_be_current() { "version" } else { "release" };
    let mut sentence = format!("{current} is current: it is the highest {kind} that is not disabled");
    let higher_disabled = higher_than(Some(current), &|_, state| state == Availability::Disabled);
    let higher_prereleases = if prereleases.may_be_current() {
        Vec::new()
    } else {
        higher_than(Some(current), &|id, state| state != Availability::Disabled && is_prerelease(id))
    };
    let mut asides = Vec::new();
    if !higher_disabled.is_empty() {
        asides.push(format!("{} {} disabled", join_ids(&higher_disabled), if higher_disabled.len() == 1 { "is" } else { "are" }));
    }
    if !higher_prereleases.is_empty() {
        asides.push(format!(
            "{} {} passed over: this image lets only releases be current",
            join_ids(&higher_prereleases),
            if higher_prereleases.len() == 1 { "is a pre-release, and is" } else { "are pre-releases, and are" }
        ));
    }
    if asides.is_empty() {
        sentence.push('.');
    } else {
        sentence.push_str(&format!(" ({}).", asides.join("; ")));
    }
    if is_prerelease(current) {
        sentence.push_str(&format!(
            " {current} is a pre-release: runtimes that follow the current version get it. To keep pre-releases from \
             becoming current, choose releases only under Details."
        ));
    }
    if all.iter().any(|(id, state)| *id == current && *state == Availability::Deprecated) {
        sentence.push_str(" It is deprecated, so new deployments get a warning.");
    }
    sentence
}

fn join_ids(ids: &[&str]) -> String {
    match ids {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] if rest.len() < 4 => format!("{} and {last}", rest.join(", ")),
        many => format!("{}, and {} more", many[..3].join(", "), many.len() - 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// spec/h2o-spec.md §16.3, every vector; `Err(code)` is the finding's code.
    #[test]
    fn extracts_versions_as_the_spec_vectors_say() {
        let with_digest = format!("myorg/scorer@{DIGEST}");
        let tag_and_digest = format!("myorg/scorer:1.2.3@{DIGEST}");
        let table: Vec<(&str, Option<&str>, Result<&str, &str>)> = vec![
            ("docker.io/myorg/scorer:2.0.0", None, Ok("v2.0.0")),
            ("h2oai/scorer:2.3.5", None, Ok("v2.3.5")),
            ("docker.io/myorg/scorer:2.1.0", None, Ok("v2.1.0")),
            ("docker.io/myorg/scorer:3.0.0", None, Ok("v3.0.0")),
            ("h2oai/rest-scorer:2.2.0", None, Ok("v2.2.0")),
            ("docker.io/myorg/scorer:latest", None, Err("version.required")),
            ("docker.io/myorg/scorer:latest", Some("v1.0.0"), Ok("v1.0.0")),
            ("h2oai/scorer:latest", Some("v1.0.0"), Ok("v1.0.0")),
            ("docker.io/myorg/scorer:rc-build-42", Some("v3.1.0-rc1"), Ok("v3.1.0-rc1")),
            ("docker.io/myorg/scorer:nightly-20250601", Some("v2.2.0-nightly"), Ok("v2.2.0-nightly")),
            ("img:stable", None, Err("version.required")),
            ("img:nightly", None, Err("version.required")),
            ("img:prod-2024", None, Err("version.required")),
            ("img:anything", Some("1.0.0"), Ok("v1.0.0")),
            ("h2oai-h2o3mojo-scorer:v1.5.4", None, Ok("v1.5.4")),
            ("docker.io/myorg/scorer:v2.0.0", None, Ok("v2.0.0")),
            ("myorg/scorer", None, Err("version.required")),
            (&with_digest, None, Err("version.required")),
            (&tag_and_digest, None, Ok("v1.2.3")),
            ("registry.example.com:5000/org/scorer:1.0.0", None, Ok("v1.0.0")),
            ("registry.example.com:5000/org/scorer", None, Err("version.required")),
            ("localhost:5000/scorer:1.0.0-rc.1", None, Ok("v1.0.0-rc.1")),
            ("scorer:1.2", None, Err("version.required")),
            ("scorer:1", None, Err("version.required")),
            ("scorer:01.2.3", None, Err("version.required")),
            ("scorer:V1.2.3", None, Err("version.required")),
            ("scorer:1.2.3-alpine", None, Ok("v1.2.3-alpine")),
            ("scorer:1.2.3_fix", None, Err("version.required")),
            ("scorer:1.2.3+meta", None, Err("docker_image.invalid")),
            ("scorer:2.0.0", Some("v2.0.1"), Ok("v2.0.1")),
            ("scorer:2.0.0", Some("latest"), Err("version.invalid")),
            ("scorer:2.0.0", Some("v1.2.3+build.1"), Err("version.invalid")),
            ("", None, Err("docker_image.invalid")),
            ("scorer:vv1.0.0", None, Err("version.required")),
            ("scorer:2.0.0", Some("  "), Ok("v2.0.0")),
            ("scorer:2.0.0", Some("V2.0.0"), Err("version.invalid")),
        ];
        for (image, explicit, expected) in table {
            let got = version_for(image, explicit).map(|choice| choice.version).map_err(|finding| finding.code);
            match expected {
                Ok(version) => assert_eq!(got.as_deref(), Ok(version), "{image} {explicit:?}"),
                Err(code) => assert_eq!(got.as_ref().map_err(String::as_str), Err(code), "{image} {explicit:?}"),
            }
        }
    }

    #[test]
    fn says_where_the_version_came_from_and_what_is_missing() {
        assert_eq!(version_for("img:2.0.0", None).unwrap().source, VersionSource::Tag);
        assert_eq!(version_for("img:2.0.0", Some("2.0.1")).unwrap().source, VersionSource::Explicit);
        let finding = version_for("img:latest", None).unwrap_err();
        assert_eq!(finding.path, "version");
        assert!(finding.message.contains("`latest` is not a semantic version"), "{}", finding.message);
        assert!(version_for(&format!("img@{DIGEST}"), None).unwrap_err().message.contains("only a digest"));
        assert!(version_for("img", None).unwrap_err().message.contains("no tag"));
    }

    #[test]
    fn v_prefix_is_normalised_so_duplicates_meet() {
        assert_eq!(normalize_version("2.0.0"), normalize_version("v2.0.0"));
        assert!(normalize_version("vv2.0.0").is_err());
    }

    fn states(list: &[(&'static str, Availability)]) -> Vec<(&'static str, Availability)> {
        list.to_vec()
    }

    #[test]
    fn current_version_is_the_highest_not_disabled() {
        use Availability::*;
        type Versions = Vec<(&'static str, Availability)>;
        let table: Vec<(Versions, Option<&str>)> = vec![
            (states(&[]), None),
            (states(&[("v1.0.0", Active)]), Some("v1.0.0")),
            (states(&[("v1.0.0", Active), ("v2.0.0", Active)]), Some("v2.0.0")),
            // The docs' rule: a DEPRECATED higher version stays current (the API text would say v1.5.0).
            (states(&[("v1.5.0", Active), ("v2.0.0", Deprecated)]), Some("v2.0.0")),
            (states(&[("v1.5.0", Active), ("v2.0.0", Disabled)]), Some("v1.5.0")),
            (states(&[("v1.5.0", Disabled), ("v2.0.0", Disabled)]), None),
            // Semver, not text or creation order: v10 > v9, a pre-release is below its release.
            (states(&[("v9.0.0", Active), ("v10.0.0", Active)]), Some("v10.0.0")),
            (states(&[("v3.1.0", Active), ("v3.1.0-rc1", Active)]), Some("v3.1.0")),
            (states(&[("v3.1.0-rc1", Active), ("v3.0.0", Active)]), Some("v3.1.0-rc1")),
            (states(&[("v1.2.3-alpine", Active), ("v1.2.3", Disabled)]), Some("v1.2.3-alpine")),
            (states(&[("v1.0.0-rc.2", Active), ("v1.0.0-rc.10", Active)]), Some("v1.0.0-rc.10")),
            (states(&[("v1.0.0-beta", Active), ("v1.0.0-alpha.1", Active)]), Some("v1.0.0-beta")),
        ];
        for (versions, expected) in table {
            assert_eq!(current_version(versions.iter().copied(), Prereleases::MayBeCurrent), expected, "{versions:?}");
        }
    }

    #[test]
    fn explains_why_a_version_is_current() {
        use Availability::*;
        let v = states(&[("v1.0.0", Active), ("v2.0.0", Disabled), ("v3.0.0", Disabled), ("v0.9.0", Active)]);
        assert_eq!(
            explain_current(v.iter().copied(), Prereleases::MayBeCurrent),
            "v1.0.0 is current: it is the highest version that is not disabled (v3.0.0 and v2.0.0 are disabled)."
        );
        let v = states(&[("v1.0.0", Deprecated)]);
        assert!(explain_current(v.iter().copied(), Prereleases::MayBeCurrent).ends_with("new deployments get a warning."));
        let v = states(&[("v1.0.0", Disabled)]);
        assert!(explain_current(v.iter().copied(), Prereleases::MayBeCurrent).starts_with("Every version is disabled"));
        assert!(explain_current(std::iter::empty(), Prereleases::MayBeCurrent).contains("no versions yet"));
    }

    #[test]
    fn releases_only_images_pass_over_prereleases() {
        use Availability::*;
        let never = Prereleases::NeverCurrent;
        let v = states(&[("v2.0.0", Active), ("v3.0.0-rc.1", Active), ("v3.0.0-rc.2", Disabled)]);
        assert_eq!(current_version(v.iter().copied(), Prereleases::MayBeCurrent), Some("v3.0.0-rc.1"));
        assert_eq!(current_version(v.iter().copied(), never), Some("v2.0.0"));
        assert_eq!(
            explain_current(v.iter().copied(), never),
            "v2.0.0 is current: it is the highest release that is not disabled (v3.0.0-rc.2 is disabled; \
             v3.0.0-rc.1 is a pre-release, and is passed over: this image lets only releases be current)."
        );
        // Variant tags are pre-releases too.
        let only_prereleases = states(&[("v1.2.3-gpu", Active), ("v1.2.3-cpu", Deprecated)]);
        assert_eq!(current_version(only_prereleases.iter().copied(), never), None);
        let text = explain_current(only_prereleases.iter().copied(), never);
        assert!(text.starts_with("No release is enabled, and this image lets only releases be current"), "{text}");
        assert!(text.contains("v1.2.3-gpu and v1.2.3-cpu are each a pre-release"), "{text}");
    }

    #[test]
    fn a_prerelease_that_becomes_current_is_named_as_one() {
        use Availability::*;
        let v = states(&[("v2.0.0", Active), ("v3.0.0-rc.1", Active)]);
        let text = explain_current(v.iter().copied(), Prereleases::MayBeCurrent);
        assert!(text.starts_with("v3.0.0-rc.1 is current: it is the highest version that is not disabled."), "{text}");
        assert!(text.contains("v3.0.0-rc.1 is a pre-release: runtimes that follow the current version get it"), "{text}");
        assert!(is_prerelease("v1.2.3-alpine") && is_prerelease("1.0.0-rc.1"));
        assert!(!is_prerelease("v1.2.3") && !is_prerelease("latest"));
    }

    #[test]
    fn sort_keys_follow_precedence() {
        let mut ids = vec!["v10.0.0", "v2.0.0", "v2.0.0-rc.1", "v2.0.0-alpha", "v1.9.9"];
        ids.sort_by_key(|id| version_id_sort_key(id));
        assert_eq!(ids, ["v1.9.9", "v2.0.0-alpha", "v2.0.0-rc.1", "v2.0.0", "v10.0.0"]);
    }
}
