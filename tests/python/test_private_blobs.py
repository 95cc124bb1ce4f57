"""Private blobs on a devnet of real processes (docs/private-blobs.md): Seal encryption to three
key servers with threshold two, access policies on the control plane, and one test per claim of
the threat model:

* fewer than t key servers cannot decrypt; up to n − t may be down;
* a non-member, a removed member, a reader before the time lock, a lapsed subscriber (and anyone
  but the owner of an owner-only policy) are refused, with the reason;
* tampered ciphertext and tampered key responses are rejected;
* the blob ID is that of the ciphertext, so anyone can verify storage;
* a key server releases keys only to signed requests and only encrypted to the requester's key.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import morsa
from conftest import running_devnet
from morsa import _native
from morsa.client import Client
from morsa.devnet import Devnet
from morsa.net.accounts import Account
from morsa.net.errors import RemoteError
from morsa.net.keyservers import POLICY_PACKAGE_ID, KeyServerClient, fetch_key_body, key_server_object_id
from morsa.net.sync import run_sync
from morsa.net.transport import Http
from morsa.private import AccessDeniedError, PrivateBlobError, is_private_blob
from morsa.seal import ObjectInfo

N_NODES = 4
N_SHARDS = 20
SECRET = b"the quarterly numbers, before they are public\n" * 40


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    with running_devnet(tmp_path_factory.mktemp("devnet"), N_NODES, N_SHARDS) as devnet:
        yield devnet


def account_client(net: Devnet, funded: bool = True) -> Client:
    account = Account.generate()
    if funded:
        net.fund(account.address, 10**13)
    return net.client(account=account)


@pytest.fixture(scope="module")
def owner(net: Devnet) -> Client:
    return account_client(net)


def denied_reason(client: Client, blob_id: str) -> str:
    with pytest.raises(AccessDeniedError) as caught:
        client.private.read(blob_id)
    return caught.value.reason


def morsa_cli(net: Devnet, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MORSA_DEVNET_DIR": net.directory}
    return subprocess.run([sys.executable, "-m", "morsa", *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_devnet_publishes_three_key_servers_with_threshold_two(net: Devnet, owner: Client):
    servers = run_sync(owner.private.akey_servers())
    assert servers.threshold == 2 and len(servers.key_servers) == 3
    assert servers.package_id == POLICY_PACKAGE_ID
    for server in servers.key_servers:
        service = httpx.get(f"{server.url}/v1/service", timeout=10).json()["success"]["data"]
        assert base64.b64decode(service["public_key"]) == server.public_key
        assert bytes.fromhex(service["object_id"][2:]) == server.object_id == key_server_object_id(server.public_key)


def test_owner_only_policy_and_the_blob_id_is_the_ciphertexts(net: Devnet, owner: Client):
    stored = owner.private.store(SECRET, policy="owner:mine")
    ciphertext = owner.read(stored.blob_id)
    # Anyone can verify storage: the blob ID is that of the ciphertext, which reveals nothing.
    assert morsa.blob_id(ciphertext, N_SHARDS) == stored.blob_id
    assert SECRET[:40] not in ciphertext and is_private_blob(ciphertext, POLICY_PACKAGE_ID)
    info = ObjectInfo(*_native.seal_parse_blob(ciphertext))
    assert info.id[:32].hex() == stored.policy_id[2:] and info.threshold == 2 and len(info.services) == 3
    assert owner.private.read(stored.blob_id) == SECRET
    other = account_client(net)
    assert denied_reason(other, stored.blob_id) == "NOT_OWNER"


def test_allowlist_member_added_then_removed(net: Devnet, owner: Client):
    reader = account_client(net)
    stored = owner.private.store(SECRET, policy="allowlist:team")
    assert denied_reason(reader, stored.blob_id) == "NOT_A_MEMBER"
    owner.private.edit_members("allowlist:team", add=[reader.account.address])
    assert reader.private.read(stored.blob_id) == SECRET
    owner.private.edit_members("allowlist:team", remove=[reader.account.address])
    assert denied_reason(reader, stored.blob_id) == "NOT_A_MEMBER"
    # Only the owner edits the list.
    with pytest.raises(RemoteError) as caught:
        reader.private.edit_members(stored.policy_id, add=[reader.account.address])
    assert caught.value.status == 403 and caught.value.reason == "NOT_OWNER"


def test_time_lock_by_clock_and_by_epoch(net: Devnet, owner: Client):
    reader = account_client(net)
    unlock_ms = time.time_ns() // 1_000_000 + 10_000  # room for two stores on a loaded machine
    by_time = owner.private.store(SECRET, policy="timelock:soon", create={"unlock_ms": unlock_ms})
    epoch = owner.economy()["epoch"]
    by_epoch = owner.private.store(SECRET, policy="timelock:next-epoch", create={"unlock_epoch": epoch + 1})
    assert denied_reason(reader, by_time.blob_id) == "TIME_LOCKED"
    assert denied_reason(owner, by_epoch.blob_id) == "TIME_LOCKED"  # the owner waits too
    time.sleep(max(0.0, (unlock_ms - time.time_ns() // 1_000_000) / 1000) + 0.3)
    assert reader.private.read(by_time.blob_id) == SECRET
    net.advance_epoch()
    assert reader.private.read(by_epoch.blob_id) == SECRET


def test_subscription_pays_the_owner_and_lapses(net: Devnet, owner: Client):
    reader = account_client(net)
    stored = owner.private.store(SECRET, policy="subscription:news", create={"price": 5_000, "duration_epochs": 1})
    assert denied_reason(reader, stored.blob_id) == "NO_SUBSCRIPTION"
    before_owner, before_reader = owner.balance(), reader.balance()
    result = reader.private.subscribe(stored.policy_id)
    assert result["paid"] == 5_000 and reader.balance() == before_reader - 5_000 and owner.balance() == before_owner + 5_000
    assert reader.private.read(stored.blob_id) == SECRET
    net.advance_epoch()
    assert denied_reason(reader, stored.blob_id) == "SUBSCRIPTION_EXPIRED"
    poor = account_client(net, funded=False)
    with pytest.raises(RemoteError) as caught:
        poor.private.subscribe(stored.policy_id)
    assert caught.value.status == 402


def test_key_server_downtime_up_to_n_minus_t_does_not_block_readers(net: Devnet, owner: Client):
    stored = owner.private.store(SECRET, policy="owner:downtime")
    first, second = net.key_servers[0], net.key_servers[1]
    stranger = account_client(net)
    net.stop(first)
    try:
        assert owner.private.read(stored.blob_id) == SECRET  # 2 of 3 up
        assert denied_reason(stranger, stored.blob_id) == "NOT_OWNER"  # 2 refusals of 3: the threshold is out of reach
        net.stop(second)
        with pytest.raises(PrivateBlobError, match="1 of the 2 key servers needed answered") as caught:
            owner.private.read(stored.blob_id)  # fewer than t: no key
        assert not isinstance(caught.value, AccessDeniedError)
        # One refusal and two servers down decide nothing: an outage, with the refusal listed.
        with pytest.raises(PrivateBlobError, match="refused: only the owner") as caught:
            stranger.private.read(stored.blob_id)
        assert not isinstance(caught.value, AccessDeniedError)
    finally:
        net.start(first)
        net.start(second)
    assert owner.private.read(stored.blob_id) == SECRET


def test_tampered_key_responses_are_rejected(net: Devnet, owner: Client, monkeypatch: pytest.MonkeyPatch):
    stored = owner.private.store(SECRET, policy="owner:tamper")
    other = owner.private.store(SECRET, policy="owner:tamper")  # same policy, another identity
    other_id = ObjectInfo(*_native.seal_parse_blob(owner.read(other.blob_id))).id
    servers = run_sync(owner.private.akey_servers())
    swapped_urls = {servers.key_servers[0].url}
    flipped_urls: set[str] = set()
    genuine = KeyServerClient.fetch_keys

    async def tampering(self: KeyServerClient, account: Account, ids: list[bytes], reader_key: bytes) -> dict[bytes, tuple[bytes, bytes]]:
        if self.url in swapped_urls:
            # A valid key, genuinely encrypted to this reader: but another identity's.
            answer = await genuine(self, account, [other_id], reader_key)
            return {ids[0]: answer[other_id]}
        answer = await genuine(self, account, ids, reader_key)
        if self.url in flipped_urls:
            c0, c1 = answer[ids[0]]
            return {ids[0]: (c0, bytes([c1[0] ^ 0x01]) + c1[1:])}
        return answer

    monkeypatch.setattr(KeyServerClient, "fetch_keys", tampering)
    assert owner.private.read(stored.blob_id) == SECRET  # the two honest servers suffice
    flipped_urls.add(servers.key_servers[1].url)
    with pytest.raises(PrivateBlobError, match="does not verify") as caught:
        owner.private.read(stored.blob_id)
    assert str(caught.value).count("does not verify") == 2


def test_tampered_ciphertext_is_rejected(net: Devnet, owner: Client):
    stored = owner.private.store(SECRET, policy="owner:ciphertext")
    blob = owner.read(stored.blob_id)
    for at in (len(blob) - 1, len(blob) - 40, len(blob) // 2):
        changed = bytearray(blob)
        changed[at] ^= 0x20
        with pytest.raises(morsa.MorsaError):
            owner.private.decrypt(bytes(changed))


def test_chunked_private_blob_round_trip(net: Devnet, owner: Client):
    data = os.urandom(5000)
    policy = owner.private.policy("owner:mine")
    blob = run_sync(owner.private.aencrypt(data, bytes.fromhex(policy["policy_id"][2:]), chunk_len=1024))
    assert blob[:4] == b"MSCH" and ObjectInfo(*_native.seal_parse_blob(blob)).chunks == 5
    stored = owner.store(blob)
    assert owner.private.read(stored.blob_id) == data
    # A chunk cut out and stored as a blob of its own does not decrypt to part of the file.
    first_len = int.from_bytes(blob[9:13], "little")
    lone = owner.store(blob[13 : 13 + first_len])
    with pytest.raises(PrivateBlobError, match="not a private blob"):
        owner.private.read(lone.blob_id)


def test_key_server_protocol_refusals(net: Devnet, owner: Client):
    server = run_sync(owner.private.akey_servers()).key_servers[0]
    stored = owner.private.store(SECRET, policy="owner:protocol")
    inner_id = ObjectInfo(*_native.seal_parse_blob(owner.read(stored.blob_id))).id
    secret = _native.seal_reader_secret_key(os.urandom(32))
    body = fetch_key_body([inner_id], _native.seal_elgamal_public_key(secret))
    url = f"{server.url}/v1/fetch_key"
    with httpx.Client(timeout=10) as http:
        # Unsigned, signed by another request, malformed: refused before any policy check.
        assert http.post(url, content=body).status_code == 401
        headers = owner.account.sign_request("POST", "/v1/fetch_key", body + b" ")
        assert http.post(url, content=body, headers=headers).status_code == 401
        for bad in (b"{}", b"not json", json.dumps({"ids": ["zz"], "enc_key": "AAAA"}).encode()):
            r = http.post(url, content=bad, headers=owner.account.sign_request("POST", "/v1/fetch_key", bad))
            assert r.status_code == 400 and r.json()["error"]["details"][0]["reason"] == "INVALID_REQUEST", bad
        # The same signed request twice: the replay is refused.
        once = fetch_key_body([b"\x02" * 48], _native.seal_elgamal_public_key(secret))
        headers = owner.account.sign_request("POST", "/v1/fetch_key", once)
        assert http.post(url, content=once, headers=headers).status_code == 403  # UNKNOWN_POLICY, nonce now used
        r = http.post(url, content=once, headers=headers)
        assert r.status_code == 401 and "replayed" in r.json()["error"]["message"]
        # An identity of no policy: 403 with the reason.
        unknown = fetch_key_body([b"\x01" * 48], _native.seal_elgamal_public_key(secret))
        r = http.post(url, content=unknown, headers=owner.account.sign_request("POST", "/v1/fetch_key", unknown))
        assert r.status_code == 403 and r.json()["error"]["details"][0]["metadata"]["reason"] == "UNKNOWN_POLICY"
    # The answer is encrypted to the requester's key: another reader's secret does not open it.
    keys = run_sync(KeyServerClient(Http(timeout=10), server.url).fetch_keys(owner.account, [inner_id], _native.seal_elgamal_public_key(secret)))
    c0, c1 = keys[inner_id]
    full_id = POLICY_PACKAGE_ID + inner_id
    assert _native.seal_verify_user_secret_key(_native.seal_open_key_response(secret, c0, c1, full_id, server.public_key), full_id, server.public_key)
    with pytest.raises(morsa.MorsaError):
        _native.seal_open_key_response(_native.seal_reader_secret_key(os.urandom(32)), c0, c1, full_id, server.public_key)


def test_policy_api_errors_are_4xx(net: Devnet, owner: Client):
    chain = net.chain_url
    with httpx.Client(timeout=10) as http:
        assert http.get(f"{chain}/v1/policies/0x{'ab' * 32}").status_code == 404
        assert http.get(f"{chain}/v1/policies/nonsense").status_code == 404
        assert http.get(f"{chain}/v1/policies/access", params={"account": "0x12", "id": "00"}).status_code == 400
        assert http.get(f"{chain}/v1/policies/access", params={"account": owner.account.address, "id": "zz"}).status_code == 400
    for kind, params, reason in (
        ("timelock", {}, "INVALID_FIELD"),
        ("subscription", {"price": 1}, "INVALID_FIELD"),
        ("owner", {"members": [owner.account.address]}, "INVALID_FIELD"),
        ("nonsense", {}, "INVALID_FIELD"),
    ):
        with pytest.raises(RemoteError) as caught:
            owner.private.create_policy(kind, "bad", **params)
        assert caught.value.status == 400 and caught.value.reason == reason, kind
    owner.private.create_policy("allowlist", "kind-taken")
    with pytest.raises(RemoteError) as caught:
        owner.private.create_policy("owner", "kind-taken")
    assert caught.value.status == 409
    with pytest.raises(RemoteError) as caught:
        owner.private.subscribe("allowlist:kind-taken")
    assert caught.value.reason == "NOT_A_SUBSCRIPTION"


def test_cli_store_encrypt_read_and_refusal(net: Devnet, tmp_path: Path):
    source = tmp_path / "report.txt"
    source.write_bytes(SECRET)
    r = morsa_cli(net, "store", str(source), "--encrypt", "--policy", "allowlist:cli", "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    out = tmp_path / "report.out"
    r = morsa_cli(net, "read", record["blob_id"], "--out", str(out))
    assert r.returncode == 0 and "decrypted" in r.stdout and out.read_bytes() == SECRET, r.stderr
    # Another account: a one-line refusal with the reason, no traceback, no output file.
    key = tmp_path / "stranger.key"
    assert morsa_cli(net, "account", "new", str(key)).returncode == 0
    denied = tmp_path / "denied.out"
    r = morsa_cli(net, "read", record["blob_id"], "--out", str(denied), "--account", str(key))
    assert r.returncode == 2 and "not a member" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not denied.exists() and not list(tmp_path.glob(".denied.out*"))
    # --raw: the ciphertext, whose blob ID is the blob's.
    raw = tmp_path / "raw.out"
    assert morsa_cli(net, "read", record["blob_id"], "--out", str(raw), "--raw", "--account", str(key)).returncode == 0
    assert morsa.blob_id(raw.read_bytes(), N_SHARDS) == record["blob_id"]
    # Policy commands.
    address = Account.load(key).address
    r = morsa_cli(net, "policy", "add", "allowlist:cli", address)
    assert r.returncode == 0 and address in r.stdout, r.stderr
    assert morsa_cli(net, "read", record["blob_id"], "--out", str(denied), "--account", str(key)).returncode == 0
    assert denied.read_bytes() == SECRET
    r = morsa_cli(net, "policy", "list", "--json")
    assert any(p["name"] == "cli" and address in p["members"] for p in json.loads(r.stdout))
    # Through an aggregator: decrypted when the network is named, else the ciphertext and a note.
    via = tmp_path / "via-aggregator.out"
    r = morsa_cli(net, "read", record["blob_id"], "--aggregator", net.daemon_url, "--n-shards", str(N_SHARDS), "--out", str(via),
                  "--devnet", net.directory)
    assert r.returncode == 0 and "decrypted" in r.stdout and via.read_bytes() == SECRET, r.stderr
    env = {k: v for k, v in os.environ.items() if k != "MORSA_DEVNET_DIR"}
    r = subprocess.run(
        [sys.executable, "-m", "morsa", "read", record["blob_id"], "--aggregator", net.daemon_url, "--n-shards", str(N_SHARDS),
         "--out", str(via)], capture_output=True, text=True, env=env, timeout=120,
    )
    assert r.returncode == 0 and "private (encrypted) blob" in r.stderr, r.stderr
    assert morsa.blob_id(via.read_bytes(), N_SHARDS) == record["blob_id"]
    r = morsa_cli(net, "store", str(source), "--encrypt")
    assert r.returncode == 2 and "--policy" in r.stderr
    r = morsa_cli(net, "store", str(source), "--encrypt", "--policy", "timelock:x")
    assert r.returncode == 2 and "unlock" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_private_blob_errors_are_morsa_errors_exported_and_picklable():
    import pickle

    assert morsa.AccessDeniedError is AccessDeniedError and morsa.PrivateBlobError is PrivateBlobError
    assert issubclass(AccessDeniedError, PrivateBlobError) and issubclass(PrivateBlobError, morsa.MorsaError)
    again = pickle.loads(pickle.dumps(AccessDeniedError("not a member", "NOT_A_MEMBER")))
    assert type(again) is AccessDeniedError and again.reason == "NOT_A_MEMBER" and str(again) == "not a member"
    with pytest.raises(morsa.InvalidArgumentError):
        from morsa.private import parse_policy_spec

        parse_policy_spec("team")
