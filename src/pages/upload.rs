//! `/upload`: the upload page arrives in the next commit.
use leptos::prelude::*;

#[component]
pub fn UploadPage() -> impl IntoView {
    view! { <section class="card"><h1>"Upload an app"</h1></section> }
}
