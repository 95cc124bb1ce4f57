"""The Walrus reward math over Python ints, and a network simulator.

Every function computes exactly what the deployed Walrus Move contracts compute
(``REWARDS.md``): integers only, with the contracts' rounding and order of operations. Where a
contract would abort (overflow, division by zero, an argument out of range, no quorum, ...)
the function raises :class:`RewardsError` (a :class:`morsa.MorsaError`, hence a
``ValueError``). Amounts are in FROST (10**9 FROST = 1 WAL), sizes in bytes, rates in basis
points.

* prices and costs (§1): :func:`quorum_below`, :func:`quorum_above`, :func:`recalculate_prices`,
  :func:`capacity_vote`, :func:`capacity_from_votes`, :func:`encoded_blob_length`,
  :func:`storage_units`, :func:`storage_cost_per_epoch`, :func:`storage_cost`,
  :func:`write_fee`, :func:`blob_cost`, :func:`reservation_offsets`,
  :func:`extension_offsets`; the ring buffer :class:`FutureAccounting`;
* epoch timing (§2): :class:`EpochClock`;
* the epoch change (§3): :func:`burn_amount`, :func:`distribute`, :func:`epoch_rewards`,
  :func:`commission_split`;
* staking (§4): :class:`StakingPool`, :class:`StakedWal`, :func:`calculate_rewards`;
* the whole economy as one state machine (§1–§5): :class:`Network`, which both the simulator
  and the devnet's control plane step;
* committee selection (§5): :func:`dhondt`, :func:`max_shards_per_node`,
  :func:`committee_initialize`, :func:`committee_transition`, :class:`ActiveSet`;
* subsidies (§6): :func:`subsidy_split`, :func:`legacy_purchase`, :func:`usage_subsidy`,
  :func:`usage_subsidies`, :func:`fixed_subsidy`, :func:`fixed_subsidy_epoch`.

:func:`simulate` advances a network of nodes (stake, commission, votes, deny lists) and blob
purchases through epochs and returns one record per node and epoch, ready for
``pandas.DataFrame(records)``; :func:`plot` draws them (needs matplotlib, the ``plot`` extra).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._native import (
    BYTES_PER_UNIT_SIZE,
    FROST_PER_WAL,
    MAINNET_MAX_EPOCHS_AHEAD,
    MIN_STAKING_THRESHOLD,
    N_BASIS_POINTS,
    ActiveSet,
    EpochClock,
    FutureAccounting,
    Network,
    RewardsError,
    StakedWal,
    StakingPool,
    active_set_size_limit,
    blob_cost,
    burn_amount,
    calculate_rewards,
    capacity_from_votes,
    capacity_vote,
    commission_split,
    committee_initialize,
    committee_transition,
    decrease_unused_by_percent,
    dhondt,
    distribute,
    encoded_blob_length,
    epoch_rewards,
    extension_offsets,
    fixed_subsidy,
    fixed_subsidy_epoch,
    initial_latest_epoch,
    is_quorum,
    legacy_purchase,
    max_shards_per_node,
    quorum_above,
    quorum_below,
    recalculate_prices,
    reservation_offsets,
    storage_cost,
    storage_cost_per_epoch,
    storage_units,
    subsidy_split,
    usage_subsidies,
    usage_subsidy,
    write_fee,
)
from ._types import NodeSummary, Rules

__all__ = [
    "BYTES_PER_UNIT_SIZE",
    "FROST_PER_WAL",
    "MAINNET_MAX_EPOCHS_AHEAD",
    "MIN_STAKING_THRESHOLD",
    "N_BASIS_POINTS",
    "ActiveSet",
    "EpochClock",
    "Event",
    "Extension",
    "FutureAccounting",
    "Network",
    "NodeConfig",
    "SimulatedNode",
    "Purchase",
    "RewardsError",
    "Rules",
    "SimulationConfig",
    "Simulator",
    "StakedWal",
    "StakingPool",
    "active_set_size_limit",
    "blob_cost",
    "burn_amount",
    "calculate_rewards",
    "capacity_from_votes",
    "capacity_vote",
    "commission_split",
    "committee_initialize",
    "committee_transition",
    "decrease_unused_by_percent",
    "dhondt",
    "distribute",
    "encoded_blob_length",
    "epoch_rewards",
    "extension_offsets",
    "fixed_subsidy",
    "fixed_subsidy_epoch",
    "initial_latest_epoch",
    "is_quorum",
    "legacy_purchase",
    "max_shards_per_node",
    "plot",
    "quorum_above",
    "quorum_below",
    "recalculate_prices",
    "reservation_offsets",
    "simulate",
    "storage_cost",
    "storage_cost_per_epoch",
    "storage_units",
    "subsidy_split",
    "usage_subsidies",
    "usage_subsidy",
    "write_fee",
]


# ------------------------------------------------------------------------------------------
# Configuration


def _amount(d: Mapping[str, Any], key: str, default: int | None = None) -> int | None:
    """``key`` in FROST, or ``key_wal`` in WAL; integers only."""
    if f"{key}_wal" in d:
        value = d[f"{key}_wal"]
        if not isinstance(value, int) or isinstance(value, bool):
            raise RewardsError(f"{key}_wal must be an integer, not {value!r}")
        return value * FROST_PER_WAL
    if key in d:
        value = d[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise RewardsError(f"{key} must be an integer, not {value!r}")
        return value
    return default


def _int(d: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = d.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RewardsError(f"{key} must be an integer, not {value!r}")
    return value


@dataclass
class SimulatedNode:
    """A storage node at genesis: its stake (FROST, staked in epoch 0), commission rate and
    votes. ``node_id`` orders nodes as on chain (ascending ID, REWARDS.md §5.3)."""

    name: str
    stake: int
    commission_bp: int = 6000
    storage_price: int = 100_000
    write_price: int = 20_000
    capacity: int = 10**13
    deny_list_size: int = 0
    node_id: int | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], index: int) -> SimulatedNode:
        stake = _amount(d, "stake")
        if stake is None:
            raise RewardsError(f"node {index}: 'stake' (FROST) or 'stake_wal' is required")
        return cls(
            name=str(d.get("name", f"node-{index}")),
            stake=stake,
            commission_bp=_int(d, "commission_bp", 6000),
            storage_price=_int(d, "storage_price", 100_000),
            write_price=_int(d, "write_price", 20_000),
            capacity=_int(d, "capacity", 10**13),
            deny_list_size=_int(d, "deny_list_size", 0),
            node_id=d.get("node_id"),
        )


NodeConfig = SimulatedNode
"""The former name of :class:`SimulatedNode` (kept for existing code; the storage node's
configuration is :class:`morsa.node.NodeConfig`)."""


@dataclass
class Purchase:
    """``count`` blobs of ``size`` bytes stored for ``epochs`` epochs, bought in every epoch from
    ``start_epoch`` to ``end_epoch`` (inclusive; ``None``: every epoch)."""

    size: int
    epochs: int
    count: int = 1
    start_epoch: int = 1
    end_epoch: int | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Purchase:
        end = d.get("end_epoch")
        return cls(
            size=_int(d, "size"),
            epochs=_int(d, "epochs"),
            count=_int(d, "count", 1),
            start_epoch=_int(d, "start_epoch", 1),
            end_epoch=None if end is None else _int(d, "end_epoch"),
        )

    def active(self, epoch: int) -> bool:
        return epoch >= self.start_epoch and (self.end_epoch is None or epoch <= self.end_epoch)


@dataclass
class Extension:
    """In ``epoch``, a certified blob of ``size`` unencoded bytes stored until ``end_epoch`` is
    extended by ``epochs`` epochs (``extend_blob``, REWARDS.md §1.7: the storage size is the
    encoded length)."""

    epoch: int
    size: int
    end_epoch: int
    epochs: int

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Extension:
        return cls(epoch=_int(d, "epoch"), size=_int(d, "size"), end_epoch=_int(d, "end_epoch"), epochs=_int(d, "epochs"))


@dataclass
class Event:
    """A change in ``epoch`` (before that epoch's committee selection) to node ``node``: more
    stake, withdrawing all stake, a new commission rate (applies 2 epochs later), new votes
    (prices update at once), or a new deny-list size. ``staker`` names who stakes or withdraws
    (a delegator; default: the node's operator); ``withdraw_all`` without a staker withdraws
    every staker's stake with the node."""

    epoch: int
    node: str
    stake: int | None = None
    withdraw_all: bool = False
    staker: str | None = None
    commission_bp: int | None = None
    storage_price: int | None = None
    write_price: int | None = None
    capacity: int | None = None
    deny_list_size: int | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        opt = {k: (_int(d, k) if k in d else None) for k in ("commission_bp", "storage_price", "write_price", "capacity", "deny_list_size")}
        return cls(
            epoch=_int(d, "epoch"),
            node=str(d["node"]),
            stake=_amount(d, "stake"),
            withdraw_all=bool(d.get("withdraw_all", False)),
            staker=None if d.get("staker") is None else str(d["staker"]),
            **opt,
        )


@dataclass
class SimulationConfig:
    """A simulated network: ``n_shards``, ``max_epochs_ahead`` (the ring length), the contract
    ``rules``, the nodes, blob purchases, extensions and events. :meth:`from_dict` reads the JSON form of
    ``morsa rewards simulate --config``."""

    nodes: list[SimulatedNode]
    purchases: list[Purchase] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    n_shards: int = 1000
    max_epochs_ahead: int = MAINNET_MAX_EPOCHS_AHEAD
    rules: Rules = "mainnet"
    epochs: int = 10

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SimulationConfig:
        if not isinstance(d, Mapping):
            raise RewardsError("a simulation config must be a JSON object")
        nodes = d.get("nodes")
        if not isinstance(nodes, list) or not nodes:
            raise RewardsError("a simulation config needs a non-empty 'nodes' list")
        rules = d.get("rules", "mainnet")
        if rules not in ("mainnet", "development"):
            raise RewardsError(f"rules must be 'mainnet' or 'development', not {rules!r}")
        return cls(
            nodes=[SimulatedNode.from_dict(n, i) for i, n in enumerate(nodes)],
            purchases=[Purchase.from_dict(p) for p in d.get("purchases", [])],
            events=[Event.from_dict(e) for e in d.get("events", [])],
            extensions=[Extension.from_dict(x) for x in d.get("extensions", [])],
            n_shards=_int(d, "n_shards", 1000),
            max_epochs_ahead=_int(d, "max_epochs_ahead", MAINNET_MAX_EPOCHS_AHEAD),
            rules=rules,
            epochs=_int(d, "epochs", 10),
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SimulationConfig:
        """Read a JSON config file."""
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise RewardsError(f"{os.fspath(path)}: not valid JSON: {e}") from None
        return cls.from_dict(data)


# ------------------------------------------------------------------------------------------
# Simulator


class Simulator:
    """Plays a :class:`SimulationConfig` on the core's economy state machine
    (:class:`Network`, REWARDS.md §1–§5), the same one the devnet's control plane steps.

    Epoch 0 is genesis: every node registers and stakes (its operator owns that stake), the
    first committee is selected by D'Hondt over the active set and takes over at epoch 1. Then,
    in each epoch ``E``: due withdrawals complete; events apply (stake, withdrawals, commission
    rates, votes, deny lists); purchases pay storage into buckets ``0..epochs`` and the write fee
    into bucket 0 (rejected when the capacity is exceeded); extensions pay into the buckets after
    their blobs' end epochs; ``voting_end`` unblocks the previous
    committee's commission and selects the next committee and capacity; the epoch change burns
    3% of bucket 0, pays the rest by shards and deny lists, rolls the leftover over, advances
    the pools (commission split) and updates prices from the new committee.
    """

    def __init__(self, config: SimulationConfig) -> None:
        self.config = config
        self.rules: Rules = config.rules
        self.n_shards = config.n_shards
        names = [n.name for n in config.nodes]
        if len(set(names)) != len(names):
            raise RewardsError("node names must be unique")
        self.nodes = {n.name: n for n in config.nodes}
        self.ids = {n.name: (n.node_id if n.node_id is not None else i + 1) for i, n in enumerate(config.nodes)}
        if len(set(self.ids.values())) != len(self.ids):
            raise RewardsError("node IDs must be unique")
        self._by_hex = {_node_hex(i): name for name, i in self.ids.items()}
        self.network = Network(config.n_shards, config.max_epochs_ahead, config.rules)
        self.payments = 0
        self.records: list[dict[str, Any]] = []
        self.withdrawn: dict[str, int] = dict.fromkeys(self.nodes, 0)
        self.stakers: dict[str, str] = {}
        for n in config.nodes:
            self.network.register_node(self.ids[n.name], n.commission_bp, n.storage_price, n.write_price, n.capacity)
            self.network.set_deny_list_size(self.ids[n.name], n.deny_list_size)
        for n in config.nodes:
            self._stake(n.name, n.name, n.stake)
        self.network.advance_epoch(0)

    # -- helpers ---------------------------------------------------------------------------

    @property
    def epoch(self) -> int:
        return self.network.epoch

    def address(self, staker: str) -> str:
        """The simulated account address of ``staker`` (a name): SHA-256 of the name."""
        address = "0x" + hashlib.sha256(staker.encode()).hexdigest()
        self.stakers[address] = staker
        return address

    def node_summary(self, name: str) -> NodeSummary:
        """The node's state (:meth:`Network.node`)."""
        return self.network.node(self.ids[name])

    def stake_summaries(self) -> list[dict[str, Any]]:
        """Every live stake object with its rewards so far, with ``staker`` and ``node`` names."""
        return [
            {**s, "staker": self.stakers.get(s["owner"], s["owner"]), "node": self._by_hex[s["node"]]}
            for s in self.network.stakes()
        ]

    def _stake(self, name: str, staker: str, amount: int) -> None:
        self.network.stake(self.address(staker), self.ids[name], amount)

    def _withdraw(self, name: str, staker: str | None) -> None:
        """Withdraws ``staker``'s stakes with ``name`` (every staker's if None): directly where
        that is allowed, else requested (REWARDS.md §4.2)."""
        node = _node_hex(self.ids[name])
        for s in self.network.stakes():
            if s["node"] != node or s["staked"]["withdraw_epoch"] is not None:
                continue
            if staker is not None and s["owner"] != self.address(staker):
                continue
            outcome = self.network.withdraw(s["owner"], s["id"])
            if outcome["outcome"] == "withdrawn":
                self.withdrawn[name] += outcome["amount"]

    def _complete_withdrawals(self) -> None:
        for s in self.network.stakes():
            due = s["staked"]["withdraw_epoch"]
            if due is not None and due <= self.epoch:
                outcome = self.network.withdraw(s["owner"], s["id"])
                self.withdrawn[self._by_hex[s["node"]]] += outcome["amount"]

    def _apply_event(self, e: Event) -> None:
        if e.node not in self.nodes:
            raise RewardsError(f"event in epoch {e.epoch}: unknown node {e.node!r}")
        node = self.ids[e.node]
        if e.stake is not None:
            self._stake(e.node, e.staker or e.node, e.stake)
        if e.withdraw_all:
            self._withdraw(e.node, e.staker)
        if e.commission_bp is not None:
            self.network.set_commission_rate(node, e.commission_bp)
        if e.deny_list_size is not None:
            self.network.set_deny_list_size(node, e.deny_list_size)
        if e.storage_price is not None or e.write_price is not None or e.capacity is not None:
            self.network.vote(node, storage_price=e.storage_price, write_price=e.write_price, node_capacity=e.capacity)

    def _purchase(self, p: Purchase) -> tuple[int, int]:
        bought = rejected = 0
        for _ in range(p.count):
            try:
                cost = self.network.buy_storage(p.size, p.epochs)
            except RewardsError:
                rejected += 1
                continue
            self.payments += cost["total"]
            bought += 1
        return bought, rejected

    # -- public ----------------------------------------------------------------------------

    def step(self) -> list[dict[str, Any]]:
        """Run the current epoch to its end and return its records (one per node)."""
        epoch = self.epoch
        withdrawn_before = dict(self.withdrawn)
        self._complete_withdrawals()
        for e in self.config.events:
            if e.epoch == epoch:
                self._apply_event(e)
        bought = rejected = 0
        payments_before = self.payments
        for p in self.config.purchases:
            if p.active(epoch):
                b, r = self._purchase(p)
                bought += b
                rejected += r
        for x in self.config.extensions:
            if x.epoch == epoch:
                try:
                    self.payments += self.network.extend(encoded_blob_length(x.size, self.n_shards, 1), x.end_epoch, x.epochs)
                except RewardsError as e:
                    raise RewardsError(f"extension in epoch {epoch}: {e}") from None
        before = {name: self.node_summary(name) for name in self.nodes}
        prices = self.network.prices
        total_capacity = self.network.total_capacity
        change = self.network.advance_epoch(0)
        per_node = {self._by_hex[r["node"]]: r for r in change["rewards"]}
        records = []
        for name in self.nodes:
            after = self.node_summary(name)
            paid = per_node.get(name)
            records.append(
                {
                    "epoch": epoch,
                    "node": name,
                    "node_id": self.ids[name],
                    "shards": len(before[name]["shards"]),
                    "deny_list_size": before[name]["deny_list_size"],
                    "stake": before[name]["stake"],
                    "stake_after": after["stake"],
                    "reward": paid["reward"] if paid else 0,
                    "commission": paid["commission"] if paid else 0,
                    "staker_reward": paid["pool_part"] if paid else 0,
                    "commission_rate_bp": paid["commission_rate"] if paid else after["commission_rate"],
                    "commission_total": after["commission"],
                    "rewards_pool": after["rewards_pool"],
                    "withdrawn": self.withdrawn[name] - withdrawn_before[name],
                    "storage_price": prices[0],
                    "write_price": prices[1],
                    "total_capacity": total_capacity,
                    "used_capacity": change["used_capacity"],
                    "epoch_payments": self.payments - payments_before,
                    "epoch_collected": change["collected"],
                    "epoch_burned": change["burned"],
                    "epoch_paid": change["paid"],
                    "epoch_leftover": change["leftover"],
                    "blobs_bought": bought,
                    "blobs_rejected": rejected,
                }
            )
        self.records.extend(records)
        return records

    def run(self, epochs: int) -> list[dict[str, Any]]:
        """Run ``epochs`` epochs (from epoch 1 on the first call) and return all records."""
        if epochs < 0:
            raise RewardsError(f"epochs must be >= 0, not {epochs}")
        for _ in range(epochs):
            self.step()
        return self.records


def _node_hex(node_id: int) -> str:
    """A node ID as the core's serde form: ``0x`` and 64 hex digits."""
    return f"0x{node_id:064x}"


def simulate(config: SimulationConfig | Mapping[str, Any], epochs: int | None = None) -> list[dict[str, Any]]:
    """Simulate ``epochs`` epochs (default: the config's ``epochs``) of a network and return
    one record per node and epoch: shards, stake (FROST, at the start of the epoch and after its
    epoch change), reward, commission, stakers' part, commission rate used, system prices, and
    the epoch's totals (``epoch_collected = epoch_burned + epoch_paid + epoch_leftover``).

    Raises :class:`RewardsError` for an invalid config or a contract abort.
    """
    cfg = config if isinstance(config, SimulationConfig) else SimulationConfig.from_dict(config)
    return Simulator(cfg).run(cfg.epochs if epochs is None else epochs)


def plot(records: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    """Draw rewards, stake and prices per epoch from :func:`simulate` records into an image
    file (PNG by extension). Needs matplotlib (``pip install 'morsa[plot]'``); raises
    ``ImportError`` with that hint when it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'morsa[plot]' (or pip install matplotlib)") from None

    epochs = sorted({r["epoch"] for r in records})
    nodes = list(dict.fromkeys(r["node"] for r in records))
    by = {(r["node"], r["epoch"]): r for r in records}
    fig, (ax_r, ax_s, ax_p) = plt.subplots(3, 1, figsize=(10, 11), sharex=True)
    for name in nodes:
        ax_r.plot(epochs, [by[name, e]["reward"] / FROST_PER_WAL for e in epochs], marker=".", label=name)
        ax_s.plot(epochs, [by[name, e]["stake"] / FROST_PER_WAL for e in epochs], marker=".", label=name)
    first = [by[nodes[0], e] for e in epochs]
    ax_p.plot(epochs, [r["storage_price"] for r in first], marker="o", label="storage price (FROST/unit/epoch)")
    ax_p.plot(epochs, [r["write_price"] for r in first], marker="s", label="write price (FROST/unit)")
    ax_r.set_ylabel("node reward (WAL)")
    ax_r.set_title("Rewards per node and epoch (after the 3% burn, before commission)")
    ax_s.set_ylabel("stake (WAL)")
    ax_s.set_title("Active stake per node")
    ax_p.set_ylabel("price (FROST)")
    ax_p.set_title("System prices (weighted 2/3 quantile of the committee's votes)")
    ax_p.set_xlabel("epoch")
    for ax in (ax_r, ax_s, ax_p):
        ax.grid(True, alpha=0.3)
    if len(nodes) <= 12:
        ax_r.legend(fontsize="small", ncol=2)
    ax_p.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
