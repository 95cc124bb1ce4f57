//! Seal-compatible encryption (`morsa_core::seal`): objects encrypted to t-of-n key servers,
//! decrypted with their user secret keys; the key servers' side (master keys, user secret keys)
//! and the readers' side of private blobs (ElGamal reader keys, key responses opened and
//! verified, chunked blobs parsed and decrypted).

use js_sys::{Array, Object, Reflect, Uint8Array};
use morsa_core::seal::{self, Dem, EncryptedObject, KeyServer, MasterKey};
use wasm_bindgen::prelude::*;

use crate::certificates::byte_arrays;
use crate::errors::*;

/// An object encrypted with Seal: its BCS bytes (`object`) and its DEM key (`key`, which alone
/// decrypts it: keep it secret or drop it).
#[wasm_bindgen]
pub struct SealEncrypted {
    object: Vec<u8>,
    key: [u8; 32],
}

#[wasm_bindgen]
impl SealEncrypted {
    /// The BCS `EncryptedObject`.
    #[wasm_bindgen(getter)]
    pub fn object(&self) -> Vec<u8> {
        self.object.clone()
    }

    /// The DEM key (32 bytes).
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> Vec<u8> {
        self.key.to_vec()
    }
}

/// Encrypts `plaintext` for `packageId ‖ id` to the key servers (`objectIds[i]`, 32 bytes;
/// `publicKeys[i]`, 96 bytes) with `threshold`, as `dem` (`'aes256gcm'` or `'hmac256ctr'`) with
/// additional data `aad`; `seed`: 32 bytes from `crypto.getRandomValues`. Throws
/// `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = sealEncrypt)]
#[allow(clippy::too_many_arguments)]
pub fn seal_encrypt(
    seed: &[u8],
    object_ids: &js_sys::Array,
    public_keys: &js_sys::Array,
    threshold: u8,
    package_id: &[u8],
    id: &[u8],
    plaintext: &[u8],
    aad: &[u8],
    dem: &str,
) -> Result<SealEncrypted, JsValue> {
    let ids = byte_arrays(object_ids);
    let pks = byte_arrays(public_keys);
    if ids.len() != pks.len() {
        return Err(invalid(format!("{} object IDs but {} public keys", ids.len(), pks.len())));
    }
    let servers = ids
        .iter()
        .zip(&pks)
        .map(|(o, p)| {
            Ok(KeyServer { object_id: fixed(o, "an object ID")?, public_key: fixed(p, "a key server public key")? })
        })
        .collect::<Result<Vec<_>, JsValue>>()?;
    let dem = match dem {
        "aes256gcm" => Dem::Aes256Gcm { aad },
        "hmac256ctr" => Dem::Hmac256Ctr { aad },
        other => return Err(invalid(format!("the DEM must be 'aes256gcm' or 'hmac256ctr', not {other:?}"))),
    };
    let (object, key) = seal::encrypt(
        &fixed(seed, "the seed")?,
        &servers,
        threshold,
        &fixed(package_id, "a package ID")?,
        id,
        plaintext,
        dem,
    )
    .map_err(js_err)?;
    Ok(SealEncrypted { object: object.to_bcs(), key })
}

/// Decrypts a BCS `EncryptedObject` with user secret keys (48 bytes each) of the key servers at
/// `indices` of its services; with `publicKeys` (one per service), every share is checked to be
/// consistent. Throws `WIRE_FORMAT`, `VERIFICATION`, `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = sealDecrypt)]
pub fn seal_decrypt(
    object: &[u8],
    indices: &[u32],
    user_secret_keys: &js_sys::Array,
    public_keys: Option<js_sys::Array>,
) -> Result<Vec<u8>, JsValue> {
    let object = EncryptedObject::from_bcs(object).map_err(js_err)?;
    let keys = indexed_keys(indices, user_secret_keys)?;
    let pks = public_keys_of(public_keys)?;
    seal::decrypt(&object, &keys, pks.as_deref()).map_err(js_err)
}

