//! What Morsa adds around Seal's objects: key-server responses checked end to end, and private
//! blobs larger than one object.
//!
//! **Key responses.** A reader asks key servers for the user secret key of a full ID with a fresh
//! ElGamal key pair in G1 ([`reader_secret_key`], [`super::elgamal_public_key`]); a server that
//! approves answers `(ρ·g1, usk + ρ·pk)` ([`key_response`]); the reader opens the answer and keeps
//! the key only if it is the identity's key under that server's public key
//! ([`open_key_response`]). A server that answers garbage, another identity's key or another
//! server's key is caught here, before decryption.
//!
//! **Chunked private blobs.** Seal's `EncryptedObject` holds its whole ciphertext (no streaming
//! DEM), so a blob larger than [`DEFAULT_CHUNK_LEN`] is a sequence of objects for the *same*
//! identity (one key fetch decrypts them all), framed as
//!
//! ```text
//! "MSCH" ‖ version 1 (u8) ‖ count (u32 LE, ≥ 2) ‖ count × (length (u32 LE) ‖ EncryptedObject)
//! ```
//!
//! Chunk `i` of `count` is AES-256-GCM with additional data [`chunk_aad`]`(i, count)`, so chunks
//! cannot be reordered, dropped, or spliced in from another blob (whose identity differs: the
//! identity's nonce is random per blob). A plaintext of at most one chunk is a single, plain
//! Seal object (empty additional data) that the official SDK decrypts as is. An
//! `EncryptedObject` begins with its version byte 0, so the two forms never overlap.

use alloc::vec::Vec;

use super::{
    decrypt, elgamal_decrypt, elgamal_encrypt, encrypt, expand, random_scalar, scalar_be, verify_user_secret_key,
    Ciphertext, Dem, EncryptedObject, KeyServer, MasterKey, SealError,
};

/// The first four bytes of a chunked private blob.
pub const CHUNKED_MAGIC: [u8; 4] = *b"MSCH";
/// The version of the chunked framing.
pub const CHUNKED_VERSION: u8 = 1;
/// Plaintext bytes per chunk that [`encrypt_blob`] uses by default (16 MiB).
pub const DEFAULT_CHUNK_LEN: usize = 16 << 20;
/// Bytes of additional data that bind a chunk to its place: a tag, the index and the count.
pub const CHUNK_AAD_LEN: usize = 20;

/// The additional data of chunk `index` of `count`: `"morsa chunk " ‖ index ‖ count` (u32 LE).
pub fn chunk_aad(index: u32, count: u32) -> [u8; CHUNK_AAD_LEN] {
    let mut aad = [0u8; CHUNK_AAD_LEN];
    aad[..12].copy_from_slice(b"morsa chunk ");
    aad[12..16].copy_from_slice(&index.to_le_bytes());
    aad[16..].copy_from_slice(&count.to_le_bytes());
    aad
}

/// A reader's ephemeral ElGamal secret (32 bytes big-endian, a nonzero scalar) expanded from a
/// 32-byte seed; its public key is [`super::elgamal_public_key`] of it.
pub fn reader_secret_key(seed: &[u8; 32]) -> [u8; 32] {
    scalar_be(&random_scalar(&expand(seed, b"reader key")))
}

/// A key server's answer for `full_id` to the reader key `reader_public_key` (48 bytes, G1): the
/// user secret key, ElGamal-encrypted with randomness expanded from `seed`.
///
/// # Errors
///
/// [`SealError::InvalidKey`] when the reader key is not a point of G1.
pub fn key_response(
    master_key: &MasterKey,
    full_id: &[u8],
    reader_public_key: &[u8; 48],
    seed: &[u8; 32],
) -> Result<([u8; 48], [u8; 48]), SealError> {
    elgamal_encrypt(seed, reader_public_key, &master_key.user_secret_key(full_id))
}

/// The user secret key in a key server's answer `(c0, c1)`, opened with the reader's secret and
/// kept only if it is `full_id`'s key under the server's `public_key`.
///
/// # Errors
///
/// [`SealError::InvalidKey`] when a part is not a point; [`SealError::WrongUserSecretKey`] when
/// the opened key is not the identity's under that server.
pub fn open_key_response(
    reader_secret_key: &[u8; 32],
    c0: &[u8; 48],
    c1: &[u8; 48],
    full_id: &[u8],
    public_key: &[u8; 96],
) -> Result<[u8; 48], SealError> {
    let key = elgamal_decrypt(reader_secret_key, c0, c1)?;
    if verify_user_secret_key(&key, full_id, public_key) {
        Ok(key)
    } else {
        Err(SealError::WrongUserSecretKey)
    }
}

