//! The two confirmations every destructive or state action on one runtime image, version or
//! runtime goes through: a state change with its reason, and a delete.

use crate::api::{self, ApiError};
use crate::components::dialog::{unique_id, DialogActions, Modal};
use crate::components::form::{invalid_attr, FieldFindings, FormAlert, Submission};
use crate::components::format::capitalized;
use leptos::prelude::*;
use wavehub_core::runtime_images::{check_reason, console_state_for, Availability, StateAction, StateChange};

/// What a state change is about; it knows which endpoint to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateTarget {
    Image { ws: String, uid: String },
    Version { ws: String, uid: String, version: String },
    Runtime { ws: String, uid: String },
}

impl StateTarget {
    fn is_version(&self) -> bool {
        matches!(self, StateTarget::Version { .. })
    }

    fn kind(&self) -> &'static str {
        match self {
            StateTarget::Image { .. } => "image",
            StateTarget::Version { .. } => "version",
            StateTarget::Runtime { .. } => "runtime",
        }
    }

    async fn apply(&self, action: StateAction, change: &StateChange) -> Result<(), ApiError> {
        match self {
            StateTarget::Image { ws, uid } => api::change_image_state(ws, uid, action, change).await.map(drop),
            StateTarget::Version { ws, uid, version } => api::change_version_state(ws, uid, version, action, change).await.map(drop),
            StateTarget::Runtime { ws, uid } => api::change_runtime_state(ws, uid, action, change).await.map(drop),
        }
    }
}

/// A state change to confirm: what, which action, and what it will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRequest {
    pub target: StateTarget,
    pub action: StateAction,
    /// How people call it: `version v3.0.0 of Scorer`, `image Scorer`.
    pub subject: String,
    /// The state the platform sets (bootstrap-managed resources): the console can't go past it.
    pub platform_state: Option<Availability>,
    /// What else changes, e.g. which version becomes current.
    pub impact: Option<String>,
}

impl StateRequest {
    /// `Disable version`, `Activate version`, `Enable image`…
    pub fn confirm_label(&self) -> String {
        format!("{} {}", capitalized(self.action.verb(self.target.is_version())), self.target.kind())
    }

    /// What the change does, in a sentence: the new state and what it means for deployments.
    pub fn consequence(&self) -> String {
        let state = self.action.target();
        format!("The {} becomes {state}: {}.", self.target.kind(), state.meaning())
    }

    /// What the page says once the server has made the change.
    pub fn done_message(&self) -> String {
        format!("{} is now {}.", capitalized(&self.subject), self.action.target())
    }

    /// The ceiling rule, before asking: why the server is going to refuse this, if it is.
    pub fn ceiling_note(&self) -> Option<String> {
        console_state_for(self.platform_state, self.action).err().map(|refusal| {
            format!(
                "The platform sets this {} to {}, and the console can only restrict it further, so this change can't \
                 be made here: an operator lifts it in the platform's bootstrap file.",
                self.target.kind(),
                refusal.platform
            )
        })
    }
}

