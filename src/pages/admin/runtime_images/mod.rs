//! Runtime images (shared/API.md, "Runtime images"): the list of a workspace's images
//! (`/admin/runtime-images?ws=`) and one image's page (`/admin/runtime-images/:ws/:uid`), with what
//! the workspace's runtimes page (`../runtimes.rs`, `/admin/runtimes?ws=`) shares with them. Workspace members read; workspace admins
//! change what the API manages; the platform's bootstrap-managed images follow the ceiling rule.
//! The rules (version from a tag, reasons, the current version, the ceiling) come from
//! wavehub-core, the same code the server runs.

pub mod detail;
pub mod dialogs;
pub mod list;
pub mod version_preview;
pub mod workspace;

pub use detail::RuntimeImagePage;
pub use list::{AllRuntimeImagesPage, RuntimeImagesPage};

use crate::api::ApiError;
use crate::components::bulk::BulkAction;
use crate::components::format::capitalized;
use leptos::prelude::*;
use std::future::Future;
use wavehub_core::apps::percent_encode;
use wavehub_core::runtime_images::{check_reason, Availability, StateAction, StateChange};

/// The image list's path.
pub const LIST_PATH: &str = "/admin/runtime-images";
/// Every workspace's images, for platform admins.
pub const ALL_PATH: &str = "/admin/runtime-images/all";
/// The runtimes page's path.
pub const RUNTIMES_PATH: &str = "/admin/runtimes";

/// The list of a workspace's images.
pub fn list_href(ws: &str) -> String {
    format!("{LIST_PATH}?ws={}", percent_encode(ws))
}

/// One image's page.
pub fn image_href(ws: &str, uid: &str) -> String {
    format!("{LIST_PATH}/{}/{}", percent_encode(ws), percent_encode(uid))
}

/// A workspace's runtimes.
pub fn runtimes_href(ws: &str) -> String {
    format!("{RUNTIMES_PATH}?ws={}", percent_encode(ws))
}


/// The state changes of the selected images, versions or runtimes (deprecate, disable, and enable
/// or activate): the verbs' words, the reason rule the server applies (required to deprecate or
/// disable), and what each new state means. `apply` changes one row, named by its key.
pub fn state_bulk_actions<F, Fut>(is_version: bool, apply: F) -> Vec<BulkAction>
where
    F: Fn(String, StateAction, StateChange) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    [StateAction::Deprecate, StateAction::Disable, StateAction::Enable]
        .into_iter()
        .map(|action| {
            let apply = apply.clone();
            let verb = action.verb(is_version);
            let state = action.target();
            // Every state verb (deprecate, disable, enable, activate) ends in `e`.
            let done = format!("{verb}d");
            let bulk = BulkAction::new(capitalized(verb), done, format!("Each becomes {state}: {}.", state.meaning()), move |key, reason| {
                apply(key, action, StateChange { reason })
            })
            .with_reason_rule(action.needs_reason(), move |text| check_reason(action, Some(text)));
            if action == StateAction::Enable {
                bulk
            } else {
                bulk.danger()
            }
        })
        .collect()
}

/// The ID field's placeholder in the forms that make an image or a runtime: the id the server
/// derives from the name, when it can.
pub fn id_placeholder(id_from_name: Memo<Option<String>>) -> Signal<String> {
    Signal::derive(move || id_from_name.get().map(|id| format!("{id} (from the name)")).unwrap_or_else(|| "picked by the server when empty".to_owned()))
}

/// The CSS class of a state's badge.
pub fn state_class(state: Availability) -> &'static str {
    match state {
        Availability::Active => "state state-active",
        Availability::Deprecated => "state state-deprecated",
        Availability::Disabled => "state state-disabled",
    }
}

/// A state as a badge; hovering shows the reason, and what the state means.
#[component]
pub fn StateBadge(state: Availability, #[prop(default = None)] reason: Option<String>) -> impl IntoView {
    let title = match &reason {
        Some(reason) => format!("{state}: {reason}"),
        None => format!("{state}: {}", state.meaning()),
    };
    view! { <span class=state_class(state) title=title>{state.as_str()}</span> }
}

/// The badge of images the platform's bootstrap file manages.
#[component]
pub fn PlatformBadge() -> impl IntoView {
    view! {
        <span class="badge badge-platform" title="Managed by the platform's bootstrap file: the console can only restrict its state">
            "Platform"
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_read_well() {
        assert_eq!(image_href("default", "rest-scorer"), "/admin/runtime-images/default/rest-scorer");
        assert_eq!(runtimes_href("team a"), "/admin/runtimes?ws=team%20a");
    }
}
