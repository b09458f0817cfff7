//! What the web app's pages are made of, beside the pages: the list, form and dialog kits,
//! formatting, the frame (top bar, sign-in guard, title) and the widgets more than one page shows.

pub mod app_view;
pub mod bulk;
pub mod clipboard;
pub mod dialog;
pub mod form;
pub mod format;
pub mod layout;
pub mod list;
pub mod messages;
pub mod reason;
pub mod tags;
pub mod title;
