pub mod admin;
pub mod app_page;
pub mod catalog;
pub mod coming_soon;
pub mod login;
pub mod not_found;
pub mod runtime_images;
pub mod upload;
