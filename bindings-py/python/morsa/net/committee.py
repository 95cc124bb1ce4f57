"""The committee of an epoch, with the members' names and URLs: the one committee view of the
network (docs/network.md ``GET /v1/committee``).

The postcard :class:`morsa.Committee` is authoritative (member order, public keys, shards;
certificate bitmaps index its member order, SPEC §10.3); the JSON beside it adds each member's
name and URL, matched by public key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .. import _native


@dataclass(frozen=True)
class Member:
    """A committee member: its index in the committee (certificate bitmaps), node ID (hex of
    the Ed25519 public key), name, REST URL, public key (32 bytes) and shards."""

    index: int
    node_id: str
    name: str
    url: str
    public_key: bytes
    shards: tuple[int, ...]

    @property
    def weight(self) -> int:
        """Shards held: the member's weight in quorums (SPEC §10.3)."""
        return len(self.shards)

    @property
    def label(self) -> str:
        """The name, else the first 16 hex digits of the node ID (for messages)."""
        return self.name or self.node_id[:16]


@dataclass(frozen=True)
class CommitteeView:
    """One epoch's committee: ``epoch``, ``n_shards``, the :class:`morsa.Committee` and its
    members in committee order."""

    epoch: int
    n_shards: int
    committee: _native.Committee
    members: tuple[Member, ...]

    @property
    def config(self) -> _native.EncodingConfig:
        """The encoding configuration of this shard count (SPEC §1)."""
        return _native.EncodingConfig(self.n_shards)

    @staticmethod
    def from_json(data: dict[str, Any]) -> CommitteeView:
        """From the control plane's ``/v1/committee`` data. Raises :class:`morsa.CommitteeError`
        (bad postcard bytes) or ``KeyError``/``ValueError``/``TypeError`` for a malformed
        object (the control-plane client maps those)."""
        committee = _native.Committee.from_bytes(base64.b64decode(data["committee"]))
        info = {base64.b64decode(m["public_key"]): m for m in data.get("members", [])}
        members = []
        for index, (public_key, shards) in enumerate(committee.members):
            m = info.get(public_key, {})
            members.append(
                Member(index, public_key.hex(), str(m.get("name", "")), str(m.get("url", "")).rstrip("/"), public_key, tuple(shards))
            )
        return CommitteeView(committee.epoch, committee.n_shards, committee, tuple(members))

    def member_for_shard(self, shard: int) -> Member:
        """The member holding ``shard``."""
        return self.members[self.committee.shard_owner(shard)]

    def member_for_pair(self, blob_id: str, pair: int) -> Member:
        """The member holding sliver pair ``pair`` of ``blob_id`` (SPEC §4.2)."""
        return self.member_for_shard(_native.shard_index_for_pair(blob_id, self.n_shards, pair))

    def member_by_key(self, public_key: bytes) -> Member | None:
        """The member with this public key, or None."""
        index = self.committee.member_index(public_key)
        return None if index is None else self.members[index]

    def pairs_of(self, member: Member, blob_id: str) -> list[int]:
        """The sliver pairs of ``blob_id`` on ``member``'s shards (SPEC §4.2), ascending."""
        return sorted(_native.pair_index_for_shard(blob_id, self.n_shards, shard) for shard in member.shards)

    def same_as(self, other: CommitteeView | None) -> bool:
        """Whether ``other`` is the same epoch and committee."""
        return other is not None and other.epoch == self.epoch and other.committee.to_bytes() == self.committee.to_bytes()


__all__ = ["CommitteeView", "Member"]
