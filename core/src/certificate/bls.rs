//! BLS12-381 signatures as Walrus's storage nodes make them (SPEC §10.2; fastcrypto
//! `bls12381::min_pk`, the scheme of `crates/walrus-core/src/messages/certificate.rs` and
//! `contracts/walrus/sources/system/bls_aggregate.move`): public keys in G1 (48 bytes
//! compressed), signatures in G2 (96 bytes compressed), the hash to G2 of RFC 9380
//! (`BLS12381G2_XMD:SHA-256_SSWU_RO_`) with the basic scheme's DST
//! [`DST`] = `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_` (draft-irtf-cfrg-bls-signature).
//!
//! Walrus certifies a message with the aggregate of its signers' signatures over the *same*
//! bytes: the aggregate signature is the sum of the signatures, the aggregate key the sum of the
//! signers' keys, and `e(aggregate key, H(m)) = e(g1, aggregate signature)` checks them all at
//! once. Verification and aggregation need no allocator; points are checked to be in their
//! prime-order subgroups when decoded, and the identity is refused as a key or a signature.
//! Key generation follows the IETF KeyGen (HKDF-SHA-256, salt `BLS-SIG-KEYGEN-SALT-`).

use core::fmt;

use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, G2Projective, Scalar};
use sha2::{Digest, Sha256};

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::verify::{bitmap_indices, certified_blob, check_signed, CommitteeShape};
#[cfg(feature = "alloc")]
use super::AddSignatureError;
use super::{CertificateError, CertificateKind, CertifiedBlob, CertifiedBody, SignatureError, VerifiedCertificate};
use crate::messages::{InvalidBlobIdBody, StorageConfirmationBody};
#[cfg(feature = "alloc")]
use crate::wire::{write_byte_vec, write_uleb128, Reader};

/// The domain separation tag of Walrus's (fastcrypto's) BLS signatures: the basic scheme.
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";

/// Length of a compressed BLS12-381 G1 public key.
pub const BLS_PUBLIC_KEY_LEN: usize = 48;

/// Length of a compressed BLS12-381 G2 signature.
pub const BLS_SIGNATURE_LEN: usize = 96;

/// A BLS12-381 public key (48 bytes, compressed G1, as fastcrypto and Sui encode it).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlsPublicKey(pub [u8; BLS_PUBLIC_KEY_LEN]);

/// A BLS12-381 signature or aggregate signature (96 bytes, compressed G2).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlsSignature(pub [u8; BLS_SIGNATURE_LEN]);

impl fmt::Debug for BlsPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlsPublicKey(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

impl fmt::Debug for BlsSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlsSignature(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

/// Why BLS bytes were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlsError {
    /// Not the compressed encoding of a point of the prime-order subgroup, or the identity.
    InvalidPublicKey,
    /// As for keys, for a signature.
    InvalidSignature,
    /// A secret key that is zero or not below the group order.
    InvalidSecretKey,
    /// Nothing to aggregate.
    Empty,
}

impl fmt::Display for BlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlsError::InvalidPublicKey => {
                "not a BLS12-381 public key (a compressed G1 point of the subgroup, not the identity)"
            }
            BlsError::InvalidSignature => {
                "not a BLS12-381 signature (a compressed G2 point of the subgroup, not the identity)"
            }
            BlsError::InvalidSecretKey => "not a BLS12-381 secret key (a non-zero scalar below the group order)",
            BlsError::Empty => "nothing to aggregate",
        })
    }
}

impl core::error::Error for BlsError {}

impl BlsPublicKey {
    fn point(&self) -> Result<G1Affine, BlsError> {
        let p = Option::<G1Affine>::from(G1Affine::from_compressed(&self.0)).ok_or(BlsError::InvalidPublicKey)?;
        if bool::from(p.is_identity()) {
            return Err(BlsError::InvalidPublicKey);
        }
        Ok(p)
    }

    /// Checks that the bytes are a usable key.
    ///
    /// # Errors
    ///
    /// [`BlsError::InvalidPublicKey`].
    pub fn validate(&self) -> Result<(), BlsError> {
        self.point().map(|_| ())
    }

    /// Verifies `signature` of `message` by this key (the basic scheme, [`DST`]).
    ///
    /// # Errors
    ///
    /// [`SignatureError`] when it does not verify, or either encoding is invalid.
    pub fn verify(&self, message: &[u8], signature: &BlsSignature) -> Result<(), SignatureError> {
        let key = self.point().map_err(|_| SignatureError)?;
        verify_point(&key, message, signature)
    }
}

impl BlsSignature {
    fn point(&self) -> Result<G2Affine, BlsError> {
        let p = Option::<G2Affine>::from(G2Affine::from_compressed(&self.0)).ok_or(BlsError::InvalidSignature)?;
        if bool::from(p.is_identity()) {
            return Err(BlsError::InvalidSignature);
        }
        Ok(p)
    }
}

/// `H(message)` in G2 (RFC 9380 `hash_to_curve`, suite `BLS12381G2_XMD:SHA-256_SSWU_RO_`) with
/// domain separation tag `dst`.
pub fn hash_to_g2(message: &[u8], dst: &[u8]) -> G2Affine {
    G2Affine::from(<G2Projective as HashToCurve<ExpandMsgXmd<Sha256>>>::hash_to_curve([message], dst))
}

