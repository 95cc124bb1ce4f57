//! The adapter over `reed-solomon-simd` (SPEC §2). Its types never leave this module.
//!
//! A code is `(k, n)`: `k` source symbols, `n` codeword positions, systematic (position `j < k`
//! holds source symbol `j`, position `k + t` recovery shard `t`). walrus-core calls the crate
//! exactly this way (`basic_encoding.rs`), so the same calls give the same bytes.

use alloc::vec::Vec;

#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod lut_engine;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;

/// The encoder and decoder: the crate's own, with the engine it selects (AVX2, SSSE3 or NEON at
/// run time with `std`, else its portable `NoSimd`)...
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod engine {
    pub(super) use reed_solomon_simd::{ReedSolomonDecoder as Decoder, ReedSolomonEncoder as Encoder};

    pub(super) fn encoder(k: usize, r: usize, symbol_size: usize) -> Result<Encoder, reed_solomon_simd::Error> {
        Encoder::new(k, r, symbol_size)
    }

    pub(super) fn decoder(k: usize, r: usize, symbol_size: usize) -> Result<Decoder, reed_solomon_simd::Error> {
        Decoder::new(k, r, symbol_size)
    }
}

/// ... except on WebAssembly with `simd128`, which the crate has no engine for: there the crate's
/// `DefaultRate` encoder and decoder (the same rate selection as `ReedSolomonEncoder`, SPEC §2.4)
/// run over [`lut_engine::LutEngine`] with `simd128` vectors, the port of the crate's SSSE3 engine.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod engine {
    use core::arch::wasm32::v128;

    use reed_solomon_simd::rate::{DefaultRateDecoder, DefaultRateEncoder, RateDecoder as _, RateEncoder as _};

    use super::lut_engine::LutEngine;

    pub(super) type Encoder = DefaultRateEncoder<LutEngine<v128>>;
    pub(super) type Decoder = DefaultRateDecoder<LutEngine<v128>>;

    pub(super) fn encoder(k: usize, r: usize, symbol_size: usize) -> Result<Encoder, reed_solomon_simd::Error> {
        Encoder::new(k, r, symbol_size, LutEngine::new(), None)
    }

    pub(super) fn decoder(k: usize, r: usize, symbol_size: usize) -> Result<Decoder, reed_solomon_simd::Error> {
        Decoder::new(k, r, symbol_size, LutEngine::new(), None)
    }
}

// Their methods, for `engine::Encoder` and `engine::Decoder` (inherent on the crate's own types).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use reed_solomon_simd::rate::{RateDecoder as _, RateEncoder as _};

/// A reusable systematic encoder.
#[derive(Default)]
pub(crate) struct RsEncoder {
    inner: Option<engine::Encoder>,
}

/// The adapter's one error: the engine refused its input (wrong parameters, sizes or too few
/// symbols). Callers map it to their own error types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RsError;

impl RsEncoder {
    /// Encodes `k` source symbols of `symbol_size` bytes into the `n - k` recovery symbols,
    /// returned concatenated.
    pub(crate) fn encode<'a>(
        &mut self,
        k: usize,
        n: usize,
        symbol_size: usize,
        sources: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<RecoverySymbols<'_>, RsError> {
        let recovery_count = n.checked_sub(k).ok_or(RsError)?;
        let encoder = match &mut self.inner {
            Some(enc) => {
                enc.reset(k, recovery_count, symbol_size).map_err(|_| RsError)?;
                enc
            }
            slot @ None => slot.insert(engine::encoder(k, recovery_count, symbol_size).map_err(|_| RsError)?),
        };
        for source in sources {
            encoder.add_original_shard(source).map_err(|_| RsError)?;
        }
        let result = encoder.encode().map_err(|_| RsError)?;
        Ok(RecoverySymbols { result, count: recovery_count })
    }
}

/// The recovery symbols of one encoding, borrowed from the encoder.
pub(crate) struct RecoverySymbols<'a> {
    result: reed_solomon_simd::EncoderResult<'a>,
    count: usize,
}

