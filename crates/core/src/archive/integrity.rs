//! The integrity pass: every byte of the file, in order, checked against the directory the
//! structural pass read. Push-based (the caller feeds chunks of any size) and sans-IO, so the
//! browser can feed slices of a `File` and the server a file on disk.
//!
//! It walks the entries in file order and, for each, expects exactly:
//! `[local header][compressed data][data descriptor, only with flag bit 3]`, the next entry's local
//! header right after, and the central directory after the last. Any byte outside those records is
//! refused, so nothing can hide in the archive.
//!
//! Memory is fixed whatever the input: the inflate buffer and tables (see `inflate.rs`), a local
//! header (at most 30 + 2 × 65,535 bytes by its 16-bit length fields) and a 24-byte descriptor.

use super::codes;
use super::directory::Directory;
use super::entry::{
    check_local_header, crc_mismatch, header_mismatch, inflate_finding, overlapping, size_short, Entry, Method,
};
use super::format::{DataDescriptor, LocalHeader, LOCAL_HEADER_LEN};
use super::inflate::Inflater;
use crate::api::Finding;

/// Where the pass is in the file.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Collecting the local header of `entries[entry]` into `IntegrityCheck::header`: `need` bytes in
    /// all (the fixed part first; then the name and extra field, once their lengths are known).
    Header { entry: usize, need: usize },
    /// Inside the compressed data, `remaining` bytes to go. The data ends at `data_end`.
    Data { entry: usize, remaining: u64, data_end: u64, zip64: bool },
    /// Collecting a data descriptor; `gap` bytes separate the data from the next record.
    Descriptor { entry: usize, gap: u64, have: usize, zip64: bool },
    /// The central directory and end record, which the structural pass has read already.
    Tail,
}

/// The integrity pass over an archive whose [`Directory`] the structural pass returned: hand it the
/// whole file in order with [`feed`](Self::feed), then call [`finish`](Self::finish).
pub struct IntegrityCheck<'a> {
    directory: &'a Directory,
    file_len: u64,
    position: u64,
    /// The position in `directory.in_file_order` of the entry being read.
    order: usize,
    state: State,
    header: Vec<u8>,
    descriptor: [u8; DataDescriptor::MAX_LEN],
    inflater: Inflater,
    crc: crc32fast::Hasher,
    /// Bytes hashed of the current stored entry.
    stored: u64,
    /// The first problem: once something is wrong, every later call reports it again.
    failed: Option<Finding>,
}

impl<'a> IntegrityCheck<'a> {
    /// A pass over a file of `file_len` bytes, which must be the file `directory` was read from.
    pub fn new(directory: &'a Directory, file_len: u64) -> Self {
        let mut check = IntegrityCheck {
            directory,
            file_len,
            position: 0,
            order: 0,
            state: State::Tail,
            header: Vec::new(),
            descriptor: [0; DataDescriptor::MAX_LEN],
            inflater: Inflater::new(),
            crc: crc32fast::Hasher::new(),
            stored: 0,
            failed: None,
        };
        let first_start = directory
            .entries_in_file_order()
            .next()
            .map_or(directory.directory_offset, |entry| entry.local_header_offset);
        if file_len != directory.file_len() {
            check.failed = Some(changed_while_read(directory.file_len(), file_len));
        } else if first_start != 0 {
            check.failed = Some(Finding::error(
                codes::PREPENDED_DATA,
                "",
                format!(
                    "the file has {first_start} bytes before its first zip entry; a .wave bundle is a plain zip file"
                ),
            ));
        }
        check.start_entry();
        check
    }

