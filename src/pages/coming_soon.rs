//! Pages whose features are not built yet. Each names what it will do, so the navigation is
//! complete and honest from the first day.

use crate::components::layout::RequireSignIn;
use leptos::prelude::*;

#[component]
pub fn ComingSoon(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <RequireSignIn>
            <section class="card">
                <h1>{title}</h1>
                <p>{what}</p>
                <p class="badge">"Coming soon"</p>
            </section>
        </RequireSignIn>
    }
}
