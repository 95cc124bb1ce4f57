//! Certificates: the signer bitmap, the message, the signatures, and their verification (SPEC §10.3).

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};
use serde::{Deserialize, Serialize};

use super::{CertifiedBody, CommitteeWeights, Signature, Threshold, SIGNATURE_LEN};
use crate::messages::{BlobPersistenceType, IntentType, InvalidBlobIdBody, ProtocolMessage, StorageConfirmationBody};
use crate::metadata::BlobId;
use crate::wire::{BcsDecode, WireError};

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

pub(super) fn varint_len(value: usize) -> usize {
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
        bitmap_indices(self.signers.as_ref())
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
        let (message, signers, weight) = check_signed::<T>(
            self.serialized_message.as_ref(),
            self.signers.as_ref(),
            CommitteeShape {
                epoch: committee.epoch(),
                n_members: committee.n_members(),
                n_shards: committee.n_shards(),
            },
            |i| committee.member(i).map(|(_, w)| w),
            |signers| {
                let signature_bytes = self.signatures.as_ref().len();
                if signature_bytes == signers * SIGNATURE_LEN {
                    Ok(())
                } else {
                    Err(CertificateError::SignatureCountMismatch { signers, signature_bytes })
                }
            },
        )?;
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

/// What the rules of SPEC §10.3 need to know of a committee, whatever its signature scheme.
#[derive(Clone, Copy, Debug)]
pub(super) struct CommitteeShape {
    pub(super) epoch: u32,
    pub(super) n_members: usize,
    pub(super) n_shards: u32,
}

/// The checks of SPEC §10.3 that do not depend on the signature scheme, in this order: the
/// message parses as a `T` message, it is for the committee's epoch, the bitmap is no longer
/// than the committee needs and names members only, `signatures_fit(signers)` (the scheme's
/// signature count), and the signers' weight meets `T`'s threshold. Returns the message, the
/// number of signers and their weight.
pub(super) fn check_signed<T: CertifiedBody>(
    serialized_message: &[u8],
    bitmap: &[u8],
    committee: CommitteeShape,
    weight_of: impl Fn(usize) -> Option<u16>,
    signatures_fit: impl FnOnce(usize) -> Result<(), CertificateError>,
) -> Result<(ProtocolMessage<T>, usize, u32), CertificateError> {
    let message = ProtocolMessage::<T>::from_bcs(serialized_message).map_err(CertificateError::Message)?;
    if message.epoch != committee.epoch {
        return Err(CertificateError::EpochMismatch { message_epoch: message.epoch, committee_epoch: committee.epoch });
    }
    let n_members = committee.n_members;
    let max_bytes = n_members.div_ceil(8);
    if bitmap.len() > max_bytes {
        return Err(CertificateError::BitmapTooLong { bitmap_bytes: bitmap.len(), max_bytes });
    }
    let mut signers = 0usize;
    let mut weight = 0u32;
    for signer in bitmap_indices(bitmap) {
        let w = weight_of(signer).ok_or(CertificateError::SignerOutOfRange { signer, n_members })?;
        signers += 1;
        weight += u32::from(w);
    }
    signatures_fit(signers)?;
    let n_shards = committee.n_shards;
    if !T::THRESHOLD.is_met(weight, n_shards) {
        return Err(CertificateError::NotEnoughWeight {
            weight,
            required: T::THRESHOLD.required_weight(n_shards),
            n_shards,
        });
    }
    Ok((message, signers, weight))
}

/// The signer bitmap of member indices `signers` (member `i` is bit `i % 8` of byte `i / 8`),
/// `ceil(n_members / 8)` bytes long; `None` if an index is not below `n_members`.
#[cfg(feature = "alloc")]
pub fn signer_bitmap(signers: impl IntoIterator<Item = usize>, n_members: usize) -> Option<Vec<u8>> {
    let mut bitmap = vec![0u8; n_members.div_ceil(8)];
    for i in signers {
        if i >= n_members {
            return None;
        }
        bitmap[i / 8] |= 1 << (i % 8);
    }
    Some(bitmap)
}

/// The member indices a signer bitmap names: member `i` is bit `i % 8` of byte `i / 8`.
pub(super) fn bitmap_indices(bitmap: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bitmap
        .iter()
        .enumerate()
        .flat_map(|(byte, bits)| (0..8).filter(move |bit| bits >> bit & 1 == 1).map(move |bit| byte * 8 + bit))
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
        certified_blob(
            self.serialized_message.as_ref(),
            kind,
            || self.verify_confirmation(committee),
            || self.verify_invalid_blob(committee),
        )
    }
}

/// What a certificate of `kind` (or, with `None`, of the kind its message declares; an unknown
/// intent is verified as a confirmation and so fails on its message) attests, verified by the
/// scheme's `confirmation` or `invalid_blob` verification.
pub(super) fn certified_blob(
    serialized_message: &[u8],
    kind: Option<CertificateKind>,
    confirmation: impl FnOnce() -> Result<VerifiedCertificate<StorageConfirmationBody>, CertificateError>,
    invalid_blob: impl FnOnce() -> Result<VerifiedCertificate<InvalidBlobIdBody>, CertificateError>,
) -> Result<CertifiedBlob, CertificateError> {
    let kind =
        kind.or_else(|| CertificateKind::of_message(serialized_message)).unwrap_or(CertificateKind::Confirmation);
    Ok(match kind {
        CertificateKind::Confirmation => {
            let v = confirmation()?;
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
            let v = invalid_blob()?;
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

/// A certificate known to verify for a committee: its parsed message and the signers' weight.
/// Only [`Certificate::verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCertificate<T> {
    message: ProtocolMessage<T>,
    signer_weight: u32,
    n_signers: usize,
}

impl<T> VerifiedCertificate<T> {
    /// Made by a scheme's verification, once every check passed.
    pub(super) fn new(message: ProtocolMessage<T>, signer_weight: u32, n_signers: usize) -> Self {
        Self { message, signer_weight, n_signers }
    }

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
