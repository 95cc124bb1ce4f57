//! [`Lanes`] over WebAssembly `simd128` vectors: the lookups are `i8x16.swizzle` (as `pshufb` in
//! the crate's SSSE3 engine). Compiled only when the build enables `simd128`
//! (`-C target-feature=+simd128`), so there is nothing to detect at run time: a module built that
//! way does not load without SIMD support.
#![allow(unsafe_code)]

use core::arch::wasm32::{
    i8x16_swizzle, u64x2, u8x16_shr, u8x16_splat, v128, v128_and, v128_load, v128_store, v128_xor,
};

use super::lut_engine::Lanes;

impl Lanes for v128 {
    #[inline(always)]
    fn load4(chunk: &[u8; 64]) -> [Self; 4] {
        let p = chunk.as_ptr().cast::<v128>();
        // SAFETY: the four 16-byte reads at offsets 0, 16, 32 and 48 lie inside `chunk` (64
        // bytes, borrowed for the call); `v128.load` has no alignment requirement.
        unsafe { [v128_load(p), v128_load(p.add(1)), v128_load(p.add(2)), v128_load(p.add(3))] }
    }

    #[inline(always)]
    fn store4(chunk: &mut [u8; 64], v: [Self; 4]) {
        let p = chunk.as_mut_ptr().cast::<v128>();
        // SAFETY: the four 16-byte writes at offsets 0, 16, 32 and 48 lie inside `chunk` (64
        // bytes, borrowed mutably for the call, so nothing else observes them); `v128.store`
        // has no alignment requirement.
        unsafe {
            v128_store(p, v[0]);
            v128_store(p.add(1), v[1]);
            v128_store(p.add(2), v[2]);
            v128_store(p.add(3), v[3]);
        }
    }

    #[inline(always)]
    fn table(t: u128) -> Self {
        // WebAssembly is little-endian: lane 0 holds bytes 0..8 of the table.
        u64x2(t as u64, (t >> 64) as u64)
    }

    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        v128_xor(self, other)
    }

    #[inline(always)]
    fn low_nibbles(self) -> Self {
        v128_and(self, u8x16_splat(0x0f))
    }

    #[inline(always)]
    fn high_nibbles(self) -> Self {
        u8x16_shr(self, 4)
    }

    #[inline(always)]
    fn lookup(table: Self, index: Self) -> Self {
        i8x16_swizzle(table, index)
    }
}
