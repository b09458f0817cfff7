//! A field's findings under it, and its `aria-invalid` while it has any.

use super::finding_is_about;
use crate::api::ApiError;
use leptos::prelude::*;

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
