//! The native half: generating the data, and timing our engine beside `zip -6` and `unzip -t`.

use crate::data::{self, FileSpec, MB};
use crate::model::{AppFile, AppFolder, BundleFile, DataSet, Measurement, NativeRun};
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use wavehub_core::archive::{Directory, IntegrityCheck};
use wavehub_core::bundle::{BundleOptions, StructuralCheck, StructuralOutcome};
use wavehub_core::package::{plan, FileMeta, Packager};

/// Bumped whenever the generator's output changes: older data is then made again.
pub const GENERATOR: &str = "wavehub-bench data v2";
const APP_DIR: &str = "app-100mb";
const APP_BYTES: u64 = 100 * MB;
/// The bundles to validate: label, file, and the files' bytes that give about that bundle size
/// (text deflates ~3.5×, 40% is stored, so a bundle is ~57% of its files).
const BUNDLES: &[(&str, &str, u64)] = &[
    ("10 MB", "bundle-10mb.wave", 18 * MB),
    ("100 MB", "bundle-100mb.wave", 178 * MB),
    ("1 GB", "bundle-1gb.wave", 1810 * MB),
];
const CHUNK: usize = 1024 * 1024;

fn say(message: impl AsRef<str>) {
    eprintln!("bench: {}", message.as_ref());
}

