//! `/admin/runtime-images/:ws/:uid`: one runtime image. Its state (the platform's and the
//! console's for bootstrap-managed images), its versions with the current one and why, adding a
//! version, deprecating, disabling and activating with a reason, metadata, the runtimes that use
//! it, its history, and delete (or why it can't be deleted).

use super::dialogs::{DeleteDialog, DeleteTarget, StateDialog, StateRequest, StateTarget};
use super::version_preview::{VersionPreview, VersionPreviewLine};
use super::{list_href, runtimes_href, state_bulk_actions, PlatformBadge, StateBadge};
use crate::api;
use crate::components::bulk::{BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::dialog::unique_id;
use crate::components::form::{FormAlert, Submission, TextField};
use crate::components::format::Timestamp;
use crate::components::format::{capitalized, count};
use crate::components::messages::ApiErrorBoundary;
use crate::pages::admin::runtimes::ResolutionView;
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use wavehub_core::runtime_images::{
    compare_version_ids, current_version, effective_state, is_prerelease, version_for, NewRuntimeImageVersion, Prereleases,
    Runtime, RuntimeImage, RuntimeImagePatch, RuntimeImageVersion, Availability, StateAction, StateEvent, VersionList,
};

/// What changing one version's state does to the image's current version (and to runtimes
/// pinned to it), in sentences; the rule is wavehub-core's `current_version`.
pub fn version_impact(
    all: &[RuntimeImageVersion],
    version: &str,
    action: StateAction,
    pinned_runtimes: &[String],
    prereleases: Prereleases,
) -> Option<String> {
    let before = current_version(all.iter().map(|v| (v.version.as_str(), v.availability.state)), prereleases);
    let after = current_version(
        all.iter().map(|v| {
            let state = if v.version == version { effective_state(v.availability.platform_state, action.target()) } else { v.availability.state };
            (v.version.as_str(), state)
        }),
        prereleases,
    );
    let mut sentences = Vec::new();
    match (before, after) {
        (Some(b), Some(a)) if b != a => sentences.push(format!(
            "The current version moves from {b} to {a}: runtimes that follow the current version use {a} for new deployments."
        )),
        (Some(b), None) => sentences.push(format!(
            "{b} is the last version that is not disabled: afterwards the image has no current version, and runtimes that \
             follow it can't start new deployments."
        )),
        (None, Some(a)) => sentences.push(format!("{a} becomes the current version.")),
        (Some(b), Some(_)) if b == version && action == StateAction::Deprecate => {
            sentences.push(format!("{b} stays the current version; new deployments that use it get a warning."))
        }
        (Some(b), Some(_)) => sentences.push(format!("The current version stays {b}.")),
        (None, None) => {}
    }
    if !pinned_runtimes.is_empty() {
        let names = pinned_runtimes.join(", ");
        sentences.push(match action {
            StateAction::Disable => format!("Runtimes pinned to {version} can't start new deployments: {names}."),
            StateAction::Deprecate => format!("Runtimes pinned to {version} get a warning: {names}."),
            StateAction::Enable => format!("Runtimes pinned to {version}: {names}."),
        });
    }
    (!sentences.is_empty()).then(|| sentences.join(" "))
}

/// What adding a version does to the current version, said before the admin adds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedVersionImpact {
    pub text: String,
    /// A pre-release becomes current: the one outcome the form shows as a warning.
    pub prerelease_becomes_current: bool,
}

/// What adding `new` does to the current version (the rule is wavehub-core's `current_version`).
pub fn added_version_impact(current: Option<&str>, new: &str, prereleases: Prereleases) -> AddedVersionImpact {
    let said = |text: String| AddedVersionImpact { text, prerelease_becomes_current: false };
    let prerelease = is_prerelease(new);
    if prerelease && !prereleases.may_be_current() {
        return said(format!(
            "{new} is a pre-release, so it won't become current: this image lets only releases be current. Runtimes can pin it."
        ));
    }
    if let Some(stays) = current.filter(|current| compare_version_ids(new, current) != std::cmp::Ordering::Greater) {
        return said(format!("The current version stays {stays}."));
    }
    match current {
        _ if prerelease => AddedVersionImpact {
            text: format!(
                "{new} is a pre-release, and it becomes the current version: runtimes that follow the current version get it. \
                 To keep pre-releases from becoming current, choose releases only under Details first."
            ),
            prerelease_becomes_current: true,
        },
        Some(current) => said(format!("{new} becomes the current version (above {current}).")),
        None => said(format!("{new} becomes the current version.")),
    }
}

