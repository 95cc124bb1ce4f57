"""Shard migration on a devnet of real processes: when stake moves shards at an epoch change,
the new owner fetches each shard's slivers in bulk from its previous owner (``POST
/v1/migrate/sync_shard``, signed by the new owner's key), and falls back to recovery symbols
when the previous owner is down. Reads go on throughout; nothing is lost."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import running_devnet
from morsa.devnet import Devnet
from morsa.net.accounts import Account
from morsa.net.errors import RemoteError
from morsa.net.nodes import StorageNodeClient
from morsa.net.sync import run_sync
from morsa.net.transport import Http

N_NODES = 4
N_SHARDS = 40
WAL = 10**9


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Devnet]:
    with running_devnet(tmp_path / "devnet", N_NODES, N_SHARDS) as devnet:
        yield devnet


def health(url: str) -> dict:
    return httpx.get(f"{url}/v1/health", timeout=10).json()["success"]["data"]


def node_shards(net: Devnet) -> dict[str, set[int]]:
    return {m.name: set(m.shards) for m in net.client().committee().members}


def fund(net: Devnet) -> None:
    """Enough WAL for a stake that moves shards (the faucet gives 10^6 WAL a call)."""
    address = net.client().account.address
    for _ in range(3):
        net.fund(address)


def wait_for(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def test_stake_moves_shards_which_migrate_while_reads_go_on(net: Devnet) -> None:
    client = net.client()
    blobs = {client.store(os.urandom(size), epochs=5).blob_id: None for size in (2_000, 40_000, 300_000, 1_000_000, 5)}
    for blob_id in blobs:
        blobs[blob_id] = client.read(blob_id)
    before = node_shards(net)
    fund(net)
    client.stake("node-3", 3_000_000 * WAL)
    # Reads in a loop while the committee changes: none may fail.
    failures: list[BaseException] = []
    reads = [0]
    stop = threading.Event()

    def reader() -> None:
        reading = net.client()
        while not stop.is_set():
            for blob_id, data in blobs.items():
                try:
                    assert reading.read(blob_id) == data
                    reads[0] += 1
                except BaseException as e:  # noqa: BLE001 - every failure is a finding
                    failures.append(e)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        net.advance_epoch()
        after = node_shards(net)
        gained = after["node-3"] - before["node-3"]
        assert len(gained) >= 10, "the stake moved shards to node-3"
        node3 = net.node("node-3")
        wait_for(lambda: health(node3.url)["migration"]["epoch"] == 2 and health(node3.url)["migration"]["migratedShards"] == len(gained))
        time.sleep(1.0)
    finally:
        stop.set()
        thread.join(60)
    assert not failures, failures[:3]
    assert reads[0] > 0
    migration = health(node3.url)["migration"]
    assert migration["fallbackShards"] == 0 and migration["lastError"] is None, migration
    # Every blob has one pair per gained shard; each pair has two slivers.
    assert migration["slivers"] == 2 * len(blobs) * len(gained), migration
    # The migrated slivers were not rebuilt from recovery symbols.
    assert health(node3.url)["recovery"]["recovered"] == 0
    for blob_id, data in blobs.items():
        assert client.read(blob_id) == data
    # New stores land on the new committee.
    fresh = os.urandom(50_000)
    assert client.read(client.store(fresh).blob_id) == fresh


def test_a_down_previous_owner_falls_back_to_recovery(net: Devnet) -> None:
    client = net.client()
    blobs = {client.store(os.urandom(size), epochs=5).blob_id: None for size in (3_000, 200_000)}
    for blob_id in blobs:
        blobs[blob_id] = client.read(blob_id)
    before = node_shards(net)
    fund(net)
    client.stake("node-3", 3_000_000 * WAL)
    net.stop(net.node("node-0"))
    try:
        net.advance_epoch()
        after = node_shards(net)
        gained = after["node-3"] - before["node-3"]
        from_node0 = gained & before["node-0"]
        assert from_node0, "node-0 gave shards to node-3"
        node3 = net.node("node-3")
        wait_for(lambda: health(node3.url)["migration"]["epoch"] == 2 and health(node3.url)["migration"]["fallbackShards"] == len(from_node0))
        # The syncer recovers the rest from recovery symbols: every pair of every gained shard.
        members = {m.name: m for m in net.client().committee().members}
        peer = StorageNodeClient(Http(timeout=10), node3.url)

        def complete() -> bool:
            for blob_id in blobs:
                for pair in net.client().committee().pairs_of(members["node-3"], blob_id):
                    for axis in ("primary", "secondary"):
                        if run_sync(peer.sliver_status(blob_id, pair, axis)) != "stored":
                            return False
            return True

        wait_for(complete, 90)
        for blob_id, data in blobs.items():
            assert client.read(blob_id) == data
    finally:
        net.start(net.node("node-0"))


def test_sync_shard_is_for_the_new_owner_only(net: Devnet) -> None:
    node = net.node("node-1")
    committee = net.client().committee()
    shard = next(iter(committee.members[0].shards))
    peer = StorageNodeClient(Http(timeout=10), node.url)
    stranger = Account.generate()
    with pytest.raises(RemoteError) as e:
        run_sync(peer.sync_shard(stranger, shard, committee.epoch))
    assert (e.value.status, e.value.reason) == (403, "NOT_SHARD_OWNER")
    # Unsigned, or with a bad body: refused without a server error.
    r = httpx.post(f"{node.url}/v1/migrate/sync_shard", json={"shard": shard, "epoch": 1})
    assert r.status_code == 401
    # The owner itself, for another epoch: 409; for this one: a page (node-1 holds no slivers of
    # that shard here, so an empty one).
    import json

    from morsa.node.config import NodeConfig

    owner_name = committee.members[0].name
    owner = Account.from_seed(NodeConfig.load(net.node_config(owner_name)).seed_bytes)
    with pytest.raises(RemoteError) as e:
        run_sync(peer.sync_shard(owner, shard, committee.epoch + 5))
    assert e.value.status == 409
    assert run_sync(peer.sync_shard(owner, shard, committee.epoch)) == ([], None)
    body = json.dumps({"shard": "x"}).encode()
    r = httpx.post(f"{node.url}/v1/migrate/sync_shard", content=body, headers=owner.sign_request("POST", "/v1/migrate/sync_shard", body))
    assert r.status_code == 400


def test_stores_right_after_a_committee_change_succeed(net: Devnet) -> None:
    """A store that starts the moment the epoch changes uses the new committee while nodes may
    not have seen the change yet: a node asked about a shard it does not know, or to confirm
    with slivers its old view requires, re-reads the committee first (regression: the store
    failed with SHARD_NOT_ASSIGNED and MISSING_SLIVERS)."""
    client = net.client()
    fund(net)
    for node in ("node-2", "node-3"):  # each gains shards (up to the cap of 20 of 40)
        client.stake(node, 1_400_000 * WAL)
        shards_before = node_shards(net)
        net.advance_epoch()
        data = os.urandom(400_000)
        stored = client.store(data)  # at once: no wait for the nodes to follow
        assert node_shards(net) != shards_before
        assert client.read(stored.blob_id) == data
