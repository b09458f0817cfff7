//! Writes a brotli and a gzip copy beside each text or wasm asset of the built web app
//! (`x.wasm` → `x.wasm.br`, `x.wasm.gz`), at the highest settings: done once per build, so the
//! server sends the smallest form the browser accepts without compressing on every request.

use std::io::Write;
use std::path::Path;

/// The files worth compressing. `index.html` is left out: the server serves it from memory
/// (with its security policy) and compresses that small answer itself.
const COMPRESSIBLE: [&str; 5] = ["wasm", "js", "css", "svg", "json"];

/// Compresses every compressible file in `dist` whose copies are missing or older (not recursing:
/// trunk writes a flat folder, and wasm-bindgen's `snippets/` are tiny). A copy that would not be
/// smaller is not written.
pub fn precompress(dist: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    let (mut raw_total, mut br_total) = (0, 0);
    for entry in entries.flatten() {
        let path = entry.path();
        let compressible = path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() || copies_are_current(&path) {
            continue;
        }
        let raw = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let brotli = brotli_bytes(&raw)?;
        let gzip = gzip_bytes(&raw)?;
        raw_total += raw.len();
        br_total += brotli.len().min(raw.len());
        for (suffix, copy) in [("br", brotli), ("gz", gzip)] {
            let target = copy_of(&path, suffix);
            if copy.len() < raw.len() {
                std::fs::write(&target, copy).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            } else if target.exists() {
                std::fs::remove_file(&target).map_err(|e| format!("cannot remove {}: {e}", target.display()))?;
            }
        }
    }
    if raw_total > 0 {
        println!("xtask: precompressed the web app: {} KB, {} KB with brotli", raw_total / 1024, br_total / 1024);
    }
    Ok(())
}

/// Whether `file` has a brotli copy at least as new as itself (then its gzip copy was written in
/// the same pass).
fn copies_are_current(file: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    matches!((modified(file), modified(&copy_of(file, "br"))), (Some(source), Some(copy)) if copy >= source)
}

/// Where the `suffix` copy of `file` goes: `x.wasm` → `x.wasm.br`.
fn copy_of(file: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    name.into()
}

fn brotli_bytes(raw: &[u8]) -> Result<Vec<u8>, String> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &raw[..], &mut out, &params).map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
}

fn gzip_bytes(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw).and_then(|()| encoder.finish()).map_err(|e| format!("gzip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn copies_decompress_to_the_original_and_small_files_get_none() {
        let dist = std::env::temp_dir().join(format!("xtask-precompress-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        let js = "export function greet() { return 'hello'; }\n".repeat(200);
        std::fs::write(dist.join("app-0123456789abcdef.js"), &js).unwrap();
        std::fs::write(dist.join("tiny.css"), "a{}").unwrap();
        std::fs::write(dist.join("index.html"), "<html></html>".repeat(100)).unwrap();
        precompress(&dist).unwrap();

        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &std::fs::read(dist.join("app-0123456789abcdef.js.br")).unwrap()[..], &mut unbrotli).unwrap();
        assert_eq!(unbrotli, js.as_bytes());
        let mut ungzip = String::new();
        flate2::read::GzDecoder::new(&std::fs::read(dist.join("app-0123456789abcdef.js.gz")).unwrap()[..]).read_to_string(&mut ungzip).unwrap();
        assert_eq!(ungzip, js);
        assert!(!dist.join("tiny.css.br").exists(), "a copy larger than the file is not kept");
        assert!(!dist.join("index.html.br").exists(), "index.html is the server's to compress");
        std::fs::remove_dir_all(&dist).unwrap();
    }
}
