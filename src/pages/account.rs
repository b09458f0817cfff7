//! `/account/tokens`: the signed-in user's API tokens, for the `wavehub` command line and scripts.
//! A new token's secret shows once, with a copy button and the commands that use it; the list shows
//! names and times only; revoking one ends it at once. The server keeps each user to their own;
//! admins also see everyone's tokens, to revoke one that leaked.

use crate::api::{self, ApiError};
use crate::components::clipboard::CopyButton;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{invalid, TextField};
use crate::components::format::{age, now_ms};
use crate::components::messages::{ApiErrorBoundary, ErrorAlert};
use crate::session::use_session;
use crate::components::list::{Column, DataTable};
use leptos::prelude::*;
use wavehub_core::accounts::{check_token_name, CreatedToken, NewToken, TokenInfo, TOKEN_NAME_MAX_LEN};

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Tokens/>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let create = Action::new_local(|request: &NewToken| {
        let request = request.clone();
        async move { api::create_token(&request).await }
    });
    let revoke = Action::new_local(|id: &i64| {
        let id = *id;
        async move { api::revoke_token(id).await }
    });
    // The list follows every create and revoke.
    let tokens = LocalResource::new(move || {
        (create.version().get(), revoke.version().get());
        api::list_tokens()
    });
    let session = use_session();
    let is_admin = move || session.me.get().is_some_and(|me| me.is_admin());
    let everyones = LocalResource::new(move || {
        (create.version().get(), revoke.version().get());
        async move { if is_admin() { api::list_all_tokens().await.map(Some) } else { Ok(None) } }
    });
    let created = move || create.value().get().and_then(Result::ok);
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    view! {
        <section class="card tokens">
            <h1>"API tokens"</h1>
            <p class="muted">
                "A token lets the " <code>"wavehub"</code> " command line and your scripts act as you, with your roles. \
                 Keep it secret like a password; revoke a token you no longer use, or one that may have leaked."
            </p>
            <NewTokenForm create/>
            {move || created().map(|created| view! { <CreatedTokenPanel created/> })}
            <h2>"Your tokens"</h2>
            <ErrorAlert error=revoke_error/>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading tokens…"</p> }>
                <ApiErrorBoundary>
                    {move || tokens.get().map(|result| result.map(|list| match list {
                        list if list.is_empty() => view! { <p class="empty">"No tokens yet. Create one above."</p> }.into_any(),
                        list => view! { <TokenTable list revoke caption="Your API tokens"/> }.into_any(),
                    }))}
                </ApiErrorBoundary>
            </Transition>
            <Transition fallback=|| ()>
                <ApiErrorBoundary>
                {move || everyones.get().map(|result| result.map(|list| list.map(|list| view! {
                        <h2>"Everyone's tokens"</h2>
                        <p class="muted">"As an admin you see every user's tokens (never their secrets) and can revoke any of them."</p>
                        <TokenTable list revoke caption="Every user's API tokens" show_owner=true/>
                })))}
                </ApiErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn NewTokenForm(create: Action<NewToken, Result<CreatedToken, ApiError>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    // The server's refusal shows at the field like the page's own check.
    Effect::new(move |_| {
        if let Some(Err(refused)) = create.value().get() {
            error.set(Some(refused));
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if create.pending().get_untracked() {
            return;
        }
        // The server's rule, checked here first.
        let findings = check_token_name(&name.get_untracked());
        if !findings.is_empty() {
            error.set(Some(invalid(findings)));
            return;
        }
        error.set(None);
        create.dispatch(NewToken { name: name.get_untracked().trim().to_owned() });
        name.set(String::new());
    };
    view! {
        <form class="form token-form" on:submit=submit novalidate>
            <TextField id="token-name" label="Name" path="name" value=name error verbatim=true maxlength=TOKEN_NAME_MAX_LEN placeholder="laptop CLI"
                hint="Name it after where it is used, so you know which one to revoke."/>
            <button type="submit" class="button" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Creating…" } else { "Create token" }}
            </button>
        </form>
    }
}

/// The new token, shown this once, and how to use it.
#[component]
fn CreatedTokenPanel(created: CreatedToken) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let usage = format!(
        "export WAVEHUB_SERVER={origin}\nexport WAVEHUB_TOKEN={}\nwavehub import ./my-app\nwavehub apps list",
        created.token
    );
    view! {
        <div class="alert alert-ok token-created" role="status">
            <p><strong>{format!("Token “{}” created.", created.info.name)}</strong>" Copy it now: it is not shown again."</p>
            <div class="token-secret">
                <input type="text" readonly aria-label="The new token" value=created.token.clone()
                    on:focus=|event| { let _ = event_target::<web_sys::HtmlInputElement>(&event).select(); }/>
                <CopyButton text=created.token.clone() title="Copy the token"/>
            </div>
            <p>"With the command line:"</p>
            <pre class="token-usage"><code>{usage.clone()}</code></pre>
            <CopyButton text=usage title="Copy the commands"/>
        </div>
    }
}

/// Tokens with their times and a Revoke button; `show_owner` adds whose each one is.
#[component]
fn TokenTable(
    list: Vec<TokenInfo>,
    revoke: Action<i64, Result<(), ApiError>>,
    caption: &'static str,
    #[prop(optional)] show_owner: bool,
) -> impl IntoView {
    let now = now_ms();
    // The token about to be revoked, while its question is open: its id and the question.
    let asking = RwSignal::new(None::<(i64, String)>);
    view! {
        <DataTable class="tokens-table" caption=caption columns=vec![
            Column::text("Name"), Column::text("Owner").when(show_owner), Column::text("Created"), Column::text("Last used"),
            Column::actions()
        ]>
            {list.into_iter().map(|token| {
                let ask = if show_owner {
                    format!("Revoke {}'s token “{}”?", token.owner, token.name)
                } else {
                    format!("Revoke the token “{}”?", token.name)
                };
                let id = token.id;
                let on_revoke = move |_| asking.set(Some((id, ask.clone())));
                view! {
                    <tr data-token=token.name.clone()>
                        <th scope="row">{token.name.clone()}</th>
                        {show_owner.then(|| view! { <td>{token.owner.clone()}</td> })}
                        <td><time datetime=token.created_at.clone()>{age(&token.created_at, now)}</time></td>
                        <td>{match &token.last_used_at {
                            Some(used) => view! { <time datetime=used.clone()>{age(used, now)}</time> }.into_any(),
                            None => view! { <span class="muted">"never"</span> }.into_any(),
                        }}</td>
                        <td class="actions">
                            <button type="button" class="button-quiet danger" on:click=on_revoke
                                disabled=move || revoke.pending().get()>"Revoke"</button>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
        {move || asking.get().map(|(id, question)| view! {
            <ConfirmDialog title=question message="Whatever uses it stops working at once." confirm_label="Revoke token"
                on_close=move || asking.set(None)
                on_confirm=move || {
                    asking.set(None);
                    revoke.dispatch(id);
                }/>
        })}
    }
}
