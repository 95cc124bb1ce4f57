//! A Reed-Solomon engine for `reed-solomon-simd` built on 16-byte table lookups, generic over the
//! vector type that performs them.
//!
//! This is the crate's SSSE3 engine (`engine_ssse3.rs`) written over [`Lanes`]: the same
//! algorithm, the same tables (`Mul128`: for each `log_m`, eight 16-entry tables of product
//! bytes, indexed by one nibble of a field element) and the same FFT/IFFT loops, so it gives the
//! same bytes as every engine of the crate. A 64-byte chunk holds 32 field elements, the low
//! bytes in its first 32 bytes and the high bytes in its last 32 (SPEC §2.2); a product of one
//! element by `log_m` is the XOR of four lookups per output byte, one per nibble of the element.
//!
//! [`Lanes`] is implemented by WebAssembly `simd128` vectors (`super::simd128`, the engine used
//! there) and by a portable array type (the tests), so the engine's logic is tested natively
//! against the crate's own engines.

use core::iter::zip;
use core::marker::PhantomData;

use reed_solomon_simd::engine::tables::{self, Mul128, Multiply128lutT, Skew};
use reed_solomon_simd::engine::{utils, Engine, GfElement, ShardsRefMut, GF_MODULUS};

/// Sixteen bytes in a vector register, with the few operations the engine needs.
pub(crate) trait Lanes: Copy {
    /// The four 16-byte vectors of a 64-byte chunk, in memory order: low bytes of elements
    /// 0..16, low bytes of 16..32, high bytes of 0..16, high bytes of 16..32.
    fn load4(chunk: &[u8; 64]) -> [Self; 4];
    /// Stores four vectors into a 64-byte chunk, in the order of [`Lanes::load4`].
    fn store4(chunk: &mut [u8; 64], v: [Self; 4]);
    /// A lookup table as the crate stores it: a `u128` whose little-endian bytes are the entries.
    fn table(t: u128) -> Self;
    /// Lane-wise XOR.
    fn xor(self, other: Self) -> Self;
    /// Each byte's low nibble (`b & 0x0f`).
    fn low_nibbles(self) -> Self;
    /// Each byte's high nibble (`b >> 4`).
    fn high_nibbles(self) -> Self;
    /// `out[i] = table[index[i]]`, for indices below 16 (the only ones the engine makes).
    fn lookup(table: Self, index: Self) -> Self;
}

/// The eight lookup tables of one multiplier `log_m`, in registers.
#[derive(Clone, Copy)]
struct Lut<V> {
    lo: [V; 4],
    hi: [V; 4],
}

impl<V: Lanes> Lut<V> {
    #[inline(always)]
    fn new(lut: &Multiply128lutT) -> Self {
        Self { lo: lut.lo.map(V::table), hi: lut.hi.map(V::table) }
    }

    /// The products of 16 elements (low bytes `lo`, high bytes `hi`) by the multiplier, as
    /// (low bytes, high bytes).
    #[inline(always)]
    fn mul(&self, lo: V, hi: V) -> (V, V) {
        let n0 = lo.low_nibbles();
        let n1 = lo.high_nibbles();
        let n2 = hi.low_nibbles();
        let n3 = hi.high_nibbles();
        let mut prod_lo = V::lookup(self.lo[0], n0);
        let mut prod_hi = V::lookup(self.hi[0], n0);
        prod_lo = prod_lo.xor(V::lookup(self.lo[1], n1));
        prod_hi = prod_hi.xor(V::lookup(self.hi[1], n1));
        prod_lo = prod_lo.xor(V::lookup(self.lo[2], n2));
        prod_hi = prod_hi.xor(V::lookup(self.hi[2], n2));
        prod_lo = prod_lo.xor(V::lookup(self.lo[3], n3));
        prod_hi = prod_hi.xor(V::lookup(self.hi[3], n3));
        (prod_lo, prod_hi)
    }

    /// The 32 products of one chunk `[x0_lo, x1_lo, x0_hi, x1_hi]`, in the same layout.
    #[inline(always)]
    fn mul_chunk(&self, [x0_lo, x1_lo, x0_hi, x1_hi]: [V; 4]) -> [V; 4] {
        let (p0_lo, p0_hi) = self.mul(x0_lo, x0_hi);
        let (p1_lo, p1_hi) = self.mul(x1_lo, x1_hi);
        [p0_lo, p1_lo, p0_hi, p1_hi]
    }
}

