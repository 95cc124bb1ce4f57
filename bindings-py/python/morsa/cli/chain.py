"""``morsa chain``: run the control plane."""

from __future__ import annotations

import argparse
from typing import IO, Any

from ._common import CliError


def cmd_run(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.chain.state import ChainConfig

    try:
        config = ChainConfig.load(args.config)
    except (OSError, ValueError, TypeError, KeyError) as e:
        raise CliError(f"{args.config}: not a valid chain config: {e}") from None
    from morsa.chain.server import run
    from morsa.net.server import PortInUseError, configure_logging

    configure_logging()
    try:
        return run(config)
    except PortInUseError as e:
        raise CliError(str(e)) from None


def register(sub: Any) -> None:
    """Add ``chain run`` to the parser."""
    p = sub.add_parser(
        "chain",
        help="the local control plane (stands in for Sui)",
        description="Committee, epochs, accounts, blob registration and certification for a local network.",
    )
    chain_sub = p.add_subparsers(dest="chain_command", metavar="COMMAND", required=True)
    run = chain_sub.add_parser(
        "run",
        help="serve the control plane on loopback",
        description="Serve the control plane HTTP API (docs/network.md) with state in the config's data_dir.",
    )
    run.add_argument("--config", required=True, metavar="FILE", help="chain config (JSON)")
    run.set_defaults(func=cmd_run)
