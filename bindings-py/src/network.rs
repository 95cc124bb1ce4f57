//! `morsa._native.Network`: the core's economy state machine (`morsa_core::rewards::network`)
//! for Python. Conversion and error mapping only: arguments become core types, results become
//! dicts through serde (pythonize), errors become `RewardsError` with a `code` attribute (the
//! core's `RewardsError::code`, e.g. `"NOT_FOUND"`).

use morsa_core::rewards::network::{Address, Network, NetworkParams, VoteUpdate};
use morsa_core::rewards::pricing::VotingParams;
use morsa_core::rewards::RewardsError as CoreError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use pythonize::pythonize;
use serde::Serialize;

use crate::common::{invalid, RewardsError};
use crate::rewards::{parse_rules, Id, Int};

/// A core error as `RewardsError` with `code` set.
fn err(e: CoreError) -> PyErr {
    let exc = RewardsError::new_err(e.to_string());
    Python::attach(|py| {
        // Setting an attribute on a fresh exception cannot fail in practice; if it did, the
        // exception without its code is still the right one to raise.
        let _ = exc.value(py).setattr("code", e.code());
    });
    exc
}

/// A core value as Python objects (dicts, lists, ints) through serde (pythonize).
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize(py, value).map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
}

/// An account address: `0x` and 64 hex digits, or 32 bytes.
struct Addr(Address);

impl<'a, 'py> FromPyObject<'a, 'py> for Addr {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = obj.extract::<[u8; 32]>() {
            return Ok(Addr(Address(bytes)));
        }
        let text: &str = obj.extract()?;
        match text.parse::<morsa_core::rewards::committee::NodeId>() {
            Ok(id) if text.starts_with("0x") => Ok(Addr(Address(id.0))),
            _ => Err(invalid(format!("{text:?} is not an account address (0x and 64 hex digits)"))),
        }
    }
}

/// The economy of a Walrus network: epochs, committees, prices, storage accounting, rewards and
/// staking pools, stepped transaction by transaction (REWARDS.md §1–§5). Every method either
/// succeeds or raises RewardsError (with ``code``) and leaves the network unchanged.
#[pyclass(module = "morsa._native", name = "Network")]
pub(crate) struct PyNetwork(Network);

#[pymethods]
impl PyNetwork {
    #[new]
    #[pyo3(signature = (n_shards=None, max_epochs_ahead=None, rules="mainnet", epoch_duration_ms=None, now_ms=None))]
    fn new(
        n_shards: Option<Int<u16>>,
        max_epochs_ahead: Option<Int<u32>>,
        rules: &str,
        epoch_duration_ms: Option<Int<u64>>,
        now_ms: Option<Int<u64>>,
    ) -> PyResult<Self> {
        let params = NetworkParams {
            n_shards: n_shards.map_or(1000, |v| v.0),
            max_epochs_ahead: max_epochs_ahead.map_or(morsa_core::rewards::MAINNET_MAX_EPOCHS_AHEAD, |v| v.0),
            rules: parse_rules(rules)?,
            epoch_duration_ms: epoch_duration_ms.map_or(0, |v| v.0),
        };
        Network::new(params, now_ms.map_or(0, |v| v.0)).map(Self).map_err(err)
    }

