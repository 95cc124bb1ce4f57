//! Seal's `EncryptedObject` (`crates/crypto/src/lib.rs`, `bcs.ts`), BCS:
//!
//! ```text
//! version: u8 (0) ‖ package_id: [u8; 32] ‖ id: Vec<u8> ‖ services: Vec<([u8; 32], u8)> ‖
//! threshold: u8 ‖ encrypted_shares: IBEEncryptions ‖ ciphertext: Ciphertext
//! IBEEncryptions = 0: BonehFranklinBLS12381 { nonce: [u8; 96], encrypted_shares: Vec<[u8; 32]>,
//!                                              encrypted_randomness: [u8; 32] }
//! Ciphertext = 0: Aes256Gcm { blob: Vec<u8>, aad: Option<Vec<u8>> }
//!            | 1: Hmac256Ctr { blob: Vec<u8>, aad: Option<Vec<u8>>, mac: [u8; 32] }
//!            | 2: Plain
//! ```

use alloc::vec::Vec;

use super::SealError;
use crate::wire::{write_byte_vec, write_uleb128, Reader};

/// The encrypted data and its associated data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ciphertext {
    /// AES-256-GCM: ciphertext with its 16-byte tag, and the additional data.
    Aes256Gcm {
        /// Ciphertext ‖ tag.
        blob: Vec<u8>,
        /// Additional authenticated data (Seal's SDK always writes `Some`, empty without any).
        aad: Option<Vec<u8>>,
    },
    /// HMAC-SHA3-256 counter mode.
    Hmac256Ctr {
        /// The ciphertext (as long as the plaintext).
        blob: Vec<u8>,
        /// Additional authenticated data.
        aad: Option<Vec<u8>>,
        /// The MAC over the additional data and the ciphertext.
        mac: [u8; 32],
    },
    /// No data: the object only encapsulates a key.
    Plain,
}

/// An object encrypted with Seal: the identity (`package_id ‖ id`), the key servers with the
/// index of their share, the threshold, the Boneh-Franklin encapsulation (nonce, masked shares,
/// masked randomness) and the ciphertext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedObject {
    /// The format version (0).
    pub version: u8,
    /// The package whose policy governs the identity.
    pub package_id: [u8; 32],
    /// The inner ID (for Morsa's policies: the policy object's ID ‖ a nonce).
    pub id: Vec<u8>,
    /// Each key server's object ID and the index (`x`) of its share.
    pub services: Vec<([u8; 32], u8)>,
    /// Shares needed to decrypt.
    pub threshold: u8,
    /// `r·g2`, compressed.
    pub nonce: [u8; 96],
    /// Share `i` masked for key server `i`.
    pub encrypted_shares: Vec<[u8; 32]>,
    /// `r` (big-endian) masked with a key derived from the base key.
    pub encrypted_randomness: [u8; 32],
    /// The data.
    pub ciphertext: Ciphertext,
}

fn write_option(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            write_byte_vec(out, v);
        }
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).expect("shorter than 4 GiB")
}

impl EncryptedObject {
    /// The BCS bytes.
    ///
    /// # Panics
    ///
    /// For a field longer than 4 GiB (BCS lengths are u32 here).
    pub fn to_bcs(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.ciphertext_len());
        out.push(self.version);
        out.extend_from_slice(&self.package_id);
        write_byte_vec(&mut out, &self.id);
        write_uleb128(&mut out, len_u32(self.services.len()));
        for (object_id, index) in &self.services {
            out.extend_from_slice(object_id);
            out.push(*index);
        }
        out.push(self.threshold);
        write_uleb128(&mut out, 0); // BonehFranklinBLS12381
        out.extend_from_slice(&self.nonce);
        write_uleb128(&mut out, len_u32(self.encrypted_shares.len()));
        for share in &self.encrypted_shares {
            out.extend_from_slice(share);
        }
        out.extend_from_slice(&self.encrypted_randomness);
        match &self.ciphertext {
            Ciphertext::Aes256Gcm { blob, aad } => {
                write_uleb128(&mut out, 0);
                write_byte_vec(&mut out, blob);
                write_option(&mut out, aad.as_deref());
            }
            Ciphertext::Hmac256Ctr { blob, aad, mac } => {
                write_uleb128(&mut out, 1);
                write_byte_vec(&mut out, blob);
                write_option(&mut out, aad.as_deref());
                out.extend_from_slice(mac);
            }
            Ciphertext::Plain => write_uleb128(&mut out, 2),
        }
        out
    }

    fn ciphertext_len(&self) -> usize {
        match &self.ciphertext {
            Ciphertext::Aes256Gcm { blob, .. } | Ciphertext::Hmac256Ctr { blob, .. } => blob.len(),
            Ciphertext::Plain => 0,
        }
    }

    /// Parses BCS bytes: version 0, the Boneh-Franklin encapsulation, one share per service,
    /// a threshold between 1 and the number of services, and nothing after the object.
    ///
    /// # Errors
    ///
    /// [`SealError::Malformed`].
    pub fn from_bcs(bytes: &[u8]) -> Result<Self, SealError> {
        Self::read(&mut Reader::new(bytes), true)
    }

    fn read(r: &mut Reader<'_>, whole: bool) -> Result<Self, SealError> {
        let m = |_| SealError::Malformed;
        let version = r.u8("version").map_err(m)?;
        if version != 0 {
            return Err(SealError::Malformed);
        }
        let package_id = r.array::<32>("package_id").map_err(m)?;
        let id = r.byte_vec("id").map_err(m)?.to_vec();
        let n = r.seq_len("services", 33).map_err(m)?;
        let mut services = Vec::with_capacity(n);
        for _ in 0..n {
            services.push((r.array::<32>("service").map_err(m)?, r.u8("share index").map_err(m)?));
        }
        let threshold = r.u8("threshold").map_err(m)?;
        if r.uleb128("IBEEncryptions tag").map_err(m)? != 0 {
            return Err(SealError::Malformed);
        }
        let nonce = r.array::<96>("nonce").map_err(m)?;
        let k = r.seq_len("encrypted_shares", 32).map_err(m)?;
        let mut encrypted_shares = Vec::with_capacity(k);
        for _ in 0..k {
            encrypted_shares.push(r.array::<32>("encrypted share").map_err(m)?);
        }
        let encrypted_randomness = r.array::<32>("encrypted_randomness").map_err(m)?;
        let read_option = |r: &mut Reader<'_>| -> Result<Option<Vec<u8>>, SealError> {
            match r.u8("option tag").map_err(m)? {
                0 => Ok(None),
                1 => Ok(Some(r.byte_vec("aad").map_err(m)?.to_vec())),
                _ => Err(SealError::Malformed),
            }
        };
        let ciphertext = match r.uleb128("Ciphertext tag").map_err(m)? {
            0 => {
                let blob = r.byte_vec("blob").map_err(m)?.to_vec();
                Ciphertext::Aes256Gcm { blob, aad: read_option(r)? }
            }
            1 => {
                let blob = r.byte_vec("blob").map_err(m)?.to_vec();
                let aad = read_option(r)?;
                Ciphertext::Hmac256Ctr { blob, aad, mac: r.array::<32>("mac").map_err(m)? }
            }
            2 => Ciphertext::Plain,
            _ => return Err(SealError::Malformed),
        };
        if whole {
            r.finish().map_err(m)?;
        }
        if k != n || threshold == 0 || usize::from(threshold) > n {
            return Err(SealError::Malformed);
        }
        Ok(Self {
            version,
            package_id,
            id,
            services,
            threshold,
            nonce,
            encrypted_shares,
            encrypted_randomness,
            ciphertext,
        })
    }
}
