//! One entry of a checked [`Directory`](super::Directory), its local header rules (shared by both
//! passes), and extracting an entry the caller needs the content of.

use super::codes;
use super::format::{
    flags, local_zip64_sizes, unicode_path, LocalHeader, LOCAL_HEADER_LEN, METHOD_DEFLATED, METHOD_STORED,
    ZIP64_MARKER_32,
};
use super::inflate::{InflateError, Inflater};
use crate::api::Finding;

/// The most [`extract_entry`] allocates before seeing the content.
const MAX_RESERVE: u64 = 16 * 1024 * 1024;

/// How an entry's bytes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflated,
}

/// An entry as its central directory header describes it, after the structural rules passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the archive, `/`-separated; a directory's ends with `/`.
    pub name: String,
    pub is_dir: bool,
    pub method: Method,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    pub crc32: u32,
    pub local_header_offset: u64,
    /// General purpose bit flags (bit 3: a data descriptor follows the data).
    pub flags: u16,
    /// Where the next entry's local header, or the central directory, starts.
    pub(super) range_end: u64,
}

impl Entry {
    /// The bytes `[start, end)` to read to extract this entry with [`extract_entry`]: from its local
    /// header to the next entry's (or the central directory). Entries do not overlap, so this is
    /// bounded by the archive's size.
    pub fn byte_range(&self) -> (u64, u64) {
        (self.local_header_offset, self.range_end)
    }

    pub(super) fn has_data_descriptor(&self) -> bool {
        self.flags & flags::DATA_DESCRIPTOR != 0
    }
}

/// Checks that a local header agrees with the central directory: name, method, the flags that
/// change how the entry is read, and CRC and sizes unless they follow in a data descriptor (whose
/// writers leave them zero here, or some fill them in: both are accepted, as long as they agree).
/// Returns whether a data descriptor would carry 8-byte sizes (the local header has a zip64 field).
pub(super) fn check_local_header(
    entry: &Entry,
    header: &LocalHeader,
    name: &[u8],
    extra: &[u8],
) -> Result<bool, Finding> {
    let zip64 = local_zip64_sizes(extra);
    let widen = |value: u32, from_zip64: Option<u64>| match from_zip64 {
        Some(wide) if value == ZIP64_MARKER_32 => wide,
        _ => u64::from(value),
    };
    let compressed = widen(header.compressed_size, zip64.map(|(_, compressed)| compressed));
    let uncompressed = widen(header.uncompressed_size, zip64.map(|(uncompressed, _)| uncompressed));
    let method = match entry.method {
        Method::Stored => METHOD_STORED,
        Method::Deflated => METHOD_DEFLATED,
    };
    let disagreement = if name != entry.name.as_bytes() {
        Some(format!("its name is {:?}", String::from_utf8_lossy(name)))
    } else if header.method != method {
        Some(format!("its compression method is {} instead of {method}", header.method))
    } else if header.flags & flags::MUST_AGREE != entry.flags & flags::MUST_AGREE {
        Some(format!("its flags are {:#06x} instead of {:#06x}", header.flags, entry.flags))
    } else {
        let descriptor = entry.has_data_descriptor();
        let agrees = |local: u64, central: u64| local == central || (descriptor && local == 0);
        if !agrees(u64::from(header.crc32), u64::from(entry.crc32)) {
            Some(format!("its CRC-32 is {:08x} instead of {:08x}", header.crc32, entry.crc32))
        } else if !agrees(compressed, entry.compressed_size) {
            Some(format!("its compressed size is {compressed} instead of {}", entry.compressed_size))
        } else if !agrees(uncompressed, entry.uncompressed_size) {
            Some(format!("its size is {uncompressed} instead of {}", entry.uncompressed_size))
        } else {
            None
        }
    };
    if let Some(what) = disagreement {
        return Err(header_mismatch(entry, &what));
    }
    if let Some(other) = unicode_path(extra).filter(|other| *other != name) {
        return Err(ambiguous_name(&entry.name, other));
    }
    Ok(zip64.is_some())
}

/// An entry whose Unicode Path extra field names it `other`.
pub(super) fn ambiguous_name(name: &str, other: &[u8]) -> Finding {
    let other = String::from_utf8_lossy(other);
    Finding::error(
        codes::NAME_AMBIGUOUS,
        name,
        format!(
            "the entry {name:?} also carries the name {other:?} (in an Info-ZIP Unicode Path extra field), and zip \
             tools disagree on which one to use; re-create the archive with `wavehub bundle`"
        ),
    )
    .in_file(name)
}

pub(super) fn header_mismatch(entry: &Entry, what: &str) -> Finding {
    let name = &entry.name;
    Finding::error(
        codes::HEADER_MISMATCH,
        name,
        format!(
            "the local header of {name} (at byte {}) disagrees with the central directory: {what}. Two readers could \
             see different files in this archive; re-create it",
            entry.local_header_offset
        ),
    )
    .in_file(name)
}

