"""A Seal-compatible key server (``morsa keyserver run``; docs/private-blobs.md).

It holds one master key (from the 32-byte seed of its config) and releases, for an identity
``policy package ‖ policy ID ‖ nonce``, the user secret key ``s·H(id)`` — ElGamal-encrypted to
the reader's ephemeral key — to an account that signed the request and whom the identity's
policy on the control plane approves (``GET /v1/policies/access``, Seal's dry run of
``seal_approve``). The wire protocol is :mod:`morsa.net.keyservers`; the cryptography is the
core's (``seal::key_response``).

The config is a JSON object::

    {"name": "keyserver-0", "host": "127.0.0.1", "port": 9300, "seed": "<64 hex digits>",
     "chain_url": "http://127.0.0.1:9000"}

The key server keeps no state: it can be restarted, or run as several processes, at will.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import _native
from .net import openapi
from .net.accounts import NONCE_WINDOW_MS, verify_request
from .net.control import HttpControlPlane
from .net.errors import ApiError, NetworkError, RemoteError
from .net.keyservers import POLICY_PACKAGE_ID, hex_id, key_server_object_id, parse_fetch_key_body
from .net.server import LOOPBACK_HOSTS, json_api, read_body, serve, success

KEY_SERVER_DOMAIN = "keyserver.morsa.local"
"""``ErrorInfo.domain`` of a key server's errors."""
MAX_BODY_BYTES = 64 * 1024
MAX_REMEMBERED_NONCES = 100_000
"""Nonces of recent requests kept to refuse replays (those older than the window drop out)."""

log = logging.getLogger("morsa.keyserver")


class KeyServerConfigError(_native.MorsaError):
    """A key server config that is missing, not JSON, or has a missing or invalid field."""


@dataclass(frozen=True)
class KeyServerConfig:
    """A key server's settings (see the module docs)."""

    name: str
    seed: bytes = field(repr=False)
    chain_url: str
    host: str = "127.0.0.1"
    port: int = 9300

    @staticmethod
    def load(path: str | os.PathLike[str]) -> KeyServerConfig:
        """Read a config file. Raises :class:`KeyServerConfigError`."""
        try:
            raw = json.loads(Path(path).read_text())
        except OSError as e:
            raise KeyServerConfigError(f"{path}: {e.strerror or e}") from None
        except ValueError as e:
            raise KeyServerConfigError(f"{path}: not JSON ({e})") from None
        try:
            seed = bytes.fromhex(raw["seed"])
            config = KeyServerConfig(str(raw["name"]), seed, str(raw["chain_url"]), str(raw.get("host", "127.0.0.1")), int(raw.get("port", 9300)))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise KeyServerConfigError(f"{path}: needs name, seed (64 hex digits) and chain_url ({type(e).__name__}: {e})") from None
        if len(seed) != 32:
            raise KeyServerConfigError(f"{path}: the seed is 64 hex digits")
        if config.host not in LOOPBACK_HOSTS:
            raise KeyServerConfigError(f"{path}: a key server binds to loopback only, not {config.host!r}")
        return config

    @property
    def master_key(self) -> _native.SealMasterKey:
        return _native.SealMasterKey.from_seed(self.seed)


def create_app(config: KeyServerConfig, control: HttpControlPlane | None = None) -> Starlette:
    """The key server's ASGI app. ``control``: the control plane to ask (default: ``config.chain_url``)."""
    master = config.master_key
    public_key = master.public_key
    object_id = key_server_object_id(public_key)
    chain = control or HttpControlPlane(config.chain_url, timeout=5.0)
    service = {
        "name": config.name,
        "object_id": hex_id(object_id),
        "public_key": base64.b64encode(public_key).decode(),
        "package_id": hex_id(POLICY_PACKAGE_ID),
    }

    async def health(request: Request) -> JSONResponse:
        return success({"name": config.name, "object_id": service["object_id"]})

    async def service_info(request: Request) -> JSONResponse:
        return success(service)

    used_nonces: OrderedDict[tuple[str, str], int] = OrderedDict()

    def use_nonce(account: str, nonce: str, now: int) -> None:
        """Refuse a replayed request (its answer is encrypted to the requester's key anyway:
        this keeps replays from asking the control plane again)."""
        while used_nonces and (len(used_nonces) >= MAX_REMEMBERED_NONCES or next(iter(used_nonces.values())) < now):
            used_nonces.popitem(last=False)
        if (account, nonce) in used_nonces:
            raise ApiError(401, "UNAUTHENTICATED", "this request was already made (a replayed nonce)")
        used_nonces[(account, nonce)] = now + 2 * NONCE_WINDOW_MS

    async def fetch_key(request: Request) -> JSONResponse:
        body = await read_body(request, MAX_BODY_BYTES)
        now = time.time_ns() // 1_000_000
        account, nonce = verify_request(dict(request.headers), "POST", request.url.path, body, now)
        try:
            ids, reader_key = parse_fetch_key_body(body)
        except ValueError as e:
            raise ApiError(400, "INVALID_REQUEST", str(e)) from None
        use_nonce(account, nonce, now)
        try:
            decisions = await asyncio.gather(*(chain.policy_access(account, i) for i in ids))
        except RemoteError as e:
            if e.status == 400:
                raise ApiError(400, "INVALID_IDENTITY", f"the control plane refused the identity: {e}") from None
            raise ApiError(503, "CONTROL_PLANE_UNAVAILABLE", f"the control plane cannot decide: {e}") from None
        except NetworkError as e:
            raise ApiError(503, "CONTROL_PLANE_UNAVAILABLE", f"the control plane cannot be asked: {e}") from None
        for inner_id, decision in zip(ids, decisions):
            if not decision["approved"]:
                reason = str(decision.get("reason", "DENIED"))
                log.info("refused %s for %s: %s", account, inner_id.hex(), reason)
                raise ApiError(403, "ACCESS_DENIED", str(decision.get("message", reason)), metadata={"reason": reason, "id": inner_id.hex()})

        def answer() -> list[dict[str, Any]]:
            out = []
            for inner_id in ids:
                c0, c1 = master.key_response(POLICY_PACKAGE_ID + inner_id, reader_key, os.urandom(32))
                out.append({"id": inner_id.hex(), "encrypted_key": [base64.b64encode(c0).decode(), base64.b64encode(c1).decode()]})
            return out

        try:
            keys = await run_in_threadpool(answer)
        except _native.MorsaError as e:
            raise ApiError(400, "INVALID_REQUEST", f"enc_key is not a G1 point: {e}") from None
        log.info("released %d key(s) to %s", len(keys), account)
        return JSONResponse({"decryption_keys": keys})

    routes = [
        Route("/v1/health", health),
        Route("/v1/service", service_info),
        Route("/v1/fetch_key", fetch_key, methods=["POST"]),
    ]
    # Pages on any origin may fetch keys: every request is signed by its account.
    return json_api(routes, domain=KEY_SERVER_DOMAIN, cors_methods=["GET", "POST"], openapi=openapi.key_server())


def run(config: KeyServerConfig) -> int:
    """Serve until SIGTERM or SIGINT."""
    return serve(create_app(config), config.host, config.port)


__all__ = ["KEY_SERVER_DOMAIN", "KeyServerConfig", "KeyServerConfigError", "create_app", "run"]
