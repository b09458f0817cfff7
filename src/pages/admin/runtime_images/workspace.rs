//! The workspace a runtime page shows: chosen in the URL (`?ws=default`), remembered for the next
//! visit, picked from the caller's workspaces. Platform admins also create workspaces here, and
//! workspace admins manage who belongs.

use crate::api::{self, ApiError};
use crate::components::dialog::{unique_id, ConfirmDialog, DialogActions, Modal};
use crate::components::form::{invalid, FormAlert, Submission, TextField};
use crate::components::messages::ApiErrorBoundary;
use crate::session::use_session;
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use wavehub_core::api::Page;
use wavehub_core::runtime_images::{NewWorkspace, Workspace, WorkspaceRole};

const STORAGE_KEY: &str = "wavehub-workspace";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The workspace last opened in this browser.
pub fn remembered_workspace() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok()?
}

pub fn remember_workspace(id: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(STORAGE_KEY, id);
    }
}

/// Which workspace to open when the URL names none: the remembered one if the caller still has
/// it, else `default`, else the first.
pub fn choose_workspace(workspaces: &[Workspace], remembered: Option<&str>) -> Option<String> {
    let has = |id: &str| workspaces.iter().any(|w| w.id == id);
    remembered
        .filter(|id| has(id))
        .or_else(|| has("default").then_some("default"))
        .map(str::to_owned)
        .or_else(|| workspaces.first().map(|w| w.id.clone()))
}

/// Whether the caller manages the workspace's images and runtimes (platform admins do everywhere).
pub fn is_workspace_admin(workspace: &Workspace) -> bool {
    workspace.my_role == Some(WorkspaceRole::Admin)
}

/// The picker's value for "All workspaces" (no workspace id has a `*`).
const ALL_CHOICE: &str = "*";

/// The workspace picker: the caller's workspaces, and for platform admins where the page has one,
/// "All workspaces". `current` is the workspace shown (none: all of them); an id the caller does
/// not have shows, disabled, so the picker never claims another one is open.
#[component]
pub fn WorkspacePicker(
    #[prop(into)] workspaces: Signal<Vec<Workspace>>,
    #[prop(into)] current: Signal<Option<String>>,
    #[prop(into)] offer_all: Signal<bool>,
    /// Gets the id chosen, or `None` for all workspaces.
    #[prop(into)]
    on_pick: Callback<Option<String>>,
) -> impl IntoView {
    let picker_id = unique_id("workspace");
    view! {
        <label for=picker_id.clone()>"Workspace"</label>
        <select id=picker_id prop:value=move || current.get().unwrap_or_else(|| ALL_CHOICE.to_owned())
            on:change=move |event| {
                let value = event_target_value(&event);
                on_pick.run((value != ALL_CHOICE).then_some(value));
            }>
            {move || offer_all.get().then(|| view! { <option value=ALL_CHOICE>"All workspaces"</option> })}
            {move || current.get().filter(|id| workspaces.with(|list| !list.iter().any(|w| &w.id == id))).map(|id| view! {
                <option value=id.clone() disabled=true>{id.clone()}</option>
            })}
            {move || workspaces.get().into_iter().map(|w| {
                let label = if w.name == w.id { w.id.clone() } else { format!("{} ({})", w.name, w.id) };
                view! { <option value=w.id.clone()>{label}</option> }
            }).collect_view()}
        </select>
    }
}

