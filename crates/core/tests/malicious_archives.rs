//! The archive reader against a generated corpus of malicious and broken zips (one test per way of
//! being wrong, each asserting its exact code), ordinary archives from real tools and from the `zip`
//! crate, zip bombs, and property tests: no input panics, and the streaming integrity pass gives the
//! same verdict however the bytes are chunked.

mod support;

/// In a module named `archive` so that `cargo test -p wavehub-core archive` runs these too.
mod archive {
    use super::support::bombs::{self, MIB};
    use super::support::{crc32, deflate, LocalAt, ZipBuilder, DEFLATED, STORED};
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::io::{Cursor, Read, Write};
    use wavehub_core::api::Finding;
    use wavehub_core::archive::{
        check_archive, codes, extract_entry, locate_central_directory, read_central_directory, Directory,
        IntegrityCheck, Limits, Method, TAIL_LEN,
    };

    const APP_TOML: &[u8] = b"[App]\nName = \"ai.wavehub.demo\"\nVersion = \"1.0.0\"\n";
    const APP_PY: &[u8] = b"from h2o_wave import main, app, Q, ui\n\n@app('/')\nasync def serve(q: Q):\n    pass\n";

    // ---------------------------------------------------------------------------------------------
    // Checking helpers

    /// The structural pass as the server and browser run it: only the tail and the central directory.
    fn structural(bytes: &[u8], limits: &Limits) -> Result<Directory, Vec<Finding>> {
        let tail = &bytes[bytes.len() - bytes.len().min(TAIL_LEN as usize)..];
        let location = locate_central_directory(bytes.len() as u64, tail).map_err(|finding| vec![finding])?;
        let cd = bytes.get(location.offset as usize..(location.offset + location.size) as usize).unwrap_or(&[]);
        read_central_directory(bytes.len() as u64, &location, cd, limits)
    }

    /// The integrity pass fed in the given chunk sizes (cycled).
    fn integrity_in_chunks(directory: &Directory, bytes: &[u8], sizes: &[usize]) -> Result<(), Finding> {
        let mut check = IntegrityCheck::new(directory, bytes.len() as u64);
        let mut rest = bytes;
        let mut sizes = sizes.iter().cycle();
        while !rest.is_empty() {
            let size = (*sizes.next().unwrap()).clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(size);
            check.feed(chunk)?;
            rest = tail;
        }
        check.finish()
    }

