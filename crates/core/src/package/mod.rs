//! Packaging files into a `.wave` bundle: a zip archive whose bytes depend only on the files.
//!
//! The same files always give the same bytes, whoever packages them and however the bytes are
//! chunked: entries in byte order of their paths (the [`Plan`] order, enforced), fixed timestamps and
//! attributes (see `zip_records.rs`), no extra fields, no data descriptors, no directory entries, one
//! fixed deflate level, and the stored-or-deflated choice made from the path and the bytes alone.
//!
//! Packaging has two halves, so the browser can run the first in parallel (one Web Worker per
//! file) and the second on its page:
//! - [`FileCompressor`] turns one file's bytes into its entry's data (stored or deflated, CRC-32),
//!   a chunk at a time; it needs nothing from the other files;
//! - [`Assembler`] admits the files in order (paths, collisions, limits) and lays the zip out around
//!   their data: each entry's local header, then the central directory.
//!
//! [`Packager`] joins them in one place, a file at a time and a chunk at a time, so a caller can
//! yield between calls and show [`Progress`]. [`package_files`] does everything at once for tests
//! and small callers. [`plan`] decides which files of a folder go in.

mod deflate;
mod zip_records;

pub use crate::appignore::{plan, Excluded, FileMeta, Plan};
pub use zip_records::Method;

use crate::api::Finding;
use deflate::Deflater;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use zip_records::EntryRecord;

/// The most files a bundle may hold.
pub const MAX_FILES: usize = 10_000;

/// The largest bundle: without zip64, sizes and offsets are 32-bit, and `0xFFFF_FFFF` tells
/// readers to look for zip64 records.
pub const MAX_BUNDLE_BYTES: u64 = 0xFFFF_FFFE;

/// The checker's limits on names (what unpacks on every file system), so the packager never
/// writes a bundle the checker refuses.
use crate::archive::{MAX_COMPONENT_BYTES, MAX_NAME_BYTES as MAX_PATH_BYTES};

/// Extensions (compared without case) of formats that are compressed already: deflating them costs
/// time and saves next to nothing, so they are stored. Formats that often hold uncompressed parts
/// (`pdf`, `ico`, `svg`, `tiff`, `bmp`) are deflated.
#[rustfmt::skip]
pub const STORED_EXTENSIONS: &[&str] = &[
    // images
    "png", "jpg", "jpeg", "gif", "webp", "avif", "heic",
    // archives, and packages that are zip files
    "zip", "whl", "egg", "jar", "wave", "npz", "docx", "xlsx", "pptx",
    "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "lz4", "br",
    // audio and video
    "mp3", "mp4", "m4a", "aac", "ogg", "opus", "flac", "mov", "mkv", "webm",
    // fonts
    "woff", "woff2",
    // columnar data, compressed per column
    "parquet",
];

/// Deflated files up to this size are also kept as they come in, so one that deflate does not
/// shrink is stored instead. Above it the file stays deflated: the deflater already writes
/// incompressible blocks as stored blocks, so the stream is at most a few bytes per 64 KiB larger.
const STORED_FALLBACK_MAX_BYTES: u64 = 64 * 1024;

/// How far packaging has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// File bytes handed in so far (before compression).
    pub bytes_done: u64,
    /// What [`Packager::new`] was told to expect, normally [`Plan::total_bytes`].
    pub total_bytes: u64,
    pub files_done: u64,
}

/// One file's entry as [`FileCompressor`] made it: everything its headers say about its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub method: Method,
    pub crc32: u32,
    /// The file's bytes.
    pub size: u64,
    /// The entry data's bytes (the file's, when stored).
    pub compressed_size: u64,
}

/// Turns one file at a time into its entry's data: the stored-or-deflated choice, the deflate
/// stream and the CRC-32. Its output depends only on the path and the bytes, so files can be
/// compressed anywhere, in any order and in parallel, and assembled later by [`Assembler`].
pub struct FileCompressor {
    deflater: Deflater,
    open: Option<OpenFile>,
}

/// The file between [`FileCompressor::start`] and [`FileCompressor::finish`].
struct OpenFile {
    path: String,
    size: u64,
    written: u64,
    method: Method,
    crc: crc32fast::Hasher,
    /// Where this file's data starts in the caller's buffer.
    data_start: usize,
    /// The bytes as they came in, for a small deflated file that may end up stored.
    raw: Option<Vec<u8>>,
}

impl Default for FileCompressor {
    fn default() -> Self {
        FileCompressor::new()
    }
}

