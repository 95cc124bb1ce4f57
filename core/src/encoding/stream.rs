//! Bounded-memory blob IDs over a seekable source (SPEC §14).
//!
//! [`EncodingConfig::compute_metadata_streaming`] computes exactly the metadata of
//! [`EncodingConfig::compute_metadata`] while holding neither the blob nor its `p × f` repair
//! block in memory. The expanded matrix is split into four regions:
//!
//! * `A` (`r < p`, `c < s`): the blob; `B` (`r < p`, `c ≥ s`): row repair symbols. One pass over
//!   the rows hashes both; the leaf hashes of the `p` source rows are kept (`p·n·32` bytes).
//! * `C` (`r ≥ p`, `c < s`): column repair of the source columns, read in batches of columns.
//! * `D` (`r ≥ p`, `c ≥ s`): the column encoding of `B`. It is computed in *byte stripes*: the
//!   Reed-Solomon code acts independently on every element position, and rss's element layout
//!   (64-byte blocks split into low/high halves, SPEC §2.2) is preserved by any stripe that
//!   starts at a multiple of 64, so re-encoding a stripe of every source row and then a stripe
//!   of every repair column gives the same stripe of `D`. Each `D` symbol is hashed
//!   incrementally across stripes by a resumable BLAKE2b ([`StripeHasher`]), stripes being
//!   multiples of the 128-byte BLAKE2b block.
//!
//! Memory is `O(n² · 32 + p·f·W + rows)` for a stripe width `W` bounded by a budget,
//! independent of the blob size (for `n = 1000`: about 35 MB of hashes and states plus the
//! budget). Every symbol is hashed once; the source is read about `1 + S / W` times.

use alloc::vec;
use alloc::vec::Vec;

use super::rs::RsEncoder;
use super::{EncodeError, EncodingConfig, EncodingType};
use crate::encoding::blob::ProgressFn;
use crate::merkle::{leaf_hash, MerkleRootBuilder, Node, DIGEST_LEN};
use crate::metadata::{BlobMetadata, BlobMetadataWithId, SliverPairMetadata, VerifiedBlobMetadataWithId};

/// A seekable source of blob bytes.
pub trait BlobSource {
    /// The error of a read.
    type Error;

    /// The length of the blob in bytes.
    fn len(&self) -> u64;

    /// Whether the blob is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset..offset + buf.len()` (always within `len()`).
    ///
    /// # Errors
    ///
    /// Whatever the source fails with; the computation stops with it.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error>;

    /// Fills `buf` with pieces of `piece` bytes (`buf.len()` is a multiple of `piece`), the
    /// `i`-th read at `offset + i * stride` (all within `len()`). The default reads each piece
    /// with [`BlobSource::read_exact_at`]; a file source may map the span instead.
    ///
    /// # Errors
    ///
    /// Whatever the source fails with.
    fn read_pieces_at(&mut self, offset: u64, piece: usize, stride: u64, buf: &mut [u8]) -> Result<(), Self::Error> {
        for (i, dst) in buf.chunks_exact_mut(piece).enumerate() {
            self.read_exact_at(offset + i as u64 * stride, dst)?;
        }
        Ok(())
    }
}

impl BlobSource for &[u8] {
    type Error = core::convert::Infallible;

    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), Self::Error> {
        let start = offset as usize;
        buf.copy_from_slice(&self[start..start + buf.len()]);
        Ok(())
    }
}

/// Errors of [`EncodingConfig::compute_metadata_streaming`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError<E> {
    /// The encoding failed (blob too large).
    Encode(EncodeError),
    /// The source failed.
    Source(E),
}

impl<E: core::fmt::Display> core::fmt::Display for StreamError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StreamError::Encode(e) => write!(f, "{e}"),
            StreamError::Source(e) => write!(f, "reading the blob failed: {e}"),
        }
    }
}

impl<E: core::fmt::Debug + core::fmt::Display> core::error::Error for StreamError<E> {}

