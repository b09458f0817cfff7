//! A benchmark's data kept between runs: a folder made by a command (a seeder, a venv) with a
//! marker naming what made it, reused while the marker matches; and the static dir the server
//! serves.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The marker file written into a seeded data dir once seeding finished.
const SEEDED_MARKER: &str = "seeded-by-xtask";

/// A data dir seeded by a command (`wavehub-seed ...`): made in this run, or reused.
pub struct Seeded {
    /// How long seeding took when it ran in this run.
    pub took: Option<Duration>,
    /// The marker's second line, from the run that seeded it.
    pub earlier: String,
}

impl Seeded {
    /// `seeded in this run in 21.4 s (wavehub-seed catalog)` or `reused from an earlier run (...)`.
    pub fn line(&self, seeder: &str) -> String {
        match self.took {
            Some(took) => format!("seeded in this run in {:.1} s ({seeder})", took.as_secs_f64()),
            None => format!("reused from an earlier run ({})", self.earlier),
        }
    }
}

/// Reuses `data` when its marker's first line is `wanted` (what was seeded, and the digest of the
/// seeder and the schema); otherwise empties it and runs `seed`, then writes the marker. `what` is
/// `[the reused data, the data to seed]` for the progress lines, e.g. `["catalog", "100000 app rows"]`.
pub fn ensure_seeded(
    root: &Path,
    data: &Path,
    wanted: &str,
    what: [&str; 2],
    step: &dyn Fn(&str),
    seed: &mut Command,
    seeder: &str,
) -> Result<Seeded, String> {
    let marker = std::fs::read_to_string(data.join(SEEDED_MARKER)).unwrap_or_default();
    if marker.lines().next() == Some(wanted) {
        step(&format!("reusing the seeded {} in {}", what[0], shown(root, data)));
        return Ok(Seeded { took: None, earlier: marker.lines().nth(1).unwrap_or("").trim().to_owned() });
    }
    step(&format!("seeding {} into {} (first run only)", what[1], shown(root, data)));
    let _ = std::fs::remove_dir_all(data);
    let seeded = Instant::now();
    let status = seed.status().map_err(|e| format!("{seeder}: cannot start {:?}: {e}", seed.get_program()))?;
    if !status.success() {
        return Err(format!("{seeder} failed ({status})"));
    }
    let took = seeded.elapsed();
    std::fs::write(data.join(SEEDED_MARKER), format!("{wanted}\nseeded in {:.1} s\n", took.as_secs_f64()))
        .map_err(|e| format!("cannot write the seeding marker: {e}"))?;
    Ok(Seeded { took: Some(took), earlier: String::new() })
}

/// A digest (64-bit FNV-1a) of the files under `paths` (relative to the root), with their paths, in
/// path order: the seeded data is reused only while it matches.
pub fn inputs_digest(root: &Path, paths: &[&str]) -> Result<u64, String> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(&root.join(path), &mut files).map_err(|e| format!("cannot read {path}: {e}"))?;
    }
    files.sort();
    let mut digest = Fnv1a::new();
    for file in files {
        digest.update(shown(root, &file).as_bytes());
        digest.update(&std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?);
    }
    Ok(digest.0)
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if std::fs::metadata(path)?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            collect_files(&entry?.path(), files)?;
        }
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

pub struct Fnv1a(pub u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    pub fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// A path relative to the root, for messages.
pub fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// The static dir the server serves: a copy of `dist/` (the page timing needs the web app), or a
/// placeholder `index.html` when it is not built (the server serves files only when one exists).
pub fn prepare_static_dir(root: &Path, dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dist = root.join("dist");
    if dist.join("index.html").is_file() {
        copy_dir(&dist, dir).map_err(|e| format!("cannot copy dist/ to {}: {e}", dir.display()))
    } else {
        std::fs::write(dir.join("index.html"), "<!doctype html><title>Wavehub bench</title>\n")
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_and_the_inputs_digest() {
        let mut digest = Fnv1a::new();
        digest.update(b"a");
        assert_eq!(digest.0, 0xaf63_dc4c_8601_ec8c, "the published FNV-1a 64 value of \"a\"");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let inputs = ["crates/server/migrations", "crates/seed/src"];
        let first = inputs_digest(root, &inputs).unwrap();
        assert_eq!(first, inputs_digest(root, &inputs).unwrap());
        assert_ne!(first, inputs_digest(root, &["crates/server/migrations"]).unwrap());
        assert!(inputs_digest(root, &["no/such/folder"]).is_err());
    }

    #[test]
    fn a_data_dir_is_seeded_once_and_reused_while_its_marker_matches() {
        let root = tempfile_dir();
        let data = root.join("data");
        let seed = |marker: &str| {
            let mut touch = Command::new("sh");
            touch.args(["-c", "mkdir -p \"$0\" && echo x >> \"$0/made\""]).arg(&data);
            ensure_seeded(&root, &data, marker, ["data", "data"], &|_| {}, &mut touch, "touch")
        };
        let first = seed("v1").unwrap();
        assert!(first.took.is_some() && first.line("touch").starts_with("seeded in this run in "));
        let again = seed("v1").unwrap();
        assert_eq!(again.took, None);
        assert!(again.line("touch").starts_with("reused from an earlier run (seeded in "), "{}", again.line("touch"));
        assert_eq!(std::fs::read_to_string(data.join("made")).unwrap(), "x\n");
        seed("v2").unwrap();
        assert_eq!(std::fs::read_to_string(data.join("made")).unwrap(), "x\n", "emptied and seeded again");
        let _ = std::fs::remove_dir_all(&root);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wavehub-bench-seeded-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