impl FileCompressor {
    pub fn new() -> Self {
        FileCompressor { deflater: Deflater::new(), open: None }
    }

    /// Starts the file at `path`, which will have exactly `size` bytes; its data will be appended
    /// to `out` from its current end. A file still open is dropped.
    pub fn start(&mut self, path: &str, size: u64, out: &[u8]) {
        // An empty file is stored: deflate would only add its 2-byte end marker.
        let method = if size == 0 || should_store(path) { Method::Stored } else { Method::Deflated };
        if method == Method::Deflated {
            self.deflater.reset();
        }
        let keeps_raw = method == Method::Deflated && size <= STORED_FALLBACK_MAX_BYTES;
        self.open = Some(OpenFile {
            path: path.to_owned(),
            size,
            written: 0,
            method,
            crc: crc32fast::Hasher::new(),
            data_start: out.len(),
            // `size` is at most 64 KiB here.
            raw: keeps_raw.then(|| Vec::with_capacity(size as usize)),
        });
    }

    /// Appends the data of the next bytes of the open file to `out`. Any chunk size works, and the
    /// output does not depend on how the file is chunked. On an error the file is closed, and
    /// `out` may hold part of its data.
    pub fn write(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Finding> {
        let Some(open) = self.open.as_mut() else {
            return Err(error("package.no_open_file", "", "start a file before writing to it"));
        };
        let chunk_len = chunk.len() as u64;
        if open.written + chunk_len > open.size {
            let message = format!("{:?} has more bytes than the {} announced; did it change?", open.path, open.size);
            let path = self.open.take().map(|open| open.path).unwrap_or_default();
            return Err(error("package.size_mismatch", &path, message));
        }
        open.crc.update(chunk);
        if let Some(raw) = open.raw.as_mut() {
            raw.extend_from_slice(chunk);
        }
        let compressed = match open.method {
            Method::Stored => {
                out.extend_from_slice(chunk);
                true
            }
            Method::Deflated => chunk.is_empty() || self.deflater.deflate(chunk, false, out),
        };
        open.written += chunk_len;
        let data_len = out.len().saturating_sub(open.data_start) as u64;
        if !compressed {
            let path = self.open.take().map(|open| open.path).unwrap_or_default();
            return Err(deflate_failed(&path));
        }
        if data_len > MAX_BUNDLE_BYTES {
            let path = self.open.take().map(|open| open.path).unwrap_or_default();
            return Err(too_large(&path));
        }
        Ok(())
    }

    /// Ends the open file: its data in `out` is complete (a small file deflate did not shrink is
    /// swapped for its bytes). Fails when fewer bytes were written than announced.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<FileEntry, Finding> {
        let Some(open) = self.open.take() else {
            return Err(error("package.no_open_file", "", "there is no file to finish"));
        };
        let path = open.path;
        if open.written != open.size {
            let message =
                format!("{path:?} has {} bytes, not the {} announced; did it change?", open.written, open.size);
            return Err(error("package.size_mismatch", &path, message));
        }
        let mut method = open.method;
        if method == Method::Deflated {
            if !self.deflater.deflate(&[], true, out) {
                return Err(deflate_failed(&path));
            }
            if let Some(raw) = &open.raw {
                if out.len() - open.data_start >= raw.len() {
                    out.truncate(open.data_start);
                    out.extend_from_slice(raw);
                    method = Method::Stored;
                }
            }
        }
        Ok(FileEntry {
            method,
            crc32: open.crc.finalize(),
            size: open.size,
            compressed_size: (out.len() - open.data_start) as u64,
        })
    }

    /// A whole file's entry and data.
    pub fn compress(&mut self, path: &str, bytes: &[u8]) -> Result<(FileEntry, Vec<u8>), Finding> {
        let mut out = Vec::new();
        self.start(path, bytes.len() as u64, &out);
        self.write(bytes, &mut out)?;
        let entry = self.finish(&mut out)?;
        Ok((entry, out))
    }
}