/// Asks for confirmation and a reason (required to deprecate or disable), checks it with the same
/// rule as the server, sends it, and shows a refusal as the server's sentence.
#[component]
pub fn StateDialog(request: StateRequest, #[prop(into)] on_close: Callback<()>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let request = StoredValue::new(request);
    let change = Submission::new(
        move |change: StateChange| {
            let request = request.get_value();
            async move { request.target.apply(request.action, &change).await }
        },
        move |()| on_done.run(()),
    );
    let (error, pending) = (change.error, change.pending());
    let reason_id = unique_id("reason");
    let reason_help = unique_id("reason-help");
    let needs_reason = request.with_value(|r| r.action.needs_reason());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = reason.get_untracked();
        let findings = check_reason(request.with_value(|r| r.action), Some(&text));
        change.submit(findings, StateChange { reason: Some(text.trim().to_owned()).filter(|r| !r.is_empty()) });
    };
    let (title, consequence, impact, note, label) = request.with_value(|r| {
        (format!("{} {}?", r.confirm_label().split(' ').next().unwrap_or(""), r.subject), r.consequence(), r.impact.clone(), r.ceiling_note(), r.confirm_label())
    });
    let danger = request.with_value(|r| r.action != StateAction::Enable);
    // A change the ceiling rule forbids is not offered: the dialog says why and how to get there.
    if let Some(note) = note {
        return view! {
            <Modal title on_close>
                <p class="ceiling-note" role="alert">{note}</p>
                {impact.map(|text| view! { <p class="impact muted">{format!("Were it allowed: {text}")}</p> })}
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| on_close.run(())>"Close"</button>
                </div>
            </Modal>
        }
        .into_any();
    }
    view! {
        <Modal title on_close>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&["reason"]/>
                <p class="consequence">{consequence}</p>
                {impact.map(|text| view! { <p class="impact">{text}</p> })}
                <label for=reason_id.clone()>{if needs_reason { "Reason (required)" } else { "Reason (optional)" }}</label>
                <textarea id=reason_id rows="3" required=needs_reason aria-invalid=invalid_attr(error, "reason")
                    aria-describedby=format!("{reason_help} {reason_help}-findings")
                    bind:value=reason></textarea>
                <span class="muted" id=reason_help.clone()>"Kept with the state and shown to everyone who uses it."</span>
                <FieldFindings error path="reason" id=format!("{reason_help}-findings")/>
                <DialogActions label busy_label="Saving…" pending danger on_cancel=on_close/>
            </form>
        </Modal>
    }
    .into_any()
}

/// What a delete is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteTarget {
    Image { ws: String, uid: String },
    Runtime { ws: String, uid: String },
}

impl DeleteTarget {
    async fn apply(&self) -> Result<(), ApiError> {
        match self {
            DeleteTarget::Image { ws, uid } => api::delete_runtime_image(ws, uid).await,
            DeleteTarget::Runtime { ws, uid } => api::delete_runtime(ws, uid, &Default::default()).await,
        }
    }
}

/// "Delete X?" with what it means; a refusal (409: runtimes use it, the platform manages it) is
/// shown as the server's sentence.
#[component]
pub fn DeleteDialog(
    target: DeleteTarget,
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let delete = Submission::new(move |target: DeleteTarget| async move { target.apply().await }, move |()| on_done.run(()));
    let (error, pending) = (delete.error, delete.pending());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        delete.submit(Vec::new(), target.clone());
    };
    view! {
        <Modal title on_close>
            <form class="form" on:submit=submit novalidate>
                <FormAlert error fields=&[]/>
                <p class="consequence">{message}</p>
                <DialogActions label=confirm_label busy_label="Deleting…" pending danger=true on_cancel=on_close/>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(action: StateAction, platform_state: Option<Availability>) -> StateRequest {
        StateRequest {
            target: StateTarget::Version { ws: "default".into(), uid: "scorer".into(), version: "v3.0.0".into() },
            action,
            subject: "version v3.0.0 of Scorer".into(),
            platform_state,
            impact: None,
        }
    }

    #[test]
    fn labels_and_consequences_use_the_versions_words() {
        assert_eq!(request(StateAction::Enable, None).confirm_label(), "Activate version");
        assert_eq!(request(StateAction::Disable, None).done_message(), "Version v3.0.0 of Scorer is now DISABLED.");
        assert_eq!(request(StateAction::Disable, None).confirm_label(), "Disable version");
        assert_eq!(
            request(StateAction::Disable, None).consequence(),
            "The version becomes DISABLED: blocked for new deployments; running ones are not stopped."
        );
    }

    #[test]
    fn the_ceiling_is_explained_before_sending() {
        assert!(request(StateAction::Enable, Some(Availability::Disabled)).ceiling_note().unwrap().contains("sets this version to DISABLED"));
        assert_eq!(request(StateAction::Disable, Some(Availability::Deprecated)).ceiling_note(), None);
        assert_eq!(request(StateAction::Enable, None).ceiling_note(), None);
    }
}
