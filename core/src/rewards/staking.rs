//! Staking pools: exchange rates, the rewards of a stake, activation and withdrawal epochs,
//! and the pool state machine (REWARDS.md §3.4–§4.6).

use super::{to_u64, RewardsError, FROST_PER_WAL};

/// The smallest stake object: 1 WAL = 10^9 FROST (REWARDS.md §0.3, `staked_wal.move`
/// `MIN_STAKING_THRESHOLD`).
pub const MIN_STAKING_THRESHOLD: u64 = FROST_PER_WAL;

/// A pool's WAL-per-share exchange rate at an epoch, `PoolExchangeRate` (REWARDS.md §4.3).
///
/// Deserializing checks `0 < shares <= wal` for a variable rate, as [`ExchangeRate::new`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ExchangeRateRepr")]
pub enum ExchangeRate {
    /// One share per FROST (an empty pool).
    #[default]
    Flat,
    /// `wal` FROST for `shares` shares, `0 < shares <= wal`.
    Variable {
        /// FROST in the pool.
        wal: u128,
        /// Shares outstanding.
        shares: u128,
    },
}

/// The serialized form of an [`ExchangeRate`], checked on the way in.
#[derive(serde::Deserialize)]
enum ExchangeRateRepr {
    Flat,
    Variable { wal: u128, shares: u128 },
}

impl TryFrom<ExchangeRateRepr> for ExchangeRate {
    type Error = RewardsError;

    fn try_from(repr: ExchangeRateRepr) -> Result<Self, RewardsError> {
        match repr {
            ExchangeRateRepr::Flat => Ok(ExchangeRate::Flat),
            ExchangeRateRepr::Variable { wal, shares } if shares > 0 && shares <= wal => {
                Ok(ExchangeRate::Variable { wal, shares })
            }
            ExchangeRateRepr::Variable { .. } => Err(RewardsError::InvalidExchangeRate),
        }
    }
}

