//! `wavehub-seed runtime-images --data-dir DIR --images N --versions V [--seed S]`: fills a data dir
//! with generated runtime images for `cargo xtask bench runtime-images`.
//! Not demo data: the rows are seeded-random, the same for the same arguments.
//!
//! What it makes:
//! - the first admin `admin` when the database has no account yet (password from
//!   `WAVEHUB_ADMIN_PASSWORD`, as `wavehub serve` does on its first start);
//! - the workspace [`WORKSPACE`] (the built-in `default` stays), with two plain users: its admin
//!   [`WORKSPACE_ADMIN`] and its member [`MEMBER`] (password from `WAVEHUB_BENCH_PASSWORD`, else
//!   random and printed);
//! - N API-managed images in [`WORKSPACE`], each with V semver versions, and N / 20 more in
//!   `default` (so the workspace filter has rows to leave out): names drawn from frameworks, kinds
//!   and variants ([`COMMON_FRAGMENT`] is in many of them, for a name filter that matches a lot),
//!   docker images on several registries (some with ports), ids `<framework>-<kind>[-<variant>]-<n>`;
//!   images and versions ACTIVE, DEPRECATED or DISABLED (older versions more often restricted, now
//!   and then the newest version disabled so the current one is lower), created over two years;
//! - a few platform images through [`wavehub_server::runtime_images::bootstrap::apply`], as a bootstrap file would.
//!
//! Rows go in through the server's own writers ([`insert_row`], [`write_state`], [`insert_version`],
//! [`refresh_image`]), so the derived columns (current version and its docker image, versions
//! count, effective state, sort keys) are what the API would have made; this crate writes no
//! runtime-image SQL of its own. A thousand images per transaction keep 200,000 versions to
//! seconds. No audit entries are written for the API-managed rows.

use crate::{ensure_first_admin, ensure_user, semver_versions, Bumps, Rng};
use anyhow::{bail, Context};
use std::path::Path;
use std::time::{Duration, Instant};
use wavehub_core::accounts::Role;
use wavehub_core::runtime_images::{version_for, Prereleases, Availability};
use wavehub_server::runtime_images::bootstrap::{PlatformImage, PlatformVersion};
use wavehub_server::db::{self, AsConn};
use wavehub_server::on_db;
use wavehub_server::runtime_images::state::{state_rank, write_state, Side, Subject};
use wavehub_server::runtime_images::images::{insert_row, NewImageRow};
use wavehub_server::runtime_images::versions::{insert_version, refresh_image};

/// The benchmark's workspace.
pub const WORKSPACE: &str = "bench";
/// The workspace that gets a twentieth as many images, beside [`WORKSPACE`].
pub const OTHER_WORKSPACE: &str = "default";
/// A plain user who administers [`WORKSPACE`].
pub const WORKSPACE_ADMIN: &str = "bench-ws-admin";
/// A plain user who is a member of [`WORKSPACE`].
pub const MEMBER: &str = "bench-member";
/// A name fragment many images have (every "Scorer" kind): a name filter that matches a lot.
pub const COMMON_FRAGMENT: &str = "scorer";

/// Images per write transaction.
const IMAGES_PER_TRANSACTION: usize = 1000;

/// Frameworks: (display name, id part, repository part).
#[rustfmt::skip]
const FRAMEWORKS: &[(&str, &str)] = &[
    ("H2O-3 MOJO", "h2o3-mojo"), ("H2O-3 POJO", "h2o3-pojo"), ("Driverless AI MOJO", "dai-mojo"),
    ("Driverless AI Python", "dai-python"), ("XGBoost", "xgboost"), ("LightGBM", "lightgbm"),
    ("CatBoost", "catboost"), ("scikit-learn", "sklearn"), ("PyTorch", "pytorch"), ("TensorFlow", "tensorflow"),
    ("Keras", "keras"), ("ONNX Runtime", "onnx"), ("MLflow", "mlflow"), ("Hugging Face", "hf"), ("vLLM", "vllm"),
    ("Triton", "triton"), ("Spark ML", "spark"), ("R", "r"), ("Java", "java"), ("Python", "python"),
    ("Prophet", "prophet"), ("spaCy", "spacy"), ("statsmodels", "statsmodels"), ("JAX", "jax"),
];