#[inline(always)]
fn xor4<V: Lanes>(a: [V; 4], b: [V; 4]) -> [V; 4] {
    [a[0].xor(b[0]), a[1].xor(b[1]), a[2].xor(b[2]), a[3].xor(b[3])]
}

/// The engine, over vector type `V`.
pub(crate) struct LutEngine<V> {
    mul128: &'static Mul128,
    skew: &'static Skew,
    lanes: PhantomData<V>,
}

impl<V> Clone for LutEngine<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for LutEngine<V> {}

impl<V: Lanes> LutEngine<V> {
    /// The engine, initialising the crate's shared `Mul128` and `Skew` tables on first use.
    pub(crate) fn new() -> Self {
        Self { mul128: tables::get_mul128(), skew: tables::get_skew(), lanes: PhantomData }
    }

    #[inline(always)]
    fn lut(&self, log_m: GfElement) -> Lut<V> {
        Lut::new(&self.mul128[usize::from(log_m)])
    }

    /// FFT butterfly without the `GF_MODULUS` case: `x ^= y * log_m; y ^= x`.
    #[inline(always)]
    fn fft_butterfly_partial(&self, x: &mut [[u8; 64]], y: &mut [[u8; 64]], log_m: GfElement) {
        let lut = self.lut(log_m);
        for (x_chunk, y_chunk) in zip(x.iter_mut(), y.iter_mut()) {
            let yv = V::load4(y_chunk);
            let xv = xor4(V::load4(x_chunk), lut.mul_chunk(yv));
            V::store4(x_chunk, xv);
            V::store4(y_chunk, xor4(yv, xv));
        }
    }

    /// IFFT butterfly without the `GF_MODULUS` case: `y ^= x; x ^= y * log_m`.
    #[inline(always)]
    fn ifft_butterfly_partial(&self, x: &mut [[u8; 64]], y: &mut [[u8; 64]], log_m: GfElement) {
        let lut = self.lut(log_m);
        for (x_chunk, y_chunk) in zip(x.iter_mut(), y.iter_mut()) {
            let xv = V::load4(x_chunk);
            let yv = xor4(V::load4(y_chunk), xv);
            V::store4(y_chunk, yv);
            V::store4(x_chunk, xor4(xv, lut.mul_chunk(yv)));
        }
    }

    #[inline(always)]
    fn fft_butterfly(&self, x: &mut [[u8; 64]], y: &mut [[u8; 64]], log_m: GfElement) {
        if log_m == GF_MODULUS {
            utils::xor(y, x);
        } else {
            self.fft_butterfly_partial(x, y, log_m);
        }
    }

    #[inline(always)]
    fn ifft_butterfly(&self, x: &mut [[u8; 64]], y: &mut [[u8; 64]], log_m: GfElement) {
        if log_m == GF_MODULUS {
            utils::xor(y, x);
        } else {
            self.ifft_butterfly_partial(x, y, log_m);
        }
    }

    #[inline(always)]
    fn fft_butterfly_two_layers(
        &self,
        data: &mut ShardsRefMut<'_>,
        pos: usize,
        dist: usize,
        log_m01: GfElement,
        log_m23: GfElement,
        log_m02: GfElement,
    ) {
        let (s0, s1, s2, s3) = data.dist4_mut(pos, dist);
        self.fft_butterfly(s0, s2, log_m02);
        self.fft_butterfly(s1, s3, log_m02);
        self.fft_butterfly(s0, s1, log_m01);
        self.fft_butterfly(s2, s3, log_m23);
    }

    #[inline(always)]
    fn ifft_butterfly_two_layers(
        &self,
        data: &mut ShardsRefMut<'_>,
        pos: usize,
        dist: usize,
        log_m01: GfElement,
        log_m23: GfElement,
        log_m02: GfElement,
    ) {
        let (s0, s1, s2, s3) = data.dist4_mut(pos, dist);
        self.ifft_butterfly(s0, s1, log_m01);
        self.ifft_butterfly(s2, s3, log_m23);
        self.ifft_butterfly(s0, s2, log_m02);
        self.ifft_butterfly(s1, s3, log_m02);
    }
}

