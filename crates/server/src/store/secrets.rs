//! Secrets: admins write them, apps read them at run time through `[[Env]]` and `[[File]]`. Values
//! are write-only: no answer of the API carries one; only the instance runner reads them. They are
//! sealed at rest ([`crate::store::sealing`]). A secret is used only by apps whose author it is granted to
//! ([`SecretGrants`]; admins always): checked at import, and again at every launch.

use crate::audit;
use crate::accounts::auth::Caller;
use crate::db::{self, AsConn, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::{execute, on_conn, on_db};
use std::collections::BTreeMap;
use wavehub_core::api::Finding;
use wavehub_core::manifest::Manifest;
use crate::store::sealing::SecretBox;
use wavehub_core::accounts::Role;
use wavehub_core::secrets::{NewSecret, SecretGrants, SecretSummary};

/// One place an app reads a secret: `(toml path of the entry, secret, key, optional)`; entries
/// count from 1, as the manifest reader names them (`Env[1]` is the first).
fn references(manifest: &Manifest) -> Vec<(String, &str, &str, bool)> {
    let env = manifest.env.iter().enumerate().map(|(i, e)| (format!("Env[{}]", i + 1), &e.source));
    let files = manifest.files.iter().enumerate().map(|(i, f)| (format!("File[{}]", i + 1), &f.source));
    env.chain(files)
        .filter_map(|(path, source)| {
            let (secret, key) = source.secret_reference()?;
            Some((path, secret, key, source.optional))
        })
        .collect()
}

/// Findings for every secret or key the manifest names that `author` may not use (not granted to
/// them), or that does not exist (unless `Optional`), at the entry's line in app.toml.
pub async fn unusable_references(conn: &mut impl AsConn, manifest: &Manifest, author: &Caller) -> ApiResult<Vec<Finding>> {
    let (username, roles) = (author.username.as_str(), author.roles.as_slice());
    let mut findings = Vec::new();
    for (path, secret, key, optional) in references(manifest) {
        let keys: Vec<String> =
            on_conn!(conn, |c| sqlx::query_scalar("SELECT key FROM secret_keys WHERE secret_name = $1").bind(secret).fetch_all(c).await)?;
        let message = if !keys.is_empty() && !grants(&mut *conn, secret).await?.allow(username, roles) {
            format!("{path} reads secret `{secret}`, which {username} may not use; ask an admin to grant it to you on the Secrets page.")
        } else if optional {
            continue;
        } else if keys.is_empty() {
            format!("{path} reads secret `{secret}`, which does not exist on this server; ask an admin to add it (with key `{key}`), or mark the entry `Optional = true`.")
        } else if !keys.iter().any(|k| k == key) {
            format!("{path} reads key `{key}` of secret `{secret}`, which has no such key (it has {}); fix SecretKey or ask an admin to add the key.", keys.join(", "))
        } else {
            continue;
        };
        let field = format!("{path}.Secret");
        let code = if message.contains("may not use") { "secret.not_granted" } else { "secret.unknown" };
        let mut finding = Finding::error(code, &field, message).in_file("app.toml");
        // At the Secret value when the reader kept its place, else at the entry's header.
        if let Some(position) = manifest.position_of(&field).or_else(|| manifest.position_of(&path)) {
            finding = finding.at(position);
        }
        findings.push(finding);
    }
    Ok(findings)
}

/// Who may use `secret` besides admins.
async fn grants(conn: &mut impl AsConn, secret: &str) -> ApiResult<SecretGrants> {
    let sql = "SELECT kind, grantee FROM secret_grants WHERE secret_name = $1 ORDER BY kind, grantee";
    let rows: Vec<(String, String)> = on_conn!(conn, |c| sqlx::query_as(sql).bind(secret).fetch_all(c).await)?;
    let mut grants = SecretGrants::default();
    for (kind, grantee) in rows {
        match kind.as_str() {
            "user" => grants.users.push(grantee),
            _ => grants.roles.extend(grantee.parse::<Role>().ok()),
        }
    }
    Ok(grants)
}

/// The values an instance of an app by `author` gets: `(secret, key) → value` for every reference
/// that exists. A secret no longer granted to the author refuses the launch.
pub async fn values_for(
    db: &Db,
    sealer: &SecretBox,
    manifest: &Manifest,
    (username, roles): (&str, &[Role]),
) -> ApiResult<BTreeMap<(String, String), String>> {
    let mut conn = db.acquire().await?;
    let mut values = BTreeMap::new();
    for (path, secret, key, _) in references(manifest) {
        let sql = "SELECT sealed FROM secret_keys WHERE secret_name = $1 AND key = $2 AND sealed IS NOT NULL";
        let sealed: Option<Vec<u8>> = on_conn!(&mut conn, |c| sqlx::query_scalar(sql).bind(secret).bind(key).fetch_optional(c).await)?;
        let Some(sealed) = sealed else { continue };
        if !grants(&mut conn, secret).await?.allow(username, roles) {
            return Err(ApiError::Conflict(format!(
                "{path} reads secret `{secret}`, which is no longer granted to the app's author ({username}); an admin grants it on the Secrets page."
            )));
        }
        let value = sealer.open(secret, key, &sealed).map_err(ApiError::Internal)?;
        values.insert((secret.to_owned(), key.to_owned()), value);
    }
    Ok(values)
}

/// At start: seals values still stored in plain text (written before sealing existed), then
/// rewrites the database file so no page keeps the old text. Returns how many it sealed.
pub async fn seal_plain_values(db: &Db, sealer: &SecretBox) -> anyhow::Result<usize> {
    let plain: Vec<(String, String, String)> =
        on_db!(db, |pool| sqlx::query_as("SELECT secret_name, key, value FROM secret_keys WHERE value IS NOT NULL").fetch_all(pool).await)?;
    if plain.is_empty() {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    for (secret, key, value) in &plain {
        store_sealed(&mut tx, secret, key, sealer.seal(secret, key, value)).await?;
    }
    tx.commit().await?;
    scrub_freed_space(db).await?;
    Ok(plain.len())
}

/// Overwrites the space the old plain values were in.
/// - SQLite: the file is rewritten (VACUUM), and the WAL, which still holds the old pages, emptied
///   before and after.
/// - PostgreSQL: nothing. Its schema began after sealing, so it never stored a plain value.
async fn scrub_freed_space(db: &Db) -> sqlx::Result<()> {
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
            sqlx::query("VACUUM").execute(pool).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
            Ok(())
        }
        Db::Postgres(_) => Ok(()),
    }
}

