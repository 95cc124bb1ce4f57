//! Prices from node votes, the capacity vote, and what a blob costs (REWARDS.md §1.1–§1.6).
//!
//! Votes are given as iterators of `(value, weight)` pairs, where the weight is the number of
//! shards the voting node holds; nothing here allocates.

use super::{check_range, to_u64, Checked, RewardsError};
use crate::encoding::EncodingConfig;

/// The size of a storage unit in bytes: 1 MiB (REWARDS.md §0.3, `BYTES_PER_UNIT_SIZE`).
pub const BYTES_PER_UNIT_SIZE: u64 = 1_048_576;

/// The only supported encoding type, RS2 (REWARDS.md §0.3, `encoding.move`).
pub const RS2_ENCODING_TYPE: u8 = 1;

/// A node's votes (REWARDS.md §1.1, `staking_pool.move` `VotingParams`): prices in FROST per
/// storage unit (per epoch for storage) and the node's capacity in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct VotingParams {
    /// The storage price vote, FROST per unit per epoch.
    pub storage_price: u64,
    /// The write price vote, FROST per unit.
    pub write_price: u64,
    /// The node capacity vote, bytes.
    pub node_capacity: u64,
}

/// Whether weight `w` of `n` shards is a quorum for the staking contracts: `3w >= 2n + 1` in
/// u64 (REWARDS.md §1.1, `staking_inner.move` `is_quorum`). For `n = 1000` this is `w >= 667`.
///
/// # Errors
///
/// [`RewardsError::Overflow`] if `3w` overflows u64 (Move aborts).
pub fn is_quorum(w: u64, n: u64) -> Result<bool, RewardsError> {
    let lhs = w.checked_mul(3).or_overflow("3 * weight")?;
    let rhs = n.checked_mul(2).and_then(|x| x.checked_add(1)).or_overflow("2 * n + 1")?;
    Ok(lhs >= rhs)
}

/// Whether weight `w` of `n` shards contains one correct node: `3w >= n + 1`
/// (REWARDS.md §5.3, `bls_aggregate.move`).
///
/// # Errors
///
/// [`RewardsError::Overflow`] if `3w` or `n + 1` overflows u64.
pub fn is_above_validity(w: u64, n: u64) -> Result<bool, RewardsError> {
    let lhs = w.checked_mul(3).or_overflow("3 * weight")?;
    let rhs = n.checked_add(1).or_overflow("n + 1")?;
    Ok(lhs >= rhs)
}

/// The largest vote value strictly below `below` (or the largest of all with `None`).
fn next_value_below<I: Iterator<Item = (u64, u16)>>(votes: I, below: Option<u64>) -> Option<u64> {
    votes.map(|(v, _)| v).filter(|v| below.is_none_or(|b| *v < b)).max()
}

/// The weighted 2/3 quantile from below, Move `quorum_below` (REWARDS.md §1.1): the smallest
/// vote value `p` such that the shards voting `<= p` form a quorum, i.e. at least 2/3 of the
/// shards want a price `<= p`.
///
/// Follows the Move loop exactly: `sum = n`; pop the largest votes one by one, `sum -= w`
/// (checked), and return the value of the first pop after which `!is_quorum(sum, n)`. Equal
/// values are popped in iteration order (the result is the same in any order).
///
/// # Errors
///
/// [`RewardsError::Overflow`] if the weights popped exceed `n` before the quorum is lost (Move
/// underflows); [`RewardsError::NoQuorum`] if the votes run out first (empty votes, or weights
/// summing to less than a third of `n`).
pub fn quorum_below<I>(votes: I, n_shards: u16) -> Result<u64, RewardsError>
where
    I: IntoIterator<Item = (u64, u16)>,
    I::IntoIter: Clone,
{
    let votes = votes.into_iter();
    let n = u64::from(n_shards);
    let mut sum = n;
    let mut current = next_value_below(votes.clone(), None);
    while let Some(v) = current {
        for (value, w) in votes.clone() {
            if value == v {
                sum = sum.checked_sub(u64::from(w)).or_overflow("quorum_below: sum - weight")?;
                if !is_quorum(sum, n)? {
                    return Ok(v);
                }
            }
        }
        current = next_value_below(votes.clone(), Some(v));
    }
    Err(RewardsError::NoQuorum)
}

