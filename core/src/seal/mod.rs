//! Seal-compatible encryption (MystenLabs/seal `crates/crypto`; the TypeScript SDK
//! `@mysten/seal`): data encrypted once to *t of n* key servers, each of which releases its
//! share of an identity's key only to readers its access policy approves.
//!
//! The scheme, as Seal defines it:
//!
//! - **Identity**: the full ID `package ID (32 bytes) ‖ inner ID`; its point
//!   `H(id) = hash_to_G1("SUI-SEAL-IBE-BLS12381-00" ‖ id)` (RFC 9380, DST
//!   `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`).
//! - **Key servers** hold a master secret `s`; public key `s·g2` (G2, 96 bytes). The user secret
//!   key of an identity is `s·H(id)` (G1, 48 bytes), checked by `e(usk, g2) = e(H(id), pk)`.
//! - **Encryption** (Boneh-Franklin, batched): a random 32-byte base key is split by Shamir
//!   sharing over GF(2⁸) (Rijndael field; share `i` at `x = i + 1`, per byte); a random scalar
//!   `r` gives the nonce `r·g2` and, per key server, the pairing `e(r·H(id), pk_i)`, whose KDF
//!   (SHA3-256 with DST `SUI-SEAL-IBE-BLS12381-H2-00` over the pairing, the nonce, `H(id)`, the
//!   server's object ID and the share index) masks share `i`. `r` itself is stored masked with a
//!   key derived from the base key (purpose 0), so that a reader can check the nonce and every
//!   share; the DEM key is derived the same way (purpose 1; SHA3-256 with DST
//!   `SUI-SEAL-IBE-BLS12381-H3-00` over the base key, the purpose, the threshold, the masked
//!   shares and the servers' object IDs).
//! - **DEMs**: AES-256-GCM with Seal's fixed 16-byte IV (each DEM key is used once), or
//!   HMAC-SHA3-256 in counter mode with a MAC (`HMAC-CTR-ENC`, `HMAC-CTR-MAC` tags) for data
//!   that must be decryptable on chain.
//! - **Wire format**: BCS `EncryptedObject` (version 0), see [`EncryptedObject`].
//! - **Key responses**: a key server encrypts the user secret key to the reader's ephemeral
//!   ElGamal key in G1 ([`elgamal_encrypt`], [`elgamal_decrypt`]).
//!
//! Randomness is the caller's: [`encrypt`] takes a 32-byte seed from a cryptographic RNG and
//! expands it (SHA3-256 with domain tags) into the base key, `r` and the sharing polynomials, so
//! the core stays free of I/O and tests are reproducible.
//!
//! The target group's byte form (576 bytes: the six `Fp2` coefficients in the order
//! `c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2`, each `c0 ‖ c1`, 48 bytes big-endian each) is
//! what Seal's KDF hashes; [`gt_to_bytes`] writes it.

mod dem;
mod gf256;
mod object;
mod private;

use alloc::vec::Vec;
use core::fmt;

use bls12_381::hash_to_curve::{ExpandMsgXmd, HashToCurve};
use bls12_381::{pairing, G1Affine, G1Projective, G2Affine, Gt, Scalar};
use sha2::Sha256;
use sha3::{Digest, Sha3_256};

pub use dem::{hmac_ctr_decrypt, hmac_ctr_encrypt, AES_GCM_IV};
pub use gf256::{combine, split, Share};
pub use object::{Ciphertext, EncryptedObject};
pub use private::{
    blob_info, chunk_aad, decrypt_blob, encrypt_blob, is_chunked, key_response, may_be_blob, open_key_response,
    parse_blob, reader_secret_key, BlobInfo, CHUNKED_MAGIC, CHUNKED_VERSION, CHUNK_AAD_LEN, DEFAULT_CHUNK_LEN,
};