/// Re-seals every value under a new key (`wavehub rotate-secret-key`); the caller writes the new
/// key file once this has committed.
pub async fn reseal_all(db: &Db, old: &SecretBox, new: &SecretBox) -> anyhow::Result<usize> {
    let rows: Vec<(String, String, Vec<u8>)> =
        on_db!(db, |pool| sqlx::query_as("SELECT secret_name, key, sealed FROM secret_keys WHERE sealed IS NOT NULL").fetch_all(pool).await)?;
    let mut tx = db.begin_write().await?;
    for (secret, key, sealed) in &rows {
        let value = old.open(secret, key, sealed)?;
        store_sealed(&mut tx, secret, key, new.seal(secret, key, &value)).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Replaces the value of `secret`'s `key` with `sealed`, and leaves no plain text beside it.
async fn store_sealed(tx: &mut db::Tx, secret: &str, key: &str, sealed: Vec<u8>) -> sqlx::Result<()> {
    execute!(tx, "UPDATE secret_keys SET sealed = $1, value = NULL WHERE secret_name = $2 AND key = $3", sealed, secret, key).map(drop)
}

/// App versions (`name version`) whose manifest reads `secret`.
async fn used_by(conn: &mut impl AsConn, secret: &str) -> ApiResult<Vec<String>> {
    // The LIKE narrows to manifests that mention the name; parsing confirms it is a reference.
    let sql = "SELECT a.name, a.version, d.manifest FROM apps a JOIN app_documents d ON d.app_id = a.id WHERE d.manifest LIKE $1 \
               ORDER BY a.name, a.version_key";
    let pattern = format!("%\"{secret}\"%");
    let rows: Vec<(String, String, String)> = on_conn!(conn, |c| sqlx::query_as(sql).bind(&pattern).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, manifest)| {
            serde_json::from_str::<Manifest>(manifest).is_ok_and(|m| references(&m).iter().any(|(_, s, _, _)| *s == secret))
        })
        .map(|(name, version, _)| format!("{name} {version}"))
        .collect())
}