/// The weighted 2/3 quantile from above, Move `quorum_above` (REWARDS.md §1.2): the largest
/// value `c` such that the shards voting `>= c` form a quorum.
///
/// Pops the largest votes, `sum += w`, and returns the first value with `is_quorum(sum, n)`.
///
/// # Errors
///
/// [`RewardsError::NoQuorum`] if the votes run out before a quorum (empty votes or too little
/// weight); [`RewardsError::Overflow`] on u64 overflow.
pub fn quorum_above<I>(votes: I, n_shards: u16) -> Result<u64, RewardsError>
where
    I: IntoIterator<Item = (u64, u16)>,
    I::IntoIter: Clone,
{
    let votes = votes.into_iter();
    let n = u64::from(n_shards);
    let mut sum: u64 = 0;
    let mut current = next_value_below(votes.clone(), None);
    while let Some(v) = current {
        for (value, w) in votes.clone() {
            if value == v {
                sum = sum.checked_add(u64::from(w)).or_overflow("quorum_above: sum + weight")?;
                if is_quorum(sum, n)? {
                    return Ok(v);
                }
            }
        }
        current = next_value_below(votes.clone(), Some(v));
    }
    Err(RewardsError::NoQuorum)
}

/// The system prices `(storage_price, write_price)` from the votes of the **current**
/// committee, Move `staking_inner::recalculate_prices` (REWARDS.md §1.1): `quorum_below` of the
/// storage votes and of the write votes, each weighted by the member's shards. An empty
/// committee gives `(u64::MAX, u64::MAX)`.
///
/// `members` yields `(votes, shards)` per committee member.
///
/// # Errors
///
/// As [`quorum_below`].
pub fn recalculate_prices<I>(members: I, n_shards: u16) -> Result<(u64, u64), RewardsError>
where
    I: IntoIterator<Item = (VotingParams, u16)>,
    I::IntoIter: Clone,
{
    let members = members.into_iter();
    if members.clone().next().is_none() {
        return Ok((u64::MAX, u64::MAX));
    }
    let storage = quorum_below(members.clone().map(|(v, w)| (v.storage_price, w)), n_shards)?;
    let write = quorum_below(members.map(|(v, w)| (v.write_price, w)), n_shards)?;
    Ok((storage, write))
}

/// One node's capacity vote scaled to the whole network (REWARDS.md §1.2):
/// `min(node_capacity * n_shards / weight, u64::MAX)` in u128.
///
/// # Errors
///
/// [`RewardsError::DivisionByZero`] for `weight = 0`.
pub fn capacity_vote(node_capacity: u64, n_shards: u16, weight: u16) -> Result<u64, RewardsError> {
    if weight == 0 {
        return Err(RewardsError::DivisionByZero { operation: "node_capacity * n_shards / weight" });
    }
    let v = u128::from(node_capacity) * u128::from(n_shards) / u128::from(weight);
    Ok(u64::try_from(v).unwrap_or(u64::MAX))
}

/// The network capacity from the **next** committee's capacity votes (REWARDS.md §1.2):
/// `quorum_above` over [`capacity_vote`]s. `members` yields `(node_capacity, shards)`.
///
/// # Errors
///
/// As [`capacity_vote`] and [`quorum_above`].
pub fn capacity_from_votes<I>(members: I, n_shards: u16) -> Result<u64, RewardsError>
where
    I: IntoIterator<Item = (u64, u16)>,
    I::IntoIter: Clone,
{
    let members = members.into_iter();
    for (capacity, w) in members.clone() {
        capacity_vote(capacity, n_shards, w)?;
    }
    quorum_above(members.map(|(c, w)| (capacity_vote(c, n_shards, w).unwrap_or(u64::MAX), w)), n_shards)
}

/// The encoded length of a blob, what the chain bills (REWARDS.md §1.3, Move
/// `encoding::encoded_blob_length`). This is [`EncodingConfig::encoded_blob_length`]; this
/// function adds the encoding-type check.
///
/// # Errors
///
/// [`RewardsError::UnsupportedEncodingType`] unless `encoding_type == 1`;
/// [`RewardsError::Encoding`] for shard counts RedStuff does not support (below 4, above
/// 49 155) and for blobs whose symbol size would exceed 65 534 bytes.
pub fn encoded_blob_length(unencoded_length: u64, encoding_type: u8, n_shards: u16) -> Result<u64, RewardsError> {
    if encoding_type != RS2_ENCODING_TYPE {
        return Err(RewardsError::UnsupportedEncodingType { encoding_type });
    }
    Ok(EncodingConfig::new(n_shards)?.encoded_blob_length(unencoded_length)?)
}

/// Storage units of `bytes`: `ceil(bytes / 1 MiB)` (REWARDS.md §1.4,
/// `storage_units_from_size`).
pub const fn storage_units(bytes: u64) -> u64 {
    bytes.div_ceil(BYTES_PER_UNIT_SIZE)
}

