//! Seal's data encapsulation (`crates/crypto/src/dem.rs`, `dem.ts`): AES-256-GCM with a fixed
//! 16-byte IV (every DEM key encrypts one message), and HMAC-SHA3-256 in counter mode with a MAC.

use alloc::vec::Vec;

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::AesGcm;
use hmac::{Hmac, Mac};
use sha3::Sha3_256;

use super::SealError;

/// Seal's AES-GCM IV (16 bytes; GCM derives its counter block from it with GHASH).
pub const AES_GCM_IV: [u8; 16] = [138, 55, 153, 253, 198, 46, 121, 219, 160, 128, 89, 7, 214, 156, 148, 220];

type Aes256Gcm16 = AesGcm<Aes256, U16>;

pub(super) fn aes_gcm_encrypt(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm16::new(key.into());
    cipher
        .encrypt((&AES_GCM_IV).into(), Payload { msg: plaintext, aad })
        .expect("AES-GCM encrypts messages below 64 GiB")
}

pub(super) fn aes_gcm_decrypt(key: &[u8; 32], blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    let cipher = Aes256Gcm16::new(key.into());
    cipher.decrypt((&AES_GCM_IV).into(), Payload { msg: blob, aad }).map_err(|_| SealError::DecryptionFailed)
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha3_256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

const ENCRYPTION_TAG: &[u8] = b"HMAC-CTR-ENC";
const MAC_TAG: &[u8] = b"HMAC-CTR-MAC";

/// Counter mode with HMAC-SHA3-256 as the PRF: block `i` (32 bytes) is XORed with
/// `HMAC(key, "HMAC-CTR-ENC" ‖ i as u64 LE)`.
pub fn hmac_ctr_encrypt(key: &[u8; 32], message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len());
    for (i, block) in message.chunks(32).enumerate() {
        let pad = hmac(key, &[ENCRYPTION_TAG, &(i as u64).to_le_bytes()]);
        out.extend(block.iter().zip(pad).map(|(m, p)| m ^ p));
    }
    out
}

/// The inverse of [`hmac_ctr_encrypt`] (the same operation).
pub fn hmac_ctr_decrypt(key: &[u8; 32], ciphertext: &[u8]) -> Vec<u8> {
    hmac_ctr_encrypt(key, ciphertext)
}

/// The MAC: `HMAC(key, "HMAC-CTR-MAC" ‖ len(aad) as u64 LE ‖ aad ‖ ciphertext)`.
pub(super) fn hmac_ctr_mac(key: &[u8; 32], aad: &[u8], ciphertext: &[u8]) -> [u8; 32] {
    hmac(key, &[MAC_TAG, &(aad.len() as u64).to_le_bytes(), aad, ciphertext])
}
