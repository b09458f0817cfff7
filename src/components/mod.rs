pub mod app_view;
pub mod layout;
pub mod messages;
pub mod tags;
pub mod time;
