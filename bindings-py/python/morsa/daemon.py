"""The client daemon: Walrus's aggregator (read) and publisher (write) HTTP APIs (SPEC §12)
over :class:`morsa.client.Client`.

* ``GET /v1/blobs/{blob_id}`` returns the blob's bytes, decoded and verified, with a single
  ``Range: bytes=a-b`` supported (206); query flags ``strict_consistency_check`` and
  ``skip_consistency_check``.
* ``PUT /v1/blobs?epochs=N[&permanent=true][&deletable=true][&force=true]`` stores the body
  and answers with the ``BlobStoreResult`` JSON (``newlyCreated`` or ``alreadyCertified``).
* ``PUT /v1/quilts`` (``multipart/form-data``: one file field per blob, named by its
  identifier, and an optional ``_metadata`` JSON array of ``{"identifier", "tags"}``) stores a
  quilt and answers ``{"blobStoreResult", "storedQuiltBlobs"}`` (SPEC §12.2, §13).
* ``GET /v1/blobs/by-quilt-patch-id/{patch_id}`` and ``GET /v1/blobs/by-quilt-id/{quilt_id}/{identifier}``
  return one blob of a quilt, read from its secondary slivers and verified, with
  ``X-Quilt-Patch-Identifier`` and ``ETag: <quilt_id>``; ``GET /v1/quilts/{quilt_id}/patches``
  lists ``{"identifier", "patch_id", "tags"}`` (SPEC §12.1).
* ``GET /status`` answers ``"OK"``.

Errors use the AIP-193 envelope with domain ``daemon.walrus.space``.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import morsa

from ._http import ApiError, serve
from .client import Client, ClientError, QuiltPatchContents, StoreResult

DOMAIN = "daemon.walrus.space"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_QUILT_BODY_BYTES = 100 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")
_PUBLISHER_PARAMS = {"epochs", "permanent", "deletable", "force", "encoding_type"}


@dataclass
class DaemonConfig:
    """Settings of a client daemon."""

    chain_url: str
    host: str = "127.0.0.1"
    port: int = 31415
    account: str = "publisher"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_quilt_body_bytes: int = DEFAULT_MAX_QUILT_BODY_BYTES
    faucet_amount: int = 10**15


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise ApiError(400, "INVALID_QUERY", f"{name} must be true or false")
    return value == "true"


def create_app(config: DaemonConfig, client: Client | None = None) -> Starlette:
    """The aggregator and publisher app."""
    client = client or Client(config.chain_url, account=config.account)

    async def status(request: Request) -> Response:
        return PlainTextResponse("OK")

    async def read(request: Request) -> Response:
        blob_id = request.path_params["blob_id"]
        if not morsa.is_blob_id(blob_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{blob_id!r} is not a blob ID")
        strict, skip = _flag(request, "strict_consistency_check"), _flag(request, "skip_consistency_check")
        if strict and skip:
            raise ApiError(400, "INVALID_QUERY", "strict and skip consistency checks exclude each other")
        check = "strict" if strict else "skip" if skip else "default"
        try:
            data = await client.aread(blob_id, consistency_check=check)
        except morsa.InconsistentEncodingError as e:
            raise ApiError(500, "BLOB_INCONSISTENT", str(e)) from None
        except ClientError as e:
            raise ApiError(404, "BLOB_NOT_FOUND", str(e)) from None
        headers = {
            "ETag": blob_id,
            "Cache-Control": "public, max-age=86400, stale-while-revalidate=3600",
            "X-Content-Type-Options": "nosniff",
        }
        accept = request.headers.get("accept", "")
        media_type = accept if accept and "*" not in accept else request.headers.get("content-type", "application/octet-stream")
        range_header = request.headers.get("range")
        if range_header is None:
            return Response(data, media_type=media_type, headers=headers)
        m = _RANGE.match(range_header.strip())
        if not m:
            raise ApiError(416, "INVALID_RANGE", "only a single range 'bytes=a-b' with both ends is supported")
        start, end = int(m.group(1)), int(m.group(2))
        if start > end or start >= len(data):
            raise ApiError(416, "INVALID_RANGE", f"range {start}-{end} is outside the blob of {len(data)} bytes")
        end = min(end, len(data) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return Response(data[start : end + 1], status_code=206, media_type=media_type, headers=headers)

    async def publish(request: Request) -> JSONResponse:
        epochs, deletable, force = _publisher_query(request)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > config.max_body_bytes:
                raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_body_bytes} bytes")
        try:
            result = await client.astore(bytes(body), epochs=epochs, deletable=deletable, force=force)
        except morsa.MorsaError as e:
            raise ApiError(500, "STORE_FAILED", str(e)) from None
        return JSONResponse(_store_result(result, epochs))

    def _publisher_query(request: Request, extra: set[str] = frozenset()) -> tuple[int, bool, bool]:
        unknown = set(request.query_params) - _PUBLISHER_PARAMS - extra
        if unknown:
            raise ApiError(400, "INVALID_QUERY", f"unknown query parameters: {', '.join(sorted(unknown))}")
        try:
            epochs = int(request.query_params.get("epochs", "1"))
        except ValueError:
            raise ApiError(400, "INVALID_QUERY", "epochs must be an integer") from None
        if request.query_params.get("encoding_type", "RS2") != "RS2":
            raise ApiError(400, "INVALID_QUERY", "only the RS2 encoding is supported")
        if request.query_params.get("quilt_version", "v1").lower() not in ("v1", "1"):
            raise ApiError(400, "INVALID_QUERY", "only quilt version V1 is supported")
        return epochs, not _flag(request, "permanent"), _flag(request, "force")

    async def publish_quilt(request: Request) -> JSONResponse:
        epochs, deletable, force = _publisher_query(request, {"quilt_version"})
        length = int(request.headers.get("content-length") or 0)
        if length > config.max_quilt_body_bytes:
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
        try:
            stored = await client.astore_quilt(entries, epochs=epochs, deletable=deletable, force=force)
        except morsa.QuiltError as e:
            raise ApiError(400, "INVALID_QUILT", str(e)) from None
        except morsa.MorsaError as e:
            raise ApiError(500, "STORE_FAILED", str(e)) from None
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
            "Cache-Control": "public, max-age=86400, stale-while-revalidate=3600",
            "X-Content-Type-Options": "nosniff",
        })

    async def _read_patch(quilt_or_patch_id: str, identifier: str | None) -> QuiltPatchContents:
        try:
            return await client.aread_patch(quilt_or_patch_id, identifier)
        except morsa.InvalidBlobIdError as e:
            raise ApiError(400, "INVALID_BLOB_ID", str(e)) from None
        except morsa.QuiltError as e:
            raise ApiError(404, "QUILT_PATCH_NOT_FOUND", str(e)) from None
        except morsa.InconsistentEncodingError as e:
            raise ApiError(500, "BLOB_INCONSISTENT", str(e)) from None
        except ClientError as e:
            raise ApiError(404, "BLOB_NOT_FOUND", str(e)) from None

    async def read_by_patch_id(request: Request) -> Response:
        patch_id = request.path_params["patch_id"]
        try:
            quilt_id, _, _ = morsa.parse_quilt_patch_id(patch_id)
        except morsa.QuiltError as e:
            raise ApiError(400, "INVALID_QUILT_PATCH_ID", str(e)) from None
        return _patch_response(await _read_patch(patch_id, None), quilt_id)

    async def read_by_identifier(request: Request) -> Response:
        quilt_id = request.path_params["quilt_id"]
        return _patch_response(await _read_patch(quilt_id, request.path_params["identifier"]), quilt_id)

    async def list_patches(request: Request) -> JSONResponse:
        quilt_id = request.path_params["quilt_id"]
        if not morsa.is_blob_id(quilt_id):
            raise ApiError(400, "INVALID_BLOB_ID", f"{quilt_id!r} is not a blob ID")
        try:
            index = await asyncio.to_thread(client.read_quilt_index, quilt_id)
        except morsa.QuiltError as e:
            raise ApiError(400, "NOT_A_QUILT", str(e)) from None
        except ClientError as e:
            raise ApiError(404, "BLOB_NOT_FOUND", str(e)) from None
        return JSONResponse([{"identifier": p.identifier, "patch_id": p.patch_id(quilt_id), "tags": p.tags} for p in index])

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return exc.response(DOMAIN)

    routes = [
        Route("/status", status),
        Route("/v1/blobs/by-quilt-patch-id/{patch_id}", read_by_patch_id),
        Route("/v1/blobs/by-quilt-id/{quilt_id}/{identifier:path}", read_by_identifier),
        Route("/v1/quilts/{quilt_id}/patches", list_patches),
        Route("/v1/quilts", publish_quilt, methods=["PUT"]),
        Route("/v1/blobs/{blob_id}", read),
        Route("/v1/blobs", publish, methods=["PUT"]),
    ]
    app = Starlette(routes=routes, exception_handlers={ApiError: api_error})
    # Any origin may read, as Walrus aggregators allow (SPEC §11): browser clients.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    return app


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
    return payload


def run(config: DaemonConfig) -> None:
    """Serve the daemon until SIGTERM or SIGINT, funding its account from the devnet faucet."""
    client = Client(config.chain_url, account=config.account)
    if config.faucet_amount:
        try:
            client.faucet(config.faucet_amount)
        except Exception:  # noqa: BLE001 - a control plane without a faucet is fine
            pass
    serve(create_app(config, client), config.host, config.port, log_name="daemon")
