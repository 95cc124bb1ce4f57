"""A cache of verified blobs for the aggregator: on disk, size-bounded, keyed by blob ID, with a
small in-memory tier and single-flight reads.

A blob ID names its content, so a cached blob never goes stale: entries are evicted only for
space, least recently used first. Files are written atomically (a crash leaves no partial
entry); the index is rebuilt from the directory at start. Concurrent requests for a blob that
is not cached share one read (:meth:`BlobCache.get_or_read`).
"""

from __future__ import annotations

import asyncio
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ._fs import atomic_file


@dataclass
class CacheStats:
    """Counters: hits (memory or disk), misses (reads started), coalesced (requests that
    waited for a read another request started), evictions, and bytes and entries held."""

    hits: int = 0
    misses: int = 0
    coalesced: int = 0
    evictions: int = 0
    bytes: int = 0
    entries: int = 0


class BlobCache:
    """Blobs in ``directory``, at most ``max_bytes`` in all (0 disables the disk tier); blobs of
    at most ``memory_blob_bytes`` are also kept in memory, at most ``memory_bytes`` in all.

    A blob larger than ``max_bytes`` is served but not cached.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        max_bytes: int,
        *,
        memory_bytes: int = 64 * 1024 * 1024,
        memory_blob_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self.memory_blob_bytes = memory_blob_bytes
        self.stats = CacheStats()
        self._disk: OrderedDict[str, int] = OrderedDict()
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._memory_held = 0
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self.directory.mkdir(parents=True, exist_ok=True)
        entries = []
        for path in self.directory.iterdir():
            if path.name.startswith("."):
                path.unlink(missing_ok=True)  # a temporary file left by a crash
            elif path.is_file():
                stat = path.stat()
                entries.append((stat.st_mtime, path.name, stat.st_size))
        for _, name, size in sorted(entries):
            self._disk[name] = size
            self.stats.bytes += size
        self.stats.entries = len(self._disk)
        self._evict()

    def _path(self, blob_id: str) -> Path:
        return self.directory / blob_id

    def get(self, blob_id: str) -> bytes | Path | None:
        """The cached blob: its bytes (memory tier), its file, or None. Counts a hit."""
        data = self._memory.get(blob_id)
        if data is not None:
            self._memory.move_to_end(blob_id)
            self.stats.hits += 1
            return data
        if blob_id in self._disk:
            path = self._path(blob_id)
            if path.is_file():
                self._disk.move_to_end(blob_id)
                os.utime(path)
                self.stats.hits += 1
                return path
            self._forget(blob_id)
        return None

    def size(self, blob_id: str) -> int | None:
        """The size of a cached blob, or None."""
        data = self._memory.get(blob_id)
        if data is not None:
            return len(data)
        return self._disk.get(blob_id)

    def discard(self, blob_id: str) -> None:
        """Drop a blob from both tiers (it was deleted or expired)."""
        data = self._memory.pop(blob_id, None)
        if data is not None:
            self._memory_held -= len(data)
        if blob_id in self._disk:
            self._forget(blob_id)
            self._path(blob_id).unlink(missing_ok=True)

    def put(self, blob_id: str, data: bytes) -> None:
        """Cache a verified blob (atomically on disk), evicting the least recently used."""
        if self._remember(blob_id, data):
            self._write(blob_id, data)
            self._index(blob_id, len(data))

    def _remember(self, blob_id: str, data: bytes) -> bool:
        """Keep ``data`` in memory if it is small; whether it should go to disk."""
        if len(data) <= self.memory_blob_bytes and self.memory_bytes > 0:
            old = self._memory.pop(blob_id, None)
            self._memory_held -= len(old) if old is not None else 0
            self._memory[blob_id] = data
            self._memory_held += len(data)
            while self._memory_held > self.memory_bytes and self._memory:
                _, dropped = self._memory.popitem(last=False)
                self._memory_held -= len(dropped)
        return len(data) <= self.max_bytes and blob_id not in self._disk

    def _write(self, blob_id: str, data: bytes) -> None:
        with atomic_file(self._path(blob_id)) as (f, _):
            f.write(data)

    def _index(self, blob_id: str, size: int) -> None:
        if blob_id not in self._disk:
            self._disk[blob_id] = size
            self.stats.bytes += size
            self.stats.entries = len(self._disk)
            self._evict()

    def _forget(self, blob_id: str) -> None:
        size = self._disk.pop(blob_id, None)
        if size is not None:
            self.stats.bytes -= size
            self.stats.entries = len(self._disk)

    def _evict(self) -> None:
        while self.stats.bytes > self.max_bytes and self._disk:
            blob_id, _ = next(iter(self._disk.items()))
            self._forget(blob_id)
            self._path(blob_id).unlink(missing_ok=True)
            self.stats.evictions += 1

    async def get_or_read(self, blob_id: str, read: Callable[[], Awaitable[bytes]]) -> bytes | Path:
        """The cached blob, or the result of ``read()`` (verified by the caller), cached.

        Concurrent calls for the same blob share one read and its outcome (an error reaches them
        all). The read runs as its own task: a caller that goes away does not cancel it for the
        others, and its result still fills the cache.
        """
        cached = self.get(blob_id)
        if cached is not None:
            return cached
        task = self._inflight.get(blob_id)
        if task is not None:
            self.stats.coalesced += 1
        else:
            self.stats.misses += 1
            task = asyncio.ensure_future(self._read_and_put(blob_id, read))
            self._inflight[blob_id] = task
            task.add_done_callback(lambda _: self._inflight.pop(blob_id, None))
        return await asyncio.shield(task)

    async def aput(self, blob_id: str, data: bytes) -> None:
        """:meth:`put` from the event loop: the file is written in a worker thread."""
        if self._remember(blob_id, data):
            await asyncio.to_thread(self._write, blob_id, data)
            self._index(blob_id, len(data))

    async def _read_and_put(self, blob_id: str, read: Callable[[], Awaitable[bytes]]) -> bytes:
        data = await read()
        await self.aput(blob_id, data)
        return data


__all__ = ["BlobCache", "CacheStats"]
