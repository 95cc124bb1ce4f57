//! Bounded-memory blob IDs over a seekable source (SPEC §14).
//!
//! [`EncodingConfig::compute_metadata_streaming`] computes exactly the metadata of
//! [`EncodingConfig::compute_metadata`] without holding the blob or its expansion in memory.
//! It works in *byte stripes*: the Reed-Solomon code acts independently on every element
//! position, and rss's element layout (64-byte blocks split into low/high halves, SPEC §2.2)
//! is preserved by any stripe that starts at a multiple of 64, so encoding bytes
//! `[o, o + W)` of every symbol gives bytes `[o, o + W)` of every expanded symbol. For each
//! stripe, in one pass:
//!
//! 1. each source row `r < p` reads its stripe (`s` pieces of `W` bytes, region `A`) and
//!    row-encodes it into the stripe of its `f` repair symbols (region `B`);
//! 2. each of the `n` columns column-encodes the stripes of its `p` symbols (from `A` or `B`)
//!    into those of its `n - p` repair symbols (regions `C` and `D`).
//!
//! Every piece is fed to its symbol's resumable BLAKE2b leaf hash ([`crate::hash`]) as soon as
//! it exists (stripes being multiples of the 128-byte BLAKE2b block); when the last stripe is
//! done the `n²` leaf hashes give the `2n` Merkle roots. So the source is read once, every
//! symbol is encoded once per axis and hashed once, and memory is the stripes of `A` and `B`
//! (`p · n · W` bytes, `W` bounded by the budget) plus the `n²` hash states (72 bytes each;
//! 32-byte digests when the whole blob is one stripe): independent of the blob size.

use alloc::vec;
use alloc::vec::Vec;

use super::rs::RsEncoder;
use super::small_symbols::{pack_small, unpack_small, SMALL_SYMBOL};
use super::source::{read_stripe, BlobSource, Steps, StreamError, StreamOptions};
use super::tasks::{for_each_task, for_each_task_with, map_collect};
use super::{EncodeError, EncodingConfig, EncodingType};
use crate::hash::{leaf_hashes, merkle_root, update_many, StripeHasher};
use crate::merkle::{DIGEST_LEN, LEAF_PREFIX};
use crate::metadata::{BlobMetadata, BlobMetadataWithId, SliverPairMetadata, VerifiedBlobMetadataWithId};

// ---------------------------------------------------------------------------------------------
// Leaf hashes of a region: whole digests when the blob is one stripe, else resumable states.

enum Leaves {
    Digests(Vec<[u8; DIGEST_LEN]>),
    States(Vec<StripeHasher>),
}

enum LeafChunk<'a> {
    Digests(&'a mut [[u8; DIGEST_LEN]]),
    States(&'a mut [StripeHasher]),
}

impl Leaves {
    fn new(count: usize, striped: bool) -> Self {
        if striped {
            Leaves::States(vec![StripeHasher::new(LEAF_PREFIX); count])
        } else {
            Leaves::Digests(vec![[0; DIGEST_LEN]; count])
        }
    }

    fn chunks_mut(&mut self, size: usize) -> Vec<LeafChunk<'_>> {
        match self {
            Leaves::Digests(d) => d.chunks_mut(size).map(LeafChunk::Digests).collect(),
            Leaves::States(s) => s.chunks_mut(size).map(LeafChunk::States).collect(),
        }
    }

    fn into_digests(self) -> Vec<[u8; DIGEST_LEN]> {
        match self {
            Leaves::Digests(d) => d,
            Leaves::States(s) => s.iter().map(StripeHasher::digest).collect(),
        }
    }
}

impl LeafChunk<'_> {
    /// Feeds the stripe at `offset` of each symbol, in order.
    fn feed<'a>(&mut self, pieces: impl IntoIterator<Item = &'a [u8]>, offset: usize, last: bool) {
        match self {
            LeafChunk::Digests(d) => leaf_hashes(pieces, d),
            LeafChunk::States(s) => update_many(s, pieces, offset, last),
        }
    }
}