/// Lays a bundle out around its entries' data, which the caller writes (or joins) in the order
/// given: for each file, the local header [`Assembler::add`] returns then the data; at the end, what
/// [`Assembler::finish`] returns. Files must come in byte order of their paths (the order of
/// [`Plan::included`]); a file out of order or twice is an error rather than silently reordered.
#[derive(Default)]
pub struct Assembler {
    entries: Vec<EntryRecord>,
    /// The bundle's bytes so far (local headers and data). Kept under [`MAX_BUNDLE_BYTES`] together
    /// with the central directory still to be written, so every offset and size fits its field.
    len: u64,
    /// The central directory's length once written.
    directory_len: u64,
    /// Lower-cased paths of the files added, and of the folders above them: two paths that differ
    /// only in case collide on case-insensitive file systems, and a name cannot be both a file and
    /// a folder, so such bundles cannot be unpacked.
    folded_files: HashSet<String>,
    folded_folders: HashSet<String>,
}

impl Assembler {
    pub fn new() -> Self {
        Assembler::default()
    }

    /// Whether a file of `size` bytes at `path` may come next; callers ask before reading it.
    pub fn check_next(&self, path: &str, size: u64) -> Result<(), Finding> {
        check_entry_path(path)?;
        if let Some(previous) = self.entries.last() {
            if path == previous.name {
                return Err(error("package.path_duplicate", path, format!("{path:?} was already added")));
            }
            if path < previous.name.as_str() {
                let message = format!(
                    "{path:?} sorts before {:?}, added already: add files in byte order of their paths",
                    previous.name
                );
                return Err(error("package.path_out_of_order", path, message));
            }
        }
        self.check_collisions(path)?;
        if self.entries.len() >= MAX_FILES {
            let message = format!("a bundle holds at most {MAX_FILES} files; leave some out with .appignore");
            return Err(error("package.too_many_files", path, message));
        }
        if size > MAX_BUNDLE_BYTES {
            return Err(too_large(path));
        }
        Ok(())
    }

    /// Adds the next file (checked as [`Assembler::check_next`] does, and against the bundle's
    /// size limit) and returns its local header, which goes right before its data.
    pub fn add(&mut self, path: &str, entry: &FileEntry) -> Result<Vec<u8>, Finding> {
        self.check_next(path, entry.size)?;
        let header_len = zip_records::local_header_len(path.len()) as u64;
        let directory_len = self.directory_len + zip_records::central_header_len(path.len()) as u64;
        let bundle_len = self.len
            + header_len
            + entry.compressed_size
            + directory_len
            + zip_records::END_OF_CENTRAL_DIRECTORY_LEN as u64;
        if bundle_len > MAX_BUNDLE_BYTES {
            return Err(too_large(path));
        }
        // Every value below fits in 32 bits: the bundle stays under MAX_BUNDLE_BYTES.
        let record = EntryRecord {
            name: path.to_owned(),
            method: entry.method,
            crc32: entry.crc32,
            compressed_size: entry.compressed_size as u32,
            size: entry.size as u32,
            local_header_offset: self.len as u32,
        };
        let mut header = Vec::with_capacity(header_len as usize);
        zip_records::write_local_header(&mut header, &record);
        let folded = path.to_lowercase();
        self.folded_folders.extend(folders_above(&folded).map(str::to_owned));
        self.folded_files.insert(folded);
        self.entries.push(record);
        self.len += header_len + entry.compressed_size;
        self.directory_len = directory_len;
        Ok(header)
    }

    /// The files added so far.
    pub fn files(&self) -> usize {
        self.entries.len()
    }

    /// The bundle's bytes so far: every local header and its data.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The end of the bundle: the central directory and its end record.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.directory_len as usize + zip_records::END_OF_CENTRAL_DIRECTORY_LEN);
        for entry in &self.entries {
            zip_records::write_central_header(&mut out, entry);
        }
        // Both fit in 32 bits: `add` kept the whole bundle under MAX_BUNDLE_BYTES.
        let directory_len = out.len() as u32;
        zip_records::write_end_of_central_directory(&mut out, self.entries.len(), self.len as u32, directory_len);
        out
    }

    /// Refuses a path that collides with a file already added: the same path in another case, or a
    /// file where a folder is needed (or the other way round).
    fn check_collisions(&self, path: &str) -> Result<(), Finding> {
        let folded = path.to_lowercase();
        if self.folded_files.contains(&folded) {
            let message = format!("{path:?} differs from another file's path only in case; rename one of them");
            return Err(error("package.path_duplicate", path, message));
        }
        if self.folded_folders.contains(&folded) {
            let message = format!("{path:?} is a file, but another file's path has a folder of that name");
            return Err(error("package.path_conflict", path, message));
        }
        if let Some(folder) = folders_above(&folded).find(|folder| self.folded_files.contains(*folder)) {
            let message = format!("{path:?} needs a folder named {folder:?}, but a file has that name");
            return Err(error("package.path_conflict", path, message));
        }
        Ok(())
    }
}

