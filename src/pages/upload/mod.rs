//! `/upload`: drop a folder, several files or a `.wave`; the browser packages and checks the bundle
//! (in steps, with progress), shows the file list, every finding and previews of the catalog card
//! and app page, offers the `.wave` for download, and uploads it with upload progress.
//!
//! Files: `model.rs` (rules that need no browser, unit-tested natively), `browser.rs` (files,
//! folders, object URLs, XMLHttpRequest), `pipeline.rs` (the steps and the page's state).

pub mod browser;
pub mod model;
mod pipeline;

use crate::api::ApiError;
use crate::components::app_view::{human_size, AppCard, AppOverview};
use crate::components::messages::ErrorAlert;
use crate::session::use_session;
use leptos::ev::DragEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use model::{FileTree, TreeRow};
use pipeline::{Checked, Ctx, Existing, Input, Step, UploadState};
use wavehub_core::api::{Finding, Problem};
use wavehub_core::apps::Visibility;

#[component]
pub fn UploadPage() -> impl IntoView {
    let session = use_session();
    // A memo, so the uploader (and its state) is not rebuilt when the session is merely refreshed.
    let can_publish = Memo::new(move |_| session.me.get().is_some_and(|me| me.can_publish()));
    view! {
        {move || if can_publish.get() {
            view! { <Uploader/> }.into_any()
        } else {
            view! {
                <section class="card">
                    <h1>"Upload an app"</h1>
                    <p>"Uploading apps needs the author role. Ask an admin to give it to you."</p>
                </section>
            }.into_any()
        }}
    }
}

#[component]
fn Uploader() -> impl IntoView {
    let ctx = Ctx::new();
    let progress = ctx.progress;
    let problem = ctx.problem;
    let checked = ctx.checked;
    let tree = ctx.tree;
    let working = Memo::new(move |_| progress.with(Option::is_some));
    let has_result = Memo::new(move |_| checked.with(Option::is_some));
    view! {
        <section class="card upload-page">
            <h1>"Upload an app"</h1>
            <p class="muted">
                "Drop your app's folder (with " <code>"app.toml"</code> " at its top), several files, or a "
                <code>".wave"</code> " bundle. It is packaged and checked here in your browser; nothing is sent until you press Upload."
            </p>
            <DropZone ctx=ctx.clone()/>
            // Built once per run; only its text and numbers follow the steps.
            {move || working.get().then(|| {
                let step = move || progress.get().unwrap_or_else(|| Step { label: String::new(), done: 0.0, total: 0.0 });
                view! {
                    <div class="upload-progress">
                        <p class="muted">{move || step().label}</p>
                        <progress aria-label="Packaging and checking progress"
                            max=move || step().total.max(1.0).to_string()
                            value=move || { let s = step(); if s.total > 0.0 { s.done } else { 0.0 } }.to_string()>
                            {move || { let s = step(); model::percent(s.done, s.total) }}
                        </progress>
                    </div>
                }
            })}
            {move || problem.get().map(|message| view! {
                <div class="alert alert-error" role="alert"><p>{message}</p></div>
            })}
            {move || tree.get().map(|tree| view! { <FileList tree/> })}
            {move || has_result.get().then(|| view! { <Results ctx=ctx.clone()/> })}
        </section>
    }
}

