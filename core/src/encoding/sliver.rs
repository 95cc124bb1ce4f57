//! Slivers: rows (primary) and columns (secondary) of the message matrix (SPEC §3.3, §6).

use core::num::NonZeroU16;

use super::{Axis, EncodingConfig};

#[cfg(feature = "alloc")]
use super::rs::RsEncoder;
#[cfg(feature = "alloc")]
use crate::merkle::Node;
#[cfg(feature = "alloc")]
use crate::metadata::VerifiedBlobMetadataWithId;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// A sliver: `index`-th row (primary) or column (secondary) of the message matrix, as
/// `symbols` of `symbol_size` bytes each (SPEC §6 `SliverData`).
///
/// The BCS form, `ULEB(len) ‖ data ‖ symbol_size u16 ‖ index u16`, does not record the axis;
/// it comes from the URL or an enclosing enum, so decoding takes it as a parameter.
///
/// `D` is the byte container: `&[u8]` when parsed without copying, `Vec<u8>` when owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sliver<D> {
    /// Primary (row) or secondary (column).
    pub axis: Axis,
    /// The sliver index (not the pair index; SPEC §4.1).
    pub index: u16,
    /// The symbol size in bytes.
    pub symbol_size: NonZeroU16,
    /// The symbols, concatenated.
    pub data: D,
}

/// Errors of sliver verification (SPEC §6 `SliverData::verify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SliverError {
    /// The sliver index is not below `n_shards`.
    IndexOutOfRange {
        /// The sliver index.
        index: u16,
        /// The number of shards.
        n_shards: u16,
    },
    /// The sliver has the wrong number of bytes for its axis and symbol size.
    WrongLength {
        /// `sliver_symbols(axis) * S`.
        expected_bytes: usize,
        /// The sliver's length.
        got_bytes: usize,
    },
    /// The symbol size differs from the blob's (SPEC §1.3).
    WrongSymbolSize {
        /// The blob's symbol size in bytes.
        expected_bytes: u16,
        /// The sliver's symbol size in bytes.
        got_bytes: u16,
    },
    /// The sliver's axis is not the one expected.
    WrongAxis {
        /// The axis expected.
        expected: Axis,
        /// The sliver's axis.
        got: Axis,
    },
    /// The Merkle root of the sliver's expansion differs from the metadata hash of its pair.
    MerkleRootMismatch {
        /// The pair the sliver belongs to.
        pair_index: u16,
    },
}

impl core::fmt::Display for SliverError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SliverError::IndexOutOfRange { index, n_shards } => {
                write!(f, "sliver index {index} is out of range for {n_shards} shards")
            }
            SliverError::WrongLength { expected_bytes, got_bytes } => {
                write!(f, "sliver has {got_bytes} bytes, {expected_bytes} expected")
            }
            SliverError::WrongSymbolSize { expected_bytes, got_bytes } => {
                write!(f, "sliver symbol size is {got_bytes} bytes, the blob's is {expected_bytes}")
            }
            SliverError::WrongAxis { expected, got } => write!(f, "expected a {expected} sliver, got a {got} one"),
            SliverError::MerkleRootMismatch { pair_index } => {
                write!(f, "sliver does not match the metadata hash of sliver pair {pair_index}")
            }
        }
    }
}

impl core::error::Error for SliverError {}

impl<D: AsRef<[u8]>> Sliver<D> {
    /// The sliver's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.data.as_ref()
    }

    /// The symbols of the sliver (a trailing partial symbol, which a verified sliver never has,
    /// is left out).
    pub fn symbols(&self) -> core::slice::ChunksExact<'_, u8> {
        self.bytes().chunks_exact(usize::from(self.symbol_size.get()))
    }

    /// The pair this sliver belongs to (SPEC §4.1), or `None` if its index is out of range.
    pub fn pair_index(&self, config: &EncodingConfig) -> Option<u16> {
        config.pair_index(self.axis, self.index)
    }

    /// A borrowed view of this sliver.
    pub fn as_view(&self) -> Sliver<&[u8]> {
        Sliver { axis: self.axis, index: self.index, symbol_size: self.symbol_size, data: self.bytes() }
    }

    /// Checks the index and length of this sliver for `config` (not its content).
    ///
    /// # Errors
    ///
    /// [`SliverError::IndexOutOfRange`] or [`SliverError::WrongLength`].
    pub fn check_shape(&self, config: &EncodingConfig) -> Result<(), SliverError> {
        if self.index >= config.n_shards() {
            return Err(SliverError::IndexOutOfRange { index: self.index, n_shards: config.n_shards() });
        }
        let expected_bytes = config.sliver_len(self.axis, self.symbol_size);
        if self.bytes().len() != expected_bytes {
            return Err(SliverError::WrongLength { expected_bytes, got_bytes: self.bytes().len() });
        }
        Ok(())
    }
}

#[cfg(feature = "alloc")]
impl<D: AsRef<[u8]>> Sliver<D> {
    /// An owned copy.
    pub fn to_owned_sliver(&self) -> Sliver<Vec<u8>> {
        Sliver { axis: self.axis, index: self.index, symbol_size: self.symbol_size, data: self.bytes().to_vec() }
    }