impl<'a> RecoverySymbols<'a> {
    /// The recovery symbols in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.count).filter_map(|t| self.result.recovery(t))
    }
}

/// A reusable decoder.
#[derive(Default)]
pub(crate) struct RsDecoder {
    inner: Option<engine::Decoder>,
}

impl RsDecoder {
    /// Decodes the `k` source symbols of a `(k, n)` code from `(position, symbol)` pairs into
    /// `out` (`k * symbol_size` bytes), following walrus-core's 1-D decoder (SPEC §2.5): symbols
    /// of the wrong length are dropped, duplicate or out-of-range positions are ignored.
    ///
    /// Fails if fewer than `k` distinct positions remain.
    pub(crate) fn decode<'a>(
        &mut self,
        k: usize,
        n: usize,
        symbol_size: usize,
        symbols: impl IntoIterator<Item = (usize, &'a [u8])>,
        out: &mut [u8],
    ) -> Result<(), RsError> {
        let recovery_count = n.checked_sub(k).ok_or(RsError)?;
        if out.len() != k * symbol_size {
            return Err(RsError);
        }
        let decoder = match &mut self.inner {
            Some(dec) => {
                dec.reset(k, recovery_count, symbol_size).map_err(|_| RsError)?;
                dec
            }
            slot @ None => slot.insert(engine::decoder(k, recovery_count, symbol_size).map_err(|_| RsError)?),
        };
        let mut have: Vec<bool> = alloc::vec![false; k];
        let mut n_originals = 0;
        for (position, symbol) in symbols {
            if symbol.len() != symbol_size || position >= n {
                continue;
            }
            if position < k {
                if have[position] {
                    continue;
                }
                if decoder.add_original_shard(position, symbol).is_ok() {
                    have[position] = true;
                    n_originals += 1;
                    out[position * symbol_size..(position + 1) * symbol_size].copy_from_slice(symbol);
                }
            } else {
                // Duplicates are rejected by the engine; like walrus-core, ignore that.
                let _ = decoder.add_recovery_shard(position - k, symbol);
            }
        }
        if n_originals == k {
            return Ok(());
        }
        let result = decoder.decode().map_err(|_| RsError)?;
        for (index, restored) in result.restored_original_iter() {
            out[index * symbol_size..(index + 1) * symbol_size].copy_from_slice(restored);
        }
        Ok(())
    }
}

/// The length of a symbol of `size` bytes in [`to_block_layout`]: `size` rounded up to 64.
pub(crate) const fn block_layout_len(size: usize) -> usize {
    size.div_ceil(64) * 64
}

/// Rewrites a symbol in whole 64-byte blocks, so that symbols of any size can be laid side by
/// side in one shard and coded in one call (each call has a fixed cost).
///
/// The engine reads a shard as 64-byte blocks whose element `j` has low byte `block[j]` and high
/// byte `block[32 + j]`, except a final block of `T < 64` bytes, read with low byte `tail[j]`
/// and high byte `tail[T/2 + j]` (SPEC §2.2). Moving the tail's halves to offsets 0 and 32 of a
/// zero-filled block keeps every element, so coding shards of laid-out symbols and reversing the
/// layout with [`from_block_layout`] gives exactly the per-symbol results (the code acts on each
/// element position independently; the zero padding elements stay zero). `out` is
/// [`block_layout_len`] bytes.
pub(crate) fn to_block_layout(symbol: &[u8], out: &mut [u8]) {
    let full = symbol.len() / 64 * 64;
    out[..full].copy_from_slice(&symbol[..full]);
    let half = (symbol.len() - full) / 2;
    if half > 0 {
        let block = &mut out[full..full + 64];
        block.fill(0);
        block[..half].copy_from_slice(&symbol[full..full + half]);
        block[32..32 + half].copy_from_slice(&symbol[full + half..]);
    }
}

