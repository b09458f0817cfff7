//! `/admin/runtimes?ws=&page=`: a workspace's runtimes (a model type bound to a runtime image,
//! pinned to a version or following the current one), what each runs now and its warnings;
//! create, state changes and delete for workspace admins.

use super::runtime_images::dialogs::{DeleteDialog, DeleteTarget, StateDialog, StateRequest, StateTarget};
use super::runtime_images::workspace::{is_workspace_admin, WorkspaceScope};
use super::runtime_images::{id_placeholder, image_href, list_href, runtimes_href, state_bulk_actions, StateBadge, RUNTIMES_PATH};
use crate::api;
use crate::components::bulk::{BulkAction, BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::dialog::{unique_id, DialogActions, Modal};
use crate::components::form::{invalid_attr, FieldFindings, FormAlert, Submission, TextField};
use crate::components::format::{capitalized, count};
use crate::components::list::{page_param, Column, DataTable, Pager};
use crate::components::messages::ApiErrorBoundary;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;
use wavehub_core::api::PageRequest;
use wavehub_core::audit::Reason;
use wavehub_core::runtime_images::{
    ImageSort, NewRuntime, Resolution, Runtime, RuntimeImageQuery, Availability, StateAction, Workspace,
};

/// What a runtime would run for a new deployment now: the version and image, and the warning or
/// the reason it can't.
#[component]
pub fn ResolutionView(resolution: Resolution) -> impl IntoView {
    let runs = match (&resolution.version, &resolution.docker_image) {
        (Some(version), Some(docker)) => Some(view! { <code>{version.clone()}</code> " " <code class="wrap muted">{docker.clone()}</code> }),
        _ => None,
    };
    let class = if !resolution.usable {
        "resolution resolution-blocked"
    } else if resolution.message.is_some() {
        "resolution resolution-warning"
    } else {
        "resolution"
    };
    view! {
        <div class=class>
            {runs}
            {(!resolution.usable).then(|| view! { <div class="resolution-message"><strong>"New deployments can't start. "</strong></div> })}
            {resolution.message.clone().map(|m| view! { <div class="resolution-message">{m}</div> })}
        </div>
    }
}

#[component]
pub fn RuntimesPage() -> impl IntoView {
    view! {
        <section class="card runtime-area">
            <div class="area-head">
                <h1>"Runtimes"</h1>
                <p class="muted">"Each runtime binds a model type to a runtime image, pinned to a version or following the image's current version."</p>
            </div>
            <WorkspaceScope path=RUNTIMES_PATH content=|ws, workspace| view! { <RuntimeList ws workspace/> }.into_any()/>
        </section>
    }
}

#[component]
fn RuntimeList(ws: String, workspace: Signal<Option<Workspace>>) -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| page_param(query.with(|q| q.get("page"))));
    let images_link = list_href(&ws);
    let ws = StoredValue::new(ws);
    let runtimes = LocalResource::new(move || {
        let page = page.get();
        async move { api::list_runtimes(&ws.get_value(), None, page, PageRequest::DEFAULT_SIZE).await }
    });
    // Known once the workspaces have loaded; until then nothing is offered.
    let manages = Memo::new(move |_| workspace.get().as_ref().map(is_workspace_admin));
    let creating = RwSignal::new(false);
    let state_dialog = RwSignal::new(None::<StateRequest>);
    let deleting = RwSignal::new(None::<Runtime>);
    let notice = RwSignal::new(None::<String>);
    // Read again after every change.
    let refresh = move || runtimes.refetch();
    let ask = Callback::new(move |(runtime, action): (Runtime, StateAction)| {
        state_dialog.set(Some(StateRequest {
            target: StateTarget::Runtime { ws: ws.get_value(), uid: runtime.uid.clone() },
            action,
            subject: format!("runtime {}", runtime.name),
            platform_state: None,
            impact: Some(format!("Deployments of {} models choose among the workspace's runtimes.", runtime.model_type)),
        }));
    });
    let delete = Callback::new(move |runtime: Runtime| deleting.set(Some(runtime)));
    let selection = Selection::new();
    Effect::new(move |_| {
        let rows = match runtimes.get() {
            Some(Ok(listing)) if manages.get() == Some(true) => listing.items.iter().map(|r| BulkRow::new(r.uid.clone(), r.name.clone())).collect(),
            _ => Vec::new(),
        };
        selection.set_rows(rows);
    });
    let mut bulk_actions = state_bulk_actions(false, move |uid, action, change| async move {
        api::change_runtime_state(&ws.get_value(), &uid, action, &change).await.map(drop)
    });
    bulk_actions.push(
        BulkAction::new(
            "Delete",
            "deleted",
            "Each runtime goes: new deployments of its model type can no longer choose it. Deployments that already run are not stopped.",
            move |uid, reason| async move { api::delete_runtime(&ws.get_value(), &uid, &Reason { reason }).await },
        )
        .danger(),
    );

    view! {
        <div class="list-toolbar">
            <div class="toolbar-actions">
                <A href=images_link>"Runtime images of this workspace"</A>
                <Show when=move || manages.get() == Some(true)>
                    <button type="button" class="button" on:click=move |_| creating.set(true)>"New runtime"</button>
                </Show>
            </div>
        </div>
        <Show when=move || manages.get() == Some(false)>
            <p class="read-only-note">"You can see this workspace's runtimes. Its admins create and change them."</p>
        </Show>
        {move || notice.get().map(|text| view! { <p class="alert alert-ok" role="status">{text}</p> })}
        <BulkBar selection actions=bulk_actions noun=("runtime", "runtimes") on_done=move || {
            notice.set(None);
            refresh();
        }/>
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading runtimes…"</p> }>
            <ApiErrorBoundary>
            {move || runtimes.get().map(|result| result.map(|listing| {
                    let (current, total, page_size) = (listing.page, listing.total, listing.page_size);
                    let base = runtimes_href(&ws.get_value());
                    view! {
                        <p class="muted" role="status" data-testid="runtime-count">{count(listing.total, "runtime", "runtimes")}</p>
                        {listing.items.is_empty().then(|| view! {
                            <p class="empty">"This workspace has no runtimes yet."</p>
                        })}
                        {(!listing.items.is_empty()).then(|| view! {
                            <RuntimeTable runtimes=listing.items.clone() manages=manages.get() == Some(true) ask delete selection/>
                        })}
                        <Pager page=current total page_size label="Pages of runtimes" href=move |n| format!("{base}&page={n}")/>
                    }
            }))}
            </ApiErrorBoundary>
        </Transition>
        {move || creating.get().then(|| view! {
            <CreateRuntimeDialog ws=ws.get_value() on_close=move || creating.set(false) on_created=Callback::new(move |runtime: Runtime| {
                creating.set(false);
                notice.set(Some(format!("Created the runtime {}.", runtime.name)));
                refresh();
            })/>
        })}
        {move || state_dialog.get().map(|request| view! {
            <StateDialog request on_close=move || state_dialog.set(None) on_done=move || {
                let done = state_dialog.get_untracked().map(|r| r.done_message());
                state_dialog.set(None);
                notice.set(done);
                refresh();
            }/>
        })}
        {move || deleting.get().map(|runtime| view! {
            <DeleteDialog target=DeleteTarget::Runtime { ws: ws.get_value(), uid: runtime.uid.clone() }
                title=format!("Delete the runtime {}?", runtime.name)
                message=format!("New deployments of {} models can no longer choose it. Deployments that already run are not stopped.", runtime.model_type)
                confirm_label="Delete runtime"
                on_close=move || deleting.set(None)
                on_done=move || {
                    let name = deleting.get_untracked().map(|r| r.name).unwrap_or_default();
                    deleting.set(None);
                    notice.set(Some(format!("Deleted the runtime {name}.")));
                    refresh();
                }/>
        })}
    }
}

