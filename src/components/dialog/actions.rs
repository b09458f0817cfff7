//! A dialog form's buttons: the submit button that names what it does, and Cancel.

use leptos::prelude::*;

/// The form's submit button (`label`, or `busy_label` while `pending`; disabled meanwhile; a
/// danger button when `danger`) and Cancel, which calls `on_cancel`.
#[component]
pub fn DialogActions(
    #[prop(into)] label: String,
    #[prop(optional)] busy_label: Option<&'static str>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] danger: bool,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let shown = move || match busy_label {
        Some(busy) if pending.get() => busy.to_owned(),
        _ => label.clone(),
    };
    view! {
        <div class="modal-actions">
            <button type="submit" class=if danger { "button-danger" } else { "button" } disabled=move || pending.get()>{shown}</button>
            <button type="button" class="button-quiet" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}
