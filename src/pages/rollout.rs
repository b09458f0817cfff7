//! `/apps/by-name/:name/rollout`: rolling a new version of an app out, as the platform documents
//! it: import it PRIVATE, test it in a private instance, promote it to ALL_USERS (the catalog
//! switches to it), and optionally make older versions PRIVATE. Every step says what it does to
//! users and to running instances before it is confirmed. Running instances are never touched.

use crate::api::{self, ApiError};
use crate::components::bulk::{BulkAction, BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::Submission;
use crate::components::format::{age, now_ms};
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::components::reason::ReasonField;
use crate::pages::app_history::{history_href, may_read_history};
use crate::pages::instances::{every_while, LaunchProgress, LiveLog, REFRESH};
use crate::pages::upload::browser::{self, Sent};
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use wavehub_core::apps::{check_visibility_change, visibility_change_needs_reason, AppPatch, AppVersion, Visibility};
use wavehub_core::audit::Reason;
use wavehub_core::bundle::{check_bundle_bytes, BundleOptions};
use wavehub_core::instances::{Instance, InstanceStatus};

#[component]
pub fn RolloutPage() -> impl IntoView {
    view! {
        <RolloutView/>
    }
}

/// The version the catalog shows for the name: the newest ALL_USERS one (versions come newest first).
pub fn catalog_version(versions: &[AppVersion]) -> Option<&AppVersion> {
    versions.iter().find(|v| v.visibility == Visibility::AllUsers)
}

/// The version being rolled out: the newest one, when it is newer than what the catalog shows.
pub fn candidate(versions: &[AppVersion]) -> Option<&AppVersion> {
    let newest = versions.first()?;
    match catalog_version(versions) {
        Some(shown) if shown.id == newest.id => None,
        _ => Some(newest),
    }
}

/// What the steps remember across reloads of the version list (each change reloads it, which
/// draws the steps again).
#[derive(Clone, Copy)]
struct Progress {
    import_message: RwSignal<Option<String>>,
    test_instance: RwSignal<Option<Instance>>,
    /// The versions chosen for a bulk action, and the last run's summary.
    selection: Selection,
}

/// What the versions table offers for several versions at once; each row goes through the same
/// endpoint, rule and audit entry as the steps below. Rows are keyed by app id.
fn version_actions() -> Vec<BulkAction> {
    let visibility = |to: Visibility| {
        move |id: String, reason: Option<String>| async move {
            let id: i64 = id.parse().unwrap_or_default();
            api::update_app(id, &AppPatch { visibility: to, reason }).await.map(drop)
        }
    };
    vec![
        BulkAction::new(
            "Share",
            "shared with all users",
            "Each version is shared with all users: everyone signed in can find and launch it; the catalog shows the newest shared one.",
            visibility(Visibility::AllUsers),
        ),
        BulkAction::new(
            "Retire",
            "retired (made private)",
            "Each version becomes private: users can no longer find or start it; running instances keep running until their owners stop them.",
            visibility(Visibility::Private),
        )
        .with_reason_rule(true, |text| check_visibility_change(Visibility::AllUsers, Visibility::Private, Some(text)))
        .danger(),
        BulkAction::new(
            "Delete",
            "deleted",
            "Each version and its bundle go for good; a version with running instances is refused until they are stopped.",
            |id: String, reason| async move { api::delete_app(id.parse().unwrap_or_default(), &Reason { reason }).await },
        )
        .danger(),
    ]
}

#[component]
fn RolloutView() -> impl IntoView {
    let progress = Progress { import_message: RwSignal::new(None), test_instance: RwSignal::new(None), selection: Selection::new() };
    let params = use_params_map();
    let name = Memo::new(move |_| params.with(|p| p.get("name").unwrap_or_default()));
    let versions = LocalResource::new(move || {
        let name = name.get();
        async move { api::app_versions(&name).await }
    });
    let refresh = Callback::new(move |()| versions.refetch());
    view! {
        <section class="card rollout-page">
            <h1 id="rollout-heading" tabindex="-1">"Roll out a version of "<code>{move || name.get()}</code></h1>
            <p class="muted">
                "Each version is its own app: importing, promoting or retiring one never touches the instances of another. "
                "The catalog shows the newest version shared with all users."
            </p>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the versions…"</p> }>
                <ApiErrorBoundary>
                    {move || versions.get().map(|result| result.map(|list| view! { <Rollout name=name.get_untracked() versions=list refresh progress/> }))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn Rollout(name: String, versions: Vec<AppVersion>, refresh: Callback<()>, progress: Progress) -> impl IntoView {
    let shown = catalog_version(&versions).cloned();
    let next = candidate(&versions).cloned();
    let older_shared: Vec<AppVersion> = match &next {
        Some(next) => versions.iter().filter(|v| v.id != next.id && v.visibility == Visibility::AllUsers).cloned().collect(),
        None => versions.iter().skip(1).filter(|v| v.visibility == Visibility::AllUsers).cloned().collect(),
    };
    let now = now_ms();
    let session = crate::session::use_session();
    let history = history_href(&name);
    let listed = versions.clone();
    // Authors and admins change versions (the server checks each row again).
    let manages = Memo::new(move |_| session.me.with(|me| me.as_ref().is_some_and(|me| may_read_history(me, &listed))));
    let selection = progress.selection;
    let rows: Vec<BulkRow> = versions.iter().map(|v| BulkRow::new(v.id.to_string(), v.version.clone())).collect();
    Effect::new(move |_| selection.set_rows(if manages.get() { rows.clone() } else { Vec::new() }));
    // Rendered here: the table's body closure may not take `shown`, which the steps below use.
    let version_rows = versions.iter().map(|v| {
        let in_catalog = shown.as_ref().is_some_and(|s| s.id == v.id);
        let row = BulkRow::new(v.id.to_string(), v.version.clone());
        view! {
            <tr data-version=v.version.clone()>
                <Show when=move || manages.get()>
                    <td class="select-col"><SelectRowBox selection row=row.clone()/></td>
                </Show>
                <td>
                    <a href=format!("/apps/{}", v.id)>{v.version.clone()}</a>
                    {in_catalog.then(|| view! { " " <span class="badge">"in the catalog"</span> })}
                </td>
                <td>{v.visibility.label()}</td>
                <td>{v.instances}</td>
                <td>{age(&v.created_at, now)}</td>
                <td>{v.owner.clone().unwrap_or_else(|| "(deleted account)".into())}</td>
            </tr>
        }
    }).collect_view();
    view! {
        <Show when=move || manages.get()>
            <p><a href=history.clone()>"History of this app"</a>
                <span class="muted">" Which version was in the catalog when, who changed it and why."</span></p>
        </Show>
        <h2>"Versions"</h2>
        <BulkBar selection actions=version_actions() noun=("version", "versions") on_done=move || refresh.run(())/>
        <DataTable class="rollout-versions" caption="Versions, newest first" columns=vec![
            Column::select_all(selection).when(manages), Column::text("Version"), Column::text("Visibility"),
            Column::text("Running instances"), Column::text("Imported"), Column::text("Owner")
        ]>
            {version_rows}
        </DataTable>
        <ol class="rollout-steps">
            <li><ImportStep name=name.clone() refresh message=progress.import_message/></li>
            <li><TestStep candidate=next.clone() instance=progress.test_instance/></li>
            <li><PromoteStep candidate=next.clone() shown=shown.clone() refresh/></li>
            <li><RetireStep older=older_shared refresh/></li>
        </ol>
    }
}

/// Step 1: a `.wave` of this name, checked here with the server's rules, imported PRIVATE.
#[component]
fn ImportStep(name: String, refresh: Callback<()>, message: RwSignal<Option<String>>) -> impl IntoView {
    let error = RwSignal::new(None::<ApiError>);
    let progress = RwSignal::new(None::<f64>);
    let expected = name.clone();
    // One import, whether the file was picked or dropped.
    let import = move |file: web_sys::File| {
        let expected = expected.clone();
        error.set(None);
        message.set(Some(format!("Checking {}…", file.name())));
        leptos::task::spawn_local(async move {
            let bytes = match browser::read_range(&file, 0, browser::blob_len(&file)).await {
                Ok(bytes) => bytes,
                Err(e) => return message.set(Some(format!("Cannot read the file: {e}"))),
            };
            let report = check_bundle_bytes(&bytes, &BundleOptions::default());
            let Some(manifest) = report.manifest.as_ref().filter(|_| report.valid) else {
                let first = report.errors.first().map(|f| format!("{}: {}", crate::pages::upload::model::finding_location(f), f.message));
                return message.set(Some(format!(
                    "This bundle is not valid: {}. Open it on the Upload page to see every problem.",
                    first.unwrap_or_default()
                )));
            };
            if manifest.app.name != expected {
                return message.set(Some(format!("This bundle is {}, not {expected}; roll it out from its own page.", manifest.app.name)));
            }
            let version = manifest.app.version.clone();
            let blob = match browser::blob_from_bytes(&bytes, "application/zip") {
                Ok(blob) => blob,
                Err(e) => return message.set(Some(e)),
            };
            message.set(Some(format!("Uploading {version} as PRIVATE…")));
            let sent = browser::send_with_progress(
                &api::import_url(Visibility::Private),
                &blob,
                "application/zip",
                move |loaded, total| progress.set(Some(loaded / total.max(1.0))),
                |_| {},
            )
            .await;
            progress.set(None);
            match sent {
                Ok(Sent::Answered { status: 201, .. }) => {
                    message.set(Some(format!("Imported {version} as PRIVATE: only you and admins see it. Test it next.")));
                    refresh.run(());
                }
                Ok(Sent::Answered { status, body }) => {
                    message.set(None);
                    error.set(Some(ApiError::from_response(status, &body)));
                }
                Ok(Sent::NoAnswer) => message.set(Some("The upload got no answer; check the connection and try again.".into())),
                Err(e) => message.set(Some(e)),
            }
        });
    };
    let on_file = {
        let import = import.clone();
        move |event: leptos::ev::Event| {
            let input: web_sys::HtmlInputElement = event_target(&event);
            if let Some(file) = browser::input_files(&input).into_iter().next() {
                import(file);
            }
        }
    };
    let dragging = RwSignal::new(false);
    let on_drop = move |event: web_sys::DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let file = event.data_transfer().and_then(|t| t.files()).and_then(|files| files.get(0));
        if let Some(file) = file {
            import(file);
        }
    };
    view! {
        <h3>"Import the new version as PRIVATE"</h3>
        <p class="muted">"Nobody else sees a PRIVATE version: the catalog and everyone's instances stay as they are."</p>
        <div class="rollout-drop" class:dragging=move || dragging.get() data-testid="rollout-drop"
            on:dragover=move |e: web_sys::DragEvent| { e.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <span>"Drop the new version's .wave here, or "</span>
            <label class="button">
                "Choose a .wave file…"
                <input type="file" accept=".wave,.zip" class="visually-hidden" on:change=on_file/>
            </label>
        </div>
        {move || progress.get().map(|p| view! { <progress max="1" value=p.to_string()></progress> })}
        {move || message.get().map(|m| view! { <p role="status">{m}</p> })}
        <ErrorAlert error=error/>
    }
}

/// Step 2: a PRIVATE instance of the candidate: its launch steps, Open once it runs (through the
/// console's `open`, in a new tab, like My instances), the reason if it fails, and its log.
///
/// While it starts it is read again every [`REFRESH`] (one timer, stopped once it settles); the log
/// is drawn per instance id, so those reads update the status in place and never restart the log's
/// stream.
#[component]
fn TestStep(candidate: Option<AppVersion>, instance: RwSignal<Option<Instance>>) -> impl IntoView {
    let Some(candidate) = candidate else {
        return view! {
            <h3>"Test it privately"</h3>
            <p class="muted">"There is no version newer than the one in the catalog to test. Import one first."</p>
        }
        .into_any();
    };
    let id = candidate.id;
    let launching = Submission::new(move |()| api::launch_instance(id, Visibility::Private), move |started| instance.set(Some(started)));
    let (error, busy) = (launching.error, launching.pending());
    let launch = move |_| launching.submit(Vec::new(), ());
    // Reads the shown instance again; an answer for an instance no longer shown is dropped.
    let reload = move || {
        let Some(shown) = instance.with_untracked(|i| i.as_ref().map(|i| i.id)) else { return };
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = api::get_instance(shown).await {
                instance.try_update(|current| {
                    if current.as_ref().is_some_and(|c| c.id == fresh.id) {
                        *current = Some(fresh);
                    }
                });
            }
        });
    };
    every_while(
        move || instance.with(|i| i.as_ref().is_some_and(|i| i.status == InstanceStatus::Starting)),
        REFRESH,
        reload,
    );
    let shown_id = Memo::new(move |_| instance.with(|i| i.as_ref().map(|i| i.id)));
    view! {
        <h3>{format!("Test {} privately", candidate.version)}</h3>
        <p class="muted">"A PRIVATE instance only you (and admins) can open. Users of other versions notice nothing."</p>
        <button type="button" on:click=launch disabled=move || busy.get()>{format!("Launch a private test instance of {}", candidate.version)}</button>
        <ErrorAlert error=error/>
        // Drawn again only when another instance is launched, not when this one changes.
        {move || shown_id.get().map(|test_id| {
            let Some(first) = instance.get_untracked().filter(|i| i.id == test_id) else { return ().into_any() };
            // An instance that had ended when this was drawn (the steps are drawn again when the
            // version list reloads) gets its log once instead of a stream that ends at once.
            let ended = !first.status.is_live();
            let current = Memo::new(move |previous: Option<&Instance>| {
                instance
                    .with(|i| i.clone().filter(|i| i.id == test_id))
                    .or_else(|| previous.cloned())
                    .unwrap_or_else(|| first.clone())
            });
            let status = Memo::new(move |_| current.with(|i| i.status));
            view! {
                <div class="test-instance" data-instance-id=test_id data-status=move || status.get().as_str()>
                    <LaunchProgress instance=current/>
                    // Once the instance ends, read it again for its final status and reason.
                    <LiveLog id=test_id ended=ended on_end=move |()| reload()/>
                </div>
            }
            .into_any()
        })}
    }
    .into_any()
}

/// Step 3: ALL_USERS for the candidate, with what that does.
#[component]
fn PromoteStep(candidate: Option<AppVersion>, shown: Option<AppVersion>, refresh: Callback<()>) -> impl IntoView {
    let Some(candidate) = candidate else {
        return view! { <h3>"Promote it"</h3><p class="muted">"Nothing to promote: the newest version is the one in the catalog."</p> }.into_any();
    };
    let effect = match &shown {
        Some(old) => format!(
            "Everyone signed in will see {new} and the catalog will show {new} instead of {old}. {running}People can still open {old} until you make it private.",
            new = candidate.version,
            old = old.version,
            running = match old.instances {
                0 => String::new(),
                1 => format!("The running instance of {} keeps running untouched. ", old.version),
                n => format!("The {n} running instances of {} keep running untouched. ", old.version),
            }
        ),
        None => format!("Everyone signed in will see {} in the catalog and may launch it.", candidate.version),
    };
    let already = candidate.visibility == Visibility::AllUsers;
    view! {
        <h3>{format!("Promote {}: share it with all users", candidate.version)}</h3>
        {if already {
            view! { <p class="muted">{format!("{} is shared with all users already.", candidate.version)}</p> }.into_any()
        } else {
            view! { <VisibilityChange id=candidate.id from=candidate.visibility to=Visibility::AllUsers button=format!("Promote {}…", candidate.version) effect refresh/> }.into_any()
        }}
    }
    .into_any()
}

/// Step 4 (optional): older shared versions made PRIVATE.
#[component]
fn RetireStep(older: Vec<AppVersion>, refresh: Callback<()>) -> impl IntoView {
    view! {
        <h3>"Retire older versions (optional)"</h3>
        {if older.is_empty() {
            view! { <p class="muted">"No older version is shared with all users."</p> }.into_any()
        } else {
            older.into_iter().map(|v| {
                let effect = match v.instances {
                    0 => format!("Users can no longer find or start {}.", v.version),
                    1 => format!("Users can no longer find or start {}; its running instance keeps running, and its owner keeps using it until they terminate it.", v.version),
                    n => format!("Users can no longer find or start {}; its {n} running instances keep running, and their owners keep using them until they terminate them.", v.version),
                };
                view! { <VisibilityChange id=v.id from=v.visibility to=Visibility::Private button=format!("Make {} private…", v.version) effect refresh/> }
            }).collect_view().into_any()
        }}
    }
}

/// Moves focus to the page's heading, which stays while the steps below it are drawn again.
fn focus_heading() {
    if let Some(heading) = document().get_element_by_id("rollout-heading") {
        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(heading).focus();
    }
}

/// A visibility change that states its effect and asks before it happens, with a reason kept in
/// the app's history: required to make a shared version PRIVATE (retire it), optional otherwise.
/// The rule is `wavehub-core`'s, which the server runs again: Confirm stays disabled, with the
/// rule's sentence under the field, until the reason passes.
#[component]
fn VisibilityChange(id: i64, from: Visibility, to: Visibility, button: String, effect: String, refresh: Callback<()>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let findings = Signal::derive(move || reason.with(|r| check_visibility_change(from, to, Some(r))));
    let change = Action::new_local(move |reason: &String| {
        let patch = AppPatch { visibility: to, reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()) };
        async move { api::update_app(id, &patch).await }
    });
    let pending = change.pending();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if change.value().with(|answer| matches!(answer, Some(Ok(_)))) {
            confirming.set(false);
            // The steps are drawn again with the new list: focus waits on the page's heading, once
            // the question has gone (nothing behind an open modal can take it).
            set_timeout(focus_heading, std::time::Duration::ZERO);
            refresh.run(());
        }
    });
    let purpose = match to {
        Visibility::AllUsers => "Kept in the app's history, e.g. what is new in this version.",
        Visibility::Private => "Kept in the app's history, where its authors and admins read why.",
    };
    // The question is a modal: focus moves into it (the reason field) and back to the button when
    // it closes (Cancel or Escape), so a keyboard user never starts again from the top of the page.
    let question = StoredValue::new((format!("{}?", button.trim_end_matches('…')), format!("{effect} Go ahead?")));
    view! {
        <div class="visibility-change">
            <p>{effect}</p>
            <button type="button" class=if to == Visibility::Private { "button-quiet danger" } else { "button" }
                on:click=move |_| confirming.set(true)>{button.clone()}</button>
            {move || confirming.get().then(|| {
                let (title, message) = question.get_value();
                view! {
                    <ConfirmDialog title message alert="Confirm the change" confirm_label=format!("Yes, {}", to.change_words()) safe=true
                        disabled=Signal::derive(move || pending.get() || !findings.with(Vec::is_empty))
                        on_confirm=move || { change.dispatch_local(reason.get_untracked()); } on_close=move || confirming.set(false)>
                        <ReasonField value=reason required=visibility_change_needs_reason(from, to) findings purpose/>
                        <ErrorAlert error=error/>
                    </ConfirmDialog>
                }
            })}
        </div>
    }
}
