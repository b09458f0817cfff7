//! Rule tests: a good and a bad manifest for every rule, and every code exercised at least once.

use proptest::prelude::*;

use super::*;
use crate::api::Severity;

fn check(text: &str) -> ManifestCheck {
    check_manifest(text, &ManifestOptions::default())
}

/// A valid Wave app, with `extra_app` appended to `[App]`, `extra_runtime` to `[Runtime]`, and
/// `rest` after both.
fn wave_app(extra_app: &str, extra_runtime: &str, rest: &str) -> String {
    format!(
        "[App]\nName = \"ai.h2o.wave.test\"\nVersion = \"1.0.0\"\n{extra_app}\n[Runtime]\nModule = \"src.app\"\n{extra_runtime}\n{rest}"
    )
}

/// A manifest that must have no findings at all.
fn assert_clean(text: &str) {
    let result = check(text);
    assert!(result.findings.is_empty(), "expected no findings for\n{text}\ngot {:#?}", result.findings);
    assert!(result.manifest.is_some());
}

/// The finding with `code`; fails listing all findings when there is none.
fn finding<'a>(result: &'a ManifestCheck, code: &str) -> &'a Finding {
    result.findings.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("no {code} among {:#?}", result.findings))
}

fn codes_of(result: &ManifestCheck) -> Vec<&str> {
    result.findings.iter().map(|f| f.code.as_str()).collect()
}

