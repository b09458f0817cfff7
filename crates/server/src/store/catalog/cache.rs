//! The catalog's cache of counts and filter counts, and how a write keeps it right.

use super::shared_rows::{SharedHead, SharedRows};
use super::{is_shared_catalog, CatalogTotals, Filters, Viewer, FACET_LIMIT};
use crate::db::{AsConn, Db, Tx};
use crate::{on_conn, on_db};
use std::collections::{BTreeMap, HashMap};
use wavehub_core::apps::{AppQuery, FacetCount, Visibility};

/// The count and filter counts of recent catalog queries. They cost a pass over every matching
/// app (about 0.5 s at 100,000 apps), while the page itself is an index range; paging, sorting and
/// everyone loading the front page reuse them.
///
/// The invalidation rule: a write to apps says which app name it changed ([`AppChange`]: the rows of
/// that name, with their tags, before and after the write, read inside its transaction). For each
/// entry, every one of those rows that the entry's query counts before or after is looked at:
/// - without a search, the entry's total and facet counts are updated by the difference (exact:
///   the same rules as the SQL, in [`counts`]); when a facet list was cut at [`FACET_LIMIT`] and the
///   change moves one of its values, the entry is dropped instead (a value below the cut could rise);
/// - with a search, whose full-text match is the database's to decide, the entry is dropped when a changed
///   row might match it (every word of the search is in the row's text); rows that cannot match
///   leave it alone.
///
/// Entries no changed row touches stay, so a write to one app does not make every reader recount.
///
/// The ids of searches' pages are kept too (ranking every match of a short prefix is the slow part
/// of a search), by the search rule above; and since the text rank weighs every app's words, an
/// import or a delete drops every search's pages.
///
/// The update happens under the cache's lock taken before the commit ([`CatalogCache::commit`]),
/// so no reader is given counts from before a committed write; counts computed by a reader that
/// started before a write are not stored (`generation`).
///
/// Several servers may share one database, each with a cache of its own. Every write the cache
/// follows bumps the database's change counter (`catalog_version`) in its transaction, and each
/// catalog read first compares it with the count this cache has followed ([`CatalogCache::follow`]):
/// - a write of this server's own that comes right after the count it knows is applied in place,
///   as above;
/// - any other move of the counter empties the cache: another server's write, or a write that
///   changes more than one name (deleting a tag, users: [`bump_version`]), whose rows before it
///   this cache does not have.
#[derive(Default)]
pub struct CatalogCache {
    inner: tokio::sync::RwLock<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    /// Bumped by every change, so an answer computed before a change is never stored after it.
    generation: u64,
    /// The database's change counter as far as this cache has followed it.
    version: i64,
    entries: HashMap<String, Entry>,
    /// The ids of searches' pages, by query with paging and order.
    pages: HashMap<String, Page>,
    /// The shared catalog's rows, once loaded ([`SharedRows`]); a write to one name updates them,
    /// a wider one drops them until they are loaded again.
    shared: Option<SharedRows>,
}

/// A search's page: its ids, in order.
struct Page {
    query: AppQuery,
    viewer: Option<Viewer>,
    ids: Vec<i64>,
}

struct Entry {
    /// The query's filters (paging and order left out) and, unless it is the shared catalog, who asked.
    query: AppQuery,
    viewer: Option<Viewer>,
    totals: CatalogTotals,
}

/// One row of `apps` with what decides whether a catalog query counts it, and where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppFacts {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub version_key: String,
    pub visibility: Visibility,
    pub owner_id: Option<i64>,
    pub latest_shared: bool,
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// Name, title, description and keywords, lowercased: what a search looks in.
    pub text: String,
}

/// The rows of one app name before a write, waiting for the rows after it ([`CatalogCache::commit`]).
pub(crate) struct AppChange {
    pub before: Vec<AppFacts>,
    pub after: Vec<AppFacts>,
}

impl CatalogCache {
    /// Entries kept at most; past it the cache starts over.
    const CAPACITY: usize = 1000;

    pub(super) async fn lookup(&self, key: &str) -> (u64, Option<CatalogTotals>) {
        let inner = self.inner.read().await;
        (inner.generation, inner.entries.get(key).map(|entry| entry.totals.clone()))
    }