/// Kinds: (display name, id part); the first two (the "Scorer" kinds) are drawn most often.
#[rustfmt::skip]
const KINDS: &[(&str, &str)] = &[
    ("Scorer", "scorer"), ("Batch Scorer", "batch-scorer"), ("Runtime", "runtime"), ("Server", "server"),
    ("Inference", "inference"), ("Explainer", "explainer"), ("Monitor", "monitor"), ("Notebook", "notebook"),
];

/// Variants: (display name, id and tag part).
#[rustfmt::skip]
const VARIANTS: &[(&str, &str)] = &[
    ("GPU", "gpu"), ("CPU", "cpu"), ("CUDA 12", "cuda12"), ("Python 3.11", "py311"), ("Python 3.10", "py310"),
    ("Alpine", "alpine"), ("FIPS", "fips"), ("ARM64", "arm64"),
];

/// Teams some names end with.
const TEAMS: &[&str] = &["Risk", "Marketing", "Fraud", "Pricing", "Claims", "Supply Chain", "Research", "Platform"];

/// Registries, with and without ports; empty is Docker Hub.
#[rustfmt::skip]
const REGISTRIES: &[&str] = &[
    "", "docker.io/", "quay.io/", "ghcr.io/", "gcr.io/", "registry.example.com:5000/", "harbor.corp.internal:8443/",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/", "localhost:5000/", "mlregistry.azurecr.io/",
];

const ORGS: &[&str] = &["h2oai", "mlops", "datascience", "platform-team", "models"];

const IMAGE_REASONS: (&[&str], &[&str]) = (
    &["Replaced by the unified scorer; move runtimes before Q3", "Base OS reaches end of life", "Superseded by the GPU variant"],
    &["Critical CVE in the base image", "Licence withdrawn", "Fails the security scan", "Retired with its team"],
);

const VERSION_REASONS: (&[&str], &[&str]) = (
    &["Older than two minor releases", "Upgrade to the latest patch", "Python 3.8 base image"],
    &["Broken build: fails its health check", "CVE-2024-3094 in the base image", "Pulled by the vendor", "Too old to support"],
);

/// One generated image and its versions (oldest first).
#[derive(Debug, Clone)]
pub struct SeedImage {
    pub workspace: &'static str,
    pub uid: String,
    pub name: String,
    pub description: String,
    pub state: Availability,
    pub reason: Option<String>,
    pub state_time: String,
    pub created_time: String,
    pub versions: Vec<SeedVersion>,
}

#[derive(Debug, Clone)]
pub struct SeedVersion {
    pub docker_image: String,
    /// The id the API takes from the tag (`v1.2.3`).
    pub version: String,
    pub state: Availability,
    pub reason: Option<String>,
    pub created_time: String,
    pub state_time: String,
}

/// What a seeding run made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub images: u64,
    pub other_images: u64,
    pub versions: u64,
    pub platform_images: u64,
    /// Images of [`WORKSPACE`] in each state: ACTIVE, DEPRECATED, DISABLED.
    pub image_states: [u64; 3],
    /// Their versions in each state.
    pub version_states: [u64; 3],
    pub took: Duration,
}

impl SeedReport {
    /// The line the command prints: what it made, where, and how long it took.
    pub fn summary(&self, data_dir: &Path) -> String {
        let [active, deprecated, disabled] = self.image_states;
        let [v_active, v_deprecated, v_disabled] = self.version_states;
        format!(
            "Seeded {} images in `{WORKSPACE}` ({active} ACTIVE, {deprecated} DEPRECATED, {disabled} DISABLED; versions \
             {v_active} ACTIVE, {v_deprecated} DEPRECATED, {v_disabled} DISABLED), {} in `{OTHER_WORKSPACE}`, {} versions in \
             all and {} platform images into {} in {:.1} s",
            self.images,
            self.other_images,
            self.versions,
            self.platform_images,
            data_dir.display(),
            self.took.as_secs_f64()
        )
    }
}

fn reason(rng: &mut Rng, state: Availability, reasons: (&[&str], &[&str])) -> Option<String> {
    match state {
        Availability::Active => None,
        Availability::Deprecated => Some((*rng.pick(reasons.0)).to_owned()),
        Availability::Disabled => Some((*rng.pick(reasons.1)).to_owned()),
    }
}

/// How an image's tags grow: mostly patches, a minor in 5 of 20, a major in 1 of 20.
const BUMPS: Bumps = Bumps { first_major_below: 4, out_of: 20, minor: 5 };

