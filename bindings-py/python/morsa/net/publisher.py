"""Client of any Walrus publisher (SPEC §12.2): ``PUT /v1/blobs`` with the file's bytes. The blob
ID the publisher reports is checked against the one computed locally (SPEC §5), so a publisher
that stored something else is caught.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any

from .. import _native
from .errors import RemoteError, malformed_answer
from .transport import OCTET_HEADERS, Http


@dataclass(frozen=True)
class Published:
    """What a publisher answered (``BlobStoreResult``): the blob ID (checked), whether it was
    ``newly_created`` (else already certified), its end epoch, the blob object (new blobs),
    the cost in FROST (new blobs; 0 otherwise), the shared blob object (``share``) and the whole
    answer."""

    blob_id: str
    newly_created: bool
    end_epoch: int | None
    blob_object: dict[str, Any] | None
    cost: int
    shared_blob_object: str | None
    answer: dict[str, Any]


class PublisherClient:
    """The publisher at ``url`` over ``http``, for a network of ``n_shards`` shards (1000 on
    Walrus mainnet and testnet)."""

    def __init__(self, http: Http, url: str, n_shards: int = _native.MAINNET_N_SHARDS) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.n_shards = n_shards

    async def store_file(
        self,
        path: str | os.PathLike[str],
        *,
        epochs: int = 1,
        permanent: bool = False,
        force: bool = False,
        send_object_to: str | None = None,
        share: bool = False,
    ) -> Published:
        """Store the file at ``path`` (read into memory: publishers take 10 MiB by default).
        Raises :class:`~morsa.net.errors.RemoteError` for a refusal (413 too large, …),
        :class:`~morsa.net.errors.TransportError`, and :class:`morsa.VerificationError` when
        the publisher reports another blob ID than the file's."""
        data = await asyncio.to_thread(_read, path)
        expected = await asyncio.to_thread(_native.blob_id, data, self.n_shards)
        params: dict[str, str] = {"epochs": str(epochs)}
        if permanent:
            params["permanent"] = "true"
        if force:
            params["force"] = "true"
        if send_object_to is not None:
            params["send_object_to"] = send_object_to
        if share:
            params["share"] = "true"
        url = f"{self.url}/v1/blobs"
        answer = (await self.http.request("PUT", url, params=params, data=data, headers=OCTET_HEADERS)).raise_for_status()
        try:
            decoded = json.loads(answer.body)
        except ValueError:
            raise RemoteError(answer.status, "MALFORMED_ANSWER", "the publisher's answer is not JSON", url=url) from None
        published = parse_store_result(decoded, url=url)
        if published.blob_id != expected:
            raise _native.VerificationError(
                f"the publisher stored blob {published.blob_id}, but the file's blob ID is {expected} "
                f"({self.n_shards} shards): rejected"
            )
        return published


def _read(path: str | os.PathLike[str]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def parse_store_result(data: Any, *, url: str = "") -> Published:
    """A ``BlobStoreResult`` (SPEC §12.2: ``newlyCreated`` or ``alreadyCertified``; ``markedInvalid``
    and ``error`` are refusals). Raises :class:`~morsa.net.errors.RemoteError`."""
    with malformed_answer(url, "a BlobStoreResult"):
        if "newlyCreated" in data:
            created = data["newlyCreated"]
            obj = dict(created["blobObject"])
            return Published(
                str(obj["blobId"]), True, int(obj["storage"]["endEpoch"]), obj, int(created.get("cost", 0)),
                created.get("sharedBlobObject"), dict(data),
            )
        if "alreadyCertified" in data:
            certified = data["alreadyCertified"]
            end = certified.get("endEpoch")
            return Published(str(certified["blobId"]), False, None if end is None else int(end), None, 0, None, dict(data))
        if "markedInvalid" in data:
            raise RemoteError(200, "BLOB_INVALID", f"the publisher reports blob {data['markedInvalid'].get('blobId')} as invalid", url=url)
        if "error" in data:
            raise RemoteError(200, "STORE_FAILED", str(data["error"].get("errorMsg", data["error"])), url=url)
        raise KeyError("newlyCreated")


__all__ = ["Published", "PublisherClient", "parse_store_result"]