/// `(service index, user secret key)` pairs of parallel arguments.
fn indexed_keys(indices: &[u32], user_secret_keys: &js_sys::Array) -> Result<Vec<(usize, [u8; 48])>, JsValue> {
    let usks = byte_arrays(user_secret_keys);
    if usks.len() != indices.len() {
        return Err(invalid(format!("{} indices but {} user secret keys", indices.len(), usks.len())));
    }
    indices.iter().zip(&usks).map(|(&i, k)| Ok((i as usize, fixed(k, "a user secret key")?))).collect()
}

/// The key servers' public keys (96 bytes each), when given.
fn public_keys_of(public_keys: Option<js_sys::Array>) -> Result<Option<Vec<[u8; 96]>>, JsValue> {
    public_keys.map(|p| byte_arrays(&p).iter().map(|k| fixed(k, "a key server public key")).collect()).transpose()
}

#[wasm_bindgen(typescript_custom_section)]
const TS_SEAL_TYPES: &str = r#"
/** What a private blob says of itself (`sealParseBlob`). */
export interface SealBlobInfo {
  /** The package whose policies govern the identity (32 bytes). */
  packageId: Uint8Array;
  /** The inner identity (for Morsa's policies: policy ID (32 bytes) ‖ nonce (16 bytes)). */
  id: Uint8Array;
  /** The key servers in the object's order: object ID (32 bytes) and share index. The
   * position in this array is the index `sealDecryptBlob` takes with a key. */
  services: { objectId: Uint8Array; index: number }[];
  /** Keys (of distinct services) needed to decrypt. */
  threshold: number;
  dem: 'aes256gcm' | 'hmac256ctr' | 'plain';
  /** Ciphertext bytes, summed over the chunks. */
  ciphertextLength: number;
  /** 1 for one Seal object, else the chunks of Morsa's chunked framing ("MSCH"). */
  chunks: number;
}
"#;

