//! Docker/OCI image references, split by the grammar of the distribution `reference` package:
//!
//! ```text
//! reference := name [ ":" tag ] [ "@" digest ]
//! name      := [ domain "/" ] path-component [ "/" path-component ]*
//! domain    := host [ ":" port ]
//! tag       := [\w][\w.-]{0,127}
//! digest    := algorithm ":" hex (32 or more hex digits)
//! ```
//!
//! The one trap: `host:5000/org/img` has a `:` that is a port, never a tag. A `:` is a tag separator
//! only when it comes after the last `/`.

use std::fmt;

/// The parts of an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// `registry.example.com:5000`, `localhost`, or none (the default registry).
    pub domain: Option<String>,
    /// `org/scorer`: lower-case path components.
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

/// Why a text is not an image reference; `Display` says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    Empty,
    TooLong,
    BadDigest(String),
    BadTag(String),
    BadDomain(String),
    BadPathComponent(String),
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReferenceError::Empty => write!(f, "Enter a Docker image, e.g. `myorg/scorer:1.0.0`."),
            ReferenceError::TooLong => write!(f, "An image name is at most {MAX_NAME_LEN} characters."),
            ReferenceError::BadDigest(digest) => write!(
                f,
                "`{digest}` is not a digest: write `sha256:` followed by the image's hex digest."
            ),
            ReferenceError::BadTag(tag) => write!(
                f,
                "`{tag}` is not a valid Docker tag: tags are up to 128 letters, digits, `_`, `.` and `-`, \
                 not starting with `.` or `-` (`+` is not allowed)."
            ),
            ReferenceError::BadDomain(domain) => write!(
                f,
                "`{domain}` is not a registry host: write a host name with an optional numeric port, \
                 e.g. `registry.example.com:5000`."
            ),
            ReferenceError::BadPathComponent(component) => write!(
                f,
                "`{component}` is not a valid repository name part: use lower-case letters and digits, \
                 separated by `.`, `_`, `__` or dashes."
            ),
        }
    }
}

/// The longest repository name (domain and path) the registry protocol allows.
pub const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

