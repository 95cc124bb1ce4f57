//! The reward math (REWARDS.md) over Python ints: conversion and error mapping only; every
//! rule lives in `morsa_core::rewards`.
//!
//! Integer arguments out of their Rust type's range (negative, or too large) raise
//! `RewardsError`, like every abort of the contracts, not `OverflowError`.

use morsa_core::rewards::accounting::{self, FutureAccounting, FutureAccountingRingBuffer};
use morsa_core::rewards::committee::{self, ActiveSet as CoreActiveSet, NodeId};
use morsa_core::rewards::distribution::{self, NodeService};
use morsa_core::rewards::epoch::{EpochClock, EpochState};
use morsa_core::rewards::pricing::{self, VotingParams};
use morsa_core::rewards::staking::{self, ExchangeRate, StakedWal as CoreStakedWal, StakingPool as CorePool};
use morsa_core::rewards::subsidies;
use morsa_core::rewards::{RewardsError as CoreError, Rules};
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyInt};

use crate::common::{parse, RewardsError};

fn err(e: CoreError) -> PyErr {
    crate::common::py_err(e)
}

/// An integer argument of Rust type `T`; out-of-range values raise `RewardsError`.
#[derive(Clone, Copy)]
pub(crate) struct Int<T>(pub(crate) T);

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for Int<$t> {
            type Error = PyErr;

            fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                match obj.extract::<$t>() {
                    Ok(v) => Ok(Int(v)),
                    Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => Err(RewardsError::new_err(format!(
                        "{} is out of range for a {} ({}..={})",
                        obj.str().map(|s| s.to_string()).unwrap_or_default(),
                        stringify!($t),
                        <$t>::MIN,
                        <$t>::MAX
                    ))),
                    Err(e) => Err(e),
                }
            }
        }
    )*};
}

int_arg!(u8, u16, u32, u64);

/// A node ID: a non-negative int below 2^256 (the u256 Move compares), 32 bytes, or a hex
/// string (64 digits, `0x` optional).
pub(crate) struct Id(pub(crate) NodeId);

impl<'a, 'py> FromPyObject<'a, 'py> for Id {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let bytes: Vec<u8> = if obj.is_instance_of::<PyInt>() {
            match obj.call_method1("to_bytes", (32, "big")) {
                Ok(b) => b.extract()?,
                Err(e) if e.is_instance_of::<PyOverflowError>(obj.py()) => {
                    return Err(RewardsError::new_err("a node ID must be an int in 0..2**256"))
                }
                Err(e) => return Err(e),
            }
        } else if obj.is_instance_of::<PyBytes>() {
            obj.extract()?
        } else if let Ok(text) = obj.extract::<&str>() {
            return text.parse().map(Id).map_err(|_| {
                crate::common::InvalidArgumentError::new_err(format!(
                    "{text:?} is not a node ID (64 hex digits, 0x optional)"
                ))
            });
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err("a node ID must be an int, 32 bytes or a hex string"));
        };
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| RewardsError::new_err(format!("a node ID must be 32 bytes, got {}", b.len())))?;
        Ok(Id(NodeId(array)))
    }
}

fn id_to_py<'py>(py: Python<'py>, id: &NodeId) -> PyResult<Bound<'py, PyAny>> {
    py.get_type::<PyInt>().call_method1("from_bytes", (PyBytes::new(py, &id.0), "big"))
}

pub(crate) fn parse_rules(rules: &str) -> PyResult<Rules> {
    parse(rules)
}

fn rate_from(rate: (Int<u64>, Int<u64>)) -> PyResult<ExchangeRate> {
    ExchangeRate::new(rate.0 .0, rate.1 .0).map_err(err)
}

fn rate_to(rate: ExchangeRate) -> (u128, u128) {
    match rate {
        ExchangeRate::Flat => (0, 0),
        ExchangeRate::Variable { wal, shares } => (wal, shares),
    }
}

// ---------------------------------------------------------------------------------------------
// §1: prices and costs