/// A version's state by its place: the newest are active (the very newest disabled now and then:
/// a bad release), the middle ones partly deprecated, the oldest deprecated or disabled.
fn version_state(rng: &mut Rng, index: usize, count: usize) -> Availability {
    let from_newest = count - 1 - index;
    match from_newest {
        0 if rng.chance(8) => Availability::Disabled,
        0..=5 => Availability::Active,
        6..=13 if rng.chance(40) => Availability::Deprecated,
        6..=13 => Availability::Active,
        _ if rng.chance(50) => Availability::Deprecated,
        _ => Availability::Disabled,
    }
}

fn image_state(rng: &mut Rng) -> Availability {
    match rng.below(100) {
        0..=79 => Availability::Active,
        80..=92 => Availability::Deprecated,
        _ => Availability::Disabled,
    }
}

/// The generated images: `images` in [`WORKSPACE`], then `images / 20` in [`OTHER_WORKSPACE`], each
/// with `versions` versions.
pub fn generate(images: usize, versions: usize, seed: u64) -> Vec<SeedImage> {
    let mut rng = Rng::new(seed);
    let start = chrono::DateTime::parse_from_rfc3339("2023-01-01T00:00:00Z").expect("a valid date").to_utc();
    let workspaces = std::iter::repeat_n(WORKSPACE, images).chain(std::iter::repeat_n(OTHER_WORKSPACE, images / 20));
    workspaces
        .enumerate()
        .map(|(n, workspace)| {
            let (framework, framework_id) = *rng.pick(FRAMEWORKS);
            // The two "Scorer" kinds are drawn 40% of the time, the others share the rest.
            let (kind, kind_id) = if rng.chance(40) { *rng.pick(&KINDS[..2]) } else { *rng.pick(&KINDS[2..]) };
            let variant = rng.chance(45).then(|| *rng.pick(VARIANTS));
            let mut name = format!("{framework} {kind}");
            let mut uid = format!("{framework_id}-{kind_id}");
            if let Some((label, id)) = variant {
                name.push_str(&format!(" ({label})"));
                uid.push_str(&format!("-{id}"));
            }
            if rng.chance(25) {
                name = format!("{} {name}", rng.pick(TEAMS));
            }
            uid.push_str(&format!("-{}", n + 1));
            let registry = *rng.pick(REGISTRIES);
            let repository = format!("{}/{framework_id}-{kind_id}", rng.pick(ORGS));
            // Tags like `1.2.3`, `v1.2.3` or `1.2.3-gpu` (the variant as a pre-release: every tag of
            // the image has it, so their order is unchanged).
            let tag_prefix = if rng.chance(30) { "v" } else { "" };
            let tag_suffix = variant.filter(|_| rng.chance(50)).map(|(_, id)| format!("-{id}")).unwrap_or_default();
            let description = format!(
                "{kind} for {framework} models{}. Built from {repository} by the {} team.",
                variant.map(|(label, _)| format!(" ({label})")).unwrap_or_default(),
                rng.pick(TEAMS).to_lowercase()
            );
            let mut at = start + chrono::Duration::minutes(rng.below(60 * 24 * 730) as i64);
            let created_time = db::timestamp(at);
            let tags = semver_versions(&mut rng, versions, BUMPS);
            let count = tags.len();
            let mut seeded_versions = Vec::with_capacity(count);
            for (index, tag) in tags.into_iter().enumerate() {
                let tag = if tag.contains('-') { tag } else { format!("{tag}{tag_suffix}") };
                let docker_image = format!("{registry}{repository}:{tag_prefix}{tag}");
                let version = version_for(&docker_image, None).expect("generated tags are semantic versions").version;
                let state = version_state(&mut rng, index, count);
                let created = db::timestamp(at);
                let state_time = if state == Availability::Active {
                    created.clone()
                } else {
                    db::timestamp(at + chrono::Duration::minutes(60 * 24 * (30 + rng.below(300) as i64)))
                };
                seeded_versions.push(SeedVersion {
                    docker_image,
                    version,
                    reason: reason(&mut rng, state, VERSION_REASONS),
                    state,
                    created_time: created,
                    state_time,
                });
                at += chrono::Duration::minutes(60 + rng.below(60 * 24 * 30) as i64);
            }
            let state = image_state(&mut rng);
            let state_time = if state == Availability::Active {
                created_time.clone()
            } else {
                db::timestamp(at + chrono::Duration::minutes(rng.below(60 * 24 * 90) as i64))
            };
            SeedImage {
                workspace,
                uid,
                name,
                description,
                reason: reason(&mut rng, state, IMAGE_REASONS),
                state,
                state_time,
                created_time,
                versions: seeded_versions,
            }
        })
        .collect()
}

