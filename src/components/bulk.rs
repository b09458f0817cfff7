//! Bulk actions in the admin tables, the way Harbor's console does them: a checkbox per row and one
//! in the header for every row on the page (indeterminate while only some are chosen), a bar while
//! rows are selected ("3 selected", the actions, Clear), one dialog per action with one reason for
//! every row, and then a summary of what was done and what the server refused, row by row, in the
//! server's own words.
//!
//! The rows go through the same endpoint as a single-row action, one after the other: the server
//! checks each one's authorization and rules and writes each one's audit entry, and a refusal of
//! one row leaves the others done. Refused rows stay selected, so the person can fix and retry.

use crate::api::ApiError;
use crate::components::dialog::{unique_id, Modal};
use crate::components::form::unprocessable;
use crate::components::format::count;
use crate::components::messages::ErrorAlert;
use leptos::prelude::*;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use wavehub_core::api::Finding;

/// A row that can be chosen: `key` finds it for the action, `name` is what people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkRow {
    pub key: String,
    pub name: String,
}

impl BulkRow {
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        BulkRow { key: key.into(), name: name.into() }
    }
}

/// What the header checkbox shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderState {
    None,
    Some,
    All,
}

/// The header checkbox's state for the selectable `rows` and the `selected` keys.
pub fn header_state(rows: &[BulkRow], selected: &HashSet<String>) -> HeaderState {
    let chosen = rows.iter().filter(|r| selected.contains(&r.key)).count();
    match chosen {
        0 => HeaderState::None,
        n if n == rows.len() => HeaderState::All,
        _ => HeaderState::Some,
    }
}

/// Which rows of a table are selected, and the bulk bar's state. The page says which rows it
/// shows (and may select) each time its data loads; a key that is no longer shown is dropped from
/// the selection. The page makes it once, outside what reloads, so the last run's summary and an
/// open dialog outlive the table's refresh.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    rows: RwSignal<Vec<BulkRow>>,
    selected: RwSignal<HashSet<String>>,
    /// Which action's dialog is open (its index in the bar's actions).
    open: RwSignal<Option<usize>>,
    /// The last run: the action's word for what it did, and how it went.
    summary: RwSignal<Option<(String, BulkOutcome)>>,
}

impl Default for Selection {
    fn default() -> Self {
        Self::new()
    }
}

impl Selection {
    pub fn new() -> Self {
        Selection {
            rows: RwSignal::new(Vec::new()),
            selected: RwSignal::new(HashSet::new()),
            open: RwSignal::new(None),
            summary: RwSignal::new(None),
        }
    }

    /// Opens the dialog of the bar's action number `index` for the selected rows (a row's own
    /// button selects just that row first).
    pub fn open_action(&self, index: usize) {
        self.summary.set(None);
        self.open.set(Some(index));
    }

    /// The rows the table shows now that the caller may select.
    pub fn set_rows(&self, rows: Vec<BulkRow>) {
        let keys: HashSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        self.selected.update(|selected| selected.retain(|key| keys.contains(key.as_str())));
        self.rows.set(rows);
    }

    pub fn is_selected(&self, key: &str) -> bool {
        self.selected.with(|selected| selected.contains(key))
    }

    pub fn set(&self, key: &str, on: bool) {
        self.selected.update(|selected| {
            if on {
                selected.insert(key.to_owned());
            } else {
                selected.remove(key);
            }
        });
    }

    /// Selects every row on the page, or none.
    pub fn set_all(&self, on: bool) {
        let keys: HashSet<String> = if on { self.rows.with(|rows| rows.iter().map(|r| r.key.clone()).collect()) } else { HashSet::new() };
        self.selected.set(keys);
    }

    pub fn clear(&self) {
        self.selected.set(HashSet::new());
    }

    /// Keeps exactly `keys` selected (the rows the server refused).
    pub fn keep(&self, keys: impl IntoIterator<Item = String>) {
        self.selected.set(keys.into_iter().collect());
    }

