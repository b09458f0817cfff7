//! wavehub-seed: the HTTP benchmarks' data, kept out of the `wavehub` binary.
//!
//! - [`catalog`]: `wavehub-seed catalog`, app rows for `cargo xtask bench catalog`;
//! - [`runtime_images`]: `wavehub-seed runtime-images`, a workspace's runtime images for `cargo xtask
//!   bench runtime-images`.
//!
//! Both draw from the benchmarks' one seeded RNG ([`Rng`], `wavehub_bench::rng`), so the same
//! arguments give the same rows everywhere, and write through the server library's own functions
//! where the API has one (users, blobs, runtime image versions, bootstrap, derived columns). What
//! they share is here: the accounts they make, the semver version lists, and the command line's run.

pub mod catalog;
pub mod runtime_images;

use anyhow::bail;
use std::future::Future;
use std::process::ExitCode;
use wavehub_core::accounts::{check_password, NewUser, Role};
use wavehub_server::accounts::users::insert_user;
use wavehub_server::db::Db;
use wavehub_server::on_db;

pub use wavehub_bench::rng::Rng;

/// The id of `username`, created with `roles` and `password` when missing.
pub async fn ensure_user(db: &Db, username: &str, password: String, roles: Vec<Role>) -> anyhow::Result<i64> {
    const FIND: &str = "SELECT id FROM users WHERE username = $1";
    if let Some(id) = on_db!(db, |pool| sqlx::query_scalar::<_, i64>(FIND).bind(username).fetch_optional(pool).await)? {
        return Ok(id);
    }
    let user = NewUser { username: username.into(), password, roles };
    insert_user(db, &user).await.map_err(|e| anyhow::anyhow!("cannot create the user {username}: {e}"))?;
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(FIND).bind(username).fetch_one(pool).await)?)
}

/// Creates the first admin `admin` when the database has no account yet, the way `wavehub serve`
/// does on its first start (password from `admin_password`, else random and printed): seeding other
/// accounts first would stop `serve` from making it.
pub async fn ensure_first_admin(db: &Db, admin_password: Option<String>) -> anyhow::Result<()> {
    let users: i64 = on_db!(db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
    if users > 0 {
        return Ok(());
    }
    let password = match admin_password.filter(|p| !p.is_empty()) {
        Some(password) => {
            if let Some(finding) = check_password(&password).first() {
                bail!("WAVEHUB_ADMIN_PASSWORD is not acceptable: {}", finding.message);
            }
            password
        }
        None => {
            let password = wavehub_server::accounts::auth::random_password();
            println!("Created the first account: `{}`, password: {password}", wavehub_server::serve::FIRST_ADMIN);
            password
        }
    };
    ensure_user(db, wavehub_server::serve::FIRST_ADMIN, password, vec![Role::Admin]).await?;
    Ok(())
}

/// How a list of versions grows: the first major is drawn below `first_major_below`; each later
/// version draws below `out_of`: 0 bumps the major, `1..=minor` the minor, the rest the patch.
#[derive(Debug, Clone, Copy)]
pub struct Bumps {
    pub first_major_below: u64,
    pub out_of: u64,
    pub minor: u64,
}

/// Ascending semver versions (`1.2.3`): patch, minor or major bumps by `bumps`; now and then (one
/// list in ten of two or more) the newest is a release candidate of the next minor, the newest by
/// semver (`1.3.0-rc.2`).
pub fn semver_versions(rng: &mut Rng, count: usize, bumps: Bumps) -> Vec<String> {
    let (mut major, mut minor, mut patch) = (rng.below(bumps.first_major_below), rng.below(10), rng.below(10));
    let mut list = Vec::with_capacity(count);
    for n in 0..count {
        if n > 0 {
            match rng.below(bumps.out_of) {
                0 => (major, minor, patch) = (major + 1, 0, 0),
                bump if bump <= bumps.minor => (minor, patch) = (minor + 1, 0),
                _ => patch += 1,
            }
        }
        list.push(format!("{major}.{minor}.{patch}"));
    }
    if count > 1 && rng.chance(10) {
        if let Some(last) = list.last_mut() {
            *last = format!("{major}.{}.0-rc.{}", minor + 1, 1 + rng.below(3));
        }
    }
    list
}

/// The command line's run of one seeder: on a fresh async runtime, then its `summary` on stdout, or
/// the error's causes on stderr and exit 1.
pub fn run<T>(seeding: impl Future<Output = anyhow::Result<T>>, summary: impl FnOnce(&T) -> String) -> ExitCode {
    let outcome = tokio::runtime::Runtime::new()
        .map_err(|error| anyhow::anyhow!("cannot start the async runtime: {error}"))
        .and_then(|runtime| runtime.block_on(seeding));
    match outcome {
        Ok(report) => {
            println!("{}", summary(&report));
            ExitCode::SUCCESS
        }
        Err(error) => {
            let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("wavehub-seed: {}", causes.join(": "));
            ExitCode::FAILURE
        }
    }
}

/// FNV-1a (64 bit) of text: the tests' fingerprint of generated data.
#[cfg(test)]
pub(crate) fn fingerprint(lines: impl IntoIterator<Item = String>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for line in lines {
        for byte in line.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::apps::compare_versions;

    #[test]
    fn versions_ascend_with_an_occasional_release_candidate_last() {
        let bumps = Bumps { first_major_below: 3, out_of: 10, minor: 3 };
        let mut rng = Rng::new(9);
        let mut candidates = 0;
        for _ in 0..500 {
            let list = semver_versions(&mut rng, 6, bumps);
            assert_eq!(list.len(), 6);
            for pair in list.windows(2) {
                assert_eq!(compare_versions(&pair[0], &pair[1]), std::cmp::Ordering::Less, "{list:?}");
            }
            assert!(list[..5].iter().all(|v| !v.contains('-')), "{list:?}");
            candidates += usize::from(list[5].contains("-rc."));
        }
        assert!((20..90).contains(&candidates), "{candidates} lists end with a release candidate");
        assert_eq!(semver_versions(&mut Rng::new(1), 1, bumps).len(), 1);
        assert!(semver_versions(&mut Rng::new(1), 0, bumps).is_empty());
    }

    #[test]
    fn a_failed_run_exits_1() {
        assert_eq!(run(async { anyhow::Ok(3) }, |n| format!("{n}")), ExitCode::SUCCESS);
        assert_eq!(run(async { Err::<(), _>(anyhow::anyhow!("no")) }, |_| String::new()), ExitCode::FAILURE);
    }
}
