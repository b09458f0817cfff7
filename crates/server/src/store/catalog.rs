//! The App Store's data: importing a checked bundle, and reading apps back. Who may see an app is
//! decided by one SQL condition, [`push_visible`], that every query about apps goes through.

use crate::accounts::auth::Caller;
use crate::db::{self, AsConn, Conn, Db, Dialect, Tx};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use crate::store::uploads::Upload;
use crate::{execute, on_conn, on_db};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use wavehub_core::api::Finding;
use wavehub_core::audit::Reason;
use wavehub_core::apps::{
    version_sort_key, AppDetail, AppListPage, AppPatch, AppRef, CatalogText, AppQuery, AppRuntime, AppSort, AppSummary, AppVersion, FacetCount, Visibility,
};
use wavehub_core::bundle::BundleReport;
use wavehub_core::manifest::Manifest;

mod cache;
mod search;
mod shared_rows;

pub use cache::CatalogCache;
pub(crate) use cache::bump_version;
use cache::{AppChange, AppFacts};
use shared_rows::SharedRows;
use search::{Search, TextIndex};

#[derive(Clone, Debug, PartialEq)]
struct CatalogTotals {
    total: u64,
    categories: Vec<FacetCount>,
    tags: Vec<FacetCount>,
}

/// How many values each catalog filter lists at most.
const FACET_LIMIT: i64 = 40;

/// Who is looking: the owner of an app and admins see it whatever its visibility.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub user_id: i64,
    pub is_admin: bool,
}

impl From<&Caller> for Viewer {
    fn from(caller: &Caller) -> Self {
        Viewer { user_id: caller.user_id, is_admin: caller.is_admin() }
    }
}

/// Appends the condition "the viewer may see app `alias`" (PRIVATE: owner and admins; ALL_USERS:
/// everyone signed in). The one place that rule is written.
pub(crate) fn push_visible<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, alias: &str, viewer: Viewer) {
    if viewer.is_admin {
        builder.push("TRUE");
    } else {
        builder.push(format!("({alias}.visibility = 'ALL_USERS' OR {alias}.owner_id = "));
        DB::bind_i64(builder, viewer.user_id);
        builder.push(")");
    }
}

/// May import: authors and admins (the same rule the web app uses to offer the upload page).
pub fn require_importer(caller: &Caller) -> ApiResult<()> {
    if caller.me().can_publish() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("Only authors and admins may import apps; ask an admin for the author role.".into()))
    }
}

/// An app version's row in `apps`, as [`insert_apps`] writes it.
pub struct NewAppRow<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub category: Option<&'a str>,
    pub keywords: &'a [String],
    pub owner_id: i64,
    pub visibility: Visibility,
    pub sha256: &'a str,
    pub bundle_size: i64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

/// The one `INSERT INTO apps` (the import writes one row, the benchmark seeder thousands a
/// statement): each row with its derived columns (`version_key`, `sort_title`) and a new id.
/// Returns the ids, in the order of `rows`. The ids come after the highest ever given, a deleted
/// version's included (SQLite would reuse the highest one): an old link must keep meaning the
/// version it was made for (its page names its successor). A UNIQUE violation means a row's name
/// and version exist. SQLite binds at most 32,766 values a statement, PostgreSQL 65,535: 15 a row,
/// so up to 2,000 rows.
pub async fn insert_apps(conn: &mut impl AsConn, rows: &[NewAppRow<'_>]) -> Result<Vec<i64>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = new_app_ids(conn, rows.len()).await?;
    let keywords = rows
        .iter()
        .map(|row| serde_json::to_string(row.keywords))
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| sqlx::Error::Encode(e.into()))?;
    on_conn!(conn, |c, DB| {
        let mut builder = QueryBuilder::<DB>::new(
            "INSERT INTO apps (id, name, version, version_key, title, sort_title, description, category, keywords, \
             owner_id, visibility, sha256, bundle_size, created_at, updated_at) ",
        );
        builder.push_values(rows.iter().zip(&ids).zip(&keywords), |mut values, ((row, id), keywords)| {
            values
                .push_bind(*id)
                .push_bind(row.name)
                .push_bind(row.version)
                .push_bind(version_sort_key(row.version))
                .push_bind(row.title)
                .push_bind(row.title.to_lowercase())
                .push_bind(row.description)
                .push_bind(row.category)
                .push_bind(keywords.as_str())
                .push_bind(row.owner_id)
                .push_bind(row.visibility.as_str())
                .push_bind(row.sha256)
                .push_bind(row.bundle_size)
                .push_bind(row.created_at)
                .push_bind(row.updated_at);
        });
        builder.build().execute(c).await.map(drop)
    })?;
    Ok(ids)
}