    /// The network's state as bytes (postcard), for storage.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = postcard::to_allocvec(&self.0).map_err(|e| invalid(e.to_string()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A network from :meth:`to_bytes`; ``RewardsError`` for bytes that are not one.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        postcard::from_bytes(data)
            .map(Self)
            .map_err(|e| RewardsError::new_err(format!("not a saved network state: {e}")))
    }

    fn copy(&self) -> Self {
        Self(self.0.clone())
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.0 == other.0
    }

    #[getter]
    fn epoch(&self) -> u32 {
        self.0.epoch()
    }

    #[getter]
    fn committee_selected(&self) -> bool {
        self.0.committee_selected()
    }

    #[getter]
    fn n_shards(&self) -> u16 {
        self.0.params().n_shards
    }

    #[getter]
    fn max_epochs_ahead(&self) -> u32 {
        self.0.params().max_epochs_ahead
    }

    #[getter]
    fn prices(&self) -> (u64, u64) {
        self.0.prices()
    }

    #[getter]
    fn total_capacity(&self) -> u64 {
        self.0.total_capacity()
    }

    #[getter]
    fn next_epoch_change_ms(&self) -> Option<u64> {
        self.0.next_epoch_change_ms()
    }

    fn committee<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.0.committee())
    }

    fn next_committee<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.0.next_committee())
    }

    fn previous_committee<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.0.previous_committee())
    }

    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.summary().map_err(err)?)
    }

    fn node<'py>(&self, py: Python<'py>, node: Id) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.node_summary(&node.0).map_err(err)?)
    }

    fn nodes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .nodes()
            .map(|(id, _)| self.0.node_summary(id).map_err(err).and_then(|s| to_py(py, &s)))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    fn stake_info<'py>(&self, py: Python<'py>, stake_id: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.stake_summary(stake_id.0).map_err(err)?)
    }

    #[pyo3(signature = (owner=None))]
    fn stakes<'py>(&self, py: Python<'py>, owner: Option<Addr>) -> PyResult<Bound<'py, PyList>> {
        let items = self
            .0
            .stakes()
            .filter(|s| owner.as_ref().is_none_or(|o| o.0 == s.owner))
            .map(|s| self.0.stake_summary(s.id).map_err(err).and_then(|v| to_py(py, &v)))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    fn buckets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let buckets: Vec<_> = self.0.ring().buckets().copied().collect();
        to_py(py, &buckets)
    }

    #[pyo3(signature = (node, commission_rate, storage_price, write_price, node_capacity))]
    fn register_node(
        &mut self,
        node: Id,
        commission_rate: Int<u16>,
        storage_price: Int<u64>,
        write_price: Int<u64>,
        node_capacity: Int<u64>,
    ) -> PyResult<()> {
        let votes =
            VotingParams { storage_price: storage_price.0, write_price: write_price.0, node_capacity: node_capacity.0 };
        self.0.register_node(node.0, commission_rate.0, votes).map_err(err)
    }

    #[pyo3(signature = (node, *, storage_price=None, write_price=None, node_capacity=None))]
    fn vote(
        &mut self,
        node: Id,
        storage_price: Option<Int<u64>>,
        write_price: Option<Int<u64>>,
        node_capacity: Option<Int<u64>>,
    ) -> PyResult<()> {
        let update = VoteUpdate {
            storage_price: storage_price.map(|v| v.0),
            write_price: write_price.map(|v| v.0),
            node_capacity: node_capacity.map(|v| v.0),
        };
        self.0.vote(&node.0, update).map_err(err)
    }

    fn set_deny_list_size(&mut self, node: Id, size: Int<u64>) -> PyResult<()> {
        self.0.set_deny_list_size(&node.0, size.0).map_err(err)
    }

    fn set_commission_rate(&mut self, node: Id, rate_bp: Int<u16>) -> PyResult<()> {
        self.0.set_commission_rate(&node.0, rate_bp.0).map_err(err)
    }

    fn collect_commission(&mut self, node: Id) -> PyResult<u64> {
        self.0.collect_commission(&node.0).map_err(err)
    }

    fn stake<'py>(&mut self, py: Python<'py>, owner: Addr, node: Id, amount: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        let stake = self.0.stake(owner.0, &node.0, amount.0).map_err(err)?;
        to_py(py, &stake)
    }

    fn request_withdraw(&mut self, owner: Addr, stake_id: Int<u64>) -> PyResult<u32> {
        self.0.request_withdraw(&owner.0, stake_id.0).map_err(err)
    }

    fn complete_withdraw(&mut self, owner: Addr, stake_id: Int<u64>) -> PyResult<u64> {
        self.0.complete_withdraw(&owner.0, stake_id.0).map_err(err)
    }

    fn withdraw<'py>(&mut self, py: Python<'py>, owner: Addr, stake_id: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        let outcome = self.0.withdraw(&owner.0, stake_id.0).map_err(err)?;
        to_py(py, &outcome)
    }

    fn buy_storage<'py>(
        &mut self,
        py: Python<'py>,
        size: Int<u64>,
        epochs_ahead: Int<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cost = self.0.buy_storage(size.0, epochs_ahead.0).map_err(err)?;
        to_py(py, &cost)
    }

    fn pay_write_fee(&mut self, size: Int<u64>) -> PyResult<u64> {
        self.0.pay_write_fee(size.0).map_err(err)
    }

    fn extend(&mut self, storage_size: Int<u64>, end_epoch: Int<u32>, epochs: Int<u32>) -> PyResult<u64> {
        self.0.extend(storage_size.0, end_epoch.0, epochs.0).map_err(err)
    }

    fn add_subsidy(&mut self, value: Int<u64>, epochs: Int<u32>) -> PyResult<()> {
        self.0.add_subsidy(value.0, epochs.0).map_err(err)
    }

    fn voting_end(&mut self) -> PyResult<()> {
        self.0.voting_end().map_err(err)
    }

    fn epoch_change<'py>(&mut self, py: Python<'py>, now_ms: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        let report = self.0.epoch_change(now_ms.0).map_err(err)?;
        to_py(py, &report)
    }

    fn advance_epoch<'py>(&mut self, py: Python<'py>, now_ms: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        let report = self.0.advance_epoch(now_ms.0).map_err(err)?;
        to_py(py, &report)
    }

    fn tick<'py>(&mut self, py: Python<'py>, now_ms: Int<u64>) -> PyResult<Bound<'py, PyAny>> {
        let done = self.0.tick(now_ms.0).map_err(err)?;
        to_py(py, &done)
    }

    fn __repr__(&self) -> String {
        let (storage, write) = self.0.prices();
        format!(
            "Network(epoch={}, nodes={}, committee={}, storage_price={storage}, write_price={write})",
            self.0.epoch(),
            self.0.nodes().count(),
            self.0.committee().len()
        )
    }
}

/// Adds `Network` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNetwork>()
}
