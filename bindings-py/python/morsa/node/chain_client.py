"""HTTP client of the control plane (docs/network.md, "Control plane HTTP API").

The node uses four endpoints: ``GET /v1/committee``, ``GET /v1/blobs/{blob_id}``,
``GET /v1/events?since=&wait_ms=`` (long poll) and ``POST /v1/blobs/{blob_id}/invalid``.
Every answer is the envelope ``{"success": {"code", "data"}}``; :class:`ChainClient` returns
``data``. Tests substitute a fake control plane (or any object with the same coroutines).
"""

from __future__ import annotations

import base64
from typing import Any

import httpx


class ChainError(Exception):
    """The control plane could not be reached, or answered with an error.

    ``status`` is the HTTP status (``None`` when no answer arrived); ``reason`` the AIP-193
    reason when the body had one.
    """

    def __init__(self, message: str, status: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class ChainClient:
    """Async client of the control plane at ``base_url`` (``http://127.0.0.1:9000``).

    ``timeout`` is in seconds (long polls add their ``wait_ms``). ``transport`` is passed to
    httpx (tests may use an ``httpx.ASGITransport``).
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, timeout=timeout or self.timeout, **kwargs)
        except httpx.HTTPError as e:
            raise ChainError(f"control plane unreachable: {type(e).__name__}: {e}") from e
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            reason = None
            message = response.text[:200]
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                err = body["error"]
                message = str(err.get("message", message))
                details = err.get("details") or []
                if details and isinstance(details[0], dict):
                    reason = details[0].get("reason")
            raise ChainError(f"control plane: {method} {path}: {response.status_code} {message}", response.status_code, reason)
        if not isinstance(body, dict) or not isinstance(body.get("success"), dict):
            raise ChainError(f"control plane: {method} {path}: not a success envelope", response.status_code)
        return body["success"].get("data")

    async def health(self) -> dict[str, Any]:
        """``{"epoch", "n_shards"}``."""
        return await self._call("GET", "/v1/health")

    async def committee(self) -> dict[str, Any]:
        """``{"epoch", "n_shards", "committee": "<base64 postcard Committee>", "members":
        [{"node_id", "name", "url", "public_key": "<base64>", "shards": [int]}]}``."""
        return await self._call("GET", "/v1/committee")

    async def blob(self, blob_id: str) -> dict[str, Any] | None:
        """``{"blob_object": Blob, "status": "registered"|"certified"|"invalid"|"expired"}``, or
        ``None`` when the control plane does not know the blob (404)."""
        try:
            return await self._call("GET", f"/v1/blobs/{blob_id}")
        except ChainError as e:
            if e.status == 404:
                return None
            raise

    async def events(self, since: int, wait_ms: int) -> dict[str, Any]:
        """``{"events": [{"seq", "kind", "blob_id"?, "epoch"}], "next": seq}``; waits up to
        ``wait_ms`` milliseconds for new events."""
        return await self._call(
            "GET", "/v1/events", params={"since": since, "wait_ms": wait_ms}, timeout=self.timeout + wait_ms / 1000
        )

    async def submit_invalid(self, blob_id: str, certificate: bytes) -> dict[str, Any]:
        """POST the postcard bytes of an invalid-blob certificate (``3w ≥ n + 1``)."""
        body = {"certificate": base64.b64encode(certificate).decode()}
        return await self._call("POST", f"/v1/blobs/{blob_id}/invalid", json=body)
