//! Runtime images and runtimes (shared/API.md, "Runtime images"): the list of a workspace's
//! images (`/admin/runtime-images?ws=`), one image's page (`/admin/runtime-images/:ws/:uid`) and
//! the workspace's runtimes (`/admin/runtimes?ws=`). Workspace members read; workspace admins
//! change what the API manages; the platform's bootstrap-managed images follow the ceiling rule.
//! The rules (version from a tag, reasons, the current version, the ceiling) come from
//! wavehub-core, the same code the server runs.

pub mod detail;
pub mod dialogs;
pub mod forms;
pub mod list;
pub mod runtimes;
pub mod workspace;

pub use detail::RuntimeImagePage;
pub use list::RuntimeImagesPage;
pub use runtimes::RuntimesPage;

use leptos::prelude::*;
use wavehub_core::apps::percent_encode;
use wavehub_core::runtime_images::State;

/// The image list's path.
pub const LIST_PATH: &str = "/admin/runtime-images";
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

/// `1 image`, `3 images`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The CSS class of a state's badge.
pub fn state_class(state: State) -> &'static str {
    match state {
        State::Active => "state state-active",
        State::Deprecated => "state state-deprecated",
        State::Disabled => "state state-disabled",
    }
}

/// A state as a badge; hovering shows the reason, and what the state means.
#[component]
pub fn StateBadge(state: State, #[prop(default = None)] reason: Option<String>) -> impl IntoView {
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
    fn links_and_times_read_well() {
        assert_eq!(image_href("default", "rest-scorer"), "/admin/runtime-images/default/rest-scorer");
        assert_eq!(runtimes_href("team a"), "/admin/runtimes?ws=team%20a");
        assert_eq!(count(1, "image", "images"), "1 image");
        assert_eq!(count(0, "image", "images"), "0 images");
    }
}
