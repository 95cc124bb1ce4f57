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

use core::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::bft;
use crate::messages::{
    BlobPersistenceType, IntentType, InvalidBlobIdBody, MessageBody, ProtocolMessage, StorageConfirmationBody,
};
use crate::metadata::BlobId;
use crate::wire::{BcsDecode, WireError};

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

// ---------------------------------------------------------------------------------------------
// Keys and signatures

/// An Ed25519 public key (32 bytes). Equality is constant-time (and agrees with the derived
/// `Hash`: both compare the bytes).
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Copy, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LEN]);

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// An Ed25519 signature (64 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; SIGNATURE_LEN]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// A signature does not verify. Deliberately opaque: it does not say why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureError;

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("signature verification failed")
    }
}

impl core::error::Error for SignatureError {}

/// Errors making a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The all-zero seed is refused: it is never the output of a random generator.
    ZeroSeed,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::ZeroSeed => f.write_str("the all-zero seed is not a usable Ed25519 seed"),
        }
    }
}

impl core::error::Error for KeyError {}

impl PublicKey {
    /// Verifies an RFC 8032 Ed25519 signature of `message`.
    ///
    /// # Errors
    ///
    /// [`SignatureError`] if the signature does not verify (or the key or signature is not a
    /// valid encoding).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<(), SignatureError> {
        let key = ed25519_compact::PublicKey::new(self.0);
        let sig = ed25519_compact::Signature::new(signature.0);
        key.verify(message, &sig).map_err(|_| SignatureError)
    }
}

/// An Ed25519 signing key. The core has no randomness: keys come from a caller-supplied 32-byte
/// seed (RFC 8032 private key). `Debug` does not print the secret.
#[derive(Clone)]
pub struct SigningKey {
    keypair: ed25519_compact::KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?})", self.public_key())
    }
}

impl SigningKey {
    /// The key with RFC 8032 private key `seed`.
    ///
    /// # Errors
    ///
    /// [`KeyError::ZeroSeed`] for 32 zero bytes.
    pub fn from_seed(seed: [u8; 32]) -> Result<Self, KeyError> {
        ed25519_compact::KeyPair::try_from_seed(ed25519_compact::Seed::new(seed))
            .map(|keypair| Self { keypair })
            .map_err(|_| KeyError::ZeroSeed)
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.keypair.pk)
    }

    /// The deterministic RFC 8032 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(*self.keypair.sk.sign(message, None))
    }

    /// Signs the serialized bytes of a protocol message (SPEC §10.2: signatures are over the
    /// BCS message bytes).
    pub fn sign_message<T: MessageBody>(&self, message: &ProtocolMessage<T>) -> Signature {
        self.sign(&message.to_message_bytes())
    }
}

// ---------------------------------------------------------------------------------------------
// Thresholds

/// The signer weight a certificate needs (SPEC §10.3, `contracts/walrus/sources/system/bls_aggregate.move`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Threshold {
    /// Certify a blob: `3w ≥ 2n + 1`.
    Quorum,
    /// Invalidate a blob ("one correct node"): `3w ≥ n + 1`.
    Validity,
}

impl Threshold {
    /// Whether weight `w` out of `n` shards meets the threshold.
    pub const fn is_met(self, w: u32, n: u32) -> bool {
        match self {
            Threshold::Quorum => bft::meets_quorum_threshold(w, n),
            Threshold::Validity => bft::meets_validity_threshold(w, n),
        }
    }

    /// The smallest weight that meets the threshold for `n` shards.
    pub const fn required_weight(self, n: u32) -> u32 {
        let numerator = match self {
            Threshold::Quorum => 2 * n as u64 + 1,
            Threshold::Validity => n as u64 + 1,
        };
        numerator.div_ceil(3) as u32
    }
}

/// A message body that certificates attest, with the threshold it needs.
pub trait CertifiedBody: MessageBody {
    /// The signer weight a certificate of this body needs.
    const THRESHOLD: Threshold;
}

