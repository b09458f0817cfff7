pub mod app_view;
pub mod clipboard;
pub mod layout;
pub mod messages;
pub mod pager;
pub mod tags;
pub mod time;
