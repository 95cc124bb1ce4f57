//! Subsidies: the legacy `subsidies` package and `walrus_subsidies` (REWARDS.md §6).

use super::{check_range, to_u64, Checked, RewardsError, N_BASIS_POINTS};

/// The largest `system_subsidy_rate` of `walrus_subsidies`: 1 000 000 bp = 10 000%
/// (REWARDS.md §6.3).
pub const MAX_USAGE_SUBSIDY_RATE_BP: u32 = 1_000_000;

/// The split of a legacy subsidy, `allocate` (REWARDS.md §6.2 step 2): `(buyer, system)` with
/// `b = cost * buyer / 10 000`, `s = cost * system / 10 000` (u64); if the pool cannot pay
/// both, `b = pool * buyer / (buyer + system)` and `s = pool * system / (buyer + system)`.
///
/// # Errors
///
/// [`RewardsError::OutOfRange`] for a rate above 10 000 bp; [`RewardsError::Overflow`] if a
/// u64 product overflows (Move aborts).
pub fn legacy_allocate(
    cost: u64,
    pool: u64,
    buyer_rate_bp: u16,
    system_rate_bp: u16,
) -> Result<(u64, u64), RewardsError> {
    check_range("buyer_subsidy_rate", buyer_rate_bp.into(), 0, N_BASIS_POINTS)?;
    check_range("system_subsidy_rate", system_rate_bp.into(), 0, N_BASIS_POINTS)?;
    let b = cost.checked_mul(buyer_rate_bp.into()).or_overflow("cost * buyer_rate")? / N_BASIS_POINTS;
    let s = cost.checked_mul(system_rate_bp.into()).or_overflow("cost * system_rate")? / N_BASIS_POINTS;
    let both = b.checked_add(s).or_overflow("buyer + system subsidy")?;
    if pool < both {
        let rates = u64::from(buyer_rate_bp) + u64::from(system_rate_bp);
        let b = pool.checked_mul(buyer_rate_bp.into()).or_overflow("pool * buyer_rate")? / rates;
        let s = pool.checked_mul(system_rate_bp.into()).or_overflow("pool * system_rate")? / rates;
        return Ok((b, s));
    }
    Ok((b, s))
}

/// The outcome of a purchase through the legacy `subsidies` package (REWARDS.md §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LegacySubsidy {
    /// What the buyer's coin holds afterwards: `pay0 + b - cost`, FROST.
    pub buyer_coin: u64,
    /// The subsidy pool afterwards: `pool0 - b - s`, FROST.
    pub pool: u64,
    /// The buyer subsidy `b`, FROST.
    pub buyer_subsidy: u64,
    /// The system subsidy `s`, FROST, to spread with `add_subsidy(s, epochs_ahead)`.
    pub system_subsidy: u64,
}

/// A `reserve_space` / `extend_blob` of `cost` FROST through the legacy `subsidies` package with
/// a buyer coin of `pay0` and a pool of `pool0` (REWARDS.md §6.2). With `pool0 = 0` it is a
/// plain purchase.
///
/// # Errors
///
/// [`RewardsError::InsufficientFunds`] if `pool0 + pay0 < cost`; the errors of
/// [`legacy_allocate`].
pub fn legacy_purchase(
    cost: u64,
    pay0: u64,
    pool0: u64,
    buyer_rate_bp: u16,
    system_rate_bp: u16,
) -> Result<LegacySubsidy, RewardsError> {
    let funds = if pool0 == 0 { pay0 } else { pay0.checked_add(pool0).or_overflow("pay + pool")? };
    if funds < cost {
        return Err(RewardsError::InsufficientFunds { needed_frost: cost, available_frost: funds });
    }
    if pool0 == 0 {
        return Ok(LegacySubsidy { buyer_coin: pay0 - cost, pool: 0, buyer_subsidy: 0, system_subsidy: 0 });
    }
    let (b, s) = legacy_allocate(cost, pool0, buyer_rate_bp, system_rate_bp)?;
    let buyer_coin = pay0.checked_add(b).and_then(|x| x.checked_sub(cost)).or_overflow("pay + b - cost")?;
    let pool = pool0.checked_sub(b).and_then(|x| x.checked_sub(s)).or_overflow("pool - b - s")?;
    Ok(LegacySubsidy { buyer_coin, pool, buyer_subsidy: b, system_subsidy: s })
}

/// The usage subsidy of one bucket, `walrus_subsidies` (REWARDS.md §6.3 step 2):
/// `floor((rewards - already_subsidized) * rate / 10 000)` in u128.
///
/// # Errors
///
/// [`RewardsError::Overflow`] if the bucket shrank below what was subsidized (Move aborts) or
/// the result exceeds u64; [`RewardsError::OutOfRange`] for a rate above 1 000 000 bp.
pub fn usage_subsidy(bucket_rewards: u64, already_subsidized: u64, rate_bp: u32) -> Result<u64, RewardsError> {
    check_range("system_subsidy_rate", rate_bp.into(), 0, MAX_USAGE_SUBSIDY_RATE_BP.into())?;
    let delta = bucket_rewards.checked_sub(already_subsidized).or_overflow("rewards - already_subsidized")?;
    to_u64(u128::from(delta) * u128::from(rate_bp) / u128::from(N_BASIS_POINTS), "usage subsidy")
}

