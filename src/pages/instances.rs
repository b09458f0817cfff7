//! `/instances`: the instances the signed-in person started, with their status, address,
//! visibility, terminate, the launch steps while one starts, the reason and the end of the log when
//! one failed, and the log (followed live while the instance runs); then "Shared with me", the
//! running instances other people let everyone signed in open. `?focus=ID` opens that instance's
//! log (the rollout page links here).
//!
//! The list is read again every 2 s while one of the instances is starting, and not at all
//! otherwise. Rows are keyed by id and read their instance from the list, so a refresh updates
//! them in place: an open log stays open and its stream is not restarted.
//!
//! The launch steps, the Open link and the failure details are also the app page's Launch panel.

use crate::api::{self, ApiError};
use crate::components::clipboard::CopyButton;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::Submission;
use crate::components::format::{age, now_ms};
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wavehub_core::api::Page;
use wavehub_core::apps::Visibility;
use wavehub_core::instances::{Instance, InstanceQuery, InstanceStatus, LaunchStep};

/// How often a starting instance is read again (the list here, the instance on the app page).
pub const REFRESH: Duration = Duration::from_secs(2);
/// How many lines of a failed instance's log show under it.
pub const TAIL_LINES: usize = 30;
/// The most instances one list shows (a person may have 10 live ones).
const PAGE_SIZE: u32 = 100;
/// What the log says once the instance is over.
const ENDED: &str = "The instance has ended.";

#[component]
pub fn InstancesPage() -> impl IntoView {
    view! {
        <InstancesView/>
    }
}

/// Runs `tick` every `every` while `active()` is true, and not at all otherwise; stops with the
/// component. One timer at most, however often `active`'s signals change.
pub fn every_while(active: impl Fn() -> bool + 'static, every: Duration, tick: impl Fn() + Clone + 'static) {
    let timer = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    Effect::new(move |_| {
        let on = active();
        let running = timer.with_value(Option::is_some);
        if on && !running {
            timer.set_value(set_interval_with_handle(tick.clone(), every).ok());
        } else if !on && running {
            stop();
        }
    });
    on_cleanup(stop);
}

/// The newest list that loaded (kept while a later read fails) and the error of the latest read.
type Listed = (Memo<Option<Vec<Instance>>>, Signal<Option<ApiError>>);

fn listed(resource: LocalResource<Result<Page<Instance>, ApiError>>) -> Listed {
    let items = Memo::new(move |previous: Option<&Option<Vec<Instance>>>| match resource.get() {
        Some(Ok(page)) => Some(page.items),
        _ => previous.cloned().flatten(),
    });
    let error = Memo::new(move |_| resource.get().and_then(Result::err));
    (items, error.into())
}

fn list_query(owner: &str, status: Option<InstanceStatus>) -> InstanceQuery {
    InstanceQuery { owner: Some(owner.into()), status, page_size: Some(PAGE_SIZE), ..Default::default() }
}

