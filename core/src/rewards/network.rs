//! The whole Walrus economy as one state machine (REWARDS.md §1–§5): epochs and their timing,
//! the active set and committee selection, prices from votes, storage accounting, the burn,
//! rewards, commission and staking pools, deny lists and subsidies.
//!
//! [`Network`] composes the module's pieces in the order the Move contracts run them
//! (`staking_inner.move`, `system_state_inner.move`, `staking.move`), so that one value plays
//! both a simulation (`morsa rewards simulate`) and a local chain (the devnet's control plane):
//! the same calls give the same FROST. It is a plain value; every operation either succeeds
//! and advances it or returns a [`RewardsError`] and leaves it unchanged, as a Move
//! transaction commits or aborts. It serializes with serde (postcard for storage; node IDs and
//! addresses become `0x…` hex in human-readable formats).
//!
//! What it does not model: Sui objects and coins (the caller keeps balances and pays or
//! receives the amounts returned), epoch-sync signalling (an epoch change completes at once),
//! slashing, storage pools and the subsidy packages' own state (only the system entry points
//! are here).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::accounting::FutureAccountingRingBuffer;
use super::committee::{committee_initialize, committee_transition, dhondt, hex32, ActiveSet, NodeId, ShardAssignment};
use super::distribution::{distribute, NodeService};
use super::pricing::{blob_cost, capacity_from_votes, extension_offsets, recalculate_prices, storage_cost_per_epoch};
use super::pricing::{BlobCost, VotingParams};
use super::staking::{calculate_rewards, can_withdraw_early, PoolAdvance, StakedWal, StakingPool};
use super::{accounting, check_range, Checked, RewardsError, Rules};

/// An account address: 32 bytes (`"0x"` and 64 hex digits in human-readable formats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 32]);

impl Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        hex32::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        hex32::deserialize(deserializer).map(Address)
    }
}

/// The fixed parameters of a network (REWARDS.md §0.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NetworkParams {
    /// Shards in every committee (1000 on mainnet).
    pub n_shards: u16,
    /// The future-accounting ring length: how far ahead storage can be bought (53 on mainnet).
    pub max_epochs_ahead: u32,
    /// Which contracts to follow where they differ (REWARDS.md §0.1).
    pub rules: Rules,
    /// The epoch duration in ms for [`Network::tick`]; 0: epochs change only when asked.
    pub epoch_duration_ms: u64,
}

/// A storage node's on-chain state: its staking pool, votes and deny-list size.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Node {
    /// The node's staking pool (REWARDS.md §4).
    pub pool: StakingPool,
    /// The node's price and capacity votes (REWARDS.md §1.1–§1.2).
    pub votes: VotingParams,
    /// The node's deny-list size, deducted from its stored bytes (REWARDS.md §3.2).
    pub deny_list_size: u64,
}

/// A stake object: who staked how much with which node, and its state (REWARDS.md §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stake {
    /// The object's ID, unique in the network.
    pub id: u64,
    /// The node staked with.
    pub node: NodeId,
    /// The owner, who alone may withdraw it.
    pub owner: Address,
    /// Principal, activation and withdraw epochs.
    pub staked: StakedWal,
}

/// A change of votes (REWARDS.md §1.1–§1.2); `None` keeps the current vote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VoteUpdate {
    /// A new storage price vote, FROST per unit per epoch.
    pub storage_price: Option<u64>,
    /// A new write price vote, FROST per unit.
    pub write_price: Option<u64>,
    /// A new capacity vote, bytes.
    pub node_capacity: Option<u64>,
}

/// What [`Network::withdraw`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Withdrawal {
    /// The stake was paid out (and the object is gone): principal plus rewards, FROST.
    Withdrawn {
        /// FROST paid to the owner.
        amount: u64,
    },
    /// A withdrawal was requested; it can be completed from `withdraw_epoch`.
    Requested {
        /// The epoch from which the stake can be withdrawn.
        withdraw_epoch: u32,
    },
}

/// One committee member's reward at an epoch change (REWARDS.md §3.1, §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeReward {
    /// The node.
    pub node: NodeId,
    /// Shards it held in the closing epoch.
    pub shards: u16,
    /// Its reward for the closing epoch, FROST.
    pub reward: u64,
    /// The commission taken (blocked until the next `voting_end`), FROST.
    pub commission: u64,
    /// The stakers' part, added to the pool, FROST.
    pub pool_part: u64,
    /// The commission rate used, basis points.
    pub commission_rate: u16,
}

/// What an epoch change did (REWARDS.md §2 steps 1–4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EpochReport {
    /// The epoch that closed.
    pub closed_epoch: u32,
    /// The new epoch.
    pub epoch: u32,
    /// The closing epoch's bucket before the burn, FROST.
    pub collected: u64,
    /// The 3% burn, FROST.
    pub burned: u64,
    /// Paid to the committee, FROST.
    pub paid: u64,
    /// Rolled over into the new epoch's bucket, FROST.
    pub leftover: u64,
    /// The closing epoch's used capacity, bytes.
    pub used_capacity: u64,
    /// Per member of the closing committee, in ascending node-ID order.
    pub rewards: Vec<NodeReward>,
}

/// A transition [`Network::tick`] made.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    /// `voting_end`: the next committee was selected.
    VotingEnd {
        /// The epoch in which it happened.
        epoch: u32,
    },
    /// An epoch change.
    EpochChange(EpochReport),
}

