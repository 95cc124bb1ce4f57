//! Eight BLAKE2b states in the eight 64-bit lanes of AVX-512 registers.
//!
//! Vector `v[i]` holds word `i` of the eight states; `_mm512_ror_epi64` is BLAKE2b's rotation.
//! A message block enters as eight 128-byte rows, transposed into sixteen word vectors. This
//! is one of the crate's few `unsafe` modules (the list is in `lib.rs`): the intrinsics need the
//! CPU feature (checked by [`detected`] or guaranteed at compile time) and the loads read
//! through pointers whose bounds are checked before each call.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_loadu_si512, _mm512_permutex2var_epi64, _mm512_ror_epi64, _mm512_set1_epi64,
    _mm512_setr_epi64, _mm512_storeu_si512, _mm512_unpackhi_epi64, _mm512_unpacklo_epi64, _mm512_xor_si512,
};

use super::{StripeHasher, IV, LANES, SIGMA};

type V = __m512i;

/// Whether this CPU has AVX-512F (cached by the standard library).
#[cfg(feature = "std")]
pub(super) fn detected() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

#[inline(always)]
fn g(v: &mut [V; 16], a: usize, b: usize, c: usize, d: usize, x: V, y: V) {
    // SAFETY: register-only operations (all intrinsics here), called only from functions
    // compiled with `avx512f`.
    unsafe {
        v[a] = _mm512_add_epi64(_mm512_add_epi64(v[a], v[b]), x);
        v[d] = _mm512_ror_epi64::<32>(_mm512_xor_si512(v[d], v[a]));
        v[c] = _mm512_add_epi64(v[c], v[d]);
        v[b] = _mm512_ror_epi64::<24>(_mm512_xor_si512(v[b], v[c]));
        v[a] = _mm512_add_epi64(_mm512_add_epi64(v[a], v[b]), y);
        v[d] = _mm512_ror_epi64::<16>(_mm512_xor_si512(v[d], v[a]));
        v[c] = _mm512_add_epi64(v[c], v[d]);
        v[b] = _mm512_ror_epi64::<63>(_mm512_xor_si512(v[b], v[c]));
    }
}

/// Eight compressions at once (RFC 7693 §3.2), the byte count `t` shared by all lanes.
#[inline(always)]
fn compress(h: &mut [V; 8], m: &[V; 16], t: u64, last: bool) {
    // SAFETY: register-only operations (see `g`).
    unsafe {
        let mut v = [_mm512_set1_epi64(0); 16];
        v[..8].copy_from_slice(h);
        for i in 0..8 {
            v[8 + i] = _mm512_set1_epi64(IV[i] as i64);
        }
        v[12] = _mm512_set1_epi64((IV[4] ^ t) as i64);
        if last {
            v[14] = _mm512_set1_epi64(!IV[6] as i64);
        }
        for s in &SIGMA {
            g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            h[i] = _mm512_xor_si512(h[i], _mm512_xor_si512(v[i], v[i + 8]));
        }
    }
}

/// Transposes an 8 × 8 matrix of words: `rows[l]` word `w` becomes `out[w]` lane `l`.
#[inline(always)]
fn transpose(rows: [V; 8]) -> [V; 8] {
    // SAFETY: register-only operations (see `g`).
    unsafe {
        let t: [V; 8] = core::array::from_fn(|i| {
            let (a, b) = (rows[i & !1], rows[i | 1]);
            if i % 2 == 0 {
                _mm512_unpacklo_epi64(a, b) // a0 b0 a2 b2 a4 b4 a6 b6
            } else {
                _mm512_unpackhi_epi64(a, b) // a1 b1 a3 b3 a5 b5 a7 b7
            }
        });
        // Rows 0-3 (then 4-7): words {0,4}, {1,5}, {2,6}, {3,7}.
        let lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
        let hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
        let u: [V; 8] = core::array::from_fn(|i| {
            let base = if i < 4 { 0 } else { 4 };
            let (a, b) = (t[base + (i % 2)], t[base + 2 + (i % 2)]);
            if i % 4 < 2 {
                _mm512_permutex2var_epi64(a, lo, b)
            } else {
                _mm512_permutex2var_epi64(a, hi, b)
            }
        });
        let lo2 = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
        let hi2 = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
        core::array::from_fn(|w| {
            let (a, b) = (u[w % 4], u[4 + w % 4]);
            if w < 4 {
                _mm512_permutex2var_epi64(a, lo2, b)
            } else {
                _mm512_permutex2var_epi64(a, hi2, b)
            }
        })
    }
}

