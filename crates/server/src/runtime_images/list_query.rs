//! `GET /workspaces/{ws}/runtime-images` and `GET /runtime-images`: the list query. It builds the
//! SQL for a page (filters, the order's index, the per-workspace merge) and keeps counts between
//! changes.

use crate::db::{self, Db, Dialect};
use crate::http::error::{ApiError, ApiResult};
use crate::on_db;
use crate::runtime_images::images::{can_manage, ImageRow, IMAGE_COLUMNS};
use crate::runtime_images::Scope;
use sqlx::{Postgres, QueryBuilder, Sqlite};
use std::collections::HashMap;
use wavehub_core::api::Page;
use wavehub_core::runtime_images::{Availability, ImageSort, RuntimeImage, RuntimeImageQuery, PLATFORM_WORKSPACE};

/// `GET /workspaces/{ws}/runtime-images` and `GET /runtime-images`.
pub async fn list(db: &Db, scope: Scope<'_>, query: &RuntimeImageQuery) -> ApiResult<Page<RuntimeImage>> {
    list_named(db, scope, query, None).await
}

/// [`list`], and with `exact_name` only the images of exactly that name (the H2O MLOps client's
/// `display_name = '…'` filter, see [`crate::mlops`]).
pub async fn list_named(db: &Db, scope: Scope<'_>, query: &RuntimeImageQuery, exact_name: Option<&str>) -> ApiResult<Page<RuntimeImage>> {
    let paging = query.paging();
    ApiError::check(paging.check())?;
    let pattern = query
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_lowercase);
    // The trigram index finds a text of 3 characters or more (as one quoted phrase: a substring).
    let trigram_phrase = pattern.as_deref().filter(|name| name.chars().count() >= 3).map(|name| format!("\"{}\"", name.replace('"', "\"\"")));
    let pattern = pattern.map(|name| format!("%{}%", db::escape_like(&name)));
    let filter = Filter { state: query.state, exact_name, pattern, trigram_phrase };
    // Each order has an index per workspace (migration 0005), so a page reads only its rows.
    // With the columns each order reads, all in its index: the keys of a page.
    let (order, keys) = match query.sort {
        ImageSort::Name => (" ORDER BY name_key, uid", "workspace_id, uid, name_key"),
        ImageSort::NameDesc => (" ORDER BY name_key DESC, uid DESC", "workspace_id, uid, name_key"),
        ImageSort::Newest => (" ORDER BY created_time DESC, uid", "workspace_id, uid, created_time"),
        ImageSort::Oldest => (" ORDER BY created_time, uid", "workspace_id, uid, created_time"),
        ImageSort::RecentlyUpdated => (" ORDER BY updated_time DESC, uid", "workspace_id, uid, updated_time"),
        ImageSort::State => (" ORDER BY state_rank DESC, name_key, uid", "workspace_id, uid, state_rank, name_key"),
    };
    let workspaces: Vec<&str> = match &scope {
        Scope::Workspace(access) => vec![access.workspace.as_str(), PLATFORM_WORKSPACE],
        Scope::All => Vec::new(),
    };
    let key = format!("{:?}|{:?}|{exact_name:?}|{:?}", workspaces, query.state, filter.pattern);
    let total = list_total(db, &key, &filter, &workspaces).await?;
    let per_row = total >= PER_ROW_FILTER_FROM;

    // Ids first: the page's keys from the order's index (covering: no image row is read for the
    // rows before the page), then the rows of just those keys.
    let (limit, offset) = (i64::from(paging.page_size), paging.offset() as i64);
    // A workspace's page merges two ordered index scans (its own images, the platform's): a
    // compound SELECT with its own ORDER BY is merged as it streams, while `IN` over two
    // workspaces (or an ORDER BY around the compound) would make SQLite read and sort every key
    // before the page.
    let arms: Vec<&[&str]> = if workspaces.is_empty() { vec![&[]] } else { workspaces.chunks(1).collect() };
    let rows: Vec<ImageRow> = on_db!(db, |pool, DB| {
        let mut select =
            QueryBuilder::<DB>::new(format!("SELECT {IMAGE_COLUMNS} FROM runtime_images WHERE (workspace_id, uid) IN (SELECT workspace_id, uid FROM ("));
        for (i, workspace) in arms.iter().enumerate() {
            if i > 0 {
                select.push(" UNION ALL ");
            }
            select.push(format!("SELECT {keys}"));
            filter.push(&mut select, workspace, per_row);
        }
        // PostgreSQL wants a name for a subquery in FROM.
        select.push(order).push(" LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset).push(") AS page)").push(order);
        select.build_query_as().fetch_all(pool).await?
    });
    let items = rows
        .into_iter()
        .map(|row| {
            let manage = can_manage(&scope, &row);
            row.into_api(manage)
        })
        .collect();
    Ok(Page { items, total: total as u64, page: paging.page, page_size: paging.page_size })
}

