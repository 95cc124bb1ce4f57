//! Committees and certificates (SPEC §10): verification, collecting storage confirmations into
//! a certificate (a client storing a blob), and the Ed25519 keys of accounts signing
//! control-plane requests (`morsa_core::auth`). Nodes' signing stays with the nodes.

use morsa_core::certificate::{
    Certificate, CertificateBuilder as CoreBuilder, CertificateKind, Committee as CoreCommittee, Signature,
    SigningKey as CoreSigningKey,
};
use morsa_core::messages::{BlobPersistenceType, StorageConfirmation, StorageConfirmationBody};
use morsa_core::metadata::BlobId;
use morsa_core::wire::BcsDecode;
use wasm_bindgen::prelude::*;

use crate::errors::*;

/// A validated committee for one epoch (postcard bytes, as the control plane's
/// `GET /v1/committee` gives them base64-encoded in `committee`).
#[wasm_bindgen]
pub struct Committee(CoreCommittee);

#[wasm_bindgen]
impl Committee {
    /// Parses and validates postcard committee bytes. Throws `COMMITTEE`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Committee, JsValue> {
        CoreCommittee::from_bytes(bytes).map(Self).map_err(js_err)
    }

    /// The epoch.
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> u32 {
        self.0.epoch()
    }

    /// The total number of shards.
    #[wasm_bindgen(getter, js_name = nShards)]
    pub fn n_shards(&self) -> u16 {
        self.0.n_shards()
    }

    /// The number of members.
    #[wasm_bindgen(getter, js_name = nMembers)]
    pub fn n_members(&self) -> usize {
        self.0.members().len()
    }

    /// The shards of member `index`, in its order.
    #[wasm_bindgen(js_name = memberShards)]
    pub fn member_shards(&self, index: usize) -> Result<Vec<u16>, JsValue> {
        self.0.members().get(index).map(|m| m.shards.clone()).ok_or_else(|| invalid(format!("no member {index}")))
    }

    /// The 32-byte Ed25519 public key of member `index`.
    #[wasm_bindgen(js_name = memberPublicKey)]
    pub fn member_public_key(&self, index: usize) -> Result<Vec<u8>, JsValue> {
        self.0
            .members()
            .get(index)
            .map(|m| m.public_key.0.to_vec())
            .ok_or_else(|| invalid(format!("no member {index}")))
    }

    /// The index of the member holding `shard`.
    #[wasm_bindgen(js_name = shardOwner)]
    pub fn shard_owner(&self, shard: u16) -> Result<usize, JsValue> {
        self.0.shard_owner(shard).ok_or_else(|| invalid(format!("shard {shard} is out of range")))
    }
}

/// What a verified certificate certifies.
#[wasm_bindgen]
pub struct VerifiedCertificate {
    kind: &'static str,
    epoch: u32,
    blob_id: String,
    object_id: Option<Vec<u8>>,
    signer_weight: u32,
    n_signers: usize,
}

impl From<morsa_core::certificate::CertifiedBlob> for VerifiedCertificate {
    fn from(v: morsa_core::certificate::CertifiedBlob) -> Self {
        Self {
            kind: v.kind.as_str(),
            epoch: v.epoch,
            blob_id: v.blob_id.to_string(),
            object_id: v.object_id.map(|id| id.to_vec()),
            signer_weight: v.signer_weight,
            n_signers: v.n_signers,
        }
    }
}

#[wasm_bindgen]
impl VerifiedCertificate {
    /// `"confirmation"` or `"invalid_blob"`.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.kind.into()
    }

    /// The epoch of the message.
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The blob ID certified.
    #[wasm_bindgen(getter, js_name = blobId)]
    pub fn blob_id(&self) -> String {
        self.blob_id.clone()
    }

    /// The 32-byte object ID of a deletable blob's confirmation, else `undefined`.
    #[wasm_bindgen(getter, js_name = objectId)]
    pub fn object_id(&self) -> Option<Vec<u8>> {
        self.object_id.clone()
    }

    /// The number of shards of the signers.
    #[wasm_bindgen(getter, js_name = signerWeight)]
    pub fn signer_weight(&self) -> u32 {
        self.signer_weight
    }

    /// The number of signers.
    #[wasm_bindgen(getter, js_name = nSigners)]
    pub fn n_signers(&self) -> usize {
        self.n_signers
    }
}