/// Makes the app folder and the bundles under `dir`, unless `data.json` says they are there already.
pub fn generate(dir: &Path) -> Result<DataSet, String> {
    let index = dir.join("data.json");
    if let Some(existing) = std::fs::read(&index).ok().and_then(|b| serde_json::from_slice::<DataSet>(&b).ok()) {
        if existing.generator == GENERATOR && data_present(dir, &existing) {
            say(format!("reusing the data in {}", dir.display()));
            return Ok(existing);
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&index);

    let started = Instant::now();
    let specs = data::layout("app", APP_BYTES, 0xA11CE);
    let app_dir = dir.join(APP_DIR);
    let _ = std::fs::remove_dir_all(&app_dir);
    for spec in &specs {
        let path = app_dir.join(&spec.path);
        std::fs::create_dir_all(path.parent().expect("files are in the app folder"))
            .and_then(|()| std::fs::write(&path, spec.bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let (bytes, text_bytes) = data::totals(&specs);
    let files = specs.iter().map(|s| AppFile { path: s.path.clone(), size: s.size }).collect();
    let app = AppFolder { dir: APP_DIR.into(), bytes, text_bytes, files };
    say(format!(
        "wrote the app folder ({} files, {:.1} MB) in {:.1} s",
        specs.len(),
        mb(bytes),
        started.elapsed().as_secs_f64()
    ));

    let mut bundles = Vec::new();
    for (i, (label, file, input)) in BUNDLES.iter().enumerate() {
        let started = Instant::now();
        let specs = data::layout(&format!("bundle-{i}"), *input, 0xB0B + i as u64);
        let bundle = package_specs(&specs)?;
        let path = dir.join(file);
        std::fs::write(&path, &bundle).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let (input_bytes, _) = data::totals(&specs);
        say(format!(
            "wrote the {label} bundle ({:.1} MB) in {:.1} s",
            mb(bundle.len() as u64),
            started.elapsed().as_secs_f64()
        ));
        bundles.push(BundleFile {
            label: (*label).into(),
            file: (*file).into(),
            bytes: bundle.len() as u64,
            files: specs.len() as u64,
            input_bytes,
        });
    }
    let set = DataSet { generator: GENERATOR.into(), app, bundles };
    let json = serde_json::to_vec_pretty(&set).expect("serializable");
    std::fs::write(&index, json).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    Ok(set)
}

fn data_present(dir: &Path, set: &DataSet) -> bool {
    let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).ok();
    set.bundles.iter().all(|b| size(dir.join(&b.file)) == Some(b.bytes))
        && set.app.files.iter().all(|f| size(dir.join(&set.app.dir).join(&f.path)) == Some(f.size))
}

/// Our packager over generated files, one file in memory at a time.
fn package_specs(specs: &[FileSpec]) -> Result<Vec<u8>, String> {
    let metas: Vec<FileMeta> = specs.iter().map(|s| FileMeta { path: s.path.clone(), size: s.size }).collect();
    let plan = plan(&metas, None);
    let mut packager = Packager::new(plan.total_bytes);
    for meta in &plan.included {
        let spec = specs.iter().find(|s| s.path == meta.path).expect("planned from these");
        packager.add_file(&meta.path, &spec.bytes()).map_err(|f| f.message)?;
    }
    Ok(packager.finish())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Times `f` `runs` times.
fn time_runs<T>(runs: usize, mut f: impl FnMut() -> Result<T, String>) -> (Vec<f64>, Result<T, String>) {
    let mut times = Vec::new();
    let mut last = Err("not run".to_owned());
    for _ in 0..runs {
        let started = Instant::now();
        last = f();
        times.push(started.elapsed().as_secs_f64());
        if last.is_err() {
            break;
        }
    }
    (times, last)
}

fn measurement(task: &str, subject: &str, tool: &str, ours: bool, bytes: u64) -> Measurement {
    Measurement {
        env: "native".into(),
        task: task.into(),
        subject: subject.into(),
        tool: tool.into(),
        ours,
        runs: Vec::new(),
        bytes,
        output_bytes: None,
        note: None,
        error: None,
        long_tasks: None,
        sha256: None,
    }
}

/// Every native measurement.
pub fn run(dir: &Path, set: &DataSet) -> NativeRun {
    let mut out = NativeRun::default();
    out.load_average.push(crate::host::load_average().unwrap_or_default());
    let app_dir = dir.join(&set.app.dir);
    let subject = format!("app {:.0} MB", mb(set.app.bytes));
    let input = set.app.bytes;
    warm(&app_dir);

    // Each packager's run gives the bundle's length and, for ours in memory, its CRC-32.
    type Packaging<'a> = Box<dyn FnMut() -> Result<(u64, Option<u32>), String> + 'a>;
    let target = std::env::temp_dir().join("wavehub-bench-ours.wave");
    let zip_out = std::env::temp_dir().join("wavehub-bench-zip.zip");
    let files: Vec<(String, Vec<u8>)> = set
        .app
        .files
        .iter()
        .map(|f| (f.path.clone(), std::fs::read(app_dir.join(&f.path)).unwrap_or_default()))
        .collect();
    let zip = |suffixes: Option<&'static str>| -> Packaging {
        let (app_dir, zip_out) = (&app_dir, &zip_out);
        Box::new(move || {
            let _ = std::fs::remove_file(zip_out);
            let mut command = Command::new("zip");
            command.args(["-6", "-r", "-q", "-X"]);
            if let Some(suffixes) = suffixes {
                command.args(["-n", suffixes]);
            }
            command.arg(zip_out).arg(".").current_dir(app_dir);
            run_quietly(&mut command)?;
            std::fs::metadata(zip_out).map(|m| (m.len(), None)).map_err(|e| e.to_string())
        })
    };
    let mut packagers: Vec<(Measurement, Packaging)> = vec![
        (
            measurement("package", &subject, "ours: plan + Packager, reads files, writes the .wave", true, input),
            Box::new(|| package_folder(&app_dir, &target).map(|len| (len, None))),
        ),
        (
            measurement("package", &subject, "ours: plan + Packager, files in memory", true, input),
            Box::new(|| package_in_memory(&files).map(|bundle| (bundle.len() as u64, Some(crc32fast::hash(&bundle))))),
        ),
        (measurement("package", &subject, "zip -6 -r -q -X", false, input), zip(None)),
        (
            measurement(
                "package",
                &subject,
                "zip -6 -r -q -X -n .whl:.png:.jpg (stores them, as ours does)",
                false,
                input,
            ),
            zip(Some(".whl:.png:.jpg")),
        ),
    ];
    // Round robin (one run of each per round), so load that comes and goes falls on all alike.
    for round in 1..=3 {
        say(format!("packaging natively, round {round} of 3"));
        for (m, package) in packagers.iter_mut().filter(|(m, _)| m.error.is_none()) {
            let started = Instant::now();
            match package() {
                Ok((len, crc)) => {
                    m.runs.push(started.elapsed().as_secs_f64());
                    m.output_bytes = Some(len);
                    if let Some(crc) = crc {
                        out.bundle_crc32 = crc;
                        out.bundle_len = len;
                    }
                }
                Err(e) => m.error = Some(e),
            }
        }
    }
    out.measurements.extend(packagers.into_iter().map(|(m, _)| m));
    drop(files);
    out.zip_version = zip_versions();
    let _ = std::fs::remove_file(&zip_out);
    let _ = std::fs::remove_file(&target);

    for bundle in &set.bundles {
        let path = dir.join(&bundle.file);
        let runs = if bundle.bytes > 500 * MB { 2 } else { 3 };
        warm(&path);
        let subject = bundle.label.as_str();

        say(format!("validating the {subject} bundle natively: structural pass"));
        let mut m =
            measurement("structural", subject, "ours: structural pass, reads ranges from the file", true, bundle.bytes);
        let (times, result) = time_runs(5, || structural_from_file(&path, bundle.bytes));
        m.runs = times;
        let directory = match result {
            Ok((outcome, reads, read_bytes)) => {
                m.note = Some(format!("{reads} reads, {:.2} MB read", mb(read_bytes)));
                if !outcome.report.valid {
                    let codes: Vec<&str> = outcome.report.errors.iter().map(|f| f.code.as_str()).collect();
                    m.error = Some(format!("the bundle is reported invalid: {}", codes.join(", ")));
                }
                outcome.directory
            }
            Err(e) => {
                m.error = Some(e);
                None
            }
        };
        out.measurements.push(m);

        let mut m =
            measurement("structural", subject, "unzip -l -qq (lists the central directory)", false, bundle.bytes);
        let (times, result) = time_runs(5, || run_quietly(Command::new("unzip").arg("-l").arg("-qq").arg(&path)));
        m.runs = times;
        m.error = result.err();
        out.measurements.push(m);

        say(format!("validating the {subject} bundle natively: integrity pass"));
        let mut m =
            measurement("integrity", subject, "ours: integrity pass, 1 MiB reads from the file", true, bundle.bytes);
        match &directory {
            Some(directory) => {
                let (times, result) = time_runs(runs, || integrity_from_file(&path, directory, bundle.bytes));
                m.runs = times;
                m.error = result.err();
            }
            None => m.error = Some("no directory from the structural pass".into()),
        }
        out.measurements.push(m);

        let mut m = measurement("integrity", subject, "unzip -t -qq", false, bundle.bytes);
        let (times, result) = time_runs(runs, || run_quietly(Command::new("unzip").arg("-t").arg("-qq").arg(&path)));
        m.runs = times;
        m.error = result.err();
        out.measurements.push(m);
    }
    out.load_average.push(crate::host::load_average().unwrap_or_default());
    out
}

/// "Info-ZIP Zip 3.0, UnZip 6.00", from `zip -v` and `unzip -v`.
fn zip_versions() -> String {
    let stdout = |program: &str| {
        Command::new(program)
            .arg("-v")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let zip = stdout("zip");
    let zip =
        zip.lines().find_map(|l| l.trim().strip_prefix("This is Zip ")).and_then(|rest| rest.split_whitespace().next());
    let unzip = stdout("unzip");
    let unzip =
        unzip.lines().next().and_then(|l| l.strip_prefix("UnZip ")).and_then(|rest| rest.split_whitespace().next());
    format!("Info-ZIP Zip {}, UnZip {}", zip.unwrap_or("?"), unzip.unwrap_or("?"))
}

/// Reads every file under `path` once, so timings start with a warm page cache.
fn warm(path: &Path) {
    if path.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                warm(&entry.path());
            }
        }
    } else if let Ok(mut file) = File::open(path) {
        let mut buffer = vec![0; CHUNK];
        while matches!(file.read(&mut buffer), Ok(n) if n > 0) {}
    }
}

fn run_quietly(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}): {}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The files under `root`, with `/`-separated relative paths.
fn walk(root: &Path, folder: &Path, out: &mut Vec<FileMeta>) -> Result<(), String> {
    let entries = std::fs::read_dir(folder).map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            let size = entry.metadata().map_err(|e| e.to_string())?.len();
            let relative = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push(FileMeta { path: relative, size });
        }
    }
    Ok(())
}

