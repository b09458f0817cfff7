//! Light and dark themes: the system's preference decides, and follows it as it changes, until the
//! user picks the other theme (kept in localStorage; picking the system's again forgets it). The theme is a `data-theme` attribute on `<html>` that style/main.css reads.

use leptos::prelude::*;

const STORAGE_KEY: &str = "wavehub-theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn toggled(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        }
    }

    fn parse(value: &str) -> Option<Theme> {
        match value {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The system's preference (`prefers-color-scheme`), light when it says nothing.
fn system_theme() -> Theme {
    let prefers_dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok()?)
        .is_some_and(|query| query.matches());
    if prefers_dark { Theme::Dark } else { Theme::Light }
}

fn saved_theme() -> Option<Theme> {
    storage().and_then(|s| s.get_item(STORAGE_KEY).ok()?).and_then(|v| Theme::parse(&v))
}

/// The saved choice, else the system preference.
pub fn initial_theme() -> Theme {
    saved_theme().unwrap_or_else(system_theme)
}

/// Shows `theme`, and remembers it only while it differs from the system's: choosing the system's
/// own theme again goes back to following the system.
pub fn apply_theme(theme: Theme) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    if let Some(storage) = storage() {
        let _ = if theme == system_theme() { storage.remove_item(STORAGE_KEY) } else { storage.set_item(STORAGE_KEY, theme.as_str()) };
    }
}

/// Calls `changed` with the system's new theme whenever it changes (the OS switching to dark at
/// night), for as long as the page lives.
fn on_system_change(changed: impl Fn(Theme) + 'static) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(query) = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok()?) else {
        return;
    };
    let listener = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(move |event: web_sys::MediaQueryListEvent| {
        changed(if event.matches() { Theme::Dark } else { Theme::Light })
    });
    let _ = query.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
    // The toggle lives as long as the page, so the listener does too.
    listener.forget();
}

/// A button that switches between light and dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(initial_theme());
    Effect::new(move |_| apply_theme(theme.get()));
    // Without a choice of one's own, the page follows the system as it changes.
    on_system_change(move |system| {
        if saved_theme().is_none() {
            theme.set(system);
        }
    });
    let label = move || match theme.get() {
        Theme::Light => "Switch to dark theme",
        Theme::Dark => "Switch to light theme",
    };
    view! {
        <button type="button" class="icon-button theme-toggle" aria-label=label title=label
            on:click=move |_| theme.update(|t| *t = t.toggled())>
            {move || match theme.get() { Theme::Light => "☾", Theme::Dark => "☀" }}
        </button>
    }
}