/// The drop zone and the two pickers.
#[component]
fn DropZone(ctx: Ctx) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_drop = {
        let ctx = ctx.clone();
        move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            // The drop's items must be taken now: the browser empties them once the event is over.
            let Some(transfer) = event.data_transfer() else { return };
            let items = browser::dropped_items(&transfer);
            if !items.is_empty() {
                ctx.start(Input::Dropped(items));
            }
        }
    };
    let on_dragover = move |event: DragEvent| {
        event.prevent_default();
        if let Some(transfer) = event.data_transfer() {
            transfer.set_drop_effect("copy");
        }
        dragging.set(true);
    };
    let picked = move |ctx: Ctx, folder: bool| {
        move |event: leptos::ev::Event| {
            let input = event_target::<web_sys::HtmlInputElement>(&event);
            let files = browser::input_files(&input);
            // Cleared, so choosing the same folder again after a change is noticed.
            input.set_value("");
            if !files.is_empty() {
                ctx.start(if folder { Input::Folder(files) } else { Input::Files(files) });
            }
        }
    };
    view! {
        <div class="drop-zone" class:dragging=move || dragging.get() data-testid="drop-zone"
            on:dragenter=move |event: DragEvent| { event.prevent_default(); dragging.set(true); }
            on:dragover=on_dragover
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <p class="drop-zone-text">"Drop a folder, files or a .wave here"</p>
            <p class="drop-zone-or muted">"or"</p>
            <div class="drop-zone-pickers">
                <label class="button-quiet picker">
                    "Choose a folder"
                    <input type="file" class="visually-hidden" prop:webkitdirectory=true multiple=true
                        on:change=picked(ctx.clone(), true)/>
                </label>
                <label class="button-quiet picker">
                    "Choose files"
                    <input type="file" class="visually-hidden" multiple=true
                        on:change=picked(ctx.clone(), false)/>
                </label>
            </div>
        </div>
    }
}