    /// The next bytes of the file, in order from offset 0, in chunks of any size.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), Finding> {
        if let Some(finding) = &self.failed {
            return Err(finding.clone());
        }
        let result = self.consume(chunk);
        if let Err(finding) = &result {
            self.failed = Some(finding.clone());
        }
        result
    }

    /// How many bytes have been checked, for a progress bar.
    pub fn bytes_done(&self) -> u64 {
        self.position
    }

    /// The verdict, once the whole file has been fed.
    pub fn finish(self) -> Result<(), Finding> {
        if let Some(finding) = self.failed {
            return Err(finding);
        }
        if self.position != self.file_len || !matches!(self.state, State::Tail) {
            return Err(Finding::error(
                codes::TRUNCATED,
                "",
                format!(
                    "the archive ended after {} of its {} bytes: it is cut short, or changed while it was read; upload it again",
                    self.position, self.file_len
                ),
            ));
        }
        Ok(())
    }

    fn consume(&mut self, mut chunk: &[u8]) -> Result<(), Finding> {
        if chunk.len() as u64 > self.file_len - self.position {
            return Err(Finding::error(
                codes::TRAILING_DATA,
                "",
                format!(
                    "more than the {} bytes the archive had when its directory was read were fed; it changed while it \
                     was read, check it again",
                    self.file_len
                ),
            ));
        }
        while !chunk.is_empty() {
            let used = self.step(chunk)?;
            chunk = chunk.get(used..).unwrap_or(&[]);
        }
        Ok(())
    }

    /// Consumes a prefix of `chunk` (at least one byte) in the current state; returns its length.
    fn step(&mut self, chunk: &[u8]) -> Result<usize, Finding> {
        match self.state {
            State::Header { entry, need } => {
                let take = need.saturating_sub(self.header.len()).min(chunk.len());
                self.header.extend_from_slice(&chunk[..take]);
                self.position += take as u64;
                if self.header.len() == need {
                    self.header_read(entry, need)?;
                }
                Ok(take)
            }
            State::Data { entry, remaining, data_end, zip64 } => {
                let take = usize::try_from(remaining).map_or(chunk.len(), |remaining| remaining.min(chunk.len()));
                let piece = &chunk[..take];
                let last = take as u64 == remaining;
                self.position += take as u64;
                self.state = State::Data { entry, remaining: remaining - take as u64, data_end, zip64 };
                self.hash_data(entry, piece, last)?;
                if last {
                    self.data_read(entry, data_end, zip64)?;
                }
                Ok(take)
            }
            State::Descriptor { entry, gap, have, zip64 } => {
                let need = usize::try_from(gap).map_or(DataDescriptor::MAX_LEN, |gap| gap.min(DataDescriptor::MAX_LEN));
                let take = need.saturating_sub(have).min(chunk.len());
                self.descriptor[have..have + take].copy_from_slice(&chunk[..take]);
                self.position += take as u64;
                self.state = State::Descriptor { entry, gap, have: have + take, zip64 };
                if have + take == need {
                    self.descriptor_read(entry, gap, need, zip64)?;
                }
                Ok(take)
            }
            State::Tail => {
                self.position += chunk.len() as u64;
                Ok(chunk.len())
            }
        }
    }

    fn entry(&self, index: usize) -> Result<&'a Entry, Finding> {
        self.directory.entries.get(index).ok_or_else(|| {
            Finding::error(
                codes::BAD_CENTRAL_DIRECTORY,
                "",
                "the directory changed during the check; check the archive again",
            )
        })
    }

    /// Moves to the next entry in file order, or to the central directory after the last.
    fn start_entry(&mut self) {
        self.header.clear();
        self.state = match self.directory.in_file_order.get(self.order) {
            Some(&entry) => State::Header { entry, need: LOCAL_HEADER_LEN },
            None => State::Tail,
        };
    }

    /// The local header's first `need` bytes are in: ask for the name and extra field, or check it.
    fn header_read(&mut self, index: usize, need: usize) -> Result<(), Finding> {
        let entry = self.entry(index)?;
        let header =
            LocalHeader::parse(&self.header).ok_or_else(|| header_mismatch(entry, "there is no local header there"))?;
        if need < header.len() {
            self.state = State::Header { entry: index, need: header.len() };
            return Ok(());
        }
        let name_end = LOCAL_HEADER_LEN + header.name_len;
        let name = self.header.get(LOCAL_HEADER_LEN..name_end).unwrap_or(&[]);
        let extra = self.header.get(name_end..).unwrap_or(&[]);
        let zip64 = check_local_header(entry, &header, name, extra)?;
        let data_end = entry
            .local_header_offset
            .checked_add(header.len() as u64)
            .and_then(|start| start.checked_add(entry.compressed_size))
            .filter(|&end| end <= entry.range_end)
            .ok_or_else(|| overlapping(entry))?;
        self.crc = crc32fast::Hasher::new();
        self.stored = 0;
        if entry.method == Method::Deflated {
            self.inflater.start(entry.uncompressed_size);
        }
        self.state = State::Data { entry: index, remaining: entry.compressed_size, data_end, zip64 };
        if entry.compressed_size == 0 {
            // No data bytes will come: finish the entry now (an empty deflate stream is an error).
            self.hash_data(index, &[], true)?;
            self.data_read(index, data_end, zip64)?;
        }
        Ok(())
    }

    /// Hashes the next piece of the entry's data, inflating it first when it is deflated.
    fn hash_data(&mut self, index: usize, piece: &[u8], last: bool) -> Result<(), Finding> {
        let entry = self.entry(index)?;
        match entry.method {
            Method::Stored => {
                self.crc.update(piece);
                self.stored += piece.len() as u64;
                Ok(())
            }
            Method::Deflated => {
                let crc = &mut self.crc;
                self.inflater
                    .inflate(piece, last, &mut |output: &[u8]| crc.update(output))
                    .map_err(|error| inflate_finding(entry, error))
            }
        }
    }

    /// The entry's data is all in: check its size and CRC, then what follows it.
    fn data_read(&mut self, index: usize, data_end: u64, zip64: bool) -> Result<(), Finding> {
        let entry = self.entry(index)?;
        let produced = match entry.method {
            Method::Stored => self.stored,
            Method::Deflated => self.inflater.produced(),
        };
        if produced != entry.uncompressed_size {
            return Err(size_short(entry, produced));
        }
        let actual = std::mem::replace(&mut self.crc, crc32fast::Hasher::new()).finalize();
        if actual != entry.crc32 {
            return Err(crc_mismatch(entry, actual));
        }
        let gap = entry.range_end.saturating_sub(data_end);
        if gap == 0 {
            self.order += 1;
            self.start_entry();
            Ok(())
        } else if entry.has_data_descriptor() {
            self.state = State::Descriptor { entry: index, gap, have: 0, zip64 };
            Ok(())
        } else {
            Err(gap_finding(entry, data_end, gap))
        }
    }

    /// The descriptor's bytes are in (`need` of them): it must agree and fill the gap exactly.
    fn descriptor_read(&mut self, index: usize, gap: u64, need: usize, zip64: bool) -> Result<(), Finding> {
        let entry = self.entry(index)?;
        let name = &entry.name;
        let mismatch = |what: String| {
            Finding::error(
                codes::DESCRIPTOR_MISMATCH,
                name,
                format!("the data descriptor after {name} {what}; the archive is damaged, re-create it"),
            )
            .in_file(name)
        };
        let bytes = self.descriptor.get(..need).unwrap_or(&[]);
        let descriptor =
            DataDescriptor::parse(bytes, zip64).ok_or_else(|| mismatch(format!("is cut short ({need} bytes)")))?;
        if descriptor.crc32 != entry.crc32
            || descriptor.compressed_size != entry.compressed_size
            || descriptor.uncompressed_size != entry.uncompressed_size
        {
            return Err(mismatch(format!(
                "disagrees with the central directory (CRC-32 {:08x}, sizes {} and {}; expected {:08x}, {} and {})",
                descriptor.crc32,
                descriptor.compressed_size,
                descriptor.uncompressed_size,
                entry.crc32,
                entry.compressed_size,
                entry.uncompressed_size
            )));
        }
        let descriptor_len = descriptor.len as u64;
        if gap > descriptor_len {
            let descriptor_end = entry.range_end - gap + descriptor_len;
            return Err(gap_finding(entry, descriptor_end, gap - descriptor_len));
        }
        self.order += 1;
        self.start_entry();
        Ok(())
    }
}

