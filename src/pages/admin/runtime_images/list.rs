//! `/admin/runtime-images?ws=&state=&name=&sort=&page=&page_size=`: a workspace's runtime images
//! (the platform's included), and `/admin/runtime-images/all?…`: every workspace's, for platform
//! admins. Every filter is in the URL, so every view is a link; the list reloads when the URL
//! changes and only the newest answer is shown. Those who manage images select rows and change
//! their states in bulk.

use super::version_preview::{VersionPreview, VersionPreviewLine};
use super::workspace::{choose_workspace, is_workspace_admin, remembered_workspace, WorkspacePicker, WorkspaceScope};
use super::{id_placeholder, image_href, list_href, runtimes_href, state_bulk_actions, PlatformBadge, StateBadge, ALL_PATH, LIST_PATH};
use crate::api;
use crate::components::bulk::{BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::dialog::{DialogActions, Modal};
use crate::components::form::{FormAlert, Submission, TextField};
use crate::components::format::count;
use crate::components::list::{use_go_to, Column, DataTable, Pager, SearchBox, UrlView};
use crate::components::messages::ApiErrorBoundary;
use crate::session::use_session;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::time::Duration;
use wavehub_core::api::PageRequest;
use wavehub_core::apps::percent_encode;
use wavehub_core::runtime_images::{
    ImageSort, NewRuntimeImage, RuntimeImage, RuntimeImageQuery, Availability, Workspace, PLATFORM_WORKSPACE,
};

/// How long typing in the name filter must pause before the list reloads.
const FILTER_PAUSE: Duration = Duration::from_millis(300);
/// The page sizes offered (the API's default, 50, among them).
pub const PAGE_SIZES: [u32; 5] = [10, 25, 50, 100, 200];

/// What the page URL says. `ws` is none on the list over every workspace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageListView {
    pub ws: Option<String>,
    pub query: RuntimeImageQuery,
}

impl UrlView for ImageListView {
    fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        ImageListView {
            ws: get("ws").filter(|ws| !ws.is_empty()),
            query: RuntimeImageQuery {
                state: get("state").and_then(|s| s.parse::<Availability>().ok()),
                name: get("name").filter(|n| !n.is_empty()),
                sort: get("sort").as_deref().and_then(ImageSort::parse).unwrap_or_default(),
                page: get("page").and_then(|p| p.parse().ok()).filter(|p| *p > 1),
                page_size: get("page_size")
                    .and_then(|p| p.parse().ok())
                    .filter(|s| (1..=PageRequest::MAX_SIZE).contains(s) && *s != PageRequest::DEFAULT_SIZE),
            },
        }
    }

    fn href(&self) -> String {
        let rest = self.query.to_query_string();
        match (&self.ws, rest.is_empty()) {
            (Some(ws), true) => format!("{LIST_PATH}?ws={}", percent_encode(ws)),
            (Some(ws), false) => format!("{LIST_PATH}?ws={}&{rest}", percent_encode(ws)),
            (None, true) => ALL_PATH.to_owned(),
            (None, false) => format!("{ALL_PATH}?{rest}"),
        }
    }

    fn on_page(&self, page: u32) -> ImageListView {
        let mut next = self.clone();
        next.query.page = (page > 1).then_some(page);
        next
    }
}

impl ImageListView {
    /// What the API is asked: the name filter without the spaces around it.
    pub fn api_query(&self) -> RuntimeImageQuery {
        let mut query = self.query.clone();
        query.name = query.name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        query
    }

    pub fn page(&self) -> u32 {
        self.query.paging().page
    }

    pub fn page_size(&self) -> u32 {
        self.query.paging().page_size
    }
}

/// Where an image's page is reached: its own workspace, or for the platform's images (whose own
/// workspace, `global`, nobody belongs to) the workspace `through` which they are viewed.
pub fn opened_in<'a>(image: &'a RuntimeImage, through: Option<&'a str>) -> Option<&'a str> {
    if image.workspace == PLATFORM_WORKSPACE {
        through
    } else {
        Some(&image.workspace)
    }
}

/// The image as a row the caller may select for bulk changes (the server says whether they
/// manage it), keyed by the workspace it is changed through and its uid (ids have no `/`).
fn bulk_row(image: &RuntimeImage, through: Option<&str>) -> Option<BulkRow> {
    let ws = opened_in(image, through).filter(|_| image.can_manage)?;
    Some(BulkRow::new(format!("{ws}/{}", image.uid), image.name.clone()))
}

