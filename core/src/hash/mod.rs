//! BLAKE2b-256 of Merkle leaves and inner nodes, many messages at a time (SPEC §5.1).
//!
//! A blob ID hashes `n²` symbols and `2n(n - 1)` inner nodes (3 million hashes for
//! `n = 1000`), all independent and, within one blob, of equal length. This module computes
//! them eight at a time: on x86-64 with AVX-512 each of the eight 64-bit lanes of a vector
//! register carries one message's BLAKE2b state ([`avx512`], selected at run time with `std`,
//! at compile time without); on WebAssembly built with `simd128`, two messages share the two
//! 64-bit lanes of a vector ([`simd128`], selected at compile time). Elsewhere, and for odd
//! lengths or leftovers, the portable compression function of RFC 7693 (its twelve rounds
//! unrolled) runs one message at a time. Both give the bytes of the
//! `blake2` crate, which [`crate::merkle::hash`] uses for single hashes; the unit tests and the
//! conformance vectors check all three against each other.
//!
//! The unit of work is a [`StripeHasher`]: the resumable state of `H(prefix ‖ message)` whose
//! message arrives in pieces (stripes) of multiples of 128 bytes, so one implementation serves
//! whole leaves, inner nodes and the striped repair symbols of the streaming blob ID.

#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
mod avx512;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

use crate::merkle::{Node, DIGEST_LEN, INNER_PREFIX, LEAF_PREFIX};

/// Messages hashed together by the vector kernel.
pub(crate) const LANES: usize = 8;

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

/// The initial chaining value of BLAKE2b with a 32-byte digest, no key, fanout and depth 1.
const H0: [u64; 8] = {
    let mut h = IV;
    h[0] ^= 0x0101_0000 ^ DIGEST_LEN as u64;
    h
};

#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// Round `R` of the compression function. A const parameter, so that once the twelve rounds
/// are inlined every message index is a constant: the sixteen words of `v` and `m` then live
/// in registers (or WebAssembly locals) instead of being indexed in memory.
#[inline(always)]
fn round<const R: usize>(v: &mut [u64; 16], m: &[u64; 16]) {
    let s = &SIGMA[R];
    g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

/// The BLAKE2b compression function (RFC 7693 §3.2), `t` the byte count so far.
fn compress(h: &mut [u64; 8], block: &[u8; 128], t: u64, last: bool) {
    let m: [u64; 16] = core::array::from_fn(|i| {
        let bytes: [u8; 8] = block[8 * i..8 * i + 8].try_into().expect("8 bytes");
        u64::from_le_bytes(bytes)
    });
    let mut v =
        [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], IV[0], IV[1], IV[2], IV[3], IV[4] ^ t, IV[5], IV[6], IV[7]];
    if last {
        v[14] = !v[14];
    }
    round::<0>(&mut v, &m);
    round::<1>(&mut v, &m);
    round::<2>(&mut v, &m);
    round::<3>(&mut v, &m);
    round::<4>(&mut v, &m);
    round::<5>(&mut v, &m);
    round::<6>(&mut v, &m);
    round::<7>(&mut v, &m);
    round::<8>(&mut v, &m);
    round::<9>(&mut v, &m);
    round::<10>(&mut v, &m);
    round::<11>(&mut v, &m);
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// The resumable BLAKE2b-256 of `prefix ‖ message`, the message fed in pieces: every piece but
/// the last is a multiple of 128 bytes. The state is the chaining value and the one byte of the
/// message not yet compressed (the prefix, then the last byte of the previous piece), 72 bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StripeHasher {
    h: [u64; 8],
    carry: u8,
}

impl StripeHasher {
    /// The state before any piece, for the hash of `prefix ‖ message`.
    pub(crate) const fn new(prefix: u8) -> Self {
        Self { h: H0, carry: prefix }
    }

