use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// Any path the router does not know.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let location = use_location();
    view! {
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"Wavehub has no page at " <code>{move || location.pathname.get()}</code> "."</p>
            <A href="/" attr:class="button">"Go to the catalog"</A>
        </section>
    }
}