impl CertifiedBody for StorageConfirmationBody {
    const THRESHOLD: Threshold = Threshold::Quorum;
}

impl CertifiedBody for InvalidBlobIdBody {
    const THRESHOLD: Threshold = Threshold::Validity;
}

// ---------------------------------------------------------------------------------------------
// Committees

/// What certificate verification needs to know of a committee: its epoch and, in member order,
/// each member's public key and weight (number of shards).
pub trait CommitteeWeights {
    /// The committee's epoch.
    fn epoch(&self) -> u32;
    /// The number of members.
    fn n_members(&self) -> usize;
    /// Member `index`'s public key and weight, or `None` if out of range.
    fn member(&self, index: usize) -> Option<(PublicKey, u16)>;
    /// The total number of shards `n` (the sum of the weights).
    fn n_shards(&self) -> u32;
}

/// A committee given as a slice of `(public key, weight)` in member order; needs no allocator.
/// The caller vouches that it is a valid committee (see [`Committee`] for the checks).
#[derive(Clone, Copy, Debug)]
pub struct WeightedMembers<'a> {
    /// The epoch.
    pub epoch: u32,
    /// Members in order, with their weights.
    pub members: &'a [(PublicKey, u16)],
}

impl CommitteeWeights for WeightedMembers<'_> {
    fn epoch(&self) -> u32 {
        self.epoch
    }

    fn n_members(&self) -> usize {
        self.members.len()
    }

    fn member(&self, index: usize) -> Option<(PublicKey, u16)> {
        self.members.get(index).copied()
    }

    fn n_shards(&self) -> u32 {
        self.members.iter().map(|(_, w)| u32::from(*w)).sum()
    }
}

/// Why a committee is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommitteeError {
    /// Fewer than 4 shards in total (SPEC §1.2).
    TooFewShards {
        /// The total number of shards.
        n_shards: u32,
    },
    /// More shards in total than a `u16` shard index can name.
    TooManyShards {
        /// The total number of shards.
        n_shards: u32,
    },
    /// A member holds no shard.
    MemberWithoutShards {
        /// The member's index.
        member: usize,
    },
    /// Two members have the same public key.
    DuplicatePublicKey {
        /// The second member with that key.
        member: usize,
    },
    /// A shard index is not below the total number of shards.
    ShardOutOfRange {
        /// The shard.
        shard: u16,
        /// The total number of shards.
        n_shards: u32,
    },
    /// A shard is held twice.
    DuplicateShard {
        /// The shard.
        shard: u16,
    },
    /// The bytes are not a postcard-serialized committee, or not in canonical form.
    Malformed,
}

impl fmt::Display for CommitteeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommitteeError::TooFewShards { n_shards } => {
                write!(f, "the committee holds {n_shards} shards, at least 4 are needed")
            }
            CommitteeError::TooManyShards { n_shards } => {
                write!(f, "the committee holds {n_shards} shards, at most 65535 are possible")
            }
            CommitteeError::MemberWithoutShards { member } => write!(f, "committee member {member} holds no shard"),
            CommitteeError::DuplicatePublicKey { member } => {
                write!(f, "committee member {member} has the public key of an earlier member")
            }
            CommitteeError::ShardOutOfRange { shard, n_shards } => {
                write!(f, "shard {shard} is out of range for a committee of {n_shards} shards")
            }
            CommitteeError::DuplicateShard { shard } => write!(f, "shard {shard} is held by two members"),
            CommitteeError::Malformed => f.write_str("malformed committee bytes"),
        }
    }
}

impl core::error::Error for CommitteeError {}

/// A committee member: its Ed25519 public key and the shards it holds.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The member's public key.
    pub public_key: PublicKey,
    /// The shards it holds; its weight is their number.
    pub shards: Vec<u16>,
}

