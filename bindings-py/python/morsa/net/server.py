"""Serving Morsa's HTTP APIs: Starlette apps on uvicorn (uvloop and httptools when installed),
loopback only, with one error envelope (:mod:`morsa.net.errors`).

:func:`json_api` builds an app whose every error is a JSON AIP-193 answer: an
:class:`~morsa.net.errors.ApiError` as raised, unknown routes as 404 ``NOT_FOUND``, wrong
methods as 405, anything unexpected as 500 ``INTERNAL_ERROR`` (logged, never a traceback to
the client).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

SERVER_KEEPALIVE_SECONDS = 75
"""How long servers keep an idle connection open: longer than the clients' pools keep theirs
(:data:`morsa.net.transport.KEEPALIVE_SECONDS`)."""

log = logging.getLogger("morsa.net")
http_log = logging.getLogger("morsa.http")


def success(data: Any, code: int = 200) -> JSONResponse:
    """``{"success": {"code": code, "data": data}}`` with HTTP status ``code``."""
    return JSONResponse({"success": {"code": code, "data": data}}, status_code=code)


def error_response(error: ApiError, domain: str) -> JSONResponse:
    """The AIP-193 answer of ``error``, with its extra headers."""
    return JSONResponse(error.body(domain), status_code=error.http, headers=error.headers or None)


def json_api(
    routes: Sequence[BaseRoute],
    *,
    domain: str,
    lifespan: Callable[[Starlette], Any] | None = None,
    cors_methods: Sequence[str] = ("*",),
    openapi: dict[str, Any] | None = None,
) -> Starlette:
    """A Starlette app answering every error with the AIP-193 envelope of ``domain``; any
    origin may call the ``cors_methods`` (browsers read storage nodes and aggregators, as on
    Walrus). ``openapi`` is served at ``GET /v1/api``."""
    if openapi is not None:
        document = openapi

        async def api_document(request: Request) -> Response:
            return JSONResponse(document)

        routes = [*routes, Route("/v1/api", api_document)]

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc, domain)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        reason = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        return error_response(ApiError(exc.status_code, reason, str(exc.detail)), domain)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(ApiError(500, "INTERNAL_ERROR", "an internal error has occurred, please report it"), domain)

    app = Starlette(
        routes=list(routes),
        lifespan=lifespan,
        exception_handlers={ApiError: api_error, HTTPException: http_error, Exception: internal_error},
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=list(cors_methods), allow_headers=["*"], expose_headers=["*"]
    )
    return app


_DRAIN_LIMIT = 64 * 1024 * 1024


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 ``PAYLOAD_TOO_LARGE`` beyond ``limit`` bytes.

    A ``Content-Length`` above the limit is refused from the header alone when it exceeds
    64 MiB (the server does not wait for such a body); smaller excess bodies are drained first,
    so that the client reads the answer.
    """
    too_large = ApiError(413, "PAYLOAD_TOO_LARGE", f"the request body exceeds the limit of {limit} bytes")
    declared_text = request.headers.get("content-length")
    declared = int(declared_text) if declared_text is not None and declared_text.isdigit() else None
    if declared is not None and declared > limit:
        if declared > _DRAIN_LIMIT:
            raise too_large
        async for _ in request.stream():
            pass
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            drained = size
            async for rest in request.stream():
                drained += len(rest)
                if drained > _DRAIN_LIMIT:
                    break
            raise too_large
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class RequestLog:
    """ASGI middleware: one INFO line per HTTP request (client, method, path, status, time)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger = http_log) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client") or ("-", 0)
            self.logger.info(
                '%s "%s %s" %d %.1fms', client[0], scope.get("method", "-"), path, status[0], (time.perf_counter() - start) * 1000
            )


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortInUseError(OSError):
    """The configured port cannot be bound."""


def check_port(host: str, port: int) -> None:
    """Raise :class:`PortInUseError` when ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as e:
            raise PortInUseError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None


def configure_logging(level: int = logging.INFO) -> None:
    """One line per record on stderr: time, level, logger, message; HTTP libraries quiet."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn.error", "uvicorn.access", "aiohttp", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _uvicorn_config(app: ASGIApp, host: str, port: int, **kwargs: Any) -> Any:
    import uvicorn

    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"Morsa servers bind to loopback only, not {host!r}")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        loop="auto",
        http="auto",
        timeout_keep_alive=SERVER_KEEPALIVE_SECONDS,
        **kwargs,
    )


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, except that SIGTERM/SIGINT end it with exit status 0 (uvicorn
        re-raises the signal after the graceful shutdown, giving status -15)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            handled = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self._on_signal) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)

        def _on_signal(self, sig: int, frame: object) -> None:
            if not self.should_exit:
                log.info("%s: shutting down", signal.Signals(sig).name)
            self.handle_exit(sig, None)

    return Server


def serve(app: ASGIApp, host: str, port: int, *, request_log: bool = True, graceful_seconds: float = 5) -> int:
    """Serve ``app`` until SIGTERM or SIGINT (loopback only); returns 0, or 1 when it could
    not start. Raises :class:`PortInUseError` for a busy port."""
    check_port(host, port)
    config = _uvicorn_config(RequestLog(app) if request_log else app, host, port, timeout_graceful_shutdown=graceful_seconds)
    server = _server_class()(config)
    server.run()
    return 0 if server.started else 1


@contextlib.contextmanager
def serve_in_thread(app: ASGIApp, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` in a background thread (tests, embedding); yields its URL."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(_uvicorn_config(app, host, port))
    # The server runs in a thread: signals stay with the main thread (uvicorn checks this
    # attribute where it exists).
    setattr(server, "install_signal_handlers", lambda: None)  # noqa: B010
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


__all__ = [
    "LOOPBACK_HOSTS",
    "PortInUseError",
    "RequestLog",
    "check_port",
    "configure_logging",
    "error_response",
    "free_port",
    "json_api",
    "read_body",
    "serve",
    "serve_in_thread",
    "success",
]