#[pyfunction]
fn is_quorum(weight: Int<u64>, n_shards: Int<u64>) -> PyResult<bool> {
    pricing::is_quorum(weight.0, n_shards.0).map_err(err)
}

fn pairs(v: Vec<(Int<u64>, Int<u16>)>) -> Vec<(u64, u16)> {
    v.into_iter().map(|(a, b)| (a.0, b.0)).collect()
}

#[pyfunction]
fn quorum_below(votes: Vec<(Int<u64>, Int<u16>)>, n_shards: Int<u16>) -> PyResult<u64> {
    pricing::quorum_below(pairs(votes), n_shards.0).map_err(err)
}

#[pyfunction]
fn quorum_above(votes: Vec<(Int<u64>, Int<u16>)>, n_shards: Int<u16>) -> PyResult<u64> {
    pricing::quorum_above(pairs(votes), n_shards.0).map_err(err)
}

#[pyfunction]
fn recalculate_prices(members: Vec<(Int<u64>, Int<u64>, Int<u16>)>, n_shards: Int<u16>) -> PyResult<(u64, u64)> {
    let members: Vec<(VotingParams, u16)> = members
        .into_iter()
        .map(|(s, w, shards)| (VotingParams { storage_price: s.0, write_price: w.0, node_capacity: 0 }, shards.0))
        .collect();
    pricing::recalculate_prices(members, n_shards.0).map_err(err)
}

#[pyfunction]
fn capacity_vote(node_capacity: Int<u64>, n_shards: Int<u16>, weight: Int<u16>) -> PyResult<u64> {
    pricing::capacity_vote(node_capacity.0, n_shards.0, weight.0).map_err(err)
}

#[pyfunction]
fn capacity_from_votes(members: Vec<(Int<u64>, Int<u16>)>, n_shards: Int<u16>) -> PyResult<u64> {
    pricing::capacity_from_votes(pairs(members), n_shards.0).map_err(err)
}

#[pyfunction]
#[pyo3(signature = (size, n_shards, encoding_type = Int(1)), text_signature = "(size, n_shards, encoding_type=1)")]
fn encoded_blob_length(size: Int<u64>, n_shards: Int<u16>, encoding_type: Int<u8>) -> PyResult<u64> {
    pricing::encoded_blob_length(size.0, encoding_type.0, n_shards.0).map_err(err)
}

#[pyfunction]
fn storage_units(size: Int<u64>) -> u64 {
    pricing::storage_units(size.0)
}

#[pyfunction]
fn storage_cost_per_epoch(storage_price: Int<u64>, size: Int<u64>) -> PyResult<u64> {
    pricing::storage_cost_per_epoch(storage_price.0, size.0).map_err(err)
}

#[pyfunction]
fn storage_cost(storage_price: Int<u64>, size: Int<u64>, epochs: Int<u32>) -> PyResult<u64> {
    pricing::storage_cost(storage_price.0, size.0, epochs.0).map_err(err)
}

#[pyfunction]
fn write_fee(write_price: Int<u64>, size: Int<u64>, n_shards: Int<u16>) -> PyResult<u64> {
    pricing::write_fee(write_price.0, size.0, n_shards.0).map_err(err)
}

#[pyfunction]
fn blob_cost<'py>(
    py: Python<'py>,
    storage_price: Int<u64>,
    write_price: Int<u64>,
    size: Int<u64>,
    epochs: Int<u32>,
    n_shards: Int<u16>,
) -> PyResult<Bound<'py, PyAny>> {
    let c = pricing::blob_cost(storage_price.0, write_price.0, size.0, epochs.0, n_shards.0).map_err(err)?;
    crate::network::to_py(py, &c)
}

#[pyfunction]
fn reservation_offsets(
    current_epoch: Int<u32>,
    start_epoch: Int<u32>,
    end_epoch: Int<u32>,
    max_epochs_ahead: Int<u32>,
) -> PyResult<(u32, u32)> {
    pricing::reservation_offsets(current_epoch.0, start_epoch.0, end_epoch.0, max_epochs_ahead.0).map_err(err)
}