/// Verifies a postcard certificate for `committee` (SPEC §10.3) as a `kind` certificate:
/// `"confirmation"` (storage confirmation, quorum `3w ≥ 2n + 1`) or `"invalid_blob"`
/// (invalid-blob attestation, validity `3w ≥ n + 1`); without `kind`, as the kind its message's
/// intent declares. Throws `CERTIFICATE`, `SIGNATURE` (deliberately opaque about which signature
/// failed), `WIRE_FORMAT` (a message that is not of the kind) or `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = verifyCertificate)]
pub fn verify_certificate(
    bytes: &[u8],
    committee: &Committee,
    kind: Option<String>,
) -> Result<VerifiedCertificate, JsValue> {
    let kind = kind.as_deref().map(parse::<CertificateKind>).transpose()?;
    let cert = Certificate::from_bytes(bytes).map_err(js_err)?;
    cert.verify_kind(&committee.0, kind).map(Into::into).map_err(js_err)
}

/// An Ed25519 signing key (an account's) from a 32-byte seed (RFC 8032 private key).
#[wasm_bindgen]
pub struct SigningKey(CoreSigningKey);

#[wasm_bindgen]
impl SigningKey {
    /// The key of a 32-byte seed. Throws `INVALID_ARGUMENT` for another length and
    /// `CERTIFICATE` for a seed the core refuses.
    #[wasm_bindgen(constructor)]
    pub fn new(seed: &[u8]) -> Result<SigningKey, JsValue> {
        CoreSigningKey::from_seed(fixed(seed, "a seed")?).map(Self).map_err(js_err)
    }

    /// The 32-byte public key.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().0.to_vec()
    }

    /// The 64-byte Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).0.to_vec()
    }
}

/// The bytes an account signs for a control-plane request (`morsa_core::auth`): domain tag,
/// method, path, nonce and the hex SHA-256 of `body`, one per line.
#[wasm_bindgen(js_name = requestMessage)]
pub fn request_message(method: &str, path: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    morsa_core::auth::request_message(method, path, nonce, body)
}

/// The BCS bytes of a storage confirmation (SPEC §10.1: `01 00 03 ‖ epoch ‖ blob ID ‖ blob
/// type`): what nodes sign for blob `blobId` in `epoch`, permanent or for the deletable blob
/// object `objectId` (32 bytes). Throws `INVALID_BLOB_ID`, `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = storageConfirmationBytes)]
pub fn storage_confirmation_bytes(epoch: u32, blob_id: &str, object_id: Option<Vec<u8>>) -> Result<Vec<u8>, JsValue> {
    Ok(storage_confirmation(epoch, blob_id, object_id)?.to_message_bytes().as_slice().to_vec())
}

/// The storage confirmation of `blob_id` for `epoch`: permanent, or for the deletable blob object
/// `object_id` (32 bytes). Throws `INVALID_BLOB_ID`, `INVALID_ARGUMENT`.
fn storage_confirmation(epoch: u32, blob_id: &str, object_id: Option<Vec<u8>>) -> Result<StorageConfirmation, JsValue> {
    let blob_id: BlobId = blob_id.parse().map_err(js_err)?;
    let blob_type = match object_id {
        None => BlobPersistenceType::Permanent,
        Some(id) => BlobPersistenceType::Deletable { object_id: fixed(&id, "an object ID")? },
    };
    Ok(StorageConfirmation::new(epoch, blob_id, blob_type))
}