fn verify_point(key: &G1Affine, message: &[u8], signature: &BlsSignature) -> Result<(), SignatureError> {
    let sig = signature.point().map_err(|_| SignatureError)?;
    if pairing(key, &hash_to_g2(message, DST)) == pairing(&G1Affine::generator(), &sig) {
        Ok(())
    } else {
        Err(SignatureError)
    }
}

/// The aggregate of `signatures` (their sum in G2), as fastcrypto's
/// `BLS12381AggregateSignature::aggregate` and the official `bls12381_min_pk_aggregate`.
///
/// # Errors
///
/// [`BlsError::Empty`] for no signatures, [`BlsError::InvalidSignature`] for an invalid one.
pub fn aggregate_signatures<'a>(
    signatures: impl IntoIterator<Item = &'a BlsSignature>,
) -> Result<BlsSignature, BlsError> {
    let mut sum = G2Projective::identity();
    let mut any = false;
    for s in signatures {
        sum += G2Projective::from(s.point()?);
        any = true;
    }
    if !any {
        return Err(BlsError::Empty);
    }
    Ok(BlsSignature(G2Affine::from(sum).to_compressed()))
}

/// The aggregate of `keys` (their sum in G1): the key that verifies an aggregate signature of
/// one message by all of them.
///
/// # Errors
///
/// [`BlsError::Empty`], [`BlsError::InvalidPublicKey`].
pub fn aggregate_public_keys<'a>(keys: impl IntoIterator<Item = &'a BlsPublicKey>) -> Result<BlsPublicKey, BlsError> {
    let mut sum = G1Projective::identity();
    let mut any = false;
    for k in keys {
        sum += G1Projective::from(k.point()?);
        any = true;
    }
    if !any {
        return Err(BlsError::Empty);
    }
    let point = G1Affine::from(sum);
    if bool::from(point.is_identity()) {
        return Err(BlsError::InvalidPublicKey);
    }
    Ok(BlsPublicKey(point.to_compressed()))
}

/// Verifies an aggregate signature of one `message` by every key of `keys` (Walrus's
/// certificates; the official `bls12381_min_pk_verify_aggregate`).
///
/// # Errors
///
/// [`SignatureError`] when it does not verify, a key or the signature is invalid, or `keys` is
/// empty.
pub fn verify_aggregate<'a>(
    keys: impl IntoIterator<Item = &'a BlsPublicKey>,
    message: &[u8],
    signature: &BlsSignature,
) -> Result<(), SignatureError> {
    let key = aggregate_public_keys(keys).map_err(|_| SignatureError)?;
    key.verify(message, signature)
}

/// Length of a [`proof_of_possession_message`]: intent (3), epoch (4), address (32), key (48).
pub const PROOF_OF_POSSESSION_MESSAGE_LEN: usize = 87;

/// The message a node's BLS key signs to prove possession when it registers
/// (`contracts/walrus/sources/system/messages.move`, `ProofOfPossessionMessage::to_bcs`): intent
/// `00 00 03` (type 0, version 0, app 3) ‖ `epoch` (u32 LE) ‖ the node's Sui `address` (32
/// bytes) ‖ the 48 key bytes without a length prefix. A committee that aggregates keys must
/// accept only keys with such a proof: without it, a member could register a key made from the
/// others' to forge their aggregate signatures (a rogue-key attack).
pub fn proof_of_possession_message(
    epoch: u32,
    address: &[u8; 32],
    public_key: &BlsPublicKey,
) -> [u8; PROOF_OF_POSSESSION_MESSAGE_LEN] {
    let mut m = [0u8; PROOF_OF_POSSESSION_MESSAGE_LEN];
    m[..3].copy_from_slice(&[0, 0, 3]);
    m[3..7].copy_from_slice(&epoch.to_le_bytes());
    m[7..39].copy_from_slice(address);
    m[39..].copy_from_slice(&public_key.0);
    m
}

impl BlsPublicKey {
    /// Verifies this key's proof of possession for `epoch` and `address`
    /// ([`proof_of_possession_message`]).
    ///
    /// # Errors
    ///
    /// [`SignatureError`] when it does not verify.
    pub fn verify_proof_of_possession(
        &self,
        epoch: u32,
        address: &[u8; 32],
        signature: &BlsSignature,
    ) -> Result<(), SignatureError> {
        self.verify(&proof_of_possession_message(epoch, address, self), signature)
    }
}

/// What verifying a Walrus certificate needs to know of a committee: its epoch and, in member
/// order, each member's BLS public key and weight (shards).
pub trait BlsCommittee {
    /// The committee's epoch.
    fn epoch(&self) -> u32;
    /// The number of members.
    fn n_members(&self) -> usize;
    /// Member `index`'s public key and weight, or `None` if out of range.
    fn member(&self, index: usize) -> Option<(BlsPublicKey, u16)>;
    /// The total number of shards `n`.
    fn n_shards(&self) -> u32;
}

