"""The client daemon: Walrus's aggregator (read) and publisher (write) HTTP APIs (SPEC §12)
over :class:`morsa.client.Client`.

* ``GET /v1/blobs/{blob_id}`` returns the blob's bytes, decoded and verified, from a cache of
  verified blobs (:class:`morsa.cache.BlobCache`: on disk, size-bounded, single-flight reads);
  a single ``Range: bytes=a-b`` gives 206, and on a blob not cached reads only the primary
  slivers that hold the range (each verified, SPEC §3.1). Query flags
  ``strict_consistency_check`` and ``skip_consistency_check``.
* ``PUT /v1/blobs?epochs=N[&permanent=true][&deletable=true][&force=true]`` stores the body
  (spooled to disk, then stream-encoded) and answers with the ``BlobStoreResult`` JSON
  (``newlyCreated`` or ``alreadyCertified``). At most ``max_concurrent_stores`` run at once
  and ``max_waiting_stores`` wait; beyond that the answer is 503 with ``Retry-After``.
* ``PUT /v1/quilts`` (``multipart/form-data``: one file field per blob, named by its
  identifier, and an optional ``_metadata`` JSON array of ``{"identifier", "tags"}``) stores a
  quilt and answers ``{"blobStoreResult", "storedQuiltBlobs"}`` (SPEC §12.2, §13).
* ``GET /v1/blobs/by-quilt-patch-id/{patch_id}`` and ``GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}``
  return one blob of a quilt, read from its secondary slivers and verified, with
  ``X-Quilt-Patch-Identifier`` and ``ETag: <quilt_id>``; ``GET /v1/quilts/{quilt_id}/patches``
  lists ``{"identifier", "patch_id", "tags"}`` (SPEC §12.1).
* ``GET /status`` answers ``"OK"``; ``GET /v1/cache`` the cache's counters.

Errors use the AIP-193 envelope with domain ``daemon.walrus.space``. A blob the control plane
does not know is 404 ``BLOB_NOT_FOUND``; one that exists but cannot be read now is a
retryable 503 ``BLOB_UNAVAILABLE``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

import morsa

from .cache import BlobCache
from .client import Client, ClientError, QuiltPatchContents, StoreResult
from .net import openapi
from .net.control import GONE_STATUSES, BlobState
from .net.errors import DAEMON_DOMAIN, ApiError, NetworkError, RemoteError, unavailable
from .net.relay import RELAY_PATH, TIP_CONFIG_PATH, certificate_json
from .net.server import json_api, serve

log = logging.getLogger("morsa.daemon")

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_QUILT_BODY_BYTES = 100 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")
_PUBLISHER_PARAMS = {"epochs", "permanent", "deletable", "force", "encoding_type", "reuse_resources", "send_object_to", "share"}
_ADDRESS = re.compile(r"0x[0-9a-f]{64}")
_STREAM_CHUNK = 1 << 20
T = TypeVar("T")


@dataclass
class DaemonConfig:
    """Settings of a client daemon.

    ``account_key`` is the key file of the account that pays for stores (without one the
    publisher refuses them); ``cache_dir`` holds the verified-blob cache (default: a ``morsa-aggregator-cache``
    directory in the system's temporary directory), at most ``cache_bytes`` bytes (0: no disk
    cache).
    """

    chain_url: str
    host: str = "127.0.0.1"
    port: int = 31415
    account_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_quilt_body_bytes: int = DEFAULT_MAX_QUILT_BODY_BYTES
    cache_dir: str | None = None
    cache_bytes: int = 1024 * 1024 * 1024
    max_concurrent_stores: int = 4
    max_waiting_stores: int = 64


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise ApiError(400, "INVALID_QUERY", f"{name} must be true or false")
    return value == "true"


_OBJECT_ID = re.compile(r"0x[0-9a-f]{64}")

STREAM_STEP = 4 << 20
"""Bytes of a blob ``/v1alpha/blobs/{blob_id}/stream`` reads (and verifies) at a time."""

STATE_TTL_S = 5.0
"""How long the aggregator reuses a blob's state (status and attributes) from the control plane."""
STATE_ENTRIES = 10_000
"""Blob states kept at most (the table starts over beyond)."""

_HEADERS = {
    "Cache-Control": "public, max-age=86400, stale-while-revalidate=3600",
    "X-Content-Type-Options": "nosniff",
}


