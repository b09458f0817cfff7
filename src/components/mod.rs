pub mod layout;
pub mod messages;
