//! The structural pass: find the central directory from the end of the file, read it, and refuse an
//! archive from its directory alone whenever that is possible (names, types, methods, overlaps,
//! declared sizes). Its cost depends on the number of entries, not on their size.

use super::codes;
use super::entry::{ambiguous_name, Entry, Method};
use super::format::{
    flags, method_name, u32_at, unicode_path, unix, CentralHeader, EndRecord, DOS_DIRECTORY,
    END_OF_CENTRAL_DIRECTORY_LEN, HOSTS_WITH_DOS_ATTRIBUTES, HOSTS_WITH_UNIX_MODE, LOCAL_HEADER_LEN,
    LOCAL_HEADER_SIGNATURE, MAX_COMMENT_LEN, METHOD_AES, METHOD_DEFLATED, METHOD_STORED, ZIP64_LOCATOR_LEN,
    ZIP64_LOCATOR_SIGNATURE,
};
use super::limits::Limits;
use super::names;
use crate::api::Finding;

/// How many bytes from the end of the file [`locate_central_directory`] needs: the end record, the
/// longest comment, and the zip64 locator that may precede the record (read only to refuse zip64).
pub const TAIL_LEN: u64 = (END_OF_CENTRAL_DIRECTORY_LEN + MAX_COMMENT_LEN + ZIP64_LOCATOR_LEN) as u64;

/// Past this many findings an archive is plainly broken; the list stops with one more that says so.
const MAX_FINDINGS: usize = 100;

/// Where the central directory is, as the end record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CentralDirectoryLocation {
    /// Offset of the first central directory header.
    pub offset: u64,
    /// Length in bytes: read `[offset, offset + size)` and give it to [`read_central_directory`].
    pub size: u64,
    /// The entry count the end record declares.
    pub entries: u64,
    /// Offset of the end of central directory record; the directory ends exactly here.
    pub end_record_offset: u64,
}

/// Finds the end of central directory record in `tail`, the last bytes of the file: the last
/// [`TAIL_LEN`] bytes, or the whole file when it is shorter.
pub fn locate_central_directory(file_len: u64, tail: &[u8]) -> Result<CentralDirectoryLocation, Finding> {
    let Some(tail_start) = file_len.checked_sub(tail.len() as u64) else {
        return Err(archive_error(
            codes::TRUNCATED,
            format!(
                "{} bytes were read from the end of a {file_len}-byte file; the file changed while it was read, check it again",
                tail.len()
            ),
        ));
    };
    if file_len == 0 {
        return Err(not_zip("the file is empty"));
    }
    let (at, record) = find_end_record(tail_start, tail)?;
    let end_record_offset = tail_start + at as u64;
    let locator_at = at.checked_sub(ZIP64_LOCATOR_LEN);
    let has_locator = locator_at
        .and_then(|locator_at| u32_at(tail, locator_at))
        .is_some_and(|signature| signature == ZIP64_LOCATOR_SIGNATURE);
    if has_locator || record.wants_zip64() {
        return Err(zip64_error("the archive"));
    }
    if record.disk != 0 || record.directory_disk != 0 || record.entries_on_disk != record.entries {
        return Err(archive_error(
            codes::MULTI_DISK,
            "the archive is split across several files (a multi-disk or spanned zip); join it into one zip, \
             or re-create it with `wavehub bundle`",
        ));
    }
    let offset = u64::from(record.directory_offset);
    let size = u64::from(record.directory_size);
    let directory_end = offset + size; // two u32 values: no overflow
    if directory_end > end_record_offset {
        return Err(archive_error(
            codes::TRUNCATED,
            format!(
                "the central directory is said to span bytes {offset}..{directory_end}, but the end record starts at byte \
                 {end_record_offset}: the archive is damaged or cut short; re-create or upload it again"
            ),
        ));
    }
    if directory_end < end_record_offset {
        let extra = end_record_offset - directory_end;
        return Err(archive_error(
            codes::PREPENDED_DATA,
            format!(
                "{extra} bytes of the file come before or inside the zip data without being part of it (a self-extracting \
                 archive, or data glued to the front of a zip); a .wave bundle is a plain zip file: create it with `wavehub bundle`"
            ),
        ));
    }
    Ok(CentralDirectoryLocation { offset, size, entries: u64::from(record.entries), end_record_offset })
}