impl ExchangeRate {
    /// `new(wal, shares)` (REWARDS.md §4.3): `Flat` if either is 0, else `Variable`.
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidExchangeRate`] if `shares > wal`.
    pub const fn new(wal: u64, shares: u64) -> Result<Self, RewardsError> {
        if shares > wal {
            return Err(RewardsError::InvalidExchangeRate);
        }
        if wal == 0 || shares == 0 {
            Ok(ExchangeRate::Flat)
        } else {
            Ok(ExchangeRate::Variable { wal: wal as u128, shares: shares as u128 })
        }
    }

    /// FROST for `shares` shares: `floor(shares * wal / shares_total)` in u128 (REWARDS.md §4.3).
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`] if the result exceeds u64.
    pub fn to_wal(&self, shares: u64) -> Result<u64, RewardsError> {
        match *self {
            ExchangeRate::Flat => Ok(shares),
            ExchangeRate::Variable { wal, shares: total } => to_u64(u128::from(shares) * wal / total, "to_wal"),
        }
    }

    /// Shares for `amount` FROST: `floor(amount * shares / wal)` in u128 (REWARDS.md §4.3).
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`] if the result exceeds u64 (cannot happen for valid rates).
    pub fn to_shares(&self, amount: u64) -> Result<u64, RewardsError> {
        match *self {
            ExchangeRate::Flat => Ok(amount),
            ExchangeRate::Variable { wal, shares } => to_u64(u128::from(amount) * shares / wal, "to_shares"),
        }
    }
}

/// The rewards of a stake of `principal` FROST activated at the epoch of `activation_rate` and
/// withdrawn at the epoch of `withdraw_rate`, `calculate_rewards` (REWARDS.md §4.5): both
/// conversions round down, and a value below the principal gives 0.
///
/// # Errors
///
/// As [`ExchangeRate::to_shares`] and [`ExchangeRate::to_wal`].
pub fn calculate_rewards(
    principal: u64,
    activation_rate: ExchangeRate,
    withdraw_rate: ExchangeRate,
) -> Result<u64, RewardsError> {
    let shares = activation_rate.to_shares(principal)?;
    let value = withdraw_rate.to_wal(shares)?;
    Ok(value.saturating_sub(principal))
}

/// The epoch a stake made in `current_epoch` becomes active (REWARDS.md §4.1): `E + 1`, or
/// `E + 2` once the next committee is selected.
///
/// # Errors
///
/// [`RewardsError::Overflow`] past u32.
pub fn activation_epoch(current_epoch: u32, committee_selected: bool) -> Result<u32, RewardsError> {
    current_epoch
        .checked_add(if committee_selected { 2 } else { 1 })
        .ok_or(RewardsError::Overflow { operation: "epoch" })
}

/// Whether a stake can be withdrawn directly, returning only the principal,
/// `can_withdraw_early` (REWARDS.md §4.2): it is not withdrawing and it activates at `E + 2`,
/// or at `E + 1` while the node is not in the selected next committee.
pub fn can_withdraw_early(activation_epoch: u32, withdrawing: bool, current_epoch: u32, in_next: bool) -> bool {
    let e = u64::from(current_epoch);
    let a = u64::from(activation_epoch);
    !withdrawing && (a == e + 2 || (a == e + 1 && !in_next))
}

#[cfg(feature = "alloc")]
pub use pool::{PendingValues, StakedWal, StakingPool};

#[cfg(feature = "alloc")]
mod pool {
    use alloc::collections::BTreeMap;

    use super::{calculate_rewards, can_withdraw_early, ExchangeRate, MIN_STAKING_THRESHOLD};
    use crate::rewards::distribution::{collectable_commission, commission_split};
    use crate::rewards::{check_range, Checked, RewardsError, Rules, N_BASIS_POINTS};

    fn epoch_plus(e: u32, k: u32) -> Result<u32, RewardsError> {
        e.checked_add(k).ok_or(RewardsError::Overflow { operation: "epoch" })
    }

    fn state(reason: &'static str) -> RewardsError {
        RewardsError::InvalidPoolState { reason }
    }

    /// Values keyed by epoch, `pending_values::PendingValues` (REWARDS.md §4.4, §9): a sorted
    /// map where "the value at `e`" sums every key `<= e`.
    #[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct PendingValues(BTreeMap<u32, u64>);

    impl PendingValues {
        /// An empty map.
        pub fn new() -> Self {
            Self::default()
        }

        /// Adds `value` at `epoch`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] if the entry overflows u64.
        pub fn insert_or_add(&mut self, epoch: u32, value: u64) -> Result<(), RewardsError> {
            let slot = self.0.entry(epoch).or_insert(0);
            *slot = slot.checked_add(value).or_overflow("pending value + value")?;
            Ok(())
        }

        /// Sets the value at `epoch`.
        pub fn insert_or_replace(&mut self, epoch: u32, value: u64) {
            self.0.insert(epoch, value);
        }

        /// Subtracts `value` at `epoch`, removing the entry when it reaches 0.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] if the entry is missing or smaller (Move aborts).
        pub fn reduce(&mut self, epoch: u32, value: u64) -> Result<(), RewardsError> {
            let current = self.0.get(&epoch).copied().unwrap_or(0);
            let next = current.checked_sub(value).or_overflow("pending value - value")?;
            if next == 0 {
                self.0.remove(&epoch);
            } else {
                self.0.insert(epoch, next);
            }
            Ok(())
        }

        /// The sum of all values at keys `<= epoch`, `value_at`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] if the sum overflows u64.
        pub fn value_at(&self, epoch: u32) -> Result<u64, RewardsError> {
            self.0
                .range(..=epoch)
                .try_fold(0u64, |acc, (_, v)| acc.checked_add(*v).or_overflow("sum of pending values"))
        }

        /// The value with the largest key `<= epoch`, `latest_value_at`.
        pub fn latest_value_at(&self, epoch: u32) -> Option<u64> {
            self.0.range(..=epoch).next_back().map(|(_, v)| *v)
        }

        /// The exact entry at `epoch`.
        pub fn get(&self, epoch: u32) -> Option<u64> {
            self.0.get(&epoch).copied()
        }

        /// Removes every key `<= epoch` and returns their sum, `flush`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] if the sum overflows u64 (the map is unchanged then).
        pub fn flush(&mut self, epoch: u32) -> Result<u64, RewardsError> {
            let sum = self.value_at(epoch)?;
            let rest = match epoch.checked_add(1) {
                Some(next) => self.0.split_off(&next),
                None => BTreeMap::new(),
            };
            self.0 = rest;
            Ok(sum)
        }

        /// The entries in epoch order.
        pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
            self.0.iter().map(|(k, v)| (*k, *v))
        }
    }

    /// A stake object, `StakedWal` (REWARDS.md §4.1–§4.2): the principal stays in the object;
    /// the pool only keeps accounts.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct StakedWal {
        /// The principal in FROST.
        pub principal: u64,
        /// The epoch from which the stake is active.
        pub activation_epoch: u32,
        /// `Some(epoch)` once a withdrawal was requested: the epoch it can be completed.
        pub withdraw_epoch: Option<u32>,
    }

    impl StakedWal {
        /// Splits off `amount` FROST into a new object (REWARDS.md §4.2): both parts must hold
        /// at least 1 WAL.
        ///
        /// # Errors
        ///
        /// [`RewardsError::StakeTooSmall`] if either part would be below 1 WAL.
        pub fn split(&mut self, amount: u64) -> Result<StakedWal, RewardsError> {
            let rest = self.principal.checked_sub(amount).or_overflow("principal - amount")?;
            for part in [amount, rest] {
                if part < MIN_STAKING_THRESHOLD {
                    return Err(RewardsError::StakeTooSmall { stake_frost: part, min_frost: MIN_STAKING_THRESHOLD });
                }
            }
            self.principal = rest;
            Ok(StakedWal { principal: amount, ..*self })
        }
    }

    /// A staking pool's accounts (REWARDS.md §3.4–§4.6, `staking_pool.move`): balance, shares,
    /// exchange rates by epoch, pending stake and withdrawals, commission (with the blocked
    /// amount) and the rewards held for stakers.
    ///
    /// Every operation is all-or-nothing: on error the pool is unchanged (a Move abort).
    #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct StakingPool {
        activation_epoch: u32,
        latest_epoch: u32,
        wal_balance: u64,
        num_shares: u64,
        rewards_pool: u64,
        commission_rate: u16,
        pending_commission_rate: PendingValues,
        commission: u64,
        commission_blocked: u64,
        pending_stake: PendingValues,
        pending_shares_withdraw: PendingValues,
        pre_active_withdrawals: PendingValues,
        exchange_rates: BTreeMap<u32, ExchangeRate>,
    }

    /// What a pool advance did with the node's reward (REWARDS.md §3.4).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    pub struct PoolAdvance {
        /// The commission, added to the pool's commission and blocked.
        pub commission: u64,
        /// The stakers' part, added to the rewards pool and the balance.
        pub pool_part: u64,
        /// The commission rate used (the one in force before the advance).
        pub commission_rate: u16,
    }

    impl StakingPool {
        /// A new pool created in `current_epoch` (REWARDS.md §4.1): active from that epoch, or
        /// the next one if the committee is already selected, with a flat exchange rate there.
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] for `commission_rate > 10 000`.
        pub fn new(current_epoch: u32, committee_selected: bool, commission_rate: u16) -> Result<Self, RewardsError> {
            check_range("commission_rate", commission_rate.into(), 0, N_BASIS_POINTS)?;
            let activation_epoch = if committee_selected { epoch_plus(current_epoch, 1)? } else { current_epoch };
            let mut exchange_rates = BTreeMap::new();
            exchange_rates.insert(activation_epoch, ExchangeRate::Flat);
            Ok(Self {
                activation_epoch,
                latest_epoch: current_epoch,
                wal_balance: 0,
                num_shares: 0,
                rewards_pool: 0,
                commission_rate,
                pending_commission_rate: PendingValues::new(),
                commission: 0,
                commission_blocked: 0,
                pending_stake: PendingValues::new(),
                pending_shares_withdraw: PendingValues::new(),
                pre_active_withdrawals: PendingValues::new(),
                exchange_rates,
            })
        }

        /// The active stake in FROST, `wal_balance`.
        pub fn wal_balance(&self) -> u64 {
            self.wal_balance
        }

        /// The shares outstanding.
        pub fn num_shares(&self) -> u64 {
            self.num_shares
        }

        /// Rewards held for stakers, FROST.
        pub fn rewards_pool(&self) -> u64 {
            self.rewards_pool
        }

        /// The commission rate in basis points.
        pub fn commission_rate(&self) -> u16 {
            self.commission_rate
        }

        /// The accumulated commission, FROST.
        pub fn commission_amount(&self) -> u64 {
            self.commission
        }

        /// The blocked part of the commission, FROST (REWARDS.md §3.5).
        pub fn commission_blocked(&self) -> u64 {
            self.commission_blocked
        }

        /// The epoch the pool was last advanced to.
        pub fn latest_epoch(&self) -> u32 {
            self.latest_epoch
        }

        /// The epoch the pool became active.
        pub fn activation_epoch(&self) -> u32 {
            self.activation_epoch
        }

        /// The exchange rate at `epoch` (REWARDS.md §4.3): the entry for `epoch`, else the
        /// nearest earlier one down to the activation epoch, else flat.
        pub fn exchange_rate_at_epoch(&self, epoch: u32) -> ExchangeRate {
            if epoch < self.activation_epoch {
                return ExchangeRate::Flat;
            }
            self.exchange_rates.range(self.activation_epoch..=epoch).next_back().map(|(_, r)| *r).unwrap_or_default()
        }

        /// Stakes `amount` FROST in `current_epoch` (REWARDS.md §4.1).
        ///
        /// # Errors
        ///
        /// [`RewardsError::StakeTooSmall`] below 1 WAL; [`RewardsError::Overflow`].
        pub fn stake(
            &mut self,
            amount: u64,
            current_epoch: u32,
            committee_selected: bool,
        ) -> Result<StakedWal, RewardsError> {
            if amount < MIN_STAKING_THRESHOLD {
                return Err(RewardsError::StakeTooSmall { stake_frost: amount, min_frost: MIN_STAKING_THRESHOLD });
            }
            let activation_epoch = super::activation_epoch(current_epoch, committee_selected)?;
            self.pending_stake.insert_or_add(activation_epoch, amount)?;
            Ok(StakedWal { principal: amount, activation_epoch, withdraw_epoch: None })
        }

        fn pre_active_shares(&self, up_to: u32) -> Result<u64, RewardsError> {
            let mut pre: u64 = 0;
            for (k, v) in self.pre_active_withdrawals.0.range(..=up_to) {
                let rate = self.exchange_rate_at_epoch(k.checked_sub(1).ok_or(state("pre-active key 0"))?);
                pre = pre.checked_add(rate.to_shares(*v)?).or_overflow("pre-active shares")?;
            }
            Ok(pre)
        }

        /// The stake the pool will have at `epoch`, `wal_balance_at_epoch` (REWARDS.md §4.6):
        /// the balance plus pending stake minus pending withdrawals up to `epoch`.
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`] on under- or overflow (Move aborts).
        pub fn wal_balance_at_epoch(&self, epoch: u32) -> Result<u64, RewardsError> {
            let rate_now = ExchangeRate::new(self.wal_balance, self.num_shares)?;
            let pre = self.pre_active_shares(epoch)?;
            let shares = self.pending_shares_withdraw.value_at(epoch)?.checked_add(pre).or_overflow("shares")?;
            self.wal_balance
                .checked_add(self.pending_stake.value_at(epoch)?)
                .or_overflow("wal_balance + pending stake")?
                .checked_sub(rate_now.to_wal(shares)?)
                .or_overflow("wal_balance - withdrawals")
        }

        /// Advances the pool to `epoch` with the node's `reward` for the previous epoch,
        /// `advance_epoch` + `process_pending_stake`, in the exact order of REWARDS.md §4.4:
        /// commission split at the old rate (blocked), pending commission rate (§3.5, per
        /// `rules`), rewards into the pool, the exchange rate for `epoch`, pending stake in,
        /// withdrawals out (rounded once), shares recomputed.
        ///
        /// # Errors
        ///
        /// [`RewardsError::InvalidPoolState`] if `epoch <= latest_epoch` or a nonzero reward
        /// arrives with a zero balance; [`RewardsError::InsufficientFunds`] if withdrawals exceed
        /// the balance; [`RewardsError::Overflow`].
        pub fn advance_epoch(&mut self, epoch: u32, reward: u64, rules: Rules) -> Result<PoolAdvance, RewardsError> {
            let mut next = self.clone();
            let out = next.advance_in_place(epoch, reward, rules)?;
            *self = next;
            Ok(out)
        }

        fn advance_in_place(&mut self, epoch: u32, reward: u64, rules: Rules) -> Result<PoolAdvance, RewardsError> {
            if epoch <= self.latest_epoch {
                return Err(state("the epoch must be after the latest epoch"));
            }
            if reward != 0 && self.wal_balance == 0 {
                return Err(state("rewards for a pool without stake"));
            }
            // 1. Commission at the rate in force before the advance, blocked.
            let rate_used = self.commission_rate;
            let (commission, pool_part) = commission_split(reward, rate_used)?;
            self.add_commission(commission, true)?;
            // 2. Pending commission rate.
            match rules {
                Rules::Mainnet => {
                    if let Some(rate) = self.pending_commission_rate.get(epoch) {
                        self.commission_rate = crate::rewards::cast(rate, "commission rate")?;
                        self.pending_commission_rate.flush(epoch)?;
                    }
                }
                Rules::Development => {
                    if let Some(rate) = self.pending_commission_rate.latest_value_at(epoch) {
                        self.commission_rate = crate::rewards::cast(rate, "commission rate")?;
                    }
                    self.pending_commission_rate.flush(epoch)?;
                }
            }
            // 3. Rewards.
            self.rewards_pool = self.rewards_pool.checked_add(pool_part).or_overflow("rewards_pool + reward")?;
            self.wal_balance = self.wal_balance.checked_add(pool_part).or_overflow("wal_balance + reward")?;
            self.latest_epoch = epoch;
            // 4. The exchange rate for `epoch`.
            let rate = ExchangeRate::new(self.wal_balance, self.num_shares)?;
            self.exchange_rates.insert(epoch, rate);
            // 5. Pending stake.
            let incoming = self.pending_stake.flush(epoch)?;
            self.wal_balance = self.wal_balance.checked_add(incoming).or_overflow("wal_balance + stake")?;
            // 6.–7. Withdrawals, rounded once.
            let pre = self.pre_active_shares(epoch)?;
            self.pre_active_withdrawals.flush(epoch)?;
            let shares = self.pending_shares_withdraw.flush(epoch)?.checked_add(pre).or_overflow("shares")?;
            let out = rate.to_wal(shares)?;
            if out > self.wal_balance {
                return Err(RewardsError::InsufficientFunds { needed_frost: out, available_frost: self.wal_balance });
            }
            self.wal_balance -= out;
            // 8. Shares from scratch.
            self.num_shares = rate.to_shares(self.wal_balance)?;
            Ok(PoolAdvance { commission, pool_part, commission_rate: rate_used })
        }

        /// `set_next_commission(rate)` in `current_epoch` (REWARDS.md §3.5): the rate applies
        /// from `E + 2`; a later call in the same epoch replaces it.
        ///
        /// # Errors
        ///
        /// [`RewardsError::OutOfRange`] for `rate > 10 000`.
        pub fn set_next_commission(&mut self, rate_bp: u16, current_epoch: u32) -> Result<(), RewardsError> {
            check_range("commission_rate", rate_bp.into(), 0, N_BASIS_POINTS)?;
            self.pending_commission_rate.insert_or_replace(epoch_plus(current_epoch, 2)?, rate_bp.into());
            Ok(())
        }

        /// Adds commission, blocked or not (REWARDS.md §3.5; subsidies block it before
        /// `voting_end`).
        ///
        /// # Errors
        ///
        /// [`RewardsError::Overflow`].
        pub fn add_commission(&mut self, amount: u64, block: bool) -> Result<(), RewardsError> {
            let total = self.commission.checked_add(amount).or_overflow("commission + amount")?;
            let blocked = if block {
                self.commission_blocked.checked_add(amount).or_overflow("blocked + amount")?
            } else {
                self.commission_blocked
            };
            self.commission = total;
            self.commission_blocked = blocked;
            Ok(())
        }

        /// Unblocks all commission, as `voting_end` does for the previous committee
        /// (REWARDS.md §3.5).
        pub fn clear_blocked_commission(&mut self) {
            self.commission_blocked = 0;
        }

        /// Collects the unblocked commission, `collect_commission` (REWARDS.md §3.5).
        pub fn collect_commission(&mut self) -> u64 {
            let amount = collectable_commission(self.commission, self.commission_blocked);
            self.commission -= amount;
            amount
        }

        /// Burns the whole commission, blocked included (slashing, REWARDS.md §3.2).
        pub fn extract_commission_to_burn(&mut self) -> u64 {
            self.commission_blocked = 0;
            core::mem::take(&mut self.commission)
        }

        /// Requests the withdrawal of `staked` in `current_epoch` (REWARDS.md §4.2 path 2).
        /// `in_current` / `in_next`: whether the node is in the current / the selected next
        /// committee (`in_next` is false before `voting_end`).
        ///
        /// # Errors
        ///
        /// [`RewardsError::InvalidPoolState`] if the stake must be withdrawn directly, is
        /// already withdrawing, is not active, the node is in no committee, or the stake is
        /// worth zero shares.
        pub fn request_withdraw(
            &mut self,
            staked: &mut StakedWal,
            current_epoch: u32,
            in_current: bool,
            in_next: bool,
        ) -> Result<(), RewardsError> {
            if staked.withdraw_epoch.is_some() {
                return Err(state("the stake is already withdrawing"));
            }
            if can_withdraw_early(staked.activation_epoch, false, current_epoch, in_next) {
                return Err(state("withdraw directly (EWithdrawDirectly)"));
            }
            let e = current_epoch;
            if u64::from(staked.activation_epoch) == u64::from(e) + 1 {
                let w = epoch_plus(e, 2)?;
                self.pre_active_withdrawals.insert_or_add(w, staked.principal)?;
                staked.withdraw_epoch = Some(w);
                return Ok(());
            }
            if staked.activation_epoch > e {
                return Err(state("the stake is not active"));
            }
            let w = if in_next {
                epoch_plus(e, 2)?
            } else if in_current {
                epoch_plus(e, 1)?
            } else {
                return Err(state("the node is in no committee: withdraw directly"));
            };
            let shares = self.exchange_rate_at_epoch(staked.activation_epoch).to_shares(staked.principal)?;
            if shares == 0 {
                return Err(state("zero shares"));
            }
            self.pending_shares_withdraw.insert_or_add(w, shares)?;
            staked.withdraw_epoch = Some(w);
            Ok(())
        }

        fn pay_out(&mut self, principal: u64, reward: u64) -> Result<u64, RewardsError> {
            let paid = reward.min(self.rewards_pool);
            self.rewards_pool -= paid;
            principal.checked_add(paid).or_overflow("principal + reward")
        }

        /// Withdraws `staked` in `current_epoch` and returns the payout in FROST (REWARDS.md §4.2
        /// paths 1, 3 and 4): the principal for an early withdrawal; principal plus rewards
        /// (capped by the rewards pool) for a completed request or a stake in an inactive node.
        ///
        /// # Errors
        ///
        /// [`RewardsError::InvalidPoolState`] if a requested withdrawal is not due yet or the
        /// stake must be requested first; [`RewardsError::Overflow`].
        pub fn withdraw(
            &mut self,
            staked: StakedWal,
            current_epoch: u32,
            in_current: bool,
            in_next: bool,
        ) -> Result<u64, RewardsError> {
            let mut next = self.clone();
            let out = next.withdraw_in_place(staked, current_epoch, in_current, in_next)?;
            *self = next;
            Ok(out)
        }

        fn withdraw_in_place(
            &mut self,
            staked: StakedWal,
            e: u32,
            in_current: bool,
            in_next: bool,
        ) -> Result<u64, RewardsError> {
            match staked.withdraw_epoch {
                None if can_withdraw_early(staked.activation_epoch, false, e, in_next) => {
                    self.pending_stake.reduce(staked.activation_epoch, staked.principal)?;
                    Ok(staked.principal)
                }
                None if !in_current && !in_next => {
                    if staked.activation_epoch > e {
                        self.pending_stake.reduce(staked.activation_epoch, staked.principal)?;
                        return Ok(staked.principal);
                    }
                    let shares = self.exchange_rate_at_epoch(staked.activation_epoch).to_shares(staked.principal)?;
                    self.pending_shares_withdraw.insert_or_add(e, shares)?;
                    let reward = calculate_rewards(
                        staked.principal,
                        self.exchange_rate_at_epoch(staked.activation_epoch),
                        self.exchange_rate_at_epoch(e),
                    )?;
                    self.pay_out(staked.principal, reward)
                }
                None => Err(state("request the withdrawal first")),
                Some(w) => {
                    if w > e || staked.activation_epoch > e {
                        return Err(state("the withdrawal is not due yet"));
                    }
                    let reward = calculate_rewards(
                        staked.principal,
                        self.exchange_rate_at_epoch(staked.activation_epoch),
                        self.exchange_rate_at_epoch(w),
                    )?;
                    self.pay_out(staked.principal, reward)
                }
            }
        }
    }
}

#[cfg(feature = "alloc")]
pub use pool::PoolAdvance;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_rate_rules() {
        assert_eq!(ExchangeRate::new(0, 0), Ok(ExchangeRate::Flat));
        assert_eq!(ExchangeRate::new(10, 0), Ok(ExchangeRate::Flat));
        assert_eq!(ExchangeRate::new(1, 2), Err(RewardsError::InvalidExchangeRate));
        let r = ExchangeRate::new(3, 2).unwrap();
        assert_eq!(r.to_wal(3), Ok(4));
        assert_eq!(r.to_shares(4), Ok(2));
        let r = ExchangeRate::new(u64::MAX, 1).unwrap();
        assert!(r.to_wal(2).is_err());
        assert_eq!(calculate_rewards(10, ExchangeRate::Flat, ExchangeRate::Flat), Ok(0));
    }
}