/// What `wavehub bundle` does: list the folder, plan, stream each file through the packager in
/// 1 MiB chunks, write the bundle. Returns its size.
pub fn package_folder(folder: &Path, target: &Path) -> Result<u64, String> {
    let mut metas = Vec::new();
    walk(folder, folder, &mut metas)?;
    let appignore = std::fs::read_to_string(folder.join(".appignore")).ok();
    let plan = plan(&metas, appignore.as_deref());
    let mut packager = Packager::new(plan.total_bytes);
    let mut buffer = vec![0; CHUNK];
    for meta in &plan.included {
        let mut file = File::open(folder.join(&meta.path)).map_err(|e| format!("{}: {e}", meta.path))?;
        packager.start_file(&meta.path, meta.size).map_err(|f| f.message)?;
        loop {
            let n = file.read(&mut buffer).map_err(|e| format!("{}: {e}", meta.path))?;
            if n == 0 {
                break;
            }
            packager.write(&buffer[..n]).map_err(|f| f.message)?;
        }
        packager.finish_file().map_err(|f| f.message)?;
    }
    let bundle = packager.finish();
    let mut out = File::create(target).map_err(|e| format!("{}: {e}", target.display()))?;
    out.write_all(&bundle).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(bundle.len() as u64)
}

/// Plan and package files already in memory (what the browser page does).
pub fn package_in_memory(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let metas: Vec<FileMeta> =
        files.iter().map(|(path, bytes)| FileMeta { path: path.clone(), size: bytes.len() as u64 }).collect();
    let plan = plan(&metas, None);
    let by_path: std::collections::HashMap<&str, &[u8]> =
        files.iter().map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    let mut packager = Packager::new(plan.total_bytes);
    for meta in &plan.included {
        packager.add_file(&meta.path, by_path[meta.path.as_str()]).map_err(|f| f.message)?;
    }
    Ok(packager.finish())
}

