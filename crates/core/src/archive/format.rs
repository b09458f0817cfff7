//! The on-disk records of a zip archive (PKWARE's APPNOTE.TXT, section 4.3), parsed without trusting
//! a single byte: every read is bounds-checked and a short or malformed record is `None`.
//!
//! Layout of an archive, in file order:
//!
//! ```text
//! [local file header 1][data 1][data descriptor 1, optional]
//! ...
//! [local file header n][data n][data descriptor n, optional]
//! [central directory header 1] ... [central directory header n]
//! [end of central directory record][comment]
//! ```
//!
//! All integers are little-endian.

/// "PK\x03\x04": starts every local file header.
pub(super) const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
/// "PK\x01\x02": starts every central directory header.
pub(super) const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
/// "PK\x05\x06": starts the end of central directory record.
pub(super) const END_OF_CENTRAL_DIRECTORY_SIGNATURE: u32 = 0x0605_4b50;
/// "PK\x06\x07": the zip64 end of central directory locator, just before the end record.
pub(super) const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
/// "PK\x07\x08": the optional signature of a data descriptor.
pub(super) const DATA_DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;

pub(super) const LOCAL_HEADER_LEN: usize = 30;
pub(super) const CENTRAL_HEADER_LEN: usize = 46;
pub(super) const END_OF_CENTRAL_DIRECTORY_LEN: usize = 22;
pub(super) const ZIP64_LOCATOR_LEN: usize = 20;
/// The archive comment's length is a 16-bit field.
pub(super) const MAX_COMMENT_LEN: usize = u16::MAX as usize;

/// Header id of the zip64 extended information extra field.
pub(super) const ZIP64_EXTRA_ID: u16 = 0x0001;
/// A 32-bit size or offset with this value means "the real value is in the zip64 extra field".
pub(super) const ZIP64_MARKER_32: u32 = u32::MAX;
/// An entry count with this value means "the real count is in the zip64 end record".
pub(super) const ZIP64_MARKER_16: u16 = u16::MAX;

/// General purpose flag bits (APPNOTE 4.4.4).
pub(super) mod flags {
    /// The entry is encrypted (traditional PKWARE or AES).
    pub const ENCRYPTED: u16 = 1 << 0;
    /// CRC and sizes are zero in the local header and follow the data in a data descriptor.
    pub const DATA_DESCRIPTOR: u16 = 1 << 3;
    /// PKWARE strong encryption.
    pub const STRONG_ENCRYPTION: u16 = 1 << 6;
    /// The name (and comment) are UTF-8.
    pub const UTF8: u16 = 1 << 11;
    /// The local headers are masked (central directory encryption).
    pub const MASKED_HEADERS: u16 = 1 << 13;
    /// Any kind of encryption.
    pub const ANY_ENCRYPTION: u16 = ENCRYPTED | STRONG_ENCRYPTION | MASKED_HEADERS;
    /// The bits a local header must share with its central header: they change how the entry is read.
    pub const MUST_AGREE: u16 = ENCRYPTED | DATA_DESCRIPTOR | STRONG_ENCRYPTION | UTF8 | MASKED_HEADERS;
}

/// Compression methods (APPNOTE 4.4.5).
pub(super) const METHOD_STORED: u16 = 0;
pub(super) const METHOD_DEFLATED: u16 = 8;
/// WinZip AES: the real method is inside an extra field, and the data is encrypted.
pub(super) const METHOD_AES: u16 = 99;

/// A person-readable name for a compression method number, for messages.
pub(super) fn method_name(method: u16) -> &'static str {
    match method {
        0 => "stored",
        1 => "shrink",
        2..=5 => "reduce",
        6 => "implode",
        8 => "deflate",
        9 => "deflate64",
        10 => "PKWARE DCL implode",
        12 => "bzip2",
        14 => "LZMA",
        16 => "IBM z/OS CMPSC",
        18 => "IBM TERSE",
        19 => "IBM LZ77",
        20 | 93 => "zstd",
        94 => "MP3",
        95 => "xz",
        96 => "JPEG",
        97 => "WavPack",
        98 => "PPMd",
        99 => "AES encryption",
        _ => "an unknown method",
    }
}

