//! Ed25519 keys and signatures (RFC 8032, `ed25519-compact`).

use core::fmt;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{PUBLIC_KEY_LEN, SIGNATURE_LEN};
use crate::messages::{MessageBody, ProtocolMessage};

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
