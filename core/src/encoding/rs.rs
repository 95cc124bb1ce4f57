//! The adapter over `reed-solomon-simd` (SPEC §2). Its types never leave this module.
//!
//! A code is `(k, n)`: `k` source symbols, `n` codeword positions, systematic (position `j < k`
//! holds source symbol `j`, position `k + t` recovery shard `t`). walrus-core calls the crate
//! exactly this way (`basic_encoding.rs`), so the same calls give the same bytes.

use alloc::vec::Vec;
use core::ops::Range;

use reed_solomon_simd::engine::{Engine as _, GfElement, ShardsRefMut, GF_MODULUS, GF_ORDER};

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

/// The engine under [`PatternDecoder`]: the one the crate's encoder and decoder use here.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
type FftEngine = reed_solomon_simd::engine::DefaultEngine;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
type FftEngine = lut_engine::LutEngine<core::arch::wasm32::v128>;

/// Whether the crate codes `(original_count, recovery_count)` at its high rate (recovery shards
/// first in the transform) rather than its low rate (originals first): the crate's
/// `DefaultRate` selection (SPEC §2.4), which `ReedSolomonEncoder` uses.
const fn use_high_rate(original_count: usize, recovery_count: usize) -> bool {
    let original_pow2 = original_count.next_power_of_two();
    let recovery_pow2 = recovery_count.next_power_of_two();
    if original_pow2 == recovery_pow2 {
        original_count <= recovery_count
    } else {
        original_pow2 > recovery_pow2
    }
}

/// The work of one [`PatternDecoder`] transform, in bytes: about a core's L2 cache (wider
/// stripes amortize the engine's per-butterfly costs; measured best at 2 MiB, within 5% from
/// 512 KiB to 4 MiB).
const STRIPE_WORK_BYTES: usize = 2 << 20;

/// A decoder for many codewords of one `(k, n)` code that all miss the same positions, such
/// as the columns of a blob decoded from the same `k` slivers.
///
/// It runs the crate's decoding algorithm (SPEC §2.5: multiply by the erasure locator, IFFT,
/// formal derivative, FFT, divide) over its public engine, with the codeword layout of the
/// rate the crate's encoder uses (`use_high_rate`), but
/// * evaluates the erasure locator once, not once per call (a transform over all 2^16 field
///   elements, which dominates small codewords);
/// * decodes a stripe of a few 64-byte blocks of every symbol at a time, so that the whole
///   transform (work positions × stripe) stays in the core's cache rather than streaming
///   megabytes per layer;
/// * stops the final FFT at the last missing source symbol (only those outputs are read), and
///   when those all lie in its first quarter (decoding from primary slivers), computes only
///   that quarter, merging the transforms' outer layers and the derivative
///   (`transform_first_quarter`).
///
/// The decoded symbols are the unique ones of the code, so they equal the crate's decoder's;
/// a test compares the two over both rates and random erasure patterns.
pub(crate) struct PatternDecoder {
    engine: FftEngine,
    work_count: usize,
    /// Inputs are zero from this work position on (IFFT truncation).
    ifft_end: usize,
    /// For each quarter of the work positions, the end of its inputs within it (0 when it has
    /// none): the truncation of its own IFFT in `transform_first_quarter`.
    quarter_ends: [usize; 4],
    /// Outputs are needed only below this work position (FFT truncation).
    fft_end: usize,
    /// The work position and locator factor (log) of each input, in the order given.
    inputs: Vec<(usize, GfElement)>,
    /// Work positions that are not inputs (zero at the start of each stripe).
    zeros: Vec<Range<usize>>,
    /// The source index, work position and reveal factor (log) of each missing source symbol.
    missing: Vec<(usize, usize, GfElement)>,
}