#[pyfunction]
fn extension_offsets(
    current_epoch: Int<u32>,
    end_epoch: Int<u32>,
    extended_epochs: Int<u32>,
    max_epochs_ahead: Int<u32>,
) -> PyResult<(u32, u32)> {
    pricing::extension_offsets(current_epoch.0, end_epoch.0, extended_epochs.0, max_epochs_ahead.0).map_err(err)
}

#[pyfunction]
fn decrease_unused_by_percent(unused: Int<u64>, percent: Int<u8>) -> PyResult<u64> {
    pricing::decrease_unused_by_percent(unused.0, percent.0).map_err(err)
}

// ---------------------------------------------------------------------------------------------
// §3: the epoch change

#[pyfunction]
fn burn_amount(bucket_value: Int<u64>) -> PyResult<u64> {
    accounting::burn_amount(bucket_value.0).map_err(err)
}

fn services(nodes: Vec<(Int<u16>, Int<u64>)>) -> Vec<NodeService> {
    nodes.into_iter().map(|(w, d)| NodeService { shards: w.0, deny_list_size: d.0 }).collect()
}

#[pyfunction]
fn distribute(
    rewards: Int<u64>,
    used_capacity: Int<u64>,
    nodes: Vec<(Int<u16>, Int<u64>)>,
) -> PyResult<(Vec<u64>, u64)> {
    let nodes = services(nodes);
    let mut out = vec![0; nodes.len()];
    let leftover = distribution::distribute(rewards.0, used_capacity.0, &nodes, &mut out).map_err(err)?;
    Ok((out, leftover))
}

#[pyfunction]
fn epoch_rewards<'py>(
    py: Python<'py>,
    bucket_value: Int<u64>,
    used_capacity: Int<u64>,
    nodes: Vec<(Int<u16>, Int<u64>)>,
) -> PyResult<Bound<'py, PyAny>> {
    /// The distribution with the reward of each node, in the order given.
    #[derive(serde::Serialize)]
    struct WithRewards {
        #[serde(flatten)]
        totals: distribution::EpochRewards,
        rewards: Vec<u64>,
    }
    let nodes = services(nodes);
    let mut rewards = vec![0; nodes.len()];
    let totals = distribution::epoch_rewards(bucket_value.0, used_capacity.0, &nodes, &mut rewards).map_err(err)?;
    crate::network::to_py(py, &WithRewards { totals, rewards })
}

#[pyfunction]
fn commission_split(reward: Int<u64>, rate_bp: Int<u16>) -> PyResult<(u64, u64)> {
    distribution::commission_split(reward.0, rate_bp.0).map_err(err)
}

// ---------------------------------------------------------------------------------------------
// §4: staking

#[pyfunction]
fn calculate_rewards(
    principal: Int<u64>,
    activation_rate: (Int<u64>, Int<u64>),
    withdraw_rate: (Int<u64>, Int<u64>),
) -> PyResult<u64> {
    staking::calculate_rewards(principal.0, rate_from(activation_rate)?, rate_from(withdraw_rate)?).map_err(err)
}

/// A stake object (REWARDS.md §4.1): principal, activation epoch, withdraw epoch (or None).
#[pyclass(frozen, module = "morsa._native", name = "StakedWal")]
#[derive(Clone, Copy)]
struct PyStakedWal(CoreStakedWal);

#[pymethods]
impl PyStakedWal {
    #[new]
    #[pyo3(signature = (principal, activation_epoch, withdraw_epoch = None))]
    fn new(principal: Int<u64>, activation_epoch: Int<u32>, withdraw_epoch: Option<Int<u32>>) -> Self {
        Self(CoreStakedWal {
            principal: principal.0,
            activation_epoch: activation_epoch.0,
            withdraw_epoch: withdraw_epoch.map(|w| w.0),
        })
    }

