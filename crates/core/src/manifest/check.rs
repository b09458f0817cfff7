//! The rules of `app.toml`: each table is read into the typed model while its own rules are
//! checked, then the rules that span tables (what a LINK, container or Python app needs; limits
//! against reservations) run on the result. Spec §3 is the reference for every rule.

use std::collections::BTreeMap;

use toml::de::DeTable;

use super::codes::{self, SourceCodes};
use super::keys;
use super::quantity::{parse_quantity, Quantity};
use super::read::{Field, Reader, Section, Span};
use super::values::{self, VersionProblem, LABEL_MAX_LEN};
use super::{
    AppMode, AppSection, EnvEntry, FileEntry, InstanceLifecycle, LinkSection, Manifest, ManifestCheck, ManifestOptions, RoutingMode,
    RuntimeSection, SourcePositions, ValueSource, MANIFEST_FILE,
};
use crate::api::Finding;
use crate::text::position_of;

const LIFECYCLES: &[(&str, InstanceLifecycle)] =
    &[("ON_DEMAND", InstanceLifecycle::OnDemand), ("MANAGED", InstanceLifecycle::Managed), ("LINK", InstanceLifecycle::Link)];
const ROUTING_MODES: &[(&str, RoutingMode)] = &[("DOMAIN", RoutingMode::Domain), ("BASE_URL", RoutingMode::BaseUrl)];
const APP_MODES: &[(&str, AppMode)] = &[("wave", AppMode::Wave), ("python", AppMode::Python), ("container", AppMode::Container)];

/// The categories of the old App Store UI (spec §3.2); `Category` is legacy, replaced by tags.
const LEGACY_CATEGORIES: &[&str] = &[
    "All",
    "Data Science",
    "Financial Services",
    "Healthcare",
    "Insurance",
    "Manufacturing",
    "Marketing",
    "Retail",
    "Sales",
    "Telecommunications",
    "Other",
];

pub(super) fn check(text: &str, options: &ManifestOptions) -> ManifestCheck {
    // A byte order mark is not TOML; without it, columns on line 1 count from the first real character.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let document = match DeTable::parse(text) {
        Ok(document) => document,
        Err(error) => return ManifestCheck { manifest: None, findings: vec![syntax_error(text, &error)] },
    };
    let root = document.get_ref();
    // Without [App] this is some other product's app.toml: one error says so, rather than a list
    // of every key a Wave manifest would not have.
    if !root.iter().any(|(key, _)| key.get_ref().eq_ignore_ascii_case("App")) {
        let message =
            "app.toml has no [App] table, so it is not a Wave app manifest; start it with `[App]` followed by `Name` and `Version`";
        return ManifestCheck { manifest: None, findings: vec![Finding::error(codes::APP_MISSING, "App", message).in_file(MANIFEST_FILE)] };
    }

    let mut reader = Reader::new(text);
    let r = &mut reader;
    let top = r.section(root, 0..0, keys::TOP_LEVEL, "");
    let app = table_section(r, &top, "App", keys::APP);
    let runtime = table_section(r, &top, "Runtime", keys::RUNTIME);
    let link = table_section(r, &top, "Link", keys::LINK);
    let env = array_sections(r, &top, "Env", keys::ENV);
    let files = array_sections(r, &top, "File", keys::FILE);

    let app_read = app.as_ref().map(|section| read_app(r, section));
    let runtime_model = runtime.as_ref().map(|section| read_runtime(r, section)).unwrap_or_default();
    let env_model = read_env(r, &env, options);
    let files_model = read_files(r, &files);
    let link_model = link.as_ref().map(|section| read_link(r, section));

    let kind = Kind {
        lifecycle: app_read.as_ref().map(|a| a.model.instance_lifecycle).unwrap_or_default(),
        lifecycle_span: app.as_ref().and_then(|s| s.get("InstanceLifecycle")).map(|f| f.span()),
        runtime: runtime.as_ref(),
        files: &files,
        link: link.as_ref(),
    };
    check_kind(r, &kind, &runtime_model);

    let (findings, positions) = reader.finish();
    let manifest = app_read.filter(|a| a.has_name_and_version).map(|a| Manifest {
        app: a.model,
        runtime: runtime_model,
        env: env_model,
        files: files_model,
        link: link_model,
        positions: SourcePositions(positions),
    });
    ManifestCheck { manifest, findings }
}

