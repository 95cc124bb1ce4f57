//! Bounded-memory encoding of a blob into a sliver store (SPEC §3, §6, §14).
//!
//! [`EncodingConfig::encode_streaming`] writes exactly the slivers of
//! [`EncodingConfig::encode`] and returns the same metadata, holding only batches of rows or
//! columns in memory. Primary sliver `r` is row `r` of the expanded matrix restricted to the
//! `s` source columns; secondary sliver `c` is column `c` restricted to the `p` source rows
//! (SPEC §3.3). Two passes:
//!
//! 1. **Rows.** Each source row `r < p` is read whole, row-encoded into its `f` repair symbols
//!    and its `n` leaves hashed. It *is* primary sliver `r`, written at once; its `n` symbols
//!    are symbol `r` of the `n` secondary slivers, written a batch of rows at a time.
//! 2. **Columns.** Each secondary sliver `c`, now complete in the store, is read back and
//!    column-encoded into the `n - p` repair symbols of column `c`, whose leaves are hashed; for
//!    `c < s` they are symbol `c` of primary slivers `p..n`, written a batch of columns at a
//!    time. (The repair symbols of repair columns are only hashed: no sliver holds them.)
//!
//! Every symbol is encoded once per axis and hashed once; memory is one batch (bounded by
//! the budget) plus the `n²` leaf hashes (32 bytes each), independent of the blob size.

use alloc::vec;
use alloc::vec::Vec;

use super::bounds::{MaybeSend, MaybeSync};
use super::source::{read_padded, BlobSource, Steps, StreamOptions};
use super::stream_metadata::metadata_from_leaves;
use super::tasks::for_each_task;
use super::{Axis, EncodeError, EncodingConfig};
use crate::hash::leaf_hashes;
use crate::merkle::DIGEST_LEN;
use crate::metadata::VerifiedBlobMetadataWithId;

/// Where [`EncodingConfig::encode_streaming`] puts the slivers: `2n` byte strings of known
/// length (sliver `i` of an axis holds `sliver_symbols(axis)` symbols of the blob's symbol
/// size, SPEC §6), written symbol-aligned, each byte exactly once. With the `parallel`
/// feature, writes and reads come from several threads at once (to distinct byte ranges).
pub trait SliverStore: MaybeSync {
    /// The error of a write or read.
    type Error: MaybeSend;

    /// Writes the concatenation of `parts` (each a whole number of symbols) into sliver
    /// `index` of `axis` from symbol position `first` on.
    ///
    /// # Errors
    ///
    /// Whatever the store fails with; encoding stops with it.
    fn write_symbols(&self, axis: Axis, index: u16, first: usize, parts: &[&[u8]]) -> Result<(), Self::Error>;

    /// Fills `buf` with the symbols of sliver `index` of `axis` from symbol position `first`,
    /// as written before. The encoder reads back only complete secondary slivers.
    ///
    /// # Errors
    ///
    /// Whatever the store fails with; encoding stops with it.
    fn read_symbols(&self, axis: Axis, index: u16, first: usize, buf: &mut [u8]) -> Result<(), Self::Error>;
}

/// Errors of [`EncodingConfig::encode_streaming`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeStreamError<S, K> {
    /// The encoding failed (blob too large).
    Encode(EncodeError),
    /// The source failed.
    Source(S),
    /// The sliver store failed.
    Store(K),
}

impl<S: core::fmt::Display, K: core::fmt::Display> core::fmt::Display for EncodeStreamError<S, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeStreamError::Encode(e) => write!(f, "{e}"),
            EncodeStreamError::Source(e) => write!(f, "reading the blob failed: {e}"),
            EncodeStreamError::Store(e) => write!(f, "writing the slivers failed: {e}"),
        }
    }
}

impl<S: core::fmt::Debug + core::fmt::Display, K: core::fmt::Debug + core::fmt::Display> core::error::Error
    for EncodeStreamError<S, K>
{
}

