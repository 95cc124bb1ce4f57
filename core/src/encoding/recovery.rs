//! Recovery symbols: recovering a lost sliver from symbols of the orthogonal slivers, each
//! with a Merkle proof (SPEC §8).
//!
//! Symbol `M[row][col]` of the expanded matrix lies on expanded primary sliver `row` and
//! expanded secondary sliver `col`. To recover primary sliver `i`, take symbol `i` of the
//! expansions of `s` distinct secondary slivers; to recover secondary sliver `j`, symbol `j` of
//! the expansions of `p` distinct primary slivers. Each symbol's proof is for leaf `target` of
//! the tree over its **source** sliver's expansion, whose root is the metadata hash of the
//! source sliver's pair.
//!
//! Verifying a recovery symbol needs no allocator.

use core::num::NonZeroU16;

use super::{Axis, EncodingConfig};
use crate::merkle::{MerkleError, MerkleProof};
use crate::metadata::SliverPairMetadata;

#[cfg(feature = "alloc")]
use super::rs::RsDecoder;
#[cfg(feature = "alloc")]
use super::{InconsistencyProof, Sliver, SliverError};
#[cfg(feature = "alloc")]
use crate::merkle::MerkleTree;
#[cfg(feature = "alloc")]
use crate::metadata::VerifiedBlobMetadataWithId;
#[cfg(feature = "alloc")]
use alloc::{boxed::Box, vec, vec::Vec};

/// A symbol of the expanded matrix, named by the index of the sliver it came from (SPEC §8.3
/// `DecodingSymbol`; BCS `index u16 ‖ ULEB(len) ‖ data`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodingSymbol<D> {
    /// The index of the source sliver (the codeword position in the recovery code).
    pub index: u16,
    /// The symbol bytes.
    pub data: D,
}

/// A decoding symbol with the Merkle proof that it belongs to its source sliver (SPEC §8.3
/// `RecoverySymbol`; BCS `DecodingSymbol ‖ MerkleProof`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoverySymbol<D> {
    /// The symbol.
    pub symbol: DecodingSymbol<D>,
    /// Proof of leaf `target_index` in the tree over the source sliver's expansion.
    pub proof: MerkleProof,
}

/// The REST form of a recovery symbol (SPEC §8.3 `GeneralRecoverySymbol`): the target axis
/// (the `EitherDecodingSymbol` variant), the symbol, the target sliver index and the proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneralRecoverySymbol<D> {
    /// The axis of the sliver this symbol helps recover (the source is the other axis).
    pub target_axis: Axis,
    /// The symbol.
    pub symbol: DecodingSymbol<D>,
    /// The index of the target sliver.
    pub target_index: u16,
    /// Proof of leaf `target_index` in the tree over the source sliver's expansion.
    pub proof: MerkleProof,
}

impl<D> GeneralRecoverySymbol<D> {
    /// The symbol's position `(row, column)` in the expanded matrix (SPEC §8.3 `id()`):
    /// `(target, source)` for a primary target, `(source, target)` for a secondary one.
    pub fn symbol_id(&self) -> (u16, u16) {
        match self.target_axis {
            Axis::Primary => (self.target_index, self.symbol.index),
            Axis::Secondary => (self.symbol.index, self.target_index),
        }
    }

    /// The recovery symbol without the axis and target index.
    pub fn into_recovery_symbol(self) -> RecoverySymbol<D> {
        RecoverySymbol { symbol: self.symbol, proof: self.proof }
    }
}

/// Errors of recovery-symbol verification and sliver recovery (SPEC §8).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecoveryError {
    /// A sliver index (source or target) is not below `n_shards`.
    IndexOutOfRange {
        /// The index.
        index: u16,
        /// The number of shards.
        n_shards: u16,
    },
    /// A symbol has the wrong length.
    WrongSymbolSize {
        /// The blob's symbol size in bytes.
        expected_bytes: usize,
        /// The symbol's length in bytes.
        got_bytes: usize,
    },
    /// A symbol's Merkle proof does not verify against its source sliver's hash.
    InvalidProof(MerkleError),
    /// Fewer valid symbols with distinct source indices than recovery needs.
    NotEnoughSymbols {
        /// Symbols needed: `s` for a primary target, `p` for a secondary one.
        needed: u16,
        /// Valid distinct symbols given.
        got: u16,
    },
    /// The recovered sliver does not match the metadata: the blob was encoded inconsistently.
    /// The proof shows it to anyone holding the metadata (SPEC §9).
    #[cfg(feature = "alloc")]
    Inconsistent(Box<InconsistencyProof<Vec<u8>>>),
}