/// Host systems in the upper byte of "version made by" (APPNOTE 4.4.2), grouped by what their
/// external attributes hold.
pub(super) const HOSTS_WITH_DOS_ATTRIBUTES: [u8; 3] =
    [0 /* MS-DOS, Windows */, 10 /* NTFS */, 14 /* VFAT */];
pub(super) const HOSTS_WITH_UNIX_MODE: [u8; 2] = [3 /* Unix */, 19 /* OS X */];

/// Unix file types, in the upper 16 bits of the external attributes when the host is Unix.
pub(super) mod unix {
    pub const TYPE_MASK: u32 = 0o170_000;
    pub const SOCKET: u32 = 0o140_000;
    pub const SYMLINK: u32 = 0o120_000;
    pub const REGULAR: u32 = 0o100_000;
    pub const BLOCK_DEVICE: u32 = 0o060_000;
    pub const DIRECTORY: u32 = 0o040_000;
    pub const CHARACTER_DEVICE: u32 = 0o020_000;
    pub const FIFO: u32 = 0o010_000;
}

/// MS-DOS attribute bit for a directory, in the low byte of the external attributes.
pub(super) const DOS_DIRECTORY: u32 = 0x10;

pub(super) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

pub(super) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

pub(super) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let field = bytes.get(at..at.checked_add(8)?)?;
    let mut array = [0u8; 8];
    array.copy_from_slice(field);
    Some(u64::from_le_bytes(array))
}

/// The end of central directory record (APPNOTE 4.3.16), without its comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EndRecord {
    pub disk: u16,
    pub directory_disk: u16,
    pub entries_on_disk: u16,
    pub entries: u16,
    pub directory_size: u32,
    pub directory_offset: u32,
    pub comment_len: u16,
}

impl EndRecord {
    /// Parses the record starting at `bytes[0]`; `None` unless the signature is there and the
    /// fixed part is complete.
    pub fn parse(bytes: &[u8]) -> Option<EndRecord> {
        if u32_at(bytes, 0)? != END_OF_CENTRAL_DIRECTORY_SIGNATURE {
            return None;
        }
        Some(EndRecord {
            disk: u16_at(bytes, 4)?,
            directory_disk: u16_at(bytes, 6)?,
            entries_on_disk: u16_at(bytes, 8)?,
            entries: u16_at(bytes, 10)?,
            directory_size: u32_at(bytes, 12)?,
            directory_offset: u32_at(bytes, 16)?,
            comment_len: u16_at(bytes, 20)?,
        })
    }

    /// Whether a field holds the marker that sends readers to the zip64 end record.
    pub fn wants_zip64(&self) -> bool {
        self.entries == ZIP64_MARKER_16
            || self.entries_on_disk == ZIP64_MARKER_16
            || self.directory_size == ZIP64_MARKER_32
            || self.directory_offset == ZIP64_MARKER_32
    }
}

/// A central directory header (APPNOTE 4.3.12), borrowing its variable parts.
#[derive(Debug, Clone, Copy)]
pub(super) struct CentralHeader<'a> {
    pub version_made_by: u16,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u32,
    pub uncompressed_size: u32,
    pub disk_start: u16,
    pub external_attributes: u32,
    pub local_header_offset: u32,
    pub name: &'a [u8],
    pub extra: &'a [u8],
    /// The whole record's length: fixed part, name, extra field and comment.
    pub record_len: usize,
}

