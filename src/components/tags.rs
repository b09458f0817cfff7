//! Tags as people see them: chips in each tag's color (the catalog cards, the app page), the list of
//! tags those chips read, loaded once and shared, and the app page's small editor for users who may
//! assign tags (API.md, "App store": `PUT`/`DELETE /apps/{id}/tags/{tag}`).

use crate::api::{self, ApiError};
use crate::components::form::{unprocessable, Submission};
use crate::components::messages::ErrorAlert;
use leptos::prelude::*;
use std::cell::Cell;
use wavehub_core::tags::{check_color, text_color_on, Tag, DEFAULT_COLOR};

/// Every tag as last loaded, shared by every chip of the page. Tags change rarely; the pages that
/// change them (the Tags page, the editor below) store what they load here, so chips follow.
struct Directory {
    tags: ArcRwSignal<Option<Vec<Tag>>>,
    loading: Cell<bool>,
    loaded: Cell<bool>,
}

thread_local! {
    static DIRECTORY: Directory = Directory { tags: ArcRwSignal::new(None), loading: Cell::new(false), loaded: Cell::new(false) };
}

/// The shared tag list (`None` until it has loaded). The first caller starts the one `GET /tags`;
/// after a failure (signed out, say) the list is empty, so chips show the names as they are and the
/// page counts as drawn, and the next caller tries again.
pub fn known_tags() -> ArcRwSignal<Option<Vec<Tag>>> {
    DIRECTORY.with(|directory| {
        if !directory.loaded.get() && !directory.loading.get() {
            directory.loading.set(true);
            leptos::task::spawn_local(async {
                let result = api::list_tags().await;
                DIRECTORY.with(|directory| directory.loading.set(false));
                match result {
                    Ok(tags) => remember_tags(tags),
                    Err(_) => DIRECTORY.with(|directory| {
                        if directory.tags.with_untracked(Option::is_none) {
                            directory.tags.set(Some(Vec::new()));
                        }
                    }),
                }
            });
        }
        directory.tags.clone()
    })
}

/// Stores a freshly loaded tag list for every chip on the page.
pub fn remember_tags(tags: Vec<Tag>) {
    DIRECTORY.with(|directory| {
        directory.loaded.set(true);
        directory.tags.set(Some(tags));
    });
}

/// `GET /tags`, stored for the chips on the way.
pub async fn load_tags() -> Result<Vec<Tag>, ApiError> {
    let result = api::list_tags().await;
    if let Ok(tags) = &result {
        remember_tags(tags.clone());
    }
    result
}

/// The color a chip gets: the tag's own when it is a valid `#rrggbb`, else the default.
pub fn chip_color(color: Option<&str>) -> String {
    match color {
        Some(color) if check_color(color).is_empty() => color.to_lowercase(),
        _ => DEFAULT_COLOR.to_owned(),
    }
}

/// A chip's colors on `color`: `(background and border, text)`, the text black or white, whichever
/// stays readable. Views set them as the `--chip-color` and `--chip-text` properties (through the
/// CSSOM: the Content-Security-Policy refuses inline `style` attributes).
pub fn chip_colors(color: &str) -> (String, String) {
    let color = chip_color(Some(color));
    let text = text_color_on(&color).to_owned();
    (color, text)
}

/// What a chip of `name` shows, from the shared list: `(title, color, tooltip)`. A name no admin has
/// created (app.toml may name any) shows as itself in the default color.
fn chip_face(tags: Option<&[Tag]>, name: &str) -> (String, String, String) {
    match tags.and_then(|tags| tags.iter().find(|tag| tag.name == name)) {
        Some(tag) => {
            let tooltip = if tag.description.is_empty() { tag.name.clone() } else { format!("{}: {}", tag.name, tag.description) };
            (tag.title.clone(), chip_color(Some(&tag.color)), tooltip)
        }
        None => (name.to_owned(), DEFAULT_COLOR.to_owned(), name.to_owned()),
    }
}

/// One tag as a chip in its color. `children` go after the title (the editor's remove button).
#[component]
pub fn TagChip(#[prop(into)] name: String, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let known = known_tags();
    let face = {
        let name = name.clone();
        Memo::new(move |_| known.with(|tags| chip_face(tags.as_deref(), &name)))
    };
    view! {
        <li class="chip tag-chip" data-tag=name.clone()
            style:--chip-color=move || face.with(|(_, color, _)| chip_colors(color).0)
            style:--chip-text=move || face.with(|(_, color, _)| chip_colors(color).1)
            title=move || face.with(|(_, _, tooltip)| tooltip.clone())>
            <span class="tag-chip-title">{move || face.with(|(title, _, _)| title.clone())}</span>
            {children.map(|children| children())}
        </li>
    }
}

/// A tag's title after a dot in its color, for lists that are not chips (the catalog's filter); the
/// tooltip gives its name and description, as a chip's does.
#[component]
pub fn TagName(#[prop(into)] name: String) -> impl IntoView {
    let known = known_tags();
    let face = Memo::new(move |_| known.with(|tags| chip_face(tags.as_deref(), &name)));
    view! {
        <span class="tag-name" title=move || face.with(|(_, _, tooltip)| tooltip.clone())>
            <span class="tag-dot" aria-hidden="true" style:--chip-color=move || face.with(|(_, color, _)| color.clone())></span>
            {move || face.with(|(title, _, _)| title.clone())}
        </span>
    }
}