/// The default working-memory budget of the streaming computation (stripes and column batches).
pub const DEFAULT_STREAM_BUDGET: usize = 64 << 20;

/// Reads `buf.len()` bytes at `offset`, zero-padded past the end of the source.
fn read_padded<S: BlobSource>(source: &mut S, offset: u64, buf: &mut [u8]) -> Result<(), S::Error> {
    let len = source.len();
    let available = len.saturating_sub(offset).min(buf.len() as u64) as usize;
    if available > 0 {
        source.read_exact_at(offset, &mut buf[..available])?;
    }
    buf[available..].fill(0);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Resumable BLAKE2b-256 of `0x00 ‖ symbol`, fed in stripes.

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// The BLAKE2b compression function (RFC 7693 §3.2).
fn compress(h: &mut [u64; 8], block: &[u8; 128], t: u64, last: bool) {
    let mut m = [0u64; 16];
    for (i, word) in m.iter_mut().enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&block[i * 8..i * 8 + 8]);
        *word = u64::from_le_bytes(bytes);
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t;
    if last {
        v[14] = !v[14];
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
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// The leaf hash `H(0x00 ‖ symbol)` of one symbol whose bytes arrive in stripes: every stripe
/// but the last is a multiple of 128 bytes. The state is the chaining value and the one byte of
/// the message not yet compressed (the prefix, then the last byte of the previous stripe).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StripeHasher {
    h: [u64; 8],
    carry: u8,
}

impl StripeHasher {
    pub(crate) const fn new() -> Self {
        let mut h = IV;
        // Parameter block: digest length 32, no key, fanout 1, depth 1.
        h[0] ^= 0x0101_0000 ^ DIGEST_LEN as u64;
        Self { h, carry: crate::merkle::LEAF_PREFIX }
    }

    /// Feeds the stripe of the symbol at `offset` (a multiple of 128, the bytes before it
    /// already fed). `piece.len()` must be a multiple of 128 unless `last`; returns the digest
    /// when `last`.
    pub(crate) fn update(&mut self, offset: usize, piece: &[u8], last: bool) -> Option<[u8; DIGEST_LEN]> {
        // Message bytes [offset, offset + 1 + piece.len()) = carry ‖ piece.
        let total = piece.len() + 1;
        let mut block = [0u8; 128];
        let mut pos = 0; // bytes of the segment consumed
                         // Full blocks that are certainly not the final block.
        let full = if last { (total - 1) / 128 } else { piece.len() / 128 };
        for _ in 0..full {
            block[0] = if pos == 0 { self.carry } else { piece[pos - 1] };
            block[1..].copy_from_slice(&piece[pos..pos + 127]);
            // The first byte of the next block is piece[pos + 127].
            pos += 128;
            compress(&mut self.h, &block, (offset + pos) as u64, false);
        }
        if !last {
            self.carry = piece[piece.len() - 1];
            return None;
        }
        // Final block: remaining total - pos bytes (1..=128), zero-padded.
        let rest = total - pos;
        block = [0u8; 128];
        block[0] = if pos == 0 { self.carry } else { piece[pos - 1] };
        block[1..rest].copy_from_slice(&piece[pos..pos + rest - 1]);
        compress(&mut self.h, &block, (offset + total) as u64, true);
        let mut out = [0u8; DIGEST_LEN];
        for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
            chunk.copy_from_slice(&self.h[i].to_le_bytes());
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Work over chunks, in parallel with the `parallel` feature (one Reed-Solomon encoder per task).

type RsResult = Result<(), super::rs::RsError>;

/// Calls `f(encoder, i, a_i, b_i)` for the `i`-th chunks of `a` (of `ca` items) and `b` (of `cb`).
fn for_each_chunk2<A: Send, B: Send>(
    a: &mut [A],
    ca: usize,
    b: &mut [B],
    cb: usize,
    f: impl Fn(&mut RsEncoder, usize, &mut [A], &mut [B]) -> RsResult + Sync + Send,
) -> RsResult {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        a.par_chunks_mut(ca)
            .zip(b.par_chunks_mut(cb))
            .enumerate()
            .try_for_each_init(RsEncoder::default, |enc, (i, (x, y))| f(enc, i, x, y))
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut enc = RsEncoder::default();
        for (i, (x, y)) in a.chunks_mut(ca).zip(b.chunks_mut(cb)).enumerate() {
            f(&mut enc, i, x, y)?;
        }
        Ok(())
    }
}

/// `(0..count).map(f)` collected, in parallel with the `parallel` feature.
fn map_collect<T: Send>(count: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..count).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..count).map(f).collect()
    }
}