    fn codes_of<T>(result: &Result<T, Vec<Finding>>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(findings) => {
                findings.iter().map(|finding| finding.code.clone()).collect::<BTreeSet<_>>().into_iter().collect()
            }
        }
    }

    /// The codes `check_archive` gives (sorted, without repeats; empty when it accepts), after making
    /// sure the streaming pass agrees with it in small and odd-sized chunks.
    fn check_with(bytes: &[u8], limits: &Limits) -> Vec<String> {
        let result = check_archive(bytes, limits);
        if let Ok(directory) = structural(bytes, limits) {
            let whole = integrity_in_chunks(&directory, bytes, &[usize::MAX]);
            let mut chunkings: Vec<&[usize]> = vec![&[4093], &[3, 65_536, 1]];
            if bytes.len() < 200_000 {
                chunkings.push(&[1]);
            }
            for sizes in chunkings {
                assert_eq!(integrity_in_chunks(&directory, bytes, sizes), whole, "chunks of {sizes:?}");
            }
            match (&result, &whole) {
                (Ok(_), Ok(())) => {}
                (Err(findings), Err(finding)) => assert_eq!(findings, &vec![finding.clone()]),
                _ => panic!("check_archive and the passes disagree: {result:?} / {whole:?}"),
            }
        }
        codes_of(&result)
    }

    fn check(bytes: &[u8]) -> Vec<String> {
        check_with(bytes, &Limits::default())
    }

    fn messages(bytes: &[u8]) -> Vec<String> {
        check_archive(bytes, &Limits::default()).err().unwrap_or_default().into_iter().map(|f| f.message).collect()
    }

    // ---------------------------------------------------------------------------------------------
    // Archives

    /// An ordinary small bundle.
    fn two_files() -> ZipBuilder {
        let mut zip = ZipBuilder::new();
        zip.stored("app.toml", APP_TOML);
        zip.deflated("src/app.py", APP_PY);
        zip
    }

    /// A bit of everything the reader accepts: stored, deflated, descriptors with and without
    /// signature, a directory, a UTF-8 name, an archive comment.
    fn varied() -> ZipBuilder {
        let mut zip = ZipBuilder::new();
        zip.stored("app.toml", APP_TOML);
        zip.directory("src/");
        zip.deflated("src/app.py", APP_PY).with_descriptor(true);
        zip.deflated("static/données.md", &"# Données\n".repeat(40).into_bytes()).with_descriptor(false);
        zip.stored("static/icon.png", b"\x89PNG\r\n\x1a\n not really").with_descriptor(true);
        zip.deflated("data/streamed.csv", &b"a,b,c\n1,2,3\n".repeat(100)).with_zip64_descriptor();
        zip.comment = b"made by the test builder".to_vec();
        zip
    }

    fn with_name(name: &[u8]) -> Vec<u8> {
        let mut zip = two_files();
        zip.raw(name, STORED, b"x".to_vec(), crc32(b"x"), 1);
        zip.build()
    }

    fn with_names(names: &[&str]) -> Vec<u8> {
        let mut zip = ZipBuilder::new();
        for name in names {
            if name.ends_with('/') {
                zip.directory(name);
            } else {
                zip.stored(name, name.as_bytes());
            }
        }
        zip.build()
    }

    fn with_mode(mode: u32) -> Vec<u8> {
        let mut zip = two_files();
        zip.stored("link", b"/etc/passwd").unix_mode(mode);
        zip.build()
    }

    fn with_method(method: u16) -> Vec<u8> {
        let mut zip = two_files();
        zip.raw(b"data.bin", method, b"compressed somehow".to_vec(), 0x1234_5678, 100);
        zip.build()
    }

    /// An entry of `mib` MiB of zeros, declared as `declared` bytes.
    fn zeros(zip: &mut ZipBuilder, name: &str, mib: u64, declared: u64) {
        let crc = bombs::crc32_of_zeros(mib * MIB);
        zip.raw(name.as_bytes(), DEFLATED, bombs::zeros_stream(mib), crc, declared as u32);
    }

    fn one_gigabyte_bomb(declared: u64) -> Vec<u8> {
        let mut zip = ZipBuilder::new();
        zip.stored("app.toml", APP_TOML);
        zeros(&mut zip, "zeros.bin", 1024, declared);
        zip.build()
    }

    /// An Info-ZIP Unicode Path extra field (0x7075) naming the entry `name`.
    fn unicode_path_extra(name: &[u8]) -> Vec<u8> {
        let mut extra = vec![0x75, 0x70];
        extra.extend_from_slice(&(5 + name.len() as u16).to_le_bytes());
        extra.push(1);
        extra.extend_from_slice(&crc32(name).to_le_bytes());
        extra.extend_from_slice(name);
        extra
    }

    /// Overwrites `bytes` at `at` (from the end when negative).
    fn patch(mut bytes: Vec<u8>, at: isize, with: &[u8]) -> Vec<u8> {
        let at = if at < 0 { (bytes.len() as isize + at) as usize } else { at as usize };
        bytes[at..at + with.len()].copy_from_slice(with);
        bytes
    }

    fn directory_offset(bytes: &[u8]) -> usize {
        structural(bytes, &Limits::default()).map(|_| ()).unwrap();
        let end = bytes.len() - 22;
        u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap()) as usize
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fixtures").join(name);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    /// An archive the `zip` crate writes.
    fn zip_crate_archive(files: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content, method) in files {
            let options = zip::write::SimpleFileOptions::default().compression_method(*method);
            if name.ends_with('/') {
                writer.add_directory(*name, options).unwrap();
            } else {
                writer.start_file(*name, options).unwrap();
                writer.write_all(content).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }

    // ---------------------------------------------------------------------------------------------
    // The corpus: one archive per way of being wrong, and the exact codes it must get.

    macro_rules! corpus {
        ($($name:ident => [$($code:expr),+], $bytes:expr;)*) => {
            mod corpus {
                use super::*;
                $(pub fn $name() -> Vec<u8> { $bytes })*
            }
            $(
                #[test]
                fn $name() {
                    let mut expected: Vec<String> = vec![$($code.to_owned()),+];
                    expected.sort();
                    assert_eq!(check(&corpus::$name()), expected, "{}: {:?}", stringify!($name), messages(&corpus::$name()));
                }
            )*
            /// Every case: its name, the codes it must get, and how to build it.
            const CORPUS: &[(&str, &[&str], fn() -> Vec<u8>)] = &[$((stringify!($name), &[$($code),+], corpus::$name as fn() -> Vec<u8>)),*];
        };
    }

    corpus! {
        // Not a zip, or not all of one.
        text_file_is_not_a_zip => [codes::NOT_ZIP], b"<!doctype html><title>404</title>".to_vec();
        empty_file_is_not_a_zip => [codes::NOT_ZIP], Vec::new();
        large_text_file_is_not_a_zip => [codes::NOT_ZIP], b"lorem ipsum ".repeat(20_000);
        archive_cut_in_half => [codes::TRUNCATED], { let bytes = varied().build(); bytes[..bytes.len() / 2].to_vec() };
        large_archive_cut_short => [codes::TRUNCATED], {
            let mut zip = two_files();
            zip.stored("a.bin", &vec![7; 300_000]);
            zip.stored("b.bin", &vec![8; 300_000]);
            let bytes = zip.build();
            bytes[..bytes.len() - 200].to_vec()
        };
        comment_cut_short => [codes::TRUNCATED], {
            let mut zip = two_files();
            zip.comment = b"a comment that will be cut".to_vec();
            let bytes = zip.build();
            bytes[..bytes.len() - 5].to_vec()
        };
        directory_past_the_end => [codes::TRUNCATED], { let mut zip = two_files(); zip.end.directory_offset = Some(1_000_000); zip.build() };
        trailing_junk => [codes::TRAILING_DATA], { let mut zip = two_files(); zip.suffix = b"#!/bin/sh\nrm -rf /\n".to_vec(); zip.build() };
        comment_shorter_than_declared => [codes::TRAILING_DATA], {
            let mut zip = two_files();
            zip.comment = b"hello, world".to_vec();
            zip.end.comment_len = Some(5);
            zip.build()
        };
        self_extracting_stub => [codes::PREPENDED_DATA], { let mut zip = two_files(); zip.prefix = b"MZ\x90\0 stub".repeat(50); zip.build() };
        stub_with_unadjusted_offsets => [codes::PREPENDED_DATA], {
            let mut zip = two_files();
            zip.prefix = b"#!/bin/sh\nexec unzip \"$0\"\n".to_vec();
            zip.offsets_count_prefix = false;
            zip.build()
        };
        two_archives_concatenated => [codes::PREPENDED_DATA], [two_files().build(), varied().build()].concat();
        bytes_hidden_between_entries => [codes::GAP], { let mut zip = two_files(); zip.entries[0].after = b"hidden payload".to_vec(); zip.build() };
        bytes_hidden_before_the_directory => [codes::GAP], { let mut zip = two_files(); zip.before_directory = b"hidden".to_vec(); zip.build() };
        junk_after_a_data_descriptor => [codes::GAP], {
            let mut zip = two_files();
            zip.entries[1].with_descriptor(true).after = b"!!!!".to_vec();
            zip.build()
        };
        comment_hiding_an_end_record => [codes::AMBIGUOUS_END], {
            // Python's zipfile and Go's archive/zip would read the archive this fake record describes.
            let mut fake = ZipBuilder::new();
            fake.stored("app.toml", b"[App]\nName = \"other\"\n");
            let fake = fake.build();
            let mut zip = two_files();
            zip.comment = fake[fake.len() - 22..].to_vec();
            zip.comment.extend_from_slice(b"..");
            zip.build()
        };
        comment_with_a_signature => [codes::AMBIGUOUS_END], { let mut zip = two_files(); zip.comment = b"PK\x05\x06".to_vec(); zip.build() };
        split_archive => [codes::MULTI_DISK], { let mut zip = two_files(); zip.end.disk = Some(1); zip.end.directory_disk = Some(1); zip.build() };
        entry_on_another_disk => [codes::MULTI_DISK], { let mut zip = two_files(); zip.entries[1].central.disk_start = 2; zip.build() };
        zip64_locator => [codes::ZIP64], { let mut zip = two_files(); zip.zip64_locator = true; zip.build() };
        zip64_entry_count => [codes::ZIP64], { let mut zip = two_files(); zip.end.entries = Some(0xFFFF); zip.build() };
        zip64_entry_sizes => [codes::ZIP64], { let mut zip = two_files(); zip.entries[1].central.uncompressed_size = u32::MAX; zip.build() };
        zip64_from_info_zip_reading_stdin => [codes::ZIP64], fixture("infozip_stdin.zip");

        // The central directory.
        central_header_without_signature => [codes::BAD_CENTRAL_DIRECTORY], {
            let bytes = two_files().build();
            let at = directory_offset(&bytes) as isize;
            patch(bytes, at, b"PK\x09\x09")
        };
        central_header_running_past_the_directory => [codes::BAD_CENTRAL_DIRECTORY], {
            let mut zip = two_files();
            zip.entries[1].central.comment = b"c".to_vec();
            let bytes = zip.build();
            // The last record's comment length (at +32) now claims far more than the directory holds.
            let last = directory_offset(&bytes) + 46 + "app.toml".len();
            patch(bytes, last as isize + 32, &[0xFF, 0x00])
        };
        more_entries_declared_than_listed => [codes::ENTRY_COUNT_MISMATCH], { let mut zip = two_files(); zip.end.entries = Some(3); zip.build() };
        fewer_entries_declared_than_listed => [codes::ENTRY_COUNT_MISMATCH], { let mut zip = two_files(); zip.end.entries = Some(1); zip.build() };
        ten_thousand_and_one_entries => [codes::TOO_MANY_ENTRIES], {
            let mut zip = ZipBuilder::new();
            for index in 0..10_001 {
                zip.stored(&format!("f/{index}"), b"");
            }
            zip.build()
        };
        ten_thousand_and_one_entries_declared_as_five => [codes::TOO_MANY_ENTRIES], {
            let mut zip = ZipBuilder::new();
            for index in 0..10_001 {
                zip.stored(&format!("f/{index}"), b"");
            }
            zip.end.entries = Some(5);
            zip.build()
        };
        a_hundred_and_fifty_bad_names => [codes::NAME_ABSOLUTE, codes::TOO_MANY_PROBLEMS], {
            let mut zip = ZipBuilder::new();
            for index in 0..150 {
                zip.stored(&format!("/tmp/{index}"), b"x");
            }
            zip.build()
        };

        // Entries that are not plain files.
        encrypted_entry => [codes::ENCRYPTED], { let mut zip = two_files(); zip.entries[1].both(|r| r.flags |= 1); zip.build() };
        strongly_encrypted_entry => [codes::ENCRYPTED], { let mut zip = two_files(); zip.entries[1].both(|r| r.flags |= 1 | 1 << 6); zip.build() };
        aes_encrypted_entry => [codes::ENCRYPTED], with_method(99);
        bzip2_entry => [codes::UNSUPPORTED_METHOD], with_method(12);
        zstd_entry => [codes::UNSUPPORTED_METHOD], with_method(93);
        lzma_entry => [codes::UNSUPPORTED_METHOD], with_method(14);
        deflate64_entry => [codes::UNSUPPORTED_METHOD], with_method(9);
        symlink => [codes::SYMLINK], with_mode(0o120_777);
        symlink_made_on_macos => [codes::SYMLINK], {
            let mut zip = two_files();
            zip.stored("link", b"../secret").unix_mode(0o120_755).central(|r| r.version_made_by = (19 << 8) | 20);
            zip.build()
        };
        character_device => [codes::SPECIAL_FILE], with_mode(0o020_644);
        block_device => [codes::SPECIAL_FILE], with_mode(0o060_644);
        named_pipe => [codes::SPECIAL_FILE], with_mode(0o010_644);
        socket => [codes::SPECIAL_FILE], with_mode(0o140_644);
        directory_holding_data => [codes::DIRECTORY_HAS_DATA], { let mut zip = two_files(); zip.stored("static/", b"surprise").unix_mode(0o040_755); zip.build() };
        unix_directory_without_slash => [codes::DIRECTORY_NO_SLASH], { let mut zip = two_files(); zip.stored("static", b"").unix_mode(0o040_755); zip.build() };
        dos_directory_without_slash => [codes::DIRECTORY_NO_SLASH], {
            let mut zip = two_files();
            zip.stored("static", b"").central(|r| { r.version_made_by = 20; r.external_attributes = 0x10; });
            zip.build()
        };

        // Names.
        empty_name => [codes::NAME_EMPTY], with_name(b"");
        legacy_code_page_name => [codes::NAME_NOT_UTF8], with_name(b"caf\x82.txt");
        name_flagged_utf8_but_not => [codes::NAME_NOT_UTF8], {
            let mut zip = two_files();
            zip.raw(b"caf\xe9.txt", STORED, b"x".to_vec(), crc32(b"x"), 1).both(|r| r.flags |= 1 << 11);
            zip.build()
        };
        name_with_newline => [codes::NAME_CONTROL_CHARACTER], with_name(b"evil\nname.txt");
        name_with_nul => [codes::NAME_CONTROL_CHARACTER], with_name(b"app.toml\0.txt");
        absolute_name => [codes::NAME_ABSOLUTE], with_name(b"/etc/cron.d/evil");
        backslash_name => [codes::NAME_BACKSLASH], with_name(b"..\\..\\windows\\system32\\evil.dll");
        drive_letter_name => [codes::NAME_DRIVE_LETTER], with_name(b"C:/Windows/evil.dll");
        parent_name => [codes::NAME_TRAVERSAL], with_name(b"../../home/user/.bashrc");
        parent_inside_name => [codes::NAME_TRAVERSAL], with_name(b"src/../../evil.py");
        dot_name => [codes::NAME_NOT_CANONICAL], with_name(b"./app.py");
        double_slash_name => [codes::NAME_NOT_CANONICAL], with_name(b"src//app.py");
        unicode_path_naming_another_file => [codes::NAME_AMBIGUOUS], {
            // Info-ZIP's unzip unpacks this entry as `../evil.py`; most other tools as `src/app.py`.
            let mut zip = two_files();
            zip.entries[1].both(|r| r.extra = unicode_path_extra(b"../evil.py"));
            zip.build()
        };
        local_unicode_path_naming_another_file => [codes::NAME_AMBIGUOUS], {
            let mut zip = two_files();
            zip.entries[1].local(|r| r.extra = unicode_path_extra(b"src/other.py"));
            zip.build()
        };
        duplicate_names => [codes::NAME_DUPLICATE], { let mut zip = two_files(); zip.stored("app.toml", b"[App]\nName = \"evil\"\n"); zip.build() };
        names_differing_in_case => [codes::NAME_CASE_COLLISION], with_names(&["README.md", "readme.md"]);
        file_and_directory_of_one_name => [codes::NAME_FILE_AND_FOLDER], with_names(&["static", "static/"]);
        file_and_folder_of_one_name => [codes::NAME_FILE_AND_FOLDER], with_names(&["src", "src/app.py"]);
        file_and_folder_differing_in_case => [codes::NAME_FILE_AND_FOLDER], with_names(&["Src", "src/app.py"]);

        // Overlaps: the "overlapping files" bombs and their relatives.
        entries_sharing_one_local_header => [codes::OVERLAPPING_ENTRIES], {
            // Fifield's full overlap: one kernel, many names.
            let mut zip = ZipBuilder::new();
            zeros(&mut zip, "0", 10, 10 * MIB);
            for index in 1..50 {
                zip.alias(&index.to_string(), 0);
            }
            zip.build()
        };
        quoted_overlap_bomb => [codes::OVERLAPPING_ENTRIES], bombs::quoted_overlap_bomb(20, 100_000);
        entry_running_into_the_directory => [codes::OVERLAPPING_ENTRIES], {
            let mut zip = two_files();
            zip.entries[1].both(|r| r.compressed_size += 100);
            zip.build()
        };
        entry_pointing_past_the_directory => [codes::OVERLAPPING_ENTRIES], {
            let mut zip = two_files();
            zip.raw(b"ghost", STORED, Vec::new(), 0, 0).local_at = LocalAt::Offset(0x00FF_FFFF);
            zip.build()
        };
        entry_hidden_in_an_extra_field => [codes::OVERLAPPING_ENTRIES], {
            // The second entry's local header sits inside the first's extra field: only the local
            // header's extra length shows the overlap, so the integrity pass finds it.
            let mut zip = ZipBuilder::new();
            let mut extra = vec![0xFE, 0xCA, 196, 0];
            extra.extend([0u8; 196]);
            zip.stored("a", b"0123456789").local(|r| r.extra = extra);
            zip.raw(b"b", STORED, Vec::new(), 0, 0).local_at = LocalAt::Offset(30 + 1 + 100);
            zip.build()
        };

        // Sizes.
        too_much_in_total => [codes::TOO_LARGE_UNCOMPRESSED], {
            let mut zip = ZipBuilder::new();
            for index in 0..9 {
                zeros(&mut zip, &format!("part{index}.bin"), 60, 60 * MIB);
            }
            zip.build()
        };
        one_gigabyte_of_zeros => [codes::TOO_LARGE_UNCOMPRESSED, codes::SUSPICIOUS_RATIO], one_gigabyte_bomb(1024 * MIB);
        hundred_megabytes_of_zeros => [codes::SUSPICIOUS_RATIO], {
            let mut zip = ZipBuilder::new();
            zeros(&mut zip, "zeros.bin", 100, 100 * MIB);
            zip.build()
        };
        gigabyte_declared_as_a_kilobyte => [codes::SIZE_MISMATCH], one_gigabyte_bomb(1000);
        content_shorter_than_declared => [codes::SIZE_MISMATCH], { let mut zip = two_files(); zip.entries[1].both(|r| r.uncompressed_size += 10); zip.build() };
        stored_sizes_differ => [codes::SIZE_MISMATCH], { let mut zip = two_files(); zip.entries[0].both(|r| r.uncompressed_size += 1); zip.build() };
        deflate_stream_shorter_than_compressed_size => [codes::SIZE_MISMATCH], {
            let mut zip = two_files();
            let mut data = deflate(APP_PY);
            data.extend_from_slice(b"tail");
            zip.raw(b"extra.py", DEFLATED, data, crc32(APP_PY), APP_PY.len() as u32);
            zip.build()
        };
        flipped_byte_in_stored_data => [codes::CRC_MISMATCH], { let mut zip = two_files(); zip.entries[0].data[3] ^= 0x20; zip.build() };
        wrong_crc => [codes::CRC_MISMATCH], { let mut zip = two_files(); zip.entries[1].both(|r| r.crc32 ^= 1); zip.build() };
        garbage_deflate_data => [codes::CORRUPT_DATA], { let mut zip = two_files(); zip.raw(b"x.py", DEFLATED, vec![0xFF; 40], 0, 100); zip.build() };
        deflate_data_cut_short => [codes::CORRUPT_DATA], {
            let mut zip = two_files();
            let data = deflate(&APP_PY.repeat(20));
            zip.raw(b"x.py", DEFLATED, data[..data.len() - 3].to_vec(), crc32(&APP_PY.repeat(20)), APP_PY.len() as u32 * 20);
            zip.build()
        };
        empty_deflate_data => [codes::CORRUPT_DATA], { let mut zip = two_files(); zip.raw(b"x.py", DEFLATED, Vec::new(), 0, 0); zip.build() };

        // Local headers and descriptors that disagree with the central directory.
        local_name_differs => [codes::HEADER_MISMATCH], { let mut zip = two_files(); zip.entries[1].local.name = b"src/evil.py".to_vec(); zip.build() };
        local_method_differs => [codes::HEADER_MISMATCH], { let mut zip = two_files(); zip.entries[0].local.method = DEFLATED; zip.build() };
        local_crc_differs => [codes::HEADER_MISMATCH], { let mut zip = two_files(); zip.entries[0].local.crc32 ^= 0xFF; zip.build() };
        local_size_differs => [codes::HEADER_MISMATCH], { let mut zip = two_files(); zip.entries[1].local.uncompressed_size += 1; zip.build() };
        local_flags_differ => [codes::HEADER_MISMATCH], { let mut zip = two_files(); zip.entries[1].local.flags |= 1 << 3; zip.build() };
        no_local_header_where_the_directory_says => [codes::HEADER_MISMATCH], {
            let bytes = two_files().build();
            patch(bytes, 0, b"PK\x01\x02")
        };
        descriptor_with_wrong_crc => [codes::DESCRIPTOR_MISMATCH], {
            let mut zip = two_files();
            zip.entries[1].with_descriptor(true).descriptor[4] ^= 1;
            zip.build()
        };
        descriptor_with_wrong_size => [codes::DESCRIPTOR_MISMATCH], {
            let mut zip = two_files();
            zip.entries[1].with_descriptor(false).descriptor[8] ^= 1;
            zip.build()
        };
        descriptor_cut_short => [codes::DESCRIPTOR_MISMATCH], {
            let mut zip = two_files();
            zip.entries[1].with_descriptor(false).descriptor.truncate(8);
            zip.build()
        };
    }

    /// Codes that only other calls than `check_archive` give, with a case each.
    fn other_calls() -> Vec<(&'static str, Vec<String>)> {
        let bytes = two_files().build();
        let directory = check_archive(&bytes, &Limits::default()).unwrap();
        let entry = directory.find("src/app.py").unwrap();
        let (start, end) = entry.byte_range();
        let range = &bytes[start as usize..end as usize];
        let too_large = extract_entry(entry, range, 10).unwrap_err();
        let short_read = extract_entry(entry, &range[..range.len() - 1], 1000).unwrap_err();
        let few_entries = Limits { max_entries: 1, ..Limits::default() };
        let too_many = codes_of(&check_archive(&bytes, &few_entries));
        vec![
            (codes::ENTRY_TOO_LARGE, vec![too_large.code]),
            (codes::TRUNCATED, vec![short_read.code]),
            (codes::TOO_MANY_ENTRIES, too_many),
        ]
    }

    #[test]
    fn every_code_is_produced_by_the_corpus() {
        let mut produced = BTreeSet::new();
        for (name, expected, build) in CORPUS {
            let got = check(&build());
            for code in *expected {
                assert!(got.contains(&code.to_string()), "{name}: {got:?}");
            }
            produced.extend(got);
        }
        for (code, got) in other_calls() {
            assert_eq!(got, [code]);
            produced.insert(code.to_owned());
        }
        let missing: Vec<&&str> = codes::ALL.iter().filter(|code| !produced.contains(**code)).collect();
        assert!(missing.is_empty(), "codes no test produces: {missing:?}");
        let unknown: Vec<&String> = produced.iter().filter(|code| !codes::ALL.contains(&code.as_str())).collect();
        assert!(unknown.is_empty(), "codes missing from codes::ALL: {unknown:?}");
    }

    #[test]
    fn findings_name_the_entry_and_say_what_to_do() {
        let findings = check_archive(&with_method(12), &Limits::default()).unwrap_err();
        assert_eq!(findings[0].file.as_deref(), Some("data.bin"));
        assert_eq!(findings[0].path, "data.bin");
        assert!(findings[0].message.contains("bzip2 (method 12)"), "{}", findings[0].message);
        let findings = check_archive(&with_method(93), &Limits::default()).unwrap_err();
        assert!(findings[0].message.contains("zstd"), "{}", findings[0].message);
        let findings = check_archive(b"hello", &Limits::default()).unwrap_err();
        assert!(findings[0].message.contains("wavehub bundle"), "{}", findings[0].message);
        assert_eq!(findings[0].file, None);
        for (name, _, build) in CORPUS {
            for finding in check_archive(&build(), &Limits::default()).unwrap_err() {
                assert!(finding.is_error(), "{name}");
                assert!(finding.message.len() > 30, "{name}: {}", finding.message);
            }
        }
    }

    #[test]
    fn several_problems_are_reported_together() {
        let mut zip = two_files();
        zip.stored("/abs", b"x");
        zip.stored("link", b"x").unix_mode(0o120_777);
        zip.raw(b"b.bz2", 12, b"x".to_vec(), 0, 1);
        assert_eq!(check(&zip.build()), [codes::NAME_ABSOLUTE, codes::SYMLINK, codes::UNSUPPORTED_METHOD]);
    }

    #[test]
    fn limits_are_configurable() {
        let bytes = varied().build();
        assert_eq!(check(&bytes), Vec::<String>::new());
        let tight = Limits { max_entries: 3, ..Limits::default() };
        assert_eq!(check_with(&bytes, &tight), [codes::TOO_MANY_ENTRIES]);
        let tight = Limits { min_total_uncompressed: 100, total_ratio: 1, ..Limits::default() };
        assert_eq!(check_with(&bytes, &tight), [codes::TOO_LARGE_UNCOMPRESSED]);
        let tight = Limits { big_entry: 100, big_entry_ratio: 2, ..Limits::default() };
        assert_eq!(check_with(&bytes, &tight), [codes::SUSPICIOUS_RATIO]);
    }

    // ---------------------------------------------------------------------------------------------
    // Bombs and bounded memory

    #[test]
    fn the_bomb_builder_makes_real_bombs() {
        // The same construction as the gigabyte, at 4 MiB, inflated for real.
        let stream = bombs::zeros_stream(4);
        let content = miniz_oxide::inflate::decompress_to_vec(&stream).unwrap();
        assert_eq!(content.len() as u64, 4 * MIB);
        assert!(content.iter().all(|&byte| byte == 0));
        assert_eq!(bombs::crc32_of_zeros(4 * MIB), crc32(&content));
        assert_eq!(bombs::crc32_of_zeros(5), crc32(&[0; 5]));
        let mut zip = ZipBuilder::new();
        zeros(&mut zip, "zeros.bin", 4, 4 * MIB);
        let bytes = zip.build();
        let relaxed = Limits { big_entry: 1, big_entry_ratio: 10_000, ..Limits::default() };
        assert_eq!(check_with(&bytes, &relaxed), Vec::<String>::new());
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut read = Vec::new();
        archive.by_index(0).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read.len() as u64, 4 * MIB);
        // The gigabyte bomb is about a megabyte.
        assert!(one_gigabyte_bomb(1000).len() < 3 * MIB as usize);
    }

    #[test]
    fn the_quoted_overlap_bomb_is_what_it_says() {
        let bytes = bombs::quoted_overlap_bomb(5, 10_000);
        let location = {
            let tail = &bytes[bytes.len().saturating_sub(TAIL_LEN as usize)..];
            locate_central_directory(bytes.len() as u64, tail).unwrap()
        };
        assert_eq!(location.entries, 5);
        // Each file unpacks to the kernel and the local headers after it: more than the archive.
        let total: u64 = (0..5u64).map(|index| 10_000 + (4 - index) * 38).sum();
        assert!(total > bytes.len() as u64 * 4);
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut read = Vec::new();
        archive.by_index(0).unwrap().read_to_end(&mut read).unwrap();
        assert_eq!(read.len() as u64, 10_000 + 4 * 38, "the first file unpacks through every later header");
    }

    #[test]
    fn a_bomb_lying_about_its_size_stops_at_the_declared_size() {
        // 1 GiB of zeros declared as 1,000 bytes: the integrity pass must stop one byte past the
        // declared size, long before inflating (or reading) the gigabyte.
        let bytes = one_gigabyte_bomb(1000);
        let directory = structural(&bytes, &Limits::default()).expect("declared sizes look harmless");
        let started = std::time::Instant::now();
        let mut check = IntegrityCheck::new(&directory, bytes.len() as u64);
        let mut verdict = Ok(());
        for chunk in bytes.chunks(64 * 1024) {
            verdict = check.feed(chunk);
            if verdict.is_err() {
                break;
            }
        }
        let finding = verdict.unwrap_err();
        assert_eq!(finding.code, codes::SIZE_MISMATCH);
        assert!(finding.message.contains("more than the 1000 bytes"), "{}", finding.message);
        assert!(check.bytes_done() <= 2 * 64 * 1024, "stopped after {} bytes of {}", check.bytes_done(), bytes.len());
        assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
    }

    #[test]
    fn an_honest_gigabyte_bomb_is_refused_before_inflating() {
        let bytes = one_gigabyte_bomb(1024 * MIB);
        let started = std::time::Instant::now();
        let findings = structural(&bytes, &Limits::default()).unwrap_err();
        let found: BTreeSet<&str> = findings.iter().map(|finding| finding.code.as_str()).collect();
        assert_eq!(found, BTreeSet::from([codes::SUSPICIOUS_RATIO, codes::TOO_LARGE_UNCOMPRESSED]));
        assert!(started.elapsed().as_millis() < 500, "the structural pass took {:?}", started.elapsed());
    }

    // ---------------------------------------------------------------------------------------------
    // Ordinary archives are accepted

    #[test]
    fn archives_from_the_builder_are_accepted_and_extract() {
        let zip = varied();
        let bytes = zip.build();
        assert_eq!(check(&bytes), Vec::<String>::new());
        let directory = check_archive(&bytes, &Limits::default()).unwrap();
        let names: Vec<&str> = directory.entries.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(
            names,
            ["app.toml", "src/", "src/app.py", "static/données.md", "static/icon.png", "data/streamed.csv"]
        );
        assert!(directory.find("src/").unwrap().is_dir);
        assert_eq!(directory.find("src/app.py").unwrap().method, Method::Deflated);
        assert_eq!(directory.find("nope"), None);
        for spec in &zip.entries {
            let name = std::str::from_utf8(&spec.central.name).unwrap();
            let entry = directory.find(name).unwrap();
            let (start, end) = entry.byte_range();
            let content = extract_entry(entry, &bytes[start as usize..end as usize], u64::MAX).unwrap();
            assert_eq!(content.len() as u64, entry.uncompressed_size, "{name}");
            assert_eq!(crc32(&content), entry.crc32, "{name}");
        }
        let total: u64 = directory.entries.iter().map(|entry| entry.uncompressed_size).sum();
        assert_eq!(directory.total_uncompressed(), total);
    }

    #[test]
    fn archives_from_the_zip_crate_are_accepted_and_read_alike() {
        use zip::CompressionMethod::{Deflated, Stored};
        let big: Vec<u8> = (0..400_000u32).map(|i| (i % 253) as u8 ^ (i >> 11) as u8).collect();
        let files: &[(&str, &[u8], zip::CompressionMethod)] = &[
            ("app.toml", APP_TOML, Deflated),
            ("src/", b"", Stored),
            ("src/app.py", APP_PY, Deflated),
            ("src/empty.py", b"", Deflated),
            ("static/icon.png", b"\x89PNG not really", Stored),
            ("données/été.txt", "accents é à ü".as_bytes(), Deflated),
            ("data/big.bin", &big, Deflated),
            ("data/big-stored.bin", &big, Stored),
        ];
        let bytes = zip_crate_archive(files);
        assert_eq!(check(&bytes), Vec::<String>::new());
        let directory = check_archive(&bytes, &Limits::default()).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(archive.len(), directory.entries.len());
        for (index, entry) in directory.entries.iter().enumerate() {
            let mut theirs = archive.by_index(index).unwrap();
            assert_eq!(theirs.name(), entry.name);
            assert_eq!(theirs.is_dir(), entry.is_dir);
            let mut expected = Vec::new();
            theirs.read_to_end(&mut expected).unwrap();
            let (start, end) = entry.byte_range();
            let ours = extract_entry(entry, &bytes[start as usize..end as usize], u64::MAX).unwrap();
            assert!(ours == expected, "{}", entry.name);
        }
    }

    #[test]
    fn archives_from_real_tools_are_accepted() {
        // `zip -r - . | cat`: Info-ZIP streaming files: descriptors with signature, extra fields.
        let streamed = fixture("infozip_files_pipe.zip");
        assert_eq!(check(&streamed), Vec::<String>::new());
        // `echo hi | zip - - | cat`: Info-ZIP streaming stdin: zip64 extra field in the local header
        // and a 24-byte descriptor. It records stdin's type, a FIFO, which is refused...
        let piped = fixture("infozip_pipe.zip");
        assert_eq!(check(&piped), [codes::SPECIAL_FILE]);
        // ...and once that says "regular file", the rest reads fine.
        let mode_at = piped.len() - 22 - 1 - 8; // external attributes of the only central record
        assert_eq!(piped[mode_at..mode_at + 4], [0x00, 0x00, 0x80, 0x11]);
        let regular = patch(piped, mode_at as isize + 2, &[0xA4, 0x81]);
        assert_eq!(check(&regular), Vec::<String>::new());
        // Python's zipfile writing to an unseekable stream: descriptors with signature, a UTF-8 name.
        let python = fixture("python_unseekable.zip");
        assert_eq!(check(&python), Vec::<String>::new());
        let directory = check_archive(&python, &Limits::default()).unwrap();
        assert!(directory.find("data/été.txt").is_some());
        // `zip -r`: extra fields (UT, ux) and a directory entry.
        let plain = fixture("infozip_files_redirect.zip");
        assert_eq!(check(&plain), Vec::<String>::new());
        assert!(check_archive(&plain, &Limits::default()).unwrap().find("src/").unwrap().is_dir);
    }

    #[test]
    fn bundles_from_the_packager_are_accepted() {
        let files = vec![("app.toml".to_owned(), APP_TOML.to_vec()), ("src/app.py".to_owned(), APP_PY.repeat(50))];
        let bytes = wavehub_core::package::package_files(&files).unwrap();
        assert_eq!(check(&bytes), Vec::<String>::new());
    }

    #[test]
    fn edge_cases_that_are_fine() {
        assert_eq!(check(&ZipBuilder::new().build()), Vec::<String>::new(), "an empty archive");
        let mut zip = two_files();
        zip.comment = b"a comment".to_vec();
        assert_eq!(check(&zip.build()), Vec::<String>::new());
        let mut zip = two_files();
        zip.entries[1].both(|r| r.extra = unicode_path_extra(b"src/app.py"));
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "a Unicode Path field that agrees");
        let mut zip = two_files();
        zip.raw("sans-drapeau/été.txt".as_bytes(), STORED, b"x".to_vec(), crc32(b"x"), 1).both(|r| r.flags = 0);
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "UTF-8 names without the flag");
        let mut zip = two_files();
        zip.raw(b"empty/", DEFLATED, vec![0x03, 0x00], 0, 0).unix_mode(0o040_755);
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "a directory as an empty deflate stream");
        let mut zip = two_files();
        zip.stored("no-mode.txt", b"x").central(|r| r.external_attributes = 0);
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "no file type recorded");
        let mut zip = two_files();
        zip.entries[1].with_descriptor(false).local(|r| {
            r.crc32 = crc32(APP_PY);
        });
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "a descriptor, and the CRC filled in anyway");
        let mut zip = two_files();
        zip.entries[0].with_descriptor(true).descriptor.clear();
        assert_eq!(check(&zip.build()), Vec::<String>::new(), "flag bit 3 without a descriptor");
    }

    #[test]
    fn the_structural_pass_reads_the_same_amount_whatever_the_entry_sizes() {
        let read_for = |len: usize| {
            let mut zip = two_files();
            zip.stored("data.bin", &vec![1; len]);
            let bytes = zip.build();
            let tail_len = bytes.len().min(TAIL_LEN as usize);
            let location = locate_central_directory(bytes.len() as u64, &bytes[bytes.len() - tail_len..]).unwrap();
            let cd = &bytes[location.offset as usize..(location.offset + location.size) as usize];
            read_central_directory(bytes.len() as u64, &location, cd, &Limits::default()).unwrap();
            (tail_len, cd.len())
        };
        assert_eq!(read_for(100_000), read_for(3_000_000));
    }

    // ---------------------------------------------------------------------------------------------
    // Properties

    /// A small valid archive to mutate, with every kind of record.
    fn mutation_base() -> Vec<u8> {
        let mut zip = ZipBuilder::new();
        zip.stored("app.toml", APP_TOML);
        zip.directory("src/");
        zip.deflated("src/app.py", &APP_PY.repeat(3)).with_descriptor(true);
        zip.deflated("b.txt", b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb").with_zip64_descriptor();
        zip.stored("c.txt", b"c").with_descriptor(false);
        zip.build()
    }

    /// Whatever `check_archive` says, the streaming pass says the same in `sizes` chunks, and anything
    /// accepted reads the same with the `zip` crate.
    fn assert_consistent(bytes: &[u8], sizes: &[usize]) -> Result<(), TestCaseError> {
        let result = check_archive(bytes, &Limits::default());
        if let Ok(directory) = structural(bytes, &Limits::default()) {
            let whole = integrity_in_chunks(&directory, bytes, &[usize::MAX]);
            prop_assert_eq!(integrity_in_chunks(&directory, bytes, sizes), whole.clone());
            prop_assert_eq!(result.is_ok(), whole.is_ok());
        }
        if let Ok(directory) = result {
            let mut archive =
                zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("the zip crate reads what we accept");
            for (index, entry) in directory.entries.iter().enumerate() {
                let (start, end) = entry.byte_range();
                let ours = extract_entry(entry, &bytes[start as usize..end as usize], u64::MAX)
                    .expect("an accepted entry extracts");
                let mut theirs = archive.by_index(index).expect("the zip crate finds the entry");
                prop_assert_eq!(theirs.name(), entry.name.as_str());
                let mut content = Vec::new();
                theirs.read_to_end(&mut content).expect("the zip crate reads the entry");
                prop_assert_eq!(ours, content);
            }
        }
        Ok(())
    }

    #[test]
    fn flipping_any_byte_of_an_archive_is_caught_or_harmless() {
        // Every position, three ways: what is accepted must read the same with the `zip` crate, and
        // the streaming verdict must not depend on chunking.
        let base = mutation_base();
        for at in 0..base.len() {
            for mask in [0x01, 0x80, 0xFF] {
                let mut bytes = base.clone();
                bytes[at] ^= mask;
                if let Err(error) = assert_consistent(&bytes, &[1, 5]) {
                    panic!("byte {at} ^ {mask:#04x}: {error}");
                }
            }
        }
    }

    fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(prop_oneof![1usize..8, 1usize..300, 1usize..5000], 1..20)
    }

    proptest! {
        #[test]
        fn any_bytes_get_a_verdict(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = check_archive(&bytes, &Limits::default());
        }

        #[test]
        fn any_bytes_before_an_end_record_get_a_verdict(
            body in prop::collection::vec(any::<u8>(), 0..1024),
            fields in prop::collection::vec(any::<u8>(), 16),
            comment in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut bytes = body;
            bytes.extend_from_slice(b"PK\x05\x06");
            bytes.extend_from_slice(&fields);
            bytes.extend_from_slice(&(comment.len() as u16).to_le_bytes());
            bytes.extend_from_slice(&comment);
            let _ = check_archive(&bytes, &Limits::default());
        }

        #[test]
        fn random_central_records_get_a_verdict(
            records in prop::collection::vec((prop::collection::vec(any::<u8>(), 42), prop::collection::vec(any::<u8>(), 0..12)), 0..6),
            body in prop::collection::vec(any::<u8>(), 0..600),
        ) {
            // Structured junk: real signatures, random fields, offsets that land anywhere.
            let mut bytes = body;
            let directory_offset = bytes.len() as u32;
            for (fields, name) in &records {
                bytes.extend_from_slice(b"PK\x01\x02");
                let mut fields = fields.clone();
                fields[24..26].copy_from_slice(&(name.len() as u16).to_le_bytes());
                fields[26..30].fill(0);
                bytes.extend_from_slice(&fields);
                bytes.extend_from_slice(name);
            }
            let size = bytes.len() as u32 - directory_offset;
            bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0");
            bytes.extend_from_slice(&(records.len() as u16).to_le_bytes());
            bytes.extend_from_slice(&(records.len() as u16).to_le_bytes());
            bytes.extend_from_slice(&size.to_le_bytes());
            bytes.extend_from_slice(&directory_offset.to_le_bytes());
            bytes.extend_from_slice(&[0, 0]);
            assert_consistent(&bytes, &[7])?;
        }

        #[test]
        fn mutated_archives_get_the_same_verdict_in_any_chunks(
            flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..6),
            cut in prop::option::of(any::<prop::sample::Index>()),
            insert in prop::option::of((any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..8))),
            sizes in chunk_sizes(),
        ) {
            let mut bytes = mutation_base();
            for (at, mask) in &flips {
                let at = at.index(bytes.len());
                bytes[at] ^= mask;
            }
            if let Some((at, inserted)) = &insert {
                let at = at.index(bytes.len());
                bytes.splice(at..at, inserted.iter().copied());
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len()));
            }
            assert_consistent(&bytes, &sizes)?;
        }

        #[test]
        fn valid_archives_are_accepted_in_any_chunks(
            files in prop::collection::vec(("[a-z]{1,8}(/[a-z]{1,8}){0,2}", prop::collection::vec(any::<u8>(), 0..3000), any::<bool>(), 0u8..3), 1..8),
            sizes in chunk_sizes(),
        ) {
            let mut zip = ZipBuilder::new();
            let mut names = BTreeSet::new();
            for (index, (name, content, deflated, descriptor)) in files.iter().enumerate() {
                // Unique names that are never a folder of one another.
                let name = format!("{index}/{name}.bin");
                if !names.insert(name.clone()) {
                    continue;
                }
                let entry = if *deflated { zip.deflated(&name, content) } else { zip.stored(&name, content) };
                match descriptor {
                    1 => { entry.with_descriptor(true); }
                    2 => { entry.with_descriptor(false); }
                    _ => {}
                }
            }
            let bytes = zip.build();
            prop_assert!(check_archive(&bytes, &Limits::default()).is_ok());
            assert_consistent(&bytes, &sizes)?;
        }
    }
}
