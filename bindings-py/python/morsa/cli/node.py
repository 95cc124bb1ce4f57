"""``morsa node``: run a storage node (docs/network.md); its operator's votes and commission
(REWARDS.md §1.1, §3.5), signed with the node's key."""

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


def _operator(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """The control plane, the operator's account (the node's key) and the node ID, from
    ``--config`` or a devnet node's name."""
    from morsa.devnet import Devnet
    from morsa.net.accounts import Account
    from morsa.net.control import HttpControlPlane
    from morsa.node.config import ConfigError, NodeConfig

    path = args.config
    if path is None:
        if args.name is None:
            raise CliError("name a devnet node (e.g. node-3) or give --config FILE")
        path = Devnet.load(args.devnet).node_config(args.name)
    try:
        config = NodeConfig.load(path)
    except ConfigError as e:
        raise CliError(str(e)) from None
    account = Account.from_seed(config.seed_bytes)
    return HttpControlPlane(config.chain_url), account, account.public_key.hex()


def _show(node: dict[str, Any], out: IO[str]) -> None:
    votes = node["votes"]
    out.write(
        f"{node['name']}: storage price {votes['storage_price']} FROST/MiB/epoch, write price {votes['write_price']} FROST/MiB, "
        f"capacity {votes['node_capacity']} bytes; commission {node['commission_rate'] / 100:.2f}%\n"
    )


def cmd_node_vote(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.net.sync import run_sync

    given = {"storage_price": args.storage_price, "write_price": args.write_price, "node_capacity": args.capacity}
    votes = {k: v for k, v in given.items() if v is not None}
    if not votes:
        raise CliError("vote for something: --storage-price, --write-price or --capacity")
    control, account, node_id = _operator(args)
    _show(run_sync(control.vote(account, node_id, **votes)), out)
    return 0


def cmd_node_commission(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa.net.sync import run_sync

    control, account, node_id = _operator(args)
    if args.collect:
        result = run_sync(control.collect_commission(account, node_id))
        out.write(f"collected {result['amount']} FROST of commission (operator balance {result['balance']} FROST)\n")
        return 0
    if args.rate is None:
        raise CliError("give --rate BASIS_POINTS (0..10000) or --collect")
    node = run_sync(control.set_commission(account, node_id, args.rate))
    out.write(f"{node['name']}: commission {args.rate / 100:.2f}% from two epochs on (now {node['commission_rate'] / 100:.2f}%)\n")
    return 0


def _add_operator_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NODE", help="a devnet node's name (e.g. node-3)")
    p.add_argument("--config", metavar="FILE", help="the node's JSON config instead (its key signs)")
    p.add_argument("--devnet", metavar="DIR", help="devnet directory (default: $MORSA_DEVNET_DIR or ~/.local/state/morsa/devnet)")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


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
    vote = sub.add_parser(
        "vote",
        help="the operator's price and capacity votes",
        description=(
            "Vote the node's storage price (FROST per MiB per epoch), write price (FROST per MiB) "
            "and capacity (bytes), signed with the node's key. System prices follow at once: the "
            "lowest vote that at least two thirds of the shards accept (REWARDS.md §1.1); capacity "
            "at the next committee selection (§1.2)."
        ),
    )
    _add_operator_args(vote)
    vote.add_argument("--storage-price", type=_non_negative, metavar="FROST")
    vote.add_argument("--write-price", type=_non_negative, metavar="FROST")
    vote.add_argument("--capacity", type=_non_negative, metavar="BYTES")
    vote.set_defaults(func=cmd_node_vote)
    commission = sub.add_parser(
        "commission",
        help="set the commission rate, or collect the commission",
        description=(
            "Set the node's commission rate (basis points; it applies from two epochs on), or with "
            "--collect pay the commission that is not blocked to the operator's account (REWARDS.md §3.5)."
        ),
    )
    _add_operator_args(commission)
    commission.add_argument("--rate", type=_non_negative, metavar="BASIS_POINTS", help="0..10000 (e.g. 500 = 5%%)")
    commission.add_argument("--collect", action="store_true", help="collect the commission instead")
    commission.set_defaults(func=cmd_node_commission)
