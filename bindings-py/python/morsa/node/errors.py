"""JSON envelopes of the storage-node REST API (SPEC §11).

Success: ``{"success": {"code": <HTTP status>, "data": …}}``. Errors are AIP-193 style:
``{"error": {"code", "status", "message", "details": [{"@type": "ErrorInfo", "reason",
"domain": "storage.walrus.space", "metadata": {}}]}}``. Reasons follow the Walrus storage node
(``walrus-service/src/node/errors.rs``) where one exists.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

DOMAIN = "storage.walrus.space"

# HTTP status → AIP-193 / gRPC status name.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ALREADY_EXISTS",
    413: "RESOURCE_EXHAUSTED",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error answered as an AIP-193 JSON envelope.

    ``http`` is the HTTP status; ``status`` the AIP-193 status name (defaults from ``http``;
    precondition failures use 400 ``FAILED_PRECONDITION`` as Walrus does); ``reason`` the
    machine-readable ``ErrorInfo.reason``.
    """

    def __init__(
        self,
        http: int,
        reason: str,
        message: str,
        *,
        status: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http = http
        self.reason = reason
        self.message = message
        self.status = status or _STATUS_NAMES.get(http, "UNKNOWN")
        self.metadata = metadata or {}

    def response(self) -> JSONResponse:
        """The JSON response of this error."""
        return error_response(self.http, self.reason, self.message, status=self.status, metadata=self.metadata)


def error_response(
    http: int, reason: str, message: str, *, status: str | None = None, metadata: dict[str, str] | None = None
) -> JSONResponse:
    """An AIP-193 error envelope with domain ``storage.walrus.space``."""
    body = {
        "error": {
            "code": http,
            "status": status or _STATUS_NAMES.get(http, "UNKNOWN"),
            "message": message,
            "details": [{"@type": "ErrorInfo", "reason": reason, "domain": DOMAIN, "metadata": metadata or {}}],
        }
    }
    return JSONResponse(body, status_code=http)


def success(data: Any, code: int = 200) -> JSONResponse:
    """``{"success": {"code": code, "data": data}}`` with HTTP status ``code``."""
    return JSONResponse({"success": {"code": code, "data": data}}, status_code=code)


# Constructors for the errors used in more than one place.


def precondition(reason: str, message: str) -> ApiError:
    """400 ``FAILED_PRECONDITION``."""
    return ApiError(400, reason, message, status="FAILED_PRECONDITION")


def invalid_argument(reason: str, message: str) -> ApiError:
    """400 ``INVALID_ARGUMENT``."""
    return ApiError(400, reason, message, status="INVALID_ARGUMENT")


def not_found(reason: str, message: str) -> ApiError:
    """404 ``NOT_FOUND``."""
    return ApiError(404, reason, message)


def bad_bcs(what: str, detail: object) -> ApiError:
    """400 ``INVALID_CONTENT_TYPE``: the body is not valid BCS (SPEC §11, "Body encodings")."""
    return invalid_argument("INVALID_CONTENT_TYPE", f"unable to decode request body as BCS {what}: {detail}")


def unavailable(message: str) -> ApiError:
    """503 ``UNAVAILABLE``."""
    return ApiError(503, "UNAVAILABLE", message)