/// The end record: the last end-record signature in the file, which is the one every zip reader
/// takes (Python's zipfile and Go's archive/zip search backwards for it). Its comment must end
/// exactly at the end of the file. When it does not, says why: bytes appended after the archive,
/// a comment that hides a second signature (readers would disagree on where the archive ends), a
/// cut-short file, or no zip at all.
fn find_end_record(tail_start: u64, tail: &[u8]) -> Result<(usize, EndRecord), Finding> {
    let end_of = |at: usize, record: &EndRecord| at + END_OF_CENTRAL_DIRECTORY_LEN + usize::from(record.comment_len);
    let mut candidates = tail
        .len()
        .checked_sub(END_OF_CENTRAL_DIRECTORY_LEN)
        .map(|last| (last.saturating_sub(MAX_COMMENT_LEN)..=last).rev())
        .into_iter()
        .flatten()
        .filter_map(|at| Some((at, tail.get(at..).and_then(EndRecord::parse)?)));
    let Some((last_at, last)) = candidates.next() else {
        return Err(no_end_record(tail_start, tail));
    };
    let last_end = end_of(last_at, &last);
    if last_end == tail.len() {
        // A signature too close to the end to be a record still makes some readers fail.
        let comment = tail.get(last_at + END_OF_CENTRAL_DIRECTORY_LEN..).unwrap_or(&[]);
        if comment.windows(4).any(|window| window == b"PK\x05\x06") {
            return Err(ambiguous_end());
        }
        return Ok((last_at, last));
    }
    // An earlier record that fits is the real end; the last signature is after it.
    let earlier = candidates.find(|(at, record)| end_of(*at, record) <= tail.len());
    match earlier {
        Some((at, record)) if end_of(at, &record) == tail.len() => Err(ambiguous_end()),
        Some((at, record)) => Err(trailing(tail.len() - end_of(at, &record))),
        None if last_end < tail.len() => Err(trailing(tail.len() - last_end)),
        None => Err(cut_short()),
    }
}

fn ambiguous_end() -> Finding {
    archive_error(
        codes::AMBIGUOUS_END,
        "the archive comment contains an end-of-archive signature, so zip tools disagree on where the archive ends \
         and what it holds; remove the comment, or re-create the archive with `wavehub bundle`",
    )
}

fn trailing(len: usize) -> Finding {
    archive_error(
        codes::TRAILING_DATA,
        format!(
            "the file has {len} bytes after the end of the zip archive; a .wave bundle is a plain zip file. Remove \
             what was appended, or re-create it with `wavehub bundle`"
        ),
    )
}

/// Why there is no end record. Zip signatures elsewhere mean a zip that lost its end (an incomplete
/// upload); without them the file is something else.
fn no_end_record(tail_start: u64, tail: &[u8]) -> Finding {
    let starts_like_a_zip = if tail_start == 0 {
        u32_at(tail, 0) == Some(LOCAL_HEADER_SIGNATURE)
    } else {
        tail.windows(4).any(|window| matches!(window, b"PK\x03\x04" | b"PK\x01\x02" | b"PK\x07\x08"))
    };
    if starts_like_a_zip {
        cut_short()
    } else if tail_start == 0 {
        not_zip("it has no zip records")
    } else {
        not_zip("it has no end of central directory record, so it is not a zip or it was cut short")
    }
}

fn not_zip(why: &str) -> Finding {
    archive_error(
        codes::NOT_ZIP,
        format!("this is not a zip archive ({why}): a .wave bundle is a zip file; create it with `wavehub bundle`"),
    )
}

fn cut_short() -> Finding {
    archive_error(
        codes::TRUNCATED,
        "the zip archive is cut short: its end is missing (an incomplete download or upload?); upload the whole file again",
    )
}

fn zip64_error(what: &str) -> Finding {
    archive_error(
        codes::ZIP64,
        format!(
            "{what} uses zip64 records, which only archives over 4 GiB or 65,535 entries need; bundles are smaller than \
             that, so re-create it without zip64 (e.g. with `wavehub bundle`)"
        ),
    )
}

