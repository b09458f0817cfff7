//! `/admin/tags`: every tag as the catalog shows it, for everyone signed in. Admins create and
//! delete tags; holders of a tag's admin roles (anyone signed in when it names none) edit its title,
//! color and description; only admins change the admin roles. The rules are wavehub-core's, checked
//! here before anything is sent; the server checks them again and its findings land at the fields.

use crate::api::{self, ApiError};
use crate::components::bulk::{BulkAction, BulkBar, BulkRow, SelectRowBox, Selection};
use crate::components::dialog::DeleteRowDialog;
use crate::components::form::{invalid_attr, FieldFindings, FormAlert, RoleCheckboxes, Submission, TextField};
use crate::components::format::count;
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::components::tags::{chip_color, chip_colors, load_tags};
use crate::session::use_session;
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use wavehub_core::accounts::Role;
use wavehub_core::apps::{percent_encode, AppQuery, FacetCount};
use wavehub_core::audit::Reason;
use wavehub_core::tags::{check_color, NewTag, Tag, TagPatch, DEFAULT_COLOR, DESCRIPTION_MAX_LEN, TITLE_MAX_LEN};

/// The fields a tag form shows, for findings that belong to none of them.
const FIELDS: &[&str] = &["name", "title", "color", "description", "admin_roles"];

#[component]
pub fn TagsPage() -> impl IntoView {
    view! {
        <TagsAdmin/>
    }
}

/// Who may assign a tag, in words.
pub fn admin_roles_text(roles: &[Role]) -> String {
    if roles.is_empty() {
        "Anyone signed in".to_owned()
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        format!("{} (and admins)", names.join(", "))
    }
}

/// How many app versions, in words.
fn versions_text(count: u64) -> String {
    match count {
        0 => "no app versions".to_owned(),
        1 => "1 app version".to_owned(),
        n => format!("{n} app versions"),
    }
}

#[component]
fn TagsAdmin() -> impl IntoView {
    let session = use_session();
    let is_admin = Memo::new(move |_| session.me.get().is_some_and(|me| me.is_admin()));
    let tags = LocalResource::new(load_tags);
    // Read again after every change (and the chips everywhere follow).
    let reload = move || tags.refetch();
    // Admins delete tags in bulk.
    let selection = Selection::new();
    Effect::new(move |_| {
        let rows = match tags.get() {
            Some(Ok(list)) if is_admin.get() => list.iter().map(|t| BulkRow::new(t.name.clone(), t.name.clone())).collect(),
            _ => Vec::new(),
        };
        selection.set_rows(rows);
    });
    let delete = BulkAction::new(
        "Delete",
        "deleted",
        "Each tag is removed from every app version that carries it, and the catalog no longer filters by it. This can't be undone.",
        |name, reason| async move { api::delete_tag(&name, &Reason { reason }).await },
    )
    .danger();
    view! {
        <section class="card tags-admin">
            <h1>"Tags"</h1>
            <p class="muted">
                "Tags label app versions in the catalog, where people filter by them. Admins create and delete tags; \
                 a tag's admin roles say who may assign it to apps, remove it and edit its title, color and description."
            </p>
            <Show when=move || is_admin.get()>
                <NewTagForm on_created=move |_| reload()/>
            </Show>
            <BulkBar selection actions=vec![delete] noun=("tag", "tags") on_done=move || reload()/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading tags…"</p> }>
                <ApiErrorBoundary>
                {move || tags.get().map(|result| result.map(|list| match list {
                    list if list.is_empty() => view! {
                        <p class="empty">{if is_admin.get_untracked() {
                            "No tag has been created yet. Create one above; apps whose app.toml names it get its title and color at once."
                        } else {
                            "No tag has been created yet. Admins create them."
                        }}</p>
                    }.into_any(),
                    list => {
                        let admin = is_admin.get_untracked();
                        let row_selection = admin.then_some(selection);
                        let how_many = count(list.len() as u64, "tag", "tags");
                        view! {
                            <p class="muted">{how_many}</p>
                            <DataTable class="tags-table" caption="Tags" columns=vec![
                                Column::select_all(selection).when(admin), Column::text("Tag"), Column::text("Description"),
                                Column::text("Who may assign"), Column::numeric("Apps"), Column::actions()
                            ]>
                                {list.into_iter().map(|tag| view! { <TagRow tag is_admin=admin selection=row_selection on_changed=move |_| reload()/> }).collect_view()}
                            </DataTable>
                        }.into_any()
                    }
                }))}
                </ApiErrorBoundary>
            </Transition>
            <UncreatedTags created=Signal::derive(move || tags.get().and_then(Result::ok).map(|list| list.into_iter().map(|t| t.name).collect()))/>
        </section>
    }
}

