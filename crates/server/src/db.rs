//! The database: SQLite in the data dir, migrated at start.

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;
use std::path::Path;
use std::time::Duration;

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "wavehub.db";

/// Opens (creating when missing) the database in `data_dir` and applies every pending migration.
pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    let path = data_dir.join(DB_FILE);
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while one writer commits; busy_timeout makes writers queue
        // instead of failing at once.
        .journal_mode(SqliteJournalMode::Wal)
        // Deleted and replaced rows are overwritten, not left in free pages (old secret values).
        .pragma("secure_delete", "ON")
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the database {}", path.display()))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate the database {}", path.display()))?;
    Ok(pool)
}

/// Now, as the RFC 3339 UTC text every table stores.
pub fn now() -> String {
    timestamp(chrono::Utc::now())
}

pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// True when the error is a UNIQUE constraint violation (a duplicate).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A write's result, with a UNIQUE constraint violation (a duplicate) turned into the 409 that
/// `conflict` words; any other database error stays an internal one.
pub fn or_conflict<T>(result: Result<T, sqlx::Error>, conflict: impl FnOnce() -> String) -> crate::http::error::ApiResult<T> {
    match result {
        Err(error) if is_unique_violation(&error) => Err(crate::http::error::ApiError::Conflict(conflict())),
        other => Ok(other?),
    }
}

/// Starts a transaction that writes. `BEGIN IMMEDIATE` takes the write lock at once, so concurrent
/// writers queue on the busy timeout; with a plain (deferred) `BEGIN`, SQLite refuses a writer whose
/// snapshot another commit made stale with "database is locked", without waiting.
pub async fn begin_write(db: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: `LIKE` treats `%` and `_` as wildcards, and a
/// search for them means the characters.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
