//! The live version preview of the runtime image forms: the rule in wavehub-core, run on every
//! keystroke, says which version the server will store.

use leptos::prelude::*;
use wavehub_core::api::Finding;
use wavehub_core::runtime_images::{version_for, VersionSource};

/// What the version fields say while someone types: the version the server will store, or what it
/// needs to know first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionPreview {
    /// Nothing typed yet.
    Empty,
    /// The version id, and whether it came from the tag or the Version field.
    Version { version: String, source: VersionSource },
    /// What is missing or wrong, at the field it is about (`version` or `docker_image`).
    Ask(Finding),
}

impl VersionPreview {
    /// The preview for a Docker image and the Version field as typed (blank = take it from the tag).
    pub fn of(docker_image: &str, version: &str) -> VersionPreview {
        if docker_image.trim().is_empty() {
            return VersionPreview::Empty;
        }
        match version_for(docker_image, Some(version)) {
            Ok(choice) => VersionPreview::Version { version: choice.version, source: choice.source },
            Err(finding) => VersionPreview::Ask(finding),
        }
    }

    /// The sentence the form shows.
    pub fn text(&self) -> String {
        match self {
            VersionPreview::Empty => "Enter the Docker image, e.g. docker.io/myorg/scorer:2.0.0; the version comes from its tag.".to_owned(),
            VersionPreview::Version { version, source: VersionSource::Tag } => format!("Version {version} (from the tag)"),
            VersionPreview::Version { version, source: VersionSource::Explicit } => format!("Version {version} (as you entered it)"),
            VersionPreview::Ask(finding) => finding.message.clone(),
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, VersionPreview::Version { .. })
    }

    /// Whether what it asks is about the Version field, which is then marked invalid as typed.
    pub fn asks_about_version(&self) -> bool {
        matches!(self, VersionPreview::Ask(finding) if finding.path == "version")
    }
}

/// The live line under the Docker image and Version fields. Screen readers hear it change.
#[component]
pub fn VersionPreviewLine(#[prop(into)] preview: Signal<VersionPreview>) -> impl IntoView {
    view! {
        <p class=move || match preview.get() {
                VersionPreview::Empty => "version-preview muted",
                VersionPreview::Version { .. } => "version-preview ok",
                VersionPreview::Ask(_) => "version-preview ask",
            }
            role="status" aria-live="polite" data-testid="version-preview">
            {move || preview.get().text()}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_says_where_the_version_comes_from() {
        assert_eq!(VersionPreview::of("", ""), VersionPreview::Empty);
        assert_eq!(VersionPreview::of("docker.io/myorg/scorer:2.0.0", "").text(), "Version v2.0.0 (from the tag)");
        assert_eq!(VersionPreview::of("myorg/scorer:latest", "2.1.0").text(), "Version v2.1.0 (as you entered it)");
        let ask = VersionPreview::of("myorg/scorer:latest", " ");
        assert!(!ask.is_ok());
        assert!(ask.text().contains("enter the version"), "{}", ask.text());
        match VersionPreview::of("Bad Image!", "") {
            VersionPreview::Ask(finding) => assert_eq!(finding.path, "docker_image"),
            other => panic!("{other:?}"),
        }
    }
}
