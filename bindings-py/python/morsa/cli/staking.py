"""Delegated staking and node economics: ``stake``, ``withdraw``, ``stakes``, ``nodes``,
``economy`` (REWARDS.md §1–§5), on a devnet's control plane; ``health``, every node's health."""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from ._common import CliError, add_network_args, client_from_args

FROST_PER_WAL = 10**9


def amount_arg(text: str) -> int:
    """An amount in FROST: ``12.5`` or ``12.5WAL`` (WAL, 9 decimals at most) or ``1000FROST``."""
    raw = text.strip().upper()
    try:
        if raw.endswith("FROST"):
            value = int(raw[:-5])
        else:
            wal = Decimal(raw.removesuffix("WAL"))
            value = int(wal * FROST_PER_WAL)
            if value != wal * FROST_PER_WAL:
                raise argparse.ArgumentTypeError(f"{text!r} has more than 9 decimals (1 FROST = 10^-9 WAL)")
    except (ValueError, InvalidOperation):
        raise argparse.ArgumentTypeError(f"not an amount: {text!r} (WAL such as 12.5, or FROST such as 1000FROST)") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"the amount must be positive, not {text!r}")
    return value


def wal(frost: int) -> str:
    """FROST as WAL, with the decimals that matter."""
    text = f"{Decimal(frost) / FROST_PER_WAL:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + " WAL"


def _stake_line(s: dict[str, Any], names: dict[str, str]) -> str:
    staked = s["staked"]
    state = f"withdrawing from epoch {staked['withdraw_epoch']}" if staked["withdraw_epoch"] is not None else "staked"
    node = names.get(s["node"].removeprefix("0x"), s["node"])
    return (
        f"{s['id']:>5}  {node:<10} {wal(staked['principal']):>22}  from epoch {staked['activation_epoch']:<4} "
        f"rewards {wal(s['rewards']):>18}  {state}"
    )


