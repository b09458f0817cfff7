//! The catalog's full-text search, one implementation per backend: SQLite's FTS5 tables
//! (`apps_fts` of every app row, `shared_apps_fts` of the shared catalog's, see [`TextIndex`]), or
//! PostgreSQL's generated `apps.search` tsvector (name A, title B, keywords C, description D, under
//! the text search configuration `wavehub`; docs/postgres-plan.md §4). The rest of the search's
//! SQL, the head rule and the ranking order around the text rank, is shared.

use super::shared_rows::SharedHead;
use crate::db::{Db, Dialect};
use crate::http::error::{ApiError, ApiResult};
use crate::on_db;
use sqlx::{Postgres, QueryBuilder, Sqlite};

/// Which rows a search looks in. SQLite keeps a text index of the shared catalog's rows of its own
/// (migration 0013): everyone types into the shared catalog, and a one-letter prefix walks half as
/// many matches there, ranked against the words of the catalog being searched. On PostgreSQL both
/// are the `search` column (its rank weighs no other rows); a partial index covers the shared rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextIndex {
    /// The shared catalog's rows (`latest_shared`) alone.
    Shared,
    /// Every app row.
    All,
}

impl TextIndex {
    /// SQLite's FTS5 table of these rows.
    pub(super) fn fts5_table(self) -> &'static str {
        match self {
            TextIndex::Shared => "shared_apps_fts",
            TextIndex::All => "apps_fts",
        }
    }
}

