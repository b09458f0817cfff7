//! `/instances`: the instances the signed-in person started, with their status, address,
//! visibility, terminate, and the log followed live (server-sent events). `?focus=ID` opens that
//! instance's log (the app page and the rollout page link here after a launch).

use crate::api::{self, ApiError};
use crate::components::layout::RequireSignIn;
use crate::components::messages::ErrorAlert;
use crate::components::time::{age, now_ms};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::prelude::*;
use wavehub_core::apps::Visibility;
use wavehub_core::instances::{Instance, InstanceQuery, InstanceStatus};

#[component]
pub fn InstancesPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <InstancesView/>
        </RequireSignIn>
    }
}

/// How often the list is read again while an instance is starting.
const REFRESH_MS: u64 = 1000;

#[component]
fn InstancesView() -> impl IntoView {
    let query = use_query_map();
    let focus = Memo::new(move |_| query.with(|q| q.get("focus").and_then(|id| id.parse::<i64>().ok())));
    let instances = LocalResource::new(move || async move {
        api::list_instances(&InstanceQuery { owner: Some("me".into()), page_size: Some(100), ..Default::default() }).await
    });
    // While something is starting, look again shortly: the runner reports `running` or `failed`.
    Effect::new(move |_| {
        let starting = instances.get().is_some_and(|r| r.is_ok_and(|page| page.items.iter().any(|i| i.status == InstanceStatus::Starting)));
        if starting {
            set_timeout(move || instances.refetch(), std::time::Duration::from_millis(REFRESH_MS));
        }
    });
    view! {
        <section class="card instances-page">
            <h1>"My instances"</h1>
            <p class="muted">"Apps you started. An instance keeps running until you terminate it; new versions of an app never touch it."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading your instances…"</p> }>
                {move || instances.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty">"You have no instances. Open an app in the "<a href="/">"catalog"</a>" and launch it."</p>
                    }.into_any(),
                    Ok(page) => view! {
                        <table class="table instances">
                            <thead><tr><th>"App"</th><th>"Status"</th><th>"Visibility"</th><th>"Started"</th><th class="actions">"Actions"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|instance| {
                                    let open = focus.get_untracked() == Some(instance.id);
                                    view! { <InstanceRow instance open on_changed=move || instances.refetch()/> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorAlert error=Signal::stored(Some(error))/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

fn status_text(status: InstanceStatus) -> &'static str {
    match status {
        InstanceStatus::Starting => "Starting",
        InstanceStatus::Running => "Running",
        InstanceStatus::Failed => "Failed",
        InstanceStatus::Terminated => "Terminated",
    }
}

#[component]
fn InstanceRow(instance: Instance, open: bool, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let id = instance.id;
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let show_log = RwSignal::new(open);
    let confirming = RwSignal::new(false);
    let live = instance.status.is_live();
    let other = match instance.visibility {
        Visibility::Private => Visibility::AllUsers,
        Visibility::AllUsers => Visibility::Private,
    };
    let switch_visibility = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::update_instance(id, other).await {
                Ok(_) => on_changed.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let terminate = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::terminate_instance(id).await {
                Ok(_) => on_changed.run(()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
            confirming.set(false);
        });
    };
    let label = format!("{} {}", instance.app_title, instance.app_version);
    view! {
        <tr data-instance-id=id data-status=instance.status.as_str()>
            <td>
                <a href=format!("/apps/{}", instance.app_id)>{instance.app_title.clone()}</a>
                <span class="muted">{format!(" v{} · #{id}", instance.app_version)}</span>
            </td>
            <td>
                <span class=format!("status status-{}", instance.status.as_str())>{status_text(instance.status)}</span>
                {instance.url.clone().map(|url| view! { " " <a href=url.clone() target="_blank" rel="noopener">"Open"</a> })}
                {instance.status_reason.clone().map(|reason| view! { <div class="muted">{reason}</div> })}
            </td>
            <td>
                {instance.visibility.as_str()}
                <Show when=move || live>
                    <button type="button" class="button-quiet" on:click=switch_visibility disabled=move || busy.get()
                        title=match other {
                            Visibility::AllUsers => "Everyone signed in may then see and open this instance.",
                            Visibility::Private => "Only you and admins will see this instance.",
                        }>
                        {match other { Visibility::AllUsers => "Share", Visibility::Private => "Make private" }}
                    </button>
                </Show>
            </td>
            <td>{age(&instance.created_at, now_ms())}</td>
            <td class="actions">
                <button type="button" aria-expanded=move || show_log.get().to_string() on:click=move |_| show_log.update(|v| *v = !*v)>
                    {move || if show_log.get() { "Hide log" } else { "Log" }}
                </button>
                <Show when=move || live && !confirming.get()>
                    <button type="button" class="button-danger" on:click=move |_| confirming.set(true)>"Terminate…"</button>
                </Show>
            </td>
        </tr>
        <Show when=move || confirming.get()>
            <tr class="confirm-row"><td colspan="5">
                <div class="confirm" role="alertdialog" aria-label="Confirm terminate">
                    <p>{format!("Terminate {label} (#{id})? Its process stops now and whatever it kept in memory is lost; this cannot be undone.")}</p>
                    <button type="button" class="button-danger" on:click=terminate disabled=move || busy.get()>"Terminate the instance"</button>
                    <button type="button" class="button-quiet" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </td></tr>
        </Show>
        <Show when=move || error.get().is_some()>
            <tr><td colspan="5"><ErrorAlert error=error/></td></tr>
        </Show>
        <Show when=move || show_log.get()>
            <tr class="log-row"><td colspan="5"><LiveLog id on_end=on_changed/></td></tr>
        </Show>
    }
}

/// An instance's log: every line so far, then new ones as the server sends them, until the
/// instance ends. Closes its stream when it leaves the page.
#[component]
pub fn LiveLog(id: i64, #[prop(into)] on_end: Callback<()>) -> impl IntoView {
    let lines = RwSignal::new(Vec::<String>::new());
    let state = RwSignal::new("Connecting…".to_owned());
    let source = web_sys::EventSource::new(&api::instance_log_stream_url(id)).ok();
    if let Some(source) = &source {
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(line) = event.data().as_string() {
                lines.update(|all| all.push(line));
            }
            state.set("Following live.".to_owned());
        });
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let ended_source = source.clone();
        let on_ended = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            ended_source.close();
            state.set("The instance has ended; this is its whole log.".to_owned());
            on_end.run(());
        });
        let _ = source.add_event_listener_with_callback("end", on_ended.as_ref().unchecked_ref());
        on_ended.forget();
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.set("Following live.".to_owned()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
    } else {
        state.set("This browser cannot follow logs.".to_owned());
    }
    let closer = source.clone();
    on_cleanup(move || {
        if let Some(source) = closer {
            source.close();
        }
    });
    let log_ref = NodeRef::<leptos::html::Pre>::new();
    // Keep the newest line in view as lines arrive.
    Effect::new(move |_| {
        lines.track();
        if let Some(pre) = log_ref.get() {
            pre.set_scroll_top(pre.scroll_height());
        }
    });
    view! {
        <div class="live-log">
            <p class="muted" aria-live="polite">{move || state.get()}</p>
            <pre class="log" node_ref=log_ref aria-label=format!("Log of instance {id}") tabindex="0">
                {move || lines.get().join("\n")}
            </pre>
        </div>
    }
}