/// The one stripe of a blob of tiny symbols: the message rows (`a`, p × s symbols, read here)
/// and their repair (`b`, p × f).
struct SmallRegions<'a> {
    a: &'a mut [u8],
    b: &'a mut [u8],
    size: usize,
    n: usize,
    p: usize,
    s: usize,
}

/// Reads and encodes a blob of symbols of at most [`SMALL_SYMBOL`] bytes (one stripe) with
/// groups of `64 / size` rows, then columns, per Reed-Solomon call, hashing every leaf.
fn encode_small<S: BlobSource + ?Sized>(
    source: &S,
    regions: SmallRegions<'_>,
    source_leaves: &mut [[u8; DIGEST_LEN]],
    repair_leaves: &mut [[u8; DIGEST_LEN]],
) -> Result<(), StreamError<S::Error>> {
    let SmallRegions { a, b, size, n, p, s } = regions;
    let (f, q) = (n - s, n - p);
    let group = 64 / size;
    let rs_err = |_| StreamError::Encode(EncodeError::ReedSolomon);
    type State = (RsEncoder, Vec<u8>);

    // Rows, `group` at a time (contiguous in the source: one read).
    let mut rows: Vec<_> = a
        .chunks_mut(group * s * size)
        .zip(b.chunks_mut(group * f * size))
        .zip(source_leaves.chunks_mut(group * n))
        .collect();
    for_each_task_with(&mut rows, |(enc, packed): &mut State, g, ((rows, repair), leaves)| {
        let count = rows.len() / (s * size);
        read_stripe(source, (g * group * s * size) as u64, size, size as u64, rows).map_err(StreamError::Source)?;
        let width = count * size;
        packed.resize(s * width, 0);
        for (j, shard) in packed.chunks_exact_mut(width).enumerate() {
            pack_small((0..count).map(|i| &rows[(i * s + j) * size..][..size]), count, size, shard);
        }
        let recovery = enc.encode(s, n, width, packed.chunks_exact(width)).map_err(rs_err)?;
        for (j, shard) in recovery.iter().enumerate() {
            for i in 0..count {
                unpack_small(shard, i, count, &mut repair[(i * f + j) * size..][..size]);
            }
        }
        for (i, leaves) in leaves.chunks_mut(n).enumerate() {
            let symbols = rows[i * s * size..(i + 1) * s * size].chunks_exact(size);
            leaf_hashes(symbols.chain(repair[i * f * size..(i + 1) * f * size].chunks_exact(size)), leaves);
        }
        Ok(())
    })?;
    drop(rows);

    // Columns, `group` at a time.
    let (a, b) = (&*a, &*b);
    let symbol = |r: usize, c: usize| {
        if c < s {
            &a[(r * s + c) * size..][..size]
        } else {
            &b[(r * f + c - s) * size..][..size]
        }
    };
    let mut columns: Vec<_> = repair_leaves.chunks_mut(group * q).collect();
    for_each_task_with(&mut columns, |(enc, buffer): &mut State, g, leaves| {
        let c0 = g * group;
        let count = leaves.len() / q;
        let width = count * size;
        buffer.resize(p * width + count * q * size, 0);
        let (packed, unpacked) = buffer.split_at_mut(p * width);
        for (r, shard) in packed.chunks_exact_mut(width).enumerate() {
            pack_small((0..count).map(|i| symbol(r, c0 + i)), count, size, shard);
        }
        let recovery = enc.encode(p, n, width, packed.chunks_exact(width)).map_err(|_| EncodeError::ReedSolomon)?;
        for (j, shard) in recovery.iter().enumerate() {
            for i in 0..count {
                unpack_small(shard, i, count, &mut unpacked[(i * q + j) * size..][..size]);
            }
        }
        for (i, leaves) in leaves.chunks_mut(q).enumerate() {
            leaf_hashes(unpacked[i * q * size..(i + 1) * q * size].chunks_exact(size), leaves);
        }
        Ok(())
    })
    .map_err(StreamError::Encode)
}

