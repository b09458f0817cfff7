//! Accounts: who is calling ([`auth::Caller`]), users and their roles, sessions, API tokens, and
//! the throttle on password guessing. The HTTP handlers are in [`routes`].

pub mod auth;
pub mod routes;
pub mod throttle;
pub mod tokens;
pub mod users;