impl PatternDecoder {
    /// The decoder of a `(k, n)` code given the codeword positions of its inputs (`j < k` source
    /// symbol `j`, `k + t` recovery symbol `t`; distinct, in the order their stripes will be
    /// filled).
    ///
    /// Fails if the code is not one the crate supports, a position is out of range or repeated,
    /// or fewer than `k` positions are given.
    pub(crate) fn new(k: usize, n: usize, positions: &[usize]) -> Result<Self, RsError> {
        let recovery_count = n.checked_sub(k).ok_or(RsError)?;
        let supported = match (u32::try_from(k), u32::try_from(recovery_count)) {
            (Ok(k), Ok(r)) => crate::encoding::config::rs_supported(k, r),
            _ => false,
        };
        if !supported || positions.len() < k {
            return Err(RsError);
        }
        let high = use_high_rate(k, recovery_count);
        // The crate's layouts: high rate, recovery at 0.., sources at chunk..; low rate,
        // sources at 0.., recovery at chunk...
        let (chunk, original_base, recovery_base) = if high {
            let chunk = recovery_count.next_power_of_two();
            (chunk, chunk, 0)
        } else {
            let chunk = k.next_power_of_two();
            (chunk, 0, chunk)
        };
        let work_count = (chunk + if high { k } else { recovery_count }).next_power_of_two();
        let work_position = |p: usize| if p < k { original_base + p } else { recovery_base + p - k };

        let mut received = alloc::vec![false; work_count];
        for &p in positions {
            if p >= n || core::mem::replace(&mut received[work_position(p)], true) {
                return Err(RsError);
            }
        }
        // Erasure locations as the crate marks them: every position of the layout that is
        // neither received nor a known zero (the low rate's padding after the sources).
        let mut erasures = alloc::vec![0 as GfElement; GF_ORDER];
        let truncated = if high {
            for t in 0..chunk {
                erasures[t] = GfElement::from(!received[t]);
            }
            for j in 0..k {
                erasures[chunk + j] = GfElement::from(!received[chunk + j]);
            }
            chunk + k
        } else {
            for j in 0..k {
                erasures[j] = GfElement::from(!received[j]);
            }
            for t in 0..recovery_count {
                erasures[chunk + t] = GfElement::from(!received[chunk + t]);
            }
            erasures[chunk + recovery_count..].fill(1);
            GF_ORDER
        };
        let Ok(table) = <&mut [GfElement; GF_ORDER]>::try_from(&mut erasures[..]) else {
            return Err(RsError);
        };
        FftEngine::eval_poly(table, truncated);

        let inputs: Vec<(usize, GfElement)> = positions
            .iter()
            .map(|&p| {
                let w = work_position(p);
                (w, erasures[w])
            })
            .collect();
        let mut zeros: Vec<Range<usize>> = Vec::new();
        for w in (0..work_count).filter(|&w| !received[w]) {
            match zeros.last_mut() {
                Some(run) if run.end == w => run.end += 1,
                _ => zeros.push(w..w + 1),
            }
        }
        let missing: Vec<(usize, usize, GfElement)> = (0..k)
            .filter(|&j| !received[original_base + j])
            .map(|j| (j, original_base + j, GF_MODULUS - erasures[original_base + j]))
            .collect();
        let ifft_end = received.iter().rposition(|&r| r).map_or(0, |w| w + 1);
        let mut quarter_ends = [0; 4];
        for (end, quarter) in quarter_ends.iter_mut().zip(received.chunks(work_count.div_ceil(4))) {
            *end = quarter.iter().rposition(|&r| r).map_or(0, |w| w + 1);
        }
        let fft_end = missing.last().map_or(0, |&(_, w, _)| w + 1);
        Ok(Self { engine: FftEngine::new(), work_count, ifft_end, quarter_ends, fft_end, inputs, zeros, missing })
    }

    /// The stripe width (64-byte blocks of every symbol) that keeps one transform's work
    /// (`work positions × stripe`) within about [`STRIPE_WORK_BYTES`].
    pub(crate) fn stripe_blocks(&self) -> usize {
        (STRIPE_WORK_BYTES / 64 / self.work_count).max(1)
    }

    /// The source indices the decoder restores (those not among the inputs), ascending.
    pub(crate) fn missing(&self) -> impl Iterator<Item = usize> + '_ {
        self.missing.iter().map(|&(j, _, _)| j)
    }

    /// Decodes one stripe of `blocks` 64-byte blocks (in the block layout, see
    /// [`read_blocks`]) of every symbol: `fill(i, stripe)` writes input `i`'s stripe,
    /// `restored(j, stripe)` receives missing source symbol `j`'s. `work` is scratch space,
    /// reused between calls.
    pub(crate) fn decode_stripe(
        &self,
        work: &mut Vec<[u8; 64]>,
        blocks: usize,
        mut fill: impl FnMut(usize, &mut [[u8; 64]]),
        mut restored: impl FnMut(usize, &[[u8; 64]]),
    ) {
        if self.missing.is_empty() || blocks == 0 {
            return;
        }
        let n = self.work_count;
        // Only the first quarter of the final FFT is read when the missing sources all lie
        // there (as from primary slivers): see `transform_first_quarter`. Positions from
        // `live_end` on are then never read.
        let quarter = n >= 4 && self.fft_end <= n / 4;
        let live_end = if quarter { self.ifft_end.div_ceil(n / 4) * (n / 4) } else { n };
        work.resize(n * blocks, [0; 64]);
        for (i, &(w, log_m)) in self.inputs.iter().enumerate() {
            let shard = &mut work[w * blocks..(w + 1) * blocks];
            fill(i, shard);
            self.engine.mul(shard, log_m);
        }
        for run in &self.zeros {
            let end = run.end.min(live_end);
            if run.start < end {
                work[run.start * blocks..end * blocks].as_flattened_mut().fill(0);
            }
        }
        if quarter {
            self.transform_first_quarter(work, blocks);
        } else {
            self.engine.ifft(&mut ShardsRefMut::new(n, blocks, work), 0, n, self.ifft_end, 0);
            formal_derivative(work, blocks);
            self.engine.fft(&mut ShardsRefMut::new(n, blocks, work), 0, n, self.fft_end, 0);
        }
        for &(j, w, log_m) in &self.missing {
            let shard = &mut work[w * blocks..(w + 1) * blocks];
            self.engine.mul(shard, log_m);
            restored(j, shard);
        }
    }
}

