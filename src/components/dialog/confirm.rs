//! A question before an action: what it does, a confirm button that names it, and Cancel.

use super::Modal;
use leptos::prelude::*;

/// A modal titled `title` that says `message`; `confirm_label` (a danger button) calls
/// `on_confirm`, Cancel and Escape call `on_close`. The caller closes it after confirming.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title on_close>
            <p class="consequence">{message}</p>
            <div class="modal-actions">
                <button type="button" class="button-danger" on:click=move |_| on_confirm.run(())>{confirm_label}</button>
                <button type="button" class="button-quiet" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Modal>
    }
}
