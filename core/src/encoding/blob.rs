//! RedStuff 2-D encoding and decoding of whole blobs (SPEC §3, §5, §7).

use alloc::vec;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::marker::PhantomData;
use core::num::NonZeroU16;

use super::encode_stream::{EncodeStreamError, SliverStore};
use super::rs::{layout_blocks, read_blocks, write_blocks, PatternDecoder, RsEncoder};
use super::sliver::sliver_root;
use super::source::{read_padded, StreamError, StreamOptions};
use super::tasks::for_each_task_with;
use super::{Axis, EncodeError, EncodingConfig, Sliver, SliverError};
use crate::metadata::{BlobId, VerifiedBlobMetadataWithId};

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

impl SliverStore for BufferStore<'_> {
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
        self.compute_metadata_with(blob, StreamOptions::default())
    }

    /// [`EncodingConfig::compute_metadata`] with `options` (progress, working memory).
    ///
    /// # Errors
    ///
    /// As [`EncodingConfig::compute_metadata`].
    pub fn compute_metadata_with(
        &self,
        blob: &[u8],
        options: StreamOptions<'_>,
    ) -> Result<VerifiedBlobMetadataWithId, EncodeError> {
        // The batched, parallel streaming computation over the slice.
        self.compute_metadata_streaming(blob, options).map_err(|e| match e {
            StreamError::Encode(e) => e,
            StreamError::Source(never) => match never {},
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
        self.encode_with(blob, StreamOptions::default())
    }

    /// [`EncodingConfig::encode`] with `options` (progress, working memory of the column
    /// batches).
    ///
    /// # Errors
    ///
    /// As [`EncodingConfig::encode`].
    pub fn encode_with(&self, blob: &[u8], options: StreamOptions<'_>) -> Result<EncodedBlob, EncodeError> {
        let symbol_size = self.symbol_size(blob.len() as u64)?;
        let n = usize::from(self.n_shards());
        let mut primary = vec![0u8; n * self.sliver_len(Axis::Primary, symbol_size)];
        let mut secondary = vec![0u8; n * self.sliver_len(Axis::Secondary, symbol_size)];
        let store = BufferStore::new(&mut primary, &mut secondary, n, usize::from(symbol_size.get()));
        let metadata = self.encode_streaming(blob, &store, options).map_err(|e| match e {
            EncodeStreamError::Encode(e) => e,
            EncodeStreamError::Source(never) | EncodeStreamError::Store(never) => match never {},
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

impl ConsistencyCheck {
    /// `"default"`, `"strict"` or `"skip"`: the names Walrus's aggregator flags use.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConsistencyCheck::Default => "default",
            ConsistencyCheck::Strict => "strict",
            ConsistencyCheck::Skip => "skip",
        }
    }
}

impl core::str::FromStr for ConsistencyCheck {
    type Err = crate::error::UnknownName;

    /// [`ConsistencyCheck::as_str`]'s names.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "default" => Ok(ConsistencyCheck::Default),
            "strict" => Ok(ConsistencyCheck::Strict),
            "skip" => Ok(ConsistencyCheck::Skip),
            _ => {
                Err(crate::error::UnknownName { what: "consistency check", expected: "'default', 'strict' or 'skip'" })
            }
        }
    }
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
///
/// It keeps the bytes of each sliver it holds as a `D`: a copy by default (`Vec<u8>`, from
/// [`BlobDecoder::add_sliver`] and [`BlobDecoder::add_slivers`]), or the data of the slivers
/// given to [`BlobDecoder::add_slivers_owned`], such as references to bytes that outlive the
/// decoder (no copy of gigabytes of slivers).
#[derive(Clone, Debug)]
pub struct BlobDecoder<'m, M: Borrow<VerifiedBlobMetadataWithId> = &'m VerifiedBlobMetadataWithId, D = Vec<u8>> {
    metadata: M,
    axis: Axis,
    slivers: Vec<Option<D>>,
    count: u16,
    _metadata_lifetime: PhantomData<&'m ()>,
}

impl<'m, M: Borrow<VerifiedBlobMetadataWithId>> BlobDecoder<'m, M> {
    /// A decoder for the blob of `metadata` from slivers of `axis`, keeping copies of them.
    pub fn new(metadata: M, axis: Axis) -> Self {
        Self::keeping(metadata, axis)
    }

    /// Verifies `sliver` against the metadata (SPEC §6) and keeps a copy. Returns `Ok(false)`
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
        let (results, kept) = self.add_batch(slivers);
        for i in kept {
            self.slivers[usize::from(slivers[i].index)] = Some(slivers[i].bytes().to_vec());
        }
        results
    }
}

impl<'m, M: Borrow<VerifiedBlobMetadataWithId>, D: AsRef<[u8]>> BlobDecoder<'m, M, D> {
    /// A decoder for the blob of `metadata` from slivers of `axis` that keeps the data of the
    /// slivers given to [`BlobDecoder::add_slivers_owned`] (`BlobDecoder::new` keeps copies).
    pub fn keeping(metadata: M, axis: Axis) -> Self {
        let n_shards = usize::from(metadata.borrow().config().n_shards());
        let mut slivers = Vec::with_capacity(n_shards);
        slivers.resize_with(n_shards, || None);
        Self { metadata, axis, slivers, count: 0, _metadata_lifetime: PhantomData }
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

    /// [`BlobDecoder::add_slivers`] for slivers whose bytes the decoder keeps as they are: a
    /// `D` can be a reference to bytes that outlive the decoder, or to the object that owns
    /// them, saving a copy of gigabytes of slivers. Slivers that are not kept are dropped.
    pub fn add_slivers_owned(&mut self, slivers: Vec<Sliver<D>>) -> Vec<Result<bool, SliverError>>
    where
        D: Sync,
    {
        let refs: Vec<&Sliver<D>> = slivers.iter().collect();
        let (results, kept) = self.add_batch(&refs);
        let mut slivers: Vec<Option<Sliver<D>>> = slivers.into_iter().map(Some).collect();
        for i in kept {
            if let Some(sliver) = slivers[i].take() {
                self.slivers[usize::from(sliver.index)] = Some(sliver.data);
            }
        }
        results
    }

    /// Verifies a batch (see [`BlobDecoder::add_slivers`]) and counts the slivers kept, whose
    /// positions in `slivers` it returns with the results: the caller stores their bytes at
    /// their indices.
    fn add_batch<S: AsRef<[u8]> + Sync>(
        &mut self,
        slivers: &[&Sliver<S>],
    ) -> (Vec<Result<bool, SliverError>>, Vec<usize>) {
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
        let mut kept: Vec<usize> = Vec::new();
        for (i, result) in verified {
            let index = usize::from(slivers[i].index);
            let held = self.slivers.get(index).is_some_and(Option::is_some)
                || kept.iter().any(|&j| usize::from(slivers[j].index) == index);
            results[i] = Some(match result {
                _ if self.is_ready() || held => Ok(false),
                Some(Ok(())) => {
                    kept.push(i);
                    self.count += 1;
                    Ok(true)
                }
                Some(Err(e)) => Err(e),
                None => Ok(false),
            });
        }
        (results.into_iter().map(|r| r.unwrap_or(Ok(false))).collect(), kept)
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
            self.slivers.iter().enumerate().filter_map(|(i, d)| d.as_ref().map(|d| (i, d.as_ref()))).take(k).collect();

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
            _ => {
                // Every codeword misses the same positions, so one `PatternDecoder` serves all:
                // from primary slivers the codewords are the s columns and the sources the rows;
                // from secondary slivers the codewords are the p rows and the sources the
                // columns (SPEC §7). Tasks are groups of codewords, decoded a cache-sized stripe
                // of blocks at a time; sources that were inputs are copied.
                let by_row = self.axis == Axis::Primary;
                let (k_code, codewords) = if by_row { (p, s) } else { (s, p) };
                let positions: Vec<usize> = inputs.iter().map(|(i, _)| *i).collect();
                let decoder = PatternDecoder::new(k_code, n, &positions).map_err(rs_err)?;
                let mut sources: Vec<Option<&[u8]>> = vec![None; k_code];
                for &(i, sliver) in inputs.iter().filter(|(i, _)| *i < k_code) {
                    sources[i] = Some(sliver);
                }
                let blocks_per_symbol = layout_blocks(size);
                let stripe = decoder.stripe_blocks();
                let group = stripe.div_ceil(blocks_per_symbol).clamp(1, codewords);
                let n_tasks = codewords.div_ceil(group);
                // Each task's lines: for columns, a piece of every row still missing (by row);
                // for rows, its rows (by codeword).
                let mut tasks: Vec<Vec<Option<&mut [u8]>>> = Vec::with_capacity(n_tasks);
                let mut copies: Vec<(&mut [u8], &[u8])> = Vec::new();
                if by_row {
                    tasks.resize_with(n_tasks, || (0..p).map(|_| None).collect());
                    for (i, row) in out.chunks_mut(row_len).enumerate() {
                        if let Some(sliver) = sources[i] {
                            copies.push((row, sliver));
                            continue;
                        }
                        for (t, piece) in row.chunks_mut(group * size).enumerate() {
                            tasks[t][i] = Some(piece);
                        }
                    }
                } else {
                    tasks.extend(
                        out.chunks_mut(group * row_len).map(|rows| rows.chunks_mut(row_len).map(Some).collect()),
                    );
                    tasks.resize_with(n_tasks, Vec::new);
                }
                // The slot of source `j` of codeword `c` (of the task), cut at the blob's end.
                fn slot<'a>(
                    lines: &'a mut [Option<&mut [u8]>],
                    (by_row, size): (bool, usize),
                    j: usize,
                    c: usize,
                ) -> Option<&'a mut [u8]> {
                    let (line, at) = if by_row { (j, c * size) } else { (c, j * size) };
                    let line = lines.get_mut(line)?.as_deref_mut()?;
                    let end = (at + size).min(line.len());
                    line.get_mut(at..end)
                }
                let shape = (by_row, size);
                for_each_task_with(&mut copies, |_: &mut (), _, (row, sliver)| {
                    row.copy_from_slice(&sliver[..row.len()]);
                    Ok::<(), DecodeError>(())
                })?;
                type State = (Vec<[u8; 64]>, Vec<[u8; 64]>, Vec<[u8; 64]>);
                for_each_task_with(&mut tasks, |(work, gathered, decoded): &mut State, t, lines| {
                    let first = t * group;
                    let count = group.min(codewords - first);
                    if !by_row {
                        for (j, sliver) in sources.iter().enumerate().filter_map(|(j, d)| Some((j, (*d)?))) {
                            for c in 0..count {
                                if let Some(dst) = slot(lines, shape, j, c) {
                                    let len = dst.len();
                                    dst.copy_from_slice(&sliver[(first + c) * size..][..len]);
                                }
                            }
                        }
                    }
                    // The task's symbols of every input, gathered in the engine's layout (long
                    // sequential reads rather than a stripe of each of k slivers at a time).
                    let total = count * blocks_per_symbol;
                    gathered.resize(inputs.len() * total, [0; 64]);
                    for ((_, sliver), dst) in inputs.iter().zip(gathered.chunks_exact_mut(total)) {
                        for (c, dst) in dst.chunks_exact_mut(blocks_per_symbol).enumerate() {
                            read_blocks(&sliver[(first + c) * size..][..size], 0, dst);
                        }
                    }
                    let gathered = &*gathered;
                    decoded.resize(k_code * total, [0; 64]);
                    // Stripes of even widths (a narrow last one would cost a whole transform).
                    let width = total.div_ceil(total.div_ceil(stripe));
                    for b0 in (0..total).step_by(width) {
                        decoder.decode_stripe(
                            work,
                            width.min(total - b0),
                            |i, blocks| blocks.copy_from_slice(&gathered[i * total + b0..][..blocks.len()]),
                            |j, blocks| decoded[j * total + b0..][..blocks.len()].copy_from_slice(blocks),
                        );
                    }
                    // Then each restored symbol is written whole.
                    for j in decoder.missing() {
                        let symbols = decoded[j * total..(j + 1) * total].chunks_exact(blocks_per_symbol);
                        for (c, blocks) in symbols.enumerate() {
                            if let Some(dst) = slot(lines, shape, j, c) {
                                write_blocks(blocks, 0, size, dst);
                            }
                        }
                    }
                    Ok::<(), DecodeError>(())
                })?;
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
                for_each_task_with(&mut rows, |(encoder, padded): &mut (RsEncoder, Vec<u8>), _, i| {
                    // The row in the blob, or padded with zeros past its end.
                    let row = match blob.get(*i * row_len..(*i + 1) * row_len) {
                        Some(row) => row,
                        None => {
                            padded.resize(row_len, 0);
                            let Ok(()) = read_padded(blob, (*i * row_len) as u64, padded);
                            padded
                        }
                    };
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

/// Decoders of both axes and the rule choosing between them (SPEC §7): the primary axis once
/// `p` valid primary slivers are held (the systematic, cheapest decode), else the secondary
/// axis when `s` valid secondary slivers are, else, to report what is missing, the axis with
/// more valid slivers (primary on a tie).
///
/// Slivers of either axis go in; [`BothAxesDecoder::is_done`] says when reading more is
/// pointless. Like [`BlobDecoder`], it keeps copies of the slivers (`D = Vec<u8>`,
/// [`BothAxesDecoder::new`]) or the data given to [`BothAxesDecoder::add_slivers_owned`]
/// ([`BothAxesDecoder::keeping`]).
#[derive(Clone, Debug)]
pub struct BothAxesDecoder<'m, D = Vec<u8>> {
    primary: BlobDecoder<'m, &'m VerifiedBlobMetadataWithId, D>,
    secondary: BlobDecoder<'m, &'m VerifiedBlobMetadataWithId, D>,
}

impl<'m> BothAxesDecoder<'m> {
    /// A decoder for the blob of `metadata` keeping copies of the slivers.
    pub fn new(metadata: &'m VerifiedBlobMetadataWithId) -> Self {
        Self::keeping(metadata)
    }

    /// Verifies `sliver` (SPEC §6) and keeps a copy, as [`BlobDecoder::add_sliver`] of its axis.
    ///
    /// # Errors
    ///
    /// [`SliverError`] if it fails verification; the decoder is unchanged.
    pub fn add_sliver<E: AsRef<[u8]>>(&mut self, sliver: &Sliver<E>) -> Result<bool, SliverError> {
        match sliver.axis {
            Axis::Primary => self.primary.add_sliver(sliver),
            Axis::Secondary => self.secondary.add_sliver(sliver),
        }
    }
}

impl<'m, D: AsRef<[u8]>> BothAxesDecoder<'m, D> {
    /// A decoder for the blob of `metadata` that keeps the data of the slivers given to
    /// [`BothAxesDecoder::add_slivers_owned`].
    pub fn keeping(metadata: &'m VerifiedBlobMetadataWithId) -> Self {
        Self {
            primary: BlobDecoder::keeping(metadata, Axis::Primary),
            secondary: BlobDecoder::keeping(metadata, Axis::Secondary),
        }
    }

    /// The decoder of `axis`.
    pub fn axis(&self, axis: Axis) -> &BlobDecoder<'m, &'m VerifiedBlobMetadataWithId, D> {
        match axis {
            Axis::Primary => &self.primary,
            Axis::Secondary => &self.secondary,
        }
    }

    /// Whether `p` valid primary slivers are held: no other sliver can change the result.
    pub fn is_done(&self) -> bool {
        self.primary.is_ready()
    }

    /// The number of valid primary slivers still missing for [`BothAxesDecoder::is_done`]
    /// (a good size for the next batch).
    pub fn primary_missing(&self) -> u16 {
        self.primary.needed().saturating_sub(self.primary.count())
    }

    /// [`BlobDecoder::add_slivers_owned`] for slivers of both axes: one result per sliver, in
    /// order.
    pub fn add_slivers_owned(&mut self, slivers: Vec<Sliver<D>>) -> Vec<Result<bool, SliverError>>
    where
        D: Sync,
    {
        let mut results: Vec<Result<bool, SliverError>> = Vec::with_capacity(slivers.len());
        results.resize(slivers.len(), Ok(false));
        let (primary, secondary): (Vec<_>, Vec<_>) =
            slivers.into_iter().enumerate().partition(|(_, sliver)| sliver.axis == Axis::Primary);
        for (part, decoder) in [(primary, &mut self.primary), (secondary, &mut self.secondary)] {
            let (positions, part): (Vec<usize>, Vec<Sliver<D>>) = part.into_iter().unzip();
            for (i, result) in positions.into_iter().zip(decoder.add_slivers_owned(part)) {
                results[i] = result;
            }
        }
        results
    }

    /// The decoder the rule chooses (see [`BothAxesDecoder`]).
    pub fn chosen(&self) -> &BlobDecoder<'m, &'m VerifiedBlobMetadataWithId, D> {
        let (primary, secondary) = (&self.primary, &self.secondary);
        if primary.is_ready() || !secondary.is_ready() && primary.count() >= secondary.count() {
            primary
        } else {
            secondary
        }
    }

    /// Decodes the blob from the chosen axis and checks it with `check` (SPEC §7).
    ///
    /// # Errors
    ///
    /// [`DecodeError::NotEnoughSlivers`] (for the axis with more valid slivers) when neither
    /// axis has enough; [`DecodeError::InconsistentEncoding`] when `check` fails.
    pub fn decode(&self, check: ConsistencyCheck) -> Result<Vec<u8>, DecodeError> {
        self.chosen().decode(check)
    }

    /// [`BothAxesDecoder::decode`] into `out`, which must be exactly the blob's length.
    ///
    /// # Errors
    ///
    /// As [`BothAxesDecoder::decode`]; [`DecodeError::ReedSolomon`] if `out` has the wrong
    /// length.
    pub fn decode_into(&self, check: ConsistencyCheck, out: &mut [u8]) -> Result<(), DecodeError> {
        self.chosen().decode_into(check, out)
    }
}

/// Decodes a blob from any slivers of either axis ([`BothAxesDecoder`]): each is verified
/// against `metadata` and invalid ones are skipped; reading stops once `p` valid primary
/// slivers are held.
///
/// # Errors
///
/// As [`BothAxesDecoder::decode`].
pub fn decode_blob<'s, D: AsRef<[u8]> + 's>(
    metadata: &VerifiedBlobMetadataWithId,
    slivers: impl IntoIterator<Item = &'s Sliver<D>>,
    check: ConsistencyCheck,
) -> Result<Vec<u8>, DecodeError> {
    let mut decoder = BothAxesDecoder::new(metadata);
    for sliver in slivers {
        // Invalid slivers are skipped; the count of valid ones decides.
        let _ = decoder.add_sliver(sliver);
        if decoder.is_done() {
            break;
        }
    }
    decoder.decode(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_axes_decoder_prefers_primary_then_secondary_then_reports_the_fuller_axis() {
        // n = 10: p = 4 primary, s = 7 secondary slivers are needed.
        let config = EncodingConfig::new(10).unwrap();
        let blob: Vec<u8> = (0..2000u32).map(|i| (i * 11 + 5) as u8).collect();
        let encoded = config.encode(&blob).unwrap();
        let owned = |axis, i| encoded.sliver(axis, i).unwrap().to_owned_sliver();

        // 3 primary + 7 secondary: the secondary axis decodes.
        let mut decoder = BothAxesDecoder::keeping(encoded.metadata());
        let mut batch: Vec<_> = (0..3).map(|i| owned(Axis::Primary, i)).collect();
        batch.extend((0..7).map(|i| owned(Axis::Secondary, i)));
        assert!(decoder.add_slivers_owned(batch).into_iter().all(|r| r == Ok(true)));
        assert!(!decoder.is_done());
        assert_eq!(decoder.primary_missing(), 1);
        assert_eq!(decoder.chosen().axis(), Axis::Secondary);
        assert_eq!(decoder.decode(ConsistencyCheck::Strict).unwrap(), blob);

        // One more primary sliver: primary is chosen and the decoder is done.
        let results = decoder.add_slivers_owned(vec![owned(Axis::Secondary, 8), owned(Axis::Primary, 9)]);
        assert_eq!(results, vec![Ok(false), Ok(true)]);
        assert!(decoder.is_done());
        assert_eq!(decoder.chosen().axis(), Axis::Primary);

        // Too few of both: the error names the axis with more valid slivers.
        let mut decoder = BothAxesDecoder::new(encoded.metadata());
        for i in 0..2 {
            decoder.add_sliver(&encoded.sliver(Axis::Primary, i).unwrap()).unwrap();
        }
        for i in 0..5 {
            decoder.add_sliver(&encoded.sliver(Axis::Secondary, i).unwrap()).unwrap();
        }
        assert_eq!(
            decoder.decode(ConsistencyCheck::Default),
            Err(DecodeError::NotEnoughSlivers { axis: Axis::Secondary, needed: 7, got: 5 })
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for check in [ConsistencyCheck::Default, ConsistencyCheck::Strict, ConsistencyCheck::Skip] {
            assert_eq!(check.as_str().parse::<ConsistencyCheck>(), Ok(check));
        }
        for axis in [Axis::Primary, Axis::Secondary] {
            assert_eq!(axis.as_str().parse::<Axis>(), Ok(axis));
        }
        let err = "Strict".parse::<ConsistencyCheck>().unwrap_err();
        assert_eq!(crate::error::Kind::kind(&err), crate::error::ErrorKind::InvalidArgument);
        assert!(alloc::format!("{err}").contains("'default', 'strict' or 'skip'"), "{err}");
        assert!("row".parse::<Axis>().is_err());
    }

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

    #[test]
    fn batches_give_the_results_of_one_sliver_at_a_time_and_can_keep_references() {
        let config = EncodingConfig::new(10).unwrap();
        let blob: Vec<u8> = (0..3000u32).map(|i| (i * 13 + 1) as u8).collect();
        let encoded = config.encode(&blob).unwrap();
        let sliver = |axis, i| encoded.sliver(axis, i).unwrap();
        let mut corrupted = sliver(Axis::Primary, 5).data.to_vec();
        corrupted[0] ^= 1;
        let corrupted = Sliver { data: &corrupted[..], ..sliver(Axis::Primary, 5) };
        // A corrupted sliver then a valid one of the same index, a duplicate, the other axis,
        // more than the p = 4 needed.
        let batch = [
            corrupted,
            sliver(Axis::Primary, 5),
            sliver(Axis::Primary, 5),
            sliver(Axis::Secondary, 2),
            sliver(Axis::Primary, 9),
            sliver(Axis::Primary, 0),
            sliver(Axis::Primary, 7),
            sliver(Axis::Primary, 8),
        ];
        let mut one_at_a_time = BlobDecoder::new(encoded.metadata(), Axis::Primary);
        let expected: Vec<_> = batch.iter().map(|s| one_at_a_time.add_sliver(s)).collect();
        assert_eq!(
            expected[..4],
            [
                Err(SliverError::MerkleRootMismatch { pair_index: 5 }),
                Ok(true),
                Ok(false),
                Err(SliverError::WrongAxis { expected: Axis::Primary, got: Axis::Secondary })
            ]
        );
        assert_eq!(expected[4..], [Ok(true), Ok(true), Ok(true), Ok(false)]);

        let mut copies = BlobDecoder::new(encoded.metadata(), Axis::Primary);
        assert_eq!(copies.add_slivers(&batch.iter().collect::<Vec<_>>()), expected);
        let mut references: BlobDecoder<'_, _, &[u8]> = BlobDecoder::keeping(encoded.metadata(), Axis::Primary);
        assert_eq!(references.add_slivers_owned(batch.to_vec()), expected);
        for decoder in [one_at_a_time.decode(ConsistencyCheck::Default), copies.decode(ConsistencyCheck::Default)] {
            assert_eq!(decoder.unwrap(), blob);
        }
        assert_eq!(references.count(), 4);
        assert_eq!(references.decode(ConsistencyCheck::Default).unwrap(), blob);
    }
}
