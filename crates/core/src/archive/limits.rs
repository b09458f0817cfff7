//! How much an archive may hold. The structural pass checks these against the central directory
//! before any byte is inflated, so a zip bomb is refused from its declared sizes; the integrity pass
//! then makes sure the declared sizes are the real ones.

use super::codes;
use crate::api::Finding;

const MIB: u64 = 1024 * 1024;

/// Limits on what an archive may hold. [`Limits::default`] is what the server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most entries (files and directories).
    pub max_entries: usize,
    /// Total uncompressed bytes allowed whatever the archive's size...
    pub min_total_uncompressed: u64,
    /// ...or this many times the archive's size, when that is more.
    pub total_ratio: u64,
    /// Entries above this many uncompressed bytes must not compress better than `big_entry_ratio`.
    pub big_entry: u64,
    pub big_entry_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            min_total_uncompressed: 512 * MIB,
            total_ratio: 20,
            big_entry: 64 * MIB,
            big_entry_ratio: 50,
        }
    }
}

impl Limits {
    /// The most uncompressed bytes an archive of `file_len` bytes may hold.
    pub fn max_total_uncompressed(&self, file_len: u64) -> u64 {
        self.min_total_uncompressed.max(self.total_ratio.saturating_mul(file_len))
    }

    /// Refuses a total above [`max_total_uncompressed`](Self::max_total_uncompressed).
    pub(super) fn check_total(&self, total: u64, file_len: u64) -> Option<Finding> {
        let max = self.max_total_uncompressed(file_len);
        (total > max).then(|| {
            Finding::error(
                codes::TOO_LARGE_UNCOMPRESSED,
                "",
                format!(
                    "the archive unpacks to {} bytes, more than the {max} bytes allowed for a {file_len}-byte archive \
                     (the larger of {} bytes and {} times its size); leave large files out of the bundle",
                    total, self.min_total_uncompressed, self.total_ratio
                ),
            )
        })
    }

    /// Refuses a big entry that compresses implausibly well: real files above `big_entry` rarely
    /// shrink more than `big_entry_ratio` times, zip bombs shrink a thousand times.
    pub(super) fn check_entry(&self, name: &str, uncompressed: u64, compressed: u64) -> Option<Finding> {
        let suspicious =
            uncompressed > self.big_entry && uncompressed > compressed.saturating_mul(self.big_entry_ratio);
        suspicious.then(|| {
            Finding::error(
                codes::SUSPICIOUS_RATIO,
                name,
                format!(
                    "{name} unpacks from {compressed} to {uncompressed} bytes; an entry over {} bytes may shrink at most \
                     {} times, more looks like a zip bomb. Leave the file out, or store it compressed in another format",
                    self.big_entry, self.big_entry_ratio
                ),
            )
            .in_file(name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_grows_with_the_archive_once_past_the_floor() {
        let limits = Limits::default();
        assert_eq!(limits.max_total_uncompressed(1000), 512 * MIB);
        assert_eq!(limits.max_total_uncompressed(100 * MIB), 2000 * MIB);
        assert_eq!(limits.max_total_uncompressed(u64::MAX), u64::MAX, "saturates");
        assert!(limits.check_total(512 * MIB, 10).is_none());
        assert_eq!(limits.check_total(512 * MIB + 1, 10).unwrap().code, codes::TOO_LARGE_UNCOMPRESSED);
    }

    #[test]
    fn only_big_entries_with_a_high_ratio_are_suspicious() {
        let limits = Limits::default();
        assert!(limits.check_entry("a", 64 * MIB, 0).is_none(), "not above the size");
        assert!(limits.check_entry("a", 100 * MIB, 2 * MIB).is_none(), "exactly 50:1");
        assert_eq!(limits.check_entry("a", 100 * MIB, 2 * MIB - 1).unwrap().code, codes::SUSPICIOUS_RATIO);
        assert!(limits.check_entry("a", u64::MAX, u64::MAX).is_none(), "no overflow");
    }
}
