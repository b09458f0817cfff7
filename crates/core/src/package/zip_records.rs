//! The three zip records the packager writes (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16), with every field
//! that could vary between runs fixed.

/// How an entry's bytes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    Stored = 0,
    Deflated = 8,
}

/// One entry, as the central directory describes it.
#[derive(Debug, Clone)]
pub(super) struct EntryRecord {
    pub name: String,
    pub method: Method,
    pub crc32: u32,
    pub compressed_size: u32,
    pub size: u32,
    pub local_header_offset: u32,
}

const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY_SIGNATURE: u32 = 0x0605_4b50;

/// Zip 2.0: the first version with deflate; enough for everything written here.
const VERSION_NEEDED: u16 = 20;
/// Upper byte 3 = Unix, so readers take the mode in the external attributes.
const VERSION_MADE_BY: u16 = (3 << 8) | VERSION_NEEDED;
/// A regular file, rw-r--r--, in the upper 16 bits as Unix zip tools write it.
const EXTERNAL_ATTRIBUTES: u32 = 0o100644 << 16;
/// General purpose bit 11: the name is UTF-8.
const FLAG_UTF8_NAME: u16 = 1 << 11;
/// 1980-01-01 00:00:00, the earliest DOS date, so the output does not depend on the clock.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

const LOCAL_HEADER_LEN: usize = 30;
const CENTRAL_HEADER_LEN: usize = 46;
pub(super) const END_OF_CENTRAL_DIRECTORY_LEN: usize = 22;

/// The local header's length for a name of `name_len` bytes.
pub(super) const fn local_header_len(name_len: usize) -> usize {
    LOCAL_HEADER_LEN + name_len
}

/// The central directory record's length for a name of `name_len` bytes.
pub(super) const fn central_header_len(name_len: usize) -> usize {
    CENTRAL_HEADER_LEN + name_len
}

fn flags_for(name: &str) -> u16 {
    if name.is_ascii() {
        0
    } else {
        FLAG_UTF8_NAME
    }
}

/// Appends an entry's local header: the same fields as its central directory record, so no data
/// descriptor is needed. The caller has checked that the name's length fits in 16 bits.
pub(super) fn write_local_header(out: &mut Vec<u8>, entry: &EntryRecord) {
    put_u32(out, LOCAL_HEADER_SIGNATURE);
    put_shared_fields(out, entry);
    out.extend_from_slice(entry.name.as_bytes());
}

pub(super) fn write_central_header(out: &mut Vec<u8>, entry: &EntryRecord) {
    put_u32(out, CENTRAL_HEADER_SIGNATURE);
    put_u16(out, VERSION_MADE_BY);
    put_shared_fields(out, entry);
    put_u16(out, 0); // no comment
    put_u16(out, 0); // disk number
    put_u16(out, 0); // internal attributes
    put_u32(out, EXTERNAL_ATTRIBUTES);
    put_u32(out, entry.local_header_offset);
    out.extend_from_slice(entry.name.as_bytes());
}

/// The fields a local header and its central directory record share, in the order both have them
/// (APPNOTE 4.3.7 and 4.3.12): version needed to extract through the extra field's length.
fn put_shared_fields(out: &mut Vec<u8>, entry: &EntryRecord) {
    put_u16(out, VERSION_NEEDED);
    put_u16(out, flags_for(&entry.name));
    put_u16(out, entry.method as u16);
    put_u16(out, DOS_TIME);
    put_u16(out, DOS_DATE);
    put_u32(out, entry.crc32);
    put_u32(out, entry.compressed_size);
    put_u32(out, entry.size);
    put_u16(out, entry.name.len() as u16);
    put_u16(out, 0); // no extra field
}

/// The caller has checked that the count fits in 16 bits and the offsets in 32.
pub(super) fn write_end_of_central_directory(
    out: &mut Vec<u8>,
    entries: usize,
    directory_offset: u32,
    directory_len: u32,
) {
    put_u32(out, END_OF_CENTRAL_DIRECTORY_SIGNATURE);
    put_u16(out, 0); // this disk
    put_u16(out, 0); // the disk where the central directory starts
    put_u16(out, entries as u16);
    put_u16(out, entries as u16);
    put_u32(out, directory_len);
    put_u32(out, directory_offset);
    put_u16(out, 0); // no comment
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}
