//! `requirements.txt` lines that name wheel files: the platform installs them from inside the bundle,
//! with paths relative to the archive root, so each must name a file the bundle holds.

use crate::api::Finding;
use crate::text::Position;

pub const REQUIREMENTS_FILE: &str = "requirements.txt";

/// A wheel named by `requirements.txt`, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelReference {
    /// As written, e.g. `./wheels/pkg-1.0-py3-none-any.whl`.
    pub written: String,
    pub position: Position,
}

/// Every local wheel `requirements.txt` names (URLs are left to pip).
pub fn wheel_references(text: &str) -> Vec<WheelReference> {
    let mut wheels = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = strip_comment(line);
        let mut column = 1;
        let mut rest = line;
        while !rest.is_empty() {
            let token_start = rest.len() - rest.trim_start().len();
            column += rest[..token_start].chars().count();
            rest = &rest[token_start..];
            let token_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..token_len];
            // `name @ ./x.whl` and `--find-links=./x.whl` put the path after a separator.
            let path = token.rsplit_once('=').map_or(token, |(_, value)| value);
            if is_local_wheel(path) {
                let path_column = column + token[..token.len() - path.len()].chars().count();
                wheels.push(WheelReference {
                    written: path.to_owned(),
                    position: Position { line: to_u32(index + 1), column: to_u32(path_column) },
                });
            }
            column += token.chars().count();
            rest = &rest[token_len..];
        }
    }
    wheels
}

/// pip treats ` #` (or `#` at the start of a line) as the start of a comment.
pub fn strip_comment(line: &str) -> &str {
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => &line[..at],
        None => line,
    }
}

fn is_local_wheel(token: &str) -> bool {
    let is_url = token.contains("://") && !token.starts_with("file:");
    token.to_ascii_lowercase().ends_with(".whl") && !is_url
}

/// Checks each wheel reference against the bundle's file names.
pub fn check_wheels(text: &str, has_file: impl Fn(&str) -> bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for wheel in wheel_references(text) {
        let finding = match bundle_path(&wheel.written) {
            Err(reason) => Some(Finding::error(
                "bundle.requirements.wheel_outside",
                &wheel.written,
                format!("`{}` {reason}; put the wheel inside the bundle and write its path relative to the bundle root, e.g. `./wheels/name.whl`", wheel.written),
            )),
            Ok(path) if !has_file(&path) => Some(Finding::error(
                "bundle.requirements.wheel_missing",
                &wheel.written,
                format!("`{}` is not in the bundle; add the wheel at `{path}` or remove the line", wheel.written),
            )),
            Ok(_) => None,
        };
        if let Some(finding) = finding {
            findings.push(finding.in_file(REQUIREMENTS_FILE).at(wheel.position));
        }
    }
    findings
}

/// The archive path a wheel reference resolves to, or why it cannot be inside the bundle.
fn bundle_path(written: &str) -> Result<String, &'static str> {
    let path = written.strip_prefix("file:").unwrap_or(written);
    if path.starts_with('/') || path.contains('\\') || path.get(1..2) == Some(":") {
        return Err("is an absolute path outside the bundle");
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("climbs out of the bundle with `..`"),
            other => parts.push(other),
        }
    }
    Ok(parts.join("/"))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, files: &[&str]) -> Vec<(String, u32, u32)> {
        check_wheels(text, |path| files.contains(&path))
            .into_iter()
            .map(|f| (f.code, f.line.unwrap(), f.column.unwrap()))
            .collect()
    }

    #[test]
    fn wheels_inside_the_bundle_pass() {
        let text = "wave>=1.0\n./wheels/a-1.0-py3-none-any.whl\nwheels/b-2.0-py3-none-any.whl  # local\n";
        assert!(check(text, &["wheels/a-1.0-py3-none-any.whl", "wheels/b-2.0-py3-none-any.whl"]).is_empty());
    }

    #[test]
    fn a_missing_wheel_is_reported_at_its_line_and_column() {
        let text = "h2o-wave==1.0\n  ./wheels/missing-1.0-py3-none-any.whl\n";
        assert_eq!(check(text, &[]), vec![("bundle.requirements.wheel_missing".into(), 2, 3)]);
    }

    #[test]
    fn wheels_outside_the_bundle_are_refused() {
        assert_eq!(check("../x-1.0-py3-none-any.whl", &[])[0].0, "bundle.requirements.wheel_outside");
        assert_eq!(check("/opt/x-1.0-py3-none-any.whl", &[])[0].0, "bundle.requirements.wheel_outside");
        assert_eq!(check("C:/x-1.0-py3-none-any.whl", &[])[0].0, "bundle.requirements.wheel_outside");
    }

    #[test]
    fn urls_comments_and_named_references() {
        assert!(check("https://example.test/x-1.0-py3-none-any.whl\n# ./gone.whl\n", &[]).is_empty());
        let named = check("pkg @ file:./w/pkg-1.0-py3-none-any.whl", &[]);
        assert_eq!(named, vec![("bundle.requirements.wheel_missing".into(), 1, 7)]);
        let option = check("--find-links=./w/pkg-1.0-py3-none-any.whl", &[]);
        assert_eq!(option, vec![("bundle.requirements.wheel_missing".into(), 1, 14)]);
    }
}
