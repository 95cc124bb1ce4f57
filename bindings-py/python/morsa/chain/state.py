"""The control plane's durable state (SQLite) and its transitions.

It stands in for Walrus's Sui contracts: committee and shard assignment, epochs, accounts,
blob registration with payment, certification (certificates verified by the core),
invalidation, and an event log that storage nodes follow. Every transition runs in one SQLite
transaction, so a crash never leaves half of one behind; a refused transition raises
:class:`morsa.net.errors.ApiError` (its HTTP status and reason).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import morsa

from ..net.accounts import NONCE_WINDOW_MS
from ..net.errors import ApiError
from .economy import Economy

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    idx INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    public_key BLOB NOT NULL,
    stake INTEGER NOT NULL,
    commission_bps INTEGER NOT NULL,
    storage_price_vote INTEGER NOT NULL,
    write_price_vote INTEGER NOT NULL,
    capacity_vote INTEGER NOT NULL,
    rewards INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, balance INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS nonces (
    address TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (address, nonce)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
    blob_id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    registered_epoch INTEGER NOT NULL,
    end_epoch INTEGER NOT NULL,
    storage_size INTEGER NOT NULL,
    deletable INTEGER NOT NULL,
    certified_epoch INTEGER,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    cost INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    blob_id TEXT,
    epoch INTEGER NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
"""


@dataclass
class NodeSpec:
    """A storage node known to the control plane."""

    name: str
    url: str
    public_key: bytes
    stake: int
    commission_bps: int = 0
    storage_price_vote: int = 0
    write_price_vote: int = 0
    capacity_vote: int = 0

    @property
    def node_id(self) -> str:
        return self.public_key.hex()


@dataclass
class ChainConfig:
    """Genesis and server settings of a control plane (JSON file)."""

    data_dir: str
    admin_token: str
    n_shards: int = morsa.MAINNET_N_SHARDS
    host: str = "127.0.0.1"
    port: int = 9000
    max_epochs_ahead: int = 53
    faucet: bool = False
    faucet_max: int = 10**15
    nodes: list[NodeSpec] = field(default_factory=list)

    @staticmethod
    def load(path: str | Path) -> ChainConfig:
        raw = json.loads(Path(path).read_text())
        nodes = [
            NodeSpec(**{**n, "public_key": bytes.fromhex(n["public_key"])}) for n in raw.pop("nodes", [])
        ]
        return ChainConfig(**raw, nodes=nodes)

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "nodes"}
        data["nodes"] = [{**n.__dict__, "public_key": n.public_key.hex()} for n in self.nodes]
        return json.dumps(data, indent=2)


def _object_id(blob_id: str, seq: int) -> str:
    return "0x" + hashlib.blake2b(f"{blob_id}:{seq}".encode(), digest_size=32).hexdigest()


