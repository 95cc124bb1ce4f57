//! Independent reference implementations for differential tests and fuzzing.
//!
//! * [`rs_encode`]: the Reed-Solomon encoder of SPEC §2.4 (reed-solomon-simd's high- and
//!   low-rate encoders), written from the specification on top of `reed-solomon-novelpoly`'s
//!   low-level GF(2^16) additive FFTs (`f2e16::afft` / `inverse_afft`). novelpoly uses the same
//!   field (polynomial `0x1002D`), the same Cantor basis and the same skew indexing
//!   (`skew[j + index - 1]`), so its `afft(data, size, index)` equals rss's
//!   `fft(pos, size, trunc, skew_delta = index)` on zero-padded inputs, and likewise for the
//!   inverse. The byte ↔ element layout is rss's 64-byte blocks of SPEC §2.2.
//! * [`rs_decode`]: decoding as "invert the generator sub-matrix" (SPEC §2.5), with the matrix
//!   obtained by encoding unit vectors through [`rs_encode`] and Gaussian elimination over
//!   GF(2^16) with a plain shift-and-add multiplication.
//! * [`merkle_root`] / [`merkle_path`]: a recursive Merkle tree over the leaves padded to a
//!   power of two with zero subtrees (SPEC §5.1).
//! * [`encode_blob`]: the whole RedStuff expansion (SPEC §3) with those two, one symbol at a
//!   time: slivers and sliver-pair hashes to check the core's striped, streamed and batched
//!   paths against.

use reed_solomon_novelpoly::f2e16::{afft, inverse_afft, Additive};

/// `ceil` to the next power of two (at least 1).
fn pow2(x: usize) -> usize {
    x.max(1).next_power_of_two()
}

/// Element `e` of a shard of `s` bytes (SPEC §2.2).
fn element(shard: &[u8], e: usize) -> u16 {
    let (lo, hi) = element_bytes(shard.len(), e);
    u16::from(shard[lo]) | (u16::from(shard[hi]) << 8)
}

fn set_element(shard: &mut [u8], e: usize, value: u16) {
    let (lo, hi) = element_bytes(shard.len(), e);
    shard[lo] = value as u8;
    shard[hi] = (value >> 8) as u8;
}

/// The (low, high) byte offsets of element `e` in a shard of `s` bytes: full 64-byte blocks
/// split 32 low bytes / 32 high bytes; the tail of `T` bytes split `T/2` / `T/2`.
fn element_bytes(s: usize, e: usize) -> (usize, usize) {
    let full = s / 64 * 32;
    if e < full {
        let (block, j) = (e / 32, e % 32);
        (64 * block + j, 64 * block + 32 + j)
    } else {
        let tail = s % 64;
        let base = s - tail;
        let j = e - full;
        (base + j, base + tail / 2 + j)
    }
}

/// Encodes one element position: `k` source values → `r` recovery values (SPEC §2.4).
fn encode_elements(src: &[u16], r: usize) -> Vec<u16> {
    let k = src.len();
    let (pk, pr) = (pow2(k), pow2(r));
    let high_rate = pk > pr || (pk == pr && k <= r);
    if high_rate {
        let chunk = pr;
        let mut work = vec![Additive(0); k.div_ceil(chunk) * chunk];
        for (w, &x) in work.iter_mut().zip(src) {
            *w = Additive(x);
        }
        inverse_afft(&mut work[..chunk], chunk, chunk);
        let mut cs = chunk;
        while cs < k {
            // Full chunks and the zero-padded last one alike.
            inverse_afft(&mut work[cs..cs + chunk], chunk, cs + chunk);
            for i in 0..chunk {
                let v = work[cs + i];
                work[i].0 ^= v.0;
            }
            cs += chunk;
        }
        afft(&mut work[..chunk], chunk, 0);
        work[..r].iter().map(|a| a.0).collect()
    } else {
        let chunk = pk;
        let mut work = vec![Additive(0); r.div_ceil(chunk).max(1) * chunk];
        for (w, &x) in work.iter_mut().zip(src) {
            *w = Additive(x);
        }
        inverse_afft(&mut work[..chunk], chunk, 0);
        let mut cs = chunk;
        while cs < r {
            let (head, rest) = work.split_at_mut(cs);
            rest[..chunk].copy_from_slice(&head[..chunk]);
            cs += chunk;
        }
        let mut cs = 0;
        while cs < r {
            afft(&mut work[cs..cs + chunk], chunk, cs + chunk);
            cs += chunk;
        }
        work[..r].iter().map(|a| a.0).collect()
    }
}