    #[getter]
    fn principal(&self) -> u64 {
        self.0.principal
    }

    #[getter]
    fn activation_epoch(&self) -> u32 {
        self.0.activation_epoch
    }

    #[getter]
    fn withdraw_epoch(&self) -> Option<u32> {
        self.0.withdraw_epoch
    }

    fn split(&self, amount: Int<u64>) -> PyResult<(Self, Self)> {
        let mut rest = self.0;
        let part = rest.split(amount.0).map_err(err)?;
        Ok((Self(rest), Self(part)))
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    fn __repr__(&self) -> String {
        format!(
            "StakedWal(principal={}, activation_epoch={}, withdraw_epoch={})",
            self.0.principal,
            self.0.activation_epoch,
            self.0.withdraw_epoch.map_or("None".to_string(), |w| w.to_string())
        )
    }
}

/// A staking pool's accounts (REWARDS.md §3.4–§4.6). Every method either succeeds or raises
/// RewardsError and leaves the pool unchanged.
#[pyclass(module = "morsa._native", name = "StakingPool")]
#[derive(Clone)]
struct PyStakingPool(CorePool);

#[pymethods]
impl PyStakingPool {
    #[new]
    #[pyo3(signature = (current_epoch = Int(0), committee_selected = false, commission_rate = Int(0)), text_signature = "(current_epoch=0, committee_selected=False, commission_rate=0)")]
    fn new(current_epoch: Int<u32>, committee_selected: bool, commission_rate: Int<u16>) -> PyResult<Self> {
        CorePool::new(current_epoch.0, committee_selected, commission_rate.0).map(Self).map_err(err)
    }

    #[getter]
    fn wal_balance(&self) -> u64 {
        self.0.wal_balance()
    }

    #[getter]
    fn num_shares(&self) -> u64 {
        self.0.num_shares()
    }

    #[getter]
    fn rewards_pool(&self) -> u64 {
        self.0.rewards_pool()
    }

    #[getter]
    fn commission_rate(&self) -> u16 {
        self.0.commission_rate()
    }

    #[getter]
    fn commission_amount(&self) -> u64 {
        self.0.commission_amount()
    }

    #[getter]
    fn commission_blocked(&self) -> u64 {
        self.0.commission_blocked()
    }

    #[getter]
    fn latest_epoch(&self) -> u32 {
        self.0.latest_epoch()
    }

