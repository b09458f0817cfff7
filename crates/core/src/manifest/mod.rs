//! `app.toml`: the typed manifest and its rules (see shared spec §3).
//!
//! [`check_manifest`] parses the text with the `toml` crate, keeping byte spans, then reads each
//! table into the typed [`Manifest`] and checks it rule by rule. Every problem becomes a
//! [`Finding`] with a stable code (listed in [`codes`]), a message that says how to fix it, the
//! canonical TOML path (`App.Version`, `Env[2].Name`; array entries count from 1) and the line and
//! column of the value (or of the table header when a key is missing).
//!
//! Layout: this file holds the model and the entry point; `check.rs` the rules; `keys.rs` the key
//! names and case-insensitive matching; `read.rs` typed reading and finding collection;
//! `values.rs` the small string grammars; `quantity.rs` Kubernetes quantities.
//!
//! Rules that need the rest of the bundle (LongDescription exists, VolumeMount is not a folder of
//! the bundle, Module's file exists) belong to the bundle layer; it finds the values' positions
//! with [`Manifest::position_of`].

mod check;
pub mod codes;
mod keys;
pub mod quantity;
mod read;
mod values;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use quantity::{parse_quantity, Quantity, QuantityError};
pub use values::{is_label_value, LABEL_MAX_LEN};

use crate::api::{Finding, Severity};
use crate::text::Position;

/// The manifest's file name, used in every finding.
pub const MANIFEST_FILE: &str = "app.toml";

/// Server settings that change what the manifest check accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestOptions {
    /// `H2O_WAVE*` environment variables apps may set (the admin's `allowedCoreEnvRegexs`). Each
    /// entry is an exact name, or a prefix ending in `*` (`H2O_WAVE_ML_*`). `H2O_WAVE_APP_MODE` is
    /// always allowed.
    pub allowed_core_env: Vec<String>,
}

impl Default for ManifestOptions {
    /// The platform's default allow-list (spec §3.4).
    fn default() -> Self {
        let defaults = [
            "H2O_WAVE_ML_*",
            "H2O_WAVE_PUBLIC_DIR",
            "H2O_WAVE_PRIVATE_DIR",
            "H2O_WAVE_NO_STORE",
            "H2O_WAVE_MAX_REQUEST_SIZE",
            "H2O_WAVE_SESSION_INACTIVITY_TIMEOUT",
            "H2O_WAVE_DATA_DIR",
            "H2O_WAVE_PING_INTERVAL",
        ];
        ManifestOptions { allowed_core_env: defaults.iter().map(|s| (*s).to_owned()).collect() }
    }
}

impl ManifestOptions {
    /// Whether the allow-list lets an app set `H2O_WAVE*` variable `name`.
    pub fn allows_core_env(&self, name: &str) -> bool {
        name == "H2O_WAVE_APP_MODE"
            || self.allowed_core_env.iter().any(|entry| match entry.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == entry,
            })
    }
}

/// The result of checking one `app.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestCheck {
    /// The manifest as read, whenever the text is TOML and `[App]` has a string Name and Version —
    /// even when other findings are errors, so callers can show what they can.
    pub manifest: Option<Manifest>,
    /// Errors and warnings, in the order they appear in the file.
    pub findings: Vec<Finding>,
}

impl ManifestCheck {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    /// The findings of one severity.
    pub fn findings_of(&self, severity: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.severity == severity)
    }
}

/// Checks the text of an `app.toml` (a leading UTF-8 byte order mark is ignored; CRLF is fine).
pub fn check_manifest(text: &str, options: &ManifestOptions) -> ManifestCheck {
    check::check(text, options)
}

/// The canonical typed `app.toml`. Optional values the author left out (or set to `""`, which the
/// platform treats the same) are `None`; values with a fixed platform default hold that default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub app: AppSection,
    #[serde(default)]
    pub runtime: RuntimeSection,
    #[serde(default)]
    pub env: Vec<EnvEntry>,
    #[serde(default)]
    pub files: Vec<FileEntry>,
    #[serde(default)]
    pub link: Option<LinkSection>,
    /// Where each value was in the text, by canonical TOML path.
    #[serde(skip)]
    positions: SourcePositions,
}

impl Manifest {
    /// A manifest of just `[App]`, to fill in field by field (a manifest not read from text has no
    /// positions).
    pub fn new(app: AppSection) -> Self {
        Manifest {
            app,
            runtime: RuntimeSection::default(),
            env: Vec::new(),
            files: Vec::new(),
            link: None,
            positions: SourcePositions::default(),
        }
    }

    /// The line and column of the value at canonical TOML path `toml_path` (`App.LongDescription`,
    /// `Runtime.VolumeMount`, `Env[1].Name`), or of a table's header (`Runtime`, `File[2]`).
    /// `None` when the manifest did not come from text or has no such value.
    pub fn position_of(&self, toml_path: &str) -> Option<Position> {
        self.positions.0.get(toml_path).copied()
    }

