//! The reason a change asks for (retire, promote, delete…): a labelled text box with what the
//! reason is for, or, while the server's rule refuses it, the rule's own sentence. The confirm
//! button beside it stays disabled while [`ReasonField`]'s findings are not empty; the server
//! checks the same rule again.

use leptos::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use wavehub_core::api::Finding;

/// `required`: the rule needs one (the label says so). `findings`: what the rule says about the
/// text now (from `wavehub-core`, as the server runs it). `purpose`: the hint while it is fine.
#[component]
pub fn ReasonField(
    value: RwSignal<String>,
    required: bool,
    #[prop(into)] findings: Signal<Vec<Finding>>,
    #[prop(into)] purpose: String,
) -> impl IntoView {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let id = format!("reason-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let hint_id = format!("{id}-hint");
    let refused = move || findings.with(|f| !f.is_empty());
    view! {
        <div class="reason-field">
            <label for=id.clone()>{if required { "Reason (required)" } else { "Reason (optional)" }}</label>
            <textarea id=id rows="2" required=required aria-describedby=hint_id.clone()
                aria-invalid=move || refused().then_some("true") bind:value=value></textarea>
            <p class="hint" class:hint-refused=refused id=hint_id>
                {move || findings.with(|f| f.first().map(|f| f.message.clone())).unwrap_or_else(|| purpose.clone())}
            </p>
        </div>
    }
}
