"""Client of the Walrus storage-node REST API (SPEC §11): the one place that builds a storage
node's URLs and parses its answers.

Bodies are BCS (metadata, slivers, recovery symbols, inconsistency proofs) or the JSON success
envelope; signed messages are ``{"signed": {"serializedMessage", "signature"}}`` in standard
base64 (SPEC §10.2). Errors are :class:`~morsa.net.errors.TransportError` and
:class:`~morsa.net.errors.RemoteError`; wire and verification failures are the core's
:class:`morsa.WireFormatError` and :class:`morsa.VerificationError`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from morsa import Axis

from .. import _native
from .errors import malformed_answer
from .transport import OCTET_HEADERS, Http

if TYPE_CHECKING:
    from .accounts import Account


def signed_json(message: bytes, signature: bytes) -> dict[str, Any]:
    """``{"signed": {"serializedMessage", "signature"}}`` in standard base64 (SPEC §10.2, §11)."""
    return {"signed": {"serializedMessage": base64.b64encode(message).decode(), "signature": base64.b64encode(signature).decode()}}


def parse_signed(data: Any, *, url: str = "") -> tuple[bytes, bytes]:
    """``(serialized_message, signature)`` of a ``{"signed": …}`` object. Raises
    :class:`~morsa.net.errors.RemoteError` when it is malformed."""
    with malformed_answer(url, "a signed message"):  # binascii.Error is a ValueError
        signed = data["signed"]
        return base64.b64decode(signed["serializedMessage"], validate=True), base64.b64decode(signed["signature"], validate=True)


SYNC_SHARD_PATH = "/v1/migrate/sync_shard"
"""Shard migration (a Morsa extension, after Walrus's ``sync_shard``): the new owner of a shard
fetches that shard's slivers in bulk from its previous owner (docs/network.md)."""
NEXT_BLOB_HEADER = "X-Morsa-Next-Blob"
"""The cursor of a shard-migration page: the blob ID to continue after (absent on the last page)."""


def encode_shard_frames(frames: Sequence[tuple[str, bytes]]) -> bytes:
    """A shard-migration page: per blob, its ID (43 ASCII bytes), then the length (u32 LE) and
    the BCS ``Vec<Sliver>`` of its slivers on the shard."""
    out = bytearray()
    for blob_id, body in frames:
        out += blob_id.encode("ascii") + len(body).to_bytes(4, "little") + body
    return bytes(out)


def decode_shard_frames(data: bytes, *, url: str = "") -> list[tuple[str, bytes]]:
    """The frames of :func:`encode_shard_frames`. Raises :class:`~morsa.net.errors.RemoteError`
    for a page that does not parse."""
    frames: list[tuple[str, bytes]] = []
    view = memoryview(data)
    i = 0
    with malformed_answer(url, "a shard-migration page"):
        while i < len(view):
            if len(view) - i < 47:
                raise ValueError("a frame is cut short")
            blob_id = bytes(view[i : i + 43]).decode("ascii")
            _native.parse_blob_id_bytes(blob_id)  # InvalidBlobIdError (a ValueError) if not a blob ID
            length = int.from_bytes(view[i + 43 : i + 47], "little")
            if len(view) - i - 47 < length:
                raise ValueError("a frame is cut short")
            frames.append((blob_id, bytes(view[i + 47 : i + 47 + length])))
            i += 47 + length
    return frames


def object_id_text(object_id: bytes | str) -> str:
    """A Sui object ID as ``0x`` and 64 hex digits."""
    return object_id if isinstance(object_id, str) else "0x" + object_id.hex()


class StorageNodeClient:
    """The REST API of the storage node at ``url`` (``http://127.0.0.1:9100``), over ``http``.

    ``name`` labels the node in error messages.
    """

    def __init__(self, http: Http, url: str, *, name: str = "") -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.name = name or self.url

    def blob_url(self, blob_id: str, *parts: object) -> str:
        """``{url}/v1/blobs/{blob_id}[/part…]``."""
        tail = "".join(f"/{p}" for p in parts)
        return f"{self.url}/v1/blobs/{blob_id}{tail}"

    def sliver_url(self, blob_id: str, pair: int, axis: Axis) -> str:
        """The URL of sliver ``axis`` of pair ``pair`` (SPEC §11: the **pair** index)."""
        return self.blob_url(blob_id, "slivers", pair, axis)

    # ------------------------------------------------------------------ metadata

    async def metadata(self, blob_id: str, n_shards: int | None = None) -> _native.BlobMetadata:
        """The blob's metadata, verified against ``blob_id`` (SPEC §5.5). Raises
        :class:`RemoteError`, :class:`morsa.WireFormatError` or :class:`morsa.VerificationError`
        (metadata of another blob)."""
        url = self.blob_url(blob_id, "metadata")
        answer = (await self.http.request("GET", url)).raise_for_status()
        metadata = _native.BlobMetadata.from_bytes(answer.body, n_shards)
        if metadata.blob_id != blob_id:
            raise _native.VerificationError(f"{self.name} sent the metadata of blob {metadata.blob_id}, not {blob_id}")
        return metadata

    async def put_metadata(self, blob_id: str, metadata: bytes, *, pending: bool = False) -> int:
        """Upload BCS ``BlobMetadata`` (without the ID); returns 201 stored, 200 already
        stored or 202 buffered (``pending``)."""
        params = {"pending": "true"} if pending else None
        answer = await self.http.request("PUT", self.blob_url(blob_id, "metadata"), data=metadata, params=params, headers=OCTET_HEADERS)
        answer.data()
        return answer.status

    async def metadata_status(self, blob_id: str) -> str:
        """``"nonexistent"``, ``"buffered"`` or ``"stored"``."""
        return str(await self.http.call("GET", self.blob_url(blob_id, "metadata", "status")))

    # ------------------------------------------------------------------ slivers

    async def sliver_bytes(self, blob_id: str, pair: int, axis: Axis) -> bytes:
        """The BCS ``SliverData`` of sliver ``axis`` of pair ``pair``, unparsed and unverified."""
        return (await self.http.request("GET", self.sliver_url(blob_id, pair, axis))).raise_for_status().body

    async def sliver(self, blob_id: str, pair: int, axis: Axis) -> _native.Sliver:
        """Sliver ``axis`` of pair ``pair``, parsed but not verified. Raises
        :class:`morsa.WireFormatError` for malformed bytes or a sliver of another pair."""
        sliver = _native.Sliver.from_bytes(await self.sliver_bytes(blob_id, pair, axis), axis)
        return sliver

    async def put_sliver(self, blob_id: str, pair: int, axis: Axis, data: bytes, *, pending: bool = False) -> int:
        """Upload BCS ``SliverData``; returns 201, 200 (already stored) or 202 (buffered)."""
        params = {"pending": "true"} if pending else None
        answer = await self.http.request("PUT", self.sliver_url(blob_id, pair, axis), data=data, params=params, headers=OCTET_HEADERS)
        answer.data()
        return answer.status

    async def put_slivers(self, blob_id: str, body: bytes) -> dict[str, int]:
        """Upload a batch of slivers, BCS ``Vec<Sliver>`` (:func:`morsa._native.encode_slivers`;
        a Morsa extension, docs/network.md): stored all or nothing. Returns ``{"stored",
        "alreadyStored"}``. A node without the extension answers 404 or 405."""
        answer = await self.http.request("PUT", self.blob_url(blob_id, "slivers"), data=body, headers=OCTET_HEADERS)
        return dict(answer.data())

    async def sliver_status(self, blob_id: str, pair: int, axis: Axis) -> str:
        """``"nonexistent"``, ``"buffered"`` or ``"stored"``."""
        return str(await self.http.call("GET", self.sliver_url(blob_id, pair, axis) + "/status"))

    # ------------------------------------------------------------------ confirmations

    async def confirmation(
        self, blob_id: str, object_id: bytes | str | None = None, *, wait_ms: int | None = None
    ) -> tuple[bytes, bytes]:
        """The node's signed storage confirmation ``(message, signature)`` (SPEC §10.1): for a
        permanent blob, or for the deletable blob object ``object_id``. ``wait_ms`` lets the
        node wait that long for the registration."""
        path = ("confirmation", "permanent") if object_id is None else ("confirmation", "deletable", object_id_text(object_id))
        params = {"wait_for_registration": "true", "wait_millis": str(wait_ms)} if wait_ms else None
        url = self.blob_url(blob_id, *path)
        return parse_signed(await self.http.call("GET", url, params=params), url=url)

    # ------------------------------------------------------------------ symbols

    async def recovery_symbols(
        self, blob_id: str, target_axis: Axis, target_index: int, *, proof_axis: Axis | None = None
    ) -> list[_native.RecoverySymbol]:
        """Every recovery symbol the node can give for sliver ``target_index`` of
        ``target_axis`` (SPEC §8, ``targetSliver``/``targetType`` form), parsed, unverified."""
        params: list[tuple[str, Any]] = [("targetSliver", target_index), ("targetType", target_axis)]
        if proof_axis is not None:
            params.insert(0, ("proofAxis", proof_axis))
        answer = (await self.http.request("GET", self.blob_url(blob_id, "recoverySymbols"), params=params)).raise_for_status()
        return _native.decode_recovery_symbols(answer.body)

    async def recovery_symbols_by_id(
        self, blob_id: str, ids: Sequence[tuple[int, int]], *, proof_axis: Axis | None = None
    ) -> list[_native.RecoverySymbol]:
        """The recovery symbols with IDs ``(row, column)`` (SPEC §11 ``id=<row>-<col>`` form)."""
        params: list[tuple[str, Any]] = [("proofAxis", proof_axis)] if proof_axis is not None else []
        params += [("id", f"{row}-{col}") for row, col in ids]
        answer = (await self.http.request("GET", self.blob_url(blob_id, "recoverySymbols"), params=params)).raise_for_status()
        return _native.decode_recovery_symbols(answer.body)

    async def inconsistency_proof(self, blob_id: str, proof: _native.InconsistencyProof) -> tuple[bytes, bytes]:
        """Send an inconsistency proof (SPEC §9); returns the node's signed invalid-blob
        attestation ``(message, signature)``."""
        url = self.blob_url(blob_id, "inconsistencyProof", proof.target_axis)
        return parse_signed(await self.http.call("POST", url, data=proof.to_bytes(), headers=OCTET_HEADERS), url=url)

    # ------------------------------------------------------------------ shard migration

    async def sync_shard(
        self, account: Account, shard: int, epoch: int, *, after: str | None = None, max_bytes: int = 8 << 20
    ) -> tuple[list[tuple[str, bytes]], str | None]:
        """One page of shard ``shard``'s slivers from this (previous) owner, for ``account``
        (the key of the shard's owner in ``epoch``): ``[(blob_id, BCS Vec<Sliver>)]`` in blob-ID
        order after ``after``, at most about ``max_bytes``, and the cursor of the next page (None
        on the last). Slivers are unverified: the caller verifies them against the metadata."""
        body = json.dumps({"shard": shard, "epoch": epoch, "after": after, "max_bytes": max_bytes}).encode()
        headers = {"Content-Type": "application/json", **account.sign_request("POST", SYNC_SHARD_PATH, body)}
        url = f"{self.url}{SYNC_SHARD_PATH}"
        answer = (await self.http.request("POST", url, data=body, headers=headers)).raise_for_status()
        return decode_shard_frames(answer.body, url=url), answer.headers.get(NEXT_BLOB_HEADER)

    # ------------------------------------------------------------------ status

    async def blob_status(self, blob_id: str) -> Any:
        """The node's ``BlobStatus`` JSON (SPEC §11)."""
        return await self.http.call("GET", self.blob_url(blob_id, "status"))

    async def health(self, *, timeout: float | None = None) -> dict[str, Any]:
        """The node's ``/v1/health`` data."""
        data = await self.http.call("GET", f"{self.url}/v1/health", timeout=timeout)
        return data if isinstance(data, dict) else {}


__all__ = [
    "NEXT_BLOB_HEADER",
    "SYNC_SHARD_PATH",
    "Axis",
    "StorageNodeClient",
    "decode_shard_frames",
    "encode_shard_frames",
    "object_id_text",
    "parse_signed",
    "signed_json",
]
