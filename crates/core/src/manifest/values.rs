//! The small grammars of manifest values, hand-coded (no regex crate): label values, versions,
//! Python module paths, environment variable names, durations, URLs and file paths.
//!
//! Each function answers one question about one string; the rules in `check.rs` decide what to
//! report.

/// Longest label value Kubernetes accepts; Name, Version and `Name-Version` must fit.
pub const LABEL_MAX_LEN: usize = 63;

/// Whether `text` is a Kubernetes label value: at most 63 characters matching
/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`. App names and versions must be label values,
/// because the platform puts them in the labels of each instance (spec §3.2).
pub fn is_label_value(text: &str) -> bool {
    text.len() <= LABEL_MAX_LEN && has_label_syntax(text)
}

/// The regex part of [`is_label_value`], without the length limit: non-empty, letters, digits,
/// `-`, `_` and `.`, starting and ending with a letter or digit.
pub(super) fn has_label_syntax(text: &str) -> bool {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// What is wrong with an app version beyond the label rules, with the fix to suggest.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum VersionProblem {
    /// `{{VERSION}}`: a build placeholder that was never substituted.
    Placeholder,
    /// `1.0.0+build`: semver allows build metadata, labels do not allow `+`.
    BuildMetadata { without: String },
    /// Not strict semver; `hint` says how to fix it.
    NotSemver { hint: String },
}

/// Checks the version rules that come before the label syntax (the placeholder and `+`, which have
/// their own hints) — `None` when neither applies.
pub(super) fn version_pre_label_problem(version: &str) -> Option<VersionProblem> {
    if version.contains("{{") || version.contains("}}") {
        return Some(VersionProblem::Placeholder);
    }
    version.split_once('+').map(|(without, _)| VersionProblem::BuildMetadata { without: without.to_owned() })
}

/// Checks that a version (already a label value) is strict semver `MAJOR.MINOR.PATCH[-PRE]`.
pub(super) fn version_semver_problem(version: &str) -> Option<VersionProblem> {
    let error = match semver::Version::parse(version) {
        Ok(_) => return None,
        Err(error) => error,
    };
    let without_v = version.strip_prefix(['v', 'V']);
    let hint = match without_v {
        Some(rest) if semver::Version::parse(rest).is_ok() => format!("drop the v: write {rest}"),
        Some(rest) => match crate::apps::pad_short_version(rest) {
            Some(padded) => format!("drop the v and write {padded}"),
            None => format!("write MAJOR.MINOR.PATCH, e.g. 1.0.0 ({error})"),
        },
        None => match crate::apps::pad_short_version(version) {
            Some(padded) => format!("write {padded}"),
            None => format!("write MAJOR.MINOR.PATCH, e.g. 1.0.0 ({error})"),
        },
    };
    Some(VersionProblem::NotSemver { hint })
}

/// Whether `text` is a dotted Python module path (`app`, `src.app`): each part a Python identifier.
pub(super) fn is_python_module(text: &str) -> bool {
    text.split('.').all(is_python_identifier)
}

/// A Python 3 identifier: a letter or `_`, then letters, digits or `_` (Unicode letters included,
/// as Python allows them).
fn is_python_identifier(part: &str) -> bool {
    let mut chars = part.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_alphabetic() => chars.all(|c| c == '_' || c.is_alphanumeric()),
        _ => false,
    }
}

/// A portable environment variable name: a letter or `_`, then letters, digits or `_`.
pub(super) fn is_env_name(text: &str) -> bool {
    let mut bytes = text.bytes();
    match bytes.next() {
        Some(first) if first == b'_' || first.is_ascii_alphabetic() => bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// Whether `text` is an instance timeout: `-1` (never pause) or a Go duration using only the units
/// `s`, `m` and `h`, such as `1h`, `90m`, `1h30m` or `1.5h`.
pub(super) fn is_instance_timeout(text: &str) -> bool {
    if text == "-1" {
        return true;
    }
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int, after) = rest.split_at(int_len);
        let (fraction_len, after) = match after.strip_prefix('.') {
            Some(tail) => {
                let n = tail.bytes().take_while(u8::is_ascii_digit).count();
                (n, &tail[n..])
            }
            None => (0, after),
        };
        if int.is_empty() && fraction_len == 0 {
            return false;
        }
        match after.strip_prefix(['s', 'm', 'h']) {
            // `ms` is a Go unit too, but not one the platform accepts here.
            Some(tail) if !tail.starts_with('s') => rest = tail,
            _ => return false,
        }
    }
    true
}

/// Why `text` is not an absolute `http(s)` URL, or `None` when it is one.
pub(super) fn http_url_problem(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    let Some(scheme_len) = ["https://", "http://"].iter().find(|s| lower.starts_with(*s)).map(|s| s.len()) else {
        return Some("it must start with https:// or http://");
    };
    if text.chars().any(char::is_whitespace) {
        return Some("it must not contain spaces");
    }
    let authority = text[scheme_len..].split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Some("it has no host name after the scheme");
    }
    None
}

/// The folder of a file path as Go's `path.Dir` gives it: `conf/a` → `conf`, `/a` → `/`,
/// `a` → `.`, `./conf//a` → `conf`.
pub(super) fn path_dir(path: &str) -> String {
    let folder = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean_path(folder)
}