    pub(super) async fn store(&self, generation: u64, key: String, query: AppQuery, viewer: Option<Viewer>, totals: CatalogTotals) {
        let mut inner = self.inner.write().await;
        if inner.generation == generation {
            if inner.entries.len() >= Self::CAPACITY {
                inner.entries.clear();
            }
            inner.entries.insert(key, Entry { query, viewer, totals });
        }
    }

    pub(super) async fn lookup_page(&self, key: &str) -> (u64, Option<Vec<i64>>) {
        let inner = self.inner.read().await;
        (inner.generation, inner.pages.get(key).map(|page| page.ids.clone()))
    }

    pub(super) async fn store_page(&self, generation: u64, key: String, query: AppQuery, viewer: Option<Viewer>, ids: Vec<i64>) {
        let mut inner = self.inner.write().await;
        if inner.generation == generation {
            if inner.pages.len() >= Self::CAPACITY {
                inner.pages.clear();
            }
            inner.pages.insert(key, Page { query, viewer, ids });
        }
    }

    /// A shared-catalog search's counts from the held shared rows, `None` until they are loaded.
    pub(super) async fn shared_totals(&self, matches: &[i64], query: &AppQuery) -> Option<CatalogTotals> {
        self.inner.read().await.shared.as_ref().map(|shared| shared.totals(matches, query))
    }

    /// A shared-catalog search's head from the held shared rows, `None` until they are loaded.
    pub(super) async fn shared_head(&self, text: &str, query: &AppQuery) -> Option<SharedHead> {
        self.inner.read().await.shared.as_ref().map(|shared| shared.head(text, query))
    }

    /// Whether the shared catalog's rows are held.
    pub(super) async fn holds_shared_rows(&self) -> bool {
        self.inner.read().await.shared.is_some()
    }

    /// Holds the shared catalog's rows, read at `generation` (not when a write came since).
    pub(super) async fn store_shared(&self, generation: u64, shared: SharedRows) {
        let mut inner = self.inner.write().await;
        if inner.generation == generation {
            inner.shared = Some(shared);
        }
    }

    /// The generation now: read it before reading rows to store.
    pub(crate) async fn generation(&self) -> u64 {
        self.inner.read().await.generation
    }

    /// How many queries' counts are held.
    pub async fn held(&self) -> usize {
        self.inner.read().await.entries.len()
    }

    /// Forgets every entry (the tests' recount).
    pub async fn invalidate(&self) {
        self.inner.write().await.clear();
    }

    /// Catches up with the writes committed since this cache last looked, before a read answers
    /// from it: when the database's change counter has moved past the count this cache followed,
    /// every entry goes.
    pub(crate) async fn follow(&self, db: &Db) -> Result<(), sqlx::Error> {
        let version: i64 = on_db!(db, |pool| sqlx::query_scalar("SELECT version FROM catalog_version").fetch_one(pool).await)?;
        if version > self.inner.read().await.version {
            let mut inner = self.inner.write().await;
            if version > inner.version {
                inner.clear();
                inner.version = version;
            }
        }
        Ok(())
    }

    /// Commits `tx` and brings the cache in step with `change`, holding the cache's lock across
    /// both so that no reader sees the cache of before the commit after it. The change is applied
    /// in place when it is the next one after the count this cache has followed; otherwise another
    /// server wrote in between, and the cache starts over.
    pub(crate) async fn commit(&self, mut tx: Tx, change: &AppChange) -> Result<(), sqlx::Error> {
        let version = bump_version(&mut tx).await?;
        let mut inner = self.inner.write().await;
        inner.generation += 1;
        tx.commit().await?;
        if version == inner.version + 1 {
            inner.apply(change);
        } else {
            inner.clear();
        }
        inner.version = version;
        Ok(())
    }
}

/// Bumps the database's change counter in `tx`, and returns the new count. A write that moves
/// the catalog but is not one name's change (deleting a tag, creating, changing or deleting users)
/// calls it alone: every server's cache then starts over at its next read, this one's too. (The
/// database's writer lock, or the counter row's, orders the counts as the commits.)
pub(crate) async fn bump_version(conn: &mut impl AsConn) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar("UPDATE catalog_version SET version = version + 1 RETURNING version").fetch_one(c).await)
}

impl CacheInner {
    /// Forgets every entry; answers computed before are not stored after.
    fn clear(&mut self) {
        self.generation += 1;
        self.entries.clear();
        self.pages.clear();
        self.shared = None;
    }