fn archive_error(code: &str, message: impl Into<String>) -> Finding {
    Finding::error(code, "", message)
}

fn entry_error(code: &str, name: &str, message: impl Into<String>) -> Finding {
    Finding::error(code, name, message).in_file(name)
}

/// The central directory, checked: every entry passed the rules, so the names are unique, entries do
/// not overlap, and declared sizes are within the limits. Whether the data matches the declared
/// sizes and CRCs is for [`IntegrityCheck`](super::IntegrityCheck) to find out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    /// The entries in central directory order. Read them, do not change them: [`find`](Self::find)
    /// and the integrity pass index into this list.
    pub entries: Vec<Entry>,
    /// Indexes into `entries` by local header offset: the order the bytes come in.
    pub(super) in_file_order: Vec<usize>,
    /// Indexes into `entries` sorted by name, for [`Directory::find`].
    by_name: Vec<usize>,
    pub(super) directory_offset: u64,
    pub(super) file_len: u64,
    total_uncompressed: u64,
}

impl Directory {
    /// The entry named exactly `name` (a directory's name ends with `/`).
    pub fn find(&self, name: &str) -> Option<&Entry> {
        let name_at = |index: usize| self.entries.get(index).map_or("", |entry| entry.name.as_str());
        let at = self.by_name.binary_search_by(|&index| name_at(index).cmp(name)).ok()?;
        self.by_name.get(at).and_then(|&index| self.entries.get(index))
    }

    /// The sum of the entries' declared uncompressed sizes.
    pub fn total_uncompressed(&self) -> u64 {
        self.total_uncompressed
    }

    /// The entries in the order their bytes come in the file.
    pub fn entries_in_file_order(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.in_file_order.iter().filter_map(|&index| self.entries.get(index))
    }

    /// The length of the file the directory was read from.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }
}

/// Collects findings up to [`MAX_FINDINGS`].
struct Findings {
    list: Vec<Finding>,
    dropped: usize,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(finding);
        } else {
            self.dropped += 1;
        }
    }

    fn into_result<T>(self, ok: impl FnOnce() -> T) -> Result<T, Vec<Finding>> {
        let Findings { mut list, dropped } = self;
        if dropped > 0 {
            list.push(archive_error(
                codes::TOO_MANY_PROBLEMS,
                format!("{dropped} more problems like the ones above were found; fix those and check again"),
            ));
        }
        if list.is_empty() {
            Ok(ok())
        } else {
            Err(list)
        }
    }
}

/// An entry as read from its central directory header, before it has passed the rules.
struct Draft {
    name: String,
    name_len: u64,
    is_dir: bool,
    method: u16,
    flags: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_header_offset: u64,
}

