//! Quilt format V1: many small blobs ("patches") batched into one blob, each readable from a few
//! secondary slivers (SPEC §13; `walrus: crates/walrus-core/src/encoding/quilt_encoding.rs`).
//!
//! A quilt is an ordinary blob of exactly `p * s * S_q` bytes laid out as the `p × s` message
//! matrix of SPEC §3.1, so its symbol size is `S_q` and column `j` is secondary sliver `j`. Byte
//! streams are written column by column: the index (`0x01 ‖ u32 LE len ‖ BCS(QuiltIndexV1)`)
//! from column 0, then each blob, sorted by identifier, on fresh columns.
//!
//! Without `alloc` this module offers the quilt symbol size ([`quilt_symbol_size`]), identifier
//! validation ([`validate_identifier`]) and [`QuiltPatchId`]; building ([`build_quilt`]) and
//! parsing ([`parse_index`], [`parse_patch`]) need `alloc`.

use core::fmt;
use core::str::FromStr;

use base64::Engine as _;

use crate::encoding::EncodeError;
use crate::metadata::{BlobId, BLOB_ID_LEN};
use crate::wire::WireError;

#[cfg(feature = "alloc")]
pub use self::owned::*;

/// The quilt version byte of V1, first byte of the index and of every blob header (SPEC §13).
pub const QUILT_VERSION_V1: u8 = 1;

/// The bytes of a V1 blob header: `0x01 ‖ u32 LE length ‖ u8 mask` (SPEC §13).
pub const BLOB_HEADER_LEN: usize = 6;

/// The bytes before the BCS index: `0x01 ‖ u32 LE index_len` (SPEC §13).
pub const INDEX_PREFIX_LEN: usize = 5;

/// The most columns the index may occupy (SPEC §13: `index_cols ≤ 10`).
pub const MAX_INDEX_COLUMNS: usize = 10;

/// The longest identifier in bytes (SPEC §13).
pub const MAX_IDENTIFIER_LEN: usize = u16::MAX as usize;

/// The bytes of a [`QuiltPatchId`]: blob ID, version, start and end column (SPEC §13).
pub const QUILT_PATCH_ID_LEN: usize = BLOB_ID_LEN + 5;

/// The characters of a [`QuiltPatchId`] as base64url without padding (SPEC §13).
pub const QUILT_PATCH_ID_TEXT_LEN: usize = 50;

/// The largest quilt symbol size in bytes (SPEC §1.3, §13).
pub const MAX_QUILT_SYMBOL_SIZE: usize = 65_534;

/// Blob-header mask bit 0: the blob has tags (SPEC §13).
#[cfg(feature = "alloc")]
const HAS_TAGS: u8 = 1;

/// Why an identifier is invalid (SPEC §13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentifierProblem {
    /// The identifier is empty.
    Empty,
    /// The identifier is longer than [`MAX_IDENTIFIER_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        got_bytes: usize,
    },
    /// The identifier contains a control character.
    ControlCharacter,
    /// The identifier ends with whitespace.
    TrailingWhitespace,
}

/// Errors of quilt building and parsing (SPEC §13).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuiltError {
    /// A quilt needs at least one blob.
    EmptyInput,
    /// More blobs than columns left after the index: at most `s - 1` blobs (SPEC §13).
    TooManyBlobs {
        /// The number of blobs given.
        blobs: usize,
        /// The most a quilt can hold for this shard count.
        max_blobs: usize,
    },
    /// The quilt would need a symbol size above [`MAX_QUILT_SYMBOL_SIZE`] bytes.
    QuiltTooLarge {
        /// The symbol size needed in bytes.
        symbol_size: usize,
    },
    /// An identifier is invalid (SPEC §13).
    InvalidIdentifier(IdentifierProblem),
    /// Two blobs have the same identifier.
    #[cfg(feature = "alloc")]
    DuplicateIdentifier {
        /// The repeated identifier.
        identifier: alloc::string::String,
    },
    /// A length-prefixed section does not fit its length field (`u16` for the identifier and
    /// tags sections, `u32` for a blob or the index).
    SectionTooLarge {
        /// The section.
        what: &'static str,
        /// Its size in bytes.
        got_bytes: usize,
    },
    /// A version byte is not [`QUILT_VERSION_V1`].
    UnsupportedVersion {
        /// What was being read.
        what: &'static str,
        /// The version found.
        version: u8,
    },
    /// Quilt bytes are malformed.
    Malformed {
        /// What was wrong.
        what: &'static str,
    },
    /// The BCS of the index, an identifier or tags is malformed.
    Wire(WireError),
    /// A patch's columns are outside the quilt.
    PatchOutOfRange {
        /// The first column.
        start_index: u16,
        /// One past the last column.
        end_index: u16,
        /// The number of columns of the quilt (`s`).
        n_columns: u16,
    },
    /// A quilt patch ID's text or bytes are malformed.
    InvalidPatchId,
    /// The geometry (shard count) is invalid.
    Encode(EncodeError),
}