/// A validated committee for one epoch: members in a fixed order, each with a public key and
/// its shards; every shard `0..n` held by exactly one member, `n ≥ 4` (SPEC §10.3: weights are
/// shard counts and `n` is their sum). Serialized with postcard.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committee {
    epoch: u32,
    members: Vec<Member>,
    shard_owner: Vec<u16>,
}

#[cfg(feature = "alloc")]
#[derive(Serialize, Deserialize)]
struct CommitteeWire {
    epoch: u32,
    members: Vec<Member>,
}

#[cfg(feature = "alloc")]
impl Committee {
    /// Validates and builds a committee.
    ///
    /// # Errors
    ///
    /// [`CommitteeError`] when a member holds no shard, a public key or shard repeats, a shard
    /// is out of range, or the total is below 4 or above 65 535 shards.
    pub fn new(epoch: u32, members: Vec<Member>) -> Result<Self, CommitteeError> {
        let n_shards: u32 = members.iter().map(|m| m.shards.len() as u32).sum();
        if n_shards < u32::from(crate::encoding::MIN_SHARDS) {
            return Err(CommitteeError::TooFewShards { n_shards });
        }
        if n_shards > u32::from(u16::MAX) {
            return Err(CommitteeError::TooManyShards { n_shards });
        }
        let mut shard_owner = vec![u16::MAX; n_shards as usize];
        for (index, member) in members.iter().enumerate() {
            if member.shards.is_empty() {
                return Err(CommitteeError::MemberWithoutShards { member: index });
            }
            if members[..index].iter().any(|m| m.public_key == member.public_key) {
                return Err(CommitteeError::DuplicatePublicKey { member: index });
            }
            for &shard in &member.shards {
                let slot = shard_owner
                    .get_mut(usize::from(shard))
                    .ok_or(CommitteeError::ShardOutOfRange { shard, n_shards })?;
                if *slot != u16::MAX {
                    return Err(CommitteeError::DuplicateShard { shard });
                }
                // At most n_shards ≤ 65 535 members, each holding a shard.
                *slot = index as u16;
            }
        }
        // n distinct shards below n: every shard is held.
        Ok(Self { epoch, members, shard_owner })
    }

    /// The epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The members in order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The total number of shards.
    pub fn n_shards(&self) -> u16 {
        self.shard_owner.len() as u16
    }

    /// The index of the member holding `shard`, or `None` if out of range.
    pub fn shard_owner(&self, shard: u16) -> Option<usize> {
        self.shard_owner.get(usize::from(shard)).map(|&i| usize::from(i))
    }

    /// The index of the member with `public_key`, if any.
    pub fn member_index(&self, public_key: &PublicKey) -> Option<usize> {
        self.members.iter().position(|m| m.public_key == *public_key)
    }

    /// The postcard bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let wire = CommitteeWire { epoch: self.epoch, members: self.members.clone() };
        postcard::to_allocvec(&wire).unwrap_or_default()
    }

    /// Parses and validates postcard bytes; they must be exactly what [`Committee::to_bytes`]
    /// writes.
    ///
    /// # Errors
    ///
    /// [`CommitteeError::Malformed`] for bytes that are not a canonical committee, or the
    /// validation errors of [`Committee::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CommitteeError> {
        let (wire, rest): (CommitteeWire, _) =
            postcard::take_from_bytes(bytes).map_err(|_| CommitteeError::Malformed)?;
        if !rest.is_empty() {
            return Err(CommitteeError::Malformed);
        }
        let committee = Self::new(wire.epoch, wire.members)?;
        if committee.to_bytes() != bytes {
            return Err(CommitteeError::Malformed);
        }
        Ok(committee)
    }
}

#[cfg(feature = "alloc")]
impl CommitteeWeights for Committee {
    fn epoch(&self) -> u32 {
        self.epoch
    }

    fn n_members(&self) -> usize {
        self.members.len()
    }

    fn member(&self, index: usize) -> Option<(PublicKey, u16)> {
        self.members.get(index).map(|m| (m.public_key, m.shards.len() as u16))
    }

