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
