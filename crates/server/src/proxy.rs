//! The apps origin: serves every running instance under `/instances/<id>/` through an
//! authenticating reverse proxy (docs/instances.md, "The proxy").

use crate::state::AppState;
use axum::Router;

/// The apps origin's whole router.
pub fn router(state: AppState) -> Router {
    Router::new().with_state(state)
}