/// A committee given as a slice of `(BLS public key, weight)` in member order; needs no
/// allocator (a snapshot of Walrus's committee for one epoch).
#[derive(Clone, Copy, Debug)]
pub struct BlsMembers<'a> {
    /// The epoch.
    pub epoch: u32,
    /// Members in order, with their weights.
    pub members: &'a [(BlsPublicKey, u16)],
}

impl BlsCommittee for BlsMembers<'_> {
    fn epoch(&self) -> u32 {
        self.epoch
    }

    fn n_members(&self) -> usize {
        self.members.len()
    }

    fn member(&self, index: usize) -> Option<(BlsPublicKey, u16)> {
        self.members.get(index).copied()
    }

    fn n_shards(&self) -> u32 {
        self.members.iter().map(|(_, w)| u32::from(*w)).sum()
    }
}

/// A Walrus certificate as `certify_blob` and `invalidate_blob_id` take it
/// (`contracts/walrus/sources/system/bls_aggregate.move`): the aggregate BLS signature, the
/// signer bitmap over member order (member `i` is bit `i % 8` of byte `i / 8`) and the signed
/// message bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalrusCertificate<'a> {
    /// The aggregate of the signers' signatures.
    pub signature: BlsSignature,
    /// The signer bitmap.
    pub signers: &'a [u8],
    /// The signed message (BCS `ProtocolMessage`, SPEC §10.1).
    pub serialized_message: &'a [u8],
}

impl WalrusCertificate<'_> {
    /// Verifies the certificate for `committee` as a `T` certificate, by Walrus's rules (SPEC
    /// §10.3): the message parses and is for the committee's epoch, the bitmap names members
    /// only, the signers' weight meets `T`'s threshold, and the signature is the aggregate of
    /// the signers' signatures of the message.
    ///
    /// # Errors
    ///
    /// The first [`CertificateError`] found, in that order.
    pub fn verify<T: CertifiedBody>(
        &self,
        committee: &impl BlsCommittee,
    ) -> Result<VerifiedCertificate<T>, CertificateError> {
        let (message, signers, weight) = check_signed::<T>(
            self.serialized_message,
            self.signers,
            CommitteeShape {
                epoch: committee.epoch(),
                n_members: committee.n_members(),
                n_shards: committee.n_shards(),
            },
            |i| committee.member(i).map(|(_, w)| w),
            |_| Ok(()),
        )?;
        // The signers' aggregate key, summed without an allocator.
        let mut key = G1Projective::identity();
        for signer in bitmap_indices(self.signers) {
            let (public_key, _) = committee.member(signer).ok_or(CertificateError::InvalidSignature)?;
            key += G1Projective::from(public_key.point().map_err(|_| CertificateError::InvalidSignature)?);
        }
        let key = G1Affine::from(key);
        if bool::from(key.is_identity()) {
            return Err(CertificateError::InvalidSignature);
        }
        verify_point(&key, self.serialized_message, &self.signature).map_err(|_| CertificateError::InvalidSignature)?;
        Ok(VerifiedCertificate::new(message, weight, signers))
    }

    /// Verifies the certificate as a `kind` certificate, or as the kind its message declares.
    ///
    /// # Errors
    ///
    /// As [`WalrusCertificate::verify`].
    pub fn verify_kind(
        &self,
        committee: &impl BlsCommittee,
        kind: Option<CertificateKind>,
    ) -> Result<CertifiedBlob, CertificateError> {
        certified_blob(
            self.serialized_message,
            kind,
            || self.verify::<StorageConfirmationBody>(committee),
            || self.verify::<InvalidBlobIdBody>(committee),
        )
    }
}

/// A Walrus certificate that owns its parts: Walrus's `ProtocolMessageCertificate`
/// (`crates/walrus-core/src/messages/certificate.rs`), whose BCS form is the signers' member
/// indices (`Vec<u16>`, ascending), the serialized message (`Vec<u8>`) and the 96-byte aggregate
/// signature (fastcrypto serializes it as a fixed-size array, without a length). The signers are
/// kept here as the bitmap `certify_blob` takes.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlsCertificate {
    /// The aggregate of the signers' signatures.
    pub signature: BlsSignature,
    /// The signer bitmap (member `i` is bit `i % 8` of byte `i / 8`).
    pub signers: Vec<u8>,
    /// The signed message (BCS `ProtocolMessage`, SPEC §10.1).
    pub serialized_message: Vec<u8>,
}