/// A view of one node for reports and explorers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeSummary {
    /// The node.
    pub node: NodeId,
    /// Its pool's active stake, FROST.
    pub stake: u64,
    /// The stake it will have next epoch (what the active set sees), FROST.
    pub next_stake: u64,
    /// Rewards held for its stakers, FROST.
    pub rewards_pool: u64,
    /// Accumulated commission, FROST.
    pub commission: u64,
    /// Commission that cannot be collected yet, FROST.
    pub commission_blocked: u64,
    /// The commission rate in force, basis points.
    pub commission_rate: u16,
    /// Its votes.
    pub votes: VotingParams,
    /// Its deny-list size.
    pub deny_list_size: u64,
    /// Shard IDs in the current committee.
    pub shards: Vec<u16>,
    /// Shard IDs in the selected next committee (empty before `voting_end`).
    pub next_shards: Vec<u16>,
    /// Whether it is in the active set.
    pub in_active_set: bool,
}

/// A view of one stake object with its rewards so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StakeSummary {
    /// The stake object.
    #[serde(flatten)]
    pub stake: Stake,
    /// Rewards earned up to the current epoch (or the withdraw epoch), before the rewards-pool
    /// cap, FROST (REWARDS.md §4.5).
    pub rewards: u64,
}

/// A view of the whole network for reports and explorers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NetworkSummary {
    /// The parameters.
    pub params: NetworkParams,
    /// The current epoch.
    pub epoch: u32,
    /// Whether the next committee is selected.
    pub committee_selected: bool,
    /// When the current epoch started, ms.
    pub epoch_started_ms: u64,
    /// When [`Network::tick`] changes the epoch next (`None` without a duration), ms.
    pub next_epoch_change_ms: Option<u64>,
    /// The storage price, FROST per unit per epoch.
    pub storage_price: u64,
    /// The write price, FROST per unit.
    pub write_price: u64,
    /// The total capacity, bytes.
    pub total_capacity: u64,
    /// The capacity used in the current epoch, bytes.
    pub used_capacity: u64,
    /// FROST in the current epoch's bucket.
    pub current_rewards: u64,
    /// FROST burned since genesis.
    pub burned_total: u64,
    /// FROST paid to committees since genesis.
    pub paid_total: u64,
    /// The current committee: node IDs in ascending order with their shard IDs.
    pub committee: ShardAssignment,
}

/// The economy of a Walrus network (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    params: NetworkParams,
    epoch: u32,
    committee_selected: bool,
    epoch_started_ms: u64,
    nodes: BTreeMap<NodeId, Node>,
    stakes: BTreeMap<u64, Stake>,
    next_stake_id: u64,
    active_set: ActiveSet,
    ring: FutureAccountingRingBuffer,
    committee: ShardAssignment,
    previous_committee: ShardAssignment,
    next_committee: ShardAssignment,
    storage_price: u64,
    write_price: u64,
    next_capacity: u64,
    total_capacity: u64,
    burned_total: u64,
    paid_total: u64,
}

fn unknown_node() -> RewardsError {
    RewardsError::NotFound { what: "storage node" }
}

fn unknown_stake() -> RewardsError {
    RewardsError::NotFound { what: "stake object" }
}

impl Network {
    /// A network at epoch 0 created at `now_ms`, with no nodes, an empty committee and prices
    /// of 0 (REWARDS.md §1.1, §2).
    ///
    /// # Errors
    ///
    /// [`RewardsError::OutOfRange`] unless `1 <= max_epochs_ahead <= 1000` and `n_shards > 0`.
    pub fn new(params: NetworkParams, now_ms: u64) -> Result<Self, RewardsError> {
        check_range("n_shards", params.n_shards.into(), 1, u16::MAX.into())?;
        Ok(Self {
            params,
            epoch: 0,
            committee_selected: false,
            epoch_started_ms: now_ms,
            nodes: BTreeMap::new(),
            stakes: BTreeMap::new(),
            next_stake_id: 1,
            active_set: ActiveSet::new(params.rules.active_set_size_limit(), 0),
            ring: FutureAccountingRingBuffer::new(0, params.max_epochs_ahead)?,
            committee: Vec::new(),
            previous_committee: Vec::new(),
            next_committee: Vec::new(),
            storage_price: 0,
            write_price: 0,
            next_capacity: 0,
            total_capacity: 0,
            burned_total: 0,
            paid_total: 0,
        })
    }

    // ---- views ---------------------------------------------------------------------------

    /// The parameters.
    pub fn params(&self) -> &NetworkParams {
        &self.params
    }

    /// The current epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Whether the next committee is selected (after `voting_end`, REWARDS.md §2).
    pub fn committee_selected(&self) -> bool {
        self.committee_selected
    }

    /// The current committee: node IDs in ascending order with their shard IDs.
    pub fn committee(&self) -> &ShardAssignment {
        &self.committee
    }

    /// The selected next committee (empty before `voting_end`).
    pub fn next_committee(&self) -> &ShardAssignment {
        &self.next_committee
    }

    /// The previous epoch's committee.
    pub fn previous_committee(&self) -> &ShardAssignment {
        &self.previous_committee
    }