impl PatternDecoder {
    /// IFFT, formal derivative and FFT of `work` (`n` positions of `blocks` blocks), leaving
    /// valid only the first quarter, which is all that is read when `fft_end <= n / 4`.
    ///
    /// Let `p0..p3` be the quarters after the IFFT's layers below distance `n / 4` (each
    /// quarter's own IFFT), and `x0..x3` after its last two layers (distances `n / 4`, then
    /// `n / 2`). The derivative adds to position `j` the input at `j + 2^k` for every clear bit
    /// `k` of `j`; with `L` the derivative within a quarter, its quarters are
    /// `d0 = L(x0) + x1 + x2`, `d1 = L(x1) + x3`, `d2 = L(x2) + x3` and `d3 = L(x3)`. The FFT's
    /// first two layers (twiddles `m01 = skew[n/4 - 1]`, `m23 = skew[3n/4 - 1]`,
    /// `m02 = skew[n/2 - 1]`; a log of `GF_MODULUS` means zero) give the first quarter as
    /// `y0 = d0 + m02·d2 + m01·(d1 + m02·d3)`. `L` is linear, so
    /// `y0 = L(x0 + m01·x1 + m02·x2 + m01·m02·x3) + x1 + x2 + (m01 + m02)·x3`. Those two FFT
    /// layers invert the IFFT's last two, so `L`'s argument is `p0`; writing `x1..x3` through
    /// `p0..p3`, the rest is `p1 + p2 + (m01 + m23)·(p2 + p3)`. Hence
    ///
    /// `y0 = L(p0) + p1 + p2 + (m01 + m23)·(p2 + p3)`:
    ///
    /// three quarter IFFTs (each truncated after its last input; a quarter wholly past
    /// `ifft_end` stays zero and is skipped), one quarter-sized derivative, one product and the
    /// FFT of the first quarter (its remaining layers), instead of two full transforms and a
    /// full derivative. The differential test covers it (low-rate codes) and its branches.
    fn transform_first_quarter(&self, work: &mut [[u8; 64]], blocks: usize) {
        let q = self.work_count / 4;
        let live = |i: usize| i * q < self.ifft_end;
        for (i, p) in work.chunks_exact_mut(q * blocks).enumerate().filter(|(i, _)| live(*i)) {
            self.engine.ifft(&mut ShardsRefMut::new(q, blocks, p), 0, q, self.quarter_ends[i], i * q);
        }
        let tables = reed_solomon_simd::engine::tables::get_exp_log();
        let skew = reed_solomon_simd::engine::tables::get_skew();
        let twiddle = |log_m: GfElement| if log_m == GF_MODULUS { 0 } else { tables.exp[usize::from(log_m)] };
        let c = twiddle(skew[q - 1]) ^ twiddle(skew[3 * q - 1]);
        // `x *= v` for a field element `v`.
        let scale = |x: &mut [[u8; 64]], v: GfElement| match v {
            0 => x.as_flattened_mut().fill(0),
            v => self.engine.mul(x, tables.log[usize::from(v)]),
        };
        let xor = |x: &mut [[u8; 64]], y: &[[u8; 64]]| xor::xor_into(x.as_flattened_mut(), y.as_flattened());
        let (p0, rest) = work.split_at_mut(q * blocks);
        let (p1, rest) = rest.split_at_mut(q * blocks);
        let (p2, p3) = rest.split_at_mut(q * blocks);
        formal_derivative(p0, blocks);
        if live(1) {
            xor(p0, p1);
        }
        if live(3) {
            // p0 += p2 + c·(p2 + p3)
            xor(p3, p2);
            scale(p3, c);
            xor(p0, p3);
            xor(p0, p2);
        } else if live(2) {
            // p3 = 0: p0 += (1 + c)·p2
            scale(p2, 1 ^ c);
            xor(p0, p2);
        }
        self.engine.fft(&mut ShardsRefMut::new(q, blocks, p0), 0, q, self.fft_end, 0);
    }
}

