"""Durable state of a storage node: SQLite (stdlib ``sqlite3``) in WAL mode, ``synchronous=FULL``.

Every write is one transaction; a method returns only after ``COMMIT``, so a caller that
acknowledges a request after the call has made it durable (it survives ``kill -9`` and power
loss up to the guarantees of the file system). Tables:

* ``metadata(blob_id, data)``: BCS ``BlobMetadataWithId`` (SPEC §5.5), verified before insertion;
* ``slivers(blob_id, pair, axis, data, checksum)``: BCS ``SliverData`` (SPEC §6), ``axis`` 0
  primary, 1 secondary, ``pair`` the pair index, verified against the stored metadata before
  insertion; ``checksum`` is a 16-byte BLAKE2b of ``data``, checked on every read: a sliver
  that no longer matches (a failing disk) is deleted and its blob queued for recovery;
* ``blobs(blob_id, status, info)``: the control plane's view (``registered``, ``certified``,
  ``invalid``, ``expired``) and its ``Blob`` object as JSON;
* ``sync_queue(blob_id)``: certified blobs whose slivers may still be missing;
* ``state(key, value)``: e.g. the ``/v1/events`` cursor.

One connection is shared by the server's threads under a lock.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from collections.abc import Callable
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


def checksum(data: bytes) -> bytes:
    """16-byte BLAKE2b of a stored row, to detect corruption at rest."""
    return hashlib.blake2b(data, digest_size=16).digest()


def axis_code(axis: str) -> int:
    """0 for ``"primary"``, 1 for ``"secondary"`` (the ``ByAxis`` tags of SPEC §16)."""
    return AXES.index(axis)


class NodeStore:
    """The node's SQLite database at ``path`` (created with its directory)."""

    def __init__(self, path: str | os.PathLike[str], on_corrupt: Callable[[str], None] | None = None) -> None:
        """``on_corrupt(blob_id)`` is called (from the reading thread) after a corrupted sliver
        was dropped and its blob queued for sync."""
        self.on_corrupt = on_corrupt
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise RuntimeError(f"{self.path}: cannot enable WAL mode (got {mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(slivers)")}
        if "checksum" not in columns:  # databases from before the checksum column
            self._db.execute("ALTER TABLE slivers ADD COLUMN checksum BLOB")

    def close(self) -> None:
        """Close the connection (a WAL checkpoint happens on the last close)."""
        with self._lock:
            self._db.close()

    # -- helpers

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[int]:
        """Run ``statements`` in one ``BEGIN IMMEDIATE … COMMIT``; returns each rowcount."""
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                counts = []
                for sql, params in statements:
                    cur.execute(sql, params)
                    counts.append(cur.rowcount)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return counts

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- metadata and slivers

    def put_metadata(self, blob_id: str, data: bytes) -> bool:
        """Store BCS ``BlobMetadataWithId``; False when it was already stored."""
        (count,) = self._write([("INSERT OR IGNORE INTO metadata (blob_id, data) VALUES (?, ?)", (blob_id, data))])
        return count == 1

    def get_metadata(self, blob_id: str) -> bytes | None:
        """The stored BCS ``BlobMetadataWithId``, or None."""
        rows = self._read("SELECT data FROM metadata WHERE blob_id = ?", (blob_id,))
        return bytes(rows[0][0]) if rows else None

    def has_metadata(self, blob_id: str) -> bool:
        return bool(self._read("SELECT 1 FROM metadata WHERE blob_id = ?", (blob_id,)))

    def put_sliver(self, blob_id: str, pair: int, axis: str, data: bytes) -> bool:
        """Store BCS ``SliverData`` of pair ``pair``; False when it was already stored."""
        (count,) = self._write(
            [
                (
                    "INSERT OR IGNORE INTO slivers (blob_id, pair, axis, data, checksum) VALUES (?, ?, ?, ?, ?)",
                    (blob_id, pair, axis_code(axis), data, checksum(data)),
                )
            ]
        )
        return count == 1

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
        statements: list[tuple[str, tuple[Any, ...]]] = []
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
