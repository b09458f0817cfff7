//! The blob lock: held while a bundle's blob is stored or removed together with the rows that
//! name it, so that an import and a delete of the same bytes cannot interleave (a delete removing
//! a blob an import just counted on, or a failed import removing a blob another just named) — on
//! this server or on any other that shares its database.
//!
//! The lock is per blob, and taken before the database's write lock (never while holding it), so
//! two holders cannot wait on each other.

use crate::db::Db;
use anyhow::Context;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};
use std::path::{Path, PathBuf};

/// Where the locks live: beside the database every server shares.
#[derive(Clone)]
pub enum BlobLocks {
    /// SQLite: servers that share it share its data dir, so the lock is a file there, `flock`ed.
    /// 256 files, one per first byte of the digest: few enough to keep, and two blobs rarely
    /// wait on one file.
    Files(PathBuf),
    /// PostgreSQL: a session advisory lock per blob, on a connection kept for as long as it is held.
    Postgres(PgPool),
}

/// A held blob lock; [`BlobGuard::release`] it. Dropped unreleased (a cancelled request), it is
/// still freed: the file closes, or the PostgreSQL connection is closed instead of going back to
/// the pool, which ends its session and its locks.
pub struct BlobGuard {
    held: Option<Held>,
}

enum Held {
    File(#[allow(dead_code)] std::fs::File),
    Postgres(PoolConnection<Postgres>, String),
}

impl BlobLocks {
    pub fn new(db: &Db, data_dir: &Path) -> Self {
        match db {
            Db::Sqlite(_) => BlobLocks::Files(data_dir.join("blob-locks")),
            Db::Postgres(pool) => BlobLocks::Postgres(pool.clone()),
        }
    }

    /// Waits until no one else (here or on another server) holds the lock of `sha256`.
    pub async fn lock(&self, sha256: &str) -> anyhow::Result<BlobGuard> {
        let held = match self {
            BlobLocks::Files(folder) => {
                let path = folder.join(format!("{}.lock", sha256.get(..2).unwrap_or("00")));
                let folder = folder.clone();
                let file = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
                    std::fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)
                        .with_context(|| format!("cannot open {}", path.display()))?;
                    lock_exclusive(&file).with_context(|| format!("cannot lock {}", path.display()))?;
                    Ok(file)
                })
                .await??;
                Held::File(file)
            }
            BlobLocks::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let key = format!("wavehub.blob:{sha256}");
                sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))").bind(&key).execute(&mut *conn).await?;
                Held::Postgres(conn, key)
            }
        };
        Ok(BlobGuard { held: Some(held) })
    }
}

impl BlobGuard {
    pub async fn release(mut self) {
        if let Some(Held::Postgres(mut conn, key)) = self.held.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))").bind(&key).execute(&mut *conn).await;
            if unlocked.is_err() {
                // Not back to the pool with the lock perhaps still held: closing ends the session.
                drop(conn.detach());
            }
        }
    }
}

impl Drop for BlobGuard {
    fn drop(&mut self) {
        if let Some(Held::Postgres(conn, _)) = self.held.take() {
            drop(conn.detach());
        }
    }
}

fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // Blocks until the lock is free; closing the file releases it.
    loop {
        // SAFETY: flock on a descriptor this function borrows for the call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}
