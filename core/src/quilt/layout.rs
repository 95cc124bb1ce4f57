//! Where a quilt's bytes go: its symbol size, columns and the column writer (SPEC §13).

use alloc::vec::Vec;

use super::QuiltError;
use crate::encoding::EncodingConfig;

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
        Self { n_rows: config.n_primary_source_symbols(), n_columns: config.n_secondary_source_symbols(), symbol_size }
    }

    /// The bytes of a column (a secondary sliver): `p * S_q`.
    pub fn column_size(&self) -> usize {
        usize::from(self.n_rows) * usize::from(self.symbol_size)
    }

    /// The bytes of the quilt blob: `p * s * S_q`.
    pub fn blob_len(&self) -> usize {
        self.column_size() * usize::from(self.n_columns)
    }

    pub(super) fn offset(&self, column: usize, row: usize) -> usize {
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
            return Err(QuiltError::PatchOutOfRange { start_index: start, end_index: end, n_columns: self.n_columns });
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
