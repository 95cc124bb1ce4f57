"""The control plane's economics: shard assignment, prices, blob costs and epoch rewards.

Every rule comes from the core's reward math through the bindings (REWARDS.md): capped
D'Hondt apportionment and shard-ID assignment (§5), price votes (§1.1), blob costs (§1.3–§1.6),
the per-epoch buckets of the future-accounting ring (§1.8) and the epoch's burn and per-node
rewards (§3). This module only keeps the economic state as JSON between transitions.

Staking pools (§4) are not modelled by the control plane: a node's rewards accumulate on the
node (its pool's total), and stake changes are applied by the admin API.
"""

from __future__ import annotations

from typing import Any

from .. import _native


def _id(node_id: str) -> bytes:
    return bytes.fromhex(node_id)


def _hex(node_id: int) -> str:
    return node_id.to_bytes(32, "big").hex()


class Economy:
    """The economic transitions of the control plane, over a JSON state
    ``{"ring": {epoch: {"rewards", "used_capacity"}}, "burned", "paid"}`` (FROST, bytes)."""

    def __init__(self, *, default_storage_price: int = 100_000, default_write_price: int = 20_000) -> None:
        self.default_storage_price = default_storage_price
        self.default_write_price = default_write_price

    def genesis_state(self) -> dict[str, Any]:
        return {"ring": {}, "burned": 0, "paid": 0}

    def assign_shards(
        self, stakes: list[tuple[str, int]], n_shards: int, previous: dict[str, list[int]] | None
    ) -> dict[str, list[int]]:
        """Shards per node by stake with capped D'Hondt (§5.2), then shard IDs: a fresh assignment
        at genesis, minimal movement afterwards (§5.3)."""
        counts = _native.dhondt([stake for _, stake in stakes], n_shards)
        new_counts = [(_id(node_id), count) for (node_id, _), count in zip(stakes, counts) if count > 0]
        if previous is None:
            assignment = _native.committee_initialize(new_counts)
        else:
            old = [(_id(node_id), shards) for node_id, shards in previous.items()]
            assignment = _native.committee_transition(old, new_counts)
        return {_hex(node_id): list(shards) for node_id, shards in assignment if shards}

    def prices(self, nodes: list[dict[str, Any]], weights: dict[str, int], n_shards: int) -> dict[str, int]:
        """Storage and write prices (FROST per MiB unit) from the committee's votes weighted by
        shards (§1.1); a node that casts no vote votes the defaults."""
        votes = [
            (
                n["storage_price_vote"] or self.default_storage_price,
                n["write_price_vote"] or self.default_write_price,
                weights[n["node_id"]],
            )
            for n in nodes
            if weights.get(n["node_id"])
        ]
        storage, write = _native.recalculate_prices(votes, n_shards)
        return {"storage_price": storage, "write_price": write}

    def charge_blob(
        self,
        state: dict[str, Any],
        prices: dict[str, int],
        n_shards: int,
        size: int,
        epochs_ahead: int,
        epoch: int,
    ) -> tuple[int, dict[str, Any]]:
        """The cost of storing ``size`` bytes for ``epochs_ahead`` epochs (§1.5–§1.6), and the
        state with the storage fee in each of the buckets ``epoch .. epoch + epochs_ahead`` and
        the write fee in the current one (§1.8)."""
        cost = _native.blob_cost(prices["storage_price"], prices["write_price"], size, epochs_ahead, n_shards)
        ring = {k: dict(v) for k, v in state["ring"].items()}
        for i in range(epochs_ahead):
            bucket = ring.setdefault(str(epoch + i), {"rewards": 0, "used_capacity": 0})
            bucket["rewards"] += cost["storage_per_epoch"]
            bucket["used_capacity"] += cost["encoded_length"]
        ring[str(epoch)]["rewards"] += cost["write_fee"]
        return cost["total"], {**state, "ring": ring}

    def end_epoch(
        self, state: dict[str, Any], weights: dict[str, int], epoch: int
    ) -> tuple[dict[str, int], dict[str, Any], dict[str, Any]]:
        """Close ``epoch`` (§3): burn 3 % of its bucket, pay each member by shards, and add the
        leftover to the next bucket. Returns (payouts by node ID, new state, summary)."""
        ring = {k: dict(v) for k, v in state["ring"].items()}
        bucket = ring.pop(str(epoch), {"rewards": 0, "used_capacity": 0})
        ids = list(weights)
        result = _native.epoch_rewards(bucket["rewards"], bucket["used_capacity"], [(weights[i], 0) for i in ids])
        nxt = ring.setdefault(str(epoch + 1), {"rewards": 0, "used_capacity": 0})
        nxt["rewards"] += result["leftover"]
        rewards = result["rewards"]
        assert isinstance(rewards, list)
        payouts = dict(zip(ids, rewards))
        new_state = {
            "ring": ring,
            "burned": state.get("burned", 0) + result["burned"],
            "paid": state.get("paid", 0) + result["paid"],
        }
        summary = {
            "collected": result["collected"],
            "burned": result["burned"],
            "paid": result["paid"],
            "carried_over": result["leftover"],
        }
        return payouts, new_state, summary