fn gap_finding(entry: &Entry, from: u64, len: u64) -> Finding {
    let name = &entry.name;
    Finding::error(
        codes::GAP,
        name,
        format!(
            "{len} bytes after {name} (from byte {from}) belong to no entry: something is hidden in the archive, or it \
             is damaged; re-create it"
        ),
    )
    .in_file(name)
}

fn changed_while_read(was: u64, now: u64) -> Finding {
    Finding::error(
        codes::TRUNCATED,
        "",
        format!("the archive was {was} bytes when its directory was read and is {now} bytes now; check it again"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{locate_central_directory, read_central_directory, Limits, TAIL_LEN};
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content, deflate) in files {
            let method = if *deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn directory_of(bytes: &[u8]) -> Directory {
        let tail = &bytes[bytes.len().saturating_sub(TAIL_LEN as usize)..];
        let location = locate_central_directory(bytes.len() as u64, tail).unwrap();
        let cd = &bytes[location.offset as usize..(location.offset + location.size) as usize];
        read_central_directory(bytes.len() as u64, &location, cd, &Limits::default()).unwrap()
    }

    #[test]
    fn memory_stays_fixed_over_a_large_entry() {
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8 ^ (i >> 13) as u8).collect();
        let bytes = zip_of(&[("big.bin", &big, true), ("small.txt", b"hello", false)]);
        let directory = directory_of(&bytes);
        let mut check = IntegrityCheck::new(&directory, bytes.len() as u64);
        let buffer_before = check.inflater.buffer_len();
        for chunk in bytes.chunks(100_000) {
            check.feed(chunk).unwrap();
            assert_eq!(check.inflater.buffer_len(), buffer_before);
            assert!(check.header.capacity() <= LOCAL_HEADER_LEN + 2 * 65_535);
        }
        assert_eq!(check.bytes_done(), bytes.len() as u64);
        check.finish().unwrap();
    }

    #[test]
    fn a_lying_size_stops_inflating_one_byte_past_it() {
        let zeros = vec![0u8; 5_000_000];
        let mut bytes = zip_of(&[("zeros", &zeros, true)]);
        // Rewrite the declared size to 1000 in both headers (and drop the CRC question by leaving it).
        let directory = directory_of(&bytes);
        let cd_at = directory.directory_offset as usize;
        bytes[22..26].copy_from_slice(&1000u32.to_le_bytes());
        bytes[cd_at + 24..cd_at + 28].copy_from_slice(&1000u32.to_le_bytes());
        let directory = directory_of(&bytes);
        let mut check = IntegrityCheck::new(&directory, bytes.len() as u64);
        let error = check.feed(&bytes).unwrap_err();
        assert_eq!(error.code, codes::SIZE_MISMATCH);
        assert_eq!(check.inflater.produced(), 1001);
        assert_eq!(check.feed(b"").unwrap_err(), error, "the first problem sticks");
    }

    #[test]
    fn a_file_of_another_length_is_refused() {
        let bytes = zip_of(&[("a", b"a", false)]);
        let directory = directory_of(&bytes);
        let check = IntegrityCheck::new(&directory, bytes.len() as u64 + 1);
        assert_eq!(check.finish().unwrap_err().code, codes::TRUNCATED);
        let mut check = IntegrityCheck::new(&directory, bytes.len() as u64);
        assert_eq!(check.feed(&[bytes.as_slice(), b"x"].concat()).unwrap_err().code, codes::TRAILING_DATA);
        let mut check = IntegrityCheck::new(&directory, bytes.len() as u64);
        check.feed(&bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(check.finish().unwrap_err().code, codes::TRUNCATED);
    }
}
