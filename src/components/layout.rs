//! The frame around every page: the top bar with navigation and sign-in state, and the guard
//! that asks visitors to sign in ([`SignedInArea`], the signed-in area's parent route).

use crate::session::{use_session, Session};
use crate::theme::ThemeToggle;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_navigate};

/// The bar at the top of every page.
#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    let signed_in = move || session.me.get().is_some();
    let can_publish = move || session.me.get().is_some_and(|me| me.can_publish());
    let is_admin = move || session.me.get().is_some_and(|me| me.is_admin());
    view! {
        <header class="topbar">
            <a class="skip-link" href="#main" on:click=skip_to_content>"Skip to content"</a>
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Wavehub"
            </A>
            <nav aria-label="Main">
                <ul class="nav-links">
                    <Show when=signed_in>
                        <li><A href="/" exact=true>"Catalog"</A></li>
                        <li><A href="/instances">"My instances"</A></li>
                    </Show>
                    <Show when=can_publish>
                        <li><A href="/upload">"Upload"</A></li>
                    </Show>
                    // Workspace members read runtime images and runtimes; the pages say when the
                    // caller is in no workspace.
                    <Show when=signed_in>
                        <li><A href="/admin/runtime-images">"Runtime images"</A></li>
                        <li><A href="/admin/runtimes">"Runtimes"</A></li>
                        // Everyone reads tags; who may assign or edit one is the tag's own rule.
                        <li><A href="/admin/tags">"Tags"</A></li>
                    </Show>
                    <Show when=is_admin>
                        <li><A href="/admin/secrets">"Secrets"</A></li>
                        <li><A href="/admin/users">"Users"</A></li>
                        <li><A href="/admin/audit">"Audit log"</A></li>
                    </Show>
                </ul>
            </nav>
            <div class="topbar-end">
                <ThemeToggle/>
                <AccountMenu session/>
            </div>
        </header>
    }
}

/// Moves focus to the page's content, not only the view: the router would otherwise take the click,
/// and a keyboard user's next Tab would start from the top bar again.
fn skip_to_content(event: leptos::ev::MouseEvent) {
    let main = web_sys::window().and_then(|window| window.document()).and_then(|document| document.get_element_by_id("main"));
    if let Some(main) = main.and_then(|main| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(main).ok()) {
        event.prevent_default();
        // Focusable by script only, so Tab order stays as it is.
        let _ = main.set_attribute("tabindex", "-1");
        let _ = main.focus();
    }
}

/// "Sign in", or the signed-in user with a sign-out button.
#[component]
fn AccountMenu(session: Session) -> impl IntoView {
    let navigate = use_navigate();
    // Even if the server cannot be reached, forget the user here; the cookie is HttpOnly and will
    // be refused once the session ends on the server.
    let signing_out = Action::new_local(|()| async {
        let _ = crate::api::logout().await;
    });
    Effect::new(move |_| {
        if signing_out.value().read().is_some() {
            session.me.set(None);
            navigate("/login", Default::default());
        }
    });
    let sign_out = move |_| {
        crate::first_paint::forget();
        signing_out.dispatch_local(());
    };
    move || match session.me.get() {
        Some(me) => {
            let roles = me.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
            view! {
                <span class="account" data-testid="account">
                    <span class="account-name" title=format!("Roles: {roles}")>{me.username.clone()}</span>
                    <A href="/account/tokens" attr:class="button-quiet">"API tokens"</A>
                    <button type="button" class="button-quiet" on:click=sign_out>"Sign out"</button>
                </span>
            }
            .into_any()
        }
        None if session.checked.get() => view! { <A href="/login" attr:class="button">"Sign in"</A> }.into_any(),
        None => view! { <span class="account-pending" aria-hidden="true"></span> }.into_any(),
    }
}

/// The view of the signed-in area's parent route (app.rs): its pages, for signed-in users only.
#[component]
pub fn SignedInArea() -> impl IntoView {
    view! { <RequireSignIn><Outlet/></RequireSignIn> }
}

/// Shows `children` to signed-in users; others get a link to the sign-in page that brings them
/// back here afterwards.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    // Whether someone is signed in, once known: the pages are not rebuilt when the session is
    // merely set again.
    let signed_in = Memo::new(move |_| session.checked.get().then(|| session.me.with(Option::is_some)));
    move || match signed_in.get() {
        None => view! { <p class="muted" aria-busy="true">"Loading…"</p> }.into_any(),
        Some(true) => children().into_any(),
        Some(false) => {
            crate::first_paint::forget();
            crate::first_paint::drawn();
            let here = format!("{}{}", location.pathname.get(), location.search.get());
            let href = format!("/login?next={}", urlencode(&here));
            view! {
                <section class="card narrow">
                    <h1>"Sign in to continue"</h1>
                    <p>"Wavehub shows its apps and tools to signed-in users."</p>
                    <A href=href attr:class="button">"Sign in"</A>
                </section>
            }
            .into_any()
        }
    }
}

/// Percent-encodes a query value (the few characters that matter in a path and query).
pub fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urlencode_keeps_paths_readable_and_escapes_the_rest() {
        assert_eq!(super::urlencode("/apps/42?tab=a b&x=1"), "/apps/42%3Ftab%3Da%20b%26x%3D1");
    }
}