/// One finding for a TOML syntax error, where the parser found it.
fn syntax_error(text: &str, error: &toml::de::Error) -> Finding {
    let conflict = text.lines().any(|line| line.starts_with("<<<<<<<") || line.starts_with(">>>>>>>"));
    let advice = if conflict {
        "it still has git merge-conflict markers (<<<<<<<, =======, >>>>>>>): resolve the conflict"
    } else {
        "fix the TOML at this line and column"
    };
    let message = format!("app.toml is not valid TOML ({}); {advice}", error.message().trim_end());
    let finding = Finding::error(codes::SYNTAX, "", message).in_file(MANIFEST_FILE);
    match error.span() {
        Some(span) => finding.at(position_of(text, span.start)),
        None => finding,
    }
}

/// The top-level table `key` (`[App]`), when present and a table.
fn table_section<'a, 'i>(r: &mut Reader<'_>, top: &Section<'a, 'i>, key: &'static str, known: &[&'static str]) -> Option<Section<'a, 'i>> {
    let field = top.get(key)?;
    let table = r.table(&field)?;
    Some(r.section(table, field.span(), known, key))
}

/// The entries of the top-level array of tables `key` (`[[Env]]`), numbered from 1.
fn array_sections<'a, 'i>(r: &mut Reader<'_>, top: &Section<'a, 'i>, key: &'static str, known: &[&'static str]) -> Vec<Section<'a, 'i>> {
    let Some(field) = top.get(key) else { return Vec::new() };
    let tables: Vec<(Span, &'a DeTable<'i>)> = r.tables(&field);
    tables.into_iter().enumerate().map(|(i, (span, table))| r.section(table, span, known, &format!("{key}[{}]", i + 1))).collect()
}

/// How people see a table in messages: `[App]`, or `Env[2]` for an array entry.
fn table_label(path: &str) -> String {
    if path.contains('[') {
        path.to_owned()
    } else {
        format!("[{path}]")
    }
}

/// A string value where `""` means "not set", as in the platform's Go decoder.
fn text(r: &mut Reader<'_>, section: &Section<'_, '_>, key: &'static str) -> Option<String> {
    section.get(key).and_then(|field| r.string(&field)).filter(|text| !text.is_empty())
}

// ---------------------------------------------------------------------------------------------
// [App]

struct AppRead {
    model: AppSection,
    /// Name and Version were both read (the manifest is usable).
    has_name_and_version: bool,
}

fn read_app(r: &mut Reader<'_>, s: &Section<'_, '_>) -> AppRead {
    let name = required(r, s, "Name", codes::NAME_MISSING, "the app's machine name, e.g. `ai.h2o.wave.my-app`");
    let version = required(r, s, "Version", codes::VERSION_MISSING, "a semantic version, e.g. `1.0.0`");
    let name_ok = name.as_ref().is_some_and(|(name, span)| check_name(r, name, span));
    let version_ok = version.as_ref().is_some_and(|(version, span)| check_version(r, version, span));
    if let (Some((name, _)), Some((version, span)), true, true) = (&name, &version, name_ok, version_ok) {
        check_name_version(r, name, version, span);
    }

    let instance_timeout = text(r, s, "InstanceTimeout");
    if let (Some(timeout), Some(field)) = (&instance_timeout, s.get("InstanceTimeout")) {
        if !values::is_instance_timeout(timeout) {
            let message = format!("InstanceTimeout `{timeout}` is not a duration; write hours, minutes and seconds such as `1h`, `90m` or `1h30m`, or `-1` to never pause");
            r.error(codes::INSTANCE_TIMEOUT_INVALID, &field.path, Some(&field.span()), message);
        }
    }
    let category = text(r, s, "Category");
    if let (Some(category), Some(field)) = (&category, s.get("Category")) {
        check_category(r, category, &field.path, &field.span());
    }

    let model = AppSection {
        name: name.as_ref().map(|(name, _)| name.clone()).unwrap_or_default(),
        version: version.as_ref().map(|(version, _)| version.clone()).unwrap_or_default(),
        title: text(r, s, "Title"),
        description: text(r, s, "Description"),
        long_description: text(r, s, "LongDescription"),
        tags: s.get("Tags").and_then(|f| r.string_list(&f)),
        instance_lifecycle: s.get("InstanceLifecycle").and_then(|f| r.choice(&f, LIFECYCLES)).unwrap_or_default(),
        instance_timeout,
        category,
        keywords: s.get("Keywords").and_then(|f| r.string_list(&f)),
        setup_guide: text(r, s, "SetupGuide"),
    };
    AppRead { model, has_name_and_version: name.is_some() && version.is_some() }
}

/// A required, non-empty string: reports it missing (at the table header) or empty (at the value).
fn required(r: &mut Reader<'_>, s: &Section<'_, '_>, key: &'static str, code: &str, what: &str) -> Option<(String, Span)> {
    let path = format!("{}.{key}", s.path);
    let Some(field) = s.get(key) else {
        r.error(code, &path, Some(&s.span), format!("{} has no {key}; add `{key} = \"...\"`: {what}", table_label(&s.path)));
        return None;
    };
    let value = r.string(&field)?;
    if value.is_empty() {
        r.error(code, &path, Some(&field.span()), format!("{key} is empty; write {what}"));
        return None;
    }
    Some((value, field.span()))
}

const LABEL_RULE: &str = "may use only letters, digits, `-`, `_` and `.`, and must start and end with a letter or digit";

/// Name rules; returns whether Name is a valid label value.
fn check_name(r: &mut Reader<'_>, name: &str, span: &Span) -> bool {
    let mut ok = true;
    if name.len() > LABEL_MAX_LEN {
        let message = format!("Name is {} characters long; shorten it to at most {LABEL_MAX_LEN}", name.len());
        r.error(codes::NAME_TOO_LONG, "App.Name", Some(span), message);
        ok = false;
    }
    if !values::has_label_syntax(name) {
        let example = suggest_label(name).map(|s| format!(", e.g. `{s}`")).unwrap_or_default();
        r.error(codes::NAME_INVALID, "App.Name", Some(span), format!("Name `{name}` {LABEL_RULE}{example}"));
        ok = false;
    }
    ok
}

/// Version rules; returns whether Version is a valid label value.
fn check_version(r: &mut Reader<'_>, version: &str, span: &Span) -> bool {
    const PATH: &str = "App.Version";
    let mut ok = true;
    if version.len() > LABEL_MAX_LEN {
        let message = format!("Version is {} characters long; shorten it to at most {LABEL_MAX_LEN}", version.len());
        r.error(codes::VERSION_TOO_LONG, PATH, Some(span), message);
        ok = false;
    }
    // The placeholder and `+` get their own hints, so they are checked before the label syntax
    // that they also break.
    match values::version_pre_label_problem(version) {
        Some(VersionProblem::Placeholder) => {
            let message = format!("Version `{version}` is a build placeholder: the {{{{VERSION}}}} placeholder must be substituted before import; write the real version, e.g. 1.0.0");
            r.error(codes::VERSION_PLACEHOLDER, PATH, Some(span), message);
            return false;
        }
        Some(VersionProblem::BuildMetadata { without }) => {
            let message =
                format!("Version `{version}`: build metadata is not allowed: + cannot appear in a Kubernetes label; write {without}");
            r.error(codes::VERSION_BUILD_METADATA, PATH, Some(span), message);
            return false;
        }
        _ => {}
    }
    if !values::has_label_syntax(version) {
        r.error(
            codes::VERSION_INVALID,
            PATH,
            Some(span),
            format!("Version `{version}` {LABEL_RULE}; write a semantic version, e.g. 1.0.0"),
        );
        return false;
    }
    if let Some(VersionProblem::NotSemver { hint }) = values::version_semver_problem(version) {
        // The platform's own check is lenient: it accepts `1.0` (spec §3.2), so Wavehub only warns.
        match crate::apps::pad_short_version(version) {
            Some(padded) => {
                let message = format!(
                    "Version `{version}` is short of MAJOR.MINOR.PATCH; it is accepted and ordered as {padded}: write {padded}"
                );
                r.warning(codes::VERSION_SHORT, PATH, Some(span), message);
            }
            None => {
                let message = format!("Version `{version}` is not a semantic version MAJOR.MINOR.PATCH; {hint}");
                r.error(codes::VERSION_SEMVER, PATH, Some(span), message);
            }
        }
    }
    ok
}

/// `Name-Version` must be a label value too; with both parts valid, only its length can break that.
fn check_name_version(r: &mut Reader<'_>, name: &str, version: &str, version_span: &Span) {
    let length = name.len() + 1 + version.len();
    if length > LABEL_MAX_LEN {
        let message = format!(
            "`{name}-{version}` is {length} characters long; the platform needs Name-Version to fit in {LABEL_MAX_LEN}: shorten Name or Version by {}",
            length - LABEL_MAX_LEN
        );
        r.error(codes::NAME_VERSION_TOO_LONG, "App.Version", Some(version_span), message);
    }
}

/// A valid label close to `text` (bad characters replaced by `-`), to show as an example.
fn suggest_label(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let candidate: String = trimmed.chars().take(LABEL_MAX_LEN).collect();
    values::is_label_value(&candidate).then_some(candidate)
}

fn check_category(r: &mut Reader<'_>, category: &str, path: &str, span: &Span) {
    if LEGACY_CATEGORIES.contains(&category) {
        return;
    }
    let message = match LEGACY_CATEGORIES.iter().find(|known| known.eq_ignore_ascii_case(category)) {
        Some(known) => format!("write `Category = \"{known}\"`"),
        None => format!(
            "Category `{category}` is not one of the legacy categories ({}); Category is legacy anyway: prefer Tags, e.g. `Tags = [\"DATA_SCIENCE\"]`",
            LEGACY_CATEGORIES.join(", ")
        ),
    };
    r.warning(codes::CATEGORY_UNKNOWN, path, Some(span), message);
}

// ---------------------------------------------------------------------------------------------
// [Runtime]

fn read_runtime(r: &mut Reader<'_>, s: &Section<'_, '_>) -> RuntimeSection {
    let module = text(r, s, "Module");
    if let (Some(module), Some(field)) = (&module, s.get("Module")) {
        check_module(r, module, &field.path, &field.span());
    }
    let volume_mount = text(r, s, "VolumeMount");
    if let (Some(mount), Some(field)) = (&volume_mount, s.get("VolumeMount")) {
        if !mount.starts_with('/') {
            let absolute = format!("/{}", mount.trim_start_matches("./"));
            let message = format!("VolumeMount `{mount}` must be an absolute path: write `{absolute}`");
            r.error(codes::VOLUME_MOUNT_RELATIVE, &field.path, Some(&field.span()), message);
        }
    }
    let volume_size = quantity(r, s, "VolumeSize");
    check_volume_pair(r, s, volume_mount.is_some(), volume_size.is_some());

    let memory_limit = quantity(r, s, "MemoryLimit");
    let memory_reservation = quantity(r, s, "MemoryReservation");
    let cpu_limit = quantity(r, s, "CPULimit");
    let cpu_reservation = quantity(r, s, "CPUReservation");
    check_reservation(r, s, ("MemoryReservation", &memory_reservation), ("MemoryLimit", &memory_limit));
    check_reservation(r, s, ("CPUReservation", &cpu_reservation), ("CPULimit", &cpu_limit));

    RuntimeSection {
        module,
        runtime_version: text(r, s, "RuntimeVersion"),
        volume_mount,
        volume_size: volume_size.map(|(written, _)| written),
        resource_volume_size: quantity(r, s, "ResourceVolumeSize").map(|(written, _)| written),
        memory_limit: memory_limit.map(|(written, _)| written),
        memory_reservation: memory_reservation.map(|(written, _)| written),
        cpu_limit: cpu_limit.map(|(written, _)| written),
        cpu_reservation: cpu_reservation.map(|(written, _)| written),
        gpu_count: bounded_integer(r, s, "GPUCount", 0, i64::from(u32::MAX), codes::GPU_COUNT_INVALID, "0 or more")
            .and_then(|n| u32::try_from(n).ok()),
        gpu_type: text(r, s, "GPUType"),
        enable_oidc: s.get("EnableOIDC").and_then(|f| r.bool(&f)).unwrap_or(false),
        enable_shm: s.get("EnableSHM").and_then(|f| r.bool(&f)).unwrap_or(false),
        routing_mode: s.get("RoutingMode").and_then(|f| r.choice(&f, ROUTING_MODES)).unwrap_or_default(),
        app_mode: s.get("AppMode").and_then(|f| r.choice(&f, APP_MODES)).unwrap_or_default(),
        port: bounded_integer(r, s, "Port", 1, 65535, codes::PORT_INVALID, "between 1 and 65535").and_then(|n| u16::try_from(n).ok()),
        custom_image: text(r, s, "CustomImage"),
        app_args: s.get("AppArgs").and_then(|f| r.string_list(&f)),
        app_entry_point: s.get("AppEntryPoint").and_then(|f| r.string_list(&f)),
    }
}

fn check_module(r: &mut Reader<'_>, module: &str, path: &str, span: &Span) {
    if values::is_python_module(module) {
        return;
    }
    // The usual mistake is a file path (`src/app.py`) instead of a module path (`src.app`).
    let fixed = module.trim_end_matches(".py").trim_start_matches("./").replace('/', ".");
    let example = if values::is_python_module(&fixed) { fixed } else { "src.app".to_owned() };
    let message = format!("Module `{module}` must be a dotted Python module path, each part a Python identifier: write e.g. `{example}`");
    r.error(codes::MODULE_INVALID, path, Some(span), message);
}

/// A Kubernetes quantity as written and parsed (`None` parsed when invalid, after an error).
/// An empty string is an error here: unlike other strings, it is never a valid size.
fn quantity(r: &mut Reader<'_>, s: &Section<'_, '_>, key: &'static str) -> Option<(String, Option<Quantity>)> {
    let field = s.get(key)?;
    let written = r.string(&field)?;
    match parse_quantity(&written) {
        Ok(parsed) => Some((written, Some(parsed))),
        Err(error) => {
            let message = format!("{key} `{written}` is not a Kubernetes quantity: {error}");
            r.error(codes::QUANTITY_INVALID, &field.path, Some(&field.span()), message);
            (!written.is_empty()).then_some((written, None))
        }
    }
}

fn check_volume_pair(r: &mut Reader<'_>, s: &Section<'_, '_>, has_mount: bool, has_size: bool) {
    let (present, message) = match (has_mount, has_size) {
        (true, false) => ("VolumeMount", "VolumeMount needs VolumeSize, the size of the volume: add e.g. `VolumeSize = \"1Gi\"`"),
        (false, true) => ("VolumeSize", "VolumeSize needs VolumeMount, where the volume is mounted: add e.g. `VolumeMount = \"/data\"`"),
        _ => return,
    };
    if let Some(field) = s.get(present) {
        r.error(codes::VOLUME_UNPAIRED, &field.path, Some(&field.span()), message);
    }
}

/// Kubernetes refuses a request (reservation) above its limit; compare the exact quantities.
fn check_reservation(
    r: &mut Reader<'_>,
    s: &Section<'_, '_>,
    (reservation_key, reservation): (&'static str, &Option<(String, Option<Quantity>)>),
    (limit_key, limit): (&'static str, &Option<(String, Option<Quantity>)>),
) {
    let (Some((reservation_written, Some(reservation))), Some((limit_written, Some(limit)))) = (reservation, limit) else {
        return;
    };
    if reservation > limit {
        if let Some(field) = s.get(reservation_key) {
            let message = format!(
                "{reservation_key} `{reservation_written}` is more than {limit_key} `{limit_written}`; a reservation cannot exceed its limit: lower {reservation_key} or raise {limit_key}"
            );
            r.error(codes::RESERVATION_ABOVE_LIMIT, &field.path, Some(&field.span()), message);
        }
    }
}

/// An integer in `min..=max`; out of range is reported with `code`.
fn bounded_integer(r: &mut Reader<'_>, s: &Section<'_, '_>, key: &'static str, min: i64, max: i64, code: &str, range: &str) -> Option<i64> {
    let field = s.get(key)?;
    let value = r.integer(&field)?;
    if (min..=max).contains(&value) {
        Some(value)
    } else {
        r.error(code, &field.path, Some(&field.span()), format!("{key} is {value}; it must be {range}"));
        None
    }
}

// ---------------------------------------------------------------------------------------------
// [[Env]] and [[File]]

fn read_env(r: &mut Reader<'_>, sections: &[Section<'_, '_>], options: &ManifestOptions) -> Vec<EnvEntry> {
    let mut first_of: BTreeMap<String, String> = BTreeMap::new();
    let key = EntryKey { key: "Name", code: codes::ENV_NAME_MISSING, what: "the variable's name, e.g. `API_URL`" };
    let entries = read_entries(r, sections, key, &codes::ENV_SOURCE, |r, s, name, path, span| {
        check_env_name(r, name, path, span, options);
        match first_of.get(name) {
            // The platform accepts it (the app gets the later value), so Wavehub only warns.
            Some(first) => {
                let message = format!("{name} is already set by {first}; the app gets only this later value: remove one of them");
                r.warning(codes::ENV_NAME_DUPLICATE, path, Some(span), message);
            }
            None => {
                first_of.insert(name.to_owned(), s.path.clone());
            }
        }
    });
    entries
        .into_iter()
        .map(|(name, source)| EnvEntry { name, source })
        .collect()
}

fn check_env_name(r: &mut Reader<'_>, name: &str, path: &str, span: &Span, options: &ManifestOptions) {
    if !values::is_env_name(name) {
        let message = format!(
            "`{name}` is not a valid environment variable name; use letters, digits and `_`, not starting with a digit, e.g. `MY_SETTING`"
        );
        r.error(codes::ENV_NAME_INVALID, path, Some(span), message);
    }
    if name.starts_with("H2O_CLOUD") {
        let message = format!("{name}: names starting with H2O_CLOUD are reserved for the platform; rename the variable");
        r.error(codes::ENV_RESERVED_CLOUD, path, Some(span), message);
    } else if name.starts_with("H2O_WAVE") && !options.allows_core_env(name) {
        let message = format!(
            "{name}: names starting with H2O_WAVE are reserved for the platform, except H2O_WAVE_APP_MODE and those the administrator allows ({}); rename the variable",
            options.allowed_core_env.join(", ")
        );
        r.error(codes::ENV_RESERVED_WAVE, path, Some(span), message);
    }
}

fn read_files(r: &mut Reader<'_>, sections: &[Section<'_, '_>]) -> Vec<FileEntry> {
    let mut first_in: BTreeMap<String, String> = BTreeMap::new();
    let key = EntryKey { key: "Path", code: codes::FILE_PATH_MISSING, what: "where the file appears, e.g. `config/settings.json`" };
    let entries = read_entries(r, sections, key, &codes::FILE_SOURCE, |r, s, file_path, toml_path, span| {
        let folder = values::path_dir(file_path);
        if folder == "/" || folder == "." {
            let message = format!(
                "Path `{file_path}` is directly in `{folder}`; files can only go in a subfolder, e.g. `config/{}`",
                file_name(file_path)
            );
            r.error(codes::FILE_PATH_DIR, toml_path, Some(span), message);
        } else if folder == "/resources" || folder.starts_with("/resources/") {
            let message = format!(
                "Path `{file_path}` is in /resources, which the platform reserves for the app's environment; choose another folder"
            );
            r.error(codes::FILE_PATH_RESOURCES, toml_path, Some(span), message);
        } else if let Some(first) = first_in.get(&folder) {
            // One mount per folder: two files in one folder would hide each other.
            let message = format!(
                "Path `{file_path}` is in folder `{folder}`, like {first}.Path; each File needs a folder of its own: move one of them"
            );
            r.error(codes::FILE_PATH_DIR_DUPLICATE, toml_path, Some(span), message);
        } else {
            first_in.insert(folder, s.path.clone());
        }
    });
    entries
        .into_iter()
        .map(|(path, source)| FileEntry { path, source })
        .collect()
}

/// The key that names an `[[Env]]` or a `[[File]]` (`Name`, `Path`), with [`required`]'s code and
/// words for when it is missing.
struct EntryKey {
    key: &'static str,
    code: &'static str,
    what: &'static str,
}

/// Each `[[Env]]` or `[[File]]` section, in order: its `key` (empty when missing; `check` sees it
/// with its TOML path and span when there is one) and where its content comes from.
fn read_entries(
    r: &mut Reader<'_>,
    sections: &[Section<'_, '_>],
    key: EntryKey,
    source_codes: &SourceCodes,
    mut check: impl FnMut(&mut Reader<'_>, &Section<'_, '_>, &str, &str, &Span),
) -> Vec<(String, ValueSource)> {
    let mut entries = Vec::new();
    for s in sections {
        let named = required(r, s, key.key, key.code, key.what);
        if let Some((name, span)) = &named {
            check(r, s, name, &format!("{}.{}", s.path, key.key), span);
        }
        let source = read_source(r, s, source_codes);
        entries.push((named.map(|(name, _)| name).unwrap_or_default(), source));
    }
    entries
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The content rules Env and File share: Value, or Secret with SecretKey (never both); Optional
/// only for secrets.
fn read_source(r: &mut Reader<'_>, s: &Section<'_, '_>, rule_codes: &SourceCodes) -> ValueSource {
    // An empty Value is still a value (an empty variable or file); an empty Secret names nothing.
    let value = s.get("Value").and_then(|f| r.string(&f));
    let secret = text(r, s, "Secret");
    let secret_key = text(r, s, "SecretKey");
    let optional = s.get("Optional").and_then(|f| r.bool(&f)).unwrap_or(false);
    let at = |key: &'static str| s.get(key).map(Field::into_path_and_span);

    let problem = match (&value, &secret, &secret_key) {
        (Some(_), Some(_), _) | (Some(_), None, Some(_)) => Some((
            rule_codes.value_and_secret,
            at("Value"),
            "set either Value or Secret with SecretKey, not both: remove Value to read the secret, or remove Secret and SecretKey"
                .to_owned(),
        )),
        (None, Some(secret), None) => Some((
            rule_codes.secret_key_missing,
            at("Secret"),
            format!("Secret `{secret}` needs SecretKey, the key to read inside the secret: add `SecretKey = \"...\"`"),
        )),
        (None, None, Some(key)) => Some((
            rule_codes.secret_missing,
            at("SecretKey"),
            format!("SecretKey `{key}` needs Secret, the name of the secret that holds it: add `Secret = \"...\"`"),
        )),
        (None, None, None) => Some((
            rule_codes.no_value,
            None,
            format!("{} has no content: add `Value = \"...\"`, or `Secret` and `SecretKey` to read it from a secret", s.path),
        )),
        (Some(_), None, None) | (None, Some(_), Some(_)) => None,
    };
    if let Some((code, at, message)) = problem {
        let (path, span) = at.unwrap_or_else(|| (s.path.clone(), s.span.clone()));
        r.error(code, &path, Some(&span), message);
    }
    if optional && secret.is_none() && secret_key.is_none() {
        if let Some((path, span)) = at("Optional") {
            let message = "Optional only applies to a secret (it lets the import go on when the secret does not exist); remove Optional, or use Secret and SecretKey";
            r.error(rule_codes.optional_without_secret, &path, Some(&span), message);
        }
    }
    ValueSource { value, secret, secret_key, optional }
}

// ---------------------------------------------------------------------------------------------
// [Link]

fn read_link(r: &mut Reader<'_>, s: &Section<'_, '_>) -> LinkSection {
    let address = text(r, s, "Address");
    if let (Some(address), Some(field)) = (&address, s.get("Address")) {
        if let Some(problem) = values::http_url_problem(address) {
            let message = format!("Address `{address}` is not a web address: {problem}; write the full URL, e.g. `https://example.com`");
            r.error(codes::LINK_ADDRESS_INVALID, &field.path, Some(&field.span()), message);
        }
    }
    LinkSection { address: address.unwrap_or_default() }
}

// ---------------------------------------------------------------------------------------------
// Rules across tables: what each kind of app needs

/// Whether `key` is absent from the table or an empty string.
fn is_unset(section: &Section<'_, '_>, key: &'static str) -> bool {
    section.get(key).is_none_or(|field| field.value.get_ref().as_str() == Some(""))
}

/// What the cross-table rules need to know about the manifest's tables.
struct Kind<'s, 'a, 'i> {
    lifecycle: InstanceLifecycle,
    lifecycle_span: Option<Span>,
    runtime: Option<&'s Section<'a, 'i>>,
    files: &'s [Section<'a, 'i>],
    link: Option<&'s Section<'a, 'i>>,
}

fn check_kind(r: &mut Reader<'_>, kind: &Kind<'_, '_, '_>, runtime: &RuntimeSection) {
    if kind.lifecycle == InstanceLifecycle::Link {
        check_link_app(r, kind);
        return;
    }
    if let Some(section) = kind.link {
        let message = "[Link] is only used when InstanceLifecycle is \"LINK\"; remove it, or set `InstanceLifecycle = \"LINK\"`";
        r.warning(codes::LINK_UNUSED, "Link", Some(&section.span), message);
    }
    let runtime_field = |key: &'static str| kind.runtime.and_then(|s| s.get(key)).map(Field::into_path_and_span);
    // "Missing" means absent or empty; a value of the wrong type was reported already.
    let unset = |key: &'static str| kind.runtime.is_none_or(|s| is_unset(s, key));
    // Where to point when a value is missing: the AppMode that requires it, else the [Runtime] header.
    let because = runtime_field("AppMode").map(|(_, span)| span).or_else(|| kind.runtime.map(|s| s.span.clone()));

    if runtime.app_mode != AppMode::Container && unset("Module") {
        let message = "[Runtime] needs Module, the Python module the platform starts with `python3 -m`: add e.g. `Module = \"src.app\"` for src/app.py";
        r.error(codes::MODULE_MISSING, "Runtime.Module", kind.runtime.map(|s| &s.span), message);
    }
    match runtime.app_mode {
        AppMode::Container => {
            if unset("CustomImage") {
                let message = "a container app (AppMode = \"container\") needs CustomImage, the image to run: add e.g. `CustomImage = \"registry.example.com/my-app:1.0.0\"`";
                r.error(codes::CUSTOM_IMAGE_MISSING, "Runtime.CustomImage", because.as_ref(), message);
            }
        }
        AppMode::Python => {
            if unset("Port") {
                let message = "a Python app (AppMode = \"python\") needs Port, the port its web server listens on: add e.g. `Port = 8501`";
                r.error(codes::PORT_MISSING, "Runtime.Port", because.as_ref(), message);
            }
        }
        AppMode::Wave => {
            if let Some((path, span)) = runtime_field("Port") {
                let message = "Port is only used by Python and container apps (AppMode \"python\" or \"container\"); a Wave app ignores it: remove it";
                r.warning(codes::PORT_UNUSED, &path, Some(&span), message);
            }
        }
    }
    if runtime.app_mode != AppMode::Container {
        for key in ["CustomImage", "AppArgs", "AppEntryPoint"] {
            if let Some((path, span)) = runtime_field(key) {
                let message = format!("{key} is only used by container apps (AppMode = \"container\"); remove it, or set the AppMode");
                r.warning(codes::CONTAINER_ONLY, &path, Some(&span), message);
            }
        }
    }
}

/// A LINK app is a link: it needs an address and runs nothing.
fn check_link_app(r: &mut Reader<'_>, kind: &Kind<'_, '_, '_>) {
    if kind.link.is_none_or(|s| is_unset(s, "Address")) {
        let (span, message) = match kind.link {
            Some(section) => (Some(&section.span), "[Link] has no Address; add `Address = \"https://...\"`, the full URL of the app"),
            None => (
                kind.lifecycle_span.as_ref(),
                "a LINK app needs a [Link] table with Address, the full URL of the app: add `[Link]` and `Address = \"https://...\"`",
            ),
        };
        r.error(codes::LINK_ADDRESS_MISSING, "Link.Address", span, message);
    }
    if let Some(section) = kind.runtime.filter(|s| !s.is_empty()) {
        let keys = section.keys().join(", ");
        let listed = if keys.is_empty() { String::new() } else { format!(" ({keys})") };
        let message = format!("a LINK app runs nothing, so [Runtime] must be empty{listed}; remove its keys");
        r.error(codes::LINK_RUNTIME_NOT_EMPTY, "Runtime", Some(&section.span), message);
    }
    if let Some(first) = kind.files.first() {
        let message = format!("a LINK app runs nothing, so it cannot have [[File]] entries ({} found); remove them", kind.files.len());
        r.error(codes::LINK_FILES_NOT_EMPTY, "File", Some(&first.span), message);
    }
}
