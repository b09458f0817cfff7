//! Every finding code the manifest check can produce, in one place. Codes are stable: the web app,
//! the CLI and people's scripts match on them, so rename none of them; add new ones instead.
//! Scheme: `manifest.<area>.<problem>`. "(warning)" marks the codes that do not block.

/// The text is not valid TOML (one finding, at the position the TOML parser reports).
pub const SYNTAX: &str = "manifest.syntax";
/// There is no `[App]` table: this is not a Wave app manifest.
pub const APP_MISSING: &str = "manifest.app.missing";

/// (warning) A key or table matched only ignoring case (`name` for `Name`).
pub const KEY_CASE: &str = "manifest.key.case";
/// Two spellings of the same key (`Name` and `name`) in one table.
pub const KEY_DUPLICATE: &str = "manifest.key.duplicate";
/// (warning) A key the platform does not know; it is ignored.
pub const KEY_UNKNOWN: &str = "manifest.key.unknown";
/// (warning) A top-level table the platform does not know (`[Brand]`); it is ignored.
pub const TABLE_UNKNOWN: &str = "manifest.table.unknown";
/// A value of the wrong TOML type (`GPUCount = "1"`, `Tags = "X"`, `[Env]` instead of `[[Env]]`).
pub const VALUE_TYPE: &str = "manifest.value.type";
/// (warning) An enum value matched only ignoring case (`"Managed"` for `MANAGED`).
pub const ENUM_CASE: &str = "manifest.enum.case";
/// A value outside an enum (InstanceLifecycle, RoutingMode, AppMode).
pub const ENUM_INVALID: &str = "manifest.enum.invalid";

pub const NAME_MISSING: &str = "manifest.name.missing";
pub const NAME_TOO_LONG: &str = "manifest.name.too_long";
/// Name is not a label value (letters, digits, `-`, `_`, `.`; alphanumeric at both ends).
pub const NAME_INVALID: &str = "manifest.name.invalid";
pub const VERSION_MISSING: &str = "manifest.version.missing";
pub const VERSION_TOO_LONG: &str = "manifest.version.too_long";
/// Version is not a label value.
pub const VERSION_INVALID: &str = "manifest.version.invalid";
/// Version is the unsubstituted build placeholder `{{VERSION}}`.
pub const VERSION_PLACEHOLDER: &str = "manifest.version.placeholder";
/// Version carries semver build metadata (`+build`), which a label cannot hold.
pub const VERSION_BUILD_METADATA: &str = "manifest.version.build_metadata";
/// Version is not semver (`v1.2.3`, `01.2.3`).
pub const VERSION_SEMVER: &str = "manifest.version.semver";
/// Warning: Version is `MAJOR.MINOR` or `MAJOR` (`1.0`): the platform accepts it, ordered as `1.0.0`.
pub const VERSION_SHORT: &str = "manifest.version.short";
/// `Name-Version` is longer than a label value may be.
pub const NAME_VERSION_TOO_LONG: &str = "manifest.name_version.too_long";
/// (warning) Category is not one of the legacy categories.
pub const CATEGORY_UNKNOWN: &str = "manifest.category.unknown";
pub const INSTANCE_TIMEOUT_INVALID: &str = "manifest.instance_timeout.invalid";

pub const MODULE_MISSING: &str = "manifest.module.missing";
pub const MODULE_INVALID: &str = "manifest.module.invalid";
pub const VOLUME_MOUNT_RELATIVE: &str = "manifest.volume_mount.relative";
/// VolumeMount without VolumeSize, or VolumeSize without VolumeMount.
pub const VOLUME_UNPAIRED: &str = "manifest.volume.unpaired";
/// A size, memory or CPU value that is not a (non-negative) Kubernetes quantity.
pub const QUANTITY_INVALID: &str = "manifest.quantity.invalid";
/// MemoryReservation above MemoryLimit, or CPUReservation above CPULimit.
pub const RESERVATION_ABOVE_LIMIT: &str = "manifest.resources.reservation_above_limit";
pub const GPU_COUNT_INVALID: &str = "manifest.gpu_count.invalid";
/// `AppMode = "python"` without Port.
pub const PORT_MISSING: &str = "manifest.port.missing";
pub const PORT_INVALID: &str = "manifest.port.invalid";
/// (warning) Port on a Wave app, where the platform ignores it.
pub const PORT_UNUSED: &str = "manifest.port.unused";
/// `AppMode = "container"` without CustomImage.
pub const CUSTOM_IMAGE_MISSING: &str = "manifest.custom_image.missing";
/// (warning) CustomImage, AppArgs or AppEntryPoint on an app that is not a container app.
pub const CONTAINER_ONLY: &str = "manifest.runtime.container_only";

/// A LINK app without `[Link] Address`.
pub const LINK_ADDRESS_MISSING: &str = "manifest.link.address_missing";
pub const LINK_ADDRESS_INVALID: &str = "manifest.link.address_invalid";
/// A LINK app with `[Runtime]` content.
pub const LINK_RUNTIME_NOT_EMPTY: &str = "manifest.link.runtime_not_empty";
/// A LINK app with `[[File]]` entries.
pub const LINK_FILES_NOT_EMPTY: &str = "manifest.link.files_not_empty";
/// (warning) `[Link]` on an app that is not a LINK app.
pub const LINK_UNUSED: &str = "manifest.link.unused";

