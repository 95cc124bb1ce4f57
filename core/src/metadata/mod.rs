//! Blob IDs, sliver-pair hashes and blob metadata (SPEC §5.2–§5.5).
//!
//! [`BlobMetadataWithId`] is what a storage node or a file claims; [`BlobMetadataWithId::verify`]
//! turns it into a [`VerifiedBlobMetadataWithId`] only when its hashes, length and blob ID agree
//! (SPEC §5.5). [`BlobMetadataRef`] is a zero-copy view of metadata bytes that verifies a blob
//! ID without an allocator.

use core::fmt;
use core::str::FromStr;

use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::encoding::{EncodingConfig, EncodingType};
use crate::merkle::{self, MerkleRootBuilder, Node, DIGEST_LEN};
use crate::wire::{BcsDecode, Reader, WireError};

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

/// Length of a blob ID in bytes.
pub const BLOB_ID_LEN: usize = 32;

/// Length of the text form of a blob ID (base64url without padding).
pub const BLOB_ID_TEXT_LEN: usize = 43;

/// A blob ID: `H(encoding_type_u8 ‖ unencoded_length u64 LE ‖ merkle_root)` over the
/// sliver-pair leaves (SPEC §5.3). Its text form is base64url without padding (SPEC §5.4).
///
/// Equality is constant-time (and agrees with the derived `Hash`: both compare the bytes).
#[allow(clippy::derived_hash_with_manual_eq)]
#[derive(Clone, Copy, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub [u8; BLOB_ID_LEN]);

impl PartialEq for BlobId {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl BlobId {
    /// The blob ID of a blob whose sliver-pair Merkle root is `root` (SPEC §5.3: the 41-byte
    /// preimage is the BCS of Move's `BlobIdDerivation`).
    pub fn from_root(encoding_type: EncodingType, unencoded_length: u64, root: &Node) -> Self {
        BlobId(merkle::hash(&[&[encoding_type.as_u8()], &unencoded_length.to_le_bytes(), &root.bytes()]))
    }

    /// The blob ID from the sliver-pair hashes in pair order (SPEC §5.3), without allocating.
    pub fn from_pair_hashes(
        encoding_type: EncodingType,
        unencoded_length: u64,
        pairs: impl IntoIterator<Item = SliverPairMetadata>,
    ) -> Self {
        Self::from_root(encoding_type, unencoded_length, &pair_root(pairs))
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; BLOB_ID_LEN] {
        &self.0
    }

    /// The blob ID whose Move `u256` value is written in `text` (SPEC §5.4: the 32 bytes are the
    /// u256 in little-endian order; Sui explorers and events show it in decimal, and walrus
    /// `convert-blob-id` reads that): decimal digits, or `0x` and 1 to 64 hex digits (the
    /// number, most significant digit first). Surrounding whitespace is ignored.
    ///
    /// # Errors
    ///
    /// [`BlobIdParseError::InvalidU256`] for anything else or a value of 2^256 or more.
    pub fn from_u256_text(text: &str) -> Result<Self, BlobIdParseError> {
        let text = text.trim();
        let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => (hex, 16u32),
            None => (text, 10u32),
        };
        if digits.is_empty() || digits.len() > 80 {
            return Err(BlobIdParseError::InvalidU256);
        }
        let mut value = [0u8; BLOB_ID_LEN]; // little-endian
        for c in digits.chars() {
            let digit = c.to_digit(radix).ok_or(BlobIdParseError::InvalidU256)?;
            // value = value * radix + digit, checked.
            let mut carry = digit;
            for byte in value.iter_mut() {
                let x = u32::from(*byte) * radix + carry;
                *byte = (x & 0xFF) as u8;
                carry = x >> 8;
            }
            if carry != 0 {
                return Err(BlobIdParseError::InvalidU256);
            }
        }
        Ok(BlobId(value))
    }

    /// The Move `u256` value of this blob ID (its bytes little-endian, SPEC §5.4) in decimal, as
    /// a `Display` (no allocation): what Sui shows for a blob's `blob_id`.
    pub fn u256_decimal(&self) -> U256Decimal {
        U256Decimal(self.0)
    }

