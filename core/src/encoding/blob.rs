//! RedStuff 2-D encoding and decoding of whole blobs (SPEC §3, §5, §7).

use alloc::vec;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::marker::PhantomData;
use core::num::NonZeroU16;

use super::rs::{block_layout_len, from_block_layout, to_block_layout, RsDecoder, RsEncoder};
use super::sliver::sliver_root;
use super::stream::{for_each_task_with, read_padded};
use super::{Axis, EncodeError, EncodingConfig, Sliver, SliverError};
use crate::metadata::{BlobId, VerifiedBlobMetadataWithId};

/// The column batch of a primary-axis decode, in bytes.
const DECODE_BATCH_BYTES: usize = 64 << 20;

/// The bytes of laid-out symbols per column group decoded in one Reed-Solomon call (each call
/// has a fixed cost of about a quarter millisecond for n = 1000).
const DECODE_GROUP_BYTES: usize = 4096;

/// Progress of a long computation: `done` of `total` steps (one step per matrix row or
/// column; `total = p + n` for encoding).
pub type ProgressFn<'a> = &'a mut dyn FnMut(u64, u64);

/// The output of a full encoding: verified metadata and all `n` primary and `n` secondary
/// slivers (SPEC §3.3). Slivers are stored in two flat buffers and handed out as views.
#[derive(Clone, Debug)]
pub struct EncodedBlob {
    metadata: VerifiedBlobMetadataWithId,
    symbol_size: NonZeroU16,
    primary: Vec<u8>,
    secondary: Vec<u8>,
}

impl EncodedBlob {
    /// The verified metadata (blob ID, length, sliver-pair hashes).
    pub fn metadata(&self) -> &VerifiedBlobMetadataWithId {
        &self.metadata
    }

    /// The blob ID.
    pub fn blob_id(&self) -> &BlobId {
        self.metadata.blob_id()
    }

    /// The symbol size in bytes.
    pub fn symbol_size(&self) -> NonZeroU16 {
        self.symbol_size
    }

    /// Sliver `index` of `axis`, or `None` if `index >= n`.
    pub fn sliver(&self, axis: Axis, index: u16) -> Option<Sliver<&[u8]>> {
        let config = self.metadata.config();
        if index >= config.n_shards() {
            return None;
        }
        let len = config.sliver_len(axis, self.symbol_size);
        let buffer = match axis {
            Axis::Primary => &self.primary,
            Axis::Secondary => &self.secondary,
        };
        let start = usize::from(index) * len;
        Some(Sliver { axis, index, symbol_size: self.symbol_size, data: &buffer[start..start + len] })
    }

    /// The slivers of `axis` in sliver-index order.
    pub fn slivers(&self, axis: Axis) -> impl Iterator<Item = Sliver<&[u8]>> {
        (0..self.metadata.config().n_shards()).filter_map(move |i| self.sliver(axis, i))
    }

    /// Sliver pair `pair_index`: primary sliver `i` and secondary sliver `n - 1 - i`
    /// (SPEC §3.4). `None` if out of range.
    pub fn sliver_pair(&self, pair_index: u16) -> Option<SliverPairView<'_>> {
        let secondary = self.metadata.config().sliver_index(Axis::Secondary, pair_index)?;
        Some((self.sliver(Axis::Primary, pair_index)?, self.sliver(Axis::Secondary, secondary)?))
    }
}

/// A sliver pair borrowed from an [`EncodedBlob`]: (primary sliver `i`, secondary sliver `n - 1 - i`).
pub type SliverPairView<'a> = (Sliver<&'a [u8]>, Sliver<&'a [u8]>);

/// One sliver's bytes in [`BufferStore`]: a mutex with `parallel` (writes come from several
/// threads), a `RefCell` without.
#[cfg(feature = "parallel")]
type SliverSlot<'a> = std::sync::Mutex<&'a mut [u8]>;
#[cfg(not(feature = "parallel"))]
type SliverSlot<'a> = core::cell::RefCell<&'a mut [u8]>;

