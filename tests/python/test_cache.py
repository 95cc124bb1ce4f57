"""The aggregator's cache of verified blobs (morsa.cache.BlobCache): hits, size-bounded LRU
eviction on disk, the memory tier, single-flight reads, and rebuilding the index at start."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from morsa.cache import BlobCache

KIB = 1024


def blob(i: int, size: int) -> tuple[str, bytes]:
    data = bytes([i]) * size
    return f"blob-{i:02d}", data


def test_hits_and_least_recently_used_eviction(tmp_path: Path):
    cache = BlobCache(tmp_path, 10 * KIB, memory_bytes=0)
    for i in range(4):
        cache.put(*blob(i, 3 * KIB))  # 12 KiB > 10 KiB: blob-00 goes
    assert cache.get("blob-00") is None and cache.stats.evictions == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blob-01", "blob-02", "blob-03"]
    hit = cache.get("blob-01")  # now the most recently used
    assert isinstance(hit, Path) and hit.read_bytes() == blob(1, 3 * KIB)[1]
    cache.put(*blob(4, 3 * KIB))  # evicts blob-02, the least recently used
    assert cache.get("blob-02") is None and cache.get("blob-01") is not None and cache.get("blob-03") is not None
    assert cache.stats.bytes == 9 * KIB and cache.stats.entries == 3
    cache.put(*blob(5, 11 * KIB))  # larger than the whole cache: served, not cached
    assert cache.get("blob-05") is None and cache.stats.bytes == 9 * KIB


def test_small_blobs_are_also_held_in_memory(tmp_path: Path):
    cache = BlobCache(tmp_path, 100 * KIB, memory_bytes=4 * KIB, memory_blob_bytes=2 * KIB)
    blob_id, data = blob(1, 2 * KIB)
    cache.put(blob_id, data)
    assert cache.get(blob_id) == data  # bytes: from memory
    for i in range(2, 5):
        cache.put(*blob(i, 2 * KIB))  # the memory tier holds two of them
    assert isinstance(cache.get(blob_id), Path)  # dropped from memory, still on disk
    big_id, big = blob(9, 3 * KIB)
    cache.put(big_id, big)
    assert isinstance(cache.get(big_id), Path)


def test_index_is_rebuilt_at_start_and_partial_files_are_removed(tmp_path: Path):
    cache = BlobCache(tmp_path, 10 * KIB)
    for i in range(3):
        cache.put(*blob(i, 2 * KIB))
        os.utime(tmp_path / f"blob-{i:02d}", (1_000 + i, 1_000 + i))
    (tmp_path / ".blob-09.tmp").write_bytes(b"half a blob")  # left by a crash
    again = BlobCache(tmp_path, 5 * KIB)  # smaller: the oldest entry goes at start
    assert not (tmp_path / ".blob-09.tmp").exists()
    assert again.stats.entries == 2 and again.get("blob-00") is None
    assert again.get("blob-02") is not None


def test_concurrent_reads_of_one_blob_share_one_read(tmp_path: Path):
    cache = BlobCache(tmp_path, 100 * KIB)
    reads = []

    async def read() -> bytes:
        reads.append(1)
        await asyncio.sleep(0.05)
        return b"verified bytes"

    async def main() -> list[bytes | Path]:
        return list(await asyncio.gather(*(cache.get_or_read("blob-x", read) for _ in range(8))))

    results = asyncio.run(main())
    assert results == [b"verified bytes"] * 8 and len(reads) == 1
    assert cache.stats.misses == 1 and cache.stats.coalesced == 7
    assert asyncio.run(cache.get_or_read("blob-x", read)) == b"verified bytes" and len(reads) == 1


def test_a_failed_read_reaches_every_waiter_and_is_not_cached(tmp_path: Path):
    cache = BlobCache(tmp_path, 100 * KIB)

    async def fail() -> bytes:
        await asyncio.sleep(0.02)
        raise RuntimeError("no slivers")

    async def main() -> list[object]:
        return list(await asyncio.gather(*(cache.get_or_read("blob-y", fail) for _ in range(3)), return_exceptions=True))

    outcomes = asyncio.run(main())
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert cache.get("blob-y") is None and not list(tmp_path.iterdir())


def test_a_departing_caller_does_not_cancel_the_read_for_the_others(tmp_path: Path):
    cache = BlobCache(tmp_path, 100 * KIB)

    async def read() -> bytes:
        await asyncio.sleep(0.05)
        return b"data"

    async def main() -> bytes | Path:
        first = asyncio.ensure_future(cache.get_or_read("blob-z", read))
        second = asyncio.ensure_future(cache.get_or_read("blob-z", read))
        await asyncio.sleep(0.01)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    assert asyncio.run(main()) == b"data" and cache.get("blob-z") == b"data"
