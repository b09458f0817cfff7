//! `/admin/audit`: who changed what, when, and why; newest first. Admins only. The filters
//! (resource, actor, action) and the page live in the URL, so every view is a link; each actor,
//! action and resource in the table is a link to the view filtered by it, and resources that have
//! a page link to it.

use crate::api;
use crate::components::format::Timestamp;
use crate::components::list::{Column, DataTable, Pager};
use crate::components::messages::ApiErrorBoundary;
use super::runtime_images::{image_href, list_href, runtimes_href};
use super::AdminOnly;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use wavehub_core::api::PageRequest;
use wavehub_core::audit::{AuditEntry, AuditQuery};

/// The page's path.
pub const AUDIT_PATH: &str = "/admin/audit";

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <AdminOnly title="Audit log" refusal="Admins only: only admins read the audit log.">
            <AuditLog/>
        </AdminOnly>
    }
}

/// The query a page URL says (`?resource=&actor=&action=&page=`); blank filters are none.
pub fn query_from(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
    let text = |key: &str| get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    AuditQuery {
        resource: text("resource").map(|r| r.trim_matches('/').to_owned()).filter(|r| !r.is_empty()),
        actor: text("actor"),
        action: text("action"),
        page: get("page").and_then(|p| p.parse().ok()).filter(|p| *p > 1),
        page_size: get("page_size").and_then(|p| p.parse().ok()).filter(|p| (1..=PageRequest::MAX_SIZE).contains(p) && *p != PageRequest::DEFAULT_SIZE),
    }
}

/// The page URL of a view of the log.
pub fn href(query: &AuditQuery) -> String {
    let query_string = query.to_query_string();
    if query_string.is_empty() {
        AUDIT_PATH.to_owned()
    } else {
        format!("{AUDIT_PATH}?{query_string}")
    }
}

/// The same view with a change, from page 1.
fn with(query: &AuditQuery, change: impl FnOnce(&mut AuditQuery)) -> AuditQuery {
    let mut next = query.clone();
    change(&mut next);
    next.page = None;
    next
}

/// Where the page of an audited resource is, when it has one: `apps/12` (and `apps/12/tags/X`) →
/// `/apps/12`; `workspaces/w/runtime-images/x` (and its versions) → that image's page; a
/// workspace's runtimes and members → its runtimes and images; tags, secrets and users → their
/// admin pages.
pub fn resource_href(resource: &str) -> Option<String> {
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        ["apps", id, ..] if id.parse::<i64>().is_ok() => Some(format!("/apps/{id}")),
        ["workspaces", ws, "runtime-images", uid, ..] => Some(image_href(ws, uid)),
        ["workspaces", ws, "runtimes", ..] => Some(runtimes_href(ws)),
        ["workspaces", ws, ..] => Some(list_href(ws)),
        ["tags", ..] => Some("/admin/tags".to_owned()),
        ["secrets", ..] => Some("/admin/secrets".to_owned()),
        ["users", ..] => Some("/admin/users".to_owned()),
        _ => None,
    }
}

/// An entry's detail as people read it: one `(what, value)` pair per field, `assignments_removed`
/// as "assignments removed", lists joined by commas ("none" when empty), a field's own fields as
/// "what: value; …". Empty objects and nulls are nothing to show.
pub fn detail_pairs(detail: &serde_json::Value) -> Vec<(String, String)> {
    match detail {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Object(map) => map.iter().map(|(key, value)| (key.replace('_', " "), detail_text(value))).collect(),
        other => vec![(String::new(), detail_text(other))],
    }
}

