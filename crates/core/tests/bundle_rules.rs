//! Bundle rules over real archives made by the real packager: a good and a bad case for each rule.

mod support;

use support::{jpeg, noise};
use wavehub_core::bundle::{check_bundle_bytes, BundleOptions, BundleReport, StructuralCheck};
use wavehub_core::package::package_files;

const APP_TOML: &str = r#"[App]
Name = "ai.wavehub.demo"
Version = "1.0.0"
Title = "Demo"
Description = "A demo app"
LongDescription = "about.md"

[Runtime]
Module = "src.app"
"#;

/// A real 512×512 PNG.
fn png() -> Vec<u8> {
    support::png(512, 512)
}

fn good_files() -> Vec<(String, Vec<u8>)> {
    vec![
        ("app.toml".into(), APP_TOML.as_bytes().to_vec()),
        ("about.md".into(), b"### About\n* fast\n".to_vec()),
        ("src/app.py".into(), b"print('hello')\n".to_vec()),
        ("src/__init__.py".into(), Vec::new()),
        ("requirements.txt".into(), b"h2o-wave\n./wheels/x-1.0-py3-none-any.whl\n".to_vec()),
        ("wheels/x-1.0-py3-none-any.whl".into(), b"PK not really".to_vec()),
        ("static/icon.png".into(), png()),
        ("static/screenshot-2.png".into(), png()),
        ("static/screenshot-1.png".into(), png()),
    ]
}

fn check(files: Vec<(String, Vec<u8>)>) -> BundleReport {
    let bytes = package_files(&files).expect("the test files package");
    check_bundle_bytes(&bytes, &BundleOptions::default())
}

/// `files` with `path` replaced (or added) with `content`.
fn with(mut files: Vec<(String, Vec<u8>)>, path: &str, content: &[u8]) -> Vec<(String, Vec<u8>)> {
    files.retain(|(name, _)| name != path);
    files.push((path.to_owned(), content.to_vec()));
    files
}

fn without(mut files: Vec<(String, Vec<u8>)>, path: &str) -> Vec<(String, Vec<u8>)> {
    files.retain(|(name, _)| name != path);
    files
}

fn error_codes(report: &BundleReport) -> Vec<&str> {
    report.errors.iter().map(|f| f.code.as_str()).collect()
}

