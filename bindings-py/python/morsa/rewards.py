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
* committee selection (§5): :func:`dhondt`, :func:`max_shards_per_node`,
  :func:`committee_initialize`, :func:`committee_transition`, :class:`ActiveSet`;
* subsidies (§6): :func:`subsidy_split`, :func:`legacy_purchase`, :func:`usage_subsidy`,
  :func:`usage_subsidies`, :func:`fixed_subsidy`, :func:`fixed_subsidy_epoch`.

:func:`simulate` advances a network of nodes (stake, commission, votes, deny lists) and blob
purchases through epochs and returns one record per node and epoch, ready for
``pandas.DataFrame(records)``; :func:`plot` draws them (needs matplotlib, the ``plot`` extra).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
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
from ._types import Rules

__all__ = [
    "BYTES_PER_UNIT_SIZE",
    "FROST_PER_WAL",
    "MAINNET_MAX_EPOCHS_AHEAD",
    "MIN_STAKING_THRESHOLD",
    "N_BASIS_POINTS",
    "ActiveSet",
    "EpochClock",
    "Event",
    "FutureAccounting",
    "NodeConfig",
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
class NodeConfig:
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
    def from_dict(cls, d: Mapping[str, Any], index: int) -> NodeConfig:
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
class Event:
    """A change in ``epoch`` (before that epoch's committee selection) to node ``node``: more
    stake, withdrawing all stake, a new commission rate (applies 2 epochs later), new votes
    (prices update at once), or a new deny-list size."""

    epoch: int
    node: str
    stake: int | None = None
    withdraw_all: bool = False
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
            **opt,
        )