/// The structural pass over a file: each range it asks for is read with one positioned read.
/// Returns the outcome, the number of reads and the bytes read.
pub fn structural_from_file(path: &Path, len: u64) -> Result<(StructuralOutcome, usize, u64), String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut check = StructuralCheck::new(len, BundleOptions::default());
    let (mut reads, mut read_bytes) = (0, 0);
    let mut buffer = Vec::new();
    while let Some((start, end)) = check.next_read() {
        buffer.resize(end.saturating_sub(start) as usize, 0);
        file.read_exact_at(&mut buffer, start).map_err(|e| format!("{}: {e}", path.display()))?;
        check.provide(&buffer);
        reads += 1;
        read_bytes += buffer.len() as u64;
    }
    Ok((check.finish(), reads, read_bytes))
}

/// The integrity pass over a file read front to back in 1 MiB chunks.
pub fn integrity_from_file(path: &Path, directory: &Directory, len: u64) -> Result<(), String> {
    let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut check = IntegrityCheck::new(directory, len);
    let mut buffer = vec![0; CHUNK];
    loop {
        let n = file.read(&mut buffer).map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        check.feed(&buffer[..n]).map_err(|f| format!("{}: {}", f.code, f.message))?;
    }
    check.finish().map_err(|f| format!("{}: {}", f.code, f.message))
}