impl fmt::Display for QuiltError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuiltError::EmptyInput => f.write_str("a quilt needs at least one blob"),
            QuiltError::TooManyBlobs { blobs, max_blobs } => {
                write!(f, "too many blobs for one quilt: {blobs} given, at most {max_blobs} fit")
            }
            QuiltError::QuiltTooLarge { symbol_size } => write!(
                f,
                "the quilt is too large: it needs a symbol size of {symbol_size} bytes, at most {MAX_QUILT_SYMBOL_SIZE}"
            ),
            QuiltError::InvalidIdentifier(p) => match p {
                IdentifierProblem::Empty => f.write_str("invalid identifier: empty"),
                IdentifierProblem::TooLong { got_bytes } => {
                    write!(f, "invalid identifier: {got_bytes} bytes, at most {MAX_IDENTIFIER_LEN}")
                }
                IdentifierProblem::ControlCharacter => f.write_str("invalid identifier: contains a control character"),
                IdentifierProblem::TrailingWhitespace => f.write_str("invalid identifier: trailing whitespace"),
            },
            #[cfg(feature = "alloc")]
            QuiltError::DuplicateIdentifier { identifier } => write!(f, "duplicate identifier {identifier:?}"),
            QuiltError::SectionTooLarge { what, got_bytes } => {
                write!(f, "the {what} of {got_bytes} bytes does not fit its length field")
            }
            QuiltError::UnsupportedVersion { what, version } => {
                write!(f, "unsupported {what} version {version} (only V1 = 1 is known)")
            }
            QuiltError::Malformed { what } => write!(f, "malformed quilt: {what}"),
            QuiltError::Wire(e) => write!(f, "malformed quilt: {e}"),
            QuiltError::PatchOutOfRange { start_index, end_index, n_columns } => {
                write!(f, "patch columns {start_index}..{end_index} are outside the quilt's {n_columns} columns")
            }
            QuiltError::InvalidPatchId => {
                f.write_str("invalid quilt patch ID: expected 50 base64url characters (37 bytes, version 1)")
            }
            QuiltError::Encode(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for QuiltError {}

impl From<WireError> for QuiltError {
    fn from(e: WireError) -> Self {
        QuiltError::Wire(e)
    }
}

impl From<EncodeError> for QuiltError {
    fn from(e: EncodeError) -> Self {
        QuiltError::Encode(e)
    }
}

/// Checks an identifier (SPEC §13): at most [`MAX_IDENTIFIER_LEN`] bytes, non-empty, no
/// trailing whitespace and no control characters.
///
/// # Errors
///
/// [`QuiltError::InvalidIdentifier`] naming the problem.
pub fn validate_identifier(identifier: &str) -> Result<(), QuiltError> {
    // Checked in Walrus's order (`validate_quilt_identifier`), so that each identifier gets the
    // same reason.
    let problem = if identifier.len() > MAX_IDENTIFIER_LEN {
        IdentifierProblem::TooLong { got_bytes: identifier.len() }
    } else if identifier.is_empty() {
        IdentifierProblem::Empty
    } else if identifier.chars().next_back().is_some_and(char::is_whitespace) {
        IdentifierProblem::TrailingWhitespace
    } else if identifier.chars().any(char::is_control) {
        IdentifierProblem::ControlCharacter
    } else {
        return Ok(());
    };
    Err(QuiltError::InvalidIdentifier(problem))
}

/// Whether blobs of `sizes` bytes, each starting on a fresh column, fit into `n_columns`
/// columns of `column_size` bytes.
fn fits(sizes: &[usize], n_columns: usize, column_size: usize) -> bool {
    let mut used = 0usize;
    for size in sizes {
        used = used.saturating_add(size.div_ceil(column_size));
        if used > n_columns {
            return false;
        }
    }
    true
}

/// The quilt symbol size `S_q` in bytes (SPEC §13; `walrus: quilt_encoding.rs`
/// `compute_symbol_size`).
///
/// `sizes[0]` is the index stream (`5 + index_len`), the rest the serialized blobs;
/// `n_columns = s`, `n_rows = p`. The result is the smallest `S` with
/// `S ≥ max(ceil(Σsizes / (s*p)), ceil(sizes[0] / (p*max_index_columns)), ceil(5/p))` and
/// `Σ ceil(size_i / (S*p)) ≤ s`, rounded up to even.
///
/// # Errors
///
/// [`QuiltError::EmptyInput`] for no sizes; [`QuiltError::TooManyBlobs`] if
/// `sizes.len() > n_columns`; [`QuiltError::QuiltTooLarge`] above [`MAX_QUILT_SYMBOL_SIZE`];
/// [`QuiltError::Malformed`] for zero rows, columns or index columns.
///
/// # Example
///
/// ```
/// use morsa_core::quilt::quilt_symbol_size;
/// assert_eq!(quilt_symbol_size(&[1000, 1, 1], 4, 7, 2), Ok(72));
/// ```
pub fn quilt_symbol_size(
    sizes: &[usize],
    n_columns: usize,
    n_rows: usize,
    max_index_columns: usize,
) -> Result<usize, QuiltError> {
    if n_columns == 0 || n_rows == 0 || max_index_columns == 0 {
        return Err(QuiltError::Malformed { what: "a quilt geometry needs rows, columns and index columns" });
    }
    if sizes.len() > n_columns {
        return Err(QuiltError::TooManyBlobs { blobs: sizes.len() - 1, max_blobs: n_columns - 1 });
    }
    let (Some(&first), Some(&largest)) = (sizes.first(), sizes.iter().max()) else {
        return Err(QuiltError::EmptyInput);
    };
    let total = sizes.iter().fold(0usize, |a, &b| a.saturating_add(b));
    let mut lo = total.div_ceil(n_columns).div_ceil(n_rows);
    lo = lo.max(first.div_ceil(n_rows).div_ceil(max_index_columns));
    lo = lo.max(INDEX_PREFIX_LEN.div_ceil(n_rows));
    // Each blob fits in `n_columns / len` columns of this size, so this always fits.
    let mut hi = largest.div_ceil(n_columns / sizes.len()).div_ceil(n_rows);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(sizes, n_columns, mid.saturating_mul(n_rows)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let symbol_size = lo + lo % 2;
    if symbol_size > MAX_QUILT_SYMBOL_SIZE {
        return Err(QuiltError::QuiltTooLarge { symbol_size });
    }
    Ok(symbol_size)
}

/// The ID of one patch of a quilt (SPEC §13): `quilt_id[32] ‖ 0x01 ‖ start_index u16 LE ‖
/// end_index u16 LE`, as 50 base64url characters without padding.
///
/// # Example
///
/// ```
/// use morsa_core::quilt::QuiltPatchId;
/// let id: QuiltPatchId = "uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA".parse()?;
/// assert_eq!((id.start_index, id.end_index), (1, 13));
/// assert_eq!(id.to_string(), "uIiEbhP2qgZYygEGxJX1GeB-rQATo2yufC2DCp7B4iABAQANAA");
/// # Ok::<(), morsa_core::quilt::QuiltError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QuiltPatchId {
    /// The blob ID of the quilt.
    pub quilt_id: BlobId,
    /// The first column (secondary sliver) of the patch.
    pub start_index: u16,
    /// One past the last column of the patch.
    pub end_index: u16,
}

impl QuiltPatchId {
    /// The 37 bytes.
    pub fn to_bytes(&self) -> [u8; QUILT_PATCH_ID_LEN] {
        let mut out = [0u8; QUILT_PATCH_ID_LEN];
        out[..BLOB_ID_LEN].copy_from_slice(self.quilt_id.as_bytes());
        out[BLOB_ID_LEN] = QUILT_VERSION_V1;
        out[BLOB_ID_LEN + 1..BLOB_ID_LEN + 3].copy_from_slice(&self.start_index.to_le_bytes());
        out[BLOB_ID_LEN + 3..].copy_from_slice(&self.end_index.to_le_bytes());
        out
    }

    /// Parses the 37 bytes.
    ///
    /// # Errors
    ///
    /// [`QuiltError::InvalidPatchId`] for another length; [`QuiltError::UnsupportedVersion`]
    /// for a version other than 1.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, QuiltError> {
        if bytes.len() != QUILT_PATCH_ID_LEN {
            return Err(QuiltError::InvalidPatchId);
        }
        if bytes[BLOB_ID_LEN] != QUILT_VERSION_V1 {
            return Err(QuiltError::UnsupportedVersion { what: "quilt patch ID", version: bytes[BLOB_ID_LEN] });
        }
        let mut id = [0u8; BLOB_ID_LEN];
        id.copy_from_slice(&bytes[..BLOB_ID_LEN]);
        Ok(Self {
            quilt_id: BlobId(id),
            start_index: u16::from_le_bytes([bytes[BLOB_ID_LEN + 1], bytes[BLOB_ID_LEN + 2]]),
            end_index: u16::from_le_bytes([bytes[BLOB_ID_LEN + 3], bytes[BLOB_ID_LEN + 4]]),
        })
    }
}