fn set(target: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// What a private blob (one BCS `EncryptedObject`, or Morsa's chunked framing) says of itself:
/// `{ packageId, id, services: [{ objectId, index }], threshold, dem, ciphertextLength, chunks }`
/// (see `SealBlobInfo`). Throws `WIRE_FORMAT` for anything else.
#[wasm_bindgen(js_name = sealParseBlob, unchecked_return_type = "SealBlobInfo")]
pub fn seal_parse_blob(blob: &[u8]) -> Result<JsValue, JsValue> {
    let blob_info = seal::blob_info(blob).map_err(js_err)?;
    let info = Object::new();
    set(&info, "packageId", &Uint8Array::from(&blob_info.package_id[..]).into());
    set(&info, "id", &Uint8Array::from(&blob_info.id[..]).into());
    let services = Array::new();
    for (object_id, index) in &blob_info.services {
        let service = Object::new();
        set(&service, "objectId", &Uint8Array::from(&object_id[..]).into());
        set(&service, "index", &JsValue::from(*index));
        services.push(&service);
    }
    set(&info, "services", &services);
    set(&info, "threshold", &JsValue::from(blob_info.threshold));
    set(&info, "dem", &JsValue::from_str(blob_info.dem));
    set(&info, "ciphertextLength", &JsValue::from(blob_info.ciphertext_len as f64));
    set(&info, "chunks", &JsValue::from(blob_info.chunks as f64));
    Ok(info.into())
}

/// Decrypts a private blob (one BCS `EncryptedObject` or Morsa's chunked framing) with user
/// secret keys (48 bytes each) of the key servers at `indices` of its services, as
/// `sealDecrypt` takes them; with `publicKeys` (one per service, in order) every share of every
/// chunk is checked. Throws `WIRE_FORMAT`, `VERIFICATION`, `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = sealDecryptBlob)]
pub fn seal_decrypt_blob(
    blob: &[u8],
    indices: &[u32],
    user_secret_keys: &js_sys::Array,
    public_keys: Option<js_sys::Array>,
) -> Result<Vec<u8>, JsValue> {
    let keys = indexed_keys(indices, user_secret_keys)?;
    let pks = public_keys_of(public_keys)?;
    seal::decrypt_blob(blob, &keys, pks.as_deref()).map_err(js_err)
}

/// A reader's ephemeral ElGamal secret (32 bytes, a nonzero scalar big-endian) from 32 bytes of
/// `crypto.getRandomValues`: a fresh one per read. Throws `INVALID_ARGUMENT` for another length.
#[wasm_bindgen(js_name = sealReaderSecretKey)]
pub fn seal_reader_secret_key(seed: &[u8]) -> Result<Vec<u8>, JsValue> {
    Ok(seal::reader_secret_key(&fixed(seed, "the seed")?).to_vec())
}

/// The ElGamal public key (48 bytes, G1) of a reader secret: the `enc_key` a key server encrypts
/// its answer to. Throws `INVALID_ARGUMENT`.
#[wasm_bindgen(js_name = sealReaderPublicKey)]
pub fn seal_reader_public_key(secret: &[u8]) -> Result<Vec<u8>, JsValue> {
    seal::elgamal_public_key(&fixed(secret, "a reader secret key")?).map(|k| k.to_vec()).map_err(js_err)
}

/// The user secret key (48 bytes) in a key server's answer `(c0, c1)` (48 bytes each), opened
/// with the reader's secret and returned only if it is `fullId`'s key under the server's
/// `publicKey` (96 bytes). Throws `VERIFICATION` when it is not (a wrong or altered answer),
/// `INVALID_ARGUMENT` for a part that is not a point or of another length.
#[wasm_bindgen(js_name = sealOpenKeyResponse)]
pub fn seal_open_key_response(
    reader_secret: &[u8],
    c0: &[u8],
    c1: &[u8],
    full_id: &[u8],
    public_key: &[u8],
) -> Result<Vec<u8>, JsValue> {
    seal::open_key_response(
        &fixed(reader_secret, "a reader secret key")?,
        &fixed(c0, "an encrypted key part (c0)")?,
        &fixed(c1, "an encrypted key part (c1)")?,
        full_id,
        &fixed(public_key, "a key server public key")?,
    )
    .map(|k| k.to_vec())
    .map_err(js_err)
}

/// Whether `userSecretKey` (48 bytes) is the key of `fullId` under the key server `publicKey`.
#[wasm_bindgen(js_name = sealVerifyUserSecretKey)]
pub fn seal_verify_user_secret_key(user_secret_key: &[u8], full_id: &[u8], public_key: &[u8]) -> Result<bool, JsValue> {
    Ok(seal::verify_user_secret_key(
        &fixed(user_secret_key, "a user secret key")?,
        full_id,
        &fixed(public_key, "a public key")?,
    ))
}

/// A Seal key server's master key.
#[wasm_bindgen]
pub struct SealMasterKey(MasterKey);

#[wasm_bindgen]
impl SealMasterKey {
    /// The key of 32 random seed bytes.
    #[wasm_bindgen(js_name = fromSeed)]
    pub fn from_seed(seed: &[u8]) -> Result<SealMasterKey, JsValue> {
        Ok(Self(MasterKey::from_seed(&fixed(seed, "the seed")?)))
    }

    /// The key of a 32-byte big-endian scalar. Throws `INVALID_ARGUMENT`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(secret: &[u8]) -> Result<SealMasterKey, JsValue> {
        MasterKey::from_bytes(&fixed(secret, "a master key")?).map(Self).map_err(js_err)
    }

    /// The public key (96 bytes, G2).
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().to_vec()
    }

    /// The user secret key of `fullId` (48 bytes, G1).
    #[wasm_bindgen(js_name = userSecretKey)]
    pub fn user_secret_key(&self, full_id: &[u8]) -> Vec<u8> {
        self.0.user_secret_key(full_id).to_vec()
    }

    /// The 32-byte big-endian secret.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }
}
