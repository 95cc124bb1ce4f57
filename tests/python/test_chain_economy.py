"""The control plane's economy: delegated staking, votes, commission, epochs on a timer, and
the claim that the control plane and ``morsa rewards simulate`` play the same state machine
(REWARDS.md): the same events give the same FROST.

The control plane runs in-process on loopback (no storage nodes: the economy needs none);
blob registrations carry real metadata, as a client's would.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import morsa
from morsa import rewards
from morsa.chain import ChainConfig, NodeSpec, create_app
from morsa.chain.state import DEFAULT_CAPACITY, DEFAULT_STORAGE_PRICE, DEFAULT_WRITE_PRICE
from morsa.net.accounts import Account
from morsa.net.control import HttpControlPlane
from morsa.net.errors import RemoteError
from morsa.net.server import serve_in_thread
from morsa.net.sync import run_sync

WAL = rewards.FROST_PER_WAL
N_SHARDS = 40
ADMIN = "admin-token"


class Chain:
    """A control plane on loopback with four nodes of known keys and helpers to drive it."""

    def __init__(self, url: str, operators: list[Account], stakes: list[int]) -> None:
        self.url = url
        self.control = HttpControlPlane(url, timeout=30)
        self.operators = operators
        self.stakes = stakes
        self.node_ids = [op.public_key.hex() for op in operators]

    def fund(self, account: Account, amount: int = 10**15) -> None:
        run_sync(self.control.faucet(account.address, amount, ADMIN))

    def register(self, payer: Account, size: int, epochs: int) -> int:
        metadata = morsa.compute_metadata(os.urandom(size), N_SHARDS)
        return run_sync(self.control.register_blob(metadata, epochs_ahead=epochs, deletable=False, account=payer)).cost

    def advance(self) -> dict[str, Any]:
        return run_sync(self.control.advance_epoch(ADMIN))


def chain_config(tmp_path: Path, operators: list[Account], stakes: list[int], **kwargs: Any) -> ChainConfig:
    nodes = [
        NodeSpec(f"node-{i}", f"http://127.0.0.1:{1000 + i}", op.public_key, stake, commission_bps=1000 * (i + 1))
        for i, (op, stake) in enumerate(zip(operators, stakes))
    ]
    return ChainConfig(
        data_dir=str(tmp_path / "chain"), admin_token=ADMIN, n_shards=N_SHARDS, max_epochs_ahead=10, faucet=True,
        nodes=nodes, **kwargs,
    )


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    operators = [Account.generate() for _ in range(4)]
    stakes = [400_000 * WAL, 300_000 * WAL, 200_000 * WAL, 100_000 * WAL]
    with serve_in_thread(create_app(chain_config(tmp_path, operators, stakes))) as url:
        yield Chain(url, operators, stakes)


def test_a_scripted_network_matches_the_simulator(chain: Chain) -> None:
    """Three delegators stake, a node's stake grows and it gains shards, votes and a commission
    change apply, blobs are bought every epoch, a delegator withdraws in two steps; every
    node's reward per epoch, every pool and every delegator's rewards equal the simulator's
    on the same events, to the FROST."""
    payer, alice, bob, carol = (Account.generate() for _ in range(4))
    for account in (payer, alice, bob, carol):
        chain.fund(account)
    names = [f"node-{i}" for i in range(4)]
    delegators = {"alice": alice, "bob": bob, "carol": carol}
    # The script: epoch -> actions, run in the simulator's order (due withdrawals, events,
    # purchases, then the epoch change).
    purchases = {1: [(300_000, 3)], 2: [(2_000_000, 5), (50_000, 1)], 3: [(700_000, 2)], 4: [(1_500_000, 4)], 5: [(10_000, 2)]}
    events: list[dict[str, Any]] = [
        {"epoch": 1, "node": "node-3", "staker": "alice", "stake": 350_000 * WAL},
        {"epoch": 1, "node": "node-1", "staker": "bob", "stake": 50_000 * WAL},
        {"epoch": 2, "node": "node-2", "staker": "carol", "stake": 5_000 * WAL},
        {"epoch": 2, "node": "node-0", "storage_price": 150_000},
        {"epoch": 2, "node": "node-1", "storage_price": 160_000, "write_price": 30_000},
        {"epoch": 2, "node": "node-3", "storage_price": 170_000},
        {"epoch": 3, "node": "node-1", "commission_bp": 500},
        {"epoch": 3, "node": "node-1", "staker": "bob", "withdraw_all": True},
        {"epoch": 4, "node": "node-3", "staker": "alice", "stake": 20_000 * WAL},
    ]
    epochs = 6
    chain_rewards: dict[tuple[int, str], int] = {}
    chain_pools: dict[tuple[int, str], int] = {}
    withdrawn: dict[str, int] = {}
    shards_before = {n["name"]: len(n["shards"]) for n in run_sync(chain.control.nodes())}
    for epoch in range(1, epochs + 1):
        for stake in run_sync(chain.control.stakes()):
            due = stake["staked"]["withdraw_epoch"]
            if due is not None and due <= epoch:
                owner = next(a for a in delegators.values() if a.address == stake["owner"])
                result = run_sync(chain.control.withdraw(owner, stake["id"]))
                assert result["outcome"] == "withdrawn"
                withdrawn[stake["owner"]] = withdrawn.get(stake["owner"], 0) + result["amount"]
        for e in (e for e in events if e["epoch"] == epoch):
            node_id = chain.node_ids[names.index(e["node"])]
            operator = chain.operators[names.index(e["node"])]
            if "stake" in e:
                run_sync(chain.control.stake(delegators[e["staker"]], node_id, e["stake"]))
            if e.get("withdraw_all"):
                owner = delegators[e["staker"]]
                for stake in run_sync(chain.control.stakes(owner.address)):
                    if stake["node"] == "0x" + node_id:
                        assert run_sync(chain.control.withdraw(owner, stake["id"]))["outcome"] == "requested"
            if "commission_bp" in e:
                run_sync(chain.control.set_commission(operator, node_id, e["commission_bp"]))
            votes = {k: e[k] for k in ("storage_price", "write_price") if k in e}
            if votes:
                run_sync(chain.control.vote(operator, node_id, **votes))
        for size, ahead in purchases.get(epoch, []):
            assert chain.register(payer, size, ahead) > 0
        summary = chain.advance()
        assert summary["epoch"] == epoch + 1
        for i, name in enumerate(names):
            chain_rewards[epoch, name] = summary["rewards"].get(chain.node_ids[i], 0)
        for n in run_sync(chain.control.nodes()):
            chain_pools[epoch, n["name"]] = n["stake"]
    shards_after = {n["name"]: len(n["shards"]) for n in run_sync(chain.control.nodes())}
    assert shards_after["node-3"] > shards_before["node-3"], "alice's stake moved shards to node-3"

    config = rewards.SimulationConfig.from_dict(
        {
            "n_shards": N_SHARDS,
            "max_epochs_ahead": 10,
            "nodes": [
                {
                    "name": name,
                    "node_id": int(chain.node_ids[i], 16),
                    "stake": chain.stakes[i],
                    "commission_bp": 1000 * (i + 1),
                    "storage_price": DEFAULT_STORAGE_PRICE,
                    "write_price": DEFAULT_WRITE_PRICE,
                    "capacity": DEFAULT_CAPACITY,
                }
                for i, name in enumerate(names)
            ],
            "purchases": [
                {"size": size, "epochs": ahead, "start_epoch": epoch, "end_epoch": epoch}
                for epoch, bought in purchases.items()
                for size, ahead in bought
            ],
            "events": events,
        }
    )
    sim = rewards.Simulator(config)
    records = sim.run(epochs)
    paid = 0
    for r in records:
        assert r["reward"] == chain_rewards[r["epoch"], r["node"]], (r["epoch"], r["node"])
        assert r["stake_after"] == chain_pools[r["epoch"], r["node"]], (r["epoch"], r["node"])
        paid += r["reward"]
    assert paid > 0
    # Every live stake object earned the same rewards; the withdrawal paid the same.
    chain_stakes = sorted((s["node"], s["staked"]["principal"], s["rewards"]) for s in run_sync(chain.control.stakes()))
    sim_stakes = sorted((s["node"], s["staked"]["principal"], s["rewards"]) for s in sim.network.stakes())
    assert chain_stakes == sim_stakes
    assert any(r > 0 for _, _, r in chain_stakes)
    assert withdrawn[bob.address] == sum(r["withdrawn"] for r in records if r["node"] == "node-1") > 50_000 * WAL
    # The economy's totals: burned + paid + held = everything bought.
    economy = run_sync(chain.control.economy())
    assert economy["paid_total"] == paid
    assert economy["epoch"] == epochs + 1


def test_staking_rules_and_errors(chain: Chain) -> None:
    alice, mallory = Account.generate(), Account.generate()
    chain.fund(alice, 10**14)
    node = chain.node_ids[0]
    before = run_sync(chain.control.balance(alice.address))
    staked = run_sync(chain.control.stake(alice, node, 10 * WAL))
    assert staked["balance"] == before - 10 * WAL
    stake_id = staked["stake"]["id"]
    # Only the owner withdraws; a stake not active yet is paid back at once, principal only.
    with pytest.raises(RemoteError) as e:
        run_sync(chain.control.withdraw(mallory, stake_id))
    assert e.value.status == 403 and e.value.reason == "NOT_OWNER"
    assert run_sync(chain.control.withdraw(alice, stake_id)) == {"outcome": "withdrawn", "amount": 10 * WAL, "balance": before}
    with pytest.raises(RemoteError) as e:
        run_sync(chain.control.withdraw(alice, stake_id))
    assert e.value.status == 404
    # Below 1 WAL, more than the balance, an unknown node: refused, nothing charged.
    for node_id, amount, status, reason in (
        (node, WAL - 1, 400, "STAKE_TOO_SMALL"),
        (node, 10**15, 402, "INSUFFICIENT_FUNDS"),
        ("ab" * 32, WAL, 404, "NOT_FOUND"),
    ):
        with pytest.raises(RemoteError) as e:
            run_sync(chain.control.stake(alice, node_id, amount))
        assert (e.value.status, e.value.reason) == (status, reason)
    assert run_sync(chain.control.balance(alice.address)) == before
    # An active stake is requested first, then paid out when due, with its rewards.
    stake_id = run_sync(chain.control.stake(alice, node, 100 * WAL))["stake"]["id"]
    chain.register(alice, 100_000, 3)
    chain.advance()
    requested = run_sync(chain.control.withdraw(alice, stake_id))
    assert requested["outcome"] == "requested"
    with pytest.raises(RemoteError) as e:
        run_sync(chain.control.withdraw(alice, stake_id))
    assert (e.value.status, e.value.reason) == (400, "NOT_DUE")
    chain.advance()
    chain.advance()
    paid = run_sync(chain.control.withdraw(alice, stake_id))
    assert paid["outcome"] == "withdrawn" and paid["amount"] > 100 * WAL
    # Votes and commission are the operator's: another account is refused.
    with pytest.raises(RemoteError) as e:
        run_sync(chain.control.vote(alice, node, storage_price=1))
    assert e.value.status == 403
    node_state = run_sync(chain.control.vote(chain.operators[0], node, storage_price=1, node_capacity=10**12))
    assert node_state["votes"]["storage_price"] == 1 and node_state["votes"]["node_capacity"] == 10**12
    with pytest.raises(RemoteError) as e:
        run_sync(chain.control.set_commission(chain.operators[0], node, 10_001))
    assert e.value.status == 400
    # Commission accrues to the operator (blocked until the next voting_end), then collects.
    operator = chain.operators[0]
    collected = 0
    for _ in range(3):
        chain.register(alice, 1_000_000, 2)
        chain.advance()
        collected += run_sync(chain.control.collect_commission(operator, node))["amount"]
    assert collected > 0
    assert run_sync(chain.control.balance(operator.address)) == collected


def test_the_epoch_timer_changes_epochs(tmp_path: Path) -> None:
    operators = [Account.generate() for _ in range(4)]
    config = chain_config(tmp_path, operators, [100 * WAL] * 4, epoch_duration_ms=1500)
    with serve_in_thread(create_app(config)) as url:
        control = HttpControlPlane(url)
        first = run_sync(control.health())
        assert first["next_epoch_change_ms"] is not None
        deadline = time.monotonic() + 20
        while run_sync(control.health())["epoch"] < first["epoch"] + 2:
            assert time.monotonic() < deadline, "the timer did not change epochs"
            time.sleep(0.2)
        kinds = [e.kind for e in run_sync(control.events(0, 0))[0]]
        assert "voting_end" in kinds and kinds.count("epoch") >= 3


def test_restart_keeps_the_economy(tmp_path: Path) -> None:
    operators = [Account.generate() for _ in range(4)]
    config = chain_config(tmp_path, operators, [100 * WAL] * 4)
    alice = Account.generate()
    with serve_in_thread(create_app(config)) as url:
        chain = Chain(url, operators, [100 * WAL] * 4)
        chain.fund(alice)
        run_sync(chain.control.stake(alice, chain.node_ids[1], 50 * WAL))
        chain.register(alice, 1000, 2)
        chain.advance()
        before = run_sync(chain.control.economy()), run_sync(chain.control.nodes()), run_sync(chain.control.stakes())
    with serve_in_thread(create_app(config)) as url:
        control = HttpControlPlane(url)
        after = run_sync(control.economy()), run_sync(control.nodes()), run_sync(control.stakes())
    assert after == before


def test_state_of_an_older_control_plane_is_refused(tmp_path: Path) -> None:
    import sqlite3

    from morsa.chain.state import ChainState
    from morsa.net.errors import ApiError

    (tmp_path / "chain").mkdir()
    db = sqlite3.connect(tmp_path / "chain" / "chain.sqlite3")
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('epoch', '3');")
    db.commit()
    db.close()
    with pytest.raises(ApiError, match="older control plane"):
        ChainState(tmp_path / "chain" / "chain.sqlite3")


def test_the_cli_stakes_and_votes(run_cli, tmp_path: Path) -> None:
    """``morsa stake``, ``stakes``, ``withdraw``, ``nodes``, ``economy`` and ``node vote`` on a
    control plane; bad amounts and unknown nodes are one-line errors."""
    import json

    operators = [Account.generate() for _ in range(4)]
    config = chain_config(tmp_path, operators, [100 * WAL] * 4)
    key = tmp_path / "alice.key"
    seed = secrets.token_bytes(32)
    key.write_text(seed.hex())
    key.chmod(0o600)
    alice = Account.from_seed(seed)
    with serve_in_thread(create_app(config)) as url:
        run_sync(HttpControlPlane(url).faucet(alice.address, 10**13, ADMIN))
        net = ("--chain", url, "--account", key)
        r = run_cli("stake", "node-2", "12.5", *net)
        assert r.returncode == 0, r.stderr
        assert "12.5 WAL with node-2" in r.stdout
        r = run_cli("stakes", "--json", *net)
        (stake,) = json.loads(r.stdout)
        assert stake["staked"]["principal"] == 12_500_000_000
        r = run_cli("nodes", *net)
        assert r.returncode == 0 and "node-2" in r.stdout and "112.5 WAL" in r.stdout
        r = run_cli("economy", "--json", *net)
        assert json.loads(r.stdout)["epoch"] == 1
        r = run_cli("withdraw", str(stake["id"]), *net)
        assert r.returncode == 0 and "12.5 WAL paid out" in r.stdout
        for args, message in (
            (("stake", "node-2", "0.5"), "below the minimum"),
            (("stake", "node-2", "1.0000000001"), "decimals"),
            (("stake", "node-9", "5"), "no storage node"),
            (("withdraw", "77"), "no such stake object"),
        ):
            r = run_cli(*args, *net)
            assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        node_config = tmp_path / "node-1.json"
        node_config.write_text(json.dumps({
            "name": "node-1", "host": "127.0.0.1", "port": 1, "data_dir": str(tmp_path / "n1"),
            "seed": secrets.token_bytes(32).hex(), "chain_url": url,
        }))
        r = run_cli("node", "vote", "--config", node_config, "--storage-price", "5")
        assert r.returncode == 2 and "no storage node" in r.stderr


CHROMIUM = os.environ.get("MORSA_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium")
def test_the_explorer_page_in_headless_chromium(chain: Chain, tmp_path: Path) -> None:
    """The explorer (served at /explorer) shows the epoch, the committee with stake and shards,
    the rewards plot, blobs and events, from the live API; a screenshot is taken."""
    import subprocess

    payer = Account.generate()
    chain.fund(payer)
    run_sync(chain.control.stake(payer, chain.node_ids[3], 250_000 * WAL))
    for size in (1000, 200_000, 3_000_000):
        chain.register(payer, size, 3)
        chain.advance()

    def chromium(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
             "--window-size=1400,1100", *args, f"{chain.url}/explorer"],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        )

    dom = chromium("--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'data-loaded="true"' in html, html[-3000:]
    assert '<b id="epoch">4</b>' in html
    for name in ("node-0", "node-1", "node-2", "node-3"):
        assert f"<td>{name}</td>" in html
    assert html.count('<polyline fill="none" stroke="#') == 4, "one line of rewards per node"
    # The first blob (epochs 1..4) has expired at epoch 4; the two others are registered.
    assert html.count('class="status registered"') == 2 and html.count('class="status expired"') == 1
    assert "staked" in html and "registered" in html and "<b>epoch</b>" in html
    shot = tmp_path / "explorer.png"
    result = chromium(f"--screenshot={shot}")
    assert result.returncode == 0 and shot.stat().st_size > 20_000
    # The page and its data are plain GETs: the root redirects to it.
    import httpx

    r = httpx.get(chain.url + "/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"].endswith("/explorer")