/// Hashes every symbol of `symbols` into `out`.
fn hash_all<'a>(symbols: impl Iterator<Item = &'a [u8]>, out: &mut [[u8; DIGEST_LEN]]) {
    for (dst, symbol) in out.iter_mut().zip(symbols) {
        *dst = leaf_hash(symbol);
    }
}

fn root_of_hashes(leaves: impl Iterator<Item = [u8; DIGEST_LEN]>) -> Node {
    let mut builder = MerkleRootBuilder::new();
    for h in leaves {
        builder.push_leaf_hash(h);
    }
    builder.root()
}

impl EncodingConfig {
    /// The metadata of the blob read from `source`, equal to
    /// [`EncodingConfig::compute_metadata`] of its bytes, in memory independent of the blob
    /// size: about `budget` bytes of stripes and batches (more only when one row or one
    /// 128-byte stripe needs more) plus about `n² · 56` bytes of hashes and hash states (see
    /// the module docs). With the `parallel` feature the work is spread over rayon's pool.
    ///
    /// # Errors
    ///
    /// [`StreamError::Encode`] when the blob is too large, [`StreamError::Source`] when a read
    /// fails.
    pub fn compute_metadata_streaming<S: BlobSource>(
        &self,
        source: &mut S,
        budget: usize,
        progress: Option<ProgressFn<'_>>,
    ) -> Result<VerifiedBlobMetadataWithId, StreamError<S::Error>> {
        let blob_len = source.len();
        let symbol_size = self.symbol_size(blob_len).map_err(StreamError::Encode)?;
        let size = usize::from(symbol_size.get());
        let n = usize::from(self.n_shards());
        let p = usize::from(self.n_primary_source_symbols());
        let s = usize::from(self.n_secondary_source_symbols());
        let f = n - s;
        let q = n - p; // repair rows
        let row_len = s * size;
        let rs_err = |_| StreamError::Encode(EncodeError::ReedSolomon);

        // Stripes of D: widths multiple of 128 (the last takes the rest), the B stripe (p·f·W)
        // within the budget. With a single stripe (B fits), the row pass fills B directly.
        let max_width = (budget / (p * f) / 128 * 128).max(128);
        let n_stripes = size.div_ceil(max_width);
        let width = size.div_ceil(n_stripes).div_ceil(128) * 128;
        let n_stripes = size.div_ceil(width);
        // Batches of source rows (rows of n·S bytes with their recovery) and of source columns.
        let row_batch = (budget / (n * size)).clamp(1, p);
        let col_batch = (budget / (p * size + n * DIGEST_LEN)).clamp(1, s);
        let total_steps = (p + if n_stripes == 1 { 0 } else { n_stripes * p } + s) as u64;
        let mut progress = progress;
        let mut step = 0u64;
        let mut report = |done: usize| {
            step += done as u64;
            if let Some(cb) = progress.as_mut() {
                cb(step, total_steps);
            }
        };

        // Leaf hashes: L[r][c] for r < p (row-major), and L[p + j][c] column-major.
        let mut source_leaves = vec![[0u8; DIGEST_LEN]; p * n];
        let mut repair_leaves = vec![[0u8; DIGEST_LEN]; n * q];

        let single_stripe = n_stripes == 1;
        // B stripe, row-major: row r holds its f pieces.
        let mut b_stripe = vec![0u8; p * f * width];

        // 1. Rows r < p: regions A and B.
        {
            let mut rows = vec![0u8; row_batch * row_len];
            let mut r0 = 0;
            while r0 < p {
                let k = row_batch.min(p - r0);
                let rows = &mut rows[..k * row_len];
                read_padded(source, (r0 * row_len) as u64, rows).map_err(StreamError::Source)?;
                let mut rows_and_b: Vec<(&mut [u8], &mut [u8])> = if single_stripe {
                    rows.chunks_mut(row_len).zip(b_stripe[r0 * f * size..].chunks_mut(f * size)).collect()
                } else {
                    rows.chunks_mut(row_len).map(|row| (row, &mut [][..])).collect()
                };
                let leaves = &mut source_leaves[r0 * n..(r0 + k) * n];
                for_each_chunk2(&mut rows_and_b, 1, leaves, n, |enc, _, row, leaves| {
                    let (row, b_row) = &mut row[0];
                    let recovery = enc.encode(s, n, size, row.chunks_exact(size))?;
                    hash_all(row.chunks_exact(size).chain(recovery.iter()), leaves);
                    for (dst, piece) in b_row.chunks_exact_mut(size).zip(recovery.iter()) {
                        dst.copy_from_slice(piece);
                    }
                    Ok(())
                })
                .map_err(rs_err)?;
                r0 += k;
                report(k);
            }
        }

        // 2. Region D in stripes, into repair_leaves[s + c'][j].
        {
            let mut states = vec![StripeHasher::new(); f * q];
            let stripe_batch = (budget.saturating_sub(p * f * width) / (s * width)).clamp(1, p);
            let mut rows = vec![0u8; stripe_batch * s * width];
            for t in 0..n_stripes {
                let offset = t * width;
                let w = width.min(size - offset);
                let last = t + 1 == n_stripes;
                let b_stripe = &mut b_stripe[..p * f * w];
                let mut r0 = if single_stripe { p } else { 0 };
                while r0 < p {
                    let k = stripe_batch.min(p - r0);
                    let rows = &mut rows[..k * s * w];
                    // Piece i of the batch is at base + i·S: the ones fully inside the blob
                    // are a prefix, read in one call; the rest are padded.
                    let base = (r0 * row_len + offset) as u64;
                    let inside = if blob_len >= base + w as u64 {
                        (((blob_len - base - w as u64) / size as u64) as usize + 1).min(k * s)
                    } else {
                        0
                    };
                    if inside > 0 {
                        source
                            .read_pieces_at(base, w, size as u64, &mut rows[..inside * w])
                            .map_err(StreamError::Source)?;
                    }
                    for (i, piece) in rows.chunks_exact_mut(w).enumerate().skip(inside) {
                        read_padded(source, base + (i * size) as u64, piece).map_err(StreamError::Source)?;
                    }
                    let b_rows = &mut b_stripe[r0 * f * w..(r0 + k) * f * w];
                    for_each_chunk2(rows, s * w, b_rows, f * w, |enc, _, row, b_row| {
                        let recovery = enc.encode(s, n, w, row.chunks_exact(w))?;
                        for (dst, piece) in b_row.chunks_exact_mut(w).zip(recovery.iter()) {
                            dst.copy_from_slice(piece);
                        }
                        Ok(())
                    })
                    .map_err(rs_err)?;
                    r0 += k;
                    report(k);
                }
                let b_stripe = &*b_stripe;
                let d_leaves = &mut repair_leaves[s * q..];
                for_each_chunk2(&mut states, q, d_leaves, q, |enc, c, states, leaves| {
                    let column = (0..p).map(|r| &b_stripe[(r * f + c) * w..][..w]);
                    let recovery = enc.encode(p, n, w, column)?;
                    for ((state, leaf), piece) in states.iter_mut().zip(leaves.iter_mut()).zip(recovery.iter()) {
                        if let Some(digest) = state.update(offset, piece, last) {
                            *leaf = digest;
                        }
                    }
                    Ok(())
                })
                .map_err(rs_err)?;
            }
        }

        // 3. Source columns c < s in batches: region C, into repair_leaves[c][j].
        {
            let mut batch_buf = vec![0u8; p * col_batch * size];
            let mut c0 = 0;
            while c0 < s {
                let k = col_batch.min(s - c0);
                for r in 0..p {
                    read_padded(source, ((r * s + c0) * size) as u64, &mut batch_buf[r * k * size..(r + 1) * k * size])
                        .map_err(StreamError::Source)?;
                }
                let batch_buf = &batch_buf[..p * k * size];
                let leaves = &mut repair_leaves[c0 * q..(c0 + k) * q];
                // One column per task; the dummy chunk only carries the index.
                let mut columns = vec![(); k];
                for_each_chunk2(&mut columns, 1, leaves, q, |enc, i, _, leaves| {
                    let column = (0..p).map(|r| &batch_buf[(r * k + i) * size..][..size]);
                    let recovery = enc.encode(p, n, size, column)?;
                    hash_all(recovery.iter(), leaves);
                    Ok(())
                })
                .map_err(rs_err)?;
                c0 += k;
                report(k);
            }
        }

        // 4. The roots (SPEC §5.2); pair i = (row i, column n - 1 - i) (SPEC §3.4).
        let (source_leaves, repair_leaves) = (&source_leaves, &repair_leaves);
        let row_roots = map_collect(n, |r| {
            if r < p {
                root_of_hashes(source_leaves[r * n..(r + 1) * n].iter().copied())
            } else {
                root_of_hashes((0..n).map(|c| repair_leaves[c * q + r - p]))
            }
        });
        let column_roots = map_collect(n, |c| {
            root_of_hashes(
                (0..p).map(|r| source_leaves[r * n + c]).chain(repair_leaves[c * q..(c + 1) * q].iter().copied()),
            )
        });
        let hashes = (0..n)
            .map(|i| SliverPairMetadata { primary_hash: row_roots[i], secondary_hash: column_roots[n - 1 - i] })
            .collect();
        let metadata = BlobMetadata { encoding_type: EncodingType::RS2, unencoded_length: blob_len, hashes };
        let blob_id = metadata.compute_blob_id();
        Ok(VerifiedBlobMetadataWithId::new_trusted(BlobMetadataWithId { blob_id, metadata }, *self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_hasher_matches_blake2b() {
        for len in [2usize, 4, 126, 127, 128, 254, 256, 382, 384, 640, 1000, 4820] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            for width in [128usize, 256, 384] {
                let mut state = StripeHasher::new();
                let mut offset = 0;
                let mut digest = None;
                while offset < len {
                    let w = width.min(len - offset);
                    let last = offset + w == len;
                    digest = state.update(offset, &data[offset..offset + w], last);
                    offset += w;
                }
                assert_eq!(digest, Some(leaf_hash(&data)), "len {len} width {width}");
            }
        }
    }

    #[test]
    fn streaming_equals_in_memory() {
        for n in [4u16, 7, 10, 31] {
            let config = EncodingConfig::new(n).unwrap();
            let max = config.max_blob_size() as usize;
            for len in [0usize, 1, 17, 1000, 5000, 40_000, max / 3, max] {
                if len > max {
                    continue;
                }
                let blob: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
                let expected = config.compute_metadata(&blob).unwrap();
                for budget in [0usize, 10_000, 1 << 20] {
                    let got = config.compute_metadata_streaming(&mut &blob[..], budget, None).unwrap();
                    assert_eq!(got.blob_id(), expected.blob_id(), "n {n} len {len} budget {budget}");
                    assert_eq!(got.metadata(), expected.metadata());
                }
            }
        }
    }
}
