//! Inflating deflate data with a fixed amount of memory, whatever the data claims.
//!
//! miniz_oxide's core decompressor is given the compressed bytes straight from the caller's slices
//! (no copy) and writes into one power-of-two buffer that it also uses as its 32 KiB history window
//! ("wrapping" mode). Each call's output is handed to a sink (a CRC, or a `Vec` for the few entries
//! that are extracted) and then overwritten, so memory stays at the buffer and the decompressor's
//! tables however large the entry is.

use miniz_oxide::inflate::core::inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
use miniz_oxide::inflate::core::{decompress_with_limit, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

/// The output buffer's length: a power of two, at least deflate's 32 KiB window. 32 to 256 KiB
/// measured the same (within noise) on a bundle of Python sources.
pub(super) const OUTPUT_BUFFER_LEN: usize = 64 * 1024;

/// Why inflating failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InflateError {
    /// The data inflates to more than the declared size (inflating stopped one byte past it).
    TooLong,
    /// The deflate stream ends before the compressed data does.
    EndsEarly,
    /// The compressed data ends before the deflate stream does.
    CutShort,
    /// Not a valid deflate stream.
    Corrupt,
}

pub(super) struct Inflater {
    decompressor: Box<DecompressorOxide>,
    buffer: Box<[u8]>,
    /// Where the next output goes in `buffer`.
    at: usize,
    /// The size the entry declares; inflating stops one byte past it.
    declared: u64,
    produced: u64,
}

impl Inflater {
    pub fn new() -> Self {
        Inflater {
            decompressor: Box::default(),
            buffer: vec![0; OUTPUT_BUFFER_LEN].into_boxed_slice(),
            at: 0,
            declared: 0,
            produced: 0,
        }
    }

    /// Starts a new deflate stream that should inflate to `declared` bytes.
    pub fn start(&mut self, declared: u64) {
        self.decompressor.init();
        self.at = 0;
        self.declared = declared;
        self.produced = 0;
    }

    /// How many bytes the current stream has inflated to so far.
    pub fn produced(&self) -> u64 {
        self.produced
    }

    /// The output buffer's length, for tests that check memory stays fixed.
    #[cfg(test)]
    pub fn buffer_len(&self) -> usize {
        self.buffer.len()
    }

    /// Inflates `input`, the next piece of the compressed data; `last` when no more follows. The
    /// output goes to `sink` in pieces. At most `declared + 1` bytes are ever produced.
    pub fn inflate(&mut self, mut input: &[u8], last: bool, sink: &mut impl FnMut(&[u8])) -> Result<(), InflateError> {
        let flags = if last { 0 } else { TINFL_FLAG_HAS_MORE_INPUT };
        let mask = self.buffer.len() - 1;
        loop {
            // At least 1: inflating stops with an error as soon as it passes the declared size.
            let allowed = self.declared.saturating_add(1).saturating_sub(self.produced);
            let out_max = usize::try_from(allowed).unwrap_or(usize::MAX);
            let (status, consumed, written) =
                decompress_with_limit(&mut self.decompressor, input, &mut self.buffer, self.at, out_max, flags);
            self.produced = self.produced.saturating_add(written as u64);
            if self.produced > self.declared {
                return Err(InflateError::TooLong);
            }
            let output = self.buffer.get(self.at..self.at.saturating_add(written)).ok_or(InflateError::Corrupt)?;
            sink(output);
            self.at = (self.at + written) & mask;
            input = input.get(consumed..).unwrap_or(&[]);
            match status {
                TINFLStatus::Done if input.is_empty() && last => return Ok(()),
                TINFLStatus::Done => return Err(InflateError::EndsEarly),
                TINFLStatus::NeedsMoreInput if input.is_empty() => {
                    return if last { Err(InflateError::CutShort) } else { Ok(()) };
                }
                TINFLStatus::FailedCannotMakeProgress => return Err(InflateError::CutShort),
                TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput => {
                    if consumed == 0 && written == 0 {
                        // No progress: calling again would loop forever.
                        return Err(InflateError::Corrupt);
                    }
                }
                _ => return Err(InflateError::Corrupt),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec;

    fn inflate_in_pieces(compressed: &[u8], declared: u64, piece: usize) -> (Result<(), InflateError>, Vec<u8>) {
        let mut inflater = Inflater::new();
        inflater.start(declared);
        let mut out = Vec::new();
        let mut sink = |bytes: &[u8]| out.extend_from_slice(bytes);
        let pieces: Vec<&[u8]> = if compressed.is_empty() { vec![&[]] } else { compressed.chunks(piece).collect() };
        let mut result = Ok(());
        for (index, chunk) in pieces.iter().enumerate() {
            result = inflater.inflate(chunk, index + 1 == pieces.len(), &mut sink);
            if result.is_err() {
                break;
            }
        }
        (result, out)
    }

    fn text(len: usize) -> Vec<u8> {
        (0..len).map(|i| b"the quick brown fox jumps over the lazy dog "[i % 44] ^ (i / 997) as u8).collect()
    }

    #[test]
    fn inflates_whatever_the_piece_size() {
        let data = text(300_000);
        let compressed = compress_to_vec(&data, 6);
        for piece in [1, 7, 4096, usize::MAX] {
            let (result, out) = inflate_in_pieces(&compressed, data.len() as u64, piece);
            assert_eq!(result, Ok(()), "piece {piece}");
            assert!(out == data, "piece {piece}");
        }
    }

    #[test]
    fn stops_one_byte_past_the_declared_size() {
        let zeros = vec![0u8; 10_000_000];
        let compressed = compress_to_vec(&zeros, 6);
        let (result, out) = inflate_in_pieces(&compressed, 1000, usize::MAX);
        assert_eq!(result, Err(InflateError::TooLong));
        assert!(out.len() <= 1000, "nothing past the declared size reaches the sink");
        let mut inflater = Inflater::new();
        inflater.start(1000);
        assert_eq!(inflater.inflate(&compressed, true, &mut |_| {}), Err(InflateError::TooLong));
        assert_eq!(inflater.produced(), 1001);
        assert_eq!(inflater.buffer_len(), OUTPUT_BUFFER_LEN);
    }

    #[test]
    fn short_long_and_broken_streams() {
        let data = text(5000);
        let compressed = compress_to_vec(&data, 6);
        let (result, _) = inflate_in_pieces(&compressed, 5001, 100);
        assert_eq!(result, Ok(()), "a short result is for the caller to compare with the declared size");
        let (result, _) = inflate_in_pieces(&compressed[..compressed.len() - 3], 5000, 100);
        assert_eq!(result, Err(InflateError::CutShort));
        let mut longer = compressed.clone();
        longer.extend_from_slice(b"xyz");
        let (result, _) = inflate_in_pieces(&longer, 5000, 100);
        assert_eq!(result, Err(InflateError::EndsEarly));
        let (result, _) = inflate_in_pieces(&[0xff; 64], 5000, 10);
        assert_eq!(result, Err(InflateError::Corrupt));
        let (result, _) = inflate_in_pieces(&[], 0, 10);
        assert_eq!(result, Err(InflateError::CutShort), "an empty input is not a deflate stream");
    }
}
