"""HTTP plumbing shared by Morsa's servers: Walrus's JSON envelopes (SPEC §11) and serving.

Success responses are ``{"success": {"code": <status>, "data": …}}``; errors follow AIP-193:
``{"error": {"code", "status", "message", "details": [{"@type": "ErrorInfo", "reason",
"domain", "metadata"}]}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

from starlette.responses import JSONResponse

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    416: "OUT_OF_RANGE",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def success(data: Any, code: int = 200) -> JSONResponse:
    """The Walrus success envelope."""
    return JSONResponse({"success": {"code": code, "data": data}}, status_code=code)


class ApiError(Exception):
    """An error answered with the AIP-193 envelope."""

    def __init__(self, code: int, reason: str, message: str, **metadata: Any) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}

    def response(self, domain: str) -> JSONResponse:
        body = {
            "error": {
                "code": self.code,
                "status": _STATUS.get(self.code, "UNKNOWN"),
                "message": self.message,
                "details": [
                    {"@type": "ErrorInfo", "reason": self.reason, "domain": domain, "metadata": self.metadata}
                ],
            }
        }
        return JSONResponse(body, status_code=self.code)


def error_reason(body: Any) -> str | None:
    """The ``reason`` of an AIP-193 error body, if any."""
    try:
        return body["error"]["details"][0]["reason"]
    except (KeyError, IndexError, TypeError):
        return None


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: Any, host: str, port: int, *, log_name: str) -> None:
    """Serve an ASGI app with uvicorn until SIGTERM or SIGINT. Binds to loopback only."""
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"Morsa servers bind to loopback only, not {host!r}")
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {log_name} %(levelname)s %(message)s")
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=True, lifespan="on")
    uvicorn.Server(config).run()


@contextlib.contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app in a background thread (for tests and embedding); yields its URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        threading.Event().wait(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def install_shutdown(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Set ``stop`` on SIGTERM or SIGINT."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
