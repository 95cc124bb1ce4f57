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

use crate::encoding::EncodeError;
use crate::metadata::BLOB_ID_LEN;
use crate::wire::WireError;

#[cfg(feature = "alloc")]
mod build;
#[cfg(feature = "alloc")]
mod index;
#[cfg(feature = "alloc")]
mod layout;
#[cfg(feature = "alloc")]
mod parse;
mod patch_id;

#[cfg(feature = "alloc")]
pub use build::{build_quilt, Quilt};
#[cfg(feature = "alloc")]
pub use index::{QuiltEntry, QuiltIndex, QuiltPatch, Tags};
#[cfg(feature = "alloc")]
pub use layout::QuiltLayout;
#[cfg(feature = "alloc")]
pub use parse::{index_columns, parse_index, parse_index_from_blob, parse_patch, PatchContents};
pub use patch_id::QuiltPatchId;

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