/// Prefix of the identity before it is hashed to G1.
pub const IBE_DST: &[u8] = b"SUI-SEAL-IBE-BLS12381-00";
/// Domain tag of the KDF that masks a share.
pub const KDF_DST: &[u8] = b"SUI-SEAL-IBE-BLS12381-H2-00";
/// Domain tag of the keys derived from the base key.
pub const DERIVE_KEY_DST: &[u8] = b"SUI-SEAL-IBE-BLS12381-H3-00";
/// The hash-to-G1 suite's DST (RFC 9380, the basic scheme's).
pub const G1_HASH_DST: &[u8] = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
/// Length of a key server's public key (compressed G2).
pub const PUBLIC_KEY_LEN: usize = 96;
/// Length of a user secret key (compressed G1).
pub const USER_SECRET_KEY_LEN: usize = 48;
/// Length of the target group's byte form.
pub const GT_LEN: usize = 576;

/// Why encryption or decryption failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The bytes are not a BCS `EncryptedObject` of a version this code reads.
    Malformed,
    /// A threshold of 0, above the number of key servers, or 255 or more key servers.
    InvalidThreshold,
    /// A key server's public key, a user secret key or a nonce is not a valid point.
    InvalidKey,
    /// A user secret key that does not belong to the identity under the server's public key.
    WrongUserSecretKey,
    /// Fewer user secret keys than the threshold.
    NotEnoughKeys {
        /// Keys given.
        given: usize,
        /// Keys needed.
        threshold: u8,
    },
    /// The nonce or a share does not match the encryption's randomness: the object was not made
    /// by Seal's encryption (or was altered).
    InconsistentShares,
    /// The DEM refused the ciphertext (GCM tag or HMAC mismatch): altered data, or a wrong key.
    DecryptionFailed,
    /// A plain (unencrypted) object holds no data to decrypt.
    NoCiphertext,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::Malformed => f.write_str("not a Seal EncryptedObject (malformed or unsupported version)"),
            SealError::InvalidThreshold => {
                f.write_str("the threshold must be between 1 and the number of key servers (< 255)")
            }
            SealError::InvalidKey => {
                f.write_str("a key server public key, user secret key or nonce is not a valid point")
            }
            SealError::WrongUserSecretKey => {
                f.write_str("a user secret key does not belong to this identity under its key server's public key")
            }
            SealError::NotEnoughKeys { given, threshold } => {
                write!(f, "{given} key server keys given, {threshold} are needed")
            }
            SealError::InconsistentShares => {
                f.write_str("the encrypted shares are inconsistent with the nonce: rejected")
            }
            SealError::DecryptionFailed => f.write_str("decryption failed: the ciphertext or its key is wrong"),
            SealError::NoCiphertext => f.write_str("the object is a plain one: it holds no ciphertext"),
        }
    }
}

impl core::error::Error for SealError {}

/// A key server's identity for encryption: its object ID and public key (compressed G2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyServer {
    /// The key server's object ID (32 bytes).
    pub object_id: [u8; 32],
    /// Its master public key `s·g2`.
    pub public_key: [u8; PUBLIC_KEY_LEN],
}

/// `H(id)`: the identity's point in G1.
pub fn hash_to_g1(full_id: &[u8]) -> G1Affine {
    G1Affine::from(<G1Projective as HashToCurve<ExpandMsgXmd<Sha256>>>::hash_to_curve([IBE_DST, full_id], G1_HASH_DST))
}

/// The full ID of an inner ID under a package: `package_id ‖ id`.
pub fn full_id(package_id: &[u8; 32], id: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + id.len());
    out.extend_from_slice(package_id);
    out.extend_from_slice(id);
    out
}

/// Collects the twelve `Fp` coefficients `bls12_381` prints for a target-group element (its
/// only way of showing them): every `0x` followed by 96 hex digits, in tower order.
struct FpDigits {
    out: [u8; GT_LEN],
    n_bytes: usize,
    /// Hex digits still to read of the current coefficient (0: looking for `0x`).
    pending: usize,
    high: Option<u8>,
    previous: u8,
}

impl fmt::Write for FpDigits {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.bytes() {
            if self.pending > 0 {
                let v = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    _ => return Err(fmt::Error),
                };
                match self.high.take() {
                    None => self.high = Some(v),
                    Some(h) => {
                        *self.out.get_mut(self.n_bytes).ok_or(fmt::Error)? = h << 4 | v;
                        self.n_bytes += 1;
                    }
                }
                self.pending -= 1;
            } else if self.previous == b'0' && c == b'x' {
                self.pending = 96;
            }
            self.previous = c;
        }
        Ok(())
    }
}

