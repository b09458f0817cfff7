//! `wavehub serve --bootstrap FILE`: the platform's runtime images, read at every start from the
//! same YAML shape administrators keep in their Helm values:
//!
//! ```yaml
//! config:
//!   deployer:
//!     composition:
//!       runtimeImages:
//!         h2oai-h2o3mojo-scorer:              # the image id
//!           displayName: "H2O-3 MOJO Scorer"
//!           description: "Scoring using H2O-3 MOJO model"
//!           state: ACTIVE                     # ACTIVE, DEPRECATED or DISABLED
//!           stateReason: ""
//!           versions:
//!             - image: {registry: "", repository: "h2oai-h2o3mojo-scorer", tag: "v1.5.4"}
//!               version: "v1.5.4"             # optional: taken from the tag when absent
//!               state: ACTIVE
//!               stateReason: ""
//! ```
//!
//! The file's images become platform images (workspace `global`, `managed_by_bootstrap`), shown in
//! every workspace. Its states are the platform's: the ceiling the console cannot lift. Applying
//! the file sets only the platform's side, so a restriction made in the console survives any later
//! file. An image or version that left the file is disabled by the platform, never deleted (runtimes
//! may still name it). The file is checked whole before anything is written, and applied in one
//! transaction: a bad file stops the start and changes nothing.

use crate::audit;
use crate::db::{self, AsConn, Db};
use crate::{execute, on_conn};
use crate::runtime_images::state::{self, Side, Subject};
use crate::runtime_images::images::{insert_row, NewImageRow};
use crate::runtime_images::versions::{insert_version, refresh_image};
use crate::runtime_images::{image_resource, version_resource};
use anyhow::Context;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use wavehub_core::api::Finding;
use wavehub_core::runtime_images::{check_id, version_for, Prereleases, Availability, PLATFORM_WORKSPACE};

/// The reason the platform gives for what left the file.
pub const REMOVED_REASON: &str = "Removed from the platform's bootstrap file";