#[cfg(feature = "alloc")]
impl BlsCertificate {
    /// A borrowed view, to verify.
    pub fn as_view(&self) -> WalrusCertificate<'_> {
        WalrusCertificate {
            signature: self.signature,
            signers: &self.signers,
            serialized_message: &self.serialized_message,
        }
    }

    /// The signers' member indices, ascending.
    pub fn signer_indices(&self) -> impl Iterator<Item = usize> + '_ {
        bitmap_indices(&self.signers)
    }

    /// The BCS bytes of Walrus's `ProtocolMessageCertificate`.
    ///
    /// # Panics
    ///
    /// Never for a bitmap shorter than 8 KiB (no committee has more than 65 535 members).
    pub fn to_bcs(&self) -> Vec<u8> {
        let signers: Vec<usize> = self.signer_indices().collect();
        let mut out = Vec::with_capacity(5 + 2 * signers.len() + 5 + self.serialized_message.len() + BLS_SIGNATURE_LEN);
        write_uleb128(&mut out, u32::try_from(signers.len()).expect("at most 65 536 signers"));
        for signer in signers {
            out.extend_from_slice(&u16::try_from(signer).expect("a member index fits a u16").to_le_bytes());
        }
        write_byte_vec(&mut out, &self.serialized_message);
        out.extend_from_slice(&self.signature.0);
        out
    }

    /// Parses the BCS bytes of Walrus's `ProtocolMessageCertificate`: the signer indices must
    /// be strictly ascending (the canonical form Walrus writes), and nothing may follow.
    ///
    /// # Errors
    ///
    /// [`CertificateError::Malformed`].
    pub fn from_bcs(bytes: &[u8]) -> Result<Self, CertificateError> {
        let mut r = Reader::new(bytes);
        let n = r.seq_len("signers", 2).map_err(|_| CertificateError::Malformed)?;
        let mut signers = Vec::new();
        let mut last: Option<u16> = None;
        for _ in 0..n {
            let index = r.u16("signer").map_err(|_| CertificateError::Malformed)?;
            if last.is_some_and(|l| l >= index) {
                return Err(CertificateError::Malformed);
            }
            last = Some(index);
            let (byte, bit) = (usize::from(index / 8), index % 8);
            if signers.len() <= byte {
                signers.resize(byte + 1, 0);
            }
            signers[byte] |= 1 << bit;
        }
        let serialized_message = r.byte_vec("serialized_message").map_err(|_| CertificateError::Malformed)?.to_vec();
        let signature = BlsSignature(r.array("signature").map_err(|_| CertificateError::Malformed)?);
        r.finish().map_err(|_| CertificateError::Malformed)?;
        Ok(Self { signature, signers, serialized_message })
    }
}

/// A member's signature that [`BlsCertificateBuilder::verify`] checked: the member, its key,
/// the message and the signature's point, ready for [`BlsCertificateBuilder::insert`].
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct VerifiedBlsSignature {
    member: usize,
    public_key: BlsPublicKey,
    message: Vec<u8>,
    point: G2Affine,
}

#[cfg(feature = "alloc")]
impl VerifiedBlsSignature {
    /// Checks member `member`'s `signature` of `message` under its `public_key` (what
    /// [`BlsCertificateBuilder::verify`] does with the builder's key and message; callers that
    /// verify away from the builder take both from it and hand the result to
    /// [`BlsCertificateBuilder::insert`], which checks that they are the builder's).
    ///
    /// # Errors
    ///
    /// [`AddSignatureError::InvalidSignature`].
    pub fn new(
        member: usize,
        public_key: BlsPublicKey,
        message: Vec<u8>,
        signature: &BlsSignature,
    ) -> Result<Self, AddSignatureError> {
        public_key.verify(&message, signature).map_err(|_| AddSignatureError::InvalidSignature)?;
        let point = signature.point().map_err(|_| AddSignatureError::InvalidSignature)?;
        Ok(Self { member, public_key, message, point })
    }
}

/// Collects members' BLS signatures of one message into a [`BlsCertificate`], aggregating as it
/// goes (one running sum in G2, no list of signatures): each signature is verified under its
/// member's key before it counts; invalid and duplicate ones are dropped (SPEC §10.3).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug)]
pub struct BlsCertificateBuilder<T> {
    epoch: u32,
    members: Vec<(BlsPublicKey, u16)>,
    message: Vec<u8>,
    signers: Vec<u8>,
    aggregate: G2Projective,
    weight: u32,
    _body: core::marker::PhantomData<T>,
}

#[cfg(feature = "alloc")]
impl<T: CertifiedBody> BlsCertificateBuilder<T> {
    /// A builder of a certificate of `message` for the committee of `epoch` whose members, in
    /// committee order, have these BLS keys and weights.
    ///
    /// # Errors
    ///
    /// [`CertificateError::EpochMismatch`] if the message is for another epoch.
    pub fn new(
        epoch: u32,
        members: Vec<(BlsPublicKey, u16)>,
        message: &crate::messages::ProtocolMessage<T>,
    ) -> Result<Self, CertificateError> {
        if message.epoch != epoch {
            return Err(CertificateError::EpochMismatch { message_epoch: message.epoch, committee_epoch: epoch });
        }
        let signers = alloc::vec![0; members.len().div_ceil(8)];
        Ok(Self {
            epoch,
            members,
            message: message.to_message_bytes().to_vec(),
            signers,
            aggregate: G2Projective::identity(),
            weight: 0,
            _body: core::marker::PhantomData,
        })
    }

    /// The message bytes every signer must sign.
    pub fn message_bytes(&self) -> &[u8] {
        &self.message
    }

    /// Adds member `member`'s signature of `serialized_message` to the aggregate. Returns
    /// `Ok(false)` for a member that already signed (the first signature is kept).
    ///
    /// # Errors
    ///
    /// [`AddSignatureError`] when the member is unknown, the message differs, or the signature
    /// does not verify under the member's key; the builder is unchanged.
    pub fn add(
        &mut self,
        member: usize,
        serialized_message: &[u8],
        signature: &BlsSignature,
    ) -> Result<bool, AddSignatureError> {
        if self.has_signed(member)? {
            return Ok(false);
        }
        let verified = self.verify(member, serialized_message, signature)?;
        self.insert(verified)
    }