/// The files of the bundle, and what stays out of it.
#[component]
fn FileList(tree: FileTree) -> impl IntoView {
    let hidden = tree.rows.len().saturating_sub(model::MAX_TREE_ROWS);
    let count_line = tree.count_line();
    let rows: Vec<TreeRow> = tree.rows.into_iter().take(model::MAX_TREE_ROWS).collect();
    view! {
        <section class="upload-files" aria-labelledby="upload-files-heading">
            <h2 id="upload-files-heading">"Files"</h2>
            <p class="muted file-count">{count_line}</p>
            // A long list scrolls inside its box; focusable, so the keyboard scrolls it too.
            <div class="file-tree" role="region" aria-label="Files in the bundle" tabindex="0">
            <ul aria-label="Files">
                {rows.into_iter().map(|row| {
                    let (folder, name) = row.split();
                    let (folder, name) = (folder.to_owned(), name.to_owned());
                    let depth = row.depth();
                    let size = match (&row.excluded, row.files) {
                        (Some(_), Some(files)) => crate::components::format::count(files, "file", "files"),
                        (Some(_), None) => String::new(),
                        (None, _) => human_size(row.size),
                    };
                    let is_excluded = row.excluded.is_some();
                    let excluded = row.excluded.clone();
                    view! {
                        <li class="file-row" class:excluded=is_excluded style:--depth=depth.to_string()>
                            <span class="file-path"><span class="file-folder">{folder}</span><span class="file-name">{name}</span></span>
                            " "<span class="file-size muted">{size}</span>
                            {excluded.map(|why| view! { " " <span class="file-why">{why}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            </div>
            {(hidden > 0).then(|| view! {
                <p class="muted">{format!("…and {hidden} more not listed here.")}</p>
            })}
        </section>
    }
}

/// Findings, the version look-up, previews and the upload controls.
#[component]
fn Results(ctx: Ctx) -> impl IntoView {
    let checked = ctx.checked;
    let existing = ctx.existing;
    let upload = ctx.upload;
    let session = use_session();
    let owner = move || session.me.get_untracked().map(|me| me.username);
    view! {
        <section class="upload-findings" aria-labelledby="upload-findings-heading">
            <h2 id="upload-findings-heading">"Check"</h2>
            {move || checked.with(|c| c.as_ref().map(|c| verdict(c, &existing.get(), &upload.get())))}
            {move || {
                let local = checked.with(|c| c.as_ref().map(|c| c.findings.clone()).unwrap_or_default());
                let server = match upload.get() {
                    UploadState::Failed(error) => model::new_findings(&local, error.findings()),
                    _ => Vec::new(),
                };
                view! { <FindingList local server/> }
            }}
            {move || match existing.get() {
                Existing::Taken { id } => {
                    let (name, version) = checked.with(|c| c.as_ref().and_then(Checked::name_version)).unwrap_or_default();
                    Some(view! {
                        <div class="alert alert-error" role="alert">
                            <p>
                                {format!("{name} {version} already exists, and versions cannot be replaced: raise Version in app.toml, then check again. ")}
                                <A href=format!("/apps/{id}")>"Open the existing version"</A>
                            </p>
                        </div>
                    }.into_any())
                }
                Existing::Checking => Some(view! { <p class="muted">"Checking whether this version exists already…"</p> }.into_any()),
                Existing::Unknown(message) => Some(view! {
                    <p class="muted">{format!("Could not check whether this version exists already ({message}); the server checks again on upload.")}</p>
                }.into_any()),
                Existing::NotChecked | Existing::Free => None,
            }}
        </section>
        {move || {
            let visibility = ctx.visibility.get();
            checked.with(|c| {
                let c = c.as_ref()?;
                let manifest = c.report.manifest.as_ref()?;
                let mut detail = model::preview_detail(manifest, &c.report, owner(), visibility, c.bundle_size);
                detail.long_description_html = c.description_html.clone();
                Some((detail, c.icon_url.clone(), c.screenshot_urls.clone()))
            })
            .map(|(detail, icon, screenshots)| {
                let card = view! { <AppCard app=detail.summary.clone() icon_src=icon.clone()/> };
                let page = view! { <AppOverview app=detail icon_src=icon screenshot_srcs=screenshots/> };
                view! {
                    <section class="upload-preview" aria-labelledby="card-preview-heading">
                        <h2 id="card-preview-heading">"Catalog card preview"</h2>
                        <div class="preview-frame preview-card">{card}</div>
                    </section>
                    <section class="upload-preview" aria-labelledby="page-preview-heading">
                        <h2 id="page-preview-heading">"App page preview"</h2>
                        <div class="preview-frame preview-page">{page}</div>
                    </section>
                }
            })
        }}
        <UploadControls ctx=ctx.clone()/>
    }
}

/// The status line: ready to upload, uploaded, or how many errors to fix.
fn verdict(checked: &Checked, existing: &Existing, upload: &UploadState) -> AnyView {
    let errors = checked.report.errors.len();
    let warnings = checked.report.warnings.len();
    match (checked.name_version(), upload) {
        (Some((name, version)), UploadState::Done(app)) => {
            let href = format!("/apps/{}", app.summary.id);
            view! {
                <p class="alert alert-ok upload-status" role="status">
                    {format!("Uploaded {name} {version}. ")}
                    <A href=href>"Open the app page"</A>
                </p>
            }
            .into_any()
        }
        (Some((name, version)), _) if errors == 0 => {
            if matches!(existing, Existing::Taken { .. }) {
                view! { <p class="upload-summary">{format!("{name} {version} is valid, but cannot be uploaded under this version.")}</p> }
                    .into_any()
            } else {
                view! { <p class="alert alert-ok upload-status" role="status">{model::ready_line(&name, &version, warnings)}</p> }
                    .into_any()
            }
        }
        _ => view! {
            <p class="upload-summary upload-summary-invalid">
                {format!("{}: fix the errors, then drop or choose the app again.", model::findings_summary(errors, warnings))}
            </p>
        }
        .into_any(),
    }
}

/// Every finding: where, how bad, and what to do (the message says the fix).
#[component]
fn FindingList(local: Vec<Finding>, server: Vec<Finding>) -> impl IntoView {
    let rows: Vec<(Finding, bool)> =
        local.into_iter().map(|f| (f, false)).chain(server.into_iter().map(|f| (f, true))).collect();
    (!rows.is_empty()).then(|| {
        view! {
            <ul class="findings" aria-label="Findings">
                {rows.into_iter().map(|(finding, from_server)| {
                    let severity = finding.severity.as_str();
                    view! {
                        <li class=format!("finding finding-{severity}") data-code=finding.code.clone()>
                            <code class="finding-where">{model::finding_location(&finding)}</code>
                            " "<span class="finding-severity">{severity}</span>
                            " "<span class="finding-message">{finding.message.clone()}</span>
                            {from_server.then(|| view! { " " <span class="muted">"(reported by the server)"</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// Visibility, download, upload with its progress, and start over.
#[component]
fn UploadControls(ctx: Ctx) -> impl IntoView {
    let checked = ctx.checked;
    let upload = ctx.upload;
    let visibility = ctx.visibility;
    let can_upload = {
        let ctx = ctx.clone();
        move || ctx.can_upload()
    };
    let sending = Memo::new(move |_| matches!(upload.get(), UploadState::Sending { .. }));
    // Upload is disabled while sending, which drops its focus: the outcome's link takes it.
    Effect::new(move |_| {
        if matches!(upload.get(), UploadState::Done(_)) {
            // Once the outcome is drawn.
            set_timeout(
                || {
                    if let Some(link) = document().query_selector(".upload-send [role=status] a").ok().flatten() {
                        let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(link).focus();
                    }
                },
                std::time::Duration::ZERO,
            );
        }
    });
    let send = {
        let ctx = ctx.clone();
        move |_| ctx.send()
    };
    let start_over = {
        let ctx = ctx.clone();
        move |_| ctx.start_over()
    };
    let cancel = {
        let ctx = ctx.clone();
        move |_| ctx.cancel_upload()
    };
    // A bundle the checks refuse is not offered for download either (the CLI writes none).
    let download = move || {
        checked.with(|c| c.as_ref().filter(|c| c.report.valid).and_then(|c| Some((c.download_url.clone()?, c.download_name.clone()))))
    };
    // The server's sentence; its findings are listed with the others above.
    let server_error = Signal::derive(move || match upload.get() {
        UploadState::Failed(ApiError::Invalid(problem)) => Some(ApiError::Invalid(Problem { errors: Vec::new(), ..problem })),
        UploadState::Failed(error) => Some(error),
        _ => None,
    });
    view! {
        <section class="upload-send" aria-labelledby="upload-send-heading">
            <h2 id="upload-send-heading">"Upload"</h2>
            <div class="form upload-form">
                <label for="upload-visibility">"Visibility"</label>
                <select id="upload-visibility"
                    disabled=sending
                    prop:value=move || visibility.get().as_str()
                    on:change=move |event| {
                        if let Ok(choice) = event_target_value(&event).parse::<Visibility>() {
                            visibility.set(choice);
                        }
                    }>
                    {Visibility::ALL.into_iter().map(|choice| view! {
                        <option value=choice.as_str() selected=move || visibility.get() == choice>{model::visibility_label(choice)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="upload-actions">
                <button type="button" class="button" disabled=move || !can_upload() on:click=send>"Upload"</button>
                {move || sending.get().then(|| view! { <button type="button" class="button-quiet" on:click=cancel.clone()>"Cancel upload"</button> })}
                {move || download().map(|(href, name)| view! { <a class="button-quiet" href=href download=name>"Download .wave"</a> })}
                <button type="button" class="button-quiet" on:click=start_over>"Start over"</button>
            </div>
            // The outcome beside the button that caused it (the page's status line is far above).
            {move || match upload.get() {
                UploadState::Done(app) => Some(view! {
                    <p class="alert alert-ok" role="status">
                        {format!("Uploaded {} {} as {}. ", app.summary.name, app.summary.version, model::visibility_label(app.summary.visibility))}
                        <A href=format!("/apps/{}", app.summary.id)>"Open the app page"</A>
                    </p>
                }.into_any()),
                UploadState::Cancelled => Some(view! {
                    <p class="alert" role="status">"Upload cancelled: nothing was kept on the server. Upload again when you are ready."</p>
                }.into_any()),
                _ => None,
            }}
            {move || sending.get().then(|| {
                let numbers = move || match upload.get() {
                    UploadState::Sending { loaded, total } => (loaded, total),
                    _ => (0.0, 0.0),
                };
                view! {
                    <div class="upload-progress">
                        <progress aria-label="Upload progress"
                            max=move || numbers().1.max(1.0).to_string()
                            value=move || numbers().0.to_string()>
                            {move || model::percent(numbers().0, numbers().1)}
                        </progress>
                        <p class="muted">{move || {
                            let (loaded, total) = numbers();
                            if total > 0.0 && loaded >= total {
                                "Sent; the server is checking the bundle…".to_owned()
                            } else {
                                format!("{} of {} sent", model::percent(loaded, total), human_size(total as u64))
                            }
                        }}</p>
                    </div>
                }
            })}
            <ErrorAlert error=server_error/>
        </section>
    }
}
