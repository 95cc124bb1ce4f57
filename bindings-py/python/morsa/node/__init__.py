"""The Morsa storage node (docs/network.md, "Storage node"; SPEC §11).

A node serves the Walrus storage-node REST API on loopback for the shards the control plane
assigns to its Ed25519 key, stores verified metadata and slivers durably in SQLite, signs
storage confirmations and invalid-blob attestations, and recovers slivers it lacks from the
other nodes' recovery symbols.

* :class:`NodeConfig` — the JSON config;
* :func:`create_app` — the Starlette app (the service runs with the app's lifespan);
* :class:`NodeService` — the protocol logic; :class:`Healer` — its background tasks;
* :func:`run` — serve until SIGTERM/SIGINT (``morsa node run --config FILE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .app import create_app
    from .config import ConfigError, NodeConfig
    from .healer import Healer
    from .runner import run
    from .service import NodeService
    from .store import NodeStore

__all__ = [
    "ConfigError",
    "Healer",
    "NodeConfig",
    "NodeService",
    "NodeStore",
    "create_app",
    "run",
]

__getattr__ = lazy_exports(__name__, {
    "create_app": ".app",
    "Healer": ".healer",
    "ConfigError": ".config",
    "NodeConfig": ".config",
    "run": ".runner",
    "NodeService": ".service",
    "NodeStore": ".store",
})