    /// Whether member `member` has signed already.
    ///
    /// # Errors
    ///
    /// [`AddSignatureError::UnknownMember`].
    pub fn has_signed(&self, member: usize) -> Result<bool, AddSignatureError> {
        if member >= self.members.len() {
            return Err(AddSignatureError::UnknownMember);
        }
        Ok(self.signers[member / 8] >> (member % 8) & 1 == 1)
    }

    /// The costly half of [`BlsCertificateBuilder::add`], without changing the builder (so that
    /// signatures can be verified in parallel): checks member `member`'s signature of
    /// `serialized_message` (this builder's message) under its key.
    ///
    /// # Errors
    ///
    /// As [`BlsCertificateBuilder::add`].
    pub fn verify(
        &self,
        member: usize,
        serialized_message: &[u8],
        signature: &BlsSignature,
    ) -> Result<VerifiedBlsSignature, AddSignatureError> {
        let public_key = self.member_key(member).ok_or(AddSignatureError::UnknownMember)?;
        if serialized_message != self.message.as_slice() {
            return Err(AddSignatureError::MessageMismatch);
        }
        VerifiedBlsSignature::new(member, public_key, self.message.clone(), signature)
    }

    /// Member `member`'s BLS public key, or `None` past the last member.
    pub fn member_key(&self, member: usize) -> Option<BlsPublicKey> {
        self.members.get(member).map(|(key, _)| *key)
    }

    /// Adds a signature [`BlsCertificateBuilder::verify`] accepted to the aggregate; `Ok(false)`
    /// for a member that already signed.
    ///
    /// # Errors
    ///
    /// [`AddSignatureError::MessageMismatch`] or [`AddSignatureError::UnknownMember`] for a
    /// signature verified by a builder of another message or committee.
    pub fn insert(&mut self, verified: VerifiedBlsSignature) -> Result<bool, AddSignatureError> {
        let member = verified.member;
        let (public_key, weight) = *self.members.get(member).ok_or(AddSignatureError::UnknownMember)?;
        if public_key != verified.public_key {
            return Err(AddSignatureError::UnknownMember);
        }
        if verified.message != self.message {
            return Err(AddSignatureError::MessageMismatch);
        }
        if self.has_signed(member)? {
            return Ok(false);
        }
        self.aggregate += G2Projective::from(verified.point);
        self.signers[member / 8] |= 1 << (member % 8);
        self.weight += u32::from(weight);
        Ok(true)
    }

    /// The index of the member with `public_key`.
    pub fn member_index(&self, public_key: &BlsPublicKey) -> Option<usize> {
        self.members.iter().position(|(k, _)| k == public_key)
    }

    /// The weight of the signatures collected.
    pub fn weight(&self) -> u32 {
        self.weight
    }

    /// The weight the certificate needs.
    pub fn required_weight(&self) -> u32 {
        T::THRESHOLD.required_weight(self.members.iter().map(|(_, w)| u32::from(*w)).sum())
    }

    /// The weight still missing (0 once complete).
    pub fn missing_weight(&self) -> u32 {
        self.required_weight().saturating_sub(self.weight)
    }

    /// Whether the collected weight meets the threshold.
    pub fn is_complete(&self) -> bool {
        self.missing_weight() == 0
    }

    /// The committee's epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The certificate: the aggregate signature, the signer bitmap and the message.
    ///
    /// # Errors
    ///
    /// [`CertificateError::NotEnoughWeight`] while the weight is below the threshold.
    pub fn finish(&self) -> Result<BlsCertificate, CertificateError> {
        if !self.is_complete() {
            return Err(CertificateError::NotEnoughWeight {
                weight: self.weight,
                required: self.required_weight(),
                n_shards: self.members.iter().map(|(_, w)| u32::from(*w)).sum(),
            });
        }
        Ok(BlsCertificate {
            signature: BlsSignature(G2Affine::from(self.aggregate).to_compressed()),
            signers: self.signers.clone(),
            serialized_message: self.message.clone(),
        })
    }
}

/// A BLS12-381 secret key. `Debug` does not print the secret.
#[derive(Clone)]
pub struct BlsSigningKey {
    scalar: Scalar,
}

impl fmt::Debug for BlsSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlsSigningKey({:?})", self.public_key())
    }
}

