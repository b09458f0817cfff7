//! `/apps/:id`: one app version: its page, a picker across the name's visible versions, the
//! download, and for its owner and admins the visibility switch and delete. The server decides
//! who may do what; `can_manage` only decides what is offered.

use crate::api::{self, ApiError};
use crate::components::app_view::AppOverview;
use crate::components::dialog::ConfirmDialog;
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::components::reason::ReasonField;
use crate::components::tags::TagEditor;
use crate::components::title::PageTitle;
use crate::pages::app_history::{history_href, may_read_history};
use crate::pages::instances::{every_while, LaunchProgress, REFRESH};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use wavehub_core::api::Problem;
use wavehub_core::apps::{check_visibility_change, visibility_change_needs_reason, AppDetail, AppPatch, AppRef, AppVersion, Visibility};
use wavehub_core::audit::Reason;
use wavehub_core::instances::{Instance, InstanceStatus};

#[component]
pub fn AppPage() -> impl IntoView {
    view! {
        <AppLoader/>
    }
}

#[component]
fn AppLoader() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    let app = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::get_app(id).await,
                None => Err(ApiError::NotFound(wavehub_core::api::Problem::new(404, "This is not an app's address."))),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the app…"</p> }>
            <ApiErrorBoundary frame=|alert| view! {
                <section class="card">
                    <PageTitle text="App not available".to_owned()/>
                    <h1>"App not available"</h1>
                    {alert}
                    <p><a href="/">"Back to the catalog"</a></p>
                </section>
            }.into_any()>
                {move || app.get().map(|result| match result {
                    Ok(detail) => Ok(view! { <AppView detail on_changed=move |_| app.refetch()/> }.into_any()),
                    Err(ApiError::NotFound(Problem { successor: Some(successor), .. })) => Ok(view! { <Replaced successor/> }.into_any()),
                    Err(error) => Err(error),
                })}
            </ApiErrorBoundary>
        </Transition>
    }
}

/// A retired or deleted version's page: which version replaced it (the server names one only when
/// the person may see it).
#[component]
fn Replaced(successor: AppRef) -> impl IntoView {
    view! {
        <section class="card replaced">
            <PageTitle text="Version no longer available".to_owned()/>
            <h1>"This version is no longer available"</h1>
            <p class="notice" role="note">
                {format!("Version {} of {} replaced it: ", successor.version, successor.title)}
                <a href=format!("/apps/{}", successor.id) data-testid="successor">{format!("open {} {} →", successor.title, successor.version)}</a>
            </p>
            <p><a href="/">"Back to the catalog"</a></p>
        </section>
    }
}

#[component]
fn AppView(detail: AppDetail, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let id = detail.summary.id;
    let name = detail.summary.name.clone();
    let versions = LocalResource::new(move || {
        let name = name.clone();
        async move { api::app_versions(&name).await }
    });
    let icon = detail.summary.has_icon.then(|| api::app_icon_url(id));
    let screenshots: Vec<String> = (0..detail.screenshots).map(|n| api::app_screenshot_url(id, n)).collect();
    let current_version = detail.summary.version.clone();
    let picker = view! {
        <div class="version-row">
            {move || versions.get().map(|result| match result {
                Ok(list) => view! { <VersionPicker versions=list current=id current_version=current_version.clone()/> }.into_any(),
                Err(_) => ().into_any(),
            })}
            <a class="button" href=api::app_bundle_url(id) download="">"Download .wave"</a>
        </div>
    }
    .into_any();
    let manage = detail.can_manage.then(|| view! { <ManagePanel app=detail.clone() on_changed/> });
    let session = crate::session::use_session();
    let history = history_href(&detail.summary.name);
    // The name's authors and admins; the versions list says who owns which.
    let show_history = move || {
        let listed = versions.get().and_then(Result::ok).unwrap_or_default();
        session.me.with(|me| me.as_ref().is_some_and(|me| may_read_history(me, &listed)))
    };
    view! {
        <PageTitle text=format!("{} {}", detail.summary.title, detail.summary.version)/>
        <article class="card app-page" data-app-id=id>
            <AppOverview app=detail.clone() icon_src=icon screenshot_srcs=screenshots header_extra=Some(picker)/>
            <LaunchPanel app=detail.clone()/>
            <TagEditor app_id=id assigned=detail.summary.tags.clone() on_changed/>
            {manage}
            <Show when=show_history>
                <p class="history-link"><a href=history.clone()>"History of this app"</a>
                    <span class="muted">" Which version was in the catalog when, who changed it and why."</span></p>
            </Show>
        </article>
    }
}

