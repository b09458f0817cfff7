//! The admin screens, each in the folder its URL names (`/admin/tags` is `admin/tags.rs`), and the
//! gate the admins-only ones share.

pub mod audit;
pub mod runtime_images;
pub mod runtimes;
pub mod secrets;
pub mod tags;
pub mod users;

use crate::session::use_session;
use leptos::prelude::*;

/// A screen for admins only: `children` for an admin; for anyone else the screen's `title` and
/// why not (the server refuses them all the same; this only spares them a useless screen).
#[component]
pub fn AdminOnly(
    title: &'static str,
    /// The refusal, as an alert.
    #[prop(optional)]
    refusal: Option<&'static str>,
    /// What to do instead.
    #[prop(optional)]
    advice: Option<&'static str>,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let is_admin = Memo::new(move |_| session.me.get().is_some_and(|me| me.is_admin()));
    move || {
        if is_admin.get() {
            children().into_any()
        } else {
            view! {
                <section class="card">
                    <h1>{title}</h1>
                    {refusal.map(|text| view! { <p class="alert alert-error" role="alert">{text}</p> })}
                    {advice.map(|text| view! { <p>{text}</p> })}
                </section>
            }
            .into_any()
        }
    }
}