/// Bad manifests: each must produce the code at the path. Together they cover every code (see
/// `every_code_is_exercised`).
fn bad_cases() -> Vec<(String, &'static str, &'static str)> {
    let app = |extra: &str| wave_app(extra, "", "");
    let runtime = |extra: &str| wave_app("", extra, "");
    let rest = |extra: &str| wave_app("", "", extra);
    let name_version =
        |name: &str, version: &str| format!("[App]\nName = \"{name}\"\nVersion = \"{version}\"\n[Runtime]\nModule = \"app\"\n");
    let env = |body: &str| rest(&format!("[[Env]]\n{body}\n"));
    let file = |body: &str| rest(&format!("[[File]]\n{body}\n"));
    let link = |rest: &str| format!("[App]\nName = \"ai.h2o.link.x\"\nVersion = \"1.0.0\"\nInstanceLifecycle = \"LINK\"\n{rest}");
    vec![
        ("[App\nName = \"x\"".into(), codes::SYNTAX, ""),
        ("name = \"my-shopify-app\"\napp_url = \"https://x\"".into(), codes::APP_MISSING, "App"),
        ("".into(), codes::APP_MISSING, "App"),
        ("[app]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"app\"".into(), codes::KEY_CASE, "App"),
        (app("name = \"other\""), codes::KEY_DUPLICATE, "App.Name"),
        (app("Colour = \"red\""), codes::KEY_UNKNOWN, "App.Colour"),
        (app("MemoryLimit = \"1Gi\""), codes::KEY_UNKNOWN, "App.MemoryLimit"),
        (rest("[Brand]\nTitle = \"x\""), codes::TABLE_UNKNOWN, "Brand"),
        (runtime("GPUCount = \"1\""), codes::VALUE_TYPE, "Runtime.GPUCount"),
        (runtime("EnableOIDC = \"true\""), codes::VALUE_TYPE, "Runtime.EnableOIDC"),
        (runtime("EnableSHM = 1"), codes::VALUE_TYPE, "Runtime.EnableSHM"),
        (app("Tags = \"X\""), codes::VALUE_TYPE, "App.Tags"),
        (app("Keywords = [\"a\", 2]"), codes::VALUE_TYPE, "App.Keywords[2]"),
        (app("Title = 3"), codes::VALUE_TYPE, "App.Title"),
        (runtime("MemoryLimit = 512"), codes::VALUE_TYPE, "Runtime.MemoryLimit"),
        (rest("[Env]\nName = \"A\"\nValue = \"b\""), codes::VALUE_TYPE, "Env"),
        (format!("Env = [1]\n{}", wave_app("", "", "")), codes::VALUE_TYPE, "Env[1]"),
        ("App = \"x\"".into(), codes::VALUE_TYPE, "App"),
        ("[App]\nName = \"a\"\nVersion = 1.0\n[Runtime]\nModule = \"app\"".into(), codes::VALUE_TYPE, "App.Version"),
        (app("InstanceLifecycle = \"Managed\""), codes::ENUM_CASE, "App.InstanceLifecycle"),
        (runtime("AppMode = \"Python\"\nPort = 8501"), codes::ENUM_CASE, "Runtime.AppMode"),
        (app("InstanceLifecycle = \"ALWAYS\""), codes::ENUM_INVALID, "App.InstanceLifecycle"),
        (runtime("RoutingMode = \"PATH\""), codes::ENUM_INVALID, "Runtime.RoutingMode"),
        (runtime("AppMode = \"docker\""), codes::ENUM_INVALID, "Runtime.AppMode"),
        ("[App]\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"app\"".into(), codes::NAME_MISSING, "App.Name"),
        (name_version("", "1.0.0"), codes::NAME_MISSING, "App.Name"),
        (name_version(&"a".repeat(64), "1.0.0"), codes::NAME_TOO_LONG, "App.Name"),
        (name_version("my app", "1.0.0"), codes::NAME_INVALID, "App.Name"),
        (name_version("-app", "1.0.0"), codes::NAME_INVALID, "App.Name"),
        ("[App]\nName = \"a\"\n[Runtime]\nModule = \"app\"".into(), codes::VERSION_MISSING, "App.Version"),
        (name_version("a", &format!("1.0.0-{}", "x".repeat(58))), codes::VERSION_TOO_LONG, "App.Version"),
        (name_version("a", "1.0.0 beta"), codes::VERSION_INVALID, "App.Version"),
        (name_version("a", "{{VERSION}}"), codes::VERSION_PLACEHOLDER, "App.Version"),
        (name_version("a", "1.0.0+build.5"), codes::VERSION_BUILD_METADATA, "App.Version"),
        (name_version("a", "1.0"), codes::VERSION_SHORT, "App.Version"),
        (name_version("a", "v1.0"), codes::VERSION_SEMVER, "App.Version"),
        (name_version("a", "v1.2.3"), codes::VERSION_SEMVER, "App.Version"),
        (name_version("a", "01.2.3"), codes::VERSION_SEMVER, "App.Version"),
        (name_version(&"n".repeat(50), "0.1.2-20201013062803"), codes::NAME_VERSION_TOO_LONG, "App.Version"),
        (app("Category = \"Finance\""), codes::CATEGORY_UNKNOWN, "App.Category"),
        (app("InstanceTimeout = \"1d\""), codes::INSTANCE_TIMEOUT_INVALID, "App.InstanceTimeout"),
        (app("InstanceTimeout = \"30\""), codes::INSTANCE_TIMEOUT_INVALID, "App.InstanceTimeout"),
        ("[App]\nName = \"a\"\nVersion = \"1.0.0\"".into(), codes::MODULE_MISSING, "Runtime.Module"),
        ("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"\"".into(), codes::MODULE_MISSING, "Runtime.Module"),
        ("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"src/app.py\"".into(), codes::MODULE_INVALID, "Runtime.Module"),
        (runtime("VolumeMount = \"data\"\nVolumeSize = \"1Gi\""), codes::VOLUME_MOUNT_RELATIVE, "Runtime.VolumeMount"),
        (runtime("VolumeMount = \"/data\""), codes::VOLUME_UNPAIRED, "Runtime.VolumeMount"),
        (runtime("VolumeSize = \"1Gi\""), codes::VOLUME_UNPAIRED, "Runtime.VolumeSize"),
        (runtime("MemoryLimit = \"2GB\""), codes::QUANTITY_INVALID, "Runtime.MemoryLimit"),
        (runtime("MemoryLimit = \"1gi\""), codes::QUANTITY_INVALID, "Runtime.MemoryLimit"),
        (runtime("MemoryReservation = \"1 Gi\""), codes::QUANTITY_INVALID, "Runtime.MemoryReservation"),
        (runtime("CPULimit = \"Gi\""), codes::QUANTITY_INVALID, "Runtime.CPULimit"),
        (runtime("CPUReservation = \"\""), codes::QUANTITY_INVALID, "Runtime.CPUReservation"),
        (runtime("ResourceVolumeSize = \"-1Gi\""), codes::QUANTITY_INVALID, "Runtime.ResourceVolumeSize"),
        (runtime("MemoryLimit = \"8Gi\"\nMemoryReservation = \"16Gi\""), codes::RESERVATION_ABOVE_LIMIT, "Runtime.MemoryReservation"),
        (runtime("CPULimit = \"1500m\"\nCPUReservation = \"2\""), codes::RESERVATION_ABOVE_LIMIT, "Runtime.CPUReservation"),
        (runtime("MemoryLimit = \"1G\"\nMemoryReservation = \"1Gi\""), codes::RESERVATION_ABOVE_LIMIT, "Runtime.MemoryReservation"),
        (runtime("GPUCount = -1"), codes::GPU_COUNT_INVALID, "Runtime.GPUCount"),
        (runtime("AppMode = \"python\""), codes::PORT_MISSING, "Runtime.Port"),
        (runtime("AppMode = \"python\"\nPort = 70000"), codes::PORT_INVALID, "Runtime.Port"),
        (runtime("Port = 8080"), codes::PORT_UNUSED, "Runtime.Port"),
        (runtime("AppMode = \"container\""), codes::CUSTOM_IMAGE_MISSING, "Runtime.CustomImage"),
        (runtime("CustomImage = \"img:1\""), codes::CONTAINER_ONLY, "Runtime.CustomImage"),
        (runtime("AppArgs = [\"--x\"]"), codes::CONTAINER_ONLY, "Runtime.AppArgs"),
        (link(""), codes::LINK_ADDRESS_MISSING, "Link.Address"),
        (link("[Link]\n"), codes::LINK_ADDRESS_MISSING, "Link.Address"),
        (link("[Link]\nAddress = \"h2ogpte.genai.h2o.ai\""), codes::LINK_ADDRESS_INVALID, "Link.Address"),
        (link("[Link]\nAddress = \"https://x.ai\"\n[Runtime]\nModule = \"app\""), codes::LINK_RUNTIME_NOT_EMPTY, "Runtime"),
        (link("[Link]\nAddress = \"https://x.ai\"\n[[File]]\nPath = \"a/b\"\nValue = \"c\""), codes::LINK_FILES_NOT_EMPTY, "File"),
        (rest("[Link]\nAddress = \"https://x.ai\""), codes::LINK_UNUSED, "Link"),
        (env("Value = \"x\""), codes::ENV_NAME_MISSING, "Env[1].Name"),
        (env("Name = \"MY-VAR\"\nValue = \"x\""), codes::ENV_NAME_INVALID, "Env[1].Name"),
        (rest("[[Env]]\nName = \"A\"\nValue = \"1\"\n[[Env]]\nName = \"A\"\nValue = \"2\""), codes::ENV_NAME_DUPLICATE, "Env[2].Name"),
        (env("Name = \"H2O_CLOUD_FOO\"\nValue = \"x\""), codes::ENV_RESERVED_CLOUD, "Env[1].Name"),
        (env("Name = \"H2O_WAVE_LISTEN\"\nValue = \"x\""), codes::ENV_RESERVED_WAVE, "Env[1].Name"),
        (env("Name = \"A\"\nValue = \"x\"\nSecret = \"s\"\nSecretKey = \"k\""), codes::ENV_SOURCE.value_and_secret, "Env[1].Value"),
        (env("Name = \"A\"\nValue = \"x\"\nSecretKey = \"k\""), codes::ENV_SOURCE.value_and_secret, "Env[1].Value"),
        (env("Name = \"A\"\nSecret = \"s\""), codes::ENV_SOURCE.secret_key_missing, "Env[1].Secret"),
        (env("Name = \"A\"\nSecretKey = \"k\""), codes::ENV_SOURCE.secret_missing, "Env[1].SecretKey"),
        (env("Name = \"A\""), codes::ENV_SOURCE.no_value, "Env[1]"),
        (env("Name = \"A\"\nValue = \"x\"\nOptional = true"), codes::ENV_SOURCE.optional_without_secret, "Env[1].Optional"),
        (file("Value = \"x\""), codes::FILE_PATH_MISSING, "File[1].Path"),
        (file("Path = \"secret.txt\"\nValue = \"x\""), codes::FILE_PATH_DIR, "File[1].Path"),
        (file("Path = \"/secret.txt\"\nValue = \"x\""), codes::FILE_PATH_DIR, "File[1].Path"),
        (file("Path = \"/resources/x\"\nValue = \"x\""), codes::FILE_PATH_RESOURCES, "File[1].Path"),
        (file("Path = \"/resources/deep/x\"\nValue = \"x\""), codes::FILE_PATH_RESOURCES, "File[1].Path"),
        (
            rest("[[File]]\nPath = \"conf/a\"\nValue = \"1\"\n[[File]]\nPath = \"conf/b\"\nValue = \"2\""),
            codes::FILE_PATH_DIR_DUPLICATE,
            "File[2].Path",
        ),
        (file("Path = \"c/a\"\nValue = \"x\"\nSecret = \"s\"\nSecretKey = \"k\""), codes::FILE_SOURCE.value_and_secret, "File[1].Value"),
        (file("Path = \"c/a\"\nSecret = \"s\""), codes::FILE_SOURCE.secret_key_missing, "File[1].Secret"),
        (file("Path = \"c/a\"\nSecretKey = \"k\""), codes::FILE_SOURCE.secret_missing, "File[1].SecretKey"),
        (file("Path = \"c/a\""), codes::FILE_SOURCE.no_value, "File[1]"),
        (file("Path = \"c/a\"\nValue = \"x\"\nOptional = true"), codes::FILE_SOURCE.optional_without_secret, "File[1].Optional"),
    ]
}

