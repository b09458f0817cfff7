//! The server's shape rules (one folder per domain, each with a thin `routes.rs`), checked on the source
//! tree the way a CI grep would: handlers hold no SQL, every write transaction takes the write lock
//! at once, and a runtime image row is inserted in one place.

use std::path::{Path, PathBuf};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `file:line: text` of every line of `files` that contains `needle`.
fn lines_with(files: &[PathBuf], needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (number, line) in text.lines().enumerate() {
            if line.contains(needle) {
                found.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    found
}

/// Rule 1: a `routes.rs` reads the request, checks access, calls one function and shapes the
/// answer; the SQL is in its folder's data modules.
#[test]
fn no_routes_rs_holds_sql() {
    let routes: Vec<PathBuf> = rust_files(&crate_dir().join("src")).into_iter().filter(|path| path.ends_with("routes.rs")).collect();
    assert!(routes.len() >= 6, "only {} routes.rs files found", routes.len());
    let sql = lines_with(&routes, "sqlx::");
    assert!(sql.is_empty(), "SQL in a routes.rs (move it into the folder's data module):\n{}", sql.join("\n"));
}

/// Rule 4: every write transaction starts with `db::begin_write` (BEGIN IMMEDIATE); a plain
/// deferred `.begin()` makes SQLite refuse a writer whose snapshot went stale instead of waiting.
#[test]
fn every_transaction_begins_with_the_write_lock() {
    // `Db::begin_write` itself is the one place a transaction begins.
    let files: Vec<_> = rust_files(&crate_dir().join("src")).into_iter().filter(|file| !file.ends_with("src/db.rs")).collect();
    let deferred = lines_with(&files, ".begin()");
    assert!(deferred.is_empty(), "use Db::begin_write for a transaction that writes:\n{}", deferred.join("\n"));
}

/// Rule 3, for runtime images: one function inserts an image row, and the API, the bootstrap file
/// and the seeder all call it.
#[test]
fn one_insert_into_runtime_images() {
    let mut files = rust_files(&crate_dir().join("src"));
    files.extend(rust_files(&crate_dir().join("../seed/src")));
    let inserts = lines_with(&files, "INSERT INTO runtime_images ");
    assert_eq!(inserts.len(), 1, "one writer of runtime_images rows:\n{}", inserts.join("\n"));
}

/// Rule 3, for apps: one function inserts app rows (`store::catalog::insert_apps`), and the import
/// and the benchmark seeder's bulk insert both call it, so the derived columns and the id rule are
/// written once.
#[test]
fn one_insert_into_apps() {
    let mut files = rust_files(&crate_dir().join("src"));
    files.extend(rust_files(&crate_dir().join("../seed/src")));
    let inserts = lines_with(&files, "INSERT INTO apps ");
    assert_eq!(inserts.len(), 1, "one writer of apps rows:\n{}", inserts.join("\n"));
}

/// The state actions' URL verbs (`deprecate`, `disable`, `enable`, `activate`) are read in one
/// place, core's `StateAction::from_verb`: the server's routes and the MLOps client's methods call
/// it instead of matching the words themselves.
#[test]
fn state_verbs_are_read_by_core() {
    let files = rust_files(&crate_dir().join("src"));
    let mut spelled = Vec::new();
    for verb in ["\"deprecate\"", "\"disable\"", "\"enable\"", "\"activate\""] {
        spelled.extend(lines_with(&files, verb));
    }
    assert!(spelled.is_empty(), "a state verb spelt out in the server (use StateAction::from_verb):\n{}", spelled.join("\n"));
}

/// Rule 5: raw SQL binds `$1`, `$2`…: both databases take them, and PostgreSQL refuses SQLite's
/// `?`. (Checked on the string literals of lines that hold SQL; `QueryBuilder` writes each
/// backend's own placeholders.)
#[test]
fn raw_sql_uses_numbered_placeholders() {
    let mut files = rust_files(&crate_dir().join("src"));
    files.extend(rust_files(&crate_dir().join("../seed/src")));
    files.extend(rust_files(&crate_dir().join("tests")));
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            // The odd-numbered pieces between quotes are inside string literals.
            let literals = line.split('"').skip(1).step_by(2);
            let sql_placeholder = literals.filter(|s| ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WHERE ", "VALUES "].iter().any(|k| s.contains(k))).any(|s| {
                s.match_indices('?').any(|(at, _)| {
                    let before = s[..at].chars().next_back().unwrap_or(' ');
                    let after = s[at + 1..].chars().find(|c| !c.is_ascii_digit()).unwrap_or(' ');
                    "=(, ".contains(before) && "), ".contains(after)
                })
            });
            if sql_placeholder && !file.ends_with("code_shape.rs") {
                found.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "`?` placeholders in SQL (write $1, $2…):\n{}", found.join("\n"));
}