    /// The name to show people: the Title, or the Name when there is no title.
    pub fn title_or_name(&self) -> &str {
        self.app.title.as_deref().filter(|title| !title.trim().is_empty()).unwrap_or(&self.app.name)
    }

    /// Whether the platform starts this app with `python3 -m <Module>` (Wave and Python apps, not
    /// LINK or container apps), so the module must be in the bundle.
    pub fn runs_python_module(&self) -> bool {
        self.app.instance_lifecycle != InstanceLifecycle::Link && self.runtime.app_mode != AppMode::Container
    }
}

/// Positions are about where a value was written, not what the manifest says, so they take no part
/// in equality: a manifest read back from JSON equals the one it was written from.
#[derive(Debug, Clone, Default)]
struct SourcePositions(BTreeMap<String, Position>);

impl PartialEq for SourcePositions {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// `[App]`: what the app is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppSection {
    pub name: String,
    pub version: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Path of a Markdown file, relative to the bundle root.
    pub long_description: Option<String>,
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub instance_lifecycle: InstanceLifecycle,
    /// As written: `1h`, `90m`, `1h30m`, or `-1` for never.
    pub instance_timeout: Option<String>,
    /// Legacy.
    pub category: Option<String>,
    /// Legacy.
    pub keywords: Option<Vec<String>>,
    /// Path of a file, relative to the bundle root (undocumented).
    pub setup_guide: Option<String>,
}

/// `[Runtime]`: how the app runs. Sizes and CPU amounts are kept as written; parse them with
/// [`parse_quantity`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeSection {
    /// Dotted Python module path, started with `python3 -m`.
    pub module: Option<String>,
    pub runtime_version: Option<String>,
    pub volume_mount: Option<String>,
    pub volume_size: Option<String>,
    pub resource_volume_size: Option<String>,
    pub memory_limit: Option<String>,
    pub memory_reservation: Option<String>,
    pub cpu_limit: Option<String>,
    pub cpu_reservation: Option<String>,
    pub gpu_count: Option<u32>,
    pub gpu_type: Option<String>,
    #[serde(default)]
    pub enable_oidc: bool,
    #[serde(default)]
    pub enable_shm: bool,
    #[serde(default)]
    pub routing_mode: RoutingMode,
    #[serde(default)]
    pub app_mode: AppMode,
    pub port: Option<u16>,
    pub custom_image: Option<String>,
    pub app_args: Option<Vec<String>>,
    pub app_entry_point: Option<Vec<String>>,
}

/// One `[[Env]]`: an environment variable of the app's instances.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvEntry {
    /// Empty only when the manifest left it out (an error).
    pub name: String,
    #[serde(flatten)]
    pub source: ValueSource,
}

/// One `[[File]]`: a file mounted into the app's instances.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileEntry {
    /// Empty only when the manifest left it out (an error).
    pub path: String,
    #[serde(flatten)]
    pub source: ValueSource,
}

/// Where an `[[Env]]` variable or a `[[File]]` gets its content: a literal `Value`, or the
/// `SecretKey` of a `Secret` (the reader reports an entry with both, or with neither).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValueSource {
    pub value: Option<String>,
    pub secret: Option<String>,
    pub secret_key: Option<String>,
    /// The secret need not exist at import.
    #[serde(default)]
    pub optional: bool,
}

impl ValueSource {
    /// The secret and the key in it that the content is read from, when it is read from one.
    pub fn secret_reference(&self) -> Option<(&str, &str)> {
        Some((self.secret.as_deref()?, self.secret_key.as_deref()?))
    }
}

/// `[Link]`: where a LINK app sends people.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkSection {
    /// Empty only when the manifest left it out (an error).
    pub address: String,
}

/// `App.InstanceLifecycle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InstanceLifecycle {
    /// Users start their own instances (the default).
    #[default]
    #[serde(rename = "ON_DEMAND")]
    OnDemand,
    /// Only the owner starts instances; others visit the newest one.
    #[serde(rename = "MANAGED")]
    Managed,
    /// No instances: the app is a link to `[Link] Address`.
    #[serde(rename = "LINK")]
    Link,
}

/// `Runtime.RoutingMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RoutingMode {
    /// Each instance on its own subdomain (the default).
    #[default]
    #[serde(rename = "DOMAIN")]
    Domain,
    /// Instances under `/instance/<id>/` of the App Store's domain.
    #[serde(rename = "BASE_URL")]
    BaseUrl,
}

/// `Runtime.AppMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AppMode {
    /// A Wave app (the default, also when empty).
    #[default]
    #[serde(rename = "wave")]
    Wave,
    /// Another Python web app (e.g. Streamlit) listening on `Port`.
    #[serde(rename = "python")]
    Python,
    /// A container image (`CustomImage`), imported by admins.
    #[serde(rename = "container")]
    Container,
}