/// Why the image can't be deleted, if it can't: the platform manages it, or runtimes use it.
pub fn delete_blocker(image: &RuntimeImage, runtimes: &[Runtime]) -> Option<String> {
    if image.availability.managed_by_bootstrap {
        Some("The platform's bootstrap file manages this image, so it can't be deleted here; an operator removes it from that file.".to_owned())
    } else if !runtimes.is_empty() {
        let names: Vec<String> = runtimes.iter().map(|r| format!("{} ({})", r.name, r.uid)).collect();
        Some(format!(
            "{} {} this image: {}. Delete {} first.",
            names.len(),
            if names.len() == 1 { "runtime uses" } else { "runtimes use" },
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ))
    } else {
        None
    }
}

/// The choices of which versions can be current, with their test ids and words.
const PRERELEASE_CHOICES: [(Prereleases, &str, &str); 2] = [
    (Prereleases::MayBeCurrent, "prereleases-may-be-current", " The highest version that is not disabled, pre-releases too (the platform's rule)"),
    (
        Prereleases::NeverCurrent,
        "prereleases-never-current",
        " Releases only: a pre-release such as v3.0.0-rc.1 or v1.2.3-gpu is never current, though runtimes can pin it",
    ),
];

/// The state actions offered for something in `state`: those that change it.
fn actions_for(state: Availability) -> Vec<StateAction> {
    [StateAction::Deprecate, StateAction::Disable, StateAction::Enable].into_iter().filter(|a| a.target() != state).collect()
}

#[component]
pub fn RuntimeImagePage() -> impl IntoView {
    let params = use_params_map();
    let key = Memo::new(move |_| params.with(|p| (p.get("ws").unwrap_or_default(), p.get("uid").unwrap_or_default())));
    view! {
        {move || {
            let (ws, uid) = key.get();
            view! { <ImageDetail ws uid/> }
        }}
    }
}