/// Tags that app versions carry from their app.toml but no admin has created: they filter the
/// catalog all the same, so the page says they exist instead of "no tags".
#[component]
fn UncreatedTags(created: Signal<Option<Vec<String>>>) -> impl IntoView {
    // The catalog's tag counts, over every version the viewer sees.
    let in_use = LocalResource::new(|| async {
        let query = AppQuery { page_size: Some(1), ..AppQuery::default() };
        api::list_apps(&query).await
    });
    move || {
        let created = created.get()?;
        let page = in_use.get()?.ok()?;
        let uncreated: Vec<FacetCount> = page.tags.into_iter().filter(|tag| tag.count > 0 && !created.contains(&tag.value)).collect();
        (!uncreated.is_empty()).then(|| view! {
            <section class="uncreated-tags" aria-labelledby="uncreated-tags-heading">
                <h2 id="uncreated-tags-heading">"Named by apps, not created yet"</h2>
                <p class="muted">"These come from the apps' app.toml. They filter the catalog as they are; creating a tag of the same name gives it a title, a color and rules for who may assign it."</p>
                <ul class="chips">
                    {uncreated.into_iter().map(|tag| view! {
                        <li class="chip"><span>{tag.value.clone()}</span>" "<span class="facet-count">{versions_text(tag.count)}</span></li>
                    }).collect_view()}
                </ul>
            </section>
        })
    }
}

/// The color picker, its hex text (either one sets the color) and a sample chip.
#[component]
fn ColorField(
    color: RwSignal<String>,
    /// The hex text field's id; the picker is `{id}-picker`.
    #[prop(into)]
    id: String,
    error: RwSignal<Option<ApiError>>,
    /// What the sample chip says.
    #[prop(into)]
    sample: Signal<String>,
) -> impl IntoView {
    let findings_id = format!("{id}-findings");
    // A color input only holds valid lowercase colors; while the text is half typed it shows the
    // default.
    let picker_value = move || color.with(|c| if check_color(c).is_empty() { c.to_lowercase() } else { DEFAULT_COLOR.to_owned() });
    view! {
        <label for=id.clone()>"Color"</label>
        <div class="color-field">
            <input type="color" id=format!("{id}-picker") aria-label="Pick a color" prop:value=picker_value
                on:input=move |e| color.set(event_target_value(&e))/>
            <input id=id.clone() type="text" class="hex" spellcheck="false" autocomplete="off" placeholder=DEFAULT_COLOR
                prop:value=move || color.get() on:input=move |e| color.set(event_target_value(&e))
                aria-invalid=invalid_attr(error, "color") aria-describedby=findings_id.clone()/>
            <ul class="chips" aria-hidden="true">
                <li class="chip tag-chip tag-sample"
                    style:--chip-color=move || color.with(|c| chip_colors(&chip_color(Some(c))).0)
                    style:--chip-text=move || color.with(|c| chip_colors(&chip_color(Some(c))).1)>
                    {move || { let s = sample.get(); if s.trim().is_empty() { "Sample".to_owned() } else { s } }}
                </li>
            </ul>
        </div>
        <span class="hint">"# and six hex digits, e.g. #1f77b4. The text on chips turns black or white, whichever reads better."</span>
        <FieldFindings error path="color" id=findings_id/>
    }
}

/// Who may assign a tag, chosen in so many words: anyone signed in (an empty role list, the
/// platform's rule for none) or only some roles. The choice follows the list, so the two never
/// disagree: choosing "only" starts from admins, and unchecking the last role means anyone again.
#[component]
fn AdminRolesField(roles: RwSignal<Vec<Role>>, #[prop(into)] id: String, error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let findings_id = format!("{id}-findings");
    let anyone = move || roles.read().is_empty();
    view! {
        <fieldset class="roles" aria-describedby=findings_id.clone()>
            <legend>"Who may assign it"</legend>
            <label class="checkbox">
                <input type="radio" name=format!("{id}-who") data-testid="tag-anyone-assigns" prop:checked=anyone
                    on:change=move |_| roles.set(Vec::new())/>
                "Anyone signed in"
            </label>
            <label class="checkbox">
                <input type="radio" name=format!("{id}-who") data-testid="tag-roles-assign" prop:checked=move || !anyone()
                    on:change=move |_| if roles.read_untracked().is_empty() { roles.set(vec![Role::Admin]) }/>
                "Only users with these roles:"
            </label>
            <span class="role-choices"><RoleCheckboxes roles/></span>
        </fieldset>
        <span class="hint">{move || if roles.read().is_empty() {
            "Anyone signed in may assign it, remove it and edit it. Admins always may.".to_owned()
        } else {
            format!("Users with the role {} may assign it, remove it and edit it; admins always may.",
                roles.read().iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" or "))
        }}</span>
        <FieldFindings error path="admin_roles" id=findings_id/>
    }
}