impl<V: Lanes> Engine for LutEngine<V> {
    fn fft(&self, data: &mut ShardsRefMut<'_>, pos: usize, size: usize, truncated_size: usize, skew_delta: usize) {
        // Two layers at a time, then a final odd layer (as every engine of the crate).
        let mut dist4 = size;
        let mut dist = size >> 2;
        while dist != 0 {
            let mut r = 0;
            while r < truncated_size {
                let base = r + dist + skew_delta - 1;
                let log_m01 = self.skew[base];
                let log_m02 = self.skew[base + dist];
                let log_m23 = self.skew[base + dist * 2];
                for i in r..r + dist {
                    self.fft_butterfly_two_layers(data, pos + i, dist, log_m01, log_m23, log_m02);
                }
                r += dist4;
            }
            dist4 = dist;
            dist >>= 2;
        }
        if dist4 == 2 {
            let mut r = 0;
            while r < truncated_size {
                let log_m = self.skew[r + skew_delta];
                let (x, y) = data.dist2_mut(pos + r, 1);
                self.fft_butterfly(x, y, log_m);
                r += 2;
            }
        }
    }

    fn ifft(&self, data: &mut ShardsRefMut<'_>, pos: usize, size: usize, truncated_size: usize, skew_delta: usize) {
        let mut dist = 1;
        let mut dist4 = 4;
        while dist4 <= size {
            let mut r = 0;
            while r < truncated_size {
                let base = r + dist + skew_delta - 1;
                let log_m01 = self.skew[base];
                let log_m02 = self.skew[base + dist];
                let log_m23 = self.skew[base + dist * 2];
                for i in r..r + dist {
                    self.ifft_butterfly_two_layers(data, pos + i, dist, log_m01, log_m23, log_m02);
                }
                r += dist4;
            }
            dist = dist4;
            dist4 <<= 2;
        }
        if dist < size {
            let log_m = self.skew[dist + skew_delta - 1];
            if log_m == GF_MODULUS {
                utils::xor_within(data, pos + dist, pos, dist);
            } else {
                let (mut a, mut b) = data.split_at_mut(pos + dist);
                for i in 0..dist {
                    self.ifft_butterfly_partial(&mut a[pos + i], &mut b[i], log_m);
                }
            }
        }
    }

    fn mul(&self, x: &mut [[u8; 64]], log_m: GfElement) {
        let lut = self.lut(log_m);
        for chunk in x.iter_mut() {
            V::store4(chunk, lut.mul_chunk(V::load4(chunk)));
        }
    }
}

/// Sixteen bytes in an array: the portable [`Lanes`], for testing the engine natively.
#[cfg(test)]
#[derive(Clone, Copy)]
pub(crate) struct Portable([u8; 16]);

#[cfg(test)]
impl Lanes for Portable {
    fn load4(chunk: &[u8; 64]) -> [Self; 4] {
        core::array::from_fn(|i| Self(chunk[16 * i..16 * (i + 1)].try_into().unwrap()))
    }

    fn store4(chunk: &mut [u8; 64], v: [Self; 4]) {
        for (i, Self(bytes)) in v.into_iter().enumerate() {
            chunk[16 * i..16 * (i + 1)].copy_from_slice(&bytes);
        }
    }

    fn table(t: u128) -> Self {
        Self(t.to_le_bytes())
    }

    fn xor(self, other: Self) -> Self {
        Self(core::array::from_fn(|i| self.0[i] ^ other.0[i]))
    }

    fn low_nibbles(self) -> Self {
        Self(self.0.map(|b| b & 0x0f))
    }

    fn high_nibbles(self) -> Self {
        Self(self.0.map(|b| b >> 4))
    }

