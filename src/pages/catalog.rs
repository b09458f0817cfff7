//! `/`: the catalog. Every filter lives in the page URL (`?q=&category=&tag=&sort=&page=&mine=1`),
//! so a search is a link; the list reloads whenever the URL changes, and only the answer to the
//! newest URL is shown.

use crate::api;
use crate::components::app_view::AppCard;
use crate::components::layout::RequireSignIn;
use crate::components::list::{page_param, use_go_to, use_url_view, Pager, SearchBox, UrlView};
use crate::components::messages::ErrorAlert;
use crate::components::tags::{known_tags, TagName};
use crate::session::use_session;
use leptos::prelude::*;
use std::time::Duration;
use wavehub_core::apps::{AppQuery, AppSort, FacetCount, Visibility, CATALOG_PAGE_SIZE};

/// How long typing must pause before the search runs.
const SEARCH_PAUSE: Duration = Duration::from_millis(200);

/// What the page URL says: the filters a person chose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogView {
    pub q: String,
    pub category: String,
    pub tag: String,
    pub sort: Option<AppSort>,
    pub page: u32,
    /// "My apps": the caller's own apps, every version and visibility.
    pub mine: bool,
}

impl CatalogView {
    /// The API query: the shared catalog shows each name's newest ALL_USERS version; "My apps"
    /// shows all of the caller's versions.
    pub fn api_query(&self) -> AppQuery {
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        AppQuery {
            q: text(&self.q),
            category: text(&self.category),
            tag: text(&self.tag),
            owner: self.mine.then(|| "me".to_owned()),
            visibility: (!self.mine).then_some(Visibility::AllUsers),
            latest: !self.mine,
            sort: self.sort,
            page: Some(self.page),
            page_size: Some(CATALOG_PAGE_SIZE),
            name: None,
        }
    }
}

impl UrlView for CatalogView {
    fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        CatalogView {
            q: get("q").unwrap_or_default(),
            category: get("category").unwrap_or_default(),
            tag: get("tag").unwrap_or_default(),
            sort: get("sort").as_deref().and_then(AppSort::parse),
            page: page_param(get("page")),
            mine: get("mine").is_some_and(|m| m == "1"),
        }
    }

    fn href(&self) -> String {
        let mut pairs = Vec::new();
        for (key, value) in [("q", &self.q), ("category", &self.category), ("tag", &self.tag)] {
            if !value.is_empty() {
                pairs.push(format!("{key}={}", wavehub_core::apps::percent_encode(value)));
            }
        }
        if let Some(sort) = self.sort {
            pairs.push(format!("sort={}", sort.as_str()));
        }
        if self.mine {
            pairs.push("mine=1".into());
        }
        if self.page > 1 {
            pairs.push(format!("page={}", self.page));
        }
        if pairs.is_empty() {
            "/".into()
        } else {
            format!("/?{}", pairs.join("&"))
        }
    }

    fn on_page(&self, page: u32) -> Self {
        CatalogView { page, ..self.clone() }
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let view_state = use_url_view::<CatalogView>();
    // Asked for at once, beside the session check rather than after it: the catalog is the first
    // page most visits open, and one round trip less is its first card sooner. A visitor who is
    // not signed in gets the sign-in prompt; the list's 401 is not shown.
    let apps = LocalResource::new(move || {
        let api_query = view_state.get().api_query();
        async move { api::list_apps(&api_query).await }
    });
    // Asked for at once too (the chips' titles and colors); the first paint hands over once the
    // list is drawn in them, for a signed-in user (before, the page still says "Loading…").
    let tags = known_tags();
    let session = use_session();
    Effect::new(move |_| {
        let drawn = apps.with(|apps| matches!(apps, Some(Ok(_)))) && tags.with(Option::is_some) && session.me.with(Option::is_some);
        if drawn {
            request_animation_frame(crate::first_paint::drawn);
        }
    });
    view! {
        <RequireSignIn>
            <Catalog view_state apps/>
        </RequireSignIn>
    }
}

