//! The pager under every long list: "Previous", "Page n of m", "Next". Each page is a link, so
//! every page of a list has its own address.

use leptos::prelude::*;
use leptos_router::components::A;

/// Nothing when everything fits on one page.
#[component]
pub fn Pager(
    /// The page shown, from 1.
    page: u32,
    /// How many items the list has in all, and how many a page holds.
    total: u64,
    page_size: u32,
    /// Names the navigation for screen readers, e.g. "Pages of apps".
    label: &'static str,
    /// The address of page `n`.
    href: impl Fn(u32) -> String + 'static,
    /// The links' words where "Previous" and "Next" do not fit (the audit log's "Newer", "Older").
    #[prop(default = ("Previous", "Next"))]
    words: (&'static str, &'static str),
) -> impl IntoView {
    let pages = page_count(total, page_size);
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label=label>
                {(page > 1).then(|| view! { <A href=href(page - 1)>{words.0}</A> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <A href=href(page + 1)>{words.1}</A> })}
            </nav>
        }
    })
}

/// The number of pages `total` items fill, at least 1.
pub fn page_count(total: u64, page_size: u32) -> u32 {
    u32::try_from(total.div_ceil(u64::from(page_size.max(1))).max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_empty_or_partial_list_is_one_page() {
        assert_eq!(super::page_count(0, 24), 1);
        assert_eq!(super::page_count(24, 24), 1);
        assert_eq!(super::page_count(25, 24), 2);
        assert_eq!(super::page_count(5, 0), 5, "a zero page size counts as one per page");
    }
}