impl EncodingConfig {
    /// The metadata of the blob read from `source`, equal to
    /// [`EncodingConfig::compute_metadata`] of its bytes, in memory independent of the blob
    /// size: the stripe buffers, about `budget` bytes (more only when a 128-byte stripe needs
    /// more), plus `n² · 32` bytes of leaf hashes, or `n² · 72` bytes of hash states when the
    /// blob takes more than one stripe (see the module docs). The source is read once. With
    /// the `parallel` feature the work is spread over rayon's pool.
    ///
    /// # Errors
    ///
    /// [`StreamError::Encode`] when the blob is too large, [`StreamError::Source`] when a read
    /// fails.
    pub fn compute_metadata_streaming<S: BlobSource + ?Sized>(
        &self,
        source: &S,
        options: StreamOptions<'_>,
    ) -> Result<VerifiedBlobMetadataWithId, StreamError<S::Error>> {
        let StreamOptions { budget, progress } = options;
        let blob_len = source.len();
        let symbol_size = self.symbol_size(blob_len).map_err(StreamError::Encode)?;
        let size = usize::from(symbol_size.get());
        let n = usize::from(self.n_shards());
        let p = usize::from(self.n_primary_source_symbols());
        let s = usize::from(self.n_secondary_source_symbols());
        let f = n - s;
        let q = n - p;
        let rs_err = |_| StreamError::Encode(EncodeError::ReedSolomon);

        // Stripes: one if the p rows with their repair (p·n·S bytes) fit the budget, else
        // widths multiple of 128 (the BLAKE2b block; also a multiple of rss's 64-byte layout),
        // the last taking the rest.
        let max_width = (budget / (p * n) / 128 * 128).max(128);
        let (width, n_stripes) = if size <= max_width {
            (size, 1)
        } else {
            let width = size.div_ceil(size.div_ceil(max_width)).div_ceil(128) * 128;
            (width, size.div_ceil(width))
        };
        let striped = n_stripes > 1;
        let mut steps = Steps::new(progress, n_stripes * (p + n));

        // Leaf hashes (or states): L[r][c] for r < p, row-major; L[p + j][c] column-major.
        let mut source_leaves = Leaves::new(p * n, striped);
        let mut repair_leaves = Leaves::new(n * q, striped);
        // The stripe of the source rows (A: p × s pieces) and of their repair symbols (B: p × f).
        let mut a_stripe = vec![0u8; p * s * width];
        let mut b_stripe = vec![0u8; p * f * width];

        for t in 0..n_stripes {
            let offset = t * width;
            let w = width.min(size - offset);
            let last = t + 1 == n_stripes;
            let a_stripe = &mut a_stripe[..p * s * w];
            let b_stripe = &mut b_stripe[..p * f * w];

            if let (true, Leaves::Digests(source_leaves), Leaves::Digests(repair_leaves)) =
                (size <= SMALL_SYMBOL, &mut source_leaves, &mut repair_leaves)
            {
                // Tiny symbols (one stripe): the codes run on groups of rows and columns at once.
                let regions = SmallRegions { a: a_stripe, b: b_stripe, size, n, p, s };
                encode_small(source, regions, source_leaves, repair_leaves)?;
                steps.advance(p + n);
                continue;
            }

            // Rows r < p (regions A and B): read the row's stripe, the row code, then the
            // stripes of its n leaves. Each task reads its own row, so reads run in parallel.
            let mut rows: Vec<_> =
                a_stripe.chunks_mut(s * w).zip(b_stripe.chunks_mut(f * w)).zip(source_leaves.chunks_mut(n)).collect();
            for_each_task(&mut rows, |enc, r, ((row, repair), leaves)| {
                let row_offset = (r * s * size + offset) as u64;
                read_stripe(source, row_offset, w, size as u64, row).map_err(StreamError::Source)?;
                let recovery = enc.encode(s, n, w, row.chunks_exact(w)).map_err(rs_err)?;
                for (dst, piece) in repair.chunks_exact_mut(w).zip(recovery.iter()) {
                    dst.copy_from_slice(piece);
                }
                leaves.feed(row.chunks_exact(w).chain(recovery.iter()), offset, last);
                Ok(())
            })?;
            drop(rows);
            steps.advance(p);

            // Columns c < n (regions C and D): the column code of A's and B's columns.
            let (a_stripe, b_stripe) = (&*a_stripe, &*b_stripe);
            let mut columns = repair_leaves.chunks_mut(q);
            for_each_task(&mut columns, |enc, c, leaves| {
                let column = (0..p).map(|r| {
                    if c < s {
                        &a_stripe[(r * s + c) * w..][..w]
                    } else {
                        &b_stripe[(r * f + c - s) * w..][..w]
                    }
                });
                leaves.feed(enc.encode(p, n, w, column)?.iter(), offset, last);
                Ok(())
            })
            .map_err(rs_err)?;
            drop(columns);
            steps.advance(n);
        }
        drop((a_stripe, b_stripe));
        let source_leaves = source_leaves.into_digests();
        let repair_leaves = repair_leaves.into_digests();

        Ok(metadata_from_leaves(self, blob_len, &source_leaves, &repair_leaves))
    }
}

