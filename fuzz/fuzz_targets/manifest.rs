//! Any text given as app.toml: the validator must return findings, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wavehub_core::manifest::{check_manifest, ManifestOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let check = check_manifest(text, &ManifestOptions::default());
        // Every finding points at a real place: lines and columns count from 1.
        for finding in &check.findings {
            assert!(finding.line.is_none_or(|line| line >= 1));
            assert!(finding.column.is_none_or(|column| column >= 1));
        }
    }
});
