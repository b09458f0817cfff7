//! The finding codes of the archive reader. They are part of the API (clients match on them), so a
//! code never changes meaning; add new ones rather than reuse old ones.

// The file as a whole.
/// Neither an end of central directory record nor a local file header at offset 0.
pub const NOT_ZIP: &str = "archive.not_zip";
/// The file ends before what its records describe.
pub const TRUNCATED: &str = "archive.truncated";
/// Bytes after the end of central directory record and its comment.
pub const TRAILING_DATA: &str = "archive.trailing_data";
/// The archive comment holds another end record signature: readers disagree on where the archive ends.
pub const AMBIGUOUS_END: &str = "archive.ambiguous_end";
/// Bytes before the first entry (a self-extracting stub, or something glued to the front).
pub const PREPENDED_DATA: &str = "archive.prepended_data";
/// Bytes between entries, or between the last entry and the central directory, that no record
/// accounts for.
pub const GAP: &str = "archive.gap";
/// A split or spanned archive.
pub const MULTI_DISK: &str = "archive.multi_disk";
/// Zip64 records: only needed past 4 GiB or 65,535 entries, both out of scope for bundles.
pub const ZIP64: &str = "archive.zip64";

// The central directory.
/// A central directory record that is cut short or does not start with its signature.
pub const BAD_CENTRAL_DIRECTORY: &str = "archive.bad_central_directory";
/// The end record's entry count disagrees with the records in the central directory.
pub const ENTRY_COUNT_MISMATCH: &str = "archive.entry_count_mismatch";
pub const TOO_MANY_ENTRIES: &str = "archive.too_many_entries";
/// More findings than are worth listing; the list stops there.
pub const TOO_MANY_PROBLEMS: &str = "archive.too_many_problems";

// Entries.
pub const ENCRYPTED: &str = "archive.encrypted";
/// A compression method other than stored (0) and deflated (8).
pub const UNSUPPORTED_METHOD: &str = "archive.unsupported_method";
pub const SYMLINK: &str = "archive.symlink";
/// A device, FIFO, socket or unknown file type.
pub const SPECIAL_FILE: &str = "archive.special_file";
/// A directory entry with data in it.
pub const DIRECTORY_HAS_DATA: &str = "archive.directory.has_data";
/// An entry whose attributes say directory but whose name does not end with `/`.
pub const DIRECTORY_NO_SLASH: &str = "archive.directory.no_slash";

// Names.
pub const NAME_EMPTY: &str = "archive.name.empty";
pub const NAME_NOT_UTF8: &str = "archive.name.not_utf8";
pub const NAME_CONTROL_CHARACTER: &str = "archive.name.control_character";
pub const NAME_ABSOLUTE: &str = "archive.name.absolute";
pub const NAME_BACKSLASH: &str = "archive.name.backslash";
pub const NAME_DRIVE_LETTER: &str = "archive.name.drive_letter";
/// A `..` component: the entry would land outside the folder it is unpacked into.
pub const NAME_TRAVERSAL: &str = "archive.name.traversal";
/// A `.` component or an empty one (`a//b`): two spellings of one path.
pub const NAME_NOT_CANONICAL: &str = "archive.name.not_canonical";
/// A name longer than [`MAX_NAME_BYTES`](super::MAX_NAME_BYTES), or with a component (a file or
/// folder name) longer than [`MAX_COMPONENT_BYTES`](super::MAX_COMPONENT_BYTES): it would not unpack.
pub const NAME_TOO_LONG: &str = "archive.name.too_long";
pub const NAME_DUPLICATE: &str = "archive.name.duplicate";
/// An Info-ZIP Unicode Path extra field naming the entry differently from its header: some tools
/// unpack it under one name, some under the other.
pub const NAME_AMBIGUOUS: &str = "archive.name.ambiguous";
/// Two names that differ only in letter case: one overwrites the other on macOS and Windows.
pub const NAME_CASE_COLLISION: &str = "archive.name.case_collision";
/// One name used both as a file and as a folder (`a` and `a/`, or `a` and `a/b`).
pub const NAME_FILE_AND_FOLDER: &str = "archive.name.file_and_folder";

// Sizes and data.
/// Two entries' bytes overlap, or an entry runs into the central directory: the shape of the
/// "overlapping files" zip bomb.
pub const OVERLAPPING_ENTRIES: &str = "archive.overlapping_entries";
/// More uncompressed bytes in total than the limit for an archive of this size.
pub const TOO_LARGE_UNCOMPRESSED: &str = "archive.too_large_uncompressed";
/// A large entry that compresses implausibly well.
pub const SUSPICIOUS_RATIO: &str = "archive.suspicious_ratio";
/// An entry's data is not the size its headers declare.
pub const SIZE_MISMATCH: &str = "archive.size_mismatch";
pub const CRC_MISMATCH: &str = "archive.crc_mismatch";
/// Deflated data that does not inflate.
pub const CORRUPT_DATA: &str = "archive.corrupt_data";
/// A local file header missing, or disagreeing with its central directory header.
pub const HEADER_MISMATCH: &str = "archive.header_mismatch";
/// A data descriptor cut short or disagreeing with the central directory.
pub const DESCRIPTOR_MISMATCH: &str = "archive.descriptor_mismatch";
/// An entry larger than the caller of `extract_entry` allows.
pub const ENTRY_TOO_LARGE: &str = "archive.entry_too_large";

/// Every code above, for tests and documentation.
pub const ALL: &[&str] = &[
    NOT_ZIP,
    TRUNCATED,
    TRAILING_DATA,
    AMBIGUOUS_END,
    PREPENDED_DATA,
    GAP,
    MULTI_DISK,
    ZIP64,
    BAD_CENTRAL_DIRECTORY,
    ENTRY_COUNT_MISMATCH,
    TOO_MANY_ENTRIES,
    TOO_MANY_PROBLEMS,
    ENCRYPTED,
    UNSUPPORTED_METHOD,
    SYMLINK,
    SPECIAL_FILE,
    DIRECTORY_HAS_DATA,
    DIRECTORY_NO_SLASH,
    NAME_EMPTY,
    NAME_NOT_UTF8,
    NAME_CONTROL_CHARACTER,
    NAME_ABSOLUTE,
    NAME_BACKSLASH,
    NAME_DRIVE_LETTER,
    NAME_TRAVERSAL,
    NAME_NOT_CANONICAL,
    NAME_AMBIGUOUS,
    NAME_DUPLICATE,
    NAME_CASE_COLLISION,
    NAME_FILE_AND_FOLDER,
    OVERLAPPING_ENTRIES,
    TOO_LARGE_UNCOMPRESSED,
    SUSPICIOUS_RATIO,
    SIZE_MISMATCH,
    CRC_MISMATCH,
    CORRUPT_DATA,
    HEADER_MISMATCH,
    DESCRIPTOR_MISMATCH,
    ENTRY_TOO_LARGE,
];

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_namespaced() {
        let mut seen = std::collections::HashSet::new();
        for code in super::ALL {
            assert!(code.starts_with("archive."), "{code}");
            assert!(seen.insert(code), "{code} is listed twice");
        }
    }
}
