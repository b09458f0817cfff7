//! The form kit: a 422 made in the browser with the findings the server would send ([`invalid`]),
//! a labelled field with its hint and findings ([`TextField`]), each finding shown under its field
//! ([`FieldFindings`], [`invalid_attr`], for inputs of other kinds), the form's alert for
//! the rest ([`FormAlert`]), the role checkboxes ([`RolePicker`]), and how a form sends
//! ([`Submission`]: a Leptos `Action` with its pending state and the refusal to show).

mod field_findings;
mod form_alert;
mod role_picker;
mod submission;
mod text_field;

pub use field_findings::{invalid_attr, FieldFindings};
pub use form_alert::FormAlert;
pub use role_picker::{RoleCheckboxes, RolePicker};
pub use submission::Submission;
pub use text_field::TextField;

use crate::api::ApiError;
use wavehub_core::api::{Finding, Problem};

/// A refusal made here before sending, shaped as the server's 422: `sentence`, then `findings`.
pub fn unprocessable(sentence: &str, findings: Vec<Finding>) -> ApiError {
    let mut problem = Problem::new(422, sentence);
    problem.errors = findings;
    ApiError::Invalid(problem)
}

/// A form's own check failed: the findings go to their fields.
pub fn invalid(findings: Vec<Finding>) -> ApiError {
    unprocessable("Fix the fields marked below.", findings)
}

/// Whether a finding is about the field `path` (or one of its parts, e.g. `environment_variables.X`).
pub fn finding_is_about(finding: &Finding, path: &str) -> bool {
    finding.path == path || finding.path.strip_prefix(path).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_belong_to_their_field_and_its_parts() {
        let finding = Finding::field_error("x", "environment_variables.1BAD", "m");
        assert!(finding_is_about(&finding, "environment_variables"));
        assert!(!finding_is_about(&finding, "environment"));
        assert!(finding_is_about(&Finding::field_error("x", "name", "m"), "name"));
    }

    #[test]
    fn a_refusal_made_here_reads_like_the_servers() {
        let refused = unprocessable("Enter your username and password.", Vec::new());
        assert_eq!(refused.to_string(), "Enter your username and password.");
        assert!(refused.findings().is_empty());
    }
}
