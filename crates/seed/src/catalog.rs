//! `wavehub-seed catalog --data-dir DIR --apps N`: fills a data dir with N generated app rows for
//! `cargo xtask bench catalog`. Not demo data: the rows are seeded-random,
//! the same for the same N, and are written straight into the tables (batched multi-row INSERTs in
//! a few transactions) instead of through the import path, so 100,000 rows take seconds.
//!
//! What it makes:
//! - the first admin `admin` when the database has no account yet (password from
//!   `WAVEHUB_ADMIN_PASSWORD`, as `wavehub serve` does on its first start), and the author
//!   [`SEED_OWNER`], who owns every seeded row;
//! - names `ai.bench.app-<n>`, each with 1–5 semver versions (most names have one or two), so N rows
//!   make about N / 1.6 names;
//! - titles, descriptions and keywords drawn from a data-science word list ([`WORDS`], where
//!   [`COMMON_WORD`] is drawn more often, for a search that matches many rows), one of 16 categories
//!   (skewed: some are more popular), 1–4 of 30 tags, 80% ALL_USERS and 20% PRIVATE, an icon for
//!   about a third of the rows;
//! - a real [`Manifest`] as JSON in `app_documents`, and the `sha256`/`bundle_size` of one small real
//!   bundle stored once in the blob store, so every row's download works.
//!
//! The full-text index fills itself: the `apps_fts_insert` trigger on SQLite, the generated `search`
//! column on PostgreSQL.

use crate::{ensure_first_admin, ensure_user, semver_versions, Bumps, Rng};
use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use wavehub_core::accounts::Role;
use wavehub_core::apps::Visibility;
use wavehub_core::manifest::{AppSection, Manifest};
use wavehub_server::store::blobs::{BlobStore, BLOB_DIR};
use wavehub_server::db::{self, Db, Tx};
use wavehub_server::store::catalog::{self, NewAppRow};
use wavehub_server::{on_conn, on_db};

/// The author who owns the seeded apps.
pub const SEED_OWNER: &str = "bench-owner";
/// Seeded names start with this.
pub const NAME_PREFIX: &str = "ai.bench.app-";
/// A word drawn more often than the others: searching for a prefix of it matches many rows.
pub const COMMON_WORD: &str = "forecast";
/// The most popular category (a catalog filter with many rows).
pub const POPULAR_CATEGORY: &str = "Finance";

/// Rows per INSERT statement (each `apps` row binds 15 values; SQLite allows 32,766 per statement,
/// PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;
/// Statements per transaction.
const STATEMENTS_PER_TRANSACTION: usize = 10;

/// Words for titles, descriptions and keywords.
#[rustfmt::skip]
pub const WORDS: &[&str] = &[
    "forecast", "churn", "risk", "credit", "fraud", "anomaly", "detection", "customer", "segmentation",
    "sales", "demand", "inventory", "pricing", "revenue", "marketing", "campaign", "attribution",
    "sentiment", "text", "summary", "translation", "document", "invoice", "image", "vision", "object",
    "classification", "regression", "clustering", "embedding", "search", "recommendation", "ranking",
    "explainability", "fairness", "drift", "monitoring", "quality", "pipeline", "feature", "store",
    "model", "training", "tuning", "experiment", "notebook", "dashboard", "report", "insight", "trend",
    "seasonal", "time", "series", "energy", "load", "weather", "supply", "chain", "logistics", "route",
    "fleet", "maintenance", "sensor", "telemetry", "network", "traffic", "call", "center", "claims",
    "insurance", "underwriting", "loan", "default", "portfolio", "trading", "market", "stock", "budget",
    "expense", "payroll", "hiring", "attrition", "employee", "survey", "feedback", "support", "ticket",
    "routing", "patient", "readmission", "clinical", "trial", "genomics", "retail", "basket", "store",
    "footfall", "ecommerce", "conversion", "funnel", "cohort", "retention", "lifetime", "value", "score",
    "audit", "compliance", "privacy", "synthetic", "data", "label", "annotation", "speech", "audio",
    "transcription", "chatbot", "assistant", "question", "answering", "knowledge", "graph", "entity",
    "extraction", "geospatial", "map", "satellite", "crop", "yield", "water", "carbon", "emissions",
];

/// Title endings.
const TITLE_ENDINGS: &[&str] = &[
    "Explorer", "Dashboard", "Studio", "Monitor", "Analyzer", "Lab", "Console", "Planner", "Tracker", "Viewer",
    "Assistant", "Insights", "Workbench", "Simulator", "Scorecard",
];