/// `count` new app ids, ascending, none given before.
async fn new_app_ids(conn: &mut impl AsConn, count: usize) -> Result<Vec<i64>, sqlx::Error> {
    match conn.as_conn() {
        // SQLite would give the highest id again once its row is deleted: the ids go on from the
        // highest of the rows and the tombstones.
        Conn::Sqlite(c) => {
            let first: i64 = sqlx::query_scalar(
                "SELECT max((SELECT coalesce(max(id), 0) FROM apps), (SELECT coalesce(max(id), 0) FROM deleted_apps)) + 1",
            )
            .fetch_one(c)
            .await?;
            Ok((first..).take(count).collect())
        }
        // The identity column's sequence never gives an id twice, and concurrent imports of other
        // names need no lock for it. Taken before the insert, so each row's id is known in order.
        Conn::Postgres(c) => {
            let mut ids: Vec<i64> = sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('apps', 'id')) FROM generate_series(1, $1)")
                .bind(count as i64)
                .fetch_all(c)
                .await?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// Imports a bundle that arrived in full: refuses an invalid one with its findings, checks that the
/// caller may publish under the name, stores the blob, then inserts the rows in one transaction.
/// Nothing is left behind when any step fails: the upload file is deleted when dropped, the
/// transaction rolls back, and a blob this import created is removed again.
pub async fn import(
    state: &AppState,
    caller: &Caller,
    visibility: Visibility,
    upload: Upload,
    report: BundleReport,
) -> ApiResult<AppDetail> {
    require_importer(caller)?;
    let manifest = match (&report.manifest, report.valid) {
        (Some(manifest), true) => manifest.clone(),
        _ => return Err(invalid_bundle(&report)),
    };
    let name = manifest.app.name.clone();
    let version = manifest.app.version.clone();
    let text = CatalogText::from_manifest(&manifest);
    check_name_owner(&state.db, caller, &name).await?;

    let now = db::now();
    // Blob lock first, then the database's write lock: the same order as `delete`, so neither can
    // hold one while waiting for the other. The blob is stored before the write transaction begins:
    // sending a large bundle to an object store takes a while, and the database stays writable meanwhile.
    let blob_guard = state.blob_locks.lock(&upload.sha256).await?;
    let created_blob = state.blobs.put(upload.file, &upload.sha256).await.map_err(|e| anyhow::anyhow!("cannot store the bundle: {e}"))?;
    let stored: ApiResult<i64> = async {
        let mut tx = state.db.begin_write().await?;
        let change = begin_change(&mut tx, &name).await?;
        // Inside the write transaction, so a secret cannot be deleted between this check and the insert.
        let missing_secrets = crate::store::secrets::unusable_references(&mut tx, &manifest, caller).await?;
        if !missing_secrets.is_empty() {
            let detail = match missing_secrets.as_slice() {
                [one] => format!("The app reads a secret it cannot use here; nothing was stored. {}", one.message),
                many => format!("The app reads {} secrets or keys it cannot use here; nothing was stored. See `errors`.", many.len()),
            };
            return Err(ApiError::Invalid { detail, findings: missing_secrets });
        }
        // The same rule as `PUT /apps/{id}/tags/{tag}`, in the same transaction as the insert.
        let refused_tags = crate::store::tags::unassignable_at_import(&mut tx, caller, &manifest, &text.tags).await?;
        if !refused_tags.is_empty() {
            let detail = match refused_tags.as_slice() {
                [one] => format!("The app names a tag you may not assign; nothing was stored. {}", one.message),
                many => format!("The app names {} tags you may not assign; nothing was stored. See `errors`.", many.len()),
            };
            return Err(ApiError::Invalid { detail, findings: refused_tags });
        }
        let row = NewAppRow {
            name: &name,
            version: &version,
            title: &text.title,
            description: &text.description,
            category: text.category.as_deref(),
            keywords: &text.keywords,
            owner_id: caller.user_id,
            visibility,
            sha256: &upload.sha256,
            bundle_size: upload.size as i64,
            created_at: &now,
            updated_at: &now,
        };
        let inserted = insert_apps(&mut tx, std::slice::from_ref(&row)).await.map(|ids| ids[0]);
        let id = db::or_conflict(inserted, || version_exists(&name, &version))?;
        let manifest_json = serde_json::to_string(&manifest).map_err(anyhow::Error::from)?;
        execute!(
            &mut tx,
            "INSERT INTO app_documents (app_id, manifest, long_description) VALUES ($1, $2, $3)",
            id, &manifest_json, &report.long_description
        )?;
        insert_images(&mut tx, id, &report).await?;
        for tag in &text.tags {
            let sql = "INSERT INTO app_tags (app_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING";
            execute!(&mut tx, sql, id, tag)?;
        }
        let detail = serde_json::json!({"name": name, "version": version, "visibility": visibility.as_str(), "sha256": upload.sha256});
        let write = VersionWrite { id, name: &name, actor: &caller.username, action: "import", reason: None, detail };
        commit_version_write(state, tx, change, write).await?;
        Ok(id)
    }
    .await;
    let id = match stored {
        Ok(id) => id,
        Err(error) => {
            // Refused or failed after the blob was stored: a blob this import created goes again.
            if created_blob {
                if let Err(remove_error) = state.blobs.remove(&upload.sha256).await {
                    tracing::error!(sha256 = %upload.sha256, error = %remove_error, "cannot remove the blob of a failed import");
                }
            }
            blob_guard.release().await;
            return Err(error);
        }
    };
    blob_guard.release().await;
    tracing::info!(actor = %caller.username, app = %name, version = %version, id, "app imported");
    load_detail(&state.db, Viewer::from(caller), id).await
}

/// The 422 for a bundle that breaks rules: its errors first, then its warnings.
pub fn invalid_bundle(report: &BundleReport) -> ApiError {
    let count = report.errors.len();
    let detail = match count {
        0 => "The bundle could not be read as an app; nothing was stored.".to_owned(),
        1 => format!("The bundle has 1 error; nothing was stored. {}", report.errors[0].message),
        n => format!("The bundle has {n} errors; nothing was stored. See `errors`."),
    };
    let findings = report.errors.iter().chain(&report.warnings).cloned().collect();
    ApiError::Invalid { detail, findings }
}

fn version_exists(name: &str, version: &str) -> String {
    format!("Version {version} of {name} already exists, and versions cannot be replaced; raise Version in app.toml and import again.")
}

/// `latest_shared` as it should be for a row of `apps`: true on the newest ALL_USERS version of its
/// name (semver, through `version_key`), false elsewhere. The rule, written once for both refreshes.
const LATEST_SHARED_VALUE: &str = "CASE WHEN visibility = 'ALL_USERS' AND version_key = (
         SELECT MAX(b.version_key) FROM apps b WHERE b.name = apps.name AND b.visibility = 'ALL_USERS'
     ) THEN TRUE ELSE FALSE END";

/// Marks the newest ALL_USERS version of `name` as the one the shared catalog shows, and unmarks
/// the others. Runs in the transaction of every change that can move it: import, visibility, delete.
pub async fn refresh_latest_shared(conn: &mut impl AsConn, name: &str) -> ApiResult<()> {
    let sql = format!("UPDATE apps SET latest_shared = {LATEST_SHARED_VALUE} WHERE name = $1");
    execute!(conn, &sql, name)?;
    Ok(())
}

/// Recomputes `latest_shared` for every app, for code that writes app rows in bulk (the
/// benchmark's seeding) instead of through [`import`].
pub async fn refresh_all_latest_shared(db: &Db) -> ApiResult<()> {
    let sql = format!("UPDATE apps SET latest_shared = {LATEST_SHARED_VALUE}");
    on_db!(db, |pool| sqlx::query(&sql).execute(pool).await.map(drop))?;
    Ok(())
}

/// A name belongs to whoever imported its first version: other authors may not publish versions of
/// it (the catalog would show their version as the app's newest). Admins may.
async fn check_name_owner(db: &Db, caller: &Caller, name: &str) -> ApiResult<()> {
    if caller.is_admin() {
        return Ok(());
    }
    let owners = name_owners(db, name).await?;
    if owners.is_empty() || owners.iter().any(|(id, _)| *id == Some(caller.user_id)) {
        return Ok(());
    }
    let holder = owners.iter().find_map(|(_, username)| username.clone()).unwrap_or_else(|| "another account".into());
    Err(ApiError::Forbidden(format!(
        "The app name {name} belongs to {holder}; only they and admins may import versions of it. Choose another Name in app.toml, or ask an admin."
    )))
}

/// Who the versions of `name` belong to: `(user id, username)`, `None`s for deleted accounts.
/// Whoever owns one is an author of the name.
pub(crate) async fn name_owners(db: &Db, name: &str) -> ApiResult<Vec<(Option<i64>, Option<String>)>> {
    let sql = "SELECT a.owner_id, u.username FROM apps a LEFT JOIN users u ON u.id = a.owner_id WHERE a.name = $1 \
               GROUP BY a.owner_id, u.username";
    Ok(on_db!(db, |pool| sqlx::query_as(sql).bind(name).fetch_all(pool).await)?)
}

async fn insert_images(conn: &mut impl AsConn, app_id: i64, report: &BundleReport) -> ApiResult<()> {
    let icon = report.icon.iter().map(|path| ("icon", 0, path));
    let screenshots = report.screenshots.iter().enumerate().map(|(n, path)| ("screenshot", n, path));
    for (kind, position, path) in icon.chain(screenshots) {
        let Some(image) = report.image(path) else { continue };
        execute!(
            conn,
            "INSERT INTO app_images (app_id, kind, position, path, media_type, bytes) VALUES ($1, $2, $3, $4, $5, $6)",
            app_id, kind, position as i64, path, image.kind.media_type(), &image.bytes
        )?;
    }
    Ok(())
}

/// The columns an [`AppSummary`] is read from, in [`SummaryRow`]'s order.
const SUMMARY_COLUMNS: &str = "a.id, a.name, a.version, a.title, a.description, a.category, a.keywords, u.username, \
     a.visibility, a.created_at, EXISTS (SELECT 1 FROM app_images i WHERE i.app_id = a.id AND i.kind = 'icon')";

type SummaryRow = (i64, String, String, String, String, Option<String>, String, Option<String>, String, String, bool);

fn summary_from_row(row: SummaryRow, tags: Vec<String>) -> ApiResult<AppSummary> {
    let (id, name, version, title, description, category, keywords, owner, visibility, created_at, has_icon) = row;
    Ok(AppSummary {
        id,
        name,
        version,
        title,
        description,
        category,
        keywords: serde_json::from_str(&keywords).unwrap_or_default(),
        tags,
        owner,
        visibility: visibility.parse().map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?,
        created_at,
        has_icon,
    })
}

/// The tags of each of `ids`, sorted.
async fn load_tags(db: &Db, ids: &[i64]) -> ApiResult<HashMap<i64, Vec<String>>> {
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(tags);
    }
    let rows: Vec<(i64, String)> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new("SELECT app_id, tag FROM app_tags WHERE app_id IN (");
        db::push_in_list(&mut builder, ids.iter().copied());
        builder.push(" ORDER BY tag");
        builder.build_query_as().fetch_all(pool).await
    })?;
    for (id, tag) in rows {
        tags.entry(id).or_default().push(tag);
    }
    Ok(tags)
}

