//! Wavehub's web app: Leptos, rendered in the browser, talking to the server's `/api/v1`. Built
//! into two pages ([`app::CatalogApp`], [`app::ConsoleApp`]), one binary each.

pub mod api;
pub mod app;
pub mod components;
pub mod first_paint;
pub mod pages;
pub mod session;
pub mod theme;

/// Starts `app` in the page's `<body>`.
pub fn start<V: leptos::IntoView + 'static>(app: fn() -> V) {
    console_error_panic_hook::set_once();
    theme::apply_theme(theme::initial_theme());
    leptos::mount::mount_to_body(app);
}
