"""Seal-compatible encryption from Python (the cryptography is the core's; its compatibility
with the official @mysten/seal is bindings-wasm/tests/seal.interop.test.mjs)."""

from __future__ import annotations

import os

import pytest

import morsa
from morsa import seal


@pytest.fixture(scope="module")
def servers() -> tuple[list[seal.SealMasterKey], list[seal.KeyServerInfo]]:
    masters = [seal.SealMasterKey.from_seed(os.urandom(32)) for _ in range(3)]
    return masters, [seal.KeyServerInfo(os.urandom(32), m.public_key) for m in masters]


@pytest.mark.parametrize("dem", ["aes256gcm", "hmac256ctr"])
def test_encrypt_and_decrypt_with_any_two_of_three(servers, dem) -> None:
    masters, infos = servers
    package, inner = os.urandom(32), os.urandom(40)
    plaintext = os.urandom(100_003)
    obj, key = seal.encrypt(plaintext, infos, 2, package, inner, aad=b"meta", dem=dem)
    info = seal.parse(obj)
    assert (info.package_id, info.id, info.threshold, info.dem) == (package, inner, 2, dem)
    assert [s[0] for s in info.services] == [k.object_id for k in infos]
    usks = {i: m.user_secret_key(info.full_id) for i, m in enumerate(masters)}
    public_keys = [k.public_key for k in infos]
    for pair in ((0, 1), (0, 2), (1, 2)):
        assert seal.decrypt(obj, {i: usks[i] for i in pair}, public_keys) == plaintext
    assert all(seal.seal_verify_user_secret_key(usks[i], info.full_id, infos[i].public_key) for i in usks)
    with pytest.raises(morsa.VerificationError):
        seal.decrypt(obj, {0: usks[0]})  # below the threshold
    with pytest.raises(morsa.VerificationError):
        seal.decrypt(obj, {0: usks[0], 1: masters[1].user_secret_key(b"another identity")})
    tampered = bytearray(obj)
    tampered[-40] ^= 1
    with pytest.raises(morsa.VerificationError):
        seal.decrypt(bytes(tampered), {0: usks[0], 1: usks[1]})
    with pytest.raises(morsa.WireFormatError):
        seal.parse(obj[:50])
    assert len(key) == 32


def test_bad_arguments_are_typed_errors(servers) -> None:
    _, infos = servers
    with pytest.raises(morsa.InvalidArgumentError):
        seal.encrypt(b"x", infos, 4, os.urandom(32), b"id")
    with pytest.raises(morsa.InvalidArgumentError):
        seal.encrypt(b"x", [seal.KeyServerInfo(os.urandom(32), os.urandom(96))], 1, os.urandom(32), b"id")
    with pytest.raises(morsa.InvalidArgumentError):
        seal.encrypt(b"x", infos, 2, b"short", b"id")
    with pytest.raises(morsa.InvalidArgumentError):
        seal.SealMasterKey.from_bytes(bytes(32))


def test_key_responses_are_elgamal_in_g1() -> None:
    from morsa import _native

    reader_secret = seal.SealMasterKey.from_seed(os.urandom(32)).to_bytes()
    reader_public = _native.seal_elgamal_public_key(reader_secret)
    usk = seal.SealMasterKey.from_seed(os.urandom(32)).user_secret_key(b"identity")
    c0, c1 = _native.seal_elgamal_encrypt(os.urandom(32), reader_public, usk)
    assert _native.seal_elgamal_decrypt(reader_secret, c0, c1) == usk
    other = seal.SealMasterKey.from_seed(os.urandom(32)).to_bytes()
    assert _native.seal_elgamal_decrypt(other, c0, c1) != usk