/// Loads the caller's workspaces and shows `content` for the one in the URL, under a bar to
/// switch. `path` is the page's own path (`/admin/runtime-images`); `all_href`, where the page has
/// one, the view over every workspace that platform admins may pick. `content` gets the workspace
/// id at once, so its own list loads alongside the workspaces, and the workspace (with the
/// caller's role) once they have loaded.
#[component]
pub fn WorkspaceScope<F>(path: &'static str, #[prop(optional)] all_href: Option<&'static str>, content: F) -> impl IntoView
where
    F: Fn(String, Signal<Option<Workspace>>) -> AnyView + Send + Sync + 'static,
{
    let session = use_session();
    let is_platform_admin = Memo::new(move |_| session.me.get().is_some_and(|me| me.is_admin()));
    let query = use_query_map();
    let ws_param = Memo::new(move |_| query.with(|q| q.get("ws")).filter(|ws| !ws.is_empty()));
    let workspaces = LocalResource::new(api::list_workspaces);
    let navigate = use_navigate();
    let open = move |id: &str, replace: bool| {
        navigate(&format!("{path}?ws={}", wavehub_core::apps::percent_encode(id)), NavigateOptions { replace, scroll: false, ..Default::default() });
    };
    // No workspace in the URL: open the remembered one, so the view is a link from the start.
    let open_default = open.clone();
    Effect::new(move |_| {
        if ws_param.get().is_none() {
            if let Some(Ok(page)) = workspaces.get() {
                if let Some(id) = choose_workspace(&page.items, remembered_workspace().as_deref()) {
                    open_default(&id, true);
                }
            }
        }
    });
    let selected = Memo::new(move |_| -> Option<Result<Workspace, ApiError>> {
        let page: Page<Workspace> = match workspaces.get()? {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        let id = ws_param.get()?;
        Some(page.items.into_iter().find(|w| w.id == id).ok_or_else(|| {
            ApiError::NotFound(wavehub_core::api::Problem::new(
                404,
                format!("You are not a member of the workspace `{id}`, or it does not exist. Choose one of yours."),
            ))
        }))
    });
    Effect::new(move |_| {
        if let Some(Ok(workspace)) = selected.get() {
            remember_workspace(&workspace.id);
        }
    });
    let creating = RwSignal::new(false);
    let members_open = RwSignal::new(false);
    let open_created = open.clone();
    let on_created = Callback::new(move |workspace: Workspace| {
        creating.set(false);
        workspaces.refetch();
        open_created(&workspace.id, false);
    });
    let open_picked = open.clone();
    let navigate_all = use_navigate();
    let on_pick = Callback::new(move |choice: Option<String>| match (choice, all_href) {
        (Some(id), _) => open_picked(&id, false),
        (None, Some(all)) => navigate_all(all, Default::default()),
        (None, None) => {}
    });
    let offer_all = Signal::derive(move || all_href.is_some() && is_platform_admin.get());
    let content = StoredValue::new(content);
    let workspace = Memo::new(move |_| selected.get().and_then(Result::ok));
    // What the content area shows: the workspace id from the URL at once (so the content's own
    // list loads alongside the workspaces), or the refusal. It changes only when one of those
    // does, so the content is not made again when the workspaces arrive. The view reads this one
    // memo only: a view that read `ws_param` and also a memo derived from it could miss the URL's
    // change (reactive_graph refreshes `ws_param` while checking the derived memo, and the view
    // is then not told).
    let shown = Memo::new(move |_| match selected.get() {
        Some(Err(error)) => Err(error),
        _ => Ok(ws_param.get()),
    });

    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading workspaces…"</p> }>
        <ApiErrorBoundary>
        {move || workspaces.get().map(|result| result.map(|page| match page {
            page if page.items.is_empty() => view! {
                <div class="empty workspace-empty">
                    <p><strong>"You are not in any workspace yet."</strong></p>
                    <p>"Runtime images and runtimes belong to workspaces. Ask a workspace admin to add you, and they appear here."</p>
                    <Show when=move || is_platform_admin.get()>
                        <button type="button" class="button" on:click=move |_| creating.set(true)>"New workspace"</button>
                    </Show>
                </div>
            }.into_any(),
            page => {
                view! {
                    <div class="workspace-bar">
                        <WorkspacePicker workspaces=Signal::stored(page.items) current=ws_param offer_all on_pick/>
                        {move || selected.get().and_then(Result::ok).map(|w| view! {
                            <span class="muted">{match w.my_role {
                                Some(WorkspaceRole::Admin) => "You manage this workspace.",
                                Some(WorkspaceRole::Member) => "You can read this workspace; its admins change it.",
                                None => "",
                            }}</span>
                        })}
                        <span class="workspace-bar-end">
                            {move || selected.get().and_then(Result::ok).filter(is_workspace_admin).map(|_| view! {
                                <button type="button" class="button-quiet" aria-expanded=move || members_open.get().to_string()
                                    on:click=move |_| members_open.update(|o| *o = !*o)>"Members"</button>
                            })}
                            <Show when=move || is_platform_admin.get()>
                                <button type="button" class="button-quiet" on:click=move |_| creating.set(true)>"New workspace"</button>
                            </Show>
                        </span>
                    </div>
                }.into_any()
            }
        }))}
        </ApiErrorBoundary>
        </Transition>
        {move || (members_open.get()).then(|| selected.get().and_then(Result::ok).filter(is_workspace_admin).map(|w| view! {
            <MembersPanel ws=w.id.clone()/>
        })).flatten()}
        {move || creating.get().then(|| view! {
            <NewWorkspaceDialog on_close=move || creating.set(false) on_created/>
        })}
        <ApiErrorBoundary>
            {move || shown.get().map(|id| id.map(|id| content.with_value(|content| content(id, workspace.into()))))}
        </ApiErrorBoundary>
    }
}

/// `POST /workspaces`: an id and a name, checked with the server's rule first.
#[component]
fn NewWorkspaceDialog(#[prop(into)] on_close: Callback<()>, on_created: Callback<Workspace>) -> impl IntoView {
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let create = Submission::new(|request: NewWorkspace| async move { api::create_workspace(&request).await }, move |workspace| {
        on_created.run(workspace)
    });
    let (error, pending) = (create.error, create.pending());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = NewWorkspace { id: id.get_untracked().trim().to_owned(), name: name.get_untracked().trim().to_owned() };
        create.submit(request.check(), request);
    };
    view! {
        <Modal title="New workspace" on_close>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["id", "name"]/>
                <TextField id="new-workspace-name" label="Name" path="name" value=name error/>
                <TextField id="new-workspace-id" label="ID" path="id" value=id error verbatim=true placeholder="e.g. fraud-team"
                    hint="Lower-case letters, digits, - and _; it appears in links and can't change."/>
                <DialogActions label="Create workspace" pending on_cancel=on_close/>
            </form>
        </Modal>
    }
}