    /// Writes the text form (base64url, no padding) into a stack buffer.
    pub fn encode_text(&self) -> [u8; BLOB_ID_TEXT_LEN] {
        let mut out = [0u8; BLOB_ID_TEXT_LEN];
        // 32 bytes always encode to exactly 43 characters.
        let _ = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(self.0, &mut out);
        out
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.encode_text();
        // base64 output is ASCII.
        f.write_str(core::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

/// A blob ID's `u256` value in decimal ([`BlobId::u256_decimal`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U256Decimal([u8; BLOB_ID_LEN]);

impl fmt::Display for U256Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Repeated division by 10 of the little-endian number; at most 78 digits.
        let mut value = self.0;
        let mut digits = [0u8; 78];
        let mut n = 0;
        loop {
            let mut remainder = 0u32;
            for byte in value.iter_mut().rev() {
                let x = (remainder << 8) | u32::from(*byte);
                *byte = (x / 10) as u8;
                remainder = x % 10;
            }
            digits[n] = b'0' + remainder as u8;
            n += 1;
            if value.iter().all(|b| *b == 0) {
                break;
            }
        }
        for d in digits[..n].iter().rev() {
            f.write_str(match d {
                b'0' => "0",
                b'1' => "1",
                b'2' => "2",
                b'3' => "3",
                b'4' => "4",
                b'5' => "5",
                b'6' => "6",
                b'7' => "7",
                b'8' => "8",
                _ => "9",
            })?;
        }
        Ok(())
    }
}

/// The Merkle root over the sliver-pair leaves `H(0x00 ‖ primary ‖ secondary)`, in pair order
/// (SPEC §5.3): the `root_hash` registered on chain. Needs no allocator.
pub fn pair_root(pairs: impl IntoIterator<Item = SliverPairMetadata>) -> Node {
    let mut builder = MerkleRootBuilder::new();
    for pair in pairs {
        builder.push_leaf_hash(pair.pair_leaf_hash());
    }
    builder.root()
}

/// Errors parsing the text form of a blob ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobIdParseError {
    /// Not base64url without padding.
    InvalidBase64,
    /// The text does not decode to 32 bytes.
    WrongLength {
        /// Characters in the text.
        got_chars: usize,
    },
    /// Not a `u256` in decimal or `0x` hex ([`BlobId::from_u256_text`]).
    InvalidU256,
}

impl fmt::Display for BlobIdParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobIdParseError::InvalidBase64 => f.write_str("a blob ID is 43 characters of base64url without padding"),
            BlobIdParseError::WrongLength { got_chars } => {
                write!(f, "a blob ID is 43 characters of base64url without padding, got {got_chars} characters")
            }
            BlobIdParseError::InvalidU256 => {
                f.write_str("a blob ID's u256 value is decimal digits or 0x and up to 64 hex digits, below 2^256")
            }
        }
    }
}

impl core::error::Error for BlobIdParseError {}

impl FromStr for BlobId {
    type Err = BlobIdParseError;

    /// Parses base64url without padding; exactly 32 bytes (SPEC §5.4).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != BLOB_ID_TEXT_LEN {
            return Err(BlobIdParseError::WrongLength { got_chars: s.chars().count() });
        }
        let mut out = [0u8; 33];
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode_slice(s.as_bytes(), &mut out)
            .map_err(|_| BlobIdParseError::InvalidBase64)?;
        if n != BLOB_ID_LEN {
            return Err(BlobIdParseError::WrongLength { got_chars: s.chars().count() });
        }
        let mut id = [0u8; BLOB_ID_LEN];
        id.copy_from_slice(&out[..BLOB_ID_LEN]);
        Ok(BlobId(id))
    }
}

/// The two hashes of a sliver pair (SPEC §5.2): `primary_hash` is the Merkle root over the `n`
/// symbols of expanded row `i`, `secondary_hash` the root over the `n` symbols of expanded
/// column `n - 1 - i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliverPairMetadata {
    /// Root of the expanded primary sliver `i`.
    pub primary_hash: Node,
    /// Root of the expanded secondary sliver `n - 1 - i`.
    pub secondary_hash: Node,
}

impl SliverPairMetadata {
    /// The hash of this pair's leaf in the blob-level tree: `H(0x00 ‖ primary ‖ secondary)`
    /// (SPEC §5.3).
    pub fn pair_leaf_hash(&self) -> [u8; DIGEST_LEN] {
        merkle::hash(&[&[merkle::LEAF_PREFIX], &self.primary_hash.bytes(), &self.secondary_hash.bytes()])
    }

    /// The hash of the given axis.
    pub const fn hash(&self, axis: crate::Axis) -> &Node {
        match axis {
            crate::Axis::Primary => &self.primary_hash,
            crate::Axis::Secondary => &self.secondary_hash,
        }
    }
}

