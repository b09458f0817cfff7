//! Any bytes given as a bundle: both passes must return a report, never panic or run away.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wavehub_core::bundle::{check_bundle_bytes, BundleOptions};

fuzz_target!(|data: &[u8]| {
    let report = check_bundle_bytes(data, &BundleOptions::default());
    // A verdict is always given, and an invalid bundle always says why.
    assert_eq!(report.valid, report.errors.is_empty());
});
