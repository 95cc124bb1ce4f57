"""Private blobs: Seal-compatible encryption (MystenLabs/seal; the TypeScript SDK ``@mysten/seal``).

An object is encrypted once, to *t of n* key servers, for an identity ``package ID ‖ id``; a
reader decrypts it with the user secret keys (``s·H(id)``, 48 bytes) of at least ``t`` of the
servers, each of which releases its key only to readers the identity's policy approves. The
format (BCS ``EncryptedObject``, version 0) and the cryptography (Boneh-Franklin IBE over
BLS12-381, Shamir sharing over GF(2⁸), AES-256-GCM or HMAC-SHA3-256 counter mode) are Seal's,
byte for byte: objects the official SDK encrypts decrypt here and the reverse
(``bindings-wasm/tests/seal.interop.test.mjs``). The rules live in the core
(``morsa_core::seal``); this module adds types and fresh randomness.

Sizes: AES-256-GCM and HMAC-CTR objects hold the whole ciphertext (Seal's format has no
streaming DEM); encrypt large files in chunks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from . import _native
from ._native import SealMasterKey, seal_verify_user_secret_key

DemName = Literal["aes256gcm", "hmac256ctr"]


@dataclass(frozen=True)
class KeyServerInfo:
    """A key server as encryption sees it: object ID (32 bytes) and public key (96 bytes, G2)."""

    object_id: bytes
    public_key: bytes


@dataclass(frozen=True)
class ObjectInfo:
    """What an ``EncryptedObject`` says of itself: the identity, the key servers with their
    share indices, the threshold, the DEM and the ciphertext's length in bytes."""

    package_id: bytes
    id: bytes
    services: list[tuple[bytes, int]]
    threshold: int
    dem: Literal["aes256gcm", "hmac256ctr", "plain"]
    ciphertext_len: int
    chunks: int = 1

    @property
    def full_id(self) -> bytes:
        """``package_id ‖ id``: what key servers derive keys for."""
        return self.package_id + self.id


def encrypt(
    plaintext: bytes,
    key_servers: list[KeyServerInfo],
    threshold: int,
    package_id: bytes,
    id: bytes,
    *,
    aad: bytes = b"",
    dem: DemName = "aes256gcm",
) -> tuple[bytes, bytes]:
    """Encrypt ``plaintext`` to ``key_servers`` with ``threshold`` for ``package_id ‖ id``.
    Returns ``(object, dem_key)``: the BCS object, and the key that alone decrypts it (keep it
    secret, or drop it). Raises :class:`morsa.InvalidArgumentError`."""
    servers = [(k.object_id, k.public_key) for k in key_servers]
    return _native.seal_encrypt(os.urandom(32), servers, threshold, package_id, id, plaintext, aad, dem)


def decrypt(object: bytes, keys: dict[int, bytes], public_keys: list[bytes] | None = None) -> bytes:
    """Decrypt with user secret keys by service index (at least the threshold); with
    ``public_keys`` (one per service) every share is checked too. Raises
    :class:`morsa.WireFormatError` or :class:`morsa.VerificationError` (too few or wrong keys,
    inconsistent shares, altered data)."""
    return _native.seal_decrypt(object, sorted(keys.items()), public_keys)


def parse(object: bytes) -> ObjectInfo:
    """The parts of an ``EncryptedObject``. Raises :class:`morsa.WireFormatError`."""
    return ObjectInfo(*_native.seal_parse(object))


__all__ = [
    "DemName",
    "KeyServerInfo",
    "ObjectInfo",
    "SealMasterKey",
    "decrypt",
    "encrypt",
    "parse",
    "seal_verify_user_secret_key",
]