/// Step 2 of `walrus_subsidies::process_subsidies` over the aligned rings (REWARDS.md §6.3):
/// for each offset `i`, `out[i] = usage_subsidy(bucket_rewards[i], already_subsidized[i], rate)`,
/// paid from `pool` in order (each must fit in what is left), then
/// `already_subsidized[i] = bucket_rewards[i] + out[i]`. The caller adds `out` to the buckets
/// (`add_per_epoch_subsidies`). Returns the total paid.
///
/// # Errors
///
/// [`RewardsError::LengthMismatch`] unless the three slices have equal lengths; the errors of
/// [`usage_subsidy`]; [`RewardsError::InsufficientFunds`] when the pool runs out. Nothing is
/// written on error.
pub fn usage_subsidies(
    bucket_rewards: &[u64],
    already_subsidized: &mut [u64],
    rate_bp: u32,
    pool: u64,
    out: &mut [u64],
) -> Result<u64, RewardsError> {
    for len in [already_subsidized.len(), out.len()] {
        if len != bucket_rewards.len() {
            return Err(RewardsError::LengthMismatch { expected: bucket_rewards.len(), got: len });
        }
    }
    let mut left = pool;
    for (b, a) in bucket_rewards.iter().zip(already_subsidized.iter()) {
        let s = usage_subsidy(*b, *a, rate_bp)?;
        left = left.checked_sub(s).ok_or(RewardsError::InsufficientFunds { needed_frost: s, available_frost: left })?;
        b.checked_add(s).or_overflow("bucket + subsidy")?;
    }
    for ((b, a), o) in bucket_rewards.iter().zip(already_subsidized.iter_mut()).zip(out.iter_mut()) {
        *o = usage_subsidy(*b, *a, rate_bp)?;
        *a = *b + *o;
    }
    Ok(pool - left)
}

/// The fixed per-node subsidy of `walrus_subsidies` (REWARDS.md §6.3 step 1):
/// `base + shards * per_shard` in u64, paid into the operator's commission.
///
/// # Errors
///
/// [`RewardsError::Overflow`] on u64 overflow.
pub fn fixed_subsidy(base_subsidy: u64, subsidy_per_shard: u64, shards: u16) -> Result<u64, RewardsError> {
    subsidy_per_shard
        .checked_mul(shards.into())
        .and_then(|x| x.checked_add(base_subsidy))
        .or_overflow("base + shards * per_shard")
}

/// `latest_epoch` of a new `walrus_subsidies` object created in `creation_epoch`:
/// `max(E_create - 1, 0)` (REWARDS.md §6.3).
pub const fn initial_latest_epoch(creation_epoch: u32) -> u32 {
    creation_epoch.saturating_sub(1)
}

/// The epoch whose fixed subsidies `process_subsidies` pays when called in `current_epoch`
/// with the object's `latest_epoch` (REWARDS.md §6.3 step 1): `Some(E - 1)` if `E > 0` and
/// `latest_epoch < E - 1`, else `None`; afterwards `latest_epoch = E - 1`. A missed epoch is
/// not paid later.
pub const fn fixed_subsidy_epoch(latest_epoch: u32, current_epoch: u32) -> Option<u32> {
    if current_epoch > 0 && latest_epoch < current_epoch - 1 {
        Some(current_epoch - 1)
    } else {
        None
    }
}

/// The setters' check on the fixed-subsidy parameters (REWARDS.md §6.3):
/// `base + per_shard * 1000 <= u64::MAX`, computed in u128.
///
/// # Errors
///
/// [`RewardsError::Overflow`] when the bound is exceeded.
pub fn check_fixed_subsidy_params(base_subsidy: u64, subsidy_per_shard: u64) -> Result<(), RewardsError> {
    let total = u128::from(base_subsidy) + u128::from(subsidy_per_shard) * 1000;
    to_u64(total, "base + per_shard * 1000").map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert!(legacy_allocate(u64::MAX, 0, 2, 0).is_err());
        assert!(legacy_allocate(1, 0, 10_001, 0).is_err());
        assert!(legacy_purchase(100, 10, 0, 0, 0).is_err());
        assert!(usage_subsidy(1, 2, 10).is_err());
        assert!(usage_subsidy(u64::MAX, 0, MAX_USAGE_SUBSIDY_RATE_BP).is_err());
        assert!(fixed_subsidy(u64::MAX, 1, 1).is_err());
        assert!(check_fixed_subsidy_params(u64::MAX, 1).is_err());
        assert!(check_fixed_subsidy_params(0, u64::MAX / 1000).is_ok());
    }

    #[test]
    fn usage_subsidies_are_all_or_nothing() {
        let buckets = [100, 50, 0];
        let mut already = [0, 50, 0];
        let mut out = [9; 3];
        assert!(matches!(
            usage_subsidies(&buckets, &mut already, 20_000, 199, &mut out),
            Err(RewardsError::InsufficientFunds { .. })
        ));
        assert_eq!((already, out), ([0, 50, 0], [9; 3]));
        assert_eq!(usage_subsidies(&buckets, &mut already, 20_000, 200, &mut out), Ok(200));
        assert_eq!((already, out), ([300, 50, 0], [200, 0, 0]));
        assert!(usage_subsidies(&buckets, &mut already, 20_000, 200, &mut out).is_err(), "bucket below subsidized");
        assert!(usage_subsidies(&buckets, &mut [0; 2], 1, 1, &mut out).is_err());
    }
}
