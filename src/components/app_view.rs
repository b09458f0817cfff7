//! How an app looks: the catalog card and the app page's body. The catalog, the app page and the
//! upload page's preview all use these, so an author previews exactly what users will see.

use crate::components::tags::TagChip;
use leptos::prelude::*;
use wavehub_core::apps::{AppDetail, AppSummary, Visibility};

/// The fallback when an app has no icon: its initial on a tile.
fn initial(title: &str) -> String {
    title.chars().find(|c| c.is_alphanumeric()).map(|c| c.to_uppercase().collect()).unwrap_or_else(|| "?".into())
}

#[component]
fn AppIcon(title: String, src: Option<String>, #[prop(optional)] large: bool) -> impl IntoView {
    let class = if large { "app-icon app-icon-large" } else { "app-icon" };
    match src {
        Some(src) => view! { <img class=class src=src alt="" loading="lazy" width="64" height="64"/> }.into_any(),
        None => view! { <span class=format!("{class} app-icon-blank") aria-hidden="true">{initial(&title)}</span> }.into_any(),
    }
}

/// An app's tags as chips in their colors (titles and colors from the shared tag list, loaded once;
/// names no admin has created show as themselves in the default color).
#[component]
pub fn TagChips(tags: Vec<String>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        view! {
            <ul class="chips" aria-label="Tags">
                {tags.into_iter().map(|name| view! { <TagChip name/> }).collect_view()}
            </ul>
        }
    })
}

/// One app in the catalog: icon, title, version, description, category and tags. With `href`
/// the title links to the app's page.
#[component]
pub fn AppCard(
    app: AppSummary,
    #[prop(default = None)] icon_src: Option<String>,
    #[prop(default = None)] href: Option<String>,
) -> impl IntoView {
    let title = match href {
        Some(href) => view! { <a href=href class="app-card-link">{app.title.clone()}</a> }.into_any(),
        None => view! { <span>{app.title.clone()}</span> }.into_any(),
    };
    let private = app.visibility == Visibility::Private;
    view! {
        <article class="app-card" data-app-name=app.name.clone() data-app-version=app.version.clone()>
            <AppIcon title=app.title.clone() src=icon_src/>
            <div class="app-card-body">
                <h3 class="app-card-title">{title}</h3>
                <p class="app-card-meta">
                    <span class="version">"v"{app.version.clone()}</span>
                    {app.category.clone().map(|c| view! { " · " <span class="category">{c}</span> })}
                    {private.then(|| view! { " · " <span class="badge badge-private">"Private"</span> })}
                </p>
                <p class="app-card-description">{app.description.clone()}</p>
                <TagChips tags=app.tags.clone()/>
            </div>
        </article>
    }
}

/// A byte count for people: `1.4 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for next in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

/// The app page's body: header, rendered LongDescription, screenshots with a full-size view, and
/// the facts (owner, created, category, keywords, runtime limits, volume).
#[component]
pub fn AppOverview(
    app: AppDetail,
    #[prop(default = None)] icon_src: Option<String>,
    #[prop(default = Vec::new())] screenshot_srcs: Vec<String>,
    /// Shown under the title: the version picker on the app page.
    #[prop(default = None)]
    header_extra: Option<AnyView>,
) -> impl IntoView {
    let summary = app.summary.clone();
    let runtime = app.runtime.clone();
    // Untrusted Markdown, already rendered by the core's sanitizing renderer: by the server for an
    // imported version, by the upload page for its preview. Not rendered here, so the catalog page
    // does not carry the Markdown parser.
    let long_description = app.long_description_html.clone();
    let facts: Vec<(&'static str, String)> = [
        ("Name", Some(summary.name.clone())),
        ("Owner", Some(summary.owner.clone().unwrap_or_else(|| "(deleted account)".into()))),
        ("Created", Some(crate::components::format::timestamp(&summary.created_at))),
        ("Visibility", Some(format!("{} ({})", summary.visibility.label(), summary.visibility.explanation()))),
        ("Category", summary.category.clone()),
        ("Keywords", (!summary.keywords.is_empty()).then(|| summary.keywords.join(", "))),
        ("Module", runtime.module.clone()),
        ("Runtime", runtime.runtime_version.clone()),
        ("Memory", limit_text(&runtime.memory_reservation, &runtime.memory_limit)),
        ("CPU", limit_text(&runtime.cpu_reservation, &runtime.cpu_limit)),
        ("GPUs", runtime.gpu_count.filter(|n| *n > 0).map(|n| n.to_string())),
        (
            "Volume",
            runtime.volume_mount.clone().map(|mount| match &runtime.volume_size {
                Some(size) => format!("{size} at {mount}"),
                None => mount,
            }),
        ),
        ("Environment", (!runtime.env.is_empty()).then(|| runtime.env.join(", "))),
        ("Files", (!runtime.files.is_empty()).then(|| runtime.files.join(", "))),
        ("Bundle", Some(human_size(app.bundle_size))),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| (label, v)))
    .collect();

    view! {
        <div class="app-overview">
            <header class="app-header">
                <AppIcon title=summary.title.clone() src=icon_src large=true/>
                <div>
                    <h1>{summary.title.clone()}</h1>
                    <p class="app-card-meta">
                        <span class="version">"Version "{summary.version.clone()}</span>
                        {(summary.visibility == Visibility::Private).then(|| view! { " · " <span class="badge badge-private">"Private"</span> })}
                    </p>
                    <p class="lead">{summary.description.clone()}</p>
                    <TagChips tags=summary.tags.clone()/>
                    {header_extra}
                </div>
            </header>
            <div class="app-columns">
                <div class="app-main">
                    {long_description.map(|html| view! { <section class="markdown" aria-label="About this app" inner_html=html></section> })}
                    <ScreenshotGallery srcs=screenshot_srcs title=summary.title.clone()/>
                </div>
                <aside class="app-facts" aria-label="Details">
                    <dl>
                        {facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                </aside>
            </div>
        </div>
    }
}

