"""Accounts: Ed25519 key pairs (the core's), and the signed, replay-protected requests with which
an account pays on the control plane.

An account's address is ``0x`` and the 64 hex digits of its Ed25519 public key. A paid call
(registering a blob) carries three headers::

    X-Morsa-Account:   0x<public key hex>
    X-Morsa-Nonce:     <milliseconds since the epoch>.<16 random hex digits>
    X-Morsa-Signature: <standard base64 of the 64-byte Ed25519 signature>

over the bytes of :func:`request_message`: a domain tag, the method, the path, the nonce and
the SHA-256 of the body. The control plane accepts a nonce once, and only within
:data:`NONCE_WINDOW_MS` of its clock: a request cannot be replayed, nor another one forged,
and concurrent requests of one account need no ordering.

A key file holds the 32-byte seed as 64 hex digits (mode 0600), as storage-node configs do.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from .. import _native
from .errors import ApiError

NONCE_WINDOW_MS: int = _native.NONCE_WINDOW_MS
"""How far a request's nonce time may be from the control plane's clock (5 minutes)."""

HEADER_ACCOUNT = "X-Morsa-Account"
HEADER_NONCE = "X-Morsa-Nonce"
HEADER_SIGNATURE = "X-Morsa-Signature"


def address_of(public_key: bytes) -> str:
    """The address of an account: ``0x`` and the hex of its 32-byte Ed25519 public key."""
    return "0x" + public_key.hex()


def public_key_of(address: str) -> bytes | None:
    """The public key of an address, or None when ``address`` is not one."""
    if not address.startswith("0x") or len(address) != 66:
        return None
    try:
        return bytes.fromhex(address[2:])
    except ValueError:
        return None


def request_message(method: str, path: str, nonce: str, body: bytes) -> bytes:
    """The bytes an account signs for a request: domain tag, method, path, nonce, SHA-256 of
    the body, one per line (the rule is the core's ``auth::request_message``)."""
    return _native.request_message(method, path, nonce, body)


@dataclass(frozen=True)
class Account:
    """An account's key pair. Create one with :meth:`generate`, :meth:`from_seed` or
    :meth:`load` (a key file)."""

    key: _native.SigningKey

    @property
    def public_key(self) -> bytes:
        return self.key.public_key

    @property
    def address(self) -> str:
        """``0x`` and the hex of the public key."""
        return address_of(self.key.public_key)

    @staticmethod
    def from_seed(seed: bytes) -> Account:
        """The account of a 32-byte seed. Raises :class:`morsa.CertificateError` for a seed
        the core refuses (all zeros) and ``ValueError`` for a wrong length."""
        if len(seed) != 32:
            raise ValueError(f"an account seed is 32 bytes, not {len(seed)}")
        return Account(_native.SigningKey(seed))

    @staticmethod
    def generate() -> Account:
        """A new random account."""
        return Account.from_seed(secrets.token_bytes(32))

    @staticmethod
    def load(path: str | os.PathLike[str]) -> Account:
        """The account of a key file (64 hex digits). Raises ``OSError`` when it cannot be read
        and :class:`morsa.InvalidArgumentError` (a ``ValueError``) when it is not a key file."""
        text = Path(path).read_text().strip()
        try:
            seed = bytes.fromhex(text)
        except ValueError:
            raise _native.InvalidArgumentError(f"{path}: not a key file (64 hex digits)") from None
        if len(seed) != 32:
            raise _native.InvalidArgumentError(f"{path}: not a key file (64 hex digits)")
        return Account.from_seed(seed)

    def save(self, path: str | os.PathLike[str], seed: bytes) -> None:
        """Write ``seed`` (this account's) to a new key file, readable by its owner only."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(seed.hex() + "\n")

    def sign_request(self, method: str, path: str, body: bytes) -> dict[str, str]:
        """The headers that authenticate a request as this account's (see the module docs)."""
        nonce = f"{time.time_ns() // 1_000_000}.{secrets.token_hex(8)}"
        signature = self.key.sign(request_message(method, path, nonce, body))
        return {HEADER_ACCOUNT: self.address, HEADER_NONCE: nonce, HEADER_SIGNATURE: base64.b64encode(signature).decode()}


def new_key_file(path: str | os.PathLike[str]) -> Account:
    """Create a key file with a new random account (the file must not exist)."""
    seed = secrets.token_bytes(32)
    account = Account.from_seed(seed)
    account.save(path, seed)
    return account


def verify_request(headers: dict[str, str], method: str, path: str, body: bytes, now_ms: int) -> tuple[str, str]:
    """The ``(address, nonce)`` of a signed request, after checking its signature and that its
    nonce's time is within :data:`NONCE_WINDOW_MS` of ``now_ms`` (the caller checks that the
    nonce was not used before). Raises :class:`~morsa.net.errors.ApiError` 401
    ``UNAUTHENTICATED``, with the reason in the message."""
    address, nonce, signature_text = (headers.get(h.lower()) for h in (HEADER_ACCOUNT, HEADER_NONCE, HEADER_SIGNATURE))
    if not address or not nonce or not signature_text:
        raise ApiError(
            401, "UNAUTHENTICATED", f"a paid call is signed by its account: {HEADER_ACCOUNT}, {HEADER_NONCE} and {HEADER_SIGNATURE}"
        )
    public_key = public_key_of(address)
    if public_key is None:
        raise ApiError(401, "UNAUTHENTICATED", f"{address!r} is not an account address (0x and 64 hex digits)")
    stamp, dot, rest = nonce.partition(".")
    if not dot or not stamp.isdigit() or not rest or len(nonce) > 64:
        raise ApiError(401, "UNAUTHENTICATED", "the nonce must be <milliseconds>.<random hex>")
    if abs(int(stamp) - now_ms) > NONCE_WINDOW_MS:
        raise ApiError(401, "UNAUTHENTICATED", "the nonce's time is too far from the control plane's clock")
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(401, "UNAUTHENTICATED", "the signature is not base64") from None
    if len(signature) != 64 or not _native.verify_signature(public_key, request_message(method, path, nonce, body), signature):
        raise ApiError(401, "UNAUTHENTICATED", "the signature does not verify for this account and request")
    return address, nonce


__all__ = [
    "HEADER_ACCOUNT",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "NONCE_WINDOW_MS",
    "Account",
    "address_of",
    "new_key_file",
    "public_key_of",
    "request_message",
    "verify_request",
]
