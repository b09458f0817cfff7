//! The database: SQLite in the data dir (the default), or PostgreSQL for several servers, migrated
//! at start.
//!
//! [`Db`] is either pool. Code runs one query text on both through [`on_db!`](crate::on_db) and
//! [`on_conn!`](crate::on_conn), which expand their body once per backend with that backend's
//! concrete types (no generic bounds at call sites; the compiler checks both). Raw SQL uses `$1`,
//! `$2`… placeholders, which both drivers bind. What differs between the two (search, ids,
//! locking) is one function per backend, behind a trait beside the code that needs it;
//! [`Dialect`] holds the binds such generic helpers share.

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, PgConnection, Postgres, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file's name inside the data dir.
pub const DB_FILE: &str = "wavehub.db";

/// The pool of whichever database this server runs on. Cloning it is cheap (the pool is shared).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction ([`Db::begin_write`]): commit it, or drop it to roll back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// One connection taken from the pool, for several reads in a row ([`Db::acquire`]).
pub enum Pooled {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// A borrowed connection: a transaction's or a pooled one's ([`AsConn::as_conn`]).
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// `$body` once per backend, with `$e` that backend's pool (`&SqlitePool` or `&PgPool`) and, in
/// the second form, `$DB` its `sqlx::Database` type (for a `QueryBuilder::<$DB>`).
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$e:ident| $body:expr) => {
        $crate::on_db!($db, |$e, _Backend| $body)
    };
    ($db:expr, |$e:ident, $DB:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($e) => {
                #[allow(dead_code)]
                type $DB = sqlx::Sqlite;
                $body
            }
            $crate::db::Db::Postgres($e) => {
                #[allow(dead_code)]
                type $DB = sqlx::Postgres;
                $body
            }
        }
    };
}

/// `$body` once per backend, with `$c` that backend's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`) borrowed from `$conn` (any `&mut impl AsConn`: a transaction, a pooled
/// connection, a `Conn`), and, in the second form, `$DB` its `sqlx::Database` type.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        $crate::on_conn!($conn, |$c, _Backend| $body)
    };
    ($conn:expr, |$c:ident, $DB:ident| $body:expr) => {
        match $crate::db::AsConn::as_conn(&mut *$conn) {
            $crate::db::Conn::Sqlite($c) => {
                #[allow(dead_code)]
                type $DB = sqlx::Sqlite;
                $body
            }
            $crate::db::Conn::Postgres($c) => {
                #[allow(dead_code)]
                type $DB = sqlx::Postgres;
                $body
            }
        }
    };
}

/// Runs one statement on `$conn` (as [`on_conn!`] takes it) with `$arg`s bound in order to `$1`,
/// `$2`, … (the way `sqlx::query!` takes them), and gives how many rows it changed.
#[macro_export]
macro_rules! execute {
    ($conn:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_conn!($conn, |c| sqlx::query($sql)$(.bind($arg))*.execute(c).await.map(|done| done.rows_affected()))
    };
}

/// What a function that runs on its caller's connection takes (`conn: &mut impl AsConn`): a
/// transaction ([`Tx`]), a pooled connection ([`Pooled`]) or a borrowed one ([`Conn`]).
pub trait AsConn {
    fn as_conn(&mut self) -> Conn<'_>;
}

/// Each backend's migrations. PostgreSQL's start at 0012 (the whole schema at once), so a later
/// change is one file of the same number in each folder.
pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Where the database is (`--database-url` / `WAVEHUB_DATABASE_URL`), or the default: SQLite in the
/// data dir.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// `DATA_DIR/wavehub.db`, when no location is given.
    DataDir,
    /// A SQLite file: `PATH` or `sqlite:PATH`.
    Sqlite(PathBuf),
    /// A PostgreSQL server's database: `postgres://…` or `postgresql://…`.
    Postgres(String),
}

const LOCATION_FORMS: &str = "give postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://…) for PostgreSQL, \
                              or a file path (or sqlite:PATH) for SQLite";

