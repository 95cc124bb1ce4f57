//! The epoch change: burn, per-node rewards with the deny-list deduction, the leftover, and the
//! commission split (REWARDS.md §2, §3.1–§3.4).

use super::accounting::burn_amount;
use super::{check_range, to_u64, Checked, RewardsError, N_BASIS_POINTS};

/// What a committee member contributes to the reward formula for the closing epoch
/// (REWARDS.md §3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeService {
    /// Shards the node held in the closing epoch's committee, `w_i`.
    pub shards: u16,
    /// The node's deny-list size `d_i` (0 if absent), clamped to the used capacity.
    pub deny_list_size: u64,
}

/// Splits `rewards` (the closing bucket after the burn, `R`) over the committee members in
/// their committee order (ascending node ID), writing each node's reward into `out`, and
/// returns the leftover that rolls over into the next epoch's bucket (REWARDS.md §3.1):
///
/// ```text
/// stored_i     = w_i * (U - min(d_i, U))                    (u128)
/// total_stored = max(Σ stored_i, 1)
/// reward_i     = floor(stored_i * R / total_stored)          (u128, checked cast to u64)
/// leftover     = R - Σ reward_i
/// ```
///
/// With `used_capacity = 0` every reward is 0 and all of `R` rolls over.
///
/// # Errors
///
/// [`RewardsError::LengthMismatch`] unless `out.len() == nodes.len()`;
/// [`RewardsError::Overflow`] if `stored_i * R` overflows u128 (`w * U * R >= 2^128`).
/// `out` is unspecified on error.
pub fn distribute(
    rewards: u64,
    used_capacity: u64,
    nodes: &[NodeService],
    out: &mut [u64],
) -> Result<u64, RewardsError> {
    if out.len() != nodes.len() {
        return Err(RewardsError::LengthMismatch { expected: nodes.len(), got: out.len() });
    }
    let stored =
        |n: &NodeService| u128::from(n.shards) * u128::from(used_capacity - n.deny_list_size.min(used_capacity));
    let mut total: u128 = 0;
    for n in nodes {
        total = total.checked_add(stored(n)).ok_or(RewardsError::Overflow { operation: "sum of stored" })?;
    }
    let total = total.max(1);
    let mut paid: u64 = 0;
    for (n, slot) in nodes.iter().zip(out.iter_mut()) {
        let product = stored(n)
            .checked_mul(u128::from(rewards))
            .ok_or(RewardsError::Overflow { operation: "stored * rewards" })?;
        *slot = to_u64(product / total, "reward as u64")?;
        paid = paid.checked_add(*slot).or_overflow("sum of rewards")?;
    }
    rewards.checked_sub(paid).or_overflow("rewards - paid")
}

/// The outcome of an epoch's reward distribution (REWARDS.md §2 steps 1–2, §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EpochRewards {
    /// The closing bucket's value before the burn, FROST.
    pub collected: u64,
    /// The 3% burn, FROST.
    pub burned: u64,
    /// The sum paid to nodes, FROST.
    pub paid: u64,
    /// What rolls over into the next epoch's bucket 0, FROST.
    pub leftover: u64,
}

/// The burn followed by [`distribute`] of the rest, for a closing bucket of `bucket_value`
/// FROST and `used_capacity` bytes (REWARDS.md §2, §3.1, §3.3). Always
/// `burned + paid + leftover == collected`.
///
/// # Errors
///
/// As [`burn_amount`] and [`distribute`].
pub fn epoch_rewards(
    bucket_value: u64,
    used_capacity: u64,
    nodes: &[NodeService],
    out: &mut [u64],
) -> Result<EpochRewards, RewardsError> {
    let burned = burn_amount(bucket_value)?;
    let r = bucket_value - burned;
    let leftover = distribute(r, used_capacity, nodes, out)?;
    Ok(EpochRewards { collected: bucket_value, burned, paid: r - leftover, leftover })
}

/// The commission split of a node reward (REWARDS.md §3.4): `(commission, pool_part)` with
/// `commission = floor(reward * rate / 10 000)` in u128 and `pool_part = reward - commission`.
/// `rate_bp` is the rate in force **before** the pool advances.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] for `rate_bp > 10 000`.
pub fn commission_split(reward: u64, rate_bp: u16) -> Result<(u64, u64), RewardsError> {
    check_range("commission_rate", rate_bp.into(), 0, N_BASIS_POINTS)?;
    let commission = to_u64(u128::from(reward) * u128::from(rate_bp) / u128::from(N_BASIS_POINTS), "commission")?;
    Ok((commission, reward - commission))
}

/// The pre-May-2026 commission, `reward * rate / 10 000` in **u64** (REWARDS.md §0.1 history),
/// for replaying older epochs: it aborts where the u128 form does not.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] for `rate_bp > 10 000`; [`RewardsError::Overflow`] if
/// `reward * rate` overflows u64.
pub fn commission_split_legacy_u64(reward: u64, rate_bp: u16) -> Result<(u64, u64), RewardsError> {
    check_range("commission_rate", rate_bp.into(), 0, N_BASIS_POINTS)?;
    let commission = reward.checked_mul(rate_bp.into()).or_overflow("reward * rate")? / N_BASIS_POINTS;
    Ok((commission, reward - commission))
}

/// Collectable commission, `collect_commission` (REWARDS.md §3.5): `total - blocked` if
/// `total > blocked`, else 0.
pub const fn collectable_commission(total: u64, blocked: u64) -> u64 {
    total.saturating_sub(blocked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_usage_rolls_over() {
        let nodes = [NodeService { shards: 5, deny_list_size: 0 }; 2];
        let mut out = [9; 2];
        assert_eq!(distribute(100, 0, &nodes, &mut out), Ok(100));
        assert_eq!(out, [0, 0]);
        assert!(distribute(1, 1, &nodes, &mut [0; 1]).is_err());
    }

    #[test]
    fn u128_overflow_is_an_error() {
        let nodes = [NodeService { shards: u16::MAX, deny_list_size: 0 }];
        assert!(matches!(distribute(u64::MAX, u64::MAX, &nodes, &mut [0]), Err(RewardsError::Overflow { .. })));
    }

    #[test]
    fn commission() {
        assert_eq!(commission_split(202, 1000), Ok((20, 182)));
        assert_eq!(commission_split(u64::MAX, 10_000), Ok((u64::MAX, 0)));
        assert!(commission_split(1, 10_001).is_err());
        assert!(commission_split_legacy_u64(u64::MAX, 2).is_err());
        assert_eq!(collectable_commission(500, 1000), 0);
    }
}