/// Whether `blob` is in the chunked framing (else it is one `EncryptedObject`).
pub fn is_chunked(blob: &[u8]) -> bool {
    blob.starts_with(&CHUNKED_MAGIC)
}

fn chunk_seed(seed: &[u8; 32], index: u32) -> [u8; 32] {
    let mut label = [0u8; 9];
    label[..5].copy_from_slice(b"chunk");
    label[5..].copy_from_slice(&index.to_le_bytes());
    expand(seed, &label)
}

/// Encrypts a private blob for `package_id ‖ id` (AES-256-GCM): one Seal object when
/// `plaintext` fits in `chunk_len` bytes, else the chunked framing (see the module docs).
/// Randomness is expanded from `seed` (32 bytes from a cryptographic RNG; never reuse one).
///
/// # Errors
///
/// [`SealError::InvalidThreshold`], [`SealError::InvalidKey`]; [`SealError::Malformed`] for a
/// `chunk_len` of 0 or more than `u32::MAX` chunks.
pub fn encrypt_blob(
    seed: &[u8; 32],
    key_servers: &[KeyServer],
    threshold: u8,
    package_id: &[u8; 32],
    id: &[u8],
    plaintext: &[u8],
    chunk_len: usize,
) -> Result<Vec<u8>, SealError> {
    if chunk_len == 0 {
        return Err(SealError::Malformed);
    }
    if plaintext.len() <= chunk_len {
        let (object, _) =
            encrypt(seed, key_servers, threshold, package_id, id, plaintext, Dem::Aes256Gcm { aad: &[] })?;
        return Ok(object.to_bcs());
    }
    let count = u32::try_from(plaintext.len().div_ceil(chunk_len)).map_err(|_| SealError::Malformed)?;
    let mut out = Vec::with_capacity(plaintext.len() + 9 + count as usize * 512);
    out.extend_from_slice(&CHUNKED_MAGIC);
    out.push(CHUNKED_VERSION);
    out.extend_from_slice(&count.to_le_bytes());
    for (index, chunk) in (0u32..).zip(plaintext.chunks(chunk_len)) {
        let aad = chunk_aad(index, count);
        let (object, _) = encrypt(
            &chunk_seed(seed, index),
            key_servers,
            threshold,
            package_id,
            id,
            chunk,
            Dem::Aes256Gcm { aad: &aad },
        )?;
        let bytes = object.to_bcs();
        let len = u32::try_from(bytes.len()).map_err(|_| SealError::Malformed)?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    Ok(out)
}

/// The objects of a private blob: one, or the chunks of the chunked framing, each checked to be
/// for the same identity, key servers and threshold, with its place's additional data.
///
/// # Errors
///
/// [`SealError::Malformed`] for anything else (bad framing, trailing bytes, a chunk of another
/// identity or out of place).
pub fn parse_blob(blob: &[u8]) -> Result<Vec<EncryptedObject>, SealError> {
    if !is_chunked(blob) {
        let object = EncryptedObject::from_bcs(blob)?;
        // A chunk taken out of a chunked blob is not a blob of its own.
        if is_chunk_aad(&object) {
            return Err(SealError::Malformed);
        }
        return Ok(alloc::vec![object]);
    }
    let mut rest = blob.get(4..).ok_or(SealError::Malformed)?;
    let (&version, tail) = rest.split_first().ok_or(SealError::Malformed)?;
    if version != CHUNKED_VERSION {
        return Err(SealError::Malformed);
    }
    rest = tail;
    let count = take_u32(&mut rest)?;
    if count < 2 {
        return Err(SealError::Malformed);
    }
    let mut objects: Vec<EncryptedObject> = Vec::new();
    for index in 0..count {
        let len = take_u32(&mut rest)? as usize;
        if rest.len() < len {
            return Err(SealError::Malformed);
        }
        let (bytes, tail) = rest.split_at(len);
        rest = tail;
        let object = EncryptedObject::from_bcs(bytes)?;
        let aad = chunk_aad(index, count);
        let in_place = matches!(&object.ciphertext, Ciphertext::Aes256Gcm { aad: Some(a), .. } if a[..] == aad[..]);
        let same = objects.first().is_none_or(|first| {
            first.package_id == object.package_id
                && first.id == object.id
                && first.services == object.services
                && first.threshold == object.threshold
        });
        if !in_place || !same {
            return Err(SealError::Malformed);
        }
        objects.push(object);
    }
    if !rest.is_empty() {
        return Err(SealError::Malformed);
    }
    Ok(objects)
}

/// Whether the object carries a chunk's additional data (the tag of [`chunk_aad`]).
fn is_chunk_aad(object: &EncryptedObject) -> bool {
    let aad = match &object.ciphertext {
        Ciphertext::Aes256Gcm { aad, .. } | Ciphertext::Hmac256Ctr { aad, .. } => aad.as_deref().unwrap_or(&[]),
        Ciphertext::Plain => &[],
    };
    aad.len() == CHUNK_AAD_LEN && aad.starts_with(b"morsa chunk ")
}

/// Whether a blob's first bytes can begin a private blob: the chunked framing's magic, or an
/// `EncryptedObject`'s version byte 0. A cheap test before [`parse_blob`].
pub fn may_be_blob(prefix: &[u8]) -> bool {
    prefix.first() == Some(&0) || (prefix.len() >= 4 && is_chunked(prefix))
}

/// What a private blob says of itself (see [`blob_info`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobInfo {
    /// The package ID of its identity (32 bytes).
    pub package_id: [u8; 32],
    /// The inner ID of its identity.
    pub id: Vec<u8>,
    /// Its key servers' object IDs and share indices.
    pub services: Vec<([u8; 32], u8)>,
    /// Key servers needed.
    pub threshold: u8,
    /// `"aes256gcm"`, `"hmac256ctr"` or `"plain"` (of the first object).
    pub dem: &'static str,
    /// Ciphertext bytes summed over the chunks.
    pub ciphertext_len: usize,
    /// Objects in the blob (1 when it is not chunked).
    pub chunks: usize,
}

