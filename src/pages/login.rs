//! `/login`: the sign-in form. On success it returns to `?next=` (a path on this site only); an
//! API address there (`/api/v1/instances/{id}/open`) is loaded as a new page.

use crate::api;
use crate::components::form::{unprocessable, Submission};
use crate::components::messages::ErrorAlert;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use wavehub_core::accounts::LoginRequest;

/// Where to go after signing in: `next` when it is a path on this site, else the catalog. Refuses
/// `//host` and `/\host`, which browsers treat as other sites (an open redirect otherwise).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") => path.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Whether `next` (already [`safe_next`]) is served by the server rather than by this app's
/// router, so that signing in must load it as a new page.
pub fn leaves_the_app(next: &str) -> bool {
    next.starts_with("/api/")
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sign_in = Submission::new(
        move |request: LoginRequest| async move {
            let answer = api::login(&request).await;
            if answer.is_err() {
                password.set(String::new());
            }
            answer
        },
        move |me| {
            session.me.set(Some(me));
            session.checked.set(true);
            let next = safe_next(query.get_untracked().get("next").as_deref());
            if leaves_the_app(&next) {
                // An API address (an instance's `/open`, say) is the server's, not a page of this
                // app: the router would show "Page not found".
                let _ = window().location().assign(&next);
            } else {
                navigate(&next, Default::default());
            }
        },
    );
    let (error, pending) = (sign_in.error, sign_in.pending());

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = LoginRequest { username: username.get_untracked(), password: password.get_untracked() };
        if request.username.trim().is_empty() || request.password.is_empty() {
            error.set(Some(unprocessable("Enter your username and password.", Vec::new())));
            return;
        }
        sign_in.submit(Vec::new(), request);
    };

    view! {
        <section class="card narrow">
            <h1>"Sign in to Wavehub"</h1>
            <form class="form" on:submit=submit novalidate>
                <ErrorAlert error=error/>
                <label for="login-username">"Username"</label>
                <input id="login-username" name="username" type="text" autocomplete="username" autocapitalize="none"
                    spellcheck="false" required bind:value=username/>
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password" autocomplete="current-password" required
                    bind:value=password/>
                <button type="submit" class="button" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{leaves_the_app, safe_next};

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/apps/42?tab=versions")), "/apps/42?tab=versions");
        assert_eq!(safe_next(None), "/");
        for hostile in ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", ""] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile}");
        }
    }

    #[test]
    fn api_addresses_load_as_pages() {
        assert!(leaves_the_app(&safe_next(Some("/api/v1/instances/7/open"))));
        assert!(!leaves_the_app("/instances?focus=7"));
        assert!(!leaves_the_app("/apis"));
    }
}
