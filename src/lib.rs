//! Wavehub's web app: Leptos, rendered in the browser, talking to the server's `/api/v1`.

pub mod api;
pub mod app;
pub mod components;
pub mod pages;
pub mod session;
pub mod theme;

/// Starts the app in the page's `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    theme::apply_theme(theme::initial_theme());
    leptos::mount::mount_to_body(app::App);
}
