//! The encoding configuration: n shards → f, p, s; symbol size; size limits (SPEC §1).

use core::num::NonZeroU16;

use super::{Axis, EncodeError, EncodingType};
use crate::bft;

/// The smallest number of shards RedStuff can encode for (SPEC §1.2, §16.11).
pub const MIN_SHARDS: u16 = 4;

/// The largest number of shards for which both Reed-Solomon codes exist (SPEC §2.4).
pub const MAX_SHARDS: u16 = 49_155;

/// The number of shards of Walrus mainnet and testnet (SPEC §1.2).
pub const MAINNET_N_SHARDS: u16 = 1000;

/// Whether reed-solomon-simd supports `k` original and `r` recovery shards (SPEC §2.4).
pub(crate) const fn rs_supported(k: u32, r: u32) -> bool {
    if k == 0 || r == 0 || k > 65_536 || r > 65_536 {
        return false;
    }
    let pk = k.next_power_of_two();
    let pr = r.next_power_of_two();
    let min = if pk < pr { pk } else { pr };
    let max = if k > r { k } else { r };
    min + max <= 65_536
}

/// The RS2 encoding parameters for a number of shards (SPEC §1).
///
/// * `f = floor((n - 1) / 3)` faulty shards tolerated;
/// * `p = n - 2f` primary source symbols: the **rows** of the message matrix and the symbols of
///   a secondary sliver;
/// * `s = n - f` secondary source symbols: the **columns** of the message matrix and the symbols
///   of a primary sliver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncodingConfig {
    n_shards: NonZeroU16,
    f: u16,
    p: u16,
    s: u16,
}

impl TryFrom<u32> for EncodingConfig {
    type Error = EncodeError;

    /// [`EncodingConfig::new`] of a count given as `u32` (as the bindings receive it).
    ///
    /// # Errors
    ///
    /// [`EncodeError::ShardCountOutOfRange`] above `u16::MAX`, else as [`EncodingConfig::new`].
    fn try_from(n_shards: u32) -> Result<Self, EncodeError> {
        match u16::try_from(n_shards) {
            Ok(n) => EncodingConfig::new(n),
            Err(_) => Err(EncodeError::ShardCountOutOfRange { n_shards }),
        }
    }
}

impl EncodingConfig {
    /// The configuration for `n_shards` shards.
    ///
    /// # Errors
    ///
    /// [`EncodeError::TooFewShards`] for `n_shards < 4` (including 0);
    /// [`EncodeError::TooManyShards`] above [`MAX_SHARDS`].
    pub const fn new(n_shards: u16) -> Result<Self, EncodeError> {
        if n_shards < MIN_SHARDS {
            return Err(EncodeError::TooFewShards { n_shards });
        }
        let f = bft::max_faulty(n_shards);
        let p = n_shards - 2 * f;
        let s = n_shards - f;
        if !rs_supported(p as u32, (n_shards - p) as u32) || !rs_supported(s as u32, (n_shards - s) as u32) {
            return Err(EncodeError::TooManyShards { n_shards });
        }
        let Some(n) = NonZeroU16::new(n_shards) else {
            return Err(EncodeError::TooFewShards { n_shards });
        };
        Ok(Self { n_shards: n, f, p, s })
    }

    /// The number of shards `n`.
    pub const fn n_shards(&self) -> u16 {
        self.n_shards.get()
    }

    /// The number of faulty shards tolerated, `f`.
    pub const fn max_faulty(&self) -> u16 {
        self.f
    }

    /// `p = n - 2f`: primary source symbols (SPEC §1.2).
    pub const fn n_primary_source_symbols(&self) -> u16 {
        self.p
    }

    /// `s = n - f`: secondary source symbols (SPEC §1.2).
    pub const fn n_secondary_source_symbols(&self) -> u16 {
        self.s
    }

    /// The source symbols of the code along `axis`: `p` for primary, `s` for secondary.
    pub const fn n_source_symbols(&self, axis: Axis) -> u16 {
        match axis {
            Axis::Primary => self.p,
            Axis::Secondary => self.s,
        }
    }

    /// The number of symbols in a sliver of `axis`: `s` for a primary sliver (a row), `p` for a
    /// secondary sliver (a column) (SPEC §3.3).
    pub const fn sliver_symbols(&self, axis: Axis) -> u16 {
        self.n_source_symbols(axis.orthogonal())
    }

    /// The number of slivers of `axis` needed to decode a blob: `p` primary or `s` secondary
    /// (SPEC §7 `n_slivers_for_reconstruction`).
    pub const fn n_slivers_for_reconstruction(&self, axis: Axis) -> u16 {
        self.n_source_symbols(axis)
    }

    /// The number of recovery symbols needed to recover a sliver of `axis`: `s` for a primary
    /// sliver, `p` for a secondary one (SPEC §8.1).
    pub const fn n_symbols_for_recovery(&self, axis: Axis) -> u16 {
        self.sliver_symbols(axis)
    }

