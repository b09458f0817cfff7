//! `/admin/secrets`: named sets of keys that apps read at run time (`[[Env]]`/`[[File]]` with
//! `Secret` and `SecretKey`). Admins only. Values are write-only: they are typed into password
//! fields, sent once, and never come back: the list shows names, key names, times and the app
//! versions that read each secret. Saving a name that exists replaces all its keys. Each secret
//! says who may use it (name it in an app): users and roles besides admins; the server refuses
//! imports and launches of apps by anyone else.

use crate::api::{self, ApiError};
use crate::components::dialog::DeleteRowDialog;
use crate::components::form::{finding_is_about, Submission, TextField};
use crate::components::format::Timestamp;
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::components::list::{Column, DataTable};
use super::AdminOnly;
use leptos::prelude::*;
use std::collections::BTreeMap;
use wavehub_core::accounts::Role;
use wavehub_core::api::Finding;
use wavehub_core::secrets::{NewSecret, SecretGrants, SecretSummary, KEY_MAX_LEN, NAME_MAX_LEN};

#[component]
pub fn SecretsPage() -> impl IntoView {
    view! {
        <AdminOnly title="Secrets" refusal="Admins only: only admins see and change secrets."
            advice="Apps read secrets at run time; if your app needs one, ask an admin to add it.">
            <SecretsAdmin/>
        </AdminOnly>
    }
}

/// One key row of the form: a stable id (for the list and the field ids), the key and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub id: u32,
    pub key: String,
    pub value: String,
}

/// What the form holds: the secret's name, its key rows and who may use it. Lives in the page so
/// a row's "Replace keys…" can fill it in.
#[derive(Clone, Copy)]
struct Draft {
    name: RwSignal<String>,
    rows: RwSignal<Vec<KeyRow>>,
    /// User names, separated by commas or spaces.
    users: RwSignal<String>,
    roles: RwSignal<Vec<Role>>,
    next_id: StoredValue<u32>,
}

impl Draft {
    fn new() -> Self {
        let draft = Draft {
            name: RwSignal::new(String::new()),
            rows: RwSignal::new(Vec::new()),
            users: RwSignal::new(String::new()),
            roles: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(1),
        };
        draft.reset(String::new(), &[], &SecretGrants::default());
        draft
    }

    fn row(&self, key: String) -> KeyRow {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        KeyRow { id, key, value: String::new() }
    }

    /// Starts over with `name`, its grants, and rows for `keys` (their values empty: they are never
    /// shown), or one empty row.
    fn reset(&self, name: String, keys: &[String], grants: &SecretGrants) {
        self.users.set(grants.users.join(", "));
        self.roles.set(grants.roles.clone());
        let mut rows: Vec<KeyRow> = keys.iter().map(|k| self.row(k.clone())).collect();
        if rows.is_empty() {
            rows.push(self.row(String::new()));
        }
        self.name.set(name);
        self.rows.set(rows);
    }

    fn add_row(&self) {
        let row = self.row(String::new());
        self.rows.update(|rows| rows.push(row));
    }
}

/// The request the rows make, with the problems the rules of wavehub-core find, plus two only a
/// form can have: a value without a key, and a key written twice. Blank rows are left out.
pub fn request_from(name: &str, rows: &[KeyRow], users: &str, roles: &[Role]) -> (NewSecret, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut keys = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let key = row.key.trim();
        if key.is_empty() {
            if !row.value.is_empty() {
                findings.push(Finding::field_error("keys.missing", "keys", format!("Row {} has a value but no key name.", index + 1)));
            }
            continue;
        }
        if keys.insert(key.to_owned(), row.value.clone()).is_some() {
            findings.push(Finding::field_error("keys.duplicate", &format!("keys.{key}"), format!("`{key}` is written twice; give each key once.")));
        }
    }
    let users = users.split([',', ' ']).map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned).collect();
    let request = NewSecret { name: name.trim().to_owned(), keys, grants: SecretGrants { users, roles: roles.to_vec() } };
    let mut all = request.check();
    all.extend(findings);
    (request, all)
}

