//! Shared by the benches: deterministic pseudo-random blobs.

/// `len` bytes of a xorshift stream (the same bytes on every run).
pub fn blob(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}
