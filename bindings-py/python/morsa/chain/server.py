"""The control plane's HTTP API (docs/network.md), served with Starlette and uvicorn."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..net import openapi
from ..net.accounts import public_key_of, verify_request
from ..net.errors import CHAIN_DOMAIN, ApiError
from ..net.server import json_api, read_body, serve, success
from .economy import Economy
from .state import ChainConfig, ChainState, NodeSpec

MAX_BODY_BYTES = 1 << 20


async def _json(request: Request) -> dict[str, Any]:
    return _parse_json(await read_body(request, MAX_BODY_BYTES))


def _address(text: str) -> str:
    """An account address (``0x`` and 64 hex digits, lower case), or 400."""
    if public_key_of(text.lower()) is None:
        raise ApiError(400, "INVALID_ADDRESS", f"{text!r} is not an account address (0x and 64 hex digits)")
    return text.lower()


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "INVALID_JSON", "the request body is not JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "INVALID_JSON", "the request body must be a JSON object")
    return data


def _field(data: dict[str, Any], name: str, kind: type, default: Any = ...) -> Any:
    value = data.get(name, default)
    if value is ...:
        raise ApiError(400, "MISSING_FIELD", f"the field {name!r} is required")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ApiError(400, "INVALID_FIELD", f"the field {name!r} must be a {kind.__name__}")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ApiError(400, "INVALID_FIELD", f"the field {name!r} is out of range")
    return value


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "INVALID_FIELD", f"the field {name!r} must be base64") from None


def create_app(config: ChainConfig, economy: Economy | None = None) -> Starlette:
    """The control plane's ASGI app; its state lives in ``config.data_dir``."""
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    state = ChainState(Path(config.data_dir) / "chain.sqlite3", economy or Economy())
    state.genesis(config)

    def admin(request: Request) -> None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {config.admin_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "UNAUTHENTICATED", "this operation needs the admin token")

    async def health(request: Request) -> JSONResponse:
        return success({"epoch": state.epoch, "n_shards": state.n_shards, **state.prices()})

    async def committee(request: Request) -> JSONResponse:
        return success(state.committee_info())

    async def account(request: Request) -> JSONResponse:
        address = _address(request.path_params["address"])
        return success({"address": address, "balance": state.balance(address)})

    async def faucet(request: Request) -> JSONResponse:
        if not config.faucet:
            raise ApiError(403, "FAUCET_DISABLED", "this control plane has no faucet (it is a devnet feature)")
        admin(request)
        address = _address(request.path_params["address"])
        amount = _field(await _json(request), "amount", int)
        return success({"address": address, "balance": state.faucet(address, amount, config.faucet_max)})

    async def register(request: Request) -> JSONResponse:
        body = await read_body(request, MAX_BODY_BYTES)
        now_ms = time.time_ns() // 1_000_000
        account, nonce = verify_request(dict(request.headers), "POST", request.url.path, body, now_ms)
        data = _parse_json(body)
        blob_id = _field(data, "blob_id", str)
        root_hash = _b64(_field(data, "root_hash", str), "root_hash")
        size = _field(data, "size", int)
        if _field(data, "encoding_type", str, "RS2") != "RS2":
            raise ApiError(400, "UNSUPPORTED_ENCODING", "only RS2 is supported")
        epochs = _field(data, "epochs_ahead", int, 1)
        deletable = _field(data, "deletable", bool, False)
        force = _field(data, "force", bool, False)
        if data.get("account", account) != account:
            raise ApiError(400, "INVALID_FIELD", "the field 'account' differs from the account that signed the request")
        if size < 0:
            raise ApiError(400, "INVALID_FIELD", "size must not be negative")
        blob, cost, new = await run_in_threadpool(
            state.register, blob_id, root_hash, size, epochs, deletable, account, nonce, now_ms, force
        )
        return success({"blob_object": blob, "cost": cost, "newly_registered": new}, 200 if new else 409)

    async def blob(request: Request) -> JSONResponse:
        return success(state.blob(request.path_params["blob_id"]))

    async def certify(request: Request) -> JSONResponse:
        cert = _b64(_field(await _json(request), "certificate", str), "certificate")
        blob = await run_in_threadpool(state.certify, request.path_params["blob_id"], cert)
        return success({"blob_object": blob})

    async def invalidate(request: Request) -> JSONResponse:
        blob_id = request.path_params["blob_id"]
        cert = _b64(_field(await _json(request), "certificate", str), "certificate")
        await run_in_threadpool(state.invalidate, blob_id, cert)
        return success({"blob_id": blob_id, "status": "invalid"})

    async def events(request: Request) -> JSONResponse:
        try:
            since = int(request.query_params.get("since", "0"))
            wait_ms = int(request.query_params.get("wait_ms", "0"))
        except ValueError:
            raise ApiError(400, "INVALID_QUERY", "since and wait_ms must be integers") from None
        if not 0 <= since < 2**63 or not 0 <= wait_ms <= 60_000:
            raise ApiError(400, "INVALID_QUERY", "since must not be negative and wait_ms must be in 0..60000")
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            found, nxt = state.events(since)
            if found or time.monotonic() >= deadline:
                return success({"events": found, "next": nxt})
            await asyncio.sleep(0.05)

    async def advance(request: Request) -> JSONResponse:
        admin(request)
        return success(await run_in_threadpool(state.advance_epoch))

    async def add_node(request: Request) -> JSONResponse:
        admin(request)
        data = await _json(request)
        spec = NodeSpec(
            name=_field(data, "name", str),
            url=_field(data, "url", str),
            public_key=_b64(_field(data, "public_key", str), "public_key"),
            stake=_field(data, "stake", int),
        )
        if len(spec.public_key) != 32 or spec.stake < 0:
            raise ApiError(400, "INVALID_FIELD", "public_key must be 32 bytes and stake non-negative")
        state.add_node(spec)
        return success({"node_id": spec.node_id})

    async def nodes(request: Request) -> JSONResponse:
        return success({"nodes": state.nodes()})

    routes = [
        Route("/v1/health", health),
        Route("/v1/committee", committee),
        Route("/v1/nodes", nodes),
        Route("/v1/accounts/{address}", account),
        Route("/v1/accounts/{address}/faucet", faucet, methods=["POST"]),
        Route("/v1/blobs", register, methods=["POST"]),
        Route("/v1/blobs/{blob_id}", blob),
        Route("/v1/blobs/{blob_id}/certificate", certify, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/invalid", invalidate, methods=["POST"]),
        Route("/v1/events", events),
        Route("/v1/admin/epoch", advance, methods=["POST"]),
        Route("/v1/admin/nodes", add_node, methods=["POST"]),
    ]

    # Browsers on any origin may read the committee (GET only; admin calls stay same-origin).
    app = json_api(routes, domain=CHAIN_DOMAIN, cors_methods=["GET"], openapi=openapi.control_plane())
    app.state.chain = state
    return app


def run(config: ChainConfig) -> int:
    """Serve the control plane until SIGTERM or SIGINT; 0 after a clean shutdown."""
    return serve(create_app(config), config.host, config.port)