impl ImageReference {
    pub fn parse(text: &str) -> Result<ImageReference, ReferenceError> {
        if text.is_empty() {
            return Err(ReferenceError::Empty);
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                check_digest(digest)?;
                (rest, Some(digest.to_owned()))
            }
            None => (text, None),
        };
        let last_slash = rest.rfind('/');
        let (name, tag) = match rest.rfind(':') {
            Some(colon) if last_slash.is_none_or(|slash| colon > slash) => (&rest[..colon], Some(&rest[colon + 1..])),
            _ => (rest, None),
        };
        if let Some(tag) = tag {
            check_tag(tag)?;
        }
        if name.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if name.len() > MAX_NAME_LEN {
            return Err(ReferenceError::TooLong);
        }
        let (domain, path) = split_domain(name);
        if let Some(domain) = domain {
            check_domain(domain)?;
        }
        for component in path.split('/') {
            check_path_component(component)?;
        }
        Ok(ImageReference {
            domain: domain.map(str::to_owned),
            path: path.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(domain) = &self.domain {
            write!(f, "{domain}/")?;
        }
        f.write_str(&self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Docker's rule: the first component names a registry when it has a `.` or a `:`, or is
/// `localhost`, or has an upper-case letter (which a repository path may not have).
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_digest(digest: &str) -> Result<(), ReferenceError> {
    let bad = || ReferenceError::BadDigest(digest.to_owned());
    let (algorithm, hex) = digest.split_once(':').ok_or_else(bad)?;
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    if algorithm_ok && hex_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

fn check_tag(tag: &str) -> Result<(), ReferenceError> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let ok = tag.len() <= MAX_TAG_LEN
        && tag.chars().next().is_some_and(word)
        && tag.chars().all(|c| word(c) || c == '.' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ReferenceError::BadTag(tag.to_owned()))
    }
}

fn check_domain(domain: &str) -> Result<(), ReferenceError> {
    let bad = || ReferenceError::BadDomain(domain.to_owned());
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || domain.starts_with('[') => (host, Some(port)),
        _ => (domain, None),
    };
    if let Some(port) = port {
        if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let host_ok = if let Some(ipv6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !ipv6.is_empty() && ipv6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    };
    if host_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or one or more `-`.
fn check_path_component(component: &str) -> Result<(), ReferenceError> {
    let bad = || ReferenceError::BadPathComponent(component.to_owned());
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(bad());
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or a run of `-`, always followed by an alphanumeric.
        let start = i;
        match bytes[i] {
            b'.' => i += 1,
            b'_' => i += if bytes.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return Err(bad()),
        }
        if i == start || !bytes.get(i).copied().is_some_and(alnum) {
            return Err(bad());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (domain, path, tag, digest)
    type Parts = (Option<String>, String, Option<String>, Option<String>);

    fn parts(text: &str) -> Parts {
        let r = ImageReference::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        (r.domain, r.path, r.tag, r.digest)
    }

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn splits_references_by_the_grammar() {
        let s = |v: &str| Some(v.to_owned());
        let table: Vec<(String, Parts)> = vec![
            ("scorer".into(), (None, "scorer".into(), None, None)),
            ("scorer:1.0.0".into(), (None, "scorer".into(), s("1.0.0"), None)),
            ("myorg/scorer:latest".into(), (None, "myorg/scorer".into(), s("latest"), None)),
            ("docker.io/myorg/scorer:2.0.0".into(), (s("docker.io"), "myorg/scorer".into(), s("2.0.0"), None)),
            ("registry.example.com:5000/org/scorer:1.0.0".into(), (s("registry.example.com:5000"), "org/scorer".into(), s("1.0.0"), None)),
            ("registry.example.com:5000/org/scorer".into(), (s("registry.example.com:5000"), "org/scorer".into(), None, None)),
            ("localhost:5000/scorer:1.0.0-rc.1".into(), (s("localhost:5000"), "scorer".into(), s("1.0.0-rc.1"), None)),
            ("localhost/scorer".into(), (s("localhost"), "scorer".into(), None, None)),
            (format!("myorg/scorer@{DIGEST}"), (None, "myorg/scorer".into(), None, s(DIGEST))),
            (format!("myorg/scorer:1.2.3@{DIGEST}"), (None, "myorg/scorer".into(), s("1.2.3"), s(DIGEST))),
            (format!("host:5000/a/b@{DIGEST}"), (s("host:5000"), "a/b".into(), None, s(DIGEST))),
            ("[::1]:5000/img:v1.0.0".into(), (s("[::1]:5000"), "img".into(), s("v1.0.0"), None)),
            ("a__b/c--d/e.f_g:t".into(), (None, "a__b/c--d/e.f_g".into(), s("t"), None)),
        ];
        for (text, expected) in table {
            assert_eq!(parts(&text), expected, "{text}");
        }
    }

    #[test]
    fn round_trips_through_display() {
        for text in ["scorer", "host:5000/org/img:1.0.0", &format!("img:1@{DIGEST}")] {
            assert_eq!(ImageReference::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn rejects_what_the_grammar_forbids() {
        let table = [
            ("", "Enter a Docker image"),
            ("scorer:1.2.3+meta", "not a valid Docker tag"),
            ("scorer:", "not a valid Docker tag"),
            ("scorer:.hidden", "not a valid Docker tag"),
            ("scorer:-x", "not a valid Docker tag"),
            ("MyOrg", "not a valid repository name part"),
            ("org/Scorer:1", "not a valid repository name part"),
            ("org//scorer", "not a valid repository name part"),
            ("org/scorer-", "not a valid repository name part"),
            ("org/a___b", "not a valid repository name part"),
            ("org/a._b", "not a valid repository name part"),
            ("img@sha256:abc", "not a digest"),
            ("img@sha256", "not a digest"),
            ("img@SHA256:0123456789abcdef0123456789abcdef", "not a digest"),
            ("host:port/img", "not a registry host"),
            ("-bad.host/img", "not a registry host"),
            (":1.0", "Enter a Docker image"),
        ];
        for (text, message) in table {
            let error = ImageReference::parse(text).expect_err(text);
            assert!(error.to_string().contains(message), "{text}: {error}");
        }
        let long = format!("{}:1", "a".repeat(MAX_NAME_LEN + 1));
        assert_eq!(ImageReference::parse(&long), Err(ReferenceError::TooLong));
        let long_tag = format!("img:{}", "a".repeat(MAX_TAG_LEN + 1));
        assert!(matches!(ImageReference::parse(&long_tag), Err(ReferenceError::BadTag(_))));
    }
}
