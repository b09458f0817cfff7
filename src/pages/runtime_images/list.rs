//! `/admin/runtime-images?ws=&state=&name=&sort=&page=&page_size=`: a workspace's runtime images
//! (the platform's included). Every filter is in the URL, so every view is a link; the list
//! reloads when the URL changes and only the newest answer is shown.

use super::dialogs::Modal;
use super::forms::{invalid, invalid_attr, FieldFindings, FormAlert, VersionPreview, VersionPreviewLine};
use super::workspace::{is_workspace_admin, WorkspaceScope};
use super::{count, image_href, runtimes_href, PlatformBadge, StateBadge, LIST_PATH};
use crate::api::{self, ApiError};
use crate::components::layout::RequireSignIn;
use crate::components::messages::ErrorAlert;
use crate::components::pager::Pager;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use wavehub_core::api::PageRequest;
use wavehub_core::apps::percent_encode;
use wavehub_core::runtime_images::{ImageSort, NewRuntimeImage, RuntimeImage, RuntimeImageQuery, State, Workspace, PLATFORM_WORKSPACE};

/// How long typing in the name filter must pause before the list reloads.
const FILTER_PAUSE_MS: u64 = 300;
/// The page sizes offered (the API's default, 50, among them).
pub const PAGE_SIZES: [u32; 5] = [10, 25, 50, 100, 200];

/// What the page URL says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageListView {
    pub ws: String,
    pub query: RuntimeImageQuery,
}

impl ImageListView {
    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        ImageListView {
            ws: get("ws").unwrap_or_default(),
            query: RuntimeImageQuery {
                state: get("state").and_then(|s| s.parse::<State>().ok()),
                name: get("name").filter(|n| !n.is_empty()),
                sort: get("sort").as_deref().and_then(ImageSort::parse).unwrap_or_default(),
                page: get("page").and_then(|p| p.parse().ok()).filter(|p| *p > 1),
                page_size: get("page_size")
                    .and_then(|p| p.parse().ok())
                    .filter(|s| (1..=PageRequest::MAX_SIZE).contains(s) && *s != PageRequest::DEFAULT_SIZE),
            },
        }
    }

    /// The page URL (defaults left out).
    pub fn href(&self) -> String {
        let rest = self.query.to_query_string();
        let ws = percent_encode(&self.ws);
        if rest.is_empty() {
            format!("{LIST_PATH}?ws={ws}")
        } else {
            format!("{LIST_PATH}?ws={ws}&{rest}")
        }
    }

    /// What the API is asked: the name filter without the spaces around it.
    pub fn api_query(&self) -> RuntimeImageQuery {
        let mut query = self.query.clone();
        query.name = query.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        query
    }

    /// The same view with a change, back on page 1.
    pub fn with(&self, change: impl FnOnce(&mut ImageListView)) -> ImageListView {
        let mut next = self.clone();
        change(&mut next);
        next.query.page = None;
        next
    }

    pub fn page(&self) -> u32 {
        self.query.paging().page
    }

    pub fn page_size(&self) -> u32 {
        self.query.paging().page_size
    }

    /// The same view on another page.
    pub fn on_page(&self, page: u32) -> ImageListView {
        let mut next = self.clone();
        next.query.page = (page > 1).then_some(page);
        next
    }
}

#[component]
pub fn RuntimeImagesPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <section class="card runtime-area">
                <div class="area-head">
                    <h1>"Runtime images"</h1>
                    <p class="muted">"The container images models run on, with versions and states, per workspace."</p>
                </div>
                <WorkspaceScope path=LIST_PATH content=|ws, workspace| view! { <ImageList ws workspace/> }.into_any()/>
            </section>
        </RequireSignIn>
    }
}

