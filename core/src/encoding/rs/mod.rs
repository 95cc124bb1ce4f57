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
mod xor;

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

mod blocks;
mod pattern;

pub(crate) use blocks::{layout_blocks, read_blocks, write_blocks};
#[cfg(test)]
use blocks::{read_block, write_block};
pub(crate) use pattern::PatternDecoder;

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

    /// Decodes one codeword of `size`-byte symbols with a [`PatternDecoder`], `stripe` blocks
    /// at a time, through `read_block` and `write_block`.
    fn pattern_decode(k: usize, n: usize, size: usize, stripe: usize, given: &[(usize, &[u8])]) -> Vec<u8> {
        let positions: Vec<usize> = given.iter().map(|(p, _)| *p).collect();
        let decoder = PatternDecoder::new(k, n, &positions).unwrap();
        let mut out = vec![0u8; k * size];
        for &(p, symbol) in given {
            if p < k {
                out[p * size..(p + 1) * size].copy_from_slice(symbol);
            }
        }
        let (blocks, mut work) = (layout_blocks(size), Vec::new());
        for first in (0..blocks).step_by(stripe) {
            let width = stripe.min(blocks - first);
            decoder.decode_stripe(
                &mut work,
                width,
                |i, dst| {
                    for (b, block) in dst.iter_mut().enumerate() {
                        read_block(given[i].1, first + b, block);
                    }
                },
                |j, src| {
                    for (b, block) in src.iter().enumerate() {
                        write_block(block, first + b, size, &mut out[j * size..(j + 1) * size]);
                    }
                },
            );
        }
        out
    }

    #[test]
    fn pattern_decoder_agrees_with_the_crate_decoder() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        // Low rate (with and without inputs in the last quarter of the transform), high rate,
        // both equal-power cases, the blob shapes of n = 4, 10, 1000.
        let codes = [
            (2usize, 4usize),
            (2, 3),
            (3, 7),
            (4, 7),
            (5, 8),
            (4, 10),
            (6, 10),
            (3, 4),
            (1, 4),
            (2, 8),
            (8, 32),
            (16, 50),
            (334, 1000),
            (667, 1000),
            (100, 130),
        ];
        for (case, &(k, n)) in codes.iter().enumerate() {
            let size = [2usize, 62, 64, 66, 130, 320][case % 6];
            let sources: Vec<Vec<u8>> = (0..k).map(|_| (0..size).map(|_| next() as u8).collect()).collect();
            let recovery: Vec<Vec<u8>> = RsEncoder::default()
                .encode(k, n, size, sources.iter().map(Vec::as_slice))
                .unwrap()
                .iter()
                .map(<[u8]>::to_vec)
                .collect();
            let codeword: Vec<&[u8]> = sources.iter().chain(&recovery).map(Vec::as_slice).collect();
            for round in 0..6 {
                // A random set of k (or, in the last round, k + 1) positions in random order.
                let mut positions: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    positions.swap(i, (next() % (i as u64 + 1)) as usize);
                }
                positions.truncate((k + usize::from(round == 5)).min(n));
                let given: Vec<(usize, &[u8])> = positions.iter().map(|&p| (p, codeword[p])).collect();
                let mut expected = vec![0u8; k * size];
                RsDecoder::default().decode(k, n, size, given.iter().copied(), &mut expected).unwrap();
                assert_eq!(expected, sources.concat(), "crate decoder, k = {k}, n = {n}");
                for stripe in [1usize, 2, 5] {
                    assert_eq!(
                        pattern_decode(k, n, size, stripe, &given),
                        expected,
                        "k = {k}, n = {n}, stripe {stripe}"
                    );
                }
            }
        }
    }

    #[test]
    fn pattern_decoder_rejects_bad_patterns() {
        assert!(PatternDecoder::new(3, 7, &[0, 1]).is_err(), "too few positions");
        assert!(PatternDecoder::new(3, 7, &[0, 1, 1]).is_err(), "a repeated position");
        assert!(PatternDecoder::new(3, 7, &[0, 1, 7]).is_err(), "a position out of range");
        assert!(PatternDecoder::new(7, 3, &[0, 1, 2]).is_err(), "k > n");
        assert!(PatternDecoder::new(3, 3, &[0, 1, 2]).is_err(), "no recovery symbols");
        let decoder = PatternDecoder::new(3, 7, &[6, 1, 4]).unwrap();
        assert_eq!(decoder.missing().collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn blocks_read_and_write_the_block_layout() {
        for size in [2usize, 6, 64, 66, 130] {
            let symbol: Vec<u8> = (0..size).map(|b| (b * 7 + 1) as u8).collect();
            let mut blocks = vec![[0u8; 64]; layout_blocks(size)];
            read_blocks(&symbol, 0, &mut blocks);
            // Whole blocks are the bytes; a tail of T bytes has its halves at 0 and 32.
            let (full, tail) = (size / 64, size % 64);
            assert_eq!(blocks[..full].as_flattened(), &symbol[..full * 64]);
            if tail > 0 {
                let last = &blocks[full];
                assert_eq!(&last[..tail / 2], &symbol[full * 64..full * 64 + tail / 2]);
                assert_eq!(&last[32..32 + tail / 2], &symbol[full * 64 + tail / 2..]);
                assert!(last[tail / 2..32].iter().chain(&last[32 + tail / 2..]).all(|&b| b == 0));
            }
            // Block by block, from any first block, and back.
            for first in 0..blocks.len() {
                let mut part = vec![[0u8; 64]; blocks.len() - first];
                read_blocks(&symbol, first, &mut part);
                assert_eq!(part, blocks[first..], "size {size}, from block {first}");
            }
            let mut back = vec![0u8; size];
            write_blocks(&blocks[..1], 0, size, &mut back);
            write_blocks(&blocks[1..], 1, size, &mut back);
            assert_eq!(back, symbol);
            // A shorter destination gets the symbol's first bytes.
            let mut short = vec![0u8; size / 2];
            write_blocks(&blocks, 0, size, &mut short);
            assert_eq!(short, symbol[..size / 2]);
        }
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
            let laid = layout_blocks(size);
            let shards: Vec<Vec<u8>> = (0..k)
                .map(|r| {
                    let mut shard = vec![[0u8; 64]; 3 * laid];
                    for c in 0..3 {
                        read_blocks(&symbols[c * k + r], 0, &mut shard[c * laid..(c + 1) * laid]);
                    }
                    shard.as_flattened().to_vec()
                })
                .collect();
            let together: Vec<Vec<u8>> = encoder
                .encode(k, n, 3 * laid * 64, shards.iter().map(Vec::as_slice))
                .unwrap()
                .iter()
                .map(<[u8]>::to_vec)
                .collect();
            for (t, shard) in together.iter().enumerate() {
                for c in 0..3 {
                    let mut symbol = vec![0u8; size];
                    let blocks: Vec<[u8; 64]> = shard[c * laid * 64..(c + 1) * laid * 64]
                        .chunks_exact(64)
                        .map(|b| b.try_into().unwrap())
                        .collect();
                    write_blocks(&blocks, 0, size, &mut symbol);
                    assert_eq!(symbol, alone[c][t], "size {size}, column {c}, recovery {t}");
                }
            }
        }
    }
}