/// Categories, most popular first (drawn with weights 16, 15, …, 1).
const CATEGORIES: &[&str] = &[
    "Finance", "Marketing", "Retail", "Healthcare", "Manufacturing", "Telecommunications", "Insurance",
    "Energy", "Logistics", "Human Resources", "Public Sector", "Media", "Education", "Agriculture",
    "Research", "Other",
];

const TAGS: &[&str] = &[
    "DATA_SCIENCE", "MACHINE_LEARNING", "DEEP_LEARNING", "NLP", "COMP_VISION", "TIME_SERIES", "FORECASTING",
    "EXPLAINABILITY", "AUTOML", "MLOPS", "DASHBOARD", "REPORTING", "FINANCE", "MARKETING", "RETAIL", "HEALTH",
    "TELECOM", "INSURANCE", "ENERGY", "SUPPLY_CHAIN", "HR", "GEOSPATIAL", "AUDIO", "GENAI", "LLM", "DEMO",
    "APP_DEV", "TEMPLATE", "EXPERIMENTAL", "CERTIFIED",
];

/// A 1×1 PNG: the seeded icon. (An earlier copy had a wrong IDAT checksum, which only decoding it,
/// as imports now do, found.)
const ICON_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x90, 0xCB, 0x7F, 0xF0, 0x1F, 0x00, 0x04, 0x89, 0x02, 0x6D, 0xA5, 0xB9, 0x18,
    0x4F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// What a seeding run made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub apps: u64,
    pub names: u64,
    pub tags: u64,
    pub icons: u64,
    pub all_users: u64,
    pub took: Duration,
}

impl SeedReport {
    /// The line the command prints: what it made, where, and how long it took.
    pub fn summary(&self, data_dir: &Path) -> String {
        format!(
            "Seeded {} apps ({} names, {} ALL_USERS, {} tags, {} icons) into {} in {:.1} s",
            self.apps,
            self.names,
            self.all_users,
            self.tags,
            self.icons,
            data_dir.display(),
            self.took.as_secs_f64()
        )
    }
}

/// A word for text: [`COMMON_WORD`] one time in 100, otherwise any word.
fn word(rng: &mut Rng) -> &'static str {
    if rng.below(100) == 0 {
        return COMMON_WORD;
    }
    rng.pick::<&str>(WORDS)
}

