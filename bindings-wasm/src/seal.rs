//! Seal-compatible encryption (`morsa_core::seal`): objects encrypted to t-of-n key servers,
//! decrypted with their user secret keys; the key servers' side (master keys, user secret keys)
//! and the readers' ElGamal keys for key responses.

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
    let usks = byte_arrays(user_secret_keys);
    if usks.len() != indices.len() {
        return Err(invalid(format!("{} indices but {} user secret keys", indices.len(), usks.len())));
    }
    let keys = indices
        .iter()
        .zip(&usks)
        .map(|(&i, k)| Ok((i as usize, fixed(k, "a user secret key")?)))
        .collect::<Result<Vec<_>, JsValue>>()?;
    let pks = match public_keys {
        Some(p) => Some(
            byte_arrays(&p)
                .iter()
                .map(|k| fixed(k, "a key server public key"))
                .collect::<Result<Vec<[u8; 96]>, _>>()?,
        ),
        None => None,
    };
    seal::decrypt(&object, &keys, pks.as_deref()).map_err(js_err)
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