/// Reads and checks the central directory: `cd` holds the `location.size` bytes at
/// `location.offset`. Returns every problem found (up to a hundred), not just the first.
pub fn read_central_directory(
    file_len: u64,
    location: &CentralDirectoryLocation,
    cd: &[u8],
    limits: &Limits,
) -> Result<Directory, Vec<Finding>> {
    // The location is the caller's to hand back, so its sums are checked again here.
    let location_fits = location.offset.checked_add(location.size) == Some(location.end_record_offset)
        && location
            .end_record_offset
            .checked_add(END_OF_CENTRAL_DIRECTORY_LEN as u64)
            .is_some_and(|end| end <= file_len);
    if !location_fits || cd.len() as u64 != location.size {
        return Err(vec![archive_error(
            codes::TRUNCATED,
            format!(
                "{} bytes of central directory were read where {} were expected at byte {} of a {file_len}-byte file; \
                 the file changed while it was read, check it again",
                cd.len(),
                location.size,
                location.offset
            ),
        )]);
    }
    if location.entries > limits.max_entries as u64 {
        return Err(vec![too_many_entries(location.entries, limits)]);
    }
    let headers = parse_headers(location, cd, limits)?;

    // Zip64 and multi-disk entries have sizes and offsets elsewhere: nothing else about them means
    // anything, so stop at the first.
    for header in &headers {
        let name = String::from_utf8_lossy(header.name);
        if header.wants_zip64() {
            let finding = zip64_error(&format!("the entry {name:?}"));
            return Err(vec![Finding { path: name.clone().into_owned(), ..finding }.in_file(&name)]);
        }
        if header.disk_start != 0 {
            return Err(vec![entry_error(
                codes::MULTI_DISK,
                &name,
                format!("the entry {name:?} starts on another disk of a split archive; join the parts into one zip"),
            )]);
        }
    }

    let mut findings = Findings { list: Vec::new(), dropped: 0 };
    let drafts: Vec<Draft> = headers.iter().map(|header| check_header(header, limits, &mut findings)).collect();

    let names: Vec<(&str, bool)> = drafts.iter().map(|draft| (draft.name.as_str(), draft.is_dir)).collect();
    for finding in names::collisions(&names) {
        findings.push(finding);
    }

    let mut in_file_order: Vec<usize> = (0..drafts.len()).collect();
    in_file_order.sort_by_key(|&index| drafts[index].local_header_offset);
    let range_ends = check_layout(&drafts, &in_file_order, location.offset, &mut findings);

    let total_uncompressed = drafts.iter().fold(0u64, |total, draft| total.saturating_add(draft.uncompressed_size));
    if let Some(finding) = limits.check_total(total_uncompressed, file_len) {
        findings.push(finding);
    }

    findings.into_result(|| {
        let entries: Vec<Entry> = drafts
            .into_iter()
            .zip(range_ends)
            .map(|(draft, range_end)| Entry {
                name: draft.name,
                is_dir: draft.is_dir,
                method: if draft.method == METHOD_DEFLATED { Method::Deflated } else { Method::Stored },
                compressed_size: draft.compressed_size,
                uncompressed_size: draft.uncompressed_size,
                crc32: draft.crc32,
                local_header_offset: draft.local_header_offset,
                flags: draft.flags,
                range_end,
            })
            .collect();
        let mut by_name: Vec<usize> = (0..entries.len()).collect();
        by_name.sort_by(|&a, &b| entries[a].name.cmp(&entries[b].name));
        Directory { entries, in_file_order, by_name, directory_offset: location.offset, file_len, total_uncompressed }
    })
}

fn too_many_entries(count: u64, limits: &Limits) -> Finding {
    archive_error(
        codes::TOO_MANY_ENTRIES,
        format!(
            "the archive has {count} entries or more; a bundle may hold at most {}. Leave files out with .appignore",
            limits.max_entries
        ),
    )
}

/// Splits the central directory into its headers and checks their count against the end record.
fn parse_headers<'a>(
    location: &CentralDirectoryLocation,
    cd: &'a [u8],
    limits: &Limits,
) -> Result<Vec<CentralHeader<'a>>, Vec<Finding>> {
    // `location.entries` is at most `max_entries` here, so this allocation is bounded.
    let mut headers = Vec::with_capacity(usize::try_from(location.entries).unwrap_or(0));
    let mut at = 0usize;
    while at < cd.len() {
        if headers.len() >= limits.max_entries {
            return Err(vec![too_many_entries(headers.len() as u64 + 1, limits)]);
        }
        let Some(header) = CentralHeader::parse(cd, at) else {
            return Err(vec![archive_error(
                codes::BAD_CENTRAL_DIRECTORY,
                format!(
                    "the central directory is damaged at byte {} (record {} is cut short or has no signature); \
                     re-create the archive",
                    location.offset + at as u64,
                    headers.len() + 1
                ),
            )]);
        };
        at += header.record_len;
        headers.push(header);
    }
    if headers.len() as u64 != location.entries {
        return Err(vec![archive_error(
            codes::ENTRY_COUNT_MISMATCH,
            format!(
                "the end record says the archive has {} entries but its central directory lists {}; the archive is \
                 damaged, re-create it",
                location.entries,
                headers.len()
            ),
        )]);
    }
    Ok(headers)
}

