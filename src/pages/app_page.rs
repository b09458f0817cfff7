//! `/apps/:id`: one app version: its page, a picker across the name's visible versions, the
//! download, and for its owner and admins the visibility switch and delete. The server decides
//! who may do what; `can_manage` only decides what is offered.

use crate::api::{self, ApiError};
use crate::components::app_view::AppOverview;
use crate::components::layout::RequireSignIn;
use crate::components::messages::ErrorAlert;
use crate::components::tags::TagEditor;
use crate::pages::instances::{every_while, LaunchProgress, REFRESH};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use wavehub_core::apps::{AppDetail, AppPatch, AppVersion, Visibility};
use wavehub_core::instances::{Instance, InstanceStatus};

#[component]
pub fn AppPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <AppLoader/>
        </RequireSignIn>
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
            {move || app.get().map(|result| match result {
                Ok(detail) => view! { <AppView detail on_changed=move |_| app.refetch()/> }.into_any(),
                Err(error) => view! {
                    <section class="card">
                        <h1>"App not available"</h1>
                        <ErrorAlert error=Signal::stored(Some(error))/>
                        <p><a href="/">"Back to the catalog"</a></p>
                    </section>
                }.into_any(),
            })}
        </Transition>
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
    view! {
        <article class="card app-page" data-app-id=id>
            <AppOverview app=detail.clone() icon_src=icon screenshot_srcs=screenshots header_extra=Some(picker)/>
            <LaunchPanel app=detail.clone()/>
            <TagEditor app_id=id assigned=detail.summary.tags.clone() on_changed/>
            {manage}
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
                <button type="button" class="button-primary" on:click=move |_| { launch.dispatch_local(visibility.get_untracked()); }
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

/// What the owner and admins may change: visibility, with what it does, and delete, confirmed.
#[component]
fn ManagePanel(app: AppDetail, on_changed: Callback<()>) -> impl IntoView {
    let id = app.summary.id;
    let visibility = app.summary.visibility;
    let label = format!("{} {}", app.summary.name, app.summary.version);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let confirming_delete = RwSignal::new(false);
    let navigate = use_navigate();

    let target = match visibility {
        Visibility::Private => Visibility::AllUsers,
        Visibility::AllUsers => Visibility::Private,
    };
    let (switch_label, switch_effect) = match target {
        Visibility::AllUsers => ("Share with all users", "Everyone signed in will find this version in the catalog."),
        Visibility::Private => ("Make private", "Only you and admins will see this version; it leaves the catalog."),
    };
    let switch = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::update_app(id, &AppPatch { visibility: target }).await {
                Ok(_) => on_changed.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let delete = move |_| {
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::delete_app(id).await {
                Ok(()) => navigate("/?mine=1", Default::default()),
                Err(e) => {
                    error.set(Some(e));
                    confirming_delete.set(false);
                }
            }
            busy.set(false);
        });
    };
    let delete_question = format!("Delete {label}? Its bundle, icon and screenshots are removed; this cannot be undone.");
    view! {
        <section class="manage" aria-label="Manage this version">
            <h2>"Manage"</h2>
            <ErrorAlert error=error/>
            <p>
                {format!("Visibility: {visibility} — {}. ", visibility.explanation())}
                <span class="muted">{switch_effect}</span>
            </p>
            <p><a href=format!("/apps/by-name/{}/rollout", wavehub_core::apps::percent_encode(&app.summary.name))>"Roll out a new version…"</a>
                <span class="muted">" Import it privately, test it, then promote it."</span></p>
            <div class="actions">
                <button type="button" on:click=switch disabled=move || busy.get()>{switch_label}</button>
                <Show when=move || !confirming_delete.get()>
                    <button type="button" class="button-danger" on:click=move |_| confirming_delete.set(true)>"Delete…"</button>
                </Show>
            </div>
            <Show when=move || confirming_delete.get()>
                <div class="confirm" role="alertdialog" aria-label="Confirm delete">
                    <p>{delete_question.clone()}</p>
                    <button type="button" class="button-danger" on:click=delete.clone() disabled=move || busy.get()>"Delete this version"</button>
                    <button type="button" class="button-quiet" on:click=move |_| confirming_delete.set(false)>"Cancel"</button>
                </div>
            </Show>
        </section>
    }
}