#[component]
fn InstancesView() -> impl IntoView {
    let query = use_query_map();
    let focus = Memo::new(move |_| query.with(|q| q.get("focus").and_then(|id| id.parse::<i64>().ok())));
    let mine = LocalResource::new(|| async { api::list_instances(&list_query("me", None)).await });
    let (items, error) = listed(mine);
    // While something is starting, look again: the runner moves it through its steps and reports
    // `running` or `failed`. Nothing is read again otherwise (the log has its own stream).
    every_while(
        move || items.with(|list| list.iter().flatten().any(|i| i.status == InstanceStatus::Starting)),
        REFRESH,
        move || mine.refetch(),
    );
    let refresh = Callback::new(move |()| mine.refetch());
    // Which of loading / empty / the table to show: the table stays while the rows change, so
    // a refresh updates the rows in place.
    let shape = Memo::new(move |_| items.with(|list| list.as_ref().map(Vec::is_empty)));
    view! {
        <section class="card instances-page" aria-labelledby="instances-mine">
            <h1 id="instances-mine">"My instances"</h1>
            <p class="muted">"Apps you started. An instance keeps running until you terminate it; new versions of an app never touch it."</p>
            <ErrorAlert error/>
            {move || match shape.get() {
                None if error.with(Option::is_none) => view! {
                    <p class="muted" aria-busy="true">"Loading your instances…"</p>
                }.into_any(),
                None => ().into_any(),
                Some(true) => view! {
                    <p class="empty">"You have no instances. Open an app in the "<a href="/">"catalog"</a>" and launch it."</p>
                }.into_any(),
                Some(false) => view! {
                    <DataTable class="instances" caption="Your instances" columns=vec![
                        Column::text("App"), Column::text("Status"), Column::text("Visibility"), Column::text("Started"),
                        Column::actions()
                    ]>
                        <For each=move || items.get().unwrap_or_default() key=|instance| instance.id let:instance>
                            <InstanceRow initial=instance list=items focus refresh/>
                        </For>
                    </DataTable>
                }.into_any(),
            }}
        </section>
        <SharedWithMe/>
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

/// The status as a colored pill.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<InstanceStatus>) -> impl IntoView {
    view! {
        <span class=move || format!("status status-{}", status.get().as_str())>{move || status_text(status.get())}</span>
    }
}

#[component]
fn InstanceRow(
    initial: Instance,
    list: Memo<Option<Vec<Instance>>>,
    focus: Memo<Option<i64>>,
    refresh: Callback<()>,
) -> impl IntoView {
    let id = initial.id;
    let app_id = initial.app_id;
    let title = initial.app_title.clone();
    let version = initial.app_version.clone();
    let started = age(&initial.created_at, now_ms());
    let label = format!("{} {}", initial.app_title, initial.app_version);
    // This row's instance as the list has it now (the last one seen if a refresh dropped it).
    let instance = Memo::new(move |previous: Option<&Instance>| {
        list.with(|l| l.iter().flatten().find(|i| i.id == id).cloned())
            .or_else(|| previous.cloned())
            .unwrap_or_else(|| initial.clone())
    });
    let status = Memo::new(move |_| instance.with(|i| i.status));
    let visibility = Memo::new(move |_| instance.with(|i| i.visibility));
    let reason = Memo::new(move |_| instance.with(|i| i.status_reason.clone()));
    let address = Memo::new(move |_| instance.with(|i| i.url.clone().filter(|_| i.status == InstanceStatus::Running)));
    let live = move || status.get().is_live();

    let show_log = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    // A visibility switch (`Some`) or Terminate (`None`); the list is read again after each.
    let change = Submission::new(
        move |to: Option<Visibility>| async move {
            match to {
                Some(visibility) => api::update_instance(id, visibility).await,
                None => api::terminate_instance(id).await,
            }
        },
        move |_: Instance| {
            confirming.set(false);
            refresh.run(());
        },
    );
    let (error, busy) = (change.error, change.pending());
    Effect::new(move |_| {
        if error.read().is_some() {
            confirming.set(false);
        }
    });
    // `?focus=ID` opens this row's log (also when the address changes while the page is open).
    Effect::new(move |_| {
        if focus.get() == Some(id) {
            show_log.set(true);
        }
    });
    let other = move || match visibility.get() {
        Visibility::Private => Visibility::AllUsers,
        Visibility::AllUsers => Visibility::Private,
    };
    let switch_visibility = move |_| change.submit(Vec::new(), Some(other()));
    let question = StoredValue::new(format!("Terminate {label} (#{id})?"));
    view! {
        <tr data-instance-id=id data-status=move || status.get().as_str()>
            <td>
                <a href=format!("/apps/{app_id}")>{title}</a>
                <span class="muted">{format!(" v{version} · #{id}")}</span>
            </td>
            <td>
                <StatusBadge status/>
                // A failed instance's reason shows with its log below the row.
                {move || reason.get().filter(|_| status.get() != InstanceStatus::Failed).map(|reason| view! {
                    <div class="muted status-reason">{reason}</div>
                })}
                {move || address.get().map(|url| view! { <InstanceAddress url/> })}
            </td>
            <td>
                {move || visibility.get().as_str()}
                <Show when=live>
                    <button type="button" class="button-quiet" on:click=switch_visibility disabled=move || busy.get()
                        title=move || match other() {
                            Visibility::AllUsers => "Everyone signed in may then see and open this instance.",
                            Visibility::Private => "Only you and admins will see this instance.",
                        }>
                        {move || match other() { Visibility::AllUsers => "Share", Visibility::Private => "Make private" }}
                    </button>
                </Show>
            </td>
            <td>{started}</td>
            <td class="actions">
                <Show when=move || status.get() == InstanceStatus::Running>
                    <OpenLink id/>
                </Show>
                <button type="button" aria-expanded=move || show_log.get().to_string() on:click=move |_| show_log.update(|v| *v = !*v)>
                    {move || if show_log.get() { "Hide log" } else { "Log" }}
                </button>
                <Show when=live>
                    <button type="button" class="button-danger" on:click=move |_| confirming.set(true)>"Terminate…"</button>
                </Show>
                {move || confirming.get().then(|| view! {
                    <ConfirmDialog title=question.get_value() alert="Confirm terminate" confirm_label="Terminate the instance"
                        message="Its process stops now and whatever it kept in memory is lost; this cannot be undone."
                        disabled=busy on_confirm=move || change.submit(Vec::new(), None) on_close=move || confirming.set(false)/>
                })}
            </td>
        </tr>
        <Show when=move || matches!(status.get(), InstanceStatus::Starting | InstanceStatus::Failed)>
            <tr class="instance-detail row-detail" data-detail-for=id><td colspan="5">
                {move || match status.get() {
                    InstanceStatus::Starting => view! { <LaunchSteps instance/> }.into_any(),
                    InstanceStatus::Failed => view! { <FailureDetails instance/> }.into_any(),
                    _ => ().into_any(),
                }}
            </td></tr>
        </Show>
        <Show when=move || error.get().is_some()>
            <tr><td colspan="5"><ErrorAlert error=error/></td></tr>
        </Show>
        <Show when=move || show_log.get()>
            <tr class="log-row"><td colspan="5">
                // An instance that is over gets its log once; a live one is followed until it ends,
                // and then the list is read again for its final status.
                <LiveLog id ended=!status.get_untracked().is_live()
                    on_end=move |()| if status.get_untracked().is_live() { refresh.run(()) }/>
            </td></tr>
        </Show>
    }
}

/// "Shared with me": running instances of other people that everyone signed in may open.
#[component]
fn SharedWithMe() -> impl IntoView {
    let shared = LocalResource::new(|| async { api::list_instances(&list_query("others", Some(InstanceStatus::Running))).await });
    view! {
        <section class="card instances-shared" aria-labelledby="instances-shared">
            <h2 id="instances-shared">"Shared with me"</h2>
            <p class="muted">"Running instances other people shared with everyone signed in."</p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading shared instances…"</p> }>
                <ApiErrorBoundary>
                {move || shared.get().map(|result| result.map(|page| match page {
                    page if page.items.is_empty() => view! {
                        <p class="empty">"Nobody has shared a running instance with you."</p>
                    }.into_any(),
                    page => view! {
                        <DataTable class="instances instances-shared-list" caption="Instances shared with you" columns=vec![
                            Column::text("App"), Column::text("Owner"), Column::text("Address"), Column::text("Started"),
                            Column::actions()
                        ]>
                            {page.items.into_iter().map(|instance| view! { <SharedRow instance/> }).collect_view()}
                        </DataTable>
                    }.into_any(),
                }))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn SharedRow(instance: Instance) -> impl IntoView {
    let id = instance.id;
    let running = instance.status == InstanceStatus::Running;
    view! {
        <tr data-instance-id=id data-status=instance.status.as_str() data-owner=instance.owner.clone().unwrap_or_default()>
            <td>
                <a href=format!("/apps/{}", instance.app_id)>{instance.app_title.clone()}</a>
                <span class="muted">{format!(" v{} · #{id}", instance.app_version)}</span>
            </td>
            <td>{instance.owner.clone().unwrap_or_else(|| "(deleted account)".into())}</td>
            <td>
                {instance.url.clone().filter(|_| running).map(|url| view! { <InstanceAddress url/> })}
                {(!running).then(|| view! { <StatusBadge status=instance.status/> })}
            </td>
            <td>{age(&instance.created_at, now_ms())}</td>
            <td class="actions">{running.then(|| view! { <OpenLink id/> })}</td>
        </tr>
    }
}

/// Opens the instance in a new tab through the console, which hands the apps origin its ticket
/// (a plain link to the address would arrive there without one).
#[component]
pub fn OpenLink(id: i64) -> impl IntoView {
    view! {
        <a class="button instance-open" href=api::instance_open_url(id) target="_blank" rel="noopener"
            title="Opens the app in a new tab">"Open"</a>
    }
}

/// An instance's address, to read and copy (visitors open it with [`OpenLink`]).
#[component]
pub fn InstanceAddress(url: String) -> impl IntoView {
    view! {
        <span class="instance-address">
            <code class="instance-url">{url.clone()}</code>
            <CopyButton text=url title="Copy the address" class="copy-address"/>
        </span>
    }
}

/// A duration for people: `42 s`, `3 min 05 s`, `2 h 07 min`.
pub fn elapsed_text(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3599 => format!("{} min {:02} s", seconds / 60, seconds % 60),
        _ => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Whole seconds from the RFC 3339 time `from` to `to_ms` (milliseconds since the epoch); 0 when
/// the clocks disagree, `None` when the time cannot be read.
fn seconds_since(from: &str, to_ms: f64) -> Option<u64> {
    let then = js_sys::Date::parse(from);
    (!then.is_nan()).then(|| ((to_ms - then) / 1000.0).max(0.0) as u64)
}

/// The last `n` lines of a log.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // A Python traceback is the reason a launch failed: from its first line on, even when the
    // server's frames (uvicorn, click) make it longer than `n`, up to a few screens.
    let from = lines
        .iter()
        .rposition(|line| line.starts_with("Traceback (most recent call last)"))
        .filter(|at| lines.len() - at <= MAX_TRACEBACK_LINES)
        .map_or(lines.len().saturating_sub(n), |at| at.min(lines.len().saturating_sub(n)));
    lines[from..].join("\n")
}

/// The longest traceback the failure details show whole.
const MAX_TRACEBACK_LINES: usize = 120;

#[derive(Clone, Copy, PartialEq, Eq)]
enum StepState {
    Done,
    Current,
    Pending,
}

impl StepState {
    fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Pending => "pending",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            StepState::Done => "✓",
            StepState::Current => "●",
            StepState::Pending => "○",
        }
    }
}

/// Where `step` is for this instance: all done once it runs; while it starts, the steps before
/// the current one are done (no step reported yet counts as the first).
fn step_state(instance: &Instance, step: LaunchStep) -> StepState {
    let index = |s: LaunchStep| LaunchStep::ALL.iter().position(|x| *x == s).unwrap_or(0);
    let current = match (instance.status, instance.step) {
        (InstanceStatus::Running, _) => return StepState::Done,
        (InstanceStatus::Starting, current) => current.unwrap_or(LaunchStep::Preparing),
        (_, Some(current)) => current,
        (_, None) => return StepState::Pending,
    };
    match index(step).cmp(&index(current)) {
        std::cmp::Ordering::Less => StepState::Done,
        std::cmp::Ordering::Equal => StepState::Current,
        std::cmp::Ordering::Greater => StepState::Pending,
    }
}

/// The launch steps: done ones checked, the current one highlighted with its time so far
/// (ticking each second), and the total since the launch; once running, how long it took.
#[component]
pub fn LaunchSteps(#[prop(into)] instance: Signal<Instance>) -> impl IntoView {
    let starting = Memo::new(move |_| instance.with(|i| i.status == InstanceStatus::Starting));
    // Ticks each second while starting; the times read the clock themselves, so they are also
    // right when the instance changes between ticks.
    let tick = RwSignal::new(0_u64);
    every_while(move || starting.get(), Duration::from_secs(1), move || tick.update(|n| *n += 1));
    let now = move || {
        tick.track();
        now_ms()
    };
    let current = Memo::new(move |_| instance.with(|i| (i.status == InstanceStatus::Starting).then(|| i.step.unwrap_or(LaunchStep::Preparing))));
    let step_time = move || {
        instance.with(|i| {
            let since = i.step_started_at.as_deref().unwrap_or(&i.created_at);
            seconds_since(since, now()).map(elapsed_text).unwrap_or_default()
        })
    };
    let total = move || {
        instance.with(|i| match i.status {
            InstanceStatus::Starting => seconds_since(&i.created_at, now()).map(|s| format!("Total: {}", elapsed_text(s))),
            InstanceStatus::Running => seconds_since(&i.created_at, js_sys::Date::parse(&i.updated_at)).map(|s| format!("Ready in {}", elapsed_text(s))),
            _ => None,
        })
    };
    let steps = LaunchStep::ALL
        .into_iter()
        .map(|step| {
            let state = Memo::new(move |_| instance.with(|i| step_state(i, step)));
            view! {
                <li class="launch-step" data-step=step.as_str() data-state=move || state.get().as_str()
                    aria-current=move || (state.get() == StepState::Current).then_some("step")>
                    <span class="launch-step-mark" aria-hidden="true">{move || state.get().mark()}</span>
                    <span class="launch-step-label">{step.label()}</span>
                    <Show when=move || state.get() == StepState::Done>
                        <span class="visually-hidden">" (done)"</span>
                    </Show>
                    <Show when=move || state.get() == StepState::Current>
                        <span class="launch-step-time">{step_time}</span>
                    </Show>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="launch-steps-box">
            <ol class="launch-steps" aria-label="Launch steps">{steps}</ol>
            <p class="launch-total muted">{total}</p>
            // Screen readers hear the step change, not the clock.
            <p class="visually-hidden" aria-live="polite">{move || current.get().map(|step| format!("{}…", step.label()))}</p>
        </div>
    }
}

/// Why an instance failed, and the end of its log (the traceback, usually) for those who may
/// read it.
#[component]
pub fn FailureDetails(#[prop(into)] instance: Signal<Instance>) -> impl IntoView {
    let (id, reason, can_read) = instance.with_untracked(|i| (i.id, i.status_reason.clone(), i.can_manage));
    view! {
        <div class="instance-failure">
            <p class="failure-reason"><strong>"Failed: "</strong>{reason.unwrap_or_else(|| "no reason was given.".into())}</p>
            {can_read.then(|| view! { <LogTail id/> })}
        </div>
    }
}

/// The last [`TAIL_LINES`] lines of an instance's log, read once.
#[component]
pub fn LogTail(id: i64) -> impl IntoView {
    let log = LocalResource::new(move || api::instance_log(id));
    // The last line (the error, usually) in view, even when the tail is taller than the box.
    let tail_ref = NodeRef::<leptos::html::Pre>::new();
    Effect::new(move |_| {
        if let Some(pre) = tail_ref.get() {
            pre.set_scroll_top(pre.scroll_height());
        }
    });
    view! {
        <div class="log-tail-box">
            <Suspense fallback=|| view! { <p class="muted" aria-busy="true">"Loading the log…"</p> }>
                <ApiErrorBoundary>
                {move || log.get().map(|result| result.map(|text| match text {
                    text if text.trim().is_empty() => view! { <p class="muted">"The log is empty."</p> }.into_any(),
                    text => view! {
                        <p class="muted">"The end of the log:"</p>
                        <pre class="log-tail" node_ref=tail_ref aria-label=format!("End of the log of instance {id}") tabindex="0">{last_lines(&text, TAIL_LINES)}</pre>
                    }.into_any(),
                }))}
                </ApiErrorBoundary>
            </Suspense>
        </div>
    }
}

/// What the app page shows after a launch: the steps while it starts, Open and the address once
/// it runs, the reason and the end of the log if it fails.
#[component]
pub fn LaunchProgress(#[prop(into)] instance: Signal<Instance>) -> impl IntoView {
    let id = instance.with_untracked(|i| i.id);
    let status = Memo::new(move |_| instance.with(|i| i.status));
    view! {
        <div class="launch-progress" data-instance-id=id data-status=move || status.get().as_str()>
            <p class="launch-status">
                {format!("Instance #{id} ")}
                <StatusBadge status/>
                " · " <a href=format!("/instances?focus={id}")>"Log on My instances"</a>
            </p>
            {move || match status.get() {
                InstanceStatus::Starting => view! { <LaunchSteps instance/> }.into_any(),
                InstanceStatus::Running => {
                    let url = instance.with_untracked(|i| i.url.clone());
                    view! {
                        <LaunchSteps instance/>
                        <p class="launch-ready">
                            <OpenLink id/>
                            {url.map(|url| view! { " " <InstanceAddress url/> })}
                        </p>
                    }.into_any()
                }
                InstanceStatus::Failed => view! { <FailureDetails instance/> }.into_any(),
                InstanceStatus::Terminated => {
                    let reason = instance.with_untracked(|i| i.status_reason.clone());
                    view! { <p class="muted">{reason.unwrap_or_else(|| "It was terminated.".into())}</p> }.into_any()
                }
            }}
        </div>
    }
}

/// An instance's log: every line so far, then new ones as the server sends them, until the
/// instance ends; the lines stay, with a note that it ended. With `ended`, the whole log is read
/// once instead. Closes its stream when it leaves the page.
#[component]
pub fn LiveLog(id: i64, #[prop(into)] on_end: Callback<()>, #[prop(optional)] ended: bool) -> impl IntoView {
    let lines = RwSignal::new(Vec::<String>::new());
    let state = RwSignal::new("Connecting…".to_owned());
    let source = if ended {
        state.set("Loading the log…".to_owned());
        let whole = LocalResource::new(move || api::instance_log(id));
        Effect::new(move |_| match whole.get() {
            Some(Ok(text)) => {
                lines.set(text.lines().map(str::to_owned).collect());
                state.set(ENDED.to_owned());
            }
            Some(Err(error)) => state.set(error.to_string()),
            None => {}
        });
        None
    } else {
        follow(id, lines, state, on_end)
    };
    // Cleanups run before the owner's values go, so the stream is still there to close.
    let source = StoredValue::new_local(source);
    on_cleanup(move || {
        source.try_with_value(|source| source.as_ref().map(web_sys::EventSource::close));
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
            <p class="muted log-state" aria-live="polite">{move || state.get()}</p>
            <pre class="log" node_ref=log_ref aria-label=format!("Log of instance {id}") tabindex="0">
                {move || lines.get().join("\n")}
            </pre>
        </div>
    }
}

/// Follows the log's event stream: each message is a line; `end` closes it and keeps the lines.
fn follow(
    id: i64,
    lines: RwSignal<Vec<String>>,
    state: RwSignal<String>,
    on_end: Callback<()>,
) -> Option<web_sys::EventSource> {
    let Ok(source) = web_sys::EventSource::new(&api::instance_log_stream_url(id)) else {
        state.set("This browser cannot follow logs.".to_owned());
        return None;
    };
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        if let Some(line) = event.data().as_string() {
            lines.try_update(|all| all.push(line));
        }
    });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ended_source = source.clone();
    let on_ended = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        // Closed here, the browser does not reconnect (which would send every line again).
        ended_source.close();
        state.try_set(ENDED.to_owned());
        on_end.run(());
    });
    let _ = source.add_event_listener_with_callback("end", on_ended.as_ref().unchecked_ref());
    on_ended.forget();
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        state.try_set("Following live.".to_owned());
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    let failed_source = source.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let message = if failed_source.ready_state() == web_sys::EventSource::CLOSED {
            "The log is not available now."
        } else {
            "Connection lost; reconnecting…"
        };
        state.try_set(message.to_owned());
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    Some(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_clock_in_words() {
        assert_eq!(elapsed_text(0), "0 s");
        assert_eq!(elapsed_text(59), "59 s");
        assert_eq!(elapsed_text(65), "1 min 05 s");
        assert_eq!(elapsed_text(3 * 3600 + 7 * 60 + 5), "3 h 07 min");
    }

    #[test]
    fn a_traceback_is_shown_from_its_first_line() {
        let mut log = String::from("[wavehub] starting\nTraceback (most recent call last):\n");
        log.extend((0..50).map(|i| format!("  File \"frame{i}.py\"\n")));
        log.push_str("RuntimeError: model file missing\n[wavehub] failed: the app exited\n");
        let tail = last_lines(&log, 30);
        assert!(tail.starts_with("Traceback (most recent call last):") && tail.ends_with("[wavehub] failed: the app exited"), "{tail}");
    }

    #[test]
    fn the_tail_is_the_last_lines() {
        let log: String = (1..=40).map(|n| format!("line {n}\n")).collect();
        let tail = last_lines(&log, 30);
        assert!(tail.starts_with("line 11\n") && tail.ends_with("line 40"), "{tail}");
        assert_eq!(last_lines("one\ntwo\n", 30), "one\ntwo");
    }
}
