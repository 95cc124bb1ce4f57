"""Client of an upload relay (SPEC §12.2, Walrus's ``walrus-upload-relay``): the client
registers and pays for a blob itself, then sends the unencoded bytes to the relay, which encodes
them, uploads every sliver and answers with a storage certificate for the client to certify.

``POST /v1/blob-upload-relay?blob_id=…&deletable_blob_object=…&tx_id=…&nonce=…`` answers
Walrus's ``ResponseType`` (``crates/walrus-sdk/src/upload_relay.rs``; parsed so by the official
``@mysten/walrus`` upload-relay client)::

    {"blob_id": [32 bytes as numbers],
     "confirmation_certificate": {"signers": [member indices],
                                  "serialized_message": [bytes as numbers],
                                  "signature": "<URL-safe base64>"}}

Walrus's ``signature`` is a BLS12-381 aggregate; a Morsa relay puts the signers' Ed25519
signatures there, concatenated in signer order, and adds ``"certificate"``: the whole Morsa
certificate (postcard, standard base64), which Morsa clients verify. ``GET /v1/tip-config``
answers ``"no_tip"`` or ``{"send_tip": {"address", "kind": {"const": FROST} | {"linear": {"base",
"encoded_size_mul_per_kib"}}}}``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import _native
from .._types import SignatureScheme
from .errors import RemoteError, malformed_answer
from .transport import OCTET_HEADERS, Http

RELAY_PATH = "/v1/blob-upload-relay"
TIP_CONFIG_PATH = "/v1/tip-config"


def certificate_json(blob_id: str, certificate: bytes, scheme: SignatureScheme = "ed25519") -> dict[str, Any]:
    """The relay's answer (Walrus's ``ResponseType``) for a certificate of ``scheme``: Walrus's
    BCS ``ProtocolMessageCertificate`` in a BLS network (the answer is then exactly Walrus's:
    the aggregate signature, URL-safe base64), or Morsa's (postcard bytes; its signatures
    concatenated as the signature, and the whole certificate beside, in standard base64)."""
    if scheme == "bls12381":
        bls = _native.BlsCertificate.from_bytes(certificate)
        signers, message, signature = bls.signer_indices, bls.serialized_message, bls.signature
        extra = {}
    else:
        parsed = _native.Certificate.from_bytes(certificate)
        signers, message, signature = parsed.signer_indices, parsed.serialized_message, b"".join(parsed.signatures)
        extra = {"certificate": base64.b64encode(certificate).decode()}
    return {
        "blob_id": list(_native.parse_blob_id_bytes(blob_id)),
        "confirmation_certificate": {
            "signers": signers,
            "serialized_message": list(message),
            "signature": base64.urlsafe_b64encode(signature).decode().rstrip("="),
            **extra,
        },
    }


@dataclass(frozen=True)
class RelayAnswer:
    """A relay's answer: the blob ID, the signers' member indices, the signed message, the
    signature (Walrus's 96-byte aggregate, or Morsa's signatures concatenated), and Morsa's
    certificate (postcard bytes) when the relay sent one."""

    blob_id: str
    signers: list[int]
    serialized_message: bytes
    signature: bytes
    certificate: bytes | None

    def bls_certificate(self) -> bytes:
        """The answer as Walrus's BCS ``ProtocolMessageCertificate`` (for a BLS committee to
        verify). Raises :class:`morsa.InvalidArgumentError` (not a 96-byte signature, a
        negative signer)."""
        if any(i < 0 for i in self.signers):
            raise _native.InvalidArgumentError("a signer index is negative")
        bitmap = _native.signer_bitmap(self.signers, max(self.signers, default=-1) + 1)
        return _native.BlsCertificate(self.signature, bitmap, self.serialized_message).to_bytes()


def parse_relay_answer(data: Any, *, url: str = "") -> RelayAnswer:
    """Walrus's ``ResponseType`` (``blob_id`` as 32 numbers, or a blob ID text from relays that
    send one). Raises :class:`~morsa.net.errors.RemoteError` (``MALFORMED_ANSWER``)."""
    with malformed_answer(url, "an upload relay's answer"):
        raw = data["blob_id"]
        blob_id = str(raw) if isinstance(raw, str) else _native.blob_id_from_bytes(bytes(raw))
        cert = data["confirmation_certificate"]
        signers = [int(i) for i in cert["signers"]]
        message = cert["serialized_message"]
        serialized = base64.b64decode(message, validate=True) if isinstance(message, str) else bytes(message)
        text = str(cert["signature"])
        signature = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        morsa_cert = cert.get("certificate")
        return RelayAnswer(
            blob_id, signers, serialized, signature, None if morsa_cert is None else base64.b64decode(morsa_cert, validate=True)
        )


@dataclass(frozen=True)
class TipConfig:
    """A relay's tip (``GET /v1/tip-config``): None for ``"no_tip"``; else the address to pay
    and a constant tip, or ``base + encoded KiB × per_encoded_kib`` (FROST)."""

    address: str
    constant: int | None = None
    base: int | None = None
    per_encoded_kib: int | None = None


def parse_tip_config(data: Any, *, url: str = "") -> TipConfig | None:
    """Walrus's ``TipConfig``. Raises :class:`~morsa.net.errors.RemoteError` (``MALFORMED_ANSWER``)."""
    with malformed_answer(url, "a tip configuration"):
        if data == "no_tip":
            return None
        tip = data["send_tip"]
        kind = tip["kind"]
        if "const" in kind:
            return TipConfig(str(tip["address"]), constant=int(kind["const"]))
        linear = kind["linear"]
        return TipConfig(str(tip["address"]), base=int(linear["base"]), per_encoded_kib=int(linear["encoded_size_mul_per_kib"]))


