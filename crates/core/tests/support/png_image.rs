//! A real PNG: the rules decode icons and screenshots, so header-only fakes fail. A file of its own
//! because the server's tests include it too (crates/server/tests/common/mod.rs), one maker for both.

/// A real `width`×`height` PNG, one colour.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&vec![90; (width * height * 3) as usize]).expect("PNG pixels");
    writer.finish().expect("a PNG");
    bytes
}