/// The platform's images, as a bootstrap file would give them: every workspace lists them.
pub fn platform_images() -> Vec<PlatformImage> {
    let version = |repository: &str, tag: &str, state: Availability, reason: Option<&str>| PlatformVersion {
        version: version_for(&format!("{repository}:{tag}"), None).expect("a semantic tag").version,
        docker_image: format!("{repository}:{tag}"),
        state,
        reason: reason.map(str::to_owned),
    };
    let image = |id: &str, name: &str, state: Availability, reason: Option<&str>, versions: Vec<PlatformVersion>| PlatformImage {
        id: id.to_owned(),
        name: name.to_owned(),
        description: format!("{name}, provided by the platform."),
        state,
        reason: reason.map(str::to_owned),
        versions,
    };
    let h2o3 = "h2oai/h2oai-h2o3mojo-scorer";
    let dai = "quay.io/h2oai/dai-mojo-scorer";
    let python = "registry.example.com:5000/platform/python-scorer";
    let triton = "nvcr.io/nvidia/tritonserver";
    let legacy = "h2oai/legacy-pojo-scorer";
    vec![
        image("h2oai-h2o3mojo-scorer", "H2O-3 MOJO Scorer", Availability::Active, None, vec![
            version(h2o3, "v1.4.0", Availability::Disabled, Some("CVE in the base image")),
            version(h2o3, "v1.5.0", Availability::Deprecated, Some("Upgrade to 1.5.4")),
            version(h2o3, "v1.5.4", Availability::Active, None),
        ]),
        image("dai-mojo-scorer", "Driverless AI MOJO Scorer", Availability::Active, None, vec![
            version(dai, "1.10.6", Availability::Deprecated, None),
            version(dai, "1.11.0", Availability::Active, None),
            version(dai, "1.11.1-rc.1", Availability::Disabled, Some("Release candidate")),
        ]),
        image("python-scorer", "Python Scorer", Availability::Active, None, vec![
            version(python, "3.10.1", Availability::Active, None),
            version(python, "3.11.0", Availability::Active, None),
        ]),
        image("triton-inference-server", "Triton Inference Server", Availability::Deprecated, Some("Moving to the unified server"), vec![
            version(triton, "24.1.0", Availability::Active, None),
        ]),
        image("legacy-pojo-scorer", "Legacy POJO Scorer", Availability::Disabled, Some("Retired"), vec![
            version(legacy, "0.9.0", Availability::Active, None),
        ]),
    ]
}