/// The epoch of a BCS storage confirmation a node signed (SPEC §10.1). Throws `WIRE_FORMAT`.
#[wasm_bindgen(js_name = storageConfirmationEpoch)]
pub fn storage_confirmation_epoch(serialized_message: &[u8]) -> Result<u32, JsValue> {
    StorageConfirmation::from_bcs(serialized_message).map(|m| m.epoch).map_err(js_err)
}

/// Collects storage confirmations signed by committee members into a storage certificate
/// (SPEC §10.3), dropping invalid and duplicate ones: what a client storing a blob does.
#[wasm_bindgen]
pub struct CertificateBuilder(CoreBuilder<CoreCommittee, StorageConfirmationBody>);

#[wasm_bindgen]
impl CertificateBuilder {
    /// A builder of the storage certificate of blob `blobId` in `committee`'s epoch: permanent,
    /// or for the deletable blob object `objectId` (32 bytes). Throws `INVALID_BLOB_ID`,
    /// `INVALID_ARGUMENT`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        committee: &Committee,
        blob_id: &str,
        object_id: Option<Vec<u8>>,
    ) -> Result<CertificateBuilder, JsValue> {
        let message = storage_confirmation(committee.0.epoch(), blob_id, object_id)?;
        CoreBuilder::new(committee.0.clone(), &message).map(Self).map_err(js_err)
    }

    /// Adds member `member`'s signed confirmation; `true` if it counted (a new, valid one).
    /// Throws `CERTIFICATE` for an unknown member, another message or a bad signature.
    pub fn add(&mut self, member: usize, serialized_message: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
        self.0.add(member, serialized_message, &Signature(fixed(signature, "a signature")?)).map_err(js_err)
    }

    /// The shards of the members whose confirmations counted.
    #[wasm_bindgen(getter)]
    pub fn weight(&self) -> u32 {
        self.0.weight()
    }

    /// The weight a certificate needs (a quorum: `3w ≥ 2n + 1`).
    #[wasm_bindgen(getter, js_name = requiredWeight)]
    pub fn required_weight(&self) -> u32 {
        self.0.required_weight()
    }

    /// Whether the confirmations reach a quorum.
    #[wasm_bindgen(getter, js_name = isComplete)]
    pub fn is_complete(&self) -> bool {
        self.0.is_complete()
    }

    /// The postcard certificate. Throws `CERTIFICATE` before a quorum.
    pub fn finish(&self) -> Result<Vec<u8>, JsValue> {
        self.0.finish().map(|c| c.to_bytes()).map_err(js_err)
    }
}

// ---------------------------------------------------------------------------------------------
// BLS12-381 (min_pk), as Walrus's storage nodes sign (`morsa_core::certificate::bls`)

use morsa_core::certificate::bls::{self, BlsPublicKey, BlsSignature, BlsSigningKey as CoreBlsKey};

fn bls_key(bytes: &[u8]) -> Result<BlsPublicKey, JsValue> {
    fixed(bytes, "a BLS12-381 public key").map(BlsPublicKey)
}

fn bls_signature(bytes: &[u8]) -> Result<BlsSignature, JsValue> {
    fixed(bytes, "a BLS12-381 signature").map(BlsSignature)
}

pub(crate) fn byte_arrays(items: &js_sys::Array) -> Vec<Vec<u8>> {
    items.iter().map(|v| js_sys::Uint8Array::new(&v).to_vec()).collect()
}

/// A BLS12-381 secret key: from input keying material (`fromIkm`, IETF KeyGen) or 32 big-endian
/// bytes (`fromBytes`, fastcrypto's encoding).
#[wasm_bindgen]
pub struct BlsSigningKey(CoreBlsKey);

#[wasm_bindgen]
impl BlsSigningKey {
    /// The key derived from at least 32 bytes of input keying material. Throws `SIGNATURE`.
    #[wasm_bindgen(js_name = fromIkm)]
    pub fn from_ikm(ikm: &[u8]) -> Result<BlsSigningKey, JsValue> {
        CoreBlsKey::from_ikm(ikm).map(Self).map_err(js_err)
    }

