//! Running tools: the PATH they need, streaming their output while counting test results, and the
//! closing summary.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Cargo's target folder, where it puts the binaries it builds: `CARGO_TARGET_DIR` when set
/// (relative to the root, as cargo reads it), else `target/` at the root.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A command run in `dir` with the project's tool folders first on PATH: `.tools/node_modules/.bin`
/// (wasm-opt) and cargo's bin folder (trunk, wasm-bindgen).
pub fn command(dir: impl AsRef<Path>, program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir).env("PATH", tool_path());
    command
}

/// PATH with the project's tool folders first (see [`command`]).
pub fn tool_path() -> std::ffi::OsString {
    let root = crate::repo_root();
    let mut paths = vec![root.join(".tools/node_modules/.bin"), crate::tools::cargo_bin_dir()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).expect("PATH entries are valid")
}

/// Runs to completion; an error names what failed.
pub fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// True when the command starts and exits 0 (its output is discarded).
pub fn succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// The first line a command prints on stdout, if it runs and succeeds.
pub fn output_line(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").to_owned())
}

/// Tests passed and failed, as the runners report them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    /// Adds what one line of runner output reports: cargo's and wasm-bindgen-test's
    /// `test result: ok. 5 passed; 0 failed; ...`, and TAP's `# pass 5` / `# fail 0` (node --test).
    pub fn add_line(&mut self, line: &str) {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result:") {
            for part in rest.split(';') {
                let words: Vec<&str> = part.split_whitespace().collect();
                let number = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok()).unwrap_or(0);
                if let Some(i) = words.iter().position(|w| *w == "passed") {
                    self.passed += number(i.wrapping_sub(1));
                }
                if let Some(i) = words.iter().position(|w| *w == "failed") {
                    self.failed += number(i.wrapping_sub(1));
                }
            }
        } else if let Some(n) = line.strip_prefix("# pass ") {
            self.passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("# fail ") {
            self.failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
}

/// Runs a test command, echoing its output while counting results. The error says why the step
/// failed: the command failed, or it ran no test at all (a runner that silently found nothing is
/// not a pass). The counts are returned either way.
pub fn run_counting(command: &mut Command, what: &str) -> (Counts, Result<(), String>) {
    let mut counts = Counts::default();
    let mut child = match command.stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => return (counts, Err(format!("{what}: cannot start {:?}: {e}", command.get_program()))),
    };
    for line in BufReader::new(child.stdout.take().expect("stdout is piped")).lines().map_while(Result::ok) {
        println!("{line}");
        counts.add_line(&line);
    }
    let outcome = match child.wait() {
        Err(e) => Err(format!("{what}: {e}")),
        Ok(status) if !status.success() => Err(format!("{what} failed ({status})")),
        Ok(_) if counts.passed == 0 => Err(format!("{what} ran no test")),
        Ok(_) => Ok(()),
    };
    (counts, outcome)
}

/// The newest modification time of a file, or of any file under a folder.
pub fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.is_file() {
        return metadata.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p: &PathBuf| p.file_name().is_some_and(|n| n != "target" && n != "node_modules"))
        .filter_map(|p| newest_mtime(&p))
        .max()
}

/// One step of `cargo xtask test`.
pub struct Step {
    pub name: &'static str,
    pub took: Duration,
    pub counts: Counts,
    pub outcome: Result<(), String>,
}

impl Step {
    /// A step that ran tests.
    pub fn tests(name: &'static str, started: Instant, (counts, outcome): (Counts, Result<(), String>)) -> Step {
        Step { name, took: started.elapsed(), counts, outcome }
    }

    /// A step that installs or builds (no tests of its own).
    pub fn work(name: &'static str, started: Instant, outcome: Result<(), String>) -> Step {
        Step::tests(name, started, (Counts::default(), outcome))
    }

    pub fn ok(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// The table of steps, then the closing line CI reads: `summary: N passed, M failed`.
pub fn print_summary(steps: &[Step], total: Duration) {
    println!();
    println!("== cargo xtask test ==");
    let mut all = Counts::default();
    for step in steps {
        all.passed += step.counts.passed;
        // A step that failed without a failing test (a build, a tool install) counts as one failure.
        all.failed += match &step.outcome {
            Err(_) => step.counts.failed.max(1),
            Ok(()) => step.counts.failed,
        };
        let (mark, note) = match &step.outcome {
            Ok(()) => ("ok  ", String::new()),
            Err(message) => ("FAIL", format!("  {message}")),
        };
        println!(
            "  {mark}  {:<36} {:>7.1}s  {} passed, {} failed{note}",
            step.name,
            step.took.as_secs_f64(),
            step.counts.passed,
            step.counts.failed
        );
    }
    println!("  total {:.1}s", total.as_secs_f64());
    println!("summary: {} passed, {} failed", all.passed, all.failed);
}

#[cfg(test)]
mod tests {
    use super::{target_dir, Counts};
    use std::path::Path;

    #[test]
    fn the_target_dir_follows_cargo_target_dir() {
        let root = Path::new("/repo");
        match std::env::var_os("CARGO_TARGET_DIR") {
            None => assert_eq!(target_dir(root), Path::new("/repo/target")),
            Some(dir) => assert_eq!(target_dir(root), root.join(dir)),
        }
    }

    #[test]
    fn counts_cargo_and_tap_lines() {
        let mut counts = Counts::default();
        for line in [
            "test result: ok. 11 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            "test result: FAILED. 14 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 16.12s",
            "test result: ok. 7 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.37s",
            "# pass 7",
            "# fail 2",
            "# tests 9",
            "ok 1 - sign-in",
        ] {
            counts.add_line(line);
        }
        assert_eq!(counts, Counts { passed: 39, failed: 3 });
    }
}