/// The formal derivative of the crate's decoder (`formal_derivative`, not exported) over the
/// `work.len() / blocks` positions of `work`: positions `i - w .. i` += `i .. i + w` for every
/// `i`, `w` being the lowest set bit of `i`.
fn formal_derivative(work: &mut [[u8; 64]], blocks: usize) {
    for i in 1..work.len() / blocks {
        let width = (1 << i.trailing_zeros()) * blocks;
        let (low, high) = work.split_at_mut(i * blocks);
        let start = low.len() - width;
        xor::xor_into(low[start..].as_flattened_mut(), high[..width].as_flattened());
    }
}

// ---------------------------------------------------------------------------------------------
// The block layout: symbols of any size as whole 64-byte blocks, so that stripes of many
// symbols can be coded side by side in one transform.
//
// The engine reads a shard as 64-byte blocks whose element `j` has low byte `block[j]` and high
// byte `block[32 + j]`, except a final block of `T < 64` bytes, read with low byte `tail[j]` and
// high byte `tail[T/2 + j]` (SPEC §2.2). Moving the tail's halves to offsets 0 and 32 of a
// zero-filled block keeps every element, so coding blocks of laid-out symbols and reversing the
// layout gives exactly the per-symbol results (the code acts on each element position
// independently; the zero padding elements stay zero).

/// The number of blocks of a symbol of `size` bytes in the block layout.
pub(crate) const fn layout_blocks(size: usize) -> usize {
    size.div_ceil(64)
}

/// Blocks `first..first + out.len()` of a symbol in the block layout, written into `out`.
pub(crate) fn read_blocks(symbol: &[u8], first: usize, out: &mut [[u8; 64]]) {
    let whole = (symbol.len() / 64).saturating_sub(first).min(out.len());
    out[..whole].as_flattened_mut().copy_from_slice(&symbol[first * 64..(first + whole) * 64]);
    for (b, block) in (first + whole..).zip(&mut out[whole..]) {
        read_block(symbol, b, block);
    }
}

/// The inverse of [`read_blocks`]: blocks `first..` of a symbol of `symbol_size` bytes written
/// into `out`, the symbol's first bytes (as [`write_block`]).
pub(crate) fn write_blocks(blocks: &[[u8; 64]], first: usize, symbol_size: usize, out: &mut [u8]) {
    let whole = (symbol_size / 64).saturating_sub(first).min(blocks.len());
    let at = (first * 64).min(out.len());
    let len = (whole * 64).min(out.len() - at);
    out[at..at + len].copy_from_slice(&blocks[..whole].as_flattened()[..len]);
    for (b, block) in (first + whole..).zip(&blocks[whole..]) {
        write_block(block, b, symbol_size, out);
    }
}

/// Block `b` of a symbol in the block layout, written into `out`.
pub(crate) fn read_block(symbol: &[u8], b: usize, out: &mut [u8; 64]) {
    let full = symbol.len() / 64;
    if b < full {
        out.copy_from_slice(&symbol[b * 64..(b + 1) * 64]);
        return;
    }
    let half = (symbol.len() - full * 64) / 2;
    out.fill(0);
    out[..half].copy_from_slice(&symbol[full * 64..full * 64 + half]);
    out[32..32 + half].copy_from_slice(&symbol[full * 64 + half..full * 64 + 2 * half]);
}

/// The inverse of [`read_block`]: block `b` of a symbol of `symbol_size` bytes written into
/// `out`, the symbol's first bytes (`out` may be shorter than the symbol, e.g. at the end of
/// a blob; bytes past it are dropped).
pub(crate) fn write_block(block: &[u8; 64], b: usize, symbol_size: usize, out: &mut [u8]) {
    let full = symbol_size / 64;
    let mut put = |from: &[u8], at: usize| {
        if at < out.len() {
            let len = from.len().min(out.len() - at);
            out[at..at + len].copy_from_slice(&from[..len]);
        }
    };
    if b < full {
        put(block, b * 64);
    } else {
        let half = (symbol_size - full * 64) / 2;
        put(&block[..half], full * 64);
        put(&block[32..32 + half], full * 64 + half);
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