class UploadRelayClient:
    """The upload relay at ``url`` over ``http``."""

    def __init__(self, http: Http, url: str) -> None:
        self.http = http
        self.url = url.rstrip("/")

    async def tip_config(self) -> TipConfig | None:
        """The relay's tip (None: it relays for free)."""
        answer = (await self.http.request("GET", self.url + TIP_CONFIG_PATH)).raise_for_status()
        try:
            decoded = json.loads(answer.body)
        except ValueError:
            raise RemoteError(answer.status, "MALFORMED_ANSWER", "the tip config is not JSON", url=answer.url) from None
        return parse_tip_config(decoded, url=answer.url)

    async def require_free(self) -> None:
        """Raise :class:`~morsa.net.errors.RemoteError` ``TIP_REQUIRED`` when the relay asks a
        tip (Morsa pays none): before registering, so that nothing is paid for a blob the relay
        will not take."""
        tip = await self.tip_config()
        if tip is not None:
            what = f"{tip.constant} FROST" if tip.constant is not None else f"{tip.base} FROST + {tip.per_encoded_kib} FROST per encoded KiB"
            raise RemoteError(402, "TIP_REQUIRED", f"this relay asks a tip of {what} to {tip.address}; Morsa does not pay relay tips", url=self.url)

    async def upload(
        self, data: bytes | Path, blob_id: str, object_id: bytes | None = None, *, scheme: SignatureScheme = "ed25519"
    ) -> bytes:
        """Send a registered blob's bytes (or a file's, streamed from it); returns the
        certificate in the bytes of ``scheme``, the committee's (Morsa's postcard certificate, or
        Walrus's BCS ``ProtocolMessageCertificate`` for a BLS committee), unverified: the caller
        verifies it. Raises :class:`~morsa.net.errors.RemoteError` (``BLS_CERTIFICATE`` for a
        BLS12-381 certificate when the committee signs with Ed25519, ``MALFORMED_ANSWER``) or
        :class:`~morsa.net.errors.TransportError`."""
        params = {"blob_id": blob_id}
        if object_id is not None:
            params["deletable_blob_object"] = "0x" + object_id.hex()
        url = self.url + RELAY_PATH
        if isinstance(data, Path):
            with data.open("rb") as body:
                answer = await self.http.request("POST", url, params=params, data=body, headers=OCTET_HEADERS)
        else:
            answer = await self.http.request("POST", url, params=params, data=data, headers=OCTET_HEADERS)
        answer.raise_for_status()
        try:
            decoded = json.loads(answer.body)
        except ValueError:
            raise RemoteError(answer.status, "MALFORMED_ANSWER", "the relay's answer is not JSON", url=url) from None
        relayed = parse_relay_answer(decoded, url=url)
        if relayed.blob_id != blob_id:
            raise RemoteError(answer.status, "MALFORMED_ANSWER", f"the answer is for blob {relayed.blob_id}, not {blob_id}", url=url)
        if scheme == "bls12381":
            try:
                return relayed.bls_certificate()
            except _native.MorsaError as e:
                raise RemoteError(answer.status, "MALFORMED_ANSWER", f"the relay's certificate: {e}", url=url) from None
        if relayed.certificate is None:
            raise RemoteError(
                answer.status,
                "BLS_CERTIFICATE",
                f"the relay answered with a Walrus BLS12-381 certificate ({len(relayed.signers)} signers), "
                "but this network's committee signs with Ed25519",
                url=url,
            )
        return relayed.certificate


__all__ = [
    "RELAY_PATH",
    "TIP_CONFIG_PATH",
    "RelayAnswer",
    "TipConfig",
    "UploadRelayClient",
    "certificate_json",
    "parse_relay_answer",
    "parse_tip_config",
]