#[component]
fn ImageDetail(ws: String, uid: String) -> impl IntoView {
    let ws = StoredValue::new(ws);
    let uid = StoredValue::new(uid);
    let query = use_query_map();
    let version_filter = Memo::new(move |_| query.with(|q| q.get("state")).and_then(|s| s.parse::<Availability>().ok()));
    let image = LocalResource::new(move || {
        async move { api::get_runtime_image(&ws.get_value(), &uid.get_value()).await }
    });
    let all_versions = LocalResource::new(move || {
        async move { api::image_versions(&ws.get_value(), &uid.get_value(), None).await }
    });
    let shown_versions = LocalResource::new(move || {
        let filter = version_filter.get();
        async move { api::image_versions(&ws.get_value(), &uid.get_value(), filter).await }
    });
    let history = LocalResource::new(move || {
        async move { api::image_history(&ws.get_value(), &uid.get_value()).await }
    });
    let runtimes = LocalResource::new(move || {
        async move { api::list_runtimes(&ws.get_value(), Some(&uid.get_value()), 1, 500).await }
    });
    // After every change, everything on the page is read again.
    let refresh = Callback::new(move |()| {
        image.refetch();
        all_versions.refetch();
        shown_versions.refetch();
        history.refetch();
        runtimes.refetch();
    });
    // The versions an admin may select: those shown, when the caller manages the image.
    let selection = Selection::new();
    Effect::new(move |_| {
        let manages = matches!(image.get(), Some(Ok(image)) if image.can_manage);
        let rows = match shown_versions.get() {
            Some(Ok(list)) if manages => list.items.iter().map(|v| BulkRow::new(v.version.clone(), v.version.clone())).collect(),
            _ => Vec::new(),
        };
        selection.set_rows(rows);
    });
    let version_actions = state_bulk_actions(true, move |version, action, change| async move {
        api::change_version_state(&ws.get_value(), &uid.get_value(), &version, action, &change).await.map(drop)
    });
    let version_actions = StoredValue::new(version_actions);
    let state_dialog = RwSignal::new(None::<StateRequest>);
    let deleting = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let navigate = use_navigate();

    // Opens the confirmation for an image or version state change.
    let ask = Callback::new(move |(version, action): (Option<String>, StateAction)| {
        let Some(Ok(image)) = image.get_untracked() else { return };
        let all: Vec<RuntimeImageVersion> = all_versions.get_untracked().and_then(Result::ok).map(|l| l.items).unwrap_or_default();
        let runtimes: Vec<Runtime> = runtimes.get_untracked().and_then(Result::ok).map(|p| p.items).unwrap_or_default();
        let request = match version {
            Some(version) => {
                let found = all.iter().find(|v| v.version == version);
                let pinned: Vec<String> =
                    runtimes.iter().filter(|r| r.version.as_deref() == Some(version.as_str())).map(|r| r.name.clone()).collect();
                StateRequest {
                    target: StateTarget::Version { ws: ws.get_value(), uid: uid.get_value(), version: version.clone() },
                    action,
                    subject: format!("version {version} of {}", image.name),
                    platform_state: found.and_then(|v| v.availability.platform_state),
                    impact: version_impact(&all, &version, action, &pinned, image.prereleases),
                }
            }
            None => {
                let names: Vec<String> = runtimes.iter().map(|r| r.name.clone()).collect();
                StateRequest {
                    target: StateTarget::Image { ws: ws.get_value(), uid: uid.get_value() },
                    action,
                    subject: format!("image {}", image.name),
                    platform_state: image.availability.platform_state,
                    impact: (!names.is_empty()).then(|| format!("Runtimes that use it: {}.", names.join(", "))),
                }
            }
        };
        state_dialog.set(Some(request));
    });

    let on_filter = Callback::new(move |value: String| {
        let path = super::image_href(&ws.get_value(), &uid.get_value());
        let href = if value.is_empty() { path } else { format!("{path}?state={value}") };
        navigate(&href, NavigateOptions { replace: true, scroll: false, ..Default::default() });
    });
    let navigate_away = use_navigate();
    // Made here, not in the form: the form is drawn again with the page after each change, and an
    // answer still on its way must not go with it.
    let add_version = Submission::new(
        move |request: NewRuntimeImageVersion| async move { api::add_image_version(&ws.get_value(), &uid.get_value(), &request).await },
        move |version: RuntimeImageVersion| {
            let mut text = format!("Added {} ({}).", version.version, version.docker_image);
            if version.is_current && is_prerelease(&version.version) {
                text.push_str(&format!(" {} is a pre-release, and it is now the current version.", version.version));
            }
            notice.set(Some(text));
            refresh.run(());
        },
    );

    view! {
        <section class="card runtime-area image-page">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <A href=list_href(&ws.get_value())>{format!("Runtime images of {}", ws.get_value())}</A>
            </nav>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading the image…"</p> }>
                <ApiErrorBoundary frame=|alert| view! { <h1>"Runtime image"</h1>{alert} }.into_any()>
                {move || image.get().map(|result| result.map(|image| {
                        let image = StoredValue::new(image);
                        view! {
                            <ImageHeader image=image.get_value()/>
                            {move || notice.get().map(|text| view! { <p class="alert alert-ok" role="status">{text}</p> })}
                            <StateSection image=image.get_value() ask/>
                            <section class="image-section" aria-labelledby="versions-heading">
                                <h2 id="versions-heading">"Versions"</h2>
                                <BulkBar selection actions=version_actions.get_value() noun=("version", "versions") on_done=move || {
                                    notice.set(None);
                                    refresh.run(());
                                }/>
                                <ApiErrorBoundary>
                                    {move || shown_versions.get().map(|result| result.map(|list| view! {
                                        <VersionsTable list image=image.get_value() ask filter=version_filter.get() on_filter selection/>
                                    }))}
                                </ApiErrorBoundary>
                                <AddVersionForm image=image.get_value() add=add_version/>
                            </section>
                            <MetadataForm image=image.get_value() on_saved=Callback::new(move |()| {
                                notice.set(Some("Saved the details.".to_owned()));
                                refresh.run(());
                            })/>
                            <section class="image-section" aria-labelledby="runtimes-heading">
                                <h2 id="runtimes-heading">"Runtimes that use it"</h2>
                                <ApiErrorBoundary>
                                    {move || runtimes.get().map(|result| result.map(|page| match page {
                                        page if page.items.is_empty() => view! {
                                            <p class="muted">"No runtime in this workspace uses this image."</p>
                                        }.into_any(),
                                        page => view! { <ImageRuntimes runtimes=page.items/> }.into_any(),
                                    }))}
                                </ApiErrorBoundary>
                                <p><A href=runtimes_href(&ws.get_value())>"All runtimes of this workspace"</A></p>
                            </section>
                            <section class="image-section" aria-labelledby="history-heading">
                                <h2 id="history-heading">"History"</h2>
                                <ApiErrorBoundary>
                                    {move || history.get().map(|result| result.map(|events| view! { <History events/> }))}
                                </ApiErrorBoundary>
                            </section>
                            {move || runtimes.get().map(|result| {
                                let used_by = result.map(|p| p.items).unwrap_or_default();
                                view! { <DeleteSection image=image.get_value() used_by on_delete=move || deleting.set(true)/> }
                            })}
                        }
                }))}
                </ApiErrorBoundary>
            </Transition>
        </section>
        {move || state_dialog.get().map(|request| view! {
            <StateDialog request on_close=move || state_dialog.set(None) on_done=move || {
                let done = state_dialog.get_untracked().map(|r| r.done_message());
                state_dialog.set(None);
                notice.set(done);
                refresh.run(());
            }/>
        })}
        {move || deleting.get().then(|| {
            let name = image.get_untracked().and_then(Result::ok).map(|i| i.name).unwrap_or_else(|| uid.get_value());
            let navigate_away = navigate_away.clone();
            view! {
                <DeleteDialog target=DeleteTarget::Image { ws: ws.get_value(), uid: uid.get_value() }
                    title=format!("Delete {name}?")
                    message="The image and all its versions and history go for good. No runtime uses it, so nothing that runs is affected."
                    confirm_label="Delete image"
                    on_close=move || deleting.set(false)
                    on_done=move || {
                        deleting.set(false);
                        navigate_away(&list_href(&ws.get_value()), Default::default());
                    }/>
            }
        })}
    }
}