    fn n_shards(&self) -> u32 {
        self.shard_owner.len() as u32
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// Why a certificate does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateError {
    /// The bytes are not a postcard-serialized certificate in canonical form.
    Malformed,
    /// The serialized message does not parse as the expected message type.
    Message(WireError),
    /// The message is for another epoch than the committee's.
    EpochMismatch {
        /// The message's epoch.
        message_epoch: u32,
        /// The committee's epoch.
        committee_epoch: u32,
    },
    /// The signer bitmap has more bytes than the committee needs (`ceil(members / 8)`).
    BitmapTooLong {
        /// Bytes in the bitmap.
        bitmap_bytes: usize,
        /// Bytes the committee needs.
        max_bytes: usize,
    },
    /// The bitmap sets a bit past the last member (SPEC §10.3: such bits must be zero).
    SignerOutOfRange {
        /// The bit index.
        signer: usize,
        /// The number of members.
        n_members: usize,
    },
    /// The signatures are not exactly one per signer.
    SignatureCountMismatch {
        /// Signers in the bitmap.
        signers: usize,
        /// Bytes of signatures (64 per signer expected).
        signature_bytes: usize,
    },
    /// The signers' weight is below the threshold.
    NotEnoughWeight {
        /// The signers' weight in shards.
        weight: u32,
        /// The weight needed.
        required: u32,
        /// The committee's total shards.
        n_shards: u32,
    },
    /// A signature does not verify. Deliberately opaque.
    InvalidSignature,
}

impl fmt::Display for CertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateError::Malformed => f.write_str("malformed certificate bytes"),
            CertificateError::Message(e) => write!(f, "the certified message is malformed: {e}"),
            CertificateError::EpochMismatch { message_epoch, committee_epoch } => write!(
                f,
                "the certified message is for epoch {message_epoch}, the committee is for epoch {committee_epoch}"
            ),
            CertificateError::BitmapTooLong { bitmap_bytes, max_bytes } => {
                write!(f, "the signer bitmap has {bitmap_bytes} bytes, the committee needs at most {max_bytes}")
            }
            CertificateError::SignerOutOfRange { signer, n_members } => {
                write!(f, "signer {signer} is not a member of a committee of {n_members} members")
            }
            CertificateError::SignatureCountMismatch { signers, signature_bytes } => write!(
                f,
                "{signers} signers need {} signature bytes, the certificate has {signature_bytes}",
                signers * SIGNATURE_LEN
            ),
            CertificateError::NotEnoughWeight { weight, required, n_shards } => {
                write!(f, "signers hold {weight} of {n_shards} shards, {required} are needed")
            }
            CertificateError::InvalidSignature => f.write_str("certificate signature verification failed"),
        }
    }
}

impl core::error::Error for CertificateError {}

/// A certificate: signer bitmap over member order, the serialized message, and the signers'
/// 64-byte signatures concatenated in member order. Serialized with postcard as three byte
/// strings. `B` is `&[u8]` when parsed without copying, `Vec<u8>` when owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate<B> {
    /// Member `i` signed iff bit `i % 8` of byte `i / 8` is set (SPEC §10.3).
    pub signers: B,
    /// The signed message bytes.
    pub serialized_message: B,
    /// One 64-byte signature per signer, in member order.
    pub signatures: B,
}

#[derive(Serialize, Deserialize)]
struct CertificateWire<'a> {
    #[serde(borrow)]
    signers: &'a [u8],
    #[serde(borrow)]
    serialized_message: &'a [u8],
    #[serde(borrow)]
    signatures: &'a [u8],
}