/// Builds a `.wave` in memory, one file at a time: [`FileCompressor`] and [`Assembler`] in one
/// buffer.
///
/// When a call fails, the file being written is dropped from the archive, so what
/// [`Packager::finish`] returns is always a valid zip of the files that were finished.
pub struct Packager {
    /// The archive so far; each file's local header is written as a placeholder of the right
    /// length when it starts, and filled in when it ends.
    out: Vec<u8>,
    assembler: Assembler,
    compressor: FileCompressor,
    open: Option<OpenEntry>,
    total_bytes: u64,
    bytes_done: u64,
}

/// The file between [`Packager::start_file`] and [`Packager::finish_file`].
struct OpenEntry {
    path: String,
    header_offset: usize,
    written: u64,
}

impl Packager {
    /// A packager for files totalling `total_bytes` (used for [`Progress`] only).
    pub fn new(total_bytes: u64) -> Self {
        Packager {
            out: Vec::new(),
            assembler: Assembler::new(),
            compressor: FileCompressor::new(),
            open: None,
            total_bytes,
            bytes_done: 0,
        }
    }

    /// Starts the file at `path` (relative, `/`-separated), which will have exactly `size` bytes.
    pub fn start_file(&mut self, path: &str, size: u64) -> Result<(), Finding> {
        if let Some(open) = &self.open {
            let message = format!("finish {:?} before starting the next file", open.path);
            return Err(error("package.file_still_open", path, message));
        }
        self.assembler.check_next(path, size)?;
        let header_offset = self.out.len();
        self.out.resize(header_offset + zip_records::local_header_len(path.len()), 0);
        self.compressor.start(path, size, &self.out);
        self.open = Some(OpenEntry { path: path.to_owned(), header_offset, written: 0 });
        Ok(())
    }

    /// Adds the next bytes of the open file. Any chunk size works, and the output does not depend
    /// on how the file is chunked.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), Finding> {
        let Some(open) = self.open.as_mut() else {
            return Err(error("package.no_open_file", "", "start a file before writing to it"));
        };
        let written = self.compressor.write(chunk, &mut self.out);
        open.written += chunk.len() as u64;
        self.bytes_done += chunk.len() as u64;
        let failure = match written {
            Err(finding) => Some(finding),
            Ok(()) if self.out.len() as u64 > MAX_BUNDLE_BYTES => Some(too_large(&open.path)),
            Ok(()) => None,
        };
        match failure {
            Some(finding) => {
                self.discard_open_file();
                Err(finding)
            }
            None => Ok(()),
        }
    }

    /// Ends the open file. Fails when fewer bytes were written than announced.
    pub fn finish_file(&mut self) -> Result<(), Finding> {
        let Some(open) = self.open.take() else {
            return Err(error("package.no_open_file", "", "there is no file to finish"));
        };
        let added =
            self.compressor.finish(&mut self.out).and_then(|entry| self.assembler.add(&open.path, &entry));
        match added {
            Ok(header) => {
                self.out[open.header_offset..open.header_offset + header.len()].copy_from_slice(&header);
                Ok(())
            }
            Err(finding) => {
                self.discard(open);
                Err(finding)
            }
        }
    }

    /// Adds a whole file: [`Packager::start_file`], [`Packager::write`], [`Packager::finish_file`].
    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), Finding> {
        self.start_file(path, bytes.len() as u64)?;
        self.write(bytes)?;
        self.finish_file()
    }

    pub fn progress(&self) -> Progress {
        Progress { bytes_done: self.bytes_done, total_bytes: self.total_bytes, files_done: self.assembler.files() as u64 }
    }

    /// Writes the central directory and returns the bundle. A file still open is left out.
    pub fn finish(mut self) -> Vec<u8> {
        self.discard_open_file();
        let end = self.assembler.finish();
        self.out.extend_from_slice(&end);
        self.out
    }

    fn discard_open_file(&mut self) {
        if let Some(open) = self.open.take() {
            self.discard(open);
        }
    }

    /// Removes a file's bytes from the archive, as if it had never been started.
    fn discard(&mut self, open: OpenEntry) {
        self.out.truncate(open.header_offset);
        self.bytes_done -= open.written;
    }
}

/// The folders above `path`: `a/b/c.py` gives `a`, `a/b`.
fn folders_above(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(slash, _)| &path[..slash])
}

