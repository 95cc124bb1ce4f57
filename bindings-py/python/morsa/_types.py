"""The names shared by every binding, as types: the one definition of each in the package.

:mod:`morsa` re-exports :data:`Axis`, :data:`ConsistencyCheck` and :data:`CertificateKind`,
:mod:`morsa.rewards` re-exports :data:`Rules`, and the stub of the native module uses them.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Axis = Literal["primary", "secondary"]
"""A sliver's axis (SPEC §3.3): the names of every binding."""

ConsistencyCheck = Literal["default", "strict", "skip"]
"""How a decoded blob is checked against its metadata (SPEC §7): the names of every binding."""

CertificateKind = Literal["confirmation", "invalid_blob"]
"""What a certificate attests (SPEC §10.3): the names of every binding."""

SignatureScheme = Literal["ed25519", "bls12381"]
"""How a committee signs and certifies (``morsa_core::certificate::SignatureScheme``): Morsa's
Ed25519 certificates or Walrus's BLS12-381 aggregates (SPEC §10.2–§10.3)."""

Rules = Literal["mainnet", "development"]
"""``mainnet``: ``mainnet-contracts/`` (deployed); ``development``: ``contracts/`` (REWARDS.md §0.1)."""


# The shapes of the economy state machine's results (``morsa_core::rewards::network``, serialized
# by serde): node IDs and addresses are ``0x`` and 64 hex digits, amounts FROST, sizes bytes.


class Votes(TypedDict):
    storage_price: int
    write_price: int
    node_capacity: int


class StakedWalInfo(TypedDict):
    principal: int
    activation_epoch: int
    withdraw_epoch: int | None


class StakeInfo(TypedDict):
    """A stake object (``Stake``)."""

    id: int
    node: str
    owner: str
    staked: StakedWalInfo


class StakeSummary(StakeInfo):
    """A stake object with ``rewards`` earned so far (``StakeSummary``, REWARDS.md §4.5)."""

    rewards: int


class NodeSummary(TypedDict):
    """A storage node's economic state (``NodeSummary``)."""

    node: str
    stake: int
    next_stake: int
    rewards_pool: int
    commission: int
    commission_blocked: int
    commission_rate: int
    votes: Votes
    deny_list_size: int
    shards: list[int]
    next_shards: list[int]
    in_active_set: bool


class NodeReward(TypedDict):
    """One member's reward at an epoch change (REWARDS.md §3.1, §3.4)."""

    node: str
    shards: int
    reward: int
    commission: int
    pool_part: int
    commission_rate: int


class EpochReport(TypedDict):
    """What an epoch change did (REWARDS.md §2): ``collected = burned + paid + leftover``."""

    closed_epoch: int
    epoch: int
    collected: int
    burned: int
    paid: int
    leftover: int
    used_capacity: int
    rewards: list[NodeReward]


class NetworkParams(TypedDict):
    n_shards: int
    max_epochs_ahead: int
    rules: Rules
    epoch_duration_ms: int


class NetworkSummary(TypedDict):
    """The whole network's state (``NetworkSummary``)."""

    params: NetworkParams
    epoch: int
    committee_selected: bool
    epoch_started_ms: int
    next_epoch_change_ms: int | None
    storage_price: int
    write_price: int
    total_capacity: int
    used_capacity: int
    current_rewards: int
    burned_total: int
    paid_total: int
    committee: list[tuple[str, list[int]]]


class BlobCost(TypedDict):
    """What storing a blob costs (REWARDS.md §1.5–§1.6), FROST."""

    encoded_length: int
    storage_units: int
    storage_per_epoch: int
    storage_total: int
    write_fee: int
    total: int


class Bucket(TypedDict):
    """One future-accounting bucket (REWARDS.md §1.8)."""

    epoch: int
    used_capacity: int
    rewards_to_distribute: int


class Withdrawal(TypedDict, total=False):
    """``{"outcome": "withdrawn", "amount": FROST}`` or ``{"outcome": "requested",
    "withdraw_epoch": E}`` (REWARDS.md §4.2)."""

    outcome: Literal["withdrawn", "requested"]
    amount: int
    withdraw_epoch: int


def other_axis(axis: Axis) -> Axis:
    """The orthogonal axis."""
    return "secondary" if axis == "primary" else "primary"


__all__ = [
    "Axis",
    "BlobCost",
    "Bucket",
    "CertificateKind",
    "ConsistencyCheck",
    "EpochReport",
    "NetworkParams",
    "NetworkSummary",
    "NodeReward",
    "NodeSummary",
    "Rules",
    "StakeInfo",
    "StakeSummary",
    "StakedWalInfo",
    "Votes",
    "Withdrawal",
    "other_axis",
]