/// Which filters a query applies. Each facet's counts leave out its own filter, so choosing a
/// category still shows the other categories, and keep the others: with a category chosen, a
/// tag counts only the apps of that category.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Filters {
    All,
    AllButCategory,
    AllButTag,
}

/// `FROM ... WHERE ...` of a catalog query.
fn push_from_where<DB: Search>(builder: &mut QueryBuilder<'_, DB>, viewer: Viewer, query: &AppQuery, search: Option<&str>, filters: Filters) {
    // The full-text match drives the query: asked per app row instead, it would run the text
    // search once for every app. Its rank ([`Search::rank`]) is only computed where a query orders
    // by it, so counts never pay for it.
    let index = text_index(query);
    match search {
        Some(search) => DB::push_from(builder, search, index),
        None => {
            builder.push(" FROM apps a");
        }
    }
    builder.push(" LEFT JOIN users u ON u.id = a.owner_id WHERE ");
    if let Some(search) = search {
        DB::push_match(builder, search, index);
        builder.push(" AND ");
    }
    if is_shared_catalog(query) {
        // The shared catalog, kept as a flag (see refresh_latest_shared). The flag is only ever on
        // an ALL_USERS row, which every signed-in caller sees, so it stands for the visibility
        // rule and the filter too, and the query stays on one index.
        builder.push("a.latest_shared = TRUE");
    } else {
        push_visible(builder, "a", viewer);
        push_scope(builder, "a", viewer, query);
    }
    if let Some(name) = query.name.as_deref().filter(|n| !n.is_empty()) {
        builder.push(" AND a.name = ");
        DB::bind_text(builder, name.to_owned());
    }
    if query.latest && !is_shared_catalog(query) {
        // The newest version (semver) of the name among those the caller sees in this scope.
        builder.push(" AND a.version_key = (SELECT MAX(b.version_key) FROM apps b WHERE b.name = a.name AND ");
        push_visible(builder, "b", viewer);
        push_scope(builder, "b", viewer, query);
        builder.push(")");
    }
    if let Some(category) = query.category.as_deref().filter(|c| !c.is_empty() && filters != Filters::AllButCategory) {
        builder.push(" AND a.category = ");
        DB::bind_text(builder, category.to_owned());
    }
    if let Some(tag) = query.tag.as_deref().filter(|t| !t.is_empty() && filters != Filters::AllButTag) {
        builder.push(" AND EXISTS (SELECT 1 FROM app_tags t WHERE t.app_id = a.id AND t.tag = ");
        DB::bind_text(builder, tag.to_owned());
        builder.push(")");
    }
}

/// `latest=true&visibility=ALL_USERS` without an owner filter: each name's newest shared version,
/// the same list for every signed-in caller.
fn is_shared_catalog(query: &AppQuery) -> bool {
    query.latest && query.visibility == Some(Visibility::AllUsers) && query.owner.is_none()
}

/// The text index a search of this query looks in: the shared catalog's own for the shared catalog.
fn text_index(query: &AppQuery) -> TextIndex {
    if is_shared_catalog(query) { TextIndex::Shared } else { TextIndex::All }
}

/// Whether a search of this query can be answered from the held shared rows ([`SharedRows`]): the
/// shared catalog, without a name filter (the rows hold names case-folded, not as the filter compares them).
fn searches_shared_rows(query: &AppQuery) -> bool {
    is_shared_catalog(query) && query.name.as_deref().is_none_or(str::is_empty)
}

/// The visibility and owner filters, which also bound what "latest" means.
fn push_scope<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, alias: &str, viewer: Viewer, query: &AppQuery) {
    if let Some(visibility) = query.visibility {
        builder.push(format!(" AND {alias}.visibility = "));
        DB::bind_text(builder, visibility.as_str().to_owned());
    }
    if query.owner.as_deref() == Some("me") {
        builder.push(format!(" AND {alias}.owner_id = "));
        DB::bind_i64(builder, viewer.user_id);
    }
}

/// The words of a search as an FTS5 query: each word a quoted prefix, all required. `None` when
/// there is nothing to search for (exactly when PostgreSQL's `search::tsquery` has none either).
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| c.is_whitespace() || c == '"')
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{word}\"*"))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// `GET /apps`: a page of the apps the viewer sees, with facet counts.
pub async fn list(state: &AppState, viewer: Viewer, query: &AppQuery) -> ApiResult<AppListPage> {
    ApiError::check(query.check())?;
    let db = &state.db;
    state.catalog_cache.follow(db).await?;
    let paging = query.paging();
    let search = query.q.as_deref().and_then(|q| search::query_text(db, q));
    let search = search.as_deref();
    // The page's ids, in order, from the narrowest query (an index range for the shared catalog,
    // however deep the page), beside the counts; then the cards of just those apps.
    let page_ids = async {
        match search {
            Some(search) => search_page(state, viewer, query, search).await,
            None => Ok(on_db!(db, |pool, DB| {
                let mut select = QueryBuilder::<DB>::new("SELECT a.id");
                push_from_where(&mut select, viewer, query, None, Filters::All);
                push_sort(&mut select, query.sort.unwrap_or_default());
                select.push(" LIMIT ");
                select.push_bind(i64::from(paging.page_size));
                select.push(" OFFSET ");
                select.push_bind(paging.offset() as i64);
                select.build_query_scalar().fetch_all(pool).await
            })?),
        }
    };
    let (totals, ids) = tokio::try_join!(totals(state, viewer, query, search), page_ids)?;
    let items = load_summaries(db, &ids).await?;

    Ok(AppListPage {
        items,
        total: totals.total,
        page: paging.page,
        page_size: paging.page_size,
        categories: totals.categories,
        tags: totals.tags,
    })
}

/// `ORDER BY` for the orders other than relevance.
fn push_sort<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, sort: AppSort) {
    builder.push(match sort {
        AppSort::Relevance | AppSort::Title => " ORDER BY a.sort_title, a.name, a.version_key DESC",
        AppSort::Newest => " ORDER BY a.created_at DESC, a.id DESC",
        AppSort::Oldest => " ORDER BY a.created_at, a.id",
        AppSort::Name => " ORDER BY a.name, a.version_key DESC",
    });
}

/// The ids of a search's page, from the cache when this page was answered since the last change
/// that could move it (see [`CatalogCache`]).
async fn search_page(state: &AppState, viewer: Viewer, query: &AppQuery, search: &str) -> ApiResult<Vec<i64>> {
    let (key, filters, who) = cache_key(viewer, query);
    let key = format!("{key}|{:?}|{:?}|{:?}", query.sort, query.page, query.page_size);
    let (generation, cached) = state.catalog_cache.lookup_page(&key).await;
    if let Some(ids) = cached {
        return Ok(ids);
    }
    let paging = query.paging();
    let (offset, limit) = (paging.offset() as usize, paging.page_size as usize);
    let ids = match query.sort.unwrap_or_default() {
        AppSort::Relevance => {
            let ranked = ranked_ids(state, viewer, query, search, offset + limit).await?;
            ranked.into_iter().skip(offset).take(limit).collect()
        }
        sort => on_db!(&state.db, |pool, DB| {
            let mut select = QueryBuilder::<DB>::new("SELECT a.id");
            push_from_where(&mut select, viewer, query, Some(search), Filters::All);
            push_sort(&mut select, sort);
            select.push(" LIMIT ").push_bind(limit as i64).push(" OFFSET ").push_bind(offset as i64);
            select.build_query_scalar().fetch_all(pool).await
        })?,
    };
    state.catalog_cache.store_page(generation, key, filters, who, ids.clone()).await;
    Ok(ids)
}

