"""Durable state of a storage node: slivers in append-only segment files, one per blob, indexed
by SQLite (stdlib ``sqlite3``, WAL mode, ``synchronous=FULL``), with group commit.

Writes go to one writer thread, which takes every write queued while the previous commit ran
and commits them together: the slivers of the batch are appended to their blobs' segment
files, which are synced (``fdatasync``) once each, then the index rows and every other write
are committed in one SQLite transaction (one WAL sync), each write in its own savepoint so that
one failing write does not undo the others. A write's future resolves only after its
``COMMIT``: a caller that acknowledges a request once the write resolved has made it durable
(it survives ``kill -9`` and power loss up to the file system's guarantees). An index row is
committed only after its bytes are synced, so it never points at data that is not there; bytes
appended by a batch that crashed before its commit are never referenced. Sliver data is written
once (not twice, as through a WAL) and reads never wait for the writer (WAL readers see the
last commit; sliver bytes are read with ``pread``).

Files: ``node.sqlite3`` and ``slivers/<blob_id>.dat``. Tables:

* ``metadata(blob_id, data)``: BCS ``BlobMetadataWithId`` (SPEC §5.5), verified before insertion;
* ``sliver_index(blob_id, pair, axis, offset, length, checksum)``: where the BCS ``SliverData``
  (SPEC §6) of pair ``pair`` (``axis`` 0 primary, 1 secondary) sits in the blob's segment file,
  verified against the stored metadata before it was written; ``checksum`` is a 16-byte BLAKE2b
  of the bytes, checked on every read: a sliver that no longer matches (a failing disk) is
  dropped and its blob queued for recovery;
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("morsa.node")

AXES = ("primary", "secondary")

LIVE_STATUSES = frozenset({"registered", "certified"})
DROPPED_STATUSES = frozenset({"invalid", "deleted", "expired"})
"""Statuses whose blob's data a node deletes: marked invalid, deleted by its owner, past its end epoch."""
"""Control-plane statuses of a blob (the ``blobs`` table) under which its slivers are accepted."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (
    blob_id TEXT PRIMARY KEY,
    data BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sliver_index (
    blob_id TEXT NOT NULL,
    pair INTEGER NOT NULL,
    axis INTEGER NOT NULL CHECK (axis IN (0, 1)),
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    checksum BLOB NOT NULL,
    PRIMARY KEY (blob_id, pair, axis)
) WITHOUT ROWID;
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


@dataclass
class _Write:
    """One queued write: SQL statements, or slivers ``(pair, axis, data)`` of one blob to
    append and index; ``after`` runs once it is committed; ``future`` gets the row counts."""

    future: concurrent.futures.Future[list[int]]
    statements: Statements = field(default_factory=list)
    blob_id: str = ""
    slivers: list[tuple[int, str, bytes]] = field(default_factory=list)
    after: Callable[[], None] | None = None

    @property
    def size(self) -> int:
        return sum(len(data) for _, _, data in self.slivers) + sum(
            len(p) for _, params in self.statements for p in params if isinstance(p, bytes)
        )


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
        self.segments = self.path.parent / "slivers"
        self.segments.mkdir(exist_ok=True)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.commits = 0
        """Transactions committed so far (each a group of writes)."""
        self.writes = 0
        """Writes committed so far."""
        self._migrate_sliver_table()
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
            size = item.size
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
                size += more.size
            self._commit(batch)
            if stop:
                return

    def _segment(self, blob_id: str) -> Path:
        return self.segments / f"{blob_id}.dat"

    def _append_slivers(self, batch: list[_Write]) -> dict[int, list[tuple[Any, ...]]]:
        """Append the batch's new slivers to their segment files and sync them; returns, per
        write, the index rows to insert. Slivers already indexed are not written again."""
        rows: dict[int, list[tuple[Any, ...]]] = {}
        by_blob: dict[str, list[tuple[int, int, str, bytes]]] = {}
        for i, write in enumerate(batch):
            for pair, axis, data in write.slivers:
                by_blob.setdefault(write.blob_id, []).append((i, pair, axis, data))
        created = False
        for blob_id, items in by_blob.items():
            known = {
                (int(pair), int(axis))
                for pair, axis in self._db.execute("SELECT pair, axis FROM sliver_index WHERE blob_id = ?", (blob_id,))
            }
            fresh = [item for item in items if (item[1], axis_code(item[2])) not in known]
            if not fresh:
                continue
            path = self._segment(blob_id)
            created = created or not path.exists()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                offset = os.fstat(fd).st_size
                for i, pair, axis, data in fresh:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                    rows.setdefault(i, []).append((blob_id, pair, axis_code(axis), offset, len(data), checksum(data)))
                    offset += len(data)
                os.fdatasync(fd)
            finally:
                os.close(fd)
        if created:
            directory = os.open(self.segments, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return rows

    def _commit(self, batch: list[_Write]) -> None:
        db = self._db
        results: list[list[int] | BaseException] = []
        try:
            new_rows = self._append_slivers(batch) if any(w.slivers for w in batch) else {}
            db.execute("BEGIN IMMEDIATE")
            for i, write in enumerate(batch):
                db.execute("SAVEPOINT w")
                try:
                    counts = [db.execute(sql, params).rowcount for sql, params in write.statements]
                    if write.slivers:
                        inserted = 0
                        for row in new_rows.get(i, []):
                            inserted += db.execute(
                                "INSERT OR IGNORE INTO sliver_index (blob_id, pair, axis, offset, length, checksum) "
                                "VALUES (?, ?, ?, ?, ?, ?)",
                                row,
                            ).rowcount
                        counts.append(inserted)
                except sqlite3.Error as e:
                    db.execute("ROLLBACK TO w")
                    results.append(e)
                else:
                    results.append(counts)
                db.execute("RELEASE w")
            db.execute("COMMIT")
        except BaseException as e:  # noqa: BLE001 - every waiter learns of the failure
            if db.in_transaction:
                db.execute("ROLLBACK")
            for write in batch:
                write.future.set_exception(e)
            return
        self.commits += 1
        self.writes += len(batch)
        for write, outcome in zip(batch, results):
            if isinstance(outcome, BaseException):
                write.future.set_exception(outcome)
                continue
            if write.after is not None:
                try:
                    write.after()
                except OSError as e:
                    log.warning("after a commit: %s", e)
            write.future.set_result(outcome)

    def _submit(self, write: _Write) -> concurrent.futures.Future[list[int]]:
        if not self._writer.is_alive():
            write.future.set_exception(sqlite3.ProgrammingError("the store is closed"))
        else:
            self._queue.put(write)
        return write.future

    def submit(self, statements: Statements) -> concurrent.futures.Future[list[int]]:
        """Queue ``statements`` as one write (all or nothing); the future resolves to their row
        counts once committed."""
        return self._submit(_Write(concurrent.futures.Future(), statements))

    def _write(self, statements: Statements, after: Callable[[], None] | None = None) -> list[int]:
        return self._submit(_Write(concurrent.futures.Future(), statements, after=after)).result()

    async def awrite(self, statements: Statements) -> list[int]:
        """:meth:`submit`, awaited without occupying a thread."""
        return await asyncio.wrap_future(self.submit(statements))

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

    def put_metadata(self, blob_id: str, data: bytes) -> bool:
        """Store BCS ``BlobMetadataWithId``; False when it was already stored."""
        return self._write(self._metadata_insert(blob_id, data)) == [1]

    async def aput_metadata(self, blob_id: str, data: bytes) -> bool:
        """:meth:`put_metadata`, awaited."""
        return await self.awrite(self._metadata_insert(blob_id, data)) == [1]

    def get_metadata(self, blob_id: str) -> bytes | None:
        """The stored BCS ``BlobMetadataWithId``, or None."""
        rows = self._read("SELECT data FROM metadata WHERE blob_id = ?", (blob_id,))
        return bytes(rows[0][0]) if rows else None

    def has_metadata(self, blob_id: str) -> bool:
        return bool(self._read("SELECT 1 FROM metadata WHERE blob_id = ?", (blob_id,)))

    def _put_slivers(self, blob_id: str, slivers: list[tuple[int, str, bytes]]) -> concurrent.futures.Future[list[int]]:
        return self._submit(_Write(concurrent.futures.Future(), blob_id=blob_id, slivers=slivers))

    def put_sliver(self, blob_id: str, pair: int, axis: str, data: bytes) -> bool:
        """Store BCS ``SliverData`` of pair ``pair``; False when it was already stored."""
        return self._put_slivers(blob_id, [(pair, axis, data)]).result() == [1]

    async def aput_sliver(self, blob_id: str, pair: int, axis: str, data: bytes) -> bool:
        """:meth:`put_sliver`, awaited (batched with concurrent writes into one commit)."""
        return await asyncio.wrap_future(self._put_slivers(blob_id, [(pair, axis, data)])) == [1]

    async def aput_slivers(self, blob_id: str, slivers: list[tuple[int, str, bytes]]) -> int:
        """Store BCS ``SliverData`` of ``(pair, axis, data)`` all at once (one write, all or
        nothing); returns how many were not stored before."""
        (inserted,) = await asyncio.wrap_future(self._put_slivers(blob_id, slivers))
        return inserted

    def get_sliver(self, blob_id: str, pair: int, axis: str) -> bytes | None:
        """The stored BCS ``SliverData``, or None. A sliver whose checksum does not match (or
        whose bytes are gone) is dropped, its blob queued for sync, and None returned."""
        key = (blob_id, pair, axis_code(axis))
        rows = self._read("SELECT offset, length, checksum FROM sliver_index WHERE blob_id = ? AND pair = ? AND axis = ?", key)
        if not rows:
            return None
        offset, length, digest = int(rows[0][0]), int(rows[0][1]), bytes(rows[0][2])
        try:
            fd = os.open(self._segment(blob_id), os.O_RDONLY)
            try:
                data = os.pread(fd, length, offset)
            finally:
                os.close(fd)
        except FileNotFoundError:
            data = b""
        if len(data) == length and checksum(data) == digest:
            return data
        log.warning("%s sliver of pair %d of %s is corrupted on disk; dropped for recovery", axis, pair, blob_id)
        self._write(
            [
                ("DELETE FROM sliver_index WHERE blob_id = ? AND pair = ? AND axis = ?", key),
                ("INSERT OR IGNORE INTO sync_queue (blob_id) VALUES (?)", (blob_id,)),
            ]
        )
        if self.on_corrupt is not None:
            self.on_corrupt(blob_id)
        return None

    def stored_slivers(self, blob_id: str) -> set[tuple[int, str]]:
        """``{(pair, axis)}`` of the slivers stored for ``blob_id``."""
        rows = self._read("SELECT pair, axis FROM sliver_index WHERE blob_id = ?", (blob_id,))
        return {(int(pair), AXES[axis]) for pair, axis in rows}

    def sliver_locations(self, blob_id: str) -> list[tuple[int, str, Path, int, int]]:
        """``(pair, axis, segment file, offset, length)`` of every stored sliver of ``blob_id``."""
        rows = self._read("SELECT pair, axis, offset, length FROM sliver_index WHERE blob_id = ?", (blob_id,))
        return [(int(pair), AXES[axis], self._segment(blob_id), int(off), int(n)) for pair, axis, off, n in rows]

    def blobs_with_slivers(self) -> list[str]:
        """Every blob ID with at least one stored sliver."""
        return [row[0] for row in self._read("SELECT DISTINCT blob_id FROM sliver_index")]

    def _migrate_sliver_table(self) -> None:
        """Move slivers stored in the ``slivers`` table of earlier versions into segments."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "slivers" not in tables:
            return
        blob_ids = [row[0] for row in self._db.execute("SELECT DISTINCT blob_id FROM slivers")]
        for blob_id in blob_ids:
            rows = self._db.execute("SELECT pair, axis, data FROM slivers WHERE blob_id = ?", (blob_id,)).fetchall()
            write = _Write(concurrent.futures.Future(), blob_id=blob_id, slivers=[(int(p), AXES[a], bytes(d)) for p, a, d in rows])
            write.statements = [("DELETE FROM slivers WHERE blob_id = ?", (blob_id,))]
            self._commit([write])
            write.future.result()
        self._db.execute("DROP TABLE slivers")
        log.info("%s: moved the slivers of %d blobs into segment files", self.path, len(blob_ids))

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
        blob stays invalid. For a dropped status (invalid, deleted, expired) the blob's metadata
        and slivers are deleted in the same transaction."""
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
        after = None
        if status in DROPPED_STATUSES:
            statements += [
                ("DELETE FROM sliver_index WHERE blob_id = ?", (blob_id,)),
                ("DELETE FROM metadata WHERE blob_id = ?", (blob_id,)),
                ("DELETE FROM sync_queue WHERE blob_id = ?", (blob_id,)),
            ]
            segment = self._segment(blob_id)
            after = lambda: segment.unlink(missing_ok=True)  # noqa: E731 - once the index is gone
        self._write(statements, after)

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