/// The rules on one entry that its central directory header alone decides.
fn check_header(header: &CentralHeader<'_>, limits: &Limits, findings: &mut Findings) -> Draft {
    let name = match names::decode(header.name, header.flags & flags::UTF8 != 0) {
        Ok(name) => name,
        Err(finding) => {
            findings.push(finding);
            String::from_utf8_lossy(header.name).into_owned()
        }
    };
    let named_as_dir = name.ends_with('/');
    let draft = Draft {
        is_dir: named_as_dir,
        name_len: header.name.len() as u64,
        method: header.method,
        flags: header.flags,
        crc32: header.crc32,
        compressed_size: u64::from(header.compressed_size),
        uncompressed_size: u64::from(header.uncompressed_size),
        local_header_offset: u64::from(header.local_header_offset),
        name,
    };
    let name = draft.name.as_str();

    if let Some(other) = unicode_path(header.extra).filter(|other| *other != header.name) {
        findings.push(ambiguous_name(name, other));
    }
    let encrypted = header.flags & flags::ANY_ENCRYPTION != 0 || header.method == METHOD_AES;
    if encrypted {
        findings.push(entry_error(
            codes::ENCRYPTED,
            name,
            format!("{name} is encrypted; bundles cannot hold password-protected files. Re-create the archive without a password"),
        ));
    } else if header.method != METHOD_STORED && header.method != METHOD_DEFLATED {
        findings.push(entry_error(
            codes::UNSUPPORTED_METHOD,
            name,
            format!(
                "{name} is compressed with {} (method {}); bundles may only use deflate or no compression. \
                 Re-create the archive with `wavehub bundle` or your zip tool's default settings",
                method_name(header.method),
                header.method
            ),
        ));
    } else if header.method == METHOD_STORED && draft.compressed_size != draft.uncompressed_size {
        findings.push(entry_error(
            codes::SIZE_MISMATCH,
            name,
            format!(
                "{name} is stored without compression, yet its sizes differ ({} bytes stored, {} bytes declared); the \
                 archive is damaged, re-create it",
                draft.compressed_size, draft.uncompressed_size
            ),
        ));
    }

    match file_type(header) {
        FileType::Symlink => findings.push(entry_error(
            codes::SYMLINK,
            name,
            format!("{name} is a symbolic link; bundles hold regular files only. Replace the link with the file it points to"),
        )),
        FileType::Special(kind) => findings.push(entry_error(
            codes::SPECIAL_FILE,
            name,
            format!("{name} is a {kind}, not a regular file; remove it from the bundle"),
        )),
        FileType::Directory if !named_as_dir => findings.push(entry_error(
            codes::DIRECTORY_NO_SLASH,
            name,
            format!("{name} is a directory whose name does not end with `/`; re-create the archive with `wavehub bundle`"),
        )),
        FileType::Directory | FileType::Regular | FileType::Unknown => {}
    }
    if named_as_dir && draft.uncompressed_size != 0 {
        findings.push(entry_error(
            codes::DIRECTORY_HAS_DATA,
            name,
            format!(
                "{name} is a directory (its name ends with `/`) but holds {} bytes; rename it if it is a file",
                draft.uncompressed_size
            ),
        ));
    }
    if let Some(finding) = limits.check_entry(name, draft.uncompressed_size, draft.compressed_size) {
        findings.push(finding);
    }
    draft
}

