//! Helpers for the integration tests: a raw zip builder that can write any field wrong, zip bombs,
//! and incompressible test data.

#![allow(dead_code, unused_imports)]

pub mod bombs;
pub mod data;
pub mod images;
pub mod png_image;
pub mod zip_builder;

pub use data::noise;
pub use images::jpeg;
pub use png_image::png;
pub use zip_builder::{crc32, deflate, LocalAt, ZipBuilder, DEFLATED, STORED};
