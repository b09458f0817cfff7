//! The application: session, top bar and every route of the web app (DESIGN.md, "Browser app").

use crate::components::layout::TopBar;
use crate::components::title::RouteTitle;
use crate::pages::account::TokensPage;
use crate::pages::admin::audit::AuditPage;
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
use crate::pages::runtime_images::{AllRuntimeImagesPage, RuntimeImagePage, RuntimeImagesPage, RuntimesPage};
use crate::pages::upload::UploadPage;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[component]
pub fn App() -> impl IntoView {
    Session::provide_and_load();
    view! {
        <Router>
            <RouteTitle/>
            <TopBar/>
            <main id="main" class="page">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=CatalogPage/>
                    <Route path=path!("/apps/by-name/:name/rollout") view=RolloutPage/>
                    <Route path=path!("/apps/by-name/:name/history") view=AppHistoryPage/>
                    <Route path=path!("/apps/:id") view=AppPage/>
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
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/account/tokens") view=TokensPage/>
                </Routes>
            </main>
        </Router>
    }
}
