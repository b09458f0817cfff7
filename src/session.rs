//! Who is signed in, shared with every component through Leptos context.

use leptos::prelude::*;
use wavehub_core::accounts::Me;

/// The browser's view of the session. The server decides what is allowed; this only steers what
/// the page offers.
#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user, `None` when nobody is.
    pub me: RwSignal<Option<Me>>,
    /// False until the first `GET /me` has answered, so pages do not flash "sign in" at users
    /// who are signed in.
    pub checked: RwSignal<bool>,
}

impl Session {
    pub fn new(me: Option<Me>, checked: bool) -> Self {
        Session { me: RwSignal::new(me), checked: RwSignal::new(checked) }
    }

    /// Provides a session that is not known yet and asks the server who is signed in.
    pub fn provide_and_load() -> Self {
        let session = Session::new(None, false);
        provide_context(session);
        leptos::task::spawn_local(async move {
            // A failure to reach the server leaves the user signed out; the sign-in page then
            // shows the real error when they try.
            let me = crate::api::me().await.unwrap_or(None);
            session.me.set(me);
            session.checked.set(true);
        });
        session
    }
}

/// The session from context (provided by `App`).
pub fn use_session() -> Session {
    expect_context::<Session>()
}
