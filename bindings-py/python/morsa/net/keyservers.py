"""Seal key servers and access policies: the wire protocol (docs/private-blobs.md).

A private blob is encrypted (:mod:`morsa.seal`) for the identity ``package ID ‖ policy ID ‖
nonce``: the *package* is the network's policy package (:data:`POLICY_PACKAGE_ID`, Seal's Move
package that holds ``seal_approve``), the *policy ID* (32 bytes) names a policy object on the
control plane, the *nonce* (16 random bytes) makes the identity unique per blob. To read it, an
account asks at least ``threshold`` key servers for the identity's user secret key:

``POST /v1/fetch_key`` (signed by the account: ``X-Morsa-Account``, ``X-Morsa-Nonce``,
``X-Morsa-Signature`` over the method, path, nonce and SHA-256 of the body, as every paid call
of the control plane — :mod:`morsa.net.accounts`)::

    {"ids": ["<inner id hex>", …], "enc_key": "<base64 of the reader's 48-byte ElGamal key, G1>"}

answered, when the identity's policy approves the account for every ID, with Seal's shape::

    {"decryption_keys": [{"id": "<hex>", "encrypted_key": ["<base64 c0>", "<base64 c1>"]}, …]}

The key server asks the control plane (``GET /v1/policies/access``: Seal's dry run of
``seal_approve``) and answers 403 ``ACCESS_DENIED`` with the policy's reason otherwise. The
answer is encrypted to ``enc_key``, which the signature binds to the account: a replayed
request yields nothing to anyone else. The reader opens each answer and keeps it only if it is
the identity's key under that server's public key (``seal::open_key_response`` in the core).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from .accounts import Account
from .errors import RemoteError, TransportError, malformed_answer
from .transport import Http

POLICY_PACKAGE_ID: bytes = hashlib.sha256(b"morsa policy package v1").digest()
"""The package ID of Morsa's policies (32 bytes): the first half of every full ID."""
POLICY_ID_LEN = 32
"""Bytes of a policy object's ID, the first part of an inner identity."""
IDENTITY_NONCE_LEN = 16
"""Random bytes after the policy ID in a blob's inner identity."""
READER_KEY_LEN = 48
"""Bytes of a reader's ElGamal public key (compressed G1)."""
MAX_IDS_PER_REQUEST = 100
"""The most identities one ``fetch_key`` request may name."""

PolicyKind = Literal["owner", "allowlist", "timelock", "subscription"]
POLICY_KINDS: tuple[PolicyKind, ...] = ("owner", "allowlist", "timelock", "subscription")
"""The policies, named after Seal's examples: only the owner (``private_data``), an allowlist
the owner edits (``whitelist``), anyone after a time or epoch (``tle``), paying subscribers for
N epochs (``subscription``)."""

ACCESS_REASONS = ("NOT_OWNER", "NOT_A_MEMBER", "TIME_LOCKED", "NO_SUBSCRIPTION", "SUBSCRIPTION_EXPIRED", "UNKNOWN_POLICY")
"""Why a policy refuses an account: the ``reason`` of a 403 ``ACCESS_DENIED`` answer's metadata."""


def key_server_object_id(public_key: bytes) -> bytes:
    """A key server's object ID (32 bytes): SHA-256 of a tag and its public key, so that the
    control plane and the server name it alike."""
    return hashlib.sha256(b"morsa key server\x00" + public_key).digest()


def policy_identity(policy_id: bytes, nonce: bytes) -> bytes:
    """The inner identity of a blob under a policy: ``policy ID ‖ nonce``."""
    if len(policy_id) != POLICY_ID_LEN or len(nonce) != IDENTITY_NONCE_LEN:
        raise ValueError(f"a policy ID is {POLICY_ID_LEN} bytes and a nonce {IDENTITY_NONCE_LEN}")
    return policy_id + nonce


def policy_of_identity(inner_id: bytes) -> bytes | None:
    """The policy ID an inner identity names, or None when it is not ``policy ID ‖ nonce``."""
    return inner_id[:POLICY_ID_LEN] if len(inner_id) == POLICY_ID_LEN + IDENTITY_NONCE_LEN else None


def hex_id(value: bytes) -> str:
    """``0x`` and hex: how policy and object IDs are written."""
    return "0x" + value.hex()


def parse_hex_id(text: str, length: int = POLICY_ID_LEN) -> bytes | None:
    """The bytes of ``0x`` and ``2·length`` hex digits, or None."""
    if not isinstance(text, str) or not re.fullmatch(rf"0x[0-9a-fA-F]{{{2 * length}}}", text):
        return None
    return bytes.fromhex(text[2:])


@dataclass(frozen=True)
class KeyServer:
    """A key server as the control plane lists it: name, URL, object ID (32 bytes), public key
    (96 bytes, G2)."""

    name: str
    url: str
    object_id: bytes
    public_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "object_id": hex_id(self.object_id),
            "public_key": base64.b64encode(self.public_key).decode(),
        }

    @staticmethod
    def from_json(data: Any) -> KeyServer:
        object_id = parse_hex_id(data["object_id"])
        public_key = base64.b64decode(data["public_key"], validate=True)
        if object_id is None or len(public_key) != 96:
            raise ValueError("a key server has a 32-byte object ID and a 96-byte public key")
        return KeyServer(str(data["name"]), str(data["url"]).rstrip("/"), object_id, public_key)