#[test]
fn each_bad_manifest_gets_its_code_at_its_path() {
    for (text, code, path) in bad_cases() {
        let result = check(&text);
        let found = result.findings.iter().any(|f| f.code == code && f.path == path);
        assert!(found, "expected {code} at {path} for\n{text}\ngot {:#?}", result.findings);
        let expected = if matches!(
            code,
            codes::KEY_CASE
                | codes::KEY_UNKNOWN
                | codes::TABLE_UNKNOWN
                | codes::ENUM_CASE
                | codes::CATEGORY_UNKNOWN
                | codes::PORT_UNUSED
                | codes::CONTAINER_ONLY
                | codes::LINK_UNUSED
                // Stricter than the platform, which accepts these: warnings, never refusals.
                | codes::VERSION_SHORT
                | codes::KEY_DUPLICATE
                | codes::ENV_NAME_DUPLICATE
        ) {
            Severity::Warning
        } else {
            Severity::Error
        };
        let f = finding(&result, code);
        assert_eq!(f.severity, expected, "{code}");
        assert_eq!(f.file.as_deref(), Some("app.toml"));
        assert!(!f.message.is_empty());
    }
}

#[test]
fn every_code_is_exercised() {
    let exercised: Vec<&str> = bad_cases().into_iter().map(|(_, code, _)| code).collect();
    let unique: std::collections::BTreeSet<&str> = codes::ALL.iter().copied().collect();
    assert_eq!(unique.len(), codes::ALL.len(), "codes are unique");
    for code in codes::ALL {
        assert!(exercised.contains(code), "no test case for {code}");
        assert!(code.starts_with("manifest."), "{code}");
    }
}

