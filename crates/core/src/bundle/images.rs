//! What an image really is, from its bytes: the icon must be a PNG or JPEG whatever its name says.

use serde::{Deserialize, Serialize};

/// The image formats the catalog shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    /// The `Content-Type` to serve it with.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// What the first bytes of an image say: its format and, when the header gives them, its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub kind: ImageKind,
    /// Width and height in pixels; `None` when the header does not reach the dimensions.
    pub dimensions: Option<(u32, u32)>,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Sniffs PNG and JPEG from their signatures; `None` for anything else (GIF, SVG, text named .png).
pub fn sniff(bytes: &[u8]) -> Option<ImageInfo> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return Some(ImageInfo { kind: ImageKind::Png, dimensions: png_dimensions(bytes) });
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageInfo { kind: ImageKind::Jpeg, dimensions: jpeg_dimensions(bytes) });
    }
    None
}

/// A PNG's first chunk is IHDR: width and height are its first eight bytes, big-endian.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(8..24)?;
    if &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(ihdr[8..12].try_into().ok()?);
    let height = u32::from_be_bytes(ihdr[12..16].try_into().ok()?);
    Some((width, height))
}

/// Walks JPEG segments to the first start-of-frame marker, which holds height then width.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        let is_start_of_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_start_of_frame {
            let height = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        at = at.checked_add(2 + length)?;
    }
}

/// Why an image that sniffs as `kind` does not decode, when it does not: the first bytes can be
/// right while the rest is cut short or damaged, and browsers then show a broken picture.
///
/// Decoding needs the `decode-images` feature (the server's); without it (the web app, which reads
/// only headers) every image passes here, and the server's check on import has the last word.
#[cfg(feature = "decode-images")]
pub fn decode_problem(bytes: &[u8], kind: ImageKind) -> Option<String> {
    /// Above this many pixels an image is refused before it is decoded (a 10000×10000 screenshot
    /// would take 400 MB to hold).
    const MAX_PIXELS: u64 = 50_000_000;
    let too_large = |width: u64, height: u64| {
        (width * height > MAX_PIXELS).then(|| format!("it is {width}×{height} pixels, more than {MAX_PIXELS} in all"))
    };
    match kind {
        ImageKind::Png => {
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = match decoder.read_info() {
                Ok(reader) => reader,
                Err(error) => return Some(error.to_string()),
            };
            let info = reader.info();
            if let Some(problem) = too_large(u64::from(info.width), u64::from(info.height)) {
                return Some(problem);
            }
            // Row by row: the whole image is never held in memory.
            loop {
                match reader.next_row() {
                    Ok(Some(_)) => {}
                    Ok(None) => return reader.finish().err().map(|error| error.to_string()),
                    Err(error) => return Some(error.to_string()),
                }
            }
        }
        ImageKind::Jpeg => {
            use zune_jpeg::zune_core::bytestream::ZCursor;
            use zune_jpeg::zune_core::options::DecoderOptions;
            // Strict: a JPEG cut short is damaged, even where a browser would show its top part.
            let options = DecoderOptions::default().set_strict_mode(true);
            let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
            if let Err(error) = decoder.decode_headers() {
                return Some(error.to_string());
            }
            let (width, height) = decoder.dimensions().unwrap_or_default();
            if let Some(problem) = too_large(width as u64, height as u64) {
                return Some(problem);
            }
            decoder.decode().err().map(|error| error.to_string())
        }
    }
}

#[cfg(not(feature = "decode-images"))]
pub fn decode_problem(_bytes: &[u8], _kind: ImageKind) -> Option<String> {
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A tiny but complete PNG header of the given size (signature + IHDR), for tests.
    pub(crate) fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(&13u32.to_be_bytes());
        bytes.extend_from_slice(b"IHDR");
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    /// A JPEG start: SOI, an APP0 segment, then a baseline SOF0 with the given size.
    pub(crate) fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        bytes
    }

    #[test]
    fn png_and_jpeg_are_recognised_with_their_size() {
        assert_eq!(sniff(&png_header(512, 256)), Some(ImageInfo { kind: ImageKind::Png, dimensions: Some((512, 256)) }));
        assert_eq!(sniff(&jpeg_header(640, 480)), Some(ImageInfo { kind: ImageKind::Jpeg, dimensions: Some((640, 480)) }));
    }

    #[test]
    fn other_bytes_are_not_images() {
        assert_eq!(sniff(b"GIF89a...."), None);
        assert_eq!(sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\x89PNG"), None, "a cut-off signature is not a PNG");
    }

    #[test]
    fn truncated_headers_give_the_kind_without_a_size() {
        assert_eq!(sniff(PNG_SIGNATURE).map(|i| i.dimensions), Some(None));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).map(|i| i.dimensions), Some(None));
        // A segment length below 2 would loop forever if it were trusted.
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 0xFF]).map(|i| i.dimensions), Some(None));
    }
}