impl<'a> CentralHeader<'a> {
    /// Parses the header at `bytes[at..]`; `None` when the signature is missing or the record runs
    /// past the end of `bytes`.
    pub fn parse(bytes: &'a [u8], at: usize) -> Option<CentralHeader<'a>> {
        let fixed = bytes.get(at..at.checked_add(CENTRAL_HEADER_LEN)?)?;
        if u32_at(fixed, 0)? != CENTRAL_HEADER_SIGNATURE {
            return None;
        }
        let name_len = usize::from(u16_at(fixed, 28)?);
        let extra_len = usize::from(u16_at(fixed, 30)?);
        let comment_len = usize::from(u16_at(fixed, 32)?);
        let name_start = at + CENTRAL_HEADER_LEN;
        let extra_start = name_start + name_len;
        let comment_start = extra_start + extra_len;
        let record_end = comment_start + comment_len;
        Some(CentralHeader {
            version_made_by: u16_at(fixed, 4)?,
            flags: u16_at(fixed, 8)?,
            method: u16_at(fixed, 10)?,
            crc32: u32_at(fixed, 16)?,
            compressed_size: u32_at(fixed, 20)?,
            uncompressed_size: u32_at(fixed, 24)?,
            disk_start: u16_at(fixed, 34)?,
            external_attributes: u32_at(fixed, 38)?,
            local_header_offset: u32_at(fixed, 42)?,
            name: bytes.get(name_start..extra_start)?,
            extra: bytes.get(extra_start..comment_start)?,
            record_len: bytes.get(at..record_end)?.len(),
        })
    }

    /// The host system that wrote the entry (upper byte of "version made by").
    pub fn host(&self) -> u8 {
        self.version_made_by.to_be_bytes()[0]
    }

    /// Whether a size or offset field holds the zip64 marker.
    pub fn wants_zip64(&self) -> bool {
        self.compressed_size == ZIP64_MARKER_32
            || self.uncompressed_size == ZIP64_MARKER_32
            || self.local_header_offset == ZIP64_MARKER_32
            || self.disk_start == ZIP64_MARKER_16
    }
}

/// The fixed part of a local file header (APPNOTE 4.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LocalHeader {
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u32,
    pub uncompressed_size: u32,
    pub name_len: usize,
    pub extra_len: usize,
}

impl LocalHeader {
    /// Parses the fixed part at `bytes[0..30]`; `None` when the signature is missing or it is short.
    pub fn parse(bytes: &[u8]) -> Option<LocalHeader> {
        if u32_at(bytes, 0)? != LOCAL_HEADER_SIGNATURE {
            return None;
        }
        Some(LocalHeader {
            flags: u16_at(bytes, 6)?,
            method: u16_at(bytes, 8)?,
            crc32: u32_at(bytes, 14)?,
            compressed_size: u32_at(bytes, 18)?,
            uncompressed_size: u32_at(bytes, 22)?,
            name_len: usize::from(u16_at(bytes, 26)?),
            extra_len: usize::from(u16_at(bytes, 28)?),
        })
    }

    /// The length of the whole header: fixed part, name and extra field.
    pub fn len(&self) -> usize {
        LOCAL_HEADER_LEN + self.name_len + self.extra_len
    }
}

/// The data of the extra field block with header id `id`, if there is one. A malformed tail (a
/// block claiming more bytes than remain) ends the search: some tools pad the field with junk.
pub(super) fn extra_block(extra: &[u8], id: u16) -> Option<&[u8]> {
    let mut at = 0usize;
    loop {
        let block_id = u16_at(extra, at)?;
        let size = usize::from(u16_at(extra, at + 2)?);
        let data = extra.get(at + 4..at + 4 + size)?;
        if block_id == id {
            return Some(data);
        }
        at += 4 + size;
    }
}

/// Header id of the Info-ZIP Unicode Path extra field.
pub(super) const UNICODE_PATH_EXTRA_ID: u16 = 0x7075;

/// The name an Info-ZIP Unicode Path extra field gives the entry, if it has one: after a version
/// byte and the CRC-32 of the header's name comes the UTF-8 name, which some tools prefer to the
/// header's.
pub(super) fn unicode_path(extra: &[u8]) -> Option<&[u8]> {
    extra_block(extra, UNICODE_PATH_EXTRA_ID)?.get(5..)
}

/// The (uncompressed, compressed) sizes a local header's zip64 extra field holds. In a local header
/// both are present whenever the field is (APPNOTE 4.5.3).
pub(super) fn local_zip64_sizes(extra: &[u8]) -> Option<(u64, u64)> {
    let block = extra_block(extra, ZIP64_EXTRA_ID)?;
    Some((u64_at(block, 0)?, u64_at(block, 8)?))
}