/// Packages whole files: sorts them by path, then adds them in that order. For tests and small
/// callers; large folders go through [`plan`] and [`Packager`] so the bytes need not all be in memory.
pub fn package_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, Finding> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let total_bytes = sorted.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    let mut packager = Packager::new(total_bytes);
    for (path, bytes) in sorted {
        packager.add_file(path, bytes)?;
    }
    Ok(packager.finish())
}

/// The bundle's file name as the H2O CLI writes it: `<App.Name>.<App.Version>.wave` (spec §2.1).
/// `/`, `\` and control characters become `_`, so the result is one plain file name whatever the
/// manifest says.
pub fn bundle_file_name(name: &str, version: &str) -> String {
    format!("{name}.{version}.wave")
        .chars()
        .map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c })
        .collect()
}

/// Whether a file is stored rather than deflated: its extension is in [`STORED_EXTENSIONS`].
pub fn should_store(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_some_and(|(_, extension)| STORED_EXTENSIONS.iter().any(|stored| stored.eq_ignore_ascii_case(extension)))
}

/// Whether `path` can name a file in a bundle: the names the archive reader accepts. Relative,
/// `/`-separated, no empty, `.` or `..` components, no backslash, no drive letter, no control
/// characters (C0, DEL and C1, as the reader refuses them), at most 65,535 bytes.
pub fn check_entry_path(path: &str) -> Result<(), Finding> {
    let bytes = path.as_bytes();
    let problem = if path.is_empty() {
        "is empty"
    } else if path.len() > MAX_PATH_BYTES {
        "is longer than 1,024 bytes"
    } else if path.split('/').any(|part| part.len() > MAX_COMPONENT_BYTES) {
        "has a file or folder name longer than 255 bytes"
    } else if path.starts_with('/') {
        "is absolute; paths start inside the app folder"
    } else if path.contains('\\') {
        "contains a backslash; folders are separated by `/`"
    } else if path.chars().any(char::is_control) {
        "contains a control character"
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        "starts with a drive letter"
    } else if path.split('/').any(str::is_empty) {
        "has an empty folder name (`//` or a trailing `/`)"
    } else if path.split('/').any(|component| component == "." || component == "..") {
        "has a `.` or `..` folder"
    } else {
        return Ok(());
    };
    Err(error("package.path_invalid", path, format!("the path {path:?} {problem}; rename the file")))
}

fn error(code: &str, path: &str, message: impl Into<String>) -> Finding {
    let finding = Finding::error(code, path, message);
    if path.is_empty() {
        finding
    } else {
        finding.in_file(path)
    }
}

fn too_large(path: &str) -> Finding {
    let message = format!(
        "adding {path:?} makes the bundle larger than 4 GiB, the most a zip without zip64 holds; leave large files out with .appignore"
    );
    error("package.too_large", path, message)
}

fn deflate_failed(path: &str) -> Finding {
    error("package.deflate_failed", path, format!("compressing {path:?} failed; this is a bug in Wavehub"))
}

