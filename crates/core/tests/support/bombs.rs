//! Zip bombs, built in milliseconds: nothing here deflates (or even holds) the gigabytes they
//! unpack to.

use super::zip_builder::{crc32, deflate, put16, put32, Record, DEFLATED};
use miniz_oxide::deflate::core::{
    compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use std::sync::OnceLock;

pub const MIB: u64 = 1024 * 1024;

/// A raw deflate stream that inflates to `mib` MiB of zeros.
///
/// One MiB of zeros is deflated once, ending with a sync flush so it ends on a byte boundary with
/// the final bit clear; copies of it are concatenated (each starts with a literal zero and refers
/// only to zeros, so it decodes the same after any of them), and an empty final block ends the
/// stream. About 1 KiB per MiB: a 1 GiB bomb is about a megabyte.
pub fn zeros_stream(mib: u64) -> Vec<u8> {
    let segment = zeros_segment();
    let mut stream = Vec::with_capacity(segment.len() * mib as usize + 2);
    for _ in 0..mib {
        stream.extend_from_slice(segment);
    }
    // BFINAL=1, fixed Huffman, end-of-block: the empty final block.
    stream.extend_from_slice(&[0x03, 0x00]);
    stream
}

/// One MiB of zeros deflated and sync-flushed; computed once per test binary.
fn zeros_segment() -> &'static [u8] {
    static SEGMENT: OnceLock<Vec<u8>> = OnceLock::new();
    SEGMENT.get_or_init(|| {
        let flags = create_comp_flags_from_zip_params(9, -15, 0);
        let mut compressor = Box::new(CompressorOxide::new(flags));
        let zeros = vec![0u8; MIB as usize];
        let mut segment = vec![0u8; 64 * 1024];
        let (status, consumed, written) = compress(&mut compressor, &zeros, &mut segment, TDEFLFlush::Sync);
        assert_eq!((status, consumed), (TDEFLStatus::Okay, zeros.len()), "one MiB of zeros fits the segment buffer");
        segment.truncate(written);
        segment
    })
}

/// CRC-32 of `len` zero bytes, by combining CRCs of one MiB rather than hashing gigabytes.
pub fn crc32_of_zeros(len: u64) -> u32 {
    static ONE_MIB: OnceLock<crc32fast::Hasher> = OnceLock::new();
    let one_mib = ONE_MIB.get_or_init(|| {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&vec![0u8; MIB as usize]);
        hasher
    });
    let mut total = crc32fast::Hasher::new();
    for _ in 0..len / MIB {
        total.combine(one_mib);
    }
    let mut rest = crc32fast::Hasher::new();
    rest.update(&vec![0u8; (len % MIB) as usize]);
    total.combine(&rest);
    total.finalize()
}

/// David Fifield's "overlapping files" bomb (https://www.bamsoftware.com/hacks/zipbomb/), quoted
/// variant: `files` local headers, each followed by a 5-byte header of a stored deflate block that
/// quotes the next local header, and one kernel (deflated zeros) at the end shared by all. Every
/// file's data runs to the end of the kernel, so every file unpacks to the kernel and more, while
/// the archive holds the kernel once.
pub fn quoted_overlap_bomb(files: usize, kernel_zeros: usize) -> Vec<u8> {
    let kernel = deflate(&vec![0u8; kernel_zeros]);
    let name = |index: usize| format!("{index:04}.txt").into_bytes();
    // Built back to front: a file's data is the quote of the next header, that header, and the
    // next file's data.
    let mut data = kernel;
    let mut headers: Vec<Record> = Vec::new();
    for index in (0..files).rev() {
        let content = miniz_oxide::inflate::decompress_to_vec(&data).expect("the bomb inflates");
        let record = Record {
            version_made_by: (3 << 8) | 20,
            version_needed: 20,
            flags: 0,
            method: DEFLATED,
            time: 0,
            date: (1 << 5) | 1,
            crc32: crc32(&content),
            compressed_size: data.len() as u32,
            uncompressed_size: content.len() as u32,
            name: name(index),
            extra: Vec::new(),
            comment: Vec::new(),
            disk_start: 0,
            internal_attributes: 0,
            external_attributes: 0o100_644 << 16,
        };
        if index > 0 {
            let local = record.local_bytes();
            let mut quoted = vec![0x00]; // BFINAL=0, BTYPE=00 (stored), then the block's length
            put16(&mut quoted, local.len() as u16);
            put16(&mut quoted, !(local.len() as u16));
            quoted.extend(local);
            quoted.extend(data);
            data = quoted;
        }
        headers.push(record);
    }
    headers.reverse();
    let mut out = headers[0].local_bytes();
    out.extend_from_slice(&data);
    // Each local header sits right after the previous one and its 5-byte quote header.
    let mut offsets = Vec::new();
    let mut offset = 0u32;
    for record in &headers {
        offsets.push(offset);
        offset += record.local_bytes().len() as u32 + 5;
    }
    let directory_offset = out.len() as u32;
    for (record, offset) in headers.iter().zip(&offsets) {
        out.extend(record.central_bytes(*offset));
    }
    let directory_size = out.len() as u32 - directory_offset;
    put32(&mut out, 0x0605_4b50);
    put32(&mut out, 0);
    put16(&mut out, files as u16);
    put16(&mut out, files as u16);
    put32(&mut out, directory_size);
    put32(&mut out, directory_offset);
    put16(&mut out, 0);
    out
}