/// `Some(text)` for a field left filled, `None` for a blank one.
fn filled(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The admins' create form; every rule is checked here first, the server's findings land at the
/// same fields.
#[component]
pub fn NewTagForm(#[prop(into)] on_created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let color = RwSignal::new(DEFAULT_COLOR.to_owned());
    let description = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<Role>::new());
    let notice = RwSignal::new(None::<String>);
    let create = Submission::new(|request: NewTag| async move { api::create_tag(&request).await }, move |tag: Tag| {
        notice.set(Some(format!("Created tag {}. Who may assign it: {}.", tag.name, admin_roles_text(&tag.admin_roles).to_lowercase())));
        name.set(String::new());
        title.set(String::new());
        description.set(String::new());
        roles.set(Vec::new());
        color.set(DEFAULT_COLOR.to_owned());
        on_created.run(());
    });
    let error = create.error;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        notice.set(None);
        let request = NewTag {
            name: name.get_untracked().trim().to_owned(),
            title: filled(&title.get_untracked()),
            color: Some(color.get_untracked().trim().to_owned()),
            description: filled(&description.get_untracked()),
            admin_roles: roles.get_untracked(),
        };
        notice.set(None);
        create.submit(request.check(), request);
    };
    let sample = Signal::derive(move || {
        let t = title.get();
        if t.trim().is_empty() { name.get() } else { t }
    });
    view! {
        <details class="tag-create" open>
            <summary>"Create a tag"</summary>
            <form class="form tag-form" on:submit=submit novalidate>
                <FormAlert error fields=FIELDS/>
                <TextField id="new-tag-name" label="Name" path="name" value=name error verbatim=true maxlength=63
                    hint="As app.toml's Tags write it: letters, digits, _ and -, e.g. FORECASTING. It can't change later."/>
                <TextField id="new-tag-title" label="Title (optional)" path="title" value=title error maxlength=TITLE_MAX_LEN
                    hint="What chips show; the name when left empty."/>
                <ColorField color id="new-tag-color" error sample/>
                <TextField id="new-tag-description" label="Description (optional)" path="description" value=description error rows=2
                    maxlength=DESCRIPTION_MAX_LEN/>
                <AdminRolesField roles id="new-tag-roles" error/>
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || create.pending().get()>"Create tag"</button>
                </div>
            </form>
            {move || notice.get().map(|text| view! { <p class="alert alert-ok" role="status">{text}</p> })}
        </details>
    }
}