/// The name's visible versions, newest first; choosing one opens its page. Says when this one is
/// not the newest.
#[component]
fn VersionPicker(versions: Vec<AppVersion>, current: i64, current_version: String) -> impl IntoView {
    let navigate = use_navigate();
    let newest = versions.first().filter(|v| v.id != current).cloned();
    let on_change = move |event: leptos::ev::Event| {
        if let Ok(id) = event_target_value(&event).parse::<i64>() {
            navigate(&format!("/apps/{id}"), Default::default());
        }
    };
    view! {
        <label class="version-picker">
            "Version "
            <select on:change=on_change prop:value=current.to_string()>
                {versions.into_iter().map(|v| {
                    let label = match v.visibility {
                        Visibility::Private => format!("{} (private)", v.version),
                        Visibility::AllUsers => v.version.clone(),
                    };
                    view! { <option value=v.id.to_string() selected=v.id == current>{label}</option> }
                }).collect_view()}
            </select>
        </label>
        {newest.map(|newest| view! {
            <p class="notice" role="note">
                {format!("You are looking at version {current_version}; a newer version, ")}
                <a href=format!("/apps/{}", newest.id)>{newest.version.clone()}</a>
                ", exists."
            </p>
        })}
    }
}

/// Starts an instance of this version for the person looking and follows it here: the launch
/// steps while it starts (read again every 2 s), Open once it runs, the reason and the end of the
/// log if it fails.
#[component]
fn LaunchPanel(app: AppDetail) -> impl IntoView {
    let id = app.summary.id;
    let visibility = RwSignal::new(Visibility::Private);
    let launch = Action::new_local(move |visibility: &Visibility| {
        let visibility = *visibility;
        async move { api::launch_instance(id, visibility).await }
    });
    let (answer, pending) = (launch.value(), launch.pending());
    let error = Signal::derive(move || answer.get().and_then(Result::err));
    // The instance as the launch answered; each new launch replaces it.
    let launched = Memo::new(move |_| answer.get().and_then(Result::ok));
    let progress = move || {
        launched.get().map(|first| {
            let instance_id = first.id;
            let fresh = LocalResource::new(move || api::get_instance(instance_id));
            // The newest answer; a failed read keeps the last one.
            let instance = Memo::new(move |previous: Option<&Instance>| match fresh.get() {
                Some(Ok(instance)) => instance,
                _ => previous.cloned().unwrap_or_else(|| first.clone()),
            });
            every_while(move || instance.with(|i| i.status == InstanceStatus::Starting), REFRESH, move || fresh.refetch());
            view! { <LaunchProgress instance/> }
        })
    };
    view! {
        <section class="launch" aria-label="Run this app">
            <h2>"Run it"</h2>
            <ErrorAlert error/>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| { launch.dispatch_local(visibility.get_untracked()); }
                    disabled=move || pending.get()>
                    {move || if pending.get() { "Launching…" } else { "Launch an instance" }}
                </button>
                <label>
                    <input type="checkbox" prop:checked=move || visibility.get() == Visibility::AllUsers
                        on:change=move |e| visibility.set(if event_target_checked(&e) { Visibility::AllUsers } else { Visibility::Private })/>
                    " Let everyone signed in open it"
                </label>
            </div>
            {progress}
            <p class="muted">"Your instance runs this version until you terminate it on My instances; newer versions never replace it."</p>
        </section>
    }
}