/// The finding for an inflate failure of `entry`.
pub(super) fn inflate_finding(entry: &Entry, error: InflateError) -> Finding {
    let name = &entry.name;
    let (code, message) = match error {
        InflateError::TooLong => (
            codes::SIZE_MISMATCH,
            format!(
                "{name} inflates to more than the {} bytes its headers declare (inflating stopped there); the archive \
                 is damaged or a zip bomb",
                entry.uncompressed_size
            ),
        ),
        InflateError::EndsEarly => (
            codes::SIZE_MISMATCH,
            format!(
                "the deflate data of {name} ends before its declared compressed size of {} bytes; the archive is damaged",
                entry.compressed_size
            ),
        ),
        InflateError::CutShort => (
            codes::CORRUPT_DATA,
            format!(
                "the deflate data of {name} is cut short: it needs more than its {} compressed bytes; the archive is damaged",
                entry.compressed_size
            ),
        ),
        InflateError::Corrupt => {
            (codes::CORRUPT_DATA, format!("the compressed data of {name} is not valid deflate data; the archive is damaged"))
        }
    };
    Finding::error(code, name, message).in_file(name)
}

pub(super) fn size_short(entry: &Entry, actual: u64) -> Finding {
    let name = &entry.name;
    Finding::error(
        codes::SIZE_MISMATCH,
        name,
        format!(
            "{name} holds {actual} bytes, not the {} its headers declare; the archive is damaged",
            entry.uncompressed_size
        ),
    )
    .in_file(name)
}

pub(super) fn crc_mismatch(entry: &Entry, actual: u32) -> Finding {
    let name = &entry.name;
    Finding::error(
        codes::CRC_MISMATCH,
        name,
        format!(
            "the content of {name} does not match its checksum (CRC-32 {actual:08x}, expected {:08x}): the archive is \
             damaged, upload it again",
            entry.crc32
        ),
    )
    .in_file(name)
}

/// Extracts `entry` from `bytes`, the bytes of its [`Entry::byte_range`]: checks the local header
/// agrees with the central directory, inflates at most `max_len` bytes (an entry declaring more is
/// refused before any work), and checks the size and CRC.
pub fn extract_entry(entry: &Entry, bytes: &[u8], max_len: u64) -> Result<Vec<u8>, Finding> {
    let name = &entry.name;
    let (start, end) = entry.byte_range();
    let expected = end.saturating_sub(start);
    if bytes.len() as u64 != expected {
        return Err(Finding::error(
            codes::TRUNCATED,
            name,
            format!(
                "{} bytes were read for {name} where {expected} were expected; the file changed while it was read",
                bytes.len()
            ),
        )
        .in_file(name));
    }
    if entry.uncompressed_size > max_len {
        return Err(Finding::error(
            codes::ENTRY_TOO_LARGE,
            name,
            format!(
                "{name} is {} bytes; at most {max_len} bytes can be read here, make it smaller",
                entry.uncompressed_size
            ),
        )
        .in_file(name));
    }
    let header = LocalHeader::parse(bytes).ok_or_else(|| header_mismatch(entry, "there is no local header there"))?;
    let name_start = LOCAL_HEADER_LEN;
    let extra_start = name_start + header.name_len;
    let data_start = header.len();
    let local_name = bytes.get(name_start..extra_start).ok_or_else(|| overlapping(entry))?;
    let extra = bytes.get(extra_start..data_start).ok_or_else(|| overlapping(entry))?;
    check_local_header(entry, &header, local_name, extra)?;
    let data_end = usize::try_from(entry.compressed_size).ok().and_then(|len| data_start.checked_add(len));
    let data = data_end.and_then(|data_end| bytes.get(data_start..data_end)).ok_or_else(|| overlapping(entry))?;

    // The declared size may lie (inflating stops one byte past it), so it only sizes the first
    // allocation, up to a point; the content then grows with what really comes out.
    let reserve = entry.uncompressed_size.min(MAX_RESERVE);
    let mut content = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    let mut crc = crc32fast::Hasher::new();
    match entry.method {
        Method::Stored => content.extend_from_slice(data),
        Method::Deflated => {
            let mut inflater = Inflater::new();
            inflater.start(entry.uncompressed_size);
            inflater
                .inflate(data, true, &mut |piece: &[u8]| content.extend_from_slice(piece))
                .map_err(|error| inflate_finding(entry, error))?;
        }
    }
    if content.len() as u64 != entry.uncompressed_size {
        return Err(size_short(entry, content.len() as u64));
    }
    crc.update(&content);
    let actual = crc.finalize();
    if actual != entry.crc32 {
        return Err(crc_mismatch(entry, actual));
    }
    Ok(content)
}

pub(super) fn overlapping(entry: &Entry) -> Finding {
    let name = &entry.name;
    Finding::error(
        codes::OVERLAPPING_ENTRIES,
        name,
        format!(
            "the local header or data of {name} runs past byte {}, where the next entry or the central directory starts; \
             overlapping entries are how \"overlapping files\" zip bombs work, re-create the archive",
            entry.range_end
        ),
    )
    .in_file(name)
}
