//! Two BLAKE2b states in the two 64-bit lanes of WebAssembly `simd128` vectors.
//!
//! Vector `v[i]` holds word `i` of both states. The rotations by 32, 24 and 16 bits move whole
//! bytes (one `i8x16.shuffle` each); the rotation by 63 is `(x + x) | (x >> 63)`. A message block
//! enters as two 128-byte rows, interleaved word by word into sixteen vectors. Compiled only
//! when the build enables `simd128` (`-C target-feature=+simd128`), so there is nothing to
//! detect at run time: a module built that way does not load without SIMD support.
#![allow(unsafe_code)]

use core::arch::wasm32::{
    i64x2_shuffle, i8x16_shuffle, u64x2, u64x2_add, u64x2_extract_lane, u64x2_shr, v128, v128_load, v128_or, v128_xor,
};

use super::{StripeHasher, IV, SIGMA};

type V = v128;

#[inline(always)]
fn rotr32(x: V) -> V {
    i8x16_shuffle::<4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11>(x, x)
}

#[inline(always)]
fn rotr24(x: V) -> V {
    i8x16_shuffle::<3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10>(x, x)
}

#[inline(always)]
fn rotr16(x: V) -> V {
    i8x16_shuffle::<2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9>(x, x)
}

#[inline(always)]
fn rotr63(x: V) -> V {
    v128_or(u64x2_add(x, x), u64x2_shr(x, 63))
}

#[inline(always)]
fn g(v: &mut [V; 16], a: usize, b: usize, c: usize, d: usize, x: V, y: V) {
    v[a] = u64x2_add(u64x2_add(v[a], v[b]), x);
    v[d] = rotr32(v128_xor(v[d], v[a]));
    v[c] = u64x2_add(v[c], v[d]);
    v[b] = rotr24(v128_xor(v[b], v[c]));
    v[a] = u64x2_add(u64x2_add(v[a], v[b]), y);
    v[d] = rotr16(v128_xor(v[d], v[a]));
    v[c] = u64x2_add(v[c], v[d]);
    v[b] = rotr63(v128_xor(v[b], v[c]));
}

/// Round `R`, its message indices constants once inlined (as in the portable `round`).
#[inline(always)]
fn round<const R: usize>(v: &mut [V; 16], m: &[V; 16]) {
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

/// Two compressions at once (RFC 7693 §3.2), the byte count `t` shared by both lanes.
#[inline(always)]
fn compress(h: &mut [V; 8], m: &[V; 16], t: u64, last: bool) {
    let iv = |i: usize| u64x2(IV[i], IV[i]);
    let mut v = [
        h[0],
        h[1],
        h[2],
        h[3],
        h[4],
        h[5],
        h[6],
        h[7],
        iv(0),
        iv(1),
        iv(2),
        iv(3),
        u64x2(IV[4] ^ t, IV[4] ^ t),
        iv(5),
        if last { u64x2(!IV[6], !IV[6]) } else { iv(6) },
        iv(7),
    ];
    round::<0>(&mut v, m);
    round::<1>(&mut v, m);
    round::<2>(&mut v, m);
    round::<3>(&mut v, m);
    round::<4>(&mut v, m);
    round::<5>(&mut v, m);
    round::<6>(&mut v, m);
    round::<7>(&mut v, m);
    round::<8>(&mut v, m);
    round::<9>(&mut v, m);
    round::<10>(&mut v, m);
    round::<11>(&mut v, m);
    for i in 0..8 {
        h[i] = v128_xor(h[i], v128_xor(v[i], v[i + 8]));
    }
}

/// The sixteen message-word vectors of one 128-byte block per lane.
#[inline(always)]
fn load_block(a: &[u8; 128], b: &[u8; 128]) -> [V; 16] {
    let mut m = [u64x2(0, 0); 16];
    for k in 0..8 {
        // SAFETY: bytes 16k .. 16k + 16 of 128-byte arrays; `v128_load` has no alignment
        // requirement.
        let (x, y) = unsafe { (v128_load(a.as_ptr().add(16 * k).cast()), v128_load(b.as_ptr().add(16 * k).cast())) };
        m[2 * k] = i64x2_shuffle::<0, 2>(x, y);
        m[2 * k + 1] = i64x2_shuffle::<1, 3>(x, y);
    }
    m
}

/// Two chaining values as word vectors, and back.
#[inline(always)]
fn load_states(a: &StripeHasher, b: &StripeHasher) -> [V; 8] {
    core::array::from_fn(|i| u64x2(a.h[i], b.h[i]))
}

#[inline(always)]
fn store_states(h: &[V; 8], a: &mut StripeHasher, b: &mut StripeHasher) {
    for (i, word) in h.iter().enumerate() {
        a.h[i] = u64x2_extract_lane::<0>(*word);
        b.h[i] = u64x2_extract_lane::<1>(*word);
    }
}

/// [`StripeHasher::update`] of two states with two pieces of equal length.
pub(super) fn update2(a: &mut StripeHasher, b: &mut StripeHasher, pa: &[u8], pb: &[u8], offset: usize, last: bool) {
    let len = pa.len();
    assert_eq!(pb.len(), len, "pieces of equal length");
    let mut h = load_states(a, b);
    // Message bytes: carry ‖ piece; blocks before the final one as in `StripeHasher::update`.
    let full = len / 128;
    let mut ra = [0u8; 128];
    let mut rb = [0u8; 128];
    for blk in 0..full {
        let pos = blk * 128;
        let m = if pos == 0 {
            ra[0] = a.carry;
            ra[1..].copy_from_slice(&pa[..127]);
            rb[0] = b.carry;
            rb[1..].copy_from_slice(&pb[..127]);
            load_block(&ra, &rb)
        } else {
            // Bytes pos - 1 .. pos + 127 of the piece: within it, as pos + 128 <= full * 128 <= len.
            let xa: &[u8; 128] = pa[pos - 1..pos + 127].try_into().expect("128 bytes");
            let xb: &[u8; 128] = pb[pos - 1..pos + 127].try_into().expect("128 bytes");
            load_block(xa, xb)
        };
        compress(&mut h, &m, (offset + pos + 128) as u64, false);
    }
    if !last {
        if len > 0 {
            a.carry = pa[len - 1];
            b.carry = pb[len - 1];
        }
        store_states(&h, a, b);
        return;
    }
    let pos = full * 128;
    let rest = len + 1 - pos;
    ra = [0u8; 128];
    rb = [0u8; 128];
    ra[0] = if pos == 0 { a.carry } else { pa[pos - 1] };
    rb[0] = if pos == 0 { b.carry } else { pb[pos - 1] };
    ra[1..rest].copy_from_slice(&pa[pos..pos + rest - 1]);
    rb[1..rest].copy_from_slice(&pb[pos..pos + rest - 1]);
    compress(&mut h, &load_block(&ra, &rb), (offset + len + 1) as u64, true);
    store_states(&h, a, b);
}