    fn apply(&mut self, change: &AppChange) {
        if let Some(shared) = &mut self.shared {
            let shared_now = change.after.iter().filter(|row| row.latest_shared);
            let rows = shared_now.map(|row| (row.id, row.name.clone(), row.title.clone(), row.category.clone(), row.tags.clone()));
            shared.apply(change.before.iter().map(|row| row.id), rows);
        }
        self.entries.retain(|_, entry| entry.update(change));
        // A search's order is by text rank, which weighs every app's words: an import or a delete
        // moves all of them. Otherwise a page goes when a changed row might be on it.
        let ids = |rows: &[AppFacts]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
        if ids(&change.before) != ids(&change.after) {
            self.pages.clear();
        }
        self.pages.retain(|_, page| !search_touched(&page.query, page.viewer, change));
    }
}

impl Entry {
    /// Updates the counts for `change`; false when the entry must go instead.
    fn update(&mut self, change: &AppChange) -> bool {
        let (query, viewer) = (&self.query, self.viewer);
        if query.q.as_deref().and_then(super::fts_query).is_some() {
            return !search_touched(query, viewer, change);
        }
        let (before, after) = (places(query, viewer, &change.before), places(query, viewer, &change.after));
        let mut total: i64 = 0;
        let mut categories: BTreeMap<&str, i64> = BTreeMap::new();
        let mut tags: BTreeMap<&str, i64> = BTreeMap::new();
        for (places, sign) in [(&before, -1), (&after, 1)] {
            for ([all, but_category, but_tag], row) in places.values() {
                if *all {
                    total += sign;
                }
                if let Some(category) = row.category.as_deref().filter(|_| *but_category) {
                    *categories.entry(category).or_default() += sign;
                }
                for tag in row.tags.iter().filter(|_| *but_tag) {
                    *tags.entry(tag).or_default() += sign;
                }
            }
        }
        let Some(new_total) = self.totals.total.checked_add_signed(total) else { return false };
        let chosen_category = query.category.as_deref().filter(|c| !c.is_empty());
        let chosen_tag = query.tag.as_deref().filter(|t| !t.is_empty());
        let Some(new_categories) = updated_facet(&self.totals.categories, &categories, chosen_category) else { return false };
        let Some(new_tags) = updated_facet(&self.totals.tags, &tags, chosen_tag) else { return false };
        self.totals = CatalogTotals { total: new_total, categories: new_categories, tags: new_tags };
        true
    }
}

/// Whether `change` might change what a query with a search finds. Whether the search finds a row
/// is the database's to say: any row that counts differently now and might match the search says yes.
fn search_touched(query: &AppQuery, viewer: Option<Viewer>, change: &AppChange) -> bool {
    let (before, after) = (places(query, viewer, &change.before), places(query, viewer, &change.after));
    let words = search_words(query.q.as_deref().unwrap_or_default());
    let changed = before.keys().chain(after.keys()).filter(|id| before.get(id) != after.get(id));
    let mut touched = changed.flat_map(|id| [before.get(id), after.get(id)]).flatten();
    touched.any(|(_, row)| might_match(&words, &row.text))
}

/// Where each of `rows` (all the rows of one name) counts, by id: in the total, in the category
/// facet, in the tag facet; rows that count nowhere are left out.
fn places<'a>(query: &AppQuery, viewer: Option<Viewer>, rows: &'a [AppFacts]) -> HashMap<i64, ([bool; 3], &'a AppFacts)> {
    rows.iter()
        .map(|row| {
            let counted = |filters| counts(query, viewer, rows, row, filters);
            (row.id, ([counted(Filters::All), counted(Filters::AllButCategory), counted(Filters::AllButTag)], row))
        })
        .filter(|(_, (places, _))| places.iter().any(|p| *p))
        .collect()
}

