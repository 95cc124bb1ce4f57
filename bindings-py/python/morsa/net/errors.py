"""Errors of the network, on both sides of a request.

Servers raise :class:`ApiError`; it is answered with the AIP-193 envelope that Walrus's
storage nodes and daemons use (SPEC §11, ``walrus-storage-node-client/src/api/errors.rs``)::

    {"error": {"code": 400, "status": "FAILED_PRECONDITION", "message": "…",
               "details": [{"@type": "ErrorInfo", "reason": "SHARD_NOT_ASSIGNED",
                            "domain": "storage.walrus.space", "metadata": {}}]}}

Success answers are ``{"success": {"code": <HTTP status>, "data": …}}``.

Clients raise subclasses of :class:`NetworkError` (itself a :class:`morsa.MorsaError`):
:class:`TransportError` when a server cannot be reached or does not answer in time, and
:class:`RemoteError` when it answers with an error (its HTTP status and AIP-193 reason kept).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from .._native import MorsaError

STORAGE_DOMAIN = "storage.walrus.space"
"""``ErrorInfo.domain`` of storage-node errors (SPEC §11)."""
DAEMON_DOMAIN = "daemon.walrus.space"
"""``ErrorInfo.domain`` of aggregator and publisher errors (SPEC §12)."""
CHAIN_DOMAIN = "chain.morsa.local"
"""``ErrorInfo.domain`` of the control plane's errors (docs/network.md)."""

STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    413: "RESOURCE_EXHAUSTED",
    416: "OUT_OF_RANGE",
    429: "RESOURCE_EXHAUSTED",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
"""HTTP status → AIP-193 (gRPC) status name: the one table of every Morsa server. A 400 that
is a failed precondition (Walrus's ``SHARD_NOT_ASSIGNED``, ``NOT_REGISTERED``, …) names
``FAILED_PRECONDITION`` explicitly (:func:`precondition`)."""