    /// The key of a 32-byte big-endian scalar. Throws `INVALID_ARGUMENT`, `SIGNATURE`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<BlsSigningKey, JsValue> {
        CoreBlsKey::from_bytes(&fixed(bytes, "a BLS12-381 secret key")?).map(Self).map_err(js_err)
    }

    /// The 48-byte compressed public key.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().0.to_vec()
    }

    /// The 96-byte signature of `message` (DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_`).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).0.to_vec()
    }
}

/// Whether `signature` (96 bytes) of `message` verifies under `publicKey` (48 bytes); the
/// arguments of the official `bls12381_min_pk_verify`. Throws `INVALID_ARGUMENT` for lengths.
#[wasm_bindgen(js_name = blsVerify)]
pub fn bls_verify(signature: &[u8], public_key: &[u8], message: &[u8]) -> Result<bool, JsValue> {
    Ok(bls_key(public_key)?.verify(message, &bls_signature(signature)?).is_ok())
}

/// The aggregate of signatures (an array of 96-byte arrays). Throws `SIGNATURE` for an invalid
/// one, `INVALID_ARGUMENT` for none or a wrong length.
#[wasm_bindgen(js_name = blsAggregate)]
pub fn bls_aggregate(signatures: &js_sys::Array) -> Result<Vec<u8>, JsValue> {
    let sigs = byte_arrays(signatures).iter().map(|b| bls_signature(b)).collect::<Result<Vec<_>, _>>()?;
    bls::aggregate_signatures(&sigs).map(|s| s.0.to_vec()).map_err(js_err)
}

/// Whether `signature` is the aggregate of signatures of `message` by every key of `publicKeys`
/// (an array of 48-byte arrays); the official `bls12381_min_pk_verify_aggregate`.
#[wasm_bindgen(js_name = blsVerifyAggregate)]
pub fn bls_verify_aggregate(public_keys: &js_sys::Array, message: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
    let keys = byte_arrays(public_keys).iter().map(|b| bls_key(b)).collect::<Result<Vec<_>, _>>()?;
    Ok(bls::verify_aggregate(&keys, message, &bls_signature(signature)?).is_ok())
}

/// Verifies a Walrus certificate (the arguments of `certify_blob`: the aggregate `signature`,
/// the `signers` bitmap, the signed `message`) for the committee of `epoch` whose members, in
/// committee order, are `publicKeys[i]` (48 bytes each) holding `weights[i]` shards; as a `kind`
/// certificate or as its message declares (SPEC §10.3). Throws `CERTIFICATE` (with the reason),
/// `WIRE_FORMAT` or `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = verifyWalrusCertificate)]
pub fn verify_walrus_certificate(
    signature: &[u8],
    signers: &[u8],
    message: &[u8],
    epoch: u32,
    public_keys: &js_sys::Array,
    weights: &[u16],
    kind: Option<String>,
) -> Result<VerifiedCertificate, JsValue> {
    let kind = kind.as_deref().map(parse::<CertificateKind>).transpose()?;
    let keys = byte_arrays(public_keys).iter().map(|b| bls_key(b)).collect::<Result<Vec<_>, _>>()?;
    if keys.len() != weights.len() {
        return Err(invalid(format!("{} public keys but {} weights", keys.len(), weights.len())));
    }
    let members: Vec<(BlsPublicKey, u16)> = keys.into_iter().zip(weights.iter().copied()).collect();
    let cert = bls::WalrusCertificate { signature: bls_signature(signature)?, signers, serialized_message: message };
    cert.verify_kind(&bls::BlsMembers { epoch, members: &members }, kind).map(Into::into).map_err(js_err)
}