    #[getter]
    fn activation_epoch(&self) -> u32 {
        self.0.activation_epoch()
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    fn exchange_rate_at_epoch(&self, epoch: Int<u32>) -> (u128, u128) {
        rate_to(self.0.exchange_rate_at_epoch(epoch.0))
    }

    #[pyo3(signature = (amount, current_epoch, committee_selected = false))]
    fn stake(&mut self, amount: Int<u64>, current_epoch: Int<u32>, committee_selected: bool) -> PyResult<PyStakedWal> {
        self.0.stake(amount.0, current_epoch.0, committee_selected).map(PyStakedWal).map_err(err)
    }

    fn wal_balance_at_epoch(&self, epoch: Int<u32>) -> PyResult<u64> {
        self.0.wal_balance_at_epoch(epoch.0).map_err(err)
    }

    #[pyo3(signature = (epoch, reward, rules = "mainnet"))]
    fn advance_epoch(&mut self, epoch: Int<u32>, reward: Int<u64>, rules: &str) -> PyResult<(u64, u64, u16)> {
        let a = self.0.advance_epoch(epoch.0, reward.0, parse_rules(rules)?).map_err(err)?;
        Ok((a.commission, a.pool_part, a.commission_rate))
    }

    fn set_next_commission(&mut self, rate_bp: Int<u16>, current_epoch: Int<u32>) -> PyResult<()> {
        self.0.set_next_commission(rate_bp.0, current_epoch.0).map_err(err)
    }

    #[pyo3(signature = (amount, block = true))]
    fn add_commission(&mut self, amount: Int<u64>, block: bool) -> PyResult<()> {
        self.0.add_commission(amount.0, block).map_err(err)
    }

    fn clear_blocked_commission(&mut self) {
        self.0.clear_blocked_commission()
    }

    fn collect_commission(&mut self) -> u64 {
        self.0.collect_commission()
    }

    fn request_withdraw(
        &mut self,
        staked: &PyStakedWal,
        current_epoch: Int<u32>,
        in_current: bool,
        in_next: bool,
    ) -> PyResult<PyStakedWal> {
        let mut sw = staked.0;
        self.0.request_withdraw(&mut sw, current_epoch.0, in_current, in_next).map_err(err)?;
        Ok(PyStakedWal(sw))
    }

    fn withdraw(
        &mut self,
        staked: &PyStakedWal,
        current_epoch: Int<u32>,
        in_current: bool,
        in_next: bool,
    ) -> PyResult<u64> {
        self.0.withdraw(staked.0, current_epoch.0, in_current, in_next).map_err(err)
    }

    fn __repr__(&self) -> String {
        format!(
            "StakingPool(wal_balance={}, num_shares={}, rewards_pool={}, commission_rate={}, latest_epoch={})",
            self.0.wal_balance(),
            self.0.num_shares(),
            self.0.rewards_pool(),
            self.0.commission_rate(),
            self.0.latest_epoch()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// §1.8: the ring buffer

fn bucket(b: &FutureAccounting) -> (u32, u64, u64) {
    (b.epoch, b.used_capacity, b.rewards_to_distribute)
}

/// The future-accounting ring buffer (REWARDS.md §1.8); buckets are
/// (epoch, used_capacity, rewards_to_distribute).
#[pyclass(module = "morsa._native", name = "FutureAccounting")]
#[derive(Clone)]
struct PyRing(FutureAccountingRingBuffer);

#[pymethods]
impl PyRing {
    #[new]
    #[pyo3(signature = (length, first_epoch = Int(0)), text_signature = "(length, first_epoch=0)")]
    fn new(length: Int<u32>, first_epoch: Int<u32>) -> PyResult<Self> {
        FutureAccountingRingBuffer::new(first_epoch.0, length.0).map(Self).map_err(err)
    }

    fn __len__(&self) -> usize {
        self.0.len() as usize
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    fn lookup(&self, offset: Int<u32>) -> PyResult<(u32, u64, u64)> {
        self.0.lookup(offset.0).map(bucket).map_err(err)
    }

    fn buckets(&self) -> Vec<(u32, u64, u64)> {
        self.0.buckets().map(bucket).collect()
    }

    fn pop_expand(&mut self) -> PyResult<(u32, u64, u64)> {
        self.0.pop_expand().map(|b| bucket(&b)).map_err(err)
    }

    fn extract_burn(&mut self) -> PyResult<u64> {
        self.0.extract_burn().map_err(err)
    }

    fn add_rewards(&mut self, offset: Int<u32>, amount: Int<u64>) -> PyResult<()> {
        self.0.add_rewards(offset.0, amount.0).map_err(err)
    }

    #[pyo3(signature = (size, start_offset, end_offset, per_epoch, total_capacity = None))]
    fn reserve(
        &mut self,
        size: Int<u64>,
        start_offset: Int<u32>,
        end_offset: Int<u32>,
        per_epoch: Int<u64>,
        total_capacity: Option<Int<u64>>,
    ) -> PyResult<u64> {
        self.0.reserve(size.0, start_offset.0, end_offset.0, per_epoch.0, total_capacity.map(|c| c.0)).map_err(err)
    }

    fn add_subsidy(&mut self, value: Int<u64>, epochs: Int<u32>) -> PyResult<()> {
        self.0.add_subsidy(value.0, epochs.0).map_err(err)
    }

    fn add_per_epoch_subsidies(&mut self, amounts: Vec<Int<u64>>) -> PyResult<()> {
        let amounts: Vec<u64> = amounts.into_iter().map(|a| a.0).collect();
        self.0.add_per_epoch_subsidies(&amounts).map_err(err)
    }
}

// ---------------------------------------------------------------------------------------------
// §2: epoch timing

/// The epoch-change state machine (REWARDS.md §2); times are milliseconds.
#[pyclass(module = "morsa._native", name = "EpochClock")]
#[derive(Clone)]
struct PyEpochClock(EpochClock);

#[pymethods]
impl PyEpochClock {
    #[new]
    fn new(now_ms: Int<u64>, epoch_zero_duration_ms: Int<u64>, epoch_duration_ms: Int<u64>) -> PyResult<Self> {
        EpochClock::new(now_ms.0, epoch_zero_duration_ms.0, epoch_duration_ms.0).map(Self).map_err(err)
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.0.epoch()
    }

    #[getter]
    fn state(&self) -> (&'static str, u64) {
        match self.0.state() {
            EpochState::EpochChangeSync { weight } => ("EpochChangeSync", u64::from(weight)),
            EpochState::EpochChangeDone { at_ms } => ("EpochChangeDone", at_ms),
            EpochState::NextParamsSelected { at_ms } => ("NextParamsSelected", at_ms),
        }
    }

    #[getter]
    fn committee_selected(&self) -> bool {
        self.0.committee_selected()
    }

    fn copy(&self) -> Self {
        self.clone()
    }

    fn epoch_sync_done(
        &mut self,
        epoch: Int<u32>,
        shards: Int<u16>,
        n_shards: Int<u16>,
        now_ms: Int<u64>,
    ) -> PyResult<bool> {
        self.0.epoch_sync_done(epoch.0, shards.0, n_shards.0, now_ms.0).map_err(err)
    }

    fn voting_end(&mut self, now_ms: Int<u64>) -> PyResult<()> {
        self.0.voting_end(now_ms.0).map_err(err)
    }

    fn initiate_epoch_change(&mut self, now_ms: Int<u64>) -> PyResult<u32> {
        self.0.initiate_epoch_change(now_ms.0).map_err(err)
    }
}

// ---------------------------------------------------------------------------------------------
// §5: committee selection

#[pyfunction]
fn max_shards_per_node(n_nodes: usize, n_shards: Int<u16>) -> PyResult<u64> {
    committee::max_shards_per_node(n_nodes, n_shards.0).map_err(err)
}

#[pyfunction]
fn dhondt(py: Python<'_>, stakes: Vec<Int<u64>>, n_shards: Int<u16>) -> PyResult<Vec<u16>> {
    let stakes: Vec<u64> = stakes.into_iter().map(|s| s.0).collect();
    let mut out = vec![0u16; stakes.len()];
    py.detach(|| committee::dhondt(&stakes, n_shards.0, &mut out)).map_err(err)?;
    Ok(out)
}

fn assignment_to_py<'py>(py: Python<'py>, a: &[(NodeId, Vec<u16>)]) -> PyResult<Vec<(Bound<'py, PyAny>, Vec<u16>)>> {
    a.iter().map(|(id, s)| Ok((id_to_py(py, id)?, s.clone()))).collect()
}

#[pyfunction]
fn committee_initialize<'py>(
    py: Python<'py>,
    counts: Vec<(Id, Int<u16>)>,
) -> PyResult<Vec<(Bound<'py, PyAny>, Vec<u16>)>> {
    let counts: Vec<(NodeId, u16)> = counts.into_iter().map(|(id, c)| (id.0, c.0)).collect();
    assignment_to_py(py, &committee::committee_initialize(&counts).map_err(err)?)
}

#[pyfunction]
fn committee_transition<'py>(
    py: Python<'py>,
    old: Vec<(Id, Vec<Int<u16>>)>,
    new_counts: Vec<(Id, Int<u16>)>,
) -> PyResult<Vec<(Bound<'py, PyAny>, Vec<u16>)>> {
    let old: Vec<(NodeId, Vec<u16>)> =
        old.into_iter().map(|(id, s)| (id.0, s.into_iter().map(|x| x.0).collect())).collect();
    let counts: Vec<(NodeId, u16)> = new_counts.into_iter().map(|(id, c)| (id.0, c.0)).collect();
    assignment_to_py(py, &committee::committee_transition(&old, &counts).map_err(err)?)
}

/// The active set (REWARDS.md §5.1): (node_id, stake) entries in their significant order.
#[pyclass(module = "morsa._native", name = "ActiveSet")]
#[derive(Clone)]
struct PyActiveSet(CoreActiveSet);

#[pymethods]
impl PyActiveSet {
    #[new]
    #[pyo3(signature = (max_size, threshold_stake = Int(0)), text_signature = "(max_size, threshold_stake=0)")]
    fn new(max_size: Int<u16>, threshold_stake: Int<u64>) -> Self {
        Self(CoreActiveSet::new(max_size.0, threshold_stake.0))
    }

    fn insert_or_update(&mut self, node_id: Id, stake: Int<u64>) -> bool {
        self.0.insert_or_update(node_id.0, stake.0)
    }

    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, u64)>> {
        self.0.nodes().iter().map(|(id, s)| Ok((id_to_py(py, id)?, *s))).collect()
    }

    #[getter]
    fn min_stake(&self) -> u64 {
        self.0.min_stake()
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }

    fn copy(&self) -> Self {
        self.clone()
    }
}

#[pyfunction]
#[pyo3(signature = (rules = "mainnet"))]
fn active_set_size_limit(rules: &str) -> PyResult<u16> {
    Ok(parse_rules(rules)?.active_set_size_limit())
}

// ---------------------------------------------------------------------------------------------
// §6: subsidies

#[pyfunction]
fn subsidy_split(value: Int<u64>, epochs: Int<u32>, max_epochs_ahead: Int<u32>) -> PyResult<(u64, u64)> {
    accounting::subsidy_split(value.0, epochs.0, max_epochs_ahead.0).map_err(err)
}

#[pyfunction]
fn legacy_purchase<'py>(
    py: Python<'py>,
    cost: Int<u64>,
    pay: Int<u64>,
    pool: Int<u64>,
    buyer_rate_bp: Int<u16>,
    system_rate_bp: Int<u16>,
) -> PyResult<Bound<'py, PyAny>> {
    let s = subsidies::legacy_purchase(cost.0, pay.0, pool.0, buyer_rate_bp.0, system_rate_bp.0).map_err(err)?;
    crate::network::to_py(py, &s)
}