    /// Feeds the piece of the message at `offset` (a multiple of 128, the bytes before it
    /// already fed). `piece.len()` must be a multiple of 128 unless `last`; returns the digest
    /// when `last`.
    pub(crate) fn update(&mut self, offset: usize, piece: &[u8], last: bool) -> Option<[u8; DIGEST_LEN]> {
        debug_assert!(last || piece.len().is_multiple_of(128), "only the last piece may be ragged");
        // Message bytes: carry ‖ piece. Blocks before the final one (all of them unless
        // `last`; the final block keeps 1..=128 bytes).
        let full = piece.len() / 128;
        let mut block = [0u8; 128];
        for b in 0..full {
            let pos = b * 128;
            block[0] = if pos == 0 { self.carry } else { piece[pos - 1] };
            block[1..].copy_from_slice(&piece[pos..pos + 127]);
            compress(&mut self.h, &block, (offset + pos + 128) as u64, false);
        }
        if !last {
            if let Some(&byte) = piece.last() {
                self.carry = byte;
            }
            return None;
        }
        // Final block: the remaining 1..=128 message bytes, zero-padded.
        let pos = full * 128;
        let rest = piece.len() + 1 - pos;
        block = [0u8; 128];
        block[0] = if pos == 0 { self.carry } else { piece[pos - 1] };
        block[1..rest].copy_from_slice(&piece[pos..pos + rest - 1]);
        compress(&mut self.h, &block, (offset + piece.len() + 1) as u64, true);
        Some(self.digest())
    }

    /// The digest, once the last piece was fed.
    pub(crate) fn digest(&self) -> [u8; DIGEST_LEN] {
        let mut out = [0u8; DIGEST_LEN];
        for (chunk, word) in out.chunks_exact_mut(8).zip(self.h) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }
}

/// Whether the eight-lane kernel runs on this machine.
#[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
#[inline]
pub(crate) fn vectorized() -> bool {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    {
        true
    }
    #[cfg(all(target_arch = "x86_64", not(target_feature = "avx512f"), feature = "std"))]
    {
        avx512::detected()
    }
    #[cfg(not(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f"))))]
    {
        false
    }
}

/// The BLAKE2b kernels (BLAKE3's `Platform` is the model): [`Backend::detect`] picks the
/// fastest this machine runs; tests force each one the host can execute and compare it with
/// the `blake2` crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// The RFC 7693 compression function, one message at a time: every target.
    Portable,
    /// Eight messages in the lanes of AVX-512 registers (x86-64, detected at run time with
    /// `std`, or enabled at compile time).
    #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
    Avx512,
    /// Two messages in the lanes of a WebAssembly `simd128` vector (enabled at compile time).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

