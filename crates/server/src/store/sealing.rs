//! Secret values at rest: sealed with XChaCha20-Poly1305 under a key kept outside the database, so
//! a copy of `wavehub.db` (or its WAL, or a backup) holds no usable secret. docs/secrets.md says
//! where the key lives and how to rotate it.
//!
//! The key comes from `WAVEHUB_SECRET_KEY` (64 hex digits) when set, else from the key file
//! (`--secret-key-file`, default `DATA_DIR/secret.key`), which the first start creates (mode 0600).
//! Each value is bound to its secret and key name (the associated data), so sealed values cannot be
//! swapped between rows.

use anyhow::{bail, Context};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};

/// The key file's name in the data dir, by default.
pub const KEY_FILE: &str = "secret.key";
const NONCE_LEN: usize = 24;

pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

/// Where the key comes from.
#[derive(Debug)]
pub enum KeySource {
    Environment,
    File(PathBuf),
    /// A new key, written to this file just now.
    Created(PathBuf),
}

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> Self {
        SecretBox { cipher: XChaCha20Poly1305::new(key.into()) }
    }

    /// The key from `WAVEHUB_SECRET_KEY` or the key file, creating the file when neither exists.
    pub fn load_or_create(data_dir: &Path, key_file: Option<&Path>) -> anyhow::Result<(SecretBox, KeySource)> {
        if let Ok(hex_key) = std::env::var("WAVEHUB_SECRET_KEY") {
            let key = parse_key(&hex_key).context("WAVEHUB_SECRET_KEY")?;
            return Ok((SecretBox::from_key(&key), KeySource::Environment));
        }
        let path = key_file.map_or_else(|| data_dir.join(KEY_FILE), Path::to_path_buf);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = parse_key(&text).with_context(|| format!("the secret key file {}", path.display()))?;
                Ok((SecretBox::from_key(&key), KeySource::File(path)))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = new_key();
                write_key_file(&path, &key)?;
                Ok((SecretBox::from_key(&key), KeySource::Created(path)))
            }
            Err(error) => Err(error).with_context(|| format!("cannot read the secret key file {}", path.display())),
        }
    }

    /// `nonce || ciphertext`, bound to `secret` and `key`.
    pub fn seal(&self, secret: &str, key: &str, value: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let aad = associated_data(secret, key);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: value.as_bytes(), aad: &aad })
            .expect("sealing a value of bounded size cannot fail");
        [nonce.as_slice(), &sealed].concat()
    }

    /// The value, or an error when it was sealed under another key (or for another row).
    pub fn open(&self, secret: &str, key: &str, sealed: &[u8]) -> anyhow::Result<String> {
        if sealed.len() < NONCE_LEN {
            bail!("the sealed value of {secret}/{key} is truncated");
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let aad = associated_data(secret, key);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
            .map_err(|_| anyhow::anyhow!("the value of {secret}/{key} does not open with this server's secret key (was the key replaced?)"))?;
        String::from_utf8(plain).context("a secret value is not UTF-8")
    }
}

fn associated_data(secret: &str, key: &str) -> Vec<u8> {
    [secret.as_bytes(), &[0], key.as_bytes()].concat()
}

pub fn new_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the OS random source works");
    key
}

fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.trim()).map_err(|_| anyhow::anyhow!("the key must be 64 hex digits"))?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("the key must be 64 hex digits (32 bytes)"))
}

/// Writes a key file readable by its owner only, replacing any file there in one step.
pub fn write_key_file(path: &Path, key: &[u8; 32]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let partial = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot create the secret key file {}", partial.display()))?;
    writeln!(file, "{}", hex::encode(key))?;
    file.sync_all()?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write the secret key file {}", path.display()))?;
    Ok(())
}

/// `wavehub rotate-secret-key`: re-seals every secret value under a new key, then replaces the key
/// file (the old one is kept beside it, `secret.key.old`, until you delete it). Run it with the server
/// stopped. Returns how many values were re-sealed and where the new key is.
pub async fn rotate(data_dir: &Path, key_file: Option<&Path>, database: &crate::db::DatabaseLocation) -> anyhow::Result<(usize, PathBuf)> {
    if std::env::var_os("WAVEHUB_SECRET_KEY").is_some() {
        bail!("WAVEHUB_SECRET_KEY is set: rotation rewrites a key file; unset it (the key file is then used) or see docs/secrets.md");
    }
    let path = key_file.map_or_else(|| data_dir.join(KEY_FILE), Path::to_path_buf);
    if !path.is_file() {
        bail!("there is no key file at {}: nothing to rotate", path.display());
    }
    let (old, _) = SecretBox::load_or_create(data_dir, Some(&path))?;
    let new_key = new_key();
    let db = crate::db::connect(database, data_dir).await?;
    // Sealed under the new key in one transaction; the key file is replaced only after it commits.
    // A crash between the two leaves values the old key no longer opens: the new key is written
    // to `.new` first, so it can be put in place by hand.
    let beside = |suffix: &str| PathBuf::from(format!("{}.{suffix}", path.display()));
    let pending = beside("new");
    write_key_file(&pending, &new_key)?;
    let count = crate::store::secrets::reseal_all(&db, &old, &SecretBox::from_key(&new_key)).await?;
    db.close().await;
    std::fs::copy(&path, beside("old")).with_context(|| format!("cannot keep the old key beside {}", path.display()))?;
    std::fs::rename(&pending, &path).with_context(|| format!("cannot put the new key in place at {}", path.display()))?;
    Ok((count, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_open_only_with_their_key_and_row() {
        let sealer = SecretBox::from_key(&new_key());
        let sealed = sealer.seal("s3", "password", "hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(sealer.open("s3", "password", &sealed).unwrap(), "hunter2");
        assert!(sealer.open("s3", "user", &sealed).is_err(), "bound to its row");
        assert!(SecretBox::from_key(&new_key()).open("s3", "password", &sealed).is_err(), "bound to its key");
        assert_ne!(sealer.seal("s3", "password", "hunter2"), sealed, "a fresh nonce each time");
    }

    #[test]
    fn the_first_start_creates_a_private_key_file_and_later_starts_read_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = SecretBox::load_or_create(dir.path(), None).unwrap();
        assert!(matches!(source, KeySource::Created(_)));
        let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, source) = SecretBox::load_or_create(dir.path(), None).unwrap();
        assert!(matches!(source, KeySource::File(_)));
        assert_eq!(again.open("a", "b", &first.seal("a", "b", "v")).unwrap(), "v");
        std::fs::write(dir.path().join(KEY_FILE), "not hex").unwrap();
        assert!(SecretBox::load_or_create(dir.path(), None).unwrap_err().to_string().contains("secret key file"));
    }
}