fn limit_text(reservation: &Option<String>, limit: &Option<String>) -> Option<String> {
    match (reservation, limit) {
        (Some(r), Some(l)) => Some(format!("{r} reserved, {l} limit")),
        (None, Some(l)) => Some(format!("{l} limit")),
        (Some(r), None) => Some(format!("{r} reserved")),
        (None, None) => None,
    }
}

/// Thumbnails; a click opens the full-size view, which arrows step through and Escape closes.
#[component]
fn ScreenshotGallery(srcs: Vec<String>, title: String) -> impl IntoView {
    let count = srcs.len();
    let open = RwSignal::new(None::<usize>);
    let srcs = StoredValue::new(srcs);
    let step = move |delta: isize| {
        open.update(|current| {
            if let Some(index) = current {
                *index = (*index as isize + delta).rem_euclid(count as isize) as usize;
            }
        })
    };
    // Keys work wherever focus is while the view is open (the thumbnail that opened it keeps focus
    // when a click opened it), so listen on the window.
    let keys = window_event_listener(leptos::ev::keydown, move |event| {
        if open.get_untracked().is_none() {
            return;
        }
        match event.key().as_str() {
            "Escape" => open.set(None),
            "ArrowRight" => step(1),
            "ArrowLeft" => step(-1),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());
    let close_button = NodeRef::<leptos::html::Button>::new();
    let lightbox = NodeRef::<leptos::html::Dialog>::new();
    let gallery = NodeRef::<leptos::html::Section>::new();
    // Open: a modal <dialog>, so the page behind is inert and Tab stays inside it. Closed: focus
    // goes back to the thumbnail of the screenshot last shown.
    let last_shown = StoredValue::new(None::<usize>);
    Effect::new(move |_| match open.get() {
        Some(index) => {
            last_shown.set_value(Some(index));
            if let Some(dialog) = lightbox.get() {
                if !dialog.open() {
                    let _ = dialog.show_modal();
                }
            }
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
        None => {
            let thumb = last_shown.get_value().zip(gallery.get()).and_then(|(index, gallery)| {
                gallery.query_selector_all(".gallery-thumb").ok()?.item(index as u32)
            });
            if let Some(thumb) = thumb.and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(node).ok()) {
                let _ = thumb.focus();
            }
        }
    });
    (count > 0).then(move || {
        let title = title.clone();
        view! {
            <section class="gallery" aria-label="Screenshots" node_ref=gallery>
                <h2>"Screenshots"</h2>
                <ul class="gallery-thumbs">
                    {srcs.get_value().into_iter().enumerate().map(|(index, src)| {
                        let label = format!("Screenshot {} of {count}: open full size", index + 1);
                        view! {
                            <li>
                                <button type="button" class="gallery-thumb" aria-label=label on:click=move |_| open.set(Some(index))>
                                    <img src=src alt="" loading="lazy"/>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || open.get().map(|index| {
                    let src = srcs.with_value(|s| s[index].clone());
                    let label = format!("{title}: screenshot {} of {count}", index + 1);
                    view! {
                        <dialog class="lightbox" role="dialog" aria-modal="true" aria-label=label.clone() node_ref=lightbox
                            on:click=move |_| open.set(None)
                            // The browser's own Escape closes the dialog; the view follows.
                            on:cancel=move |event: leptos::ev::Event| { event.prevent_default(); open.set(None); }>
                            <figure on:click=|event| event.stop_propagation()>
                                <img src=src alt=label.clone() class="lightbox-image"/>
                                <figcaption>{format!("Screenshot {} of {count}", index + 1)}</figcaption>
                                <div class="lightbox-controls">
                                    <Show when=move || { count > 1 }>
                                        <button type="button" on:click=move |_| step(-1)>"Previous"</button>
                                        <button type="button" on:click=move |_| step(1)>"Next"</button>
                                    </Show>
                                    <button type="button" class="lightbox-close" node_ref=close_button on:click=move |_| open.set(None)>"Close"</button>
                                </div>
                            </figure>
                        </dialog>
                    }
                })}
            </section>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1_400_000), "1.4 MB");
        assert_eq!(human_size(2_000_000_000), "2.0 GB");
    }

    #[test]
    fn blank_icons_show_the_first_letter() {
        assert_eq!(initial("credit risk"), "C");
        assert_eq!(initial("  ·"), "?");
    }
}
