//! `wavehub bundle` and `wavehub check` as a user runs them: the real binary on real folders.

use std::path::Path;
use std::process::{Command, Output};

const APP_TOML: &str = r#"[App]
Name = "ai.wavehub.cli-test"
Version = "0.1.0"
Title = "CLI test"

[Runtime]
Module = "app"
"#;

fn wavehub(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wavehub")).args(args).current_dir(dir).output().expect("run wavehub")
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// An app folder with things that must stay out of the bundle.
fn app_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.toml", APP_TOML);
    write(dir.path(), "app.py", "print('hi')\n");
    write(dir.path(), "notes.log", "debug\n");
    write(dir.path(), "keep.log", "kept by a ! pattern written before the ignore\n");
    write(dir.path(), ".appignore", "!keep.log\n*.log\n");
    write(dir.path(), "__pycache__/app.cpython-311.pyc", "bytecode");
    write(dir.path(), ".git/HEAD", "ref: refs/heads/main\n");
    write(dir.path(), "venv/pyvenv.cfg", "home = /usr/bin\n");
    write(dir.path(), "venv/lib/site.py", "x = 1\n");
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn bundle_writes_a_valid_deterministic_wave_that_check_accepts() {
    let app = app_folder();
    let out = tempfile::tempdir().unwrap();
    let first = wavehub(&["bundle", app.path().to_str().unwrap()], out.path());
    assert!(first.status.success(), "{}{}", stdout(&first), String::from_utf8_lossy(&first.stderr));
    let wave = out.path().join("ai.wavehub.cli-test.0.1.0.wave");
    assert!(stdout(&first).contains("ai.wavehub.cli-test.0.1.0.wave"), "prints the path: {}", stdout(&first));
    // notes.log, __pycache__/, venv/, and .git/ (never walked into, counted as the upload page counts it).
    assert!(stdout(&first).contains("(4 files, 4 left out,"), "{}", stdout(&first));
    let bytes = std::fs::read(&wave).unwrap();

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let mut names: Vec<String> = (0..archive.len()).map(|i| archive.by_index(i).unwrap().name().to_owned()).collect();
    names.sort();
    assert_eq!(names, [".appignore", "app.py", "app.toml", "keep.log"]);

    // The same folder gives the same bytes.
    let again = wavehub(&["bundle", app.path().to_str().unwrap(), "-o", "again.wave"], out.path());
    assert!(again.status.success());
    assert_eq!(std::fs::read(out.path().join("again.wave")).unwrap(), bytes);

    let check = wavehub(&["check", wave.to_str().unwrap()], out.path());
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(stdout(&check).contains("valid: ai.wavehub.cli-test 0.1.0"), "{}", stdout(&check));
}

#[test]
fn check_reports_findings_with_file_line_and_column_and_exits_1() {
    let app = app_folder();
    write(app.path(), "app.toml", &APP_TOML.replace("0.1.0", "v0.1.0"));
    let check = wavehub(&["check", "."], app.path());
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("app.toml:3:11: error:"), "{}", stdout(&check));

    let json = wavehub(&["check", ".", "--json"], app.path());
    assert_eq!(json.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON on stdout");
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["errors"][0]["path"], "App.Version");
    assert_eq!(verdict["errors"][0]["line"], 3);
    assert_eq!(verdict["manifest"]["app"]["name"], "ai.wavehub.cli-test");
    assert!(verdict["warnings"].is_array());
}

#[test]
fn bundle_refuses_to_write_an_invalid_bundle() {
    let app = app_folder();
    std::fs::remove_file(app.path().join("app.py")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let bundle = wavehub(&["bundle", app.path().to_str().unwrap()], out.path());
    assert_eq!(bundle.status.code(), Some(1));
    assert!(stdout(&bundle).contains("bundle.module.missing"), "{}", stdout(&bundle));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "nothing written, not even a partial file");
}

#[test]
fn check_of_a_missing_path_or_a_non_zip_exits_2_or_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = wavehub(&["check", "nope.wave"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.wave"));

    write(dir.path(), "notes.wave", "just text");
    let not_zip = wavehub(&["check", "notes.wave"], dir.path());
    assert_eq!(not_zip.status.code(), Some(1));
    assert!(stdout(&not_zip).contains("archive."), "{}", stdout(&not_zip));
}

#[test]
fn help_lists_the_commands_and_no_seeder() {
    let dir = tempfile::tempdir().unwrap();
    let help = wavehub(&["--help"], dir.path());
    assert!(help.status.success());
    let text = stdout(&help);
    assert!(text.contains("serve") && text.contains("bundle"), "{text}");
    // The benchmarks' seeders are `wavehub-seed` (crates/seed), not hidden commands of the product.
    assert!(!text.to_lowercase().contains("seed"), "{text}");
    for hidden in ["seed-catalog", "seed-runtime-images"] {
        assert!(!wavehub(&[hidden, "--help"], dir.path()).status.success(), "`wavehub {hidden}` is gone");
    }
}