#[test]
fn good_manifests_have_no_findings() {
    // The docs' canonical example (spec §3.1).
    assert_clean(
        r#"[App]
Name = "ai.h2o.wave.my-app"
Version = "0.0.1"
Title = "My awesome app"
Description = "This is my awesome app"
LongDescription = "LongDescription.md"
Tags = ["DATA_SCIENCE"]
InstanceLifecycle = "ON_DEMAND"
InstanceTimeout = "1h"

[Runtime]
Module = "app.run"
VolumeMount = "/data"
VolumeSize = "1Gi"
ResourceVolumeSize = "2Gi"
MemoryLimit = "500Mi"
MemoryReservation = "400Mi"
CPULimit = "1.5"
CPUReservation = "500m"
GPUCount = 1
GPUType = ""
EnableOIDC = false
EnableSHM = false
RoutingMode = "DOMAIN"

[[Env]]
Name = "ENVIRONMENT_VARIABLE_NAME"
Secret = "SecretName"
SecretKey = "SecretKeyName"

[[Env]]
Name = "ANOTHER_ENVIRONMENT_VARIABLE_NAME"
Value = "some value"

[[File]]
Path = "some/path.file"
Secret = "FileSecretName"
SecretKey = "FileSecretKeyName"

[[File]]
Path = "/another/path.file"
Value = '''
some
string
'''
"#,
    );
    // LINK app: no Runtime, no Module.
    assert_clean("[App]\nName = \"ai.h2o.link.x\"\nVersion = \"1.6.0\"\nInstanceLifecycle = \"LINK\"\n[Link]\nAddress = \"https://h2ogpte.genai.h2o.ai\"\n");
    // Container app: no Module needed.
    assert_clean(
        "[App]\nName = \"c\"\nVersion = \"1.0.0\"\n[Runtime]\nAppMode = \"container\"\nCustomImage = \"docker.io/x/y:v{{VERSION}}\"\nPort = 10101\nAppArgs = [\"--a\"]\nAppEntryPoint = []\n",
    );
    // Python app: Module and Port.
    assert_clean(&wave_app("", "AppMode = \"python\"\nPort = 8501", ""));
    // Explicit defaults and empty enum values.
    assert_clean(&wave_app("InstanceLifecycle = \"\"", "AppMode = \"wave\"\nRoutingMode = \"BASE_URL\"", ""));
    assert_clean(&wave_app("InstanceLifecycle = \"MANAGED\"\nInstanceTimeout = \"-1\"", "", ""));
    assert_clean(&wave_app("InstanceTimeout = \"1h30m\"\nCategory = \"Data Science\"\nKeywords = []\nSetupGuide = \"setup.txt\"", "", ""));
    // Quantities in every accepted form; limits equal to reservations.
    assert_clean(&wave_app("", "MemoryLimit = \"2G\"\nMemoryReservation = \"2000M\"\nCPULimit = \"1e3\"\nCPUReservation = \"1000\"", ""));
    // Empty strings mean "not set".
    assert_clean(&wave_app(
        "Title = \"\"\nDescription = \"\"\nLongDescription = \"\"\nCategory = \"\"",
        "GPUType = \"\"\nRuntimeVersion = \"\"",
        "",
    ));
    // Allowed H2O_WAVE variables, an optional secret, files in distinct folders.
    assert_clean(&wave_app(
        "",
        "",
        r#"[[Env]]
Name = "H2O_WAVE_APP_MODE"
Value = "unicast"
[[Env]]
Name = "H2O_WAVE_MAX_REQUEST_SIZE"
Value = "20M"
[[Env]]
Name = "H2O_WAVE_ML_STEAM_ADDRESS"
Secret = "steam"
SecretKey = "api"
Optional = true
[[Env]]
Name = "EMPTY"
Value = ""
[[File]]
Path = "conf/a"
Value = "1"
[[File]]
Path = "/etc/conf/b"
Value = "2"
"#,
    ));
    // Inline tables are the same TOML.
    assert_clean("App = { Name = \"a\", Version = \"1.0.0\" }\nRuntime = { Module = \"app\" }\nEnv = [{ Name = \"A\", Value = \"b\" }]\n");
}

