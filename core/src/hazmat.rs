//! Raw building blocks for tests, fuzzers and other implementations.
//!
//! **Warning:** nothing here verifies anything. These functions expose the Reed-Solomon code
//! that RedStuff is built on (SPEC §2) so that it can be compared with independent
//! implementations; protocol code should use [`crate::encoding`].

use alloc::vec;
use alloc::vec::Vec;

use crate::encoding::rs::{RsDecoder, RsEncoder};

/// The recovery symbols (codeword positions `k..n`, concatenated) of the systematic `(k, n)`
/// code over `k` source symbols of `symbol_size` bytes (SPEC §2.4; reed-solomon-simd's encoder).
///
/// Returns `None` when the engine refuses the parameters: `symbol_size` odd or zero, `k` or
/// `n - k` zero, a count of symbols other than `k`, or a code the engine does not support.
pub fn rs_encode(k: usize, n: usize, symbol_size: usize, sources: &[&[u8]]) -> Option<Vec<u8>> {
    if sources.len() != k {
        return None;
    }
    let mut encoder = RsEncoder::default();
    let recovery = encoder.encode(k, n, symbol_size, sources.iter().copied()).ok()?;
    let mut out = Vec::with_capacity((n - k) * symbol_size);
    for symbol in recovery.iter() {
        out.extend_from_slice(symbol);
    }
    Some(out)
}

/// The `k` source symbols (concatenated) of the `(k, n)` code from `(position, symbol)` pairs
/// (SPEC §2.5): symbols of the wrong length and repeated or out-of-range positions are ignored.
/// Returns `None` when fewer than `k` distinct positions remain or the parameters are refused.
pub fn rs_decode(k: usize, n: usize, symbol_size: usize, symbols: &[(usize, &[u8])]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; k.checked_mul(symbol_size)?];
    RsDecoder::default().decode(k, n, symbol_size, symbols.iter().copied(), &mut out).ok()?;
    Some(out)
}