pub const ENV_NAME_MISSING: &str = "manifest.env.name_missing";
/// Not a portable environment variable name.
pub const ENV_NAME_INVALID: &str = "manifest.env.name_invalid";
pub const ENV_NAME_DUPLICATE: &str = "manifest.env.name_duplicate";
/// A name starting with `H2O_CLOUD`, which the platform reserves.
pub const ENV_RESERVED_CLOUD: &str = "manifest.env.reserved_cloud";
/// A name starting with `H2O_WAVE` that the allow-list does not allow.
pub const ENV_RESERVED_WAVE: &str = "manifest.env.reserved_wave";

pub const FILE_PATH_MISSING: &str = "manifest.file.path_missing";
/// A Path whose folder is `/` or `.` (only subfolders can hold files).
pub const FILE_PATH_DIR: &str = "manifest.file.path_dir";
/// A Path in `/resources`, which the platform reserves.
pub const FILE_PATH_RESOURCES: &str = "manifest.file.path_resources";
/// Two File entries in the same folder.
pub const FILE_PATH_DIR_DUPLICATE: &str = "manifest.file.path_dir_duplicate";

/// The codes of the rules `[[Env]]` and `[[File]]` share about where the content comes from.
#[derive(Debug, Clone, Copy)]
pub struct SourceCodes {
    /// Value together with Secret or SecretKey.
    pub value_and_secret: &'static str,
    /// Secret without SecretKey.
    pub secret_key_missing: &'static str,
    /// SecretKey without Secret.
    pub secret_missing: &'static str,
    /// Neither Value nor Secret.
    pub no_value: &'static str,
    /// Optional without a Secret.
    pub optional_without_secret: &'static str,
}

pub const ENV_SOURCE: SourceCodes = SourceCodes {
    value_and_secret: "manifest.env.value_and_secret",
    secret_key_missing: "manifest.env.secret_key_missing",
    secret_missing: "manifest.env.secret_missing",
    no_value: "manifest.env.no_value",
    optional_without_secret: "manifest.env.optional_without_secret",
};

pub const FILE_SOURCE: SourceCodes = SourceCodes {
    value_and_secret: "manifest.file.value_and_secret",
    secret_key_missing: "manifest.file.secret_key_missing",
    secret_missing: "manifest.file.secret_missing",
    no_value: "manifest.file.no_value",
    optional_without_secret: "manifest.file.optional_without_secret",
};

/// All codes, for documentation and for the test that every code is exercised.
pub const ALL: &[&str] = &[
    SYNTAX,
    APP_MISSING,
    KEY_CASE,
    KEY_DUPLICATE,
    KEY_UNKNOWN,
    TABLE_UNKNOWN,
    VALUE_TYPE,
    ENUM_CASE,
    ENUM_INVALID,
    NAME_MISSING,
    NAME_TOO_LONG,
    NAME_INVALID,
    VERSION_MISSING,
    VERSION_TOO_LONG,
    VERSION_INVALID,
    VERSION_PLACEHOLDER,
    VERSION_BUILD_METADATA,
    VERSION_SEMVER,
    VERSION_SHORT,
    NAME_VERSION_TOO_LONG,
    CATEGORY_UNKNOWN,
    INSTANCE_TIMEOUT_INVALID,
    MODULE_MISSING,
    MODULE_INVALID,
    VOLUME_MOUNT_RELATIVE,
    VOLUME_UNPAIRED,
    QUANTITY_INVALID,
    RESERVATION_ABOVE_LIMIT,
    GPU_COUNT_INVALID,
    PORT_MISSING,
    PORT_INVALID,
    PORT_UNUSED,
    CUSTOM_IMAGE_MISSING,
    CONTAINER_ONLY,
    LINK_ADDRESS_MISSING,
    LINK_ADDRESS_INVALID,
    LINK_RUNTIME_NOT_EMPTY,
    LINK_FILES_NOT_EMPTY,
    LINK_UNUSED,
    ENV_NAME_MISSING,
    ENV_NAME_INVALID,
    ENV_NAME_DUPLICATE,
    ENV_RESERVED_CLOUD,
    ENV_RESERVED_WAVE,
    ENV_SOURCE.value_and_secret,
    ENV_SOURCE.secret_key_missing,
    ENV_SOURCE.secret_missing,
    ENV_SOURCE.no_value,
    ENV_SOURCE.optional_without_secret,
    FILE_PATH_MISSING,
    FILE_PATH_DIR,
    FILE_PATH_RESOURCES,
    FILE_PATH_DIR_DUPLICATE,
    FILE_SOURCE.value_and_secret,
    FILE_SOURCE.secret_key_missing,
    FILE_SOURCE.secret_missing,
    FILE_SOURCE.no_value,
    FILE_SOURCE.optional_without_secret,
];
