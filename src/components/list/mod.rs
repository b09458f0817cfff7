//! The list kit, one of each for every long list: the [`DataTable`], the [`Pager`], the debounced
//! [`SearchBox`], and the list's view kept in its page URL ([`UrlView`]), so every view of a list is
//! a link.

mod pager;
mod search_box;
mod table;
mod url_view;

pub use pager::{page_count, Pager};
pub use search_box::SearchBox;
pub use table::{Column, DataTable};
pub use url_view::{page_param, use_go_to, use_url_view, UrlView};

#[cfg(test)]
pub use url_view::pairs;
