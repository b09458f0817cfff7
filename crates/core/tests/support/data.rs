//! Test data with known properties.

/// `len` bytes that deflate cannot shrink (xorshift64: cheap, deterministic, and without the repeats
/// deflate feeds on), so they take their full room in an archive.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect()
}