/// From how many matching images a name filter is checked row by row for a page (see [`Filter::push`]).
const PER_ROW_FILTER_FROM: i64 = 1000;

/// A list's filters, as the SQL binds them.
struct Filter<'q> {
    state: Option<Availability>,
    exact_name: Option<&'q str>,
    /// The name filter as a `LIKE` pattern (lowercase, escaped).
    pattern: Option<String>,
    /// The name filter as an FTS5 trigram phrase (3 characters or more).
    trigram_phrase: Option<String>,
}

impl Filter<'_> {
    /// ` FROM runtime_images WHERE …`: rows of one workspace (or of all), with the filters.
    /// `per_row`: the name filter is checked on each row the order's index gives (the page fills
    /// within a few rows when the filter matches many images) instead of as the set of the images
    /// the trigram index finds (the cheaper one when it matches few).
    fn push<DB: NameSearch>(&self, builder: &mut QueryBuilder<'_, DB>, workspaces: &[&str], per_row: bool) {
        builder.push(" FROM runtime_images WHERE 1 = 1");
        if !workspaces.is_empty() {
            builder.push(" AND workspace_id IN (");
            for (i, workspace) in workspaces.iter().enumerate() {
                if i > 0 {
                    builder.push(", ");
                }
                DB::bind_text(builder, workspace.to_string());
            }
            builder.push(")");
        }
        if let Some(state) = self.state {
            builder.push(" AND state = ");
            DB::bind_text(builder, state.as_str().to_owned());
        }
        if let Some(name) = self.exact_name {
            builder.push(" AND name = ");
            DB::bind_text(builder, name.trim().to_owned());
        }
        if let Some(pattern) = &self.pattern {
            // The texts of runtime_image_texts (migration 0010) are these three, so the rows are
            // the same; with 3 characters or more the trigram index picks the candidates.
            if per_row {
                builder.push(" AND EXISTS (SELECT 1 FROM runtime_image_texts t WHERE t.workspace_id = runtime_images.workspace_id AND t.uid = runtime_images.uid AND ");
            } else {
                builder.push(" AND (workspace_id, uid) IN (SELECT t.workspace_id, t.uid FROM runtime_image_texts t WHERE ");
            }
            if let Some(phrase) = self.trigram_phrase.as_ref().filter(|_| !per_row) {
                DB::push_trigram_candidates(builder, phrase);
            }
            builder.push("(t.name_key LIKE ");
            DB::bind_text(builder, pattern.clone());
            builder.push(" ESCAPE '\\' OR t.uid_key LIKE ");
            DB::bind_text(builder, pattern.clone());
            builder.push(" ESCAPE '\\' OR t.docker_key LIKE ");
            DB::bind_text(builder, pattern.clone());
            builder.push(" ESCAPE '\\'))");
        }
    }
}

