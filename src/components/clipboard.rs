//! Copying text for the person: a button that says whether it worked, and falls back to asking
//! them to select the text when the browser refuses (no clipboard outside a secure context).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

/// "Copy", then "Copied" or "Select it to copy".
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(into)] title: String, #[prop(optional, into)] class: String) -> impl IntoView {
    let copying = Action::new_local(|text: &String| {
        let text = text.clone();
        async move { copy_to_clipboard(&text).await }
    });
    let copied = copying.value();
    let copy = move |_| {
        copying.dispatch_local(text.clone());
    };
    view! {
        <button type="button" class=format!("button-quiet {class}") on:click=copy title=title>
            {move || match copied.get() {
                None => "Copy",
                Some(true) => "Copied",
                Some(false) => "Select it to copy",
            }}
        </button>
    }
}

/// `navigator.clipboard.writeText(text)`; false when the browser refuses (no clipboard outside a
/// secure context, or no permission).
async fn copy_to_clipboard(text: &str) -> bool {
    let get = |target: &JsValue, name: &str| js_sys::Reflect::get(target, &JsValue::from_str(name)).ok().filter(|v| !v.is_undefined());
    let clipboard = get(&window().into(), "navigator").and_then(|navigator| get(&navigator, "clipboard"));
    let Some(clipboard) = clipboard else { return false };
    let Some(write) = get(&clipboard, "writeText").and_then(|f| f.dyn_into::<js_sys::Function>().ok()) else { return false };
    match write.call1(&clipboard, &JsValue::from_str(text)).map(js_sys::Promise::from) {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    }
}