async fn summary(conn: &mut impl AsConn, name: &str) -> ApiResult<SecretSummary> {
    let dates: Option<(String, String)> =
        on_conn!(conn, |c| sqlx::query_as("SELECT created_at, updated_at FROM secrets WHERE name = $1").bind(name).fetch_optional(c).await)?;
    let (created_at, updated_at) = dates.ok_or_else(|| ApiError::NotFound(format!("There is no secret `{name}`.")))?;
    let keys: Vec<String> =
        on_conn!(conn, |c| sqlx::query_scalar("SELECT key FROM secret_keys WHERE secret_name = $1 ORDER BY key").bind(name).fetch_all(c).await)?;
    let used_by = used_by(&mut *conn, name).await?;
    let grants = grants(conn, name).await?;
    Ok(SecretSummary { name: name.to_owned(), keys, created_at, updated_at, used_by, grants })
}

/// `GET /secrets`: names and key names only.
pub async fn list(db: &Db, caller: &Caller) -> ApiResult<Vec<SecretSummary>> {
    caller.require_admin()?;
    let mut conn = db.acquire().await?;
    let names: Vec<String> = on_conn!(&mut conn, |c| sqlx::query_scalar("SELECT name FROM secrets ORDER BY name").fetch_all(c).await)?;
    let mut secrets = Vec::with_capacity(names.len());
    for name in names {
        secrets.push(summary(&mut conn, &name).await?);
    }
    Ok(secrets)
}

/// `POST /secrets`: creates the secret, or replaces all its keys. Returns whether it was new.
pub async fn put(db: &Db, sealer: &SecretBox, caller: &Caller, request: &NewSecret) -> ApiResult<(bool, SecretSummary)> {
    caller.require_admin()?;
    ApiError::check(request.check())?;
    let now = db::now();
    let mut tx = db.begin_write().await?;
    for user in &request.grants.users {
        let exists: Option<i64> =
            on_conn!(&mut tx, |c| sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(user.to_lowercase()).fetch_optional(c).await)?;
        if exists.is_none() {
            return Err(ApiError::Invalid {
                detail: format!("There is no user `{user}` to grant secret `{}` to.", request.name),
                findings: vec![Finding::field_error("grants.users.unknown", "grants.users", format!("There is no user `{user}`; check the name."))],
            });
        }
    }
    execute!(
        &mut tx,
        "INSERT INTO secrets (name, created_at, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at",
        &request.name, &now, &now
    )?;
    let existed: i64 =
        on_conn!(&mut tx, |c| sqlx::query_scalar("SELECT count(*) FROM secret_keys WHERE secret_name = $1").bind(&request.name).fetch_one(c).await)?;
    execute!(&mut tx, "DELETE FROM secret_keys WHERE secret_name = $1", &request.name)?;
    for (key, value) in &request.keys {
        execute!(
            &mut tx,
            "INSERT INTO secret_keys (secret_name, key, sealed) VALUES ($1, $2, $3)",
            &request.name, key, sealer.seal(&request.name, key, value)
        )?;
    }
    execute!(&mut tx, "DELETE FROM secret_grants WHERE secret_name = $1", &request.name)?;
    let grantees = request.grants.users.iter().map(|user| ("user", user.to_lowercase())).chain(request.grants.roles.iter().map(|role| ("role", role.as_str().to_owned())));
    for (kind, grantee) in grantees {
        execute!(
            &mut tx,
            "INSERT INTO secret_grants (secret_name, kind, grantee) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &request.name, kind, &grantee
        )?;
    }
    let resource = format!("secrets/{}", request.name);
    // The key names only: the audit log is read by people, values are not for them.
    let detail = serde_json::json!({"keys": request.keys.keys().collect::<Vec<_>>(), "grants": request.grants});
    let action = if existed > 0 { "replace" } else { "create" };
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action, resource: &resource, reason: None, detail }).await?;
    let summary = summary(&mut tx, &request.name).await?;
    tx.commit().await?;
    Ok((existed == 0, summary))
}

/// `DELETE /secrets/{name}`: refused while an app version reads it.
pub async fn delete(db: &Db, caller: &Caller, name: &str) -> ApiResult<()> {
    caller.require_admin()?;
    let mut tx = db.begin_write().await?;
    summary(&mut tx, name).await?;
    let users = used_by(&mut tx, name).await?;
    if !users.is_empty() {
        return Err(ApiError::Conflict(format!(
            "Secret `{name}` can't be deleted while apps read it: {}. Delete those app versions first.",
            users.join(", ")
        )));
    }
    execute!(&mut tx, "DELETE FROM secrets WHERE name = $1", name)?;
    let resource = format!("secrets/{name}");
    audit::record(&mut tx, audit::Entry { actor: &caller.username, action: "delete", resource: &resource, reason: None, detail: serde_json::json!({}) }).await?;
    tx.commit().await?;
    Ok(())
}