    pub fn len(&self) -> usize {
        self.selected.with(HashSet::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn header(&self) -> HeaderState {
        self.rows.with(|rows| self.selected.with(|selected| header_state(rows, selected)))
    }

    /// Whether the page has any row the caller may select.
    pub fn has_rows(&self) -> bool {
        self.rows.with(|rows| !rows.is_empty())
    }

    /// The selected rows, in the table's order.
    pub fn chosen(&self) -> Vec<BulkRow> {
        self.rows.with(|rows| self.selected.with(|selected| rows.iter().filter(|r| selected.contains(&r.key)).cloned().collect()))
    }
}

/// One row's change: the row's key and the reason (trimmed, none when blank).
pub type ApplyFn = Arc<dyn Fn(String, Option<String>) -> Pin<Box<dyn Future<Output = Result<(), ApiError>>>> + Send + Sync>;
/// The reason's rule for an action: the findings for the text as typed.
pub type ReasonRule = Arc<dyn Fn(&str) -> Vec<Finding> + Send + Sync>;

/// An action the bar offers for the selected rows.
#[derive(Clone)]
pub struct BulkAction {
    /// The button's word: `Deprecate`.
    pub label: String,
    /// What the summary says of the rows it changed: `deprecated`.
    pub done: String,
    /// What happens to each row, in a sentence the dialog shows.
    pub consequence: String,
    /// Whether the dialog asks for a reason at all, and whether it must be given.
    pub reason: Option<(bool, ReasonRule)>,
    pub danger: bool,
    pub apply: ApplyFn,
}

impl BulkAction {
    /// An action with an optional reason (at most the audit log's length).
    pub fn new<F, Fut>(label: impl Into<String>, done: impl Into<String>, consequence: impl Into<String>, apply: F) -> Self
    where
        F: Fn(String, Option<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        BulkAction {
            label: label.into(),
            done: done.into(),
            consequence: consequence.into(),
            reason: Some((false, Arc::new(wavehub_core::audit::check_reason_length))),
            danger: false,
            apply: Arc::new(move |key, reason| Box::pin(apply(key, reason))),
        }
    }

    /// The reason follows `rule`; `required` only changes the label (the rule refuses a blank one).
    pub fn with_reason_rule(mut self, required: bool, rule: impl Fn(&str) -> Vec<Finding> + Send + Sync + 'static) -> Self {
        self.reason = Some((required, Arc::new(rule)));
        self
    }

    pub fn danger(mut self) -> Self {
        self.danger = true;
        self
    }
}

/// How a run went: the rows done, and the rows refused with the server's sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub done: Vec<BulkRow>,
    pub refused: Vec<(BulkRow, String)>,
}

impl BulkOutcome {
    /// `2 deprecated; 1 refused:` (the refusals follow, one per row), or `3 deprecated.`.
    pub fn headline(&self, done_word: &str) -> String {
        let done = format!("{} {done_word}", self.done.len());
        if self.refused.is_empty() {
            format!("{done}.")
        } else {
            format!("{done}; {} refused:", self.refused.len())
        }
    }
}

/// What a refusal says: the server's sentence, and the findings it names.
pub fn refusal_text(error: &ApiError) -> String {
    let mut text = error.to_string();
    let findings: Vec<&str> = error.findings().iter().map(|f| f.message.as_str()).filter(|m| *m != text).collect();
    if !findings.is_empty() {
        text = format!("{text} {}", findings.join(" "));
    }
    text
}

/// The header's "select all on this page" box.
#[component]
pub fn SelectAllBox(selection: Selection) -> impl IntoView {
    view! {
        <input type="checkbox" class="bulk-check" aria-label="Select all on this page"
            disabled=move || !selection.has_rows()
            prop:checked=move || selection.header() == HeaderState::All
            prop:indeterminate=move || selection.header() == HeaderState::Some
            on:change=move |event| selection.set_all(event_target_checked(&event))/>
    }
}

/// One row's box, labelled with the row's name.
#[component]
pub fn SelectRowBox(selection: Selection, row: BulkRow) -> impl IntoView {
    let key = StoredValue::new(row.key);
    view! {
        <input type="checkbox" class="bulk-check" aria-label=format!("Select {}", row.name)
            prop:checked=move || key.with_value(|key| selection.is_selected(key))
            on:change=move |event| key.with_value(|key| selection.set(key, event_target_checked(&event)))/>
    }
}

/// The bar over a table: how many rows are selected, the actions and Clear while some are; the
/// summary of the last run, announced. Nothing shows while the page has no row the caller may
/// select and there is no summary (after a run that deleted every row, the summary stays).
/// `noun` names the rows (`("image", "images")`); `on_done` reloads the table after a run.
#[component]
pub fn BulkBar(
    selection: Selection,
    actions: Vec<BulkAction>,
    noun: (&'static str, &'static str),
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let actions = StoredValue::new(actions);
    let Selection { open, summary, .. } = selection;
    let label = format!("Bulk actions on {}", noun.1);
    let finished = Callback::new(move |(action, outcome): (usize, BulkOutcome)| {
        let done_word = actions.with_value(|a| a[action].done.clone());
        selection.keep(outcome.refused.iter().map(|(row, _)| row.key.clone()));
        summary.set(Some((done_word, outcome)));
        open.set(None);
        on_done.run(());
    });
    let shown = move || selection.has_rows() || summary.with(Option::is_some);
    view! {
        <Show when=shown>
            <div class="bulk" role="region" aria-label=label.clone()>
                <div class="bulk-bar" hidden=move || selection.is_empty()>
                    <span class="bulk-count" data-testid="bulk-count">{move || format!("{} selected", selection.len())}</span>
                    {actions.with_value(|list| list.iter().enumerate().map(|(index, action)| {
                        let class = if action.danger { "button-quiet danger" } else { "button-quiet" };
                        view! {
                            <button type="button" class=class on:click=move |_| selection.open_action(index)>
                                {action.label.clone()}
                            </button>
                        }
                    }).collect_view())}
                    <button type="button" class="button-quiet" on:click=move |_| selection.clear()>"Clear"</button>
                </div>
                <div class="bulk-summary" role="status" aria-live="polite" data-testid="bulk-summary">
                    {move || summary.get().map(|(done_word, outcome)| view! {
                        <div class=if outcome.refused.is_empty() { "alert alert-ok" } else { "alert alert-warning" }>
                            <p>{outcome.headline(&done_word)}</p>
                            {(!outcome.refused.is_empty()).then(|| view! {
                                <ul class="bulk-refusals">
                                    {outcome.refused.iter().map(|(row, why)| view! {
                                        <li><strong>{row.name.clone()}</strong>" — "{why.clone()}</li>
                                    }).collect_view()}
                                </ul>
                            })}
                        </div>
                    })}
                </div>
            </div>
        </Show>
        {move || open.get().map(|index| view! {
            <BulkDialog action=actions.with_value(|a| a[index].clone()) rows=selection.chosen() noun
                on_close=move || open.set(None) on_finished=move |outcome| finished.run((index, outcome))/>
        })}
    }
}

/// "Deprecate 3 images?": the rows, what happens to each, one reason for all; then each row in
/// turn, with the progress shown.
#[component]
fn BulkDialog(
    action: BulkAction,
    rows: Vec<BulkRow>,
    noun: (&'static str, &'static str),
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_finished: Callback<BulkOutcome>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let progress = RwSignal::new(None::<usize>);
    let how_many = count(rows.len() as u64, noun.0, noun.1);
    let title = format!("{} {how_many}?", action.label);
    let confirm = format!("{} {how_many}", action.label);
    let reason_id = unique_id("bulk-reason");
    let total = rows.len();
    let shown: Vec<String> = rows.iter().take(MAX_NAMES_SHOWN).map(|r| r.name.clone()).collect();
    let more = total.saturating_sub(MAX_NAMES_SHOWN);
    let asks_reason = action.reason.clone();
    let action = StoredValue::new(action);
    let rows = StoredValue::new(rows);
    // The run, given the reason: one row after the other, each with its own request,
    // authorization and audit entry, so the database sees one writer at a time.
    let run = Action::new_local(move |why: &Option<String>| {
        let (why, apply, rows) = (why.clone(), action.with_value(|a| a.apply.clone()), rows.get_value());
        async move {
            let mut outcome = BulkOutcome::default();
            for (index, row) in rows.into_iter().enumerate() {
                progress.try_set(Some(index));
                match apply(row.key.clone(), why.clone()).await {
                    Ok(()) => outcome.done.push(row),
                    Err(failure) => {
                        let text = refusal_text(&failure);
                        outcome.refused.push((row, text));
                    }
                }
            }
            outcome
        }
    });
    Effect::new(move |_| {
        if let Some(outcome) = run.value().get() {
            untrack(|| on_finished.run(outcome));
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if progress.get_untracked().is_some() {
            return;
        }
        let action = action.get_value();
        let text = reason.get_untracked();
        if let Some((_, rule)) = &action.reason {
            let findings = rule(&text);
            if !findings.is_empty() {
                let sentence = findings.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" ");
                error.set(Some(unprocessable(&sentence, findings)));
                return;
            }
        }
        let why = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        error.set(None);
        progress.set(Some(0));
        run.dispatch_local(why);
    };
    // Closing mid-run would hide the outcome; the run is short, so the dialog waits for it.
    let close = Callback::new(move |()| {
        if progress.get_untracked().is_none() {
            on_close.run(());
        }
    });
    let danger = action.with_value(|a| a.danger);
    let running_word = action.with_value(|a| a.label.clone());
    view! {
        <Modal title on_close=close>
            <form class="form" on:submit=submit novalidate>
                <ErrorAlert error/>
                <ul class="bulk-targets" aria-label="Selected">
                    {shown.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}
                    {(more > 0).then(|| view! { <li class="muted">{format!("and {more} more")}</li> })}
                </ul>
                <p class="consequence">{action.with_value(|a| a.consequence.clone())}</p>
                {asks_reason.map(|(required, _)| {
                    let reason_id = reason_id.clone();
                    view! {
                        <label for=reason_id.clone()>{if required { "Reason (required)" } else { "Reason (optional)" }}</label>
                        <textarea id=reason_id.clone() rows="3" required=required bind:value=reason
                            aria-invalid=move || error.read().is_some().then_some("true")
                            aria-describedby=format!("{reason_id}-help")></textarea>
                        <span class="muted" id=format!("{reason_id}-help")>
                            {format!("Recorded with each of the {}, in its history and the audit log.", count(total as u64, noun.0, noun.1))}
                        </span>
                    }
                })}
                <p class="muted" role="status">{move || progress.get().map(|done| format!("{running_word}: {} of {total}…", done + 1))}</p>
                <div class="modal-actions">
                    <button type="submit" class=if danger { "button-danger" } else { "button" } disabled=move || progress.get().is_some()>
                        {confirm}
                    </button>
                    <button type="button" class="button-quiet" disabled=move || progress.get().is_some() on:click=move |_| close.run(())>"Cancel"</button>
                </div>
            </form>
        </Modal>
    }
}

/// The dialog names this many rows, then "and N more".
const MAX_NAMES_SHOWN: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::api::Problem;

    fn rows(keys: &[&str]) -> Vec<BulkRow> {
        keys.iter().map(|k| BulkRow::new(*k, k.to_uppercase())).collect()
    }

    fn keys(list: &[&str]) -> HashSet<String> {
        list.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn the_header_box_is_empty_partial_or_full() {
        let page = rows(&["a", "b", "c"]);
        assert_eq!(header_state(&page, &keys(&[])), HeaderState::None);
        assert_eq!(header_state(&page, &keys(&["b"])), HeaderState::Some);
        assert_eq!(header_state(&page, &keys(&["a", "b", "c"])), HeaderState::All);
        assert_eq!(header_state(&page, &keys(&["gone"])), HeaderState::None, "keys off the page count for nothing");
        assert_eq!(header_state(&[], &keys(&[])), HeaderState::None, "an empty page is not all selected");
    }

    #[test]
    fn the_summary_counts_what_was_done_and_what_was_refused() {
        let mut outcome = BulkOutcome { done: rows(&["a", "b"]), refused: Vec::new() };
        assert_eq!(outcome.headline("deprecated"), "2 deprecated.");
        outcome.refused.push((BulkRow::new("c", "C"), "No.".into()));
        assert_eq!(outcome.headline("deprecated"), "2 deprecated; 1 refused:");
    }

    #[test]
    fn a_refusal_keeps_the_servers_sentence_and_its_findings() {
        let conflict = ApiError::Conflict(Problem::new(409, "The platform sets it to DISABLED."));
        assert_eq!(refusal_text(&conflict), "The platform sets it to DISABLED.");
        let mut problem = Problem::new(422, "Fix the reason.");
        problem.errors = vec![Finding::field_error("reason.too_long", "reason", "A reason is at most 500 characters.")];
        assert_eq!(refusal_text(&ApiError::Invalid(problem)), "Fix the reason. A reason is at most 500 characters.");
    }
}