#[component]
fn RuntimeTable(
    runtimes: Vec<Runtime>,
    manages: bool,
    ask: Callback<(Runtime, StateAction)>,
    delete: Callback<Runtime>,
    selection: Selection,
) -> impl IntoView {
    view! {
        <DataTable class="runtimes-table" caption="Runtimes" columns=vec![
            Column::select_all(selection).when(manages), Column::text("Runtime"), Column::text("Image and version"),
            Column::text("Model type"), Column::text("State"), Column::text("Runs now"), Column::actions()
        ]>
            {runtimes.into_iter().map(|r| {
                let runtime = StoredValue::new(r.clone());
                let env: Vec<String> = r.environment_variables.keys().cloned().collect();
                let actions: Vec<StateAction> = if manages {
                    [StateAction::Deprecate, StateAction::Disable, StateAction::Enable].into_iter().filter(|a| a.target() != r.state).collect()
                } else {
                    Vec::new()
                };
                let name = r.name.clone();
                view! {
                    <tr data-runtime=r.uid.clone()>
                        {manages.then(|| view! {
                            <td class="select-col"><SelectRowBox selection row=BulkRow::new(r.uid.clone(), r.name.clone())/></td>
                        })}
                        <th scope="row">{r.name.clone()}<div class="sub"><code>{r.uid.clone()}</code></div>
                            {(!env.is_empty()).then(|| view! { <div class="sub">"env: "{env.join(", ")}</div> })}
                            {r.read_only_data_volume.then(|| view! { <div class="sub">"read-only data volume"</div> })}
                        </th>
                        <td>
                            <A href=image_href(&r.workspace, &r.runtime_image_uid)>{r.runtime_image_name.clone()}</A>
                            <div class="sub">{r.version.clone().map(|v| view! { "pinned to " <code>{v}</code> }.into_any())
                                .unwrap_or_else(|| view! { "follows the current version" }.into_any())}</div>
                        </td>
                        <td><code>{r.model_type.clone()}</code></td>
                        <td><StateBadge state=r.state reason=r.state_reason.clone()/>
                            {r.state_reason.clone().map(|reason| view! { <div class="sub reason">{reason}</div> })}</td>
                        <td><ResolutionView resolution=r.resolution.clone()/></td>
                        <td class="actions">
                            {actions.into_iter().map(|action| {
                                let verb = action.verb(false);
                                let label = capitalized(verb);
                                view! {
                                    <button type="button" class="button-quiet" aria-label=format!("{label} {name}")
                                        on:click=move |_| ask.run((runtime.get_value(), action))>{label.clone()}</button>
                                }
                            }).collect_view()}
                            {manages.then(|| view! {
                                <button type="button" class="button-quiet danger" aria-label=format!("Delete {}", r.name)
                                    on:click=move |_| delete.run(runtime.get_value())>"Delete"</button>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// One environment variable row of the create form.
#[derive(Clone, Copy)]
struct EnvRow {
    key: u32,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

/// The create form: image picker, a pinned version or "Follow current version", model type,
/// environment variables; checked with the server's rule before sending.
#[component]
fn CreateRuntimeDialog(ws: String, #[prop(into)] on_close: Callback<()>, on_created: Callback<Runtime>) -> impl IntoView {
    let ws = StoredValue::new(ws);
    let name = RwSignal::new(String::new());
    let uid = RwSignal::new(String::new());
    // Left empty, the id is made from the name (and shown as the field's placeholder).
    let id_from_name = Memo::new(move |_| wavehub_core::runtime_images::id_from_name(&name.get()));
    let image = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    let model_type = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let read_only = RwSignal::new(false);
    let env = RwSignal::new(Vec::<EnvRow>::new());
    let next_key = StoredValue::new(0u32);
    let create = Submission::new(move |request: NewRuntime| async move { api::create_runtime(&ws.get_value(), &request).await }, move |runtime| {
        on_created.run(runtime)
    });
    let (error, pending) = (create.error, create.pending());
    let images = LocalResource::new(move || {
        let query = RuntimeImageQuery { sort: ImageSort::Name, page_size: Some(PageRequest::MAX_SIZE), ..Default::default() };
        async move { api::list_runtime_images(&ws.get_value(), &query).await }
    });
    let versions = LocalResource::new(move || {
        let chosen = image.get();
        async move {
            if chosen.is_empty() {
                None
            } else {
                Some(api::image_versions(&ws.get_value(), &chosen, None).await)
            }
        }
    });
    let add_env = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        env.update(|rows| rows.push(EnvRow { key, name: RwSignal::new(String::new()), value: RwSignal::new(String::new()) }));
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
        let environment_variables: BTreeMap<String, String> = env
            .get_untracked()
            .iter()
            .filter(|row| !row.name.get_untracked().trim().is_empty())
            .map(|row| (row.name.get_untracked().trim().to_owned(), row.value.get_untracked()))
            .collect();
        let request = NewRuntime {
            uid: text(uid).or_else(|| id_from_name.get_untracked()),
            name: name.get_untracked().trim().to_owned(),
            runtime_image_uid: image.get_untracked(),
            version: text(version),
            model_type: model_type.get_untracked().trim().to_owned(),
            description: text(description),
            environment_variables,
            read_only_data_volume: read_only.get_untracked(),
        };
        create.submit(request.check().err().unwrap_or_default(), request);
    };
    let env_heading = unique_id("env-heading");
    let env_labelled_by = env_heading.clone();
    view! {
        <Modal title="New runtime" on_close wide=true>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["name", "uid", "runtime_image_uid", "version", "model_type", "description", "environment_variables"]/>
                <TextField id="runtime-name" label="Name" path="name" value=name error/>

                <label for="runtime-image">"Runtime image"</label>
                <Suspense fallback=|| view! { <select id="runtime-image" disabled=true><option>"Loading images…"</option></select> }>
                <ApiErrorBoundary>
                {move || images.get().map(|result| result.map(|page| view! {
                        <select id="runtime-image" aria-invalid=invalid_attr(error, "runtime_image_uid") aria-describedby="runtime-image-findings"
                            on:change=move |event| { image.set(event_target_value(&event)); version.set(String::new()); }
                            prop:value=move || image.get()>
                            <option value="">"Choose an image"</option>
                            {page.items.into_iter().map(|i| {
                                let label = format!("{} ({}){}", i.name, i.uid,
                                    if i.availability.state == Availability::Active { String::new() } else { format!(", {}", i.availability.state) });
                                view! { <option value=i.uid.clone()>{label}</option> }
                            }).collect_view()}
                        </select>
                }))}
                </ApiErrorBoundary>
                </Suspense>
                <FieldFindings error path="runtime_image_uid" id="runtime-image-findings"/>

                <label for="runtime-version">"Version"</label>
                <select id="runtime-version" on:change=move |event| version.set(event_target_value(&event)) prop:value=move || version.get()
                    aria-invalid=invalid_attr(error, "version") aria-describedby="runtime-version-help runtime-version-findings">
                    <option value="">"Follow current version"</option>
                    {move || versions.get().flatten().and_then(Result::ok).map(|list| list.items.into_iter().map(|v| {
                        let label = format!("Pin {}{}{}", v.version,
                            if v.is_current { " (current)" } else { "" },
                            if v.availability.state == Availability::Active { String::new() } else { format!(" — {}", v.availability.state) });
                        view! { <option value=v.version.clone()>{label}</option> }
                    }).collect_view())}
                </select>
                <span class="muted" id="runtime-version-help">
                    {move || versions.get().flatten().and_then(Result::ok).map(|list| list.current_explanation)
                        .unwrap_or_else(|| "Following the current version moves the runtime along as versions are added and disabled.".to_owned())}
                </span>
                <FieldFindings error path="version" id="runtime-version-findings"/>

                <TextField id="runtime-model-type" label="Model type" path="model_type" value=model_type error verbatim=true placeholder="dai_mojo"/>
                <TextField id="runtime-uid" label="ID (optional)" path="uid" value=uid error verbatim=true placeholder=id_placeholder(id_from_name)/>
                <TextField id="runtime-description" label="Description (optional)" path="description" value=description error rows=2/>

                <fieldset class="env-vars" aria-labelledby=env_labelled_by>
                    <legend id=env_heading>"Environment variables"</legend>
                    <For each=move || env.get() key=|row| row.key let:row>
                        <div class="env-row">
                            <label>
                                <span class="visually-hidden">"Variable name"</span>
                                <input type="text" placeholder="NAME" autocomplete="off" autocapitalize="characters" spellcheck="false" bind:value=row.name/>
                            </label>
                            <label>
                                <span class="visually-hidden">"Value"</span>
                                <input type="text" placeholder="value" autocomplete="off" spellcheck="false" bind:value=row.value/>
                            </label>
                            <button type="button" class="button-quiet" aria-label="Remove variable"
                                on:click=move |_| env.update(|rows| rows.retain(|r| r.key != row.key))>"Remove"</button>
                        </div>
                    </For>
                    <button type="button" class="button-quiet" on:click=add_env>"Add variable"</button>
                    <FieldFindings error path="environment_variables" id="runtime-env-findings"/>
                </fieldset>

                <label class="checkbox">
                    <input type="checkbox" bind:checked=read_only/>
                    "Mount the data volume read-only"
                </label>

                <DialogActions label="Create runtime" busy_label="Creating…" pending on_cancel=on_close/>
            </form>
        </Modal>
    }
}
