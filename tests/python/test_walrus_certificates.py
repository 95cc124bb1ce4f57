"""Walrus's BLS12-381 certificates verified offline (morsa.walrus_certificates and
``morsa certificate``): a committee of BLS keys signs a storage confirmation; the aggregate is
accepted by Walrus's rules exactly when it should be, and every refusal says why. (Byte
compatibility with the official code: bindings-wasm/tests/bls.interop.test.mjs.)"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import morsa
from morsa import _native
from morsa.walrus_certificates import WalrusCommittee, verify_walrus_certificate

WEIGHTS = [30, 25, 20, 15, 10]  # 100 shards; a quorum is 67
EPOCH = 12
KEYS = [_native.BlsSigningKey.from_ikm(bytes([i + 1]) * 32) for i in range(len(WEIGHTS))]
BLOB_ID = morsa.blob_id(b"certified by BLS")
OBJECT_ID = bytes(range(32))


def walrus_shape_committee(epoch: int = EPOCH) -> dict:
    """The committee as Walrus's types have it: members with public_key and shard_ids."""
    members, first = [], 0
    for i, (key, weight) in enumerate(zip(KEYS, WEIGHTS, strict=True)):
        key_text = base64.b64encode(key.public_key).decode()
        members.append({"name": f"node-{i}", "public_key": key_text, "shard_ids": list(range(first, first + weight))})
        first += weight
    return {"epoch": epoch, "n_shards": first, "members": members}


def message(epoch: int = EPOCH) -> bytes:
    return morsa.StorageConfirmation(epoch, BLOB_ID, OBJECT_ID).to_bytes()


def aggregate(signers: list[int], signed: bytes | None = None) -> bytes:
    return _native.bls_aggregate([KEYS[i].sign(signed or message()) for i in signers])


def test_a_quorum_is_accepted_in_every_byte_form() -> None:
    committee = WalrusCommittee.from_json(walrus_shape_committee())
    assert committee.n_shards == 100 and [m.weight for m in committee.members] == WEIGHTS
    signature = aggregate([0, 1, 2])
    for form in (
        lambda b: b,
        lambda b: "0x" + b.hex(),
        lambda b: base64.b64encode(b).decode(),
        lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="),
        lambda b: list(b),
    ):
        verified = verify_walrus_certificate(form(signature), [0, 1, 2], form(message()), committee)
        assert (verified.kind, verified.blob_id, verified.object_id, verified.signer_weight, verified.n_signers) == (
            "confirmation", BLOB_ID, OBJECT_ID, 75, 3
        )
    bitmap = _native.signer_bitmap([0, 1, 2], 5)
    assert bitmap == b"\x07"
    assert verify_walrus_certificate(signature, "0x07", message(), committee).signer_weight == 75
    assert _native.bls_verify_aggregate([KEYS[i].public_key for i in (0, 1, 2)], message(), signature)


def test_every_refusal_says_why() -> None:
    committee = WalrusCommittee.from_json(walrus_shape_committee())
    with pytest.raises(morsa.CertificateError, match="hold 45 of 100 shards, 67 are needed"):
        verify_walrus_certificate(aggregate([2, 3, 4]), [2, 3, 4], message(), committee)
    with pytest.raises(morsa.CertificateError, match="signature verification failed"):
        verify_walrus_certificate(aggregate([0, 1]), [0, 1, 2], message(), committee)  # claims a signer it lacks
    with pytest.raises(morsa.CertificateError, match="epoch 13"):
        verify_walrus_certificate(aggregate([0, 1, 2], message(13)), [0, 1, 2], message(13), committee)
    with pytest.raises(morsa.CertificateError, match="not a member"):
        verify_walrus_certificate(aggregate([0, 1, 2]), "0x27", message(), committee)
    with pytest.raises(morsa.InvalidArgumentError, match="96 bytes"):
        verify_walrus_certificate(aggregate([0, 1, 2])[:-1], [0, 1, 2], message(), committee)
    with pytest.raises(morsa.InvalidArgumentError):
        WalrusCommittee.from_json({"epoch": 1, "members": [{"public_key": "0x00", "weight": 1}]})


def test_the_cli_verifies_and_converts(run_cli, tmp_path: Path) -> None:
    walrus = tmp_path / "walrus-committee.json"
    walrus.write_text(json.dumps(walrus_shape_committee()))
    r = run_cli("certificate", "committee", walrus)
    assert r.returncode == 0, r.stderr
    snapshot = tmp_path / "committee.json"
    snapshot.write_text(r.stdout)
    assert [m["weight"] for m in json.loads(r.stdout)["members"]] == WEIGHTS
    # Walrus's ConfirmationCertificate shape: signer indices, the message as numbers.
    cert = tmp_path / "certificate.json"
    signature = base64.b64encode(aggregate([0, 1, 2])).decode()
    cert.write_text(json.dumps({"signers": [0, 1, 2], "serialized_message": list(message()), "signature": signature}))
    r = run_cli("certificate", "verify", "--committee", snapshot, "--certificate", cert, "--json")
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["accepted"] is True and answer["blob_id"] == BLOB_ID and answer["signer_weight"] == 75
    r = run_cli(
        "certificate", "verify", "--committee", walrus, "--signature", "0x" + aggregate([3, 4]).hex(), "--signers", "[3, 4]",
        "--message", "0x" + message().hex(),
    )
    assert r.returncode == 1 and "REFUSED" in r.stdout and "25 of 100 shards" in r.stdout, r.stdout + r.stderr
    r = run_cli("certificate", "verify", "--committee", snapshot, "--signature", "zz", "--signers", "[0]", "--message", "0x00")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
