//! A zip writer for tests that writes whatever it is told: every header field can be overridden,
//! local headers can be shared or left out, and bytes can be put anywhere. The defaults give a
//! well-formed archive, like `zip` on Unix would write.

/// Compression methods.
pub const STORED: u16 = 0;
pub const DEFLATED: u16 = 8;

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;

/// The fields of a local or central header. Local headers write only the fields they have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Central only. Upper byte: host (3 = Unix).
    pub version_made_by: u16,
    pub version_needed: u16,
    pub flags: u16,
    pub method: u16,
    pub time: u16,
    pub date: u16,
    pub crc32: u32,
    pub compressed_size: u32,
    pub uncompressed_size: u32,
    pub name: Vec<u8>,
    pub extra: Vec<u8>,
    /// Central only.
    pub comment: Vec<u8>,
    /// Central only.
    pub disk_start: u16,
    /// Central only.
    pub internal_attributes: u16,
    /// Central only. Upper 16 bits: the Unix mode.
    pub external_attributes: u32,
}

impl Record {
    /// The fields both headers have, in the order both have them: version needed to extract
    /// through the extra field's length (APPNOTE 4.3.7 and 4.3.12).
    fn put_shared_fields(&self, out: &mut Vec<u8>) {
        put16(out, self.version_needed);
        put16(out, self.flags);
        put16(out, self.method);
        put16(out, self.time);
        put16(out, self.date);
        put32(out, self.crc32);
        put32(out, self.compressed_size);
        put32(out, self.uncompressed_size);
        put16(out, self.name.len() as u16);
        put16(out, self.extra.len() as u16);
    }

    pub fn local_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put32(&mut out, LOCAL_SIGNATURE);
        self.put_shared_fields(&mut out);
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.extra);
        out
    }

    pub fn central_bytes(&self, local_header_offset: u32) -> Vec<u8> {
        let mut out = Vec::new();
        put32(&mut out, CENTRAL_SIGNATURE);
        put16(&mut out, self.version_made_by);
        self.put_shared_fields(&mut out);
        put16(&mut out, self.comment.len() as u16);
        put16(&mut out, self.disk_start);
        put16(&mut out, self.internal_attributes);
        put32(&mut out, self.external_attributes);
        put32(&mut out, local_header_offset);
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.extra);
        out.extend_from_slice(&self.comment);
        out
    }
}

/// Where an entry's central header says its local header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalAt {
    /// The entry writes its own local header and data; the central header points at it.
    Own,
    /// No local record of its own: the central header points at entry `n`'s local header.
    SameAs(usize),
    /// No local record of its own: the central header holds this offset.
    Offset(u32),
}

/// One entry: its two headers, its data as stored, and what follows it.
#[derive(Debug, Clone)]
pub struct EntrySpec {
    pub local: Record,
    pub central: Record,
    pub data: Vec<u8>,
    pub descriptor: Vec<u8>,
    /// Bytes written after the entry (and its descriptor) that no record mentions.
    pub after: Vec<u8>,
    pub local_at: LocalAt,
}

impl EntrySpec {
    /// Changes a field in both headers.
    pub fn both(&mut self, change: impl Fn(&mut Record)) -> &mut Self {
        change(&mut self.local);
        change(&mut self.central);
        self
    }

    pub fn local(&mut self, change: impl FnOnce(&mut Record)) -> &mut Self {
        change(&mut self.local);
        self
    }

    pub fn central(&mut self, change: impl FnOnce(&mut Record)) -> &mut Self {
        change(&mut self.central);
        self
    }

    /// Streams the entry the way writers that cannot seek do: flag bit 3, zero CRC and sizes in the
    /// local header, and a data descriptor (with or without its optional signature) after the data.
    pub fn with_descriptor(&mut self, signature: bool) -> &mut Self {
        self.both(|record| record.flags |= 1 << 3);
        self.local.crc32 = 0;
        self.local.compressed_size = 0;
        self.local.uncompressed_size = 0;
        self.descriptor.clear();
        if signature {
            put32(&mut self.descriptor, DESCRIPTOR_SIGNATURE);
        }
        put32(&mut self.descriptor, self.central.crc32);
        put32(&mut self.descriptor, self.central.compressed_size);
        put32(&mut self.descriptor, self.central.uncompressed_size);
        self
    }

    /// Like `zip` reading from a pipe: a zip64 extra field in the local header (sizes 0xFFFFFFFF
    /// there) and a data descriptor with signature and 8-byte sizes.
    pub fn with_zip64_descriptor(&mut self) -> &mut Self {
        self.both(|record| record.flags |= 1 << 3);
        self.local.crc32 = 0;
        self.local.compressed_size = u32::MAX;
        self.local.uncompressed_size = u32::MAX;
        let mut extra = Vec::new();
        put16(&mut extra, 0x0001);
        put16(&mut extra, 16);
        extra.extend_from_slice(&[0; 16]);
        self.local.extra = extra;
        self.descriptor.clear();
        put32(&mut self.descriptor, DESCRIPTOR_SIGNATURE);
        put32(&mut self.descriptor, self.central.crc32);
        self.descriptor.extend_from_slice(&u64::from(self.central.compressed_size).to_le_bytes());
        self.descriptor.extend_from_slice(&u64::from(self.central.uncompressed_size).to_le_bytes());
        self
    }

    /// Made on Unix with this mode (type and permission bits).
    pub fn unix_mode(&mut self, mode: u32) -> &mut Self {
        self.central.version_made_by = (3 << 8) | 20;
        self.central.external_attributes = mode << 16;
        self
    }
}

