"""The committee of an epoch, with the members' names and URLs: the one committee view of the
network (docs/network.md ``GET /v1/committee``).

The postcard :class:`morsa.Committee` is authoritative (member order, public keys, shards;
certificate bitmaps index its member order, SPEC §10.3); the JSON beside it adds each member's
name and URL, matched by public key, and, for a committee that certifies with BLS12-381
(``"signature_scheme": "bls12381"``, as Walrus's does), each member's BLS public key (48 bytes,
Walrus's protocol key; the Ed25519 key stays the node's identity). The view is the one place
that knows which scheme certifies: :meth:`CommitteeView.certificate_builder` and
:meth:`CommitteeView.verify_certificate` pick Morsa's Ed25519 certificates or Walrus's BLS
aggregates by it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .. import _native
from .._types import CertificateKind, SignatureScheme

CertificateBuilder = _native.CertificateBuilder | _native.BlsCertificateBuilder
"""A builder of either scheme: ``add(member, message, signature)``, ``is_complete``,
``missing_weight``, ``finish().to_bytes()``."""


@dataclass(frozen=True)
class Member:
    """A committee member: its index in the committee (certificate bitmaps), node ID (hex of
    the Ed25519 public key), name, REST URL, public key (32 bytes), shards, and BLS public key
    (48 bytes) in a BLS committee."""

    index: int
    node_id: str
    name: str
    url: str
    public_key: bytes
    shards: tuple[int, ...]
    bls_public_key: bytes | None = None

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
    """One epoch's committee: ``epoch``, ``n_shards``, the :class:`morsa.Committee`, its
    members in committee order and the signature scheme it certifies with."""

    epoch: int
    n_shards: int
    committee: _native.Committee
    members: tuple[Member, ...]
    scheme: SignatureScheme = "ed25519"

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
        scheme = _native.signature_scheme(str(data.get("signature_scheme", "ed25519")))
        info = {base64.b64decode(m["public_key"]): m for m in data.get("members", [])}
        members = []
        for index, (public_key, shards) in enumerate(committee.members):
            m = info.get(public_key, {})
            bls_key = base64.b64decode(m["bls_public_key"]) if m.get("bls_public_key") else None
            if scheme == "bls12381" and (bls_key is None or len(bls_key) != 48):
                raise ValueError(f"member {index} of a BLS committee has no 48-byte BLS public key")
            name, url = str(m.get("name", "")), str(m.get("url", "")).rstrip("/")
            members.append(Member(index, public_key.hex(), name, url, public_key, tuple(shards), bls_key))
        return CommitteeView(committee.epoch, committee.n_shards, committee, tuple(members), scheme)

    @property
    def bls_members(self) -> list[tuple[bytes, int]]:
        """``(BLS public key, shards)`` in committee order (a BLS committee; empty keys otherwise)."""
        return [(m.bls_public_key or b"", m.weight) for m in self.members]

    def certificate_builder(self, message: _native.StorageConfirmation | _native.InvalidBlobIdMessage) -> CertificateBuilder:
        """A builder of a certificate of ``message`` in this committee's scheme: Morsa's
        Ed25519 :class:`morsa.CertificateBuilder` or Walrus's aggregating
        :class:`morsa.BlsCertificateBuilder` (SPEC §10.3)."""
        if self.scheme == "bls12381":
            return _native.BlsCertificateBuilder(self.epoch, self.bls_members, message)
        return _native.CertificateBuilder(self.committee, message)

    def verify_certificate(self, certificate: bytes, kind: CertificateKind | None = None) -> _native.VerifiedCertificate:
        """Verify certificate bytes of this committee's scheme (Morsa's postcard certificate or
        Walrus's BCS ``ProtocolMessageCertificate``) as a ``kind`` certificate, or as its
        message's intent declares. Raises :class:`morsa.CertificateError`,
        :class:`morsa.SignatureError` or :class:`morsa.WireFormatError` (SPEC §10.3)."""
        if self.scheme == "bls12381":
            return _native.BlsCertificate.from_bytes(certificate).verify(self.epoch, self.bls_members, kind)
        return _native.Certificate.from_bytes(certificate).verify(self.committee, kind)

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
        return (
            other is not None
            and other.epoch == self.epoch
            and other.scheme == self.scheme
            and other.committee.to_bytes() == self.committee.to_bytes()
            and [m.bls_public_key for m in other.members] == [m.bls_public_key for m in self.members]
        )


__all__ = ["CommitteeView", "Member"]