fn varint_len(value: usize) -> usize {
    let bits = usize::BITS as usize - value.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

impl<'a> Certificate<&'a [u8]> {
    /// Parses postcard bytes without copying. They must be in canonical form (what
    /// [`Certificate::to_bytes_into`] writes) and have no trailing bytes.
    ///
    /// # Errors
    ///
    /// [`CertificateError::Malformed`].
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, CertificateError> {
        let (wire, rest): (CertificateWire<'a>, _) =
            postcard::take_from_bytes(bytes).map_err(|_| CertificateError::Malformed)?;
        let cert = Certificate {
            signers: wire.signers,
            serialized_message: wire.serialized_message,
            signatures: wire.signatures,
        };
        if !rest.is_empty() || cert.encoded_len() != bytes.len() {
            return Err(CertificateError::Malformed);
        }
        Ok(cert)
    }
}

impl<B: AsRef<[u8]>> Certificate<B> {
    /// A borrowed view.
    pub fn as_view(&self) -> Certificate<&[u8]> {
        Certificate {
            signers: self.signers.as_ref(),
            serialized_message: self.serialized_message.as_ref(),
            signatures: self.signatures.as_ref(),
        }
    }

    /// The length of the postcard form in bytes.
    pub fn encoded_len(&self) -> usize {
        [self.signers.as_ref(), self.serialized_message.as_ref(), self.signatures.as_ref()]
            .iter()
            .map(|field| varint_len(field.len()) + field.len())
            .sum()
    }

    /// Writes the postcard form into `out`, returning its length.
    ///
    /// # Errors
    ///
    /// [`WireError::BufferTooSmall`] if `out` is too short.
    pub fn to_bytes_into(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let wire = CertificateWire {
            signers: self.signers.as_ref(),
            serialized_message: self.serialized_message.as_ref(),
            signatures: self.signatures.as_ref(),
        };
        let needed_bytes = self.encoded_len();
        let available_bytes = out.len();
        postcard::to_slice(&wire, out)
            .map(|written| written.len())
            .map_err(|_| WireError::BufferTooSmall { needed_bytes, available_bytes })
    }

    /// The postcard form.
    #[cfg(feature = "alloc")]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.encoded_len()];
        let len = self.to_bytes_into(&mut out).unwrap_or(0);
        out.truncate(len);
        out
    }

    /// The indices of the signers in member order, as the bitmap names them (bits past
    /// `n_members` included, so that callers can reject them).
    pub fn signer_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.signers
            .as_ref()
            .iter()
            .enumerate()
            .flat_map(|(byte, bits)| (0..8).filter(move |bit| bits >> bit & 1 == 1).map(move |bit| byte * 8 + bit))
    }

    /// Verifies the certificate for `committee` and message type `T`, with `T`'s threshold
    /// (SPEC §10.3).
    ///
    /// # Errors
    ///
    /// The first [`CertificateError`] found, checked in this order: message, epoch, bitmap,
    /// signature count, weight, signatures.
    pub fn verify<T: CertifiedBody>(
        &self,
        committee: &impl CommitteeWeights,
    ) -> Result<VerifiedCertificate<T>, CertificateError> {
        let message =
            ProtocolMessage::<T>::from_bcs(self.serialized_message.as_ref()).map_err(CertificateError::Message)?;
        if message.epoch != committee.epoch() {
            return Err(CertificateError::EpochMismatch {
                message_epoch: message.epoch,
                committee_epoch: committee.epoch(),
            });
        }
        let n_members = committee.n_members();
        let max_bytes = n_members.div_ceil(8);
        let bitmap_bytes = self.signers.as_ref().len();
        if bitmap_bytes > max_bytes {
            return Err(CertificateError::BitmapTooLong { bitmap_bytes, max_bytes });
        }
        let mut signers = 0usize;
        let mut weight = 0u32;
        for signer in self.signer_indices() {
            let (_, w) = committee.member(signer).ok_or(CertificateError::SignerOutOfRange { signer, n_members })?;
            signers += 1;
            weight += u32::from(w);
        }
        let signature_bytes = self.signatures.as_ref().len();
        if signature_bytes != signers * SIGNATURE_LEN {
            return Err(CertificateError::SignatureCountMismatch { signers, signature_bytes });
        }
        let n_shards = committee.n_shards();
        if !T::THRESHOLD.is_met(weight, n_shards) {
            return Err(CertificateError::NotEnoughWeight {
                weight,
                required: T::THRESHOLD.required_weight(n_shards),
                n_shards,
            });
        }
        let signatures = self.signatures.as_ref().chunks_exact(SIGNATURE_LEN);
        for (signer, signature) in self.signer_indices().zip(signatures) {
            let (public_key, _) = committee.member(signer).ok_or(CertificateError::InvalidSignature)?;
            let mut sig = [0u8; SIGNATURE_LEN];
            sig.copy_from_slice(signature);
            public_key
                .verify(self.serialized_message.as_ref(), &Signature(sig))
                .map_err(|_| CertificateError::InvalidSignature)?;
        }
        Ok(VerifiedCertificate { message, signer_weight: weight, n_signers: signers })
    }

    /// [`Certificate::verify`] for a storage confirmation (quorum `3w ≥ 2n + 1`).
    ///
    /// # Errors
    ///
    /// As [`Certificate::verify`].
    pub fn verify_confirmation(
        &self,
        committee: &impl CommitteeWeights,
    ) -> Result<VerifiedCertificate<StorageConfirmationBody>, CertificateError> {
        self.verify(committee)
    }

    /// [`Certificate::verify`] for an invalid-blob attestation (validity `3w ≥ n + 1`).
    ///
    /// # Errors
    ///
    /// As [`Certificate::verify`].
    pub fn verify_invalid_blob(
        &self,
        committee: &impl CommitteeWeights,
    ) -> Result<VerifiedCertificate<InvalidBlobIdBody>, CertificateError> {
        self.verify(committee)
    }
}