/// Fields of the end of central directory record to write instead of the true ones.
#[derive(Debug, Clone, Default)]
pub struct EndOverrides {
    pub disk: Option<u16>,
    pub directory_disk: Option<u16>,
    pub entries_on_disk: Option<u16>,
    pub entries: Option<u16>,
    pub directory_size: Option<u32>,
    pub directory_offset: Option<u32>,
    pub comment_len: Option<u16>,
}

/// An archive to write. `build` lays it out in order: `prefix`, each entry's local header, data,
/// descriptor and `after` bytes, `before_directory`, the central directory,
/// `between_directory_and_end`, an optional zip64 locator, the end record, `comment`, `suffix`.
#[derive(Debug, Clone, Default)]
pub struct ZipBuilder {
    pub entries: Vec<EntrySpec>,
    pub prefix: Vec<u8>,
    /// Whether offsets count the prefix (`zip -A` adjusts them; a plain `cat stub a.zip` does not).
    pub offsets_count_prefix: bool,
    pub before_directory: Vec<u8>,
    pub between_directory_and_end: Vec<u8>,
    pub zip64_locator: bool,
    pub comment: Vec<u8>,
    pub suffix: Vec<u8>,
    pub end: EndOverrides,
}

impl ZipBuilder {
    pub fn new() -> Self {
        ZipBuilder { offsets_count_prefix: true, ..ZipBuilder::default() }
    }

    /// An entry whose data is `data` as stored, with the given method, CRC and uncompressed size.
    pub fn raw(
        &mut self,
        name: &[u8],
        method: u16,
        data: Vec<u8>,
        crc32: u32,
        uncompressed_size: u32,
    ) -> &mut EntrySpec {
        let utf8 = std::str::from_utf8(name).is_ok_and(|name| !name.is_ascii());
        let record = Record {
            version_made_by: (3 << 8) | 20,
            version_needed: 20,
            flags: if utf8 { 1 << 11 } else { 0 },
            method,
            time: 0,
            date: (1 << 5) | 1,
            crc32,
            compressed_size: data.len() as u32,
            uncompressed_size,
            name: name.to_vec(),
            extra: Vec::new(),
            comment: Vec::new(),
            disk_start: 0,
            internal_attributes: 0,
            external_attributes: 0o100_644 << 16,
        };
        self.entries.push(EntrySpec {
            local: record.clone(),
            central: record,
            data,
            descriptor: Vec::new(),
            after: Vec::new(),
            local_at: LocalAt::Own,
        });
        self.entries.last_mut().unwrap()
    }

    pub fn stored(&mut self, name: &str, content: &[u8]) -> &mut EntrySpec {
        self.raw(name.as_bytes(), STORED, content.to_vec(), crc32(content), content.len() as u32)
    }

    pub fn deflated(&mut self, name: &str, content: &[u8]) -> &mut EntrySpec {
        self.raw(name.as_bytes(), DEFLATED, deflate(content), crc32(content), content.len() as u32)
    }

    pub fn directory(&mut self, name: &str) -> &mut EntrySpec {
        self.stored(name, b"").unix_mode(0o040_755)
    }

    /// A central header for `name` pointing at entry `index`'s local header, with its sizes and CRC.
    pub fn alias(&mut self, name: &str, index: usize) -> &mut EntrySpec {
        let mut spec = self.entries[index].clone();
        spec.central.name = name.as_bytes().to_vec();
        spec.local_at = LocalAt::SameAs(index);
        self.entries.push(spec);
        self.entries.last_mut().unwrap()
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.offsets_count_prefix { 0 } else { self.prefix.len() };
        let mut offsets = vec![0u32; self.entries.len()];
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.local_at == LocalAt::Own {
                offsets[index] = (out.len() - base) as u32;
                out.extend(entry.local.local_bytes());
                out.extend_from_slice(&entry.data);
                out.extend_from_slice(&entry.descriptor);
                out.extend_from_slice(&entry.after);
            }
        }
        out.extend_from_slice(&self.before_directory);
        let directory_offset = (out.len() - base) as u32;
        for (index, entry) in self.entries.iter().enumerate() {
            let offset = match entry.local_at {
                LocalAt::Own => offsets[index],
                LocalAt::SameAs(index) => offsets[index],
                LocalAt::Offset(offset) => offset,
            };
            out.extend(entry.central.central_bytes(offset));
        }
        let directory_size = (out.len() - base) as u32 - directory_offset;
        out.extend_from_slice(&self.between_directory_and_end);
        if self.zip64_locator {
            put32(&mut out, ZIP64_LOCATOR_SIGNATURE);
            put32(&mut out, 0);
            out.extend_from_slice(&0u64.to_le_bytes());
            put32(&mut out, 1);
        }
        let count = self.entries.len() as u16;
        let end = &self.end;
        put32(&mut out, END_SIGNATURE);
        put16(&mut out, end.disk.unwrap_or(0));
        put16(&mut out, end.directory_disk.unwrap_or(0));
        put16(&mut out, end.entries_on_disk.or(end.entries).unwrap_or(count));
        put16(&mut out, end.entries.unwrap_or(count));
        put32(&mut out, end.directory_size.unwrap_or(directory_size));
        put32(&mut out, end.directory_offset.unwrap_or(directory_offset));
        put16(&mut out, end.comment_len.unwrap_or(self.comment.len() as u16));
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.suffix);
        out
    }
}

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(bytes);
    hasher.finalize()
}

/// Raw deflate (no zlib wrapper), as zip wants it.
pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(bytes, 6)
}

pub fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

pub fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}