/// A facet list after adding `deltas`, in the order the SQL gives it (most apps first, then by
/// value; the chosen value last with 0 when no app has it). `None` when it cannot be known without
/// counting again: the list was cut at [`FACET_LIMIT`] and the change moves one of its values.
fn updated_facet(old: &[FacetCount], deltas: &BTreeMap<&str, i64>, chosen: Option<&str>) -> Option<Vec<FacetCount>> {
    if deltas.values().all(|d| *d == 0) {
        return Some(old.to_vec());
    }
    let mut counts: BTreeMap<String, i64> =
        old.iter().filter(|f| f.count > 0).map(|f| (f.value.clone(), f.count as i64)).collect();
    if counts.len() >= FACET_LIMIT as usize {
        return None;
    }
    for (value, delta) in deltas {
        *counts.entry((*value).to_owned()).or_default() += delta;
    }
    if counts.values().any(|c| *c < 0) {
        return None;
    }
    Some(facet_list(counts.into_iter().map(|(value, count)| (value, count as u64)), chosen))
}

/// A filter's list as the SQL gives it: values some app has, most apps first, then by value, cut
/// at [`FACET_LIMIT`], the chosen value last with 0 when no app has it.
pub(super) fn facet_list(counts: impl IntoIterator<Item = (String, u64)>, chosen: Option<&str>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = counts.into_iter().filter(|(_, count)| *count > 0).map(|(value, count)| FacetCount { value, count }).collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list.truncate(FACET_LIMIT as usize);
    super::with_chosen(list, chosen)
}

/// Whether the catalog query counts `row` (one of `rows`, all the rows of its name) with `filters`:
/// the rules of `push_from_where`, the search aside.
fn counts(query: &AppQuery, viewer: Option<Viewer>, rows: &[AppFacts], row: &AppFacts, filters: Filters) -> bool {
    let in_scope = |r: &AppFacts| match viewer {
        None => true,
        Some(viewer) => {
            (viewer.is_admin || r.visibility == Visibility::AllUsers || r.owner_id == Some(viewer.user_id))
                && query.visibility.is_none_or(|v| r.visibility == v)
                && (query.owner.as_deref() != Some("me") || r.owner_id == Some(viewer.user_id))
        }
    };
    let listed = if is_shared_catalog(query) {
        row.latest_shared
    } else {
        let newest = || rows.iter().filter(|r| r.name == row.name && in_scope(r)).map(|r| r.version_key.as_str()).max();
        in_scope(row) && (!query.latest || newest() == Some(row.version_key.as_str()))
    };
    listed
        && query.name.as_deref().filter(|n| !n.is_empty()).is_none_or(|n| row.name == n)
        && (filters == Filters::AllButCategory
            || query.category.as_deref().filter(|c| !c.is_empty()).is_none_or(|c| row.category.as_deref() == Some(c)))
        && (filters == Filters::AllButTag || query.tag.as_deref().filter(|t| !t.is_empty()).is_none_or(|t| row.tags.iter().any(|x| x == t)))
}