#[component]
fn ImageHeader(image: RuntimeImage) -> impl IntoView {
    view! {
        <header class="image-head">
            <div class="title-row">
                <h1>{image.name.clone()}</h1>
                <StateBadge state=image.availability.state reason=image.availability.state_reason.clone()/>
                {image.availability.managed_by_bootstrap.then(|| view! { <PlatformBadge/> })}
            </div>
            <p class="muted">
                <code>{image.uid.clone()}</code>
                {format!(" · workspace {} · ", image.workspace)}
                {match (&image.current_version, &image.docker_image) {
                    (Some(version), Some(docker)) => view! { "current " <code>{version.clone()}</code> " = " <code>{docker.clone()}</code> }.into_any(),
                    _ => view! { "no current version" }.into_any(),
                }}
            </p>
            {(!image.description.is_empty()).then(|| view! { <p class="lead">{image.description.clone()}</p> })}
        </header>
    }
}

/// The state in force, and for platform images the two sides it comes from; the actions.
#[component]
fn StateSection(image: RuntimeImage, ask: Callback<(Option<String>, StateAction)>) -> impl IntoView {
    let actions = if image.can_manage { actions_for(image.availability.state) } else { Vec::new() };
    let why_not = (!image.can_manage).then_some(if image.availability.managed_by_bootstrap {
        "Only platform admins change the state of the platform's images."
    } else {
        "Only this workspace's admins change its images."
    });
    view! {
        <section class="image-section" aria-labelledby="state-heading">
            <h2 id="state-heading">"State"</h2>
            <p class="state-line" data-testid="image-state">
                <StateBadge state=image.availability.state reason=image.availability.state_reason.clone()/>
                " "{image.availability.state.meaning()}"."
                {image.availability.state_reason.clone().map(|r| view! { " " <span class="reason">"Reason: "{r}</span> })}
            </p>
            {image.availability.managed_by_bootstrap.then(|| view! {
                <dl class="state-sides" data-testid="state-sides">
                    <dt>"Platform (bootstrap file)"</dt>
                    <dd>{image.availability.platform_state.map(|s| view! { <StateBadge state=s/> })}
                        {image.availability.platform_state_reason.clone().map(|r| view! { " " <span class="reason">{r}</span> })}</dd>
                    <dt>"Console"</dt>
                    <dd><StateBadge state=image.availability.console_state reason=image.availability.console_state_reason.clone()/>
                        {image.availability.console_state_reason.clone().map(|r| view! { " " <span class="reason">{r}</span> })}</dd>
                </dl>
                <p class="muted">"The state in force is the more restricted of the two: the console can restrict a platform image further, never past what the platform sets."</p>
            })}
            {why_not.map(|text| view! { <p class="read-only-note">{text}</p> })}
            {(!actions.is_empty()).then(|| view! {
                <div class="state-actions">
                    {actions.into_iter().map(|action| {
                        let label = format!("{} image", capitalized(action.verb(false)));
                        let class = if action == StateAction::Enable { "button-quiet" } else { "button-quiet danger" };
                        view! { <button type="button" class=class on:click=move |_| ask.run((None, action))>{label}</button> }
                    }).collect_view()}
                </div>
            })}
        </section>
    }
}

