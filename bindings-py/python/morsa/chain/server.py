"""The control plane's HTTP API (docs/network.md), served with Starlette and uvicorn.

With an epoch duration, a background task runs the epoch timer (``ChainState.tick``) twice a
second: ``voting_end`` half an epoch after its start, the epoch change at its end.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..net import openapi
from ..net.accounts import public_key_of, verify_request
from ..net.errors import CHAIN_DOMAIN, ApiError
from ..net.server import json_api, read_body, serve, success
from .state import ChainConfig, ChainState, NodeSpec

MAX_BODY_BYTES = 1 << 20
EXPLORER = Path(__file__).with_name("explorer.html")
"""The explorer page served at ``/explorer``: epoch, committee, rewards per epoch, blobs, events."""
TICK_SECONDS = 0.5
"""How often the epoch timer looks at the clock."""

log = logging.getLogger("morsa.chain")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


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


def _stake_id(text: str) -> int:
    if not text.isdigit() or len(text) > 19:
        raise ApiError(400, "INVALID_STAKE_ID", f"{text!r} is not a stake object ID (a positive integer)")
    return int(text)


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "INVALID_FIELD", f"the field {name!r} must be base64") from None


def create_app(config: ChainConfig) -> Starlette:
    """The control plane's ASGI app; its state lives in ``config.data_dir``."""
    Path(config.data_dir).mkdir(parents=True, exist_ok=True)
    state = ChainState(Path(config.data_dir) / "chain.sqlite3")
    state.genesis(config, now_ms())

    async def timer() -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            try:
                for change in await run_in_threadpool(state.tick, now_ms()):
                    log.info("epoch timer: %s", change)
            except ApiError as e:
                log.error("the epoch timer could not change the epoch: %s", e.message)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(timer()) if config.epoch_duration_ms > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def signed(request: Request) -> tuple[str, str, int, dict[str, Any]]:
        """The account, nonce, time and JSON body of a signed request."""
        body = await read_body(request, MAX_BODY_BYTES)
        now = now_ms()
        account, nonce = verify_request(dict(request.headers), request.method, request.url.path, body, now)
        return account, nonce, now, _parse_json(body)

    def admin(request: Request) -> None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {config.admin_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(401, "UNAUTHENTICATED", "this operation needs the admin token")

    async def health(request: Request) -> JSONResponse:
        net = state.network
        return success({
            "epoch": state.epoch,
            "n_shards": state.n_shards,
            **state.prices(),
            "next_epoch_change_ms": None if net is None else net.next_epoch_change_ms,
        })

    async def committee(request: Request) -> JSONResponse:
        epoch = request.query_params.get("epoch")
        if epoch is not None and (not epoch.isdigit() or len(epoch) > 10):
            raise ApiError(400, "INVALID_QUERY", "epoch must be a non-negative integer")
        return success(state.committee_info(None if epoch is None else int(epoch)))

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
        now = now_ms()
        account, nonce = verify_request(dict(request.headers), "POST", request.url.path, body, now)
        data = _parse_json(body)
        blob_id = _field(data, "blob_id", str)
        root_hash = _b64(_field(data, "root_hash", str), "root_hash")
        size = _field(data, "size", int)
        if _field(data, "encoding_type", str, "RS2") != "RS2":
            raise ApiError(400, "UNSUPPORTED_ENCODING", "only RS2 is supported")
        epochs = _field(data, "epochs_ahead", int, 1)
        deletable = _field(data, "deletable", bool, False)
        force = _field(data, "force", bool, False)
        attributes = _field(data, "attributes", dict, {})
        reuse = _field(data, "reuse_resources", bool, True)
        owner = _field(data, "owner", str, None) if data.get("owner") is not None else None
        owner = None if owner is None else _address(owner)
        if data.get("account", account) != account:
            raise ApiError(400, "INVALID_FIELD", "the field 'account' differs from the account that signed the request")
        if size < 0:
            raise ApiError(400, "INVALID_FIELD", "size must not be negative")
        blob, cost, new = await run_in_threadpool(
            state.register, blob_id, root_hash, size, epochs, deletable, account, nonce, now, force, attributes, reuse, owner
        )
        return success({"blob_object": blob, "cost": cost, "newly_registered": new}, 200 if new else 409)

    async def blob(request: Request) -> JSONResponse:
        return success(state.blob(request.path_params["blob_id"]))

    async def blob_by_object_id(request: Request) -> JSONResponse:
        return success(state.blob_by_object_id(request.path_params["object_id"]))

    async def list_blobs(request: Request) -> JSONResponse:
        owner = request.query_params.get("owner")
        include_gone = request.query_params.get("all", "false").lower() in ("1", "true", "yes")
        return success({"blobs": state.blobs(None if owner is None else _address(owner), include_gone)})

    async def delete(request: Request) -> JSONResponse:
        account, nonce, now, _ = await signed(request)
        return success(await run_in_threadpool(state.delete, request.path_params["blob_id"], account, nonce, now))

    async def extend(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        epochs = _field(data, "epochs", int)
        shared_funds = _field(data, "shared_funds", bool, False)
        result = await run_in_threadpool(
            lambda: state.extend(request.path_params["blob_id"], epochs, account, nonce, now, shared_funds=shared_funds)
        )
        return success({**result, "balance": state.balance(account)})

    async def share(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        amount = _field(data, "amount", int, 0)
        if amount < 0:
            raise ApiError(400, "INVALID_FIELD", "amount must not be negative (FROST)")
        return success(await run_in_threadpool(state.share, request.path_params["blob_id"], account, amount, nonce, now))

    async def fund(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        amount = _field(data, "amount", int)
        if amount <= 0:
            raise ApiError(400, "INVALID_FIELD", "amount must be positive (FROST)")
        return success(await run_in_threadpool(state.fund_shared, request.path_params["blob_id"], account, amount, nonce, now))

    async def attributes(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        to_set = _field(data, "set", dict, {})
        to_remove = _field(data, "remove", list, [])
        if not all(isinstance(k, str) for k in to_remove):
            raise ApiError(400, "INVALID_FIELD", "remove lists attribute keys (strings)")
        blob_id = request.path_params["blob_id"]
        return success(await run_in_threadpool(state.set_attributes, blob_id, account, to_set, to_remove, nonce, now))

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
        return success(await run_in_threadpool(state.advance_epoch, now_ms()))

    async def add_node(request: Request) -> JSONResponse:
        admin(request)
        data = await _json(request)
        spec = NodeSpec(
            name=_field(data, "name", str),
            url=_field(data, "url", str),
            public_key=_b64(_field(data, "public_key", str), "public_key"),
            stake=_field(data, "stake", int, 0),
            commission_bps=_field(data, "commission_bps", int, 0),
        )
        if "bls_public_key" in data or "bls_proof_of_possession" in data:
            spec.bls_public_key = _b64(_field(data, "bls_public_key", str), "bls_public_key")
            spec.bls_proof_of_possession = _b64(_field(data, "bls_proof_of_possession", str), "bls_proof_of_possession")
        if len(spec.public_key) != 32 or spec.stake < 0:
            raise ApiError(400, "INVALID_FIELD", "public_key must be 32 bytes and stake non-negative")
        await run_in_threadpool(state.add_node, spec)
        return success({"node_id": spec.node_id})

    async def nodes(request: Request) -> JSONResponse:
        return success({"nodes": await run_in_threadpool(state.nodes)})

    async def node(request: Request) -> JSONResponse:
        return success(state.node_info(request.path_params["node_id"]))

    async def economy(request: Request) -> JSONResponse:
        return success(state.economy())

    async def history(request: Request) -> JSONResponse:
        try:
            epochs = int(request.query_params.get("epochs", "100"))
        except ValueError:
            raise ApiError(400, "INVALID_QUERY", "epochs must be an integer") from None
        if not 1 <= epochs <= 10_000:
            raise ApiError(400, "INVALID_QUERY", "epochs must be in 1..10000")
        return success({"epochs": state.history(epochs)})

    async def explorer(request: Request) -> Response:
        return HTMLResponse(EXPLORER.read_text(encoding="utf-8"))

    async def root(request: Request) -> Response:
        return RedirectResponse("/explorer")

    async def vote(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        votes: dict[str, int] = {k: _field(data, k, int) for k in ("storage_price", "write_price", "node_capacity") if k in data}
        if not votes or any(v < 0 for v in votes.values()):
            raise ApiError(400, "INVALID_FIELD", "give storage_price, write_price or node_capacity (non-negative integers)")
        node_id = request.path_params["node_id"]
        return success(await run_in_threadpool(state.vote, account, node_id, votes, nonce, now))

    async def commission(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        rate = _field(data, "rate_bp", int)
        node_id = request.path_params["node_id"]
        return success(await run_in_threadpool(state.set_commission, account, node_id, rate, nonce, now))

    async def collect(request: Request) -> JSONResponse:
        account, nonce, now, _ = await signed(request)
        amount = await run_in_threadpool(state.collect_commission, account, request.path_params["node_id"], nonce, now)
        return success({"amount": amount, "balance": state.balance(account)})

    async def stakes(request: Request) -> JSONResponse:
        owner = request.query_params.get("owner")
        return success({"stakes": state.stakes(None if owner is None else _address(owner))})

    async def stake(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        node_id = _field(data, "node_id", str)
        amount = _field(data, "amount", int)
        if amount <= 0:
            raise ApiError(400, "INVALID_FIELD", "amount must be positive (FROST)")
        staked = await run_in_threadpool(state.stake, account, node_id, amount, nonce, now)
        return success({"stake": staked, "balance": state.balance(account)})

    async def stake_info(request: Request) -> JSONResponse:
        return success(state.stake_info(_stake_id(request.path_params["stake_id"])))

    async def withdraw(request: Request) -> JSONResponse:
        account, nonce, now, _ = await signed(request)
        stake_id = _stake_id(request.path_params["stake_id"])
        outcome = await run_in_threadpool(state.withdraw, account, stake_id, nonce, now)
        return success({**outcome, "balance": state.balance(account)})

    async def key_servers(request: Request) -> JSONResponse:
        return success(state.policies.key_servers().to_json())

    async def create_policy(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        policy, created = await run_in_threadpool(state.policies.create, account, data, nonce, now)
        return success({"policy": policy, "created": created})

    async def list_policies(request: Request) -> JSONResponse:
        owner = request.query_params.get("owner")
        name = request.query_params.get("name")
        return success({"policies": state.policies.policies(None if owner is None else _address(owner), name)})

    async def policy(request: Request) -> JSONResponse:
        return success(state.policies.policy(request.path_params["policy_id"]))

    async def policy_members(request: Request) -> JSONResponse:
        account, nonce, now, data = await signed(request)
        add, remove = _field(data, "add", list, []), _field(data, "remove", list, [])
        pid = request.path_params["policy_id"]
        return success(await run_in_threadpool(state.policies.edit_members, account, pid, add, remove, nonce, now))

    async def subscribe(request: Request) -> JSONResponse:
        account, nonce, now, _ = await signed(request)
        result = await run_in_threadpool(state.policies.subscribe, account, request.path_params["policy_id"], nonce, now)
        return success({**result, "balance": state.balance(account)})

    async def policy_access(request: Request) -> JSONResponse:
        account = _address(request.query_params.get("account", ""))
        text = request.query_params.get("id", "")
        try:
            inner_id = bytes.fromhex(text)
        except ValueError:
            raise ApiError(400, "INVALID_QUERY", "id is an inner identity in hex") from None
        if not inner_id or len(inner_id) > 256:
            raise ApiError(400, "INVALID_QUERY", "id is 1 to 256 bytes in hex")
        return success(state.policies.access(account, inner_id, now_ms()))

    routes = [
        Route("/v1/health", health),
        Route("/v1/key-servers", key_servers),
        Route("/v1/policies", create_policy, methods=["POST"]),
        Route("/v1/policies", list_policies),
        Route("/v1/policies/access", policy_access),
        Route("/v1/policies/{policy_id}", policy),
        Route("/v1/policies/{policy_id}/members", policy_members, methods=["POST"]),
        Route("/v1/policies/{policy_id}/subscribe", subscribe, methods=["POST"]),
        Route("/v1/committee", committee),
        Route("/v1/nodes", nodes),
        Route("/v1/accounts/{address}", account),
        Route("/v1/accounts/{address}/faucet", faucet, methods=["POST"]),
        Route("/v1/blobs", register, methods=["POST"]),
        Route("/v1/blobs", list_blobs),
        Route("/v1/blobs/by-object-id/{object_id}", blob_by_object_id),
        Route("/v1/blobs/{blob_id}", blob),
        Route("/v1/blobs/{blob_id}/delete", delete, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/extend", extend, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/share", share, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/fund", fund, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/attributes", attributes, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/certificate", certify, methods=["POST"]),
        Route("/v1/blobs/{blob_id}/invalid", invalidate, methods=["POST"]),
        Route("/v1/events", events),
        Route("/v1/admin/epoch", advance, methods=["POST"]),
        Route("/v1/admin/nodes", add_node, methods=["POST"]),
        Route("/v1/economy", economy),
        Route("/v1/economy/history", history),
        Route("/explorer", explorer),
        Route("/", root),
        Route("/v1/nodes/{node_id}", node),
        Route("/v1/nodes/{node_id}/votes", vote, methods=["POST"]),
        Route("/v1/nodes/{node_id}/commission", commission, methods=["POST"]),
        Route("/v1/nodes/{node_id}/commission/collect", collect, methods=["POST"]),
        Route("/v1/stakes", stakes),
        Route("/v1/stakes", stake, methods=["POST"]),
        Route("/v1/stakes/{stake_id}", stake_info),
        Route("/v1/stakes/{stake_id}/withdraw", withdraw, methods=["POST"]),
    ]

    # Browsers on any origin may read the committee and register and certify blobs (signed by
    # accounts; admin calls need the bearer token, which no other origin has).
    app = json_api(routes, domain=CHAIN_DOMAIN, lifespan=lifespan, cors_methods=["GET", "POST"], openapi=openapi.control_plane())
    app.state.chain = state
    return app


def run(config: ChainConfig) -> int:
    """Serve the control plane until SIGTERM or SIGINT; 0 after a clean shutdown."""
    return serve(create_app(config), config.host, config.port)