class ChainState:
    """The control plane's state in SQLite; thread-safe (one lock, one connection)."""

    def __init__(self, path: str | Path, economy: Economy) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.economy = economy

    # ---- helpers

    def _tx(self) -> Any:
        db = self._db

        class Tx:
            def __enter__(self_inner) -> sqlite3.Connection:
                db.execute("BEGIN IMMEDIATE")
                return db

            def __exit__(self_inner, exc_type: Any, *_: Any) -> None:
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return Tx()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, db: sqlite3.Connection, key: str, value: Any) -> None:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))

    def _event(self, db: sqlite3.Connection, kind: str, epoch: int, blob_id: str | None = None, **data: Any) -> None:
        db.execute(
            "INSERT INTO events (kind, blob_id, epoch, data) VALUES (?, ?, ?, ?)",
            (kind, blob_id, epoch, json.dumps(data)),
        )

    # ---- genesis and committee

    @property
    def initialized(self) -> bool:
        return self._meta("epoch") is not None

    def genesis(self, config: ChainConfig) -> None:
        """Create epoch 1's committee from the configured nodes (no-op if already initialized)."""
        with self._lock:
            if self.initialized:
                return
            if not config.nodes:
                raise ApiError(400, "NO_NODES", "the chain config lists no storage nodes")
            with self._tx() as db:
                for i, n in enumerate(config.nodes):
                    db.execute(
                        "INSERT INTO nodes (idx, node_id, name, url, public_key, stake, commission_bps,"
                        " storage_price_vote, write_price_vote, capacity_vote) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (i, n.node_id, n.name, n.url, n.public_key, n.stake, n.commission_bps,
                         n.storage_price_vote, n.write_price_vote, n.capacity_vote),
                    )
                self._set_meta(db, "n_shards", config.n_shards)
                self._set_meta(db, "max_epochs_ahead", config.max_epochs_ahead)
                self._set_meta(db, "economy", json.dumps(self.economy.genesis_state()))
                self._new_committee(db, epoch=1, previous=None)
                self._set_meta(db, "epoch", 1)
                self._event(db, "epoch", 1)

    def _nodes(self, db: sqlite3.Connection) -> list[dict[str, Any]]:
        cols = ["idx", "node_id", "name", "url", "public_key", "stake", "commission_bps",
                "storage_price_vote", "write_price_vote", "capacity_vote", "rewards"]
        rows = db.execute(f"SELECT {', '.join(cols)} FROM nodes ORDER BY idx").fetchall()
        return [dict(zip(cols, r)) for r in rows]

    def _new_committee(self, db: sqlite3.Connection, epoch: int, previous: dict[str, list[int]] | None) -> None:
        """Assign shards by stake (the reward module's apportionment) and store the committee."""
        n_shards = int(self._meta_in(db, "n_shards"))
        nodes = self._nodes(db)
        assignment = self.economy.assign_shards(
            [(n["node_id"], n["stake"]) for n in nodes], n_shards, previous
        )
        members = [n for n in nodes if assignment.get(n["node_id"])]
        committee = morsa.Committee(epoch, [(n["public_key"], assignment[n["node_id"]]) for n in members])
        info = {
            "epoch": epoch,
            "n_shards": n_shards,
            "committee": base64.b64encode(committee.to_bytes()).decode(),
            "members": [
                {
                    "node_id": n["node_id"],
                    "name": n["name"],
                    "url": n["url"],
                    "public_key": base64.b64encode(n["public_key"]).decode(),
                    "shards": assignment[n["node_id"]],
                }
                for n in members
            ],
        }
        self._set_meta(db, "committee", json.dumps(info))

    def _meta_in(self, db: sqlite3.Connection, key: str) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise ApiError(503, "NOT_INITIALIZED", "the control plane has no genesis yet")
        return str(row[0])

    def committee_info(self) -> dict[str, Any]:
        """The current committee (docs/network.md `GET /v1/committee`)."""
        committee: dict[str, Any] = json.loads(self._meta_in(self._db, "committee"))
        return committee

    def committee(self) -> morsa.Committee:
        return morsa.Committee.from_bytes(base64.b64decode(self.committee_info()["committee"]))

    @property
    def epoch(self) -> int:
        return int(self._meta_in(self._db, "epoch"))

    @property
    def n_shards(self) -> int:
        return int(self._meta_in(self._db, "n_shards"))

    def _weights(self) -> dict[str, int]:
        return {m["node_id"]: len(m["shards"]) for m in self.committee_info()["members"]}

    def prices(self) -> dict[str, int]:
        """Current storage and write prices (FROST per MiB unit)."""
        return self.economy.prices(self._nodes(self._db), self._weights(), self.n_shards)

    # ---- accounts

    def balance(self, address: str) -> int:
        row = self._db.execute("SELECT balance FROM accounts WHERE address = ?", (address,)).fetchone()
        return int(row[0]) if row else 0

    def faucet(self, address: str, amount: int, cap: int) -> int:
        """Credit ``amount`` FROST (at most ``cap``) to ``address``; returns the balance."""
        if not 0 < amount <= cap:
            raise ApiError(400, "INVALID_AMOUNT", f"the faucet gives between 1 and {cap} FROST at a time")
        with self._lock, self._tx() as db:
            db.execute(
                "INSERT INTO accounts (address, balance) VALUES (?, ?) "
                "ON CONFLICT(address) DO UPDATE SET balance = balance + excluded.balance",
                (address, amount),
            )
        return self.balance(address)

    # ---- blobs

    def _blob_row(self, blob_id: str) -> dict[str, Any] | None:
        cols = ["blob_id", "object_id", "size", "root_hash", "registered_epoch", "end_epoch", "storage_size",
                "deletable", "certified_epoch", "status", "owner", "cost"]
        row = self._db.execute(f"SELECT {', '.join(cols)} FROM blobs WHERE blob_id = ?", (blob_id,)).fetchone()
        return dict(zip(cols, row)) if row else None

    @staticmethod
    def blob_object(row: dict[str, Any]) -> dict[str, Any]:
        """The SPEC §12.2 `Blob` JSON of a blob row."""
        return {
            "id": row["object_id"],
            "registeredEpoch": row["registered_epoch"],
            "blobId": row["blob_id"],
            "size": row["size"],
            "encodingType": "RS2",
            "certifiedEpoch": row["certified_epoch"],
            "storage": {
                "id": "0x" + hashlib.blake2b(row["object_id"].encode(), digest_size=32).hexdigest(),
                "startEpoch": row["registered_epoch"],
                "endEpoch": row["end_epoch"],
                "storageSize": row["storage_size"],
            },
            "deletable": bool(row["deletable"]),
        }

    def blob(self, blob_id: str) -> dict[str, Any]:
        row = self._blob_row(blob_id)
        if row is None:
            raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
        status = row["status"]
        if status != "invalid" and row["end_epoch"] <= self.epoch:
            status = "expired"
        return {"blob_object": self.blob_object(row), "status": status}

    def _use_nonce(self, db: sqlite3.Connection, address: str, nonce: str, now_ms: int) -> None:
        """Record a signed request's nonce; 401 when it was used before (a replay)."""
        db.execute("DELETE FROM nonces WHERE expires_ms < ?", (now_ms,))
        try:
            db.execute(
                "INSERT INTO nonces (address, nonce, expires_ms) VALUES (?, ?, ?)",
                (address, nonce, now_ms + 2 * NONCE_WINDOW_MS),
            )
        except sqlite3.IntegrityError:
            raise ApiError(401, "UNAUTHENTICATED", "this request was already made (a replayed nonce)") from None

    def register(
        self,
        blob_id: str,
        root_hash: bytes,
        size: int,
        epochs_ahead: int,
        deletable: bool,
        account: str,
        nonce: str,
        now_ms: int,
        force: bool = False,
    ) -> tuple[dict[str, Any], int, bool]:
        """Register a blob and charge its cost (REWARDS.md §1.3–§1.6) to ``account``, whose
        signed request had ``nonce`` (used once). A blob registered before (and not invalid) is
        returned uncharged, unless ``force``: then a new blob object replaces it, registered and
        charged anew, to be certified again (Walrus's publisher ``force``). Returns
        (Blob, cost, new)."""
        max_ahead = int(self._meta_in(self._db, "max_epochs_ahead"))
        if not 1 <= epochs_ahead <= max_ahead:
            raise ApiError(400, "INVALID_EPOCHS", f"epochs_ahead must be between 1 and {max_ahead}")
        if len(root_hash) != 32 or morsa.derive_blob_id(root_hash, size) != blob_id:
            raise ApiError(400, "BLOB_ID_MISMATCH", "the blob ID is not derived from the root hash and size")
        n_shards = self.n_shards
        try:
            storage_size = morsa.EncodingConfig(n_shards).encoded_blob_length(size)
        except morsa.MorsaError as e:
            raise ApiError(400, "BLOB_TOO_LARGE", str(e)) from None
        with self._lock:
            existing = self._blob_row(blob_id)
            if existing is not None and existing["status"] != "invalid" and not force:
                with self._tx() as db:
                    self._use_nonce(db, account, nonce, now_ms)
                return self.blob_object(existing), 0, False
            epoch = self.epoch
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                economy = json.loads(self._meta_in(db, "economy"))
                cost, economy = self.economy.charge_blob(economy, self.prices(), n_shards, size, epochs_ahead, epoch)
                balance = self.balance(account)
                if balance < cost:
                    raise ApiError(402, "INSUFFICIENT_FUNDS", f"the blob costs {cost} FROST, {account} has {balance}")
                db.execute("UPDATE accounts SET balance = balance - ? WHERE address = ?", (cost, account))
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetchone()[0]
                row = {
                    "blob_id": blob_id,
                    "object_id": _object_id(blob_id, seq),
                    "size": size,
                    "root_hash": root_hash,
                    "registered_epoch": epoch,
                    "end_epoch": epoch + epochs_ahead,
                    "storage_size": storage_size,
                    "deletable": int(deletable),
                    "certified_epoch": None,
                    "status": "registered",
                    "owner": account,
                    "cost": cost,
                }
                db.execute("DELETE FROM blobs WHERE blob_id = ?", (blob_id,))
                db.execute(
                    f"INSERT INTO blobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                self._set_meta(db, "economy", json.dumps(economy))
                self._event(db, "registered", epoch, blob_id, object_id=row["object_id"], deletable=deletable)
        return self.blob_object(row), cost, True

    def certify(self, blob_id: str, certificate: bytes) -> dict[str, Any]:
        """Certify a registered blob with a storage certificate (quorum `3w ≥ 2n+1`, SPEC §10.3)."""
        with self._lock:
            row = self._blob_row(blob_id)
            if row is None:
                raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
            if row["status"] == "invalid":
                raise ApiError(400, "BLOB_INVALID", f"blob {blob_id} was marked invalid")
            verified = self._verify(certificate, "confirmation")
            if verified.blob_id != blob_id:
                raise ApiError(400, "CERTIFICATE_MISMATCH", "the certificate is for another blob")
            expected_object = bytes.fromhex(row["object_id"][2:]) if row["deletable"] else None
            if verified.object_id != expected_object:
                raise ApiError(400, "CERTIFICATE_MISMATCH", "the certificate's blob type does not match the registration")
            if row["certified_epoch"] is None:
                epoch = self.epoch
                with self._tx() as db:
                    db.execute(
                        "UPDATE blobs SET certified_epoch = ?, status = 'certified' WHERE blob_id = ?",
                        (epoch, blob_id),
                    )
                    self._event(db, "certified", epoch, blob_id)
            return self.blob_object(self._blob_row(blob_id) or row)

    def invalidate(self, blob_id: str, certificate: bytes) -> None:
        """Mark a blob invalid with an invalid-blob certificate (validity `3w ≥ n+1`, SPEC §10.3)."""
        with self._lock:
            verified = self._verify(certificate, "invalid_blob")
            if verified.blob_id != blob_id:
                raise ApiError(400, "CERTIFICATE_MISMATCH", "the certificate is for another blob")
            row = self._blob_row(blob_id)
            if row is not None and row["status"] == "invalid":
                return
            epoch = self.epoch
            with self._tx() as db:
                db.execute("UPDATE blobs SET status = 'invalid' WHERE blob_id = ?", (blob_id,))
                self._event(db, "invalid", epoch, blob_id)

    def _verify(self, certificate: bytes, kind: str) -> morsa.VerifiedCertificate:
        try:
            verified = morsa.Certificate.from_bytes(certificate).verify(self.committee())
        except morsa.MorsaError as e:
            raise ApiError(400, "INVALID_CERTIFICATE", str(e)) from None
        if verified.kind != kind:
            raise ApiError(400, "INVALID_CERTIFICATE", f"expected a {kind} certificate, got {verified.kind}")
        return verified

    # ---- epochs and nodes

    def advance_epoch(self) -> dict[str, Any]:
        """End the current epoch: distribute its rewards, then start the next committee."""
        with self._lock:
            epoch = self.epoch
            committee = self.committee_info()
            with self._tx() as db:
                economy = json.loads(self._meta_in(db, "economy"))
                weights = {m["node_id"]: len(m["shards"]) for m in committee["members"]}
                payouts, economy, summary = self.economy.end_epoch(economy, weights, epoch)
                for node_id, amount in payouts.items():
                    db.execute("UPDATE nodes SET rewards = rewards + ? WHERE node_id = ?", (amount, node_id))
                self._set_meta(db, "economy", json.dumps(economy))
                previous = {m["node_id"]: m["shards"] for m in committee["members"]}
                self._new_committee(db, epoch + 1, previous)
                self._set_meta(db, "epoch", epoch + 1)
                self._event(db, "epoch", epoch + 1, **summary)
            return {"epoch": epoch + 1, "rewards": payouts, **summary}

    def add_node(self, spec: NodeSpec) -> None:
        """Register a node or change its stake; it takes effect at the next epoch."""
        with self._lock, self._tx() as db:
            row = db.execute("SELECT idx FROM nodes WHERE node_id = ?", (spec.node_id,)).fetchone()
            if row:
                db.execute(
                    "UPDATE nodes SET stake = ?, url = ?, name = ? WHERE node_id = ?",
                    (spec.stake, spec.url, spec.name, spec.node_id),
                )
                return
            idx = db.execute("SELECT COALESCE(MAX(idx), -1) + 1 FROM nodes").fetchone()[0]
            db.execute(
                "INSERT INTO nodes (idx, node_id, name, url, public_key, stake, commission_bps,"
                " storage_price_vote, write_price_vote, capacity_vote) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (idx, spec.node_id, spec.name, spec.url, spec.public_key, spec.stake, spec.commission_bps,
                 spec.storage_price_vote, spec.write_price_vote, spec.capacity_vote),
            )

    def nodes(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {k: (v.hex() if isinstance(v, bytes) else v) for k, v in n.items()} for n in self._nodes(self._db)
            ]

    # ---- events

    def events(self, since: int, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
        rows = self._db.execute(
            "SELECT seq, kind, blob_id, epoch, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)
        ).fetchall()
        events = [
            {"seq": seq, "kind": kind, "blob_id": blob_id, "epoch": epoch, **json.loads(data)}
            for seq, kind, blob_id, epoch, data in rows
        ]
        return events, (events[-1]["seq"] if events else since)

    def close(self) -> None:
        self._db.close()