/// The storage payment per epoch for a storage resource of `size_bytes`:
/// `storage_price * storage_units(size)` in u64 (REWARDS.md §1.5). Note that `reserve_space`
/// bills the size given, which for a blob is normally its encoded length.
///
/// # Errors
///
/// [`RewardsError::Overflow`] if the product overflows u64.
pub fn storage_cost_per_epoch(storage_price: u64, size_bytes: u64) -> Result<u64, RewardsError> {
    storage_price.checked_mul(storage_units(size_bytes)).or_overflow("storage_price * storage_units")
}

/// The total storage payment for `epochs` epochs: `epochs * per_epoch` (REWARDS.md §1.5).
///
/// # Errors
///
/// [`RewardsError::Overflow`] if a product overflows u64.
pub fn storage_cost(storage_price: u64, size_bytes: u64, epochs: u32) -> Result<u64, RewardsError> {
    storage_cost_per_epoch(storage_price, size_bytes)?.checked_mul(u64::from(epochs)).or_overflow("epochs * per_epoch")
}

/// The write fee for registering a blob of `unencoded_length` bytes:
/// `write_price * storage_units(encoded_blob_length(...))` (REWARDS.md §1.6). It goes to the
/// current epoch's bucket.
///
/// # Errors
///
/// As [`encoded_blob_length`]; [`RewardsError::Overflow`] if the product overflows u64.
pub fn write_fee(write_price: u64, unencoded_length: u64, n_shards: u16) -> Result<u64, RewardsError> {
    let encoded = encoded_blob_length(unencoded_length, RS2_ENCODING_TYPE, n_shards)?;
    write_price.checked_mul(storage_units(encoded)).or_overflow("write_price * storage_units")
}

/// The full cost of storing a blob (REWARDS.md §1.6, "store a blob of S bytes for E epochs").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct BlobCost {
    /// The encoded length in bytes (REWARDS.md §1.3).
    pub encoded_length: u64,
    /// Storage units of the encoded length (REWARDS.md §1.4).
    pub storage_units: u64,
    /// The storage payment into each of buckets `0..epochs`, FROST.
    pub storage_per_epoch: u64,
    /// `epochs * storage_per_epoch`, FROST.
    pub storage_total: u64,
    /// The write fee into bucket 0, FROST.
    pub write_fee: u64,
    /// `storage_total + write_fee`, FROST.
    pub total: u64,
}

/// What storing a blob of `unencoded_length` bytes for `epochs` epochs costs: storage for the
/// encoded length plus the write fee (REWARDS.md §1.5–§1.6).
///
/// # Errors
///
/// As [`encoded_blob_length`]; [`RewardsError::Overflow`] on u64 overflow.
pub fn blob_cost(
    storage_price: u64,
    write_price: u64,
    unencoded_length: u64,
    epochs: u32,
    n_shards: u16,
) -> Result<BlobCost, RewardsError> {
    let encoded_length = encoded_blob_length(unencoded_length, RS2_ENCODING_TYPE, n_shards)?;
    let units = storage_units(encoded_length);
    let storage_per_epoch = storage_cost_per_epoch(storage_price, encoded_length)?;
    let storage_total = storage_per_epoch.checked_mul(u64::from(epochs)).or_overflow("epochs * per_epoch")?;
    let write_fee = write_price.checked_mul(units).or_overflow("write_price * storage_units")?;
    let total = storage_total.checked_add(write_fee).or_overflow("storage + write fee")?;
    Ok(BlobCost { encoded_length, storage_units: units, storage_per_epoch, storage_total, write_fee, total })
}

/// The bucket offsets `[start, end)` a `reserve_space_for_epochs(start_epoch, end_epoch)` in
/// epoch `current_epoch` pays into, after the contract's checks (REWARDS.md §1.5): `start =
/// max(start_epoch, cur)`, `end > start`, `end - cur <= max_epochs_ahead`.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] when a check fails.
pub fn reservation_offsets(
    current_epoch: u32,
    start_epoch: u32,
    end_epoch: u32,
    max_epochs_ahead: u32,
) -> Result<(u32, u32), RewardsError> {
    let start = start_epoch.max(current_epoch);
    if end_epoch <= start {
        return Err(RewardsError::OutOfRange {
            what: "end_epoch",
            value: end_epoch.into(),
            min: u64::from(start) + 1,
            max: u64::from(current_epoch) + u64::from(max_epochs_ahead),
        });
    }
    let ahead = end_epoch - current_epoch;
    check_range("end_epoch - current_epoch", ahead.into(), 1, max_epochs_ahead.into())?;
    Ok((start - current_epoch, ahead))
}