#[pyfunction]
fn usage_subsidy(bucket_rewards: Int<u64>, already_subsidized: Int<u64>, rate_bp: Int<u32>) -> PyResult<u64> {
    subsidies::usage_subsidy(bucket_rewards.0, already_subsidized.0, rate_bp.0).map_err(err)
}

#[pyfunction]
fn usage_subsidies(
    bucket_rewards: Vec<Int<u64>>,
    already_subsidized: Vec<Int<u64>>,
    rate_bp: Int<u32>,
    pool: Int<u64>,
) -> PyResult<(Vec<u64>, Vec<u64>)> {
    let buckets: Vec<u64> = bucket_rewards.into_iter().map(|b| b.0).collect();
    let mut already: Vec<u64> = already_subsidized.into_iter().map(|a| a.0).collect();
    let mut out = vec![0; buckets.len()];
    subsidies::usage_subsidies(&buckets, &mut already, rate_bp.0, pool.0, &mut out).map_err(err)?;
    Ok((out, already))
}

#[pyfunction]
fn fixed_subsidy_epoch(latest_epoch: Int<u32>, current_epoch: Int<u32>) -> Option<u32> {
    subsidies::fixed_subsidy_epoch(latest_epoch.0, current_epoch.0)
}

#[pyfunction]
fn initial_latest_epoch(creation_epoch: Int<u32>) -> u32 {
    subsidies::initial_latest_epoch(creation_epoch.0)
}