/// What the catalog's search says differently on each backend.
pub(super) trait Search: Dialect {
    /// The search's words in this backend's query language; `None` when there is nothing to search for.
    fn query_text(text: &str) -> Option<String>;
    /// ` FROM …` of the app rows `a` the text index finds for `search` (the query text): the match
    /// drives the query.
    fn push_from(builder: &mut QueryBuilder<'_, Self>, search: &str, index: TextIndex);
    /// The condition that keeps [`Search::push_from`]'s rows to the matches.
    fn push_match(builder: &mut QueryBuilder<'_, Self>, search: &str, index: TextIndex);
    /// The text rank of a row of [`Search::push_from`], as `ORDER BY` terms, best first.
    fn rank(index: TextIndex) -> String;
    /// App row `a`'s tags in one column, joined by `split_tags`'s separator (U+001F).
    const TAGS_OF_A: &'static str;
    /// ` AND` a set of ids every head row of a search for `text` (ASCII, lowercased) is among: the
    /// `sort_title` and `lower(name)` ranges [`text`, `after`) and the name column's matches of the
    /// text index. (LIKE folds ASCII case only, as lower() does, and such a name or title holds the
    /// search's words as the text index splits them.)
    fn push_head_candidates(builder: &mut QueryBuilder<'_, Self>, text: &str, after: String, index: TextIndex);
}

impl Search for Sqlite {
    fn query_text(text: &str) -> Option<String> {
        super::fts_query(text)
    }

    fn push_from(builder: &mut QueryBuilder<'_, Self>, _search: &str, index: TextIndex) {
        // CROSS JOIN keeps the match the outer loop: asked per app row instead, it would run the
        // text search once for every app.
        let table = index.fts5_table();
        builder.push(format!(" FROM {table} CROSS JOIN apps a ON a.id = {table}.rowid"));
    }

    fn push_match(builder: &mut QueryBuilder<'_, Self>, search: &str, index: TextIndex) {
        builder.push(format!("{} MATCH ", index.fts5_table()));
        builder.push_bind(search.to_owned());
    }

    /// bm25 with name, title, description and keywords weighted 10, 5, 1 and 2; lower is better.
    fn rank(index: TextIndex) -> String {
        format!("bm25({}, 10.0, 5.0, 1.0, 2.0)", index.fts5_table())
    }

    const TAGS_OF_A: &'static str = "(SELECT group_concat(t.tag, char(31)) FROM app_tags t WHERE t.app_id = a.id)";

    fn push_head_candidates(builder: &mut QueryBuilder<'_, Self>, text: &str, after: String, index: TextIndex) {
        // Checked on the text index's rowid (`+` keeps the set from being used as the index's
        // constraint), so rows outside it are passed over before their app row is read.
        let table = index.fts5_table();
        builder.push(format!(" AND +{table}.rowid IN (SELECT id FROM apps WHERE sort_title >= "));
        builder.push_bind(text.to_owned()).push(" AND sort_title < ").push_bind(after.clone());
        builder.push(" UNION ALL SELECT id FROM apps WHERE lower(name) >= ");
        builder.push_bind(text.to_owned()).push(" AND lower(name) < ").push_bind(after);
        builder.push(format!(" UNION ALL SELECT rowid FROM {table} WHERE {table} MATCH "));
        builder.push_bind(format!("name : \"{}\"*", text.replace('"', "\"\"")));
        builder.push(")");
    }
}

impl Search for Postgres {
    fn query_text(text: &str) -> Option<String> {
        tsquery(text)
    }

    fn push_from(builder: &mut QueryBuilder<'_, Self>, search: &str, _index: TextIndex) {
        builder.push(" FROM apps a CROSS JOIN to_tsquery('wavehub', ");
        builder.push_bind(search.to_owned());
        builder.push(") AS q");
    }

    fn push_match(builder: &mut QueryBuilder<'_, Self>, _search: &str, _index: TextIndex) {
        builder.push("a.search @@ q");
    }

    /// The weights are {D, C, B, A}: description 0.1, keywords 0.2, title 0.5, name 1.0, bm25's
    /// ratios; normalization 1 (1 + log of the length) stands in for its length normalization.
    fn rank(_index: TextIndex) -> String {
        "ts_rank('{0.1, 0.2, 0.5, 1.0}', a.search, q, 1) DESC".into()
    }

    const TAGS_OF_A: &'static str = "(SELECT string_agg(t.tag, chr(31)) FROM app_tags t WHERE t.app_id = a.id)";

    fn push_head_candidates(builder: &mut QueryBuilder<'_, Self>, text: &str, after: String, _index: TextIndex) {
        // The ranges are btree ranges because the columns are COLLATE "C"; the name's matches are
        // the GIN index's, weight A.
        builder.push(" AND a.id IN (SELECT id FROM apps WHERE sort_title >= ");
        builder.push_bind(text.to_owned()).push(" AND sort_title < ").push_bind(after.clone());
        builder.push(" UNION ALL SELECT id FROM apps WHERE lower(name) >= ");
        builder.push_bind(text.to_owned()).push(" AND lower(name) < ").push_bind(after);
        if let Some(name) = phrase(text, "A") {
            builder.push(" UNION ALL SELECT id FROM apps WHERE search @@ to_tsquery('wavehub', ");
            builder.push_bind(name);
            builder.push(")");
        }
        builder.push(")");
    }
}

/// The search's words as the query text of `db`'s backend ([`Search::query_text`]).
pub(super) fn query_text(db: &Db, text: &str) -> Option<String> {
    on_db!(db, |_pool, DB| <DB as Search>::query_text(text))
}

/// The words of a search as a PostgreSQL tsquery: each word (split as [`super::fts_query`] splits)
/// its alphanumeric runs in a row, the last a prefix, all words required: `ai.wavehub-demo` is
/// `ai <-> wavehub <-> demo:*`, the phrase FTS5 makes of `"ai.wavehub-demo"*`. The runs hold
/// only letters and digits, so no tsquery syntax gets in. `None` when there is nothing to search for.
pub(super) fn tsquery(text: &str) -> Option<String> {
    let words: Vec<String> = text.split(|c: char| c.is_whitespace() || c == '"').filter_map(|word| phrase(word, "")).collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

/// `text`'s alphanumeric runs as a tsquery phrase, each run of weight `weight` ("" for any), the
/// last one a prefix.
fn phrase(text: &str, weight: &str) -> Option<String> {
    let runs: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|run| !run.is_empty()).collect();
    let (last, rest) = runs.split_last()?;
    let operand = |run: &str| if weight.is_empty() { run.to_owned() } else { format!("{run}:{weight}") };
    let mut operands: Vec<String> = rest.iter().map(|run| operand(run)).collect();
    operands.push(format!("{last}:*{weight}"));
    Some(operands.join(" <-> "))
}

/// The ids of every shared-catalog row the text index finds for `search`, ascending, in one value:
/// sqlx hands rows over one at a time (about 1.5 µs each), which for a one-letter prefix's 40,000
/// matches at 100,000 apps took ten times as long as the database's own walk of them.
pub(super) async fn matching_shared_ids(db: &Db, search: &str) -> ApiResult<Vec<i64>> {
    let mut ids: Vec<i64> = match db {
        Db::Sqlite(pool) => {
            let sql = "SELECT json_group_array(rowid) FROM shared_apps_fts WHERE shared_apps_fts MATCH $1";
            let ids: String = sqlx::query_scalar(sql).bind(search).fetch_one(pool).await?;
            serde_json::from_str(&ids).map_err(|e| ApiError::Internal(e.into()))?
        }
        Db::Postgres(pool) => {
            let sql = "SELECT coalesce(array_agg(id), '{}') FROM apps WHERE search @@ to_tsquery('wavehub', $1) AND latest_shared";
            sqlx::query_scalar(sql).bind(search).fetch_one(pool).await?
        }
    };
    // FTS5 gives them in rowid order already; the shared rows' count walks both in that order.
    if !ids.is_sorted() {
        ids.sort_unstable();
    }
    Ok(ids)
}

/// The first `count` rows of a head found in the held shared rows, in `ranked_ids`'s order: the
/// exact names first, then by text rank, then id.
pub(super) async fn ranked_shared_head(db: &Db, search: &str, head: &SharedHead, count: usize) -> ApiResult<Vec<i64>> {
    match db {
        Db::Sqlite(pool) => {
            let json = |ids: &[i64]| serde_json::to_string(ids).map_err(|e| ApiError::Internal(e.into()));
            // The set is checked on each match's rowid (`+` keeps it from being the index's
            // constraint: a seek per id into a one-letter prefix's matches is far slower than one
            // walk of them).
            let sql = format!(
                "SELECT rowid FROM shared_apps_fts WHERE shared_apps_fts MATCH $1 AND +rowid IN (SELECT value FROM json_each($2)) \
                 ORDER BY CASE WHEN rowid IN (SELECT value FROM json_each($3)) THEN 0 ELSE 1 END, {}, rowid LIMIT $4",
                <Sqlite as Search>::rank(TextIndex::Shared)
            );
            let (all, exact) = (json(&head.all)?, json(&head.exact)?);
            Ok(sqlx::query_scalar(&sql).bind(search).bind(all).bind(exact).bind(count as i64).fetch_all(pool).await?)
        }
        Db::Postgres(pool) => {
            let sql = format!(
                "SELECT a.id FROM apps a CROSS JOIN to_tsquery('wavehub', $1) AS q WHERE a.search @@ q AND a.id = ANY($2) \
                 ORDER BY (a.id = ANY($3)) DESC, {}, a.id LIMIT $4",
                <Postgres as Search>::rank(TextIndex::Shared)
            );
            let ids = sqlx::query_scalar(&sql)
                .bind(search)
                .bind(head.all.as_slice())
                .bind(head.exact.as_slice())
                .bind(count as i64)
                .fetch_all(pool)
                .await?;
            Ok(ids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_become_a_tsquery_of_prefixed_phrases() {
        assert_eq!(tsquery("churn risk").as_deref(), Some("churn:* & risk:*"));
        assert_eq!(tsquery("ai.wavehub-demo").as_deref(), Some("ai <-> wavehub <-> demo:*"));
        assert_eq!(tsquery("  \"quoted\"  OR  ").as_deref(), Some("quoted:* & OR:*"));
        assert_eq!(tsquery("a&b | !c:*").as_deref(), Some("a <-> b:* & c:*"));
        assert_eq!(tsquery("  * ( ) "), None);
        assert_eq!(tsquery(""), None);
        assert_eq!(phrase("ai.bench", "A").as_deref(), Some("ai:A <-> bench:*A"));
    }
}