/// The identity, key servers, threshold, DEM, ciphertext length and chunk count of a private
/// blob.
///
/// # Errors
///
/// What [`parse_blob`] returns.
pub fn blob_info(blob: &[u8]) -> Result<BlobInfo, SealError> {
    let objects = parse_blob(blob)?;
    let len = |o: &EncryptedObject| match &o.ciphertext {
        Ciphertext::Aes256Gcm { blob, .. } | Ciphertext::Hmac256Ctr { blob, .. } => blob.len(),
        Ciphertext::Plain => 0,
    };
    let first = &objects[0];
    Ok(BlobInfo {
        package_id: first.package_id,
        id: first.id.clone(),
        services: first.services.clone(),
        threshold: first.threshold,
        dem: match first.ciphertext {
            Ciphertext::Aes256Gcm { .. } => "aes256gcm",
            Ciphertext::Hmac256Ctr { .. } => "hmac256ctr",
            Ciphertext::Plain => "plain",
        },
        ciphertext_len: objects.iter().map(len).sum(),
        chunks: objects.len(),
    })
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, SealError> {
    let (head, tail) = rest.split_first_chunk::<4>().ok_or(SealError::Malformed)?;
    *rest = tail;
    Ok(u32::from_le_bytes(*head))
}

/// Decrypts a private blob (one object or chunks) with user secret keys by service index, as
/// [`decrypt`] takes them; with `public_keys`, every share of every chunk is checked too.
///
/// # Errors
///
/// What [`parse_blob`] and [`decrypt`] return.
pub fn decrypt_blob(
    blob: &[u8],
    user_secret_keys: &[(usize, [u8; 48])],
    public_keys: Option<&[[u8; 96]]>,
) -> Result<Vec<u8>, SealError> {
    let objects = parse_blob(blob)?;
    if objects.len() == 1 {
        return decrypt(&objects[0], user_secret_keys, public_keys);
    }
    let mut out = Vec::new();
    for object in &objects {
        out.extend_from_slice(&decrypt(object, user_secret_keys, public_keys)?);
    }
    Ok(out)
}
