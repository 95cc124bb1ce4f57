"""``morsa rewards simulate``: run a simulated network through epochs (REWARDS.md).

Prints a per-epoch summary, or the
per-node, per-epoch records as JSON lines with ``--json``; ``--out`` writes the records as JSON
(or CSV by extension) and ``--plot`` draws rewards, stake and prices (needs matplotlib).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import IO, Any

from morsa._fs import atomic_write

from ._common import CliError


def _records_bytes(records: list[dict[str, Any]], path: Path) -> bytes:
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else [], lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buffer.getvalue().encode()
    return (json.dumps(records, indent=1) + "\n").encode()


def _summary(records: list[dict[str, Any]], out: IO[str]) -> None:
    out.write(
        f"{'epoch':>5}  {'storage':>9}  {'write':>8}  {'collected WAL':>14}  {'burned WAL':>11}  "
        f"{'paid WAL':>13}  {'leftover':>9}  {'nodes':>5}  {'blobs':>5}\n"
    )
    by_epoch: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        by_epoch.setdefault(r["epoch"], []).append(r)
    from morsa import rewards

    wal = rewards.FROST_PER_WAL
    for epoch, rows in by_epoch.items():
        r = rows[0]
        out.write(
            f"{epoch:>5}  {r['storage_price']:>9}  {r['write_price']:>8}  {r['epoch_collected'] / wal:>14.3f}  "
            f"{r['epoch_burned'] / wal:>11.3f}  {r['epoch_paid'] / wal:>13.3f}  {r['epoch_leftover']:>9}  "
            f"{sum(1 for x in rows if x['shards']):>5}  {r['blobs_bought']:>5}\n"
        )


def _stakes(stakes: list[dict[str, Any]], out: IO[str]) -> None:
    from morsa import rewards

    wal = rewards.FROST_PER_WAL
    out.write(f"\n{'stake':>5}  {'staker':<12} {'node':<12} {'principal WAL':>16}  {'active from':>11}  {'rewards FROST':>16}  withdrawing\n")
    for s in stakes:
        staked = s["staked"]
        withdrawing = "" if staked["withdraw_epoch"] is None else f"from epoch {staked['withdraw_epoch']}"
        out.write(
            f"{s['id']:>5}  {s['staker']:<12} {s['node']:<12} {staked['principal'] / wal:>16,.3f}  "
            f"{staked['activation_epoch']:>11}  {s['rewards']:>16,}  {withdrawing}\n"
        )


def cmd_simulate(args: argparse.Namespace, out: IO[str]) -> int:
    from morsa import rewards  # the simulator loads only for this command

    if args.epochs is not None and args.epochs < 1:
        raise CliError(f"--epochs must be at least 1, not {args.epochs}")
    try:
        config = rewards.SimulationConfig.from_file(args.config)
    except FileNotFoundError:
        raise CliError(f"{args.config}: no such file") from None
    except (rewards.RewardsError, KeyError, TypeError) as e:
        raise CliError(f"{args.config}: not a valid simulation config: {e}") from None
    epochs = config.epochs if args.epochs is None else args.epochs
    simulator = rewards.Simulator(config)
    records = simulator.run(epochs)
    if args.plot is not None:
        try:
            rewards.plot(records, args.plot)
        except ImportError as e:
            raise CliError(str(e)) from None
    if args.out is not None:
        target = Path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, _records_bytes(records, target))
    if args.json:
        for record in records:
            out.write(json.dumps(record) + "\n")
        if args.stakes:
            for stake in simulator.stake_summaries():
                out.write(json.dumps({"stake": stake}) + "\n")
        return 0
    _summary(records, out)
    if args.stakes:
        _stakes(simulator.stake_summaries(), out)
    written = [p for p in (args.plot, args.out) if p is not None]
    if written:
        out.write(f"wrote {' and '.join(written)}\n")
    return 0


def register(sub: Any) -> None:
    """Add ``rewards simulate`` to the parser."""
    p = sub.add_parser(
        "rewards",
        help="the Walrus reward math: simulate a network (REWARDS.md)",
        description="The Walrus reward math, integer-exact as the deployed contracts compute it.",
    )
    rewards_sub = p.add_subparsers(dest="rewards_command", metavar="COMMAND", required=True)
    q = rewards_sub.add_parser(
        "simulate",
        help="run nodes and blob purchases through epochs",
        description=(
            "Simulate nodes (stake, commission, votes, deny lists), delegators, blob purchases and "
            "extensions through epochs with the contracts' rules, on the state machine the devnet's "
            "control plane runs. Prints a per-epoch summary; --out writes the "
            "per-node, per-epoch records (JSON, or CSV if FILE ends in .csv); --plot draws rewards, "
            "stake and prices per epoch (needs matplotlib: pip install 'morsa[plot]')."
        ),
    )
    q.add_argument("--config", required=True, metavar="FILE", help="JSON network config (see examples/rewards-10-nodes.json)")
    q.add_argument("--epochs", type=int, metavar="N", help="epochs to simulate (default: the config's 'epochs')")
    q.add_argument("--plot", metavar="PNG", help="draw rewards, stake and prices per epoch into this image")
    q.add_argument("--out", metavar="FILE", help="write the records as JSON, or CSV if FILE ends in .csv")
    q.add_argument("--json", action="store_true", help="print the records as JSON lines instead of the summary")
    q.add_argument(
        "--stakes",
        action="store_true",
        help="also print every stake object at the end (staker, node, principal, rewards so far): per-delegator rewards",
    )
    q.set_defaults(func=cmd_simulate)
