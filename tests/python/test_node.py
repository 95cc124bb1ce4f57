"""Storage node (morsa.node): the REST API of SPEC §11 against a fake control plane.

The fake control plane implements just the endpoints the node uses (docs/network.md):
``/v1/committee``, ``/v1/blobs/{id}``, ``/v1/events`` (long poll) and
``/v1/blobs/{id}/invalid``. Servers run on 127.0.0.1 with free ports: nodes in threads for
most tests, and a real ``python -m morsa node run`` process for the kill -9 test.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import morsa
from conftest import blob_id_bytes_from_root, blob_root, config_values, corrupt_stored_slivers, merkle_root, metadata_bcs
from morsa.node import NodeConfig, create_app

N_SHARDS = 10
SHARDS = [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]
DOMAIN = "storage.walrus.space"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(i: int) -> bytes:
    return bytes([i + 1]) * 32


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(interval)


class ServerThread:
    """A uvicorn server for ``app`` in a daemon thread."""

    def __init__(self, app: Any, port: int) -> None:
        self.port = port
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        wait_until(lambda: self.server.started or not self.thread.is_alive(), 15)
        assert self.server.started
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


# ------------------------------------------------------------------------------------------
# Fake control plane


class FakeChain:
    """Committee, blob registry and event log of a control plane, in memory."""

    def __init__(self, members: list[tuple[str, bytes, list[int]]], epoch: int = 1) -> None:
        self.epoch = epoch
        self.members = members  # (url, public key, shards)
        self.committee = morsa.Committee(epoch, [(pk, shards) for _, pk, shards in members])
        self.blobs: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.invalid_certificates: list[bytes] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ServerThread(self.app(), self.port)

    def emit(self, kind: str, blob_id: str | None = None) -> None:
        with self.lock:
            event: dict[str, Any] = {"seq": len(self.events), "kind": kind, "epoch": self.epoch}
            if blob_id is not None:
                event["blob_id"] = blob_id
            self.events.append(event)

    def register(self, blob_id: str, size: int, deletable: bool = False) -> None:
        self.blobs[blob_id] = {
            "status": "registered",
            "blob_object": {
                "id": "0x" + blob_id.encode().hex()[:64],
                "registeredEpoch": self.epoch,
                "blobId": blob_id,
                "size": size,
                "encodingType": "RS2",
                "certifiedEpoch": None,
                "storage": {"id": "0x01", "startEpoch": self.epoch, "endEpoch": self.epoch + 5, "storageSize": size},
                "deletable": deletable,
            },
        }
        self.emit("registered", blob_id)

    def certify(self, blob_id: str) -> None:
        self.blobs[blob_id]["status"] = "certified"
        self.blobs[blob_id]["blob_object"]["certifiedEpoch"] = self.epoch
        self.emit("certified", blob_id)

    def new_epoch(self, shards: list[list[int]]) -> None:
        """Advance the epoch with a new shard assignment (same members, same order)."""
        self.epoch += 1
        self.members = [(url, pk, sh) for (url, pk, _), sh in zip(self.members, shards)]
        self.committee = morsa.Committee(self.epoch, [(pk, sh) for _, pk, sh in self.members])
        self.emit("epoch")

    def app(self) -> Starlette:
        def ok(data: Any) -> JSONResponse:
            return JSONResponse({"success": {"code": 200, "data": data}})

        def err(code: int, reason: str) -> JSONResponse:
            body = {"error": {"code": code, "status": "NOT_FOUND", "message": reason,
                              "details": [{"@type": "ErrorInfo", "reason": reason, "domain": "chain.morsa.local", "metadata": {}}]}}
            return JSONResponse(body, status_code=code)

        async def committee(request: Request) -> JSONResponse:
            return ok({
                "epoch": self.epoch,
                "n_shards": self.committee.n_shards,
                "committee": base64.b64encode(self.committee.to_bytes()).decode(),
                "members": [
                    {"node_id": pk.hex(), "name": f"node-{i}", "url": url, "public_key": base64.b64encode(pk).decode(), "shards": shards}
                    for i, (url, pk, shards) in enumerate(self.members)
                ],
            })

        async def blob(request: Request) -> JSONResponse:
            entry = self.blobs.get(request.path_params["blob_id"])
            return ok(entry) if entry is not None else err(404, "BLOB_NOT_FOUND")

        async def events(request: Request) -> JSONResponse:
            since = int(request.query_params.get("since", "0"))
            deadline = time.monotonic() + int(request.query_params.get("wait_ms", "0")) / 1000
            while True:
                with self.lock:
                    new = [e for e in self.events if e["seq"] >= since]
                    next_seq = len(self.events)
                if new or time.monotonic() >= deadline:
                    return ok({"events": new, "next": max(next_seq, since)})
                await asyncio.sleep(0.02)

        async def invalid(request: Request) -> JSONResponse:
            blob_id = request.path_params["blob_id"]
            body = await request.json()
            raw = base64.b64decode(body["certificate"])
            try:
                verified = morsa.Certificate.from_bytes(raw).verify(self.committee)
            except morsa.MorsaError as e:
                return err(400, f"INVALID_CERTIFICATE {e}")
            if verified.kind != "invalid_blob" or verified.blob_id != blob_id:
                return err(400, "WRONG_CERTIFICATE")
            self.invalid_certificates.append(raw)
            if blob_id in self.blobs and self.blobs[blob_id]["status"] != "invalid":
                self.blobs[blob_id]["status"] = "invalid"
                self.emit("invalid", blob_id)
            return ok({"blob_id": blob_id, "status": "invalid"})

        return Starlette(routes=[
            Route("/v1/committee", committee),
            Route("/v1/blobs/{blob_id}", blob),
            Route("/v1/events", events),
            Route("/v1/blobs/{blob_id}/invalid", invalid, methods=["POST"]),
        ])


# ------------------------------------------------------------------------------------------
# A network of in-process nodes


class Network:
    """A fake control plane and ``len(shards)`` nodes (started on demand) in threads."""

    def __init__(self, tmp: Path, shards: list[list[int]] = SHARDS) -> None:
        self.ports = [free_port() for _ in shards]
        self.urls = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.keys = [morsa.SigningKey(seed(i)) for i in range(len(shards))]
        self.shards = shards
        self.chain = FakeChain([(url, key.public_key, sh) for url, key, sh in zip(self.urls, self.keys, shards)])
        self.chain.server.start()
        self.tmp = tmp
        self.servers: dict[int, ServerThread] = {}
        self.http = httpx.Client(timeout=30)

    def config(self, i: int) -> NodeConfig:
        return NodeConfig.from_dict({
            "name": f"node-{i}", "host": "127.0.0.1", "port": self.ports[i],
            "data_dir": str(self.tmp / f"node-{i}"), "seed": seed(i).hex(), "chain_url": self.chain.url,
            "max_body_bytes": 8 * 1024 * 1024, "events_wait_ms": 200, "peer_timeout_s": 5, "sync_retry_s": 0.3,
            # Recovery from symbols, what these tests are about (the devnet tests cover re-encoding).
            "reencode_limit_bytes": 0,
        })

    def start(self, *indices: int) -> None:
        for i in indices or range(len(self.shards)):
            self.servers[i] = ServerThread(create_app(self.config(i)), self.ports[i]).start()

    def close(self) -> None:
        self.http.close()
        for server in self.servers.values():
            server.stop()
        self.chain.server.stop()

    def node_of_pair(self, blob_id: str, pair: int) -> int:
        shard = morsa.shard_index_for_pair(blob_id, N_SHARDS, pair)
        return next(i for i, sh in enumerate(self.shards) if shard in sh)

    def pairs_of(self, blob_id: str, i: int) -> list[int]:
        return sorted(morsa.pair_index_for_shard(blob_id, N_SHARDS, sh) for sh in self.shards[i])

    def upload(self, encoded: morsa.EncodedBlob, nodes: list[int] | None = None, metadata: morsa.BlobMetadata | None = None,
               secondaries: list[morsa.Sliver] | None = None) -> None:
        metadata = metadata or encoded.metadata
        blob_id = metadata.blob_id
        for i in nodes if nodes is not None else range(len(self.shards)):
            url = self.urls[i]
            r = self.http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=metadata.metadata_bytes(),
                              headers={"content-type": "application/octet-stream"})
            assert r.status_code in (200, 201), r.text
            for pair in self.pairs_of(blob_id, i):
                primary = encoded.primary_slivers[pair]
                secondary = (secondaries or encoded.secondary_slivers)[N_SHARDS - 1 - pair]
                for axis, sliver in (("primary", primary), ("secondary", secondary)):
                    r = self.http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{axis}", content=sliver.to_bytes())
                    assert r.status_code in (200, 201), r.text


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory):
    network = Network(tmp_path_factory.mktemp("net"))
    network.start()
    yield network
    network.close()


def blob_bytes(seed_: int, size: int) -> bytes:
    return random.Random(seed_).randbytes(size)


def assert_error(response: httpx.Response, status: int, reason: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == status
    (detail,) = body["details"]
    assert detail["@type"] == "ErrorInfo" and detail["domain"] == DOMAIN
    assert detail["reason"] == reason, body
    return body


def verify_signed(envelope: dict, public_key: bytes) -> bytes:
    assert envelope["success"]["code"] == 200
    signed = envelope["success"]["data"]["signed"]
    message = base64.b64decode(signed["serializedMessage"], validate=True)
    signature = base64.b64decode(signed["signature"], validate=True)
    assert morsa.verify_signature(public_key, message, signature)
    return message


# ------------------------------------------------------------------------------------------
# Upload, read back, confirmations


def test_full_upload_reads_back_and_confirms(net: Network):
    encoded = morsa.encode(blob_bytes(1, 5000), N_SHARDS)
    blob_id = encoded.blob_id
    net.chain.register(blob_id, 5000)
    http = net.http
    # nothing stored yet: no confirmation
    r = http.get(f"{net.urls[0]}/v1/blobs/{blob_id}/confirmation/permanent")
    assert_error(r, 400, "MISSING_SLIVERS")
    assert http.get(f"{net.urls[0]}/v1/blobs/{blob_id}/metadata/status").json() == {"success": {"code": 200, "data": "nonexistent"}}

    # metadata everywhere, then all slivers but one secondary on node 0
    for url in net.urls:
        r = http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes())
        assert r.status_code == 201 and r.json()["success"]["code"] == 201
        r = http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes())
        assert r.status_code == 200
    pairs0 = net.pairs_of(blob_id, 0)
    for pair in pairs0:
        http.put(f"{net.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/primary", content=encoded.primary_slivers[pair].to_bytes())
    for pair in pairs0[:-1]:
        sliver = encoded.secondary_slivers[N_SHARDS - 1 - pair]
        r = http.put(f"{net.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/secondary", content=sliver.to_bytes())
        assert r.status_code == 201, r.text
    r = http.get(f"{net.urls[0]}/v1/blobs/{blob_id}/confirmation/permanent")
    assert_error(r, 400, "MISSING_SLIVERS")
    status = http.get(f"{net.urls[0]}/v1/blobs/{blob_id}/slivers/{pairs0[-1]}/secondary/status").json()
    assert status["success"]["data"] == "nonexistent"

    net.upload(encoded)
    for i, url in enumerate(net.urls):
        message = verify_signed(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").json(), net.keys[i].public_key)
        assert message == morsa.StorageConfirmation(net.chain.epoch, blob_id).to_bytes()
        # Regression: no deletable confirmation for an object the control plane never
        # registered (the blob is permanent).
        made_up = bytes(range(32))
        r = http.get(f"{url}/v1/blobs/{blob_id}/confirmation/deletable/0x{made_up.hex()}")
        assert_error(r, 400, "NOT_REGISTERED")
        # metadata read back includes the blob ID (SPEC §5.5)
        r = http.get(f"{url}/v1/blobs/{blob_id}/metadata")
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        assert r.content == encoded.metadata.to_bytes()
        assert http.get(f"{url}/v1/blobs/{blob_id}/metadata/status").json()["success"]["data"] == "stored"

    # every sliver, from the node holding its pair
    for pair in range(N_SHARDS):
        i = net.node_of_pair(blob_id, pair)
        for axis, sliver in (("primary", encoded.primary_slivers[pair]),
                             ("secondary", encoded.secondary_slivers[N_SHARDS - 1 - pair])):
            r = http.get(f"{net.urls[i]}/v1/blobs/{blob_id}/slivers/{pair}/{axis}")
            assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
            assert r.content == sliver.to_bytes()
            assert http.get(f"{net.urls[i]}/v1/blobs/{blob_id}/slivers/{pair}/{axis}/status").json()["success"]["data"] == "stored"
    primaries = [morsa.Sliver.from_bytes(http.get(
        f"{net.urls[net.node_of_pair(blob_id, p)]}/v1/blobs/{blob_id}/slivers/{p}/primary").content, "primary") for p in range(N_SHARDS)]
    assert morsa.decode(encoded.metadata, primaries, "strict") == blob_bytes(1, 5000)

    # blob status (SPEC §11 BlobStatus)
    data = http.get(f"{net.urls[1]}/v1/blobs/{blob_id}/status").json()["success"]["data"]
    assert data["permanent"]["isCertified"] is False and data["permanent"]["endEpoch"] == net.chain.epoch + 5
    net.chain.certify(blob_id)
    data = http.get(f"{net.urls[1]}/v1/blobs/{blob_id}/status").json()["success"]["data"]
    assert data["permanent"]["isCertified"] is True and data["permanent"]["initialCertifiedEpoch"] == net.chain.epoch
    assert set(data["permanent"]["statusEvent"]) == {"txDigest", "eventSeq"}
    unknown = morsa.blob_id(b"never registered", N_SHARDS)
    assert http.get(f"{net.urls[1]}/v1/blobs/{unknown}/status").json()["success"]["data"] == "nonexistent"
    health = http.get(f"{net.urls[2]}/v1/health").json()["success"]["data"]
    assert health["epoch"] == net.chain.epoch and base64.b64decode(health["publicKey"]) == net.keys[2].public_key


def test_deletable_confirmations_only_for_the_registered_object(net: Network):
    """A node signs a deletable confirmation only for the blob object registered for the blob,
    and no permanent confirmation for a deletable blob (issue: nodes signed for made-up
    objects)."""
    encoded = morsa.encode(blob_bytes(13, 4000), N_SHARDS)
    blob_id = encoded.blob_id
    net.chain.register(blob_id, 4000, deletable=True)
    registered = bytes.fromhex(net.chain.blobs[blob_id]["blob_object"]["id"][2:])
    net.upload(encoded)
    http = net.http
    for i, url in enumerate(net.urls):
        r = http.get(f"{url}/v1/blobs/{blob_id}/confirmation/deletable/0x{registered.hex()}")
        message = morsa.StorageConfirmation.from_bytes(verify_signed(r.json(), net.keys[i].public_key))
        assert message.object_id == registered and message.deletable
        other = bytes(31) + b"\x11"
        assert_error(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/deletable/0x{other.hex()}"), 400, "NOT_REGISTERED")
        assert_error(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent"), 400, "NOT_REGISTERED")


def test_batched_upload_is_all_or_nothing(net: Network):
    """PUT /slivers takes BCS Vec<Sliver> (docs/network.md): every sliver is checked and
    verified; one bad sliver stores none of the batch."""
    encoded = morsa.encode(blob_bytes(11, 7000), N_SHARDS)
    blob_id = encoded.blob_id
    net.chain.register(blob_id, 7000)
    http, url = net.http, net.urls[0]
    octet = {"content-type": "application/octet-stream"}
    assert http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes(), headers=octet).status_code == 201
    config = morsa.EncodingConfig(N_SHARDS)
    mine = [
        encoded.sliver(axis, config.sliver_index(axis, pair))
        for pair in net.pairs_of(blob_id, 0)
        for axis in ("primary", "secondary")
    ]
    # One sliver of the batch does not match the metadata: nothing is stored.
    first = mine[0]
    bad = morsa.Sliver(first.axis, first.index, first.symbol_size, bytes(len(first.data)))
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers([*mine[1:], bad]), headers=octet)
    body = assert_error(r, 400, "INVALID_SLIVER")
    assert f"{first.axis} sliver {first.index}" in body["message"]
    for sliver in mine:
        pair = config.pair_index(sliver.axis, sliver.index)
        assert http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{sliver.axis}").status_code == 404
    # A sliver of a pair on another node's shards: refused as a single upload would be.
    other_pair = net.pairs_of(blob_id, 1)[0]
    foreign = encoded.sliver("primary", other_pair)
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers([foreign]), headers=octet)
    assert_error(r, 400, "SHARD_NOT_ASSIGNED")
    assert_error(http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=b"\x05\x00", headers=octet), 400, "INVALID_CONTENT_TYPE")
    assert_error(http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=b"\x00", headers=octet), 400, "EMPTY_BATCH")
    # The whole batch: stored at once, then every sliver reads back and the node confirms.
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers(mine), headers=octet)
    assert r.status_code == 201 and r.json()["success"]["data"] == {"stored": len(mine), "alreadyStored": 0}
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers(mine[:2]), headers=octet)
    assert r.status_code == 200 and r.json()["success"]["data"] == {"stored": 0, "alreadyStored": 2}
    for sliver in mine:
        pair = config.pair_index(sliver.axis, sliver.index)
        assert http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{sliver.axis}").content == sliver.to_bytes()
    verify_signed(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").json(), net.keys[0].public_key)


def test_rejections(net: Network):
    http = net.http
    encoded = morsa.encode(blob_bytes(2, 3000), N_SHARDS)
    other = morsa.encode(blob_bytes(3, 3000), N_SHARDS)  # same geometry, other content
    blob_id = encoded.blob_id
    url = net.urls[0]
    pair = net.pairs_of(blob_id, 0)[0]
    sliver_url = f"{url}/v1/blobs/{blob_id}/slivers/{pair}/primary"

    # unregistered blob
    r = http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes())
    body = assert_error(r, 400, "NOT_REGISTERED")
    assert body["status"] == "FAILED_PRECONDITION"
    r = http.put(sliver_url, content=encoded.primary_slivers[pair].to_bytes())
    assert_error(r, 400, "NOT_REGISTERED")
    # ?pending=true buffers instead, stored once registered
    r = http.put(f"{url}/v1/blobs/{blob_id}/metadata?pending=true", content=encoded.metadata.metadata_bytes())
    assert r.status_code == 202, r.text
    assert http.get(f"{url}/v1/blobs/{blob_id}/metadata/status").json()["success"]["data"] == "buffered"
    pair2 = net.pairs_of(blob_id, 0)[-1]
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair2}/primary?pending=true", content=encoded.primary_slivers[pair2].to_bytes())
    assert r.status_code == 202, r.text
    assert http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair2}/primary/status").json()["success"]["data"] == "buffered"

    net.chain.register(blob_id, 3000)
    wait_until(lambda: http.get(f"{url}/v1/blobs/{blob_id}/metadata/status").json()["success"]["data"] == "stored")
    wait_until(lambda: http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair2}/primary/status").json()["success"]["data"] == "stored")

    # wrong content type for metadata
    r = http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes(), headers={"content-type": "text/plain"})
    assert_error(r, 400, "INVALID_CONTENT_TYPE")
    # metadata that does not match the blob ID
    r = http.put(f"{net.urls[1]}/v1/blobs/{blob_id}/metadata", content=other.metadata.metadata_bytes(),
                 headers={"content-type": "application/octet-stream; charset=binary"})
    assert_error(r, 400, "INVALID_METADATA")
    # malformed BCS, metadata and sliver
    r = http.put(f"{net.urls[1]}/v1/blobs/{blob_id}/metadata", content=b"\x00\x00\x01")
    assert_error(r, 400, "INVALID_CONTENT_TYPE")
    r = http.put(sliver_url, content=b"\xff\xff\xff")
    assert_error(r, 400, "INVALID_CONTENT_TYPE")
    # metadata must come before slivers
    pair1 = net.pairs_of(blob_id, 1)[0]
    r = http.put(f"{net.urls[1]}/v1/blobs/{blob_id}/slivers/{pair1}/primary", content=encoded.primary_slivers[pair1].to_bytes())
    assert_error(r, 400, "METADATA_NOT_FOUND")
    # a pair this node's shards do not hold
    foreign = next(p for p in range(N_SHARDS) if p not in net.pairs_of(blob_id, 0))
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{foreign}/primary", content=encoded.primary_slivers[foreign].to_bytes())
    assert_error(r, 400, "SHARD_NOT_ASSIGNED")
    assert_error(http.get(f"{url}/v1/blobs/{blob_id}/slivers/{foreign}/primary"), 400, "SHARD_NOT_ASSIGNED")
    # the URL's pair is not the sliver's pair
    r = http.put(sliver_url, content=encoded.primary_slivers[foreign].to_bytes())
    assert_error(r, 400, "SLIVER_INDEX_MISMATCH")
    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/secondary", content=encoded.secondary_slivers[pair].to_bytes()
                 if pair != N_SHARDS - 1 - pair else encoded.secondary_slivers[0].to_bytes())
    assert_error(r, 400, "SLIVER_INDEX_MISMATCH")
    # a sliver that does not match the metadata
    r = http.put(sliver_url, content=other.primary_slivers[pair].to_bytes())
    assert_error(r, 400, "INVALID_SLIVER")
    # oversized bodies (SPEC §11: s * 65534 + 128)
    _, _, s = config_values(N_SHARDS)
    r = http.put(sliver_url, content=bytes(s * 65534 + 129))
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    r = http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=bytes(100_000))
    assert_error(r, 413, "PAYLOAD_TOO_LARGE")
    # out-of-range pair, bad axis, bad blob ID, unknown route
    assert_error(http.put(f"{url}/v1/blobs/{blob_id}/slivers/{N_SHARDS}/primary", content=b"x"), 400, "INDEX_OUT_OF_RANGE")
    assert_error(http.get(f"{url}/v1/blobs/{blob_id}/slivers/0/diagonal"), 400, "INVALID_SLIVER_TYPE")
    assert_error(http.get(f"{url}/v1/blobs/not-a-blob-id/metadata"), 400, "INVALID_BLOB_ID")
    assert http.get(f"{url}/v1/nothing").status_code == 404
    # after all that, the right sliver is accepted
    r = http.put(sliver_url, content=encoded.primary_slivers[pair].to_bytes())
    assert r.status_code == 201, r.text
    assert http.get(sliver_url).content == encoded.primary_slivers[pair].to_bytes()
    # unknown metadata
    assert_error(http.get(f"{url}/v1/blobs/{other.blob_id}/metadata"), 404, "METADATA_NOT_FOUND")


def test_recovery_symbols_both_query_forms(net: Network):
    http = net.http
    encoded = morsa.encode(blob_bytes(4, 2000), N_SHARDS)
    blob_id = encoded.blob_id
    metadata = encoded.metadata
    net.chain.register(blob_id, 2000)
    net.upload(encoded)
    i = 1
    pairs = net.pairs_of(blob_id, i)
    url = f"{net.urls[i]}/v1/blobs/{blob_id}/recoverySymbols"
    # targetSliver form: one symbol per orthogonal sliver the node holds
    for target_type, target in (("primary", 0), ("secondary", 7)):
        r = http.get(url, params={"targetSliver": target, "targetType": target_type})
        assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
        symbols = morsa.decode_recovery_symbols(r.content)
        expected_sources = sorted(p if target_type == "secondary" else N_SHARDS - 1 - p for p in pairs)
        assert sorted(sym.source_index for sym in symbols) == expected_sources
        for sym in symbols:
            assert (sym.target_axis, sym.target_index) == (target_type, target)
            sym.verify(metadata)
    # id form, repeated, with and without proofAxis
    row, col = pairs[0], 3  # row held as a primary sliver
    r = http.get(f"{url}?proofAxis=primary&id={row}-{col}&id={row}-{col + 1}")
    symbols = morsa.decode_recovery_symbols(r.content)
    assert [sym.symbol_id for sym in symbols] == [(row, col), (row, col + 1)]
    for sym in symbols:
        assert sym.target_axis == "secondary" and sym.source_index == row
        sym.verify(metadata)
    col2 = N_SHARDS - 1 - pairs[0]  # column held as a secondary sliver
    r = http.get(url, params={"id": f"5-{col2}", "proofAxis": "secondary"})
    (sym,) = morsa.decode_recovery_symbols(r.content)
    assert sym.symbol_id == (5, col2) and sym.target_axis == "primary"
    sym.verify(metadata)
    r = http.get(url, params={"id": f"{row}-{col}"})
    (sym,) = morsa.decode_recovery_symbols(r.content)
    assert sym.symbol_id == (row, col)
    sym.verify(metadata)
    # decodingSymbols: BTreeMap<u16, Vec<EitherDecodingSymbol>> without proofs (SPEC §11)
    r = http.get(f"{net.urls[i]}/v1/blobs/{blob_id}/decodingSymbols?targetSlivers=3&targetSlivers=0&targetType=primary")
    assert r.status_code == 200, r.text
    raw, pos = r.content, 0

    def uleb() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = raw[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    assert uleb() == 2
    for target in (0, 3):
        assert int.from_bytes(raw[pos:pos + 2], "little") == target
        pos += 2
        count = uleb()
        assert count == len(pairs)
        for _ in range(count):
            assert raw[pos] == 0  # Primary: the target axis
            source = int.from_bytes(raw[pos + 1:pos + 3], "little")
            pos += 3
            length = uleb()
            assert raw[pos:pos + length] == encoded.secondary_slivers[source].recovery_symbols([target], N_SHARDS)[0].data
            pos += length
    assert pos == len(raw)

    # symbols from slivers the node does not hold, no selector, both selectors
    foreign = [p for p in range(N_SHARDS) if p not in pairs and N_SHARDS - 1 - p not in pairs]
    assert_error(http.get(url, params={"id": f"{foreign[0]}-{N_SHARDS - 1 - foreign[0]}", "proofAxis": "primary"}), 400,
                 "SYMBOL_NOT_PRESENT_AT_SHARDS")
    assert_error(http.get(url), 400, "NO_SYMBOLS_SPECIFIED")
    assert_error(http.get(url, params={"id": "1-2", "targetSliver": 1, "targetType": "primary"}), 400, "INVALID_QUERY")


# ------------------------------------------------------------------------------------------
# Self-healing and inconsistency


def test_late_node_recovers_its_slivers_and_confirms(tmp_path: Path):
    network = Network(tmp_path)
    try:
        network.start(0, 1, 2)
        encoded = morsa.encode(blob_bytes(5, 4000), N_SHARDS)
        blob_id = encoded.blob_id
        network.chain.register(blob_id, 4000)
        network.upload(encoded, nodes=[0, 1, 2])
        network.chain.certify(blob_id)
        network.start(3)  # down during the upload
        url = network.urls[3]

        def confirmed() -> bool:
            return network.http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").status_code == 200

        wait_until(confirmed, 30, 0.1)
        verify_signed(network.http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").json(), network.keys[3].public_key)
        assert network.http.get(f"{url}/v1/blobs/{blob_id}/metadata").content == encoded.metadata.to_bytes()
        for pair in network.pairs_of(blob_id, 3):
            assert network.http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/primary").content == encoded.primary_slivers[pair].to_bytes()
            got = network.http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/secondary").content
            assert got == encoded.secondary_slivers[N_SHARDS - 1 - pair].to_bytes()

        # a sliver corrupted at rest is detected on read, dropped, and recovered again
        pair = network.pairs_of(blob_id, 0)[0]
        assert corrupt_stored_slivers(tmp_path / "node-0", blob_id, pair, 0) == [(pair, 0)]
        sliver_url = f"{network.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/primary"
        assert_error(network.http.get(sliver_url), 404, "SLIVER_NOT_FOUND")
        wait_until(lambda: network.http.get(sliver_url).content == encoded.primary_slivers[pair].to_bytes(), 30, 0.1)
    finally:
        network.close()


def test_new_shards_are_recovered_after_an_epoch_change(tmp_path: Path):
    network = Network(tmp_path)
    http = network.http
    try:
        network.start()
        encoded = morsa.encode(blob_bytes(9, 3000), N_SHARDS)
        blob_id = encoded.blob_id
        network.chain.register(blob_id, 3000)
        network.upload(encoded)
        network.chain.certify(blob_id)
        moved = morsa.shard_index_for_pair(blob_id, N_SHARDS, network.pairs_of(blob_id, 0)[0])
        new_shards = [[sh for sh in SHARDS[0] if sh != moved], SHARDS[1], SHARDS[2], sorted(SHARDS[3] + [moved])]
        network.shards = new_shards
        network.chain.new_epoch(new_shards)
        pair = morsa.pair_index_for_shard(blob_id, N_SHARDS, moved)
        url3 = network.urls[3]

        def confirmed_in_new_epoch() -> bool:
            r = http.get(f"{url3}/v1/blobs/{blob_id}/confirmation/permanent")
            if r.status_code != 200:
                return False
            message = verify_signed(r.json(), network.keys[3].public_key)
            return morsa.StorageConfirmation.from_bytes(message).epoch == network.chain.epoch

        wait_until(confirmed_in_new_epoch, 30, 0.1)
        for axis, sliver in (("primary", encoded.primary_slivers[pair]), ("secondary", encoded.secondary_slivers[N_SHARDS - 1 - pair])):
            assert http.get(f"{url3}/v1/blobs/{blob_id}/slivers/{pair}/{axis}").content == sliver.to_bytes()
        assert_error(http.get(f"{network.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/primary"), 400, "SHARD_NOT_ASSIGNED")

        def node0_epoch() -> int:
            r = http.get(f"{network.urls[0]}/v1/blobs/{blob_id}/confirmation/permanent")
            return morsa.StorageConfirmation.from_bytes(verify_signed(r.json(), network.keys[0].public_key)).epoch

        wait_until(lambda: node0_epoch() == network.chain.epoch)
    finally:
        network.close()


def test_recovery_tolerates_a_faulty_peer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # node 3 (1 shard) is late; node 2 (1 shard) answers with another blob's metadata and
    # symbols (well-formed BCS whose proofs do not verify); 3 + 1 + 1 shards leave s = 7
    # honest sources for every primary target.
    shards = [[0, 1, 2, 3], [4, 5, 6, 7], [8], [9]]
    network = Network(tmp_path, shards)
    # The healer asks a random selection of sources (a margin over what decoding needs), which
    # may leave the faulty peer out: list its sources first, so that it is always asked.
    from morsa.node import healer

    faulty_url = network.urls[2]
    monkeypatch.setattr(healer.random, "shuffle", lambda listed: listed.sort(key=lambda s: s[1].url != faulty_url))
    try:
        network.start(0, 1)
        encoded = morsa.encode(blob_bytes(10, 2500), N_SHARDS)
        decoy = morsa.encode(blob_bytes(11, 2500), N_SHARDS)
        blob_id = encoded.blob_id

        async def metadata(request: Request) -> Response:
            return Response(decoy.metadata.to_bytes(), media_type="application/octet-stream")

        asked: list[str] = []

        async def symbols(request: Request) -> Response:
            # Well-formed symbols of the decoy blob for every requested ID (row-col): their
            # proofs do not verify against the real metadata.
            asked.append(str(request.url))
            out = []
            for text in request.query_params.getlist("id"):
                row, col = map(int, text.split("-"))
                if request.query_params["proofAxis"] == "secondary":  # target primary row, from column col
                    source = morsa.Sliver("secondary", col, decoy.symbol_size, decoy.sliver("secondary", col).data)
                    out += source.recovery_symbols([row], N_SHARDS)
                else:
                    source = morsa.Sliver("primary", row, decoy.symbol_size, decoy.sliver("primary", row).data)
                    out += source.recovery_symbols([col], N_SHARDS)
            return Response(morsa.encode_recovery_symbols(out), media_type="application/octet-stream")

        faulty = Starlette(routes=[
            Route("/v1/blobs/{blob_id}/metadata", metadata),
            Route("/v1/blobs/{blob_id}/recoverySymbols", symbols),
        ])
        network.servers[2] = ServerThread(faulty, network.ports[2]).start()
        network.chain.register(blob_id, 2500)
        network.upload(encoded, nodes=[0, 1])
        network.chain.certify(blob_id)
        network.start(3)
        url = network.urls[3]
        wait_until(lambda: network.http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").status_code == 200, 30, 0.1)
        (pair,) = network.pairs_of(blob_id, 3)
        assert network.http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/primary").content == encoded.primary_slivers[pair].to_bytes()
        assert network.chain.invalid_certificates == [] and asked
    finally:
        network.close()


def inconsistent_blob(late_pairs_of) -> tuple[morsa.EncodedBlob, morsa.BlobMetadata, list[morsa.Sliver], int]:
    """Encode, alter every symbol of one secondary sliver ``j`` and recompute its pair hash and
    the blob ID (as tests/python/test_api.py does): each sliver verifies on its own, but
    primary slivers recovered with a symbol of ``j`` do not. ``j`` is chosen among the secondary
    slivers that the late node does not hold (``late_pairs_of(blob_id)``), as the smallest."""
    n = N_SHARDS
    encoded = morsa.encode(blob_bytes(6, 3500), n)
    for j in range(n):
        original = encoded.secondary_slivers[j]
        altered = morsa.Sliver("secondary", j, original.symbol_size, bytes(b ^ 0xA5 for b in original.data))
        column = altered.recovery_symbols(list(range(n)), n)
        hashes = encoded.metadata.pair_hashes()
        hashes[n - 1 - j] = (hashes[n - 1 - j][0], merkle_root([x.data for x in column]))
        length = encoded.metadata.unencoded_length
        raw = metadata_bcs(blob_id_bytes_from_root(length, blob_root(hashes)), length, hashes)
        metadata = morsa.BlobMetadata.from_bytes(raw)
        held = {n - 1 - p for p in late_pairs_of(metadata.blob_id)}
        if j not in held and j == min(set(range(n)) - held):
            secondaries = list(encoded.secondary_slivers)
            secondaries[j] = altered
            return encoded, metadata, secondaries, j
    raise AssertionError("no suitable sliver")


def test_inconsistent_blob_is_attested_and_invalidated(tmp_path: Path):
    network = Network(tmp_path)
    http = network.http
    try:
        network.start(0, 1, 2)
        encoded, metadata, secondaries, j = inconsistent_blob(lambda b: network.pairs_of(b, 3))
        blob_id = metadata.blob_id
        network.chain.register(blob_id, metadata.unencoded_length)
        network.upload(encoded, nodes=[0, 1, 2], metadata=metadata, secondaries=secondaries)

        # a proof, built by hand from the uploaded slivers, earns an attestation
        _, _, s = config_values(N_SHARDS)
        symbols = [sl.recovery_symbols([0], N_SHARDS)[0] for sl in secondaries[j:j + s]] if j + s <= N_SHARDS else None
        if symbols is None:
            symbols = [sl.recovery_symbols([0], N_SHARDS)[0] for sl in ([secondaries[j]] + [x for k, x in enumerate(secondaries) if k != j])[:s]]
        with pytest.raises(morsa.InconsistentEncodingError) as info:
            morsa.recover_sliver(metadata, "primary", 0, symbols)
        proof = info.value.proof
        r = http.post(f"{network.urls[0]}/v1/blobs/{blob_id}/inconsistencyProof/primary", content=proof.to_bytes())
        message = verify_signed(r.json(), network.keys[0].public_key)
        assert message == morsa.InvalidBlobIdMessage(network.chain.epoch, blob_id).to_bytes()
        # the same bytes read on the other axis, garbage, and a non-proof are refused
        r = http.post(f"{network.urls[0]}/v1/blobs/{blob_id}/inconsistencyProof/secondary", content=proof.to_bytes())
        assert r.status_code == 400
        assert_error(http.post(f"{network.urls[0]}/v1/blobs/{blob_id}/inconsistencyProof/primary", content=b"\x01"),
                     400, "INVALID_CONTENT_TYPE")
        good = morsa.encode(blob_bytes(7, 100), N_SHARDS)
        good_symbols = [sl.recovery_symbols([1], N_SHARDS)[0] for sl in good.secondary_slivers[:s]]
        fake = (1).to_bytes(2, "little") + bytes([s]) + b"".join(_proof_part(sym) for sym in good_symbols)
        network.chain.register(good.blob_id, 100)
        network.upload(good, nodes=[0])
        assert_error(http.post(f"{network.urls[0]}/v1/blobs/{good.blob_id}/inconsistencyProof/primary", content=fake),
                     400, "INVALID_PROOF")
        assert network.chain.invalid_certificates == []

        # the late node finds the inconsistency while recovering and gets the blob invalidated
        network.chain.certify(blob_id)
        network.start(3)
        wait_until(lambda: network.chain.invalid_certificates, 30, 0.1)
        certificate = morsa.Certificate.from_bytes(network.chain.invalid_certificates[0])
        verified = certificate.verify(network.chain.committee)
        assert verified.kind == "invalid_blob" and verified.blob_id == blob_id
        assert 3 * verified.signer_weight >= N_SHARDS + 1
        assert 3 in certificate.signer_indices

        # invalid blobs stop being served
        pair = network.pairs_of(blob_id, 0)[0]
        wait_until(lambda: http.get(f"{network.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/primary").status_code == 404)
        assert http.get(f"{network.urls[0]}/v1/blobs/{blob_id}/metadata").status_code == 404
        assert "invalid" in http.get(f"{network.urls[0]}/v1/blobs/{blob_id}/status").json()["success"]["data"]
        r = http.put(f"{network.urls[0]}/v1/blobs/{blob_id}/metadata", content=metadata.metadata_bytes())
        assert_error(r, 400, "INVALID_BLOB")
    finally:
        network.close()


def _proof_part(symbol: morsa.RecoverySymbol) -> bytes:
    """``DecodingSymbol ‖ MerkleProof`` of a ``GeneralRecoverySymbol`` (SPEC §8.3, §9)."""
    raw = symbol.to_bytes()
    # tag(1) ‖ index u16 ‖ ULEB(len) ‖ data ‖ target u16 ‖ proof
    length, pos, shift = 0, 3, 0
    while True:
        byte = raw[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    end = pos + length
    return raw[1:end] + raw[end + 2:]


# ------------------------------------------------------------------------------------------
# A real process: kill -9 durability, restart, SIGTERM


def _start_process(config_path: Path, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    log = open(log_path, "ab")
    return subprocess.Popen([sys.executable, "-m", "morsa", "node", "run", "--config", str(config_path)],
                            stdout=subprocess.DEVNULL, stderr=log, env=env)


def _wait_healthy(url: str, proc: subprocess.Popen) -> None:
    def healthy() -> bool:
        assert proc.poll() is None, "the node exited"
        try:
            return httpx.get(f"{url}/v1/health", timeout=1).json()["success"]["data"]["epoch"] is not None
        except (httpx.HTTPError, ValueError, KeyError):
            return False

    wait_until(healthy, 20, 0.1)


def test_acknowledged_writes_survive_kill_9(tmp_path: Path):
    key = morsa.SigningKey(seed(0))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chain = FakeChain([(url, key.public_key, list(range(N_SHARDS)))])
    chain.server.start()
    config_path = tmp_path / "node.json"
    config_path.write_text(json.dumps({
        "name": "node-0", "host": "127.0.0.1", "port": port, "data_dir": str(tmp_path / "data"),
        "seed": seed(0).hex(), "chain_url": chain.url, "max_body_bytes": 67108864, "events_wait_ms": 200,
    }))
    log_path = tmp_path / "node.log"
    proc = _start_process(config_path, log_path)
    try:
        _wait_healthy(url, proc)
        encoded = morsa.encode(blob_bytes(8, 20_000), N_SHARDS)
        blob_id = encoded.blob_id
        chain.register(blob_id, 20_000)
        with httpx.Client(timeout=30) as http:
            assert http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes()).status_code == 201
            for pair in range(N_SHARDS):
                for axis, sliver in (("primary", encoded.primary_slivers[pair]),
                                     ("secondary", encoded.secondary_slivers[N_SHARDS - 1 - pair])):
                    r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{axis}", content=sliver.to_bytes())
                    assert r.status_code == 201, r.text
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        proc = _start_process(config_path, log_path)
        _wait_healthy(url, proc)
        with httpx.Client(timeout=30) as http:
            assert http.get(f"{url}/v1/blobs/{blob_id}/metadata").content == encoded.metadata.to_bytes()
            for pair in range(N_SHARDS):
                assert http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/primary").content == encoded.primary_slivers[pair].to_bytes()
                got = http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/secondary").content
                assert got == encoded.secondary_slivers[N_SHARDS - 1 - pair].to_bytes()
            verify_signed(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").json(), key.public_key)

        # SIGTERM: clean shutdown, exit status 0; one log line per request
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        log = log_path.read_text()
        assert log.count(f'"PUT /v1/blobs/{blob_id}/slivers/') == 2 * N_SHARDS
        assert f'"GET /v1/blobs/{blob_id}/confirmation/permanent" 200' in log
        assert "Traceback" not in log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        chain.server.stop()


def test_cli_reports_config_errors(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "port": 1, "data_dir": str(tmp_path), "seed": "zz", "chain_url": "http://127.0.0.1:1"}))
    for path in (tmp_path / "missing.json", bad):
        result = subprocess.run([sys.executable, "-m", "morsa", "node", "run", "--config", str(path)],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("morsa: error:"), result.stderr


def test_group_committed_writes_survive_kill_9_mid_upload(tmp_path: Path):
    """Many concurrent uploads (single slivers and batches, so that the node commits them in
    groups) are cut by kill -9: after a restart every acknowledged sliver reads back intact,
    and the uploads then complete."""
    n = 100
    key = morsa.SigningKey(seed(0))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    chain = FakeChain([(url, key.public_key, list(range(n)))])
    chain.server.start()
    config_path = tmp_path / "node.json"
    config_path.write_text(json.dumps({
        "name": "node-0", "host": "127.0.0.1", "port": port, "data_dir": str(tmp_path / "data"),
        "seed": seed(0).hex(), "chain_url": chain.url, "events_wait_ms": 200,
    }))
    log_path = tmp_path / "node.log"
    proc = _start_process(config_path, log_path)
    encoded = morsa.encode(blob_bytes(21, 400_000), n)
    blob_id = encoded.blob_id
    config = morsa.EncodingConfig(n)
    slivers = [encoded.sliver(axis, config.sliver_index(axis, pair)) for pair in range(n) for axis in ("primary", "secondary")]
    acknowledged: list[morsa.Sliver] = []
    lock = threading.Lock()
    stop = threading.Event()

    def upload(part: list[morsa.Sliver], batched: bool) -> None:
        with httpx.Client(timeout=30) as http:
            for i in range(0, len(part), 5 if batched else 1):
                if stop.is_set():
                    return
                chunk = part[i : i + 5] if batched else [part[i]]
                try:
                    if batched:
                        r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers(chunk))
                    else:
                        pair = config.pair_index(chunk[0].axis, chunk[0].index)
                        r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{chunk[0].axis}", content=chunk[0].to_bytes())
                except httpx.HTTPError:
                    return  # the node is gone
                if r.status_code in (200, 201):
                    with lock:
                        acknowledged.extend(chunk)

    try:
        _wait_healthy(url, proc)
        chain.register(blob_id, 400_000)
        assert httpx.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes(), timeout=30).status_code == 201
        threads = [threading.Thread(target=upload, args=(slivers[k::12], k % 2 == 0)) for k in range(12)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acknowledged) >= len(slivers) // 3, 60, 0.005)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(30)
        assert 0 < len(acknowledged) < len(slivers), "the kill should land mid-upload"

        proc = _start_process(config_path, log_path)
        _wait_healthy(url, proc)
        with httpx.Client(timeout=30) as http:
            for sliver in acknowledged:
                pair = config.pair_index(sliver.axis, sliver.index)
                r = http.get(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/{sliver.axis}")
                assert r.status_code == 200 and r.content == sliver.to_bytes(), (sliver.axis, sliver.index)
            # The rest of the upload completes: every sliver is there and the node confirms.
            r = http.put(f"{url}/v1/blobs/{blob_id}/slivers", content=morsa._native.encode_slivers(slivers))
            assert r.status_code in (200, 201), r.text
            # Committed writes whose answer the kill cut off are there too.
            assert r.json()["success"]["data"]["alreadyStored"] >= len({(s.axis, s.index) for s in acknowledged})
            verify_signed(http.get(f"{url}/v1/blobs/{blob_id}/confirmation/permanent").json(), key.public_key)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        chain.server.stop()


def test_slivers_of_an_earlier_store_layout_are_moved_into_segments(tmp_path: Path):
    """A node database from before segment files (slivers in a ``slivers`` table) is migrated
    when opened: every sliver stays readable and the old table is gone."""
    from morsa.node.store import NodeStore

    data_dir = tmp_path / "node"
    data_dir.mkdir()
    db = sqlite3.connect(data_dir / "node.sqlite3")
    db.execute(
        "CREATE TABLE slivers (blob_id TEXT NOT NULL, pair INTEGER NOT NULL, axis INTEGER NOT NULL, "
        "data BLOB NOT NULL, checksum BLOB, PRIMARY KEY (blob_id, pair, axis)) WITHOUT ROWID"
    )
    encoded = morsa.encode(blob_bytes(5, 3000), N_SHARDS)
    rows = [(encoded.blob_id, i, 0, encoded.sliver("primary", i).to_bytes()) for i in range(N_SHARDS)]
    db.executemany("INSERT INTO slivers (blob_id, pair, axis, data) VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()
    store = NodeStore(data_dir / "node.sqlite3")
    try:
        for blob_id, pair, _, data in rows:
            assert store.get_sliver(blob_id, pair, "primary") == data
        assert store.stored_slivers(encoded.blob_id) == {(i, "primary") for i in range(N_SHARDS)}
    finally:
        store.close()
    db = sqlite3.connect(data_dir / "node.sqlite3")
    assert not db.execute("SELECT name FROM sqlite_master WHERE name = 'slivers'").fetchall()
    db.close()


def test_writes_queued_during_a_commit_are_committed_together(tmp_path: Path):
    """Group commit: the writes queued while a commit runs go into the next transaction, one
    sync for all of them, and each is acknowledged only after that commit."""
    import concurrent.futures

    from morsa.node.store import NodeStore

    store = NodeStore(tmp_path / "node.sqlite3")
    try:
        release = threading.Event()
        blocker = threading.Thread(target=store._write, args=([], release.wait))
        blocker.start()
        wait_until(lambda: store.commits == 1, 10, 0.01)  # the writer now waits inside `after`
        encoded = morsa.encode(blob_bytes(3, 2000), N_SHARDS)
        with concurrent.futures.ThreadPoolExecutor(N_SHARDS) as pool:
            try:
                futures = [
                    pool.submit(store.put_sliver, encoded.blob_id, i, "primary", encoded.sliver("primary", i).to_bytes())
                    for i in range(N_SHARDS)
                ]
                wait_until(lambda: store._queue.qsize() == N_SHARDS, 10, 0.01)
                assert not any(f.done() for f in futures)  # nothing acknowledged before its commit
            finally:
                release.set()
            assert all(f.result(10) for f in futures)
        blocker.join(10)
        assert store.commits == 2 and store.writes == 1 + N_SHARDS
        assert store.stored_slivers(encoded.blob_id) == {(i, "primary") for i in range(N_SHARDS)}
    finally:
        store.close()


def test_uploads_beyond_the_bytes_in_flight_are_refused_at_once(tmp_path: Path):
    """Back-pressure: while an upload holds the node's budget of bytes in flight, another one
    is answered 503 OVERLOADED with Retry-After at once (not queued); then it goes through."""
    network = Network(tmp_path)
    encoded = morsa.encode(blob_bytes(17, 6000), N_SHARDS)
    blob_id = encoded.blob_id
    try:
        config = network.config(0)
        limit = len(encoded.sliver("primary", 0).to_bytes()) + 10
        network.servers[0] = ServerThread(
            create_app(NodeConfig.from_dict({**config.__dict__, "max_upload_bytes_in_flight": limit})), network.ports[0]
        ).start()
        network.chain.register(blob_id, 6000)
        http, url = network.http, network.urls[0]
        assert http.put(f"{url}/v1/blobs/{blob_id}/metadata", content=encoded.metadata.metadata_bytes()).status_code == 201
        pair = network.pairs_of(blob_id, 0)[0]
        body = encoded.sliver("primary", pair).to_bytes()
        with socket.create_connection(("127.0.0.1", network.ports[0]), timeout=10) as slow:
            # An upload whose body has not all arrived holds its declared size.
            slow.sendall(
                f"PUT /v1/blobs/{blob_id}/slivers/{pair}/primary HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            time.sleep(0.3)
            r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/secondary",
                         content=encoded.sliver("secondary", N_SHARDS - 1 - pair).to_bytes())
            assert_error(r, 503, "OVERLOADED")
            assert r.headers["retry-after"] == "1"
            slow.sendall(body[10:])
            assert slow.recv(4096).startswith(b"HTTP/1.1 201")
        r = http.put(f"{url}/v1/blobs/{blob_id}/slivers/{pair}/secondary",
                     content=encoded.sliver("secondary", N_SHARDS - 1 - pair).to_bytes())
        assert r.status_code == 201, r.text
    finally:
        network.close()


def test_the_scrubber_finds_corruption_at_rest_and_recovers_it(tmp_path: Path):
    """Regression (issue: corruption was found only when a sliver was read): a sliver corrupted
    on disk, never requested, is found by the background scrubber and recovered."""
    network = Network(tmp_path)
    encoded = morsa.encode(blob_bytes(19, 5000), N_SHARDS)
    blob_id = encoded.blob_id
    try:
        for i in range(len(network.shards)):
            config = {**network.config(i).__dict__, "scrub_interval_s": 0.2, "scrub_bytes_per_s": 1 << 30}
            network.servers[i] = ServerThread(create_app(NodeConfig.from_dict(config)), network.ports[i]).start()
        network.chain.register(blob_id, 5000)
        network.upload(encoded)
        network.chain.certify(blob_id)
        pair = network.pairs_of(blob_id, 0)[0]
        assert corrupt_stored_slivers(tmp_path / "node-0", blob_id, pair, 1) == [(pair, 1)]
        health = f"{network.urls[0]}/v1/health"
        wait_until(lambda: network.http.get(health).json()["success"]["data"]["scrub"]["corrupt"] >= 1, 30, 0.1)
        expected = encoded.sliver("secondary", N_SHARDS - 1 - pair).to_bytes()
        sliver_url = f"{network.urls[0]}/v1/blobs/{blob_id}/slivers/{pair}/secondary"
        wait_until(lambda: network.http.get(sliver_url).content == expected, 30, 0.1)
    finally:
        network.close()
