"""The network's protocol package: every process of a Morsa network (client, storage node,
control plane, aggregator/publisher, ``walrus://`` filesystem, CLI) speaks through it.

* :mod:`~morsa.net.errors` — the error envelope (AIP-193) and its status table; client errors
  (:class:`NetworkError`, :class:`TransportError`, :class:`RemoteError`);
* :mod:`~morsa.net.transport` — :class:`Http`, keep-alive connection pools (aiohttp);
* :mod:`~morsa.net.retry` — :class:`RetryPolicy`, the one backoff policy;
* :mod:`~morsa.net.committee` — :class:`CommitteeView` and :class:`Member`;
* :mod:`~morsa.net.nodes` — :class:`StorageNodeClient`, the Walrus storage-node REST API;
* :mod:`~morsa.net.control` — the :class:`ControlPlane` protocol (the seam where a Sui adapter
  plugs in) and :class:`HttpControlPlane`;
* :mod:`~morsa.net.sync` — :func:`run_sync`, synchronous calls that work inside a running
  event loop (notebooks);
* :mod:`~morsa.net.server` — serving: app factory, body limits, request log, uvicorn.

Protocol rules (index mappings, limits, BCS) come from the core through ``morsa._native``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .committee import CommitteeView, Member
    from .control import BlobState, ChainEvent, ControlPlane, HttpControlPlane, Registration
    from .errors import ApiError, NetworkError, RemoteError, TransportError
    from .nodes import StorageNodeClient
    from .retry import RetryPolicy
    from .sync import run_sync
    from .transport import Http

__all__ = [
    "ApiError",
    "BlobState",
    "CommitteeView",
    "ControlPlane",
    "ChainEvent",
    "Http",
    "HttpControlPlane",
    "Member",
    "NetworkError",
    "Registration",
    "RemoteError",
    "RetryPolicy",
    "StorageNodeClient",
    "TransportError",
    "run_sync",
]

__getattr__ = lazy_exports(__name__, {
    "CommitteeView": ".committee",
    "Member": ".committee",
    "BlobState": ".control",
    "ControlPlane": ".control",
    "ChainEvent": ".control",
    "HttpControlPlane": ".control",
    "Registration": ".control",
    "ApiError": ".errors",
    "NetworkError": ".errors",
    "RemoteError": ".errors",
    "TransportError": ".errors",
    "StorageNodeClient": ".nodes",
    "RetryPolicy": ".retry",
    "run_sync": ".sync",
    "Http": ".transport",
})
