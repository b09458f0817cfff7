//! The application: session, top bar and the routes of the web app's two pages (DESIGN.md,
//! "Browser app"; which path belongs to which page is core's [`WebEntry::for_path`]).
//!
//! Both pages are built from this crate, each as its own binary: the catalog page holds only what
//! browsing needs, so a visitor's first download stays small, and the console page holds the rest.
//! A link from one to the other is a full navigation, made by [`Unrouted`].
//!
//! Every page but signing in is for signed-in users: the signed-in area is one parent route whose
//! view, [`SignedInArea`], asks visitors to sign in and shows members the page.

use crate::components::layout::{SignedInArea, TopBar};
use crate::components::title::RouteTitle;
use crate::pages::account::TokensPage;
use crate::pages::admin::audit::AuditPage;
use crate::pages::admin::runtime_images::{AllRuntimeImagesPage, RuntimeImagePage, RuntimeImagesPage};
use crate::pages::admin::runtimes::RuntimesPage;
use crate::pages::admin::secrets::SecretsPage;
use crate::pages::admin::tags::TagsPage;
use crate::pages::admin::users::UsersPage;
use crate::pages::app_history::AppHistoryPage;
use crate::pages::app_page::AppPage;
use crate::pages::catalog::CatalogPage;
use crate::pages::instances::InstancesPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::rollout::RolloutPage;
use crate::pages::upload::UploadPage;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use wavehub_core::web_entry::WebEntry;

/// The catalog page (`index.html`): the catalog, an app's page and signing in.
#[component]
pub fn CatalogApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| view! { <Unrouted this=WebEntry::Catalog/> }>
                // The catalog guards itself: it asks for its first page beside the session check,
                // not after it (the server has the browser preload both).
                <Route path=path!("/") view=CatalogPage/>
                <Route path=path!("/login") view=LoginPage/>
                <ParentRoute path=path!("") view=SignedInArea>
                    <Route path=path!("/apps/:id") view=AppPage/>
                </ParentRoute>
            </Routes>
        </Frame>
    }
}

/// The console page (`console.html`): uploading, rolling out, instances, runtime images and the
/// admin screens.
#[component]
pub fn ConsoleApp() -> impl IntoView {
    view! {
        <Frame>
            <Routes fallback=|| view! { <Unrouted this=WebEntry::Console/> }>
                <ParentRoute path=path!("") view=SignedInArea>
                    <Route path=path!("/apps/by-name/:name/rollout") view=RolloutPage/>
                    <Route path=path!("/apps/by-name/:name/history") view=AppHistoryPage/>
                    <Route path=path!("/upload") view=UploadPage/>
                    <Route path=path!("/instances") view=InstancesPage/>
                    <Route path=path!("/admin/runtime-images") view=RuntimeImagesPage/>
                    <Route path=path!("/admin/runtime-images/all") view=AllRuntimeImagesPage/>
                    <Route path=path!("/admin/runtime-images/:ws/:uid") view=RuntimeImagePage/>
                    <Route path=path!("/admin/runtimes") view=RuntimesPage/>
                    <Route path=path!("/admin/tags") view=TagsPage/>
                    <Route path=path!("/admin/secrets") view=SecretsPage/>
                    <Route path=path!("/admin/users") view=UsersPage/>
                    <Route path=path!("/admin/audit") view=AuditPage/>
                    <Route path=path!("/account/tokens") view=TokensPage/>
                </ParentRoute>
            </Routes>
        </Frame>
    }
}

/// What both pages share: the session, the router, the tab's title and the top bar.
#[component]
fn Frame(children: Children) -> impl IntoView {
    // Read now, before the router changes the address.
    LOADED_AT.with(|_| ());
    Session::provide_and_load();
    view! {
        <Router>
            <RouteTitle/>
            <TopBar/>
            <main id="main" class="page">{children()}</main>
        </Router>
    }
}

thread_local! {
    /// The path this document was loaded at: the server chose this page for it. Lazy, so [`Frame`]
    /// reads it first.
    static LOADED_AT: String = window().location().pathname().unwrap_or_default();
}

/// A path this page's router has no route for. When it belongs to the other page, the browser
/// loads that page (replacing the history entry the router pushes for it, so Back still works);
/// otherwise it is not found. A path the server already answered with this page is never sent
/// back, so a server that lacks the other page cannot start a loop.
#[component]
fn Unrouted(this: WebEntry) -> impl IntoView {
    let location = use_location();
    move || {
        let path = location.pathname.get();
        let elsewhere = WebEntry::for_path(&path) != this && LOADED_AT.with(|loaded| *loaded != path);
        if elsewhere {
            // From the router's location: it writes the address bar only after the view is drawn.
            let search = location.search.get_untracked();
            let hash = location.hash.get_untracked();
            let mut href = path.clone();
            if !search.is_empty() {
                href = format!("{href}?{search}");
            }
            if !hash.trim_start_matches('#').is_empty() {
                href = format!("{href}#{}", hash.trim_start_matches('#'));
            }
            let _ = window().location().replace(&href);
            view! { <p class="muted" aria-busy="true">"Loading…"</p> }.into_any()
        } else {
            view! { <NotFoundPage/> }.into_any()
        }
    }
}