#[test]
fn positions_point_at_the_value_or_the_header() {
    let text = "[App]\nName = \"a\"\nVersion = \"v1.0\"\n\n[Runtime]\nGPUCount = \"1\"\n";
    let result = check(text);
    let version = finding(&result, codes::VERSION_SEMVER);
    assert_eq!((version.line, version.column), (Some(3), Some(11)));
    assert!(version.message.contains("drop the v and write 1.0.0"), "{}", version.message);
    let gpu = finding(&result, codes::VALUE_TYPE);
    assert_eq!((gpu.line, gpu.column), (Some(6), Some(12)));
    assert!(gpu.message.contains("`GPUCount = 1`"), "{}", gpu.message);
    // A missing key is reported at its table's header.
    let module = finding(&result, codes::MODULE_MISSING);
    assert_eq!((module.line, module.column), (Some(5), Some(1)));
    assert_eq!(codes_of(&result), [codes::VERSION_SEMVER, codes::MODULE_MISSING, codes::VALUE_TYPE], "sorted by position");

    let result = check("[App]\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"app\"\n");
    let name = finding(&result, codes::NAME_MISSING);
    assert_eq!((name.line, name.column), (Some(1), Some(1)));
}

#[test]
fn syntax_errors_are_one_finding_with_the_parser_position() {
    let result = check("[App]\nName = \"a\"\nVersion = \"1.0.0\n");
    assert_eq!(codes_of(&result), [codes::SYNTAX]);
    assert_eq!(result.findings[0].line, Some(3));
    assert!(result.manifest.is_none());

    let result = check("[App]\nName = \"a\"\n<<<<<<< HEAD\nVersion = \"1.0.0\"\n=======\n>>>>>>> main\n");
    assert_eq!(codes_of(&result), [codes::SYNTAX]);
    assert_eq!(result.findings[0].line, Some(3));
    assert!(result.findings[0].message.contains("merge-conflict"));

    // Two exact spellings of one key are a TOML error, not a case-insensitive duplicate.
    let result = check("[App]\nName = \"a\"\nName = \"b\"\n");
    assert_eq!(codes_of(&result), [codes::SYNTAX]);
    assert_eq!(result.findings[0].line, Some(3));
}

#[test]
fn positions_agree_with_text_position_of() {
    let text = "[App]\r\nName = \"é\"\n\n  Version = \"1\"\nx";
    let reader = read::Reader::new(text);
    for offset in 0..=text.len() + 2 {
        assert_eq!(reader.position(&(offset..offset)), crate::text::position_of(text, offset), "offset {offset}");
    }
}

