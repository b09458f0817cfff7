//! The catalog's first paint. While the code loads, index.html's inline script shows the front page
//! as this browser last drew it (kept in localStorage), when the key the server puts in the page
//! (`wavehub-first-paint`, crates/server/src/http/web_app.rs) says nothing on it has changed since:
//! the same user, catalog, tags and build. The app draws its own page underneath, hidden, and then
//! [`drawn`] hands over: the script removes its copy and keeps the new drawing for the next visit.

const STORE: &str = "wavehub-first-paint";

/// Tells the first paint that the app has drawn its page (the list, an error or the sign-in prompt).
pub fn drawn() {
    if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new("wavehub:drawn")) {
        let _ = window.dispatch_event(&event);
    }
}

/// Forgets the kept drawing (signing out): nobody else sees this user's catalog, even for a moment.
pub fn forget() {
    if let Some(storage) = web_sys::window().and_then(|window| window.local_storage().ok().flatten()) {
        let _ = storage.remove_item(STORE);
    }
}