/// The bucket offsets `[end - cur, end - cur + k)` that `extend_blob(blob, k)` pays into, for a
/// blob whose storage ends at `end_epoch` (REWARDS.md §1.7): requires `cur < end_epoch`,
/// `k > 0` and `end_epoch + k - cur <= max_epochs_ahead`. The payment per epoch is
/// [`storage_cost_per_epoch`] of the blob's **storage** size.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] when a check fails; [`RewardsError::Overflow`] past u32.
pub fn extension_offsets(
    current_epoch: u32,
    end_epoch: u32,
    extended_epochs: u32,
    max_epochs_ahead: u32,
) -> Result<(u32, u32), RewardsError> {
    if end_epoch <= current_epoch {
        return Err(RewardsError::OutOfRange {
            what: "end_epoch",
            value: end_epoch.into(),
            min: u64::from(current_epoch) + 1,
            max: u32::MAX.into(),
        });
    }
    check_range("extended_epochs", extended_epochs.into(), 1, u32::MAX.into())?;
    let start = end_epoch - current_epoch;
    let end = start.checked_add(extended_epochs).ok_or(RewardsError::Overflow { operation: "end + epochs" })?;
    check_range("new end_epoch - current_epoch", end.into(), 1, max_epochs_ahead.into())?;
    Ok((start, end))
}

/// `floor(unused * percent / 100)` in u128, Move `decrease_unused_capacity_by_percent`
/// (REWARDS.md §1.7).
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] for `percent > 100`; [`RewardsError::ZeroAmount`] when the
/// result is 0 (`EZeroExtractSize`).
pub fn decrease_unused_by_percent(unused: u64, percent: u8) -> Result<u64, RewardsError> {
    check_range("percent", percent.into(), 0, 100)?;
    let v = to_u64(u128::from(unused) * u128::from(percent) / 100, "unused * percent / 100")?;
    if v == 0 {
        return Err(RewardsError::ZeroAmount { what: "extracted capacity" });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_boundaries() {
        assert!(!is_quorum(666, 1000).unwrap());
        assert!(is_quorum(667, 1000).unwrap());
        assert!(is_quorum(u64::MAX, 1).is_err());
    }

    #[test]
    fn quorum_errors() {
        assert_eq!(quorum_below(core::iter::empty::<(u64, u16)>(), 10), Err(RewardsError::NoQuorum));
        assert_eq!(quorum_above([(5, 1)], 10), Err(RewardsError::NoQuorum));
        assert!(matches!(quorum_below([(5, 11)], 10), Err(RewardsError::Overflow { .. })));
        assert_eq!(recalculate_prices(core::iter::empty::<(VotingParams, u16)>(), 10), Ok((u64::MAX, u64::MAX)));
    }

    #[test]
    fn capacity_vote_saturates() {
        assert_eq!(capacity_vote(u64::MAX, 1000, 1), Ok(u64::MAX));
        assert_eq!(capacity_vote(1000, 100, 10), Ok(10_000));
        assert!(capacity_vote(1, 1, 0).is_err());
    }

    #[test]
    fn offsets() {
        assert_eq!(reservation_offsets(5, 0, 8, 53), Ok((0, 3)));
        assert_eq!(reservation_offsets(5, 7, 8, 53), Ok((2, 3)));
        assert!(reservation_offsets(5, 7, 7, 53).is_err());
        assert!(reservation_offsets(5, 0, 59, 53).is_err());
        assert_eq!(extension_offsets(5, 8, 2, 53), Ok((3, 5)));
        assert!(extension_offsets(8, 8, 2, 53).is_err(), "expired");
        assert!(extension_offsets(5, 8, 0, 53).is_err());
        assert!(extension_offsets(5, 8, 51, 53).is_err());
        assert!(extension_offsets(0, 1, u32::MAX, u32::MAX).is_err());
    }

    #[test]
    fn units_and_costs() {
        assert_eq!(storage_units(0), 0);
        assert_eq!(storage_units(1), 1);
        assert_eq!(storage_units(BYTES_PER_UNIT_SIZE), 1);
        assert_eq!(storage_units(BYTES_PER_UNIT_SIZE + 1), 2);
        assert_eq!(storage_units(u64::MAX), u64::MAX / BYTES_PER_UNIT_SIZE + 1);
        assert!(storage_cost_per_epoch(u64::MAX, 2 * BYTES_PER_UNIT_SIZE).is_err());
        assert!(storage_cost(u64::MAX / 2, 1, 3).is_err());
        assert_eq!(encoded_blob_length(1, 2, 10), Err(RewardsError::UnsupportedEncodingType { encoding_type: 2 }));
        assert!(matches!(encoded_blob_length(u64::MAX, 1, 1000), Err(RewardsError::Encoding(_))));
    }
}
