//! A labelled text field with its hint and its findings: how the forms draw an input.

use super::{invalid_attr, FieldFindings};
use crate::api::ApiError;
use leptos::prelude::*;

/// A label, a one-line input (or, with `rows`, a text area) bound to `value`, its hint, and the
/// findings about `path` under it. The input names the hint (`{id}-hint`), the elements of
/// `described_by` and its findings (`{id}-findings`) in `aria-describedby`, and is `aria-invalid`
/// while a finding is about `path` or `invalid` holds.
#[component]
pub fn TextField(
    /// The input's id, which the label points at.
    #[prop(into)]
    id: String,
    label: &'static str,
    /// The field as the request and its findings name it.
    path: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<ApiError>>,
    /// Words under the input: the form a name takes, say.
    #[prop(optional, into)]
    hint: Option<String>,
    /// A new password: hidden as typed, and the browser may offer to make one.
    #[prop(optional)]
    password: bool,
    /// Typed as written (names, ids, image references): no capital letters added, no spelling marks.
    #[prop(optional)]
    verbatim: bool,
    #[prop(optional, into)]
    placeholder: MaybeProp<String>,
    #[prop(optional)]
    maxlength: Option<usize>,
    /// A text area of this many rows instead of a one-line input.
    #[prop(optional)]
    rows: Option<u32>,
    /// Ids of other elements that describe the input, such as a preview below it.
    #[prop(optional)]
    described_by: &'static str,
    /// The form's own reason to mark the input invalid, beside its findings.
    #[prop(optional, into)]
    invalid: Option<Signal<bool>>,
    /// What stands between the hint and the findings (a preview of what the value means).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let findings_id = format!("{id}-findings");
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    let described: Vec<&str> =
        [hint_id.as_deref(), Some(described_by).filter(|ids| !ids.is_empty()), Some(findings_id.as_str())].into_iter().flatten().collect();
    let described = described.join(" ");
    let has_findings = invalid_attr(error, path);
    let aria_invalid = move || (has_findings().is_some() || invalid.is_some_and(|invalid| invalid.get())).then_some("true");
    let (autocapitalize, spellcheck) = if verbatim { (Some("none"), Some("false")) } else { (None, None) };
    let input = match rows {
        Some(rows) => view! {
            <textarea id=id.clone() rows=rows maxlength=maxlength autocapitalize=autocapitalize spellcheck=spellcheck
                placeholder=move || placeholder.get() bind:value=value aria-invalid=aria_invalid aria-describedby=described></textarea>
        }
        .into_any(),
        None => view! {
            <input id=id.clone() type=if password { "password" } else { "text" } autocomplete=if password { "new-password" } else { "off" }
                maxlength=maxlength autocapitalize=autocapitalize spellcheck=spellcheck placeholder=move || placeholder.get()
                bind:value=value aria-invalid=aria_invalid aria-describedby=described/>
        }
        .into_any(),
    };
    view! {
        <label for=id>{label}</label>
        {input}
        {hint.map(|text| view! { <span class="hint" id=hint_id>{text}</span> })}
        {children.map(|children| children())}
        <FieldFindings error path id=findings_id/>
    }
}