#[pyfunction]
fn fixed_subsidy(base_subsidy: Int<u64>, subsidy_per_shard: Int<u64>, shards: Int<u16>) -> PyResult<u64> {
    subsidies::fixed_subsidy(base_subsidy.0, subsidy_per_shard.0, shards.0).map_err(err)
}

/// Adds the reward functions and classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("FROST_PER_WAL", morsa_core::rewards::FROST_PER_WAL)?;
    m.add("BYTES_PER_UNIT_SIZE", pricing::BYTES_PER_UNIT_SIZE)?;
    m.add("N_BASIS_POINTS", morsa_core::rewards::N_BASIS_POINTS)?;
    m.add("MIN_STAKING_THRESHOLD", staking::MIN_STAKING_THRESHOLD)?;
    m.add("MAINNET_MAX_EPOCHS_AHEAD", morsa_core::rewards::MAINNET_MAX_EPOCHS_AHEAD)?;
    m.add_class::<PyStakedWal>()?;
    m.add_class::<PyStakingPool>()?;
    m.add_class::<PyRing>()?;
    m.add_class::<PyActiveSet>()?;
    m.add_class::<PyEpochClock>()?;
    m.add_function(wrap_pyfunction!(is_quorum, m)?)?;
    m.add_function(wrap_pyfunction!(quorum_below, m)?)?;
    m.add_function(wrap_pyfunction!(quorum_above, m)?)?;
    m.add_function(wrap_pyfunction!(recalculate_prices, m)?)?;
    m.add_function(wrap_pyfunction!(capacity_vote, m)?)?;
    m.add_function(wrap_pyfunction!(capacity_from_votes, m)?)?;
    m.add_function(wrap_pyfunction!(encoded_blob_length, m)?)?;
    m.add_function(wrap_pyfunction!(storage_units, m)?)?;
    m.add_function(wrap_pyfunction!(storage_cost_per_epoch, m)?)?;
    m.add_function(wrap_pyfunction!(storage_cost, m)?)?;
    m.add_function(wrap_pyfunction!(write_fee, m)?)?;
    m.add_function(wrap_pyfunction!(blob_cost, m)?)?;
    m.add_function(wrap_pyfunction!(reservation_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(extension_offsets, m)?)?;
    m.add_function(wrap_pyfunction!(decrease_unused_by_percent, m)?)?;
    m.add_function(wrap_pyfunction!(burn_amount, m)?)?;
    m.add_function(wrap_pyfunction!(distribute, m)?)?;
    m.add_function(wrap_pyfunction!(epoch_rewards, m)?)?;
    m.add_function(wrap_pyfunction!(commission_split, m)?)?;
    m.add_function(wrap_pyfunction!(calculate_rewards, m)?)?;
    m.add_function(wrap_pyfunction!(max_shards_per_node, m)?)?;
    m.add_function(wrap_pyfunction!(dhondt, m)?)?;
    m.add_function(wrap_pyfunction!(committee_initialize, m)?)?;
    m.add_function(wrap_pyfunction!(committee_transition, m)?)?;
    m.add_function(wrap_pyfunction!(active_set_size_limit, m)?)?;
    m.add_function(wrap_pyfunction!(subsidy_split, m)?)?;
    m.add_function(wrap_pyfunction!(legacy_purchase, m)?)?;
    m.add_function(wrap_pyfunction!(usage_subsidy, m)?)?;
    m.add_function(wrap_pyfunction!(usage_subsidies, m)?)?;
    m.add_function(wrap_pyfunction!(fixed_subsidy, m)?)?;
    m.add_function(wrap_pyfunction!(fixed_subsidy_epoch, m)?)?;
    m.add_function(wrap_pyfunction!(initial_latest_epoch, m)?)?;
    Ok(())
}