    fn lookup(table: Self, index: Self) -> Self {
        // As `i8x16.swizzle` (and `pshufb` for indices below 128): out-of-range indices give 0.
        Self(index.0.map(|i| table.0.get(usize::from(i)).copied().unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use reed_solomon_simd::engine::NoSimd;
    use reed_solomon_simd::rate::{DefaultRateDecoder, DefaultRateEncoder, RateDecoder, RateEncoder};

    use super::*;

    /// xorshift64*: reproducible pseudo-random bytes without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }

        fn chunks(&mut self, n: usize) -> Vec<[u8; 64]> {
            (0..n).map(|_| core::array::from_fn(|_| self.next() as u8)).collect()
        }
    }

    type Lut16 = LutEngine<Portable>;

    #[test]
    fn mul_matches_nosimd() {
        let (ours, theirs) = (Lut16::new(), NoSimd::new());
        let mut rng = Rng(1);
        for log_m in [0u16, 1, 2, 255, 256, 4242, 65_534, GF_MODULUS] {
            for chunks in [1usize, 2, 5] {
                let mut a = rng.chunks(chunks);
                let mut b = a.clone();
                ours.mul(&mut a, log_m);
                theirs.mul(&mut b, log_m);
                assert_eq!(a, b, "log_m = {log_m}, chunks = {chunks}");
            }
        }
        for _ in 0..200 {
            let log_m = rng.next() as u16;
            let mut a = rng.chunks(1);
            let mut b = a.clone();
            ours.mul(&mut a, log_m);
            theirs.mul(&mut b, log_m);
            assert_eq!(a, b, "log_m = {log_m}");
        }
    }

    #[test]
    fn fft_and_ifft_match_nosimd() {
        let (ours, theirs) = (Lut16::new(), NoSimd::new());
        let mut rng = Rng(2);
        for size in [1usize, 2, 4, 8, 16, 32, 64, 128, 512] {
            for truncated in [1, size / 2, size.saturating_sub(3), size] {
                if truncated == 0 {
                    continue;
                }
                for (pos, skew_delta, len64) in [(0usize, 0usize, 1usize), (size, 2 * size, 2), (3, size, 1)] {
                    let shards = pos + size;
                    let input = rng.chunks(shards * len64);
                    for inverse in [false, true] {
                        let (mut a, mut b) = (input.clone(), input.clone());
                        let mut sa = ShardsRefMut::new(shards, len64, &mut a);
                        let mut sb = ShardsRefMut::new(shards, len64, &mut b);
                        if inverse {
                            ours.ifft(&mut sa, pos, size, truncated, skew_delta);
                            theirs.ifft(&mut sb, pos, size, truncated, skew_delta);
                        } else {
                            ours.fft(&mut sa, pos, size, truncated, skew_delta);
                            theirs.fft(&mut sb, pos, size, truncated, skew_delta);
                        }
                        assert_eq!(a, b, "inverse {inverse}, size {size}, truncated {truncated}, pos {pos}");
                    }
                }
            }
        }
    }

    /// Full encodings and decodings through the crate's rate selection, against `NoSimd`.
    #[test]
    fn encode_and_decode_match_nosimd() {
        let mut rng = Rng(3);
        // (k, r): both rates, one and several chunks, the n = 10 and n = 1000 codes (SPEC §2.4).
        let codes = [(1usize, 1usize), (2, 5), (4, 6), (7, 3), (3, 1), (17, 40), (40, 17), (334, 666), (667, 333)];
        for (k, r) in codes {
            for size in [2usize, 4, 62, 64, 66, 130, 192] {
                let originals: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(size)).collect();
                let mut ours = DefaultRateEncoder::new(k, r, size, Lut16::new(), None).unwrap();
                let mut theirs = DefaultRateEncoder::new(k, r, size, NoSimd::new(), None).unwrap();
                for o in &originals {
                    ours.add_original_shard(o).unwrap();
                    theirs.add_original_shard(o).unwrap();
                }
                let recovery: Vec<Vec<u8>> = ours.encode().unwrap().recovery_iter().map(<[u8]>::to_vec).collect();
                let expected: Vec<Vec<u8>> = theirs.encode().unwrap().recovery_iter().map(<[u8]>::to_vec).collect();
                assert_eq!(recovery, expected, "k = {k}, r = {r}, size = {size}");

                // Decode from the last k positions of the codeword (as many recovery symbols as
                // possible), with both engines.
                let drop = r.min(k);
                let mut dec_ours = DefaultRateDecoder::new(k, r, size, Lut16::new(), None).unwrap();
                let mut dec_theirs = DefaultRateDecoder::new(k, r, size, NoSimd::new(), None).unwrap();
                for (i, o) in originals.iter().enumerate().skip(drop) {
                    dec_ours.add_original_shard(i, o).unwrap();
                    dec_theirs.add_original_shard(i, o).unwrap();
                }
                for (t, rec) in recovery.iter().enumerate().take(drop) {
                    dec_ours.add_recovery_shard(t, rec).unwrap();
                    dec_theirs.add_recovery_shard(t, rec).unwrap();
                }
                let got: Vec<(usize, Vec<u8>)> =
                    dec_ours.decode().unwrap().restored_original_iter().map(|(i, s)| (i, s.to_vec())).collect();
                let want: Vec<(usize, Vec<u8>)> =
                    dec_theirs.decode().unwrap().restored_original_iter().map(|(i, s)| (i, s.to_vec())).collect();
                assert_eq!(got, want, "decode k = {k}, r = {r}, size = {size}");
                assert_eq!(got.len(), drop);
                for (i, s) in got {
                    assert_eq!(s, originals[i]);
                }
            }
        }
    }
}