/// What a certificate attests: the intent of its message (SPEC §10.1) and so its threshold
/// (SPEC §10.3). The names are the same in Rust, Python and JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateKind {
    /// A storage confirmation (intent 1, `BLOB_CERT`): quorum `3w ≥ 2n + 1`.
    Confirmation,
    /// An invalid-blob attestation (intent 2): validity `3w ≥ n + 1`.
    InvalidBlob,
}

impl CertificateKind {
    /// `"confirmation"` or `"invalid_blob"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CertificateKind::Confirmation => "confirmation",
            CertificateKind::InvalidBlob => "invalid_blob",
        }
    }

    /// The kind a serialized message declares by its intent type (its first byte), if it is
    /// one of the two a certificate can carry.
    pub fn of_message(serialized_message: &[u8]) -> Option<Self> {
        match serialized_message.first().copied() {
            Some(b) if b == IntentType::BlobCertification.as_u8() => Some(CertificateKind::Confirmation),
            Some(b) if b == IntentType::InvalidBlobId.as_u8() => Some(CertificateKind::InvalidBlob),
            _ => None,
        }
    }

    /// The threshold certificates of this kind must meet (SPEC §10.3).
    pub const fn threshold(self) -> Threshold {
        match self {
            CertificateKind::Confirmation => StorageConfirmationBody::THRESHOLD,
            CertificateKind::InvalidBlob => InvalidBlobIdBody::THRESHOLD,
        }
    }
}

impl fmt::Display for CertificateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for CertificateKind {
    type Err = crate::error::UnknownName;

    /// [`CertificateKind::as_str`]'s names.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "confirmation" => Ok(CertificateKind::Confirmation),
            "invalid_blob" => Ok(CertificateKind::InvalidBlob),
            _ => Err(crate::error::UnknownName {
                what: "certificate kind",
                expected: "'confirmation' or 'invalid_blob'",
            }),
        }
    }
}