fn detail_text(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) => items.iter().map(detail_text).collect::<Vec<_>>().join(", "),
        Value::Object(map) => {
            map.iter().map(|(key, value)| format!("{}: {}", key.replace('_', " "), detail_text(value))).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.with(|q| query_from(|key| q.get(key))));
    let entries = LocalResource::new(move || {
        let query = query.get();
        async move { api::audit_log(&query).await }
    });
    // The filter fields follow the URL (a click on an actor, Back), and the form goes to a URL.
    let resource = RwSignal::new(String::new());
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    Effect::new(move |_| {
        let q = query.get();
        resource.set(q.resource.unwrap_or_default());
        actor.set(q.actor.unwrap_or_default());
        action.set(q.action.unwrap_or_default());
    });
    let navigate = use_navigate();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let filled = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty());
        let next = with(&query.get_untracked(), |q| {
            q.resource = filled(resource).map(|r| r.trim_matches('/').to_owned());
            q.actor = filled(actor);
            q.action = filled(action);
        });
        navigate(&href(&next), Default::default());
    };
    let filtered = move || query.with(|q| q.resource.is_some() || q.actor.is_some() || q.action.is_some());
    view! {
        <section class="card audit-log">
            <h1>"Audit log"</h1>
            <p class="muted">"Every change, newest first: who made it, to what, and the reason given. A resource filter also finds everything under it (apps/12 finds apps/12/tags/X)."</p>
            <form class="audit-filters" role="search" aria-label="Filter the audit log" on:submit=submit>
                <div class="filter">
                    <label for="audit-resource">"Resource"</label>
                    <input id="audit-resource" type="search" placeholder="apps/12, secrets, workspaces/default" autocomplete="off" spellcheck="false" bind:value=resource/>
                </div>
                <div class="filter">
                    <label for="audit-actor">"Actor"</label>
                    <input id="audit-actor" type="search" placeholder="username" autocomplete="off" autocapitalize="none" spellcheck="false" bind:value=actor/>
                </div>
                <div class="filter">
                    <label for="audit-action">"Action"</label>
                    <input id="audit-action" type="search" placeholder="create, delete, assign…" autocomplete="off" autocapitalize="none" spellcheck="false" bind:value=action/>
                </div>
                <div class="filter-actions">
                    <button type="submit" class="button">"Filter"</button>
                    <Show when=filtered>
                        <A href=AUDIT_PATH attr:class="button-quiet">"Clear filters"</A>
                    </Show>
                </div>
            </form>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the audit log…"</p> }>
                <ApiErrorBoundary>
                    {move || entries.get().map(|result| result.map(|page| {
                        let current = query.get_untracked();
                        let count = match page.total { 0 => "No changes".to_owned(), 1 => "1 change".to_owned(), n => format!("{n} changes") };
                        let (number, total, page_size) = (page.page, page.total, page.page_size);
                        let page_href = {
                            let current = current.clone();
                            move |n: u32| href(&AuditQuery { page: Some(n).filter(|p| *p > 1), ..current.clone() })
                        };
                        let summary = filter_summary(&current);
                        let items = page.items;
                        let rows = (!items.is_empty()).then(|| {
                            items.into_iter().map(|entry| view! { <AuditRow entry current=current.clone()/> }).collect_view()
                        });
                        view! {
                            <p class="muted" role="status" data-testid="audit-count">{count}{summary}</p>
                            {match rows {
                                None => view! { <p class="empty">"Nothing matches these filters."</p> }.into_any(),
                                Some(rows) => view! {
                                    <div class="table-scroll">
                                        <DataTable class="compact audit-table" caption="Audit log entries" columns=vec![
                                            Column::text("Time"), Column::text("Actor"), Column::text("Action"), Column::text("Resource"),
                                            Column::text("Reason"), Column::text("Detail")
                                        ]>
                                            {rows}
                                        </DataTable>
                                    </div>
                                }.into_any(),
                            }}
                            <Pager page=number total page_size label="Pages of the audit log" href=page_href words=("Newer", "Older")/>
                        }.into_any()
                    }
                ))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

/// " for resource apps/12, by alice" after the count.
fn filter_summary(query: &AuditQuery) -> String {
    let mut parts = Vec::new();
    if let Some(resource) = &query.resource {
        parts.push(format!("under {resource}"));
    }
    if let Some(actor) = &query.actor {
        parts.push(format!("by {actor}"));
    }
    if let Some(action) = &query.action {
        parts.push(format!("with action {action}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {}", parts.join(", "))
    }
}

#[component]
fn AuditRow(entry: AuditEntry, current: AuditQuery) -> impl IntoView {
    let actor_href = href(&with(&current, |q| q.actor = Some(entry.actor.clone())));
    let action_href = href(&with(&current, |q| q.action = Some(entry.action.clone())));
    let resource_filter = href(&with(&current, |q| q.resource = Some(entry.resource.clone())));
    let actor_title = format!("Only changes by {}", entry.actor);
    let (actor, action) = (entry.actor.clone(), entry.action.clone());
    let action_title = format!("Only {} actions", entry.action);
    let resource = match resource_href(&entry.resource) {
        Some(page) => view! { <a href=page class="resource-link">{entry.resource.clone()}</a> }.into_any(),
        None => view! { <code>{entry.resource.clone()}</code> }.into_any(),
    };
    view! {
        <tr data-action=entry.action.clone() data-actor=entry.actor.clone()>
            <td class="nowrap"><Timestamp time=entry.time.clone()/></td>
            <td><A href=actor_href attr:title=actor_title>{actor.clone()}</A></td>
            <td><A href=action_href attr:title=action_title>{action.clone()}</A></td>
            <td class="resource">
                {resource}
                " "
                <A href=resource_filter attr:class="filter-link" attr:aria-label=format!("only this: changes to {}", entry.resource)>"only this"</A>
            </td>
            <td>{match entry.reason.clone().filter(|r| !r.is_empty()) {
                Some(reason) => view! { <span class="reason">{reason}</span> }.into_any(),
                None => view! { <span class="muted">"—"</span> }.into_any(),
            }}</td>
            <td>{match detail_pairs(&entry.detail) {
                pairs if pairs.is_empty() => view! { <span class="muted">"—"</span> }.into_any(),
                pairs => view! {
                    <dl class="detail-list">
                        {pairs.into_iter().map(|(what, value)| view! { <dt>{what}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                }.into_any(),
            }}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> AuditQuery {
        query_from(crate::components::list::pairs(query))
    }

    #[test]
    fn the_url_round_trips_and_leaves_blanks_and_defaults_out() {
        assert_eq!(href(&parse("")), "/admin/audit");
        assert_eq!(href(&parse("resource=apps/12/&actor=alice&action=&page=1")), "/admin/audit?resource=apps%2F12&actor=alice");
        assert_eq!(href(&parse("actor=bob&page=3")), "/admin/audit?actor=bob&page=3");
        assert_eq!(href(&with(&parse("actor=bob&page=3"), |q| q.action = Some("delete".into()))), "/admin/audit?actor=bob&action=delete");
    }

    #[test]
    fn resources_with_pages_link_to_them() {
        assert_eq!(resource_href("apps/12").as_deref(), Some("/apps/12"));
        assert_eq!(resource_href("apps/12/tags/NLP").as_deref(), Some("/apps/12"));
        assert_eq!(resource_href("workspaces/default/runtime-images/x").as_deref(), Some("/admin/runtime-images/default/x"));
        assert_eq!(resource_href("workspaces/default/runtime-images/x/versions/v1.0.0").as_deref(), Some("/admin/runtime-images/default/x"));
        assert_eq!(resource_href("tags/NLP").as_deref(), Some("/admin/tags"));
        assert_eq!(resource_href("instances/3"), None);
        assert_eq!(resource_href("apps/not-a-number"), None);
    }

    #[test]
    fn details_read_as_words_and_empty_ones_are_nothing() {
        let pairs = |json| detail_pairs(&json);
        assert_eq!(pairs(serde_json::json!({"keys": ["token", "url"], "assignments_removed": 1})), [
            ("assignments removed".to_owned(), "1".to_owned()),
            ("keys".to_owned(), "token, url".to_owned()),
        ]);
        assert_eq!(
            pairs(serde_json::json!({"grants": {"roles": [], "users": ["alice"]}})),
            [("grants".to_owned(), "roles: none; users: alice".to_owned())]
        );
        assert!(pairs(serde_json::json!({})).is_empty());
        assert!(pairs(serde_json::Value::Null).is_empty());
    }
}
