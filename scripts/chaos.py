#!/usr/bin/env python3
"""Chaos test of a Morsa network: a devnet stores blobs while storage nodes are killed -9 and
restarted at random (at most f shards' worth of nodes down at once) and the control plane is
killed -9 and restarted; then everything is restarted and the script checks that every
certified blob reads back byte-identical and that every node holds all its slivers of every
certified blob (after healing). It prints what it did and what it found, and exits 1 when a
check fails.

    python scripts/chaos.py                       # 10 nodes, 1000 shards, 3 minutes of chaos
    python scripts/chaos.py --seconds 30 --n-shards 100 --max-blob 500000   # the CI form

Bounded: the chaos lasts --seconds, healing is awaited at most --heal-seconds, every command
and request has a timeout, and the devnet (in a temporary directory) is stopped and removed at
the end, also on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import morsa
from morsa.client import Client
from morsa.devnet import Devnet, Process


@dataclass
class Report:
    """What happened: the actions taken and the outcome of every store."""

    started: float = field(default_factory=time.monotonic)
    actions: list[str] = field(default_factory=list)
    certified: dict[str, str] = field(default_factory=dict)  # blob ID → SHA-256 of the data
    objects: dict[str, str | None] = field(default_factory=dict)  # blob ID → deletable object ID
    store_failures: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def act(self, text: str) -> None:
        line = f"{time.monotonic() - self.started:7.1f}s  {text}"
        with self.lock:
            self.actions.append(line)
        print(line, flush=True)


def store_loop(net: Devnet, report: Report, stop: threading.Event, rng: random.Random, max_blob: int) -> None:
    """Store random blobs until ``stop``; remember the certified ones."""
    client = net.client(retry_seconds=3, timeout=30)
    while not stop.is_set():
        data = rng.randbytes(rng.randint(1, max_blob))
        try:
            result = client.store(data, epochs=5, deletable=rng.random() < 0.5)
        except morsa.MorsaError as e:
            kind = type(e).__name__
            with report.lock:
                report.store_failures[kind] = report.store_failures.get(kind, 0) + 1
            time.sleep(0.2)
            continue
        with report.lock:
            report.certified[result.blob_id] = hashlib.sha256(data).hexdigest()
            report.objects[result.blob_id] = result.blob_object["id"] if result.blob_object.get("deletable") else None


def chaos_loop(net: Devnet, report: Report, stop: threading.Event, rng: random.Random, max_down: int) -> None:
    """:func:`chaos`, its failure recorded (a process that does not come back is one)."""
    try:
        chaos(net, report, stop, rng, max_down)
    except morsa.MorsaError as e:
        report.act(f"the chaos stopped: {e}")
        report.errors.append(f"{type(e).__name__}: {e}")


def chaos(net: Devnet, report: Report, stop: threading.Event, rng: random.Random, max_down: int) -> None:
    """Kill -9 and restart nodes (at most ``max_down`` down at once) and the control plane."""
    down: list[Process] = []
    while not stop.is_set():
        time.sleep(rng.uniform(0.5, 2.5))
        roll = rng.random()
        if roll < 0.15:
            report.act("kill -9 the control plane")
            net.stop(net.chain, sig=signal.SIGKILL)
            time.sleep(rng.uniform(0.5, 3.0))
            net.start(net.chain)
            report.act("control plane restarted")
        elif (roll < 0.6 and len(down) < max_down) or not down:
            node = rng.choice([n for n in net.nodes if n not in down])
            report.act(f"kill -9 {node.name}")
            net.stop(node, sig=signal.SIGKILL)
            down.append(node)
        else:
            node = down.pop(rng.randrange(len(down)))
            net.start(node)
            report.act(f"{node.name} restarted")
    for node in down:
        net.start(node)
        report.act(f"{node.name} restarted (end of chaos)")


def missing_slivers(net: Devnet, report: Report) -> dict[str, int]:
    """Per node, of how many certified blobs it does not hold all its slivers: a node signs a
    storage confirmation only when it holds both slivers of every pair on its shards."""
    committee = Client(net.chain_url).committee()
    missing: dict[str, int] = {}
    with httpx.Client(timeout=10) as http:
        for member in committee.members:
            count = 0
            for blob_id, object_id in report.objects.items():
                path = "permanent" if object_id is None else f"deletable/{object_id}"
                try:
                    count += http.get(f"{member.url}/v1/blobs/{blob_id}/confirmation/{path}").status_code != 200
                except httpx.HTTPError:
                    count += 1
            missing[member.name] = count
    return missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--n-shards", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=180, help="how long the chaos lasts (default 180)")
    parser.add_argument("--heal-seconds", type=float, default=120, help="how long healing may take (default 120)")
    parser.add_argument("--max-blob", type=int, default=2_000_000, help="largest blob stored, bytes (default 2 MB)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the random choices (default: random, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the devnet's directory (logs, state) when a check fails")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    f = (args.n_shards - 1) // 3
    shards_per_node = args.n_shards // args.nodes
    max_down = max(1, f // max(1, shards_per_node + (args.n_shards % args.nodes > 0)))
    directory = Path(tempfile.mkdtemp(prefix="morsa-chaos-"))
    report = Report()
    print(f"chaos: {args.nodes} nodes, {args.n_shards} shards (f = {f}: at most {max_down} nodes down at once), "
          f"{args.seconds:.0f} s, seed {seed}, devnet in {directory}", flush=True)
    net = Devnet.create(directory / "devnet", args.nodes, args.n_shards)
    failures: list[str] = []
    try:
        net.up()
        stop = threading.Event()
        storer = threading.Thread(target=store_loop, args=(net, report, stop, random.Random(rng.random()), args.max_blob))
        chaos = threading.Thread(target=chaos_loop, args=(net, report, stop, random.Random(rng.random()), max_down))
        storer.start()
        chaos.start()
        time.sleep(args.seconds)
        stop.set()
        chaos.join(120)
        storer.join(300)
        failures += report.errors
        net.up()  # everything that is not running
        report.act(f"chaos over: {len(report.certified)} blobs certified, store failures {report.store_failures or 'none'}")
        blob_ids = sorted(report.certified)
        heal_start = time.monotonic()
        while True:
            missing = missing_slivers(net, report)
            if not any(missing.values()) or time.monotonic() - heal_start > args.heal_seconds:
                break
            time.sleep(2)
        healing = time.monotonic() - heal_start
        if any(missing.values()):
            failures.append(f"after {healing:.0f} s, nodes still lack slivers: {missing}")
        else:
            report.act(f"every node holds all its slivers of the {len(blob_ids)} certified blobs ({healing:.1f} s of healing after the chaos)")
        client = net.client(timeout=60)
        mismatched = [b for b in blob_ids if hashlib.sha256(client.read(b)).hexdigest() != report.certified[b]]
        if mismatched:
            failures.append(f"{len(mismatched)} certified blobs read back different: {mismatched[:3]}")
        else:
            report.act(f"all {len(blob_ids)} certified blobs read back byte-identical")
        kills = sum("kill -9" in a for a in report.actions)
        print(f"\nsummary: {kills} kills -9 ({sum('control plane' in a and 'kill' in a for a in report.actions)} of the control plane), "
              f"{len(blob_ids)} blobs certified, {sum(report.store_failures.values())} stores failed during the chaos; "
              f"{'FAILED: ' + '; '.join(failures) if failures else 'every check passed'}", flush=True)
    except morsa.MorsaError as e:
        failures.append(f"{type(e).__name__}: {e}")
        print(f"chaos: {e}", file=sys.stderr)
    finally:
        net.down()
        if failures and args.keep:
            print(f"the devnet's directory is kept: {directory}", flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:
        raise SystemExit(130) from None
