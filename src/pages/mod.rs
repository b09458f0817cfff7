pub mod admin;
pub mod coming_soon;
pub mod login;
pub mod not_found;
