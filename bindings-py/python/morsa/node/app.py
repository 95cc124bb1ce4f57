"""The Starlette application of a storage node: the REST API of SPEC §11.

Routes (``{blob_id}`` base64url without padding, ``{pair}`` a decimal pair index,
``{axis}`` ``primary`` or ``secondary``):

* ``GET|PUT /v1/blobs/{blob_id}/metadata[?pending=true]``, ``GET …/metadata/status``
* ``GET|PUT /v1/blobs/{blob_id}/slivers/{pair}/{axis}[?pending=true]``, ``GET …/status``
* ``PUT /v1/blobs/{blob_id}/slivers``: a batch of slivers, BCS ``Vec<Sliver>`` (a Morsa
  extension: one request, one verification call and one commit for many slivers)
* ``GET /v1/blobs/{blob_id}/confirmation/permanent``,
  ``GET /v1/blobs/{blob_id}/confirmation/deletable/{object_id}``
  (``?wait_for_registration=true&wait_millis=…``)
* ``GET /v1/blobs/{blob_id}/recoverySymbols?[proofAxis=…&](id=<row>-<col>…|targetSliver=…&targetType=…)``
* ``GET /v1/blobs/{blob_id}/decodingSymbols?targetSlivers=…&targetSlivers=…&targetType=…``
* ``POST /v1/blobs/{blob_id}/inconsistencyProof/{axis}``
* ``GET /v1/blobs/{blob_id}/status``, ``GET /v1/health``

Errors are AIP-193 JSON with domain ``storage.walrus.space`` (:mod:`morsa.net.errors`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import morsa
from morsa import Axis

from ..net import openapi
from ..net.accounts import public_key_of, verify_request
from ..net.errors import STORAGE_DOMAIN, ApiError, invalid_argument, unavailable
from ..net.nodes import NEXT_BLOB_HEADER, SYNC_SHARD_PATH
from ..net.server import json_api, read_body, success
from ..net.transport import OCTET_STREAM
from .config import NodeConfig
from .healer import Healer
from .service import NodeService

log = logging.getLogger("morsa.node")

MAX_WAIT_MS = 10_000
"""The longest a confirmation request may wait for the blob's registration (``wait_millis``)."""


# ---------------------------------------------------------------------- request parsing


def _blob_id(request: Request) -> str:
    text = str(request.path_params["blob_id"])
    try:
        morsa._native.parse_blob_id_bytes(text)
    except morsa.InvalidBlobIdError:
        raise invalid_argument("INVALID_BLOB_ID", f"{text!r} is not a blob ID (43 characters of base64url)") from None
    return text


def _axis(text: str) -> Axis:
    if text == "primary":
        return "primary"
    if text == "secondary":
        return "secondary"
    raise invalid_argument("INVALID_SLIVER_TYPE", f"sliver type must be 'primary' or 'secondary', not {text!r}")


def _u16(text: str, what: str) -> int:
    if not text.isdigit() or int(text) > 0xFFFF:
        raise invalid_argument("INVALID_INDEX", f"{what} must be a decimal u16, not {text!r}")
    return int(text)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("true", "1")


def _require_octet_stream(request: Request) -> None:
    """SPEC §11: the ``Bcs`` extractor wants ``application/octet-stream`` (parameters allowed)
    or no Content-Type; anything else is 400 ``INVALID_CONTENT_TYPE``."""
    value = request.headers.get("content-type")
    if value is None:
        return
    if value.split(";", 1)[0].strip().lower() != OCTET_STREAM:
        raise invalid_argument("INVALID_CONTENT_TYPE", f"expected Content-Type {OCTET_STREAM}, not {value!r}")


def parse_symbols_query(request: Request) -> dict[str, Any]:
    """``{"proof_axis", "ids": [(row, col)] | None, "target_type", "target_sliver"}`` from the
    recovery-symbols query (SPEC §11). Raises :class:`ApiError`."""
    params = request.query_params
    proof = params.get("proofAxis")
    proof_axis = _axis(proof) if proof is not None else None
    ids_text = params.getlist("id")
    target_sliver = params.get("targetSliver")
    target_type = params.get("targetType")
    if ids_text and (target_sliver is not None or target_type is not None):
        raise invalid_argument("INVALID_QUERY", "use either id=<row>-<col> or targetSliver=&targetType=, not both")
    if ids_text:
        ids = []
        for text in ids_text:
            row, sep, col = text.partition("-")
            if not sep:
                raise invalid_argument("INVALID_QUERY", f"symbol ID must be <row>-<col>, not {text!r}")
            ids.append((_u16(row, "symbol row"), _u16(col, "symbol column")))
        return {"proof_axis": proof_axis, "ids": sorted(set(ids)), "target_type": None, "target_sliver": None}
    if target_sliver is None and target_type is None:
        raise ApiError(400, "NO_SYMBOLS_SPECIFIED", "at least one symbol ID must be specified", status="FAILED_PRECONDITION")
    if target_sliver is None or target_type is None:
        raise invalid_argument("INVALID_QUERY", "targetSliver and targetType go together")
    return {
        "proof_axis": proof_axis,
        "ids": None,
        "target_type": _axis(target_type),
        "target_sliver": _u16(target_sliver, "targetSliver"),
    }