/// The integration tests' incompressible bytes (`tests/support/data.rs`): one generator for both.
#[cfg(test)]
#[path = "../../tests/support/data.rs"]
mod test_data;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_back(bytes: &[u8]) -> Vec<(String, zip::CompressionMethod, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
        (0..archive.len())
            .map(|index| {
                let mut file = archive.by_index(index).expect("an entry");
                let mut content = Vec::new();
                file.read_to_end(&mut content).expect("readable, CRC ok");
                (file.name().to_owned(), file.compression(), content)
            })
            .collect()
    }

    use super::test_data::noise;

    fn codes(result: Result<(), Finding>) -> String {
        result.err().map(|finding| finding.code).unwrap_or_default()
    }

    fn u16_at(bytes: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([bytes[at], bytes[at + 1]])
    }

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
    }

    // --- Names and choices ---------------------------------------------------------------------

    #[test]
    fn compressed_formats_are_stored_by_extension_whatever_the_case() {
        for path in ["static/icon.png", "ICON.PNG", "wheels/x-1.0-py3-none-any.whl", "data/t.Parquet", "a.tar.gz"] {
            assert!(should_store(path), "{path}");
        }
        for path in ["app.py", "README", "data.csv", "doc.pdf", "favicon.ico", "png", "a.png/readme", ".gitkeep"] {
            assert!(!should_store(path), "{path}");
        }
    }

    #[test]
    fn bundle_file_names_follow_the_cli() {
        assert_eq!(bundle_file_name("ai.h2o.wave.hello-world", "0.0.1"), "ai.h2o.wave.hello-world.0.0.1.wave");
        assert_eq!(bundle_file_name("q-peak", "0.1.2"), "q-peak.0.1.2.wave");
        assert_eq!(bundle_file_name("../evil/x", "1\n"), ".._evil_x.1_.wave", "always one plain file name");
    }

    #[test]
    fn entry_paths_the_reader_would_refuse_are_refused() {
        for good in ["app.py", "src/app.py", "static/icon.png", "é/ü.py", ".appignore", "a..b/c", "...", "ab:c"] {
            assert!(check_entry_path(good).is_ok(), "{good}");
        }
        let bad = [
            "",
            "/etc/passwd",
            "src\\app.py",
            "a\u{0}b",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}next-line",
            "C:/x.py",
            "c:x.py",
            "a//b",
            "src/",
            "./app.py",
            "a/./b",
            "../x",
            "a/../b",
            "a/..",
        ];
        for path in bad {
            let finding = check_entry_path(path).expect_err(path);
            assert_eq!(finding.code, "package.path_invalid", "{path}");
            assert!(finding.is_error());
        }
        // The checker's limits: 1,024 bytes in all, 255 per file or folder name.
        let long_path = vec!["a".repeat(255); 4].join("/");
        assert!(check_entry_path(&long_path).is_ok());
        assert!(check_entry_path(&format!("{long_path}/bc")).is_err());
        assert!(check_entry_path(&"a".repeat(256)).is_err());
    }

    // --- The format ----------------------------------------------------------------------------

    #[test]
    fn an_empty_bundle_is_just_the_end_record() {
        let bytes = Packager::new(0).finish();
        assert_eq!(bytes, [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(read_back(&bytes).is_empty());
    }

    #[test]
    fn one_stored_file_has_exactly_the_fixed_fields() {
        let bytes = package_files(&[("a.png".into(), b"hi".to_vec())]).unwrap();
        let crc = crc32fast::hash(b"hi");
        let mut expected = Vec::new();
        // Local header: version 2.0, no flags, stored, 1980-01-01 00:00, CRC, sizes, name, no extra.
        expected.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        expected.extend_from_slice(&crc.to_le_bytes());
        expected.extend_from_slice(&[2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0]);
        expected.extend_from_slice(b"a.pnghi");
        // Central header: made by Unix 2.0, the same fields, mode 0o100644, local header at 0.
        expected.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
        expected.extend_from_slice(&crc.to_le_bytes());
        expected
            .extend_from_slice(&[2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xa4, 0x81, 0, 0, 0, 0]);
        expected.extend_from_slice(b"a.png");
        // End record: 1 entry, directory of 51 bytes at offset 37.
        expected.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 51, 0, 0, 0, 37, 0, 0, 0, 0, 0]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn non_ascii_names_carry_the_utf8_flag_and_ascii_names_do_not() {
        let bytes = package_files(&[("a.txt".into(), vec![]), ("é.txt".into(), vec![])]).unwrap();
        let second_local = 30 + "a.txt".len();
        assert_eq!(u16_at(&bytes, 6), 0);
        assert_eq!(u16_at(&bytes, second_local + 6), 1 << 11);
        let names: Vec<String> = read_back(&bytes).into_iter().map(|(name, _, _)| name).collect();
        assert_eq!(names, ["a.txt", "é.txt"]);
    }

    #[test]
    fn deflated_entries_have_no_data_descriptor_and_sizes_in_the_local_header() {
        let text = b"hello hello hello hello hello hello\n".repeat(100);
        let bytes = package_files(&[("app.py".into(), text.clone())]).unwrap();
        assert_eq!(u16_at(&bytes, 6) & (1 << 3), 0, "no data descriptor flag");
        assert_eq!(u16_at(&bytes, 8), 8, "deflated");
        assert_eq!(u32_at(&bytes, 14), crc32fast::hash(&text));
        let compressed = u32_at(&bytes, 18) as usize;
        assert_eq!(u32_at(&bytes, 22) as usize, text.len());
        assert!(compressed < text.len() / 10);
        assert_eq!(u32_at(&bytes, 30 + 6 + compressed), 0x0201_4b50, "the central directory follows the data");
        assert_eq!(read_back(&bytes), [("app.py".to_owned(), zip::CompressionMethod::Deflated, text)]);
    }

    #[test]
    fn small_files_deflate_cannot_shrink_are_stored_and_large_ones_stay_deflated() {
        let noise = noise(200_000);
        let files = vec![
            ("a.py".to_owned(), b"x".to_vec()),
            ("b.bin".to_owned(), noise[..60_000].to_vec()),
            ("c.bin".to_owned(), noise.clone()),
            ("d.py".to_owned(), Vec::new()),
        ];
        let methods: Vec<zip::CompressionMethod> =
            read_back(&package_files(&files).unwrap()).into_iter().map(|(_, method, _)| method).collect();
        use zip::CompressionMethod::{Deflated, Stored};
        assert_eq!(methods, [Stored, Stored, Deflated, Stored]);
    }

    #[test]
    fn the_same_files_give_the_same_bytes_whatever_the_chunking() {
        // Larger than the deflate window (32 KiB), the stored fallback (64 KiB) and two of the
        // blocks the deflater is fed (256 KiB).
        let text: Vec<u8> =
            (0..60_000u32).flat_map(|i| format!("line {} of {}\n", i % 977, i % 13).into_bytes()).collect();
        assert!(text.len() > 600_000);
        let whole = package_files(&[("big.txt".into(), text.clone()), ("small.txt".into(), b"abc".to_vec())]).unwrap();
        for chunk_len in [1, 7, 258, 4096, 65_536, 300_000, 1 << 20] {
            let mut packager = Packager::new(0);
            packager.start_file("big.txt", text.len() as u64).unwrap();
            for chunk in text.chunks(chunk_len) {
                packager.write(chunk).unwrap();
            }
            packager.finish_file().unwrap();
            packager.add_file("small.txt", b"abc").unwrap();
            assert_eq!(packager.finish(), whole, "chunks of {chunk_len}");
        }
    }

    #[test]
    fn files_compressed_apart_and_assembled_give_the_packagers_bytes() {
        // What the browser does: each file compressed on its own (in any order, by any worker),
        // then the zip laid out around the data in path order.
        let text: Vec<u8> = (0..9_000u32).flat_map(|i| format!("row {},{}\n", i % 311, i % 7).into_bytes()).collect();
        let files = vec![
            ("a.py".to_owned(), b"print('hi')\n".to_vec()),
            ("data/big.csv".to_owned(), text),
            ("data/noise.bin".to_owned(), noise(70_000)),
            ("empty.txt".to_owned(), Vec::new()),
            ("static/icon.png".to_owned(), noise(300)),
            ("é.md".to_owned(), "# café\n".as_bytes().to_vec()),
        ];
        let expected = package_files(&files).unwrap();
        let mut compressed: Vec<(FileEntry, Vec<u8>)> = Vec::new();
        let mut compressor = FileCompressor::new();
        for (path, bytes) in files.iter().rev() {
            compressed.insert(0, compressor.compress(path, bytes).unwrap());
        }
        let mut assembler = Assembler::new();
        let mut bundle = Vec::new();
        for ((path, _), (entry, data)) in files.iter().zip(&compressed) {
            bundle.extend(assembler.add(path, entry).unwrap());
            bundle.extend_from_slice(data);
        }
        assert_eq!(assembler.len(), bundle.len() as u64);
        bundle.extend(assembler.finish());
        assert_eq!(bundle, expected);
    }

    #[test]
    fn the_assembler_refuses_what_the_packager_refuses() {
        let mut assembler = Assembler::new();
        let entry = |size| FileEntry { method: Method::Stored, crc32: 0, size, compressed_size: size };
        assembler.add("b.py", &entry(1)).unwrap();
        assert_eq!(codes(assembler.check_next("a.py", 1)), "package.path_out_of_order");
        assert_eq!(codes(assembler.add("b.py/x", &entry(1)).map(drop)), "package.path_conflict");
        assert_eq!(codes(assembler.add("c.py", &entry(MAX_BUNDLE_BYTES - 100)).map(drop)), "package.too_large");
        assert_eq!(assembler.files(), 1, "a refused file is not added");
        assembler.add("c.py", &entry(3)).unwrap();
        assert_eq!(assembler.len(), (30 + 4 + 1) + (30 + 4 + 3));
    }

    // --- The protocol -----------------------------------------------------------------------------

    #[test]
    fn files_must_come_in_byte_order_once_each() {
        let mut packager = Packager::new(0);
        packager.add_file("B.py", b"").unwrap();
        assert_eq!(codes(packager.add_file("A.py", b"")), "package.path_out_of_order");
        assert_eq!(codes(packager.add_file("B.py", b"")), "package.path_duplicate");
        assert_eq!(codes(packager.add_file("b.py", b"")), "package.path_duplicate", "differs only in case");
        assert_eq!(codes(packager.add_file("b/../c.py", b"")), "package.path_invalid");
        packager.add_file("c.py", b"").unwrap();
        let names: Vec<String> = read_back(&packager.finish()).into_iter().map(|(name, _, _)| name).collect();
        assert_eq!(names, ["B.py", "c.py"]);
    }

    #[test]
    fn a_name_cannot_be_both_a_file_and_a_folder() {
        let mut packager = Packager::new(0);
        packager.add_file("A/b.py", b"").unwrap();
        assert_eq!(codes(packager.add_file("a", b"")), "package.path_conflict");
        packager.add_file("data", b"").unwrap();
        assert_eq!(codes(packager.add_file("data/x.csv", b"")), "package.path_conflict");
        assert_eq!(codes(packager.add_file("dATa/x.csv", b"")), "package.path_out_of_order");
        packager.add_file("data.csv", b"").unwrap();
        assert_eq!(read_back(&packager.finish()).len(), 3);
    }

    #[test]
    fn a_file_must_have_the_bytes_it_announced() {
        let mut packager = Packager::new(0);
        packager.start_file("short.py", 5).unwrap();
        packager.write(b"abc").unwrap();
        assert_eq!(codes(packager.finish_file()), "package.size_mismatch");
        packager.start_file("long.py", 2).unwrap();
        assert_eq!(codes(packager.write(b"abc")), "package.size_mismatch");
        assert_eq!(codes(packager.write(b"a")), "package.no_open_file", "the failed file was closed");
        packager.add_file("ok.py", b"fine").unwrap();
        assert_eq!(
            read_back(&packager.finish()),
            [("ok.py".to_owned(), zip::CompressionMethod::Stored, b"fine".to_vec())]
        );
    }

    #[test]
    fn calls_out_of_sequence_are_errors_not_panics() {
        let mut packager = Packager::new(0);
        assert_eq!(codes(packager.write(b"x")), "package.no_open_file");
        assert_eq!(codes(packager.finish_file()), "package.no_open_file");
        packager.start_file("a.py", 1).unwrap();
        assert_eq!(codes(packager.start_file("b.py", 1)), "package.file_still_open");
        packager.write(b"x").unwrap();
        packager.finish_file().unwrap();
        packager.start_file("c.py", 10).unwrap();
        packager.write(b"unfinish").unwrap();
        let bytes = packager.finish();
        assert_eq!(read_back(&bytes).len(), 1, "a file still open is left out");
    }

    #[test]
    fn at_most_ten_thousand_files_and_four_gibibytes() {
        let mut packager = Packager::new(0);
        for index in 0..MAX_FILES {
            packager.add_file(&format!("f{index:05}"), b"").unwrap();
        }
        assert_eq!(codes(packager.add_file("g", b"")), "package.too_many_files");
        assert_eq!(read_back(&packager.finish()).len(), MAX_FILES);
        assert_eq!(codes(Packager::new(0).start_file("huge.bin", MAX_BUNDLE_BYTES + 1)), "package.too_large");
    }

    #[test]
    fn progress_counts_bytes_handed_in_and_files_finished() {
        let mut packager = Packager::new(10);
        packager.start_file("a.py", 4).unwrap();
        packager.write(b"ab").unwrap();
        assert_eq!(packager.progress(), Progress { bytes_done: 2, total_bytes: 10, files_done: 0 });
        packager.write(b"cd").unwrap();
        packager.finish_file().unwrap();
        packager.start_file("b.py", 6).unwrap();
        packager.write(b"abc").unwrap();
        assert_eq!(codes(packager.finish_file()), "package.size_mismatch");
        assert_eq!(
            packager.progress(),
            Progress { bytes_done: 4, total_bytes: 10, files_done: 1 },
            "the failed file is not counted"
        );
    }

    #[test]
    fn package_files_sorts_and_refuses_duplicates() {
        let forward = package_files(&[("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())]).unwrap();
        let backward = package_files(&[("b".into(), b"2".to_vec()), ("a".into(), b"1".to_vec())]).unwrap();
        assert_eq!(forward, backward);
        let duplicate = package_files(&[("a".into(), b"1".to_vec()), ("a".into(), b"2".to_vec())]);
        assert_eq!(duplicate.unwrap_err().code, "package.path_duplicate");
    }
}