/// Where the backends differ in the name filter: how the trigram index narrows the candidates.
trait NameSearch: Dialect {
    /// `… AND ` limiting `t` (a `runtime_image_texts` row) to the texts that hold `phrase`, or nothing.
    fn push_trigram_candidates(builder: &mut QueryBuilder<'_, Self>, phrase: &str);
}

impl NameSearch for Sqlite {
    /// The FTS5 trigram table (migration 0010) finds the candidates; the `LIKE`s then confirm them.
    fn push_trigram_candidates(builder: &mut QueryBuilder<'_, Self>, phrase: &str) {
        builder
            .push("t.id IN (SELECT rowid FROM runtime_images_search WHERE runtime_images_search MATCH ")
            .push_bind(phrase.to_owned())
            .push(") AND ");
    }
}

impl NameSearch for Postgres {
    /// Nothing: the pg_trgm GIN indexes behind `runtime_image_texts` (a view) serve the `LIKE '%x%'`s.
    fn push_trigram_candidates(_: &mut QueryBuilder<'_, Self>, _: &str) {}
}

/// The count of a list's filter (`key`, the filter in words), from the counts kept since the last
/// change to `runtime_images`: every insert, update and delete raises `runtime_images_changes.n`
/// (triggers, migration 0010), so no write path can leave a stale count behind. Reading the mark
/// before counting means a count is never kept under a mark older than the rows it saw.
async fn list_total(db: &Db, key: &str, filter: &Filter<'_>, workspaces: &[&str]) -> ApiResult<i64> {
    static TOTALS: std::sync::LazyLock<std::sync::Mutex<HashMap<String, (i64, i64)>>> = std::sync::LazyLock::new(Default::default);
    let mark: i64 = on_db!(db, |pool| sqlx::query_scalar("SELECT n FROM runtime_images_changes").fetch_one(pool).await)?;
    // One map for the process: the database is part of the key (tests run many).
    let key = format!("{}|{key}", db.id());
    if let Some((seen, total)) = TOTALS.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        if *seen == mark {
            return Ok(*total);
        }
    }
    let total: i64 = on_db!(db, |pool, DB| {
        let mut count = QueryBuilder::<DB>::new("SELECT count(*)");
        filter.push(&mut count, workspaces, false);
        count.build_query_scalar().fetch_one(pool).await?
    });
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    if totals.len() >= 1000 {
        totals.clear();
    }
    totals.insert(key, (mark, total));
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime_images::workspaces::Access;
    use wavehub_seed::runtime_images::{seed, MEMBER, WORKSPACE};
    use wavehub_core::runtime_images::WorkspaceRole;

    /// The name filter, checked row by row (a filter that matches many images) or as the trigram
    /// index's set (one that matches few), and pages read by keys give the rows of one plain scan
    /// with `LIMIT ... OFFSET`.
    #[tokio::test]
    async fn filtered_pages_are_the_rows_of_a_plain_scan() {
        let data = tempfile::tempdir().unwrap();
        seed(data.path(), 3000, 2, 5, Some("bench-admin-password".into()), Some("bench-user-password".into())).await.unwrap();
        let db = db::open(data.path()).await.unwrap();
        let member = Access { workspace: WORKSPACE.into(), role: WorkspaceRole::Member, platform_admin: false, actor: MEMBER.into() };
        let broad = RuntimeImageQuery { name: Some("scorer".into()), ..RuntimeImageQuery::default() };
        let broad = list(&db, Scope::Workspace(&member), &broad).await.unwrap().total;
        assert!(broad >= PER_ROW_FILTER_FROM as u64, "{broad}: the row-by-row check is tested too");
        for name in ["scorer", "SCORER", "sc", "py31", "zzz", "5000/"] {
            let like = format!("%{}%", db::escape_like(&name.to_lowercase()));
            for (sort, order) in [(ImageSort::Name, "name_key, uid"), (ImageSort::Newest, "created_time DESC, uid"), (ImageSort::State, "state_rank DESC, name_key, uid")] {
                for page in [1, 3, 30] {
                    let query = RuntimeImageQuery { name: Some(name.into()), sort, page: Some(page), page_size: Some(50), ..RuntimeImageQuery::default() };
                    let listed = list(&db, Scope::Workspace(&member), &query).await.unwrap();
                    let sql = format!(
                        "SELECT uid FROM runtime_images WHERE workspace_id IN ('bench', 'global') AND (name_key LIKE $1 ESCAPE '\\' \
                         OR uid LIKE $1 ESCAPE '\\' OR lower(coalesce(current_docker_image, '')) LIKE $1 ESCAPE '\\') ORDER BY {order} LIMIT 50 OFFSET $2"
                    );
                    let offset = i64::from(page - 1) * 50;
                    let expected: Vec<String> =
                        on_db!(&db, |pool| sqlx::query_scalar(&sql).bind(&like).bind(offset).fetch_all(pool).await).unwrap();
                    let found: Vec<String> = listed.items.iter().map(|i| i.uid.clone()).collect();
                    assert_eq!(found, expected, "name={name} sort={sort:?} page={page}");
                    let count = format!("SELECT count(*) FROM ({}) AS matching", sql.replace(" LIMIT 50 OFFSET $2", ""));
                    let total: i64 = on_db!(&db, |pool| sqlx::query_scalar(&count).bind(&like).fetch_one(pool).await).unwrap();
                    assert_eq!(listed.total, total as u64, "name={name}");
                }
            }
        }
    }
}