/// The first `count` matches of a search by relevance: an app whose name is the search comes first,
/// then names (or a part of a dotted name) and titles that start with it (the head), then the rest
/// (the tail), each by text rank, then id. (Someone who types an app's name wants that app, not the
/// one that repeats the word most.)
///
/// The head is asked for first, and the tail only when the head is shorter than `count`: ranking
/// every match costs a read of each one's column sizes, while the head of a typed prefix is
/// usually a page by itself. The head's candidates come from indexes (`sort_title`, `lower(name)`
/// and the name column of the text index), so the rows outside it are not read at all.
///
/// The shared catalog's head comes from the rows the catalog cache holds ([`SharedRows`]), so
/// the database only ranks it; the SQL of [`ranked_head`] is the same rule for every other query.
async fn ranked_ids(state: &AppState, viewer: Viewer, query: &AppQuery, search: &str, count: usize) -> ApiResult<Vec<i64>> {
    let db = &state.db;
    let text = query.q.as_deref().unwrap_or_default().trim().to_lowercase();
    let held_head = if searches_shared_rows(query) { state.catalog_cache.shared_head(&text, query).await } else { None };
    let mut ids = match held_head {
        Some(head) => search::ranked_shared_head(db, search, &head, count).await?,
        None => ranked_head(db, viewer, query, search, &text, count).await?,
    };
    if ids.len() < count {
        let tail: Vec<i64> = on_db!(db, |pool, DB| {
            let mut tail = QueryBuilder::<DB>::new("SELECT a.id");
            push_from_where(&mut tail, viewer, query, Some(search), Filters::All);
            tail.push(" AND NOT ");
            push_in_head(&mut tail, &text);
            tail.push(format!(" ORDER BY {}, a.id LIMIT ", DB::rank(text_index(query))));
            tail.push_bind((count - ids.len()) as i64);
            tail.build_query_scalar().fetch_all(pool).await
        })?;
        ids.extend(tail);
    }
    Ok(ids)
}

/// Whether app row `a` is in the head of a search for `text` (lowercased): its name, a segment of
/// its dotted name (`ai.h2o.forecast`), or its title starts with it. [`SharedRows`] holds the same
/// rule for the shared catalog's rows.
fn push_in_head<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, text: &str) {
    // lower(): PostgreSQL's LIKE is case-sensitive. Both fold ASCII only (COLLATE "C" on PostgreSQL).
    let prefix = format!("{}%", db::escape_like(text));
    builder.push("(lower(a.name) LIKE ");
    DB::bind_text(builder, prefix.clone());
    builder.push(" ESCAPE '\\' OR lower(a.name) LIKE ");
    DB::bind_text(builder, format!("%.{prefix}"));
    builder.push(" ESCAPE '\\' OR lower(a.title) LIKE ");
    DB::bind_text(builder, prefix);
    builder.push(" ESCAPE '\\')");
}

/// The first `count` rows of the head, in `ranked_ids`'s order, found by the database.
async fn ranked_head(db: &Db, viewer: Viewer, query: &AppQuery, search: &str, text: &str, count: usize) -> ApiResult<Vec<i64>> {
    Ok(on_db!(db, |pool, DB| {
        let mut head = QueryBuilder::<DB>::new("SELECT a.id");
        push_from_where(&mut head, viewer, query, Some(search), Filters::All);
        head.push(" AND ");
        push_in_head(&mut head, text);
        if let Some(after) = text.is_ascii().then(|| next_string(text)).flatten() {
            DB::push_head_candidates(&mut head, text, after, text_index(query));
        }
        head.push(" ORDER BY CASE WHEN lower(a.name) = ");
        head.push_bind(text.to_owned());
        head.push(format!(" THEN 0 ELSE 1 END, {}, a.id LIMIT ", DB::rank(text_index(query))));
        head.push_bind(count as i64);
        head.build_query_scalar().fetch_all(pool).await
    })?)
}

/// The smallest string above every string that starts with `text` (its last character raised by
/// one), for an index range; `None` when there is no such character.
fn next_string(text: &str) -> Option<String> {
    let mut chars: Vec<char> = text.chars().collect();
    let last = chars.pop()?;
    chars.push(char::from_u32(u32::from(last) + 1)?);
    Some(chars.into_iter().collect())
}

/// The cache key of a query's counts, its filters (paging and order left out), and who asked
/// (`None` for the shared catalog, the same for everyone).
fn cache_key(viewer: Viewer, query: &AppQuery) -> (String, AppQuery, Option<Viewer>) {
    let shared = is_shared_catalog(query);
    let who = if shared { "shared".to_owned() } else { format!("{}:{}", viewer.user_id, viewer.is_admin) };
    let filters = AppQuery { page: None, page_size: None, sort: None, ..query.clone() };
    // Debug, not the query string: that one drops blank values the SQL still filters on.
    let key = format!("{who}|{filters:?}");
    (key, filters, (!shared).then_some(viewer))
}

/// The number of matching apps and the filter counts, from the cache when this query (paging and
/// order aside) was answered since the last change that could move them (see [`CatalogCache`]).
async fn totals(state: &AppState, viewer: Viewer, query: &AppQuery, search: Option<&str>) -> ApiResult<CatalogTotals> {
    let (key, filters, who) = cache_key(viewer, query);
    let (generation, cached) = state.catalog_cache.lookup(&key).await;
    if let Some(totals) = cached {
        return Ok(totals);
    }
    let db = &state.db;
    if let Some(search) = search.filter(|_| searches_shared_rows(query)) {
        // Which rows match is the text index's to say; what they count for, the held shared rows'.
        let matches = search::matching_shared_ids(db, search).await?;
        if !state.catalog_cache.holds_shared_rows().await {
            load_shared_rows(state).await?;
        }
        if let Some(totals) = state.catalog_cache.shared_totals(&matches, query).await {
            state.catalog_cache.store(generation, key, filters, who, totals.clone()).await;
            return Ok(totals);
        }
    }
    let totals = counted_totals(db, viewer, query, search).await?;
    state.catalog_cache.store(generation, key, filters, who, totals.clone()).await;
    Ok(totals)
}

/// The number of matching apps and the filter counts, counted by SQLite.
async fn counted_totals(db: &Db, viewer: Viewer, query: &AppQuery, search: Option<&str>) -> ApiResult<CatalogTotals> {
    let total = async {
        Ok::<i64, ApiError>(on_db!(db, |pool, DB| {
            let mut count = QueryBuilder::<DB>::new("SELECT COUNT(*)");
            push_from_where(&mut count, viewer, query, search, Filters::All);
            count.build_query_scalar().fetch_one(pool).await
        })?)
    };
    // Three passes over the matches, on three of the pool's connections at once: a first search
    // for a prefix waits for the slowest, not for the sum.
    let (total, categories, tags) = tokio::try_join!(
        total,
        facet(db, viewer, query, search, Filters::AllButCategory),
        facet(db, viewer, query, search, Filters::AllButTag),
    )?;
    Ok(CatalogTotals { total: total as u64, categories, tags })
}

