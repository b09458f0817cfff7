//! `/apps/by-name/:name/history`: what happened to an app name's versions, newest first, for its
//! authors and admins (the server decides; others get its refusal). Each change is one line that
//! says what it did to the catalog ("2.0.0 replaced 1.0.0 in the catalog"), who made it, when,
//! and the reason they gave. The page lives in the URL (`?page=`), like every list.

use crate::api;
use crate::components::format::{age, capitalized, now_ms, Timestamp};
use crate::components::list::Pager;
use crate::components::messages::ApiErrorBoundary;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use wavehub_core::accounts::Me;
use wavehub_core::apps::{percent_encode, AppEvent, AppEventKind, AppVersion, CatalogChange};

/// The history page of app `name`.
pub fn history_href(name: &str) -> String {
    format!("/apps/by-name/{}/history", percent_encode(name))
}

/// Whether to offer the history link: the server's rule (the name's authors, who own one of its
/// versions, and admins), from the versions the person sees (their own are always among them).
pub fn may_read_history(me: &Me, versions: &[AppVersion]) -> bool {
    me.is_admin() || versions.iter().any(|v| v.owner.as_deref() == Some(me.username.as_str()))
}

#[component]
pub fn AppHistoryPage() -> impl IntoView {
    view! {
        <HistoryView/>
    }
}

#[component]
fn HistoryView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = Memo::new(move |_| params.with(|p| p.get("name").unwrap_or_default()));
    let page = Memo::new(move |_| query.with(|q| q.get("page").and_then(|p| p.parse::<u32>().ok()).filter(|p| *p >= 1).unwrap_or(1)));
    let events = LocalResource::new(move || {
        let (name, page) = (name.get(), page.get());
        async move { api::app_history(&name, page).await }
    });
    view! {
        <section class="card app-history">
            <h1>"History of "<code>{move || name.get()}</code></h1>
            <p class="muted">
                "Every import, visibility change and delete of its versions, tag changes, and instances started and stopped; newest first. "
                "Where a change moved the catalog to another version, the line says so."
            </p>
            <p><a href=move || format!("/apps/by-name/{}/rollout", percent_encode(&name.get()))>"Roll out a version…"</a></p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the history…"</p> }>
                <ApiErrorBoundary>
                {move || events.get().map(|result| result.map(|list| match list {
                    list if list.items.is_empty() => view! { <p class="empty">"Nothing has happened to this app yet."</p> }.into_any(),
                    list => {
                        let href = {
                            let base = history_href(&name.get_untracked());
                            move |n: u32| if n > 1 { format!("{base}?page={n}") } else { base.clone() }
                        };
                        let now = now_ms();
                        view! {
                            <ol class="history-list">
                                {list.items.into_iter().map(|event| view! { <HistoryLine event now/> }).collect_view()}
                            </ol>
                            <Pager page=list.page total=list.total page_size=list.page_size label="Pages of the history" href words=("Newer", "Older")/>
                        }.into_any()
                    }
                }))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

/// One change: what it did, then who, when and why.
#[component]
fn HistoryLine(event: AppEvent, now: f64) -> impl IntoView {
    let moved = event.catalog.is_some();
    let actor = event.actor.clone().unwrap_or_else(|| "someone (a private instance)".to_owned());
    view! {
        <li class="history-event" class:catalog-change=moved data-kind=kind_name(event.kind) data-version=event.version.clone()>
            <p class="history-what">
                {moved.then(|| view! { <span class="badge">"catalog"</span>" " })}
                <a href=format!("/apps/{}", event.app_id)>{sentence(&event)}</a>
            </p>
            <p class="history-meta">
                <span class="history-actor">{actor}</span>" · "<Timestamp time=event.time.clone()/>" · "
                <span class="muted">{age(&event.time, now)}</span>
            </p>
            {event.reason.map(|reason| view! { <blockquote class="history-reason">{format!("“{reason}”")}</blockquote> })}
        </li>
    }
}

/// The event kind's word in the API (`made_private`), for tests and styles.
fn kind_name(kind: AppEventKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What happened, in one sentence that leads with what the catalog shows when that changed.
pub fn sentence(event: &AppEvent) -> String {
    let v = &event.version;
    let instance = event.instance_id.map(|id| format!("instance {id}")).unwrap_or_else(|| "an instance".to_owned());
    let what = match event.kind {
        AppEventKind::Imported => format!("{v} was imported"),
        AppEventKind::Shared => format!("{v} was shared with all users"),
        AppEventKind::MadePrivate => format!("{v} was made private"),
        AppEventKind::Deleted => format!("{v} was deleted"),
        AppEventKind::TagAdded => format!("Tag {} was added to {v}", event.tag.as_deref().unwrap_or("?")),
        AppEventKind::TagRemoved => format!("Tag {} was removed from {v}", event.tag.as_deref().unwrap_or("?")),
        AppEventKind::InstanceStarted => format!("{} of {v} was started", capitalized(&instance)),
        AppEventKind::InstanceTerminated => format!("{} of {v} was terminated", capitalized(&instance)),
        AppEventKind::InstanceFailed => format!("{} of {v} stopped with a failure", capitalized(&instance)),
    };
    match &event.catalog {
        None => format!("{what}."),
        Some(CatalogChange { before, after: Some(after) }) if after == v => match before {
            Some(before) => format!("{v} replaced {before} in the catalog ({})", what.replacen(v, "it", 1)),
            None => format!("{v} is in the catalog now ({})", what.replacen(v, "it", 1)),
        },
        Some(CatalogChange { after: Some(after), .. }) => format!("{what}; the catalog shows {after} again."),
        Some(CatalogChange { after: None, .. }) => format!("{what}; no version is in the catalog now."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: AppEventKind, version: &str, catalog: Option<(Option<&str>, Option<&str>)>) -> AppEvent {
        AppEvent {
            id: 1,
            time: "2026-01-01T00:00:00Z".into(),
            actor: Some("alice".into()),
            kind,
            app_id: 7,
            version: version.into(),
            reason: None,
            tag: None,
            instance_id: None,
            catalog: catalog.map(|(before, after)| CatalogChange { before: before.map(Into::into), after: after.map(Into::into) }),
        }
    }

    #[test]
    fn a_line_says_first_what_the_catalog_shows() {
        use AppEventKind::*;
        assert_eq!(sentence(&event(Shared, "1.2.0", Some((Some("1.1.0"), Some("1.2.0"))))), "1.2.0 replaced 1.1.0 in the catalog (it was shared with all users)");
        assert_eq!(sentence(&event(Imported, "1.0.0", Some((None, Some("1.0.0"))))), "1.0.0 is in the catalog now (it was imported)");
        assert_eq!(sentence(&event(MadePrivate, "1.2.0", Some((Some("1.2.0"), Some("1.1.0"))))), "1.2.0 was made private; the catalog shows 1.1.0 again.");
        assert_eq!(sentence(&event(Deleted, "1.0.0", Some((Some("1.0.0"), None)))), "1.0.0 was deleted; no version is in the catalog now.");
        assert_eq!(sentence(&event(MadePrivate, "1.0.0", None)), "1.0.0 was made private.");
        let started = AppEvent { instance_id: Some(12), ..event(InstanceStarted, "1.0.0", None) };
        assert_eq!(sentence(&started), "Instance 12 of 1.0.0 was started.");
        let tagged = AppEvent { tag: Some("FINSERV".into()), ..event(TagAdded, "2.0.0", None) };
        assert_eq!(sentence(&tagged), "Tag FINSERV was added to 2.0.0.");
        assert_eq!(kind_name(MadePrivate), "made_private");
    }
}
