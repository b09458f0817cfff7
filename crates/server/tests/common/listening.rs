//! Reading a started `wavehub serve`'s stdout up to the line that says where it listens, for the
//! tests of the real binary (`cli_serve.rs`, `cli_import.rs`).

use std::io::{BufRead, BufReader};
use std::process::ChildStdout;

/// The lines printed up to and including "Wavehub is listening on URL", and the URL. Panics when
/// the server exits before saying it.
pub fn until_listening(stdout: ChildStdout) -> (Vec<String>, String) {
    let mut stdout = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "server exited early; printed {lines:?}");
        let line = line.trim_end().to_owned();
        if let Some(url) = line.strip_prefix("Wavehub is listening on ") {
            let url = url.to_owned();
            lines.push(line);
            return (lines, url);
        }
        lines.push(line);
    }
}