/// One tag: its chip, what it means, who may assign it, how many versions carry it; Edit for those
/// who may, Delete (confirmed) for admins.
#[component]
fn TagRow(
    tag: Tag,
    is_admin: bool,
    /// Where the row's box goes (admins only).
    selection: Option<Selection>,
    #[prop(into)] on_changed: Callback<()>,
) -> impl IntoView {
    let row_box = selection.map(|selection| view! {
        <td class="select-col"><SelectRowBox selection row=BulkRow::new(tag.name.clone(), tag.name.clone())/></td>
    });
    let columns = if selection.is_some() { "6" } else { "5" };
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let name = StoredValue::new(tag.name.clone());
    let for_edit = StoredValue::new(tag.clone());
    let count = tag.apps_count;
    let delete =
        Submission::new(move |()| async move { api::delete_tag(&name.get_value(), &Default::default()).await }, move |()| on_changed.run(()));
    let error = delete.error;
    let consequence =
        format!("Its assignments on {} are removed, and the catalog no longer filters by it. This can't be undone.", versions_text(count));
    let catalog_href = format!("/?tag={}", percent_encode(&tag.name));
    let (chip_color, chip_text) = chip_colors(&tag.color);
    view! {
        <tr data-tag=tag.name.clone()>
            {row_box}
            <th scope="row">
                <ul class="chips"><li class="chip tag-chip" style:--chip-color=chip_color style:--chip-text=chip_text>{tag.title.clone()}</li></ul>
                <code class="tag-name">{tag.name.clone()}</code>
            </th>
            <td>{if tag.description.is_empty() { view! { <span class="muted">"—"</span> }.into_any() } else { tag.description.clone().into_any() }}</td>
            <td>{admin_roles_text(&tag.admin_roles)}</td>
            <td class="num">
                <a href=catalog_href title=format!("Show the catalog filtered by {}", tag.name)>{count}</a>
            </td>
            <td class="actions">
                {tag.can_assign.then(|| view! {
                    <button type="button" class="button-quiet" aria-expanded=move || editing.get().to_string()
                        aria-label=format!("Edit tag {}", tag.name)
                        on:click=move |_| { editing.update(|e| *e = !*e); confirming.set(false); }>"Edit"</button>
                })}
                {is_admin.then(|| view! {
                    <button type="button" class="button-quiet danger" aria-label=format!("Delete tag {}", tag.name)
                        on:click=move |_| { confirming.set(true); editing.set(false); }>"Delete"</button>
                })}
                <DeleteRowDialog noun="tag" name=tag.name.clone() consequence asking=confirming delete/>
            </td>
        </tr>
        <Show when=move || editing.get() || error.read().is_some()>
            <tr class="row-detail">
                <td colspan=columns>
                    <Show when=move || !editing.get()>
                        <ErrorAlert error/>
                    </Show>
                    <Show when=move || editing.get()>
                        <EditTagForm tag=for_edit.get_value() is_admin on_saved=move |_| { editing.set(false); on_changed.run(()); }/>
                    </Show>
                </td>
            </tr>
        </Show>
    }
}

/// Title, color, description, and for admins the admin roles. Only what changed is sent.
#[component]
fn EditTagForm(tag: Tag, is_admin: bool, #[prop(into)] on_saved: Callback<()>) -> impl IntoView {
    let original = StoredValue::new(tag.clone());
    let title = RwSignal::new(tag.title.clone());
    let color = RwSignal::new(tag.color.clone());
    let description = RwSignal::new(tag.description.clone());
    let roles = RwSignal::new(tag.admin_roles.clone());
    let update = Submission::new(
        move |patch: TagPatch| async move { api::update_tag(&original.get_value().name, &patch).await },
        move |_: Tag| on_saved.run(()),
    );
    let error = update.error;
    let prefix = format!("edit-{}", tag.name);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let old = original.get_value();
        let changed = |new: String, old: &str| (new != old).then_some(new);
        let patch = TagPatch {
            title: changed(title.get_untracked().trim().to_owned(), &old.title),
            color: changed(color.get_untracked().trim().to_owned(), &old.color),
            description: changed(description.get_untracked().trim().to_owned(), &old.description),
            admin_roles: Some(roles.get_untracked()).filter(|r| is_admin && *r != old.admin_roles),
        };
        let findings = patch.check();
        if findings.is_empty() && patch == TagPatch::default() {
            on_saved.run(());
            return;
        }
        update.submit(findings, patch);
    };
    view! {
        <form class="form tag-form inline" on:submit=submit novalidate aria-label=format!("Edit tag {}", tag.name)>
            <FormAlert error fields=FIELDS/>
            <TextField id=format!("{prefix}-title") label="Title" path="title" value=title error maxlength=TITLE_MAX_LEN/>
            <ColorField color id=format!("{prefix}-color") error sample=title/>
            <TextField id=format!("{prefix}-description") label="Description" path="description" value=description error rows=2 maxlength=DESCRIPTION_MAX_LEN/>
            {if is_admin {
                view! { <AdminRolesField roles id=format!("{prefix}-roles") error/> }.into_any()
            } else {
                view! { <p class="hint">{format!("Who may assign it: {}. Only admins change that.", admin_roles_text(&tag.admin_roles))}</p> }.into_any()
            }}
            <div class="form-actions">
                <button type="submit" class="button" disabled=move || update.pending().get()>"Save"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_words() {
        assert_eq!(admin_roles_text(&[]), "Anyone signed in");
        assert_eq!(admin_roles_text(&[Role::Author, Role::User]), "author, user (and admins)");
        assert_eq!(versions_text(1), "1 app version");
        assert_eq!(versions_text(3), "3 app versions");
    }
}
