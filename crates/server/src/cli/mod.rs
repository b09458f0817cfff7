//! `wavehub check`, `wavehub bundle` and `wavehub import`: the bundle engine from a terminal (see
//! shared/API.md, "CLI"). The other commands that talk to a server are in [`remote`].

pub mod remote;

use crate::store::bundle_files::{check_bundle_file, package_folder};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wavehub_core::api::Finding;
use wavehub_core::bundle::{check_bundle_bytes, BundleOptions, BundleReport};
use wavehub_core::package::bundle_file_name;

/// Exit status when the bundle is invalid; usage and I/O errors exit with 2.
const INVALID: u8 = 1;
const TROUBLE: u8 = 2;

/// `wavehub check PATH [--json]`: a folder is packaged in memory first, so it is judged exactly as
/// the `.wave` that `wavehub bundle` would make of it.
pub fn check(path: &Path, json: bool) -> ExitCode {
    let options = BundleOptions::default();
    let report = if path.is_dir() {
        package_folder(path).map(|(_, bytes)| check_bundle_bytes(&bytes, &options))
    } else {
        check_bundle_file(path, &options)
    };
    let report = match report {
        Ok(report) => report,
        Err(error) => return trouble(&format!("cannot read {}: {error}", path.display())),
    };
    if json {
        let verdict = serde_json::json!({
            "valid": report.valid,
            "errors": report.errors,
            "warnings": report.warnings,
            "manifest": report.manifest,
        });
        println!("{verdict:#}");
    } else {
        print_findings(&report);
        println!("{}", summary(&report));
    }
    if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INVALID)
    }
}

/// `wavehub bundle [DIR] [-o FILE]`: package, validate, and write the `.wave` only when it is valid.
pub fn bundle(dir: &Path, output: Option<PathBuf>) -> ExitCode {
    let (plan, bytes) = match package_folder(dir) {
        Ok(packaged) => packaged,
        Err(error) => return trouble(&format!("cannot package {}: {error}", dir.display())),
    };
    let report = check_bundle_bytes(&bytes, &BundleOptions::default());
    print_findings(&report);
    if !report.valid {
        println!("{}", summary(&report));
        return ExitCode::from(INVALID);
    }
    let output = match (output, &report.manifest) {
        (Some(output), _) => output,
        (None, Some(manifest)) => PathBuf::from(bundle_file_name(&manifest.app.name, &manifest.app.version)),
        (None, None) => return trouble("the bundle has no readable manifest to name it after; pass -o FILE"),
    };
    if let Err(error) = write_atomically(&output, &bytes) {
        return trouble(&format!("cannot write {}: {error}", output.display()));
    }
    println!(
        "{} ({} files, {} left out, {} bytes)",
        output.display(),
        plan.included.len(),
        plan.excluded.len(),
        bytes.len()
    );
    ExitCode::SUCCESS
}

/// Writes beside the target and renames, so a failed write never leaves half a bundle.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| std::io::Error::other("the output path names no file"))?;
    let temporary = path.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    let mut file = std::fs::File::create(&temporary)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    std::fs::rename(&temporary, path)
}

fn print_findings(report: &BundleReport) {
    for finding in report.errors.iter().chain(&report.warnings) {
        println!("{}", finding_line(finding));
    }
}

/// `app.toml:3:11: error: <message> [manifest.version.semver]`, the shape compilers use, so
/// editors can jump to the place.
pub fn finding_line(finding: &Finding) -> String {
    let mut place = finding.file.clone().unwrap_or_else(|| finding.path.clone());
    if let (Some(line), Some(column)) = (finding.line, finding.column) {
        place = format!("{place}:{line}:{column}");
    }
    format!("{place}: {}: {} [{}]", finding.severity.as_str(), finding.message, finding.code)
}

fn summary(report: &BundleReport) -> String {
    let counts = format!("{} error(s), {} warning(s)", report.errors.len(), report.warnings.len());
    match (&report.manifest, report.valid) {
        (Some(manifest), true) => format!(
            "valid: {} {} ({} files, {} bytes uncompressed; {counts})",
            manifest.app.name,
            manifest.app.version,
            report.files.len(),
            report.uncompressed_size
        ),
        _ => format!("invalid: {counts}"),
    }
}

fn trouble(message: &str) -> ExitCode {
    eprintln!("wavehub: {message}");
    ExitCode::from(TROUBLE)
}

/// `wavehub import PATH --server URL [--visibility V]`: check the bundle here with the server's
/// rules (packaging a folder first), and upload it only when it is valid. The token comes from
/// `WAVEHUB_TOKEN`. Exit 0 imported; 1 invalid or refused (exists, not allowed); 2 usage, I/O or
/// network trouble.
pub fn import(path: &Path, server: &str, visibility: &str, token: Option<String>) -> ExitCode {
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return trouble("set WAVEHUB_TOKEN to an API token: create one in the console under your name → API tokens (/account/tokens)");
    };
    if let Err(message) = visibility.parse::<wavehub_core::apps::Visibility>() {
        return trouble(&message);
    }
    let bytes = if path.is_dir() {
        package_folder(path).map(|(_, bytes)| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => return trouble(&format!("cannot read {}: {error}", path.display())),
    };
    let report = check_bundle_bytes(&bytes, &BundleOptions::default());
    print_findings(&report);
    if !report.valid {
        println!("{}", summary(&report));
        println!("nothing was uploaded");
        return ExitCode::from(INVALID);
    }
    let base = server.trim_end_matches('/');
    let url = format!("{base}{}/apps?visibility={}", wavehub_core::api::API_PREFIX, visibility.to_ascii_uppercase());
    let answer = ureq::post(&url)
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .set("Content-Type", "application/zip")
        .send_bytes(&bytes);
    let (status, body) = match answer {
        Ok(response) => (response.status(), response.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(status, response)) => (status, response.into_string().unwrap_or_default()),
        Err(error) => return trouble(&format!("cannot reach {base}: {error}")),
    };
    if status == 201 {
        let app: wavehub_core::apps::AppDetail = match serde_json::from_str(&body) {
            Ok(app) => app,
            Err(error) => return trouble(&format!("the server's answer could not be read: {error}")),
        };
        println!(
            "imported {} {} as app {} ({}): {base}/apps/{}",
            app.summary.name, app.summary.version, app.summary.id, app.summary.visibility, app.summary.id
        );
        return ExitCode::SUCCESS;
    }
    let problem: Option<wavehub_core::api::Problem> = serde_json::from_str(&body).ok();
    for finding in problem.iter().flat_map(|p| &p.errors) {
        println!("{}", finding_line(finding));
    }
    let message = problem.as_ref().map_or_else(|| format!("the server answered {status}"), |p| p.message().to_owned());
    eprintln!("wavehub: import refused ({status}): {message}");
    ExitCode::from(if matches!(status, 401 | 403 | 409 | 413 | 422) { INVALID } else { TROUBLE })
}
