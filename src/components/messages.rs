//! How errors reach the person: one alert for the sentence, and the per-field findings listed
//! with where they are.

use crate::api::ApiError;
use leptos::prelude::*;

/// Shows an API error: its sentence, then each finding with its field. Screen readers announce it.
#[component]
pub fn ErrorAlert(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let findings = error.findings().to_vec();
            view! {
                <div class="alert alert-error" role="alert">
                    <p>{error.to_string()}</p>
                    <Show when={
                        let count = findings.len();
                        move || count > 1
                    }>
                        <ul>
                            {findings.iter().map(|f| view! { <li><code>{f.path.clone()}</code>": "{f.message.clone()}</li> }).collect_view()}
                        </ul>
                    </Show>
                </div>
            }
        })
    }
}