/// What a verified certificate of either kind attests, as the bindings report it
/// ([`Certificate::verify_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertifiedBlob {
    /// What the certificate attests.
    pub kind: CertificateKind,
    /// The epoch of the message.
    pub epoch: u32,
    /// The blob ID certified (or declared invalid).
    pub blob_id: BlobId,
    /// The object ID of a deletable blob's confirmation; `None` for a permanent blob and for
    /// invalid-blob attestations.
    pub object_id: Option<[u8; 32]>,
    /// The signers' weight in shards.
    pub signer_weight: u32,
    /// The number of signers.
    pub n_signers: usize,
}

impl<B: AsRef<[u8]>> Certificate<B> {
    /// Verifies the certificate as a `kind` certificate, or, with `None`, as the kind its
    /// message declares ([`CertificateKind::of_message`]; an unknown intent is verified as a
    /// confirmation and so fails on its message).
    ///
    /// # Errors
    ///
    /// As [`Certificate::verify`].
    pub fn verify_kind(
        &self,
        committee: &impl CommitteeWeights,
        kind: Option<CertificateKind>,
    ) -> Result<CertifiedBlob, CertificateError> {
        let kind = kind
            .or_else(|| CertificateKind::of_message(self.serialized_message.as_ref()))
            .unwrap_or(CertificateKind::Confirmation);
        Ok(match kind {
            CertificateKind::Confirmation => {
                let v = self.verify_confirmation(committee)?;
                let body = &v.message().body;
                CertifiedBlob {
                    kind,
                    epoch: v.message().epoch,
                    blob_id: body.blob_id,
                    object_id: match body.blob_type {
                        BlobPersistenceType::Permanent => None,
                        BlobPersistenceType::Deletable { object_id } => Some(object_id),
                    },
                    signer_weight: v.signer_weight(),
                    n_signers: v.n_signers(),
                }
            }
            CertificateKind::InvalidBlob => {
                let v = self.verify_invalid_blob(committee)?;
                CertifiedBlob {
                    kind,
                    epoch: v.message().epoch,
                    blob_id: v.message().body.blob_id,
                    object_id: None,
                    signer_weight: v.signer_weight(),
                    n_signers: v.n_signers(),
                }
            }
        })
    }
}

/// A certificate known to verify for a committee: its parsed message and the signers' weight.
/// Only [`Certificate::verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCertificate<T> {
    message: ProtocolMessage<T>,
    signer_weight: u32,
    n_signers: usize,
}

impl<T> VerifiedCertificate<T> {
    /// The certified message.
    pub fn message(&self) -> &ProtocolMessage<T> {
        &self.message
    }

    /// The signers' weight in shards.
    pub fn signer_weight(&self) -> u32 {
        self.signer_weight
    }

    /// The number of signers.
    pub fn n_signers(&self) -> usize {
        self.n_signers
    }
}

/// Why a signed confirmation was not added to a [`CertificateBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddSignatureError {
    /// No member has that index or public key.
    UnknownMember,
    /// The signed message differs from the certificate's.
    MessageMismatch,
    /// The signature does not verify. Deliberately opaque.
    InvalidSignature,
}

impl fmt::Display for AddSignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddSignatureError::UnknownMember => f.write_str("the signer is not a committee member"),
            AddSignatureError::MessageMismatch => f.write_str("the signed message differs from the certificate's"),
            AddSignatureError::InvalidSignature => f.write_str("signature verification failed"),
        }
    }
}

impl core::error::Error for AddSignatureError {}

/// Collects signed messages from committee members into a certificate, dropping invalid and
/// duplicate ones, and reports the weight still missing.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct CertificateBuilder<C, T> {
    committee: C,
    message: Vec<u8>,
    signatures: Vec<Option<Signature>>,
    weight: u32,
    _body: core::marker::PhantomData<T>,
}