/// The app page's tag editor: the version's tags, an × on those the viewer may remove, and a
/// select of the tags the viewer may assign. Shown only to someone who may assign at least one
/// tag (per tag, `can_assign`); the server checks again.
#[component]
pub fn TagEditor(app_id: i64, assigned: Vec<String>, #[prop(into)] on_changed: Callback<()>) -> impl IntoView {
    let tags = LocalResource::new(load_tags);
    let choice = RwSignal::new(String::new());
    let assigned = StoredValue::new(assigned);
    // A tag assigned (`true`) or removed (`false`).
    let tagging = Submission::new(
        move |(tag, assign): (String, bool)| async move {
            if assign {
                api::assign_tag(app_id, &tag).await
            } else {
                api::unassign_tag(app_id, &tag).await
            }
        },
        move |()| {
            choice.set(String::new());
            on_changed.run(());
        },
    );
    let (error, busy) = (tagging.error, tagging.pending());
    let change = move |tag: String, assign: bool| tagging.submit(Vec::new(), (tag, assign));
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let tag = choice.get_untracked();
        if tag.is_empty() {
            error.set(Some(unprocessable("Choose a tag to add first.", Vec::new())));
            return;
        }
        change(tag, true);
    };
    move || {
        tags.get().and_then(|result| result.ok()).and_then(|list| {
            let assignable: Vec<Tag> = list.into_iter().filter(|tag| tag.can_assign).collect();
            if assignable.is_empty() {
                return None;
            }
            let current = assigned.get_value();
            let addable: Vec<Tag> = assignable.iter().filter(|tag| !current.contains(&tag.name)).cloned().collect();
            let select_id = format!("tag-add-{app_id}");
            Some(view! {
                <section class="tag-editor" aria-label="Tags of this version">
                    <h2>"Tags"</h2>
                    <ErrorAlert error/>
                    {if current.is_empty() {
                        view! { <p class="muted">"This version has no tags yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="chips tag-editor-chips" aria-label="Assigned tags">
                                {current.into_iter().map(|name| {
                                    let removable = assignable.iter().any(|tag| tag.name == name);
                                    let label = format!("Remove tag {name}");
                                    let tag = name.clone();
                                    view! {
                                        <TagChip name>
                                            {removable.then(|| view! {
                                                <button type="button" class="tag-remove" aria-label=label.clone() title=label.clone()
                                                    disabled=move || busy.get()
                                                    on:click=move |_| change(tag.clone(), false)>"×"</button>
                                            })}
                                        </TagChip>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(!addable.is_empty()).then(|| view! {
                        <form class="tag-add" on:submit=add>
                            <label for=select_id.clone()>"Add a tag"</label>
                            <select id=select_id.clone() prop:value=move || choice.get() on:change=move |e| choice.set(event_target_value(&e))>
                                <option value="">"Choose a tag…"</option>
                                {addable.into_iter().map(|tag| {
                                    let label = if tag.title == tag.name { tag.name.clone() } else { format!("{} ({})", tag.title, tag.name) };
                                    view! { <option value=tag.name.clone()>{label}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" class="button-quiet" disabled=move || busy.get()>"Add"</button>
                        </form>
                    })}
                    <p class="muted">"Tags help people find apps in the catalog; they belong to this version only. "
                        <a href="/admin/tags">"All tags"</a></p>
                </section>
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::accounts::Role;

    fn tag(name: &str, color: &str, description: &str) -> Tag {
        Tag {
            name: name.into(),
            title: format!("{name} title"),
            color: color.into(),
            description: description.into(),
            admin_roles: vec![Role::Author],
            apps_count: 0,
            can_assign: false,
        }
    }

    #[test]
    fn chips_use_the_tags_color_and_readable_text() {
        assert_eq!(chip_colors("#FFD700"), ("#ffd700".to_owned(), "#000000".to_owned()));
        assert_eq!(chip_colors("#1f3b73"), ("#1f3b73".to_owned(), "#ffffff".to_owned()));
        assert_eq!(chip_color(Some("red")), DEFAULT_COLOR);
    }

    #[test]
    fn unknown_names_show_as_themselves_in_the_default_color() {
        let tags = [tag("NLP", "#ffd700", "Text"), tag("BARE", "#000000", "")];
        assert_eq!(chip_face(Some(&tags), "NLP"), ("NLP title".into(), "#ffd700".into(), "NLP: Text".into()));
        assert_eq!(chip_face(Some(&tags), "BARE").2, "BARE");
        assert_eq!(chip_face(Some(&tags), "TELECOM"), ("TELECOM".into(), DEFAULT_COLOR.into(), "TELECOM".into()));
        assert_eq!(chip_face(None, "NLP").1, DEFAULT_COLOR);
    }
}
