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
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgConnection, Postgres, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Transaction};
use std::path::Path;
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

/// What a function that runs on its caller's connection takes (`conn: &mut impl AsConn`): a
/// transaction ([`Tx`]), a pooled connection ([`Pooled`]) or a borrowed one ([`Conn`]).
pub trait AsConn {
    fn as_conn(&mut self) -> Conn<'_>;
}

/// Opens (creating when missing) the SQLite database in `data_dir` and applies every pending
/// migration.
pub async fn open(data_dir: &Path) -> anyhow::Result<Db> {
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
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .with_context(|| format!("cannot migrate the database {}", path.display()))?;
    Ok(Db::Sqlite(pool))
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
                let mut tx = pool.begin().await?;
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

/// Until every module takes `&Db`: code that still takes a `&SqlitePool` gets this server's SQLite
/// pool. No PostgreSQL server runs such code yet: `--database-url` is not accepted until it is gone.
impl std::ops::Deref for Db {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        self.sqlite().expect("this code runs on SQLite only (not converted to Db yet)")
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

/// Until every caller has a [`Tx`] or [`Pooled`]: SQLite's own connection types.
impl AsConn for SqliteConnection {
    fn as_conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}
impl AsConn for Transaction<'_, Sqlite> {
    fn as_conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(&mut **self)
    }
}
impl AsConn for PoolConnection<Sqlite> {
    fn as_conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(&mut **self)
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

/// Until every caller has a [`Db`]: [`Db::begin_write`] on a SQLite pool.
pub async fn begin_write(db: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// `text` for a `LIKE ... ESCAPE '\'` pattern: `LIKE` treats `%` and `_` as wildcards, and a
/// search for them means the characters.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
