//! A question before an action: what it does, a confirm button that names it, and Cancel.

use super::Modal;
use crate::components::form::Submission;
use leptos::prelude::*;

/// A modal titled `title` that says `message`; `confirm_label` (a danger button unless `safe`)
/// calls `on_confirm`, Cancel and Escape call `on_close`. The caller closes it after confirming.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_close: Callback<()>,
    /// Asked as an `alertdialog` of this name (a question that interrupts, e.g. "Confirm delete").
    #[prop(optional, into)]
    alert: Option<String>,
    /// The confirm button is disabled while this holds (a request on its way, a reason refused).
    #[prop(optional, into)]
    disabled: Signal<bool>,
    /// The change is not destructive: a plain button instead of a danger one.
    #[prop(optional)]
    safe: bool,
    /// What the question needs besides its sentence: a reason field, the server's refusal.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <Modal title on_close alert>
            <p class="consequence">{message}</p>
            {children.map(|children| children())}
            <div class="modal-actions">
                <button type="button" class=if safe { "button" } else { "button-danger" } on:click=move |_| on_confirm.run(())
                    disabled=move || disabled.get()>{confirm_label}</button>
                <button type="button" class="button-quiet" on:click=move |_| on_close.run(())>"Cancel"</button>
            </div>
        </Modal>
    }
}

/// The question before a table row's Delete: "Delete {noun} {name}?", asked as the `alertdialog`
/// "Confirm deleting {noun} {name}" while `asking`. Its button sends `delete`; the question goes
/// once the answer is in, and a refusal shows in the row (from `delete.error`), not in it.
#[component]
pub fn DeleteRowDialog(
    noun: &'static str,
    #[prop(into)] name: String,
    #[prop(into)] consequence: String,
    asking: RwSignal<bool>,
    delete: Submission<(), ()>,
) -> impl IntoView {
    Effect::new(move |_| {
        if delete.action.value().read().is_some() {
            asking.set(false);
        }
    });
    move || {
        asking.get().then(|| {
            view! {
                <ConfirmDialog title=format!("Delete {noun} {name}?") message=consequence.clone() confirm_label=format!("Delete {noun}")
                    alert=format!("Confirm deleting {noun} {name}") disabled=delete.pending()
                    on_confirm=move || delete.submit(Vec::new(), ()) on_close=move || asking.set(false)/>
            }
        })
    }
}
