"""Walrus's own certificates, verified offline: the arguments of a ``certify_blob`` (or
``invalidate_blob_id``) call, checked against a snapshot of the committee by Walrus's rules
(SPEC §10.2–§10.3; ``contracts/walrus/sources/system/bls_aggregate.move``).

A certificate is an aggregate BLS12-381 signature (96 bytes; fastcrypto ``min_pk``), a signer
bitmap over the committee's member order (member ``i`` is bit ``i % 8`` of byte ``i // 8``; a
list of member indices, as Walrus's ``ConfirmationCertificate.signers``, is accepted too) and
the signed message (BCS ``ProtocolMessage``: ``01 00 03 ‖ epoch ‖ blob ID ‖ blob type`` for a
storage confirmation). It is accepted when the message is for the committee's epoch, the
signers hold ``3w ≥ 2n + 1`` of the ``n`` shards (``3w ≥ n + 1`` to invalidate a blob), and the
signature is the aggregate of the signers' signatures of the message. The rules are the core's
(``morsa_core::certificate::bls``).

**Committee snapshot** (JSON; ``WalrusCommittee.from_json``/``to_json``)::

    {"epoch": 42,
     "members": [{"name": "node-a", "public_key": "<BLS key: base64, or 0x and 96 hex digits>",
                  "weight": 7}, ...]}

in committee order (the order of the members in the epoch's committee object on chain, which
the signer bitmap indexes). A member may give ``"shard_ids": [...]`` instead of ``"weight"``:
that is the shape of Walrus's ``Committee``/``StorageNode`` types (``crates/walrus-sui/src/types``,
``public_key`` and ``shard_ids``), so a committee dumped from Walrus's sources converts as is
(``morsa certificate committee FILE`` writes the snapshot).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from . import _native
from ._native import (
    BlsCertificate,
    BlsCertificateBuilder,
    BlsSigningKey,
    VerifiedCertificate,
    bls_aggregate,
    bls_verify,
    bls_verify_aggregate,
    bls_verify_proof_of_possession,
)

BLS_PUBLIC_KEY_LEN = 48
BLS_SIGNATURE_LEN = 96


def decode_bytes(value: Any, what: str, length: int | None = None) -> bytes:
    """Bytes given as ``0x`` hex, standard or URL-safe base64 (padding optional), or a JSON
    list of numbers (as serde writes ``Vec<u8>``). Raises :class:`morsa.InvalidArgumentError`."""
    data: bytes | None = None
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        data = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith(("0x", "0X")):
            try:
                data = bytes.fromhex(text[2:])
            except ValueError:
                data = None
        else:
            padded = text + "=" * (-len(text) % 4)
            try:
                data = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
            except (binascii.Error, ValueError):
                data = None
    if data is None:
        raise _native.InvalidArgumentError(f"{what}: give 0x-prefixed hex, base64 or a list of byte values, not {str(value)[:40]!r}")
    if length is not None and len(data) != length:
        raise _native.InvalidArgumentError(f"{what} is {length} bytes, got {len(data)}")
    return data


@dataclass(frozen=True)
class WalrusMember:
    """A committee member: its BLS public key (48 bytes), its weight (shards) and a name."""

    public_key: bytes
    weight: int
    name: str = ""


@dataclass(frozen=True)
class WalrusCommittee:
    """A snapshot of Walrus's committee for one epoch, members in committee order."""

    epoch: int
    members: list[WalrusMember] = field(default_factory=list)

    @property
    def n_shards(self) -> int:
        return sum(m.weight for m in self.members)

    @staticmethod
    def from_json(data: Any) -> WalrusCommittee:
        """The snapshot format of the module docs, or Walrus's committee shape (members with
        ``shard_ids``). Raises :class:`morsa.InvalidArgumentError` saying what is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("epoch"), int) or not isinstance(data.get("members"), list):
            raise _native.InvalidArgumentError('a committee snapshot is {"epoch": N, "members": [...]}')
        members = []
        for i, m in enumerate(data["members"]):
            if not isinstance(m, dict) or "public_key" not in m:
                raise _native.InvalidArgumentError(f"member {i}: give public_key and weight (or shard_ids)")
            if "weight" in m:
                weight = m["weight"]
            elif isinstance(m.get("shard_ids"), list):
                weight = len(m["shard_ids"])
            else:
                raise _native.InvalidArgumentError(f"member {i}: give weight or shard_ids")
            if not isinstance(weight, int) or not 0 <= weight <= 0xFFFF:
                raise _native.InvalidArgumentError(f"member {i}: the weight is a number of shards, not {weight!r}")
            key = decode_bytes(m["public_key"], f"member {i}'s public key", BLS_PUBLIC_KEY_LEN)
            members.append(WalrusMember(key, weight, str(m.get("name", ""))))
        if not members:
            raise _native.InvalidArgumentError("a committee has members")
        return WalrusCommittee(int(data["epoch"]), members)

    def to_json(self) -> dict[str, Any]:
        """The snapshot format (keys in base64, as Walrus's JSON writes them)."""
        return {
            "epoch": self.epoch,
            "members": [{"name": m.name, "public_key": base64.b64encode(m.public_key).decode(), "weight": m.weight} for m in self.members],
        }


def signers_bitmap(signers: Any, n_members: int) -> bytes:
    """A signer bitmap from a bitmap (bytes, hex or base64) or from a JSON list of member indices
    (Walrus's ``ConfirmationCertificate.signers``: a list is always indices). Raises
    :class:`morsa.InvalidArgumentError`."""
    if isinstance(signers, list) and all(isinstance(i, int) and i >= 0 for i in signers):
        return _native.signer_bitmap(signers, n_members)
    return decode_bytes(signers, "the signer bitmap")


def verify_walrus_certificate(
    signature: Any,
    signers: Any,
    message: Any,
    committee: WalrusCommittee,
    kind: str | None = None,
) -> VerifiedCertificate:
    """Whether Walrus accepts a certificate: ``signature`` (96 bytes), ``signers`` (a bitmap, or
    a list of member indices), ``message`` (the signed bytes), each as bytes, hex, base64 or a
    list of byte values, for ``committee``; as a ``kind`` certificate ("confirmation",
    "invalid_blob") or as its message says. Returns what it certifies; raises
    :class:`morsa.CertificateError` (epoch, bitmap, weight, signature: the message says which),
    :class:`morsa.WireFormatError` (the message), :class:`morsa.InvalidArgumentError`."""
    members = [(m.public_key, m.weight) for m in committee.members]
    return _native.verify_walrus_certificate(
        decode_bytes(signature, "the signature", BLS_SIGNATURE_LEN),
        signers_bitmap(signers, len(members)),
        decode_bytes(message, "the message"),
        committee.epoch,
        members,
        kind,  # type: ignore[arg-type]
    )


def load_committee(path: str) -> WalrusCommittee:
    """A committee snapshot from a JSON file. Raises ``OSError`` and
    :class:`morsa.InvalidArgumentError`."""
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except ValueError as e:
            raise _native.InvalidArgumentError(f"{path}: not JSON ({e})") from None
    return WalrusCommittee.from_json(data)


__all__ = [
    "BlsCertificate",
    "BlsCertificateBuilder",
    "BlsSigningKey",
    "bls_aggregate",
    "bls_verify",
    "bls_verify_aggregate",
    "bls_verify_proof_of_possession",
    "WalrusCommittee",
    "WalrusMember",
    "decode_bytes",
    "load_committee",
    "signers_bitmap",
    "verify_walrus_certificate",
]