@dataclass
class SimulationConfig:
    """A simulated network: ``n_shards``, ``max_epochs_ahead`` (the ring length), the contract
    ``rules``, the nodes, blob purchases and events. :meth:`from_dict` reads the JSON form of
    ``morsa rewards simulate --config``."""

    nodes: list[NodeConfig]
    purchases: list[Purchase] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
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
            nodes=[NodeConfig.from_dict(n, i) for i, n in enumerate(nodes)],
            purchases=[Purchase.from_dict(p) for p in d.get("purchases", [])],
            events=[Event.from_dict(e) for e in d.get("events", [])],
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
    """Advances a network through epochs with the contracts' rules (REWARDS.md §2).

    Epoch 0 is genesis: every node stakes, the first committee is selected by D'Hondt over the
    active set and takes over at epoch 1. Then, in each epoch ``E``: due withdrawals complete;
    events apply; purchases pay storage into buckets ``0..epochs`` and the write fee into bucket
    0 (rejected when the capacity is exceeded); ``voting_end`` unblocks the previous committee's
    commission and selects the next committee and capacity; the epoch change burns 3% of bucket
    0, pays the rest by shards and deny lists, rolls the leftover over, advances the pools
    (commission split) and updates prices from the new committee.
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
        self.by_id = {v: k for k, v in self.ids.items()}
        self.votes = {n.name: {"storage_price": n.storage_price, "write_price": n.write_price, "capacity": n.capacity} for n in config.nodes}
        self.deny = {n.name: n.deny_list_size for n in config.nodes}
        self.pools = {n.name: StakingPool(0, False, n.commission_bp) for n in config.nodes}
        self.stakes: dict[str, list[StakedWal]] = {n.name: [] for n in config.nodes}
        self.active = ActiveSet(active_set_size_limit(self.rules), 0)
        self.ring = FutureAccounting(config.max_epochs_ahead)
        self.epoch = 0
        self.committee: list[tuple[int, list[int]]] = []
        self.committee_prev: list[tuple[int, list[int]]] = []
        self.next_committee: list[tuple[int, list[int]]] = []
        self.storage_price = 0
        self.write_price = 0
        self.capacity = 0
        self.total_capacity = 0
        self.payments = 0
        self.records: list[dict[str, Any]] = []
        self.withdrawn: dict[str, int] = dict.fromkeys(self.nodes, 0)
        for n in config.nodes:
            self._stake(n.name, n.stake)
        self._voting_end()
        self._epoch_change()

    # -- helpers ---------------------------------------------------------------------------

    def _shards(self, committee: Iterable[tuple[int, list[int]]]) -> dict[str, int]:
        return {self.by_id[i]: len(s) for i, s in committee}

    def _update_active(self, name: str) -> None:
        ahead = 2 if self.next_committee else 1
        self.active.insert_or_update(self.ids[name], self.pools[name].wal_balance_at_epoch(self.epoch + ahead))

    def _stake(self, name: str, amount: int) -> None:
        sw = self.pools[name].stake(amount, self.epoch, bool(self.next_committee))
        self.stakes[name].append(sw)
        self._update_active(name)

    def _update_prices(self) -> None:
        shards = self._shards(self.committee)
        members = [(self.votes[n]["storage_price"], self.votes[n]["write_price"], w) for n, w in shards.items()]
        self.storage_price, self.write_price = recalculate_prices(members, self.n_shards)

    def _withdraw_all(self, name: str) -> None:
        in_current = name in self._shards(self.committee)
        kept: list[StakedWal] = []
        for sw in self.stakes[name]:
            if sw.withdraw_epoch is not None:
                kept.append(sw)
            elif sw.activation_epoch > self.epoch or not in_current:
                # Early (not yet active) or inactive-node withdrawals complete at once.
                self.withdrawn[name] += self.pools[name].withdraw(sw, self.epoch, in_current, False)
            else:
                kept.append(self.pools[name].request_withdraw(sw, self.epoch, in_current, False))
        self.stakes[name] = kept
        self._update_active(name)

    def _complete_withdrawals(self) -> None:
        for name, objs in self.stakes.items():
            kept = []
            for sw in objs:
                if sw.withdraw_epoch is not None and sw.withdraw_epoch <= self.epoch:
                    self.withdrawn[name] += self.pools[name].withdraw(sw, self.epoch, True, False)
                else:
                    kept.append(sw)
            self.stakes[name] = kept

    def _apply_event(self, e: Event) -> None:
        if e.node not in self.nodes:
            raise RewardsError(f"event in epoch {e.epoch}: unknown node {e.node!r}")
        if e.stake is not None:
            self._stake(e.node, e.stake)
        if e.withdraw_all:
            self._withdraw_all(e.node)
        if e.commission_bp is not None:
            self.pools[e.node].set_next_commission(e.commission_bp, self.epoch)
        if e.deny_list_size is not None:
            self.deny[e.node] = e.deny_list_size
        for key in ("storage_price", "write_price", "capacity"):
            value = getattr(e, key)
            if value is not None:
                self.votes[e.node][key] = value
        if e.storage_price is not None or e.write_price is not None:
            self._update_prices()

    def _purchase(self, p: Purchase) -> tuple[int, int]:
        bought = rejected = 0
        for _ in range(p.count):
            try:
                cost = blob_cost(self.storage_price, self.write_price, p.size, p.epochs, self.n_shards)
                if not 0 < p.epochs <= len(self.ring):
                    raise RewardsError(f"epochs_ahead = {p.epochs} is out of range (1..={len(self.ring)})")
                self.ring.reserve(cost["encoded_length"], 0, p.epochs, cost["storage_per_epoch"], self.total_capacity)
                self.ring.add_rewards(0, cost["write_fee"])
            except RewardsError:
                rejected += 1
                continue
            self.payments += cost["total"]
            bought += 1
        return bought, rejected

    def _voting_end(self) -> None:
        for i, _ in self.committee_prev:
            self.pools[self.by_id[i]].clear_blocked_commission()
        entries = self.active.nodes()
        counts = dhondt([s for _, s in entries], self.n_shards)
        new_counts = [(i, c) for (i, _), c in zip(entries, counts) if c > 0]
        if self.committee:
            self.next_committee = committee_transition(self.committee, new_counts)
        else:
            self.next_committee = committee_initialize(new_counts)
        members = [(self.votes[self.by_id[i]]["capacity"], len(s)) for i, s in self.next_committee]
        self.capacity = capacity_from_votes(members, self.n_shards)

    def _epoch_change(self) -> dict[str, Any]:
        collected = self.ring.lookup(0)[2]
        burned = self.ring.extract_burn()
        _, used, value = self.ring.pop_expand()
        new_used = self.ring.lookup(0)[1]
        self.total_capacity = max(self.capacity, new_used)
        old = sorted(self.committee)
        if old:
            rewards, leftover = distribute(value, used, [(len(s), self.deny[self.by_id[i]]) for i, s in old])
        else:
            rewards, leftover = [], value
        self.ring.add_rewards(0, leftover)
        self.committee_prev = self.committee
        self.committee = self.next_committee
        self.next_committee = []
        self.epoch += 1
        per_node: dict[str, tuple[int, int, int, int]] = {}
        for (i, _), reward in zip(old, rewards):
            name = self.by_id[i]
            per_node[name] = (reward, *self.pools[name].advance_epoch(self.epoch, reward, self.rules))
            self._update_active(name)
        old_ids = {i for i, _ in old}
        for i, _ in sorted(self.committee):
            if i not in old_ids:
                name = self.by_id[i]
                self.pools[name].advance_epoch(self.epoch, 0, self.rules)
                self._update_active(name)
        self._update_prices()
        return {
            "collected": collected,
            "burned": burned,
            "paid": sum(rewards),
            "leftover": leftover,
            "used_capacity": used,
            "per_node": per_node,
        }

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
        shards = self._shards(self.committee)
        stake = {n: self.pools[n].wal_balance for n in self.nodes}
        prices = (self.storage_price, self.write_price)
        total_capacity = self.total_capacity
        self._voting_end()
        change = self._epoch_change()
        records = []
        for name in self.nodes:
            reward, commission, staker, rate = change["per_node"].get(name, (0, 0, 0, self.pools[name].commission_rate))
            pool = self.pools[name]
            records.append(
                {
                    "epoch": epoch,
                    "node": name,
                    "node_id": self.ids[name],
                    "shards": shards.get(name, 0),
                    "deny_list_size": self.deny[name],
                    "stake": stake[name],
                    "stake_after": pool.wal_balance,
                    "reward": reward,
                    "commission": commission,
                    "staker_reward": staker,
                    "commission_rate_bp": rate,
                    "commission_total": pool.commission_amount,
                    "rewards_pool": pool.rewards_pool,
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
