"""A network whose committee certifies with BLS12-381, as Walrus's (``morsa devnet up
--signatures bls``): nodes register BLS keys with proofs of possession, the control plane
verifies Walrus's ``ProtocolMessageCertificate`` (an aggregate signature over the members'
confirmations) and nothing else, and the relay answers with the aggregate. The network tests
(test_network.py) run on such a devnet too; the official SDK's side is
bindings-wasm/tests/sdk.bls.devnet.test.mjs.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import morsa
from morsa import _native
from morsa.chain import ChainConfig, NodeSpec, create_app
from morsa.chain.state import ChainState
from morsa.devnet import Devnet
from morsa.net.accounts import Account
from morsa.net.committee import CommitteeView
from morsa.net.control import HttpControlPlane
from morsa.net.errors import ApiError, RemoteError
from morsa.net.relay import certificate_json, parse_relay_answer
from morsa.net.server import serve_in_thread
from morsa.net.sync import run_sync
from morsa.node.config import bls_key_of_seed
from morsa.walrus_certificates import BlsCertificate, BlsSigningKey

N_SHARDS = 20
ADMIN = "admin-token"


def bls_spec(i: int, seed: bytes, epoch: int = 0) -> NodeSpec:
    public_key = morsa.SigningKey(seed).public_key
    key = bls_key_of_seed(seed)
    return NodeSpec(
        f"node-{i}", f"http://127.0.0.1:{1000 + i}", public_key, 100_000 * 10**9,
        bls_public_key=key.public_key, bls_proof_of_possession=key.proof_of_possession(epoch, public_key),
    )


def config(tmp_path: Path, nodes: list[NodeSpec]) -> ChainConfig:
    return ChainConfig(
        data_dir=str(tmp_path / "chain"), admin_token=ADMIN, n_shards=N_SHARDS, faucet=True, signature_scheme="bls12381", nodes=nodes
    )


@pytest.fixture
def seeds() -> list[bytes]:
    return [os.urandom(32) for _ in range(4)]


@pytest.fixture
def chain(tmp_path: Path, seeds: list[bytes]) -> Iterator[str]:
    with serve_in_thread(create_app(config(tmp_path, [bls_spec(i, s) for i, s in enumerate(seeds)]))) as url:
        yield url


def test_genesis_takes_only_bls_keys_with_a_proof_of_possession(tmp_path: Path, seeds: list[bytes]) -> None:
    good = [bls_spec(i, s) for i, s in enumerate(seeds)]
    # A key without a proof; a proof made by another key (a rogue key: the sum of others'
    # keys cannot sign it); a proof for another address; a proof for another epoch.
    rogue_key = BlsSigningKey.from_ikm(os.urandom(32))
    cases: list[tuple[NodeSpec, str]] = [
        (NodeSpec("n", "http://127.0.0.1:1", good[0].public_key, 1, bls_public_key=good[0].bls_public_key), "BLS_KEY_REQUIRED"),
        (
            NodeSpec(
                "n", "http://127.0.0.1:1", good[0].public_key, 1, bls_public_key=good[1].bls_public_key,
                bls_proof_of_possession=rogue_key.proof_of_possession(0, good[0].public_key),
            ),
            "INVALID_PROOF_OF_POSSESSION",
        ),
        (
            NodeSpec(
                "n", "http://127.0.0.1:1", good[0].public_key, 1, bls_public_key=good[0].bls_public_key,
                bls_proof_of_possession=good[1].bls_proof_of_possession,
            ),
            "INVALID_PROOF_OF_POSSESSION",
        ),
        (bls_spec(0, seeds[0], epoch=5), "INVALID_PROOF_OF_POSSESSION"),
    ]
    for i, (bad, reason) in enumerate(cases):
        state = ChainState(tmp_path / f"state-{i}.sqlite3")
        with pytest.raises(ApiError) as refused:
            state.genesis(config(tmp_path, [bad, *good[1:]]))
        assert refused.value.reason == reason
        assert not state.initialized


def test_the_committee_and_certificates_of_a_bls_network(chain: str, seeds: list[bytes]) -> None:
    control = HttpControlPlane(chain, timeout=30)
    view = run_sync(control.committee(fresh=True))
    assert view.scheme == "bls12381"
    keys = {m.public_key: bls_key_of_seed(s) for s in seeds for m in view.members if m.public_key == morsa.SigningKey(s).public_key}
    assert all(m.bls_public_key == keys[m.public_key].public_key for m in view.members)
    payer = Account.generate()
    run_sync(control.faucet(payer.address, 10**15, ADMIN))
    metadata = morsa.compute_metadata(os.urandom(5000), view.n_shards)
    run_sync(control.register_blob(metadata, epochs_ahead=2, deletable=False, account=payer))
    confirmation = morsa.StorageConfirmation(view.epoch, metadata.blob_id, None)
    message = confirmation.to_bytes()

    # Morsa's Ed25519 certificate of the same message, signed by every member: not this network's.
    ed_builder = morsa.CertificateBuilder(view.committee, confirmation)
    for s in seeds:
        ed_builder.add_by_key(morsa.SigningKey(s).public_key, message, morsa.SigningKey(s).sign(message))
    with pytest.raises(RemoteError) as refused:
        run_sync(control.certify_blob(metadata.blob_id, ed_builder.finish().to_bytes()))
    assert refused.value.reason == "INVALID_CERTIFICATE"

    # The view's builder is the aggregating BLS one; a signature by the wrong key is dropped.
    builder = view.certificate_builder(confirmation)
    assert isinstance(builder, morsa.walrus_certificates.BlsCertificateBuilder)
    first, *others = view.members
    with pytest.raises(morsa.SignatureError):
        builder.add(first.index, message, keys[others[0].public_key].sign(message))
    for m in view.members:
        builder.add(m.index, message, keys[m.public_key].sign(message))
        if builder.is_complete:
            break
    certificate = builder.finish().to_bytes()
    assert view.verify_certificate(certificate, "confirmation").blob_id == metadata.blob_id
    # A flipped bit in the aggregate: refused; the certificate itself: certified.
    forged = bytearray(certificate)
    forged[-5] ^= 1
    with pytest.raises(RemoteError) as refused:
        run_sync(control.certify_blob(metadata.blob_id, bytes(forged)))
    assert refused.value.reason == "INVALID_CERTIFICATE"
    certified = run_sync(control.certify_blob(metadata.blob_id, certificate))
    assert certified["certifiedEpoch"] == view.epoch
    run_sync(control.close())


def test_a_node_joins_a_bls_network_with_a_proof_for_the_current_epoch(chain: str) -> None:
    seed = os.urandom(32)
    spec = bls_spec(9, seed, epoch=1)  # genesis ran the first epoch change: epoch 1

    def add(**overrides: object) -> httpx.Response:
        body = {
            "name": "node-9", "url": spec.url, "public_key": base64.b64encode(spec.public_key).decode(), "stake": 0,
            "bls_public_key": base64.b64encode(spec.bls_public_key or b"").decode(),
            "bls_proof_of_possession": base64.b64encode(spec.bls_proof_of_possession or b"").decode(),
            **overrides,
        }
        body = {k: v for k, v in body.items() if v is not None}
        return httpx.post(f"{chain}/v1/admin/nodes", json=body, headers={"authorization": f"Bearer {ADMIN}"}, timeout=30)

    stale = bls_spec(9, seed, epoch=0).bls_proof_of_possession or b""
    assert add(bls_proof_of_possession=base64.b64encode(stale).decode()).json()["error"]["details"][0]["reason"] == "INVALID_PROOF_OF_POSSESSION"
    assert add(bls_public_key=None, bls_proof_of_possession=None).json()["error"]["details"][0]["reason"] == "BLS_KEY_REQUIRED"
    assert add().status_code == 200


def test_the_relay_answers_with_the_aggregate_and_clients_rebuild_it() -> None:
    keys = [BlsSigningKey.from_ikm(bytes([i + 1]) * 32) for i in range(4)]
    members = [(k.public_key, w) for k, w in zip(keys, [3, 3, 2, 2])]
    blob_id = morsa.blob_id(b"relayed")
    confirmation = morsa.StorageConfirmation(3, blob_id, None)
    builder = _native.BlsCertificateBuilder(3, members, confirmation)
    for i in (0, 1, 3):
        builder.add(i, confirmation.to_bytes(), keys[i].sign(confirmation.to_bytes()))
    certificate = builder.finish()
    answer = certificate_json(blob_id, certificate.to_bytes(), "bls12381")
    # Exactly Walrus's ResponseType: no Morsa certificate beside, the aggregate in URL-safe base64.
    assert set(answer["confirmation_certificate"]) == {"signers", "serialized_message", "signature"}
    assert answer["confirmation_certificate"]["signers"] == [0, 1, 3]
    parsed = parse_relay_answer(answer)
    assert parsed.certificate is None and parsed.signature == certificate.signature
    assert BlsCertificate.from_bytes(parsed.bls_certificate()) == certificate
    assert BlsCertificate.from_bytes(parsed.bls_certificate()).verify(3, members, "confirmation").signer_weight == 8


def test_a_devnet_keeps_its_signature_scheme(tmp_path: Path) -> None:
    with pytest.raises(morsa.InvalidArgumentError):
        Devnet.create(tmp_path / "rsa", 4, 10, signatures="rsa")
    net = Devnet.create(tmp_path / "bls", 4, 10, signatures="bls")
    assert net.signature_scheme == "bls12381"
    chain = ChainConfig.load(Path(net.directory) / "chain.json")
    assert chain.signature_scheme == "bls12381"
    assert all(n.bls_public_key and n.bls_proof_of_possession for n in chain.nodes)
    # A BLS committee whose member has no BLS key is malformed (the control-plane client maps it).
    key = morsa.SigningKey(os.urandom(32)).public_key
    committee = base64.b64encode(morsa.Committee(1, [(key, [0, 1, 2, 3])]).to_bytes()).decode()
    member = {"public_key": base64.b64encode(key).decode(), "name": "n", "url": "http://127.0.0.1:1"}
    with pytest.raises(ValueError, match="no 48-byte BLS public key"):
        CommitteeView.from_json({"committee": committee, "signature_scheme": "bls12381", "members": [member]})
    assert CommitteeView.from_json({"committee": committee, "members": [member]}).scheme == "ed25519"