@dataclass(frozen=True)
class KeyServerSet:
    """The network's key servers, the threshold encryption uses by default and the policy
    package (``GET /v1/key-servers``)."""

    package_id: bytes
    threshold: int
    key_servers: list[KeyServer]

    def to_json(self) -> dict[str, Any]:
        return {
            "package_id": hex_id(self.package_id),
            "threshold": self.threshold,
            "key_servers": [k.to_json() for k in self.key_servers],
        }

    @staticmethod
    def from_json(data: Any) -> KeyServerSet:
        package_id = parse_hex_id(data["package_id"])
        if package_id is None:
            raise ValueError("package_id is 0x and 64 hex digits")
        return KeyServerSet(package_id, int(data["threshold"]), [KeyServer.from_json(k) for k in data["key_servers"]])

    def by_object_id(self, object_id: bytes) -> KeyServer | None:
        return next((k for k in self.key_servers if k.object_id == object_id), None)


def fetch_key_body(ids: list[bytes], reader_public_key: bytes) -> bytes:
    """The JSON body of a ``fetch_key`` request (the bytes the account signs)."""
    return json.dumps({"ids": [i.hex() for i in ids], "enc_key": base64.b64encode(reader_public_key).decode()}).encode()


def parse_fetch_key_body(body: bytes) -> tuple[list[bytes], bytes]:
    """``(ids, reader public key)`` of a ``fetch_key`` body. Raises ``ValueError`` with the reason."""
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("ids"), list) or not isinstance(data.get("enc_key"), str):
        raise ValueError("the body is {\"ids\": [hex, …], \"enc_key\": base64}")
    ids = data["ids"]
    if not 1 <= len(ids) <= MAX_IDS_PER_REQUEST or not all(isinstance(i, str) and len(i) <= 512 for i in ids):
        raise ValueError(f"ids lists 1 to {MAX_IDS_PER_REQUEST} identities in hex")
    try:
        parsed = [bytes.fromhex(i) for i in ids]
        enc_key = base64.b64decode(data["enc_key"], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("ids are hex and enc_key is base64") from None
    if len(enc_key) != READER_KEY_LEN:
        raise ValueError(f"enc_key is a {READER_KEY_LEN}-byte ElGamal public key (G1)")
    return parsed, enc_key


class KeyServerClient:
    """One key server's API: ``GET /v1/service`` and the signed ``POST /v1/fetch_key``."""

    def __init__(self, http: Http, url: str, *, timeout: float = 10.0) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.timeout = timeout

    async def service(self) -> dict[str, Any]:
        """``{"name", "object_id", "public_key", "package_id"}`` as the server announces them."""
        data = await self.http.call("GET", f"{self.url}/v1/service", timeout=self.timeout)
        with malformed_answer(f"{self.url}/v1/service", "a key server's service"):
            return dict(data)

    async def fetch_keys(self, account: Account, ids: list[bytes], reader_public_key: bytes) -> dict[bytes, tuple[bytes, bytes]]:
        """The encrypted user secret key ``(c0, c1)`` of each ID, for ``account`` (which signs
        the request) and its ephemeral ElGamal key. Raises :class:`RemoteError` (403
        ``ACCESS_DENIED`` with the policy's reason; ``MALFORMED_ANSWER``) or
        :class:`TransportError`."""
        body = fetch_key_body(ids, reader_public_key)
        headers = {"Content-Type": "application/json", **account.sign_request("POST", "/v1/fetch_key", body)}
        answer = await self.http.request("POST", f"{self.url}/v1/fetch_key", data=body, headers=headers, timeout=self.timeout)
        answer.raise_for_status()
        out: dict[bytes, tuple[bytes, bytes]] = {}
        with malformed_answer(f"{self.url}/v1/fetch_key", "key server keys"):
            data = json.loads(answer.body)
            for entry in data["decryption_keys"]:
                c0, c1 = (base64.b64decode(p, validate=True) for p in entry["encrypted_key"])
                if len(c0) != 48 or len(c1) != 48:
                    raise ValueError("an encrypted key is two 48-byte G1 points")
                out[bytes.fromhex(entry["id"])] = (c0, c1)
        return out


__all__ = [
    "ACCESS_REASONS",
    "IDENTITY_NONCE_LEN",
    "MAX_IDS_PER_REQUEST",
    "POLICY_ID_LEN",
    "POLICY_KINDS",
    "POLICY_PACKAGE_ID",
    "READER_KEY_LEN",
    "KeyServer",
    "KeyServerClient",
    "KeyServerSet",
    "PolicyKind",
    "RemoteError",
    "TransportError",
    "fetch_key_body",
    "hex_id",
    "key_server_object_id",
    "parse_fetch_key_body",
    "parse_hex_id",
    "policy_identity",
    "policy_of_identity",
]
