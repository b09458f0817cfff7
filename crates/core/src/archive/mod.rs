//! Reading zip archives safely: the structural pass and the integrity pass.
//!
//! A `.wave` bundle is a zip file uploaded by anyone, so nothing in it is trusted. Reading it is
//! sans-IO (the browser reads a `File` in async slices, the server a temporary file) and split in
//! two passes:
//!
//! 1. **Structural** ([`locate_central_directory`], [`read_central_directory`], [`extract_entry`]):
//!    reads the last [`TAIL_LEN`] bytes, the central directory, and the few entries the caller asks
//!    for by [`Entry::byte_range`]. It refuses from the directory alone what it can: bad names,
//!    links, encryption, unsupported methods, overlapping entries, declared sizes over the
//!    [`Limits`]. Its cost does not grow with the size of the entries.
//! 2. **Integrity** ([`IntegrityCheck`]): streams every byte once with fixed memory, checking each
//!    local header against the directory, each entry's real size and CRC, and that no byte sits
//!    outside a record.
//!
//! [`check_archive`] runs both over an archive in memory.
//!
//! Where zip readers could disagree about what an archive holds (which end record counts, a local
//! header that says something else than the central directory, a second name in an extra field,
//! bytes no record accounts for), the archive is refused: what the server checked must be what
//! every tool unpacks.
//!
//! Files: `format.rs` (the on-disk records and signatures), `directory.rs` (structural pass),
//! `names.rs` (name rules), `limits.rs`, `entry.rs` (local header rules, extraction), `inflate.rs`
//! (bounded-memory inflate), `integrity.rs` (streaming pass), `codes.rs` (finding codes).
//!
//! Zip64 is refused ([`codes::ZIP64`]): bundles are under 4 GiB and 10,000 entries, and a smaller
//! format is a smaller attack surface. Local headers with a zip64 extra field (streaming writers add
//! one) are read, as long as the central directory needs no zip64.
//!
//! Findings use the codes in [`codes`]; archive-wide findings have an empty `path`, findings about an
//! entry have its name as `path` and `file`.

pub mod codes;
mod directory;
mod entry;
mod format;
mod inflate;
mod integrity;
mod limits;
mod names;

pub use directory::{locate_central_directory, read_central_directory, CentralDirectoryLocation, Directory, TAIL_LEN};
pub use entry::{extract_entry, Entry, Method};
pub use integrity::IntegrityCheck;
pub use limits::Limits;
pub use names::{MAX_COMPONENT_BYTES, MAX_NAME_BYTES};
pub(crate) use names::{shorten as shorten_name, too_long as name_too_long};

use crate::api::Finding;

/// Both passes over an archive held in memory (tests, fuzzing, small uploads). Returns the directory
/// when the archive passes, else every problem the structural pass found, or the integrity pass's
/// first.
pub fn check_archive(bytes: &[u8], limits: &Limits) -> Result<Directory, Vec<Finding>> {
    let file_len = bytes.len() as u64;
    let tail_len = bytes.len().min(usize::try_from(TAIL_LEN).unwrap_or(usize::MAX));
    let tail = &bytes[bytes.len() - tail_len..];
    let location = locate_central_directory(file_len, tail).map_err(|finding| vec![finding])?;
    let cd = usize::try_from(location.offset)
        .ok()
        .zip(usize::try_from(location.offset.saturating_add(location.size)).ok())
        .and_then(|(start, end)| bytes.get(start..end))
        .unwrap_or(&[]);
    let directory = read_central_directory(file_len, &location, cd, limits)?;
    let verdict = {
        let mut integrity = IntegrityCheck::new(&directory, file_len);
        integrity.feed(bytes).and_then(|()| integrity.finish())
    };
    verdict.map(|()| directory).map_err(|finding| vec![finding])
}
