pub mod app_view;
pub mod bulk;
pub mod clipboard;
pub mod layout;
pub mod messages;
pub mod modal;
pub mod pager;
pub mod reason;
pub mod roles;
pub mod tags;
pub mod time;
pub mod title;

/// `1 image`, `3 images`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
