//! The kind of every error of the crate, and the names the bindings parse.
//!
//! Each error type of the crate says what kind of failure it is ([`Kind::kind`]); the Python
//! binding maps each [`ErrorKind`] to one exception class and the WebAssembly binding to one
//! `error.code` ([`ErrorKind::as_str`]), each in a single table, so that the two agree.
//! Names that the bindings accept as text ([`crate::Axis`], the consistency check, the
//! certificate kind) parse here, with [`UnknownName`] for anything else.

use core::fmt;

use crate::certificate::{AddSignatureError, CertificateError, CommitteeError, KeyError, SignatureError};
#[cfg(feature = "alloc")]
use crate::encoding::{DecodeError, InconsistencyError};
use crate::encoding::{EncodeError, RangeError, RecoveryError, SliverError};
use crate::merkle::MerkleError;
use crate::metadata::{BlobIdParseError, MetadataError, VerifyBytesError};
#[cfg(feature = "alloc")]
use crate::quilt::QuiltError;
use crate::rewards::RewardsError;
use crate::wire::WireError;

/// What kind of failure an error is: one class of exception or error code per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A bad shard count or encoding parameter (SPEC §1).
    Encoding,
    /// A blob larger than `p * s * 65 534` bytes (SPEC §1.4).
    BlobTooLarge,
    /// Text that is not a blob ID (SPEC §5.4).
    InvalidBlobId,
    /// Malformed, truncated or non-canonical BCS or postcard bytes.
    WireFormat,
    /// Metadata, a sliver, a symbol or a proof that does not verify.
    Verification,
    /// Too few valid slivers or symbols to decode (SPEC §7, §8).
    Decoding,
    /// An inconsistently encoded blob (SPEC §7, §9).
    InconsistentEncoding,
    /// A byte range outside its blob (SPEC §3.1).
    Range,
    /// An invalid committee (SPEC §10.3).
    Committee,
    /// A certificate or signed confirmation that does not verify (SPEC §10.3).
    Certificate,
    /// A signature that does not verify (deliberately opaque).
    Signature,
    /// A quilt that cannot be built or parsed (SPEC §13).
    Quilt,
    /// A computation the reward contracts would abort (REWARDS.md §0.2).
    Rewards,
    /// An argument of the wrong value: an unknown name, a refused key seed.
    InvalidArgument,
}

impl ErrorKind {
    /// The stable code of the kind (the WebAssembly binding's `error.code`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Encoding => "ENCODING",
            ErrorKind::BlobTooLarge => "BLOB_TOO_LARGE",
            ErrorKind::InvalidBlobId => "INVALID_BLOB_ID",
            ErrorKind::WireFormat => "WIRE_FORMAT",
            ErrorKind::Verification => "VERIFICATION",
            ErrorKind::Decoding => "DECODING",
            ErrorKind::InconsistentEncoding => "INCONSISTENT_ENCODING",
            ErrorKind::Range => "RANGE",
            ErrorKind::Committee => "COMMITTEE",
            ErrorKind::Certificate => "CERTIFICATE",
            ErrorKind::Signature => "SIGNATURE",
            ErrorKind::Quilt => "QUILT",
            ErrorKind::Rewards => "REWARDS",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error that knows its [`ErrorKind`].
pub trait Kind {
    /// The kind of this error.
    fn kind(&self) -> ErrorKind;
}

/// Text that is none of the names a parameter takes (an axis, a consistency check, a
/// certificate kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownName {
    /// What was parsed: `"axis"`, `"consistency check"`, …
    pub what: &'static str,
    /// The names it takes, as text: `"'primary' or 'secondary'"`.
    pub expected: &'static str,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} must be {}", self.what, self.expected)
    }
}

impl core::error::Error for UnknownName {}

impl Kind for UnknownName {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidArgument
    }
}

impl Kind for EncodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            EncodeError::BlobTooLarge { .. } => ErrorKind::BlobTooLarge,
            _ => ErrorKind::Encoding,
        }
    }
}

impl Kind for RangeError {
    fn kind(&self) -> ErrorKind {
        match self {
            RangeError::Encode(e) => e.kind(),
            _ => ErrorKind::Range,
        }
    }
}

