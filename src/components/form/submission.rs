//! A form's mutation, the one way every form sends: a Leptos [`Action`] (its `pending`, `value`
//! and `version`) and the error the form shows, whether its own check refused or the server did.

use super::invalid;
use crate::api::ApiError;
use leptos::prelude::*;
use std::future::Future;
use wavehub_core::api::Finding;

/// `action` sends; `error` is what the form's alert and field findings show.
pub struct Submission<I: 'static, O: 'static> {
    pub action: Action<I, Result<O, ApiError>>,
    pub error: RwSignal<Option<ApiError>>,
}

impl<I, O> Clone for Submission<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for Submission<I, O> {}

impl<I, O> Submission<I, O>
where
    I: Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    /// `send` makes the request; `on_done` gets each answer that is not a refusal.
    pub fn new<Fut>(send: impl Fn(I) -> Fut + 'static, on_done: impl Fn(O) + 'static) -> Self
    where
        Fut: Future<Output = Result<O, ApiError>> + 'static,
    {
        let action = Action::new_local(move |input: &I| send(input.clone()));
        let error = RwSignal::new(None::<ApiError>);
        Effect::new(move |_| match action.value().get() {
            // Untracked: what `on_done` reads must not run it again.
            Some(Ok(answer)) => untrack(|| on_done(answer)),
            Some(Err(refused)) => error.set(Some(refused)),
            None => {}
        });
        Submission { action, error }
    }

    /// Sends `input` when the form's own check found nothing (`findings`, the server's rule run
    /// here first); the findings go to their fields otherwise. Nothing is sent while the last one
    /// is on its way, so a double click is one request.
    pub fn submit(&self, findings: Vec<Finding>, input: I) {
        if self.action.pending().get_untracked() {
            return;
        }
        if !findings.is_empty() {
            self.error.set(Some(invalid(findings)));
            return;
        }
        self.error.set(None);
        self.action.dispatch(input);
    }

    /// Whether a request is on its way (the submit button is disabled meanwhile).
    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }
}