#[component]
fn SecretsAdmin() -> impl IntoView {
    let secrets = LocalResource::new(api::list_secrets);
    // Read again after every change.
    let reload = move || secrets.refetch();
    let draft = Draft::new();
    // The names that exist, so the form can say "this replaces…".
    let existing = Memo::new(move |_| {
        secrets.get().and_then(|r| r.ok()).map(|list| list.into_iter().map(|s| (s.name, s.keys)).collect::<Vec<_>>()).unwrap_or_default()
    });
    view! {
        <section class="card secrets-admin">
            <h1>"Secrets"</h1>
            <p class="muted">
                "Apps read secrets at run time through app.toml's [[Env]] and [[File]] entries (Secret and SecretKey). \
                 Values are write-only: once saved, no page and no API answer shows them again, here included."
            </p>
            <SecretForm draft existing on_saved=move |_| reload()/>
            <h2>"Stored secrets"</h2>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading secrets…"</p> }>
                <ApiErrorBoundary>
                {move || secrets.get().map(|result| result.map(|list| match list {
                    list if list.is_empty() => view! { <p class="empty">"No secrets yet. Add one above."</p> }.into_any(),
                    list => view! {
                        <DataTable class="secrets-table" caption="Secrets" columns=vec![
                            Column::text("Name"), Column::text("Keys"), Column::text("Updated"), Column::text("Read by"),
                            Column::text("May use it"), Column::actions()
                        ]>
                            {list.into_iter().map(|secret| view! {
                                <SecretRow secret on_changed=move |_| reload()
                                    on_replace=move |(name, keys, grants): (String, Vec<String>, SecretGrants)| {
                                        draft.reset(name, &keys, &grants);
                                        focus_form();
                                    }/>
                            }).collect_view()}
                        </DataTable>
                    }.into_any(),
                }))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

/// Brings the form into view with the first value field focused (after "Replace keys…").
fn focus_form() {
    set_timeout(
        || {
            if let Some(element) = document().query_selector(".secret-form .secret-value").ok().flatten() {
                if let Some(input) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&element) {
                    input.scroll_into_view();
                    let _ = input.focus();
                }
            }
        },
        std::time::Duration::from_millis(0),
    );
}

/// Create, or replace all keys of, a secret.
#[component]
fn SecretForm(
    draft: Draft,
    #[prop(into)] existing: Signal<Vec<(String, Vec<String>)>>,
    #[prop(into)] on_saved: Callback<()>,
) -> impl IntoView {
    let notice = RwSignal::new(None::<String>);
    let name = draft.name;
    let rows = draft.rows;
    let replacing = move || {
        let name = name.get();
        existing.with(|list| list.iter().find(|(n, _)| *n == name.trim()).map(|(n, keys)| (n.clone(), keys.clone())))
    };
    // Whether the secret sent existed already (so saving replaced its keys).
    let replaced = StoredValue::new(false);
    let save = Submission::new(|request: NewSecret| async move { api::put_secret(&request).await }, move |summary: SecretSummary| {
        let keys = summary.keys.join(", ");
        notice.set(Some(if replaced.get_value() {
            format!("Replaced the keys of {}: now {keys}. The values are stored and won't be shown again.", summary.name)
        } else {
            format!("Saved secret {} with keys {keys}. The values are stored and won't be shown again.", summary.name)
        }));
        // The values leave the page with the form.
        draft.reset(String::new(), &[], &SecretGrants::default());
        on_saved.run(());
    });
    let error = save.error;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        notice.set(None);
        let (request, findings) =
            rows.with_untracked(|rows| request_from(&name.get_untracked(), rows, &draft.users.get_untracked(), &draft.roles.get_untracked()));
        replaced.set_value(existing.with_untracked(|list| list.iter().any(|(n, _)| *n == request.name)));
        save.submit(findings, request);
    };
    // Findings about the whole key list, or about keys no row has any more.
    let key_list_messages = move || {
        error.with(|error| {
            let Some(error) = error else { return Vec::new() };
            let keys: Vec<String> = rows.with(|rows| rows.iter().map(|r| r.key.trim().to_owned()).collect());
            error
                .findings()
                .iter()
                .filter(|f| finding_is_about(f, "keys") && !keys.iter().any(|k| !k.is_empty() && f.path == format!("keys.{k}")))
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <form class="form secret-form" on:submit=submit novalidate aria-labelledby="secret-form-title">
            <h2 id="secret-form-title">"Add or replace a secret"</h2>
            {move || error.get().filter(|e| !matches!(e, ApiError::Invalid(_)) || e.findings().is_empty()).map(|failure| view! {
                <div class="alert alert-error" role="alert"><p>{failure.to_string()}</p></div>
            })}
            {move || error.get().filter(|e| !e.findings().is_empty()).map(|_| view! {
                <div class="alert alert-error" role="alert"><p>"Fix the fields marked below."</p></div>
            })}
            <TextField id="secret-name" label="Secret name" path="name" value=name error verbatim=true maxlength=NAME_MAX_LEN
                hint="Lower-case letters, digits and -, in parts separated by ., e.g. s3-credentials. app.toml names it in Secret."/>
            {move || replacing().map(|(n, keys)| view! {
                <p class="notice replace-note" role="note">
                    {format!("A secret {n} exists (keys {}). Saving replaces ALL its keys: keys you leave out are removed, and every value must be typed again.", keys.join(", "))}
                </p>
            })}
            <fieldset class="secret-keys">
                <legend>"Keys and values"</legend>
                <p class="hint">"Values are hidden as you type and never shown after saving. Saving replaces all keys of the secret with these."</p>
                <For each=move || rows.get() key=|row| row.id let:row>
                    <SecretKeyRow id=row.id rows error/>
                </For>
                <span class="field-findings" id="secret-keys-findings">
                    {move || key_list_messages().into_iter().map(|m| view! { <span class="field-error">{m}</span> }).collect_view()}
                </span>
                <button type="button" class="button-quiet" on:click=move |_| draft.add_row()>"Add a key"</button>
            </fieldset>
            <fieldset class="secret-grants">
                <legend>"Who may use it"</legend>
                <p class="hint" id="secret-grants-hint">
                    "Admins always may. Apps by anyone else that read this secret are refused at import and at launch. Leave both empty for admins only."
                </p>
                <TextField id="secret-users" label="Users" path="grants.users" value=draft.users error verbatim=true placeholder="e.g. alice, bob"
                    described_by="secret-grants-hint"/>
                {[Role::Author, Role::User].into_iter().map(|role| {
                    let id = format!("secret-role-{}", role.as_str());
                    let label_for = id.clone();
                    view! {
                        <label class="checkbox" for=label_for>
                            <input id=id type="checkbox" prop:checked=move || draft.roles.with(|roles| roles.contains(&role))
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    draft.roles.update(|roles| {
                                        roles.retain(|r| *r != role);
                                        if on { roles.push(role); }
                                    });
                                }/>
                            {format!("Every {}", role.as_str())}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button" disabled=move || save.pending().get()>
                    {move || if replacing().is_some() { "Replace all keys" } else { "Save secret" }}
                </button>
                <button type="button" class="button-quiet" on:click=move |_| { draft.reset(String::new(), &[], &SecretGrants::default()); error.set(None); }>"Clear"</button>
            </div>
        </form>
        {move || notice.get().map(|text| view! { <p class="alert alert-ok" role="status">{text}</p> })}
    }
}

/// One key and its value (a password field). Its findings show under it.
#[component]
fn SecretKeyRow(id: u32, rows: RwSignal<Vec<KeyRow>>, error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let position = move || rows.with(|rows| rows.iter().position(|r| r.id == id).map_or(0, |i| i + 1));
    let key = move || rows.with(|rows| rows.iter().find(|r| r.id == id).map(|r| r.key.clone()).unwrap_or_default());
    let value = move || rows.with(|rows| rows.iter().find(|r| r.id == id).map(|r| r.value.clone()).unwrap_or_default());
    let set = move |change: &dyn Fn(&mut KeyRow)| {
        rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                change(row);
            }
        })
    };
    let messages = move || {
        let path = format!("keys.{}", key().trim());
        error.with(|error| {
            error.as_ref().map(|e| e.findings().iter().filter(|f| f.path == path).map(|f| f.message.clone()).collect::<Vec<_>>()).unwrap_or_default()
        })
    };
    let invalid_key = move || (!messages().is_empty()).then_some("true");
    let key_id = format!("secret-key-{id}");
    let value_id = format!("secret-value-{id}");
    let findings_id = format!("secret-key-{id}-findings");
    view! {
        <div class="secret-key-row" data-row=id>
            <label for=key_id.clone() class="visually-hidden">{move || format!("Name of key {}", position())}</label>
            <input id=key_id.clone() class="secret-key" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                maxlength=KEY_MAX_LEN.to_string() placeholder="key, e.g. token"
                prop:value=key on:input=move |e| { let v = event_target_value(&e); set(&|row| row.key = v.clone()); }
                aria-invalid=invalid_key aria-describedby=findings_id.clone()/>
            <label for=value_id.clone() class="visually-hidden">{move || format!("Value of key {}", position())}</label>
            <input id=value_id.clone() class="secret-value" type="password" autocomplete="new-password" placeholder="value (hidden)"
                prop:value=value on:input=move |e| { let v = event_target_value(&e); set(&|row| row.value = v.clone()); }/>
            // The visible word starts the spoken name (speech users say what they see).
            <button type="button" class="button-quiet" aria-label=move || format!("Remove key {}", position())
                on:click=move |_| rows.update(|rows| rows.retain(|r| r.id != id))>"Remove"</button>
            <span class="field-findings" id=findings_id>
                {move || messages().into_iter().map(|m| view! { <span class="field-error">{m}</span> }).collect_view()}
            </span>
        </div>
    }
}

/// One secret: names only, who reads it, and Replace / Delete.
#[component]
fn SecretRow(
    secret: SecretSummary,
    #[prop(into)] on_changed: Callback<()>,
    #[prop(into)] on_replace: Callback<(String, Vec<String>, SecretGrants)>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let name = StoredValue::new(secret.name.clone());
    let keys = StoredValue::new(secret.keys.clone());
    let grants = StoredValue::new(secret.grants.clone());
    let delete = Submission::new(move |()| async move { api::delete_secret(&name.get_value()).await }, move |()| on_changed.run(()));
    let error = delete.error;
    let readers = secret.used_by.clone();
    let consequence = if readers.is_empty() {
        "Its keys and values are gone for good; no app version reads it now.".to_owned()
    } else {
        format!("{} read it, so the server will refuse until those versions are deleted.", readers.join(", "))
    };
    view! {
        <tr data-secret=secret.name.clone()>
            <th scope="row"><code>{secret.name.clone()}</code></th>
            <td>
                <ul class="key-list" aria-label=format!("Keys of {}", secret.name)>
                    {secret.keys.iter().map(|k| view! { <li><code>{k.clone()}</code></li> }).collect_view()}
                </ul>
            </td>
            <td><Timestamp time=secret.updated_at.clone()/></td>
            <td>
                {if readers.is_empty() {
                    view! { <span class="muted">"No app"</span> }.into_any()
                } else {
                    view! {
                        <ul class="key-list">
                            {readers.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </td>
            <td class="secret-grantees">{secret.grants.describe()}</td>
            <td class="actions">
                <button type="button" class="button-quiet" aria-label=format!("Replace keys of {}", secret.name)
                    on:click=move |_| on_replace.run((name.get_value(), keys.get_value(), grants.get_value()))>"Replace keys…"</button>
                <button type="button" class="button-quiet danger" aria-label=format!("Delete secret {}", secret.name)
                    on:click=move |_| { error.set(None); confirming.set(true); }>"Delete"</button>
                <DeleteRowDialog noun="secret" name=secret.name.clone() consequence asking=confirming delete/>
            </td>
        </tr>
        <Show when=move || error.read().is_some()>
            <tr class="row-detail">
                <td colspan="6">
                    <ErrorAlert error/>
                </td>
            </tr>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, key: &str, value: &str) -> KeyRow {
        KeyRow { id, key: key.into(), value: value.into() }
    }

    #[test]
    fn rows_become_the_request_and_blank_rows_are_left_out() {
        let (request, findings) = request_from(" s3 ", &[row(1, "token", "v"), row(2, " ", "")], "alice, bob carol", &[Role::User]);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(request.name, "s3");
        assert_eq!(request.grants, SecretGrants { users: vec!["alice".into(), "bob".into(), "carol".into()], roles: vec![Role::User] });
        assert_eq!(request.keys.keys().collect::<Vec<_>>(), ["token"]);
    }

    #[test]
    fn a_value_without_a_key_and_twice_written_keys_are_refused() {
        let (_, findings) = request_from("s3", &[row(1, "", "v"), row(2, "a", "1"), row(3, "a", "2")], "", &[]);
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["keys.missing", "keys.duplicate"]);
        assert_eq!(findings[1].path, "keys.a");
        let (_, findings) = request_from("S3", &[], "", &[]);
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["name.invalid", "keys.required"]);
    }
}