    /// The `n` symbols of the sliver's expansion, concatenated: a primary sliver re-encoded with
    /// the secondary code, or a secondary sliver with the primary code (SPEC §3.3). The first
    /// symbols are the sliver itself.
    ///
    /// # Errors
    ///
    /// [`SliverError`] if the sliver's shape does not fit `config`.
    pub fn expand(&self, config: &EncodingConfig) -> Result<Vec<u8>, SliverError> {
        self.check_shape(config)?;
        let mut out = Vec::with_capacity(usize::from(config.n_shards()) * usize::from(self.symbol_size.get()));
        out.extend_from_slice(self.bytes());
        let mut encoder = RsEncoder::default();
        let recovery = encode_sliver(&mut encoder, config, self.axis, self.symbol_size, self.bytes())?;
        for symbol in recovery.iter() {
            out.extend_from_slice(symbol);
        }
        Ok(out)
    }

    /// The Merkle root over the `n` symbols of the sliver's expansion: the hash the metadata
    /// holds for this sliver (SPEC §5.2).
    ///
    /// # Errors
    ///
    /// [`SliverError`] if the sliver's shape does not fit `config`.
    pub fn merkle_root(&self, config: &EncodingConfig) -> Result<Node, SliverError> {
        self.merkle_root_with(config, &mut RsEncoder::default())
    }

    /// [`Sliver::merkle_root`] with a reusable encoder.
    fn merkle_root_with(&self, config: &EncodingConfig, encoder: &mut RsEncoder) -> Result<Node, SliverError> {
        self.check_shape(config)?;
        sliver_root(encoder, config, self.axis, self.symbol_size, self.bytes())
    }

    /// Verifies the sliver against verified metadata (SPEC §6): index in range, length and
    /// symbol size of the blob, and the Merkle root of its expansion equal to the metadata
    /// hash of its pair.
    ///
    /// # Errors
    ///
    /// The first [`SliverError`] found.
    pub fn verify(&self, metadata: &VerifiedBlobMetadataWithId) -> Result<(), SliverError> {
        self.verify_with(metadata, &mut RsEncoder::default())
    }

    /// [`Sliver::verify`] with a reusable encoder.
    pub(crate) fn verify_with(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
        encoder: &mut RsEncoder,
    ) -> Result<(), SliverError> {
        let config = metadata.config();
        let expected = metadata.symbol_size();
        if self.symbol_size != expected {
            return Err(SliverError::WrongSymbolSize {
                expected_bytes: expected.get(),
                got_bytes: self.symbol_size.get(),
            });
        }
        let root = self.merkle_root_with(config, encoder)?;
        let pair_index = self.pair_index(config).unwrap_or_default();
        match metadata.pair(pair_index) {
            Some(pair) if *pair.hash(self.axis) == root => Ok(()),
            _ => Err(SliverError::MerkleRootMismatch { pair_index }),
        }
    }
}

/// Encodes the symbols of a sliver of `axis` with the code orthogonal to it, returning the
/// recovery symbols (positions `len..n` of the expansion).
#[cfg(feature = "alloc")]
pub(crate) fn encode_sliver<'e>(
    encoder: &'e mut RsEncoder,
    config: &EncodingConfig,
    axis: Axis,
    symbol_size: NonZeroU16,
    data: &[u8],
) -> Result<super::rs::RecoverySymbols<'e>, SliverError> {
    let size = usize::from(symbol_size.get());
    let k = usize::from(config.sliver_symbols(axis));
    let n = usize::from(config.n_shards());
    if data.len() != k * size {
        return Err(SliverError::WrongLength { expected_bytes: k * size, got_bytes: data.len() });
    }
    // Shapes were checked, so the engine accepts the input; treat a refusal as a bad length.
    encoder
        .encode(k, n, size, data.chunks_exact(size))
        .map_err(|_| SliverError::WrongLength { expected_bytes: k * size, got_bytes: data.len() })
}

/// The Merkle root over the expansion of a sliver of `axis` (SPEC §5.2).
#[cfg(feature = "alloc")]
pub(crate) fn sliver_root(
    encoder: &mut RsEncoder,
    config: &EncodingConfig,
    axis: Axis,
    symbol_size: NonZeroU16,
    data: &[u8],
) -> Result<Node, SliverError> {
    let recovery = encode_sliver(encoder, config, axis, symbol_size, data)?;
    let mut leaves = alloc::vec![[0u8; crate::merkle::DIGEST_LEN]; usize::from(config.n_shards())];
    crate::hash::leaf_hashes(data.chunks_exact(usize::from(symbol_size.get())).chain(recovery.iter()), &mut leaves);
    Ok(crate::hash::merkle_root(&leaves, &mut alloc::vec::Vec::new()))
}

/// Verifies each of `slivers` against `metadata` (SPEC §6), as [`Sliver::verify`] does, in
/// parallel with the `parallel` feature; the results are in the order of `slivers`.
///
/// A storage node receiving a batch of slivers verifies them with one call.
#[cfg(feature = "alloc")]
pub fn verify_slivers<D: AsRef<[u8]> + Sync>(
    metadata: &VerifiedBlobMetadataWithId,
    slivers: &[&Sliver<D>],
) -> Vec<Result<(), SliverError>> {
    let mut tasks: Vec<(&Sliver<D>, Result<(), SliverError>)> =
        slivers.iter().map(|sliver| (*sliver, Ok(()))).collect();
    let _ = super::tasks::for_each_task_with(&mut tasks, |encoder: &mut RsEncoder, _, (sliver, result)| {
        *result = sliver.verify_with(metadata, encoder);
        Ok::<(), ()>(())
    });
    tasks.into_iter().map(|(_, result)| result).collect()
}
