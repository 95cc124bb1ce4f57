"""Serve a storage node with uvicorn until SIGTERM or SIGINT."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator

import uvicorn

from .app import create_app, with_request_log
from .config import NodeConfig


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
    """One line per record on stderr: time, level, logger, message."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


class NodeServer(uvicorn.Server):
    """uvicorn's server, except that SIGTERM/SIGINT end it with exit status 0: after the graceful
    shutdown the signal is not re-raised (uvicorn re-raises it, giving status -15)."""

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
            logging.getLogger("morsa.node").info("%s: shutting down", signal.Signals(sig).name)
        self.handle_exit(sig, None)


def build_server(config: NodeConfig) -> uvicorn.Server:
    """A uvicorn server for the node (request log on, uvicorn's access log off)."""
    app = with_request_log(create_app(config))
    uv_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    return NodeServer(uv_config)


def run(config: NodeConfig) -> int:
    """Serve until SIGTERM/SIGINT (graceful shutdown: background tasks stop, the store is
    closed). Returns 0, or 1 when the server failed to start."""
    check_port(config.host, config.port)
    server = build_server(config)
    server.run()
    return 0 if server.started else 1