impl Backend {
    /// The fastest backend this machine runs.
    #[inline]
    pub(crate) fn detect() -> Self {
        #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
        if vectorized() {
            return Backend::Avx512;
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        return Backend::Simd128;
        #[allow(unreachable_code)]
        Backend::Portable
    }

    /// Every backend this machine can run, the portable one first.
    #[cfg(test)]
    pub(crate) fn available() -> alloc::vec::Vec<Self> {
        let mut out = vec![Backend::Portable];
        #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
        if vectorized() {
            out.push(Backend::Avx512);
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        out.push(Backend::Simd128);
        out
    }
}

/// Feeds `pieces[i]` to `states[i]` for every `i` (as [`StripeHasher::update`]).
fn update_group(states: &mut [StripeHasher], pieces: &[&[u8]], offset: usize, last: bool) {
    update_group_with(Backend::detect(), states, pieces, offset, last);
}

/// [`update_group`] with the given backend (which must run on this machine).
fn update_group_with(backend: Backend, states: &mut [StripeHasher], pieces: &[&[u8]], offset: usize, last: bool) {
    match backend {
        #[cfg(all(target_arch = "x86_64", any(feature = "std", target_feature = "avx512f")))]
        Backend::Avx512 if states.len() == LANES && pieces.iter().all(|p| p.len() == pieces[0].len()) => {
            let states: &mut [StripeHasher; LANES] = states.try_into().expect("LANES states");
            let pieces: &[&[u8]; LANES] = pieces.try_into().expect("LANES pieces");
            avx512::update8(states, pieces, offset, last);
            return;
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Backend::Simd128 => {
            // Two lanes: consecutive pairs of equal length, the odd one out alone.
            let mut i = 0;
            while i < states.len() {
                if i + 1 < states.len() && pieces[i].len() == pieces[i + 1].len() {
                    let (first, rest) = states[i..].split_at_mut(1);
                    simd128::update2(&mut first[0], &mut rest[0], pieces[i], pieces[i + 1], offset, last);
                    i += 2;
                } else {
                    states[i].update(offset, pieces[i], last);
                    i += 1;
                }
            }
            return;
        }
        _ => {}
    }
    for (state, piece) in states.iter_mut().zip(pieces) {
        state.update(offset, piece, last);
    }
}

/// Feeds one piece to each state, in order: `states[i]` gets the `i`-th item of `pieces` (as
/// [`StripeHasher::update`]; after the `last` piece, [`StripeHasher::digest`] is the hash).
/// Pieces of one call must be of equal length for the vector kernel (others are hashed one by
/// one).
pub(crate) fn update_many<'a>(
    states: &mut [StripeHasher],
    pieces: impl IntoIterator<Item = &'a [u8]>,
    offset: usize,
    last: bool,
) {
    let mut pieces = pieces.into_iter();
    let mut group: [&[u8]; LANES] = [&[]; LANES];
    for chunk in states.chunks_mut(LANES) {
        let k = chunk.len();
        for slot in group.iter_mut().take(k) {
            *slot = pieces.next().unwrap_or(&[]);
        }
        update_group(chunk, &group[..k], offset, last);
    }
}

/// Hashes one whole message per state (fresh states) and writes the digests to `out`.
fn hash_group(prefix: u8, messages: &[&[u8]], out: &mut [[u8; DIGEST_LEN]]) {
    let mut states = [StripeHasher::new(prefix); LANES];
    let states = &mut states[..messages.len()];
    update_group(states, messages, 0, true);
    for (digest, state) in out.iter_mut().zip(states.iter()) {
        *digest = state.digest();
    }
}

/// The leaf hashes `H(0x00 ‖ symbol)` (SPEC §5.1) of the symbols, into `out` (one per symbol,
/// `out.len()` of them).
pub(crate) fn leaf_hashes<'a>(symbols: impl IntoIterator<Item = &'a [u8]>, out: &mut [[u8; DIGEST_LEN]]) {
    let mut symbols = symbols.into_iter();
    let mut group: [&[u8]; LANES] = [&[]; LANES];
    for chunk in out.chunks_mut(LANES) {
        let k = chunk.len();
        for slot in group.iter_mut().take(k) {
            *slot = symbols.next().unwrap_or(&[]);
        }
        hash_group(LEAF_PREFIX, &group[..k], chunk);
    }
}

/// The inner-node hashes `H(0x01 ‖ left ‖ right)` (SPEC §5.1) of consecutive pairs of
/// `level` (of even length) into `out[..level.len() / 2]`.
fn inner_hashes(level: &[[u8; DIGEST_LEN]], out: &mut [[u8; DIGEST_LEN]]) {
    let mut group: [&[u8]; LANES] = [&[]; LANES];
    for (pairs, chunk) in level.chunks(2 * LANES).zip(out.chunks_mut(LANES)) {
        let k = pairs.len() / 2;
        for (slot, pair) in group.iter_mut().zip(pairs.chunks_exact(2)) {
            *slot = pair.as_flattened();
        }
        hash_group(INNER_PREFIX, &group[..k], chunk);
    }
}

/// The Merkle root over `leaves` (leaf hashes), with Walrus's padding (SPEC §5.1): equal to
/// [`crate::merkle::MerkleRootBuilder`] over the same leaves. `scratch` is reused between calls
/// (it grows to `leaves.len() / 2 + 1` digests).
#[cfg(feature = "alloc")]
pub(crate) fn merkle_root(leaves: &[[u8; DIGEST_LEN]], scratch: &mut alloc::vec::Vec<[u8; DIGEST_LEN]>) -> Node {
    match leaves {
        [] => return Node::Empty,
        [leaf] => return Node::Digest(*leaf),
        _ => {}
    }
    // Level 1 from the leaves, then in place: pair i of a level lands at i, after the pairs
    // before it were read (`inner_hashes` reads a group before it writes it).
    let even = leaves.len() & !1;
    scratch.clear();
    scratch.resize(leaves.len().div_ceil(2) + 1, [0; DIGEST_LEN]);
    inner_hashes(&leaves[..even], &mut scratch[..even / 2]);
    let mut len = even / 2;
    if leaves.len() % 2 == 1 {
        scratch[len] = crate::merkle::inner_hash(&leaves[even], &crate::merkle::EMPTY_DIGEST);
        len += 1;
    }
    while len > 1 {
        if len % 2 == 1 {
            scratch[len] = crate::merkle::EMPTY_DIGEST;
            len += 1;
        }
        let mut next = 0;
        while next < len / 2 {
            let k = LANES.min(len / 2 - next);
            let mut digests = [[0u8; DIGEST_LEN]; LANES];
            inner_hashes(&scratch[2 * next..2 * (next + k)], &mut digests[..k]);
            scratch[next..next + k].copy_from_slice(&digests[..k]);
            next += k;
        }
        len /= 2;
    }
    Node::Digest(scratch[0])
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::merkle::{leaf_hash, MerkleRootBuilder};

    fn data(len: usize, seed: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + seed * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn stripes_equal_one_shot_hash() {
        for len in [0usize, 1, 2, 126, 127, 128, 129, 254, 255, 256, 382, 384, 640, 1000, 4820] {
            let message = data(len, 1);
            for width in [128usize, 256, 384] {
                let mut state = StripeHasher::new(LEAF_PREFIX);
                let mut offset = 0;
                let digest = loop {
                    let w = width.min(len - offset);
                    let last = offset + w == len;
                    let digest = state.update(offset, &message[offset..offset + w], last);
                    offset += w;
                    if last {
                        break digest;
                    }
                };
                assert_eq!(digest, Some(leaf_hash(&message)), "len {len} width {width}");
            }
        }
    }

    #[test]
    fn many_equals_one_at_a_time() {
        // Group sizes around the lane count, equal and unequal lengths, striped or not.
        for count in [1usize, 7, 8, 9, 17, 24] {
            for len in [0usize, 1, 6, 64, 127, 128, 129, 300, 1024, 4820] {
                let messages: Vec<Vec<u8>> =
                    (0..count).map(|i| data(len + (i % 3) * usize::from(len == 300), i)).collect();
                let mut out = vec![[0u8; DIGEST_LEN]; count];
                leaf_hashes(messages.iter().map(Vec::as_slice), &mut out);
                for (m, got) in messages.iter().zip(&out) {
                    assert_eq!(*got, leaf_hash(m), "count {count} len {len}");
                }
                // The same messages in 256-byte stripes.
                let mut states = vec![StripeHasher::new(LEAF_PREFIX); count];
                let max = messages.iter().map(Vec::len).max().unwrap_or(0);
                if messages.iter().all(|m| m.len() == max) {
                    let mut offset = 0;
                    loop {
                        let w = 256.min(max - offset);
                        let last = offset + w == max;
                        update_many(&mut states, messages.iter().map(|m| &m[offset..offset + w]), offset, last);
                        offset += w;
                        if last {
                            break;
                        }
                    }
                    let striped: Vec<_> = states.iter().map(StripeHasher::digest).collect();
                    assert_eq!(striped, out, "striped count {count} len {len}");
                }
            }
        }
    }

    #[test]
    fn every_backend_the_host_runs_equals_the_blake2_crate() {
        let backends = Backend::available();
        assert_eq!(backends[0], Backend::Portable);
        assert!(backends.contains(&Backend::detect()));
        for backend in backends {
            for len in [0usize, 1, 64, 127, 128, 129, 255, 256, 257, 1000, 4820] {
                for count in [1usize, 2, 3, 7, 8] {
                    let messages: Vec<Vec<u8>> = (0..count).map(|i| data(len, i + 3)).collect();
                    let pieces: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
                    let mut states = vec![StripeHasher::new(LEAF_PREFIX); count];
                    update_group_with(backend, &mut states, &pieces, 0, true);
                    for (state, m) in states.iter().zip(&messages) {
                        assert_eq!(state.digest(), leaf_hash(m), "{backend:?} len {len} count {count}");
                    }
                }
            }
        }
    }

    #[test]
    fn root_equals_builder() {
        let mut scratch = Vec::new();
        for count in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 334, 1000] {
            let leaves: Vec<[u8; DIGEST_LEN]> = (0..count).map(|i| leaf_hash(&data(5, i))).collect();
            let mut builder = MerkleRootBuilder::new();
            for leaf in &leaves {
                builder.push_leaf_hash(*leaf);
            }
            assert_eq!(merkle_root(&leaves, &mut scratch), builder.root(), "{count} leaves");
        }
    }
}
