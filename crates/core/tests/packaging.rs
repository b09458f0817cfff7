//! Packaging round trips: what the packager writes, the `zip` crate reads back byte for byte, and the
//! same files always give the same bundle, however they are handed in.

mod support;

use support::noise;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::io::Read;
use wavehub_core::package::{package_files, plan, should_store, FileMeta, Packager};
use zip::CompressionMethod;

/// Every entry of a zip: name, how it is kept, and its bytes (the `zip` crate checks each CRC).
fn read_back(bytes: &[u8]) -> Vec<(String, CompressionMethod, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    (0..archive.len())
        .map(|index| {
            let mut entry = archive.by_index(index).expect("an entry");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("readable, CRC ok");
            (entry.name().to_owned(), entry.compression(), content)
        })
        .collect()
}


fn text(len: usize) -> Vec<u8> {
    let line = b"from h2o_wave import main, app, Q, ui  # a line of an app\n";
    line.iter().copied().cycle().take(len).collect()
}

/// Packs `files` (already sorted) through [`Packager`] in chunks of `chunk_len`.
fn package_in_chunks(files: &[(String, Vec<u8>)], chunk_len: usize) -> Vec<u8> {
    let total = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    let mut packager = Packager::new(total);
    for (path, bytes) in files {
        packager.start_file(path, bytes.len() as u64).unwrap();
        for chunk in bytes.chunks(chunk_len.max(1)) {
            packager.write(chunk).unwrap();
        }
        packager.finish_file().unwrap();
    }
    assert_eq!(packager.progress().bytes_done, total);
    assert_eq!(packager.progress().files_done, files.len() as u64);
    packager.finish()
}

fn app_files() -> Vec<(String, Vec<u8>)> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(noise(3_000));
    vec![
        ("app.toml".into(), b"[App]\nName = \"ai.wavehub.demo\"\nVersion = \"1.0.0\"\n".to_vec()),
        ("src/app.py".into(), text(200_000)),
        ("src/__init__.py".into(), Vec::new()),
        ("static/icon.png".into(), png),
        ("static/SCREENSHOT-1.JPG".into(), text(10_000)),
        ("wheels/x-1.0-py3-none-any.whl".into(), noise(70_000)),
        ("data/table.parquet".into(), noise(5_000)),
        ("data/big-noise.bin".into(), noise(150_000)),
        ("données/é.csv".into(), b"a,b\n1,2\n".repeat(100)),
        ("README.md".into(), b"# Demo\n".to_vec()),
    ]
}

#[test]
fn an_app_round_trips_with_stored_and_deflated_entries() {
    let files = app_files();
    let bytes = package_files(&files).unwrap();
    let mut expected = files.clone();
    expected.sort();
    let entries = read_back(&bytes);
    let names: Vec<&str> = entries.iter().map(|(name, _, _)| name.as_str()).collect();
    let expected_names: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, expected_names, "sorted by the bytes of the path");
    for ((name, method, content), (_, original)) in entries.iter().zip(&expected) {
        assert_eq!(content, original, "{name}");
        let want = match name.as_str() {
            // Stored by extension, whatever the content (a .JPG of text too).
            _ if should_store(name) => CompressionMethod::Stored,
            // Empty, or too small for deflate to help.
            "src/__init__.py" | "README.md" | "app.toml" => CompressionMethod::Stored,
            // Deflate cannot shrink noise, but above 64 KiB the file is not kept to fall back on.
            _ => CompressionMethod::Deflated,
        };
        assert_eq!(*method, want, "{name}");
    }
    assert!(bytes.len() < 260_000 + 150_000, "text deflates: {} bytes", bytes.len());
}

#[test]
fn the_same_files_give_identical_bytes_whatever_the_order_or_chunking() {
    let files = app_files();
    let reference = package_files(&files).unwrap();
    let mut reversed = files.clone();
    reversed.reverse();
    assert_eq!(package_files(&reversed).unwrap(), reference);
    let mut sorted = files;
    sorted.sort();
    for chunk_len in [1, 3, 1000, 32_768, 65_536, 1 << 20] {
        assert_eq!(package_in_chunks(&sorted, chunk_len), reference, "chunks of {chunk_len}");
    }
}

#[test]
fn a_planned_folder_packs_in_plan_order() {
    let folder: BTreeMap<&str, Vec<u8>> = [
        ("app.toml", b"[App]\n".to_vec()),
        ("src/app.py", text(5_000)),
        ("src/__pycache__/app.cpython-312.pyc", noise(100)),
        ("venv/bin/python", noise(100)),
        ("logs/today.log", text(100)),
        (".appignore", b"*.log\n".to_vec()),
        ("Z.md", b"zed".to_vec()),
    ]
    .into_iter()
    .collect();
    let metas: Vec<FileMeta> =
        folder.iter().map(|(path, bytes)| FileMeta { path: (*path).to_owned(), size: bytes.len() as u64 }).collect();
    let plan = plan(&metas, Some("*.log\n"));
    let included: Vec<(String, Vec<u8>)> =
        plan.included.iter().map(|meta| (meta.path.clone(), folder[meta.path.as_str()].clone())).collect();
    let bytes = package_in_chunks(&included, 4096);
    let names: Vec<String> = read_back(&bytes).into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(names, [".appignore", "Z.md", "app.toml", "src/app.py"]);
    assert_eq!(bytes, package_files(&included).unwrap());
}

/// A relative path whose components start with `d` (folders) or `f` (files), so a name is never both.
fn relative_path() -> impl Strategy<Value = String> {
    (prop::collection::vec("d[a-z0-9é._-]{0,5}", 0..3), "f[a-zé0-9_-]{0,6}(\\.(py|txt|png|whl|gz|csv))?")
        .prop_map(|(folders, file)| folders.into_iter().chain([file]).collect::<Vec<_>>().join("/"))
}

fn content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2_000),
        "[ab \n]{0,3000}".prop_map(String::into_bytes),
        (any::<u8>(), 60_000..70_000usize).prop_map(|(byte, len)| vec![byte; len]),
        (66_000..70_000usize).prop_map(noise),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_small_file_set_round_trips_in_any_chunking(
        files in prop::collection::btree_map(relative_path(), content(), 0..6),
        chunk_len in 1..5_000usize,
    ) {
        // Paths that differ only in case are refused; keep one of each.
        let mut seen = std::collections::HashSet::new();
        let files: Vec<(String, Vec<u8>)> =
            files.into_iter().filter(|(path, _)| seen.insert(path.to_lowercase())).collect();
        let bytes = package_files(&files).unwrap();
        let entries = read_back(&bytes);
        prop_assert_eq!(entries.len(), files.len());
        for ((name, method, content), (path, original)) in entries.iter().zip(&files) {
            prop_assert_eq!(name, path);
            prop_assert_eq!(content, original);
            if should_store(path) {
                prop_assert_eq!(*method, CompressionMethod::Stored);
            }
        }
        prop_assert_eq!(package_in_chunks(&files, chunk_len), bytes);
    }
}