#[cfg(feature = "alloc")]
impl<C: core::borrow::Borrow<Committee>, T: CertifiedBody> CertificateBuilder<C, T> {
    /// A builder of a certificate of `message` for `committee` (a `&Committee` or an owned one).
    ///
    /// # Errors
    ///
    /// [`CertificateError::EpochMismatch`] if the message is for another epoch.
    pub fn new(committee: C, message: &ProtocolMessage<T>) -> Result<Self, CertificateError> {
        let c = committee.borrow();
        if message.epoch != c.epoch() {
            return Err(CertificateError::EpochMismatch { message_epoch: message.epoch, committee_epoch: c.epoch() });
        }
        let n_members = c.members().len();
        Ok(Self {
            committee,
            message: message.to_message_bytes().to_vec(),
            signatures: vec![None; n_members],
            weight: 0,
            _body: core::marker::PhantomData,
        })
    }

    /// The message bytes every signer must sign.
    pub fn message_bytes(&self) -> &[u8] {
        &self.message
    }

    /// Adds member `member`'s signature of `serialized_message`. Returns `Ok(false)` for a
    /// member that already signed (the first signature is kept).
    ///
    /// # Errors
    ///
    /// [`AddSignatureError`] when the member is unknown, the message differs, or the signature
    /// does not verify; the builder is unchanged.
    pub fn add(
        &mut self,
        member: usize,
        serialized_message: &[u8],
        signature: &Signature,
    ) -> Result<bool, AddSignatureError> {
        let (public_key, weight) = self.committee.borrow().member(member).ok_or(AddSignatureError::UnknownMember)?;
        if serialized_message != self.message.as_slice() {
            return Err(AddSignatureError::MessageMismatch);
        }
        if self.signatures[member].is_some() {
            return Ok(false);
        }
        public_key.verify(&self.message, signature).map_err(|_| AddSignatureError::InvalidSignature)?;
        self.signatures[member] = Some(*signature);
        self.weight += u32::from(weight);
        Ok(true)
    }

    /// [`CertificateBuilder::add`] for the member with `public_key`.
    ///
    /// # Errors
    ///
    /// As [`CertificateBuilder::add`].
    pub fn add_by_key(
        &mut self,
        public_key: &PublicKey,
        serialized_message: &[u8],
        signature: &Signature,
    ) -> Result<bool, AddSignatureError> {
        let member = self.committee.borrow().member_index(public_key).ok_or(AddSignatureError::UnknownMember)?;
        self.add(member, serialized_message, signature)
    }

    /// The committee.
    pub fn committee(&self) -> &Committee {
        self.committee.borrow()
    }

    /// The weight of the signatures collected.
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The weight the certificate needs.
    pub fn required_weight(&self) -> u32 {
        T::THRESHOLD.required_weight(u32::from(self.committee.borrow().n_shards()))
    }

    /// The weight still missing (0 once complete).
    pub fn missing_weight(&self) -> u32 {
        self.required_weight().saturating_sub(self.weight)
    }

    /// Whether the collected weight meets the threshold.
    pub fn is_complete(&self) -> bool {
        T::THRESHOLD.is_met(self.weight, u32::from(self.committee.borrow().n_shards()))
    }

    /// The certificate.
    ///
    /// # Errors
    ///
    /// [`CertificateError::NotEnoughWeight`] before [`CertificateBuilder::is_complete`].
    pub fn finish(&self) -> Result<Certificate<Vec<u8>>, CertificateError> {
        let n_shards = u32::from(self.committee.borrow().n_shards());
        if !self.is_complete() {
            return Err(CertificateError::NotEnoughWeight {
                weight: self.weight,
                required: self.required_weight(),
                n_shards,
            });
        }
        let mut signers = vec![0u8; self.signatures.len().div_ceil(8)];
        let mut signatures = Vec::new();
        for (i, signature) in self.signatures.iter().enumerate() {
            if let Some(signature) = signature {
                signers[i / 8] |= 1 << (i % 8);
                signatures.extend_from_slice(&signature.0);
            }
        }
        Ok(Certificate { signers, serialized_message: self.message.clone(), signatures })
    }
}

#[cfg(test)]
mod tests {
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