/// Seal's 576-byte form of a target-group element (what its KDF hashes; fastcrypto's
/// `GTElement` serialization): the `Fp2` coefficients `c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2`
/// of the `Fp12 = Fp6[w]`, `Fp6 = Fp2[v]` tower, each as `c0 ‖ c1`, big-endian.
pub fn gt_to_bytes(element: &Gt) -> [u8; GT_LEN] {
    use fmt::Write as _;
    let mut digits = FpDigits { out: [0; GT_LEN], n_bytes: 0, pending: 0, high: None, previous: 0 };
    // `Gt`'s Debug form is `Gt(c0.c0.c0 + c0.c0.c1*u + (…)*v + (…)*v^2 + (…)*w)` with every `Fp`
    // as `0x` and its 48 canonical bytes in hex; a version of the crate printing anything else
    // fails the KDF vectors of the tests.
    let written = write!(digits, "{element:?}");
    assert!(written.is_ok() && digits.n_bytes == GT_LEN, "bls12_381's Gt Debug form changed");
    // Tower order in units of one Fp2 (96 bytes): c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2.
    let mut out = [0u8; GT_LEN];
    for (target, source) in [0usize, 3, 1, 4, 2, 5].into_iter().enumerate() {
        out[target * 96..(target + 1) * 96].copy_from_slice(&digits.out[source * 96..(source + 1) * 96]);
    }
    out
}

/// The KDF that masks share `index` for the key server `object_id` (Seal's `kdf`).
fn kdf(element: &Gt, nonce: &[u8; 96], id_point: &G1Affine, object_id: &[u8; 32], index: u8) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(KDF_DST);
    h.update(gt_to_bytes(element));
    h.update(nonce);
    h.update(id_point.to_compressed());
    h.update(object_id);
    h.update([index]);
    h.finalize().into()
}

/// What a key derived from the base key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyPurpose {
    EncryptedRandomness = 0,
    Dem = 1,
}

/// A key derived from the base key (Seal's `derive_key`).
fn derive_key(
    purpose: KeyPurpose,
    base_key: &[u8; 32],
    shares: &[[u8; 32]],
    threshold: u8,
    servers: &[[u8; 32]],
) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(DERIVE_KEY_DST);
    h.update(base_key);
    h.update([purpose as u8, threshold]);
    for share in shares {
        h.update(share);
    }
    for server in servers {
        h.update(server);
    }
    h.finalize().into()
}

fn xor32(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    core::array::from_fn(|i| a[i] ^ b[i])
}

/// 32 bytes expanded from the encryption seed for `label` (SHA3-256 of a domain tag, the label
/// and the seed).
fn expand(seed: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(b"morsa-seal-encrypt-randomness-v1");
    h.update([label.len() as u8]);
    h.update(label);
    h.update(seed);
    h.finalize().into()
}

/// A uniformly random scalar from the seed (64 expanded bytes reduced mod r; never zero).
fn random_scalar(seed: &[u8; 32]) -> Scalar {
    let mut counter = 0u8;
    loop {
        let mut wide = [0u8; 64];
        wide[..32].copy_from_slice(&expand(seed, &[b'r', 0, counter]));
        wide[32..].copy_from_slice(&expand(seed, &[b'r', 1, counter]));
        let s = Scalar::from_bytes_wide(&wide);
        if s != Scalar::zero() {
            return s;
        }
        counter = counter.wrapping_add(1);
    }
}

fn scalar_be(s: &Scalar) -> [u8; 32] {
    let mut be = s.to_bytes();
    be.reverse();
    be
}

fn scalar_from_be(bytes: &[u8; 32]) -> Option<Scalar> {
    let mut le = *bytes;
    le.reverse();
    Option::from(Scalar::from_bytes(&le))
}

fn g2(bytes: &[u8; 96]) -> Result<G2Affine, SealError> {
    Option::from(G2Affine::from_compressed(bytes)).ok_or(SealError::InvalidKey)
}

fn g1(bytes: &[u8; 48]) -> Result<G1Affine, SealError> {
    Option::from(G1Affine::from_compressed(bytes)).ok_or(SealError::InvalidKey)
}