/// Reads the shared catalog's rows into the catalog cache (a pass over them, about 0.1 s at
/// 100,000 apps): when the server starts, and again after a write to more than one name.
pub async fn load_shared_rows(state: &AppState) -> ApiResult<()> {
    state.catalog_cache.follow(&state.db).await?;
    let generation = state.catalog_cache.generation().await;
    type Row = (i64, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = on_db!(&state.db, |pool, DB| {
        let sql = format!("SELECT a.id, a.name, a.title, a.category, {} FROM apps a WHERE a.latest_shared = TRUE", DB::TAGS_OF_A);
        sqlx::query_as(&sql).fetch_all(pool).await
    })?;
    let rows = rows.into_iter().map(|(id, name, title, category, tags)| (id, name, title, category, split_tags(tags)));
    state.catalog_cache.store_shared(generation, SharedRows::new(rows)).await;
    Ok(())
}

/// The tags [`Search::TAGS_OF_A`] joined, sorted (each once: `app_tags` is keyed by app and tag).
fn split_tags(joined: Option<String>) -> Vec<String> {
    let mut tags: Vec<String> = joined.map(|t| t.split('\u{1f}').map(str::to_owned).collect()).unwrap_or_default();
    tags.sort();
    tags
}

/// The rows of app name `name` with their tags, as the catalog cache weighs them.
async fn app_facts(conn: &mut impl AsConn, name: &str) -> ApiResult<Vec<AppFacts>> {
    type Row = (i64, String, String, String, String, Option<i64>, bool, Option<String>, Option<String>, String);
    let rows: Vec<Row> = on_conn!(conn, |c, DB| {
        let sql = format!(
            "SELECT a.id, a.name, a.title, a.version_key, a.visibility, a.owner_id, a.latest_shared, a.category, {}, \
             lower(a.name || ' ' || a.title || ' ' || a.description || ' ' || a.keywords) \
             FROM apps a WHERE a.name = $1",
            DB::TAGS_OF_A
        );
        sqlx::query_as(&sql).bind(name).fetch_all(c).await
    })?;
    rows.into_iter()
        .map(|(id, name, title, version_key, visibility, owner_id, latest_shared, category, tags, text)| {
            let tags = split_tags(tags);
            Ok(AppFacts {
                id,
                name,
                title,
                version_key,
                visibility: visibility.parse().map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?,
                owner_id,
                latest_shared,
                category,
                tags,
                // lower() folds ASCII only (on PostgreSQL under COLLATE "C"); the cache's search check needs no more.
                text,
            })
        })
        .collect()
}

/// Starts the change of a write to the versions of app name `name`, in its transaction before it
/// writes: the rows as they were. [`commit_change`] ends it.
pub(crate) async fn begin_change(tx: &mut Tx, name: &str) -> ApiResult<AppChange> {
    Ok(AppChange { before: app_facts(tx, name).await?, after: Vec::new() })
}

/// Commits a write to the versions of app name `name` begun with [`begin_change`], and updates
/// the catalog cache with the rows as they are now: only the entries they change.
pub(crate) async fn commit_change(state: &AppState, mut tx: Tx, name: &str, mut change: AppChange) -> ApiResult<()> {
    change.after = app_facts(&mut tx, name).await?;
    Ok(state.catalog_cache.commit(tx, &change).await?)
}

/// A write to app version `id` of `name`, as the audit log records it (`apps/{id}`).
struct VersionWrite<'a> {
    id: i64,
    name: &'a str,
    actor: &'a str,
    action: &'a str,
    reason: Option<&'a str>,
    detail: serde_json::Value,
}

/// Ends every write to one app version (import, visibility, delete): which version of its name the
/// shared catalog shows is decided again, the audit entry is written, and the write commits with
/// the catalog cache in step ([`commit_change`]).
async fn commit_version_write(state: &AppState, mut tx: Tx, change: AppChange, write: VersionWrite<'_>) -> ApiResult<()> {
    refresh_latest_shared(&mut tx, write.name).await?;
    let resource = format!("apps/{}", write.id);
    let entry = crate::audit::Entry { actor: write.actor, action: write.action, resource: &resource, reason: write.reason, detail: write.detail };
    crate::audit::record(&mut tx, entry).await?;
    commit_change(state, tx, write.name, change).await
}

/// The cards of `ids`, in the order given.
async fn load_summaries(db: &Db, ids: &[i64]) -> ApiResult<Vec<AppSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<SummaryRow> = on_db!(db, |pool, DB| {
        let mut select =
            QueryBuilder::<DB>::new(format!("SELECT {SUMMARY_COLUMNS} FROM apps a LEFT JOIN users u ON u.id = a.owner_id WHERE a.id IN ("));
        db::push_in_list(&mut select, ids.iter().copied());
        select.build_query_as().fetch_all(pool).await
    })?;
    let mut tags = load_tags(db, ids).await?;
    let mut by_id: HashMap<i64, SummaryRow> = rows.into_iter().map(|row| (row.0, row)).collect();
    ids.iter()
        .filter_map(|id| by_id.remove(id))
        .map(|row| {
            let id = row.0;
            summary_from_row(row, tags.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Counts of each category (`Filters::AllButCategory`) or tag (`Filters::AllButTag`) among the
/// apps matching the search, the scope and the other facet's filter. The chosen value is always
/// listed, with 0 when no app has it any more, so it can be seen and cleared.
async fn facet(
    db: &Db,
    viewer: Viewer,
    query: &AppQuery,
    search: Option<&str>,
    filters: Filters,
) -> ApiResult<Vec<FacetCount>> {
    let (column, join, chosen) = match filters {
        Filters::AllButTag => ("t.tag", " JOIN app_tags t ON t.app_id = a.id", query.tag.as_deref()),
        _ => ("a.category", "", query.category.as_deref()),
    };
    let rows: Vec<(String, i64)> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new(format!("SELECT {column}, COUNT(*) FROM ("));
        builder.push("SELECT a.id, a.category");
        push_from_where(&mut builder, viewer, query, search, filters);
        builder.push(format!(") a{join} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY COUNT(*) DESC, {column} LIMIT "));
        builder.push_bind(FACET_LIMIT);
        builder.build_query_as().fetch_all(pool).await
    })?;
    let counts: Vec<FacetCount> = rows.into_iter().map(|(value, count)| FacetCount { value, count: count as u64 }).collect();
    Ok(with_chosen(counts, chosen))
}

/// A filter's list with its chosen value last, counted 0, when no matching app has it: the
/// person still sees (and can clear) what they chose.
fn with_chosen(mut counts: Vec<FacetCount>, chosen: Option<&str>) -> Vec<FacetCount> {
    if let Some(chosen) = chosen.filter(|c| !c.is_empty() && !counts.iter().any(|f| f.value == *c)) {
        counts.push(FacetCount { value: chosen.to_owned(), count: 0 });
    }
    counts
}

/// One app the viewer may see, or 404 (also when it exists but is PRIVATE to someone else).
pub async fn load_detail(db: &Db, viewer: Viewer, id: i64) -> ApiResult<AppDetail> {
    // long_description, manifest, bundle_size, sha256, owner_id, screenshots
    type DetailRow = (Option<String>, String, i64, String, Option<i64>, i64);
    let row: Option<DetailRow> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new(
            "SELECT d.long_description, d.manifest, a.bundle_size, a.sha256, a.owner_id, \
             (SELECT COUNT(*) FROM app_images i WHERE i.app_id = a.id AND i.kind = 'screenshot') \
             FROM apps a JOIN app_documents d ON d.app_id = a.id WHERE a.id = ",
        );
        builder.push_bind(id);
        builder.push(" AND ");
        push_visible(&mut builder, "a", viewer);
        builder.build_query_as().fetch_optional(pool).await
    })?;
    let (long_description, manifest, bundle_size, sha256, owner_id, screenshots) = row.ok_or_else(|| app_not_found(id))?;
    let summary = load_summaries(db, &[id]).await?.pop().ok_or_else(|| app_not_found(id))?;
    let manifest: Manifest = serde_json::from_str(&manifest).map_err(anyhow::Error::from)?;
    Ok(AppDetail {
        summary,
        long_description,
        long_description_html: None,
        runtime: AppRuntime::from_manifest(&manifest),
        screenshots: screenshots as u32,
        bundle_size: bundle_size as u64,
        sha256,
        can_manage: viewer.is_admin || owner_id == Some(viewer.user_id),
    })
}

