//! A checkbox per role, bound to a list of roles: the users form's roles ([`RolePicker`], with its
//! legend) and a tag's admin roles ([`RoleCheckboxes`] inside the tag form's own fieldset).

use leptos::prelude::*;
use wavehub_core::accounts::Role;

/// One labelled checkbox per role; the list stays sorted, each role at most once.
#[component]
pub fn RoleCheckboxes(roles: RwSignal<Vec<Role>>) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|role| {
            view! {
                <label class="checkbox">
                    <input type="checkbox" value=role.as_str()
                        prop:checked=move || roles.read().contains(&role)
                        on:change=move |event| {
                            let checked = event_target_checked(&event);
                            roles.update(|list| {
                                list.retain(|r| *r != role);
                                if checked { list.push(role); list.sort(); }
                            });
                        }/>
                    {role.as_str()}
                </label>
            }
        })
        .collect_view()
}

/// The role checkboxes in their own fieldset, named by `legend`.
#[component]
pub fn RolePicker(roles: RwSignal<Vec<Role>>, #[prop(into)] legend: String) -> impl IntoView {
    view! {
        <fieldset class="roles">
            <legend>{legend}</legend>
            <RoleCheckboxes roles/>
        </fieldset>
    }
}
