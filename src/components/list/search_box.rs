//! The search box of a list: the list follows the text once typing pauses, so a word typed
//! quickly is one request, not one per letter.

use leptos::prelude::*;
use std::time::Duration;

/// A `type=search` input showing `value` (the URL's); `on_search` gets the text when typing has
/// paused for `pause`. The label is the caller's: `id` is what it points at.
#[component]
pub fn SearchBox(
    #[prop(into)] value: Signal<String>,
    on_search: impl Fn(String) + Clone + 'static,
    pause: Duration,
    #[prop(optional, into)] id: Option<String>,
    #[prop(into)] placeholder: String,
) -> impl IntoView {
    // Each keystroke takes a ticket; only the last one's timer searches (and none once the list is gone).
    let typing = StoredValue::new(0u64);
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        let ticket = typing.get_value() + 1;
        typing.set_value(ticket);
        let on_search = on_search.clone();
        set_timeout(
            move || {
                if typing.try_get_value() == Some(ticket) {
                    on_search(text);
                }
            },
            pause,
        );
    };
    view! { <input id=id type="search" placeholder=placeholder prop:value=move || value.get() on:input=on_input/> }
}
