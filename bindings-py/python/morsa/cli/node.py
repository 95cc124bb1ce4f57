"""``morsa node run --config FILE``: run a storage node (docs/network.md)."""

from __future__ import annotations

import argparse
import sqlite3
from typing import IO, Any

from ._common import CliError


def cmd_node_run(args: argparse.Namespace, out: IO[str]) -> int:
    """Serve the node of ``args.config`` until SIGTERM/SIGINT; one INFO log line per request
    on stderr. Raises :class:`CliError` for a bad config or a busy port."""
    from morsa.net.server import PortInUseError, configure_logging
    from morsa.node.config import ConfigError, NodeConfig
    from morsa.node.runner import run

    try:
        config = NodeConfig.load(args.config)
    except ConfigError as e:
        raise CliError(str(e)) from None
    configure_logging()
    try:
        return run(config)
    except PortInUseError as e:
        raise CliError(str(e)) from None
    except sqlite3.Error as e:
        raise CliError(f"{config.data_dir}: cannot open the node's database: {e}") from None


def register(subparsers: Any) -> None:
    """Add the ``node`` command (with its ``run`` subcommand) to the ``morsa`` parser."""
    node = subparsers.add_parser(
        "node",
        help="run a storage node",
        description="Storage node of a Morsa network: the Walrus storage-node REST API on loopback.",
    )
    sub = node.add_subparsers(dest="node_command", metavar="SUBCOMMAND", required=True)
    run = sub.add_parser(
        "run",
        help="serve a storage node until SIGTERM/SIGINT",
        description=(
            "Serve the storage node described by FILE (JSON: name, host, port, data_dir, seed, "
            "chain_url, max_body_bytes). Logs one line per request on stderr."
        ),
    )
    run.add_argument("--config", required=True, metavar="FILE", help="the node's JSON config")
    run.set_defaults(func=cmd_node_run)