/// Where the images sit in the file, for messages.
const ROOT: &str = "config.deployer.composition.runtimeImages";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformImage {
    pub id: String,
    pub name: String,
    pub description: String,
    pub state: Availability,
    pub reason: Option<String>,
    pub versions: Vec<PlatformVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformVersion {
    pub version: String,
    pub docker_image: String,
    pub state: Availability,
    pub reason: Option<String>,
}

// The file's shape. Unknown keys are refused inside image entries (a typo like `displayname`
// would otherwise be silently ignored); the rest of a Helm values file may hold anything.
#[derive(Deserialize)]
struct ValuesFile {
    config: Option<ConfigSection>,
}
#[derive(Deserialize)]
struct ConfigSection {
    deployer: Option<DeployerSection>,
}
#[derive(Deserialize)]
struct DeployerSection {
    composition: Option<CompositionSection>,
}
#[derive(Deserialize)]
struct CompositionSection {
    #[serde(rename = "runtimeImages")]
    runtime_images: Option<BTreeMap<String, ImageEntry>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ImageEntry {
    display_name: Option<String>,
    description: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
    #[serde(default)]
    versions: Vec<VersionEntry>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VersionEntry {
    image: ImageSpec,
    version: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageSpec {
    #[serde(default)]
    registry: String,
    repository: String,
    #[serde(default)]
    tag: String,
}

/// Reads and checks a bootstrap file; the findings name the file, the YAML path, and for syntax
/// and shape errors the line and column.
pub fn parse(text: &str, file: &str) -> Result<Vec<PlatformImage>, Vec<Finding>> {
    let values: ValuesFile = serde_norway::from_str(text).map_err(|error| {
        let mut finding = Finding::error("bootstrap.yaml", ROOT, format!("{error}")).in_file(file);
        if let Some(location) = error.location() {
            finding.line = Some(location.line() as u32);
            finding.column = Some(location.column() as u32);
        }
        vec![finding]
    })?;
    let entries = values
        .config
        .and_then(|c| c.deployer)
        .and_then(|d| d.composition)
        .and_then(|c| c.runtime_images)
        .ok_or_else(|| {
            vec![Finding::error(
                "bootstrap.missing",
                ROOT,
                format!("The file has no `{ROOT}`; write `runtimeImages: {{}}` there to say the platform has no images."),
            )
            .in_file(file)]
        })?;
    let mut findings = Vec::new();
    let mut images = Vec::new();
    for (id, entry) in entries {
        let path = format!("{ROOT}.{id}");
        let error = |field: &str, message: String| {
            Finding::error("bootstrap.invalid", &format!("{path}{field}"), message).in_file(file)
        };
        findings.extend(check_id(&path, &id).into_iter().map(|f| f.in_file(file)));
        let state = parse_state(entry.state.as_deref()).map_err(|m| error(".state", m));
        let mut versions: Vec<PlatformVersion> = Vec::new();
        for (index, version) in entry.versions.into_iter().enumerate() {
            let field = format!(".versions[{index}]");
            let docker_image = docker_image(&version.image);
            let choice = version_for(&docker_image, version.version.as_deref())
                .map_err(|finding| error(&format!("{field}.{}", if finding.path == "version" { "version" } else { "image" }), finding.message));
            let version_state = parse_state(version.state.as_deref()).map_err(|m| error(&format!("{field}.state"), m));
            match (choice, version_state) {
                (Ok(choice), Ok(state)) => {
                    if versions.iter().any(|v| v.version == choice.version) {
                        findings.push(error(&field, format!("Version {} appears twice in this image; each version once.", choice.version)));
                    }
                    versions.push(PlatformVersion { version: choice.version, docker_image, state, reason: non_empty(version.state_reason) });
                }
                (choice, state) => findings.extend(choice.err().into_iter().chain(state.err())),
            }
        }
        match state {
            Ok(state) => images.push(PlatformImage {
                name: non_empty(entry.display_name).unwrap_or_else(|| id.clone()),
                description: entry.description.unwrap_or_default().trim().to_owned(),
                id,
                state,
                reason: non_empty(entry.state_reason),
                versions,
            }),
            Err(finding) => findings.push(finding),
        }
    }
    if findings.is_empty() {
        Ok(images)
    } else {
        Err(findings)
    }
}

fn parse_state(text: Option<&str>) -> Result<Availability, String> {
    text.map_or(Ok(Availability::Active), str::parse)
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `registry/repository:tag`, leaving out what is empty.
fn docker_image(spec: &ImageSpec) -> String {
    let mut image = match spec.registry.trim().trim_end_matches('/') {
        "" => spec.repository.trim().to_owned(),
        registry => format!("{registry}/{}", spec.repository.trim()),
    };
    if !spec.tag.trim().is_empty() {
        image.push(':');
        image.push_str(spec.tag.trim());
    }
    image
}

/// What applying a file changed, for the start-up message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub images: usize,
    pub created: usize,
    pub removed: usize,
}

/// Reads, checks and applies `path`. Any problem stops here with every finding listed.
pub async fn apply_file(db: &Db, path: &Path) -> anyhow::Result<Applied> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the bootstrap file {}", path.display()))?;
    let file = path.display().to_string();
    let images = parse(&text, &file).map_err(|findings| {
        let lines: Vec<String> = findings
            .iter()
            .map(|f| match (f.line, f.column) {
                (Some(line), Some(column)) => format!("{file}:{line}:{column}: {} ({})", f.message, f.path),
                _ => format!("{file}: {}: {}", f.path, f.message),
            })
            .collect();
        anyhow::anyhow!("the bootstrap file has {} problem(s):\n  {}", lines.len(), lines.join("\n  "))
    })?;
    apply(db, &images).await
}

/// Makes the platform images in the database match `images`, in one transaction.
pub async fn apply(db: &Db, images: &[PlatformImage]) -> anyhow::Result<Applied> {
    let now = db::now();
    let mut tx = db.begin_write().await?;
    let known: Vec<String> = on_conn!(&mut tx, |c| {
        sqlx::query_scalar("SELECT uid FROM runtime_images WHERE workspace_id = $1").bind(PLATFORM_WORKSPACE).fetch_all(c).await
    })?;
    let mut applied = Applied { images: images.len(), ..Applied::default() };
    for image in images {
        let exists = known.contains(&image.id);
        if !exists {
            let row = NewImageRow {
                workspace: PLATFORM_WORKSPACE,
                uid: &image.id,
                name: &image.name,
                description: &image.description,
                managed_by_bootstrap: true,
                prereleases: Prereleases::default(),
            };
            insert_row(&mut tx, &row, &now).await?;
            applied.created += 1;
        } else {
            execute!(
                &mut tx,
                "UPDATE runtime_images SET name = $1, name_key = $2, description = $3 WHERE workspace_id = $4 AND uid = $5",
                &image.name, image.name.to_lowercase(), &image.description, PLATFORM_WORKSPACE, &image.id
            )?;
        }
        set_platform_state(&mut tx, image_subject(&image.id), image.state, image.reason.as_deref(), &now).await?;
        apply_versions(&mut tx, image, &now).await?;
        refresh_image(&mut tx, PLATFORM_WORKSPACE, &image.id, &now).await?;
    }
    for gone in known.iter().filter(|uid| !images.iter().any(|image| &image.id == *uid)) {
        if set_platform_state(&mut tx, image_subject(gone), Availability::Disabled, Some(REMOVED_REASON), &now).await? {
            applied.removed += 1;
        }
    }
    tx.commit().await?;
    Ok(applied)
}

async fn apply_versions(conn: &mut impl AsConn, image: &PlatformImage, now: &str) -> anyhow::Result<()> {
    let known: Vec<String> = on_conn!(conn, |c| {
        sqlx::query_scalar("SELECT version FROM runtime_image_versions WHERE workspace_id = $1 AND image_uid = $2")
            .bind(PLATFORM_WORKSPACE)
            .bind(&image.id)
            .fetch_all(c)
            .await
    })?;
    for version in &image.versions {
        if known.contains(&version.version) {
            execute!(
                conn,
                "UPDATE runtime_image_versions SET docker_image = $1 WHERE workspace_id = $2 AND image_uid = $3 AND version = $4",
                &version.docker_image, PLATFORM_WORKSPACE, &image.id, &version.version
            )?;
            set_platform_state(conn, version_subject(&image.id, &version.version), version.state, version.reason.as_deref(), now).await?;
        } else {
            let platform = Some((version.state, version.reason.as_deref()));
            insert_version(conn, PLATFORM_WORKSPACE, &image.id, &version.version, &version.docker_image, platform, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let resource = version_resource(PLATFORM_WORKSPACE, &image.id, &version.version);
            let detail = serde_json::json!({"state": version.state, "platform_state": version.state, "docker_image": version.docker_image});
            let entry = audit::Entry { actor: audit::BOOTSTRAP_ACTOR, action: "bootstrap", resource: &resource, reason: version.reason.as_deref(), detail };
            audit::record(conn, entry).await?;
        }
    }
    for gone in known.iter().filter(|v| !image.versions.iter().any(|version| &version.version == *v)) {
        set_platform_state(conn, version_subject(&image.id, gone), Availability::Disabled, Some(REMOVED_REASON), now).await?;
    }
    Ok(())
}

fn image_subject(uid: &str) -> Subject<'_> {
    Subject::Image { workspace: PLATFORM_WORKSPACE, uid }
}

fn version_subject<'a>(uid: &'a str, version: &'a str) -> Subject<'a> {
    Subject::Version { workspace: PLATFORM_WORKSPACE, uid, version }
}

/// Sets the platform's side of an image's or version's state (the effective state follows), with
/// the audit entry, unless the file says what is stored already. Returns whether it wrote.
async fn set_platform_state(conn: &mut impl AsConn, subject: Subject<'_>, platform: Availability, reason: Option<&str>, now: &str) -> anyhow::Result<bool> {
    let stored = state::sides(conn, subject).await?;
    if stored.platform == Some((platform, reason.map(str::to_owned))) {
        return Ok(false);
    }
    let (effective, _) = state::write_state(conn, subject, Side::Platform(platform, reason), now).await?;
    let resource = match subject {
        Subject::Image { workspace, uid } => image_resource(workspace, uid),
        Subject::Version { workspace, uid, version } => version_resource(workspace, uid, version),
    };
    let detail = serde_json::json!({"state": effective, "platform_state": platform});
    audit::record(conn, audit::Entry { actor: audit::BOOTSTRAP_ACTOR, action: "bootstrap", resource: &resource, reason, detail }).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Vec<PlatformImage> {
        parse(text, "values.yaml").unwrap_or_else(|findings| panic!("{findings:#?}"))
    }

    fn parse_err(text: &str) -> Vec<Finding> {
        parse(text, "values.yaml").expect_err("the file should be refused")
    }

    const PREFIX: &str = "config:\n  deployer:\n    composition:\n      runtimeImages:\n";

    #[test]
    fn reads_the_helm_shape() {
        let text = format!(
            "{PREFIX}        scorer:\n          displayName: \"H2O-3 MOJO Scorer\"\n          state: deprecated\n          stateReason: \"old\"\n          versions:\n            - image: {{registry: \"reg.example.com:5000\", repository: \"h2oai/scorer\", tag: \"v1.5.4\"}}\n            - image: {{repository: \"h2oai/scorer\", tag: \"latest\"}}\n              version: \"2.0.0\"\n              state: DISABLED\n              stateReason: \" \"\n        bare: {{}}\n"
        );
        let images = parse_ok(&text);
        assert_eq!(images.len(), 2);
        let bare = &images[0];
        assert_eq!((bare.id.as_str(), bare.name.as_str(), bare.state, bare.versions.len()), ("bare", "bare", Availability::Active, 0));
        let scorer = &images[1];
        assert_eq!((scorer.name.as_str(), scorer.state, scorer.reason.as_deref()), ("H2O-3 MOJO Scorer", Availability::Deprecated, Some("old")));
        assert_eq!(
            scorer.versions,
            vec![
                PlatformVersion { version: "v1.5.4".into(), docker_image: "reg.example.com:5000/h2oai/scorer:v1.5.4".into(), state: Availability::Active, reason: None },
                PlatformVersion { version: "v2.0.0".into(), docker_image: "h2oai/scorer:latest".into(), state: Availability::Disabled, reason: None },
            ]
        );
    }

    #[test]
    fn a_helm_values_file_may_hold_anything_else() {
        let text = "global:\n  registry: x\nconfig:\n  other: 1\n  deployer:\n    replicas: 2\n    composition:\n      runtimes: {}\n      runtimeImages: {}\n";
        assert!(parse_ok(text).is_empty());
    }

    #[test]
    fn typos_and_bad_yaml_name_line_and_column() {
        let text = format!("{PREFIX}        scorer:\n          displayname: \"x\"\n");
        let finding = &parse_err(&text)[0];
        assert_eq!(finding.file.as_deref(), Some("values.yaml"));
        assert_eq!((finding.line, finding.column), (Some(6), Some(11)), "{finding:?}");
        assert!(finding.message.contains("unknown field `displayname`"), "{}", finding.message);

        let finding = &parse_err("config: [unclosed\n")[0];
        assert!(finding.line.is_some(), "{finding:?}");
    }

    #[test]
    fn rules_are_checked_with_their_yaml_path() {
        let text = format!(
            "{PREFIX}        Bad_Id:\n          versions: []\n        scorer:\n          state: RETIRED\n          versions:\n            - image: {{repository: \"h2oai/scorer\", tag: \"latest\"}}\n            - image: {{repository: \"h2oai/scorer\", tag: \"1.0.0\"}}\n            - image: {{repository: \"h2oai/scorer\", tag: \"v1.0.0\"}}\n"
        );
        let findings = parse_err(&text);
        let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "config.deployer.composition.runtimeImages.Bad_Id",
                "config.deployer.composition.runtimeImages.scorer.versions[0].version",
                "config.deployer.composition.runtimeImages.scorer.versions[2]",
                "config.deployer.composition.runtimeImages.scorer.state",
            ],
            "{findings:#?}"
        );
        assert!(findings[1].message.contains("`latest` is not a semantic version"));
        assert!(findings[2].message.contains("v1.0.0 appears twice"));
        assert!(findings[3].message.contains("unknown state `RETIRED`"));
    }

    #[test]
    fn a_file_without_the_section_is_refused() {
        let finding = &parse_err("config:\n  deployer: {}\n")[0];
        assert_eq!(finding.code, "bootstrap.missing");
        assert!(finding.message.contains("runtimeImages: {}"));
    }
}
