//! Which of the web app's two pages serves a path.
//!
//! The web app is built twice from one crate so that browsing stays small: the **catalog** page
//! (`index.html`: the catalog, an app's page, signing in) is what a visitor downloads first; the
//! **console** page (`console.html`: uploading, rollout, instances, runtime images, the admin
//! screens, tokens) carries the bundle engine and every form, and loads when one of its paths is
//! first opened. The server picks the HTML by this rule, and each page's router hands a path that
//! belongs to the other page to the browser (a full navigation) by the same rule.

use crate::api::API_PREFIX;
use crate::apps::AppQuery;

/// One of the two HTML pages the web app is built into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebEntry {
    Catalog,
    Console,
}

impl WebEntry {
    /// The page that serves `path` (the URL's path, without query or fragment). Paths neither page
    /// knows go to the catalog page, the smaller one, which says they are not found.
    pub fn for_path(path: &str) -> Self {
        let segments: Vec<&str> = path.split('/').filter(|segment| !segment.is_empty()).collect();
        match segments.as_slice() {
            ["upload" | "instances" | "admin" | "account", ..] => WebEntry::Console,
            // `/apps/by-name/{name}/rollout` and `/history`; `/apps/{id}` is the catalog's.
            ["apps", "by-name", ..] => WebEntry::Console,
            _ => WebEntry::Catalog,
        }
    }

    /// The API requests the page at `path` (with its `query`, without `?`) sends first, in full:
    /// every page checks the session; the catalog asks for the tag list (its chips' titles and
    /// colors), and on its front page for its first page of apps, at once. The server tells the
    /// browser to fetch them beside the page's own files (`Link: rel=preload`), so they are there
    /// when the page's code starts and asks.
    pub fn first_requests(path: &str, query: &str) -> Vec<String> {
        let mut requests = vec![format!("{API_PREFIX}/me")];
        if path.trim_end_matches('/').is_empty() {
            requests.push(format!("{API_PREFIX}/tags"));
            if query.is_empty() {
                requests.push(format!("{API_PREFIX}/apps?{}", AppQuery::catalog_front_page().to_query_string()));
            }
        }
        requests
    }

    /// The built HTML file in `dist/`.
    pub fn html_file(self) -> &'static str {
        match self {
            WebEntry::Catalog => "index.html",
            WebEntry::Console => "console.html",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WebEntry::{self, Catalog, Console};

    #[test]
    fn browsing_stays_on_the_catalog_page_and_the_tools_load_the_console() {
        for (path, entry) in [
            ("/", Catalog),
            ("", Catalog),
            ("/login", Catalog),
            ("/apps/42", Catalog),
            ("/apps/42/", Catalog),
            ("/no/such/page", Catalog),
            ("/uploads", Catalog),
            ("/upload", Console),
            ("/upload/", Console),
            ("/instances", Console),
            ("/apps/by-name/sales-forecast/rollout", Console),
            ("/apps/by-name/sales-forecast/history", Console),
            ("/admin/runtime-images/default/abc", Console),
            ("/admin/audit", Console),
            ("/account/tokens", Console),
        ] {
            assert_eq!(WebEntry::for_path(path), entry, "{path}");
        }
        assert_eq!(Catalog.html_file(), "index.html");
        assert_eq!(
            WebEntry::first_requests("/", ""),
            ["/api/v1/me", "/api/v1/tags", "/api/v1/apps?visibility=ALL_USERS&latest=true&page=1&page_size=24"]
        );
        assert_eq!(WebEntry::first_requests("/", "q=churn"), ["/api/v1/me", "/api/v1/tags"], "a search's own page is asked for by the page");
        assert_eq!(WebEntry::first_requests("/apps/42", ""), ["/api/v1/me"]);
        assert_eq!(Console.html_file(), "console.html");
    }
}