/// A data descriptor (APPNOTE 4.3.9): what follows an entry's data when flag bit 3 is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DataDescriptor {
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// The descriptor's length on disk: 12 or 16 bytes, or 20 or 24 with zip64 sizes.
    pub len: usize,
}

impl DataDescriptor {
    /// The longest form: signature, CRC and two 8-byte sizes.
    pub const MAX_LEN: usize = 24;

    /// Parses a descriptor at `bytes[0..]`. The signature is optional, so it is assumed present when
    /// the first four bytes are the signature (the APPNOTE's advice); `zip64` selects 8-byte sizes,
    /// which writers use when the local header carries a zip64 extra field.
    pub fn parse(bytes: &[u8], zip64: bool) -> Option<DataDescriptor> {
        let start = if u32_at(bytes, 0)? == DATA_DESCRIPTOR_SIGNATURE { 4 } else { 0 };
        let crc32 = u32_at(bytes, start)?;
        let (compressed_size, uncompressed_size, sizes_len) = if zip64 {
            (u64_at(bytes, start + 4)?, u64_at(bytes, start + 12)?, 16)
        } else {
            (u64::from(u32_at(bytes, start + 4)?), u64::from(u32_at(bytes, start + 8)?), 8)
        };
        Some(DataDescriptor { crc32, compressed_size, uncompressed_size, len: start + 4 + sizes_len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_refuse_out_of_bounds_and_overflowing_offsets() {
        assert_eq!(u16_at(&[1, 2], 0), Some(0x0201));
        assert_eq!(u16_at(&[1, 2], 1), None);
        assert_eq!(u32_at(&[1, 2, 3], 0), None);
        assert_eq!(u64_at(&[0; 8], usize::MAX), None);
        assert_eq!(u32_at(&[0; 8], usize::MAX - 1), None);
    }

    #[test]
    fn extra_blocks_are_found_and_malformed_tails_ignored() {
        let extra = [0x55, 0x54, 1, 0, 9, 0x01, 0x00, 2, 0, 7, 8];
        assert_eq!(extra_block(&extra, 0x5455), Some(&[9][..]));
        assert_eq!(extra_block(&extra, 0x0001), Some(&[7, 8][..]));
        assert_eq!(extra_block(&extra, 0x7075), None);
        assert_eq!(extra_block(&[0x01, 0x00, 200, 0, 1], 0x0001), None, "claims more than there is");
        let unicode = [0x75, 0x70, 7, 0, 1, 0xAA, 0xBB, 0xCC, 0xDD, b'h', b'i'];
        assert_eq!(unicode_path(&unicode), Some(&b"hi"[..]));
        assert_eq!(unicode_path(&unicode[..8]), None);
    }

    #[test]
    fn data_descriptors_with_and_without_signature() {
        let mut with = DATA_DESCRIPTOR_SIGNATURE.to_le_bytes().to_vec();
        with.extend_from_slice(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
        let parsed = DataDescriptor::parse(&with, false).unwrap();
        assert_eq!((parsed.crc32, parsed.compressed_size, parsed.uncompressed_size, parsed.len), (1, 2, 3, 16));
        let parsed = DataDescriptor::parse(&with[4..], false).unwrap();
        assert_eq!(parsed.len, 12);
        assert_eq!(DataDescriptor::parse(&with[4..12], false), None);
        let mut zip64 = with.clone();
        zip64.truncate(8);
        zip64.extend_from_slice(&2u64.to_le_bytes());
        zip64.extend_from_slice(&3u64.to_le_bytes());
        let parsed = DataDescriptor::parse(&zip64, true).unwrap();
        assert_eq!((parsed.compressed_size, parsed.uncompressed_size, parsed.len), (2, 3, 24));
    }

    #[test]
    fn method_names_for_messages() {
        assert_eq!(method_name(12), "bzip2");
        assert_eq!(method_name(93), "zstd");
        assert_eq!(method_name(14), "LZMA");
        assert_eq!(method_name(4242), "an unknown method");
    }
}