/// The signer bitmap of member indices `signers` in a committee of `nMembers` (member `i` is bit
/// `i % 8` of byte `i / 8`). Throws `INVALID_ARGUMENT` for an index past the last member.
#[wasm_bindgen(js_name = signerBitmap)]
pub fn signer_bitmap(signers: &[u32], n_members: u32) -> Result<Vec<u8>, JsValue> {
    morsa_core::certificate::signer_bitmap(signers.iter().map(|&i| i as usize), n_members as usize)
        .ok_or_else(|| invalid(format!("a signer index is not below the {n_members} members")))
}

/// Walrus's BCS `ProtocolMessageCertificate` (what a BLS network's control plane certifies with)
/// of an aggregate `signature` (96 bytes), a signer bitmap and the signed message. Throws
/// `INVALID_ARGUMENT` for a signature that is not 96 bytes.
#[wasm_bindgen(js_name = walrusCertificateBytes)]
pub fn walrus_certificate_bytes(signature: &[u8], signers: &[u8], message: &[u8]) -> Result<Vec<u8>, JsValue> {
    let cert = bls::BlsCertificate {
        signature: bls_signature(signature)?,
        signers: signers.to_vec(),
        serialized_message: message.to_vec(),
    };
    Ok(cert.to_bcs())
}

/// Collects BLS storage confirmations of a committee that certifies with BLS12-381 (as Walrus's)
/// into Walrus's certificate, aggregating as it goes: the same interface as `CertificateBuilder`;
/// `finish` returns Walrus's BCS `ProtocolMessageCertificate`.
#[wasm_bindgen]
pub struct BlsCertificateBuilder(bls::BlsCertificateBuilder<StorageConfirmationBody>);

#[wasm_bindgen]
impl BlsCertificateBuilder {
    /// A builder of the storage certificate of blob `blobId` for the committee of `epoch` whose
    /// members, in order, have `publicKeys` (48 bytes each) and `weights` (shards): permanent, or
    /// for the deletable blob object `objectId` (32 bytes). Throws `INVALID_BLOB_ID`,
    /// `INVALID_ARGUMENT`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        epoch: u32,
        public_keys: &js_sys::Array,
        weights: &[u16],
        blob_id: &str,
        object_id: Option<Vec<u8>>,
    ) -> Result<BlsCertificateBuilder, JsValue> {
        let keys = byte_arrays(public_keys).iter().map(|b| bls_key(b)).collect::<Result<Vec<_>, _>>()?;
        if keys.len() != weights.len() {
            return Err(invalid(format!("{} public keys but {} weights", keys.len(), weights.len())));
        }
        let message = storage_confirmation(epoch, blob_id, object_id)?;
        let members = keys.into_iter().zip(weights.iter().copied()).collect();
        bls::BlsCertificateBuilder::new(epoch, members, &message).map(Self).map_err(js_err)
    }

    /// Adds member `member`'s signed confirmation (a 96-byte BLS signature) to the aggregate;
    /// `true` if it counted. Throws `CERTIFICATE` or `SIGNATURE`.
    pub fn add(&mut self, member: usize, serialized_message: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
        self.0.add(member, serialized_message, &bls_signature(signature)?).map_err(js_err)
    }

    /// The shards of the members whose confirmations counted.
    #[wasm_bindgen(getter)]
    pub fn weight(&self) -> u32 {
        self.0.weight()
    }

    /// The weight a certificate needs (a quorum: `3w ≥ 2n + 1`).
    #[wasm_bindgen(getter, js_name = requiredWeight)]
    pub fn required_weight(&self) -> u32 {
        self.0.required_weight()
    }

    /// Whether the confirmations reach a quorum.
    #[wasm_bindgen(getter, js_name = isComplete)]
    pub fn is_complete(&self) -> bool {
        self.0.is_complete()
    }

    /// Walrus's BCS certificate. Throws `CERTIFICATE` before a quorum.
    pub fn finish(&self) -> Result<Vec<u8>, JsValue> {
        self.0.finish().map(|c| c.to_bcs()).map_err(js_err)
    }
}
