//! Sliver pair ↔ shard mapping: rotation by the blob ID (SPEC §4.2,
//! `walrus: crates/walrus-core/src/encoding/mapping.rs`).
//!
//! The rotation offset reads the 32 blob-ID bytes as a **big-endian** integer modulo `n`
//! (SPEC §16.8), although the chain's `u256` view of the same bytes is little-endian.

use crate::metadata::BlobId;

/// The rotation offset: the blob ID as a big-endian 256-bit integer, modulo `n_shards`
/// (Horner's rule over the bytes). Returns 0 for `n_shards = 0`.
pub fn rotation_offset(blob_id: &BlobId, n_shards: u16) -> u16 {
    if n_shards == 0 {
        return 0;
    }
    let n = u32::from(n_shards);
    let acc = blob_id.0.iter().fold(0u32, |acc, &b| (acc * 256 + u32::from(b)) % n);
    acc as u16
}

/// The shard that stores sliver pair `pair_index`: `(pair + offset) mod n`. `None` if
/// `pair_index >= n_shards`.
pub fn shard_index_for_pair(blob_id: &BlobId, n_shards: u16, pair_index: u16) -> Option<u16> {
    if pair_index >= n_shards {
        return None;
    }
    let offset = u32::from(rotation_offset(blob_id, n_shards));
    Some(((u32::from(pair_index) + offset) % u32::from(n_shards)) as u16)
}

/// The sliver pair stored on shard `shard_index`: `(n + shard - offset) mod n`. `None` if
/// `shard_index >= n_shards`.
pub fn pair_index_for_shard(blob_id: &BlobId, n_shards: u16, shard_index: u16) -> Option<u16> {
    if shard_index >= n_shards {
        return None;
    }
    let n = u32::from(n_shards);
    let offset = u32::from(rotation_offset(blob_id, n_shards));
    Some(((n + u32::from(shard_index) - offset) % n) as u16)
}

/// Rotates `items` (indexed by pair) into shard order, in place: afterwards `items[shard]` is
/// the item of the pair stored on `shard` (`rotate_right(offset)`, SPEC §4.2).
pub fn rotate_pairs_to_shards<T>(blob_id: &BlobId, items: &mut [T]) {
    let Ok(n) = u16::try_from(items.len()) else { return };
    if n == 0 {
        return;
    }
    let offset = usize::from(rotation_offset(blob_id, n));
    items.rotate_right(offset);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_id_from_u64(x: u64) -> BlobId {
        let mut id = [0u8; 32];
        id[24..].copy_from_slice(&x.to_be_bytes());
        BlobId(id)
    }

    #[test]
    fn spec_vectors() {
        // SPEC §4.2 (mapping.rs tests).
        let id = blob_id_from_u64(15);
        assert_eq!(shard_index_for_pair(&id, 7, 0), Some(1));
        assert_eq!(shard_index_for_pair(&id, 7, 5), Some(6));
        assert_eq!(shard_index_for_pair(&id, 7, 6), Some(0));
        let id = blob_id_from_u64(16);
        assert_eq!(pair_index_for_shard(&id, 7, 0), Some(5));
        assert_eq!(pair_index_for_shard(&id, 7, 1), Some(6));
        assert_eq!(pair_index_for_shard(&id, 7, 6), Some(4));
        let mut items = [0, 1, 2, 3, 4];
        rotate_pairs_to_shards(&blob_id_from_u64(11), &mut items);
        assert_eq!(items, [4, 0, 1, 2, 3]);
        assert_eq!(shard_index_for_pair(&id, 7, 7), None);
        assert_eq!(pair_index_for_shard(&id, 7, 7), None);
    }

    #[test]
    fn big_endian_reading_of_the_whole_id() {
        // 2^8 mod 7 = 4: byte 30 = 1 means 256.
        let mut id = [0u8; 32];
        id[30] = 1;
        assert_eq!(rotation_offset(&BlobId(id), 7), 4);
        // The most significant byte counts too: 2^248 mod 1000.
        let mut id = [0u8; 32];
        id[0] = 1;
        let mut want = 1u64;
        for _ in 0..248 {
            want = want * 2 % 1000;
        }
        assert_eq!(u64::from(rotation_offset(&BlobId(id), 1000)), want);
    }

    #[test]
    fn mapping_is_a_bijection() {
        let id = BlobId([0xAB; 32]);
        for pair in 0..1000u16 {
            let shard = shard_index_for_pair(&id, 1000, pair).unwrap();
            assert_eq!(pair_index_for_shard(&id, 1000, shard), Some(pair));
        }
    }
}
