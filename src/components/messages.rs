//! How errors reach the person: one alert for the sentence, and the per-field findings listed
//! with where they are ([`ErrorAlert`]); a read that fails under an [`ApiErrorBoundary`] shows as
//! that alert.

use crate::api::ApiError;
use leptos::prelude::*;

/// Reads render as `Result<view, ApiError>` inside it: an error shows as the [`ErrorAlert`], and
/// goes when the read succeeds again. Every read of the web app fails this one way.
#[component]
pub fn ApiErrorBoundary(
    /// What stands around the alert when the read a whole page is about fails (its heading, a
    /// link back); the alert alone otherwise.
    #[prop(optional)]
    frame: Option<fn(AnyView) -> AnyView>,
    children: Children,
) -> impl IntoView {
    let fallback = move |errors: ArcRwSignal<Errors>| {
        let alert = first_api_error(errors).into_any();
        match frame {
            Some(frame) => frame(alert),
            None => alert,
        }
    };
    view! { <ErrorBoundary fallback>{children()}</ErrorBoundary> }
}

/// The boundary's alert: the first of its errors that came from the API.
fn first_api_error(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let first = move || errors.with(|errors| errors.iter().find_map(|(_, error)| error.downcast_ref::<ApiError>().cloned()));
    view! { <ErrorAlert error=Signal::derive(first)/> }
}

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
