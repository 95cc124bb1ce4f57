//! Collecting signed messages into a certificate (SPEC §10.3).

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};

#[cfg(feature = "alloc")]
use super::CertificateError;
#[cfg(feature = "alloc")]
use super::{Certificate, CertifiedBody, Committee, CommitteeWeights, PublicKey, Signature};
#[cfg(feature = "alloc")]
use crate::messages::ProtocolMessage;

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
        let signed = || self.signatures.iter().enumerate().filter_map(|(i, s)| s.map(|s| (i, s)));
        let signers = super::verify::signer_bitmap(signed().map(|(i, _)| i), self.signatures.len()).unwrap_or_default();
        let signatures = signed().flat_map(|(_, s)| s.0).collect();
        Ok(Certificate { signers, serialized_message: self.message.clone(), signatures })
    }
}
