//! The shared catalog's rows as the catalog cache holds them, for the first answer to each typed
//! prefix (see [`SharedRows`]).

use super::cache::facet_list;
use super::CatalogTotals;
use std::collections::HashMap;
use wavehub_core::apps::AppQuery;

/// The shared catalog's rows (each name's newest ALL_USERS version, `latest_shared`) with what a
/// search of it needs besides the text index. Everyone types into the shared catalog, so the first
/// answer to each typed prefix comes from these rather than from joining app rows:
/// - its counts: the database's list of the matching ids (the text index alone), walked against each
///   row's category and tags;
/// - its head (the names and titles that start with the search, see `ranked_ids`): found here, so
///   the database only ranks them.
///
/// A one-letter prefix matches most of the catalog (70,000 ids at 100,000 apps), so the rows are
/// kept for a walk in id order beside the ids the text index gives in that order: one `Vec` sorted
/// by id, categories and tags as numbers, counted in arrays. (Kept in a `HashMap` with strings, the
/// count spent about 40 ms of a first answer waiting for memory.)
#[derive(Default)]
pub(super) struct SharedRows {
    /// Sorted by id.
    rows: Vec<SharedRow>,
    /// Every category and tag value the rows have had, each once; rows name them by index.
    values: Vec<String>,
    value_index: HashMap<String, u32>,
}

/// One row of the shared catalog, as [`SharedRows`] holds it.
struct SharedRow {
    id: i64,
    /// The name and title with ASCII letters lowercased: what the SQL's `lower()` compares.
    name_key: Box<str>,
    title_key: Box<str>,
    /// Indexes into [`SharedRows::values`]; the tags sorted by value, each once.
    category: Option<u32>,
    tags: Box<[u32]>,
}

/// A row of the shared catalog as it is read: id, name, title, category and tags.
pub(super) type SharedRowText = (i64, String, String, Option<String>, Vec<String>);

/// The head of a shared-catalog search (see `ranked_ids`), from the held rows.
#[derive(Debug, Default)]
pub(super) struct SharedHead {
    /// The rows whose name is the search.
    pub exact: Vec<i64>,
    /// Every row of the head, the exact ones included.
    pub all: Vec<i64>,
}

/// A query's chosen category and tag as value indexes: `None` for no choice, `Some(None)` for a
/// value no row has (so no row is in it).
struct Chosen {
    category: Option<Option<u32>>,
    tag: Option<Option<u32>>,
}

impl SharedRows {
    pub(super) fn new(rows: impl IntoIterator<Item = SharedRowText>) -> Self {
        let mut shared = SharedRows::default();
        for row in rows {
            let row = shared.row(row);
            shared.rows.push(row);
        }
        shared.rows.sort_unstable_by_key(|row| row.id);
        shared
    }

    /// The row as held, its category and tags numbered.
    fn row(&mut self, (id, name, title, category, mut tags): SharedRowText) -> SharedRow {
        tags.sort();
        tags.dedup();
        let category = category.map(|value| self.value(value));
        let tags = tags.into_iter().map(|value| self.value(value)).collect();
        SharedRow { id, name_key: name.to_ascii_lowercase().into(), title_key: title.to_ascii_lowercase().into(), category, tags }
    }

    /// The index of `value`, numbered now if it is new.
    fn value(&mut self, value: String) -> u32 {
        if let Some(index) = self.value_index.get(&value) {
            return *index;
        }
        let index = self.values.len() as u32;
        self.values.push(value.clone());
        self.value_index.insert(value, index);
        index
    }

    fn chosen(&self, query: &AppQuery) -> Chosen {
        let index = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(|v| self.value_index.get(v).copied());
        Chosen { category: index(query.category.as_deref()), tag: index(query.tag.as_deref()) }
    }

    /// The counts of a shared-catalog query (its category and tag filters; the search already
    /// applied: `matches` are the ids the text index found, of any row, in ascending order), by the
    /// rules of `push_from_where` and `facet`.
    pub(super) fn totals(&self, matches: &[i64], query: &AppQuery) -> CatalogTotals {
        let chosen = self.chosen(query);
        let mut total = 0;
        let mut categories = vec![0u64; self.values.len()];
        let mut tags = vec![0u64; self.values.len()];
        for row in self.matching(matches) {
            let (in_category, has_tag) = row.in_filters(&chosen);
            if in_category && has_tag {
                total += 1;
            }
            if let Some(category) = row.category.filter(|_| has_tag) {
                categories[category as usize] += 1;
            }
            if in_category {
                for tag in &row.tags {
                    tags[*tag as usize] += 1;
                }
            }
        }
        // Only the values some row counts for are copied out (every value ever seen is in the table).
        let counted =
            |counts: Vec<u64>| self.values.iter().zip(counts).filter(|(_, count)| *count > 0).map(|(value, count)| (value.clone(), count));
        let listed = |counts: Vec<u64>, chosen| facet_list(counted(counts), chosen);
        CatalogTotals {
            total,
            categories: listed(categories, query.category.as_deref().filter(|c| !c.is_empty())),
            tags: listed(tags, query.tag.as_deref().filter(|t| !t.is_empty())),
        }
    }