/// The inverse of [`to_block_layout`]: the symbol of `out.len()` bytes from its laid-out form.
pub(crate) fn from_block_layout(laid_out: &[u8], out: &mut [u8]) {
    let full = out.len() / 64 * 64;
    out[..full].copy_from_slice(&laid_out[..full]);
    let half = (out.len() - full) / 2;
    if half > 0 {
        let (low, high) = out[full..].split_at_mut(half);
        low.copy_from_slice(&laid_out[full..full + half]);
        high.copy_from_slice(&laid_out[full + 32..full + 32 + half]);
    }
}

#[cfg(test)]
mod tests {
    use reed_solomon_simd::ReedSolomonEncoder;

    use super::*;
    use crate::encoding::config::rs_supported;

    #[test]
    fn support_rule_agrees_with_the_engine() {
        for k in [1usize, 2, 3, 255, 256, 257, 1000, 32_768, 32_769, 43_691, 65_535, 65_536] {
            for r in [1usize, 2, 3, 255, 256, 257, 1000, 21_844, 32_768, 32_769, 65_536] {
                assert_eq!(rs_supported(k as u32, r as u32), ReedSolomonEncoder::supports(k, r), "k = {k}, r = {r}");
            }
        }
    }

    #[test]
    fn decode_from_any_k_positions() {
        let (k, n, sz) = (3usize, 7usize, 4usize);
        let sources: Vec<Vec<u8>> = (0..k).map(|i| (0..sz).map(|b| (i * 31 + b * 7) as u8).collect()).collect();
        let mut enc = RsEncoder::default();
        let rec = enc.encode(k, n, sz, sources.iter().map(|s| &s[..])).unwrap();
        let codeword: Vec<Vec<u8>> = sources.iter().cloned().chain(rec.iter().map(|r| r.to_vec())).collect();
        assert_eq!(codeword.len(), n);
        let mut dec = RsDecoder::default();
        for a in 0..n {
            for b in a + 1..n {
                for c in b + 1..n {
                    let mut out = vec![0u8; k * sz];
                    dec.decode(k, n, sz, [a, b, c].map(|i| (i, &codeword[i][..])), &mut out).unwrap();
                    assert_eq!(out, sources.concat());
                }
            }
        }
        // Too few distinct positions.
        let mut out = vec![0u8; k * sz];
        assert!(dec
            .decode(k, n, sz, [(4, &codeword[4][..]), (4, &codeword[4][..]), (5, &codeword[5][..])], &mut out)
            .is_err());
    }

    #[test]
    fn block_layout_codes_groups_of_symbols_exactly() {
        // Each column coded alone, and groups of columns laid out side by side in one shard.
        for size in [2usize, 6, 62, 64, 66, 76, 130, 4820] {
            let (k, n) = (5usize, 13usize);
            let symbols: Vec<Vec<u8>> =
                (0..3 * k).map(|i| (0..size).map(|b| (i * 37 + b * 11 + b / 7) as u8).collect()).collect();
            let mut encoder = RsEncoder::default();
            let alone: Vec<Vec<Vec<u8>>> = (0..3)
                .map(|c| {
                    let column = symbols[c * k..(c + 1) * k].iter().map(Vec::as_slice);
                    encoder.encode(k, n, size, column).unwrap().iter().map(<[u8]>::to_vec).collect()
                })
                .collect();
            let laid = block_layout_len(size);
            let shards: Vec<Vec<u8>> = (0..k)
                .map(|r| {
                    let mut shard = vec![0u8; 3 * laid];
                    for c in 0..3 {
                        to_block_layout(&symbols[c * k + r], &mut shard[c * laid..(c + 1) * laid]);
                    }
                    shard
                })
                .collect();
            let together: Vec<Vec<u8>> = encoder
                .encode(k, n, 3 * laid, shards.iter().map(Vec::as_slice))
                .unwrap()
                .iter()
                .map(<[u8]>::to_vec)
                .collect();
            for (t, shard) in together.iter().enumerate() {
                for c in 0..3 {
                    let mut symbol = vec![0u8; size];
                    from_block_layout(&shard[c * laid..(c + 1) * laid], &mut symbol);
                    assert_eq!(symbol, alone[c][t], "size {size}, column {c}, recovery {t}");
                }
            }
        }
    }
}
