//! Committees, Ed25519 storage confirmations and certificates (SPEC §10.2–§10.3; ARCHITECTURE
//! "Signatures and certificates").
//!
//! Walrus storage nodes sign protocol messages with BLS12-381; Morsa's network signs the *same*
//! message bytes ([`crate::messages`]) with Ed25519 (RFC 8032, `ed25519-compact`). A
//! [`Certificate`] names its signers with a bitmap over the committee's member order (member `i`
//! is bit `i % 8` of byte `i / 8`), carries the serialized message and one 64-byte signature per
//! signer in member order, and is serialized with postcard. It verifies when the message parses
//! and is for the committee's epoch, the bitmap is well formed, every signature verifies, and
//! the signers' shard weight `w` meets the threshold: `3w ≥ 2n + 1` to certify a blob,
//! `3w ≥ n + 1` to invalidate one (`n` = total shards).
//!
//! Verification needs no allocator ([`WeightedMembers`] describes a committee as a slice);
//! building committees and certificates does (feature `alloc`). Shape errors are structured;
//! a signature that does not verify is reported as one opaque
//! [`CertificateError::InvalidSignature`], whatever the reason.

#[cfg(feature = "bls")]
pub mod bls;
mod builder;
mod committee;
mod keys;
mod threshold;
mod verify;

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// The signature scheme a committee certifies with: Morsa's Ed25519 certificates (one
/// 64-byte signature per signer, [`Certificate`]) or Walrus's BLS12-381 ones (one 96-byte
/// aggregate, `bls::WalrusCertificate`). Both sign the same message bytes and obey the same
/// rules of SPEC §10.3; the name is how a committee, a devnet and the bindings spell it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SignatureScheme {
    /// Ed25519 (RFC 8032): Morsa's default, and what embedded users get without feature `bls`.
    #[default]
    Ed25519,
    /// BLS12-381 `min_pk`, as Walrus's storage nodes sign (feature `bls` to sign and verify).
    Bls12381,
}

impl SignatureScheme {
    /// The name: `"ed25519"` or `"bls12381"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Ed25519 => "ed25519",
            SignatureScheme::Bls12381 => "bls12381",
        }
    }

    /// The length of a member's public key: 32 or 48 bytes.
    pub const fn public_key_len(self) -> usize {
        match self {
            SignatureScheme::Ed25519 => PUBLIC_KEY_LEN,
            SignatureScheme::Bls12381 => 48,
        }
    }

    /// The length of one signature: 64 or 96 bytes.
    pub const fn signature_len(self) -> usize {
        match self {
            SignatureScheme::Ed25519 => SIGNATURE_LEN,
            SignatureScheme::Bls12381 => 96,
        }
    }
}

impl core::fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for SignatureScheme {
    type Err = crate::error::UnknownName;

    /// `"ed25519"`, or `"bls"` / `"bls12381"`.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "ed25519" => Ok(SignatureScheme::Ed25519),
            "bls" | "bls12381" => Ok(SignatureScheme::Bls12381),
            _ => {
                Err(crate::error::UnknownName { what: "signature scheme", expected: "'ed25519' or 'bls' ('bls12381')" })
            }
        }
    }
}

pub use builder::AddSignatureError;
#[cfg(feature = "alloc")]
pub use builder::CertificateBuilder;
#[cfg(feature = "alloc")]
pub use committee::{Committee, Member};
pub use committee::{CommitteeError, CommitteeWeights, WeightedMembers};
pub use keys::{KeyError, PublicKey, Signature, SignatureError, SigningKey};
pub use threshold::{CertifiedBody, Threshold};
#[cfg(feature = "alloc")]
pub use verify::signer_bitmap;
pub use verify::{Certificate, CertificateError, CertificateKind, CertifiedBlob, VerifiedCertificate};

#[cfg(test)]
mod tests {
    use super::verify::varint_len;
    use super::*;

    #[test]
    fn thresholds() {
        for n in [4u32, 7, 10, 1000, 11, 12] {
            let q = Threshold::Quorum.required_weight(n);
            assert!(Threshold::Quorum.is_met(q, n) && !Threshold::Quorum.is_met(q - 1, n), "n = {n}");
            let v = Threshold::Validity.required_weight(n);
            assert!(Threshold::Validity.is_met(v, n) && !Threshold::Validity.is_met(v - 1, n), "n = {n}");
        }
        assert_eq!(Threshold::Quorum.required_weight(4), 3);
        assert_eq!(Threshold::Quorum.required_weight(1000), 667);
        assert_eq!(Threshold::Validity.required_weight(1000), 334);
        assert_eq!(Threshold::Validity.required_weight(4), 2);
    }

    #[test]
    fn zero_seed_is_refused() {
        assert_eq!(SigningKey::from_seed([0; 32]).map(|_| ()), Err(KeyError::ZeroSeed));
        let key = SigningKey::from_seed([1; 32]).unwrap();
        let sig = key.sign(b"m");
        assert_eq!(key.public_key().verify(b"m", &sig), Ok(()));
        assert_eq!(key.public_key().verify(b"n", &sig), Err(SignatureError));
    }

    #[test]
    fn varint_lengths() {
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(varint_len(16_384), 3);
    }
}
