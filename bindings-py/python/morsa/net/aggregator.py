"""Client of any Walrus aggregator (SPEC §12.1): blobs are downloaded and accepted only if the
blob ID recomputed from their bytes is the one asked for (SPEC §5), so the aggregator need not
be trusted.
"""

from __future__ import annotations

import asyncio
import os

from .. import _native
from .._fs import atomic_file
from .transport import Http


class AggregatorClient:
    """The aggregator at ``url`` (``https://aggregator.example``), over ``http``, for a network
    of ``n_shards`` shards (1000 on Walrus mainnet and testnet)."""

    def __init__(self, http: Http, url: str, n_shards: int = _native.MAINNET_N_SHARDS) -> None:
        self.http = http
        self.url = url.rstrip("/")
        self.n_shards = n_shards

    def blob_url(self, blob_id: str) -> str:
        """``{url}/v1/blobs/{blob_id}``."""
        return f"{self.url}/v1/blobs/{blob_id}"

    async def read(self, blob_id: str) -> bytes:
        """The blob, verified. Raises :class:`~morsa.net.errors.RemoteError` (404, …),
        :class:`~morsa.net.errors.TransportError` or :class:`morsa.VerificationError` (the
        bytes have another blob ID: rejected)."""
        data = (await self.http.request("GET", self.blob_url(blob_id))).raise_for_status().body
        actual = await asyncio.to_thread(_native.blob_id, data, self.n_shards)
        self._check(blob_id, actual)
        return data

    async def read_range(self, blob_id: str, start: int, length: int) -> bytes:
        """``length`` bytes of the blob from byte ``start`` (``GET /v1/blobs/{blob_id}/byte-range``,
        SPEC §12.1). **Unverified**: a part of a blob cannot be checked against its blob ID
        (read it from the storage nodes for a verified range). Raises
        :class:`~morsa.net.errors.RemoteError` (404, 416 outside the blob, …) or
        :class:`~morsa.net.errors.TransportError`."""
        url = f"{self.blob_url(blob_id)}/byte-range"
        answer = await self.http.request("GET", url, params={"start": start, "length": length})
        return answer.raise_for_status().body

    async def read_to(self, blob_id: str, path: str | os.PathLike[str]) -> int:
        """Stream the blob into ``path`` atomically (in memory independent of its size) and
        verify it; nothing is left at ``path`` when it fails. Returns the size. Raises as
        :meth:`read`."""
        size = 0
        with atomic_file(path) as (f, tmp):
            async with self.http.stream("GET", self.blob_url(blob_id)) as answer:
                if answer.status >= 400:
                    from .transport import Response

                    Response(answer.status, answer.headers, await answer.read(), self.blob_url(blob_id)).raise_for_status()
                async for chunk in answer.content.iter_chunked(1 << 20):
                    f.write(chunk)
                    size += len(chunk)
            f.flush()
            from .. import compute_metadata

            actual = (await asyncio.to_thread(compute_metadata, tmp, self.n_shards)).blob_id
            self._check(blob_id, actual)
        return size

    async def read_object_to(self, object_id: str, path: str | os.PathLike[str], expected_blob_id: str | None = None) -> str:
        """Stream the blob of blob object ``object_id`` (``GET /v1/blobs/by-object-id/…``) into
        ``path`` atomically and return its blob ID, computed from the bytes. With
        ``expected_blob_id`` (the object's blob ID as the chain records it), other bytes are
        rejected (:class:`morsa.VerificationError`); without it, the result is only what the
        bytes are. Raises as :meth:`read`."""
        url = f"{self.url}/v1/blobs/by-object-id/{object_id}"
        with atomic_file(path) as (f, tmp):
            async with self.http.stream("GET", url) as answer:
                if answer.status >= 400:
                    from .transport import Response

                    Response(answer.status, answer.headers, await answer.read(), url).raise_for_status()
                async for chunk in answer.content.iter_chunked(1 << 20):
                    f.write(chunk)
            f.flush()
            from .. import compute_metadata

            actual = (await asyncio.to_thread(compute_metadata, tmp, self.n_shards)).blob_id
            if expected_blob_id is not None:
                self._check(expected_blob_id, actual)
        return actual

    def _check(self, expected: str, actual: str) -> None:
        if actual != expected:
            raise _native.VerificationError(
                f"the aggregator's bytes have blob ID {actual}, not {expected} ({self.n_shards} shards): rejected"
            )


__all__ = ["AggregatorClient"]