impl DatabaseLocation {
    /// Reads `--database-url` / `WAVEHUB_DATABASE_URL`; an error names the flag and the forms it takes.
    pub fn parse(text: &str) -> anyhow::Result<DatabaseLocation> {
        let text = text.trim();
        let refuse = |why: &str| anyhow::anyhow!("--database-url (WAVEHUB_DATABASE_URL) `{}`: {why}; {LOCATION_FORMS}", redacted(text));
        if text.is_empty() {
            return Err(refuse("empty"));
        }
        let scheme = text.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => {
                text.parse::<PgConnectOptions>().map_err(|e| refuse(&format!("not a PostgreSQL URL ({e})")))?;
                Ok(DatabaseLocation::Postgres(text.to_owned()))
            }
            Some("sqlite") => {
                let path = text["sqlite:".len()..].trim_start_matches("//");
                let path = path.split_once('?').map_or(path, |(path, _)| path);
                if path.is_empty() {
                    return Err(refuse("no file path after sqlite:"));
                }
                Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
            }
            // Another scheme (mysql://, http://, …); a path may hold a colon after a slash or a dot.
            Some(scheme) if looks_like_a_scheme(scheme) => Err(refuse("not a database this server runs on")),
            _ => Ok(DatabaseLocation::Sqlite(PathBuf::from(text))),
        }
    }
}

impl std::str::FromStr for DatabaseLocation {
    type Err = anyhow::Error;
    fn from_str(text: &str) -> anyhow::Result<DatabaseLocation> {
        DatabaseLocation::parse(text)
    }
}

/// Without the password: locations are logged and shown in errors.
impl std::fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseLocation::DataDir => write!(f, "{DB_FILE} in the data dir"),
            DatabaseLocation::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseLocation::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

impl std::fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseLocation({self})")
    }
}