    /// The symbol size in bytes for a blob of `blob_len` bytes (SPEC §1.3):
    /// `ceil(max(L, 1) / (p * s))` rounded up to even.
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the symbol would exceed 65 534 bytes.
    pub const fn symbol_size(&self, blob_len: u64) -> Result<NonZeroU16, EncodeError> {
        let basis = if blob_len == 0 { 1 } else { blob_len };
        let per_symbol = self.p as u64 * self.s as u64;
        let mut size = basis.div_ceil(per_symbol);
        let align = EncodingType::RS2.symbol_alignment() as u64;
        size = size.div_ceil(align) * align;
        if size > EncodingType::RS2.max_symbol_size() as u64 {
            return Err(EncodeError::BlobTooLarge {
                blob_bytes: blob_len,
                max_bytes: self.max_blob_size(),
                n_shards: self.n_shards.get(),
            });
        }
        match NonZeroU16::new(size as u16) {
            Some(s) => Ok(s),
            None => Err(EncodeError::ReedSolomon),
        }
    }

    /// The largest blob in bytes: `p * s * 65 534` (SPEC §1.4).
    pub const fn max_blob_size(&self) -> u64 {
        self.p as u64 * self.s as u64 * EncodingType::RS2.max_symbol_size() as u64
    }

    /// The largest primary sliver in bytes: `s * 65 534` (SPEC §1.4).
    pub const fn max_sliver_size(&self) -> u64 {
        self.s as u64 * EncodingType::RS2.max_symbol_size() as u64
    }

    /// The largest body a storage node accepts for one sliver upload: `s * 65 534 + 128` bytes,
    /// the largest primary sliver and room for its BCS framing (SPEC §11, `PUT …/slivers`).
    pub const fn sliver_upload_limit(&self) -> u64 {
        self.max_sliver_size() + 128
    }

    /// The BCS length of the `BlobMetadata` of this configuration, as `PUT …/metadata` sends it
    /// (without the blob ID): enum tag, encoding type, `u64` length, the ULEB128 count of pairs
    /// and `n` pairs of two optional 32-byte hashes (SPEC §5.5).
    pub const fn metadata_bcs_len(&self) -> usize {
        let n = self.n_shards.get() as usize;
        let count_len = if n < 128 {
            1
        } else if n < 16_384 {
            2
        } else {
            3
        };
        1 + 1 + 8 + count_len + n * 66
    }

    /// The accounting size of the metadata in bytes: `n * 32 * 2 + 32` (SPEC §1.4). This is
    /// not its BCS size.
    pub const fn metadata_length(&self) -> u64 {
        self.n_shards.get() as u64 * 64 + 32
    }

    /// The bytes of all slivers: `n * (p + s) * S` (SPEC §1.4).
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the blob is too large.
    pub const fn encoded_slivers_length(&self, blob_len: u64) -> Result<u64, EncodeError> {
        match self.symbol_size(blob_len) {
            Ok(s) => Ok(self.n_shards.get() as u64 * (self.p as u64 + self.s as u64) * s.get() as u64),
            Err(e) => Err(e),
        }
    }

    /// The encoded length the chain charges for: `n * metadata_length + encoded_slivers_length`
    /// (SPEC §1.4, Move `redstuff::encoded_blob_length`).
    ///
    /// # Errors
    ///
    /// [`EncodeError::BlobTooLarge`] if the blob is too large.
    pub const fn encoded_blob_length(&self, blob_len: u64) -> Result<u64, EncodeError> {
        match self.encoded_slivers_length(blob_len) {
            Ok(slivers) => Ok(self.n_shards.get() as u64 * self.metadata_length() + slivers),
            Err(e) => Err(e),
        }
    }

    /// The byte length of a sliver of `axis` for symbol size `symbol_size` (SPEC §6).
    pub const fn sliver_len(&self, axis: Axis, symbol_size: NonZeroU16) -> usize {
        self.sliver_symbols(axis) as usize * symbol_size.get() as usize
    }

    /// The pair index of sliver `sliver_index` of `axis` (SPEC §4.1): primary slivers are their
    /// own pair; secondary sliver `j` belongs to pair `n - 1 - j`. `None` if out of range.
    pub const fn pair_index(&self, axis: Axis, sliver_index: u16) -> Option<u16> {
        if sliver_index >= self.n_shards.get() {
            return None;
        }
        Some(match axis {
            Axis::Primary => sliver_index,
            Axis::Secondary => self.n_shards.get() - 1 - sliver_index,
        })
    }