/// The search's words as the full-text index splits them: runs of letters and digits, lowercased.
fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// False only when the full-text search cannot find `text`: some word of it is nowhere in the text
/// (each word of a match is in it, as a word or the start of one). Text or words beyond ASCII
/// might match whatever (the index folds case and accents its own way).
fn might_match(words: &[String], text: &str) -> bool {
    !text.is_ascii() || words.iter().all(|w| !w.is_ascii() || text.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: i64, name: &str, version_key: &str, visibility: Visibility, latest_shared: bool, category: &str, tags: &[&str]) -> AppFacts {
        AppFacts {
            id,
            name: name.into(),
            title: format!("{name} title"),
            version_key: version_key.into(),
            visibility,
            owner_id: Some(7),
            latest_shared,
            category: Some(category.into()),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            text: format!("{name} sales forecast"),
        }
    }

    fn facet(pairs: &[(&str, u64)]) -> Vec<FacetCount> {
        pairs.iter().map(|(value, count)| FacetCount { value: (*value).into(), count: *count }).collect()
    }

    fn shared_query() -> AppQuery {
        AppQuery { latest: true, visibility: Some(Visibility::AllUsers), ..AppQuery::default() }
    }

    fn entry(query: AppQuery, viewer: Option<Viewer>) -> Entry {
        let totals = CatalogTotals { total: 10, categories: facet(&[("Finance", 6), ("Retail", 4)]), tags: facet(&[("A", 3), ("B", 1)]) };
        Entry { query, viewer, totals }
    }

    #[test]
    fn retiring_a_shared_version_updates_the_counts_in_place() {
        let before = vec![facts(1, "x", "1", Visibility::AllUsers, true, "Retail", &["B"])];
        let after = vec![facts(1, "x", "1", Visibility::Private, false, "Retail", &["B"])];
        let mut shared = entry(shared_query(), None);
        assert!(shared.update(&AppChange { before: before.clone(), after: after.clone() }));
        assert_eq!(shared.totals.total, 9);
        assert_eq!(shared.totals.categories, facet(&[("Finance", 6), ("Retail", 3)]));
        assert_eq!(shared.totals.tags, facet(&[("A", 3)]), "a value no app has any more goes");
        // And back: the tag returns, in its place.
        assert!(shared.update(&AppChange { before: after, after: before }));
        assert_eq!(shared.totals.total, 10);
        assert_eq!(shared.totals.tags, facet(&[("A", 3), ("B", 1)]));
    }

    #[test]
    fn a_chosen_facet_value_stays_with_zero_and_other_filters_are_kept() {
        let before = vec![facts(1, "x", "1", Visibility::AllUsers, true, "Retail", &["B"])];
        let after = vec![facts(1, "x", "1", Visibility::Private, false, "Retail", &["B"])];
        let mut tagged = entry(AppQuery { tag: Some("B".into()), ..shared_query() }, None);
        tagged.totals = CatalogTotals { total: 1, categories: facet(&[("Retail", 1)]), tags: facet(&[("A", 3), ("B", 1)]) };
        assert!(tagged.update(&AppChange { before, after }));
        assert_eq!(tagged.totals.total, 0);
        assert_eq!(tagged.totals.categories, facet(&[]));
        assert_eq!(tagged.totals.tags, facet(&[("A", 3), ("B", 0)]));
    }

    #[test]
    fn rows_a_query_does_not_count_leave_it_alone() {
        let before = vec![facts(1, "x", "1", Visibility::AllUsers, true, "Retail", &["B"])];
        let after = vec![facts(1, "x", "1", Visibility::Private, false, "Retail", &["B"])];
        let change = AppChange { before, after };
        let mut other_name = entry(AppQuery { name: Some("y".into()), ..AppQuery::default() }, Some(Viewer { user_id: 1, is_admin: false }));
        assert!(other_name.update(&change));
        assert_eq!(other_name.totals.total, 10);
        let mut search = entry(AppQuery { q: Some("churn".into()), ..shared_query() }, None);
        assert!(search.update(&change), "the row has no word starting with churn");
        let mut matching = entry(AppQuery { q: Some("forec".into()), ..shared_query() }, None);
        assert!(!matching.update(&change), "a row the search may find changed");
    }

    #[test]
    fn latest_is_the_newest_version_the_viewer_sees_in_scope() {
        // A stranger sees only the shared 1.0; the owner sees the private 2.0 as the newest.
        let rows = vec![facts(1, "x", "1", Visibility::AllUsers, true, "Retail", &[]), facts(2, "x", "2", Visibility::Private, false, "Retail", &[])];
        let latest = AppQuery { latest: true, ..AppQuery::default() };
        let stranger = Some(Viewer { user_id: 1, is_admin: false });
        let owner = Some(Viewer { user_id: 7, is_admin: false });
        assert!(counts(&latest, stranger, &rows, &rows[0], Filters::All));
        assert!(!counts(&latest, owner, &rows, &rows[0], Filters::All));
        assert!(counts(&latest, owner, &rows, &rows[1], Filters::All));
        assert!(!counts(&latest, stranger, &rows, &rows[1], Filters::All));
    }

    #[test]
    fn a_cut_facet_list_is_counted_again() {
        let full: Vec<FacetCount> = (0..FACET_LIMIT).map(|n| FacetCount { value: format!("v{n:02}"), count: 100 - n as u64 }).collect();
        let deltas = BTreeMap::from([("v10", -1)]);
        assert_eq!(updated_facet(&full, &deltas, None), None);
        assert_eq!(updated_facet(&full, &BTreeMap::new(), None), Some(full.clone()));
    }

    #[test]
    fn a_search_might_match_only_text_holding_its_words() {
        let words = search_words("Sales ai.bench");
        assert_eq!(words, ["sales", "ai", "bench"]);
        assert!(might_match(&words, "ai.bench.app-1 weekly sales"));
        assert!(!might_match(&words, "ai.other.app-1 weekly sales"));
        assert!(might_match(&words, "ai.other.app-1 écoute"), "beyond ASCII anything might match");
    }
}