/// Errors of metadata verification (SPEC §5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    /// The number of sliver-pair hashes differs from the number of shards.
    WrongPairCount {
        /// Pairs expected (`n_shards`).
        expected: usize,
        /// Pairs present.
        got: usize,
    },
    /// The unencoded length exceeds the maximum blob size for the shard count.
    BlobTooLarge {
        /// The claimed length in bytes.
        unencoded_length: u64,
        /// The maximum in bytes (SPEC §1.4).
        max_bytes: u64,
    },
    /// The blob ID recomputed from the metadata differs from the claimed one.
    BlobIdMismatch {
        /// The claimed blob ID.
        claimed: BlobId,
        /// The blob ID the metadata hashes to.
        computed: BlobId,
    },
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataError::WrongPairCount { expected, got } => {
                write!(f, "metadata has {got} sliver-pair hashes, the encoding has {expected} shards")
            }
            MetadataError::BlobTooLarge { unencoded_length, max_bytes } => write!(
                f,
                "metadata claims {unencoded_length} bytes, more than the maximum blob size of {max_bytes} bytes"
            ),
            MetadataError::BlobIdMismatch { claimed, computed } => {
                write!(f, "metadata hashes to blob ID {computed}, not the claimed {claimed}")
            }
        }
    }
}

impl core::error::Error for MetadataError {}

/// The one copy of SPEC §5.5's verification rule, over any representation of the pair hashes.
fn verify_parts<I: IntoIterator<Item = SliverPairMetadata>>(
    claimed: &BlobId,
    encoding_type: EncodingType,
    unencoded_length: u64,
    n_pairs: usize,
    pairs: I,
    config: &EncodingConfig,
) -> Result<(), MetadataError> {
    let expected = usize::from(config.n_shards());
    if n_pairs != expected {
        return Err(MetadataError::WrongPairCount { expected, got: n_pairs });
    }
    let max_bytes = config.max_blob_size();
    if unencoded_length > max_bytes {
        return Err(MetadataError::BlobTooLarge { unencoded_length, max_bytes });
    }
    let computed = BlobId::from_pair_hashes(encoding_type, unencoded_length, pairs);
    if computed != *claimed {
        return Err(MetadataError::BlobIdMismatch { claimed: *claimed, computed });
    }
    Ok(())
}

/// A zero-copy view of BCS `BlobMetadata` (SPEC §5.5) that needs no allocator: the pair hashes
/// stay in the input bytes and are read on demand.
#[derive(Clone, Copy, Debug)]
pub struct BlobMetadataRef<'a> {
    /// The encoding type (always RS2).
    pub encoding_type: EncodingType,
    /// The blob length in bytes before encoding.
    pub unencoded_length: u64,
    n_pairs: usize,
    hashes_bcs: &'a [u8],
}

impl<'a> BlobMetadataRef<'a> {
    /// The number of sliver pairs.
    pub const fn n_pairs(&self) -> usize {
        self.n_pairs
    }

    /// The sliver-pair hashes in pair order.
    pub fn pairs(&self) -> impl Iterator<Item = SliverPairMetadata> + 'a {
        let mut r = Reader::new(self.hashes_bcs);
        // The bytes were fully validated when the view was made.
        (0..self.n_pairs).map_while(move |_| SliverPairMetadata::read_bcs(&mut r).ok())
    }

    /// The blob ID these hashes and this length give (SPEC §5.3).
    pub fn compute_blob_id(&self) -> BlobId {
        BlobId::from_pair_hashes(self.encoding_type, self.unencoded_length, self.pairs())
    }

    /// Verifies this metadata against `claimed` for `config` (SPEC §5.5).
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the pair count, length or blob ID is wrong.
    pub fn verify(&self, claimed: &BlobId, config: &EncodingConfig) -> Result<(), MetadataError> {
        verify_parts(claimed, self.encoding_type, self.unencoded_length, self.n_pairs, self.pairs(), config)
    }

    pub(crate) fn new_unchecked(
        encoding_type: EncodingType,
        unencoded_length: u64,
        n_pairs: usize,
        hashes_bcs: &'a [u8],
    ) -> Self {
        Self { encoding_type, unencoded_length, n_pairs, hashes_bcs }
    }
}

/// A zero-copy view of BCS `BlobMetadataWithId` (SPEC §5.5).
#[derive(Clone, Copy, Debug)]
pub struct BlobMetadataWithIdRef<'a> {
    /// The claimed blob ID.
    pub blob_id: BlobId,
    /// The metadata.
    pub metadata: BlobMetadataRef<'a>,
}

