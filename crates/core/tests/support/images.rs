//! Real pictures for bundles: the rules decode icons and screenshots, so header-only fakes fail.
//! (The PNG maker is in png_image.rs, which the server's tests share.)

/// A real `width`×`height` JPEG, one colour.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, 80);
    let pixels = vec![90; usize::from(width) * usize::from(height) * 3];
    encoder.encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb).expect("a JPEG");
    bytes
}