/// What to encrypt and how.
#[derive(Clone, Copy, Debug)]
pub enum Dem<'a> {
    /// AES-256-GCM of the plaintext with additional data `aad`.
    Aes256Gcm {
        /// Authenticated, not encrypted; stored in the object.
        aad: &'a [u8],
    },
    /// HMAC-SHA3-256 in counter mode with a MAC over `aad` and the ciphertext.
    Hmac256Ctr {
        /// Authenticated, not encrypted; stored in the object.
        aad: &'a [u8],
    },
}

/// Encrypts `plaintext` for the identity `package_id ‖ id` to `key_servers` with threshold
/// `threshold` (Seal's `encrypt`), all randomness expanded from `seed` (32 bytes from a
/// cryptographic RNG; never reuse one). Returns the object and its DEM key (which decrypts it:
/// keep it secret, or drop it).
///
/// # Errors
///
/// [`SealError::InvalidThreshold`], [`SealError::InvalidKey`] for a public key that is not a
/// point of G2.
pub fn encrypt(
    seed: &[u8; 32],
    key_servers: &[KeyServer],
    threshold: u8,
    package_id: &[u8; 32],
    id: &[u8],
    plaintext: &[u8],
    dem: Dem<'_>,
) -> Result<(EncryptedObject, [u8; 32]), SealError> {
    let n = key_servers.len();
    if threshold == 0 || usize::from(threshold) > n || n >= 255 {
        return Err(SealError::InvalidThreshold);
    }
    let public_keys = key_servers.iter().map(|k| g2(&k.public_key)).collect::<Result<Vec<_>, _>>()?;
    let base_key = expand(seed, b"base key");
    let coefficients: Vec<u8> = (0..usize::from(threshold - 1) * 32)
        .step_by(32)
        .flat_map(|offset| expand(seed, &[b'c', (offset / 32) as u8]))
        .collect();
    let shares = split(&base_key, threshold, n as u8, &coefficients);
    let full = full_id(package_id, id);
    let id_point = hash_to_g1(&full);
    let r = random_scalar(seed);
    let nonce = G2Affine::from(G2Affine::generator() * r).to_compressed();
    let gid_r = G1Affine::from(id_point * r);
    let object_ids: Vec<[u8; 32]> = key_servers.iter().map(|k| k.object_id).collect();
    let encrypted_shares: Vec<[u8; 32]> = shares
        .iter()
        .zip(key_servers)
        .zip(&public_keys)
        .map(|((share, server), pk)| {
            xor32(&share.value, &kdf(&pairing(&gid_r, pk), &nonce, &id_point, &server.object_id, share.index))
        })
        .collect();
    let randomness_key =
        derive_key(KeyPurpose::EncryptedRandomness, &base_key, &encrypted_shares, threshold, &object_ids);
    let encrypted_randomness = xor32(&randomness_key, &scalar_be(&r));
    let dem_key = derive_key(KeyPurpose::Dem, &base_key, &encrypted_shares, threshold, &object_ids);
    let ciphertext = match dem {
        Dem::Aes256Gcm { aad } => {
            Ciphertext::Aes256Gcm { blob: dem::aes_gcm_encrypt(&dem_key, plaintext, aad), aad: Some(aad.to_vec()) }
        }
        Dem::Hmac256Ctr { aad } => {
            let blob = hmac_ctr_encrypt(&dem_key, plaintext);
            let mac = dem::hmac_ctr_mac(&dem_key, aad, &blob);
            Ciphertext::Hmac256Ctr { blob, aad: Some(aad.to_vec()), mac }
        }
    };
    let object = EncryptedObject {
        version: 0,
        package_id: *package_id,
        id: id.to_vec(),
        services: key_servers.iter().zip(&shares).map(|(k, s)| (k.object_id, s.index)).collect(),
        threshold,
        nonce,
        encrypted_shares,
        encrypted_randomness,
        ciphertext,
    };
    Ok((object, dem_key))
}