impl BlobMetadataWithIdRef<'_> {
    /// Verifies the metadata against its own blob ID (SPEC §5.5).
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the pair count, length or blob ID is wrong.
    pub fn verify(&self, config: &EncodingConfig) -> Result<(), MetadataError> {
        self.metadata.verify(&self.blob_id, config)
    }
}

/// Blob metadata: encoding type, unencoded length and the `n` sliver-pair hashes
/// (SPEC §5.5 `BlobMetadata::V1`). What `PUT /metadata` carries.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobMetadata {
    /// The encoding type (always RS2).
    pub encoding_type: EncodingType,
    /// The blob length in bytes before encoding.
    pub unencoded_length: u64,
    /// The sliver-pair hashes, one per pair, in pair order.
    pub hashes: Vec<SliverPairMetadata>,
}

#[cfg(feature = "alloc")]
impl BlobMetadata {
    /// The blob ID these hashes and this length give (SPEC §5.3).
    pub fn compute_blob_id(&self) -> BlobId {
        BlobId::from_root(self.encoding_type, self.unencoded_length, &self.root_hash())
    }

    /// The Merkle root over the sliver-pair leaves (SPEC §5.3): the `root_hash` registered on
    /// chain.
    pub fn root_hash(&self) -> Node {
        pair_root(self.hashes.iter().copied())
    }

    /// Verifies this metadata against `claimed` (SPEC §5.5).
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the pair count, length or blob ID is wrong.
    pub fn verify(&self, claimed: &BlobId, config: &EncodingConfig) -> Result<(), MetadataError> {
        verify_parts(
            claimed,
            self.encoding_type,
            self.unencoded_length,
            self.hashes.len(),
            self.hashes.iter().copied(),
            config,
        )
    }
}

/// Metadata together with the blob ID it claims (SPEC §5.5 `BlobMetadataWithId`), not yet
/// verified. What `GET /metadata` returns.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobMetadataWithId {
    /// The claimed blob ID.
    pub blob_id: BlobId,
    /// The metadata.
    pub metadata: BlobMetadata,
}

#[cfg(feature = "alloc")]
impl BlobMetadataWithId {
    /// Verifies the metadata against its blob ID for `config` (SPEC §5.5).
    ///
    /// # Errors
    ///
    /// [`MetadataError`] when the pair count, length or blob ID is wrong.
    pub fn verify(self, config: &EncodingConfig) -> Result<VerifiedBlobMetadataWithId, MetadataError> {
        self.metadata.verify(&self.blob_id, config)?;
        Ok(VerifiedBlobMetadataWithId { inner: self, config: *config })
    }
}

/// Metadata whose hashes, length and blob ID are known to agree for its encoding
/// configuration. Only [`BlobMetadataWithId::verify`] and the encoder make one.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBlobMetadataWithId {
    inner: BlobMetadataWithId,
    config: EncodingConfig,
}

#[cfg(feature = "alloc")]
impl VerifiedBlobMetadataWithId {
    pub(crate) fn new_trusted(inner: BlobMetadataWithId, config: EncodingConfig) -> Self {
        Self { inner, config }
    }

    /// The blob ID.
    pub fn blob_id(&self) -> &BlobId {
        &self.inner.blob_id
    }

    /// The metadata.
    pub fn metadata(&self) -> &BlobMetadata {
        &self.inner.metadata
    }

    /// The encoding configuration the metadata was verified for.
    pub fn config(&self) -> &EncodingConfig {
        &self.config
    }

    /// The blob length in bytes.
    pub fn unencoded_length(&self) -> u64 {
        self.inner.metadata.unencoded_length
    }

    /// The symbol size of this blob (SPEC §1.3). Never fails: verification bounded the length.
    pub fn symbol_size(&self) -> core::num::NonZeroU16 {
        self.config.symbol_size(self.unencoded_length()).unwrap_or(core::num::NonZeroU16::MIN)
    }

    /// The hashes of sliver pair `pair_index`, if in range.
    pub fn pair(&self, pair_index: u16) -> Option<&SliverPairMetadata> {
        self.inner.metadata.hashes.get(usize::from(pair_index))
    }

    /// The unverified form (for serialization).
    pub fn as_unverified(&self) -> &BlobMetadataWithId {
        &self.inner
    }

    /// Gives up the verified status.
    pub fn into_unverified(self) -> BlobMetadataWithId {
        self.inner
    }
}