/// Seeds the data dir. Refuses a database whose [`WORKSPACE`] holds images already.
pub async fn seed(
    data_dir: &Path,
    images: usize,
    versions: usize,
    seed: u64,
    admin_password: Option<String>,
    user_password: Option<String>,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    if versions == 0 {
        bail!("every image needs at least one version (--versions 1 or more)");
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
    let db = db::open(data_dir).await?;
    let seeded: i64 = on_db!(&db, |pool| {
        sqlx::query_scalar("SELECT COUNT(*) FROM runtime_images WHERE workspace_id = $1").bind(WORKSPACE).fetch_one(pool).await
    })?;
    if seeded > 0 {
        bail!("{} already holds {seeded} images in workspace `{WORKSPACE}`; delete the data dir to seed it again", data_dir.display());
    }

    ensure_first_admin(&db, admin_password).await?;
    let password = match user_password.filter(|p| !p.is_empty()) {
        Some(password) => password,
        None => {
            let password = wavehub_server::accounts::auth::random_password();
            println!("Created `{WORKSPACE_ADMIN}` and `{MEMBER}`, password: {password}");
            password
        }
    };
    let admin_id = ensure_user(&db, WORKSPACE_ADMIN, password.clone(), vec![Role::User]).await?;
    let member_id = ensure_user(&db, MEMBER, password, vec![Role::User]).await?;
    let now = db::now();
    on_db!(&db, |pool| {
        sqlx::query("INSERT INTO workspaces (id, name, created_time) VALUES ($1, 'Bench', $2) ON CONFLICT (id) DO NOTHING")
            .bind(WORKSPACE)
            .bind(&now)
            .execute(pool)
            .await
            .map(drop)
    })?;
    for (user_id, role) in [(admin_id, "admin"), (member_id, "member")] {
        on_db!(&db, |pool| {
            sqlx::query(
                "INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
            )
            .bind(WORKSPACE)
            .bind(user_id)
            .bind(role)
            .execute(pool)
            .await
            .map(drop)
        })?;
    }

    let platform = platform_images();
    wavehub_server::runtime_images::bootstrap::apply(&db, &platform).await.context("cannot apply the platform images")?;

    let generated = generate(images, versions, seed);
    let mut report = SeedReport {
        images: images as u64,
        other_images: (generated.len() - images) as u64,
        versions: 0,
        platform_images: platform.len() as u64,
        image_states: [0; 3],
        version_states: [0; 3],
        took: Duration::ZERO,
    };
    for chunk in generated.chunks(IMAGES_PER_TRANSACTION) {
        let mut tx = db.begin_write().await?;
        for image in chunk {
            insert_image(&mut tx, image).await?;
            report.versions += image.versions.len() as u64;
            if image.workspace == WORKSPACE {
                report.image_states[state_rank(image.state) as usize] += 1;
                for version in &image.versions {
                    report.version_states[state_rank(version.state) as usize] += 1;
                }
            }
        }
        tx.commit().await?;
    }
    // No ANALYZE / PRAGMA optimize: a database grown through the API has no statistics either, and
    // the benchmark should see the query plans a real server gets.
    db.close().await;
    report.took = started.elapsed();
    Ok(report)
}

/// One image through the server's own writers, as the API would make it: its row
/// ([`insert_row`]), its console state and its versions' ([`write_state`], as deprecate/disable
/// would set them), its versions ([`insert_version`]), then [`refresh_image`] for the derived columns.
async fn insert_image(conn: &mut impl AsConn, image: &SeedImage) -> anyhow::Result<()> {
    let row = NewImageRow {
        workspace: image.workspace,
        uid: &image.uid,
        name: &image.name,
        description: &image.description,
        managed_by_bootstrap: false,
        prereleases: Prereleases::default(),
    };
    insert_row(conn, &row, &image.created_time).await?;
    let subject = Subject::Image { workspace: image.workspace, uid: &image.uid };
    write_state(conn, subject, Side::Console(image.state, image.reason.as_deref()), &image.state_time).await?;
    let mut updated = image.state_time.clone();
    for version in &image.versions {
        insert_version(conn, image.workspace, &image.uid, &version.version, &version.docker_image, None, &version.created_time)
            .await
            .map_err(|e| anyhow::anyhow!("cannot insert version {} of {}: {e}", version.version, image.uid))?;
        if version.state != Availability::Active {
            let subject = Subject::Version { workspace: image.workspace, uid: &image.uid, version: &version.version };
            write_state(conn, subject, Side::Console(version.state, version.reason.as_deref()), &version.state_time).await?;
        }
        for time in [&version.created_time, &version.state_time] {
            if *time > updated {
                updated = time.clone();
            }
        }
    }
    refresh_image(conn, image.workspace, &image.uid, &updated).await.with_context(|| format!("cannot refresh {}", image.uid))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_server::runtime_images::Scope;
    use wavehub_server::runtime_images::workspaces::Access;
    use wavehub_core::runtime_images::{check_id, compare_version_ids, RuntimeImageQuery, WorkspaceRole};

    #[test]
    fn generation_is_deterministic_with_valid_ids_and_ascending_versions() {
        let images = generate(400, 20, 5);
        assert_eq!(images.len(), 420, "400 in bench and 20 in default");
        assert_eq!(images.iter().filter(|i| i.workspace == WORKSPACE).count(), 400);
        let again = generate(400, 20, 5);
        assert!(images.iter().zip(&again).all(|(a, b)| a.uid == b.uid && a.name == b.name && a.versions.len() == b.versions.len()));
        let uids: std::collections::HashSet<&str> = images.iter().map(|i| i.uid.as_str()).collect();
        assert_eq!(uids.len(), images.len(), "ids are unique");
        for image in &images {
            assert!(check_id("uid", &image.uid).is_empty(), "{}", image.uid);
            assert_eq!(image.versions.len(), 20);
            for pair in image.versions.windows(2) {
                assert_eq!(compare_version_ids(&pair[0].version, &pair[1].version), std::cmp::Ordering::Less, "{pair:?}");
                assert!(pair[0].created_time < pair[1].created_time);
            }
            assert_eq!(image.created_time, image.versions[0].created_time);
        }
        let share = |state: Availability| images.iter().filter(|i| i.state == state).count() as f64 / images.len() as f64;
        assert!((0.7..0.9).contains(&share(Availability::Active)), "{}", share(Availability::Active));
        assert!(share(Availability::Deprecated) > 0.05 && share(Availability::Disabled) > 0.02);
        let versions: Vec<&SeedVersion> = images.iter().flat_map(|i| &i.versions).collect();
        for state in Availability::ALL {
            let n = versions.iter().filter(|v| v.state == state).count();
            assert!(n > versions.len() / 10, "{n} versions {state:?}");
        }
        let common = images.iter().filter(|i| i.name.to_lowercase().contains(COMMON_FRAGMENT)).count();
        assert!(common > images.len() / 4 && common < images.len() * 3 / 4, "{common} names with {COMMON_FRAGMENT}");
        assert!(images.iter().any(|i| i.versions[0].docker_image.contains(":5000/")), "registries with ports");
    }

    /// The benchmark's data must not drift: a change here changes every runtime images benchmark's
    /// rows (this is the fingerprint of what `wavehub seed-runtime-images` made before the seeders moved).
    #[test]
    fn the_generated_images_are_the_benchmarks_images() {
        let lines = generate(300, 20, 5).into_iter().map(|i| {
            let mut line = format!(
                "{}|{}|{}|{}|{}|{:?}|{}|{}\n",
                i.workspace, i.uid, i.name, i.description, i.state.as_str(), i.reason, i.state_time, i.created_time
            );
            for v in &i.versions {
                line.push_str(&format!("{}|{}|{}|{:?}|{}|{}\n", v.docker_image, v.version, v.state.as_str(), v.reason, v.created_time, v.state_time));
            }
            line
        });
        assert_eq!(crate::fingerprint(lines), 0xe8b6_ce1b_02ea_a408);
    }

    #[tokio::test]
    async fn seeds_images_the_api_lists() {
        let data = tempfile::tempdir().unwrap();
        let report = seed(data.path(), 60, 20, 3, Some("bench-admin-password".into()), Some("bench-user-password".into()))
            .await
            .unwrap();
        assert_eq!((report.images, report.other_images, report.versions), (60, 3, 63 * 20));
        let db = db::open(data.path()).await.unwrap();
        let member = Access { workspace: WORKSPACE.into(), role: WorkspaceRole::Member, platform_admin: false, actor: MEMBER.into() };
        let page = wavehub_server::runtime_images::list_query::list(&db, Scope::Workspace(&member), &RuntimeImageQuery::default()).await.unwrap();
        assert_eq!(page.total, 60 + report.platform_images, "bench's images and the platform's");
        let first = &page.items[0];
        assert!(!first.can_manage);
        let listed = wavehub_server::runtime_images::versions::versions(&db, &member, &first.uid, None).await.unwrap();
        let current = listed.items.iter().find(|v| v.is_current).map(|v| v.version.clone());
        assert_eq!(current, first.current_version, "the derived current version is the API's");
        let bench_image = page.items.iter().find(|i| !i.availability.managed_by_bootstrap).unwrap();
        assert_eq!(bench_image.versions_count, 20);
        assert!(bench_image.docker_image.is_some() || bench_image.current_version.is_none());
        let roles: Vec<(String, String)> = on_db!(&db, |pool| {
            sqlx::query_as(
                "SELECT u.username, m.role FROM workspace_members m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY 1",
            )
            .bind(WORKSPACE)
            .fetch_all(pool)
            .await
        })
        .unwrap();
        assert_eq!(roles, [(MEMBER.to_owned(), "member".to_owned()), (WORKSPACE_ADMIN.to_owned(), "admin".to_owned())]);
        let workspaces: Vec<String> =
            on_db!(&db, |pool| sqlx::query_scalar("SELECT id FROM workspaces ORDER BY id").fetch_all(pool).await).unwrap();
        assert_eq!(workspaces, ["bench", "default", "global"]);
        db.close().await;
        let again = seed(data.path(), 10, 2, 3, None, Some("x".repeat(12))).await.unwrap_err().to_string();
        assert!(again.contains("already holds"), "{again}");
    }
}