    /// The held rows among `matches` (ascending ids), by one walk of both in id order.
    fn matching<'a>(&'a self, matches: &'a [i64]) -> impl Iterator<Item = &'a SharedRow> + 'a {
        let mut rows = self.rows.iter().peekable();
        matches.iter().filter_map(move |id| {
            while rows.next_if(|row| row.id < *id).is_some() {}
            rows.next_if(|row| row.id == *id)
        })
    }

    /// The rows in the query's category and tag whose name, a dotted part of it, or title starts
    /// with `text` (the search, lowercased): `ranked_ids`'s head rule, as its `LIKE`s say it.
    pub(super) fn head(&self, text: &str, query: &AppQuery) -> SharedHead {
        let chosen = self.chosen(query);
        let segment = format!(".{text}");
        let mut head = SharedHead::default();
        for row in &self.rows {
            let starts = row.name_key.starts_with(text) || row.name_key.contains(&segment) || row.title_key.starts_with(text);
            if starts && row.in_filters(&chosen) == (true, true) {
                head.all.push(row.id);
                if *row.name_key == *text {
                    head.exact.push(row.id);
                }
            }
        }
        head
    }

    /// The rows of one name after a write: `before` (its rows' ids) go, `after` (its shared row
    /// now, if any) comes.
    pub(super) fn apply(&mut self, before: impl IntoIterator<Item = i64>, after: impl IntoIterator<Item = SharedRowText>) {
        for id in before {
            if let Ok(at) = self.rows.binary_search_by_key(&id, |row| row.id) {
                self.rows.remove(at);
            }
        }
        for row in after {
            let row = self.row(row);
            match self.rows.binary_search_by_key(&row.id, |held| held.id) {
                Ok(at) => self.rows[at] = row,
                Err(at) => self.rows.insert(at, row),
            }
        }
    }
}

impl SharedRow {
    /// Whether the row is in the query's chosen category, and whether it has its chosen tag.
    fn in_filters(&self, chosen: &Chosen) -> (bool, bool) {
        (
            chosen.category.is_none_or(|category| category.is_some() && self.category == category),
            chosen.tag.is_none_or(|tag| tag.is_some_and(|tag| self.tags.contains(&tag))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, category: Option<&str>, tags: &[&str]) -> SharedRowText {
        (id, name.into(), format!("{name} title"), category.map(str::to_owned), tags.iter().map(|t| (*t).to_owned()).collect())
    }

    #[test]
    fn counts_walk_the_matches_against_the_rows_in_id_order() {
        let mut shared = SharedRows::new([
            row(9, "forecast", Some("Finance"), &["time-series", "demo"]),
            row(3, "ai.h2o.fraud", Some("Finance"), &["demo"]),
            row(5, "churn", None, &["demo", "demo"]),
        ]);
        let query = AppQuery::default();
        // 4 and 7 are rows outside the shared catalog (an older version, a private app).
        let totals = shared.totals(&[3, 4, 5, 7, 9], &query);
        assert_eq!(totals.total, 3);
        assert_eq!(totals.categories.iter().map(|f| (f.value.as_str(), f.count)).collect::<Vec<_>>(), [("Finance", 2)]);
        assert_eq!(totals.tags.iter().map(|f| (f.value.as_str(), f.count)).collect::<Vec<_>>(), [("demo", 3), ("time-series", 1)]);

        let in_finance = AppQuery { category: Some("Finance".into()), tag: Some("time-series".into()), ..AppQuery::default() };
        let totals = shared.totals(&[3, 5, 9], &in_finance);
        assert_eq!(totals.total, 1, "only forecast is in Finance with the tag");
        let nowhere = AppQuery { category: Some("No such".into()), ..AppQuery::default() };
        assert_eq!(shared.totals(&[3, 5, 9], &nowhere).total, 0);

        let head = shared.head("f", &query);
        assert_eq!(head.all, [3, 9], "a dotted part of the name, and the name");
        assert!(shared.head("forecast", &query).exact == [9]);

        // A write to forecast: row 9 goes, row 12 is its shared row now.
        shared.apply([9], [row(12, "forecast", Some("Science"), &["new"])]);
        assert_eq!(shared.head("f", &query).all, [3, 12]);
        let totals = shared.totals(&[3, 9, 12], &query);
        assert_eq!(totals.total, 2);
        assert_eq!(totals.categories.iter().map(|f| (f.value.as_str(), f.count)).collect::<Vec<_>>(), [("Finance", 1), ("Science", 1)]);
    }
}
