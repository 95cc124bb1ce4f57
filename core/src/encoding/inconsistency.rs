//! Inconsistency proofs: evidence that a blob was encoded inconsistently (SPEC §9,
//! `walrus: crates/walrus-core/src/inconsistency.rs`).
//!
//! A proof is the `k` recovery symbols (each with its Merkle proof) from which a node
//! recovered a sliver that does not match the metadata hash of its pair. Anyone holding the
//! verified metadata can check it.

use alloc::vec::Vec;

use super::recovery::decode_sliver;
use super::{Axis, RecoveryError, RecoverySymbol, SliverError};
use crate::metadata::VerifiedBlobMetadataWithId;

/// An inconsistency proof for sliver `target_sliver_index` of `target_axis` (SPEC §9). Its BCS
/// (`InconsistencyProof<T>`) is `target_sliver_index u16 ‖ Vec<RecoverySymbol>`; the axis is in
/// the URL or in the `ByAxis` tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InconsistencyProof<D> {
    /// The axis of the target sliver.
    pub target_axis: Axis,
    /// The index of the target sliver.
    pub target_sliver_index: u16,
    /// Exactly `s` (primary target) or `p` (secondary target) recovery symbols.
    pub recovery_symbols: Vec<RecoverySymbol<D>>,
}

/// Why an inconsistency proof is rejected (SPEC §9).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InconsistencyError {
    /// The proof does not hold exactly the number of symbols recovery needs.
    WrongSymbolCount {
        /// `s` for a primary target, `p` for a secondary one.
        expected: usize,
        /// Symbols in the proof.
        got: usize,
    },
    /// A symbol fails verification.
    InvalidSymbol {
        /// Its position in the proof.
        position: usize,
        /// Why.
        error: RecoveryError,
    },
    /// The symbols do not decode (for example, repeated source indices).
    RecoveryFailure,
    /// The recovered sliver matches the metadata: there is no inconsistency.
    SliverNotInconsistent,
    /// The recovered sliver fails verification for another reason than its hash.
    Sliver(SliverError),
}

impl core::fmt::Display for InconsistencyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InconsistencyError::WrongSymbolCount { expected, got } => {
                write!(f, "inconsistency proof has {got} recovery symbols, {expected} expected")
            }
            InconsistencyError::InvalidSymbol { position, error } => {
                write!(f, "recovery symbol {position} of the inconsistency proof is invalid: {error}")
            }
            InconsistencyError::RecoveryFailure => f.write_str("the proof's recovery symbols do not decode"),
            InconsistencyError::SliverNotInconsistent => {
                f.write_str("the recovered sliver matches the metadata: nothing is inconsistent")
            }
            InconsistencyError::Sliver(e) => write!(f, "the recovered sliver is invalid: {e}"),
        }
    }
}

impl core::error::Error for InconsistencyError {}

impl<D: AsRef<[u8]>> InconsistencyProof<D> {
    /// Verifies the proof against verified metadata (SPEC §9): exactly `k` symbols, each
    /// valid; the sliver they decode to must **fail** its hash check.
    ///
    /// # Errors
    ///
    /// [`InconsistencyError`] when the proof does not show an inconsistency.
    pub fn verify(&self, metadata: &VerifiedBlobMetadataWithId) -> Result<(), InconsistencyError> {
        let config = metadata.config();
        let expected = usize::from(config.n_symbols_for_recovery(self.target_axis));
        if self.recovery_symbols.len() != expected {
            return Err(InconsistencyError::WrongSymbolCount { expected, got: self.recovery_symbols.len() });
        }
        for (position, symbol) in self.recovery_symbols.iter().enumerate() {
            metadata
                .verify_recovery_symbol(symbol, self.target_axis, self.target_sliver_index)
                .map_err(|error| InconsistencyError::InvalidSymbol { position, error })?;
        }
        let sliver = decode_sliver(
            config,
            metadata.symbol_size(),
            self.target_axis,
            self.target_sliver_index,
            &self.recovery_symbols,
        )
        .map_err(|_| InconsistencyError::RecoveryFailure)?;
        match sliver.verify(metadata) {
            Err(SliverError::MerkleRootMismatch { .. }) => Ok(()),
            Ok(()) => Err(InconsistencyError::SliverNotInconsistent),
            Err(e) => Err(InconsistencyError::Sliver(e)),
        }
    }
}