def create_app(config: DaemonConfig, client: Client | None = None, cache: BlobCache | None = None) -> Starlette:
    """The aggregator and publisher app."""
    client = client or Client(config.chain_url, account=config.account_key)
    cache_dir = config.cache_dir or os.path.join(tempfile.gettempdir(), "morsa-aggregator-cache")
    cache = cache or BlobCache(cache_dir, config.cache_bytes)
    stores = asyncio.Semaphore(config.max_concurrent_stores)
    admitted = [0]  # stores running or waiting

    async def status(request: Request) -> Response:
        return PlainTextResponse("OK")

    async def cache_stats(request: Request) -> JSONResponse:
        return JSONResponse(dataclasses.asdict(cache.stats))

    async def unreadable(blob_id: str, error: BaseException) -> ApiError:
        """404 when the control plane does not know the blob; otherwise a retryable 503."""
        known: object
        try:
            known = await client.control.blob(blob_id)
        except NetworkError:
            known = True  # cannot tell: the retryable answer
        if known is None:
            return ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
        return unavailable("BLOB_UNAVAILABLE", f"blob {blob_id} cannot be read now: {error}", retry_after=5)

    states: dict[str, tuple[float, BlobState | None]] = {}

    async def blob_state(blob_id: str) -> BlobState | None:
        """The blob's state on the control plane, reused for ``STATE_TTL_S``; None when it
        is unknown or the control plane cannot be reached (reads then go on: storage nodes and
        the cache still serve)."""
        now = time.monotonic()
        hit = states.get(blob_id)
        if hit is not None and now - hit[0] < STATE_TTL_S:
            return hit[1]
        try:
            state = await client.control.blob(blob_id)
        except NetworkError:
            return hit[1] if hit is not None else None
        if len(states) >= STATE_ENTRIES:
            states.clear()
        states[blob_id] = (now, state)
        return state

    async def read(request: Request) -> Response:
        blob_id = request.path_params["blob_id"]
        if not morsa.is_blob_id(blob_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{blob_id!r} is not a blob ID")
        return await serve(request, blob_id, await blob_state(blob_id))

    async def read_by_object_id(request: Request) -> Response:
        """``GET /v1/blobs/by-object-id/{object_id}``: the blob of a blob object, with its
        attributes as headers (Walrus's aggregator)."""
        object_id = request.path_params["object_id"].lower()
        if not _OBJECT_ID.fullmatch(object_id):
            raise ApiError(400, "INVALID_OBJECT_ID", f"{object_id!r} is not an object ID (0x and 64 hex digits)")
        try:
            found = await client.control.blob_by_object_id(object_id)
        except NetworkError as e:
            raise unavailable("CONTROL_PLANE_UNAVAILABLE", f"the blob object cannot be looked up now: {e}", retry_after=5) from None
        if found is None:
            raise ApiError(404, "BLOB_NOT_FOUND", f"no blob object {object_id}")
        blob_id, state = found
        return await serve(request, blob_id, state)

    async def serve(request: Request, blob_id: str, state: BlobState | None) -> Response:
        """The blob's bytes (or a ``Range`` of them), verified, with its served attributes."""
        if state is not None and state.status in GONE_STATUSES:
            cache.discard(blob_id)
            raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is {state.status}")
        strict, skip = _flag(request, "strict_consistency_check"), _flag(request, "skip_consistency_check")
        if strict and skip:
            raise ApiError(400, "INVALID_QUERY", "strict and skip consistency checks exclude each other")
        check: morsa.ConsistencyCheck = "strict" if strict else "skip" if skip else "default"
        headers = {"ETag": blob_id, **_HEADERS}
        served = state.served_headers() if state is not None else {}
        accept = request.headers.get("accept", "")
        media_type = accept if accept and "*" not in accept else request.headers.get("content-type", "application/octet-stream")
        media_type = served.pop("content-type", media_type)
        headers.update(served)
        range_header = request.headers.get("range")
        try:
            if range_header is not None:
                return await _range(request, blob_id, range_header.strip(), media_type, headers, check)
            if check == "strict":
                verified = await client.aread(blob_id, consistency_check="strict")
                await cache.aput(blob_id, verified)  # verified by the strictest check
                found: bytes | Path = verified
            else:
                found = await cache.get_or_read(blob_id, lambda: client.aread(blob_id, consistency_check=check))
        except morsa.InconsistentEncodingError as e:
            raise ApiError(500, "BLOB_INCONSISTENT", str(e)) from None
        except (ClientError, NetworkError) as e:
            raise await unreadable(blob_id, e) from None
        if isinstance(found, Path):
            return _file_response(found, media_type, headers)
        return Response(found, media_type=media_type, headers=headers)

    async def _range(
        request: Request, blob_id: str, header: str, media_type: str, headers: dict[str, str], check: morsa.ConsistencyCheck
    ) -> Response:
        m = _RANGE.match(header)
        if not m:
            raise ApiError(416, "INVALID_RANGE", "only a single range 'bytes=a-b' with both ends is supported")
        start, end = int(m.group(1)), int(m.group(2))
        part, end, size = await _read_range(blob_id, start, end)
        headers = {**headers, "Content-Range": f"bytes {start}-{end}/{size}"}
        return Response(part, status_code=206, media_type=media_type, headers=headers)

    async def _read_range(blob_id: str, start: int, end: int) -> tuple[bytes, int, int]:
        """Bytes ``start..=end`` of the blob (``end`` clipped to the blob), the last byte's
        position and the blob's size: from the cache, else from the primary slivers that hold
        them, each verified (SPEC §3.1)."""
        size = cache.size(blob_id)
        metadata = None
        if size is None:
            metadata = await client.ametadata(blob_id)
            size = metadata.unencoded_length
        if start > end or start >= size:
            raise ApiError(416, "INVALID_RANGE", f"range {start}-{end} is outside the blob of {size} bytes")
        end = min(end, size - 1)
        cached = cache.get(blob_id)
        if isinstance(cached, bytes):
            part = cached[start : end + 1]
        elif isinstance(cached, Path):
            part = await asyncio.to_thread(_pread, cached, start, end + 1 - start)
        else:
            part = await client.aread_range(blob_id, start, end + 1 - start, metadata=metadata)
        return part, end, size

    async def byte_range(request: Request) -> Response:
        """``GET /v1/blobs/{blob_id}/byte-range?start=u64&length=u64`` (SPEC §12.1)."""
        blob_id = request.path_params["blob_id"]
        if not morsa.is_blob_id(blob_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{blob_id!r} is not a blob ID")
        unknown = set(request.query_params) - {"start", "length"}
        if unknown:
            raise ApiError(400, "INVALID_QUERY", f"unknown query parameters: {', '.join(sorted(unknown))}")
        values = {}
        for name in ("start", "length"):
            text = request.query_params.get(name, "")
            if not text.isdigit() or int(text) >= 2**64:
                raise ApiError(400, "INVALID_QUERY", f"{name} must be an integer in 0..2^64, not {text!r}")
            values[name] = int(text)
        if values["length"] == 0:
            raise ApiError(400, "INVALID_QUERY", "length must be positive")
        start, end = values["start"], values["start"] + values["length"] - 1
        try:
            part, end, size = await _read_range(blob_id, start, end)
        except (ClientError, NetworkError) as e:
            raise await unreadable(blob_id, e) from None
        headers = {"ETag": blob_id, **_HEADERS, "Content-Range": f"bytes {start}-{end}/{size}"}
        return Response(part, media_type="application/octet-stream", headers=headers)

    async def concat(request: Request) -> Response:
        """``GET /v1alpha/blobs/concat?ids=a,b,…`` or ``POST`` with ``{"ids": [...]}``: the
        blobs one after the other, each verified (SPEC §12.1); how files past the blob limit
        are read back (:mod:`morsa.chunked`)."""
        if request.method == "POST":
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise ApiError(400, "INVALID_BODY", "the body must be JSON {\"ids\": [...]}") from None
            ids = body.get("ids") if isinstance(body, dict) else None
            strict = isinstance(body, dict) and body.get("strict_consistency_check") is True
            skip = isinstance(body, dict) and body.get("skip_consistency_check") is True
        else:
            text = request.query_params.get("ids", "")
            ids = [part for part in text.split(",") if part] if text else None
            strict, skip = _flag(request, "strict_consistency_check"), _flag(request, "skip_consistency_check")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and morsa.is_blob_id(i) for i in ids):
            raise ApiError(400, "INVALID_QUERY", "ids must be a non-empty list of blob IDs")
        if len(ids) > 10_000:
            raise ApiError(400, "INVALID_QUERY", "at most 10000 ids")
        if strict and skip:
            raise ApiError(400, "INVALID_QUERY", "strict and skip consistency checks exclude each other")
        check: morsa.ConsistencyCheck = "strict" if strict else "skip" if skip else "default"
        # Every blob is read (and verified) before the answer starts: an unreadable one is a
        # clean error, not a truncated 200.
        parts: list[bytes | Path] = []
        for blob_id in ids:

            def read_one(b: str = blob_id) -> Coroutine[Any, Any, bytes]:
                return client.aread(b, consistency_check=check)

            try:
                parts.append(await cache.get_or_read(blob_id, read_one))
            except morsa.InconsistentEncodingError as e:
                raise ApiError(500, "BLOB_INCONSISTENT", str(e)) from None
            except (ClientError, NetworkError) as e:
                raise await unreadable(blob_id, e) from None

        async def chunks() -> AsyncIterator[bytes]:
            for part in parts:
                if isinstance(part, bytes):
                    yield part
                    continue
                with part.open("rb") as f:
                    while chunk := await asyncio.to_thread(f.read, _STREAM_CHUNK):
                        yield chunk

        return StreamingResponse(chunks(), media_type="application/octet-stream", headers=dict(_HEADERS))

    async def stream(request: Request) -> Response:
        """``GET /v1alpha/blobs/{blob_id}/stream``: the blob streamed in order as its primary
        slivers arrive, each verified against the metadata (the first bytes leave before the
        blob is decoded; a blob in the cache streams from it). A failure before the first bytes
        is a clean error; a failure after them ends the stream short."""
        blob_id = request.path_params["blob_id"]
        if not morsa.is_blob_id(blob_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{blob_id!r} is not a blob ID")
        state = await blob_state(blob_id)
        if state is not None and state.status in GONE_STATUSES:
            raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is {state.status}")
        headers = {"ETag": blob_id, **_HEADERS}
        served = state.served_headers() if state is not None else {}
        media_type = served.pop("content-type", "application/octet-stream")
        headers.update(served)
        cached = cache.get(blob_id)
        if cached is not None:
            if isinstance(cached, Path):
                return _file_response(cached, media_type, headers)
            return Response(cached, media_type=media_type, headers=headers)
        try:
            metadata = await client.ametadata(blob_id)
            size = metadata.unencoded_length
            first = await client.aread_range(blob_id, 0, min(STREAM_STEP, size), metadata=metadata) if size else b""
        except (ClientError, NetworkError) as e:
            raise await unreadable(blob_id, e) from None

        async def pieces() -> AsyncIterator[bytes]:
            yield first
            offset = len(first)
            while offset < size:
                piece = await client.aread_range(blob_id, offset, min(STREAM_STEP, size - offset), metadata=metadata)
                offset += len(piece)
                yield piece

        return StreamingResponse(pieces(), media_type=media_type, headers={**headers, "Content-Length": str(size)})

    async def relay(request: Request) -> JSONResponse:
        """``POST /v1/blob-upload-relay`` (Walrus's upload relay, SPEC §12.2): the client
        registered and paid; the relay encodes the body, checks it is ``blob_id``, uploads every
        sliver and answers with the storage certificate. This relay takes no tip: ``tx_id`` and
        ``nonce`` are accepted and not needed."""
        params = request.query_params
        unknown = set(params) - {"blob_id", "deletable_blob_object", "tx_id", "nonce", "encoding_type"}
        if unknown:
            raise ApiError(400, "INVALID_QUERY", f"unknown query parameters: {', '.join(sorted(unknown))}")
        blob_id = params.get("blob_id", "")
        if not morsa.is_blob_id(blob_id):
            raise ApiError(400, "INVALID_QUERY", "blob_id must be a blob ID")
        if params.get("encoding_type", "RS2") != "RS2":
            raise ApiError(400, "INVALID_QUERY", "only the RS2 encoding is supported")
        object_text = params.get("deletable_blob_object")
        object_id = None
        if object_text is not None:
            if not _OBJECT_ID.fullmatch(object_text.lower()):
                raise ApiError(400, "INVALID_QUERY", "deletable_blob_object must be an object ID (0x and 64 hex digits)")
            object_id = bytes.fromhex(object_text[2:])
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > config.max_body_bytes:
            raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_body_bytes} bytes")
        # The body goes to a spool file, and a large one is encoded from it through a staging
        # directory: the relay's memory does not grow with the blob (SPEC §12.2 relays hold it).
        async with store_slot(), spooled_body(request, "morsa-relay-") as path:
            try:
                certificate, _ = await store_unless_abandoned(request, client.arelay(path, blob_id, object_id))
            except morsa.VerificationError as e:
                raise ApiError(400, "BLOB_ID_MISMATCH", str(e)) from None
            except ClientError as e:
                if "not registered" in str(e) or "registered as" in str(e):
                    raise ApiError(409, "NOT_REGISTERED", str(e)) from None
                raise unavailable("RELAY_FAILED", str(e), retry_after=5) from None
            except NetworkError as e:
                raise unavailable("RELAY_FAILED", str(e), retry_after=5) from None
        scheme = (await client.acommittee()).scheme  # a network's scheme never changes
        return JSONResponse(certificate_json(blob_id, certificate, scheme))

    async def tip_config(request: Request) -> JSONResponse:
        """``GET /v1/tip-config``: this relay relays for free."""
        return JSONResponse("no_tip")

    def _store_options(request: Request) -> dict[str, Any]:
        """``send_object_to``, ``share`` and ``reuse_resources`` of a publisher query (SPEC §12.2):
        the keyword arguments of :meth:`Client.astore`; 400 for a malformed address or for
        ``share`` with ``send_object_to``."""
        options: dict[str, Any] = {"share": _flag(request, "share")}
        if "reuse_resources" in request.query_params:
            options["reuse_resources"] = _flag(request, "reuse_resources")
        owner = request.query_params.get("send_object_to")
        if owner is not None:
            if not _ADDRESS.fullmatch(owner.lower()):
                raise ApiError(400, "INVALID_QUERY", f"send_object_to must be an address (0x and 64 hex digits), not {owner!r}")
            if options["share"]:
                raise ApiError(400, "INVALID_QUERY", "send_object_to and share exclude each other")
            options["owner"] = owner.lower()
        return options

    def _publisher_query(request: Request, extra: frozenset[str] = frozenset()) -> tuple[int, bool, bool]:
        unknown = set(request.query_params) - _PUBLISHER_PARAMS - extra
        if unknown:
            raise ApiError(400, "INVALID_QUERY", f"unknown query parameters: {', '.join(sorted(unknown))}")
        text = request.query_params.get("epochs", "1")
        if not text.isdigit() or not 1 <= int(text) <= 0xFFFFFFFF:
            raise ApiError(400, "INVALID_QUERY", f"epochs must be a positive integer, not {text!r}")
        if request.query_params.get("encoding_type", "RS2") != "RS2":
            raise ApiError(400, "INVALID_QUERY", "only the RS2 encoding is supported")
        if request.query_params.get("quilt_version", "v1").lower() not in ("v1", "1"):
            raise ApiError(400, "INVALID_QUERY", "only quilt version V1 is supported")
        return int(text), not _flag(request, "permanent"), _flag(request, "force")

    @contextlib.asynccontextmanager
    async def store_slot() -> AsyncIterator[None]:
        """A place among the running stores, or 503 when too many already wait."""
        if admitted[0] >= config.max_concurrent_stores + config.max_waiting_stores:
            raise unavailable("TOO_MANY_STORES", "the publisher is busy; try again later", retry_after=2)
        admitted[0] += 1
        try:
            async with stores:
                yield
        finally:
            admitted[0] -= 1

    def _store_error(e: BaseException) -> ApiError:
        if isinstance(e, RemoteError) and e.status < 500:
            return ApiError(e.status, e.reason or "STORE_REFUSED", e.message)
        if isinstance(e, (NetworkError, ClientError)):
            return unavailable("STORE_FAILED", str(e), retry_after=5)
        return ApiError(500, "STORE_FAILED", str(e))

    async def until_disconnected(request: Request) -> None:
        """Returns when the client goes away (after the body has been read)."""
        while (await request.receive())["type"] != "http.disconnect":
            pass

    @contextlib.asynccontextmanager
    async def spooled_body(request: Request, prefix: str) -> AsyncIterator[str]:
        """The request's body written to a temporary file in the staging directory (removed
        afterwards), its path; 413 ``BODY_TOO_LARGE`` past ``max_body_bytes``."""
        with tempfile.NamedTemporaryFile(prefix=prefix, dir=client.staging_dir) as spool:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > config.max_body_bytes:
                    raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_body_bytes} bytes")
                spool.write(chunk)
            spool.flush()
            yield spool.name

    async def store_unless_abandoned(request: Request, store: Coroutine[Any, Any, T]) -> T:
        """``await store``, cancelled if the client disconnects first (its work is not wanted)."""
        work = asyncio.ensure_future(store)
        gone = asyncio.ensure_future(until_disconnected(request))
        try:
            await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not work.done():
                work.cancel()
        if not work.done() or work.cancelled():
            log.info("%s %s: the client went away; its store was cancelled", request.method, request.url.path)
            raise ApiError(499, "CLIENT_CLOSED_REQUEST", "the client went away; the store was cancelled")
        return work.result()

    def require_account() -> None:
        if client.account is None:
            raise ApiError(403, "NO_PAYING_ACCOUNT", "this publisher has no account to pay for stores (--account-key)")

    async def publish(request: Request) -> Response:
        epochs, deletable, force = _publisher_query(request)
        options = _store_options(request)
        if options["share"]:
            deletable = False  # a shared blob is permanent
        require_account()
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > config.max_body_bytes:
            # Refused from the header alone: the server does not wait for such a body.
            raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_body_bytes} bytes")
        async with store_slot(), spooled_body(request, "morsa-publish-") as path:
            try:
                result = await store_unless_abandoned(request, client.astore(path, epochs=epochs, deletable=deletable, force=force, **options))
            except morsa.MorsaError as e:
                raise _store_error(e) from None
        return JSONResponse(_store_result(result, epochs))

    async def publish_quilt(request: Request) -> JSONResponse:
        epochs, deletable, force = _publisher_query(request, frozenset({"quilt_version"}))
        options = _store_options(request)
        if options["share"]:
            deletable = False  # a shared blob is permanent
        require_account()
        length = request.headers.get("content-length") or "0"
        if length.isdigit() and int(length) > config.max_quilt_body_bytes:
            raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_quilt_body_bytes} bytes")
        try:
            form = await request.form(max_files=100_000, max_fields=100_000)
        except Exception as e:  # noqa: BLE001 - malformed multipart bodies
            raise ApiError(400, "INVALID_MULTIPART", f"not a multipart/form-data body: {e}") from None
        tags: dict[str, dict[str, str]] = {}
        raw_metadata = form.get("_metadata")
        if raw_metadata is not None:
            try:
                text = raw_metadata if isinstance(raw_metadata, str) else (await raw_metadata.read()).decode()
                for item in json.loads(text):
                    tags[item["identifier"]] = {
                        str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (item.get("tags") or {}).items()
                    }
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise ApiError(400, "INVALID_METADATA", f"_metadata must be a JSON array of {{identifier, tags}}: {e}") from None
        entries = []
        for name, value in form.multi_items():
            if name == "_metadata":
                continue
            data = value.encode() if isinstance(value, str) else await value.read()
            entries.append((name, tags.get(name, {}), data))
        if not entries:
            raise ApiError(400, "EMPTY_QUILT", "the body holds no files")
        async with store_slot():
            try:
                stored = await store_unless_abandoned(
                    request, client.astore_quilt(entries, epochs=epochs, deletable=deletable, force=force, **options)
                )
            except morsa.QuiltError as e:
                raise ApiError(400, "INVALID_QUILT", str(e)) from None
            except morsa.MorsaError as e:
                raise _store_error(e) from None
        return JSONResponse({
            "blobStoreResult": _store_result(stored.store, epochs),
            "storedQuiltBlobs": [
                {"identifier": p.identifier, "quiltPatchId": stored.patch_ids[p.identifier]} for p in stored.patches
            ],
        })

    def _patch_response(patch: QuiltPatchContents, quilt_id: str) -> Response:
        return Response(patch.data, media_type="application/octet-stream", headers={
            "X-Quilt-Patch-Identifier": patch.identifier,
            "ETag": quilt_id,
            **_HEADERS,
        })

    async def _read_patch(quilt_or_patch_id: str, identifier: str | None, quilt_id: str) -> QuiltPatchContents:
        try:
            return await client.aread_patch(quilt_or_patch_id, identifier)
        except morsa.InvalidBlobIdError as e:
            raise ApiError(400, "INVALID_BLOB_ID", str(e)) from None
        except morsa.QuiltError as e:
            raise ApiError(404, "QUILT_PATCH_NOT_FOUND", str(e)) from None
        except morsa.InconsistentEncodingError as e:
            raise ApiError(500, "BLOB_INCONSISTENT", str(e)) from None
        except (ClientError, NetworkError) as e:
            raise await unreadable(quilt_id, e) from None

    async def read_by_patch_id(request: Request) -> Response:
        patch_id = request.path_params["patch_id"]
        try:
            quilt_id, _, _ = morsa.parse_quilt_patch_id(patch_id)
        except morsa.QuiltError as e:
            raise ApiError(400, "INVALID_QUILT_PATCH_ID", str(e)) from None
        return _patch_response(await _read_patch(patch_id, None, quilt_id), quilt_id)

    async def read_by_identifier(request: Request) -> Response:
        quilt_id = request.path_params["quilt_id"]
        return _patch_response(await _read_patch(quilt_id, request.path_params["identifier"], quilt_id), quilt_id)

    async def list_patches(request: Request) -> JSONResponse:
        quilt_id = request.path_params["quilt_id"]
        if not morsa.is_blob_id(quilt_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{quilt_id!r} is not a blob ID")
        try:
            index = await client.aread_quilt_index(quilt_id)
        except morsa.QuiltError as e:
            raise ApiError(400, "NOT_A_QUILT", str(e)) from None
        except (ClientError, NetworkError) as e:
            raise await unreadable(quilt_id, e) from None
        return JSONResponse([{"identifier": p.identifier, "patch_id": p.patch_id(quilt_id), "tags": p.tags} for p in index])

    routes = [
        Route("/status", status),
        Route("/v1/cache", cache_stats),
        Route("/v1/blobs/by-quilt-patch-id/{patch_id}", read_by_patch_id),
        Route("/v1/blobs/by-quilt-id/{quilt_id}/{identifier:path}", read_by_identifier),
        Route("/v1/quilts/{quilt_id}/patches", list_patches),
        Route("/v1/quilts", publish_quilt, methods=["PUT"]),
        Route("/v1/blobs/by-object-id/{object_id}", read_by_object_id),
        Route("/v1/blobs/{blob_id}/byte-range", byte_range),
        Route("/v1alpha/blobs/concat", concat, methods=["GET", "POST"]),
        Route("/v1alpha/blobs/{blob_id}/stream", stream),
        Route(RELAY_PATH, relay, methods=["POST"]),
        Route(TIP_CONFIG_PATH, tip_config),
        Route("/v1/blobs/{blob_id}", read),
        Route("/v1/blobs", publish, methods=["PUT"]),
    ]
    app = json_api(routes, domain=DAEMON_DOMAIN, openapi=openapi.daemon())
    app.state.cache = cache
    app.state.client = client
    return app


def _pread(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        return os.pread(f.fileno(), length, offset)


def _file_response(path: Path, media_type: str, headers: dict[str, str]) -> Response:
    """A cached blob file, sent in 1 MiB chunks read off the event loop (small blobs at once)."""
    size = path.stat().st_size
    if size <= 4 * _STREAM_CHUNK:
        return Response(path.read_bytes(), media_type=media_type, headers=headers)

    async def chunks() -> AsyncIterator[bytes]:
        with open(path, "rb") as f:
            while chunk := await asyncio.to_thread(f.read, _STREAM_CHUNK):
                yield chunk

    return StreamingResponse(chunks(), media_type=media_type, headers={**headers, "Content-Length": str(size)})


def _store_result(result: StoreResult, epochs: int) -> dict[str, Any]:
    """The ``BlobStoreResult`` JSON of a store (SPEC §12.2)."""
    if not result.newly_created and result.blob_object.get("certifiedEpoch") is not None and result.cost == 0:
        payload: dict[str, Any] = {
            "alreadyCertified": {
                "blobId": result.blob_id,
                "object": result.blob_object["id"],
                "endEpoch": result.blob_object["storage"]["endEpoch"],
            }
        }
    else:
        payload = {
            "newlyCreated": {
                "blobObject": result.blob_object,
                "resourceOperation": {
                    "registerFromScratch": {
                        "encodedLength": result.blob_object["storage"]["storageSize"],
                        "epochsAhead": epochs,
                    }
                },
                "cost": result.cost,
            }
        }
        if result.shared:
            payload["newlyCreated"]["sharedBlobObject"] = result.blob_object["id"]
    return payload


def run(config: DaemonConfig) -> int:
    """Serve the daemon until SIGTERM or SIGINT."""
    return serve(create_app(config), config.host, config.port)