    /// `(storage_price, write_price)`, FROST per unit (per epoch for storage).
    pub fn prices(&self) -> (u64, u64) {
        (self.storage_price, self.write_price)
    }

    /// The total capacity, bytes (REWARDS.md §1.2).
    pub fn total_capacity(&self) -> u64 {
        self.total_capacity
    }

    /// The future-accounting ring (REWARDS.md §1.8).
    pub fn ring(&self) -> &FutureAccountingRingBuffer {
        &self.ring
    }

    /// The active set (REWARDS.md §5.1).
    pub fn active_set(&self) -> &ActiveSet {
        &self.active_set
    }

    /// A node's state.
    pub fn node(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    /// Every node, in ascending ID order.
    pub fn nodes(&self) -> impl Iterator<Item = (&NodeId, &Node)> + '_ {
        self.nodes.iter()
    }

    /// A stake object.
    pub fn stake_object(&self, id: u64) -> Option<&Stake> {
        self.stakes.get(&id)
    }

    /// Every stake object, in ID order.
    pub fn stakes(&self) -> impl Iterator<Item = &Stake> + '_ {
        self.stakes.values()
    }

    fn shards_in<'a>(committee: &'a ShardAssignment, node: &NodeId) -> Option<&'a Vec<u16>> {
        committee.iter().find(|(id, _)| id == node).map(|(_, s)| s)
    }

    /// A node's view.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node; [`RewardsError::Overflow`].
    pub fn node_summary(&self, id: &NodeId) -> Result<NodeSummary, RewardsError> {
        let node = self.nodes.get(id).ok_or_else(unknown_node)?;
        let pool = &node.pool;
        Ok(NodeSummary {
            node: *id,
            stake: pool.wal_balance(),
            next_stake: pool.wal_balance_at_epoch(self.stake_epoch()?)?,
            rewards_pool: pool.rewards_pool(),
            commission: pool.commission_amount(),
            commission_blocked: pool.commission_blocked(),
            commission_rate: pool.commission_rate(),
            votes: node.votes,
            deny_list_size: node.deny_list_size,
            shards: Self::shards_in(&self.committee, id).cloned().unwrap_or_default(),
            next_shards: Self::shards_in(&self.next_committee, id).cloned().unwrap_or_default(),
            in_active_set: self.active_set.contains(id),
        })
    }

    /// A stake object's view with its rewards so far.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown stake; [`RewardsError::Overflow`].
    pub fn stake_summary(&self, id: u64) -> Result<StakeSummary, RewardsError> {
        let stake = *self.stakes.get(&id).ok_or_else(unknown_stake)?;
        let pool = &self.nodes.get(&stake.node).ok_or_else(unknown_node)?.pool;
        let s = stake.staked;
        let until = s.withdraw_epoch.map_or(self.epoch, |w| w.min(self.epoch));
        let rewards = if s.activation_epoch <= until {
            calculate_rewards(
                s.principal,
                pool.exchange_rate_at_epoch(s.activation_epoch),
                pool.exchange_rate_at_epoch(until),
            )?
        } else {
            0
        };
        Ok(StakeSummary { stake, rewards })
    }

    /// The whole network's view.
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`].
    pub fn summary(&self) -> Result<NetworkSummary, RewardsError> {
        let current = self.ring.lookup(0)?;
        Ok(NetworkSummary {
            params: self.params,
            epoch: self.epoch,
            committee_selected: self.committee_selected,
            epoch_started_ms: self.epoch_started_ms,
            next_epoch_change_ms: self.next_epoch_change_ms(),
            storage_price: self.storage_price,
            write_price: self.write_price,
            total_capacity: self.total_capacity,
            used_capacity: current.used_capacity,
            current_rewards: current.rewards_to_distribute,
            burned_total: self.burned_total,
            paid_total: self.paid_total,
            committee: self.committee.clone(),
        })
    }

    /// When [`tick`](Self::tick) will change the epoch: the epoch start plus the duration, or
    /// `None` when epochs change only on demand.
    pub fn next_epoch_change_ms(&self) -> Option<u64> {
        (self.params.epoch_duration_ms > 0).then(|| self.epoch_started_ms.saturating_add(self.params.epoch_duration_ms))
    }

    /// The epoch whose stake the active set follows: `E + 1`, or `E + 2` once the committee is
    /// selected (REWARDS.md §4.6).
    fn stake_epoch(&self) -> Result<u32, RewardsError> {
        self.epoch
            .checked_add(if self.committee_selected { 2 } else { 1 })
            .ok_or(RewardsError::Overflow { operation: "epoch" })
    }

    fn update_active_set(&mut self, id: &NodeId) -> Result<(), RewardsError> {
        let epoch = self.stake_epoch()?;
        let node = self.nodes.get(id).ok_or_else(unknown_node)?;
        let stake = node.pool.wal_balance_at_epoch(epoch)?;
        self.active_set.insert_or_update(*id, stake);
        Ok(())
    }

    fn node_mut(&mut self, id: &NodeId) -> Result<&mut Node, RewardsError> {
        self.nodes.get_mut(id).ok_or_else(unknown_node)
    }

    // ---- nodes ---------------------------------------------------------------------------

    /// Registers a storage node with its commission rate and votes, `register_candidate`: its
    /// pool is created in the current epoch (REWARDS.md §4.1). It joins the active set once it
    /// has stake.
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidPoolState`] if the node exists; [`RewardsError::OutOfRange`] for
    /// a rate above 10 000 bp.
    pub fn register_node(&mut self, id: NodeId, commission_rate: u16, votes: VotingParams) -> Result<(), RewardsError> {
        if self.nodes.contains_key(&id) {
            return Err(RewardsError::InvalidPoolState { reason: "the storage node is already registered" });
        }
        let pool = StakingPool::new(self.epoch, self.committee_selected, commission_rate)?;
        self.nodes.insert(id, Node { pool, votes, deny_list_size: 0 });
        Ok(())
    }

    /// Changes a node's votes and updates the prices at once, as a vote and `update_prices` in
    /// one transaction (REWARDS.md §1.1).
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node; as
    /// [`recalculate_prices`](super::pricing::recalculate_prices).
    pub fn vote(&mut self, id: &NodeId, update: VoteUpdate) -> Result<(), RewardsError> {
        let mut votes = self.nodes.get(id).ok_or_else(unknown_node)?.votes;
        votes.storage_price = update.storage_price.unwrap_or(votes.storage_price);
        votes.write_price = update.write_price.unwrap_or(votes.write_price);
        votes.node_capacity = update.node_capacity.unwrap_or(votes.node_capacity);
        let old = core::mem::replace(&mut self.node_mut(id)?.votes, votes);
        if update.storage_price.is_some() || update.write_price.is_some() {
            if let Err(e) = self.update_prices() {
                self.node_mut(id)?.votes = old;
                return Err(e);
            }
        }
        Ok(())
    }

    /// `update_prices` (REWARDS.md §1.1): both prices from the current committee's votes. An
    /// empty committee gives `u64::MAX`.
    ///
    /// # Errors
    ///
    /// As [`recalculate_prices`](super::pricing::recalculate_prices).
    pub fn update_prices(&mut self) -> Result<(), RewardsError> {
        let mut members = Vec::with_capacity(self.committee.len());
        for (id, shards) in &self.committee {
            let node = self.nodes.get(id).ok_or_else(unknown_node)?;
            members.push((node.votes, super::cast(shards.len(), "shards")?));
        }
        let (storage, write) = recalculate_prices(members.iter().copied(), self.params.n_shards)?;
        self.storage_price = storage;
        self.write_price = write;
        Ok(())
    }

    /// Sets a node's deny-list size, which persists until overwritten (REWARDS.md §3.2).
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node.
    pub fn set_deny_list_size(&mut self, id: &NodeId, size: u64) -> Result<(), RewardsError> {
        self.node_mut(id)?.deny_list_size = size;
        Ok(())
    }

    /// `set_next_commission` (REWARDS.md §3.5): the rate applies from epoch `E + 2`.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node; [`RewardsError::OutOfRange`].
    pub fn set_commission_rate(&mut self, id: &NodeId, rate_bp: u16) -> Result<(), RewardsError> {
        let epoch = self.epoch;
        self.node_mut(id)?.pool.set_next_commission(rate_bp, epoch)
    }

    /// `collect_commission` (REWARDS.md §3.5): the unblocked commission, FROST, for the
    /// operator.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node.
    pub fn collect_commission(&mut self, id: &NodeId) -> Result<u64, RewardsError> {
        Ok(self.node_mut(id)?.pool.collect_commission())
    }

    // ---- staking -------------------------------------------------------------------------

    /// `stake_with_pool` (REWARDS.md §4.1): `owner` stakes `amount` FROST (paid by the caller)
    /// with `node`; the stake is active from `E + 1` (`E + 2` once the committee is selected)
    /// and counts for the next selection at once.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`] for an unknown node; [`RewardsError::StakeTooSmall`]
    /// below 1 WAL; [`RewardsError::Overflow`].
    pub fn stake(&mut self, owner: Address, node: &NodeId, amount: u64) -> Result<Stake, RewardsError> {
        let (epoch, selected) = (self.epoch, self.committee_selected);
        let mut pool = self.nodes.get(node).ok_or_else(unknown_node)?.pool.clone();
        let staked = pool.stake(amount, epoch, selected)?;
        let id = self.next_stake_id;
        let next_id = id.checked_add(1).or_overflow("stake id")?;
        pool.wal_balance_at_epoch(self.stake_epoch()?)?;
        self.node_mut(node)?.pool = pool;
        self.update_active_set(node)?;
        let stake = Stake { id, node: *node, owner, staked };
        self.stakes.insert(id, stake);
        self.next_stake_id = next_id;
        Ok(stake)
    }

    fn owned(&self, owner: &Address, stake_id: u64) -> Result<Stake, RewardsError> {
        let stake = *self.stakes.get(&stake_id).ok_or_else(unknown_stake)?;
        if stake.owner != *owner {
            return Err(RewardsError::NotOwner);
        }
        Ok(stake)
    }

    fn membership(&self, node: &NodeId) -> (bool, bool) {
        (Self::shards_in(&self.committee, node).is_some(), Self::shards_in(&self.next_committee, node).is_some())
    }

    /// Whether `stake_id` can be withdrawn in one step now (REWARDS.md §4.2 paths 1, 3, 4).
    fn withdraws_directly(&self, stake: &Stake) -> bool {
        let (in_current, in_next) = self.membership(&stake.node);
        let s = stake.staked;
        match s.withdraw_epoch {
            Some(w) => w <= self.epoch && s.activation_epoch <= self.epoch,
            None => can_withdraw_early(s.activation_epoch, false, self.epoch, in_next) || (!in_current && !in_next),
        }
    }

    /// `request_withdraw_stake` (REWARDS.md §4.2 path 2); returns the epoch from which the
    /// stake can be withdrawn.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`], [`RewardsError::NotOwner`]; [`RewardsError::InvalidPoolState`] for a stake that
    /// must be withdrawn directly or is already withdrawing.
    pub fn request_withdraw(&mut self, owner: &Address, stake_id: u64) -> Result<u32, RewardsError> {
        let mut stake = self.owned(owner, stake_id)?;
        let (in_current, in_next) = self.membership(&stake.node);
        let epoch = self.epoch;
        let mut pool = self.nodes.get(&stake.node).ok_or_else(unknown_node)?.pool.clone();
        pool.request_withdraw(&mut stake.staked, epoch, in_current, in_next)?;
        pool.wal_balance_at_epoch(self.stake_epoch()?)?;
        self.node_mut(&stake.node)?.pool = pool;
        self.update_active_set(&stake.node)?;
        self.stakes.insert(stake_id, stake);
        stake.staked.withdraw_epoch.ok_or(RewardsError::InvalidPoolState { reason: "no withdraw epoch" })
    }

    /// `withdraw_stake` (REWARDS.md §4.2 paths 1, 3, 4): pays out a stake that is due, or can
    /// be withdrawn directly; returns FROST for the owner and removes the object.
    ///
    /// # Errors
    ///
    /// [`RewardsError::NotFound`], [`RewardsError::NotOwner`]; [`RewardsError::InvalidPoolState`] for a withdrawal
    /// not due yet or one that must be requested first.
    pub fn complete_withdraw(&mut self, owner: &Address, stake_id: u64) -> Result<u64, RewardsError> {
        let stake = self.owned(owner, stake_id)?;
        let (in_current, in_next) = self.membership(&stake.node);
        let epoch = self.epoch;
        let mut pool = self.nodes.get(&stake.node).ok_or_else(unknown_node)?.pool.clone();
        let amount = pool.withdraw(stake.staked, epoch, in_current, in_next)?;
        pool.wal_balance_at_epoch(self.stake_epoch()?)?;
        self.node_mut(&stake.node)?.pool = pool;
        self.update_active_set(&stake.node)?;
        self.stakes.remove(&stake_id);
        Ok(amount)
    }

    /// Withdraws in whichever way applies now: pays out a due or directly withdrawable stake,
    /// else requests the withdrawal (`morsa withdraw`: once to request, once more to collect).
    ///
    /// # Errors
    ///
    /// As [`complete_withdraw`](Self::complete_withdraw) and
    /// [`request_withdraw`](Self::request_withdraw).
    pub fn withdraw(&mut self, owner: &Address, stake_id: u64) -> Result<Withdrawal, RewardsError> {
        let stake = self.owned(owner, stake_id)?;
        if self.withdraws_directly(&stake) {
            return Ok(Withdrawal::Withdrawn { amount: self.complete_withdraw(owner, stake_id)? });
        }
        if let Some(due_epoch) = stake.staked.withdraw_epoch {
            return Err(RewardsError::NotDue { epoch: self.epoch, due_epoch });
        }
        Ok(Withdrawal::Requested { withdraw_epoch: self.request_withdraw(owner, stake_id)? })
    }

    // ---- storage -------------------------------------------------------------------------

    /// `reserve_space` and `register_blob` for a blob of `unencoded_length` bytes stored for
    /// `epochs_ahead` epochs (REWARDS.md §1.5–§1.6): the storage payment into buckets
    /// `0..epochs_ahead` (capacity checked), the write fee into bucket 0. Returns the cost; the
    /// caller charges the buyer.
    ///
    /// # Errors
    ///
    /// [`RewardsError::OutOfRange`] unless `1 <= epochs_ahead <= max_epochs_ahead`;
    /// [`RewardsError::StorageExceeded`]; as [`blob_cost`].
    pub fn buy_storage(&mut self, unencoded_length: u64, epochs_ahead: u32) -> Result<BlobCost, RewardsError> {
        check_range("epochs_ahead", epochs_ahead.into(), 1, self.params.max_epochs_ahead.into())?;
        let cost =
            blob_cost(self.storage_price, self.write_price, unencoded_length, epochs_ahead, self.params.n_shards)?;
        let mut ring = self.ring.clone();
        ring.reserve(cost.encoded_length, 0, epochs_ahead, cost.storage_per_epoch, Some(self.total_capacity))?;
        ring.add_rewards(0, cost.write_fee)?;
        self.ring = ring;
        Ok(cost)
    }

    /// `register_blob` on storage the buyer already holds (a reused storage resource,
    /// REWARDS.md §1.6): only the write fee, into bucket 0. Returns it, FROST.
    ///
    /// # Errors
    ///
    /// As [`write_fee`](super::pricing::write_fee); [`RewardsError::Overflow`].
    pub fn pay_write_fee(&mut self, unencoded_length: u64) -> Result<u64, RewardsError> {
        let fee = super::pricing::write_fee(self.write_price, unencoded_length, self.params.n_shards)?;
        self.ring.add_rewards(0, fee)?;
        Ok(fee)
    }

    /// `extend_blob` (REWARDS.md §1.7): pays `storage_cost_per_epoch(storage_size)` into the
    /// `epochs` buckets after `end_epoch` (capacity checked); returns the cost, FROST.
    ///
    /// # Errors
    ///
    /// As [`extension_offsets`]; [`RewardsError::StorageExceeded`]; [`RewardsError::Overflow`].
    pub fn extend(&mut self, storage_size: u64, end_epoch: u32, epochs: u32) -> Result<u64, RewardsError> {
        let (start, end) = extension_offsets(self.epoch, end_epoch, epochs, self.params.max_epochs_ahead)?;
        let per_epoch = storage_cost_per_epoch(self.storage_price, storage_size)?;
        self.ring.reserve(storage_size, start, end, per_epoch, Some(self.total_capacity))
    }

    /// `add_subsidy(value, k)` (REWARDS.md §6.1): `value / k` FROST into buckets `0..k`, the
    /// remainder into bucket 0.
    ///
    /// # Errors
    ///
    /// As [`FutureAccountingRingBuffer::add_subsidy`].
    pub fn add_subsidy(&mut self, value: u64, epochs: u32) -> Result<(), RewardsError> {
        self.ring.add_subsidy(value, epochs)
    }

    // ---- epochs --------------------------------------------------------------------------

    /// `voting_end` (REWARDS.md §2): unblocks the previous committee's commission (§3.5),
    /// selects the next committee by capped D'Hondt over the active set with minimal shard
    /// movement (§5), and computes the capacity from its votes (§1.2).
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidEpochState`] if the committee is already selected;
    /// [`RewardsError::NoStake`] with an empty active set; as the apportionment.
    pub fn voting_end(&mut self) -> Result<(), RewardsError> {
        if self.committee_selected {
            return Err(RewardsError::InvalidEpochState { reason: "the next committee is already selected" });
        }
        let entries = self.active_set.nodes();
        let stakes: Vec<u64> = entries.iter().map(|(_, s)| *s).collect();
        let mut counts = alloc::vec![0u16; stakes.len()];
        dhondt(&stakes, self.params.n_shards, &mut counts)?;
        let new_counts: Vec<(NodeId, u16)> =
            entries.iter().zip(&counts).filter(|(_, c)| **c > 0).map(|((id, _), c)| (*id, *c)).collect();
        let next = if self.committee.is_empty() {
            committee_initialize(&new_counts)?
        } else {
            committee_transition(&self.committee, &new_counts)?
        };
        let mut members = Vec::with_capacity(next.len());
        for (id, shards) in &next {
            let node = self.nodes.get(id).ok_or_else(unknown_node)?;
            members.push((node.votes.node_capacity, super::cast(shards.len(), "shards")?));
        }
        let capacity = capacity_from_votes(members.iter().copied(), self.params.n_shards)?;
        for (id, _) in &self.previous_committee {
            if let Some(node) = self.nodes.get_mut(id) {
                node.pool.clear_blocked_commission();
            }
        }
        self.next_committee = next;
        self.next_capacity = capacity;
        self.committee_selected = true;
        Ok(())
    }

    /// The epoch change at `now_ms`, `initiate_epoch_change` (REWARDS.md §2 steps 1–4): burns
    /// 3% of the closing bucket, pops it, sets the capacity, pays the closing committee by
    /// shards and deny lists, rolls the leftover over, switches committees, advances the pools
    /// of the old and new members (commission split, pending stake and withdrawals) and
    /// updates the prices.
    ///
    /// # Errors
    ///
    /// [`RewardsError::InvalidEpochState`] before `voting_end`; any abort of the steps, with
    /// the network unchanged.
    pub fn epoch_change(&mut self, now_ms: u64) -> Result<EpochReport, RewardsError> {
        if !self.committee_selected {
            return Err(RewardsError::InvalidEpochState { reason: "the next committee is not selected" });
        }
        let mut next = self.clone();
        let report = next.epoch_change_in_place(now_ms)?;
        *self = next;
        Ok(report)
    }

    fn epoch_change_in_place(&mut self, now_ms: u64) -> Result<EpochReport, RewardsError> {
        let closed_epoch = self.epoch;
        let collected = self.ring.lookup(0)?.rewards_to_distribute;
        let burned = self.ring.extract_burn()?;
        let popped = self.ring.pop_expand()?;
        self.total_capacity = self.next_capacity.max(self.ring.lookup(0)?.used_capacity);
        let old = core::mem::take(&mut self.committee);
        let mut services = Vec::with_capacity(old.len());
        for (id, shards) in &old {
            let node = self.nodes.get(id).ok_or_else(unknown_node)?;
            services.push(NodeService {
                shards: super::cast(shards.len(), "shards")?,
                deny_list_size: node.deny_list_size,
            });
        }
        let mut rewards = alloc::vec![0u64; old.len()];
        let leftover = if old.is_empty() {
            popped.rewards_to_distribute
        } else {
            distribute(popped.rewards_to_distribute, popped.used_capacity, &services, &mut rewards)?
        };
        self.ring.add_rewards(0, leftover)?;
        self.committee = core::mem::take(&mut self.next_committee);
        self.previous_committee = old;
        self.committee_selected = false;
        self.epoch = self.epoch.checked_add(1).ok_or(RewardsError::Overflow { operation: "epoch + 1" })?;
        self.epoch_started_ms = now_ms;
        let epoch = self.epoch;
        let rules = self.params.rules;
        let mut report = Vec::with_capacity(rewards.len());
        let previous = self.previous_committee.clone();
        for ((id, shards), reward) in previous.iter().zip(&rewards) {
            let PoolAdvance { commission, pool_part, commission_rate } =
                self.node_mut(id)?.pool.advance_epoch(epoch, *reward, rules)?;
            self.update_active_set(id)?;
            report.push(NodeReward {
                node: *id,
                shards: super::cast(shards.len(), "shards")?,
                reward: *reward,
                commission,
                pool_part,
                commission_rate,
            });
        }
        let joined: Vec<NodeId> =
            self.committee.iter().map(|(id, _)| *id).filter(|id| Self::shards_in(&previous, id).is_none()).collect();
        for id in &joined {
            self.node_mut(id)?.pool.advance_epoch(epoch, 0, rules)?;
            self.update_active_set(id)?;
        }
        self.update_prices()?;
        let paid = rewards.iter().try_fold(0u64, |a, r| a.checked_add(*r)).or_overflow("paid")?;
        self.burned_total = self.burned_total.checked_add(burned).or_overflow("burned total")?;
        self.paid_total = self.paid_total.checked_add(paid).or_overflow("paid total")?;
        Ok(EpochReport {
            closed_epoch,
            epoch,
            collected,
            burned,
            paid,
            leftover,
            used_capacity: popped.used_capacity,
            rewards: report,
        })
    }

    /// `voting_end` if it has not run this epoch, then the epoch change: what an operator's
    /// "next epoch now" does.
    ///
    /// # Errors
    ///
    /// As [`voting_end`](Self::voting_end) and [`epoch_change`](Self::epoch_change); unchanged
    /// on error.
    pub fn advance_epoch(&mut self, now_ms: u64) -> Result<EpochReport, RewardsError> {
        let mut next = self.clone();
        if !next.committee_selected {
            next.voting_end()?;
        }
        let report = next.epoch_change_in_place(now_ms)?;
        *self = next;
        Ok(report)
    }

    /// Runs the transitions due at `now_ms` with the epoch duration `d` (REWARDS.md §2):
    /// `voting_end` from half an epoch after its start, the epoch change from a full epoch.
    /// Nothing without a duration. At most one epoch change per call.
    ///
    /// # Errors
    ///
    /// As [`voting_end`](Self::voting_end) and [`epoch_change`](Self::epoch_change).
    pub fn tick(&mut self, now_ms: u64) -> Result<Vec<Transition>, RewardsError> {
        let d = self.params.epoch_duration_ms;
        let mut done = Vec::new();
        if d == 0 {
            return Ok(done);
        }
        if !self.committee_selected && now_ms >= self.epoch_started_ms.saturating_add(d / 2) {
            self.voting_end()?;
            done.push(Transition::VotingEnd { epoch: self.epoch });
        }
        if self.committee_selected && now_ms >= self.epoch_started_ms.saturating_add(d) {
            done.push(Transition::EpochChange(self.epoch_change(now_ms)?));
        }
        Ok(done)
    }

    /// The FROST the network holds for the future: every bucket's rewards (REWARDS.md §1.8).
    pub fn future_rewards(&self) -> u128 {
        self.ring.buckets().map(|b| u128::from(b.rewards_to_distribute)).sum()
    }

    /// The burn the current bucket would give now (REWARDS.md §3.3).
    ///
    /// # Errors
    ///
    /// [`RewardsError::Overflow`].
    pub fn pending_burn(&self) -> Result<u64, RewardsError> {
        accounting::burn_amount(self.ring.lookup(0)?.rewards_to_distribute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewards::FROST_PER_WAL;

    const WAL: u64 = FROST_PER_WAL;

    fn params() -> NetworkParams {
        NetworkParams { n_shards: 100, max_epochs_ahead: 10, rules: Rules::Mainnet, epoch_duration_ms: 1_000 }
    }

    fn votes() -> VotingParams {
        VotingParams { storage_price: 100_000, write_price: 20_000, node_capacity: 1 << 40 }
    }

    fn genesis(stakes: &[u64]) -> Network {
        let mut n = Network::new(params(), 0).unwrap();
        for (i, s) in stakes.iter().enumerate() {
            let id = NodeId::from(i as u64 + 1);
            n.register_node(id, 1_000, votes()).unwrap();
            n.stake(Address([0xAA; 32]), &id, *s).unwrap();
        }
        n.advance_epoch(0).unwrap();
        n
    }

    #[test]
    fn genesis_selects_a_committee_by_stake() {
        let n = genesis(&[100 * WAL, 300 * WAL]);
        assert_eq!(n.epoch(), 1);
        let shards: Vec<usize> = n.committee().iter().map(|(_, s)| s.len()).collect();
        assert_eq!(shards, [25, 75]);
        assert_eq!(n.prices(), (100_000, 20_000));
        assert_eq!(n.total_capacity(), capacity_from_votes([(1 << 40, 25), (1 << 40, 75)], 100).unwrap());
    }

    #[test]
    fn purchases_pay_the_committee_and_stake_moves_shards() {
        let mut n = genesis(&[100 * WAL, 100 * WAL]);
        let cost = n.buy_storage(10 << 20, 3).unwrap();
        assert_eq!(cost.total, 3 * cost.storage_per_epoch + cost.write_fee);
        let delegator = Address([7; 32]);
        let a = NodeId::from(1);
        let extra = n.stake(delegator, &a, 200 * WAL).unwrap();
        assert_eq!(extra.staked.activation_epoch, 2);
        let report = n.advance_epoch(1_000).unwrap();
        let bucket = cost.storage_per_epoch + cost.write_fee;
        assert_eq!(report.collected, bucket);
        assert_eq!(report.burned + report.paid + report.leftover, bucket);
        assert_eq!(report.rewards.len(), 2);
        // The new stake counted for the selection: node 1 now holds 3/4 of the shards.
        let shards: Vec<usize> = n.committee().iter().map(|(_, s)| s.len()).collect();
        assert_eq!(shards, [75, 25]);
        // The delegator earns from epoch 2: rewards of epoch 2 arrive at the change to 3.
        assert_eq!(n.stake_summary(extra.id).unwrap().rewards, 0);
        n.advance_epoch(2_000).unwrap();
        let earned = n.stake_summary(extra.id).unwrap().rewards;
        assert!(earned > 0);
        // Two-step withdrawal: request, then collect at the withdraw epoch.
        assert!(n.withdraw(&Address([8; 32]), extra.id).is_err(), "not the owner");
        let before = n.clone();
        let Withdrawal::Requested { withdraw_epoch } = n.withdraw(&delegator, extra.id).unwrap() else { panic!() };
        assert_eq!(withdraw_epoch, 4);
        assert!(n.withdraw(&delegator, extra.id).is_err(), "not due");
        assert!(before != n);
        n.advance_epoch(3_000).unwrap();
        let Withdrawal::Withdrawn { amount } = n.withdraw(&delegator, extra.id).unwrap() else { panic!() };
        assert!(amount > 200 * WAL);
        assert!(n.stake_object(extra.id).is_none());
    }

    #[test]
    fn early_withdrawal_returns_the_principal() {
        let mut n = genesis(&[100 * WAL, 100 * WAL]);
        let owner = Address([3; 32]);
        let s = n.stake(owner, &NodeId::from(2), 5 * WAL).unwrap();
        assert_eq!(n.withdraw(&owner, s.id), Ok(Withdrawal::Withdrawn { amount: 5 * WAL }));
        assert_eq!(n.node_summary(&NodeId::from(2)).unwrap().next_stake, 100 * WAL);
    }

    #[test]
    fn tick_follows_the_epoch_duration() {
        let mut n = genesis(&[100 * WAL]);
        assert_eq!(n.tick(499).unwrap(), []);
        assert_eq!(n.tick(500).unwrap(), [Transition::VotingEnd { epoch: 1 }]);
        assert!(n.committee_selected());
        let done = n.tick(1_000).unwrap();
        assert!(matches!(done.as_slice(), [Transition::EpochChange(r)] if r.epoch == 2));
        assert_eq!(n.next_epoch_change_ms(), Some(2_000));
    }

    #[test]
    fn failures_leave_the_network_unchanged() {
        let mut n = genesis(&[100 * WAL]);
        let before = n.clone();
        assert!(n.buy_storage(1, 0).is_err());
        assert!(n.buy_storage(1, 11).is_err());
        assert!(n.buy_storage(u64::MAX, 1).is_err());
        assert!(n.stake(Address::default(), &NodeId::from(9), WAL).is_err());
        assert!(n.stake(Address::default(), &NodeId::from(1), WAL - 1).is_err());
        assert!(n.register_node(NodeId::from(1), 0, votes()).is_err());
        assert!(n.set_commission_rate(&NodeId::from(1), 10_001).is_err());
        assert!(n.epoch_change(5).is_err());
        assert!(n.extend(1 << 20, 1, 1).is_err(), "ends now");
        assert!(n.extend(1 << 20, 3, 9).is_err(), "past the ring");
        assert_eq!(n, before);
        let fee = n.pay_write_fee(1 << 20).unwrap();
        assert_eq!(fee, crate::rewards::pricing::write_fee(20_000, 1 << 20, 100).unwrap());
        assert_eq!(n.ring().lookup(0).unwrap().rewards_to_distribute, fee);
        let cost = n.extend(1 << 20, 3, 2).unwrap();
        assert_eq!(cost, 2 * crate::rewards::pricing::storage_cost_per_epoch(100_000, 1 << 20).unwrap());
        assert_eq!(n.ring().lookup(2).unwrap().used_capacity, 1 << 20);
        assert_eq!(n.ring().lookup(4).unwrap().used_capacity, 0);
    }

    #[test]
    fn postcard_round_trip_and_checked_decoding() {
        let mut n = genesis(&[100 * WAL, 50 * WAL]);
        n.buy_storage(1 << 20, 2).unwrap();
        n.advance_epoch(1).unwrap();
        let bytes = postcard::to_allocvec(&n).unwrap();
        let back: Network = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, n);
        // Arbitrary bytes never panic.
        for cut in 0..bytes.len() {
            let _ = postcard::from_bytes::<Network>(&bytes[..cut]);
        }
    }
}
