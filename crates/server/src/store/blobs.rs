//! Bundle blobs on disk, content-addressed: `blobs/<first two hex digits>/<sha256>`. The same bytes
//! imported twice (two names, or a re-import after a delete) are stored once.

use std::io;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The blob folder inside the data dir.
pub const BLOB_DIR: &str = "blobs";

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(data_dir: &Path) -> Self {
        BlobStore { root: data_dir.join(BLOB_DIR) }
    }

    /// Where the blob with this digest lives (whether or not it exists).
    pub fn path(&self, sha256: &str) -> PathBuf {
        debug_assert!(sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()));
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Moves a finished upload into place under its digest, in one rename (the upload dir is in the
    /// same data dir, so on the same file system). Returns whether this call created the blob:
    /// `false` when the same bytes were already stored, and the upload is simply dropped.
    pub fn put(&self, upload: NamedTempFile, sha256: &str) -> io::Result<bool> {
        let target = self.path(sha256);
        if target.exists() {
            return Ok(false);
        }
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)?;
        }
        upload.persist(&target).map_err(|error| error.error)?;
        Ok(true)
    }

    /// Deletes a blob; a blob that is already gone is not an error.
    pub fn remove(&self, sha256: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(sha256)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const DIGEST: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn put_moves_the_upload_once_and_remove_forgets_it() {
        let data = tempfile::tempdir().unwrap();
        let store = BlobStore::new(data.path());
        let mut first = NamedTempFile::new_in(data.path()).unwrap();
        first.write_all(b"abc").unwrap();
        let first_path = first.path().to_path_buf();
        assert!(store.put(first, DIGEST).unwrap());
        assert!(!first_path.exists(), "the upload was moved, not copied");
        assert_eq!(std::fs::read(store.path(DIGEST)).unwrap(), b"abc");
        assert!(store.path(DIGEST).starts_with(data.path().join("blobs/ba")));

        let second = NamedTempFile::new_in(data.path()).unwrap();
        let second_path = second.path().to_path_buf();
        assert!(!store.put(second, DIGEST).unwrap(), "already stored");
        assert!(!second_path.exists(), "the duplicate upload is dropped");

        store.remove(DIGEST).unwrap();
        assert!(!store.path(DIGEST).exists());
        store.remove(DIGEST).unwrap();
    }
}
