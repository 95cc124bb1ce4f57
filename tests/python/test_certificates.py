"""Keys, protocol messages, committees and certificates from Python (SPEC §10)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import morsa
from morsa import (
    Certificate,
    CertificateBuilder,
    CertificateError,
    Committee,
    CommitteeError,
    InvalidBlobIdMessage,
    MorsaError,
    SignatureError,
    SigningKey,
    StorageConfirmation,
    WireFormatError,
)

BLOB_ID = morsa.blob_id(b"certified blob", 10)
BLOB_ID_BYTES = morsa._native.parse_blob_id_bytes(BLOB_ID)

# RFC 8032 §7.1, tests 1-3: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


def keys(n: int) -> list[SigningKey]:
    return [SigningKey(struct.pack("<Q", i + 1) + bytes(23) + b"\x5a") for i in range(n)]


def committee(epoch: int, weights: list[int]) -> tuple[Committee, list[SigningKey]]:
    ks = keys(len(weights))
    members, nxt = [], 0
    for k, w in zip(ks, weights):
        members.append((k.public_key, list(range(nxt, nxt + w))))
        nxt += w
    return Committee(epoch, members), ks


def certify(c: Committee, ks: list[SigningKey], signers: list[int], message: bytes) -> Certificate:
    bitmap = bytearray((c.n_members + 7) // 8)
    sigs = b""
    for i in sorted(signers):
        bitmap[i // 8] |= 1 << (i % 8)
        sigs += ks[i].sign(message)
    return Certificate(bytes(bitmap), message, sigs)


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(secret, public, message, signature):
    key = SigningKey(bytes.fromhex(secret))
    assert key.public_key.hex() == public
    sig = key.sign(bytes.fromhex(message))
    assert sig.hex() == signature
    assert morsa.verify_signature(key.public_key, bytes.fromhex(message), sig)
    assert not morsa.verify_signature(key.public_key, bytes.fromhex(message) + b"x", sig)
    forged = bytes([sig[0] ^ 1]) + sig[1:]
    assert not morsa.verify_signature(key.public_key, bytes.fromhex(message), forged)


def test_key_errors():
    with pytest.raises(ValueError):
        SigningKey(bytes(32))  # the all-zero seed
    with pytest.raises(ValueError):
        SigningKey(b"short")
    with pytest.raises(ValueError):
        morsa.verify_signature(b"\x01" * 31, b"m", bytes(64))


def test_message_layouts():
    """SPEC §10.1."""
    epoch = 0x01020304
    permanent = StorageConfirmation(epoch, BLOB_ID).to_bytes()
    assert permanent == bytes([1, 0, 3]) + struct.pack("<I", epoch) + BLOB_ID_BYTES + b"\x00"
    assert len(permanent) == 40
    deletable = StorageConfirmation(epoch, BLOB_ID, b"\x07" * 32)
    assert deletable.to_bytes() == permanent[:39] + b"\x01" + b"\x07" * 32
    assert len(deletable.to_bytes()) == 72
    assert deletable.deletable and deletable.object_id == b"\x07" * 32
    invalid = InvalidBlobIdMessage(epoch, BLOB_ID).to_bytes()
    assert invalid == bytes([2, 0, 3]) + struct.pack("<I", epoch) + BLOB_ID_BYTES
    assert len(invalid) == 39
    assert StorageConfirmation.from_bytes(permanent) == StorageConfirmation(epoch, BLOB_ID)
    assert StorageConfirmation.from_bytes(deletable.to_bytes()) == deletable
    assert InvalidBlobIdMessage.from_bytes(invalid).blob_id == BLOB_ID


def test_messages_reject_wrong_intent_truncation_and_trailing_bytes():
    permanent = StorageConfirmation(5, BLOB_ID).to_bytes()
    for i, value in [(0, 2), (1, 1), (2, 0)]:
        bad = bytearray(permanent)
        bad[i] = value
        with pytest.raises(WireFormatError):
            StorageConfirmation.from_bytes(bytes(bad))
    with pytest.raises(WireFormatError):
        InvalidBlobIdMessage.from_bytes(permanent)
    for n in range(len(permanent)):
        with pytest.raises(WireFormatError):
            StorageConfirmation.from_bytes(permanent[:n])
    with pytest.raises(WireFormatError):
        StorageConfirmation.from_bytes(permanent + b"\x00")
    with pytest.raises(MorsaError):
        StorageConfirmation(5, "not a blob id")


def test_committee_validation_and_bytes():
    ks = keys(4)
    pk = [k.public_key for k in ks]
    c = Committee(2, [(pk[0], [0, 1]), (pk[1], [2]), (pk[2], [3])])
    assert (c.epoch, c.n_shards, c.n_members) == (2, 4, 3)
    assert c.weight(0) == 2 and c.shard_owner(3) == 2 and c.member_index(pk[1]) == 1
    assert c.member_index(pk[3]) is None
    assert Committee.from_bytes(c.to_bytes()) == c
    bad = [
        [(pk[0], [0, 1]), (pk[1], [2])],  # 3 shards
        [(pk[0], [0, 1]), (pk[1], [2]), (pk[2], [2])],  # shard 2 twice
        [(pk[0], [0, 1]), (pk[1], [2]), (pk[2], [4])],  # shard 4 out of range
        [(pk[0], [0, 1]), (pk[1], [2, 3]), (pk[2], [])],  # no shards
        [(pk[0], [0, 1]), (pk[1], [2]), (pk[0], [3])],  # repeated key
    ]
    for members in bad:
        with pytest.raises(CommitteeError):
            Committee(2, members)
    with pytest.raises(CommitteeError):
        Committee.from_bytes(c.to_bytes() + b"\x00")
    with pytest.raises(ValueError):
        Committee(2, [(b"\x01" * 31, [0, 1, 2, 3])])


@pytest.mark.parametrize(
    "weights",
    [[1] * 4, [1] * 7, [1] * 10, [1] * 1000, [3, 1, 2, 4], [300, 200, 100, 50, 25, 12, 6, 3, 2, 1, 1]],
    ids=lambda w: f"{len(w)}members-{sum(w)}shards",
)
def test_quorum_boundaries(weights):
    """A certificate at exactly the threshold passes; one shard less fails (SPEC §10.3)."""
    c, ks = committee(9, weights)
    n = c.n_shards
    for message, required in [
        (StorageConfirmation(9, BLOB_ID), -(-(2 * n + 1) // 3)),
        (InvalidBlobIdMessage(9, BLOB_ID), -(-(n + 1) // 3)),
    ]:
        for target in (required, required - 1):
            order = sorted(range(len(weights)), key=lambda i: -weights[i])
            signers, w = [], 0
            for i in order:
                if w + weights[i] <= target:
                    signers.append(i)
                    w += weights[i]
            assert w == target
            cert = certify(c, ks, signers, message.to_bytes())
            if target == required:
                verified = cert.verify(c)
                assert verified.signer_weight == required
                assert verified.kind == ("confirmation" if isinstance(message, StorageConfirmation) else "invalid_blob")
                assert verified.blob_id == BLOB_ID and verified.epoch == 9
            else:
                with pytest.raises(CertificateError, match=f"{target} of {n} shards, {required} are needed"):
                    cert.verify(c)


def test_forged_duplicated_out_of_range_and_wrong_epoch():
    c, ks = committee(4, [1] * 10)
    msg = StorageConfirmation(4, BLOB_ID).to_bytes()
    good = certify(c, ks, list(range(7)), msg)
    assert good.verify(c).n_signers == 7
    # Forged: a flipped bit in one signature.
    sigs = b"".join(good.signatures)
    forged = Certificate(good.signers, msg, sigs[:5] + bytes([sigs[5] ^ 1]) + sigs[6:])
    with pytest.raises(SignatureError):
        forged.verify(c)
    # Someone else's signature in a member's slot.
    swapped = Certificate(good.signers, msg, ks[9].sign(msg) + sigs[64:])
    with pytest.raises(SignatureError):
        swapped.verify(c)
    # A signature count that does not match the bitmap.
    with pytest.raises(CertificateError, match="signature"):
        Certificate(good.signers, msg, sigs + ks[7].sign(msg)).verify(c)
    # Stray bits past the last member.
    stray = bytearray(good.signers)
    stray[1] |= 0x80
    with pytest.raises(CertificateError, match="not a member"):
        Certificate(bytes(stray), msg, sigs + bytes(64)).verify(c)
    with pytest.raises(CertificateError, match="bitmap"):
        Certificate(good.signers + b"\x00", msg, sigs).verify(c)
    # Signed for another epoch.
    other_epoch = StorageConfirmation(5, BLOB_ID).to_bytes()
    with pytest.raises(CertificateError, match="epoch 5"):
        certify(c, ks, list(range(7)), other_epoch).verify(c)


def test_builder():
    c, ks = committee(8, [2, 1, 1, 3, 3])
    message = StorageConfirmation(8, BLOB_ID)
    msg = message.to_bytes()
    b = CertificateBuilder(c, message)
    assert b.message_bytes == msg and b.required_weight == 7 and b.missing_weight == 7
    with pytest.raises(CertificateError, match="0 of 10 shards"):
        b.finish()
    assert b.add(3, msg, ks[3].sign(msg)) is True
    assert b.add(3, msg, ks[3].sign(msg)) is False  # duplicate
    with pytest.raises(SignatureError):
        b.add(4, msg, ks[0].sign(msg))
    with pytest.raises(CertificateError):
        b.add(4, StorageConfirmation(9, BLOB_ID).to_bytes(), ks[4].sign(msg))
    with pytest.raises(CertificateError):
        b.add(5, msg, ks[4].sign(msg))
    assert b.weight == 3 and not b.is_complete
    assert b.add_by_key(ks[4].public_key, msg, ks[4].sign(msg))
    assert b.add(1, msg, ks[1].sign(msg))
    assert b.is_complete and b.missing_weight == 0
    cert = b.finish()
    assert cert.signer_indices == [1, 3, 4]
    assert Certificate.from_bytes(cert.to_bytes()) == cert
    assert cert.verify(c).signer_weight == 7
    with pytest.raises(CertificateError, match="epoch"):
        CertificateBuilder(c, StorageConfirmation(7, BLOB_ID))
    with pytest.raises(TypeError):
        CertificateBuilder(c, b"raw bytes")


def test_invalid_blob_certificate_needs_validity_weight():
    c, ks = committee(3, [1] * 10)
    message = InvalidBlobIdMessage(3, BLOB_ID)
    b = CertificateBuilder(c, message)
    assert b.required_weight == 4
    for i in range(4):
        b.add(i, message.to_bytes(), ks[i].sign(message.to_bytes()))
    assert b.finish().verify(c).kind == "invalid_blob"


_C, _KS = committee(3, [2, 1, 1, 3, 3])
_CERT = certify(_C, _KS, [0, 3, 4], StorageConfirmation(3, BLOB_ID).to_bytes()).to_bytes()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=5), st.integers(0, 10_000))
def test_mutated_certificates_raise_only_morsa_errors(flips, cut):
    data = bytearray(_CERT)
    for at, value in flips:
        data[at % len(data)] ^= value
    data = bytes(data[: cut % (len(data) + 1)])
    try:
        cert = Certificate.from_bytes(data)
    except MorsaError:
        return
    assert cert.to_bytes() == data
    if data != _CERT:
        with pytest.raises(MorsaError):
            cert.verify(_C)