impl BlsSigningKey {
    /// The key of a 32-byte big-endian scalar (fastcrypto's and blst's secret key bytes).
    ///
    /// # Errors
    ///
    /// [`BlsError::InvalidSecretKey`] for zero or a value not below the group order.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, BlsError> {
        let mut le = *bytes;
        le.reverse();
        let scalar = Option::<Scalar>::from(Scalar::from_bytes(&le)).ok_or(BlsError::InvalidSecretKey)?;
        if scalar == Scalar::zero() {
            return Err(BlsError::InvalidSecretKey);
        }
        Ok(Self { scalar })
    }

    /// The key derived from input keying material `ikm` (at least 32 bytes of entropy) by the
    /// IETF BLS KeyGen (draft-irtf-cfrg-bls-signature §2.3, empty `key_info`), as blst's
    /// `SecretKey::key_gen`.
    ///
    /// # Errors
    ///
    /// [`BlsError::InvalidSecretKey`] when `ikm` is shorter than 32 bytes.
    pub fn from_ikm(ikm: &[u8]) -> Result<Self, BlsError> {
        if ikm.len() < 32 {
            return Err(BlsError::InvalidSecretKey);
        }
        let mut salt: [u8; 32] = Sha256::digest(b"BLS-SIG-KEYGEN-SALT-").into();
        loop {
            // PRK = HKDF-Extract(salt, IKM || I2OSP(0, 1)); OKM = HKDF-Expand(PRK, I2OSP(48, 2), 48)
            let mut hk = hkdf::HkdfExtract::<Sha256>::new(Some(&salt));
            hk.input_ikm(ikm);
            hk.input_ikm(&[0]);
            let (_, expander) = hk.finalize();
            let mut okm = [0u8; 48];
            expander.expand(&[0, 48], &mut okm).map_err(|_| BlsError::InvalidSecretKey)?;
            // OS2IP(OKM) mod r: the 48 big-endian bytes as a little-endian 64-byte wide integer.
            let mut wide = [0u8; 64];
            for (i, b) in okm.iter().rev().enumerate() {
                wide[i] = *b;
            }
            let scalar = Scalar::from_bytes_wide(&wide);
            if scalar != Scalar::zero() {
                return Ok(Self { scalar });
            }
            salt = Sha256::digest(salt).into();
        }
    }

    /// The 32-byte big-endian secret scalar.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut be = self.scalar.to_bytes();
        be.reverse();
        be
    }

    /// The public key: the secret times the G1 generator.
    pub fn public_key(&self) -> BlsPublicKey {
        BlsPublicKey(G1Affine::from(G1Affine::generator() * self.scalar).to_compressed())
    }

    /// The proof of possession of this key for `epoch` and `address`
    /// ([`proof_of_possession_message`]).
    pub fn proof_of_possession(&self, epoch: u32, address: &[u8; 32]) -> BlsSignature {
        self.sign(&proof_of_possession_message(epoch, address, &self.public_key()))
    }

    /// The signature of `message`: the secret times `H(message)` ([`DST`]).
    pub fn sign(&self, message: &[u8]) -> BlsSignature {
        BlsSignature(G2Affine::from(hash_to_g2(message, DST) * self.scalar).to_compressed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex48(text: &str) -> [u8; 48] {
        let mut out = [0u8; 48];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// RFC 9380 Appendix J.10.1 (`BLS12381G2_XMD:SHA-256_SSWU_RO_`), messages "" and
    /// "abcdef0123456789": P = (x0 + x1·I, y0 + y1·I); uncompressed encoding is x1‖x0‖y1‖y0.
    #[test]
    fn hash_to_g2_matches_rfc_9380() {
        let dst = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_";
        let cases: [(&[u8], [&str; 4]); 2] = [
            (
                b"",
                [
                    "0141ebfbdca40eb85b87142e130ab689c673cf60f1a3e98d69335266f30d9b8d4ac44c1038e9dcdd5393faf5c41fb78a",
                    "05cb8437535e20ecffaef7752baddf98034139c38452458baeefab379ba13dff5bf5dd71b72418717047f5b0f37da03d",
                    "0503921d7f6a12805e72940b963c0cf3471c7b2a524950ca195d11062ee75ec076daf2d4bc358c4b190c0c98064fdd92",
                    "12424ac32561493f3fe3c260708a12b7c620e7be00099a974e259ddc7d1f6395c3c811cdd19f1e8dbf3e9ecfdcbab8d6",
                ],
            ),
            (
                b"abcdef0123456789",
                [
                    "121982811d2491fde9ba7ed31ef9ca474f0e1501297f68c298e9f4c0028add35aea8bb83d53c08cfc007c1e005723cd0",
                    "190d119345b94fbd15497bcba94ecf7db2cbfd1e1fe7da034d26cbba169fb3968288b3fafb265f9ebd380512a71c3f2c",
                    "05571a0f8d3c08d094576981f4a3b8eda0a8e771fcdcc8ecceaf1356a6acf17574518acb506e435b639353c2e14827c8",
                    "0bb5e7572275c567462d91807de765611490205a941a5a6af3b1691bfe596c31225d3aabdf15faff860cb4ef17c7c3be",
                ],
            ),
        ];
        for (message, [x0, x1, y0, y1]) in cases {
            let got = hash_to_g2(message, dst).to_uncompressed();
            let mut expected = [0u8; 192];
            for (i, part) in [x1, x0, y1, y0].iter().enumerate() {
                expected[48 * i..48 * (i + 1)].copy_from_slice(&hex48(part));
            }
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn sign_verify_and_aggregate() {
        let keys: [BlsSigningKey; 3] = core::array::from_fn(|i| BlsSigningKey::from_ikm(&[i as u8 + 1; 32]).unwrap());
        let message = b"\x01\x00\x03 a storage confirmation";
        let sigs: [BlsSignature; 3] = core::array::from_fn(|i| keys[i].sign(message));
        let pks: [BlsPublicKey; 3] = core::array::from_fn(|i| keys[i].public_key());
        for i in 0..3 {
            pks[i].verify(message, &sigs[i]).unwrap();
            assert!(pks[i].verify(b"another", &sigs[i]).is_err());
            assert!(pks[(i + 1) % 3].verify(message, &sigs[i]).is_err());
        }
        let agg = aggregate_signatures(&sigs).unwrap();
        verify_aggregate(&pks, message, &agg).unwrap();
        assert!(verify_aggregate(&pks[..2], message, &agg).is_err());
        assert!(verify_aggregate(&pks, b"another", &agg).is_err());
        assert_eq!(aggregate_signatures(&[] as &[BlsSignature]), Err(BlsError::Empty));
        assert!(verify_aggregate(&[] as &[BlsPublicKey], message, &agg).is_err());
    }

    #[test]
    fn secret_keys_round_trip_and_bad_bytes_are_refused() {
        let key = BlsSigningKey::from_ikm(b"an input keying material of 32 bytes or more").unwrap();
        let again = BlsSigningKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(BlsSigningKey::from_bytes(&[0; 32]).unwrap_err(), BlsError::InvalidSecretKey);
        assert_eq!(BlsSigningKey::from_bytes(&[0xff; 32]).unwrap_err(), BlsError::InvalidSecretKey);
        assert_eq!(BlsSigningKey::from_ikm(&[1; 31]).unwrap_err(), BlsError::InvalidSecretKey);
        // The identity (compressed: infinity flag set) is not a key, nor a signature.
        let mut identity = [0u8; 48];
        identity[0] = 0xc0;
        assert_eq!(BlsPublicKey(identity).validate(), Err(BlsError::InvalidPublicKey));
        let mut sig = [0u8; 96];
        sig[0] = 0xc0;
        assert!(key.public_key().verify(b"m", &BlsSignature(sig)).is_err());
        assert!(key.public_key().verify(b"m", &BlsSignature([0xab; 96])).is_err());
    }

    #[test]
    fn walrus_certificates_follow_the_rules_of_spec_10_3() {
        use crate::messages::{BlobPersistenceType, StorageConfirmation};
        use crate::metadata::BlobId;

        let keys: [BlsSigningKey; 4] = core::array::from_fn(|i| BlsSigningKey::from_ikm(&[i as u8 + 9; 32]).unwrap());
        let members: [(BlsPublicKey, u16); 4] = core::array::from_fn(|i| (keys[i].public_key(), [3, 3, 2, 2][i]));
        let committee = BlsMembers { epoch: 7, members: &members };
        let blob_id = BlobId([0x42; 32]);
        let message = StorageConfirmation::new(7, blob_id, BlobPersistenceType::Permanent).to_message_bytes();
        let sign = |who: &[usize]| {
            let sigs: alloc::vec::Vec<BlsSignature> = who.iter().map(|&i| keys[i].sign(&message)).collect();
            aggregate_signatures(&sigs).unwrap()
        };
        // Members 0, 1, 2 hold 8 of 10 shards: 3·8 ≥ 2·10 + 1.
        let cert = WalrusCertificate { signature: sign(&[0, 1, 2]), signers: &[0b0111], serialized_message: &message };
        let blob = cert.verify_kind(&committee, None).unwrap();
        assert_eq!((blob.blob_id, blob.epoch, blob.signer_weight, blob.n_signers), (blob_id, 7, 8, 3));
        // Members 2 and 3 hold 4: below the quorum.
        let weak = WalrusCertificate { signature: sign(&[2, 3]), signers: &[0b1100], serialized_message: &message };
        assert!(matches!(weak.verify_kind(&committee, None), Err(CertificateError::NotEnoughWeight { weight: 4, .. })));
        // The bitmap claims a signer whose signature is not in the aggregate.
        let lying = WalrusCertificate { signature: sign(&[0, 1]), signers: &[0b0111], serialized_message: &message };
        assert_eq!(lying.verify_kind(&committee, None), Err(CertificateError::InvalidSignature));
        let beyond =
            WalrusCertificate { signature: sign(&[0, 1, 2]), signers: &[0b1_0111], serialized_message: &message };
        assert!(matches!(
            beyond.verify_kind(&committee, None),
            Err(CertificateError::SignerOutOfRange { signer: 4, .. })
        ));
        let later = BlsMembers { epoch: 8, members: &members };
        assert!(matches!(cert.verify_kind(&later, None), Err(CertificateError::EpochMismatch { .. })));
    }

    #[test]
    fn the_builder_aggregates_as_it_collects_and_the_bcs_form_round_trips() {
        use crate::messages::{BlobPersistenceType, StorageConfirmation, StorageConfirmationBody};
        use crate::metadata::BlobId;

        let keys: [BlsSigningKey; 4] = core::array::from_fn(|i| BlsSigningKey::from_ikm(&[i as u8 + 1; 32]).unwrap());
        let members: alloc::vec::Vec<(BlsPublicKey, u16)> =
            keys.iter().zip([4u16, 3, 2, 1]).map(|(k, w)| (k.public_key(), w)).collect();
        let confirmation = StorageConfirmation::new(3, BlobId([7; 32]), BlobPersistenceType::Permanent);
        let message = confirmation.to_message_bytes().to_vec();
        assert!(matches!(
            BlsCertificateBuilder::new(4, members.clone(), &confirmation),
            Err(CertificateError::EpochMismatch { .. })
        ));
        let mut builder: BlsCertificateBuilder<StorageConfirmationBody> =
            BlsCertificateBuilder::new(3, members.clone(), &confirmation).unwrap();
        assert_eq!(builder.required_weight(), 7);
        // A signature by another key, of another message, by an unknown member: refused, nothing counted.
        assert_eq!(builder.add(0, &message, &keys[1].sign(&message)), Err(AddSignatureError::InvalidSignature));
        assert_eq!(builder.add(0, b"other", &keys[0].sign(b"other")), Err(AddSignatureError::MessageMismatch));
        assert_eq!(builder.add(4, &message, &keys[0].sign(&message)), Err(AddSignatureError::UnknownMember));
        assert!(matches!(builder.finish(), Err(CertificateError::NotEnoughWeight { weight: 0, required: 7, .. })));
        assert_eq!(builder.add(0, &message, &keys[0].sign(&message)), Ok(true));
        assert_eq!(builder.add(0, &message, &keys[0].sign(&message)), Ok(false));
        assert_eq!(builder.add(2, &message, &keys[2].sign(&message)), Ok(true));
        assert_eq!((builder.weight(), builder.missing_weight(), builder.is_complete()), (6, 1, false));
        assert_eq!(builder.add(3, &message, &keys[3].sign(&message)), Ok(true));
        let cert = builder.finish().unwrap();
        // The running sum equals the aggregate of the three signatures, and the certificate verifies.
        let expected = aggregate_signatures(&[keys[0].sign(&message), keys[2].sign(&message), keys[3].sign(&message)]);
        assert_eq!(cert.signature, expected.unwrap());
        assert_eq!(cert.signers, [0b1101]);
        let committee = BlsMembers { epoch: 3, members: &members };
        assert_eq!(cert.as_view().verify_kind(&committee, None).unwrap().signer_weight, 7);
        // BCS: indices 0, 2, 3 as u16, the message, the 96 signature bytes.
        let bcs = cert.to_bcs();
        assert_eq!(&bcs[..7], &[3, 0, 0, 2, 0, 3, 0]);
        assert_eq!(bcs.len(), 7 + 1 + message.len() + BLS_SIGNATURE_LEN);
        assert_eq!(BlsCertificate::from_bcs(&bcs).unwrap(), cert);
        // Unsorted or repeated indices, trailing or missing bytes: malformed.
        let mut unsorted = bcs.clone();
        unsorted[1..5].copy_from_slice(&[2, 0, 0, 0]);
        assert_eq!(BlsCertificate::from_bcs(&unsorted), Err(CertificateError::Malformed));
        let mut repeated = bcs.clone();
        repeated[3..5].copy_from_slice(&[0, 0]);
        assert_eq!(BlsCertificate::from_bcs(&repeated), Err(CertificateError::Malformed));
        assert_eq!(BlsCertificate::from_bcs(&[bcs.as_slice(), &[0]].concat()), Err(CertificateError::Malformed));
        assert_eq!(BlsCertificate::from_bcs(&bcs[..bcs.len() - 1]), Err(CertificateError::Malformed));
    }

    #[test]
    fn scheme_names() {
        use super::super::SignatureScheme;
        for (name, scheme) in [
            ("ed25519", SignatureScheme::Ed25519),
            ("bls", SignatureScheme::Bls12381),
            ("bls12381", SignatureScheme::Bls12381),
        ] {
            assert_eq!(name.parse::<SignatureScheme>(), Ok(scheme));
        }
        assert_eq!(SignatureScheme::Bls12381.as_str(), "bls12381");
        assert_eq!(
            (SignatureScheme::Bls12381.public_key_len(), SignatureScheme::Bls12381.signature_len()),
            (BLS_PUBLIC_KEY_LEN, BLS_SIGNATURE_LEN)
        );
        assert!("rsa".parse::<SignatureScheme>().is_err());
    }

    #[test]
    fn proofs_of_possession() {
        let key = BlsSigningKey::from_ikm(&[5; 32]).unwrap();
        let other = BlsSigningKey::from_ikm(&[6; 32]).unwrap();
        let address = [0xab; 32];
        let message = proof_of_possession_message(9, &address, &key.public_key());
        assert_eq!(
            (&message[..7], &message[7..39], &message[39..]),
            (&[0, 0, 3, 9, 0, 0, 0][..], &address[..], &key.public_key().0[..])
        );
        let pop = key.proof_of_possession(9, &address);
        assert_eq!(key.public_key().verify_proof_of_possession(9, &address, &pop), Ok(()));
        assert!(key.public_key().verify_proof_of_possession(10, &address, &pop).is_err());
        assert!(key.public_key().verify_proof_of_possession(9, &[0xac; 32], &pop).is_err());
        assert!(other.public_key().verify_proof_of_possession(9, &address, &pop).is_err());
    }
}