    /// The sliver index of `axis` held by pair `pair_index` (SPEC §4.1; the inverse of
    /// [`EncodingConfig::pair_index`]). `None` if out of range.
    pub const fn sliver_index(&self, axis: Axis, pair_index: u16) -> Option<u16> {
        self.pair_index(axis, pair_index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_counts_given_as_u32_convert_or_are_refused() {
        assert_eq!(EncodingConfig::try_from(1000u32), EncodingConfig::new(1000));
        assert_eq!(EncodingConfig::try_from(3u32), EncodingConfig::new(3));
        assert!(EncodingConfig::try_from(3u32).is_err());
        let too_many = EncodingConfig::try_from(65_536u32).unwrap_err();
        assert_eq!(too_many, EncodeError::ShardCountOutOfRange { n_shards: 65_536 });
        assert_eq!(crate::error::Kind::kind(&too_many), crate::error::ErrorKind::Encoding);
    }

    #[test]
    fn source_symbol_table_matches_spec() {
        // SPEC §1.2 table.
        let table = [
            (4, 1, 2, 3),
            (7, 2, 3, 5),
            (9, 2, 5, 7),
            (10, 3, 4, 7),
            (31, 10, 11, 21),
            (51, 16, 19, 35),
            (100, 33, 34, 67),
            (101, 33, 35, 68),
            (301, 100, 101, 201),
            (1000, 333, 334, 667),
        ];
        for (n, f, p, s) in table {
            let c = EncodingConfig::new(n).unwrap();
            assert_eq!(
                (c.max_faulty(), c.n_primary_source_symbols(), c.n_secondary_source_symbols()),
                (f, p, s),
                "n = {n}"
            );
        }
    }

    #[test]
    fn too_few_and_too_many_shards_are_errors() {
        for n in 0..4 {
            assert_eq!(EncodingConfig::new(n), Err(EncodeError::TooFewShards { n_shards: n }));
        }
        assert!(EncodingConfig::new(MAX_SHARDS).is_ok());
        assert_eq!(EncodingConfig::new(MAX_SHARDS + 1), Err(EncodeError::TooManyShards { n_shards: MAX_SHARDS + 1 }));
        assert!(EncodingConfig::new(u16::MAX).is_err());
    }

    #[test]
    fn symbol_sizes_match_spec_vectors() {
        // SPEC §1.3 unit-test vectors with alignment 2, as (len, p*s) → S, using configs whose
        // p*s equals the given symbol count where one exists: n = 4 gives p*s = 6.
        let c4 = EncodingConfig::new(4).unwrap();
        assert_eq!(c4.symbol_size(0).unwrap().get(), 2);
        assert_eq!(c4.symbol_size(1).unwrap().get(), 2);
        assert_eq!(c4.symbol_size(12).unwrap().get(), 2);
        assert_eq!(c4.symbol_size(13).unwrap().get(), 4);
        assert_eq!(c4.symbol_size(24).unwrap().get(), 4);
        assert_eq!(c4.symbol_size(25).unwrap().get(), 6);
        // The SPEC §17.3 rows are checked against tests/vectors/spec-tables.json by the
        // conformance suite.
    }

    #[test]
    fn size_limits_match_spec() {
        let c = EncodingConfig::new(1000).unwrap();
        assert_eq!(c.max_blob_size(), 14_599_533_452);
        assert!(c.symbol_size(14_599_533_452).is_ok());
        assert_eq!(
            c.symbol_size(14_599_533_453),
            Err(EncodeError::BlobTooLarge { blob_bytes: 14_599_533_453, max_bytes: 14_599_533_452, n_shards: 1000 })
        );
        let c10 = EncodingConfig::new(10).unwrap();
        assert_eq!(c10.max_blob_size(), 1_834_952);
        assert!(c10.symbol_size(1_834_952).is_ok());
        assert!(c10.symbol_size(1_834_953).is_err());
        assert_eq!(
            c.symbol_size(u64::MAX).map(|_| ()).unwrap_err(),
            EncodeError::BlobTooLarge { blob_bytes: u64::MAX, max_bytes: 14_599_533_452, n_shards: 1000 }
        );
    }

    #[test]
    fn encoded_lengths_match_spec() {
        let c10 = EncodingConfig::new(10).unwrap();
        assert_eq!(c10.encoded_blob_length(0), Ok(6_940));
        assert_eq!(c10.encoded_blob_length(1), Ok(6_940));
        assert_eq!(c10.encoded_blob_length(4 * 7 * 100), Ok(10 * ((4 + 7) * 100 + 10 * 2 * 32 + 32)));
        let c = EncodingConfig::new(1000).unwrap();
        assert_eq!(c.encoded_blob_length(1), Ok(66_034_000));
        assert_eq!(c.encoded_blob_length(17), Ok(66_034_000));
        assert_eq!(c.encoded_blob_length(334 * 667 * 100), Ok(1000 * ((334 + 667) * 100 + 1000 * 2 * 32 + 32)));
        assert_eq!(c.metadata_length(), 64_032);
    }

    #[test]
    fn pair_and_sliver_indices() {
        let c = EncodingConfig::new(10).unwrap();
        assert_eq!(c.pair_index(Axis::Primary, 3), Some(3));
        assert_eq!(c.pair_index(Axis::Secondary, 0), Some(9));
        assert_eq!(c.pair_index(Axis::Secondary, 9), Some(0));
        assert_eq!(c.sliver_index(Axis::Secondary, 9), Some(0));
        assert_eq!(c.pair_index(Axis::Primary, 10), None);
        assert_eq!(c.sliver_len(Axis::Primary, NonZeroU16::new(2).unwrap()), 14);
        assert_eq!(c.sliver_len(Axis::Secondary, NonZeroU16::new(2).unwrap()), 8);
    }
}