def cmd_stake(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    result = client.stake(args.node, args.amount)
    stake = result["stake"]
    if args.json:
        out.write(json.dumps(result) + "\n")
    else:
        out.write(
            f"stake {stake['id']}: {wal(stake['staked']['principal'])} with {args.node}, active from epoch "
            f"{stake['staked']['activation_epoch']} (balance {wal(result['balance'])})\n"
        )
    return 0


def cmd_withdraw(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    result = client.withdraw(args.stake_id)
    if args.json:
        out.write(json.dumps(result) + "\n")
    elif result["outcome"] == "withdrawn":
        out.write(f"stake {args.stake_id}: {wal(result['amount'])} paid out (balance {wal(result['balance'])})\n")
    else:
        out.write(
            f"stake {args.stake_id}: withdrawal requested; run 'morsa withdraw {args.stake_id}' again from epoch "
            f"{result['withdraw_epoch']} to collect it\n"
        )
    return 0


def cmd_stakes(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    stakes = client.stakes("*" if args.all else None)
    if args.json:
        out.write(json.dumps(stakes) + "\n")
        return 0
    names = {n["node_id"]: n["name"] for n in client.nodes()}
    if not stakes:
        out.write("no stake objects\n")
    for s in stakes:
        out.write(_stake_line(s, names) + "\n")
    return 0


def cmd_nodes(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    nodes = client.nodes()
    if args.json:
        out.write(json.dumps(nodes) + "\n")
        return 0
    out.write(
        f"{'node':<10} {'stake':>22} {'next epoch':>22} {'shards':>6} {'commission':>10} "
        f"{'storage price':>13} {'write price':>11}  node ID\n"
    )
    for n in nodes:
        out.write(
            f"{n['name']:<10} {wal(n['stake']):>22} {wal(n['next_stake']):>22} {len(n['shards']):>6} "
            f"{n['commission_rate'] / 100:>9.2f}% {n['votes']['storage_price']:>13} {n['votes']['write_price']:>11}  "
            f"{n['node_id'][:16]}…\n"
        )
    return 0


def cmd_economy(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    e = client.economy()
    if args.json:
        out.write(json.dumps(e) + "\n")
        return 0
    nxt = e["next_epoch_change_ms"]
    when = "on demand" if nxt is None else f"in {max(0, nxt - int(time.time() * 1000)) / 1000:.0f} s"
    out.write(
        f"epoch {e['epoch']} (next {when}; committee {'selected' if e['committee_selected'] else 'not yet selected'})\n"
        f"prices: storage {e['storage_price']} FROST per MiB per epoch, write {e['write_price']} FROST per MiB\n"
        f"capacity: {e['used_capacity']} of {e['total_capacity']} bytes used\n"
        f"this epoch's rewards so far: {wal(e['current_rewards'])}; burned {wal(e['burned_total'])}, "
        f"paid {wal(e['paid_total'])} since genesis\n"
    )
    return 0


def cmd_health(args: argparse.Namespace, out: IO[str]) -> int:
    client = client_from_args(args)
    nodes = client.health(timeout=args.timeout)
    if args.node:
        nodes = [n for n in nodes if args.node in (n["name"], n["node_id"])]
        if not nodes:
            raise CliError(f"no committee member {args.node!r}")
    if args.json:
        out.write(json.dumps(nodes) + "\n")
    else:
        out.write(f"{'node':<10} {'status':<10} {'epoch':>5} {'shards':>6} {'uptime':>9} {'events':>7} {'to sync':>7}  url\n")
        for n in nodes:
            if not n["ok"]:
                out.write(f"{n['name']:<10} {'DOWN':<10} {'':>5} {n['shards']:>6} {'':>9} {'':>7} {'':>7}  {n['url']}  ({n['error'][:60]})\n")
                continue
            h = n["health"]
            uptime = h.get("uptime", {}).get("secs", 0)
            progress = h.get("eventProgress", {})
            out.write(
                f"{n['name']:<10} {h.get('nodeStatus', '?'):<10} {h.get('epoch') if h.get('epoch') is not None else '?':>5} "
                f"{h.get('shardSummary', {}).get('owned', n['shards']):>6} {uptime // 3600:>3}h{uptime // 60 % 60:02d}m{uptime % 60:02d}s "
                f"{progress.get('persisted', 0):>7} {progress.get('pending', 0):>7}  {n['url']}\n"
            )
    return 0 if all(n["ok"] for n in nodes) else 1


def register(sub: Any) -> None:
    """Add ``stake``, ``withdraw``, ``stakes``, ``nodes``, ``economy`` and ``health`` to the parser."""
    p = sub.add_parser(
        "stake",
        help="stake WAL with a storage node (delegated staking)",
        description=(
            "Stake WAL from your account with a storage node (REWARDS.md §4.1). The stake object "
            "is active from the next epoch (the one after, once the next committee is selected), "
            "earns a share of the node's rewards after its commission, and counts at once for the "
            "selection of the next committee: shards follow stake."
        ),
    )
    p.add_argument("node", metavar="NODE", help="the node's name (as 'morsa nodes' lists it) or node ID")
    p.add_argument("amount", type=amount_arg, metavar="AMOUNT", help="WAL (e.g. 250 or 12.5), or FROST with a suffix (1000FROST); at least 1 WAL")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(p)
    p.set_defaults(func=cmd_stake)

    p = sub.add_parser(
        "withdraw",
        help="withdraw a stake object (request, then withdraw)",
        description=(
            "Withdraw a stake object (REWARDS.md §4.2). A stake that is not active yet, or whose node "
            "is in no committee, is paid out at once. Otherwise the first call requests the "
            "withdrawal, due at the next epoch (the one after, if the next committee is selected), "
            "and a second call from then pays out the principal and its rewards."
        ),
    )
    p.add_argument("stake_id", type=int, metavar="STAKE_ID")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(p)
    p.set_defaults(func=cmd_withdraw)

    p = sub.add_parser("stakes", help="your stake objects and their rewards so far")
    p.add_argument("--all", action="store_true", help="every account's stake objects")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    add_network_args(p)
    p.set_defaults(func=cmd_stakes)

    p = sub.add_parser("nodes", help="storage nodes: stake, shards, commission and votes")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    add_network_args(p)
    p.set_defaults(func=cmd_nodes)

    p = sub.add_parser(
        "health",
        help="every storage node's health (like 'walrus health')",
        description="Ask every committee member for its /v1/health at once: status, epoch, shards, uptime, events "
        "followed and blobs waiting to sync. Exit 1 when any node does not answer.",
    )
    p.add_argument("--node", metavar="NAME_OR_ID", help="only this node")
    p.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="per node (default 5)")
    p.add_argument("--json", action="store_true", help="print a JSON list with each node's full health")
    add_network_args(p)
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("economy", help="epoch, prices, capacity, rewards burned and paid")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_network_args(p)
    p.set_defaults(func=cmd_economy)