/// 404 unless the viewer may see app `id`: one indexed lookup, for requests that need nothing else
/// of the app (its icon and screenshots, which a catalog page asks for two dozen at a time).
async fn require_visible(db: &Db, viewer: Viewer, id: i64) -> ApiResult<()> {
    // `1` is an int4 on PostgreSQL: an i32.
    let found: Option<i32> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new("SELECT 1 FROM apps a WHERE a.id = ");
        builder.push_bind(id);
        builder.push(" AND ");
        push_visible(&mut builder, "a", viewer);
        builder.build_query_scalar().fetch_optional(pool).await
    })?;
    found.map(drop).ok_or_else(|| app_not_found(id))
}

pub fn app_not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("There is no app {id}, or it is private to its owner."))
}

/// `GET /apps/{id}`: the app, or its 404. When the version was retired (made PRIVATE) or deleted
/// and a newer version of its name is one the viewer may see, the 404 names that one, the version
/// that replaced it. Otherwise it is the plain 404: nothing about the name is said to someone who
/// may see none of its newer versions.
pub async fn detail_or_successor(db: &Db, viewer: Viewer, id: i64) -> ApiResult<AppDetail> {
    match load_detail(db, viewer, id).await {
        Err(ApiError::NotFound(plain)) => Err(match successor(db, viewer, id).await? {
            Some((gone, successor)) => ApiError::Replaced {
                detail: format!("{gone} is no longer available to you; version {} replaced it.", successor.version),
                successor,
            },
            None => ApiError::NotFound(plain),
        }),
        other => other,
    }
}

/// For app `id` (an existing row, else its tombstone): its name and version, and the newest newer
/// version of the name the viewer may see.
async fn successor(db: &Db, viewer: Viewer, id: i64) -> ApiResult<Option<(String, AppRef)>> {
    let sql = "SELECT name, version, version_key FROM apps WHERE id = $1 \
               UNION ALL SELECT name, version, version_key FROM deleted_apps WHERE id = $1";
    let gone: Option<(String, String, String)> = on_db!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    let Some((name, version, version_key)) = gone else { return Ok(None) };
    let newer: Option<(i64, String, String)> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new("SELECT a.id, a.version, a.title FROM apps a WHERE a.name = ");
        builder.push_bind(name.clone()).push(" AND a.version_key > ").push_bind(version_key.clone()).push(" AND ");
        push_visible(&mut builder, "a", viewer);
        builder.push(" ORDER BY a.version_key DESC LIMIT 1");
        builder.build_query_as().fetch_optional(pool).await
    })?;
    let gone = format!("{name} {version}");
    Ok(newer.map(|(id, version, title)| (gone, AppRef { id, version, title })))
}

/// 404 unless the viewer sees the app, 403 unless they may change it (owner or admin).
pub async fn require_manager(db: &Db, viewer: Viewer, id: i64) -> ApiResult<AppDetail> {
    let app = load_detail(db, viewer, id).await?;
    if app.can_manage {
        Ok(app)
    } else {
        Err(ApiError::Forbidden(format!(
            "Only the owner of {} {} and admins may change or delete it.",
            app.summary.name, app.summary.version
        )))
    }
}

/// `PATCH /apps/{id}`: the new visibility, and why (required to make a shared version PRIVATE:
/// [`AppPatch::check`]).
pub async fn set_visibility(state: &AppState, caller: &Caller, id: i64, patch: &AppPatch) -> ApiResult<AppDetail> {
    let db = &state.db;
    let viewer = Viewer::from(caller);
    let app = require_manager(db, viewer, id).await?;
    let visibility = patch.visibility;
    let mut tx = db.begin_write().await?;
    let change = begin_change(&mut tx, &app.summary.name).await?;
    // The rule is about the visibility it has now, read under the write lock.
    let from: Option<String> =
        on_conn!(&mut tx, |c| sqlx::query_scalar("SELECT visibility FROM apps WHERE id = $1").bind(id).fetch_optional(c).await)?;
    let from = from.ok_or_else(|| app_not_found(id))?;
    let from: Visibility = from.parse().map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?;
    ApiError::check(patch.check(from))?;
    execute!(&mut tx, "UPDATE apps SET visibility = $1, updated_at = $2 WHERE id = $3", visibility.as_str(), db::now(), id)?;
    let detail = serde_json::json!({"name": app.summary.name, "version": app.summary.version, "visibility": visibility.as_str(), "from": from.as_str()});
    let (name, actor, reason) = (&app.summary.name, &caller.username, patch.reason.as_deref());
    commit_version_write(state, tx, change, VersionWrite { id, name, actor, action: "visibility", reason, detail }).await?;
    tracing::info!(actor = %caller.username, app = %app.summary.name, version = %app.summary.version, %visibility, "app visibility changed");
    load_detail(db, viewer, id).await
}

/// Blobs that no version names, older than this, are what an import left when its server was
/// killed between storing the bundle and committing its rows. (Far longer than an import takes
/// between the two, on any server.)
const ORPHAN_BLOB_AGE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Removes the blobs killed imports left ([`ORPHAN_BLOB_AGE`]); run at start. The store is listed
/// and the named blobs read without a lock (a large bucket takes a while); each blob to remove is
/// then named again under its blob lock, so an import of the same bytes, on any server, cannot
/// commit a row naming a blob this is removing.
pub async fn remove_orphan_blobs(state: &AppState) -> anyhow::Result<usize> {
    let cut_off = std::time::SystemTime::now() - ORPHAN_BLOB_AGE;
    let listed = state.blobs.list().await?;
    let named: Vec<String> = on_db!(&state.db, |pool| sqlx::query_scalar("SELECT DISTINCT sha256 FROM apps").fetch_all(pool).await)?;
    let mut removed = 0;
    for sha256 in crate::store::blobs::BlobStore::unreferenced(listed, &named.into_iter().collect(), cut_off) {
        let blob_guard = state.blob_locks.lock(&sha256).await?;
        let sql = "SELECT EXISTS (SELECT 1 FROM apps WHERE sha256 = $1)";
        let still_named: bool = on_db!(&state.db, |pool| sqlx::query_scalar(sql).bind(&sha256).fetch_one(pool).await)?;
        if !still_named {
            state.blobs.remove(&sha256).await?;
            removed += 1;
        }
        blob_guard.release().await;
    }
    Ok(removed)
}

