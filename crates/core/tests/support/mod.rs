//! Helpers for the archive tests: a raw zip builder that can write any field wrong, and zip bombs.

#![allow(dead_code, unused_imports)]

pub mod bombs;
pub mod zip_builder;

pub use zip_builder::{crc32, deflate, LocalAt, ZipBuilder, DEFLATED, STORED};
