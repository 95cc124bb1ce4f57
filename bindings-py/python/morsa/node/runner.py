"""Serve a storage node with uvicorn until SIGTERM or SIGINT."""

from __future__ import annotations

from ..net.server import serve
from .app import create_app
from .config import NodeConfig


def run(config: NodeConfig) -> int:
    """Serve until SIGTERM/SIGINT (graceful shutdown: background tasks stop, the store is
    closed; exit status 0), one INFO log line per request. Returns 1 when the server failed to
    start; raises :class:`morsa.net.server.PortInUseError` for a busy port."""
    return serve(create_app(config), config.host, config.port)