#[component]
fn VersionsTable(
    list: VersionList,
    image: RuntimeImage,
    ask: Callback<(Option<String>, StateAction)>,
    filter: Option<Availability>,
    on_filter: Callback<String>,
    selection: Selection,
) -> impl IntoView {
    let filter_id = unique_id("version-filter");
    let manage = image.can_manage;
    let platform = image.availability.managed_by_bootstrap;
    let empty = list.items.is_empty();
    view! {
        <p class="current-explanation" data-testid="current-explanation">{list.current_explanation.clone()}</p>
        <div class="filters">
            <label for=filter_id.clone()>"Show"</label>
            <select id=filter_id on:change=move |event| on_filter.run(event_target_value(&event)) prop:value=filter.map(|s| s.as_str()).unwrap_or("")>
                <option value="">"All versions"</option>
                {Availability::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{format!("{s} only")}</option> }).collect_view()}
            </select>
            <span class="muted" role="status">{count(list.total, "version", "versions")}</span>
        </div>
        {empty.then(|| view! { <p class="empty">{if filter.is_some() { "No version is in this state." } else { "No versions yet." }}</p> })}
        {(!empty).then(|| view! {
            <DataTable class="versions-table" caption="Versions, newest first" columns=vec![
                Column::select_all(selection).when(manage), Column::text("Version"), Column::text("Docker image"), Column::text("State"),
                Column::text("Added"), Column::actions().when(manage)
            ]>
                {list.items.into_iter().map(|v| {
                    let actions = if manage { actions_for(v.availability.state) } else { Vec::new() };
                    let id = v.version.clone();
                    view! {
                        <tr data-version=v.version.clone() class=if v.is_current { "current" } else { "" }
                            aria-current=v.is_current.then_some("true")>
                            {manage.then(|| view! {
                                <td class="select-col"><SelectRowBox selection row=BulkRow::new(v.version.clone(), v.version.clone())/></td>
                            })}
                            <th scope="row"><code>{v.version.clone()}</code>
                                {v.is_current.then(|| view! { " " <span class="badge badge-current">"Current"</span> })}
                                {is_prerelease(&v.version).then(|| view! { " " <span class="badge badge-prerelease">"Pre-release"</span> })}</th>
                            <td><code class="wrap">{v.docker_image.clone()}</code></td>
                            <td>
                                <StateBadge state=v.availability.state reason=v.availability.state_reason.clone()/>
                                {v.availability.state_reason.clone().map(|r| view! { <div class="sub reason">{r}</div> })}
                                {platform.then(|| view! {
                                    <div class="sub">{format!("platform {} · console {}",
                                        v.availability.platform_state.map(|s| s.as_str()).unwrap_or("—"), v.availability.console_state)}</div>
                                })}
                            </td>
                            <td><Timestamp time=v.created_time.clone()/></td>
                            {manage.then(|| view! { <td class="actions">
                                {actions.into_iter().map(|action| {
                                    let id = id.clone();
                                    let verb = capitalized(action.verb(true));
                                    let class = if action == StateAction::Enable { "button-quiet" } else { "button-quiet danger" };
                                    view! {
                                        <button type="button" class=class aria-label=format!("{verb} {id}")
                                            on:click=move |_| ask.run((Some(id.clone()), action))>{verb.clone()}</button>
                                    }
                                }).collect_view()}
                            </td> })}
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        })}
    }
}

/// Adds a version from a Docker image; the version it gets shows as you type.
#[component]
fn AddVersionForm(image: RuntimeImage, add: Submission<NewRuntimeImageVersion, RuntimeImageVersion>) -> impl IntoView {
    if image.availability.managed_by_bootstrap {
        return view! { <p class="read-only-note">"The platform's bootstrap file sets this image's versions; they can't be added here."</p> }.into_any();
    }
    if !image.can_manage {
        return ().into_any();
    }
    let docker_image = RwSignal::new(String::new());
    let version = RwSignal::new(String::new());
    // Empty again once a version is added.
    Effect::new(move |_| {
        if add.action.value().with(|answer| matches!(answer, Some(Ok(_)))) {
            docker_image.set(String::new());
            version.set(String::new());
        }
    });
    let (error, pending) = (add.error, add.pending());
    let preview = Memo::new(move |_| VersionPreview::of(&docker_image.get(), &version.get()));
    let current = StoredValue::new(image.current_version.clone());
    let impact = Memo::new(move |_| match preview.get() {
        VersionPreview::Version { version, .. } => Some(added_version_impact(current.get_value().as_deref(), &version, image.prereleases)),
        _ => None,
    });
    let warns = move || impact.with(|impact| impact.as_ref().is_some_and(|i| i.prerelease_becomes_current));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let request = NewRuntimeImageVersion {
            docker_image: docker_image.get_untracked().trim().to_owned(),
            version: Some(version.get_untracked().trim().to_owned()).filter(|v| !v.is_empty()),
        };
        let findings = version_for(&request.docker_image, request.version.as_deref()).err().into_iter().collect();
        add.submit(findings, request);
    };
    view! {
        <details class="add-version">
            <summary>"Add a version"</summary>
            <form class="form" on:submit=submit novalidate aria-label="Add a version">
                <FormAlert error fields=&["docker_image", "version"]/>
                <TextField id="version-docker" label="Docker image of the new version" path="docker_image" value=docker_image error
                    verbatim=true placeholder="docker.io/myorg/scorer:2.1.0" described_by="version-preview"/>
                <TextField id="version-id" label="Version (optional when the tag is a version)" path="version" value=version error
                    verbatim=true placeholder="v2.1.0" described_by="version-preview" invalid=Signal::derive(move || preview.get().asks_about_version())>
                    <div id="version-preview">
                        <VersionPreviewLine preview/>
                        <p class="muted version-impact" class:warning=warns data-testid="version-impact" aria-live="polite">{move || impact.get().map(|i| i.text)}</p>
                    </div>
                </TextField>
                <button type="submit" class="button" disabled=move || pending.get()>"Add version"</button>
            </form>
        </details>
    }
    .into_any()
}

/// Name and description; platform images and readers see them locked, with why.
#[component]
fn MetadataForm(image: RuntimeImage, on_saved: Callback<()>) -> impl IntoView {
    let locked = if image.availability.managed_by_bootstrap {
        Some("The platform's bootstrap file sets this image's name and description; change them there.")
    } else if !image.can_manage {
        Some("Only this workspace's admins edit its images.")
    } else {
        None
    };
    let name = RwSignal::new(image.name.clone());
    let description = RwSignal::new(image.description.clone());
    let prereleases = RwSignal::new(image.prereleases);
    let saved = StoredValue::new((image.name.clone(), image.description.clone(), image.prereleases));
    let ws = StoredValue::new(image.workspace.clone());
    let uid = StoredValue::new(image.uid.clone());
    let save = Submission::new(
        move |patch: RuntimeImagePatch| async move { api::update_runtime_image(&ws.get_value(), &uid.get_value(), &patch).await },
        move |_: RuntimeImage| on_saved.run(()),
    );
    let (error, pending) = (save.error, save.pending());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (old_name, old_description, old_prereleases) = saved.get_value();
        let new_name = name.get_untracked().trim().to_owned();
        let new_description = description.get_untracked().trim().to_owned();
        let new_prereleases = prereleases.get_untracked();
        let patch = RuntimeImagePatch {
            name: (new_name != old_name).then_some(new_name),
            description: (new_description != old_description).then_some(new_description),
            prereleases: (new_prereleases != old_prereleases).then_some(new_prereleases),
            ..Default::default()
        };
        if patch == RuntimeImagePatch::default() {
            return;
        }
        save.submit(patch.check().err().unwrap_or_default(), patch);
    };
    let disabled = locked.is_some();
    view! {
        <section class="image-section" aria-labelledby="details-heading">
            <h2 id="details-heading">"Details"</h2>
            {locked.map(|text| view! { <p class="read-only-note" id="details-locked">{text}</p> })}
            <form class="form narrow-form" on:submit=submit novalidate>
                <FormAlert error fields=&["name", "description"]/>
                <fieldset disabled=disabled aria-describedby=disabled.then_some("details-locked")>
                    <legend class="visually-hidden">"Details"</legend>
                    <TextField id="details-name" label="Name" path="name" value=name error/>
                    <TextField id="details-description" label="Description" path="description" value=description error rows=3/>
                    <fieldset class="choice-group">
                        <legend>"Which versions can be current"</legend>
                        {PRERELEASE_CHOICES.into_iter().map(|(choice, test_id, text)| view! {
                            <label class="choice">
                                <input type="radio" name="details-prereleases" data-testid=test_id
                                    prop:checked=move || prereleases.get() == choice on:change=move |_| prereleases.set(choice)/>
                                {text}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    {(!disabled).then(|| view! {
                        <button type="submit" class="button" disabled=move || pending.get()>"Save details"</button>
                    })}
                </fieldset>
            </form>
        </section>
    }
}

#[component]
fn ImageRuntimes(runtimes: Vec<Runtime>) -> impl IntoView {
    view! {
        <DataTable class="compact" caption="Runtimes that use this image" columns=vec![
            Column::text("Runtime"), Column::text("Model type"), Column::text("Version"), Column::text("Runs now")
        ]>
            {runtimes.into_iter().map(|r| view! {
                <tr data-runtime=r.uid.clone()>
                    <th scope="row">{r.name.clone()}<div class="sub"><code>{r.uid.clone()}</code></div></th>
                    <td><code>{r.model_type.clone()}</code></td>
                    <td>{r.version.clone().map(|v| view! { "pinned " <code>{v}</code> }.into_any())
                        .unwrap_or_else(|| view! { "follows the current version" }.into_any())}</td>
                    <td><ResolutionView resolution=r.resolution.clone()/></td>
                </tr>
            }).collect_view()}
        </DataTable>
    }
}

#[component]
fn History(events: Vec<StateEvent>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted">"No changes yet."</p> }.into_any();
    }
    view! {
        <ol class="history" aria-label="State history, newest first">
            {events.into_iter().map(|e| {
                let subject = if e.subject == "image" { "the image".to_owned() } else { e.subject.clone() };
                view! {
                    <li>
                        <Timestamp time=e.time.clone()/>
                        " "<strong>{e.actor.clone()}</strong>" "
                        {e.summary.clone().unwrap_or_else(|| format!("{} {subject}", e.action))}
                        {e.state.map(|s| view! { " → " <StateBadge state=s/> })}
                        {e.reason.clone().map(|r| view! { <div class="reason">"“"{r}"”"</div> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn DeleteSection(image: RuntimeImage, used_by: Vec<Runtime>, #[prop(into)] on_delete: Callback<()>) -> impl IntoView {
    let blocker = delete_blocker(&image, &used_by);
    let manage = image.can_manage && !image.availability.managed_by_bootstrap;
    if !manage && !image.availability.managed_by_bootstrap {
        return ().into_any();
    }
    let blocked = blocker.is_some();
    view! {
        <section class="image-section danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete"</h2>
            {match blocker {
                Some(text) => view! { <p id="delete-blocker" data-testid="delete-blocker">{text}</p> }.into_any(),
                None => view! { <p class="muted">"Deleting removes the image with its versions and history."</p> }.into_any(),
            }}
            <button type="button" class="button-danger" disabled=blocked aria-describedby=blocked.then_some("delete-blocker")
                on:click=move |_| on_delete.run(())>"Delete image"</button>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::runtime_images::AvailabilityDetail;

    fn version(id: &str, state: Availability) -> RuntimeImageVersion {
        RuntimeImageVersion {
            version: id.into(),
            docker_image: format!("img:{id}"),
            availability: AvailabilityDetail {
                state,
                state_reason: None,
                state_update_time: String::new(),
                managed_by_bootstrap: false,
                platform_state: None,
                platform_state_reason: None,
                console_state: state,
                console_state_reason: None,
            },
            is_current: false,
            created_time: String::new(),
        }
    }

    #[test]
    fn disabling_the_current_version_says_where_current_moves() {
        let all = [version("v3.0.0", Availability::Active), version("v2.0.0", Availability::Active), version("v1.0.0", Availability::Disabled)];
        let text = version_impact(&all, "v3.0.0", StateAction::Disable, &["dai".into()], Prereleases::MayBeCurrent).unwrap();
        assert!(text.starts_with("The current version moves from v3.0.0 to v2.0.0"), "{text}");
        assert!(text.ends_with("Runtimes pinned to v3.0.0 can't start new deployments: dai."), "{text}");
        assert_eq!(version_impact(&all, "v1.0.0", StateAction::Enable, &[], Prereleases::MayBeCurrent).unwrap(), "The current version stays v3.0.0.");
        let text = version_impact(&all[..1], "v3.0.0", StateAction::Disable, &[], Prereleases::MayBeCurrent).unwrap();
        assert!(text.contains("no current version"), "{text}");
        let text = version_impact(&all, "v3.0.0", StateAction::Deprecate, &[], Prereleases::MayBeCurrent).unwrap();
        assert!(text.contains("stays the current version"), "{text}");
    }

    #[test]
    fn adding_a_version_says_whether_it_becomes_current_and_names_prereleases() {
        let may = Prereleases::MayBeCurrent;
        let impact = added_version_impact(Some("v2.0.0"), "v3.0.0-rc.1", may);
        assert!(impact.prerelease_becomes_current);
        assert!(impact.text.starts_with("v3.0.0-rc.1 is a pre-release, and it becomes the current version"), "{}", impact.text);
        let text = |current, new, policy| added_version_impact(current, new, policy).text;
        assert_eq!(text(Some("v2.0.0"), "v2.1.0", may), "v2.1.0 becomes the current version (above v2.0.0).");
        assert_eq!(text(Some("v2.0.0"), "v1.9.0-rc.1", may), "The current version stays v2.0.0.");
        assert_eq!(text(None, "v1.0.0", may), "v1.0.0 becomes the current version.");
        let impact = added_version_impact(Some("v2.0.0"), "v3.0.0-rc.1", Prereleases::NeverCurrent);
        assert!(!impact.prerelease_becomes_current);
        assert!(impact.text.contains("won't become current: this image lets only releases be current"), "{}", impact.text);
    }

    #[test]
    fn enabling_a_prerelease_follows_the_images_choice() {
        let all = [version("v3.0.0-rc.1", Availability::Disabled), version("v2.0.0", Availability::Active)];
        let text = version_impact(&all, "v3.0.0-rc.1", StateAction::Enable, &[], Prereleases::MayBeCurrent).unwrap();
        assert!(text.starts_with("The current version moves from v2.0.0 to v3.0.0-rc.1"), "{text}");
        let text = version_impact(&all, "v3.0.0-rc.1", StateAction::Enable, &[], Prereleases::NeverCurrent).unwrap();
        assert_eq!(text, "The current version stays v2.0.0.");
    }

    #[test]
    fn state_actions_are_those_that_change_something() {
        assert_eq!(actions_for(Availability::Active), [StateAction::Deprecate, StateAction::Disable]);
        assert_eq!(actions_for(Availability::Disabled), [StateAction::Deprecate, StateAction::Enable]);
    }
}
