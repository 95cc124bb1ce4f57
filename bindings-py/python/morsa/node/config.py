"""Storage-node configuration (docs/network.md, "Storage node").

The config is a JSON object::

    {"name": "node-0", "host": "127.0.0.1", "port": 9100, "data_dir": "…/node-0",
     "seed": "<64 hex chars>", "chain_url": "http://127.0.0.1:9000",
     "max_body_bytes": 67108864}

Optional tuning keys (not in docs/network.md; defaults suit a devnet): ``events_wait_ms``
(long-poll of ``/v1/events``, default 5000), ``peer_timeout_s`` (per request to another node,
default 10), ``sync_retry_s`` (delay before retrying a blob whose slivers could not yet be
recovered, default 2), ``max_upload_bytes_in_flight`` (uploads beyond this many bytes being
received and stored at once are answered 503 with ``Retry-After``, default 256 MiB),
``scrub_bytes_per_s`` (the rate at which stored slivers are re-read and checked in the
background, default 8 MiB/s; 0 turns scrubbing off) and ``scrub_interval_s`` (the pause between
two passes over everything stored, default 300), ``reencode_limit_bytes`` (a node missing at
least half its slivers of a blob up to this size reads and re-encodes the blob instead of
recovering every sliver from recovery symbols, default 16 MiB; 0: always from symbols).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from .._native import BlsSigningKey, MorsaError
from ..net.server import LOOPBACK_HOSTS


def _positive(value: int, name: str) -> int:
    if value <= 0:
        raise ConfigError(f"field {name!r} must be positive")
    return value


class ConfigError(MorsaError):
    """A config file that is missing, not JSON, or has a missing or invalid field."""


@dataclass(frozen=True)
class NodeConfig:
    """A storage node's settings.

    ``seed`` is the 32-byte Ed25519 seed (64 hex characters) of the node's signing key; its
    public key is the node's identity in the committee. ``max_body_bytes`` bounds every request
    body (the sliver limit ``s * 65534 + 128`` of SPEC §11 applies below it).
    """

    name: str
    port: int
    data_dir: str
    seed: str
    chain_url: str
    host: str = "127.0.0.1"
    max_body_bytes: int = 64 * 1024 * 1024
    events_wait_ms: int = 5000
    peer_timeout_s: float = 10.0
    max_upload_bytes_in_flight: int = 256 * 1024 * 1024
    scrub_bytes_per_s: int = 8 * 1024 * 1024
    scrub_interval_s: float = 300.0
    reencode_limit_bytes: int = 16 * 1024 * 1024
    sync_retry_s: float = 2.0

    @property
    def seed_bytes(self) -> bytes:
        """The 32 seed bytes."""
        return bytes.fromhex(self.seed)

    @property
    def bls_key(self) -> BlsSigningKey:
        """The node's BLS12-381 protocol key (what it signs confirmations with in a BLS
        network), derived from the seed: :func:`bls_key_of_seed`."""
        return bls_key_of_seed(self.seed_bytes)

    @property
    def url(self) -> str:
        """``http://host:port`` of this node."""
        return f"http://{self.host}:{self.port}"

    @classmethod
    def from_dict(cls, raw: Any) -> NodeConfig:
        """Validate a decoded JSON object. Raises :class:`ConfigError`."""
        if not isinstance(raw, dict):
            raise ConfigError("the config must be a JSON object")

        def get(key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
            if key not in raw:
                if default is ...:
                    raise ConfigError(f"missing field {key!r}")
                return default
            value = raw[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ConfigError(f"field {key!r} has the wrong type")
            return value

        seed = get("seed", str)
        try:
            seed_bytes = bytes.fromhex(seed)
        except ValueError:
            raise ConfigError("field 'seed' must be 64 hex characters") from None
        if len(seed_bytes) != 32:
            raise ConfigError("field 'seed' must be 64 hex characters (32 bytes)")
        if seed_bytes == bytes(32):
            raise ConfigError("field 'seed' must not be all zeros")
        port = get("port", int)
        if not 0 < port < 65536:
            raise ConfigError(f"field 'port' is out of range: {port}")
        host = get("host", str, "127.0.0.1")
        if host not in LOOPBACK_HOSTS:
            raise ConfigError(f"field 'host' must be a loopback address, not {host!r}")
        max_body = get("max_body_bytes", int, 64 * 1024 * 1024)
        if max_body <= 0:
            raise ConfigError("field 'max_body_bytes' must be positive")
        chain_url = get("chain_url", str).rstrip("/")
        if not chain_url.startswith(("http://", "https://")):
            raise ConfigError("field 'chain_url' must be an http:// URL")
        events_wait_ms = get("events_wait_ms", int, 5000)
        if not 0 <= events_wait_ms <= 60_000:
            raise ConfigError("field 'events_wait_ms' must be in 0..60000")
        return cls(
            name=get("name", str),
            host=host,
            port=port,
            data_dir=get("data_dir", str),
            seed=seed.lower(),
            chain_url=chain_url,
            max_body_bytes=max_body,
            events_wait_ms=events_wait_ms,
            peer_timeout_s=float(get("peer_timeout_s", (int, float), 10.0)),
            sync_retry_s=float(get("sync_retry_s", (int, float), 2.0)),
            max_upload_bytes_in_flight=_positive(get("max_upload_bytes_in_flight", int, 256 * 1024 * 1024), "max_upload_bytes_in_flight"),
            scrub_bytes_per_s=max(0, get("scrub_bytes_per_s", int, 8 * 1024 * 1024)),
            scrub_interval_s=float(get("scrub_interval_s", (int, float), 300.0)),
            reencode_limit_bytes=max(0, get("reencode_limit_bytes", int, 16 * 1024 * 1024)),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NodeConfig:
        """Read and validate a JSON config file. Raises :class:`ConfigError`."""
        try:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such file") from None
        except OSError as e:
            raise ConfigError(f"{path}: {e.strerror or e}") from None
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}: not valid JSON: {e}") from None
        try:
            return cls.from_dict(raw)
        except ConfigError as e:
            raise ConfigError(f"{path}: {e}") from None


BLS_KEY_DOMAIN = b"morsa/node-bls-protocol-key/v1:"
"""Prefix of the input keying material of a node's BLS key, so that it differs from any other
use of the seed (the seed itself is the Ed25519 key)."""


def bls_key_of_seed(seed: bytes) -> BlsSigningKey:
    """The BLS12-381 protocol key of the node whose Ed25519 seed is ``seed``: IETF KeyGen of
    :data:`BLS_KEY_DOMAIN` ‖ seed. Like Walrus's storage nodes, a Morsa node has two keys: the
    Ed25519 one names it and signs its requests, the BLS one signs protocol messages when the
    committee certifies with BLS."""
    return BlsSigningKey.from_ikm(BLS_KEY_DOMAIN + seed)
