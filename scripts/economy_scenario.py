"""A devnet economy, played on the epoch timer and checked against ``morsa rewards simulate``.

Usage: python scripts/economy_scenario.py [--epoch-duration 20] [--screenshot docs/img/explorer.png]

A fresh devnet (5 storage nodes, 100 shards, epochs every ``--epoch-duration`` seconds) lives
through six epochs: three delegators stake (one heavily with node-4, which then gains shards
that migrate from their previous owners while the old owners are up), blobs are stored every
epoch, one blob is extended by another account and a deletable one is deleted, a node votes a
higher price and changes its commission, a delegator withdraws in two steps. Every action runs
right after an epoch change (before that epoch's committee selection, as the simulator orders
events). Then the same events go into a simulation config: the reward of every node in every
epoch, every pool's stake and every delegator's rewards must equal the devnet's to the FROST.
Prints both tables and the comparison; with ``--screenshot``, saves the explorer page (headless
Chromium). Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from morsa import rewards
from morsa.client import Client
from morsa.devnet import Devnet
from morsa.net.accounts import Account, new_key_file
from morsa.net.control import HttpControlPlane
from morsa.net.sync import run_sync
from morsa.node.config import NodeConfig

WAL = rewards.FROST_PER_WAL
N_NODES = 5
N_SHARDS = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Scenario:
    def __init__(self, net: Devnet, work: Path) -> None:
        self.net = net
        self.control = HttpControlPlane(net.chain_url, timeout=60)
        self.events: list[dict[str, Any]] = []
        self.purchases: list[dict[str, Any]] = []
        self.extensions: list[dict[str, Any]] = []
        self.payer = net.client()
        self.delegators: dict[str, Client] = {}
        for name in ("alice", "bob", "carol"):
            key = work / f"{name}.key"
            new_key_file(key)
            client = Client(net.chain_url, account=key)
            for _ in range(3):
                client.faucet(10**15, admin_token=net.admin_token)
            self.delegators[name] = client
        for _ in range(2):
            self.payer.faucet(10**15, admin_token=net.admin_token)
        self.withdrawn: dict[tuple[str, int], int] = {}

    def epoch(self) -> int:
        return int(run_sync(self.control.health())["epoch"])

    def wait_for_epoch(self, epoch: int) -> None:
        while self.epoch() < epoch:
            time.sleep(0.2)

    def check_first_half(self) -> None:
        if run_sync(self.control.economy())["committee_selected"]:
            log("warning: an action ran after the committee selection; the simulation may differ")

    def store(self, size: int, epochs: int, **kwargs: Any) -> str:
        epoch = self.epoch()
        result = self.payer.store(os.urandom(size), epochs=epochs, **kwargs)
        assert result.cost > 0
        self.purchases.append({"size": size, "epochs": epochs, "start_epoch": epoch, "end_epoch": epoch})
        return result.blob_id

    def stake(self, who: str, node: str, amount_wal: int) -> None:
        self.delegators[who].stake(node, amount_wal * WAL)
        self.events.append({"epoch": self.epoch(), "node": node, "staker": who, "stake": amount_wal * WAL})


def run(args: argparse.Namespace) -> int:
    work = Path(tempfile.mkdtemp(prefix="morsa-economy-"))
    net = Devnet.create(work / "devnet", N_NODES, N_SHARDS, epoch_duration_ms=int(args.epoch_duration * 1000))
    net.up()
    try:
        s = Scenario(net, work)
        names = [f"node-{i}" for i in range(N_NODES)]
        ids = {n["name"]: n["node_id"] for n in s.payer.nodes()}
        shards_before = {n["name"]: len(n["shards"]) for n in s.payer.nodes()}
        log(f"devnet up: {N_NODES} nodes, {N_SHARDS} shards, epochs every {args.epoch_duration:g} s")

        s.wait_for_epoch(1)
        s.stake("alice", "node-4", 2_500_000)
        s.stake("bob", "node-1", 200_000)
        s.stake("carol", "node-2", 50_000)
        kept = s.store(300_000, 2)
        dropped = s.store(100_000, 4, deletable=True)
        s.store(2_000_000, 5)
        s.check_first_half()

        s.wait_for_epoch(2)
        blob = s.payer.blob_status(kept)["blob_object"]
        s.delegators["bob"].extend(kept, 3)
        s.extensions.append({"epoch": 2, "size": blob["size"], "end_epoch": blob["storage"]["endEpoch"], "epochs": 3})
        s.payer.delete(dropped)  # no refund: the economy is unchanged
        s.store(5_000_000, 3)
        s.check_first_half()

        s.wait_for_epoch(3)
        operator = Account.from_seed(NodeConfig.load(net.node_config("node-2")).seed_bytes)
        run_sync(s.control.vote(operator, ids["node-2"], storage_price=180_000))
        run_sync(s.control.set_commission(operator, ids["node-2"], 500))
        s.events.append({"epoch": 3, "node": "node-2", "storage_price": 180_000, "commission_bp": 500})
        (bob_stake,) = s.delegators["bob"].stakes()
        requested = s.delegators["bob"].withdraw(bob_stake["id"])
        assert requested["outcome"] == "requested"
        s.events.append({"epoch": 3, "node": "node-1", "staker": "bob", "withdraw_all": True})
        s.store(1_000_000, 2)
        s.check_first_half()

        s.wait_for_epoch(requested["withdraw_epoch"])
        paid = s.delegators["bob"].withdraw(bob_stake["id"])
        assert paid["outcome"] == "withdrawn"
        s.withdrawn["node-1", requested["withdraw_epoch"]] = paid["amount"]
        s.store(700_000, 6)
        s.check_first_half()

        s.wait_for_epoch(5)
        s.store(10_000_000, 8)
        s.check_first_half()
        s.wait_for_epoch(args.epochs + 1)

        nodes = s.payer.nodes()
        shards_after = {n["name"]: len(n["shards"]) for n in nodes}
        chain_history = {h["epoch"] - 1: h for h in httpx_get(net.chain_url, "/v1/economy/history")["epochs"]}
        migration = health(net.node("node-4").url)["migration"]

        config = {
            "n_shards": N_SHARDS,
            "max_epochs_ahead": 53,
            "nodes": [
                {"name": name, "node_id": int(ids[name], 16), "stake": 1_000_000 * WAL, "commission_bp": 0} for name in names
            ],
            "purchases": s.purchases,
            "extensions": s.extensions,
            "events": s.events,
        }
        (work / "scenario.json").write_text(json.dumps(config, indent=1))
        sim = rewards.Simulator(rewards.SimulationConfig.from_dict(config))
        records = sim.run(args.epochs)
        differences = 0
        print(f"{'epoch':>5}  " + "  ".join(f"{n:>14}" for n in names) + "   (reward, WAL; devnet = simulation)")
        for epoch in range(1, args.epochs + 1):
            row = []
            for name in names:
                devnet_reward = chain_history[epoch]["rewards"].get(ids[name], 0)
                sim_reward = next(r["reward"] for r in records if r["epoch"] == epoch and r["node"] == name)
                mark = "" if devnet_reward == sim_reward else " ≠"
                differences += devnet_reward != sim_reward
                row.append(f"{devnet_reward / WAL:>12.6f}{mark:2}")
            print(f"{epoch:>5}  " + "  ".join(row))
        by_node = {n["name"]: n for n in nodes}
        for name in names:
            sim_stake = sim.node_summary(name)["stake"]
            differences += by_node[name]["stake"] != sim_stake
        owners = {c.account.address: name for name, c in s.delegators.items() if c.account is not None}
        chain_stakes = sorted(
            (owners[st["owner"]], st["node"], st["staked"]["principal"], st["rewards"])
            for st in s.payer.stakes("*")
            if st["owner"] in owners
        )
        sim_stakes = sorted(
            (st["staker"], "0x" + ids[st["node"]], st["staked"]["principal"], st["rewards"])
            for st in sim.stake_summaries()
            if st["staker"] in owners.values()
        )
        print("\ndelegator  node       principal (WAL)   rewards so far (FROST)")
        for who, node, principal, earned in chain_stakes:
            node_name = next(n for n, i in ids.items() if "0x" + i == node)
            print(f"{who:<9}  {node_name:<9} {principal / WAL:>15,.0f}   {earned:>22,}")
        sim_withdrawn = sum(r["withdrawn"] for r in records if r["node"] == "node-1")
        print(f"bob withdrew {sum(s.withdrawn.values()) / WAL:,.9f} WAL (simulation: {sim_withdrawn / WAL:,.9f})")
        differences += chain_stakes != sim_stakes
        differences += sum(s.withdrawn.values()) != sim_withdrawn
        print(
            f"\nshards before/after: {shards_before} -> {shards_after}\n"
            f"node-4's migration at epoch {migration['epoch']}: {migration['migratedShards']} shards migrated "
            f"({migration['slivers']} slivers, {migration['bytes']:,} bytes), {migration['fallbackShards']} rebuilt from recovery symbols"
        )
        print("devnet and simulation agree to the FROST" if differences == 0 else f"{differences} DIFFERENCES")
        if args.screenshot:
            screenshot(net.chain_url, Path(args.screenshot))
            print(f"explorer screenshot: {args.screenshot}")
        return 0 if differences == 0 else 1
    finally:
        net.down()


def httpx_get(base: str, path: str) -> Any:
    import httpx

    return httpx.get(base + path, timeout=30).json()["success"]["data"]


def health(url: str) -> dict[str, Any]:
    return dict(httpx_get(url, "/v1/health"))


def screenshot(chain_url: str, path: Path) -> None:
    chromium = os.environ.get("MORSA_CHROMIUM", "/usr/bin/chromium")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=6000",
         "--window-size=1400,1250", f"--screenshot={path.resolve()}", f"{chain_url}/explorer"],
        check=True, capture_output=True, timeout=120,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epoch-duration", type=float, default=20.0, metavar="SECONDS", help="epoch length (default 20 s)")
    parser.add_argument("--epochs", type=int, default=6, help="epochs to run (default 6)")
    parser.add_argument("--screenshot", metavar="PNG", help="save the explorer page here")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
