//! Which entry names the reader accepts: relative `/`-separated paths that unpack inside the target
//! folder on every system, and that stay distinct on case-insensitive file systems.

use super::codes;
use crate::api::Finding;

/// The longest file or folder name in an entry's path, in bytes: what Linux and macOS file systems
/// accept (`NAME_MAX`), so a longer one would only fail when an instance unpacks the bundle.
pub const MAX_COMPONENT_BYTES: usize = 255;
/// The longest entry name, in bytes. Far above real apps' paths, and well inside `PATH_MAX` (4,096)
/// once the instance's own folder is in front of it.
pub const MAX_NAME_BYTES: usize = 1024;

/// The start of a long name, for messages: the whole name is in the finding's `path` and `file`.
pub(crate) fn shorten(name: &str) -> String {
    const SHOWN: usize = 60;
    match name.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

/// Why `path` (an entry's name, or a `[[File]]` Path without its leading `/`) is too long to unpack,
/// if it is.
pub(crate) fn too_long(path: &str) -> Option<String> {
    if path.len() > MAX_NAME_BYTES {
        return Some(format!("is {} bytes long, more than the {MAX_NAME_BYTES} allowed", path.len()));
    }
    let longest = path.split('/').max_by_key(|component| component.len())?;
    (longest.len() > MAX_COMPONENT_BYTES).then(|| {
        format!(
            "has a file or folder name of {} bytes ({:?}), more than the {MAX_COMPONENT_BYTES} file systems allow",
            longest.len(),
            shorten(longest)
        )
    })
}

/// Decodes and checks one raw name. `utf8_flag` is general purpose bit 11.
///
/// Names without the flag are accepted when they are valid UTF-8 anyway: many tools write UTF-8
/// names without setting it. Anything else is in a legacy code page whose meaning is a guess, so it
/// is refused rather than guessed.
pub(super) fn decode(raw: &[u8], utf8_flag: bool) -> Result<String, Finding> {
    if raw.is_empty() {
        return Err(Finding::error(
            codes::NAME_EMPTY,
            "",
            "an entry of the archive has an empty name; re-create the archive with `wavehub bundle`",
        ));
    }
    let name = match std::str::from_utf8(raw) {
        Ok(name) => name,
        Err(_) => {
            let shown = String::from_utf8_lossy(raw).into_owned();
            let why = if utf8_flag {
                "is marked UTF-8 but is not valid UTF-8"
            } else {
                "is not UTF-8 (probably a legacy code page such as CP437)"
            };
            let message = format!(
                "the name {shown:?} {why}; rename the file with plain characters, or re-create the archive with a \
                 tool that writes UTF-8 names such as `wavehub bundle`"
            );
            return Err(Finding::error(codes::NAME_NOT_UTF8, &shown, message).in_file(&shown));
        }
    };
    check(name).map(|()| name.to_owned())
}

/// The rules on a decoded name.
fn check(name: &str) -> Result<(), Finding> {
    let refuse = |code: &str, problem: &str| {
        Err(Finding::error(code, name, format!("the entry name {name:?} {problem}")).in_file(name))
    };
    if name.chars().any(char::is_control) {
        return refuse(
            codes::NAME_CONTROL_CHARACTER,
            "contains a control character (such as a newline or tab); rename the file",
        );
    }
    if name.starts_with('/') {
        return refuse(
            codes::NAME_ABSOLUTE,
            "is absolute; names in a bundle are relative to the app folder. Re-create the archive from inside the folder",
        );
    }
    if name.contains('\\') {
        return refuse(
            codes::NAME_BACKSLASH,
            "contains a backslash; folders are separated by `/` in a zip. Re-create the archive with `wavehub bundle`",
        );
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return refuse(
            codes::NAME_DRIVE_LETTER,
            "starts with a drive letter; names in a bundle are relative to the app folder",
        );
    }
    // A directory's name ends with one `/`; the components are what comes before it.
    let path = name.strip_suffix('/').unwrap_or(name);
    if path.split('/').any(|component| component == "..") {
        return refuse(
            codes::NAME_TRAVERSAL,
            "has a `..` component, which would unpack it outside the app folder; remove the entry",
        );
    }
    if path.split('/').any(|component| component.is_empty() || component == ".") {
        return refuse(
            codes::NAME_NOT_CANONICAL,
            "has an empty or `.` component (`//`, `./`); write the path plainly, e.g. `src/app.py`",
        );
    }
    if let Some(problem) = too_long(path) {
        let message = format!("the entry name {:?} {problem}; it could not be unpacked: rename or move the file", shorten(name));
        return Err(Finding::error(codes::NAME_TOO_LONG, name, message).in_file(name));
    }
    Ok(())
}

/// Names that would clash when unpacked: exact duplicates, names equal but for letter case, and a
/// name used both as a file and as a folder. `names` are `(name, is_dir)` as [`decode`] accepted
/// them (a directory's name ends with `/`).
///
/// Sorting lower-cased paths makes this `O(n log n)`: clashing names end up next to each other, and
/// the names inside a folder `p/` form one run that starts at the first key not below `p/`.
pub(super) fn collisions(names: &[(&str, bool)]) -> Vec<Finding> {
    let mut keys: Vec<(String, usize)> = names
        .iter()
        .enumerate()
        .map(|(index, (name, is_dir))| {
            let path = if *is_dir { name.strip_suffix('/').unwrap_or(name) } else { name };
            (path.to_lowercase(), index)
        })
        .collect();
    keys.sort();
    let mut findings = Vec::new();
    let mut flagged = vec![false; names.len()];
    let mut group_start = 0;
    for at in 1..keys.len() {
        if keys[at].0 != keys[group_start].0 {
            group_start = at;
            continue;
        }
        let (first, first_dir) = names[keys[group_start].1];
        let (name, is_dir) = names[keys[at].1];
        flagged[keys[at].1] = true;
        flagged[keys[group_start].1] = true;
        findings.push(if name == first {
            clash(codes::NAME_DUPLICATE, name, format!("the archive holds {name:?} twice; keep one"))
        } else if is_dir != first_dir {
            file_and_folder(first, name)
        } else {
            clash(
                codes::NAME_CASE_COLLISION,
                name,
                format!(
                    "{first:?} and {name:?} differ only in letter case, so on macOS and Windows one overwrites the \
                     other; rename one of them"
                ),
            )
        });
    }
    for (key, index) in &keys {
        let (name, is_dir) = names[*index];
        if is_dir || flagged[*index] {
            continue;
        }
        let folder = format!("{key}/");
        let inside = keys.partition_point(|(other, _)| other.as_str() < folder.as_str());
        if let Some((other, other_index)) = keys.get(inside) {
            if other.starts_with(&folder) {
                findings.push(file_and_folder(name, names[*other_index].0));
            }
        }
    }
    findings
}

fn clash(code: &str, name: &str, message: String) -> Finding {
    Finding::error(code, name, message).in_file(name)
}

fn file_and_folder(file: &str, other: &str) -> Finding {
    clash(
        codes::NAME_FILE_AND_FOLDER,
        other,
        format!("{file:?} is a file, but {other:?} uses the same name as a folder; rename one of them"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(raw: &[u8]) -> Option<String> {
        decode(raw, false).err().map(|finding| finding.code)
    }

    #[test]
    fn ordinary_names_pass() {
        for name in ["app.toml", "src/app.py", "static/", "a/b/c.txt", "données/été.md", ".appignore", "a..b", "..a"]
        {
            assert_eq!(code_of(name.as_bytes()), None, "{name}");
        }
    }

    #[test]
    fn each_bad_name_has_its_code() {
        let cases: &[(&[u8], &str)] = &[
            (b"", codes::NAME_EMPTY),
            (b"/etc/passwd", codes::NAME_ABSOLUTE),
            (b"../x", codes::NAME_TRAVERSAL),
            (b"a/../../x", codes::NAME_TRAVERSAL),
            (b"a/..", codes::NAME_TRAVERSAL),
            (b"../", codes::NAME_TRAVERSAL),
            (b"a\\b", codes::NAME_BACKSLASH),
            (b"..\\x", codes::NAME_BACKSLASH),
            (b"C:x", codes::NAME_DRIVE_LETTER),
            (b"c:/x", codes::NAME_DRIVE_LETTER),
            (b"a\nb", codes::NAME_CONTROL_CHARACTER),
            (b"a\x7f", codes::NAME_CONTROL_CHARACTER),
            (b"a\xc2\x85", codes::NAME_CONTROL_CHARACTER),
            (b"\xff\xfe", codes::NAME_NOT_UTF8),
            (b"caf\x82", codes::NAME_NOT_UTF8),
            (b"a//b", codes::NAME_NOT_CANONICAL),
            (b"./a", codes::NAME_NOT_CANONICAL),
            (b"a/./b", codes::NAME_NOT_CANONICAL),
            (b"a//", codes::NAME_NOT_CANONICAL),
            (b"/", codes::NAME_ABSOLUTE),
        ];
        for (raw, code) in cases {
            assert_eq!(code_of(raw).as_deref(), Some(*code), "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn names_too_long_to_unpack_are_refused() {
        let component = "a".repeat(MAX_COMPONENT_BYTES);
        assert_eq!(code_of(component.as_bytes()), None, "255 bytes is a file name every file system takes");
        assert_eq!(code_of(format!("src/{component}").as_bytes()), None);
        let long_component = "b".repeat(MAX_COMPONENT_BYTES + 1);
        assert_eq!(code_of(format!("src/{long_component}/x.py").as_bytes()).as_deref(), Some(codes::NAME_TOO_LONG));
        // 255 bytes of a two-byte letter is 127 letters and a half: counted in bytes, as file systems do.
        assert_eq!(code_of("é".repeat(128).as_bytes()).as_deref(), Some(codes::NAME_TOO_LONG));
        let deep = "abcdefghi/".repeat(102) + "app.py";
        assert!(deep.len() > MAX_NAME_BYTES);
        let finding = decode(deep.as_bytes(), false).unwrap_err();
        assert_eq!(finding.code, codes::NAME_TOO_LONG);
        assert_eq!(finding.path, deep, "the finding names the whole file");
        assert!(finding.message.len() < 300, "the message shows the start of the name: {}", finding.message);
        assert_eq!(code_of("x/".repeat(511).as_bytes()), None, "1,022 bytes of folders is still fine");
    }

    #[test]
    fn the_utf8_flag_is_respected_but_not_required() {
        assert!(decode("été".as_bytes(), false).is_ok(), "many tools omit the flag");
        assert!(decode("été".as_bytes(), true).is_ok());
        let finding = decode(b"caf\xe9", true).unwrap_err();
        assert_eq!(finding.code, codes::NAME_NOT_UTF8);
        assert!(finding.message.contains("marked UTF-8"), "{}", finding.message);
    }

    fn clash_codes(names: &[(&str, bool)]) -> Vec<String> {
        collisions(names).into_iter().map(|finding| finding.code).collect()
    }

    #[test]
    fn clashes_are_found() {
        assert!(clash_codes(&[("a", false), ("b/", true), ("b/a", false), ("ab", false), ("a.b/c", false)]).is_empty());
        assert_eq!(clash_codes(&[("a", false), ("a", false)]), [codes::NAME_DUPLICATE]);
        assert_eq!(clash_codes(&[("d/", true), ("d/", true)]), [codes::NAME_DUPLICATE]);
        assert_eq!(clash_codes(&[("README", false), ("readme", false)]), [codes::NAME_CASE_COLLISION]);
        assert_eq!(clash_codes(&[("Été", false), ("été", false)]), [codes::NAME_CASE_COLLISION]);
        assert_eq!(clash_codes(&[("a", false), ("a/", true)]), [codes::NAME_FILE_AND_FOLDER]);
        assert_eq!(clash_codes(&[("a", false), ("a!", false), ("a/b", false)]), [codes::NAME_FILE_AND_FOLDER]);
        assert_eq!(clash_codes(&[("x/a/b/c", false), ("X/A", false)]), [codes::NAME_FILE_AND_FOLDER]);
        assert!(clash_codes(&[("a/", true), ("a/b", false), ("a/b/", true)])
            .contains(&codes::NAME_FILE_AND_FOLDER.to_owned()));
    }

    #[test]
    fn deep_long_names_stay_fast() {
        // Quadratic work per name would take minutes here.
        let deep = "a/".repeat(30_000) + "f";
        let names: Vec<(&str, bool)> = vec![(deep.as_str(), false), ("a", false)];
        assert_eq!(clash_codes(&names), [codes::NAME_FILE_AND_FOLDER]);
    }
}
