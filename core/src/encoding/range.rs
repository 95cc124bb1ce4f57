//! Byte ranges of a blob → the systematic primary slivers that hold them (SPEC §3.1, §3.3).
//!
//! The blob fills the `p × s` message matrix row-major, so systematic primary sliver `r`
//! (`r < p`) is exactly bytes `[r·s·S, (r + 1)·s·S)` of the zero-padded blob, `S` being the
//! symbol size for the blob's length (SPEC §1.3). A byte range therefore needs only the primary
//! slivers of the rows it touches; this is how a Walrus aggregator serves
//! `GET /v1/blobs/{blob_id}/byte-range?start=…&length=…` (SPEC §12.1). No allocation.

use core::ops::Range;

use super::{EncodeError, EncodingConfig};

/// The systematic primary slivers holding a byte range of a blob (SPEC §3.1), from
/// [`EncodingConfig::primary_slivers_for_range`].
///
/// The range's bytes are the concatenated data of primary slivers `first..end` (end
/// exclusive; `first < end ≤ p`), from byte [`SliverRange::offset`] of the first sliver's data
/// on, [`SliverRange::length`] bytes long. Each sliver's data is
/// [`SliverRange::sliver_bytes`] `= s·S` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SliverRange {
    first: u16,
    end: u16,
    offset: usize,
    length: u64,
    sliver_bytes: usize,
}

impl SliverRange {
    /// The index of the first primary sliver (`< p`).
    pub const fn first(&self) -> u16 {
        self.first
    }

    /// One past the index of the last primary sliver (`first < end ≤ p`).
    pub const fn end(&self) -> u16 {
        self.end
    }

    /// The primary sliver indices `first..end`.
    pub const fn indices(&self) -> Range<u16> {
        self.first..self.end
    }

    /// The number of primary slivers, `end - first` (at least 1).
    pub const fn n_slivers(&self) -> u16 {
        self.end - self.first
    }

    /// The byte offset of the range's first byte in the first sliver's data
    /// (`0 ≤ offset < sliver_bytes`).
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The length of the range in bytes (at least 1).
    pub const fn length(&self) -> u64 {
        self.length
    }

    /// The byte length of one primary sliver's data: `s·S` (SPEC §3.3), as
    /// [`EncodingConfig::sliver_len`] gives for [`Axis::Primary`](super::Axis::Primary).
    pub const fn sliver_bytes(&self) -> usize {
        self.sliver_bytes
    }

    /// The bytes of primary sliver `index`'s data that belong to the range, or `None` when
    /// `index` is not in `first..end`. In index order these pieces concatenate to the range,
    /// so a caller can copy each sliver's piece into its own buffer without joining slivers.
    pub const fn sliver_data_range(&self, index: u16) -> Option<Range<usize>> {
        if index < self.first || index >= self.end {
            return None;
        }
        // Position of sliver `index`'s data start relative to the range start (may be negative
        // for the first sliver, whose data starts `offset` bytes before the range).
        let sliver_start = (index - self.first) as u64 * self.sliver_bytes as u64;
        let start = if index == self.first { self.offset } else { 0 };
        let range_end_in_concat = self.offset as u64 + self.length;
        let end = if range_end_in_concat - sliver_start < self.sliver_bytes as u64 {
            (range_end_in_concat - sliver_start) as usize
        } else {
            self.sliver_bytes
        };
        Some(start..end)
    }
}

/// Errors of [`EncodingConfig::primary_slivers_for_range`] (SPEC §3.1, §12.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RangeError {
    /// The range is empty: Walrus's `byte-range` endpoint requires `length > 0`
    /// (SPEC §12.1).
    Empty {
        /// The start of the range in bytes.
        start: u64,
    },
    /// The range ends past the end of the blob: `start + length > blob_bytes` (also when
    /// `start + length` overflows a `u64`).
    OutOfBounds {
        /// The start of the range in bytes.
        start: u64,
        /// The length of the range in bytes.
        length: u64,
        /// The blob length in bytes: the largest valid `start + length`.
        blob_bytes: u64,
    },
    /// The blob length is not encodable for the shard count ([`EncodeError::BlobTooLarge`],
    /// SPEC §1.3–§1.4).
    Encode(EncodeError),
}

