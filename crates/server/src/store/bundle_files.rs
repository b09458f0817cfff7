//! Bundles on disk: check a `.wave` file or a folder exactly as an upload is checked, package a
//! folder, and read one file out of a stored bundle. The rules are wavehub-core's; this module only
//! does the reading and writing.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use wavehub_core::appignore::default_ignore;
use wavehub_core::archive::{self, Directory, Entry, IntegrityCheck, Limits};
use wavehub_core::bundle::{BundleOptions, BundleReport, StructuralCheck, StructuralOutcome};
use wavehub_core::package::{self, FileMeta, Packager, Plan};

/// How much the integrity pass reads at a time: large enough for fast sequential reads, small enough
/// that memory stays flat whatever the bundle's size.
const CHUNK: usize = 1 << 20;

/// Both passes over a `.wave` file, reading only the ranges the structural pass asks for and then
/// streaming the whole file once.
pub fn check_bundle_file(path: &Path, options: &BundleOptions) -> io::Result<BundleReport> {
    let mut file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut structural = StructuralCheck::new(file_len, options.clone());
    while let Some((start, end)) = structural.next_read() {
        let bytes = read_range(&mut file, start, end.min(file_len))?;
        structural.provide(&bytes);
    }
    let StructuralOutcome { mut report, directory } = structural.finish();
    if let Some(directory) = directory {
        file.seek(SeekFrom::Start(0))?;
        let mut integrity = IntegrityCheck::new(&directory, file_len);
        let mut buffer = vec![0; CHUNK];
        let verdict = loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break integrity.finish();
            }
            if let Err(finding) = integrity.feed(&buffer[..read]) {
                break Err(finding);
            }
        };
        if let Err(finding) = verdict {
            report.add([finding]);
        }
    }
    Ok(report)
}

/// The central directory of a stored bundle: the names of its files without reading them. Stored
/// bundles passed every check on import, so a failure here means the blob changed on disk.
pub fn read_directory(path: &Path) -> io::Result<Directory> {
    let mut file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let tail = read_range(&mut file, file_len.saturating_sub(archive::TAIL_LEN), file_len)?;
    let location = archive::locate_central_directory(file_len, &tail).map_err(|finding| io::Error::other(finding.message))?;
    let directory = read_range(&mut file, location.offset, location.offset + location.size)?;
    archive::read_central_directory(file_len, &location, &directory, &Limits::default()).map_err(|findings| {
        io::Error::other(findings.into_iter().next().map(|finding| finding.message).unwrap_or_default())
    })
}

/// One file of a stored bundle, inflated and checked against its CRC.
pub fn read_entry(path: &Path, entry: &Entry) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let (start, end) = entry.byte_range();
    let bytes = read_range(&mut file, start, end)?;
    archive::extract_entry(entry, &bytes, entry.uncompressed_size).map_err(|finding| io::Error::other(finding.message))
}

fn read_range(file: &mut File, start: u64, end: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(end.saturating_sub(start)).map_err(|_| io::Error::other("range too large"))?;
    let mut bytes = vec![0; len];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// What [`list_folder`] found.
#[derive(Debug, Default)]
pub struct ListedFolder {
    /// Each file's meta and the absolute path to read it from.
    pub files: Vec<(FileMeta, PathBuf)>,
    /// Folders not walked into, with why (for `Plan::add_unwalked_folder`).
    pub unwalked: Vec<(String, String)>,
}

/// A folder's files as the packager sees them: relative `/`-separated paths, sizes, and the
/// absolute path to read each from. Symbolic links are not followed (a bundle holds regular files),
/// and folders that are always left out (`.git`, `venv`, caches) are not walked into: they can
/// hold more files than the whole app.
pub fn list_folder(root: &Path) -> io::Result<ListedFolder> {
    let mut listed = ListedFolder::default();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let absolute = entry.path();
            let relative = relative_path(root, &absolute)?;
            if kind.is_dir() {
                match default_ignore(&relative, true) {
                    Some(reason) => listed.unwalked.push((relative, reason.to_string())),
                    None => folders.push(absolute),
                }
            } else if kind.is_file() {
                listed.files.push((FileMeta { path: relative, size: entry.metadata()?.len() }, absolute));
            }
        }
    }
    Ok(listed)
}

/// `absolute` relative to `root`, with `/` separators as archives write them.
fn relative_path(root: &Path, absolute: &Path) -> io::Result<String> {
    let relative = absolute.strip_prefix(root).map_err(io::Error::other)?;
    let Some(relative) = relative.to_str() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} has a name that is not UTF-8; rename it", absolute.display()),
        ));
    };
    Ok(relative.replace(std::path::MAIN_SEPARATOR, "/"))
}

/// Packages a folder the way `wavehub bundle` does: default ignores and `.appignore` applied,
/// names sorted, the same bytes for the same files.
pub fn package_folder(root: &Path) -> io::Result<(Plan, Vec<u8>)> {
    let ListedFolder { files: listed, unwalked } = list_folder(root)?;
    let metas: Vec<FileMeta> = listed.iter().map(|(meta, _)| meta.clone()).collect();
    let appignore = match std::fs::read_to_string(root.join(".appignore")) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    let mut plan = package::plan(&metas, appignore.as_deref());
    for (folder, reason) in unwalked {
        plan.add_unwalked_folder(&folder, reason);
    }
    let absolute_paths: HashMap<&str, &PathBuf> =
        listed.iter().map(|(meta, absolute)| (meta.path.as_str(), absolute)).collect();
    let mut packager = Packager::new(plan.total_bytes);
    let mut buffer = vec![0; CHUNK];
    for meta in &plan.included {
        let Some(absolute) = absolute_paths.get(meta.path.as_str()) else {
            continue;
        };
        let mut file = File::open(absolute)?;
        packager.start_file(&meta.path, meta.size).map_err(finding_error)?;
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            packager.write(&buffer[..read]).map_err(finding_error)?;
        }
        packager.finish_file().map_err(finding_error)?;
    }
    Ok((plan, packager.finish()))
}

fn finding_error(finding: wavehub_core::api::Finding) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {}", finding.path, finding.message))
}
