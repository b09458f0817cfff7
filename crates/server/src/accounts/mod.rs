//! Accounts: who is calling ([`auth::Caller`]), users and their roles ([`users`]), console
//! sessions ([`sessions`]), API tokens ([`tokens`]), and the throttle on password guessing. The
//! HTTP handlers are in [`routes`].

pub mod auth;
pub mod routes;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