/// Who belongs to the workspace, with their roles; workspace admins add, change and remove.
#[component]
fn MembersPanel(ws: String) -> impl IntoView {
    let ws = StoredValue::new(ws);
    // A role given (`Some`) or the member removed (`None`); the list follows each one.
    let membership = Submission::new(
        move |(user, new_role): (String, Option<WorkspaceRole>)| async move {
            let ws = ws.get_value();
            match new_role {
                Some(new_role) => api::set_member(&ws, &user, new_role).await.map(drop),
                None => api::remove_member(&ws, &user).await,
            }
        },
        |()| {},
    );
    let members = LocalResource::new(move || {
        membership.action.version().get();
        let ws = ws.get_value();
        async move { api::list_members(&ws).await }
    });
    let error = membership.error;
    let username = RwSignal::new(String::new());
    let role = RwSignal::new(WorkspaceRole::Member);
    let removing = RwSignal::new(None::<String>);
    let change = move |user: String, new_role: Option<WorkspaceRole>| membership.submit(Vec::new(), (user, new_role));
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let user = username.get_untracked().trim().to_owned();
        if user.is_empty() {
            error.set(Some(invalid(vec![wavehub_core::api::Finding::field_error("username.required", "username", "Enter a username.")])));
            return;
        }
        username.set(String::new());
        change(user, Some(role.get_untracked()));
    };
    let parse_role = |value: &str| if value == "admin" { WorkspaceRole::Admin } else { WorkspaceRole::Member };
    view! {
        <section class="members-panel" aria-label="Members">
            <h2>{move || format!("Members of {}", ws.get_value())}</h2>
            <FormAlert error fields=&["username"]/>
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                <ApiErrorBoundary>
                {move || members.get().map(|result| result.map(|list| view! {
                        <DataTable class="compact" caption="Members" columns=vec![
                            Column::text("User"), Column::text("Role"), Column::actions()
                        ]>
                            {list.into_iter().map(|member| {
                                let user = member.username.clone();
                                let row_user = user.clone();
                                let heading_user = user.clone();
                                let remove_user = user.clone();
                                let label = format!("Role of {user}");
                                view! {
                                    <tr data-username=row_user>
                                        <th scope="row">{heading_user}</th>
                                        <td>
                                            <select aria-label=label prop:value=if member.role == WorkspaceRole::Admin { "admin" } else { "member" }
                                                on:change=move |event| change(user.clone(), Some(parse_role(&event_target_value(&event))))>
                                                <option value="member">"member: reads"</option>
                                                <option value="admin">"admin: manages"</option>
                                            </select>
                                        </td>
                                        <td class="actions">
                                            <button type="button" class="button-quiet danger" aria-label=format!("Remove {remove_user}")
                                                on:click=move |_| removing.set(Some(remove_user.clone()))>"Remove"</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                }))}
                </ApiErrorBoundary>
            </Transition>
            <form class="inline-form" on:submit=add novalidate>
                <label for="member-username">"Add or change a member"</label>
                <input id="member-username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" placeholder="username" bind:value=username/>
                <label for="member-role" class="visually-hidden">"Role"</label>
                <select id="member-role" on:change=move |event| role.set(parse_role(&event_target_value(&event)))>
                    <option value="member">"member"</option>
                    <option value="admin">"admin"</option>
                </select>
                <button type="submit" class="button">"Save member"</button>
            </form>
            {move || removing.get().map(|user| view! {
                <ConfirmDialog title=format!("Remove {user}?") confirm_label="Remove member"
                    message=format!("Remove {user} from this workspace? They stop seeing its images and runtimes.")
                    on_close=move || removing.set(None)
                    on_confirm=move || {
                        removing.set(None);
                        change(user.clone(), None);
                    }/>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(id: &str) -> Workspace {
        Workspace { id: id.into(), name: id.into(), created_time: String::new(), my_role: Some(WorkspaceRole::Member) }
    }

    #[test]
    fn the_remembered_workspace_wins_while_the_caller_still_has_it() {
        let list = [workspace("alpha"), workspace("default"), workspace("zeta")];
        assert_eq!(choose_workspace(&list, Some("zeta")).as_deref(), Some("zeta"));
        assert_eq!(choose_workspace(&list, Some("gone")).as_deref(), Some("default"));
        assert_eq!(choose_workspace(&list[2..], None).as_deref(), Some("zeta"));
        assert_eq!(choose_workspace(&[], Some("zeta")), None);
    }
}
