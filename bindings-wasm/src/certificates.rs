//! Committees and certificates (SPEC §10): verification only; signing stays with the nodes.

use morsa_core::certificate::{Certificate, CertificateKind, Committee as CoreCommittee};
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
    let v = cert.verify_kind(&committee.0, kind).map_err(js_err)?;
    Ok(VerifiedCertificate {
        kind: v.kind.as_str(),
        epoch: v.epoch,
        blob_id: v.blob_id.to_string(),
        object_id: v.object_id.map(|id| id.to_vec()),
        signer_weight: v.signer_weight,
        n_signers: v.n_signers,
    })
}
