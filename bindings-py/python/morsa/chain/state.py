"""The control plane's durable state (SQLite) and its transitions.

It stands in for Walrus's Sui contracts: committee and shard assignment, epochs, accounts,
blob registration with payment, certification (certificates verified by the core),
invalidation, delegated staking, votes and commission, and an event log that storage nodes
follow. The economy (epochs, committee selection, prices, storage accounting, rewards, staking
pools) is the core's state machine, :class:`morsa.rewards.Network` (REWARDS.md), kept as one
row; this module adds what Sui objects and coins would hold: account balances, blob objects,
node addresses. Every transition runs in one SQLite transaction, so a crash never leaves half of
one behind; a refused transition raises :class:`morsa.net.errors.ApiError` (its HTTP status and
reason).
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

from .. import _native
from .._types import Rules, SignatureScheme
from ..net.accounts import NONCE_WINDOW_MS
from ..net.committee import CommitteeView
from ..net.errors import ApiError
from ..rewards import FROST_PER_WAL, Network, RewardsError
from .policies import KeyServerSpec, Policies, key_server_specs, spec_json

SCHEMA_VERSION = 2
"""2: the economy is the core's ``Network`` (one row); 1 (no ``schema`` in ``meta``) kept its
own JSON ring and is not read."""

DEFAULT_STORAGE_PRICE = 100_000
"""FROST per MiB unit per epoch voted by a node configured without a vote."""
DEFAULT_WRITE_PRICE = 20_000
"""FROST per MiB unit voted by a node configured without a vote."""
DEFAULT_CAPACITY = 10**13
"""Bytes of capacity voted by a node configured without a vote (10 TB)."""

MAX_ATTRIBUTES_BYTES = 16 * 1024
"""The largest attribute set of one blob, keys and values in UTF-8."""

LIVE = ("registered", "certified")
"""Statuses of a blob whose data the nodes keep (until its end epoch)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS network (id INTEGER PRIMARY KEY CHECK (id = 0), state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS committees (epoch INTEGER PRIMARY KEY, info TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    idx INTEGER PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    public_key BLOB NOT NULL,
    bls_public_key BLOB
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
    cost INTEGER NOT NULL,
    storage_id TEXT NOT NULL,
    storage_start INTEGER NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    shared_balance INTEGER
);
CREATE INDEX IF NOT EXISTS blobs_by_owner ON blobs (owner);
CREATE INDEX IF NOT EXISTS blobs_by_end ON blobs (end_epoch);
CREATE TABLE IF NOT EXISTS storage (
    storage_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    start_epoch INTEGER NOT NULL,
    end_epoch INTEGER NOT NULL,
    size INTEGER NOT NULL
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
    """A storage node at genesis: its name, URL and public key (its node ID, and its operator's
    account address ``0x`` + the key in hex), the stake its operator puts in (FROST), its
    commission rate (basis points) and votes (0: the defaults). In a BLS network also its BLS
    public key (48 bytes, the key that signs confirmations) and the key's proof of possession
    (96 bytes: Walrus's ``ProofOfPossessionMessage`` for epoch 0 at genesis, the current epoch
    when added later, and the node's public key as address)."""

    name: str
    url: str
    public_key: bytes
    stake: int
    commission_bps: int = 0
    storage_price_vote: int = 0
    write_price_vote: int = 0
    capacity_vote: int = 0
    bls_public_key: bytes | None = None
    bls_proof_of_possession: bytes | None = None

    @property
    def node_id(self) -> str:
        return self.public_key.hex()

    @property
    def operator(self) -> str:
        """The operator's account address: the node's key signs for it."""
        return "0x" + self.public_key.hex()


@dataclass
class ChainConfig:
    """Genesis and server settings of a control plane (JSON file)."""

    data_dir: str
    admin_token: str
    n_shards: int = morsa.MAINNET_N_SHARDS
    host: str = "127.0.0.1"
    port: int = 9000
    max_epochs_ahead: int = 53
    epoch_duration_ms: int = 0
    """Epochs change on this timer (``voting_end`` at half, REWARDS.md §2); 0: on demand only."""
    rules: Rules = "mainnet"
    faucet: bool = False
    faucet_max: int = 10**15
    signature_scheme: SignatureScheme = "ed25519"
    """How the committee certifies: Morsa's Ed25519 certificates, or ``bls12381`` as Walrus does."""
    nodes: list[NodeSpec] = field(default_factory=list)
    key_servers: list[KeyServerSpec] = field(default_factory=list)
    """Seal key servers registered at genesis (docs/private-blobs.md)."""
    seal_threshold: int = 2
    """How many key servers private blobs are encrypted to need, by default."""

    @staticmethod
    def load(path: str | Path) -> ChainConfig:
        raw = json.loads(Path(path).read_text())
        keys = ("public_key", "bls_public_key", "bls_proof_of_possession")
        nodes = [NodeSpec(**{**n, **{k: bytes.fromhex(n[k]) for k in keys if n.get(k)}}) for n in raw.pop("nodes", [])]
        key_servers = key_server_specs(raw.pop("key_servers", []))
        return ChainConfig(**raw, nodes=nodes, key_servers=key_servers)

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k not in ("nodes", "key_servers")}
        keys = ("public_key", "bls_public_key", "bls_proof_of_possession")
        data["nodes"] = [{**n.__dict__, **{k: getattr(n, k).hex() for k in keys if getattr(n, k)}} for n in self.nodes]
        data["key_servers"] = spec_json(self.key_servers)
        return json.dumps(data, indent=2)


def check_bls_key(spec: NodeSpec, epoch: int) -> None:
    """A node of a BLS network must bring a BLS public key with its proof of possession for
    ``epoch`` (the address is the node's public key): without it, a node could register a key
    made of the others' and forge their aggregate signatures. Raises :class:`ApiError` 400."""
    key, proof, name = spec.bls_public_key, spec.bls_proof_of_possession, spec.name or spec.node_id[:16]
    if key is None or proof is None or len(key) != 48 or len(proof) != 96:
        raise ApiError(400, "BLS_KEY_REQUIRED", f"node {name} needs a 48-byte BLS public key and its 96-byte proof of possession")
    if not _native.bls_verify_proof_of_possession(key, epoch, spec.public_key, proof):
        raise ApiError(400, "INVALID_PROOF_OF_POSSESSION", f"the BLS key of node {name} has no valid proof of possession for epoch {epoch}")


def _attributes_json(attributes: dict[str, str]) -> str:
    """Attributes as stored: string keys and values, at most :data:`MAX_ATTRIBUTES_BYTES`."""
    if not all(isinstance(k, str) and isinstance(v, str) and k for k, v in attributes.items()):
        raise ApiError(400, "INVALID_ATTRIBUTES", "attributes are non-empty string keys with string values")
    text = json.dumps(attributes, sort_keys=True, ensure_ascii=False)
    if len(text.encode()) > MAX_ATTRIBUTES_BYTES:
        raise ApiError(400, "INVALID_ATTRIBUTES", f"a blob's attributes take at most {MAX_ATTRIBUTES_BYTES} bytes")
    return text


def _object_id(blob_id: str, seq: int) -> str:
    return "0x" + hashlib.blake2b(f"{blob_id}:{seq}".encode(), digest_size=32).hexdigest()


def rewards_api_error(e: RewardsError) -> ApiError:
    """A refusal of the economy (:class:`RewardsError` with its ``code``) as an API error: an
    unknown node or stake object is 404, another account's stake 403, anything else 400."""
    code = getattr(e, "code", "REWARDS")
    status = {"NOT_FOUND": 404, "NOT_OWNER": 403}.get(code, 400)
    return ApiError(status, code, str(e))


class ChainState:
    """The control plane's state in SQLite; thread-safe (one lock, one connection). The
    economy lives in :attr:`network` (in memory, saved in the same transaction as every change)."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        old = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if old and self._meta("epoch") is not None and self._meta("schema") is None:
            self._db.close()
            raise ApiError(
                500, "OLD_STATE", f"{path} holds the state of an older control plane; start a new devnet (morsa devnet down --purge)"
            )
        self._db.executescript(SCHEMA)
        if "bls_public_key" not in {r[1] for r in self._db.execute("PRAGMA table_info(nodes)")}:
            self._db.execute("ALTER TABLE nodes ADD COLUMN bls_public_key BLOB")  # a state from before BLS networks
        self._lock = threading.Lock()
        self._views: dict[int, CommitteeView] = {}
        row = self._db.execute("SELECT state FROM network WHERE id = 0").fetchone()
        self.network: Network | None = Network.from_bytes(row[0]) if row else None
        self.policies = Policies(self)
        """Access policies and key servers (Seal's Move policies and key-server registry)."""

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

    def _net(self) -> Network:
        if self.network is None:
            raise ApiError(503, "NOT_INITIALIZED", "the control plane has no genesis yet")
        return self.network

    def _change(self, db: sqlite3.Connection, change: Any) -> tuple[Network, Any]:
        """Runs ``change(network)`` on a copy and saves the copy in ``db``'s transaction; the
        caller installs it with :meth:`_install` once the transaction commits. A refusal of the
        economy is an :class:`ApiError`."""
        net = self._net().copy()
        try:
            result = change(net)
        except RewardsError as e:
            raise rewards_api_error(e) from None
        db.execute("INSERT OR REPLACE INTO network (id, state) VALUES (0, ?)", (net.to_bytes(),))
        return net, result

    # ---- genesis and committee

    @property
    def initialized(self) -> bool:
        return self.network is not None

    def genesis(self, config: ChainConfig, now_ms: int = 0) -> None:
        """Register the configured nodes, stake their operators' stake and run the first
        epoch change: epoch 1's committee follows stake (REWARDS.md §5). No-op if already
        initialized."""
        with self._lock:
            if self.initialized:
                return
            if not config.nodes:
                raise ApiError(400, "NO_NODES", "the chain config lists no storage nodes")
            scheme = _native.signature_scheme(config.signature_scheme)
            if scheme == "bls12381":
                for n in config.nodes:
                    check_bls_key(n, 0)
            try:
                net = Network(config.n_shards, config.max_epochs_ahead, config.rules, config.epoch_duration_ms, now_ms)
                for n in config.nodes:
                    net.register_node(
                        n.node_id,
                        n.commission_bps,
                        n.storage_price_vote or DEFAULT_STORAGE_PRICE,
                        n.write_price_vote or DEFAULT_WRITE_PRICE,
                        n.capacity_vote or DEFAULT_CAPACITY,
                    )
                    if n.stake:
                        net.stake(n.operator, n.node_id, n.stake)
                net.advance_epoch(now_ms)
            except RewardsError as e:
                raise ApiError(400, "INVALID_GENESIS", f"the chain config cannot start a network: {e}") from None
            with self._tx() as db:
                for i, n in enumerate(config.nodes):
                    db.execute(
                        "INSERT INTO nodes (idx, node_id, name, url, public_key, bls_public_key) VALUES (?,?,?,?,?,?)",
                        (i, n.node_id, n.name, n.url, n.public_key, n.bls_public_key if scheme == "bls12381" else None),
                    )
                self._set_meta(db, "schema", SCHEMA_VERSION)
                self._set_meta(db, "signature_scheme", scheme)
                self._set_meta(db, "n_shards", config.n_shards)
                self._set_meta(db, "max_epochs_ahead", config.max_epochs_ahead)
                self.policies.genesis(db, config.key_servers, config.seal_threshold)
                db.execute("INSERT OR REPLACE INTO network (id, state) VALUES (0, ?)", (net.to_bytes(),))
                self._publish_committee(db, net)
                self._set_meta(db, "epoch", net.epoch)
                self._event(db, "epoch", net.epoch)
            self.network = net

    def _nodes(self, db: sqlite3.Connection) -> list[dict[str, Any]]:
        cols = ["idx", "node_id", "name", "url", "public_key", "bls_public_key"]
        rows = db.execute(f"SELECT {', '.join(cols)} FROM nodes ORDER BY idx").fetchall()
        return [dict(zip(cols, r)) for r in rows]

    def _publish_committee(self, db: sqlite3.Connection, net: Network) -> None:
        """Store the network's current committee with the members' URLs and keys (what
        ``GET /v1/committee`` serves and storage nodes follow)."""
        by_id = {n["node_id"]: n for n in self._nodes(db)}
        members = []
        for node, shards in net.committee():
            n = by_id[node.removeprefix("0x")]
            members.append((n, shards))
        committee = morsa.Committee(net.epoch, [(n["public_key"], shards) for n, shards in members])
        bls = self.signature_scheme_in(db) == "bls12381"
        info = {
            "epoch": net.epoch,
            "n_shards": net.n_shards,
            "committee": base64.b64encode(committee.to_bytes()).decode(),
            "signature_scheme": "bls12381" if bls else "ed25519",
            "members": [
                {
                    "node_id": n["node_id"],
                    "name": n["name"],
                    "url": n["url"],
                    "public_key": base64.b64encode(n["public_key"]).decode(),
                    "shards": shards,
                    **({"bls_public_key": base64.b64encode(n["bls_public_key"]).decode()} if bls else {}),
                }
                for n, shards in members
            ],
        }
        self._set_meta(db, "committee", json.dumps(info))
        db.execute("INSERT OR REPLACE INTO committees (epoch, info) VALUES (?, ?)", (net.epoch, json.dumps(info)))

    def _meta_in(self, db: sqlite3.Connection, key: str) -> str:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise ApiError(503, "NOT_INITIALIZED", "the control plane has no genesis yet")
        return str(row[0])

    def committee_info(self, epoch: int | None = None) -> dict[str, Any]:
        """The current committee, or that of an earlier ``epoch`` (docs/network.md
        `GET /v1/committee`); 404 for an epoch without one."""
        if epoch is None:
            committee: dict[str, Any] = json.loads(self._meta_in(self._db, "committee"))
            return committee
        row = self._db.execute("SELECT info FROM committees WHERE epoch = ?", (epoch,)).fetchone()
        if row is None:
            raise ApiError(404, "NO_COMMITTEE", f"there is no committee of epoch {epoch}")
        past: dict[str, Any] = json.loads(row[0])
        return past

    def committee(self) -> morsa.Committee:
        return self.committee_view().committee

    def committee_view(self) -> CommitteeView:
        """The current committee with its scheme and keys (cached per epoch)."""
        info = self.committee_info()
        view = self._views.get(int(info["epoch"]))
        if view is None:
            view = CommitteeView.from_json(info)
            self._views = {view.epoch: view}
        return view

    def signature_scheme_in(self, db: sqlite3.Connection) -> SignatureScheme:
        """The network's signature scheme (Ed25519 for a state from before BLS networks)."""
        row = db.execute("SELECT value FROM meta WHERE key = 'signature_scheme'").fetchone()
        return "bls12381" if row and row[0] == "bls12381" else "ed25519"

    @property
    def epoch(self) -> int:
        return self._net().epoch

    @property
    def n_shards(self) -> int:
        return self._net().n_shards

    def prices(self) -> dict[str, int]:
        """Current storage and write prices (FROST per MiB unit; REWARDS.md §1.1)."""
        storage, write = self._net().prices
        return {"storage_price": storage, "write_price": write}

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

    @staticmethod
    def _credit(db: sqlite3.Connection, address: str, amount: int) -> None:
        db.execute(
            "INSERT INTO accounts (address, balance) VALUES (?, ?) "
            "ON CONFLICT(address) DO UPDATE SET balance = balance + excluded.balance",
            (address, amount),
        )

    def _debit(self, db: sqlite3.Connection, address: str, amount: int, what: str) -> None:
        balance = self.balance(address)
        if balance < amount:
            raise ApiError(402, "INSUFFICIENT_FUNDS", f"{what} costs {amount} FROST, {address} has {balance}")
        db.execute("UPDATE accounts SET balance = balance - ? WHERE address = ?", (amount, address))

    # ---- blobs

    _BLOB_COLUMNS = (
        "blob_id", "object_id", "size", "root_hash", "registered_epoch", "end_epoch", "storage_size", "deletable",
        "certified_epoch", "status", "owner", "cost", "storage_id", "storage_start", "attributes", "shared_balance",
    )

    def _blob_row(self, blob_id: str) -> dict[str, Any] | None:
        cols = self._BLOB_COLUMNS
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
                "id": row["storage_id"],
                "startEpoch": row["storage_start"],
                "endEpoch": row["end_epoch"],
                "storageSize": row["storage_size"],
            },
            "deletable": bool(row["deletable"]),
        }

    def _status(self, row: dict[str, Any]) -> str:
        status = str(row["status"])
        return "expired" if status in LIVE and row["end_epoch"] <= self.epoch else status

    def _state(self, row: dict[str, Any]) -> dict[str, Any]:
        return {
            "blob_object": self.blob_object(row),
            "status": self._status(row),
            "owner": row["owner"],
            "attributes": json.loads(row["attributes"]),
            "shared": row["shared_balance"] is not None,
            "shared_balance": row["shared_balance"],
        }

    def blob(self, blob_id: str) -> dict[str, Any]:
        """The blob's object, status (``registered``, ``certified``, ``invalid``, ``expired``,
        ``deleted``), owner, attributes and, for a shared blob, its funds; 404 when unknown."""
        row = self._blob_row(blob_id)
        if row is None:
            raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
        return self._state(row)

    def blob_by_object_id(self, object_id: str) -> dict[str, Any]:
        """``{"blob_id", …}`` and the state of the blob whose object is ``object_id``; 404 when
        there is none (a deleted or replaced object included: its blob ID now names another)."""
        row = self._db.execute("SELECT blob_id FROM blobs WHERE object_id = ?", (object_id.lower(),)).fetchone()
        if row is None:
            raise ApiError(404, "BLOB_NOT_FOUND", f"no blob object {object_id}")
        return {"blob_id": row[0], **self.blob(row[0])}

    def blobs(self, owner: str | None = None, include_gone: bool = False, limit: int = 1000) -> list[dict[str, Any]]:
        """Blobs (of ``owner``), newest first; expired, deleted and invalid ones only with
        ``include_gone``."""
        cols = self._BLOB_COLUMNS
        where, args = ("WHERE owner = ?", [owner]) if owner else ("", [])
        rows = self._db.execute(
            f"SELECT {', '.join(cols)} FROM blobs {where} ORDER BY registered_epoch DESC, rowid DESC", args
        ).fetchall()
        out = []
        for r in rows:
            state = self._state(dict(zip(cols, r)))
            if include_gone or state["status"] in LIVE:
                out.append({"blob_id": r[0], **state})
            if len(out) >= limit:
                break
        return out

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
        attributes: dict[str, str] | None = None,
        reuse_resources: bool = True,
        owner: str | None = None,
    ) -> tuple[dict[str, Any], int, bool]:
        """Register a blob and charge its cost (REWARDS.md §1.3–§1.6) to ``account``, whose
        signed request had ``nonce`` (used once). A blob registered before (live, not expired)
        is returned uncharged, unless ``force``: then a new blob object replaces it, registered
        and charged anew, to be certified again (Walrus's publisher ``force``). With
        ``reuse_resources``, a storage resource the account holds (from a deleted blob) that is
        large and long enough is used: only the write fee is charged, and the blob lasts as long
        as the resource. ``attributes`` are set on the new blob; ``owner`` (default: the payer)
        receives the blob object (Walrus's ``send_object_to``). Returns (Blob, cost, new)."""
        max_ahead = self._net().max_epochs_ahead
        if not 1 <= epochs_ahead <= max_ahead:
            raise ApiError(400, "INVALID_EPOCHS", f"epochs_ahead must be between 1 and {max_ahead}")
        if len(root_hash) != 32 or morsa.derive_blob_id(root_hash, size) != blob_id:
            raise ApiError(400, "BLOB_ID_MISMATCH", "the blob ID is not derived from the root hash and size")
        attributes_json = _attributes_json(attributes or {})
        with self._lock:
            existing = self._blob_row(blob_id)
            if existing is not None and self._status(existing) in LIVE and not force:
                with self._tx() as db:
                    self._use_nonce(db, account, nonce, now_ms)
                return self.blob_object(existing), 0, False
            epoch = self.epoch
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetchone()[0]
                object_id = _object_id(blob_id, seq)
                resource = self._reusable(db, account, size, epoch + epochs_ahead) if reuse_resources else None
                try:
                    if resource is not None:
                        net, cost = self._change(db, lambda n: n.pay_write_fee(size))
                        storage_size = self._encoded_length(size)
                        storage_id, storage_start, end_epoch = resource[0], resource[1], resource[2]
                        db.execute("DELETE FROM storage WHERE storage_id = ?", (storage_id,))
                    else:
                        net, bought = self._change(db, lambda n: n.buy_storage(size, epochs_ahead))
                        cost, storage_size = bought["total"], bought["encoded_length"]
                        storage_id = "0x" + hashlib.blake2b(object_id.encode(), digest_size=32).hexdigest()
                        storage_start, end_epoch = epoch, epoch + epochs_ahead
                except ApiError as e:
                    if e.reason == "ENCODING":
                        raise ApiError(400, "BLOB_TOO_LARGE", e.message) from None
                    raise
                self._debit(db, account, cost, "the blob")
                row = {
                    "blob_id": blob_id,
                    "object_id": object_id,
                    "size": size,
                    "root_hash": root_hash,
                    "registered_epoch": epoch,
                    "end_epoch": end_epoch,
                    "storage_size": storage_size,
                    "deletable": int(deletable),
                    "certified_epoch": None,
                    "status": "registered",
                    "owner": owner or account,
                    "cost": cost,
                    "storage_id": storage_id,
                    "storage_start": storage_start,
                    "attributes": attributes_json,
                    "shared_balance": None,
                }
                db.execute("DELETE FROM blobs WHERE blob_id = ?", (blob_id,))
                db.execute(
                    f"INSERT INTO blobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()),
                )
                self._event(
                    db, "registered", epoch, blob_id, object_id=object_id, deletable=deletable, reused_storage=resource is not None
                )
            self.network = net
        return self.blob_object(row), cost, True

    def _encoded_length(self, size: int) -> int:
        try:
            return int(morsa.EncodingConfig(self.n_shards).encoded_blob_length(size))
        except morsa.MorsaError as e:
            raise ApiError(400, "BLOB_TOO_LARGE", str(e)) from None

    def _reusable(self, db: sqlite3.Connection, owner: str, size: int, end_epoch: int) -> tuple[str, int, int] | None:
        """The smallest storage resource ``owner`` holds that fits ``size`` bytes (encoded) from
        now until at least ``end_epoch``; expired resources are dropped on the way."""
        epoch = self.epoch
        db.execute("DELETE FROM storage WHERE end_epoch <= ?", (epoch,))
        row = db.execute(
            "SELECT storage_id, start_epoch, end_epoch FROM storage WHERE owner = ? AND size >= ? AND end_epoch >= ? "
            "AND start_epoch <= ? ORDER BY size, end_epoch LIMIT 1",
            (owner, self._encoded_length(size), end_epoch, epoch),
        ).fetchone()
        return (str(row[0]), int(row[1]), int(row[2])) if row else None

    def _owned_blob(self, blob_id: str, account: str) -> dict[str, Any]:
        row = self._blob_row(blob_id)
        if row is None:
            raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
        if row["owner"] != account:
            raise ApiError(403, "NOT_OWNER", f"blob {blob_id} belongs to {row['owner']}")
        return row

    def delete(self, blob_id: str, account: str, nonce: str, now_ms: int) -> dict[str, Any]:
        """Delete a deletable blob (its owner only): nodes drop its data and reads answer 404;
        its storage resource, if not expired, returns to the owner for reuse. Returns
        ``{"blob_id", "storage_returned"}``."""
        with self._lock:
            row = self._owned_blob(blob_id, account)
            if not row["deletable"]:
                raise ApiError(400, "NOT_DELETABLE", f"blob {blob_id} is permanent: only deletable blobs can be deleted")
            status = self._status(row)
            if status not in LIVE:
                raise ApiError(409, "BLOB_GONE", f"blob {blob_id} is already {status}")
            epoch = self.epoch
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                db.execute("UPDATE blobs SET status = 'deleted' WHERE blob_id = ?", (blob_id,))
                db.execute(
                    "INSERT OR REPLACE INTO storage (storage_id, owner, start_epoch, end_epoch, size) VALUES (?,?,?,?,?)",
                    (row["storage_id"], account, row["storage_start"], row["end_epoch"], row["storage_size"]),
                )
                self._event(db, "deleted", epoch, blob_id, object_id=row["object_id"])
        return {"blob_id": blob_id, "storage_returned": {"id": row["storage_id"], "end_epoch": row["end_epoch"], "size": row["storage_size"]}}

    def extend(self, blob_id: str, epochs: int, account: str, nonce: str, now_ms: int, *, shared_funds: bool = False) -> dict[str, Any]:
        """Extend a certified blob's storage by ``epochs`` (REWARDS.md §1.7): anyone may pay;
        with ``shared_funds``, a shared blob pays from its own funds. Returns ``{"blob_object",
        "cost"}``."""
        with self._lock:
            row = self._blob_row(blob_id)
            if row is None:
                raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
            status = self._status(row)
            if status != "certified":
                raise ApiError(409, "NOT_CERTIFIED", f"only a certified blob can be extended; blob {blob_id} is {status}")
            if shared_funds and row["shared_balance"] is None:
                raise ApiError(400, "NOT_SHARED", f"blob {blob_id} is not shared")
            if epochs < 1:
                raise ApiError(400, "INVALID_EPOCHS", "extend by at least 1 epoch")
            epoch = self.epoch
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                net, cost = self._change(db, lambda n: n.extend(row["storage_size"], row["end_epoch"], epochs))
                if shared_funds:
                    if row["shared_balance"] < cost:
                        raise ApiError(402, "INSUFFICIENT_FUNDS", f"extending costs {cost} FROST; the shared blob holds {row['shared_balance']}")
                    db.execute("UPDATE blobs SET shared_balance = shared_balance - ? WHERE blob_id = ?", (cost, blob_id))
                else:
                    self._debit(db, account, cost, "the extension")
                db.execute("UPDATE blobs SET end_epoch = end_epoch + ? WHERE blob_id = ?", (epochs, blob_id))
                self._event(db, "extended", epoch, blob_id, end_epoch=row["end_epoch"] + epochs, cost=cost, payer=account)
            self.network = net
            updated = self._blob_row(blob_id)
            assert updated is not None
            return {"blob_object": self.blob_object(updated), "cost": cost}

    def share(self, blob_id: str, account: str, amount: int, nonce: str, now_ms: int) -> dict[str, Any]:
        """Make a permanent certified blob shared (its owner only), with ``amount`` FROST of
        initial funds: anyone may then fund it, and its funds pay its extensions."""
        with self._lock:
            row = self._owned_blob(blob_id, account)
            if row["deletable"]:
                raise ApiError(400, "NOT_PERMANENT", "only a permanent blob can be shared")
            if self._status(row) != "certified":
                raise ApiError(409, "NOT_CERTIFIED", f"blob {blob_id} is {self._status(row)}, not certified")
            if row["shared_balance"] is not None:
                raise ApiError(409, "ALREADY_SHARED", f"blob {blob_id} is already shared")
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                self._debit(db, account, amount, "the shared blob's funds")
                db.execute("UPDATE blobs SET shared_balance = ? WHERE blob_id = ?", (amount, blob_id))
                self._event(db, "shared", self.epoch, blob_id, amount=amount)
        return self.blob(blob_id)

    def fund_shared(self, blob_id: str, account: str, amount: int, nonce: str, now_ms: int) -> dict[str, Any]:
        """Add ``amount`` FROST of ``account``'s to a shared blob's funds (anyone may)."""
        with self._lock:
            row = self._blob_row(blob_id)
            if row is None:
                raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
            if row["shared_balance"] is None:
                raise ApiError(400, "NOT_SHARED", f"blob {blob_id} is not shared ('morsa share' makes it so)")
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                self._debit(db, account, amount, "funding")
                db.execute("UPDATE blobs SET shared_balance = shared_balance + ? WHERE blob_id = ?", (amount, blob_id))
                self._event(db, "funded", self.epoch, blob_id, amount=amount, payer=account)
        return self.blob(blob_id)

    def set_attributes(
        self, blob_id: str, account: str, set_: dict[str, str], remove: list[str], nonce: str, now_ms: int
    ) -> dict[str, Any]:
        """Set and remove attributes of a blob (its owner only); returns the blob's state."""
        with self._lock:
            row = self._owned_blob(blob_id, account)
            attributes = {**json.loads(row["attributes"]), **set_}
            for key in remove:
                attributes.pop(key, None)
            text = _attributes_json(attributes)
            with self._tx() as db:
                self._use_nonce(db, account, nonce, now_ms)
                db.execute("UPDATE blobs SET attributes = ? WHERE blob_id = ?", (text, blob_id))
                self._event(db, "attributes", self.epoch, blob_id)
        return self.blob(blob_id)

    def certify(self, blob_id: str, certificate: bytes) -> dict[str, Any]:
        """Certify a registered blob with a storage certificate (quorum `3w ≥ 2n+1`, SPEC §10.3)."""
        with self._lock:
            row = self._blob_row(blob_id)
            if row is None:
                raise ApiError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
            if row["status"] == "invalid":
                raise ApiError(400, "BLOB_INVALID", f"blob {blob_id} was marked invalid")
            if self._status(row) in ("expired", "deleted"):
                raise ApiError(409, "BLOB_GONE", f"blob {blob_id} is {self._status(row)}")
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
        """Verify in the committee's scheme (Morsa's Ed25519 certificate, or Walrus's BLS
        ``ProtocolMessageCertificate`` in BCS in a BLS network)."""
        try:
            verified = self.committee_view().verify_certificate(certificate)
        except morsa.MorsaError as e:
            raise ApiError(400, "INVALID_CERTIFICATE", str(e)) from None
        if verified.kind != kind:
            raise ApiError(400, "INVALID_CERTIFICATE", f"expected a {kind} certificate, got {verified.kind}")
        return verified

    # ---- epochs

    def _epoch_changed(self, db: sqlite3.Connection, net: Network, report: dict[str, Any]) -> dict[str, Any]:
        """Publish the new committee and record the ``epoch`` event of an epoch change."""
        self._publish_committee(db, net)
        self._set_meta(db, "epoch", net.epoch)
        summary = {
            "collected": report["collected"],
            "burned": report["burned"],
            "paid": report["paid"],
            "leftover": report["leftover"],
            "rewards": {r["node"].removeprefix("0x"): r["reward"] for r in report["rewards"]},
        }
        self._event(db, "epoch", net.epoch, **summary)
        expired = db.execute(
            "SELECT blob_id FROM blobs WHERE end_epoch = ? AND status IN ('registered', 'certified')", (net.epoch,)
        ).fetchall()
        for (blob_id,) in expired:
            self._event(db, "expired", net.epoch, blob_id)
        return {"epoch": net.epoch, **summary, "expired": len(expired)}

    def advance_epoch(self, now_ms: int) -> dict[str, Any]:
        """End the current epoch now (REWARDS.md §2): select the next committee if that has not
        happened, distribute the epoch's rewards, start the next committee. Returns the new
        epoch, the burn, what was paid and rolled over, and the reward per node ID."""
        with self._lock, self._tx() as db:
            net, report = self._change(db, lambda n: n.advance_epoch(now_ms))
            summary = self._epoch_changed(db, net, report)
        self.network = net
        return summary

    def tick(self, now_ms: int) -> list[dict[str, Any]]:
        """Run the epoch transitions due at ``now_ms`` on the epoch timer (``voting_end`` at
        half an epoch, the epoch change at its end, REWARDS.md §2); returns what happened."""
        with self._lock:
            net = self._net().copy()
            try:
                done = net.tick(now_ms)
            except RewardsError as e:
                raise rewards_api_error(e) from None
            if not done:
                return []
            out: list[dict[str, Any]] = []
            with self._tx() as db:
                db.execute("INSERT OR REPLACE INTO network (id, state) VALUES (0, ?)", (net.to_bytes(),))
                for t in done:
                    if t["transition"] == "epoch_change":
                        out.append(self._epoch_changed(db, net, t))
                    else:
                        self._event(db, "voting_end", t["epoch"])
                        out.append({"voting_end": t["epoch"]})
            self.network = net
            return out

    # ---- nodes, votes and commission

    def add_node(self, spec: NodeSpec) -> None:
        """Register a storage node (its operator's stake, if any, is staked at once and counts
        for the next committee), or update a known node's URL and name."""
        with self._lock, self._tx() as db:
            row = db.execute("SELECT idx FROM nodes WHERE node_id = ?", (spec.node_id,)).fetchone()
            if row:
                db.execute("UPDATE nodes SET url = ?, name = ? WHERE node_id = ?", (spec.url, spec.name, spec.node_id))
                return

            def register(n: Network) -> None:
                n.register_node(
                    spec.node_id,
                    spec.commission_bps,
                    spec.storage_price_vote or DEFAULT_STORAGE_PRICE,
                    spec.write_price_vote or DEFAULT_WRITE_PRICE,
                    spec.capacity_vote or DEFAULT_CAPACITY,
                )
                if spec.stake:
                    n.stake(spec.operator, spec.node_id, spec.stake)

            bls = self.signature_scheme_in(db) == "bls12381"
            if bls:
                check_bls_key(spec, self.epoch)
            net, _ = self._change(db, register)
            idx = db.execute("SELECT COALESCE(MAX(idx), -1) + 1 FROM nodes").fetchone()[0]
            db.execute(
                "INSERT INTO nodes (idx, node_id, name, url, public_key, bls_public_key) VALUES (?,?,?,?,?,?)",
                (idx, spec.node_id, spec.name, spec.url, spec.public_key, spec.bls_public_key if bls else None),
            )
            self._event(db, "node_registered", net.epoch, node_id=spec.node_id, name=spec.name)
        self.network = net

    def _operator_of(self, node_id: str, account: str) -> str:
        """The node ID (hex) that ``account`` operates: 404 for an unknown node, 403 when the
        account is not the node's key."""
        node_id = node_id.lower().removeprefix("0x")
        row = self._db.execute("SELECT node_id FROM nodes WHERE node_id = ?", (node_id,)).fetchone()
        if row is None:
            raise ApiError(404, "NOT_FOUND", f"no storage node {node_id}")
        if account != "0x" + node_id:
            raise ApiError(403, "NOT_OPERATOR", f"only the node's operator (account 0x{node_id}) may do this")
        return node_id

    def _signed(self, account: str, nonce: str, now_ms: int, action: Any) -> Any:
        """Run ``action(db)`` for a signed request (its nonce used once) in one transaction."""
        with self._lock, self._tx() as db:
            self._use_nonce(db, account, nonce, now_ms)
            return action(db)

    def vote(self, account: str, node_id: str, votes: dict[str, int], nonce: str, now_ms: int) -> dict[str, Any]:
        """A node's new price and capacity votes, by its operator; prices update at once
        (REWARDS.md §1.1). Returns the node's state."""
        node = self._operator_of(node_id, account)

        def action(db: sqlite3.Connection) -> Any:
            net, _ = self._change(db, lambda n: n.vote(node, **votes))
            self._event(db, "vote", net.epoch, node_id=node, votes=votes)
            return net

        self.network = self._signed(account, nonce, now_ms, action)
        return self.node_info(node)

    def set_commission(self, account: str, node_id: str, rate_bp: int, nonce: str, now_ms: int) -> dict[str, Any]:
        """A node's next commission rate, by its operator: it applies from epoch E + 2
        (REWARDS.md §3.5)."""
        node = self._operator_of(node_id, account)

        def action(db: sqlite3.Connection) -> Any:
            net, _ = self._change(db, lambda n: n.set_commission_rate(node, rate_bp))
            self._event(db, "commission_rate", net.epoch, node_id=node, rate_bp=rate_bp)
            return net

        self.network = self._signed(account, nonce, now_ms, action)
        return self.node_info(node)

    def collect_commission(self, account: str, node_id: str, nonce: str, now_ms: int) -> int:
        """Pay a node's collectable commission to its operator; returns the FROST paid."""
        node = self._operator_of(node_id, account)

        def action(db: sqlite3.Connection) -> Any:
            net, amount = self._change(db, lambda n: n.collect_commission(node))
            self._credit(db, account, amount)
            self._event(db, "commission_collected", net.epoch, node_id=node, amount=amount)
            return net, amount

        self.network, amount = self._signed(account, nonce, now_ms, action)
        return int(amount)

    # ---- staking

    def stake(self, account: str, node_id: str, amount: int, nonce: str, now_ms: int) -> dict[str, Any]:
        """Stake ``amount`` FROST of ``account``'s balance with a node (REWARDS.md §4.1): a
        stake object, active from the next epoch (the one after, once the committee is
        selected), that counts for the next committee at once."""
        node = node_id.lower().removeprefix("0x")

        def action(db: sqlite3.Connection) -> Any:
            net, stake = self._change(db, lambda n: n.stake(account, node, amount))
            self._debit(db, account, amount, "the stake")
            self._event(db, "staked", net.epoch, node_id=node, stake_id=stake["id"], amount=amount, owner=account)
            return net, stake

        self.network, stake = self._signed(account, nonce, now_ms, action)
        return self.stake_info(stake["id"])

    def withdraw(self, account: str, stake_id: int, nonce: str, now_ms: int) -> dict[str, Any]:
        """Withdraw a stake object (REWARDS.md §4.2): pays out principal and rewards when the
        withdrawal is due or allowed at once, else requests it (due in one or two epochs).
        Returns ``{"outcome": "withdrawn", "amount"}`` or ``{"outcome": "requested",
        "withdraw_epoch"}``."""

        def action(db: sqlite3.Connection) -> Any:
            net, outcome = self._change(db, lambda n: n.withdraw(account, stake_id))
            if outcome["outcome"] == "withdrawn":
                self._credit(db, account, outcome["amount"])
            self._event(db, "withdraw_" + outcome["outcome"], net.epoch, stake_id=stake_id, owner=account, **outcome)
            return net, outcome

        self.network, outcome = self._signed(account, nonce, now_ms, action)
        return dict(outcome)

    def stake_info(self, stake_id: int) -> dict[str, Any]:
        """A stake object with its rewards so far; 404 when there is none."""
        try:
            return dict(self._net().stake_info(stake_id))
        except RewardsError as e:
            raise rewards_api_error(e) from None

    def stakes(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Live stake objects (of ``owner``, if given) with their rewards so far."""
        return [dict(s) for s in self._net().stakes(owner)]

    # ---- views

    def node_info(self, node_id: str) -> dict[str, Any]:
        """A node's name, URL and economic state (stake, pool, commission, votes, shards)."""
        node_id = node_id.lower().removeprefix("0x")
        row = self._db.execute("SELECT name, url FROM nodes WHERE node_id = ?", (node_id,)).fetchone()
        if row is None:
            raise ApiError(404, "NOT_FOUND", f"no storage node {node_id}")
        return {"node_id": node_id, "name": row[0], "url": row[1], **self._net().node(node_id)}

    def nodes(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.node_info(n["node_id"]) for n in self._nodes(self._db)]

    def history(self, epochs: int = 100) -> list[dict[str, Any]]:
        """The last ``epochs`` epoch changes, oldest first: the new ``epoch``, FROST
        ``collected``, ``burned``, ``paid``, ``leftover`` and ``rewards`` per node ID."""
        rows = self._db.execute(
            "SELECT epoch, data FROM events WHERE kind = 'epoch' ORDER BY seq DESC LIMIT ?", (epochs,)
        ).fetchall()
        out = []
        for epoch, data in reversed(rows):
            summary = json.loads(data)
            if "rewards" in summary:  # genesis has none
                out.append({"epoch": epoch, **summary})
        return out

    def economy(self) -> dict[str, Any]:
        """The network's economic state (``Network.summary``) with the future-accounting
        buckets that hold FROST or bytes."""
        net = self._net()
        summary: dict[str, Any] = dict(net.summary())
        summary["committee"] = [{"node_id": n.removeprefix("0x"), "shards": len(s)} for n, s in summary["committee"]]
        summary["buckets"] = [b for b in net.buckets() if b["rewards_to_distribute"] or b["used_capacity"]]
        summary["frost_per_wal"] = FROST_PER_WAL
        return summary

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