enum FileType {
    Regular,
    Directory,
    Symlink,
    Special(&'static str),
    /// No type recorded (Unix mode 0, or a host whose attributes say nothing about it).
    Unknown,
}

/// The file type the external attributes record: the Unix mode when a Unix-like host wrote the
/// entry, the MS-DOS directory bit when a DOS-like one did.
fn file_type(header: &CentralHeader<'_>) -> FileType {
    let host = header.host();
    if HOSTS_WITH_UNIX_MODE.contains(&host) {
        return match (header.external_attributes >> 16) & unix::TYPE_MASK {
            0 => FileType::Unknown,
            unix::REGULAR => FileType::Regular,
            unix::DIRECTORY => FileType::Directory,
            unix::SYMLINK => FileType::Symlink,
            unix::CHARACTER_DEVICE => FileType::Special("character device"),
            unix::BLOCK_DEVICE => FileType::Special("block device"),
            unix::FIFO => FileType::Special("named pipe (FIFO)"),
            unix::SOCKET => FileType::Special("socket"),
            _ => FileType::Special("file of an unknown type"),
        };
    }
    if HOSTS_WITH_DOS_ATTRIBUTES.contains(&host) && header.external_attributes & DOS_DIRECTORY != 0 {
        FileType::Directory
    } else {
        FileType::Unknown
    }
}

/// Checks that entries, taken in file order, neither overlap each other nor run into the central
/// directory, and that nothing precedes the first. Returns where each entry's byte range ends: the
/// next entry's local header, or the central directory.
///
/// An entry takes at least its local header's fixed part, its name (the local name must equal the
/// central one) and its compressed data; the extra field and data descriptor only add to that, and
/// the integrity pass checks the exact end.
fn check_layout(drafts: &[Draft], in_file_order: &[usize], directory_offset: u64, findings: &mut Findings) -> Vec<u64> {
    let mut range_ends = vec![directory_offset; drafts.len()];
    let first_offset = in_file_order.first().map_or(directory_offset, |&index| drafts[index].local_header_offset);
    if first_offset > 0 {
        findings.push(archive_error(
            codes::PREPENDED_DATA,
            format!(
                "the file has {first_offset} bytes before its first zip entry (a self-extracting archive, or data glued \
                 to the front of a zip); a .wave bundle is a plain zip file: create it with `wavehub bundle`"
            ),
        ));
    }
    for (position, &index) in in_file_order.iter().enumerate() {
        let draft = &drafts[index];
        let next = in_file_order.get(position + 1).map(|&next| &drafts[next]);
        let next_start = next.map_or(directory_offset, |next| next.local_header_offset);
        range_ends[index] = next_start;
        let least_end = draft
            .local_header_offset
            .checked_add(LOCAL_HEADER_LEN as u64 + draft.name_len)
            .and_then(|end| end.checked_add(draft.compressed_size));
        if least_end.is_some_and(|end| end <= next_start) {
            continue;
        }
        let name = draft.name.as_str();
        let message = match next {
            Some(next) if next.local_header_offset == draft.local_header_offset => format!(
                "{name} and {} share one local header at byte {}: two names for the same bytes is how \"overlapping \
                 files\" zip bombs work; re-create the archive",
                next.name, draft.local_header_offset
            ),
            Some(next) => format!(
                "the bytes of {name} (from byte {}) run into {}, which starts at byte {next_start}: overlapping entries \
                 are how \"overlapping files\" zip bombs work; re-create the archive",
                draft.local_header_offset, next.name
            ),
            None => format!(
                "the bytes of {name} (from byte {}) run into the central directory at byte {next_start}; the archive is \
                 damaged, re-create it",
                draft.local_header_offset
            ),
        };
        findings.push(entry_error(codes::OVERLAPPING_ENTRIES, name, message));
    }
    range_ends
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end_record(entries: u16, size: u32, offset: u32, comment: &[u8]) -> Vec<u8> {
        let mut bytes = b"PK\x05\x06\0\0\0\0".to_vec();
        bytes.extend_from_slice(&entries.to_le_bytes());
        bytes.extend_from_slice(&entries.to_le_bytes());
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(&(comment.len() as u16).to_le_bytes());
        bytes.extend_from_slice(comment);
        bytes
    }

    fn locate(bytes: &[u8]) -> Result<CentralDirectoryLocation, String> {
        let tail_len = bytes.len().min(TAIL_LEN as usize);
        locate_central_directory(bytes.len() as u64, &bytes[bytes.len() - tail_len..]).map_err(|finding| finding.code)
    }

    #[test]
    fn an_empty_archive_is_just_an_end_record() {
        let location = locate(&end_record(0, 0, 0, b"")).unwrap();
        assert_eq!(location, CentralDirectoryLocation { offset: 0, size: 0, entries: 0, end_record_offset: 0 });
        let directory = read_central_directory(22, &location, &[], &Limits::default()).unwrap();
        assert!(directory.entries.is_empty());
        assert_eq!(directory.find("x"), None);
    }

    #[test]
    fn a_signature_in_the_comment_is_ambiguous() {
        // Readers that take the last signature would read this one and fail, or find another archive.
        assert_eq!(locate(&end_record(0, 0, 0, b"see PK\x05\x06 inside")).unwrap_err(), codes::AMBIGUOUS_END);
        let mut fake = b"a comment with a fake end record: ".to_vec();
        fake.extend(end_record(0, 0, 0, b""));
        fake.extend_from_slice(b" and more");
        assert_eq!(locate(&end_record(0, 0, 0, &fake)).unwrap_err(), codes::AMBIGUOUS_END);
        // A whole second end record in the comment, ending the file: that one is the end.
        // Every reader takes the inner one, so what precedes it is unaccounted for.
        let outer = end_record(0, 0, 0, &end_record(0, 0, 0, b""));
        assert_eq!(locate(&outer).unwrap_err(), codes::PREPENDED_DATA);
    }

    #[test]
    fn what_surrounds_the_end_record_decides_the_code() {
        assert_eq!(locate(b"").unwrap_err(), codes::NOT_ZIP);
        assert_eq!(locate(b"hello, world").unwrap_err(), codes::NOT_ZIP);
        assert_eq!(locate(b"PK\x03\x04 and then nothing").unwrap_err(), codes::TRUNCATED);
        let mut trailing = end_record(0, 0, 0, b"");
        trailing.extend_from_slice(b"junk");
        assert_eq!(locate(&trailing).unwrap_err(), codes::TRAILING_DATA);
        let mut cut = end_record(0, 0, 0, b"a long comment");
        cut.truncate(cut.len() - 3);
        assert_eq!(locate(&cut).unwrap_err(), codes::TRUNCATED);
        let mut junk_with_signature = end_record(0, 0, 0, b"");
        junk_with_signature.extend_from_slice(b"junk PK\x05\x06 junk");
        assert_eq!(locate(&junk_with_signature).unwrap_err(), codes::TRAILING_DATA);
        let mut prepended = b"MZ stub".to_vec();
        prepended.extend(end_record(0, 0, 0, b""));
        assert_eq!(locate(&prepended).unwrap_err(), codes::PREPENDED_DATA);
        assert_eq!(locate(&end_record(0, 10, 0, b"")).unwrap_err(), codes::TRUNCATED);
        assert_eq!(locate(&end_record(0xFFFF, 0, 0, b"")).unwrap_err(), codes::ZIP64);
        let mut multi = end_record(0, 0, 0, b"");
        multi[4] = 1;
        assert_eq!(locate(&multi).unwrap_err(), codes::MULTI_DISK);
    }

    #[test]
    fn a_big_file_without_an_end_record_is_told_apart_by_its_signatures() {
        let mut big = vec![7u8; TAIL_LEN as usize * 2];
        let tail = &big[big.len() - TAIL_LEN as usize..];
        assert_eq!(locate_central_directory(big.len() as u64, tail).unwrap_err().code, codes::NOT_ZIP);
        let at = big.len() - 1000;
        big[at..at + 4].copy_from_slice(b"PK\x01\x02");
        let tail = &big[big.len() - TAIL_LEN as usize..];
        assert_eq!(locate_central_directory(big.len() as u64, tail).unwrap_err().code, codes::TRUNCATED);
    }

    #[test]
    fn a_tail_longer_than_the_file_is_refused() {
        assert_eq!(locate_central_directory(3, &[0; 22]).unwrap_err().code, codes::TRUNCATED);
    }

    #[test]
    fn a_location_that_does_not_add_up_is_refused() {
        let location = CentralDirectoryLocation { offset: u64::MAX, size: 10, entries: 0, end_record_offset: 0 };
        let findings = read_central_directory(100, &location, &[0; 10], &Limits::default()).unwrap_err();
        assert_eq!(findings[0].code, codes::TRUNCATED);
        let location = CentralDirectoryLocation { offset: 0, size: 10, entries: 0, end_record_offset: 10 };
        let findings = read_central_directory(100, &location, &[0; 9], &Limits::default()).unwrap_err();
        assert_eq!(findings[0].code, codes::TRUNCATED);
    }
}
