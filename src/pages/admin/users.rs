//! `/admin/users`: accounts and their roles. The server refuses all of this to non-admins; the
//! page only spares them a useless screen.

use crate::api;
use crate::components::bulk::{BulkAction, BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::form::{FormAlert, RolePicker, Submission, TextField};
use crate::components::format::{count, Timestamp};
use crate::components::list::{page_param, Column, DataTable, Pager};
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use super::AdminOnly;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::HashMap;
use wavehub_core::accounts::{NewUser, Role, User, UserPatch, PASSWORD_MIN_LEN, USERNAME_MAX_LEN};
use wavehub_core::api::PageRequest;
use wavehub_core::audit::Reason;

/// The bulk actions' places in the bar (a row's own Delete opens the same dialog for that row).
const DELETE_ACTION: usize = 2;

/// `roles` with `role` added or taken away.
fn with_role(roles: &[Role], role: Role, granted: bool) -> Vec<Role> {
    let mut roles: Vec<Role> = roles.iter().copied().filter(|r| *r != role).collect();
    if granted {
        roles.push(role);
        roles.sort();
    }
    roles
}

/// Grant or revoke the author role of the selected accounts (their other roles stay), or delete
/// them. `roles` holds each shown account's roles, which a role change starts from.
fn user_actions(roles: RwSignal<HashMap<String, Vec<Role>>>) -> Vec<BulkAction> {
    let role_change = move |granted: bool| {
        move |username: String, reason: Option<String>| async move {
            let current = roles.with_untracked(|roles| roles.get(&username).cloned()).unwrap_or_default();
            let patch = UserPatch { roles: Some(with_role(&current, Role::Author, granted)), reason, ..Default::default() };
            api::update_user(&username, &patch).await.map(drop)
        }
    };
    vec![
        BulkAction::new("Grant author", "made authors", "Each account gets the author role: it may upload apps. Its other roles stay.", role_change(true)),
        BulkAction::new("Revoke author", "no longer authors", "Each account loses the author role: it can no longer upload apps. Its other roles stay.", role_change(false)),
        BulkAction::new(
            "Delete",
            "deleted",
            "Each account goes, and its sessions and API tokens end at once. Its apps stay.",
            |username, reason| async move { api::delete_user(&username, &Reason { reason }).await },
        )
        .danger(),
    ]
}

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <AdminOnly title="Users" advice="Only admins manage accounts. Ask an admin to change your roles.">
            <UsersAdmin/>
        </AdminOnly>
    }
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let users = LocalResource::new(move || {
        let page = page.get();
        async move { api::list_users(page, PageRequest::DEFAULT_SIZE).await }
    });
    // Read again after every change.
    let reload = move || users.refetch();
    let selection = Selection::new();
    let roles = RwSignal::new(HashMap::<String, Vec<Role>>::new());
    Effect::new(move |_| {
        let items = match users.get() {
            Some(Ok(listing)) => listing.items,
            _ => Vec::new(),
        };
        roles.set(items.iter().map(|u| (u.username.clone(), u.roles.clone())).collect());
        selection.set_rows(items.iter().map(|u| BulkRow::new(u.username.clone(), u.username.clone())).collect());
    });
    let delete_one = Callback::new(move |username: String| {
        selection.keep([username]);
        selection.open_action(DELETE_ACTION);
    });

    view! {
        <section class="card">
            <h1>"Users"</h1>
            <NewUserForm on_created=reload/>
            <BulkBar selection actions=user_actions(roles) noun=("account", "accounts") on_done=reload/>
            <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                <ApiErrorBoundary>
                    {move || users.get().map(|result| result.map(|listing| {
                        let (current, total, page_size) = (listing.page, listing.total, listing.page_size);
                        view! {
                            <p class="muted">{count(listing.total, "account", "accounts")}</p>
                            <DataTable caption="Accounts" columns=vec![
                                Column::select_all(selection), Column::text("Username"), Column::text("Roles"), Column::text("Created"),
                                Column::actions()
                            ]>
                                {listing.items.into_iter().map(|user| view! { <UserRow user on_changed=reload selection on_delete=delete_one/> }).collect_view()}
                            </DataTable>
                            <Pager page=current total page_size label="Pages of users" href=|n| format!("?page={n}")/>
                        }.into_any()
                    }
                ))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn NewUserForm(on_created: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let roles = RwSignal::new(vec![Role::User]);
    let notice = RwSignal::new(None::<String>);
    let create = Submission::new(
        |request: NewUser| async move { api::create_user(&request).await },
        move |user: User| {
            notice.set(Some(format!("Created {}.", user.username)));
            username.set(String::new());
            password.set(String::new());
            on_created();
        },
    );
    let error = create.error;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        // A new attempt: the last one's success line would stand beside this one's error.
        notice.set(None);
        let request = NewUser { username: username.get_untracked().trim().to_owned(), password: password.get_untracked(), roles: roles.get_untracked() };
        // The same rules the server applies, checked here first for instant feedback.
        create.submit(request.check(), request);
    };
    view! {
        <details class="add-user">
            <summary>"Add a user"</summary>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["username", "password"]/>
                <TextField id="new-username" label="Username" path="username" value=username error verbatim=true
                    hint=format!("Up to {USERNAME_MAX_LEN} lower-case letters, digits, '.', '_' and '-', e.g. jane.doe.")/>
                <TextField id="new-password" label="Password" path="password" value=password error password=true
                    hint=format!("At least {PASSWORD_MIN_LEN} characters.")/>
                <RolePicker roles legend="Roles"/>
                <button type="submit" class="button" disabled=move || create.pending().get()>"Create user"</button>
            </form>
        </details>
        {move || notice.get().map(|text| view! { <p class="alert alert-ok" role="status">{text}</p> })}
    }
}

#[component]
fn UserRow(
    user: User,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
    selection: Selection,
    /// Asks to delete this account (the bulk dialog, for this row).
    on_delete: Callback<String>,
) -> impl IntoView {
    let username = StoredValue::new(user.username.clone());
    let roles = RwSignal::new(user.roles.clone());
    let saved_roles = StoredValue::new(user.roles.clone());
    let new_password = RwSignal::new(String::new());
    let editing = RwSignal::new(false);
    let update = Submission::new(
        move |patch: UserPatch| async move { api::update_user(&username.get_value(), &patch).await },
        move |_: User| {
            editing.set(false);
            new_password.set(String::new());
            on_changed();
        },
    );
    let error = update.error;
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let password = Some(new_password.get_untracked()).filter(|p| !p.is_empty());
        let changed_roles = Some(roles.get_untracked()).filter(|r| *r != saved_roles.get_value());
        update.submit(Vec::new(), UserPatch { password, roles: changed_roles, ..Default::default() });
    };
    let roles_text = user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    view! {
        <tr data-username=user.username.clone()>
            <td class="select-col"><SelectRowBox selection row=BulkRow::new(user.username.clone(), user.username.clone())/></td>
            <th scope="row">{user.username.clone()}</th>
            <td>{roles_text}</td>
            <td><Timestamp time=user.created_at.clone()/></td>
            <td class="actions">
                <button type="button" class="button-quiet" on:click=move |_| editing.update(|e| *e = !*e)
                    aria-expanded=move || editing.get().to_string()>"Edit"</button>
                <button type="button" class="button-quiet danger" aria-label=format!("Delete {}", user.username)
                    on:click=move |_| on_delete.run(username.get_value())>"Delete"</button>
            </td>
        </tr>
        <Show when=move || editing.get() || error.read().is_some()>
            <tr class="row-detail">
                <td colspan="5">
                    <ErrorAlert error=error/>
                    <Show when=move || editing.get()>
                        <form class="form inline" on:submit=save>
                            <RolePicker roles legend=format!("Roles of {}", username.get_value())/>
                            <label for=format!("password-{}", username.get_value())>"New password (leave empty to keep)"</label>
                            <input id=format!("password-{}", username.get_value()) type="password" autocomplete="new-password" bind:value=new_password/>
                            <button type="submit" class="button">"Save"</button>
                        </form>
                    </Show>
                </td>
            </tr>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_change_keeps_the_other_roles() {
        assert_eq!(with_role(&[Role::User], Role::Author, true), [Role::Author, Role::User]);
        assert_eq!(with_role(&[Role::Author, Role::User], Role::Author, true), [Role::Author, Role::User]);
        assert_eq!(with_role(&[Role::Admin, Role::Author], Role::Author, false), [Role::Admin]);
    }
}
