//! The one deflate the packager uses, wherever it runs (CLI, server, browser workers): the same
//! engine at the same settings is what keeps bundles byte-identical. zlib-rs (zlib-ng's design in
//! Rust) is about 2.5× faster than miniz_oxide at level 6, natively and in wasm, for output a few
//! percent larger (`cargo xtask bench bundle` measures it); its output is the same on every target
//! (checked by the benchmark: the browser's workers against `wavehub bundle`). Pinned exactly in
//! Cargo.toml: another version may choose other matches, and so other bytes.

use zlib_rs::{Deflate, DeflateFlush, Status};

/// zlib's default level, the usual balance of size and speed (fflate's level 6 is the benchmark).
const DEFLATE_LEVEL: i32 = 6;
/// zip wants raw deflate (no zlib wrapper) with the full 32 KiB window.
const WINDOW_BITS: u8 = 15;
/// How much output one call may write before it is appended to the caller's buffer.
const SCRATCH_BYTES: usize = 64 * 1024;
/// zlib-rs's matches depend on how the input is split between calls, so it always gets blocks of
/// this size (and the rest when the file ends), however the caller's chunks come.
const BLOCK_BYTES: usize = 256 * 1024;

/// A raw deflate stream at the packager's level, reset between files (it holds a few hundred KiB
/// of tables, so one is kept rather than made per file).
pub(super) struct Deflater {
    stream: Deflate,
    /// Input waiting for a whole block.
    block: Vec<u8>,
    scratch: Vec<u8>,
}

impl Deflater {
    pub fn new() -> Self {
        Deflater {
            stream: Deflate::new(DEFLATE_LEVEL, false, WINDOW_BITS),
            block: Vec::with_capacity(BLOCK_BYTES),
            scratch: vec![0; SCRATCH_BYTES],
        }
    }

    pub fn reset(&mut self) {
        self.stream.reset();
        self.block.clear();
    }

    /// Deflates `input` into `out` (whole blocks now, the rest later), ending the stream when
    /// `finish`. False when deflate reports an error or stops making progress (a bug, never
    /// retried).
    pub fn deflate(&mut self, mut input: &[u8], finish: bool, out: &mut Vec<u8>) -> bool {
        loop {
            let wanted = BLOCK_BYTES - self.block.len();
            // A whole block straight from the input when nothing waits: no copy.
            if self.block.is_empty() && input.len() >= BLOCK_BYTES {
                let (whole, rest) = input.split_at(BLOCK_BYTES);
                if !self.compress(whole, false, out) {
                    return false;
                }
                input = rest;
                continue;
            }
            let taken = wanted.min(input.len());
            self.block.extend_from_slice(&input[..taken]);
            input = &input[taken..];
            if self.block.len() < BLOCK_BYTES {
                break;
            }
            let block = std::mem::take(&mut self.block);
            let compressed = self.compress(&block, false, out);
            self.block = block;
            self.block.clear();
            if !compressed {
                return false;
            }
        }
        if !finish {
            return true;
        }
        let block = std::mem::take(&mut self.block);
        let compressed = self.compress(&block, true, out);
        self.block = block;
        self.block.clear();
        compressed
    }

    /// One call's worth of input, all of it, into `out`.
    fn compress(&mut self, mut input: &[u8], finish: bool, out: &mut Vec<u8>) -> bool {
        let flush = if finish { DeflateFlush::Finish } else { DeflateFlush::NoFlush };
        loop {
            let (read_before, written_before) = (self.stream.total_in(), self.stream.total_out());
            let Ok(status) = self.stream.compress(input, &mut self.scratch, flush) else { return false };
            let read = (self.stream.total_in() - read_before) as usize;
            let written = (self.stream.total_out() - written_before) as usize;
            out.extend_from_slice(&self.scratch[..written]);
            input = &input[read..];
            match status {
                Status::StreamEnd => return finish && input.is_empty(),
                // Output space left over means deflate has taken everything it can for now.
                _ if !finish && input.is_empty() && written < self.scratch.len() => return true,
                _ if read == 0 && written == 0 => return false,
                _ => {}
            }
        }
    }
}
