//! The browser tab's title for a page: `<what> · Wavehub`, back to `Wavehub` when the page goes.

use leptos::prelude::*;

#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let set = |title: &str| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(title);
        }
    };
    Effect::new(move |_| set(&format!("{} · Wavehub", text.get())));
    on_cleanup(move || set("Wavehub"));
}