/// The recovery symbols of the `(k, n)` code over `sources` (each `symbol_size` bytes, even).
pub fn rs_encode(n: usize, symbol_size: usize, sources: &[&[u8]]) -> Vec<Vec<u8>> {
    let k = sources.len();
    let r = n - k;
    let mut recovery = vec![vec![0u8; symbol_size]; r];
    for e in 0..symbol_size / 2 {
        let column: Vec<u16> = sources.iter().map(|s| element(s, e)).collect();
        for (t, value) in encode_elements(&column, r).into_iter().enumerate() {
            set_element(&mut recovery[t], e, value);
        }
    }
    recovery
}

/// GF(2^16) multiplication modulo `x^16 + x^5 + x^3 + x^2 + 1` (0x1002D) in the standard
/// polynomial basis... of the *Cantor* representation? No: the code is linear over GF(2), so
/// decoding only needs *some* field in which the encoder is linear. We avoid that subtlety by
/// solving over GF(2) bit by bit: each element position is a linear map GF(2)^(16k) →
/// GF(2)^(16n), recovered by encoding unit vectors.
fn solve_gf2(k: usize, n: usize, positions: &[usize], received: &[u16]) -> Option<Vec<u16>> {
    // Generator over GF(2): for each source bit (i, b), the codeword bits at the received
    // positions.
    let unknowns = 16 * k;
    let mut rows: Vec<(Vec<u64>, bool)> = Vec::new();
    let words = unknowns.div_ceil(64);
    // columns[u] = codeword (at the received positions) of unit source vector u.
    let mut columns: Vec<Vec<u16>> = Vec::with_capacity(unknowns);
    for u in 0..unknowns {
        let mut src = vec![0u16; k];
        src[u / 16] = 1 << (u % 16);
        let rec = encode_elements(&src, n - k);
        columns.push(positions.iter().map(|&p| if p < k { src[p] } else { rec[p - k] }).collect());
    }
    for (row_pos, &value) in received.iter().enumerate() {
        for bit in 0..16 {
            let mut coeffs = vec![0u64; words];
            for (u, col) in columns.iter().enumerate() {
                if col[row_pos] >> bit & 1 == 1 {
                    coeffs[u / 64] |= 1 << (u % 64);
                }
            }
            rows.push((coeffs, value >> bit & 1 == 1));
        }
    }
    // Gaussian elimination: the pivot of unknown `col` ends up in row `col`.
    for col in 0..unknowns {
        let found = (col..rows.len()).find(|&r| rows[r].0[col / 64] >> (col % 64) & 1 == 1)?;
        rows.swap(col, found);
        let (pivot, rhs) = rows[col].clone();
        for (r, row) in rows.iter_mut().enumerate() {
            if r != col && row.0[col / 64] >> (col % 64) & 1 == 1 {
                for (a, b) in row.0.iter_mut().zip(&pivot) {
                    *a ^= b;
                }
                row.1 ^= rhs;
            }
        }
    }
    let mut out = vec![0u16; k];
    for (u, row) in rows.iter().take(unknowns).enumerate() {
        if row.1 {
            out[u / 16] |= 1 << (u % 16);
        }
    }
    Some(out)
}

/// Decodes the `k` source symbols from exactly `k` `(position, symbol)` pairs with distinct
/// positions below `n`, by solving the encoder's linear system over GF(2) for each element
/// position (slow, obviously correct; for small codes only).
pub fn rs_decode(k: usize, n: usize, symbol_size: usize, symbols: &[(usize, &[u8])]) -> Option<Vec<u8>> {
    let positions: Vec<usize> = symbols.iter().map(|(p, _)| *p).collect();
    let mut out = vec![0u8; k * symbol_size];
    for e in 0..symbol_size / 2 {
        let received: Vec<u16> = symbols.iter().map(|(_, s)| element(s, e)).collect();
        let values = solve_gf2(k, n, &positions, &received)?;
        for (i, v) in values.into_iter().enumerate() {
            set_element(&mut out[i * symbol_size..(i + 1) * symbol_size], e, v);
        }
    }
    Some(out)
}

/// BLAKE2b-256 of the concatenation of `parts`.
fn h(parts: &[&[u8]]) -> [u8; 32] {
    morsa_core::merkle::hash(parts)
}

/// The root of a tree over `leaves` (leaf data), padded to a power of two with zero subtrees;
/// 32 zero bytes for no leaves, the leaf hash for one (SPEC §5.1).
pub fn merkle_root(leaves: &[&[u8]]) -> [u8; 32] {
    match leaves.len() {
        0 => [0; 32],
        1 => h(&[&[0], leaves[0]]),
        n => subtree(leaves, 0, pow2(n)),
    }
}