/// `DELETE /apps/{id}`: the row, its images and tags, and the blob when no other app shares it.
/// A tombstone keeps its name and version, so its links can still point to its successor.
pub async fn delete(state: &AppState, caller: &Caller, id: i64, reason: &Reason) -> ApiResult<()> {
    let app = require_manager(&state.db, Viewer::from(caller), id).await?;
    ApiError::check(reason.check())?;
    let blob_guard = state.blob_locks.lock(&app.sha256).await?; // before the write lock, as in `import`
    let mut tx = state.db.begin_write().await?;
    let change = begin_change(&mut tx, &app.summary.name).await?;
    let live: i64 = on_conn!(&mut tx, |c| {
        sqlx::query_scalar("SELECT count(*) FROM instances WHERE app_id = $1 AND status IN ('starting', 'running')").bind(id).fetch_one(c).await
    })?;
    if live > 0 {
        return Err(ApiError::Conflict(format!(
            "{} {} has {live} running instance{}; terminate {} first. Its data may still be needed, so a version with \
             running instances can't be deleted{}",
            app.summary.name,
            app.summary.version,
            if live == 1 { "" } else { "s" },
            if live == 1 { "it" } else { "them" },
            // Only a shared version can be kept from new launches by making it private.
            match app.summary.visibility {
                Visibility::AllUsers => " (make it private to stop new launches).",
                Visibility::Private => ".",
            }
        )));
    }
    execute!(&mut tx, "DELETE FROM apps WHERE id = $1", id)?;
    // Ids are never reused (see `insert_apps`), so a tombstone is written once.
    execute!(
        &mut tx,
        "INSERT INTO deleted_apps (id, name, version, version_key, deleted_at) VALUES ($1, $2, $3, $4, $5)",
        id, &app.summary.name, &app.summary.version, version_sort_key(&app.summary.version), db::now()
    )?;
    let still_used: i64 =
        on_conn!(&mut tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE sha256 = $1").bind(&app.sha256).fetch_one(c).await)?;
    let detail = serde_json::json!({"name": app.summary.name, "version": app.summary.version});
    let (name, actor, reason) = (&app.summary.name, &caller.username, reason.text());
    commit_version_write(state, tx, change, VersionWrite { id, name, actor, action: "delete", reason, detail }).await?;
    if still_used == 0 {
        if let Err(error) = state.blobs.remove(&app.sha256).await {
            // The row is gone; a leftover blob wastes space but breaks nothing.
            tracing::error!(sha256 = %app.sha256, %error, "cannot remove the blob of a deleted app");
        }
    }
    blob_guard.release().await;
    tracing::info!(actor = %caller.username, app = %app.summary.name, version = %app.summary.version, "app deleted");
    Ok(())
}

/// An image of an app the viewer sees: `(media type, bytes)`.
pub async fn load_image(db: &Db, viewer: Viewer, id: i64, kind: &str, position: i64) -> ApiResult<(String, Vec<u8>)> {
    require_visible(db, viewer, id).await?;
    let image: Option<(String, Vec<u8>)> = on_db!(db, |pool| {
        sqlx::query_as("SELECT media_type, bytes FROM app_images WHERE app_id = $1 AND kind = $2 AND position = $3")
            .bind(id)
            .bind(kind)
            .bind(position)
            .fetch_optional(pool)
            .await
    })?;
    image.ok_or_else(|| match kind {
        "icon" => ApiError::NotFound(format!("App {id} has no icon.")),
        _ => ApiError::NotFound(format!("App {id} has no screenshot {position}.")),
    })
}

/// `GET /app-names/{name}/versions`: the versions the viewer sees, newest semver first.
pub async fn versions(db: &Db, viewer: Viewer, name: &str) -> ApiResult<Vec<AppVersion>> {
    // id, version, title, owner, visibility, created_at, live instances
    type Row = (i64, String, String, Option<String>, String, String, i64);
    let rows: Vec<Row> = on_db!(db, |pool, DB| {
        let mut builder = QueryBuilder::<DB>::new(
            "SELECT a.id, a.version, a.title, u.username, a.visibility, a.created_at, \
             (SELECT count(*) FROM instances i WHERE i.app_id = a.id AND i.status IN ('starting', 'running') AND ",
        );
        // Only the instances the viewer may see (the rule of `GET /instances`: ALL_USERS ones, their
        // own, every one for admins), except that a version's owner counts all of its own version's:
        // how many run is what they weigh before they retire or delete it (the rollout page); whose
        // they are stays hidden.
        if viewer.is_admin {
            builder.push("TRUE");
        } else {
            builder
                .push("(i.visibility = 'ALL_USERS' OR i.owner_id = ")
                .push_bind(viewer.user_id)
                .push(" OR a.owner_id = ")
                .push_bind(viewer.user_id)
                .push(")");
        }
        builder.push(") FROM apps a LEFT JOIN users u ON u.id = a.owner_id WHERE a.name = ");
        builder.push_bind(name.to_owned());
        builder.push(" AND ");
        push_visible(&mut builder, "a", viewer);
        builder.push(" ORDER BY a.version_key DESC");
        builder.build_query_as().fetch_all(pool).await
    })?;
    rows.into_iter()
        .map(|(id, version, title, owner, visibility, created_at, live)| {
            Ok(AppVersion {
                id,
                version,
                title,
                owner,
                visibility: visibility.parse().map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?,
                created_at,
                // Live (starting or running) instances the viewer sees: what keeps a version from
                // being deleted (delete counts them all).
                instances: live as u64,
            })
        })
        .collect()
}

/// A finding for a bad `visibility` query parameter.
pub fn visibility_finding(message: String) -> Finding {
    Finding::field_error("visibility.invalid", "visibility", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order the search had as one query: every match in `index` ranked, then sorted (FTS5's bm25).
    async fn ranked_in_one_query(db: &Db, index: TextIndex, filter: &str, q: &str, count: usize) -> Vec<i64> {
        let db = db.sqlite().expect("the FTS5 ranking");
        let text = q.trim().to_lowercase();
        let prefix = format!("{}%", db::escape_like(&text));
        let table = index.fts5_table();
        let sql = format!(
            "SELECT a.id FROM (SELECT rowid AS id, {} AS rank FROM {table} WHERE {table} MATCH $1) f \
             CROSS JOIN apps a ON a.id = f.id WHERE {filter} ORDER BY CASE WHEN lower(a.name) = $2 THEN 0 \
             WHEN a.name LIKE $3 ESCAPE '\\' OR a.name LIKE $4 ESCAPE '\\' OR a.title LIKE $5 ESCAPE '\\' THEN 1 ELSE 2 END, \
             f.rank, a.id LIMIT $6",
            <sqlx::Sqlite as Search>::rank(index)
        );
        sqlx::query_scalar(&sql)
            .bind(fts_query(q).unwrap())
            .bind(&text)
            .bind(&prefix)
            .bind(format!("%.{prefix}"))
            .bind(&prefix)
            .bind(count as i64)
            .fetch_all(db)
            .await
            .unwrap()
    }

    /// A seeded catalog of 1500 apps (`seed` picks them) in a folder of its own, and a server's
    /// state over it.
    async fn seeded(seed: u64) -> (tempfile::TempDir, Db, AppState) {
        let data = tempfile::tempdir().unwrap();
        wavehub_seed::catalog::seed_catalog(data.path(), None, 1500, seed, Some("admin-password-1".into())).await.unwrap();
        let db = db::open(data.path()).await.unwrap();
        let state = AppState::new(db.clone(), crate::http::state::Config::new(data.path().to_path_buf(), data.path().join("dist")));
        (data, db, state)
    }

    #[tokio::test]
    async fn a_search_ranks_head_first_and_the_same_as_ranking_every_match() {
        let (_data, db, state) = seeded(11).await;
        // The shared catalog's head is found in the held rows once they are loaded, by SQL before.
        let held = AppState::new(db.clone(), (*state.config).clone());
        load_shared_rows(&held).await.unwrap();
        let shared = AppQuery { latest: true, visibility: Some(Visibility::AllUsers), ..AppQuery::default() };
        let in_finance = AppQuery { category: Some("Finance".into()), ..shared.clone() };
        let admin = Viewer { user_id: 1, is_admin: true };
        let user = Viewer { user_id: 99, is_admin: false };
        let cases = [
            (&state, shared.clone(), admin, "a.latest_shared = TRUE"),
            (&held, shared.clone(), user, "a.latest_shared = TRUE"),
            (&held, in_finance, user, "a.latest_shared = TRUE AND a.category = 'Finance'"),
            (&held, AppQuery::default(), admin, "TRUE"),
            (&state, AppQuery::default(), user, "(a.visibility = 'ALL_USERS' OR a.owner_id = 99)"),
        ];
        // Each prefix of the common word typed one letter at a time, a name exactly, a part of the
        // dotted names, several words, text beyond ASCII, and words found nowhere.
        let searches = ["f", "fo", "for", "fore", "forec", "forecast", "ai.bench.app-12", "AI.Bench.App-7", "app-1", "bench", "sales risk", "é", "zzz"];
        for (state, query, viewer, filter) in &cases {
            for q in searches {
                let Some(search) = search::query_text(&state.db, q) else { continue };
                let query = AppQuery { q: Some(q.into()), ..query.clone() };
                for count in [1, 24, 300, 2000] {
                    let ranked = ranked_ids(state, *viewer, &query, &search, count).await.unwrap();
                    assert_eq!(ranked, ranked_in_one_query(&db, text_index(&query), filter, q, count).await, "{q:?} {filter} {count}");
                }
            }
        }
        let exact = AppQuery { q: Some("ai.bench.app-12".into()), ..AppQuery::default() };
        let ranked = ranked_ids(&state, admin, &exact, &search::query_text(&db, "ai.bench.app-12").unwrap(), 3).await.unwrap();
        let name_of = |id: i64| {
            let db = db.clone();
            let sql = "SELECT name FROM apps WHERE id = $1";
            async move { on_db!(&db, |pool| sqlx::query_scalar::<_, String>(sql).bind(id).fetch_one(pool).await).unwrap() }
        };
        assert_eq!(name_of(ranked[0]).await, "ai.bench.app-12", "the exact name first");
        // In the shared catalog, from the held rows: a shared name that starts other shared names.
        let sql = "SELECT a.name FROM apps a WHERE a.latest_shared = TRUE AND EXISTS \
                   (SELECT 1 FROM apps b WHERE b.latest_shared = TRUE AND b.name LIKE a.name || '_%') ORDER BY a.name LIMIT 1";
        let shared_name: String = on_db!(&db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).unwrap();
        let query = AppQuery { q: Some(shared_name.to_uppercase()), ..shared };
        let ranked = ranked_ids(&held, user, &query, &search::query_text(&db, &shared_name).unwrap(), 3).await.unwrap();
        assert_eq!(name_of(ranked[0]).await, shared_name, "the exact name first, whatever its case");
    }

    #[tokio::test]
    async fn a_shared_search_counted_from_the_held_rows_counts_what_sqlite_counts() {
        let (_data, db, state) = seeded(7).await;
        load_shared_rows(&state).await.unwrap();
        let tags: Vec<String> =
            on_db!(&db, |pool| sqlx::query_scalar("SELECT DISTINCT tag FROM app_tags ORDER BY tag LIMIT 2").fetch_all(pool).await).unwrap();
        let user = Viewer { user_id: 99, is_admin: false };
        let compare = |state: &AppState| {
            let (state, tags) = (state.clone(), tags.clone());
            async move {
                let filters = [(None, None), (Some("Finance"), None), (None, Some(tags[0].as_str())), (Some("Finance"), Some(tags[1].as_str())), (Some("No such"), None)];
                for q in ["f", "fo", "forec", "forecast", "app-1", "sales risk", "é", "zzz"] {
                    for (category, tag) in filters {
                        let query = AppQuery {
                            q: Some(q.into()),
                            category: category.map(str::to_owned),
                            tag: tag.map(str::to_owned),
                            latest: true,
                            visibility: Some(Visibility::AllUsers),
                            ..AppQuery::default()
                        };
                        let search = search::query_text(&state.db, q).unwrap();
                        let matches = search::matching_shared_ids(&state.db, &search).await.unwrap();
                        let held = state.catalog_cache.shared_totals(&matches, &query).await.expect("the shared rows are held");
                        let counted = counted_totals(&state.db, user, &query, Some(&search)).await.unwrap();
                        assert_eq!(held, counted, "{q:?} {category:?} {tag:?}");
                        if q == "forecast" && category.is_none() && tag.is_none() {
                            assert!(counted.total > 0 && !counted.categories.is_empty() && !counted.tags.is_empty(), "the data has matches");
                        }
                    }
                }
            }
        };
        compare(&state).await;

        // A write to one name moves its shared row (here its newest shared version becomes
        // private, so an older one, or none, is the shared one); the held rows follow it.
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT a.name FROM apps_fts JOIN apps a ON a.id = apps_fts.rowid WHERE apps_fts MATCH '\"forecast\"*' AND a.latest_shared = TRUE LIMIT 5",
        )
        .fetch_all(db.sqlite().expect("FTS5"))
        .await
        .unwrap();
        assert!(!names.is_empty());
        for name in &names {
            let mut tx = db.begin_write().await.unwrap();
            let change = begin_change(&mut tx, name).await.unwrap();
            let sql = "UPDATE apps SET visibility = 'PRIVATE' WHERE name = $1 AND latest_shared = TRUE";
            execute!(&mut tx, sql, name).unwrap();
            refresh_latest_shared(&mut tx, name).await.unwrap();
            commit_change(&state, tx, name, change).await.unwrap();
        }
        compare(&state).await;
    }

    /// The shared catalog's text index holds exactly the shared rows, as `latest_shared` moves
    /// with visibility changes and deletes (its triggers, migration 0013).
    #[tokio::test]
    async fn the_shared_text_index_holds_the_shared_rows_through_writes() {
        let (_data, db, _state) = seeded(5).await;
        let pool = db.sqlite().expect("FTS5").clone();
        let check = || {
            let pool = pool.clone();
            async move {
                for q in ["f", "forec", "bench", "sales risk", "zzz"] {
                    let search = fts_query(q).unwrap();
                    let sql = "SELECT rowid FROM shared_apps_fts WHERE shared_apps_fts MATCH $1 ORDER BY rowid";
                    let held: Vec<i64> = sqlx::query_scalar(sql).bind(&search).fetch_all(&pool).await.unwrap();
                    let sql = "SELECT a.id FROM apps_fts JOIN apps a ON a.id = apps_fts.rowid \
                               WHERE apps_fts MATCH $1 AND a.latest_shared = TRUE ORDER BY a.id";
                    let shared: Vec<i64> = sqlx::query_scalar(sql).bind(&search).fetch_all(&pool).await.unwrap();
                    assert_eq!(held, shared, "{q:?}");
                }
            }
        };
        check().await;
        // Names with more than one shared version: hiding the newest makes an older one shared;
        // deleting the one shared after that leaves the next (or none).
        let sql = "SELECT name FROM apps WHERE visibility = 'ALL_USERS' GROUP BY name HAVING count(*) > 2 ORDER BY name LIMIT 4";
        let names: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
        assert_eq!(names.len(), 4, "the data has names with several shared versions");
        for name in &names {
            let mut tx = db.begin_write().await.unwrap();
            let sql = "UPDATE apps SET visibility = 'PRIVATE' WHERE name = $1 AND latest_shared = TRUE";
            execute!(&mut tx, sql, name).unwrap();
            refresh_latest_shared(&mut tx, name).await.unwrap();
            let sql = "DELETE FROM apps WHERE name = $1 AND latest_shared = TRUE";
            execute!(&mut tx, sql, name).unwrap();
            refresh_latest_shared(&mut tx, name).await.unwrap();
            tx.commit().await.unwrap();
        }
        check().await;
    }

    #[test]
    fn search_words_become_quoted_prefixes() {
        assert_eq!(fts_query("churn risk").as_deref(), Some("\"churn\"* \"risk\"*"));
        assert_eq!(fts_query("  \"quoted\"  OR  ").as_deref(), Some("\"quoted\"* \"OR\"*"));
        assert_eq!(fts_query("ai.wavehub-demo").as_deref(), Some("\"ai.wavehub-demo\"*"));
        assert_eq!(fts_query("  * ( ) "), None);
        assert_eq!(fts_query(""), None);
    }
}
