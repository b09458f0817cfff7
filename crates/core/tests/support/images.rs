//! Real pictures for bundles: the rules decode icons and screenshots, so header-only fakes fail.

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

/// A real `width`×`height` JPEG, one colour.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, 80);
    let pixels = vec![90; usize::from(width) * usize::from(height) * 3];
    encoder.encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb).expect("a JPEG");
    bytes
}
