//! The one place the state columns of runtime images and their versions are written. A state has
//! two sides: the platform's (the bootstrap file's ceiling, for images it manages) and the
//! console's (deprecate / disable / enable). [`write_state`] sets one side and stores the effective
//! state wavehub-core computes from both (`effective_with_reason`), with `state_rank` for images.
//! The console's API, the bootstrap file and the benchmark seeder all write through it; each
//! caller writes its own audit entry and refreshes the image's current version.

use crate::db::AsConn;
use crate::on_conn;
use wavehub_core::runtime_images::{effective_with_reason, Availability, AvailabilityDetail};

/// The row whose state is written.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Image { workspace: &'a str, uid: &'a str },
    Version { workspace: &'a str, uid: &'a str, version: &'a str },
}

/// The side being set, with its reason.
#[derive(Debug, Clone, Copy)]
pub enum Side<'a> {
    Platform(Availability, Option<&'a str>),
    Console(Availability, Option<&'a str>),
}

/// Both sides as stored. No platform side: the platform does not manage the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    pub platform: Option<(Availability, Option<String>)>,
    pub console: (Availability, Option<String>),
}

/// The state columns an image row and a version row both have, as stored; the rows read them with
/// `#[sqlx(flatten)]`, [`write_state`] writes them.
#[derive(Debug, sqlx::FromRow)]
pub struct StateColumns {
    pub platform_state: Option<String>,
    pub platform_state_reason: Option<String>,
    pub console_state: String,
    pub console_state_reason: Option<String>,
    pub state: String,
    pub state_reason: Option<String>,
    pub state_update_time: String,
}

impl StateColumns {
    /// The platform's side (its ceiling), for rows the bootstrap file manages.
    pub fn platform(&self) -> Option<Availability> {
        self.platform_state.as_deref().map(db_state)
    }

    /// The state in force.
    pub fn effective(&self) -> Availability {
        db_state(&self.state)
    }

    pub fn console(&self) -> Availability {
        db_state(&self.console_state)
    }

    /// The state as the API shows it, for a row the bootstrap file manages or not.
    pub fn into_api(self, managed_by_bootstrap: bool) -> AvailabilityDetail {
        AvailabilityDetail {
            state: self.effective(),
            platform_state: self.platform(),
            console_state: self.console(),
            state_reason: self.state_reason,
            state_update_time: self.state_update_time,
            managed_by_bootstrap,
            platform_state_reason: self.platform_state_reason,
            console_state_reason: self.console_state_reason,
        }
    }
}

/// The state columns hold only the three names (CHECK constraints); anything else would be a bug.
pub(crate) fn db_state(text: &str) -> Availability {
    text.parse().unwrap_or(Availability::Disabled)
}

/// The `state_rank` column: sorting by state puts the most restricted first.
pub fn state_rank(state: Availability) -> i64 {
    match state {
        Availability::Active => 0,
        Availability::Deprecated => 1,
        Availability::Disabled => 2,
    }
}

/// Both sides of `subject`'s state, as stored.
pub async fn sides(conn: &mut impl AsConn, subject: Subject<'_>) -> Result<Sides, sqlx::Error> {
    let columns = "platform_state, platform_state_reason, console_state, console_state_reason";
    let sql = match subject {
        Subject::Image { .. } => format!("SELECT {columns} FROM runtime_images WHERE workspace_id = $1 AND uid = $2"),
        Subject::Version { .. } => {
            format!("SELECT {columns} FROM runtime_image_versions WHERE workspace_id = $1 AND image_uid = $2 AND version = $3")
        }
    };
    let (platform, platform_reason, console, console_reason): (Option<String>, Option<String>, String, Option<String>) = on_conn!(conn, |c| {
        let query = match subject {
            Subject::Image { workspace, uid } => sqlx::query_as(&sql).bind(workspace).bind(uid),
            Subject::Version { workspace, uid, version } => sqlx::query_as(&sql).bind(workspace).bind(uid).bind(version),
        };
        query.fetch_one(c).await
    })?;
    Ok(Sides { platform: platform.as_deref().map(|state| (db_state(state), platform_reason)), console: (db_state(&console), console_reason) })
}

/// Sets one side of `subject`'s state, keeps the other as stored, and writes both with the
/// effective state and reason, `state_update_time` (and for images `state_rank` and `updated_time`)
/// set to `now`. Returns the effective state and its reason.
pub async fn write_state(
    conn: &mut impl AsConn,
    subject: Subject<'_>,
    side: Side<'_>,
    now: &str,
) -> Result<(Availability, Option<String>), sqlx::Error> {
    let stored = sides(conn, subject).await?;
    let (platform, console) = match side {
        Side::Platform(state, reason) => (Some((state, reason.map(str::to_owned))), stored.console),
        Side::Console(state, reason) => (stored.platform, (state, reason.map(str::to_owned))),
    };
    let (state, state_reason) = effective_with_reason(platform.clone(), console.clone());
    let platform_state = platform.as_ref().map(|(state, _)| state.as_str());
    let platform_reason = platform.as_ref().and_then(|(_, reason)| reason.as_deref());
    let sets = "platform_state = $1, platform_state_reason = $2, console_state = $3, console_state_reason = $4, state = $5, \
        state_reason = $6, state_update_time = $7";
    let sql = match subject {
        Subject::Image { .. } => {
            format!("UPDATE runtime_images SET {sets}, state_rank = $8, updated_time = $9 WHERE workspace_id = $10 AND uid = $11")
        }
        Subject::Version { .. } => {
            format!("UPDATE runtime_image_versions SET {sets} WHERE workspace_id = $8 AND image_uid = $9 AND version = $10")
        }
    };
    on_conn!(conn, |c| {
        let query = sqlx::query(&sql)
            .bind(platform_state)
            .bind(platform_reason)
            .bind(console.0.as_str())
            .bind(console.1.as_deref())
            .bind(state.as_str())
            .bind(&state_reason)
            .bind(now);
        let query = match subject {
            Subject::Image { workspace, uid } => query.bind(state_rank(state)).bind(now).bind(workspace).bind(uid),
            Subject::Version { workspace, uid, version } => query.bind(workspace).bind(uid).bind(version),
        };
        query.execute(c).await.map(drop)
    })?;
    Ok((state, state_reason))
}
