//! Each page's own title in the browser's tab and history (`Catalog · Wavehub`): named from the
//! route in one place ([`title_for`]), and refined by a page that knows better ([`PageTitle`]: an
//! app's own title). One effect writes `document.title`, so the two never race.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

thread_local! {
    /// The title the page on screen gives itself, if any; the route's title otherwise.
    static PAGE_CLAIM: ArcRwSignal<Option<String>> = ArcRwSignal::new(None);
}

/// The title of the page at `path`, before the page has loaded anything.
pub fn title_for(path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|part| !part.is_empty()).collect();
    let decoded = |part: &str| wavehub_core::text::percent_decode(part).unwrap_or_else(|| part.to_owned());
    match parts.as_slice() {
        [] => "Catalog".to_owned(),
        ["apps", "by-name", name, "rollout"] => format!("Roll out {}", decoded(name)),
        ["apps", "by-name", name, "history"] => format!("History of {}", decoded(name)),
        ["apps", _] => "App".to_owned(),
        ["upload"] => "Upload an app".to_owned(),
        ["instances"] => "My instances".to_owned(),
        ["login"] => "Sign in".to_owned(),
        ["account", "tokens"] => "API tokens".to_owned(),
        ["admin", "runtime-images"] => "Runtime images".to_owned(),
        ["admin", "runtime-images", "all"] => "Runtime images in every workspace".to_owned(),
        ["admin", "runtime-images", _, image] => format!("Runtime image {}", decoded(image)),
        ["admin", "runtimes"] => "Runtimes".to_owned(),
        ["admin", "tags"] => "Tags".to_owned(),
        ["admin", "secrets"] => "Secrets".to_owned(),
        ["admin", "users"] => "Users".to_owned(),
        ["admin", "audit"] => "Audit log".to_owned(),
        _ => "Page not found".to_owned(),
    }
}

/// Follows the route and the page's own claim: the one writer of the tab's title. Place it once,
/// inside the router.
#[component]
pub fn RouteTitle() -> impl IntoView {
    let location = use_location();
    let claim = PAGE_CLAIM.with(Clone::clone);
    Effect::new(move |_| {
        let title = claim.get().unwrap_or_else(|| title_for(&location.pathname.get()));
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(&format!("{title} · Wavehub"));
        }
    });
}

/// A page's own title (`Sales Forecast 2.0.0`), while the page is on screen.
#[component]
pub fn PageTitle(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let claim = PAGE_CLAIM.with(Clone::clone);
    let set = claim.clone();
    Effect::new(move |_| set.set(Some(text.get())));
    on_cleanup(move || claim.set(None));
}

#[cfg(test)]
mod tests {
    use super::title_for;

    #[test]
    fn each_route_has_its_own_title() {
        assert_eq!(title_for("/"), "Catalog");
        assert_eq!(title_for("/upload"), "Upload an app");
        assert_eq!(title_for("/admin/audit/"), "Audit log");
        assert_eq!(title_for("/apps/7"), "App");
        assert_eq!(title_for("/apps/by-name/ai.h2o.my%20app/rollout"), "Roll out ai.h2o.my app");
        assert_eq!(title_for("/nowhere/at/all"), "Page not found");
    }
}