/// Go's `path.Clean`: collapses `//`, `.` and `..`, drops a trailing `/`; empty becomes `.`.
pub(super) fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `/..` is `/`; a relative path keeps leading `..`.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values() {
        for good in ["a", "ai.h2o.wave.my-app", "0.0.1", "1.0.0-beta.1", "A_b-C.9", &"x".repeat(63)] {
            assert!(is_label_value(good), "{good}");
        }
        for bad in ["", "-a", "a-", ".a", "a_", "a b", "1.0.0+build", "{{VERSION}}", "é", &"x".repeat(64)] {
            assert!(!is_label_value(bad), "{bad}");
        }
        assert!(has_label_syntax(&"x".repeat(64)), "the syntax check leaves length to the caller");
    }

    #[test]
    fn version_hints() {
        assert_eq!(version_pre_label_problem("{{VERSION}}"), Some(VersionProblem::Placeholder));
        assert_eq!(version_pre_label_problem("1.0.0+build.5"), Some(VersionProblem::BuildMetadata { without: "1.0.0".into() }));
        assert_eq!(version_pre_label_problem("1.0.0"), None);
        assert_eq!(version_semver_problem("1.0.0"), None);
        assert_eq!(version_semver_problem("0.0.12-20220317151334"), None);
        let hint = |v: &str| match version_semver_problem(v) {
            Some(VersionProblem::NotSemver { hint }) => hint,
            other => panic!("{v}: {other:?}"),
        };
        assert_eq!(hint("1.0"), "write 1.0.0");
        assert_eq!(hint("2"), "write 2.0.0");
        assert_eq!(hint("1.2-rc1"), "write 1.2.0-rc1");
        assert_eq!(hint("v1.2.3"), "drop the v: write 1.2.3");
        assert_eq!(hint("v1.2"), "drop the v and write 1.2.0");
        assert!(hint("01.2.3").starts_with("write MAJOR.MINOR.PATCH"));
        assert!(hint("1.2.3.4").starts_with("write MAJOR.MINOR.PATCH"));
    }

    #[test]
    fn python_modules() {
        for good in ["app", "src.app", "q_rl_marketing.__main__", "_x.y2", "café"] {
            assert!(is_python_module(good), "{good}");
        }
        for bad in ["", "src/app.py", "src.", ".app", "1app", "my-app", "a..b", "a b"] {
            assert!(!is_python_module(bad), "{bad}");
        }
    }

    #[test]
    fn env_names() {
        for good in ["A", "_A", "h2ogpte_key", "H2O_WAVE_ML_X1"] {
            assert!(is_env_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É"] {
            assert!(!is_env_name(bad), "{bad}");
        }
    }

    #[test]
    fn instance_timeouts() {
        for good in ["1h", "90m", "1h30m", "45s", "1.5h", "-1", "2h0m0s", ".5h"] {
            assert!(is_instance_timeout(good), "{good}");
        }
        for bad in ["", "1", "-2h", "1d", "10ms", "1 h", "h", "1hour", "-1h", ".h", "1h-1"] {
            assert!(!is_instance_timeout(bad), "{bad}");
        }
    }

    #[test]
    fn http_urls() {
        assert_eq!(http_url_problem("https://h2ogpte.genai.h2o.ai"), None);
        assert_eq!(http_url_problem("HTTP://example.com:8080/x?y#z"), None);
        assert!(http_url_problem("ftp://example.com").is_some());
        assert!(http_url_problem("example.com").is_some());
        assert!(http_url_problem("https://").is_some());
        assert!(http_url_problem("https:///path").is_some());
        assert!(http_url_problem("https://exa mple.com").is_some());
    }

    #[test]
    fn path_folders_follow_go() {
        assert_eq!(path_dir("secret.txt"), ".");
        assert_eq!(path_dir("/secret.txt"), "/");
        assert_eq!(path_dir("conf/a"), "conf");
        assert_eq!(path_dir("./conf//a"), "conf");
        assert_eq!(path_dir("/etc/conf/b"), "/etc/conf");
        assert_eq!(path_dir("/resources/x"), "/resources");
        assert_eq!(path_dir("/a/../x"), "/");
        assert_eq!(path_dir("../x"), "..");
        assert_eq!(clean_path("/../a/"), "/a");
        assert_eq!(clean_path(""), ".");
    }
}