fn warning_codes(report: &BundleReport) -> Vec<&str> {
    report.warnings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_good_bundle_is_valid_and_described() {
    let report = check(good_files());
    assert!(report.valid, "{:#?}", report.errors);
    assert!(report.errors.is_empty());
    let manifest = report.manifest.as_ref().expect("manifest");
    assert_eq!(manifest.app.name, "ai.wavehub.demo");
    assert_eq!(report.icon.as_deref(), Some("static/icon.png"));
    assert_eq!(report.screenshots, ["static/screenshot-1.png", "static/screenshot-2.png"], "sorted by name");
    assert_eq!(report.long_description.as_deref(), Some("### About\n* fast\n"));
    assert_eq!(report.image("static/icon.png").map(|i| i.bytes.clone()), Some(png()));
    assert_eq!(report.files.len(), 9);
}

#[test]
fn a_zipped_folder_is_told_to_zip_its_contents() {
    let files = good_files().into_iter().map(|(path, bytes)| (format!("myapp/{path}"), bytes)).collect();
    let report = check(files);
    assert_eq!(error_codes(&report), ["bundle.manifest.in_folder"]);
    assert!(report.errors[0].message.contains("zip its contents"), "{}", report.errors[0].message);
}

#[test]
fn a_bundle_without_app_toml_is_refused() {
    assert_eq!(error_codes(&check(without(good_files(), "app.toml"))), ["bundle.manifest.missing"]);
    let wrong_case = with(without(good_files(), "app.toml"), "App.toml", APP_TOML.as_bytes());
    assert_eq!(error_codes(&check(wrong_case)), ["bundle.manifest.name_case"]);
}

#[test]
fn manifest_findings_carry_the_file_line_and_column() {
    let text = APP_TOML.replace("Version = \"1.0.0\"", "Version = \"v1.0\"");
    let report = check(with(good_files(), "app.toml", text.as_bytes()));
    assert!(!report.valid);
    let finding = report.errors.iter().find(|f| f.path == "App.Version").expect("a Version finding");
    assert_eq!(finding.file.as_deref(), Some("app.toml"));
    assert_eq!((finding.line, finding.column), (Some(3), Some(11)));
}

#[test]
fn an_icon_must_really_be_an_image() {
    let report = check(with(good_files(), "static/icon.png", b"<html>not an image</html>"));
    assert_eq!(error_codes(&report), ["bundle.icon.not_image"]);
    assert_eq!(report.errors[0].file.as_deref(), Some("static/icon.png"));
    let report = check(with(without(good_files(), "static/icon.png"), "static/icon.jpg", &jpeg(512, 512)));
    assert!(report.valid, "a JPEG icon is fine: {:?}", report.errors);
}

/// Decoding is the server's (feature `decode-images`; `cargo test --workspace` turns it on): the web
/// app reads only headers.
#[cfg(feature = "decode-images")]
#[test]
fn an_image_must_decode_not_just_start_right() {
    // Cut short: the header and the start are right, the rest is missing.
    let cut = &png()[..60];
    let report = check(with(good_files(), "static/icon.png", cut));
    assert_eq!(error_codes(&report), ["bundle.icon.undecodable"]);
    assert_eq!(report.errors[0].file.as_deref(), Some("static/icon.png"));
    assert!(report.errors[0].message.contains("starts like a PNG image but does not decode"), "{}", report.errors[0].message);
    // A damaged JPEG screenshot: its first bytes sniff right, its scan is garbage.
    let mut damaged = jpeg(640, 400);
    let middle = damaged.len() / 2;
    damaged.truncate(middle);
    let report = check(with(good_files(), "static/screenshot-1.png", &damaged));
    assert_eq!(error_codes(&report), ["bundle.screenshot.undecodable"]);
    assert!(report.errors[0].message.contains("static/screenshot-1.png starts like a JPEG image"), "{}", report.errors[0].message);
}

#[test]
fn no_icon_is_a_warning_and_several_icons_warn_which_wins() {
    let report = check(without(good_files(), "static/icon.png"));
    assert!(report.valid);
    assert!(warning_codes(&report).contains(&"bundle.icon.missing"));
    let report = check(with(good_files(), "static/icon-old.png", &png()));
    assert!(report.valid);
    assert!(warning_codes(&report).contains(&"bundle.icon.several"));
    assert_eq!(report.icon.as_deref(), Some("static/icon-old.png"), "the first by name");
}

#[test]
fn icon_size_and_shape_guidelines_warn() {
    let wide = support::png(2000, 512);
    let report = check(with(good_files(), "static/icon.png", &wide));
    assert!(report.valid);
    assert!(warning_codes(&report).contains(&"bundle.icon.dimensions"));
    let mut heavy = png();
    heavy.resize(200 * 1024, 0);
    let report = check(with(good_files(), "static/icon.png", &heavy));
    assert!(warning_codes(&report).contains(&"bundle.icon.large"));
    heavy.resize(2 * 1024 * 1024, 0);
    let report = check(with(good_files(), "static/icon.png", &heavy));
    assert_eq!(error_codes(&report), ["bundle.file.too_large"]);
}

#[test]
fn screenshots_must_be_images() {
    let report = check(with(good_files(), "static/screenshot-3.png", b"GIF89a"));
    assert_eq!(error_codes(&report), ["bundle.screenshot.not_image"]);
    assert_eq!(report.screenshots.len(), 2, "the good ones are still listed");
}

#[test]
fn the_long_description_file_must_exist() {
    let report = check(without(good_files(), "about.md"));
    assert_eq!(error_codes(&report), ["bundle.long_description.missing"]);
    assert_eq!((report.errors[0].line, report.errors[0].column), (Some(6), Some(19)));
    let report = check(with(good_files(), "about.md", b"\xff\xfe not utf-8"));
    assert_eq!(error_codes(&report), ["bundle.file.not_utf8"]);
}

#[test]
fn wheels_named_by_requirements_must_be_in_the_bundle() {
    let report = check(without(good_files(), "wheels/x-1.0-py3-none-any.whl"));
    assert_eq!(error_codes(&report), ["bundle.requirements.wheel_missing"]);
    assert_eq!(report.errors[0].file.as_deref(), Some("requirements.txt"));
    assert_eq!(report.errors[0].line, Some(2));
}

#[test]
fn the_volume_must_not_hide_a_bundle_folder() {
    let text = format!("{APP_TOML}VolumeMount = \"/src\"\nVolumeSize = \"1Gi\"\n");
    let report = check(with(good_files(), "app.toml", text.as_bytes()));
    assert_eq!(error_codes(&report), ["bundle.volume_mount.exists"]);
    let text = format!("{APP_TOML}VolumeMount = \"/data\"\nVolumeSize = \"1Gi\"\n");
    assert!(check(with(good_files(), "app.toml", text.as_bytes())).valid);
}

#[test]
fn packages_txt_is_accepted_with_a_warning_that_it_is_not_installed() {
    let report = check(with(good_files(), "packages.txt", b"libgomp1\n"));
    assert!(report.valid);
    assert_eq!(warning_codes(&report), ["bundle.packages_txt.not_installed"]);
    assert_eq!(report.warnings[0].file.as_deref(), Some("packages.txt"));
    assert!(warning_codes(&check(good_files())).is_empty());
}

#[test]
fn the_module_must_be_in_the_bundle() {
    let report = check(without(good_files(), "src/app.py"));
    assert_eq!(error_codes(&report), ["bundle.module.missing"]);
    assert_eq!(report.errors[0].line, Some(9));
    let package = with(without(good_files(), "src/app.py"), "src/app/__main__.py", b"");
    assert!(check(package).valid, "a package with __main__ runs with python -m");
}

#[test]
fn a_huge_or_binary_app_toml_is_refused_before_parsing() {
    let mut huge = APP_TOML.as_bytes().to_vec();
    huge.resize(2 * 1024 * 1024, b'\n');
    assert_eq!(error_codes(&check(with(good_files(), "app.toml", &huge))), ["bundle.file.too_large"]);
    assert_eq!(error_codes(&check(with(good_files(), "app.toml", b"\xc3\x28"))), ["bundle.file.not_utf8"]);
}

#[test]
fn a_corrupted_entry_passes_the_structural_pass_and_fails_integrity() {
    let mut bytes = package_files(&with(good_files(), "data/noise.bin", &noise(800_000))).unwrap();
    // Flip a byte in the middle of the big entry's data, far from every header.
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    let mut structural = StructuralCheck::new(bytes.len() as u64, BundleOptions::default());
    while let Some((start, end)) = structural.next_read() {
        structural.provide(&bytes[start as usize..end as usize]);
    }
    assert!(structural.finish().report.valid, "the structural pass does not read that entry");
    let report = check_bundle_bytes(&bytes, &BundleOptions::default());
    assert!(!report.valid);
    assert!(report.errors.iter().all(|f| f.code.starts_with("archive.")), "{:?}", report.errors);
}

#[test]
fn the_structural_pass_reads_a_bounded_amount_whatever_the_bundle_size() {
    let read_for = |noise_len: usize| {
        let bytes = package_files(&with(good_files(), "data/noise.bin", &noise(noise_len))).unwrap();
        let mut structural = StructuralCheck::new(bytes.len() as u64, BundleOptions::default());
        let mut read = 0;
        while let Some((start, end)) = structural.next_read() {
            read += end - start;
            structural.provide(&bytes[start as usize..end as usize]);
        }
        assert!(structural.finish().report.valid);
        read
    };
    let one_megabyte = read_for(1_000_000);
    let eight_megabytes = read_for(8_000_000);
    assert_eq!(one_megabyte, eight_megabytes, "the same entries are read whatever the size of the others");
    assert!(one_megabyte < 100_000, "read {one_megabyte} bytes");
}