impl core::fmt::Display for RangeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RangeError::Empty { start } => {
                write!(f, "the byte range at {start} is empty: its length must be at least 1 byte")
            }
            RangeError::OutOfBounds { start, length, blob_bytes } => write!(
                f,
                "the byte range of {length} bytes from {start} ends past the blob: expected start + length <= {blob_bytes}"
            ),
            RangeError::Encode(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for RangeError {}

impl From<EncodeError> for RangeError {
    fn from(e: EncodeError) -> Self {
        RangeError::Encode(e)
    }
}

impl EncodingConfig {
    /// The systematic primary slivers holding bytes `[start, start + length)` of a blob of
    /// `blob_size` bytes (SPEC §3.1: primary sliver `r < p` is bytes `[r·s·S, (r + 1)·s·S)` of
    /// the zero-padded blob, `S` = [`EncodingConfig::symbol_size`]`(blob_size)`): slivers
    /// `first = start / (s·S)` to `end = (start + length - 1) / (s·S) + 1` (exclusive), the
    /// range starting at byte `offset = start mod s·S` of the first one's data.
    ///
    /// ```
    /// # use morsa_core::encoding::EncodingConfig;
    /// // n = 10: p = 4, s = 7; a 1000-byte blob has S = 36, so a primary sliver is 252 bytes.
    /// let config = EncodingConfig::new(10)?;
    /// let range = config.primary_slivers_for_range(1000, 250, 10)?;
    /// assert_eq!((range.first(), range.end(), range.offset(), range.sliver_bytes()), (0, 2, 250, 252));
    /// assert_eq!((range.sliver_data_range(0), range.sliver_data_range(1)), (Some(250..252), Some(0..8)));
    /// # Ok::<(), morsa_core::encoding::RangeError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RangeError::Encode`] (with [`EncodeError::BlobTooLarge`]) if `blob_size` exceeds
    /// [`EncodingConfig::max_blob_size`]; [`RangeError::Empty`] if `length == 0`;
    /// [`RangeError::OutOfBounds`] if `start + length > blob_size`.
    pub const fn primary_slivers_for_range(
        &self,
        blob_size: u64,
        start: u64,
        length: u64,
    ) -> Result<SliverRange, RangeError> {
        let symbol_size = match self.symbol_size(blob_size) {
            Ok(size) => size,
            Err(e) => return Err(RangeError::Encode(e)),
        };
        if length == 0 {
            return Err(RangeError::Empty { start });
        }
        let out_of_bounds = RangeError::OutOfBounds { start, length, blob_bytes: blob_size };
        let Some(range_end) = start.checked_add(length) else {
            return Err(out_of_bounds);
        };
        if range_end > blob_size {
            return Err(out_of_bounds);
        }
        // s·S ≤ 32 771 · 65 534 < 2³², so it fits a usize on 32-bit targets too; and
        // range_end ≤ blob_size ≤ p·s·S, so end ≤ p < 2¹⁶.
        let sliver_bytes = self.n_secondary_source_symbols() as u64 * symbol_size.get() as u64;
        let first = start / sliver_bytes;
        let end = (range_end - 1) / sliver_bytes + 1;
        Ok(SliverRange {
            first: first as u16,
            end: end as u16,
            offset: (start % sliver_bytes) as usize,
            length,
            sliver_bytes: sliver_bytes as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::MAX_SHARDS;

    /// The obviously correct reference: the range's bytes taken from the zero-padded blob laid
    /// out row by row, compared with what the computed slivers and offset select.
    fn check_against_layout(config: &EncodingConfig, blob_size: u64, start: u64, length: u64) -> SliverRange {
        let range = config.primary_slivers_for_range(blob_size, start, length).unwrap();
        let row =
            u64::from(config.n_secondary_source_symbols()) * u64::from(config.symbol_size(blob_size).unwrap().get());
        assert_eq!(range.sliver_bytes() as u64, row);
        assert!(range.first() < range.end() && range.end() <= config.n_primary_source_symbols());
        assert_eq!(u64::from(range.first()) * row + range.offset() as u64, start);
        assert!((range.offset() as u64) < row);
        // The last sliver is needed (holds the last byte), the one before `first` is not.
        let last = start + length - 1;
        assert_eq!(last / row, u64::from(range.end() - 1));
        assert_eq!(range.n_slivers(), range.end() - range.first());
        assert_eq!(range.indices(), range.first()..range.end());
        let pieces: u64 = range.indices().map(|i| range.sliver_data_range(i).unwrap().len() as u64).sum();
        assert_eq!(pieces, length);
        assert_eq!(range.sliver_data_range(range.end()), None);
        if range.first() > 0 {
            assert_eq!(range.sliver_data_range(range.first() - 1), None);
        }
        range
    }

    #[test]
    fn boundary_table() {
        // n = 10: p = 4, s = 7. A blob of 4·7·6 - 5 = 163 bytes has S = 6, s·S = 42 bytes per
        // row, and its last row holds 163 - 126 = 37 bytes.
        let config = EncodingConfig::new(10).unwrap();
        let blob = 163;
        assert_eq!(config.symbol_size(blob).unwrap().get(), 6);
        let row = 42;
        // (start, length) → (first, end, offset)
        let table: [(u64, u64, (u16, u16, usize)); 17] = [
            (0, 1, (0, 1, 0)),             // first byte
            (1, 1, (0, 1, 1)),             // byte 1
            (5, 1, (0, 1, 5)),             // symbol - 1
            (6, 1, (0, 1, 6)),             // symbol
            (7, 1, (0, 1, 7)),             // symbol + 1
            (0, 6, (0, 1, 0)),             // one symbol
            (0, 7, (0, 1, 0)),             // symbol + 1 bytes
            (row - 1, 1, (0, 1, 41)),      // last byte of row 0
            (row, 1, (1, 2, 0)),           // first byte of row 1
            (row - 1, 2, (0, 2, 41)),      // straddles rows 0 and 1
            (0, row, (0, 1, 0)),           // exactly row 0
            (0, row + 1, (0, 2, 0)),       // row 0 and one byte
            (40, 90, (0, 4, 40)),          // straddles all four rows
            (blob - 1, 1, (3, 4, 37 - 1)), // last byte
            (3 * row, 37, (3, 4, 0)),      // the whole (padding-free part of the) last row
            (3 * row + 5, 20, (3, 4, 5)),  // inside the last row
            (0, blob, (0, 4, 0)),          // whole blob
        ];
        for (start, length, (first, end, offset)) in table {
            let range = check_against_layout(&config, blob, start, length);
            assert_eq!((range.first(), range.end(), range.offset()), (first, end, offset), "({start}, {length})");
            assert_eq!(range.length(), length);
        }
        let straddle = config.primary_slivers_for_range(blob, row - 1, 2).unwrap();
        assert_eq!((straddle.sliver_data_range(0), straddle.sliver_data_range(1)), (Some(41..42), Some(0..1)));
        let all = config.primary_slivers_for_range(blob, 40, 90).unwrap();
        assert!(all.indices().map(|i| all.sliver_data_range(i).unwrap()).eq([40..42, 0..42, 0..42, 0..4]));
    }

    #[test]
    fn a_full_matrix_ends_at_sliver_p() {
        // p·s·S bytes exactly: the last byte is the last byte of row p - 1.
        for n in [4u16, 10, 100, 1000] {
            let config = EncodingConfig::new(n).unwrap();
            let p = config.n_primary_source_symbols();
            let ps = u64::from(p) * u64::from(config.n_secondary_source_symbols());
            for blob in [ps * 2, ps * 4, config.max_blob_size()] {
                let range = check_against_layout(&config, blob, blob - 1, 1);
                assert_eq!(range.end(), p);
                let whole = check_against_layout(&config, blob, 0, blob);
                assert_eq!((whole.first(), whole.end(), whole.offset()), (0, p, 0));
            }
        }
        // The largest shard count and blob: s·S still fits 32 bits.
        let config = EncodingConfig::new(MAX_SHARDS).unwrap();
        let blob = config.max_blob_size();
        let range = check_against_layout(&config, blob, blob - 1, 1);
        assert_eq!(range.sliver_bytes() as u64, config.max_sliver_size());
        assert_eq!(range.end(), config.n_primary_source_symbols());
    }

    #[test]
    fn small_blobs_every_range() {
        // Every (start, length) of blobs around the row and symbol boundaries.
        let config = EncodingConfig::new(4).unwrap(); // p = 2, s = 3
        for blob in 1..=40u64 {
            for start in 0..blob {
                for length in 1..=blob - start {
                    check_against_layout(&config, blob, start, length);
                }
            }
        }
    }

    #[test]
    fn errors() {
        let config = EncodingConfig::new(10).unwrap();
        assert_eq!(config.primary_slivers_for_range(100, 0, 0), Err(RangeError::Empty { start: 0 }));
        assert_eq!(config.primary_slivers_for_range(100, 100, 0), Err(RangeError::Empty { start: 100 }));
        assert_eq!(config.primary_slivers_for_range(0, 0, 0), Err(RangeError::Empty { start: 0 }));
        for (blob, start, length) in [(100, 0, 101), (100, 100, 1), (100, 99, 2), (0, 0, 1), (100, u64::MAX, 1)] {
            assert_eq!(
                config.primary_slivers_for_range(blob, start, length),
                Err(RangeError::OutOfBounds { start, length, blob_bytes: blob }),
                "({blob}, {start}, {length})"
            );
        }
        // start + length overflows.
        assert_eq!(
            config.primary_slivers_for_range(100, 50, u64::MAX),
            Err(RangeError::OutOfBounds { start: 50, length: u64::MAX, blob_bytes: 100 })
        );
        let too_large = config.max_blob_size() + 1;
        assert_eq!(
            config.primary_slivers_for_range(too_large, 0, 1),
            Err(RangeError::Encode(EncodeError::BlobTooLarge {
                blob_bytes: too_large,
                max_bytes: config.max_blob_size(),
                n_shards: 10
            }))
        );
        assert_eq!(
            config.primary_slivers_for_range(u64::MAX, 0, 1),
            Err(RangeError::Encode(config.symbol_size(u64::MAX).unwrap_err()))
        );
        // Messages name expected and got.
        let message = format!("{}", config.primary_slivers_for_range(100, 99, 2).unwrap_err());
        assert!(message.contains("<= 100") && message.contains("from 99") && message.contains("2 bytes"), "{message}");
    }

    /// A splitmix64 stream for the randomized tests.
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn ranges_match_the_encoded_primary_slivers() {
        use crate::encoding::Axis;
        use alloc::vec::Vec;

        let mut rng = 0x5eed_u64;
        for n in [4u16, 10, 100] {
            let config = EncodingConfig::new(n).unwrap();
            let ps = usize::from(config.n_primary_source_symbols()) * usize::from(config.n_secondary_source_symbols());
            for size in [1, ps * 2 - 1, ps * 2, ps * 2 + 1, ps * 6 + 17, (splitmix(&mut rng) % 20_000) as usize + 1] {
                let blob: Vec<u8> = (0..size).map(|_| splitmix(&mut rng) as u8).collect();
                let encoded = config.encode(&blob).unwrap();
                let slivers: Vec<Vec<u8>> = encoded.slivers(Axis::Primary).map(|s| s.data.to_vec()).collect();
                let mut ranges: Vec<(u64, u64)> = (0..200)
                    .map(|_| {
                        let start = splitmix(&mut rng) % size as u64;
                        (start, splitmix(&mut rng) % (size as u64 - start) + 1)
                    })
                    .collect();
                ranges.extend([(0, size as u64), (size as u64 - 1, 1), (0, 1)]);
                for (start, length) in ranges {
                    let range = check_against_layout(&config, size as u64, start, length);
                    let expected = &blob[start as usize..(start + length) as usize];
                    // Joined slivers, sliced at the offset.
                    let joined: Vec<u8> = range.indices().flat_map(|i| slivers[usize::from(i)].clone()).collect();
                    assert_eq!(&joined[range.offset()..range.offset() + length as usize], expected);
                    // Per-sliver pieces, concatenated.
                    let pieces: Vec<u8> = range
                        .indices()
                        .flat_map(|i| slivers[usize::from(i)][range.sliver_data_range(i).unwrap()].to_vec())
                        .collect();
                    assert_eq!(pieces, expected, "n = {n}, size = {size}, ({start}, {length})");
                }
            }
        }
    }
}