/// A key server's master secret: derives user secret keys for identities. `Debug` does not
/// print the secret.
#[derive(Clone)]
pub struct MasterKey(Scalar);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// The key of a 32-byte big-endian scalar (as Seal stores master keys).
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidKey`] for zero or a value not below the group order.
    pub fn from_bytes(secret: &[u8; 32]) -> Result<Self, SealError> {
        match scalar_from_be(secret) {
            Some(s) if s != Scalar::zero() => Ok(Self(s)),
            _ => Err(SealError::InvalidKey),
        }
    }

    /// The key derived from 32 seed bytes (uniform: 64 expanded bytes reduced mod r).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(random_scalar(seed))
    }

    /// The 32-byte big-endian secret.
    pub fn to_bytes(&self) -> [u8; 32] {
        scalar_be(&self.0)
    }

    /// The public key `s·g2`.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        G2Affine::from(G2Affine::generator() * self.0).to_compressed()
    }

    /// The user secret key of the full ID: `s·H(id)`.
    pub fn user_secret_key(&self, full_id: &[u8]) -> [u8; USER_SECRET_KEY_LEN] {
        G1Affine::from(hash_to_g1(full_id) * self.0).to_compressed()
    }
}

/// Whether `user_secret_key` is the key of `full_id` under the key server `public_key`:
/// `e(usk, g2) = e(H(id), pk)`.
pub fn verify_user_secret_key(user_secret_key: &[u8; 48], full_id: &[u8], public_key: &[u8; 96]) -> bool {
    let (Ok(usk), Ok(pk)) = (g1(user_secret_key), g2(public_key)) else {
        return false;
    };
    pairing(&usk, &G2Affine::generator()) == pairing(&hash_to_g1(full_id), &pk)
}

/// Decrypts `object` with the user secret keys of at least `threshold` of its key servers,
/// given as `(index into object.services, key)` (Seal's `decrypt`): the shares are unmasked and
/// combined into the base key, the randomness is recovered and checked against the nonce, and,
/// with `public_keys` (one per service, in order), every share — also those of servers not
/// asked — is checked to lie on the same polynomial, so that any `threshold` of them decrypt
/// alike. The caller verifies the user secret keys ([`verify_user_secret_key`]) before.
///
/// # Errors
///
/// [`SealError`]: not enough keys, invalid points, inconsistent shares, a refused ciphertext.
pub fn decrypt(
    object: &EncryptedObject,
    user_secret_keys: &[(usize, [u8; 48])],
    public_keys: Option<&[[u8; 96]]>,
) -> Result<Vec<u8>, SealError> {
    let object_ids: Vec<[u8; 32]> = object.services.iter().map(|(id, _)| *id).collect();
    let base_key = recover_base_key(object, &object_ids, user_secret_keys, public_keys)?;
    let dem_key = derive_key(KeyPurpose::Dem, &base_key, &object.encrypted_shares, object.threshold, &object_ids);
    decrypt_with_key(object, &dem_key)
}

/// Decrypts `object`'s ciphertext with its DEM key (as [`encrypt`] returned it).
///
/// # Errors
///
/// [`SealError::DecryptionFailed`], [`SealError::NoCiphertext`].
pub fn decrypt_with_key(object: &EncryptedObject, dem_key: &[u8; 32]) -> Result<Vec<u8>, SealError> {
    match &object.ciphertext {
        Ciphertext::Aes256Gcm { blob, aad } => dem::aes_gcm_decrypt(dem_key, blob, aad.as_deref().unwrap_or(&[])),
        Ciphertext::Hmac256Ctr { blob, aad, mac } => {
            let expected = dem::hmac_ctr_mac(dem_key, aad.as_deref().unwrap_or(&[]), blob);
            if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &mac[..])) {
                return Err(SealError::DecryptionFailed);
            }
            Ok(hmac_ctr_decrypt(dem_key, blob))
        }
        Ciphertext::Plain => Err(SealError::NoCiphertext),
    }
}

/// The base key of `object` (whose key servers' object IDs are `object_ids`), recovered from the
/// user secret keys and checked against the nonce (and, with `public_keys`, every share).
fn recover_base_key(
    object: &EncryptedObject,
    object_ids: &[[u8; 32]],
    user_secret_keys: &[(usize, [u8; 48])],
    public_keys: Option<&[[u8; 96]]>,
) -> Result<[u8; 32], SealError> {
    let n = object.services.len();
    if object.threshold == 0 || usize::from(object.threshold) > n || object.encrypted_shares.len() != n {
        return Err(SealError::Malformed);
    }
    let mut used: Vec<usize> = user_secret_keys.iter().map(|(i, _)| *i).filter(|&i| i < n).collect();
    used.sort_unstable();
    used.dedup();
    if used.len() < usize::from(object.threshold) {
        return Err(SealError::NotEnoughKeys { given: used.len(), threshold: object.threshold });
    }
    let nonce = g2(&object.nonce)?;
    let full = full_id(&object.package_id, &object.id);
    let id_point = hash_to_g1(&full);
    let mut shares = Vec::with_capacity(used.len());
    for &i in &used {
        let (_, usk) = user_secret_keys.iter().find(|(j, _)| *j == i).ok_or(SealError::Malformed)?;
        let (object_id, index) = object.services[i];
        let key = kdf(&pairing(&g1(usk)?, &nonce), &object.nonce, &id_point, &object_id, index);
        shares.push(Share { index, value: xor32(&object.encrypted_shares[i], &key) });
    }
    let base_key = combine(&shares).ok_or(SealError::Malformed)?;
    let randomness_key =
        derive_key(KeyPurpose::EncryptedRandomness, &base_key, &object.encrypted_shares, object.threshold, object_ids);
    let r =
        scalar_from_be(&xor32(&object.encrypted_randomness, &randomness_key)).ok_or(SealError::InconsistentShares)?;
    if G2Affine::from(G2Affine::generator() * r) != nonce {
        return Err(SealError::InconsistentShares);
    }
    if let Some(public_keys) = public_keys {
        if public_keys.len() != n {
            return Err(SealError::Malformed);
        }
        // Every share, unmasked with the randomness, must lie on the polynomial of the used ones.
        let gid_r = G1Affine::from(id_point * r);
        for (i, pk) in public_keys.iter().enumerate() {
            let (object_id, index) = object.services[i];
            let key = kdf(&pairing(&gid_r, &g2(pk)?), &object.nonce, &id_point, &object_id, index);
            let share = xor32(&object.encrypted_shares[i], &key);
            if gf256::evaluate(&shares, index) != Some(share) {
                return Err(SealError::InconsistentShares);
            }
        }
    }
    Ok(base_key)
}

/// An ElGamal ciphertext in G1 of a user secret key to the reader's key `pk = sk·g1` (Seal's key
/// responses): `(ρ·g1, usk + ρ·pk)`, compressed; `ρ` expanded from `seed`.
///
/// # Errors
///
/// [`SealError::InvalidKey`] when a point does not decode.
pub fn elgamal_encrypt(
    seed: &[u8; 32],
    public_key: &[u8; 48],
    message: &[u8; 48],
) -> Result<([u8; 48], [u8; 48]), SealError> {
    let (pk, m) = (g1(public_key)?, g1(message)?);
    let rho = random_scalar(seed);
    let c0 = G1Affine::from(G1Affine::generator() * rho);
    let c1 = G1Affine::from(G1Projective::from(m) + pk * rho);
    Ok((c0.to_compressed(), c1.to_compressed()))
}

/// Decrypts an ElGamal ciphertext in G1 with the reader's secret scalar (32 bytes big-endian):
/// `c1 − sk·c0`.
///
/// # Errors
///
/// [`SealError::InvalidKey`].
pub fn elgamal_decrypt(secret_key: &[u8; 32], c0: &[u8; 48], c1: &[u8; 48]) -> Result<[u8; 48], SealError> {
    let sk = scalar_from_be(secret_key).ok_or(SealError::InvalidKey)?;
    let (c0, c1) = (g1(c0)?, g1(c1)?);
    Ok(G1Affine::from(G1Projective::from(c1) - c0 * sk).to_compressed())
}

/// The ElGamal public key `sk·g1` of a reader's 32-byte big-endian secret scalar.
///
/// # Errors
///
/// [`SealError::InvalidKey`] for zero or a value not below the group order.
pub fn elgamal_public_key(secret_key: &[u8; 32]) -> Result<[u8; 48], SealError> {
    match scalar_from_be(secret_key) {
        Some(sk) if sk != Scalar::zero() => Ok(G1Affine::from(G1Affine::generator() * sk).to_compressed()),
        _ => Err(SealError::InvalidKey),
    }
}

#[cfg(test)]
mod tests;
