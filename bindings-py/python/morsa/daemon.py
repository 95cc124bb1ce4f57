"""The client daemon: Walrus's aggregator (read) and publisher (write) HTTP APIs (SPEC §12)
over :class:`morsa.client.Client`.

* ``GET /v1/blobs/{blob_id}`` returns the blob's bytes, decoded and verified, with a single
  ``Range: bytes=a-b`` supported (206); query flags ``strict_consistency_check`` and
  ``skip_consistency_check``.
* ``PUT /v1/blobs?epochs=N[&permanent=true][&deletable=true][&force=true]`` stores the body
  and answers with the ``BlobStoreResult`` JSON (``newlyCreated`` or ``alreadyCertified``).
* ``GET /status`` answers ``"OK"``.

Errors use the AIP-193 envelope with domain ``daemon.walrus.space``.
"""

from __future__ import annotations

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
from .client import Client, ClientError

DOMAIN = "daemon.walrus.space"
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
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
        unknown = set(request.query_params) - _PUBLISHER_PARAMS
        if unknown:
            raise ApiError(400, "INVALID_QUERY", f"unknown query parameters: {', '.join(sorted(unknown))}")
        try:
            epochs = int(request.query_params.get("epochs", "1"))
        except ValueError:
            raise ApiError(400, "INVALID_QUERY", "epochs must be an integer") from None
        if request.query_params.get("encoding_type", "RS2") != "RS2":
            raise ApiError(400, "INVALID_QUERY", "only the RS2 encoding is supported")
        permanent = _flag(request, "permanent")
        deletable = not permanent
        force = _flag(request, "force")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > config.max_body_bytes:
                raise ApiError(413, "BODY_TOO_LARGE", f"the body exceeds {config.max_body_bytes} bytes")
        try:
            result = await client.astore(bytes(body), epochs=epochs, deletable=deletable, force=force)
        except morsa.MorsaError as e:
            raise ApiError(500, "STORE_FAILED", str(e)) from None
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
        return JSONResponse(payload)

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return exc.response(DOMAIN)

    routes = [
        Route("/status", status),
        Route("/v1/blobs/{blob_id}", read),
        Route("/v1/blobs", publish, methods=["PUT"]),
    ]
    app = Starlette(routes=routes, exception_handlers={ApiError: api_error})
    # Any origin may read, as Walrus aggregators allow (SPEC §11): browser clients.
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    return app


def run(config: DaemonConfig) -> None:
    """Serve the daemon until SIGTERM or SIGINT, funding its account from the devnet faucet."""
    client = Client(config.chain_url, account=config.account)
    if config.faucet_amount:
        try:
            client.faucet(config.faucet_amount)
        except Exception:  # noqa: BLE001 - a control plane without a faucet is fine
            pass
    serve(create_app(config, client), config.host, config.port, log_name="daemon")
