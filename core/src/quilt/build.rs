//! Building a quilt from blobs (SPEC §13).

use alloc::string::String;
use alloc::vec::Vec;

use super::index::{string_bcs_len, tags_bcs_len, write_tags, QuiltEntry, QuiltIndex, QuiltPatch};
use super::layout::QuiltLayout;
use super::{
    quilt_symbol_size, validate_identifier, QuiltError, BLOB_HEADER_LEN, HAS_TAGS, INDEX_PREFIX_LEN, MAX_INDEX_COLUMNS,
    QUILT_VERSION_V1,
};
use crate::encoding::EncodingConfig;
use crate::wire::{write_byte_vec, BcsWrite};

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
    let index_len_u32 =
        u32::try_from(index_len).map_err(|_| QuiltError::SectionTooLarge { what: "index", got_bytes: index_len })?;
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