/// One generated row of `apps`, with its tags and whether it has an icon.
#[derive(Debug, Clone)]
pub struct SeedApp {
    pub name: String,
    pub version: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub keywords: Vec<String>,
    pub tags: Vec<String>,
    pub all_users: bool,
    pub has_icon: bool,
    pub created_at: String,
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// How many versions a name gets: 1–5, mostly 1 or 2 (65%, 18%, 9%, 5%, 3%; mean 1.63).
fn version_count(rng: &mut Rng) -> usize {
    match rng.below(100) {
        0..=64 => 1,
        65..=82 => 2,
        83..=91 => 3,
        92..=96 => 4,
        _ => 5,
    }
}

/// How the versions of a name grow: mostly patches, a minor in 3 of 10, a major in 1 of 10.
const BUMPS: Bumps = Bumps { first_major_below: 3, out_of: 10, minor: 3 };

/// The generated catalog: `apps` rows in name order, versions ascending within a name.
pub fn generate(apps: usize, seed: u64) -> Vec<SeedApp> {
    let mut rng = Rng::new(seed);
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").expect("a valid date").to_utc();
    let mut rows = Vec::with_capacity(apps);
    let mut n = 0u64;
    while rows.len() < apps {
        n += 1;
        let name = format!("{NAME_PREFIX}{n}");
        let count = version_count(&mut rng).min(apps - rows.len());
        let title_words = 1 + rng.below(2);
        let mut title: Vec<String> = (0..title_words).map(|_| capitalized(word(&mut rng))).collect();
        title.push((*rng.pick(TITLE_ENDINGS)).to_owned());
        let title = title.join(" ");
        // Categories drawn with weights 16..1: the first is the most popular.
        let weights: u64 = (1..=CATEGORIES.len() as u64).sum();
        let mut draw = rng.below(weights);
        let mut category = CATEGORIES[CATEGORIES.len() - 1];
        for (i, candidate) in CATEGORIES.iter().enumerate() {
            let weight = (CATEGORIES.len() - i) as u64;
            if draw < weight {
                category = candidate;
                break;
            }
            draw -= weight;
        }
        let mut keywords: Vec<String> = (0..2 + rng.below(4)).map(|_| capitalized(word(&mut rng))).collect();
        keywords.dedup();
        let mut tags: Vec<String> = (0..1 + rng.below(4)).map(|_| (*rng.pick(TAGS)).to_owned()).collect();
        tags.sort();
        tags.dedup();
        let has_icon = rng.chance(35);
        let mut at = start + chrono::Duration::minutes(rng.below(60 * 24 * 365) as i64);
        for version in semver_versions(&mut rng, count, BUMPS) {
            let words = 8 + rng.below(13);
            let text: Vec<&str> = (0..words).map(|_| word(&mut rng)).collect();
            let description = format!("{} {}.", capitalized(text[0]), text[1..].join(" "));
            rows.push(SeedApp {
                name: name.clone(),
                version,
                title: title.clone(),
                description,
                category: category.to_owned(),
                keywords: keywords.clone(),
                tags: tags.clone(),
                all_users: rng.chance(80),
                has_icon,
                created_at: db::timestamp(at),
            });
            at += chrono::Duration::minutes(60 + rng.below(60 * 24 * 30) as i64);
        }
    }
    rows
}

/// The manifest stored with a row, as its app.toml would have said.
pub fn manifest(app: &SeedApp) -> Manifest {
    let mut manifest = Manifest::new(AppSection {
        name: app.name.clone(),
        version: app.version.clone(),
        title: Some(app.title.clone()),
        description: Some(app.description.clone()),
        category: Some(app.category.clone()),
        keywords: Some(app.keywords.clone()),
        tags: Some(app.tags.clone()),
        ..AppSection::default()
    });
    manifest.runtime.module = Some("app".into());
    manifest.runtime.memory_limit = Some("2Gi".into());
    manifest.runtime.memory_reservation = Some("512Mi".into());
    manifest
}

/// The one real bundle every seeded row points at.
fn bundle_bytes() -> anyhow::Result<Vec<u8>> {
    let app_toml = "[App]\nName = \"ai.bench.app\"\nVersion = \"1.0.0\"\nTitle = \"Bench App\"\n\
                    Description = \"The bundle behind every seeded catalog row.\"\n\n[Runtime]\nModule = \"app\"\n";
    let app_py = "from h2o_wave import main, app, Q, ui\n\n\n@app('/')\nasync def serve(q: Q):\n    \
                  q.page['hello'] = ui.markdown_card(box='1 1 3 3', title='Bench', content='Hello')\n    await q.page.save()\n";
    let files = vec![
        ("app.toml".to_owned(), app_toml.as_bytes().to_vec()),
        ("app.py".to_owned(), app_py.as_bytes().to_vec()),
        ("requirements.txt".to_owned(), b"h2o-wave\n".to_vec()),
        ("static/icon.png".to_owned(), ICON_PNG.to_vec()),
    ];
    wavehub_core::package::package_files(&files).map_err(|finding| anyhow::anyhow!("cannot package the bundle: {}", finding.message))
}

/// Stores the bundle in the blob store (once) and returns its digest and size.
async fn store_bundle(data_dir: &Path) -> anyhow::Result<(String, i64)> {
    let bytes = bundle_bytes()?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let mut file = tempfile::NamedTempFile::new_in(data_dir)?;
    file.write_all(&bytes)?;
    file.flush()?;
    BlobStore::new(data_dir).put(file, &sha256).await.context("cannot store the seeded bundle")?;
    Ok((sha256, bytes.len() as i64))
}

/// Seeds `apps` rows into the data dir. Refuses a database that already holds seeded rows.
pub async fn seed_catalog(
    data_dir: &Path,
    database_url: Option<&str>,
    apps: usize,
    seed: u64,
    admin_password: Option<String>,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    std::fs::create_dir_all(data_dir.join(BLOB_DIR))
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let database = database_url.map(db::DatabaseLocation::parse).transpose()?.unwrap_or(db::DatabaseLocation::DataDir);
    let db = db::connect(&database, data_dir).await?;

    let pattern = format!("{NAME_PREFIX}%");
    let seeded: i64 = on_db!(&db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE name LIKE $1").bind(&pattern).fetch_one(pool).await)?;
    if seeded > 0 {
        bail!("{} already holds {seeded} seeded apps; delete the data dir to seed it again", data_dir.display());
    }

    ensure_first_admin(&db, admin_password).await?;
    let owner = ensure_user(&db, SEED_OWNER, wavehub_server::accounts::auth::random_password(), vec![Role::Author]).await?;
    let (sha256, bundle_size) = store_bundle(data_dir).await?;

    let rows = generate(apps, seed);
    let mut report = SeedReport { apps: rows.len() as u64, names: 0, tags: 0, icons: 0, all_users: 0, took: Duration::ZERO };
    let now = db::now();
    let statements: Vec<&[SeedApp]> = rows.chunks(ROWS_PER_STATEMENT).collect();
    for transaction in statements.chunks(STATEMENTS_PER_TRANSACTION) {
        let mut tx = db.begin_write().await?;
        for chunk in transaction {
            let with_ids = insert_apps(&mut tx, chunk, owner, &sha256, bundle_size, &now).await?;
            let tags: Vec<(i64, &str)> =
                with_ids.iter().flat_map(|(id, app)| app.tags.iter().map(move |tag| (*id, tag.as_str()))).collect();
            for part in tags.chunks(2000) {
                on_conn!(&mut tx, |c, DB| {
                    let mut builder = QueryBuilder::<DB>::new("INSERT INTO app_tags (app_id, tag) ");
                    builder.push_values(part, |mut row, (id, tag)| {
                        row.push_bind(*id).push_bind(*tag);
                    });
                    builder.build().execute(c).await.map(drop)
                })?;
            }
            report.tags += tags.len() as u64;
            let icons: Vec<i64> = with_ids.iter().filter(|(_, app)| app.has_icon).map(|(id, _)| *id).collect();
            if !icons.is_empty() {
                on_conn!(&mut tx, |c, DB| {
                    let mut builder = QueryBuilder::<DB>::new("INSERT INTO app_images (app_id, kind, position, path, media_type, bytes) ");
                    builder.push_values(&icons, |mut row, id| {
                        row.push_bind(*id)
                            .push_bind("icon")
                            .push_bind(0i64)
                            .push_bind("static/icon.png")
                            .push_bind("image/png")
                            .push_bind(ICON_PNG);
                    });
                    builder.build().execute(c).await.map(drop)
                })?;
            }
            report.icons += icons.len() as u64;
        }
        tx.commit().await?;
    }
    // Rows written in bulk skip import, which keeps the catalog's derived columns; compute them once.
    wavehub_server::store::catalog::refresh_all_latest_shared(&db).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Db::Postgres(pool) = &db {
        // The identity column's next id after the highest one written (the ids came from its
        // sequence, but a seeder that wrote its own must not leave the next import colliding).
        sqlx::query("SELECT setval(pg_get_serial_sequence('apps', 'id'), (SELECT max(id) FROM apps))").execute(pool).await?;
    }
    report.all_users = rows.iter().filter(|app| app.all_users).count() as u64;
    report.names = rows.iter().map(|app| app.name.as_str()).collect::<std::collections::HashSet<_>>().len() as u64;
    // No ANALYZE / PRAGMA optimize: a database grown by imports has no statistics either, and the
    // benchmark should see the query plans a real server gets.
    db.close().await;
    report.took = started.elapsed();
    Ok(report)
}

/// One statement's rows through the server's one writer of `apps` ([`catalog::insert_apps`]),
/// then their documents; the rows with the ids they were given.
async fn insert_apps<'a>(
    tx: &mut Tx,
    apps: &'a [SeedApp],
    owner_id: i64,
    sha256: &str,
    bundle_size: i64,
    now: &str,
) -> anyhow::Result<Vec<(i64, &'a SeedApp)>> {
    let rows: Vec<NewAppRow<'_>> = apps
        .iter()
        .map(|app| NewAppRow {
            name: &app.name,
            version: &app.version,
            title: &app.title,
            description: &app.description,
            category: Some(&app.category),
            keywords: &app.keywords,
            owner_id,
            visibility: if app.all_users { Visibility::AllUsers } else { Visibility::Private },
            sha256,
            bundle_size,
            created_at: &app.created_at,
            updated_at: now,
        })
        .collect();
    let ids = catalog::insert_apps(tx, &rows).await?;
    let mut manifests = Vec::with_capacity(apps.len());
    for app in apps {
        manifests.push(serde_json::to_string(&manifest(app))?);
    }
    on_conn!(tx, |c, DB| {
        let mut documents = QueryBuilder::<DB>::new("INSERT INTO app_documents (app_id, manifest) ");
        documents.push_values(ids.iter().zip(&manifests), |mut row, (id, manifest)| {
            row.push_bind(*id).push_bind(manifest.as_str());
        });
        documents.build().execute(c).await.map(drop)
    })?;
    Ok(ids.into_iter().zip(apps).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::apps::{compare_versions, version_sort_key};

    #[test]
    fn generation_is_deterministic_with_ascending_versions_per_name() {
        let rows = generate(2000, 7);
        assert_eq!(rows.len(), 2000);
        let again = generate(2000, 7);
        assert!(rows.iter().zip(&again).all(|(a, b)| a.name == b.name && a.version == b.version && a.title == b.title));
        for pair in rows.windows(2) {
            if pair[0].name == pair[1].name {
                assert_eq!(compare_versions(&pair[0].version, &pair[1].version), std::cmp::Ordering::Less, "{pair:?}");
            }
            assert!(semver_ok(&pair[0].version), "{}", pair[0].version);
        }
        let names: std::collections::HashSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let per_name = rows.len() as f64 / names.len() as f64;
        assert!((1.4..1.9).contains(&per_name), "{per_name} versions per name");
        let shared = rows.iter().filter(|r| r.all_users).count() as f64 / rows.len() as f64;
        assert!((0.75..0.85).contains(&shared), "{shared} ALL_USERS");
        let common = rows.iter().filter(|r| r.description.contains(COMMON_WORD)).count();
        assert!(common > rows.len() / 10, "{common} rows mention {COMMON_WORD}");
        assert!(rows.iter().filter(|r| r.category == POPULAR_CATEGORY).count() > rows.len() / 20);
    }

    /// The benchmark's data must not drift: a change here changes every catalog benchmark's rows
    /// (this is the fingerprint of the rows `wavehub seed-catalog` made before the seeders moved).
    #[test]
    fn the_generated_rows_are_the_benchmarks_rows() {
        let rows = generate(3000, 7).into_iter().map(|r| {
            format!(
                "{}|{}|{}|{}|{}|{:?}|{:?}|{}|{}|{}\n",
                r.name, r.version, r.title, r.description, r.category, r.keywords, r.tags, r.all_users, r.has_icon, r.created_at
            )
        });
        assert_eq!(crate::fingerprint(rows), 0x5b0d_4f38_d180_f1ad);
    }

    fn semver_ok(version: &str) -> bool {
        !version_sort_key(version).starts_with('!')
    }

    #[test]
    fn the_manifest_round_trips_through_json() {
        let app = &generate(1, 1)[0];
        let json = serde_json::to_string(&manifest(app)).unwrap();
        let back: Manifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back.app.name, app.name);
        assert_eq!(back.app.tags.as_deref(), Some(app.tags.as_slice()));
    }

    #[tokio::test]
    async fn seeds_rows_the_catalog_reads() {
        let data = tempfile::tempdir().unwrap();
        let report = seed_catalog(data.path(), None, 1200, 3, Some("bench-admin-password".into())).await.unwrap();
        assert_eq!(report.apps, 1200);
        let db = db::open(data.path()).await.unwrap();
        // A SQLite data dir, with FTS5.
        let pool = db.sqlite().expect("a SQLite data dir").clone();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps").fetch_one(&pool).await.unwrap();
        assert_eq!(count, 1200);
        let fts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps_fts WHERE apps_fts MATCH $1")
            .bind(format!("\"{}\"*", &COMMON_WORD[..5]))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(fts > 100, "{fts} rows found by the search index");
        let sha: String = sqlx::query_scalar("SELECT sha256 FROM apps LIMIT 1").fetch_one(&pool).await.unwrap();
        let blob = BlobStore::new(data.path()).local_path(&sha).await.unwrap();
        let checked = wavehub_server::store::bundle_files::check_bundle_file(&blob, &wavehub_core::bundle::BundleOptions::default()).unwrap();
        // Valid; its 1×1 icon draws only a warning about the icon's size.
        assert!(checked.valid && checked.errors.is_empty(), "the stored bundle passes the upload rules: {checked:?}");
        let shared: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps WHERE latest_shared = TRUE").fetch_one(&pool).await.unwrap();
        assert!(shared > 0 && shared < 1200, "{shared} names in the shared catalog");
        let viewer = wavehub_server::store::catalog::Viewer { user_id: 1, is_admin: true };
        let detail = wavehub_server::store::catalog::load_detail(&db, viewer, 1).await.unwrap();
        assert!(detail.summary.name.starts_with(NAME_PREFIX));
        let users: Vec<String> = sqlx::query_scalar("SELECT username FROM users ORDER BY username").fetch_all(&pool).await.unwrap();
        assert_eq!(users, ["admin", SEED_OWNER]);
        db.close().await;
        let again = seed_catalog(data.path(), None, 10, 3, None).await.unwrap_err().to_string();
        assert!(again.contains("already holds"), "{again}");
    }
}