#[test]
fn a_large_manifest_is_checked_quickly() {
    // Positions must not rescan the text for every value (this took minutes when they did).
    let mut text = wave_app("", "", "");
    for i in 0..20_000 {
        text.push_str(&format!("[[Env]]\nName = \"VARIABLE_{i}\"\nValue = \"value\"\n"));
    }
    let started = std::time::Instant::now();
    let result = check(&text);
    assert!(result.findings.is_empty());
    assert_eq!(result.manifest.expect("manifest").env.len(), 20_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn bom_and_crlf_are_handled() {
    let text = "\u{feff}[App]\r\nName = \"a\"\r\nVersion = \"1.0\"\r\n[Runtime]\r\nModule = \"app\"\r\n";
    let result = check(text);
    assert_eq!(codes_of(&result), [codes::VERSION_SHORT]);
    assert_eq!((result.findings[0].line, result.findings[0].column), (Some(3), Some(11)));
    // On line 1, columns count from the first real character, not the byte order mark.
    let result = check("\u{feff}Colour = 1\n[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"app\"\n");
    let unknown = finding(&result, codes::KEY_UNKNOWN);
    assert_eq!((unknown.line, unknown.column), (Some(1), Some(1)));
}

#[test]
fn case_insensitive_keys_prefer_the_exact_spelling() {
    let result = check("[App]\nname = \"lower\"\nName = \"exact\"\nVersion = \"1.0.0\"\n[Runtime]\nmodule = \"app\"\n");
    let manifest = result.manifest.as_ref().expect("manifest");
    assert_eq!(manifest.app.name, "exact");
    assert_eq!(manifest.runtime.module.as_deref(), Some("app"));
    let duplicate = finding(&result, codes::KEY_DUPLICATE);
    assert_eq!((duplicate.line, duplicate.column), (Some(2), Some(1)), "reported at the dropped spelling");
    assert_eq!(duplicate.severity, Severity::Warning, "the platform accepts it");
    assert!(!result.has_errors());
    let case = finding(&result, codes::KEY_CASE);
    assert!(case.message.contains("`Module`"), "{}", case.message);

    // Tables too: [[ENV]] next to [[Env]] is a duplicate; [[ENV]] alone is a case warning.
    let result = check(&wave_app("", "", "[[Env]]\nName = \"A\"\nValue = \"1\"\n[[ENV]]\nName = \"B\"\nValue = \"2\"\n"));
    assert!(codes_of(&result).contains(&codes::KEY_DUPLICATE));
    let result = check(&wave_app("", "", "[[ENV]]\nName = \"B\"\nValue = \"2\"\n"));
    assert_eq!(codes_of(&result), [codes::KEY_CASE]);
    assert_eq!(result.manifest.expect("manifest").env[0].name, "B");
}

#[test]
fn enum_values_match_ignoring_case_with_a_warning() {
    let result = check(&wave_app("InstanceLifecycle = \"Managed\"", "RoutingMode = \"base_url\"", ""));
    assert!(!result.has_errors());
    let manifest = result.manifest.as_ref().expect("manifest");
    assert_eq!(manifest.app.instance_lifecycle, InstanceLifecycle::Managed);
    assert_eq!(manifest.runtime.routing_mode, RoutingMode::BaseUrl);
    assert!(finding(&result, codes::ENUM_CASE).message.contains("\"MANAGED\""));
}

#[test]
fn version_hints_say_how_to_fix() {
    let message = |version: &str, code: &str| {
        let result = check(&format!("[App]\nName = \"a\"\nVersion = \"{version}\"\n[Runtime]\nModule = \"app\"\n"));
        assert_eq!(codes_of(&result), [code], "{version}");
        result.findings[0].message.clone()
    };
    assert!(message("1.0", codes::VERSION_SHORT).contains("ordered as 1.0.0: write 1.0.0"));
    assert!(message("v1", codes::VERSION_SEMVER).contains("drop the v and write 1.0.0"));
    assert!(message("v1.2.3", codes::VERSION_SEMVER).contains("drop the v"));
    assert!(message("1.0.0+build", codes::VERSION_BUILD_METADATA).contains("+ cannot appear in a Kubernetes label"));
    assert!(message("{{VERSION}}", codes::VERSION_PLACEHOLDER).contains("the {{VERSION}} placeholder must be substituted before import"));
}

#[test]
fn manifest_is_read_even_with_errors() {
    let result = check("[App]\nName = \"a\"\nVersion = \"1.0\"\nTitle = \"A\"\n");
    assert!(result.has_errors());
    let manifest = result.manifest.expect("name and version were read");
    assert_eq!(manifest.app.version, "1.0");
    assert_eq!(manifest.title_or_name(), "A");

    assert!(check("[App]\nName = \"a\"\n").manifest.is_none(), "no version");
    assert!(check("[App]\nName = \"a\"\nVersion = 1\n").manifest.is_none(), "version is not a string");
}

#[test]
fn a_bad_value_is_not_also_reported_missing() {
    let result = check(&wave_app("", "AppMode = \"python\"\nPort = 70000", ""));
    assert_eq!(codes_of(&result), [codes::PORT_INVALID]);
    let result = check("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = 5\n");
    assert_eq!(codes_of(&result), [codes::VALUE_TYPE]);
    let result = check("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nAppMode = \"container\"\nCustomImage = [\"x\"]\n");
    assert_eq!(codes_of(&result), [codes::VALUE_TYPE]);
    let result = check("[App]\nName = \"a\"\nVersion = \"1.0.0\"\nInstanceLifecycle = \"LINK\"\n[Link]\nAddress = 1\n");
    assert_eq!(codes_of(&result), [codes::VALUE_TYPE]);
}

#[test]
fn warnings_alone_do_not_block() {
    let result = check(&wave_app("name2 = 1", "", ""));
    assert!(!result.findings.is_empty());
    assert!(!result.has_errors());
    assert_eq!(result.findings_of(Severity::Warning).count(), 1);
}

#[test]
fn the_model_holds_every_field() {
    let text = r#"[App]
Name = "ai.h2o.wave.x"
Version = "1.2.3"
Title = "X"
Description = "d"
LongDescription = "about.md"
Tags = ["A", "B"]
InstanceLifecycle = "MANAGED"
InstanceTimeout = "90m"
Category = "Other"
Keywords = ["k"]
SetupGuide = "setup.txt"

[Runtime]
Module = "src.app"
RuntimeVersion = "deb11_py310_wlatest"
VolumeMount = "/data"
VolumeSize = "1Gi"
ResourceVolumeSize = "2Gi"
MemoryLimit = "4Gi"
MemoryReservation = "1Gi"
CPULimit = "2"
CPUReservation = "500m"
GPUCount = 1
GPUType = "a10g"
EnableOIDC = true
EnableSHM = true
RoutingMode = "BASE_URL"

[[Env]]
Name = "A"
Secret = "s"
SecretKey = "k"
Optional = true

[[File]]
Path = "conf/x.json"
Value = "{}"
"#;
    let result = check(text);
    assert!(result.findings.is_empty(), "{:#?}", result.findings);
    let m = result.manifest.expect("manifest");
    assert_eq!(m.app.title.as_deref(), Some("X"));
    assert_eq!(m.app.tags, Some(vec!["A".to_owned(), "B".to_owned()]));
    assert_eq!(m.app.instance_timeout.as_deref(), Some("90m"));
    assert_eq!(m.app.setup_guide.as_deref(), Some("setup.txt"));
    assert_eq!(m.runtime.gpu_count, Some(1));
    assert!(m.runtime.enable_oidc && m.runtime.enable_shm);
    assert_eq!(m.runtime.cpu_reservation.as_deref(), Some("500m"));
    assert_eq!(
        m.env[0],
        EnvEntry {
            name: "A".into(),
            source: ValueSource { value: None, secret: Some("s".into()), secret_key: Some("k".into()), optional: true }
        }
    );
    assert_eq!(m.env[0].source.secret_reference(), Some(("s", "k")));
    assert_eq!(m.files[0].path, "conf/x.json");
    assert_eq!(m.link, None);
    assert!(m.runs_python_module());

    // Positions by canonical path, for the bundle layer.
    assert_eq!(m.position_of("App.LongDescription"), Some(Position { line: 6, column: 19 }));
    assert_eq!(m.position_of("Runtime.VolumeMount"), Some(Position { line: 17, column: 15 }));
    assert_eq!(m.position_of("Runtime"), Some(Position { line: 14, column: 1 }));
    assert_eq!(m.position_of("Env[1].Name"), Some(Position { line: 31, column: 8 }));
    assert_eq!(m.position_of("File[1]"), Some(Position { line: 36, column: 1 }));
    assert_eq!(m.position_of("Link.Address"), None);

    // JSON uses snake_case field names and the canonical enum spellings, and reads back equal.
    let json = serde_json::to_value(&m).expect("json");
    assert_eq!(json["app"]["instance_lifecycle"], "MANAGED");
    assert_eq!(json["app"]["long_description"], "about.md");
    assert_eq!(json["runtime"]["routing_mode"], "BASE_URL");
    assert_eq!(json["runtime"]["app_mode"], "wave");
    assert_eq!(json["env"][0]["secret_key"], "k");
    // An entry's source stands flat beside its name, as in manifests stored before it had a type.
    let flat = serde_json::json!({"name": "A", "value": null, "secret": "s", "secret_key": "k", "optional": true});
    assert_eq!(json["env"][0], flat);
    assert_eq!(serde_json::from_value::<EnvEntry>(flat).expect("a stored entry"), m.env[0]);
    let back: Manifest = serde_json::from_value(json).expect("read back");
    let mut built = Manifest::new(m.app.clone());
    built.runtime = m.runtime.clone();
    built.env = m.env.clone();
    built.files = m.files.clone();
    assert_eq!(built, m);
    assert_eq!(back, m);
    assert_eq!(back.position_of("App.LongDescription"), None, "positions are not serialized");
}

#[test]
fn link_and_container_apps_do_not_run_a_module() {
    let link = check("[App]\nName = \"l\"\nVersion = \"1.0.0\"\nInstanceLifecycle = \"LINK\"\n[Link]\nAddress = \"https://x.ai/\"\n");
    let link = link.manifest.expect("manifest");
    assert_eq!(link.link, Some(LinkSection { address: "https://x.ai/".into() }));
    assert!(!link.runs_python_module());
    assert_eq!(link.title_or_name(), "l");
    let container = check("[App]\nName = \"c\"\nVersion = \"1.0.0\"\n[Runtime]\nAppMode = \"container\"\nCustomImage = \"i\"\n");
    assert!(!container.manifest.expect("manifest").runs_python_module());
}

#[test]
fn the_core_env_allow_list_is_configurable() {
    let text = wave_app("", "", "[[Env]]\nName = \"H2O_WAVE_LISTEN\"\nValue = \":8080\"\n");
    assert!(check(&text).has_errors());
    let options = ManifestOptions { allowed_core_env: vec!["H2O_WAVE_LISTEN".into()] };
    assert!(!check_manifest(&text, &options).has_errors());
    let options = ManifestOptions { allowed_core_env: vec!["H2O_WAVE_*".into()] };
    assert!(!check_manifest(&text, &options).has_errors());
    assert!(ManifestOptions::default().allows_core_env("H2O_WAVE_ML_ANYTHING"));
    assert!(ManifestOptions::default().allows_core_env("H2O_WAVE_APP_MODE"));
    assert!(!ManifestOptions::default().allows_core_env("H2O_WAVE_PUBLIC_DIRX"));
}

#[test]
fn messages_carry_the_fix() {
    let message = |text: &str, code: &str| finding(&check(text), code).message.clone();
    let m = message(&wave_app("", "MemoryLimit = \"2GB\"", ""), codes::QUANTITY_INVALID);
    assert!(m.contains("`2G`") && m.contains("`2Gi`"), "{m}");
    let m = message(&wave_app("Tags = \"X\"", "", ""), codes::VALUE_TYPE);
    assert!(m.contains("`Tags = [\"X\"]`"), "{m}");
    let m = message(&wave_app("", "EnableOIDC = \"true\"", ""), codes::VALUE_TYPE);
    assert!(m.contains("`EnableOIDC = true`"), "{m}");
    let m = message("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"src/app.py\"", codes::MODULE_INVALID);
    assert!(m.contains("`src.app`"), "{m}");
    let m = message(&wave_app("MemoryReservation = \"1Gi\"", "", ""), codes::KEY_UNKNOWN);
    assert!(m.contains("[Runtime]"), "{m}");
    let m = message(&wave_app("", "VolumeMount = \"data\"\nVolumeSize = \"1Gi\"", ""), codes::VOLUME_MOUNT_RELATIVE);
    assert!(m.contains("`/data`"), "{m}");
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = check(&text);
    }

    /// Text shaped like a manifest reaches the rules, not just the TOML parser.
    #[test]
    fn manifest_shaped_text_never_panics(lines in prop::collection::vec(manifest_line(), 0..24)) {
        let result = check(&lines.join("\n"));
        for finding in &result.findings {
            prop_assert!(finding.code.starts_with("manifest."));
        }
    }

    #[test]
    fn arbitrary_quantities_never_panic(text in any::<String>()) {
        let _ = parse_quantity(&text);
    }
}

fn manifest_line() -> impl Strategy<Value = String> {
    let table = prop::sample::select(vec!["[App]", "[Runtime]", "[[Env]]", "[[File]]", "[Link]", "[app]", "[[ENV]]", "[Env]"])
        .prop_map(String::from);
    let key = prop::sample::select(
        keys::APP.iter().chain(keys::RUNTIME).chain(keys::FILE).chain(keys::ENV).chain(keys::LINK).copied().collect::<Vec<_>>(),
    );
    let value = prop_oneof![
        "\"[-a-zA-Z0-9_./{}+ ]{0,12}\"",
        "-?[0-9]{1,6}",
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("[\"a\", 1]".to_owned()),
        Just("\"LINK\"".to_owned()),
        Just("\"container\"".to_owned()),
        Just("\"python\"".to_owned()),
        "\"-?[0-9]{0,3}(\\.[0-9]{0,2})?(Ki|Mi|Gi|m|k|G|e[0-9]{1,3}|gi|GB)?\"",
    ];
    prop_oneof![table, (key, value).prop_map(|(k, v)| format!("{k} = {v}"))]
}