#[component]
pub fn RuntimeImagesPage() -> impl IntoView {
    view! {
        <section class="card runtime-area">
            <div class="area-head">
                <h1>"Runtime images"</h1>
                <p class="muted">"The container images models run on, with versions and states, per workspace."</p>
            </div>
            <WorkspaceScope path=LIST_PATH all_href=ALL_PATH content=|ws, workspace| {
                let through = Signal::stored(Some(ws.clone()));
                view! { <ImageList ws=Some(ws) workspace through/> }.into_any()
            }/>
        </section>
    }
}

/// `/admin/runtime-images/all`: every workspace's images in one list. The server answers only
/// platform admins; others are told so and pointed to their workspaces.
#[component]
pub fn AllRuntimeImagesPage() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="card runtime-area">
            <div class="area-head">
                <h1>"Runtime images"</h1>
                <p class="muted">"Every workspace's runtime images in one list, with the workspace each belongs to."</p>
            </div>
            {move || if session.me.get().is_some_and(|me| me.is_admin()) {
                view! { <AllImages/> }.into_any()
            } else {
                view! {
                    <p class="read-only-note">"Only platform admins see every workspace's images at once. "
                        <A href=LIST_PATH>"See your workspaces' images"</A></p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn AllImages() -> impl IntoView {
    let workspaces = LocalResource::new(api::list_workspaces);
    let listed = Memo::new(move |_| workspaces.get().and_then(Result::ok).map(|page| page.items).unwrap_or_default());
    // The platform's images open through the workspace this browser last used (or `default`).
    let through = Signal::derive(move || listed.with(|list| choose_workspace(list, remembered_workspace().as_deref())));
    let navigate = use_navigate();
    let on_pick = Callback::new(move |choice: Option<String>| {
        if let Some(id) = choice {
            navigate(&list_href(&id), Default::default());
        }
    });
    view! {
        <div class="workspace-bar">
            <WorkspacePicker workspaces=listed current=Signal::stored(None::<String>) offer_all=true on_pick/>
        </div>
        <ImageList ws=None workspace=Signal::stored(None) through/>
    }
}

#[component]
fn ImageList(
    /// The workspace listed; none for every workspace.
    ws: Option<String>,
    workspace: Signal<Option<Workspace>>,
    /// The workspace the platform's images open through.
    through: Signal<Option<String>>,
) -> impl IntoView {
    let everywhere = ws.is_none();
    let query = use_query_map();
    let view_state = Memo::new(move |_| {
        query.with(|q| {
            let mut view = ImageListView::from_pairs(|key| q.get(key));
            if everywhere {
                view.ws = None;
            }
            view
        })
    });
    let images = LocalResource::new(move || {
        let current = view_state.get();
        async move {
            match &current.ws {
                Some(ws) => api::list_runtime_images(ws, &current.api_query()).await,
                None => api::list_all_runtime_images(&current.api_query()).await,
            }
        }
    });
    // Known once the workspaces have loaded; until then nothing is offered.
    let manages = Memo::new(move |_| workspace.get().as_ref().map(is_workspace_admin));
    let runtimes_link = ws.as_deref().map(runtimes_href);
    let ws = StoredValue::new(ws);
    let selection = Selection::new();
    // The rows the caller may change (the server says which, per image).
    Effect::new(move |_| {
        let Some(Ok(page)) = images.get() else { return };
        let through = through.get();
        selection.set_rows(page.items.iter().filter_map(|image| bulk_row(image, through.as_deref())).collect());
    });
    let bulk_actions = state_bulk_actions(false, |key, action, change| async move {
        let (ws, uid) = key.split_once('/').unwrap_or_default();
        api::change_image_state(ws, uid, action, &change).await.map(drop)
    });
    let go = use_go_to::<ImageListView>();
    let go_name = go.clone();
    let on_name = move |text: String| go_name(view_state.get_untracked().with(|v| v.query.name = Some(text).filter(|t| !t.is_empty())), true);
    let go_state = go.clone();
    let on_state = move |event: leptos::ev::Event| {
        let state = event_target_value(&event).parse::<Availability>().ok();
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
                    <SearchBox id="images-name" placeholder="Part of a name, id or image"
                        value=Signal::derive(move || view_state.get().query.name.unwrap_or_default()) on_search=on_name pause=FILTER_PAUSE/>
                </div>
                <div class="filter">
                    <label for="images-state">"State"</label>
                    <select id="images-state" on:change=on_state prop:value=move || view_state.get().query.state.map(|s| s.as_str()).unwrap_or("")>
                        <option value="">"Any state"</option>
                        {Availability::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
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
            {runtimes_link.map(|runtimes_link| view! {
                <div class="toolbar-actions">
                    <A href=runtimes_link>"Runtimes of this workspace"</A>
                    <Show when=move || manages.get() == Some(true)>
                        <button type="button" class="button" on:click=move |_| creating.set(true)>"New runtime image"</button>
                    </Show>
                </div>
            })}
        </div>
        <Show when=move || manages.get() == Some(false)>
            <p class="read-only-note">"You can see this workspace's images. Its admins add images and change their states."</p>
        </Show>
        <BulkBar selection actions=bulk_actions noun=("image", "images") on_done=move || images.refetch()/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading runtime images…"</p> }>
            <ApiErrorBoundary>
                {move || images.get().map(|result| result.map(|page| {
                    let current = view_state.get();
                    let filtered = current.query.state.is_some() || current.api_query().name.is_some();
                    let empty = page.items.is_empty();
                    view! {
                        <p class="muted" role="status" data-testid="image-count">{count(page.total, "image", "images")}</p>
                        {empty.then(|| view! {
                            <p class="empty">{match (filtered, everywhere) {
                                (true, _) => "No images match. Clear a filter or try other words.",
                                (false, false) => "This workspace has no runtime images yet.",
                                (false, true) => "No workspace has runtime images yet.",
                            }}</p>
                        })}
                        {(!empty).then(|| view! {
                            <ImageTable images=page.items.clone() through=through.get() show_workspace=everywhere selection/>
                        })}
                        <Pager page=current.page() total=page.total page_size=page.page_size label="Pages of runtime images"
                            href=move |n| current.on_page(n).href()/>
                    }.into_any()
                }
            ))}
            </ApiErrorBoundary>
        </Transition>
        {move || creating.get().then(|| ws.get_value().map(|ws| view! {
            <CreateImageDialog ws on_close=move || creating.set(false)/>
        }))}
    }
}

#[component]
fn ImageTable(images: Vec<RuntimeImage>, through: Option<String>, show_workspace: bool, selection: Selection) -> impl IntoView {
    let selectable = images.iter().any(|image| bulk_row(image, through.as_deref()).is_some());
    view! {
        <DataTable class="images-table" caption="Runtime images" columns=vec![
            Column::select_all(selection).when(selectable), Column::text("Name"), Column::text("Workspace").when(show_workspace),
            Column::text("Current version"), Column::text("State"), Column::text("Managed by"), Column::numeric("Versions")
        ]>
            {images.into_iter().map(|image| {
                let opened = opened_in(&image, through.as_deref()).map(str::to_owned);
                let row_box = bulk_row(&image, through.as_deref());
                let name = match &opened {
                    Some(ws) => view! { <A href=image_href(ws, &image.uid)>{image.name.clone()}</A> }.into_any(),
                    None => view! { <span>{image.name.clone()}</span> }.into_any(),
                };
                let workspace = show_workspace.then(|| {
                    let label = if image.workspace_name.is_empty() { image.workspace.clone() } else { image.workspace_name.clone() };
                    view! {
                        <td data-testid="image-workspace">{if image.workspace == PLATFORM_WORKSPACE {
                            view! { <span class="muted">{label}</span> }.into_any()
                        } else {
                            view! { <A href=list_href(&image.workspace)>{label}</A> }.into_any()
                        }}</td>
                    }
                });
                view! {
                    <tr data-uid=image.uid.clone() data-workspace=image.workspace.clone()>
                        {selectable.then(|| view! {
                            <td class="select-col">{row_box.map(|row| view! { <SelectRowBox selection row/> })}</td>
                        })}
                        <th scope="row">
                            {name}
                            <div class="sub"><code>{image.uid.clone()}</code>
                                {image.docker_image.clone().map(|d| view! { " · " <code>{d}</code> })}</div>
                        </th>
                        {workspace}
                        <td>{image.current_version.clone().map(|v| view! { <code>{v}</code> }.into_any())
                            .unwrap_or_else(|| view! { <span class="muted">"none"</span> }.into_any())}</td>
                        <td>
                            <StateBadge state=image.availability.state reason=image.availability.state_reason.clone()/>
                            {image.availability.state_reason.clone().map(|r| view! { <div class="sub reason">{r}</div> })}
                        </td>
                        <td>{if image.availability.managed_by_bootstrap {
                            view! { <PlatformBadge/> }.into_any()
                        } else {
                            view! { <span class="muted">"Workspace"</span> }.into_any()
                        }}</td>
                        <td class="num">{image.versions_count}</td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// The create dialog: the version it will take from the tag shows as you type, and it asks for
/// one when the tag has none; the server's findings show next to their fields.
#[component]
pub fn CreateImageDialog(ws: String, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let uid = RwSignal::new(String::new());
    // Left empty, the id is made from the name (and shown as the field's placeholder).
    let id_from_name = Memo::new(move |_| wavehub_core::runtime_images::id_from_name(&name.get()));
    let docker_image = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let preview = Memo::new(move |_| VersionPreview::of(&docker_image.get(), &version.get()));
    let ws = StoredValue::new(ws);
    let navigate = use_navigate();
    let create = Submission::new(
        move |request: NewRuntimeImage| async move { api::create_runtime_image(&ws.get_value(), &request).await },
        move |image: RuntimeImage| {
            on_close.run(());
            navigate(&image_href(&ws.get_value(), &image.uid), Default::default());
        },
    );
    let (error, pending) = (create.error, create.pending());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
        let request = NewRuntimeImage {
            uid: text(uid).or_else(|| id_from_name.get_untracked()),
            name: name.get_untracked().trim().to_owned(),
            docker_image: docker_image.get_untracked().trim().to_owned(),
            version: text(version),
            description: text(description),
            prereleases: None,
        };
        create.submit(request.check().err().unwrap_or_default(), request);
    };
    view! {
        <Modal title="New runtime image" on_close wide=true>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["name", "uid", "docker_image", "version", "description"]/>
                <TextField id="image-name" label="Name" path="name" value=name error/>
                <TextField id="image-docker" label="Docker image" path="docker_image" value=docker_image error verbatim=true
                    placeholder="docker.io/myorg/scorer:2.0.0" described_by="image-version-preview"/>
                <TextField id="image-version" label="Version (optional when the tag is a version)" path="version" value=version error
                    verbatim=true placeholder="v1.0.0" described_by="image-version-preview" invalid=Signal::derive(move || preview.get().asks_about_version())>
                    <div id="image-version-preview"><VersionPreviewLine preview/></div>
                </TextField>
                <TextField id="image-uid" label="ID (optional)" path="uid" value=uid error verbatim=true placeholder=id_placeholder(id_from_name)/>
                <TextField id="image-description" label="Description (optional)" path="description" value=description error rows=2/>

                <DialogActions label="Create image" busy_label="Creating…" pending on_cancel=on_close/>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ImageListView {
        ImageListView::from_pairs(crate::components::list::pairs(query))
    }

    #[test]
    fn the_url_round_trips_and_leaves_defaults_out() {
        assert_eq!(parse("ws=default").href(), "/admin/runtime-images?ws=default");
        assert_eq!(parse("").href(), "/admin/runtime-images/all");
        assert_eq!(parse("state=DISABLED&page=2").href(), "/admin/runtime-images/all?state=DISABLED&page=2");
        let view = parse("ws=team&state=DEPRECATED&name=scorer&sort=-created&page=3&page_size=100");
        assert_eq!(view.href(), "/admin/runtime-images?ws=team&state=DEPRECATED&name=scorer&sort=-created&page=3&page_size=100");
        let defaults = parse("ws=team&state=bogus&sort=bogus&page=0&page_size=50");
        assert_eq!(defaults.href(), "/admin/runtime-images?ws=team");
        assert_eq!(parse("ws=team&page_size=9999").page_size(), 50);
    }

    #[test]
    fn a_new_filter_starts_at_page_one_and_the_name_is_trimmed_for_the_api() {
        let view = parse("ws=team&page=4&name=%20x");
        assert_eq!(view.with(|v| v.query.state = Some(Availability::Disabled)).page(), 1);
        let view = ImageListView { ws: Some("team".into()), query: RuntimeImageQuery { name: Some("  rest ".into()), ..Default::default() } };
        assert_eq!(view.api_query().name.as_deref(), Some("rest"));
        assert_eq!(view.on_page(2).href(), "/admin/runtime-images?ws=team&name=%20%20rest%20&page=2");
    }
}
