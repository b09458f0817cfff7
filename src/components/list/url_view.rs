//! A list's view (its filters, sort and page) kept in the page URL: read from the query with
//! [`use_url_view`], written back with [`use_go_to`], so a view is a link, Back undoes a filter,
//! and the list's resource follows the URL.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

/// What a list's page URL says.
pub trait UrlView: Clone + PartialEq + Send + Sync + 'static {
    /// The view the query's parameters name (`get("page")`, …): what is missing or wrong reads as
    /// the default.
    fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self;

    /// The page URL for this view, defaults left out.
    fn href(&self) -> String;

    /// The same view on page `page` (1 is the first).
    fn on_page(&self, page: u32) -> Self;

    /// The same view with a change, back on page 1: a new filter starts from the top.
    fn with(&self, change: impl FnOnce(&mut Self)) -> Self {
        let mut next = self.clone();
        change(&mut next);
        next.on_page(1)
    }
}

/// The view of the page URL, following it.
pub fn use_url_view<V: UrlView>() -> Memo<V> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| V::from_pairs(|key| q.get(key))))
}

/// Goes to a view's URL without scrolling; `replace` for typing, so Back leaves the search
/// instead of undoing letters.
pub fn use_go_to<V: UrlView>() -> impl Fn(V, bool) + Clone + 'static {
    let navigate = use_navigate();
    move |next: V, replace: bool| navigate(&next.href(), NavigateOptions { replace, scroll: false, ..Default::default() })
}

/// `page=`: the page number, 1 when it is missing, 0 or not a number.
pub fn page_param(value: Option<String>) -> u32 {
    value.and_then(|p| p.parse().ok()).filter(|p| *p > 0).unwrap_or(1)
}

/// A query string (`a=1&b=x`) as [`UrlView::from_pairs`] reads it, for tests.
#[cfg(test)]
pub fn pairs(query: &str) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> =
        query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_zero_or_bad_page_is_the_first() {
        assert_eq!(super::page_param(None), 1);
        assert_eq!(super::page_param(Some("0".into())), 1);
        assert_eq!(super::page_param(Some("x".into())), 1);
        assert_eq!(super::page_param(Some("3".into())), 3);
        assert_eq!(super::pairs("a=1&b=x")("b").as_deref(), Some("x"));
    }
}