impl core::fmt::Display for RecoveryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecoveryError::IndexOutOfRange { index, n_shards } => {
                write!(f, "sliver index {index} is out of range for {n_shards} shards")
            }
            RecoveryError::WrongSymbolSize { expected_bytes, got_bytes } => {
                write!(f, "recovery symbol has {got_bytes} bytes, the blob's symbol size is {expected_bytes}")
            }
            RecoveryError::InvalidProof(e) => write!(f, "invalid recovery-symbol proof: {e}"),
            RecoveryError::NotEnoughSymbols { needed, got } => {
                write!(f, "recovery needs {needed} valid symbols from distinct slivers, got {got}")
            }
            #[cfg(feature = "alloc")]
            RecoveryError::Inconsistent(_) => {
                f.write_str("the recovered sliver does not match the metadata: the blob is inconsistently encoded")
            }
        }
    }
}

impl core::error::Error for RecoveryError {}

/// The pair whose hash authenticates a symbol from sliver `source_index` that helps recover a
/// sliver of `target_axis` (SPEC §8.2). `None` if out of range.
pub fn source_pair_index(config: &EncodingConfig, target_axis: Axis, source_index: u16) -> Option<u16> {
    config.pair_index(target_axis.orthogonal(), source_index)
}

impl<D: AsRef<[u8]>> RecoverySymbol<D> {
    /// Verifies the symbol for recovering sliver `target_index` of `target_axis` (SPEC §8.2
    /// `RecoverySymbol::verify`), given the hashes of the source sliver's pair (pair
    /// [`source_pair_index`]) from verified metadata. Needs no allocator.
    ///
    /// # Errors
    ///
    /// [`RecoveryError::IndexOutOfRange`], [`RecoveryError::WrongSymbolSize`] or
    /// [`RecoveryError::InvalidProof`].
    pub fn verify(
        &self,
        config: &EncodingConfig,
        symbol_size: NonZeroU16,
        target_axis: Axis,
        target_index: u16,
        source_pair: &SliverPairMetadata,
    ) -> Result<(), RecoveryError> {
        let n_shards = config.n_shards();
        for index in [self.symbol.index, target_index] {
            if index >= n_shards {
                return Err(RecoveryError::IndexOutOfRange { index, n_shards });
            }
        }
        let data = self.symbol.data.as_ref();
        let expected_bytes = usize::from(symbol_size.get());
        if data.len() != expected_bytes {
            return Err(RecoveryError::WrongSymbolSize { expected_bytes, got_bytes: data.len() });
        }
        let root = source_pair.hash(target_axis.orthogonal());
        self.proof
            .verify(root, usize::from(n_shards), data, usize::from(target_index))
            .map_err(RecoveryError::InvalidProof)
    }
}

#[cfg(feature = "alloc")]
impl VerifiedBlobMetadataWithId {
    /// Verifies a recovery symbol for sliver `target_index` of `target_axis` against this
    /// metadata (SPEC §8.2).
    ///
    /// # Errors
    ///
    /// As [`RecoverySymbol::verify`].
    pub fn verify_recovery_symbol<D: AsRef<[u8]>>(
        &self,
        symbol: &RecoverySymbol<D>,
        target_axis: Axis,
        target_index: u16,
    ) -> Result<(), RecoveryError> {
        let config = self.config();
        let n_shards = config.n_shards();
        let pair = source_pair_index(config, target_axis, symbol.symbol.index)
            .and_then(|i| self.pair(i))
            .ok_or(RecoveryError::IndexOutOfRange { index: symbol.symbol.index, n_shards })?;
        symbol.verify(config, self.symbol_size(), target_axis, target_index, pair)
    }
}

/// Produces recovery symbols from one sliver (its expansion and Merkle tree are computed once).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct RecoverySymbolSource {
    axis: Axis,
    index: u16,
    symbol_size: usize,
    expansion: Vec<u8>,
    tree: MerkleTree,
}

#[cfg(feature = "alloc")]
impl RecoverySymbolSource {
    /// Prepares `sliver` (which should be verified) as a source of recovery symbols for the
    /// slivers of the other axis.
    ///
    /// # Errors
    ///
    /// [`SliverError`] if the sliver's shape does not fit `config`.
    pub fn new<D: AsRef<[u8]>>(config: &EncodingConfig, sliver: &Sliver<D>) -> Result<Self, SliverError> {
        let expansion = sliver.expand(config)?;
        let symbol_size = usize::from(sliver.symbol_size.get());
        let tree = MerkleTree::build(expansion.chunks_exact(symbol_size));
        Ok(Self { axis: sliver.axis, index: sliver.index, symbol_size, expansion, tree })
    }

    /// The axis of the slivers these symbols recover (the source's orthogonal axis).
    pub fn target_axis(&self) -> Axis {
        self.axis.orthogonal()
    }