/// Parses BCS `BlobMetadataWithId` bytes and verifies them, without an allocator
/// (SPEC §5.5). Returns the verified blob ID.
///
/// # Errors
///
/// [`VerifyBytesError::Wire`] for malformed bytes, [`VerifyBytesError::Metadata`] when the
/// metadata does not match its blob ID.
pub fn verify_metadata_with_id_bcs(bytes: &[u8], config: &EncodingConfig) -> Result<BlobId, VerifyBytesError> {
    let view = BlobMetadataWithIdRef::from_bcs(bytes).map_err(VerifyBytesError::Wire)?;
    view.verify(config).map_err(VerifyBytesError::Metadata)?;
    Ok(view.blob_id)
}

/// Errors of [`verify_metadata_with_id_bcs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyBytesError {
    /// The bytes are not valid BCS metadata.
    Wire(WireError),
    /// The metadata does not verify.
    Metadata(MetadataError),
}

impl fmt::Display for VerifyBytesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyBytesError::Wire(e) => e.fmt(f),
            VerifyBytesError::Metadata(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for VerifyBytesError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        let id: BlobId = "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY".parse().unwrap();
        assert_eq!(id.0[0], 0x45);
        assert_eq!(id.0[31], 0x46);
        let mut buf = [0u8; 64];
        let text = id.encode_text();
        buf[..43].copy_from_slice(&text);
        assert_eq!(&buf[..43], b"RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY");
    }

    #[test]
    fn u256_forms() {
        use alloc::format;
        use alloc::string::{String, ToString};
        // The walrus-docs example (their num_to_blob_id) and SPEC §5.4 ("256" is [0, 1, 0, …]).
        let decimal = "46269954626831698189342469164469112511517843773769981308926739591706762839432";
        let id = BlobId::from_u256_text(decimal).unwrap();
        assert_eq!(id.to_string(), "iIWkkUTzPZx-d1E_A7LqUynnYFD-ztk39_tP8MLdS2Y");
        assert_eq!(id.u256_decimal().to_string(), decimal);
        let mut hex = String::from("0x");
        for b in id.0.iter().rev() {
            hex += &format!("{b:02x}");
        }
        assert_eq!(BlobId::from_u256_text(&hex), Ok(id));
        let mut expected = [0u8; 32];
        expected[1] = 1;
        assert_eq!(BlobId::from_u256_text(" 256 ").unwrap().0, expected);
        assert_eq!(BlobId::from_u256_text("0").unwrap().u256_decimal().to_string(), "0");
        let max = BlobId([0xFF; 32]);
        let text = max.u256_decimal().to_string();
        assert_eq!(BlobId::from_u256_text(&text), Ok(max));
        // 2^256, signs, other digits, empty: refused.
        for bad in [
            "115792089237316195423570985008687907853269984665640564039457584007913129639936",
            "-1",
            "+1",
            "12a",
            "",
            "0x",
            "0xg",
            "1e5",
        ] {
            assert_eq!(BlobId::from_u256_text(bad), Err(BlobIdParseError::InvalidU256), "{bad}");
        }
        assert!(BlobId::from_u256_text(&format!("0x1{}", "0".repeat(64))).is_err());
    }

    #[test]
    fn text_form_rejects_bad_input() {
        // Padded, standard alphabet, wrong lengths.
        assert!("RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY=".parse::<BlobId>().is_err());
        assert!("RcU82Mwf+CFkv1LaI/2qcpANwpGUuG3TMwnVzZxD2kY".parse::<BlobId>().is_err());
        assert_eq!("abc".parse::<BlobId>(), Err(BlobIdParseError::WrongLength { got_chars: 3 }));
        assert!("".parse::<BlobId>().is_err());
    }

    #[test]
    fn upstream_test_metadata_blob_id() {
        // SPEC §17.3 derived value: walrus test_utils blob_metadata(): n = 10, pair i hashes
        // are [i; 32], length 62 831.
        let pairs = (0..10u8)
            .map(|i| SliverPairMetadata { primary_hash: Node::Digest([i; 32]), secondary_hash: Node::Digest([i; 32]) });
        let id = BlobId::from_pair_hashes(EncodingType::RS2, 62_831, pairs);
        let mut text = [0u8; 43];
        text.copy_from_slice(&id.encode_text());
        assert_eq!(&text, b"Kzx3MpKXCfS3QkVecQujG5rsWwSw1M_w72l9MCFYhtg");
    }
}
