//! `dst ^= src` over bytes in the CPU's widest vectors: the formal derivative of
//! [`super::PatternDecoder`] is a few passes of it over megabytes.
//!
//! Its one `unsafe` block calls the AVX2 instantiation after the CPU was checked for AVX2 (with
//! `std`; a build for AVX2 targets uses it directly).
#![allow(unsafe_code)]

/// `dst[i] ^= src[i]` for every `i` below the shorter length.
pub(crate) fn xor_into(dst: &mut [u8], src: &[u8]) {
    #[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above), the only requirement of `xor_avx2`.
        unsafe { xor_avx2(dst, src) };
        return;
    }
    xor_words(dst, src);
}

/// [`xor_words`] compiled for AVX2.
#[cfg(all(target_arch = "x86_64", feature = "std", not(target_feature = "avx2")))]
#[target_feature(enable = "avx2")]
fn xor_avx2(dst: &mut [u8], src: &[u8]) {
    xor_words(dst, src);
}

/// The portable form, which compilers vectorize at the width they are allowed.
#[inline(always)]
fn xor_words(dst: &mut [u8], src: &[u8]) {
    let mut d = dst.chunks_exact_mut(32);
    let mut s = src.chunks_exact(32);
    for (d, s) in (&mut d).zip(&mut s) {
        for (x, y) in d.iter_mut().zip(s) {
            *x ^= y;
        }
    }
    for (x, y) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *x ^= y;
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    #[test]
    fn xors_every_byte() {
        for len in [0usize, 1, 31, 32, 33, 64, 100, 4096 + 7] {
            let src: Vec<u8> = (0..len).map(|i| (i * 13 + 5) as u8).collect();
            let orig: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let mut dst = orig.clone();
            super::xor_into(&mut dst, &src);
            let expected: Vec<u8> = orig.iter().zip(&src).map(|(a, b)| a ^ b).collect();
            assert_eq!(dst, expected, "len {len}");
        }
    }
}