class ApiError(Exception):
    """An error a server answers with the AIP-193 envelope.

    ``http`` is the HTTP status, ``reason`` the machine-readable ``ErrorInfo.reason``,
    ``status`` the AIP-193 status name (from :data:`STATUS_NAMES` unless given),
    ``metadata`` the ``ErrorInfo.metadata`` strings, ``headers`` extra response headers
    (``Retry-After``).
    """

    def __init__(
        self,
        http: int,
        reason: str,
        message: str,
        *,
        status: str | None = None,
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http = http
        self.reason = reason
        self.message = message
        self.status = status or STATUS_NAMES.get(http, "UNKNOWN")
        self.metadata = {k: str(v) for k, v in (metadata or {}).items()}
        self.headers = headers or {}

    def body(self, domain: str) -> dict[str, Any]:
        """The AIP-193 JSON object of this error."""
        return {
            "error": {
                "code": self.http,
                "status": self.status,
                "message": self.message,
                "details": [{"@type": "ErrorInfo", "reason": self.reason, "domain": domain, "metadata": self.metadata}],
            }
        }


def precondition(reason: str, message: str) -> ApiError:
    """400 ``FAILED_PRECONDITION`` (Walrus answers precondition failures with 400)."""
    return ApiError(400, reason, message, status="FAILED_PRECONDITION")


def invalid_argument(reason: str, message: str) -> ApiError:
    """400 ``INVALID_ARGUMENT``."""
    return ApiError(400, reason, message)


def not_found(reason: str, message: str) -> ApiError:
    """404 ``NOT_FOUND``."""
    return ApiError(404, reason, message)


def unavailable(reason: str, message: str, *, retry_after: float | None = None) -> ApiError:
    """503 ``UNAVAILABLE``, with ``Retry-After`` (whole seconds, at least 1) when given."""
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
    return ApiError(503, reason, message, headers=headers)


def bad_bcs(what: str, detail: object) -> ApiError:
    """400 ``INVALID_CONTENT_TYPE``: the body is not valid BCS ``what`` (SPEC §11, "Body encodings")."""
    return invalid_argument("INVALID_CONTENT_TYPE", f"unable to decode request body as BCS {what}: {detail}")


# ---------------------------------------------------------------------------------- client side


class NetworkError(MorsaError):
    """A request to a storage node, the control plane or a daemon failed."""


class TransportError(NetworkError):
    """The server could not be reached, or did not answer within the timeout.

    ``url`` is the request's URL. Retrying later may succeed.
    """

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class RemoteError(NetworkError):
    """The server answered with an error.

    ``status`` is the HTTP status; ``reason`` the AIP-193 ``ErrorInfo.reason`` (``None`` when
    the body is not an AIP-193 error); ``message`` the server's message; ``url`` the request's
    URL; ``retry_after`` the ``Retry-After`` header in seconds, if any; ``metadata`` the
    ``ErrorInfo.metadata`` strings.
    """

    def __init__(
        self,
        status: int,
        reason: str | None,
        message: str,
        *,
        url: str = "",
        retry_after: float | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        where = f"{url}: " if url else ""
        super().__init__(f"{where}HTTP {status}{f' {reason}' if reason else ''}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.url = url
        self.retry_after = retry_after
        self.metadata: dict[str, str] = metadata or {}

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later: 429, 5xx other than 500/501, or a
        blob the server has not seen registered yet."""
        return self.status in (408, 425, 429, 502, 503, 504) or self.reason in ("NOT_REGISTERED", "BLOB_NOT_REGISTERED")


@contextlib.contextmanager
def malformed_answer(url: str, what: str) -> Iterator[None]:
    """Turns the errors of reading an answer's fields (a missing key, a wrong type) into a
    :class:`RemoteError` ``MALFORMED_ANSWER`` naming ``what`` was expected; Morsa's own errors
    (a committee that does not verify) pass unchanged."""
    try:
        yield
    except MorsaError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        raise RemoteError(200, "MALFORMED_ANSWER", f"not {what}: {type(e).__name__}: {e}", url=url) from e


def parse_envelope(status: int, body: bytes, *, url: str = "", headers: Any = None) -> Any:
    """The ``data`` of a JSON success envelope, or raise.

    Raises :class:`RemoteError` for an error status (with the AIP-193 reason and message when
    the body carries them) and for a 2xx body that is not a success envelope.
    """
    try:
        decoded = json.loads(body) if body else None
    except ValueError:
        decoded = None
    if status >= 400:
        raise remote_error(status, decoded, body, url=url, headers=headers)
    if not isinstance(decoded, dict) or not isinstance(decoded.get("success"), dict):
        raise RemoteError(status, None, "the answer is not a JSON success envelope", url=url)
    return decoded["success"].get("data")


def remote_error(status: int, decoded: Any, body: bytes, *, url: str = "", headers: Any = None) -> RemoteError:
    """The :class:`RemoteError` of an error answer (``decoded`` is its parsed JSON, if any)."""
    reason = None
    metadata: dict[str, str] = {}
    message = body[:200].decode("utf-8", "replace").strip() or "(no body)"
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), dict):
        error = decoded["error"]
        message = str(error.get("message", message))
        details = error.get("details")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            found = details[0].get("reason")
            reason = str(found) if found is not None else None
            if isinstance(details[0].get("metadata"), dict):
                metadata = {str(k): str(v) for k, v in details[0]["metadata"].items()}
    retry_after = None
    if headers is not None:
        value = headers.get("retry-after")
        if value is not None and str(value).isdigit():
            retry_after = float(value)
    return RemoteError(status, reason, message, url=url, retry_after=retry_after, metadata=metadata)


__all__ = [
    "CHAIN_DOMAIN",
    "DAEMON_DOMAIN",
    "STATUS_NAMES",
    "STORAGE_DOMAIN",
    "ApiError",
    "NetworkError",
    "RemoteError",
    "TransportError",
    "bad_bcs",
    "invalid_argument",
    "not_found",
    "parse_envelope",
    "precondition",
    "remote_error",
    "unavailable",
]
