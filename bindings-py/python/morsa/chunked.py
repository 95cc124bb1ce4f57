"""Files past the blob limit: stored as chunks (each an ordinary blob) plus a manifest blob.

A file larger than the largest blob for the shard count (``p · s · 65 534`` bytes, SPEC §1.4),
or than a chosen ``chunk_size``, is cut into chunks stored as blobs; a small JSON manifest,
itself a blob, lists them in order with the file's size and SHA-256::

    {"morsa_chunked_file": 1, "size": 123, "sha256": "<hex>", "chunk_size": 64,
     "chunks": [{"blob_id": "<43 chars>", "size": 64}, ...]}

The manifest's blob ID names the file. Reading it back joins the chunks, each verified as any
blob, and checks the size and SHA-256; the chunk IDs also work with Walrus's
``/v1alpha/blobs/concat?ids=…`` (SPEC §12.1), which any aggregator serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import morsa

MANIFEST_FORMAT = 1
"""The version of the manifest layout."""

MANIFEST_PREFIX = b'{"morsa_chunked_file":'
"""How every manifest starts: a blob is a manifest only if it starts so and parses."""

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
"""A manifest is read only up to this size (about 100 000 chunks)."""


@dataclass(frozen=True)
class Chunk:
    """One chunk: its blob ID and size in bytes."""

    blob_id: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """A chunked file: its size, SHA-256 (hex), chunk size and chunks in order."""

    size: int
    sha256: str
    chunk_size: int
    chunks: tuple[Chunk, ...]

    def to_bytes(self) -> bytes:
        """The manifest blob (compact JSON starting with :data:`MANIFEST_PREFIX`)."""
        body: dict[str, Any] = {
            "morsa_chunked_file": MANIFEST_FORMAT,
            "size": self.size,
            "sha256": self.sha256,
            "chunk_size": self.chunk_size,
            "chunks": [{"blob_id": c.blob_id, "size": c.size} for c in self.chunks],
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @property
    def blob_ids(self) -> list[str]:
        """The chunks' blob IDs in order (for ``/v1alpha/blobs/concat?ids=``)."""
        return [c.blob_id for c in self.chunks]

    def spans(self, start: int, end: int) -> list[tuple[Chunk, int, int]]:
        """The ``(chunk, start, end)`` pieces, in chunk coordinates, of file bytes
        ``start..end`` (end exclusive, both within the file)."""
        pieces: list[tuple[Chunk, int, int]] = []
        offset = 0
        for chunk in self.chunks:
            lo, hi = max(start, offset), min(end, offset + chunk.size)
            if lo < hi:
                pieces.append((chunk, lo - offset, hi - offset))
            offset += chunk.size
            if offset >= end:
                break
        return pieces


def parse_manifest(data: bytes) -> Manifest | None:
    """The manifest in ``data``, or ``None`` when ``data`` is not one (any other blob).

    Raises :class:`morsa.MorsaError` for data that starts as a manifest but is malformed
    (sizes that do not add up, a bad blob ID)."""
    if not data.startswith(MANIFEST_PREFIX) or len(data) > MAX_MANIFEST_BYTES:
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("morsa_chunked_file") != MANIFEST_FORMAT:
        return None
    try:
        chunks = tuple(Chunk(str(c["blob_id"]), int(c["size"])) for c in body["chunks"])
        manifest = Manifest(int(body["size"]), str(body["sha256"]), int(body["chunk_size"]), chunks)
    except (KeyError, TypeError, ValueError) as e:
        raise morsa.MorsaError(f"a malformed chunked-file manifest: {e}") from None
    if sum(c.size for c in chunks) != manifest.size or any(c.size <= 0 for c in chunks):
        raise morsa.MorsaError("a malformed chunked-file manifest: the chunk sizes do not add up to the file size")
    if not all(morsa.is_blob_id(c.blob_id) for c in chunks):
        raise morsa.MorsaError("a malformed chunked-file manifest: a chunk's blob ID is not a blob ID")
    return manifest


def chunk_size_for(size: int, n_shards: int, chunk_size: int | None = None) -> int | None:
    """The chunk size to store a file of ``size`` bytes with, or ``None`` when it fits one
    blob: ``chunk_size`` when given and smaller than the file, else the largest blob for the
    shard count when the file exceeds it (SPEC §1.4). Raises :class:`morsa.EncodingError` for a
    chunk size above the largest blob, or not positive."""
    largest = morsa.EncodingConfig(n_shards).max_blob_size
    if chunk_size is not None:
        if not 0 < chunk_size <= largest:
            raise morsa.EncodingError(f"chunk size {chunk_size} must be in 1..={largest} bytes for {n_shards} shards")
        return chunk_size if size > chunk_size else None
    return largest if size > largest else None