impl EncodingConfig {
    /// Encodes the blob read from `source` into the `2n` slivers of `store`, returning its
    /// metadata: the same slivers and metadata as [`EncodingConfig::encode`], in memory
    /// independent of the blob size (batches of about `budget` bytes, at least one row of
    /// `n` symbols, plus `n² · 32` bytes of leaf hashes; see the module docs). The source is
    /// read once; the store's secondary slivers are read back once. With the `parallel`
    /// feature the work is spread over rayon's pool.
    ///
    /// # Errors
    ///
    /// [`EncodeStreamError::Encode`] when the blob is too large, [`EncodeStreamError::Source`]
    /// or [`EncodeStreamError::Store`] when a read or write fails (the store may then hold
    /// partial slivers: write into a staging area and publish on success).
    pub fn encode_streaming<S: BlobSource + ?Sized, K: SliverStore + ?Sized>(
        &self,
        source: &S,
        store: &K,
        options: StreamOptions<'_>,
    ) -> Result<VerifiedBlobMetadataWithId, EncodeStreamError<S::Error, K::Error>> {
        let StreamOptions { budget, progress } = options;
        let blob_len = source.len();
        let symbol_size = self.symbol_size(blob_len).map_err(EncodeStreamError::Encode)?;
        let size = usize::from(symbol_size.get());
        let n = usize::from(self.n_shards());
        let p = usize::from(self.n_primary_source_symbols());
        let s = usize::from(self.n_secondary_source_symbols());
        let q = n - p;
        let rs_err = |_| EncodeStreamError::Encode(EncodeError::ReedSolomon);
        let mut steps = Steps::new(progress, p + n);
        // n shard indices fit in u16 (n_shards is a u16).
        let index = |i: usize| i as u16;

        // L[r][c] for rows r < p (row-major) and L[p + j][c] (column-major), as in
        // `compute_metadata_streaming`.
        let mut source_leaves = vec![[0u8; DIGEST_LEN]; p * n];
        let mut repair_leaves = vec![[0u8; DIGEST_LEN]; n * q];

        // 1. Rows in batches: each row buffer holds the row's n symbols (s source, f repair).
        {
            let batch = (budget / (n * size)).clamp(1, p);
            let mut rows = vec![0u8; batch * n * size];
            let mut r0 = 0;
            while r0 < p {
                let k = batch.min(p - r0);
                let rows = &mut rows[..k * n * size];
                let mut tasks: Vec<_> =
                    rows.chunks_mut(n * size).zip(source_leaves[r0 * n..(r0 + k) * n].chunks_mut(n)).collect();
                for_each_task(&mut tasks, |enc, i, (row, leaves)| {
                    let r = r0 + i;
                    let (source_part, repair_part) = row.split_at_mut(s * size);
                    read_padded(source, (r * s * size) as u64, source_part).map_err(EncodeStreamError::Source)?;
                    let recovery = enc.encode(s, n, size, source_part.chunks_exact(size)).map_err(rs_err)?;
                    for (dst, symbol) in repair_part.chunks_exact_mut(size).zip(recovery.iter()) {
                        dst.copy_from_slice(symbol);
                    }
                    leaf_hashes(row.chunks_exact(size), leaves);
                    store
                        .write_symbols(Axis::Primary, index(r), 0, &[&row[..s * size]])
                        .map_err(EncodeStreamError::Store)
                })?;
                drop(tasks);
                let rows = &*rows;
                let mut columns = vec![(); n];
                for_each_task(&mut columns, |_, c, _| {
                    let symbols: Vec<&[u8]> = (0..k).map(|i| &rows[(i * n + c) * size..][..size]).collect();
                    store.write_symbols(Axis::Secondary, index(c), r0, &symbols).map_err(EncodeStreamError::Store)
                })?;
                r0 += k;
                steps.advance(k);
            }
        }

        // 2. Columns in batches: each column buffer holds its p source and n - p repair symbols.
        {
            let batch = (budget / (n * size)).clamp(1, n);
            let mut columns = vec![0u8; batch * n * size];
            let mut c0 = 0;
            while c0 < n {
                let k = batch.min(n - c0);
                let columns = &mut columns[..k * n * size];
                let mut tasks: Vec<_> =
                    columns.chunks_mut(n * size).zip(repair_leaves[c0 * q..(c0 + k) * q].chunks_mut(q)).collect();
                for_each_task(&mut tasks, |enc, i, (column, leaves)| {
                    let c = c0 + i;
                    let (source_part, repair_part) = column.split_at_mut(p * size);
                    store.read_symbols(Axis::Secondary, index(c), 0, source_part).map_err(EncodeStreamError::Store)?;
                    let recovery = enc.encode(p, n, size, source_part.chunks_exact(size)).map_err(rs_err)?;
                    leaf_hashes(recovery.iter(), leaves);
                    if c < s {
                        for (dst, symbol) in repair_part.chunks_exact_mut(size).zip(recovery.iter()) {
                            dst.copy_from_slice(symbol);
                        }
                    }
                    Ok(())
                })?;
                drop(tasks);
                // Primary slivers p + j get symbols c0.. of the batch's source columns.
                let k_source = s.saturating_sub(c0).min(k);
                if k_source > 0 {
                    let columns = &*columns;
                    let mut repair_rows = vec![(); q];
                    for_each_task(&mut repair_rows, |_, j, _| {
                        let symbols: Vec<&[u8]> =
                            (0..k_source).map(|i| &columns[(i * n + p + j) * size..][..size]).collect();
                        store.write_symbols(Axis::Primary, index(p + j), c0, &symbols).map_err(EncodeStreamError::Store)
                    })?;
                }
                c0 += k;
                steps.advance(k);
            }
        }

        Ok(metadata_from_leaves(self, blob_len, &source_leaves, &repair_leaves))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Slivers in memory, as flat byte strings per axis and index.
    struct MemStore {
        symbol_size: usize,
        slivers: [Mutex<Vec<Vec<u8>>>; 2],
    }

    impl MemStore {
        fn new(config: &EncodingConfig, symbol_size: core::num::NonZeroU16) -> Self {
            let n = usize::from(config.n_shards());
            let axis = |a| Mutex::new(vec![vec![0u8; config.sliver_len(a, symbol_size)]; n]);
            Self { symbol_size: usize::from(symbol_size.get()), slivers: [axis(Axis::Primary), axis(Axis::Secondary)] }
        }

        fn slot(axis: Axis) -> usize {
            match axis {
                Axis::Primary => 0,
                Axis::Secondary => 1,
            }
        }
    }

    impl SliverStore for MemStore {
        type Error = &'static str;

        fn write_symbols(&self, axis: Axis, index: u16, first: usize, parts: &[&[u8]]) -> Result<(), Self::Error> {
            let mut slivers = self.slivers[Self::slot(axis)].lock().unwrap();
            let sliver = &mut slivers[usize::from(index)];
            let mut at = first * self.symbol_size;
            for part in parts {
                assert_eq!(part.len() % self.symbol_size, 0, "whole symbols");
                sliver[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            Ok(())
        }

        fn read_symbols(&self, axis: Axis, index: u16, first: usize, buf: &mut [u8]) -> Result<(), Self::Error> {
            let slivers = self.slivers[Self::slot(axis)].lock().unwrap();
            buf.copy_from_slice(&slivers[usize::from(index)][first * self.symbol_size..][..buf.len()]);
            Ok(())
        }
    }

    #[test]
    fn streaming_encode_equals_in_memory() {
        for n in [4u16, 7, 10, 31] {
            let config = EncodingConfig::new(n).unwrap();
            let max = config.max_blob_size() as usize;
            for len in [0usize, 1, 17, 1000, 40_000, max / 3] {
                let blob: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
                let expected = config.encode(&blob).unwrap();
                for budget in [0usize, 10_000, 1 << 20] {
                    let store = MemStore::new(&config, expected.symbol_size());
                    let got =
                        config.encode_streaming(&blob[..], &store, StreamOptions::default().budget(budget)).unwrap();
                    assert_eq!(got.metadata(), expected.metadata().metadata(), "n {n} len {len} budget {budget}");
                    for axis in [Axis::Primary, Axis::Secondary] {
                        let slivers = store.slivers[MemStore::slot(axis)].lock().unwrap();
                        for (i, sliver) in slivers.iter().enumerate() {
                            let want = expected.sliver(axis, i as u16).unwrap();
                            assert_eq!(sliver.as_slice(), want.bytes(), "{axis:?} sliver {i}, n {n} len {len}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn errors_of_the_store_stop_the_encoding() {
        struct Failing;
        impl SliverStore for Failing {
            type Error = &'static str;
            fn write_symbols(&self, _: Axis, _: u16, _: usize, _: &[&[u8]]) -> Result<(), Self::Error> {
                Err("disk full")
            }
            fn read_symbols(&self, _: Axis, _: u16, _: usize, _: &mut [u8]) -> Result<(), Self::Error> {
                Err("unreachable")
            }
        }
        let config = EncodingConfig::new(10).unwrap();
        let err = config.encode_streaming(&b"some blob"[..], &Failing, StreamOptions::default()).unwrap_err();
        assert_eq!(err, EncodeStreamError::Store("disk full"));
        assert_eq!(alloc::string::ToString::to_string(&err), "writing the slivers failed: disk full");
        let too_large = vec![0u8; config.max_blob_size() as usize + 1];
        let err = config.encode_streaming(&too_large[..], &Failing, StreamOptions::default()).unwrap_err();
        assert!(matches!(err, EncodeStreamError::Encode(EncodeError::BlobTooLarge { .. })), "{err:?}");
    }
}