/// What the owner and admins may change: visibility, with what it does, and delete; each asks
/// first, with a reason for the app's history (required to make a shared version PRIVATE: the
/// rule of `check_visibility_change`, which the server runs again).
#[component]
fn ManagePanel(app: AppDetail, on_changed: Callback<()>) -> impl IntoView {
    let id = app.summary.id;
    let visibility = app.summary.visibility;
    let label = format!("{} {}", app.summary.name, app.summary.version);
    let confirming = RwSignal::new(None::<Step>);
    let reason = RwSignal::new(String::new());
    let navigate = use_navigate();

    let target = match visibility {
        Visibility::Private => Visibility::AllUsers,
        Visibility::AllUsers => Visibility::Private,
    };
    let (switch_label, switch_effect) = match target {
        Visibility::AllUsers => ("Share with all users", "Everyone signed in will find this version in the catalog."),
        Visibility::Private => ("Make private", "Only you and admins will see this version; it leaves the catalog."),
    };
    let findings = Signal::derive(move || {
        let text = reason.get();
        match confirming.get() {
            Some(Step::Switch) => check_visibility_change(visibility, target, Some(&text)),
            _ => Reason { reason: Some(text) }.check(),
        }
    });
    let change = Action::new_local(move |(step, text): &(Step, String)| {
        let reason = Some(text.trim().to_owned()).filter(|r| !r.is_empty());
        let step = *step;
        async move {
            match step {
                Step::Switch => api::update_app(id, &AppPatch { visibility: target, reason }).await.map(|_| step),
                Step::Delete => api::delete_app(id, &Reason { reason }).await.map(|()| step),
            }
        }
    });
    let (answer, pending) = (change.value(), change.pending());
    let error = Signal::derive(move || answer.get().and_then(Result::err));
    Effect::new(move |_| match answer.get() {
        Some(Ok(Step::Switch)) => on_changed.run(()),
        Some(Ok(Step::Delete)) => navigate("/?mine=1", Default::default()),
        _ => {}
    });
    // Each question starts afresh: no reason and no refusal from the last one.
    let ask = move |step: Step| {
        reason.set(String::new());
        answer.set(None);
        confirming.set(Some(step));
    };
    view! {
        <section class="manage" aria-label="Manage this version">
            <h2>"Manage"</h2>
            <p>
                {format!("Visibility: {} — {}. ", visibility.label(), visibility.explanation())}
                <span class="muted">{switch_effect}</span>
            </p>
            <p><a href=format!("/apps/by-name/{}/rollout", wavehub_core::apps::percent_encode(&app.summary.name))>"Roll out a new version…"</a>
                <span class="muted">" Import it privately, test it, then promote it."</span></p>
            <div class="actions">
                <button type="button" on:click=move |_| ask(Step::Switch)>{switch_label}"…"</button>
                <button type="button" class="button-danger" on:click=move |_| ask(Step::Delete)>"Delete…"</button>
            </div>
            {move || confirming.get().map(|step| {
                let required = step == Step::Switch && visibility_change_needs_reason(visibility, target);
                let (title, message, confirm_label) = match step {
                    Step::Switch => (format!("{switch_label} {label}?"), switch_effect.to_owned(), format!("Yes, {}", target.change_words())),
                    Step::Delete => (
                        format!("Delete {label}?"),
                        "Its bundle, icon and screenshots are removed; this cannot be undone.".to_owned(),
                        "Delete this version".to_owned(),
                    ),
                };
                let purpose = "Kept in the app's history, where its authors and admins read why.";
                view! {
                    <ConfirmDialog title message confirm_label safe=step == Step::Switch
                        alert=if step == Step::Delete { "Confirm delete" } else { "Confirm the change" }
                        disabled=Signal::derive(move || pending.get() || !findings.with(Vec::is_empty))
                        on_confirm=move || { change.dispatch_local((step, reason.get_untracked())); } on_close=move || confirming.set(None)>
                        <ReasonField value=reason required findings purpose/>
                        <ErrorAlert error=error/>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}

/// The change the manage panel is asking about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Switch,
    Delete,
}
