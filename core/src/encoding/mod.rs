//! RedStuff (RS2) encoding: configuration, Reed-Solomon adapter, 2-D blob encoding and
//! decoding, slivers, the pair ↔ shard mapping, byte ranges, recovery symbols and
//! inconsistency proofs (SPEC §1–§9).

mod config;
pub mod mapping;
mod range;
mod recovery;
mod sliver;

#[cfg(feature = "alloc")]
mod blob;
#[cfg(feature = "alloc")]
mod bounds;
#[cfg(feature = "alloc")]
mod encode_stream;
#[cfg(feature = "alloc")]
mod inconsistency;
#[cfg(feature = "alloc")]
pub(crate) mod rs;
#[cfg(feature = "alloc")]
mod small_symbols;
#[cfg(feature = "alloc")]
mod source;
#[cfg(feature = "alloc")]
mod stream_metadata;
#[cfg(feature = "alloc")]
mod tasks;

pub use config::{EncodingConfig, MAINNET_N_SHARDS, MAX_SHARDS, MIN_SHARDS};
pub use range::{RangeError, SliverRange};
pub use recovery::{source_pair_index, DecodingSymbol, GeneralRecoverySymbol, RecoveryError, RecoverySymbol};
pub use sliver::{Sliver, SliverError};

#[cfg(feature = "alloc")]
pub use blob::{decode_blob, BlobDecoder, BothAxesDecoder, ConsistencyCheck, DecodeError, EncodedBlob, SliverPairView};
#[cfg(feature = "alloc")]
pub use encode_stream::{EncodeStreamError, SliverStore};
#[cfg(feature = "alloc")]
pub use inconsistency::{InconsistencyError, InconsistencyProof};
#[cfg(feature = "alloc")]
pub use recovery::{recover_sliver, RecoverySymbolSource};
#[cfg(feature = "alloc")]
pub use sliver::verify_slivers;
#[cfg(feature = "alloc")]
pub use source::{BlobSource, ProgressFn, StreamError, StreamOptions, DEFAULT_STREAM_BUDGET};

/// The encoding type of a blob (SPEC §1.5). RS2 is the only one Walrus supports; the legacy
/// RaptorQ encoding (BCS tag 0) is rejected when parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EncodingType {
    /// RedStuff over Reed-Solomon: `u8` value 1, BCS tag 1, JSON `"RS2"`.
    #[default]
    RS2,
}

impl EncodingType {
    /// The `u8` used in the blob-ID preimage and on chain (SPEC §1.5): 1 for RS2.
    pub const fn as_u8(self) -> u8 {
        match self {
            EncodingType::RS2 => 1,
        }
    }

    /// The required alignment of the symbol size in bytes (SPEC §1.3): 2 for RS2.
    pub const fn symbol_alignment(self) -> u16 {
        2
    }

    /// The largest symbol size in bytes: `u16::MAX - 1 = 65 534` (SPEC §1.3).
    pub const fn max_symbol_size(self) -> u16 {
        u16::MAX - 1
    }
}

impl core::fmt::Display for EncodingType {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RS2")
    }
}

/// The axis of a sliver (SPEC §3.3; BCS `Axis`/`ByAxis` tags Primary = 0, Secondary = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Axis {
    /// A primary sliver: a row of the message matrix (`s` symbols).
    Primary,
    /// A secondary sliver: a column of the message matrix (`p` symbols).
    Secondary,
}

impl Axis {
    /// The other axis.
    pub const fn orthogonal(self) -> Axis {
        match self {
            Axis::Primary => Axis::Secondary,
            Axis::Secondary => Axis::Primary,
        }
    }

    /// The BCS tag (SPEC §16.10).
    pub const fn tag(self) -> u8 {
        match self {
            Axis::Primary => 0,
            Axis::Secondary => 1,
        }
    }

    /// The lower-case name used in URLs (`primary`, `secondary`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Axis::Primary => "primary",
            Axis::Secondary => "secondary",
        }
    }
}

impl core::fmt::Display for Axis {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Axis {
    type Err = crate::error::UnknownName;

    /// `"primary"` or `"secondary"` ([`Axis::as_str`]).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "primary" => Ok(Axis::Primary),
            "secondary" => Ok(Axis::Secondary),
            _ => Err(crate::error::UnknownName { what: "axis", expected: "'primary' or 'secondary'" }),
        }
    }
}

/// Errors of the encoding configuration and of encoding (SPEC §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// Fewer than 4 shards: with `f = 0` the secondary code would have no recovery symbols
    /// (SPEC §1.2, §16.11).
    TooFewShards {
        /// The shard count given.
        n_shards: u16,
    },
    /// The Reed-Solomon engine cannot build the codes for this many shards (SPEC §2.4:
    /// `min(P(k), P(r)) + max(k, r) ≤ 65 536`); the largest supported count is 49 155.
    TooManyShards {
        /// The shard count given.
        n_shards: u16,
    },
    /// The blob exceeds the maximum size for the shard count (SPEC §1.4).
    BlobTooLarge {
        /// The blob length in bytes.
        blob_bytes: u64,
        /// The maximum for this shard count in bytes: `p * s * 65 534`.
        max_bytes: u64,
        /// The shard count.
        n_shards: u16,
    },
    /// The Reed-Solomon engine rejected its input (an internal invariant was broken).
    ReedSolomon,
    /// A shard count that does not fit the protocol's `u16` ([`EncodingConfig`]'s
    /// `TryFrom<u32>`).
    ShardCountOutOfRange {
        /// The shard count given.
        n_shards: u32,
    },
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::TooFewShards { n_shards } => write!(
                f,
                "n_shards = {n_shards} is too small: RedStuff needs at least {MIN_SHARDS} shards"
            ),
            EncodeError::TooManyShards { n_shards } => write!(
                f,
                "n_shards = {n_shards} is too large: the Reed-Solomon codes support at most {MAX_SHARDS} shards"
            ),
            EncodeError::BlobTooLarge { blob_bytes, max_bytes, n_shards } => write!(
                f,
                "blob of {blob_bytes} bytes is too large: with {n_shards} shards a blob can hold at most {max_bytes} bytes"
            ),
            EncodeError::ReedSolomon => f.write_str("the Reed-Solomon engine rejected its input"),
            EncodeError::ShardCountOutOfRange { n_shards } => {
                write!(f, "n_shards = {n_shards} is too large: the Reed-Solomon codes support at most {MAX_SHARDS} shards")
            }
        }
    }
}

impl core::error::Error for EncodeError {}