/// The sixteen message-word vectors of one 128-byte block per lane.
///
/// # Safety
///
/// Each `rows[l]` points to 128 readable bytes.
#[inline(always)]
unsafe fn load_block(rows: [*const u8; LANES]) -> [V; 16] {
    // SAFETY: the caller guarantees 128 readable bytes at each `rows[l]`, so both 64-byte
    // unaligned loads (at 0 and at `add(64)`) stay within them; `load_block` is inlined into
    // `update8_kernel`, which runs only with AVX-512F.
    let (first, second) = unsafe {
        (
            core::array::from_fn(|l| _mm512_loadu_si512(rows[l].cast())),
            core::array::from_fn(|l| _mm512_loadu_si512(rows[l].add(64).cast())),
        )
    };
    let (first, second) = (transpose(first), transpose(second));
    // SAFETY: as above, the CPU has AVX-512F.
    let mut m = [unsafe { _mm512_set1_epi64(0) }; 16];
    m[..8].copy_from_slice(&first);
    m[8..].copy_from_slice(&second);
    m
}

/// [`StripeHasher::update`] of eight states with eight pieces of equal length.
pub(super) fn update8(states: &mut [StripeHasher; LANES], pieces: &[&[u8]; LANES], offset: usize, last: bool) {
    let len = pieces[0].len();
    assert!(pieces.iter().all(|p| p.len() == len), "pieces of equal length");
    // SAFETY: `update8` is reached only through `super::vectorized()`, true only when the CPU
    // has AVX-512F; the equal lengths the kernel relies on are asserted above.
    unsafe { update8_kernel(states, pieces, offset, last) }
}

#[target_feature(enable = "avx512f")]
unsafe fn update8_kernel(states: &mut [StripeHasher; LANES], pieces: &[&[u8]; LANES], offset: usize, last: bool) {
    let len = pieces[0].len();
    // SAFETY: each `h` is eight `u64`, the 64 bytes of one unaligned load.
    let mut h = transpose(core::array::from_fn(|l| unsafe { _mm512_loadu_si512(states[l].h.as_ptr().cast()) }));
    // Message bytes: carry ‖ piece; blocks before the final one as in `StripeHasher::update`.
    let full = len / 128;
    let mut rows = [[0u8; 128]; LANES];
    for b in 0..full {
        let pos = b * 128;
        let m = if pos == 0 {
            for (row, (state, piece)) in rows.iter_mut().zip(states.iter().zip(pieces)) {
                row[0] = state.carry;
                row[1..].copy_from_slice(&piece[..127]);
            }
            // SAFETY: every row is 128 bytes; this function runs with AVX-512F.
            unsafe { load_block(core::array::from_fn(|l| rows[l].as_ptr())) }
        } else {
            // Bytes pos - 1 .. pos + 127 of the piece: within it, as pos + 128 <= full * 128 <= len.
            // SAFETY: each pointer starts a 128-byte subslice (the slicing checks the bounds);
            // this function runs with AVX-512F.
            unsafe { load_block(core::array::from_fn(|l| pieces[l][pos - 1..pos + 127].as_ptr())) }
        };
        compress(&mut h, &m, (offset + pos + 128) as u64, false);
    }
    if !last {
        if len > 0 {
            for (state, piece) in states.iter_mut().zip(pieces) {
                state.carry = piece[len - 1];
            }
        }
        let words = transpose(h);
        for (state, lane) in states.iter_mut().zip(words) {
            // SAFETY: `h` is eight `u64`, the 64 bytes of one unaligned store.
            unsafe { _mm512_storeu_si512(state.h.as_mut_ptr().cast(), lane) };
        }
        return;
    }
    let pos = full * 128;
    let rest = len + 1 - pos;
    for (row, (state, piece)) in rows.iter_mut().zip(states.iter().zip(pieces)) {
        *row = [0u8; 128];
        row[0] = if pos == 0 { state.carry } else { piece[pos - 1] };
        row[1..rest].copy_from_slice(&piece[pos..pos + rest - 1]);
    }
    // SAFETY: every row is 128 bytes; this function runs with AVX-512F.
    let m = unsafe { load_block(core::array::from_fn(|l| rows[l].as_ptr())) };
    compress(&mut h, &m, (offset + len + 1) as u64, true);
    let words = transpose(h);
    for (state, lane) in states.iter_mut().zip(words) {
        // SAFETY: `h` is eight `u64`, the 64 bytes of one unaligned store.
        unsafe { _mm512_storeu_si512(state.h.as_mut_ptr().cast(), lane) };
    }
}
