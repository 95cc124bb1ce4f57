//! [`PatternDecoder`]: many codewords of one code that miss the same positions, decoded in
//! cache-sized stripes over the engine of `reed-solomon-simd` (SPEC §2.5).

use alloc::vec::Vec;

use reed_solomon_simd::engine::{Engine as _, GfElement, ShardsRefMut, GF_MODULUS, GF_ORDER};

use core::ops::Range;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::lut_engine;
use super::{xor, RsError};

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
