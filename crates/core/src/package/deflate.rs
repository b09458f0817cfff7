//! The one deflate the packager uses, wherever it runs (CLI, server, browser workers): the same
//! engine at the same settings is what keeps bundles byte-identical.

use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};

/// zlib's default level, the usual balance of size and speed (fflate's level 6 is the benchmark).
const DEFLATE_LEVEL: i32 = 6;
/// A negative window-bits value asks for raw deflate, without the zlib wrapper zip does not want.
const RAW_DEFLATE_WINDOW_BITS: i32 = -15;

/// A raw deflate stream at the packager's level, reset between files (it holds a few hundred KiB
/// of tables, so one is kept rather than made per file).
pub(super) struct Deflater(Box<CompressorOxide>);

impl Deflater {
    pub fn new() -> Self {
        let flags = create_comp_flags_from_zip_params(DEFLATE_LEVEL, RAW_DEFLATE_WINDOW_BITS, 0);
        Deflater(Box::new(CompressorOxide::new(flags)))
    }

    pub fn reset(&mut self) {
        self.0.reset();
    }

    /// Deflates `input` into `out`, ending the stream when `finish`. With an output callback miniz
    /// takes all the input in one call (flushing into `out` whenever its buffer fills), so anything
    /// else is reported, not retried.
    pub fn deflate(&mut self, input: &[u8], finish: bool, out: &mut Vec<u8>) -> bool {
        let flush = if finish { TDEFLFlush::Finish } else { TDEFLFlush::None };
        let (status, consumed) = compress_to_output(&mut self.0, input, flush, |bytes| {
            out.extend_from_slice(bytes);
            true
        });
        let expected = if finish { TDEFLStatus::Done } else { TDEFLStatus::Okay };
        status == expected && consumed == input.len()
    }
}
