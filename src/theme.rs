//! Light and dark themes: the choice is kept in localStorage, and without one the system's
//! preference decides. The theme is a `data-theme` attribute on `<html>` that style/main.css reads.

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

/// The saved choice, else the system preference, else light.
pub fn initial_theme() -> Theme {
    let saved = storage().and_then(|s| s.get_item(STORAGE_KEY).ok()?).and_then(|v| Theme::parse(&v));
    let prefers_dark = || {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok()?)
            .is_some_and(|query| query.matches())
    };
    saved.unwrap_or_else(|| if prefers_dark() { Theme::Dark } else { Theme::Light })
}

/// Shows `theme` and remembers it.
pub fn apply_theme(theme: Theme) {
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, theme.as_str());
    }
}

/// A button that switches between light and dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(initial_theme());
    Effect::new(move |_| apply_theme(theme.get()));
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