/// The `2n` slivers of an [`EncodedBlob`] being written by [`EncodingConfig::encode_streaming`].
struct BufferStore<'a> {
    slivers: [Vec<SliverSlot<'a>>; 2],
    symbol_size: usize,
}

impl<'a> BufferStore<'a> {
    fn new(primary: &'a mut [u8], secondary: &'a mut [u8], n: usize, symbol_size: usize) -> Self {
        let slots = |buffer: &'a mut [u8]| {
            let len = buffer.len() / n;
            buffer.chunks_mut(len.max(1)).map(SliverSlot::new).collect()
        };
        Self { slivers: [slots(primary), slots(secondary)], symbol_size }
    }

    fn with_sliver<R>(&self, axis: Axis, index: u16, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let slot = &self.slivers[usize::from(axis == Axis::Secondary)][usize::from(index)];
        #[cfg(feature = "parallel")]
        let mut sliver = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        #[cfg(not(feature = "parallel"))]
        let mut sliver = slot.borrow_mut();
        f(&mut sliver)
    }
}

impl super::SliverStore for BufferStore<'_> {
    type Error = core::convert::Infallible;

    fn write_symbols(&self, axis: Axis, index: u16, first: usize, parts: &[&[u8]]) -> Result<(), Self::Error> {
        self.with_sliver(axis, index, |sliver| {
            let mut at = first * self.symbol_size;
            for part in parts {
                sliver[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
        });
        Ok(())
    }

    fn read_symbols(&self, axis: Axis, index: u16, first: usize, buf: &mut [u8]) -> Result<(), Self::Error> {
        let at = first * self.symbol_size;
        self.with_sliver(axis, index, |sliver| buf.copy_from_slice(&sliver[at..at + buf.len()]));
        Ok(())
    }
}

impl EncodingConfig {
    /// The metadata (and so the blob ID) of `blob`, without materializing the slivers
    /// (SPEC §5; walrus-core `compute_metadata`).
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the blob exceeds [`EncodingConfig::max_blob_size`].
    pub fn compute_metadata(&self, blob: &[u8]) -> Result<VerifiedBlobMetadataWithId, EncodeError> {
        self.compute_metadata_with_progress(blob, None)
    }

    /// [`EncodingConfig::compute_metadata`], reporting progress.
    ///
    /// # Errors
    ///
    /// As [`EncodingConfig::compute_metadata`].
    pub fn compute_metadata_with_progress(
        &self,
        blob: &[u8],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<VerifiedBlobMetadataWithId, EncodeError> {
        // The batched, parallel streaming computation over the slice (one stripe up to the
        // default budget).
        self.compute_metadata_streaming(blob, super::DEFAULT_STREAM_BUDGET, progress).map_err(|e| match e {
            super::StreamError::Encode(e) => e,
            super::StreamError::Source(never) => match never {},
        })
    }

    /// The blob ID of `blob` (SPEC §5.3).
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the blob exceeds [`EncodingConfig::max_blob_size`].
    pub fn blob_id(&self, blob: &[u8]) -> Result<BlobId, EncodeError> {
        Ok(*self.compute_metadata(blob)?.blob_id())
    }

    /// Encodes `blob` into its metadata and all `2n` slivers (SPEC §3; walrus-core
    /// `encode_with_metadata`). Memory: about `n * (p + s) * S` bytes, 4.5× the blob for
    /// `n = 3f + 1`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the blob exceeds [`EncodingConfig::max_blob_size`].
    pub fn encode(&self, blob: &[u8]) -> Result<EncodedBlob, EncodeError> {
        self.encode_with_progress(blob, None)
    }

    /// [`EncodingConfig::encode`], reporting progress.
    ///
    /// # Errors
    ///
    /// As [`EncodingConfig::encode`].
    pub fn encode_with_progress(
        &self,
        blob: &[u8],
        progress: Option<ProgressFn<'_>>,
    ) -> Result<EncodedBlob, EncodeError> {
        let symbol_size = self.symbol_size(blob.len() as u64)?;
        let n = usize::from(self.n_shards());
        let mut primary = vec![0u8; n * self.sliver_len(Axis::Primary, symbol_size)];
        let mut secondary = vec![0u8; n * self.sliver_len(Axis::Secondary, symbol_size)];
        let store = BufferStore::new(&mut primary, &mut secondary, n, usize::from(symbol_size.get()));
        let metadata =
            self.encode_streaming(blob, &store, super::DEFAULT_STREAM_BUDGET, progress).map_err(|e| match e {
                super::EncodeStreamError::Encode(e) => e,
                super::EncodeStreamError::Source(never) | super::EncodeStreamError::Store(never) => match never {},
            })?;
        drop(store);
        Ok(EncodedBlob { metadata, symbol_size, primary, secondary })
    }
}

/// How a decoded blob is checked against its metadata (SPEC §7 `ConsistencyCheckType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConsistencyCheck {
    /// Re-encode every systematic primary sliver that was not an input and compare its hash
    /// with the metadata (walrus-core's default since v1.37).
    #[default]
    Default,
    /// Recompute the blob ID of the decoded bytes and compare it.
    Strict,
    /// No check beyond the verification of every input sliver.
    Skip,
}

/// Errors of blob decoding (SPEC §7 `DecodeError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer valid, distinct slivers than decoding needs.
    NotEnoughSlivers {
        /// The axis decoded from.
        axis: Axis,
        /// Slivers needed: `p` primary or `s` secondary.
        needed: u16,
        /// Valid distinct slivers given.
        got: u16,
    },
    /// The decoded blob does not match its metadata: the encoding was inconsistent.
    InconsistentEncoding,
    /// The Reed-Solomon engine rejected its input (an internal invariant was broken).
    ReedSolomon,
}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DecodeError::NotEnoughSlivers { axis, needed, got } => {
                write!(f, "decoding needs {needed} valid {axis} slivers with distinct indices, got {got}")
            }
            DecodeError::InconsistentEncoding => {
                f.write_str("the decoded blob does not match its metadata: the blob was encoded inconsistently")
            }
            DecodeError::ReedSolomon => f.write_str("the Reed-Solomon engine rejected its input"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Collects verified slivers of one axis and decodes the blob from any `p` primary or `s`
/// secondary of them (SPEC §7).
///
/// The decoder borrows its metadata by default (`BlobDecoder<'m>`); any `M` that borrows as
/// [`VerifiedBlobMetadataWithId`] works, so a binding can own it
/// (`BlobDecoder<'static, VerifiedBlobMetadataWithId>`), as [`crate::certificate::CertificateBuilder`]
/// does with its committee.
#[derive(Clone, Debug)]
pub struct BlobDecoder<'m, M: Borrow<VerifiedBlobMetadataWithId> = &'m VerifiedBlobMetadataWithId> {
    metadata: M,
    axis: Axis,
    slivers: Vec<Option<Vec<u8>>>,
    count: u16,
    _metadata_lifetime: PhantomData<&'m ()>,
}

impl<'m, M: Borrow<VerifiedBlobMetadataWithId>> BlobDecoder<'m, M> {
    /// A decoder for the blob of `metadata` from slivers of `axis`.
    pub fn new(metadata: M, axis: Axis) -> Self {
        let n_shards = usize::from(metadata.borrow().config().n_shards());
        Self { metadata, axis, slivers: vec![None; n_shards], count: 0, _metadata_lifetime: PhantomData }
    }

    /// The metadata the slivers are verified against.
    pub fn metadata(&self) -> &VerifiedBlobMetadataWithId {
        self.metadata.borrow()
    }

    /// The axis decoded from.
    pub fn axis(&self) -> Axis {
        self.axis
    }

    /// The number of slivers needed: `p` primary or `s` secondary.
    pub fn needed(&self) -> u16 {
        self.metadata().config().n_slivers_for_reconstruction(self.axis)
    }

    /// The number of distinct verified slivers held.
    pub fn count(&self) -> u16 {
        self.count
    }

    /// Whether enough slivers are held to decode.
    pub fn is_ready(&self) -> bool {
        self.count >= self.needed()
    }

    /// Verifies `sliver` against the metadata (SPEC §6) and keeps it. Returns `Ok(false)`
    /// when it is not needed (a duplicate index, or enough slivers are held already).
    ///
    /// # Errors
    ///
    /// [`SliverError`] if the sliver has the wrong axis or fails verification; the decoder is
    /// unchanged.
    pub fn add_sliver<D: AsRef<[u8]>>(&mut self, sliver: &Sliver<D>) -> Result<bool, SliverError> {
        if sliver.axis != self.axis {
            return Err(SliverError::WrongAxis { expected: self.axis, got: sliver.axis });
        }
        if self.is_ready() || self.slivers.get(usize::from(sliver.index)).is_some_and(Option::is_some) {
            return Ok(false);
        }
        sliver.verify(self.metadata())?;
        self.slivers[usize::from(sliver.index)] = Some(sliver.bytes().to_vec());
        self.count += 1;
        Ok(true)
    }

    /// [`BlobDecoder::add_sliver`] for a batch: the slivers that could be needed are verified
    /// together (in parallel with the `parallel` feature), then kept in order until enough are
    /// held. Returns one result per sliver, as `add_sliver` would have: `Ok(true)` kept,
    /// `Ok(false)` not needed (duplicate index, or enough slivers before it), `Err` invalid.
    pub fn add_slivers<D: AsRef<[u8]> + Sync>(&mut self, slivers: &[&Sliver<D>]) -> Vec<Result<bool, SliverError>> {
        // Candidates: right axis and not held yet. All are verified (a later sliver of the same
        // index is needed when an earlier one is invalid), then taken in order.
        let mut results: Vec<Option<Result<bool, SliverError>>> = slivers
            .iter()
            .map(|sliver| {
                if sliver.axis != self.axis {
                    return Some(Err(SliverError::WrongAxis { expected: self.axis, got: sliver.axis }));
                }
                match self.slivers.get(usize::from(sliver.index)) {
                    Some(Some(_)) => Some(Ok(false)),
                    _ => None, // missing, or out of range (verification reports it)
                }
            })
            .collect();
        let metadata = self.metadata.borrow();
        let mut verified: Vec<(usize, Option<Result<(), SliverError>>)> =
            results.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(i, _)| (i, None)).collect();
        if !self.is_ready() {
            let _ = for_each_task_with(&mut verified, |encoder: &mut RsEncoder, _, (i, result)| {
                *result = Some(slivers[*i].verify_with(metadata, encoder));
                Ok::<(), ()>(())
            });
        }
        for (i, result) in verified {
            let sliver = slivers[i];
            let held = self.slivers.get(usize::from(sliver.index)).is_some_and(Option::is_some);
            results[i] = Some(match result {
                _ if self.is_ready() || held => Ok(false),
                Some(Ok(())) => {
                    self.slivers[usize::from(sliver.index)] = Some(sliver.bytes().to_vec());
                    self.count += 1;
                    Ok(true)
                }
                Some(Err(e)) => Err(e),
                None => Ok(false),
            });
        }
        results.into_iter().map(|r| r.unwrap_or(Ok(false))).collect()
    }

    /// Decodes the blob and checks it with `check` (SPEC §7).
    ///
    /// # Errors
    ///
    /// [`DecodeError::NotEnoughSlivers`] before [`BlobDecoder::is_ready`];
    /// [`DecodeError::InconsistentEncoding`] when the check fails.
    pub fn decode(&self, check: ConsistencyCheck) -> Result<Vec<u8>, DecodeError> {
        let len = usize::try_from(self.metadata().unencoded_length()).map_err(|_| DecodeError::ReedSolomon)?;
        let mut blob = vec![0u8; len];
        self.decode_into(check, &mut blob)?;
        Ok(blob)
    }

    /// [`BlobDecoder::decode`] into `out`, which must be exactly the blob's length (for
    /// example a buffer owned by a binding, saving a copy).
    ///
    /// # Errors
    ///
    /// As [`BlobDecoder::decode`]; [`DecodeError::ReedSolomon`] if `out` has the wrong length.
    pub fn decode_into(&self, check: ConsistencyCheck, out: &mut [u8]) -> Result<(), DecodeError> {
        if !self.is_ready() {
            return Err(DecodeError::NotEnoughSlivers { axis: self.axis, needed: self.needed(), got: self.count });
        }
        let metadata = self.metadata();
        if u64::try_from(out.len()).ok() != Some(metadata.unencoded_length()) {
            return Err(DecodeError::ReedSolomon);
        }
        let config = metadata.config();
        let symbol_size = metadata.symbol_size();
        let size = usize::from(symbol_size.get());
        let n = usize::from(config.n_shards());
        let p = usize::from(config.n_primary_source_symbols());
        let s = usize::from(config.n_secondary_source_symbols());
        let k = usize::from(self.needed());
        let inputs: Vec<(usize, &[u8])> =
            self.slivers.iter().enumerate().filter_map(|(i, d)| d.as_deref().map(|d| (i, d))).take(k).collect();

        // The blob is the p × s message matrix, row-major, cut to its length: `out` holds the
        // rows (the last one possibly partial; rows past the end are padding).
        let row_len = s * size;
        let rs_err = |_| DecodeError::ReedSolomon;
        match self.axis {
            Axis::Primary if inputs.iter().all(|(i, _)| *i < p) => {
                // The p systematic slivers are the source rows themselves.
                let mut rows: Vec<_> = out.chunks_mut(row_len).zip(&inputs).collect();
                for_each_task_with(&mut rows, |_: &mut (), _, (row, (_, sliver))| {
                    row.copy_from_slice(&sliver[..row.len()]);
                    Ok::<(), DecodeError>(())
                })?;
            }
            Axis::Primary => {
                // Column c of the p source rows from symbol c of each primary sliver. Groups of
                // columns are laid out side by side and decoded in one call (SPEC §2.2 layout,
                // `rs::to_block_layout`), groups in parallel, a batch of columns at a time
                // (column-major), then copied into the rows.
                let laid = block_layout_len(size);
                let group = (DECODE_GROUP_BYTES / laid).clamp(1, s);
                let batch = ((DECODE_BATCH_BYTES / (p * size)).clamp(1, s).div_ceil(group)) * group;
                let mut columns = vec![0u8; batch.min(s) * p * size];
                let mut c0 = 0;
                while c0 < s {
                    let k_columns = batch.min(s - c0);
                    let columns = &mut columns[..k_columns * p * size];
                    let mut tasks: Vec<&mut [u8]> = columns.chunks_mut(group * p * size).collect();
                    type State = (RsDecoder, Vec<u8>, Vec<u8>);
                    for_each_task_with(&mut tasks, |(decoder, packed, decoded): &mut State, t, group_columns| {
                        let first = c0 + t * group;
                        let count = group_columns.len() / (p * size);
                        let width = count * laid;
                        packed.resize(inputs.len() * width, 0);
                        for ((_, sliver), shard) in inputs.iter().zip(packed.chunks_exact_mut(width)) {
                            for (i, laid_out) in shard.chunks_exact_mut(laid).enumerate() {
                                to_block_layout(&sliver[(first + i) * size..][..size], laid_out);
                            }
                        }
                        decoded.resize(p * width, 0);
                        let shards = inputs.iter().zip(packed.chunks_exact(width)).map(|((j, _), shard)| (*j, shard));
                        decoder.decode(p, n, width, shards, decoded)?;
                        for (r, shard) in decoded.chunks_exact(width).enumerate() {
                            for (i, laid_out) in shard.chunks_exact(laid).enumerate() {
                                from_block_layout(laid_out, &mut group_columns[(i * p + r) * size..][..size]);
                            }
                        }
                        Ok(())
                    })
                    .map_err(rs_err)?;
                    let columns = &*columns;
                    let mut rows: Vec<&mut [u8]> = out.chunks_mut(row_len).collect();
                    for_each_task_with(&mut rows, |_: &mut (), r, row| {
                        for i in 0..k_columns {
                            let start = (c0 + i) * size;
                            let end = (start + size).min(row.len());
                            if start >= end {
                                break;
                            }
                            row[start..end].copy_from_slice(&columns[(i * p + r) * size..][..end - start]);
                        }
                        Ok::<(), DecodeError>(())
                    })?;
                    c0 += k_columns;
                }
            }
            Axis::Secondary => {
                let mut rows: Vec<&mut [u8]> = out.chunks_mut(row_len).collect();
                for_each_task_with(&mut rows, |(decoder, full): &mut (RsDecoder, Vec<u8>), r, row| {
                    let symbols = inputs.iter().map(|(j, d)| (*j, &d[r * size..(r + 1) * size]));
                    if row.len() == row_len {
                        return decoder.decode(s, n, size, symbols, row);
                    }
                    full.resize(row_len, 0);
                    decoder.decode(s, n, size, symbols, full)?;
                    row.copy_from_slice(&full[..row.len()]);
                    Ok(())
                })
                .map_err(rs_err)?;
            }
        }
        let blob = &*out;

        match check {
            ConsistencyCheck::Skip => {}
            ConsistencyCheck::Strict => {
                let id = config.blob_id(blob).map_err(|_| DecodeError::InconsistentEncoding)?;
                if id != *metadata.blob_id() {
                    return Err(DecodeError::InconsistentEncoding);
                }
            }
            ConsistencyCheck::Default => {
                // Every systematic primary sliver that was not an input, re-encoded and hashed.
                let mut rows: Vec<usize> =
                    (0..p).filter(|&i| self.axis == Axis::Secondary || self.slivers[i].is_none()).collect();
                for_each_task_with(&mut rows, |(encoder, row): &mut (RsEncoder, Vec<u8>), _, i| {
                    row.resize(s * size, 0);
                    let Ok(()) = read_padded(blob, (*i * s * size) as u64, row);
                    let root = sliver_root(encoder, config, Axis::Primary, symbol_size, row)
                        .map_err(|_| DecodeError::ReedSolomon)?;
                    match metadata.pair(*i as u16) {
                        Some(pair) if pair.primary_hash == root => Ok(()),
                        _ => Err(DecodeError::InconsistentEncoding),
                    }
                })?;
            }
        }
        Ok(())
    }
}

