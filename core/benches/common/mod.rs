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

/// `count` distinct indices of `0..n` in a fixed pseudo-random order (the same on every run).
#[allow(dead_code)] // used by some of the benches and the example
pub fn random_indices(n: u16, count: u16) -> Vec<u16> {
    let mut indices: Vec<u16> = (0..n).collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..indices.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        indices.swap(i, (state % (i as u64 + 1)) as usize);
    }
    indices.truncate(usize::from(count));
    indices
}