/// The metadata from the `n²` leaf hashes: `source_leaves[r * n + c]` for rows `r < p`,
/// `repair_leaves[c * (n - p) + j]` for row `p + j` (SPEC §5.2: row `i` is primary sliver `i`,
/// column `c` secondary sliver `c`; pair `i` = (row `i`, column `n - 1 - i`), SPEC §3.4).
pub(super) fn metadata_from_leaves(
    config: &EncodingConfig,
    blob_len: u64,
    source_leaves: &[[u8; DIGEST_LEN]],
    repair_leaves: &[[u8; DIGEST_LEN]],
) -> VerifiedBlobMetadataWithId {
    let n = usize::from(config.n_shards());
    let p = usize::from(config.n_primary_source_symbols());
    let q = n - p;
    let row_roots = map_collect(n, |(leaves, scratch), r| {
        if r < p {
            merkle_root(&source_leaves[r * n..(r + 1) * n], scratch)
        } else {
            leaves.clear();
            leaves.extend((0..n).map(|c| repair_leaves[c * q + r - p]));
            merkle_root(leaves, scratch)
        }
    });
    let column_roots = map_collect(n, |(leaves, scratch), c| {
        leaves.clear();
        leaves.extend((0..p).map(|r| source_leaves[r * n + c]));
        leaves.extend_from_slice(&repair_leaves[c * q..(c + 1) * q]);
        merkle_root(leaves, scratch)
    });
    let hashes = (0..n)
        .map(|i| SliverPairMetadata { primary_hash: row_roots[i], secondary_hash: column_roots[n - 1 - i] })
        .collect();
    let metadata = BlobMetadata { encoding_type: EncodingType::RS2, unencoded_length: blob_len, hashes };
    let blob_id = metadata.compute_blob_id();
    VerifiedBlobMetadataWithId::new_trusted(BlobMetadataWithId { blob_id, metadata }, *config)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                // The encoder works in two passes over whole rows and columns, not stripes.
                let encoded = config.encode(&blob).unwrap();
                let expected = encoded.metadata();
                for budget in [0usize, 10_000, 1 << 20] {
                    let got =
                        config.compute_metadata_streaming(&blob[..], StreamOptions::default().budget(budget)).unwrap();
                    assert_eq!(got.blob_id(), expected.blob_id(), "n {n} len {len} budget {budget}");
                    assert_eq!(got.metadata(), expected.metadata());
                }
            }
        }
    }
}
