//! A modal: the browser's own `<dialog>`, so the rest of the page is inert while it is open. Every
//! dialog of the web app is one.

use leptos::prelude::*;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

/// An id no other element of the page has (for labels and `aria-*` references).
pub fn unique_id(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

thread_local! {
    /// What had focus when each open dialog opened, so closing gives it back.
    static OPENERS: RefCell<Vec<Option<web_sys::Element>>> = const { RefCell::new(Vec::new()) };
}

fn give_focus_back() {
    let opener = OPENERS.with(|openers| openers.borrow_mut().pop()).flatten();
    if let Some(opener) = opener {
        // After the dialog has left the page: an element outside an open modal can't take focus.
        // Unless the page has already put it somewhere on purpose (a heading, after a change).
        set_timeout(
            move || {
                let placed = document().active_element().is_some_and(|active| document().body().is_none_or(|body| *body != active));
                if opener.is_connected() && !placed {
                    if let Some(element) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&opener) {
                        let _ = element.focus();
                    }
                }
            },
            std::time::Duration::from_millis(0),
        );
    }
}

/// A modal dialog titled `title`. It opens when shown; focus moves into it (to its first field or
/// button) and returns to what had it when the dialog goes; Escape calls `on_close`.
#[component]
pub fn Modal(
    #[prop(into)] title: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(optional)] wide: bool,
    /// A question that interrupts (`alertdialog`) named `alert` instead of by its title.
    #[prop(optional_no_strip)]
    alert: Option<String>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let title_id = unique_id("dialog-title");
    OPENERS.with(|openers| openers.borrow_mut().push(document().active_element()));
    on_cleanup(give_focus_back);
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        }
    });
    let on_key = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            event.prevent_default();
            on_close.run(());
        }
    };
    let (role, labelled_by) = match &alert {
        Some(_) => (Some("alertdialog"), None),
        None => (None, Some(title_id.clone())),
    };
    view! {
        <dialog node_ref=dialog class=if wide { "modal modal-wide" } else { "modal" } role=role aria-labelledby=labelled_by
            aria-label=alert on:keydown=on_key>
            <h2 id=title_id class="modal-title">{title}</h2>
            {children()}
        </dialog>
    }
}