def _object_id(text: str) -> bytes:
    body = text[2:] if text.startswith(("0x", "0X")) else text
    try:
        raw = bytes.fromhex(body.rjust(64, "0")) if len(body) <= 64 else b""
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise invalid_argument("INVALID_OBJECT_ID", f"{text!r} is not a Sui object ID (0x and up to 64 hex digits)")
    return raw


def _bcs(data: bytes) -> Response:
    return Response(data, media_type=OCTET_STREAM)


# ---------------------------------------------------------------------- application


def create_app(config: NodeConfig, service: NodeService | None = None) -> Starlette:
    """The node's ASGI application; the service starts and stops with the app's lifespan."""
    svc = service or NodeService(config)
    in_flight = [0]  # bytes of uploads being received and stored

    @contextlib.asynccontextmanager
    async def upload_slot(request: Request, limit: int) -> AsyncIterator[None]:
        """Room for an upload of at most ``limit`` bytes (its declared length when given), or
        503 ``OVERLOADED`` with ``Retry-After`` at once: back-pressure instead of a queue."""
        declared = request.headers.get("content-length")
        size = min(int(declared), limit) if declared is not None and declared.isdigit() else limit
        if in_flight[0] and in_flight[0] + size > config.max_upload_bytes_in_flight:
            raise unavailable("OVERLOADED", "the node is busy storing other uploads; try again shortly", retry_after=1)
        in_flight[0] += size
        try:
            yield
        finally:
            in_flight[0] -= size

    async def get_metadata(request: Request) -> Response:
        blob_id = _blob_id(request)
        await svc.require_view()
        if await svc.is_invalid(blob_id):
            raise ApiError(404, "METADATA_NOT_FOUND", f"blob {blob_id} is invalid; its metadata is not served")
        metadata = await svc.metadata(blob_id)
        if metadata is None:
            raise ApiError(404, "METADATA_NOT_FOUND", "the requested metadata is unavailable")
        return _bcs(metadata.to_bytes())

    async def put_metadata(request: Request) -> Response:
        blob_id = _blob_id(request)
        _require_octet_stream(request)
        view = await svc.require_view()
        limit = svc.metadata_limit(view)
        async with upload_slot(request, limit):
            body = await read_body(request, limit)
            code, message = await svc.put_metadata(blob_id, body, pending=_flag(request, "pending"))
        return success(message, code)

    async def metadata_status(request: Request) -> Response:
        return success(await svc.metadata_status(_blob_id(request)))

    def _sliver_path(request: Request) -> tuple[str, int, Axis]:
        return (
            _blob_id(request),
            _u16(request.path_params["pair"], "sliver pair index"),
            _axis(request.path_params["axis"]),
        )

    async def get_sliver(request: Request) -> Response:
        blob_id, pair, axis = _sliver_path(request)
        return _bcs(await svc.get_sliver(blob_id, pair, axis))

    async def put_sliver(request: Request) -> Response:
        blob_id, pair, axis = _sliver_path(request)
        view = await svc.require_view()
        limit = svc.sliver_limit(view)
        async with upload_slot(request, limit):
            body = await read_body(request, limit)
            code, message = await svc.put_sliver(blob_id, pair, axis, body, pending=_flag(request, "pending"))
        return success(message, code)

    async def put_slivers(request: Request) -> Response:
        blob_id = _blob_id(request)
        _require_octet_stream(request)
        async with upload_slot(request, svc.config.max_body_bytes):
            body = await read_body(request, svc.config.max_body_bytes)
            code, counts = await svc.put_slivers(blob_id, body)
        return success(counts, code)

    async def sliver_status(request: Request) -> Response:
        blob_id, pair, axis = _sliver_path(request)
        return success(await svc.sliver_status(blob_id, pair, axis))

    async def _confirmation(request: Request, object_id: bytes | None) -> Response:
        blob_id = _blob_id(request)
        wait_ms = 0
        if _flag(request, "wait_for_registration"):
            wait_ms = _u64(request.query_params.get("wait_millis", "0"))
            if wait_ms > MAX_WAIT_MS:
                raise invalid_argument("INVALID_QUERY", f"wait_millis is at most {MAX_WAIT_MS}")
        return success(await svc.confirmation(blob_id, object_id, wait_ms=wait_ms))

    async def permanent_confirmation(request: Request) -> Response:
        return await _confirmation(request, None)

    async def deletable_confirmation(request: Request) -> Response:
        return await _confirmation(request, _object_id(request.path_params["object_id"]))

    async def recovery_symbols(request: Request) -> Response:
        blob_id = _blob_id(request)
        return _bcs(await svc.recovery_symbols(blob_id, parse_symbols_query(request)))

    async def decoding_symbols(request: Request) -> Response:
        blob_id = _blob_id(request)
        params = request.query_params
        targets = [_u16(t, "targetSlivers") for t in params.getlist("targetSlivers")]
        target_type = params.get("targetType")
        if not targets or target_type is None:
            raise invalid_argument("INVALID_QUERY", "targetSlivers (one or more) and targetType are required")
        return _bcs(await svc.decoding_symbols(blob_id, targets, _axis(target_type)))

    async def inconsistency_proof(request: Request) -> Response:
        blob_id = _blob_id(request)
        axis = _axis(request.path_params["axis"])
        view = await svc.require_view()
        body = await read_body(request, min(svc.config.max_body_bytes, svc.sliver_limit(view) * 4))
        return success(await svc.verify_inconsistency(blob_id, axis, body))

    async def blob_status(request: Request) -> Response:
        return success(await svc.blob_status_json(_blob_id(request)))

    async def sync_shard(request: Request) -> Response:
        body = await read_body(request, 4096)
        now = time.time_ns() // 1_000_000
        address, _ = verify_request(dict(request.headers), "POST", request.url.path, body, now)
        try:
            data = json.loads(body)
            shard, epoch = int(data["shard"]), int(data["epoch"])
            after = data.get("after")
            max_bytes = int(data.get("max_bytes", 8 << 20))
        except (ValueError, KeyError, TypeError):
            raise invalid_argument("INVALID_BODY", "the body is {\"shard\", \"epoch\", \"after\", \"max_bytes\"} (JSON)") from None
        if after is not None and not (isinstance(after, str) and morsa.is_blob_id(after)):
            raise invalid_argument("INVALID_BODY", "after is a blob ID")
        requester = public_key_of(address)
        assert requester is not None  # verify_request checked the address
        page, next_blob = await svc.shard_page(requester, shard, epoch, after, max(1, min(max_bytes, 64 << 20)))
        headers = {NEXT_BLOB_HEADER: next_blob} if next_blob is not None else {}
        return Response(page, media_type="application/octet-stream", headers=headers)

    async def health(request: Request) -> Response:
        healer: Healer | None = getattr(request.app.state, "healer", None)
        return success({**svc.health(), **(healer.status() if healer is not None else {})})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await svc.start()
        # The healer uses the service; the service only calls its on_missing hook.
        healer = Healer(svc)
        svc.on_missing = healer.wake.set
        healer.start()
        app.state.healer = healer
        log.info("%s (node %s…) serving on %s", config.name, svc.node_id[:16], config.url)
        try:
            yield
        finally:
            await healer.stop()
            await svc.stop()
            log.info("%s stopped", config.name)

    blob = "/v1/blobs/{blob_id}"
    routes = [
        Route(f"{blob}/metadata", get_metadata, methods=["GET"]),
        Route(f"{blob}/metadata", put_metadata, methods=["PUT"]),
        Route(f"{blob}/metadata/status", metadata_status, methods=["GET"]),
        Route(f"{blob}/slivers", put_slivers, methods=["PUT"]),
        Route(f"{blob}/slivers/{{pair}}/{{axis}}", get_sliver, methods=["GET"]),
        Route(f"{blob}/slivers/{{pair}}/{{axis}}", put_sliver, methods=["PUT"]),
        Route(f"{blob}/slivers/{{pair}}/{{axis}}/status", sliver_status, methods=["GET"]),
        Route(f"{blob}/confirmation/permanent", permanent_confirmation, methods=["GET"]),
        Route(f"{blob}/confirmation/deletable/{{object_id}}", deletable_confirmation, methods=["GET"]),
        Route(f"{blob}/recoverySymbols", recovery_symbols, methods=["GET"]),
        Route(f"{blob}/decodingSymbols", decoding_symbols, methods=["GET"]),
        Route(f"{blob}/inconsistencyProof/{{axis}}", inconsistency_proof, methods=["POST"]),
        Route(f"{blob}/status", blob_status, methods=["GET"]),
        Route("/v1/health", health, methods=["GET"]),
        Route(SYNC_SHARD_PATH, sync_shard, methods=["POST"]),
    ]
    app = json_api(routes, domain=STORAGE_DOMAIN, lifespan=lifespan, openapi=openapi.storage_node())
    app.state.service = svc
    return app


def _u64(text: str) -> int:
    if not text.isdigit():
        raise invalid_argument("INVALID_QUERY", f"expected a whole number, not {text!r}")
    return int(text)


__all__ = ["create_app", "parse_symbols_query"]