impl fmt::Display for QuiltPatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; QUILT_PATCH_ID_TEXT_LEN];
        // 37 bytes always encode to exactly 50 characters.
        let _ = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(self.to_bytes(), &mut out);
        f.write_str(core::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for QuiltPatchId {
    type Err = QuiltError;

    /// Parses 50 base64url characters without padding (SPEC §13).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != QUILT_PATCH_ID_TEXT_LEN {
            return Err(QuiltError::InvalidPatchId);
        }
        let mut out = [0u8; QUILT_PATCH_ID_LEN + 3];
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode_slice(s.as_bytes(), &mut out)
            .map_err(|_| QuiltError::InvalidPatchId)?;
        Self::from_bytes(&out[..n])
    }
}

#[cfg(feature = "alloc")]
mod owned {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::encoding::EncodingConfig;
    use crate::wire::{uleb128_len, write_byte_vec, BcsWrite, Reader};

    /// Tags of a blob in a quilt: string keys to string values (SPEC §13).
    pub type Tags = BTreeMap<String, String>;

    /// One blob to put into a quilt.
    #[derive(Clone, Copy, Debug)]
    pub struct QuiltEntry<'a> {
        /// Its identifier, unique within the quilt (SPEC §13).
        pub identifier: &'a str,
        /// Its tags (may be empty).
        pub tags: &'a Tags,
        /// Its bytes.
        pub data: &'a [u8],
    }

    /// One patch of a quilt index (`QuiltPatchV1`, SPEC §13).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct QuiltPatch {
        /// The identifier.
        pub identifier: String,
        /// The tags.
        pub tags: Tags,
        /// The first column; not serialized, rebuilt from the previous patch.
        pub start_index: u16,
        /// One past the last column.
        pub end_index: u16,
    }

    impl QuiltPatch {
        /// The ID of this patch in the quilt `quilt_id`.
        pub fn patch_id(&self, quilt_id: BlobId) -> QuiltPatchId {
            QuiltPatchId { quilt_id, start_index: self.start_index, end_index: self.end_index }
        }
    }

    /// The index of a quilt (`QuiltIndexV1 = Vec<QuiltPatchV1>`, SPEC §13).
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct QuiltIndex {
        /// The patches, sorted by identifier.
        pub patches: Vec<QuiltPatch>,
    }

    fn string_bcs_len(s: &str) -> usize {
        uleb128_len(s.len() as u32) + s.len()
    }

    /// `BCS(BTreeMap<String, String>)`: entries ordered by their serialized key bytes (ULEB
    /// length first), as the `bcs` crate does (SPEC §13 "Tags order").
    fn tags_bcs_len(tags: &Tags) -> usize {
        uleb128_len(tags.len() as u32) + tags.iter().map(|(k, v)| string_bcs_len(k) + string_bcs_len(v)).sum::<usize>()
    }

    fn write_tags<W: BcsWrite + ?Sized>(w: &mut W, tags: &Tags) {
        let mut entries: Vec<(&String, &String)> = tags.iter().collect();
        entries.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
        crate::wire::write_uleb128(w, entries.len() as u32);
        for (k, v) in entries {
            write_byte_vec(w, k.as_bytes());
            write_byte_vec(w, v.as_bytes());
        }
    }

    fn read_string(r: &mut Reader<'_>, reading: &'static str) -> Result<String, QuiltError> {
        let bytes = r.byte_vec(reading)?;
        core::str::from_utf8(bytes)
            .map(String::from)
            .map_err(|_| QuiltError::Malformed { what: "a string is not UTF-8" })
    }

    fn read_tags(r: &mut Reader<'_>) -> Result<Tags, QuiltError> {
        // Each entry takes at least two bytes (two empty strings).
        let n = r.seq_len("quilt tags", 2)?;
        let mut tags = Tags::new();
        let mut previous: Option<String> = None;
        for _ in 0..n {
            let key = read_string(r, "quilt tag key")?;
            let value = read_string(r, "quilt tag value")?;
            if let Some(prev) = &previous {
                // Canonical BCS: strictly increasing serialized keys.
                if (prev.len(), prev.as_bytes()) >= (key.len(), key.as_bytes()) {
                    return Err(QuiltError::Malformed { what: "tags are not in canonical BCS order" });
                }
            }
            tags.insert(key.clone(), value);
            previous = Some(key);
        }
        Ok(tags)
    }

    impl QuiltIndex {
        /// The length of `BCS(QuiltIndexV1)` in bytes.
        pub fn bcs_len(&self) -> usize {
            uleb128_len(self.patches.len() as u32)
                + self.patches.iter().map(|p| 2 + string_bcs_len(&p.identifier) + tags_bcs_len(&p.tags)).sum::<usize>()
        }

        /// `BCS(QuiltIndexV1)`: per patch `end_index u16 ‖ identifier ‖ tags` (SPEC §13).
        pub fn to_bcs(&self) -> Vec<u8> {
            let mut out = Vec::with_capacity(self.bcs_len());
            crate::wire::write_uleb128(&mut out, self.patches.len() as u32);
            for p in &self.patches {
                out.put(&p.end_index.to_le_bytes());
                write_byte_vec(&mut out, p.identifier.as_bytes());
                write_tags(&mut out, &p.tags);
            }
            out
        }

        /// Parses `BCS(QuiltIndexV1)` and rebuilds each `start_index`: the first patch starts
        /// at `first_column` (the number of index columns), each later one at the previous
        /// `end_index` (SPEC §13).
        ///
        /// # Errors
        ///
        /// [`QuiltError::Wire`] or [`QuiltError::Malformed`] for malformed bytes, trailing
        /// bytes, an empty patch or end indices that go backwards.
        pub fn from_bcs(bytes: &[u8], first_column: u16) -> Result<Self, QuiltError> {
            let mut r = Reader::new(bytes);
            // Each patch takes at least 2 + 1 + 1 bytes.
            let n = r.seq_len("quilt index", 4)?;
            let mut patches = Vec::with_capacity(n);
            let mut start_index = first_column;
            for _ in 0..n {
                let end_index = r.u16("quilt patch end_index")?;
                let identifier = read_string(&mut r, "quilt patch identifier")?;
                let tags = read_tags(&mut r)?;
                if end_index <= start_index {
                    return Err(QuiltError::Malformed { what: "a patch ends before it starts" });
                }
                patches.push(QuiltPatch { identifier, tags, start_index, end_index });
                start_index = end_index;
            }
            r.finish()?;
            Ok(Self { patches })
        }

        /// The patch with this identifier.
        pub fn get(&self, identifier: &str) -> Option<&QuiltPatch> {
            self.patches.iter().find(|p| p.identifier == identifier)
        }

        /// The patches that have tag `key` with value `value`.
        pub fn with_tag<'s>(&'s self, key: &'s str, value: &'s str) -> impl Iterator<Item = &'s QuiltPatch> + 's {
            self.patches.iter().filter(move |p| p.tags.get(key).map(String::as_str) == Some(value))
        }
    }

    /// The geometry of a quilt: `p` rows, `s` columns of `symbol_size`-byte symbols (SPEC §13).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct QuiltLayout {
        /// Rows: `p`, the symbols of a secondary sliver.
        pub n_rows: u16,
        /// Columns: `s`, the secondary slivers that carry data.
        pub n_columns: u16,
        /// The symbol size `S_q` in bytes.
        pub symbol_size: u16,
    }

    impl QuiltLayout {
        /// The layout of a quilt with this configuration and symbol size.
        pub fn new(config: &EncodingConfig, symbol_size: u16) -> Self {
            Self {
                n_rows: config.n_primary_source_symbols(),
                n_columns: config.n_secondary_source_symbols(),
                symbol_size,
            }
        }

        /// The bytes of a column (a secondary sliver): `p * S_q`.
        pub fn column_size(&self) -> usize {
            usize::from(self.n_rows) * usize::from(self.symbol_size)
        }

        /// The bytes of the quilt blob: `p * s * S_q`.
        pub fn blob_len(&self) -> usize {
            self.column_size() * usize::from(self.n_columns)
        }

        fn offset(&self, column: usize, row: usize) -> usize {
            let symbol = usize::from(self.symbol_size);
            row * usize::from(self.n_columns) * symbol + column * symbol
        }

        /// The bytes of columns `start..end` of a quilt blob, column after column: what the
        /// secondary slivers `start..end` hold (SPEC §13 "Byte stream into columns").
        ///
        /// # Errors
        ///
        /// [`QuiltError::PatchOutOfRange`] if `start > end` or `end > s`;
        /// [`QuiltError::Malformed`] if `blob` is not `p * s * S_q` bytes.
        pub fn columns(&self, blob: &[u8], start: u16, end: u16) -> Result<Vec<u8>, QuiltError> {
            if start > end || end > self.n_columns {
                return Err(QuiltError::PatchOutOfRange {
                    start_index: start,
                    end_index: end,
                    n_columns: self.n_columns,
                });
            }
            if blob.len() != self.blob_len() {
                return Err(QuiltError::Malformed { what: "the quilt blob is not p * s * symbol_size bytes" });
            }
            let symbol = usize::from(self.symbol_size);
            let mut out = Vec::with_capacity(usize::from(end - start) * self.column_size());
            for column in usize::from(start)..usize::from(end) {
                for row in 0..usize::from(self.n_rows) {
                    let at = self.offset(column, row);
                    out.extend_from_slice(&blob[at..at + symbol]);
                }
            }
            Ok(out)
        }
    }

    /// Writes a byte stream into a quilt column by column from `start_column`.
    struct ColumnWriter<'b> {
        blob: &'b mut [u8],
        layout: QuiltLayout,
        start_column: usize,
        pos: usize,
    }

    impl BcsWrite for ColumnWriter<'_> {
        fn put(&mut self, mut bytes: &[u8]) {
            let symbol = usize::from(self.layout.symbol_size);
            let column_size = self.layout.column_size();
            while !bytes.is_empty() {
                let column = self.start_column + self.pos / column_size;
                let row = (self.pos % column_size) / symbol;
                let within = self.pos % symbol;
                let take = (symbol - within).min(bytes.len());
                let at = self.layout.offset(column, row) + within;
                self.blob[at..at + take].copy_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                self.pos += take;
            }
        }
    }

    /// A built quilt: the blob bytes, its geometry and its index.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Quilt {
        blob: Vec<u8>,
        layout: QuiltLayout,
        index: QuiltIndex,
    }

    impl Quilt {
        /// The quilt blob (`p * s * S_q` bytes); store it as an ordinary blob.
        pub fn blob(&self) -> &[u8] {
            &self.blob
        }

        /// The quilt blob, consuming the quilt.
        pub fn into_blob(self) -> Vec<u8> {
            self.blob
        }

        /// The geometry.
        pub fn layout(&self) -> QuiltLayout {
            self.layout
        }

        /// The index, with start and end columns.
        pub fn index(&self) -> &QuiltIndex {
            &self.index
        }
    }

    fn u16_len(what: &'static str, got_bytes: usize) -> Result<u16, QuiltError> {
        u16::try_from(got_bytes).map_err(|_| QuiltError::SectionTooLarge { what, got_bytes })
    }

    /// The serialized size of a blob: header, identifier section, tag section, data.
    fn serialized_size(entry: &QuiltEntry<'_>) -> Result<usize, QuiltError> {
        let mut size = BLOB_HEADER_LEN + 2 + usize::from(u16_len("identifier", string_bcs_len(entry.identifier))?);
        if !entry.tags.is_empty() {
            size += 2 + usize::from(u16_len("tags", tags_bcs_len(entry.tags))?);
        }
        size = size.saturating_add(entry.data.len());
        if u32::try_from(size - BLOB_HEADER_LEN).is_err() {
            return Err(QuiltError::SectionTooLarge { what: "blob", got_bytes: size });
        }
        Ok(size)
    }

    /// Builds a quilt V1 from blobs (SPEC §13), byte-exact with Walrus: blobs sorted by
    /// identifier (byte order), the smallest symbol size, the index from column 0, each blob on
    /// fresh columns after it. The quilt's blob ID is the ordinary blob ID of [`Quilt::blob`].
    ///
    /// # Errors
    ///
    /// [`QuiltError::EmptyInput`], [`QuiltError::InvalidIdentifier`],
    /// [`QuiltError::DuplicateIdentifier`], [`QuiltError::TooManyBlobs`] (more than `s - 1`),
    /// [`QuiltError::SectionTooLarge`] or [`QuiltError::QuiltTooLarge`].
    pub fn build_quilt(config: &EncodingConfig, entries: &[QuiltEntry<'_>]) -> Result<Quilt, QuiltError> {
        if entries.is_empty() {
            return Err(QuiltError::EmptyInput);
        }
        for e in entries {
            validate_identifier(e.identifier)?;
        }
        let mut sorted: Vec<&QuiltEntry<'_>> = entries.iter().collect();
        sorted.sort_by(|a, b| a.identifier.cmp(b.identifier));
        if let Some(w) = sorted.windows(2).find(|w| w[0].identifier == w[1].identifier) {
            return Err(QuiltError::DuplicateIdentifier { identifier: String::from(w[0].identifier) });
        }
        let mut index = QuiltIndex {
            patches: sorted
                .iter()
                .map(|e| QuiltPatch {
                    identifier: String::from(e.identifier),
                    tags: e.tags.clone(),
                    start_index: 0,
                    end_index: 0,
                })
                .collect(),
        };
        let index_len = index.bcs_len();
        let index_len_u32 = u32::try_from(index_len)
            .map_err(|_| QuiltError::SectionTooLarge { what: "index", got_bytes: index_len })?;
        let mut sizes = Vec::with_capacity(sorted.len() + 1);
        sizes.push(INDEX_PREFIX_LEN + index_len);
        for e in &sorted {
            sizes.push(serialized_size(e)?);
        }
        let n_rows = config.n_primary_source_symbols();
        let n_columns = config.n_secondary_source_symbols();
        let symbol_size = quilt_symbol_size(&sizes, usize::from(n_columns), usize::from(n_rows), MAX_INDEX_COLUMNS)?;
        let layout = QuiltLayout { n_rows, n_columns, symbol_size: symbol_size as u16 };
        let column_size = layout.column_size();
        let mut blob = alloc::vec![0u8; layout.blob_len()];

        // The fit check of `quilt_symbol_size` bounds every column below `s ≤ u16::MAX`.
        let mut column = sizes[0].div_ceil(column_size);
        for ((entry, patch), &size) in sorted.iter().zip(&mut index.patches).zip(&sizes[1..]) {
            let mut w = ColumnWriter { blob: &mut blob, layout, start_column: column, pos: 0 };
            let mask = if entry.tags.is_empty() { 0 } else { HAS_TAGS };
            w.put(&[QUILT_VERSION_V1]);
            w.put(&((size - BLOB_HEADER_LEN) as u32).to_le_bytes());
            w.put(&[mask]);
            w.put(&(string_bcs_len(entry.identifier) as u16).to_le_bytes());
            write_byte_vec(&mut w, entry.identifier.as_bytes());
            if !entry.tags.is_empty() {
                w.put(&(tags_bcs_len(entry.tags) as u16).to_le_bytes());
                write_tags(&mut w, entry.tags);
            }
            w.put(entry.data);
            debug_assert_eq!(w.pos, size);
            patch.start_index = column as u16;
            column += size.div_ceil(column_size);
            patch.end_index = column as u16;
        }
        let index_bcs = index.to_bcs();
        let mut w = ColumnWriter { blob: &mut blob, layout, start_column: 0, pos: 0 };
        w.put(&[QUILT_VERSION_V1]);
        w.put(&index_len_u32.to_le_bytes());
        w.put(&index_bcs);
        Ok(Quilt { blob, layout, index })
    }

    /// The number of columns the index occupies, from the start of column 0 (at least its
    /// first 5 bytes): `ceil((5 + index_len) / column_size)` (SPEC §13).
    ///
    /// # Errors
    ///
    /// [`QuiltError::UnsupportedVersion`], or [`QuiltError::Malformed`] if the prefix is
    /// truncated or the index would not fit in the quilt.
    pub fn index_columns(column0: &[u8], layout: &QuiltLayout) -> Result<u16, QuiltError> {
        let mut r = Reader::new(column0);
        let version = r.u8("quilt version")?;
        if version != QUILT_VERSION_V1 {
            return Err(QuiltError::UnsupportedVersion { what: "quilt", version });
        }
        let index_len = r.u32("quilt index length")? as usize;
        let column_size = layout.column_size().max(1);
        let columns = (INDEX_PREFIX_LEN + index_len).div_ceil(column_size);
        if columns >= usize::from(layout.n_columns) {
            return Err(QuiltError::Malformed { what: "the index does not fit in the quilt" });
        }
        Ok(columns as u16)
    }

    /// Parses the index from the bytes of the first columns (secondary slivers `0..k`
    /// concatenated, `k` at least [`index_columns`]) (SPEC §13).
    ///
    /// # Errors
    ///
    /// As [`index_columns`] and [`QuiltIndex::from_bcs`]; [`QuiltError::Malformed`] if the
    /// columns are too few; [`QuiltError::PatchOutOfRange`] if a patch ends past column `s`.
    pub fn parse_index(columns: &[u8], layout: &QuiltLayout) -> Result<QuiltIndex, QuiltError> {
        let n_index_columns = index_columns(columns, layout)?;
        let index_len = u32::from_le_bytes([columns[1], columns[2], columns[3], columns[4]]) as usize;
        let bytes = columns
            .get(INDEX_PREFIX_LEN..INDEX_PREFIX_LEN + index_len)
            .ok_or(QuiltError::Malformed { what: "fewer columns than the index needs" })?;
        let index = QuiltIndex::from_bcs(bytes, n_index_columns)?;
        if let Some(p) = index.patches.iter().find(|p| p.end_index > layout.n_columns) {
            return Err(QuiltError::PatchOutOfRange {
                start_index: p.start_index,
                end_index: p.end_index,
                n_columns: layout.n_columns,
            });
        }
        Ok(index)
    }

    /// Parses the index of a whole quilt blob.
    ///
    /// # Errors
    ///
    /// As [`parse_index`] and [`QuiltLayout::columns`].
    pub fn parse_index_from_blob(blob: &[u8], layout: &QuiltLayout) -> Result<QuiltIndex, QuiltError> {
        let first = layout.columns(blob, 0, 1.min(layout.n_columns))?;
        let k = index_columns(&first, layout)?;
        parse_index(&layout.columns(blob, 0, k)?, layout)
    }

    /// A blob read back from a quilt.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct PatchContents<'a> {
        /// Its identifier, from its own header.
        pub identifier: String,
        /// Its tags.
        pub tags: Tags,
        /// Its bytes.
        pub data: &'a [u8],
    }

    /// Parses a blob from the bytes of its columns (secondary slivers `start..end`
    /// concatenated): header, identifier, tags, data (SPEC §13).
    ///
    /// # Errors
    ///
    /// [`QuiltError::UnsupportedVersion`], [`QuiltError::Malformed`] or [`QuiltError::Wire`]
    /// for bytes that are not a V1 blob.
    pub fn parse_patch(columns: &[u8]) -> Result<PatchContents<'_>, QuiltError> {
        let mut r = Reader::new(columns);
        let version = r.u8("blob header version")?;
        if version != QUILT_VERSION_V1 {
            return Err(QuiltError::UnsupportedVersion { what: "blob header", version });
        }
        let length = r.u32("blob header length")? as usize;
        let mask = r.u8("blob header mask")?;
        if mask & !HAS_TAGS != 0 {
            return Err(QuiltError::Malformed { what: "unknown blob header flags" });
        }
        let body = r.bytes(length, "quilt blob")?;
        let mut r = Reader::new(body);
        let id_len = usize::from(r.u16("identifier length")?);
        let mut id_r = Reader::new(r.bytes(id_len, "identifier")?);
        let identifier = read_string(&mut id_r, "identifier")?;
        id_r.finish()?;
        let tags = if mask & HAS_TAGS != 0 {
            let tags_len = usize::from(r.u16("tags length")?);
            let mut tags_r = Reader::new(r.bytes(tags_len, "tags")?);
            let tags = read_tags(&mut tags_r)?;
            tags_r.finish()?;
            tags
        } else {
            Tags::new()
        };
        let data = r.bytes(r.remaining(), "data")?;
        Ok(PatchContents { identifier, tags, data })
    }
}