/// `mysql`, `http`: a URL's scheme, where a path would hold a slash or start with a dot.
fn looks_like_a_scheme(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic()) && text.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `url` with the password of its `user:password@` part replaced by `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Opens the database at `location` (the default: SQLite in `data_dir`) and applies every pending
/// migration.
pub async fn connect(location: &DatabaseLocation, data_dir: &Path) -> anyhow::Result<Db> {
    match location {
        DatabaseLocation::DataDir => open(data_dir).await,
        DatabaseLocation::Sqlite(path) => open_sqlite(path).await,
        DatabaseLocation::Postgres(url) => open_postgres(url).await,
    }
}

/// Opens (creating when missing) the SQLite database in `data_dir` and applies every pending
/// migration.
pub async fn open(data_dir: &Path) -> anyhow::Result<Db> {
    open_sqlite(&data_dir.join(DB_FILE)).await
}

/// Opens (creating when missing) the SQLite database file `path` and applies every pending migration.
pub async fn open_sqlite(path: &Path) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::new()
        .filename(path)
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
    SQLITE_MIGRATIONS.run(&pool).await.with_context(|| format!("cannot migrate the database {}", path.display()))?;
    Ok(Db::Sqlite(pool))
}

/// Connects to the PostgreSQL database at `url` and applies every pending migration. Several
/// servers may start at once: the migrator holds an advisory lock, so one migrates and the others
/// then find nothing to do.
pub async fn open_postgres(url: &str) -> anyhow::Result<Db> {
    let options: PgConnectOptions = url
        .parse()
        .map_err(|e| anyhow::anyhow!("--database-url (WAVEHUB_DATABASE_URL) `{}` is not a PostgreSQL URL: {e}", redacted(url)))?;
    let options = options.application_name("wavehub");
    let at = format!(
        "database `{}` on {}:{} as user `{}`",
        options.get_database().unwrap_or(options.get_username()),
        options.get_host(),
        options.get_port(),
        options.get_username()
    );
    // One connection first: the pool would retry a refused connection until its timeout and then
    // only say that it timed out.
    let mut first = PgConnection::connect_with(&options).await.with_context(|| {
        format!(
            "cannot connect to PostgreSQL ({at}): check that the server runs and listens there, that the database exists, \
             and the user and password of --database-url (WAVEHUB_DATABASE_URL)"
        )
    })?;
    POSTGRES_MIGRATIONS.run(&mut first).await.with_context(|| {
        format!(
            "cannot migrate the PostgreSQL {at}: the user must be allowed to create tables in it (its owner is), and to create the \
             extensions unaccent and pg_trgm (PostgreSQL 13 or newer lets a database owner; otherwise an administrator runs \
             CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm; in it once)"
        )
    })?;
    first.close().await.ok();
    // Waiting writers each hold a connection (begin_write's lock), so more than SQLite's 8.
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL ({at})"))?;
    Ok(Db::Postgres(pool))
}

/// The key of the PostgreSQL advisory lock every write transaction takes ([`Db::begin_write`]):
/// "wavehub" in ASCII, so that it does not collide with another program's locks on a shared server.
const WRITER_LOCK: i64 = 0x0077_6176_6568_7562;

impl Db {
    /// Starts a transaction that writes. Writes run one at a time, as SQLite's single writer does,
    /// so every check-then-write inside one sees the rows the writes before it committed.
    /// - SQLite: `BEGIN IMMEDIATE` takes the write lock at once, so concurrent writers queue on the
    ///   busy timeout; with a plain (deferred) `BEGIN`, SQLite refuses a writer whose snapshot
    ///   another commit made stale with "database is locked", without waiting.
    /// - PostgreSQL: `BEGIN` (read committed) and one advisory lock shared by every server, released
    ///   at commit, rollback or a dead connection. Each statement after it sees every earlier
    ///   commit; a stricter isolation level would take its snapshot before the wait.
    pub async fn begin_write(&self) -> sqlx::Result<Tx> {
        match self {
            Db::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
            Db::Postgres(pool) => {
                // Read committed even where the server's default is stricter (see above).
                let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL READ COMMITTED").await?;
                // As SQLite's busy timeout: a writer waits 5 s for the lock, then fails.
                sqlx::query("SET LOCAL lock_timeout = '5s'").execute(&mut *tx).await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITER_LOCK).execute(&mut *tx).await?;
                Ok(Tx::Postgres(tx))
            }
        }
    }

    /// One connection from the pool, for reads that belong together.
    pub async fn acquire(&self) -> sqlx::Result<Pooled> {
        Ok(match self {
            Db::Sqlite(pool) => Pooled::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Pooled::Postgres(pool.acquire().await?),
        })
    }

    /// The SQLite pool, for what only SQLite has (its file, `PRAGMA`s, tests of FTS5).
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }

    /// Names this database among others in one process (a key for caches of its derived values):
    /// the SQLite file, or the PostgreSQL server and database.
    pub fn id(&self) -> String {
        match self {
            Db::Sqlite(pool) => format!("sqlite:{}", pool.connect_options().get_filename().display()),
            Db::Postgres(pool) => {
                let options = pool.connect_options();
                format!("postgres://{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or_default())
            }
        }
    }

    /// Closes every connection (at shutdown, and before a test copies the database file).
    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}

impl AsConn for Tx {
    fn as_conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(&mut **tx),
            Tx::Postgres(tx) => Conn::Postgres(&mut **tx),
        }
    }
}

impl AsConn for Pooled {
    fn as_conn(&mut self) -> Conn<'_> {
        match self {
            Pooled::Sqlite(conn) => Conn::Sqlite(&mut **conn),
            Pooled::Postgres(conn) => Conn::Postgres(&mut **conn),
        }
    }
}

impl AsConn for Conn<'_> {
    fn as_conn(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(conn) => Conn::Sqlite(&mut **conn),
            Conn::Postgres(conn) => Conn::Postgres(&mut **conn),
        }
    }
}

/// Binds for query-building helpers written once for both backends
/// (`fn push_x<DB: Dialect>(builder: &mut QueryBuilder<'_, DB>, …)`): a generic function cannot
/// name `push_bind`'s per-type bounds for every backend, these methods can.
pub trait Dialect: sqlx::Database {
    fn bind_i64(builder: &mut QueryBuilder<'_, Self>, value: i64);
    fn bind_text(builder: &mut QueryBuilder<'_, Self>, value: String);
    fn bind_bool(builder: &mut QueryBuilder<'_, Self>, value: bool);
}

macro_rules! dialect_binds {
    ($backend:ty) => {
        impl Dialect for $backend {
            fn bind_i64(builder: &mut QueryBuilder<'_, Self>, value: i64) {
                builder.push_bind(value);
            }
            fn bind_text(builder: &mut QueryBuilder<'_, Self>, value: String) {
                builder.push_bind(value);
            }
            fn bind_bool(builder: &mut QueryBuilder<'_, Self>, value: bool) {
                builder.push_bind(value);
            }
        }
    };
}
dialect_binds!(Sqlite);
dialect_binds!(Postgres);

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

/// The rest of the `IN (` that `query` ends with: each of `values` bound, comma-separated, and the
/// closing parenthesis.
pub fn push_in_list<'args, DB: sqlx::Database, T: 'args + sqlx::Encode<'args, DB> + sqlx::Type<DB>>(
    query: &mut QueryBuilder<'args, DB>,
    values: impl IntoIterator<Item = T>,
) {
    let mut list = query.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    query.push(")");
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: `LIKE` treats `%` and `_` as wildcards, and a
/// search for them means the characters.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::DatabaseLocation;
    use std::path::PathBuf;

    #[test]
    fn a_database_url_names_postgresql_or_a_sqlite_file_and_anything_else_is_refused_with_both_forms() {
        let postgres = "postgres://wavehub:s3cret@db.internal:5433/hub";
        assert_eq!(DatabaseLocation::parse(postgres).unwrap(), DatabaseLocation::Postgres(postgres.into()));
        let postgresql = "postgresql://wavehub@localhost/hub?sslmode=require";
        assert_eq!(DatabaseLocation::parse(postgresql).unwrap(), DatabaseLocation::Postgres(postgresql.into()));
        assert_eq!(DatabaseLocation::parse("/var/lib/wavehub/hub.db").unwrap(), DatabaseLocation::Sqlite("/var/lib/wavehub/hub.db".into()));
        assert_eq!(DatabaseLocation::parse("hub.db").unwrap(), DatabaseLocation::Sqlite("hub.db".into()));
        assert_eq!(DatabaseLocation::parse("./odd:name.db").unwrap(), DatabaseLocation::Sqlite("./odd:name.db".into()));
        assert_eq!(DatabaseLocation::parse("sqlite:data/hub.db").unwrap(), DatabaseLocation::Sqlite(PathBuf::from("data/hub.db")));
        let with_query = DatabaseLocation::parse("sqlite:///srv/hub.db?mode=rwc").unwrap();
        assert_eq!(with_query, DatabaseLocation::Sqlite(PathBuf::from("/srv/hub.db")));
        for wrong in ["mysql://root:hunter2@db/hub", "http://db/hub", "", "sqlite:", "postgres://u:hunter2@host:notaport/db"] {
            let error = DatabaseLocation::parse(wrong).unwrap_err().to_string();
            assert!(error.contains("--database-url") && error.contains("postgres://") && error.contains("sqlite:PATH"), "{error}");
            assert!(!error.contains("hunter2"), "the password stays out of errors: {error}");
        }
    }

    #[test]
    fn a_postgresql_location_is_shown_without_its_password() {
        let location = DatabaseLocation::parse("postgres://wavehub:s3cret@db.internal:5433/hub").unwrap();
        assert_eq!(location.to_string(), "postgres://wavehub:***@db.internal:5433/hub");
        assert!(!format!("{location:?}").contains("s3cret"));
        assert_eq!(DatabaseLocation::parse("postgres://db/hub").unwrap().to_string(), "postgres://db/hub");
    }
}