fn subtree(leaves: &[&[u8]], start: usize, size: usize) -> [u8; 32] {
    if start >= leaves.len() {
        return [0; 32];
    }
    if size == 1 {
        return h(&[&[0], leaves[start]]);
    }
    let half = size / 2;
    let left = subtree(leaves, start, half);
    let right = subtree(leaves, start + half, half);
    h(&[&[1], &left, &right])
}

/// The sibling path (leaf level first) of leaf `index`; `None` marks a zero (padding) sibling.
pub fn merkle_path(leaves: &[&[u8]], index: usize) -> Vec<Option<[u8; 32]>> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let mut path = Vec::new();
    let mut size = 1;
    while size < pow2(n) {
        let sibling_start = ((index / size) ^ 1) * size;
        path.push(if sibling_start >= n { None } else { Some(subtree(leaves, sibling_start, size)) });
        size *= 2;
    }
    path
}

/// The reference encoding of a blob: every sliver and every sliver-pair hash.
pub struct ReferenceEncoding {
    /// Primary sliver `r`: row `r` of the expanded matrix over the `s` source columns.
    pub primary: Vec<Vec<u8>>,
    /// Secondary sliver `c`: column `c` over the `p` source rows.
    pub secondary: Vec<Vec<u8>>,
    /// Pair `i`: (root of row `i`, root of column `n - 1 - i`) over all `n` symbols (SPEC §5.2).
    pub pair_hashes: Vec<([u8; 32], [u8; 32])>,
}

/// Expands `blob` for `n` shards (SPEC §3.1–3.3; the geometry, `p`, `s` and the symbol size,
/// from the core's `EncodingConfig`): the message matrix row-major and zero-padded, every
/// source row encoded with [`rs_encode`], then every column; roots with [`merkle_root`].
/// Slow (one symbol at a time, no SIMD): for tests.
pub fn encode_blob(n: u16, blob: &[u8]) -> ReferenceEncoding {
    let config = morsa_core::EncodingConfig::new(n).expect("shard count");
    let size = usize::from(config.symbol_size(blob.len() as u64).expect("blob size").get());
    let (n, p, s) = (
        usize::from(n),
        usize::from(config.n_primary_source_symbols()),
        usize::from(config.n_secondary_source_symbols()),
    );
    let mut matrix = vec![vec![vec![0u8; size]; n]; n];
    for (r, row) in matrix.iter_mut().enumerate().take(p) {
        for (c, symbol) in row.iter_mut().enumerate().take(s) {
            let start = ((r * s + c) * size).min(blob.len());
            let end = (start + size).min(blob.len());
            symbol[..end - start].copy_from_slice(&blob[start..end]);
        }
        let sources: Vec<&[u8]> = row[..s].iter().map(Vec::as_slice).collect();
        let recovery = rs_encode(n, size, &sources);
        for (symbol, repair) in row[s..].iter_mut().zip(recovery) {
            *symbol = repair;
        }
    }
    // Columns: `c` indexes inside each row.
    #[allow(clippy::needless_range_loop)]
    for c in 0..n {
        let sources: Vec<&[u8]> = (0..p).map(|r| matrix[r][c].as_slice()).collect();
        let recovery = rs_encode(n, size, &sources);
        for (j, repair) in recovery.into_iter().enumerate() {
            matrix[p + j][c] = repair;
        }
    }
    let row_root = |r: usize| merkle_root(&matrix[r].iter().map(Vec::as_slice).collect::<Vec<_>>());
    let column_root = |c: usize| merkle_root(&(0..n).map(|r| matrix[r][c].as_slice()).collect::<Vec<_>>());
    ReferenceEncoding {
        primary: (0..n).map(|r| matrix[r][..s].concat()).collect(),
        secondary: (0..n).map(|c| (0..p).flat_map(|r| matrix[r][c].iter().copied()).collect()).collect(),
        pair_hashes: (0..n).map(|i| (row_root(i), column_root(n - 1 - i))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_layout_matches_spec_examples() {
        // SPEC §2.2: S = 2 → b0 | b1<<8; S = 4 → (b0 | b2<<8, b1 | b3<<8).
        assert_eq!(element(&[1, 2], 0), 0x0201);
        assert_eq!(element(&[1, 2, 3, 4], 0), 0x0301);
        assert_eq!(element(&[1, 2, 3, 4], 1), 0x0402);
        let shard: Vec<u8> = (0..70).collect();
        assert_eq!(element(&shard, 0), u16::from_le_bytes([0, 32]));
        assert_eq!(element(&shard, 31), u16::from_le_bytes([31, 63]));
        assert_eq!(element(&shard, 32), u16::from_le_bytes([64, 67]));
    }
}