#[component]
fn ImageList(ws: String, workspace: Signal<Option<Workspace>>) -> impl IntoView {
    let query = use_query_map();
    let view_state = Memo::new(move |_| query.with(|q| ImageListView::from_pairs(|key| q.get(key))));
    let images = LocalResource::new(move || {
        let current = view_state.get();
        async move { api::list_runtime_images(&current.ws, &current.api_query()).await }
    });
    // Known once the workspaces have loaded; until then nothing is offered.
    let manages = Memo::new(move |_| workspace.get().as_ref().map(is_workspace_admin));
    let runtimes_link = runtimes_href(&ws);
    let ws = StoredValue::new(ws);
    let navigate = use_navigate();
    let go = move |next: ImageListView, replace: bool| {
        navigate(&next.href(), NavigateOptions { replace, scroll: false, ..Default::default() });
    };
    // Each keystroke takes a ticket; the filter applies when typing pauses.
    let typing = StoredValue::new(0u64);
    let go_name = go.clone();
    let on_name = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        let ticket = typing.get_value() + 1;
        typing.set_value(ticket);
        let go_name = go_name.clone();
        set_timeout(
            move || {
                if typing.get_value() == ticket {
                    go_name(view_state.get_untracked().with(|v| v.query.name = Some(text).filter(|t| !t.is_empty())), true);
                }
            },
            std::time::Duration::from_millis(FILTER_PAUSE_MS),
        );
    };
    let go_state = go.clone();
    let on_state = move |event: leptos::ev::Event| {
        let state = event_target_value(&event).parse::<State>().ok();
        go_state(view_state.get_untracked().with(|v| v.query.state = state), false);
    };
    let go_sort = go.clone();
    let on_sort = move |event: leptos::ev::Event| {
        let sort = ImageSort::parse(&event_target_value(&event)).unwrap_or_default();
        go_sort(view_state.get_untracked().with(|v| v.query.sort = sort), false);
    };
    let go_size = go.clone();
    let on_size = move |event: leptos::ev::Event| {
        let size = event_target_value(&event).parse::<u32>().ok().filter(|s| *s != PageRequest::DEFAULT_SIZE);
        go_size(view_state.get_untracked().with(|v| v.query.page_size = size), false);
    };
    let creating = RwSignal::new(false);

    view! {
        <div class="list-toolbar">
            <div class="filters" role="search" aria-label="Filter runtime images">
                <div class="filter">
                    <label for="images-name">"Name"</label>
                    <input id="images-name" type="search" placeholder="Part of a name, id or image"
                        prop:value=move || view_state.get().query.name.unwrap_or_default() on:input=on_name/>
                </div>
                <div class="filter">
                    <label for="images-state">"State"</label>
                    <select id="images-state" on:change=on_state prop:value=move || view_state.get().query.state.map(|s| s.as_str()).unwrap_or("")>
                        <option value="">"Any state"</option>
                        {State::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="images-sort">"Sort"</label>
                    <select id="images-sort" on:change=on_sort prop:value=move || view_state.get().query.sort.as_str()>
                        {ImageSort::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="filter">
                    <label for="images-page-size">"Per page"</label>
                    <select id="images-page-size" on:change=on_size prop:value=move || view_state.get().page_size().to_string()>
                        {PAGE_SIZES.into_iter().map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="toolbar-actions">
                <A href=runtimes_link>"Runtimes of this workspace"</A>
                <Show when=move || manages.get() == Some(true)>
                    <button type="button" class="button" on:click=move |_| creating.set(true)>"New runtime image"</button>
                </Show>
            </div>
        </div>
        <Show when=move || manages.get() == Some(false)>
            <p class="read-only-note">"You can see this workspace's images. Its admins add images and change their states."</p>
        </Show>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading runtime images…"</p> }>
            {move || images.get().map(|result| match result {
                Err(error) => view! { <ErrorAlert error=Signal::stored(Some(error))/> }.into_any(),
                Ok(page) => {
                    let current = view_state.get();
                    let filtered = current.query.state.is_some() || current.api_query().name.is_some();
                    let empty = page.items.is_empty();
                    view! {
                        <p class="muted" role="status" data-testid="image-count">{count(page.total, "image", "images")}</p>
                        {empty.then(|| view! {
                            <p class="empty">{if filtered {
                                "No images match. Clear a filter or try other words."
                            } else {
                                "This workspace has no runtime images yet."
                            }}</p>
                        })}
                        {(!empty).then(|| view! { <ImageTable images=page.items.clone() ws=ws.get_value()/> })}
                        <Pager page=current.page() total=page.total page_size=page.page_size label="Pages of runtime images"
                            href=move |n| current.on_page(n).href()/>
                    }.into_any()
                }
            })}
        </Transition>
        {move || creating.get().then(|| view! {
            <CreateImageDialog ws=ws.get_value() on_close=move || creating.set(false)/>
        })}
    }
}

#[component]
fn ImageTable(images: Vec<RuntimeImage>, ws: String) -> impl IntoView {
    view! {
        <table class="table images-table">
            <caption class="visually-hidden">"Runtime images"</caption>
            <thead><tr>
                <th scope="col">"Name"</th>
                <th scope="col">"Current version"</th>
                <th scope="col">"State"</th>
                <th scope="col">"Managed by"</th>
                <th scope="col" class="num">"Versions"</th>
            </tr></thead>
            <tbody>
                {images.into_iter().map(|image| {
                    // The platform's images show in every workspace and open there: their own
                    // workspace (`global`) is not one anybody belongs to.
                    let through = if image.workspace == PLATFORM_WORKSPACE { &ws } else { &image.workspace };
                    let href = image_href(through, &image.uid);
                    view! {
                        <tr data-uid=image.uid.clone()>
                            <th scope="row">
                                <A href=href>{image.name.clone()}</A>
                                <div class="sub"><code>{image.uid.clone()}</code>
                                    {image.docker_image.clone().map(|d| view! { " · " <code>{d}</code> })}</div>
                            </th>
                            <td>{image.current_version.clone().map(|v| view! { <code>{v}</code> }.into_any())
                                .unwrap_or_else(|| view! { <span class="muted">"none"</span> }.into_any())}</td>
                            <td>
                                <StateBadge state=image.state reason=image.state_reason.clone()/>
                                {image.state_reason.clone().map(|r| view! { <div class="sub reason">{r}</div> })}
                            </td>
                            <td>{if image.managed_by_bootstrap {
                                view! { <PlatformBadge/> }.into_any()
                            } else {
                                view! { <span class="muted">"Workspace"</span> }.into_any()
                            }}</td>
                            <td class="num">{image.versions_count}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The create dialog: the version it will take from the tag shows as you type, and it asks for
/// one when the tag has none; the server's findings show next to their fields.
#[component]
pub fn CreateImageDialog(ws: String, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let uid = RwSignal::new(String::new());
    let docker_image = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let preview = Memo::new(move |_| VersionPreview::of(&docker_image.get(), &version.get()));
    let ws = StoredValue::new(ws);
    let navigate = use_navigate();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
        let request = NewRuntimeImage {
            uid: text(uid),
            name: name.get_untracked().trim().to_owned(),
            docker_image: docker_image.get_untracked().trim().to_owned(),
            version: text(version),
            description: text(description),
        };
        if let Err(findings) = request.check() {
            error.set(Some(invalid(findings)));
            return;
        }
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let ws = ws.get_value();
            let result = api::create_runtime_image(&ws, &request).await;
            pending.set(false);
            match result {
                Ok(image) => {
                    on_close.run(());
                    navigate(&image_href(&ws, &image.uid), Default::default());
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    view! {
        <Modal title="New runtime image" on_close wide=true>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["name", "uid", "docker_image", "version", "description"]/>
                <label for="image-name">"Name"</label>
                <input id="image-name" type="text" autocomplete="off" bind:value=name
                    aria-invalid=invalid_attr(error, "name") aria-describedby="image-name-findings"/>
                <FieldFindings error path="name" id="image-name-findings"/>

                <label for="image-docker">"Docker image"</label>
                <input id="image-docker" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                    placeholder="docker.io/myorg/scorer:2.0.0" bind:value=docker_image
                    aria-invalid=invalid_attr(error, "docker_image") aria-describedby="image-docker-findings image-version-preview"/>
                <FieldFindings error path="docker_image" id="image-docker-findings"/>

                <label for="image-version">"Version (optional when the tag is a version)"</label>
                <input id="image-version" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                    placeholder="v1.0.0" bind:value=version
                    aria-invalid=move || (invalid_attr(error, "version")().is_some() || matches!(preview.get(), VersionPreview::Ask(ref f) if f.path == "version")).then_some("true")
                    aria-describedby="image-version-preview image-version-findings"/>
                <div id="image-version-preview"><VersionPreviewLine preview/></div>
                <FieldFindings error path="version" id="image-version-findings"/>

                <label for="image-uid">"ID (optional)"</label>
                <input id="image-uid" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                    placeholder="made from the name when empty" bind:value=uid
                    aria-invalid=invalid_attr(error, "uid") aria-describedby="image-uid-findings"/>
                <FieldFindings error path="uid" id="image-uid-findings"/>

                <label for="image-description">"Description (optional)"</label>
                <textarea id="image-description" rows="2" bind:value=description
                    aria-invalid=invalid_attr(error, "description") aria-describedby="image-description-findings"></textarea>
                <FieldFindings error path="description" id="image-description-findings"/>

                <div class="modal-actions">
                    <button type="submit" class="button" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create image" }}
                    </button>
                    <button type="button" class="button-quiet" on:click=move |_| on_close.run(())>"Cancel"</button>
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ImageListView {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        ImageListView::from_pairs(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    #[test]
    fn the_url_round_trips_and_leaves_defaults_out() {
        assert_eq!(parse("ws=default").href(), "/admin/runtime-images?ws=default");
        let view = parse("ws=team&state=DEPRECATED&name=scorer&sort=-created&page=3&page_size=100");
        assert_eq!(view.href(), "/admin/runtime-images?ws=team&state=DEPRECATED&name=scorer&sort=-created&page=3&page_size=100");
        let defaults = parse("ws=team&state=bogus&sort=bogus&page=0&page_size=50");
        assert_eq!(defaults.href(), "/admin/runtime-images?ws=team");
        assert_eq!(parse("ws=team&page_size=9999").page_size(), 50);
    }

    #[test]
    fn a_new_filter_starts_at_page_one_and_the_name_is_trimmed_for_the_api() {
        let view = parse("ws=team&page=4&name=%20x");
        assert_eq!(view.with(|v| v.query.state = Some(State::Disabled)).page(), 1);
        let view = ImageListView { ws: "team".into(), query: RuntimeImageQuery { name: Some("  rest ".into()), ..Default::default() } };
        assert_eq!(view.api_query().name.as_deref(), Some("rest"));
        assert_eq!(view.on_page(2).href(), "/admin/runtime-images?ws=team&name=%20%20rest%20&page=2");
    }
}
