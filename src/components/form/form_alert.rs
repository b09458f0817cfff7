//! The form's alert: what no single field shows.

use super::finding_is_about;
use crate::api::ApiError;
use leptos::prelude::*;
use wavehub_core::api::Finding;

/// The sentence (a 409's explanation, say) and any findings that belong to no field the form
/// shows (`fields`).
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