impl Kind for WireError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::WireFormat
    }
}

impl Kind for BlobIdParseError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidBlobId
    }
}

impl Kind for MetadataError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Verification
    }
}

impl Kind for VerifyBytesError {
    fn kind(&self) -> ErrorKind {
        match self {
            VerifyBytesError::Wire(e) => e.kind(),
            VerifyBytesError::Metadata(e) => e.kind(),
        }
    }
}

impl Kind for MerkleError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Verification
    }
}

impl Kind for SliverError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Verification
    }
}

impl Kind for RecoveryError {
    fn kind(&self) -> ErrorKind {
        match self {
            #[cfg(feature = "alloc")]
            RecoveryError::Inconsistent(_) => ErrorKind::InconsistentEncoding,
            RecoveryError::NotEnoughSymbols { .. } => ErrorKind::Decoding,
            _ => ErrorKind::Verification,
        }
    }
}

#[cfg(feature = "alloc")]
impl Kind for DecodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            DecodeError::InconsistentEncoding => ErrorKind::InconsistentEncoding,
            _ => ErrorKind::Decoding,
        }
    }
}

#[cfg(feature = "alloc")]
impl Kind for InconsistencyError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Verification
    }
}

impl Kind for CommitteeError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Committee
    }
}

impl Kind for CertificateError {
    fn kind(&self) -> ErrorKind {
        match self {
            CertificateError::InvalidSignature => ErrorKind::Signature,
            CertificateError::Message(e) => e.kind(),
            _ => ErrorKind::Certificate,
        }
    }
}

impl Kind for SignatureError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Signature
    }
}

impl Kind for AddSignatureError {
    fn kind(&self) -> ErrorKind {
        match self {
            AddSignatureError::InvalidSignature => ErrorKind::Signature,
            _ => ErrorKind::Certificate,
        }
    }
}

#[cfg(feature = "bls")]
impl Kind for crate::certificate::bls::BlsError {
    fn kind(&self) -> ErrorKind {
        match self {
            crate::certificate::bls::BlsError::Empty => ErrorKind::InvalidArgument,
            _ => ErrorKind::Signature,
        }
    }
}

#[cfg(feature = "seal")]
impl Kind for crate::seal::SealError {
    fn kind(&self) -> ErrorKind {
        use crate::seal::SealError;
        match self {
            SealError::Malformed => ErrorKind::WireFormat,
            SealError::InvalidThreshold | SealError::InvalidKey | SealError::NoCiphertext => ErrorKind::InvalidArgument,
            _ => ErrorKind::Verification,
        }
    }
}

impl Kind for KeyError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidArgument
    }
}

#[cfg(feature = "alloc")]
impl Kind for QuiltError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Quilt
    }
}

impl Kind for RewardsError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Rewards
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::EncodingConfig;

    #[test]
    fn codes_are_distinct_and_errors_know_their_kind() {
        let kinds = [
            ErrorKind::Encoding,
            ErrorKind::BlobTooLarge,
            ErrorKind::InvalidBlobId,
            ErrorKind::WireFormat,
            ErrorKind::Verification,
            ErrorKind::Decoding,
            ErrorKind::InconsistentEncoding,
            ErrorKind::Range,
            ErrorKind::Committee,
            ErrorKind::Certificate,
            ErrorKind::Signature,
            ErrorKind::Quilt,
            ErrorKind::Rewards,
            ErrorKind::InvalidArgument,
        ];
        for (i, a) in kinds.iter().enumerate() {
            for b in &kinds[i + 1..] {
                assert_ne!(a.as_str(), b.as_str());
            }
        }
        assert_eq!(EncodingConfig::new(2).unwrap_err().kind(), ErrorKind::Encoding);
        assert_eq!(
            CertificateError::InvalidSignature.kind(),
            ErrorKind::Signature,
            "a bad signature is its own kind, whatever certificate it is in"
        );
        assert_eq!(CertificateError::Message(WireError::InvalidUleb128).kind(), ErrorKind::WireFormat);
    }
}
