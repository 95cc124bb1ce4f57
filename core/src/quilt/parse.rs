//! Reading a quilt: its index and its patches, from columns or the whole blob (SPEC §13).

use alloc::string::String;

use super::index::{read_string, read_tags, QuiltIndex, Tags};
use super::layout::QuiltLayout;
use super::{QuiltError, HAS_TAGS, INDEX_PREFIX_LEN, QUILT_VERSION_V1};
use crate::wire::Reader;

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
