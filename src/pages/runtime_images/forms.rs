//! Pieces the runtime image forms share: the live version preview (the rule in wavehub-core, run
//! on every keystroke), findings shown next to their fields, and the form's alert for the rest.

use crate::api::ApiError;
use leptos::prelude::*;
use wavehub_core::api::{Finding, Problem};
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

/// A validation failure made here, with the same findings the server would send.
pub fn invalid(findings: Vec<Finding>) -> ApiError {
    let mut problem = Problem::new(422, "Fix the fields marked below.");
    problem.errors = findings;
    ApiError::Invalid(problem)
}

/// Whether a finding is about the field `path` (or one of its parts, e.g. `environment_variables.X`).
pub fn finding_is_about(finding: &Finding, path: &str) -> bool {
    finding.path == path || finding.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// The messages of the findings about one field, under it. `id` is what the input's
/// `aria-describedby` names.
#[component]
pub fn FieldFindings(error: RwSignal<Option<ApiError>>, path: &'static str, #[prop(into)] id: String) -> impl IntoView {
    let messages = move || {
        error.with(|error| {
            error
                .as_ref()
                .map(|e| e.findings().iter().filter(|f| finding_is_about(f, path)).map(|f| f.message.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <span class="field-findings" id=id>
            {move || messages().into_iter().map(|message| view! { <span class="field-error">{message}</span> }).collect_view()}
        </span>
    }
}

/// `aria-invalid` for an input: "true" while a finding is about it.
pub fn invalid_attr(error: RwSignal<Option<ApiError>>, path: &'static str) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync {
    move || {
        error.with(|error| error.as_ref().is_some_and(|e| e.findings().iter().any(|f| finding_is_about(f, path))).then_some("true"))
    }
}

/// The form's alert: the sentence (a 409's explanation, say) and any findings that belong to no
/// field the form shows.
#[component]
pub fn FormAlert(error: RwSignal<Option<ApiError>>, fields: &'static [&'static str]) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let stray: Vec<Finding> =
                error.findings().iter().filter(|f| !fields.iter().any(|field| finding_is_about(f, field))).cloned().collect();
            let conflict = matches!(error, ApiError::Conflict(_));
            view! {
                <div class=if conflict { "alert alert-error refusal" } else { "alert alert-error" } role="alert">
                    <p>{error.to_string()}</p>
                    {(!stray.is_empty()).then(|| view! {
                        <ul>
                            {stray.into_iter().map(|f| view! { <li><code>{f.path.clone()}</code>": "{f.message.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                </div>
            }
        })
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

    #[test]
    fn findings_belong_to_their_field_and_its_parts() {
        let finding = Finding::field_error("x", "environment_variables.1BAD", "m");
        assert!(finding_is_about(&finding, "environment_variables"));
        assert!(!finding_is_about(&finding, "environment"));
        assert!(finding_is_about(&Finding::field_error("x", "name", "m"), "name"));
    }
}