#[component]
fn Catalog(view_state: Memo<CatalogView>, apps: LocalResource<Result<wavehub_core::apps::AppListPage, api::ApiError>>) -> impl IntoView {
    let go = use_go_to::<CatalogView>();
    let go_search = go.clone();
    let on_search = move |text: String| go_search(view_state.get_untracked().with(|v| v.q = text), true);
    let go_sort = go.clone();
    let on_sort = move |event: leptos::ev::Event| {
        let sort = AppSort::parse(&event_target_value(&event));
        go_sort(view_state.get_untracked().with(|v| v.sort = sort), false);
    };

    view! {
        <section class="catalog">
            <div class="catalog-head">
                <h1>{move || if view_state.get().mine { "My apps" } else { "Catalog" }}</h1>
                <nav class="tabs" aria-label="Which apps">
                    // Plain links (the router still handles them): `A` would mark both current, as
                    // both point at `/`.
                    <a href=move || view_state.get().with(|v| v.mine = false).href() aria-current=move || (!view_state.get().mine).then_some("page")>"All apps"</a>
                    <a href=move || view_state.get().with(|v| v.mine = true).href() aria-current=move || view_state.get().mine.then_some("page")>"My apps"</a>
                </nav>
            </div>
            <div class="catalog-controls" role="search">
                <label class="search">
                    <span class="visually-hidden">"Search apps"</span>
                    <SearchBox placeholder="Search apps by name, title, description or keyword"
                        value=Signal::derive(move || view_state.get().q) on_search pause=SEARCH_PAUSE/>
                </label>
                <label class="sort">
                    "Sort "
                    <select on:change=on_sort prop:value=move || view_state.get().sort.unwrap_or_default().as_str()>
                        {AppSort::ALL.into_iter().map(|sort| view! { <option value=sort.as_str()>{sort.label()}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <Transition fallback=|| view! { <p class="muted" aria-busy="true">"Loading apps…"</p> }>
                {move || apps.get().map(|result| match result {
                    Err(error) => {
                        request_animation_frame(crate::first_paint::drawn);
                        view! { <ErrorAlert error=Signal::stored(Some(error))/> }.into_any()
                    }
                    Ok(page) => {
                        let current = view_state.get();
                        let count = match page.total { 0 => "No apps".to_owned(), 1 => "1 app".to_owned(), n => format!("{n} apps") };
                        let empty = page.items.is_empty();
                        view! {
                            <div class="catalog-layout">
                                <aside class="facets" aria-label="Filters">
                                  // Folded on a phone, so the first apps are in sight; open on wider screens.
                                  <details class="facets-fold" prop:open=wide_screen()>
                                    <summary>{filters_summary(&current)}</summary>
                                    <Facet title="Category" values=page.categories.clone() selected=current.category.clone()
                                        href={move |value: Option<String>| view_state.get_untracked().with(|v| v.category = value.unwrap_or_default()).href()}/>
                                    <Facet title="Tags" values=page.tags.clone() selected=current.tag.clone() tags=true
                                        href={move |value: Option<String>| view_state.get_untracked().with(|v| v.tag = value.unwrap_or_default()).href()}/>
                                  </details>
                                </aside>
                                <div class="catalog-results">
                                    <p class="muted" role="status" data-testid="result-count">{count}</p>
                                    {empty.then(|| view! {
                                        <p class="empty">{if current.mine {
                                            "You have not imported any apps yet. Upload one to see it here."
                                        } else {
                                            "No apps match. Clear a filter or search for other words."
                                        }}</p>
                                    })}
                                    <ul class="app-grid" aria-label="Apps">
                                        {page.items.into_iter().map(|app| {
                                            let icon = app.has_icon.then(|| api::app_icon_url(app.id));
                                            let href = format!("/apps/{}", app.id);
                                            view! { <li><AppCard app icon_src=icon href=Some(href)/></li> }
                                        }).collect_view()}
                                    </ul>
                                    <Pager page=current.page total=page.total page_size=page.page_size label="Pages of apps"
                                        href=move |n| current.on_page(n).href()/>
                                </div>
                            </div>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}

/// Whether the screen is wide enough to show the filters beside the apps (style/catalog.css's
/// breakpoint).
fn wide_screen() -> bool {
    web_sys::window()
        .and_then(|window| window.match_media("(min-width: 48rem)").ok().flatten())
        .is_none_or(|query| query.matches())
}

/// The folded filters' summary: what is chosen, so a phone shows it without opening them.
fn filters_summary(view: &CatalogView) -> String {
    let chosen: Vec<&str> = [view.category.as_str(), view.tag.as_str()].into_iter().filter(|value| !value.is_empty()).collect();
    if chosen.is_empty() { "Filters".to_owned() } else { format!("Filters: {}", chosen.join(", ")) }
}

/// One filter: "Any" and each value with its count; the chosen one is marked.
#[component]
fn Facet(
    title: &'static str,
    values: Vec<FacetCount>,
    selected: String,
    href: impl Fn(Option<String>) -> String + Send + Sync + 'static,
    /// The values are tag names: show each tag's title and color.
    #[prop(optional)]
    tags: bool,
) -> impl IntoView {
    let any_href = href(None);
    let any_current = selected.is_empty();
    view! {
        <section class="facet">
            <h2>{title}</h2>
            <ul aria-label=format!("Filter by {}", title.to_lowercase())>
                // Plain links (the router still handles them): `A` would mark every one the current
                // page, as all point at `/`.
                <li><a href=any_href aria-current=any_current.then_some("true")>"Any"</a></li>
                {values.into_iter().map(|facet| {
                    let current = facet.value == selected;
                    let link = href(Some(facet.value.clone()));
                    view! {
                        <li>
                            <a href=link aria-current=current.then_some("true")>
                                {if tags { view! { <TagName name=facet.value.clone()/> }.into_any() } else { facet.value.clone().into_any() }}
                                <span class="facet-count">{facet.count}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> CatalogView {
        CatalogView::from_pairs(crate::components::list::pairs(query))
    }

    #[test]
    fn the_url_round_trips_and_leaves_defaults_out() {
        assert_eq!(CatalogView::from_pairs(|_| None).href(), "/");
        let view = parse("q=churn&tag=NLP&sort=newest&page=3&mine=1");
        assert_eq!(view.href(), "/?q=churn&tag=NLP&sort=newest&mine=1&page=3");
        assert_eq!(parse("page=0&sort=bogus"), CatalogView { page: 1, ..CatalogView::default() });
    }

    #[test]
    fn a_new_filter_starts_at_page_one() {
        let view = parse("q=a&page=4");
        assert_eq!(view.with(|v| v.category = "NLP".into()).href(), "/?q=a&category=NLP");
    }

    #[test]
    fn the_shared_catalog_asks_for_newest_shared_versions_and_my_apps_for_all_mine() {
        let shared = parse("q= ").api_query();
        assert!(shared.latest);
        assert_eq!(shared.visibility, Some(Visibility::AllUsers));
        assert_eq!(shared.q, None, "blank searches are not sent");
        let mine = parse("mine=1").api_query();
        assert!(!mine.latest);
        assert_eq!(mine.owner.as_deref(), Some("me"));
        assert_eq!(mine.visibility, None);
    }

    #[test]
    fn the_catalog_opens_on_the_page_the_server_preloads() {
        assert_eq!(CatalogView::from_pairs(|_| None).api_query(), AppQuery::catalog_front_page());
    }
}
