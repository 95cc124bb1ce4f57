"""Durable state of a storage node: SQLite (stdlib ``sqlite3``) in WAL mode, ``synchronous=FULL``,
with group commit.

Writes go to one writer thread, which takes every write queued while the previous commit ran
and commits them in one transaction (one WAL sync for the batch), each write in its own
savepoint so that one failing write does not undo the others. A write's future resolves only
after its ``COMMIT``: a caller that acknowledges a request once the write resolved has made it
durable (it survives ``kill -9`` and power loss up to the file system's guarantees). Reads use
per-thread connections and never wait for the writer (WAL readers see the last commit).

Tables:

* ``metadata(blob_id, data)``: BCS ``BlobMetadataWithId`` (SPEC §5.5), verified before insertion;
* ``slivers(blob_id, pair, axis, data, checksum)``: BCS ``SliverData`` (SPEC §6), ``axis`` 0
  primary, 1 secondary, ``pair`` the pair index, verified against the stored metadata before
  insertion; ``checksum`` is a 16-byte BLAKE2b of ``data``, checked on every read: a sliver
  that no longer matches (a failing disk) is deleted and its blob queued for recovery;
* ``blobs(blob_id, status, info)``: the control plane's view (``registered``, ``certified``,
  ``invalid``, ``expired``) and its ``Blob`` object as JSON;
* ``sync_queue(blob_id)``: certified blobs whose slivers may still be missing;
* ``state(key, value)``: e.g. the ``/v1/events`` cursor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("morsa.node")

AXES = ("primary", "secondary")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (
    blob_id TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS slivers (
    blob_id TEXT NOT NULL,
    pair INTEGER NOT NULL,
    axis INTEGER NOT NULL CHECK (axis IN (0, 1)),
    data BLOB NOT NULL,
    checksum BLOB,
    PRIMARY KEY (blob_id, pair, axis)
);
CREATE TABLE IF NOT EXISTS blobs (
    blob_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    info TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_queue (
    blob_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

Statements = list[tuple[str, tuple[Any, ...]]]
_STOP = object()


def checksum(data: bytes) -> bytes:
    """16-byte BLAKE2b of a stored row, to detect corruption at rest."""
    return hashlib.blake2b(data, digest_size=16).digest()


def axis_code(axis: str) -> int:
    """0 for ``"primary"``, 1 for ``"secondary"`` (the ``ByAxis`` tags of SPEC §16)."""
    return AXES.index(axis)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=10000")
    return db


class NodeStore:
    """The node's SQLite database at ``path`` (created with its directory).

    ``on_corrupt(blob_id)`` is called (from the reading thread) after a corrupted sliver was
    dropped and its blob queued for sync. ``max_batch_bytes`` bounds the data of one group
    commit. Raises ``sqlite3.Error`` when the database cannot be opened.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        on_corrupt: Callable[[str], None] | None = None,
        *,
        max_batch_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.on_corrupt = on_corrupt
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_batch_bytes = max_batch_bytes
        self._db = _connect(self.path)
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"{self.path}: cannot enable WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(slivers)")}
        if "checksum" not in columns:  # databases from before the checksum column
            self._db.execute("ALTER TABLE slivers ADD COLUMN checksum BLOB")
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.commits = 0
        """Transactions committed so far (each a group of writes)."""
        self.writes = 0
        """Writes committed so far."""
        self._writer = threading.Thread(target=self._write_loop, name=f"morsa-store-{self.path.parent.name}", daemon=True)
        self._writer.start()

    def close(self) -> None:
        """Commit what is queued, stop the writer and close the connections."""
        if self._writer.is_alive():
            self._queue.put(_STOP)
            self._writer.join()
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
        self._db.close()

    # -- the writer

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch = [item]
            size = item[2]
            stop = False
            while size < self.max_batch_bytes:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
                size += more[2]
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[tuple[Statements, concurrent.futures.Future[list[int]], int]]) -> None:
        db = self._db
        results: list[tuple[concurrent.futures.Future[list[int]], list[int] | BaseException]] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            for statements, future, _ in batch:
                db.execute("SAVEPOINT w")
                try:
                    counts = [db.execute(sql, params).rowcount for sql, params in statements]
                except sqlite3.Error as e:
                    db.execute("ROLLBACK TO w")
                    results.append((future, e))
                else:
                    results.append((future, counts))
                db.execute("RELEASE w")
            db.execute("COMMIT")
        except BaseException as e:  # noqa: BLE001 - every waiter learns of the failure
            if db.in_transaction:
                db.execute("ROLLBACK")
            for _, future, _ in batch:
                future.set_exception(e)
            return
        self.commits += 1
        self.writes += len(batch)
        for future, outcome in results:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def submit(self, statements: Statements, size: int = 0) -> concurrent.futures.Future[list[int]]:
        """Queue ``statements`` as one write (all or nothing) of about ``size`` bytes; the
        future resolves to their row counts once committed."""
        future: concurrent.futures.Future[list[int]] = concurrent.futures.Future()
        if not self._writer.is_alive():
            future.set_exception(sqlite3.ProgrammingError("the store is closed"))
            return future
        self._queue.put((statements, future, size))
        return future

    def _write(self, statements: Statements, size: int = 0) -> list[int]:
        return self.submit(statements, size).result()

    async def awrite(self, statements: Statements, size: int = 0) -> list[int]:
        """:meth:`submit`, awaited without occupying a thread."""
        return await asyncio.wrap_future(self.submit(statements, size))

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        db = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.path)
            self._local.db = db
            with self._readers_lock:
                self._readers.append(db)
        return db.execute(sql, params).fetchall()

    # -- metadata and slivers

    @staticmethod
    def _metadata_insert(blob_id: str, data: bytes) -> Statements:
        return [("INSERT OR IGNORE INTO metadata (blob_id, data) VALUES (?, ?)", (blob_id, data))]

    @staticmethod
    def _sliver_insert(blob_id: str, pair: int, axis: str, data: bytes) -> Statements:
        return [
            (
                "INSERT OR IGNORE INTO slivers (blob_id, pair, axis, data, checksum) VALUES (?, ?, ?, ?, ?)",
                (blob_id, pair, axis_code(axis), data, checksum(data)),
            )
        ]

    def put_metadata(self, blob_id: str, data: bytes) -> bool:
        """Store BCS ``BlobMetadataWithId``; False when it was already stored."""
        return self._write(self._metadata_insert(blob_id, data), len(data)) == [1]

    async def aput_metadata(self, blob_id: str, data: bytes) -> bool:
        """:meth:`put_metadata`, awaited."""
        return await self.awrite(self._metadata_insert(blob_id, data), len(data)) == [1]

    def get_metadata(self, blob_id: str) -> bytes | None:
        """The stored BCS ``BlobMetadataWithId``, or None."""
        rows = self._read("SELECT data FROM metadata WHERE blob_id = ?", (blob_id,))
        return bytes(rows[0][0]) if rows else None

    def has_metadata(self, blob_id: str) -> bool:
        return bool(self._read("SELECT 1 FROM metadata WHERE blob_id = ?", (blob_id,)))

    def put_sliver(self, blob_id: str, pair: int, axis: str, data: bytes) -> bool:
        """Store BCS ``SliverData`` of pair ``pair``; False when it was already stored."""
        return self._write(self._sliver_insert(blob_id, pair, axis, data), len(data)) == [1]

    async def aput_sliver(self, blob_id: str, pair: int, axis: str, data: bytes) -> bool:
        """:meth:`put_sliver`, awaited (batched with concurrent writes into one commit)."""
        return await self.awrite(self._sliver_insert(blob_id, pair, axis, data), len(data)) == [1]

    async def aput_slivers(self, blob_id: str, slivers: list[tuple[int, str, bytes]]) -> int:
        """Store BCS ``SliverData`` of ``(pair, axis, data)`` all at once (one write, all or
        nothing); returns how many were not stored before."""
        statements = [st for pair, axis, data in slivers for st in self._sliver_insert(blob_id, pair, axis, data)]
        counts = await self.awrite(statements, sum(len(data) for _, _, data in slivers))
        return sum(counts)

    def get_sliver(self, blob_id: str, pair: int, axis: str) -> bytes | None:
        """The stored BCS ``SliverData``, or None. A row whose checksum does not match is
        deleted, its blob queued for sync, and None returned."""
        key = (blob_id, pair, axis_code(axis))
        rows = self._read("SELECT data, checksum FROM slivers WHERE blob_id = ? AND pair = ? AND axis = ?", key)
        if not rows:
            return None
        data, digest = bytes(rows[0][0]), rows[0][1]
        if digest is None or bytes(digest) == checksum(data):
            return data
        log.warning("%s sliver of pair %d of %s is corrupted on disk; dropped for recovery", axis, pair, blob_id)
        self._write(
            [
                ("DELETE FROM slivers WHERE blob_id = ? AND pair = ? AND axis = ?", key),
                ("INSERT OR IGNORE INTO sync_queue (blob_id) VALUES (?)", (blob_id,)),
            ]
        )
        if self.on_corrupt is not None:
            self.on_corrupt(blob_id)
        return None

    def stored_slivers(self, blob_id: str) -> set[tuple[int, str]]:
        """``{(pair, axis)}`` of the slivers stored for ``blob_id``."""
        rows = self._read("SELECT pair, axis FROM slivers WHERE blob_id = ?", (blob_id,))
        return {(int(pair), AXES[axis]) for pair, axis in rows}

    # -- the control plane's view of blobs

    def blobs_with_status(self, status: str) -> list[str]:
        """Blob IDs whose recorded status is ``status``."""
        return [row[0] for row in self._read("SELECT blob_id FROM blobs WHERE status = ?", (status,))]

    def get_blob(self, blob_id: str) -> tuple[str, dict[str, Any]] | None:
        """``(status, info)`` last recorded for ``blob_id``, or None."""
        rows = self._read("SELECT status, info FROM blobs WHERE blob_id = ?", (blob_id,))
        if not rows:
            return None
        return str(rows[0][0]), json.loads(rows[0][1])

    def set_blob(self, blob_id: str, status: str, info: dict[str, Any] | None = None) -> None:
        """Record ``status`` (keeping the previous ``info`` when ``info`` is None). An ``invalid``
        blob stays invalid: its metadata and slivers are deleted in the same transaction."""
        statements: Statements = []
        if info is None:
            statements.append(
                (
                    "INSERT INTO blobs (blob_id, status, info) VALUES (?, ?, '{}') "
                    "ON CONFLICT(blob_id) DO UPDATE SET status = excluded.status WHERE blobs.status != 'invalid'",
                    (blob_id, status),
                )
            )
        else:
            statements.append(
                (
                    "INSERT INTO blobs (blob_id, status, info) VALUES (?, ?, ?) "
                    "ON CONFLICT(blob_id) DO UPDATE SET status = excluded.status, info = excluded.info "
                    "WHERE blobs.status != 'invalid'",
                    (blob_id, status, json.dumps(info)),
                )
            )
        if status == "invalid":
            statements += [
                ("DELETE FROM slivers WHERE blob_id = ?", (blob_id,)),
                ("DELETE FROM metadata WHERE blob_id = ?", (blob_id,)),
                ("DELETE FROM sync_queue WHERE blob_id = ?", (blob_id,)),
            ]
        self._write(statements)

    # -- sync queue and state

    def enqueue_sync(self, blob_id: str) -> None:
        self._write([("INSERT OR IGNORE INTO sync_queue (blob_id) VALUES (?)", (blob_id,))])

    def dequeue_sync(self, blob_id: str) -> None:
        self._write([("DELETE FROM sync_queue WHERE blob_id = ?", (blob_id,))])

    def sync_queue(self) -> list[str]:
        return [row[0] for row in self._read("SELECT blob_id FROM sync_queue ORDER BY blob_id")]

    def get_state(self, key: str, default: str | None = None) -> str | None:
        rows = self._read("SELECT value FROM state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else default

    def set_state(self, key: str, value: str) -> None:
        self._write([("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))])