    /// The recovery symbol for target sliver `target_index`, or `None` if out of range.
    pub fn recovery_symbol(&self, target_index: u16) -> Option<RecoverySymbol<Vec<u8>>> {
        let i = usize::from(target_index);
        let data = self.expansion.get(i * self.symbol_size..(i + 1) * self.symbol_size)?.to_vec();
        let proof = self.tree.proof(i)?;
        Some(RecoverySymbol { symbol: DecodingSymbol { index: self.index, data }, proof })
    }

    /// The REST form of [`RecoverySymbolSource::recovery_symbol`].
    pub fn general_recovery_symbol(&self, target_index: u16) -> Option<GeneralRecoverySymbol<Vec<u8>>> {
        let RecoverySymbol { symbol, proof } = self.recovery_symbol(target_index)?;
        Some(GeneralRecoverySymbol { target_axis: self.target_axis(), symbol, target_index, proof })
    }
}

/// Recovers sliver `target_index` of `target_axis` from recovery symbols (SPEC §8.1;
/// walrus-core `recover_sliver_or_generate_inconsistency_proof`).
///
/// Every symbol is verified against `metadata`; invalid ones and repeated source indices are
/// skipped. The first `k` valid symbols (`s` for a primary target, `p` for a secondary one)
/// are decoded, and the result is verified against the metadata.
///
/// # Errors
///
/// [`RecoveryError::IndexOutOfRange`] for a bad target index;
/// [`RecoveryError::NotEnoughSymbols`] if fewer than `k` symbols are valid;
/// [`RecoveryError::Inconsistent`] with an [`InconsistencyProof`] if the recovered sliver does
/// not match the metadata.
#[cfg(feature = "alloc")]
pub fn recover_sliver<D: AsRef<[u8]>>(
    metadata: &VerifiedBlobMetadataWithId,
    target_axis: Axis,
    target_index: u16,
    symbols: impl IntoIterator<Item = RecoverySymbol<D>>,
) -> Result<Sliver<Vec<u8>>, RecoveryError> {
    let config = metadata.config();
    let n_shards = config.n_shards();
    if target_index >= n_shards {
        return Err(RecoveryError::IndexOutOfRange { index: target_index, n_shards });
    }
    let needed = config.n_symbols_for_recovery(target_axis);
    let mut seen = vec![false; usize::from(n_shards)];
    let mut valid: Vec<RecoverySymbol<D>> = Vec::with_capacity(usize::from(needed));
    for symbol in symbols {
        if valid.len() == usize::from(needed) {
            break;
        }
        let source = usize::from(symbol.symbol.index);
        if seen.get(source).copied().unwrap_or(true) {
            continue;
        }
        if metadata.verify_recovery_symbol(&symbol, target_axis, target_index).is_ok() {
            seen[source] = true;
            valid.push(symbol);
        }
    }
    if valid.len() < usize::from(needed) {
        return Err(RecoveryError::NotEnoughSymbols { needed, got: valid.len() as u16 });
    }
    let sliver = decode_sliver(config, metadata.symbol_size(), target_axis, target_index, &valid)?;
    match sliver.verify(metadata) {
        Ok(()) => Ok(sliver),
        Err(_) => Err(RecoveryError::Inconsistent(Box::new(InconsistencyProof {
            target_axis,
            target_sliver_index: target_index,
            recovery_symbols: valid
                .into_iter()
                .map(|s| RecoverySymbol {
                    symbol: DecodingSymbol { index: s.symbol.index, data: s.symbol.data.as_ref().to_vec() },
                    proof: s.proof,
                })
                .collect(),
        }))),
    }
}

/// Decodes a sliver from exactly the given (already verified) symbols; no metadata check.
#[cfg(feature = "alloc")]
pub(crate) fn decode_sliver<D: AsRef<[u8]>>(
    config: &EncodingConfig,
    symbol_size: NonZeroU16,
    target_axis: Axis,
    target_index: u16,
    symbols: &[RecoverySymbol<D>],
) -> Result<Sliver<Vec<u8>>, RecoveryError> {
    let size = usize::from(symbol_size.get());
    let k = usize::from(config.n_symbols_for_recovery(target_axis));
    let mut data = vec![0u8; k * size];
    RsDecoder::default()
        .decode(
            k,
            usize::from(config.n_shards()),
            size,
            symbols.iter().map(|s| (usize::from(s.symbol.index), s.symbol.data.as_ref())),
            &mut data,
        )
        .map_err(|_| RecoveryError::NotEnoughSymbols { needed: k as u16, got: symbols.len() as u16 })?;
    Ok(Sliver { axis: target_axis, index: target_index, symbol_size, data })
}