/// Decodes a blob from whatever slivers are given (SPEC §7): every sliver is verified against
/// `metadata` and invalid ones are skipped; primary slivers are used when `p` valid ones are
/// there, otherwise secondary ones.
///
/// # Errors
///
/// [`DecodeError::NotEnoughSlivers`] (for the axis with more valid slivers) when neither axis
/// has enough; [`DecodeError::InconsistentEncoding`] when `check` fails.
pub fn decode_blob<'s, D: AsRef<[u8]> + 's>(
    metadata: &VerifiedBlobMetadataWithId,
    slivers: impl IntoIterator<Item = &'s Sliver<D>>,
    check: ConsistencyCheck,
) -> Result<Vec<u8>, DecodeError> {
    let mut primary = BlobDecoder::new(metadata, Axis::Primary);
    let mut secondary = BlobDecoder::new(metadata, Axis::Secondary);
    for sliver in slivers {
        let decoder = match sliver.axis {
            Axis::Primary => &mut primary,
            Axis::Secondary => &mut secondary,
        };
        // Invalid slivers are skipped; the count of valid ones decides.
        let _ = decoder.add_sliver(sliver);
        if primary.is_ready() {
            break;
        }
    }
    if primary.is_ready() || !secondary.is_ready() && primary.count() >= secondary.count() {
        primary.decode(check)
    } else {
        secondary.decode(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_can_own_its_metadata() {
        let config = EncodingConfig::new(10).unwrap();
        let blob: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        let encoded = config.encode(&blob).unwrap();
        let mut decoder: BlobDecoder<'static, VerifiedBlobMetadataWithId> =
            BlobDecoder::new(encoded.metadata().clone(), Axis::Secondary);
        assert_eq!((decoder.axis(), decoder.needed()), (Axis::Secondary, 7));
        assert_eq!(decoder.metadata().blob_id(), encoded.blob_id());
        for sliver in encoded.slivers(Axis::Secondary).skip(3) {
            assert!(decoder.add_sliver(&sliver).unwrap());
        }
        assert_eq!(decoder.decode(ConsistencyCheck::Strict).unwrap(), blob);
    }
}
