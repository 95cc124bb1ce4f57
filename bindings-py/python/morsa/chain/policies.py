"""Access policies and key servers on the control plane: what Seal's Move policies and its
key-server registry are on Sui (docs/private-blobs.md).

A policy is an object with a 32-byte ID, an owner, a name unique per owner and a kind:

* ``owner`` — only the owner (Seal's ``private_data`` example);
* ``allowlist`` — the owner and the members the owner adds and removes (``whitelist``);
* ``timelock`` — anyone, once the control plane's clock reaches ``unlock_ms`` or its epoch
  reaches ``unlock_epoch`` (``tle``);
* ``subscription`` — the owner and accounts that paid ``price`` FROST to the owner, for
  ``duration_epochs`` epochs from the epoch they paid in (``subscription``).

:meth:`Policies.access` is the evaluation key servers ask for (Seal's dry run of
``seal_approve``): it approves an account for an inner identity ``policy ID ‖ nonce`` or says
why not. Every change runs in one SQLite transaction of the control plane, with the signed
request's nonce used once.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..net.accounts import public_key_of
from ..net.errors import ApiError
from ..net.keyservers import (
    POLICY_KINDS,
    POLICY_PACKAGE_ID,
    KeyServer,
    KeyServerSet,
    hex_id,
    key_server_object_id,
    parse_hex_id,
    policy_of_identity,
)

if TYPE_CHECKING:
    from .state import ChainState

SCHEMA = """
CREATE TABLE IF NOT EXISTS key_servers (
    idx INTEGER PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL,
    object_id BLOB NOT NULL UNIQUE, public_key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS policies (
    policy_id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    unlock_ms INTEGER, unlock_epoch INTEGER, price INTEGER, duration_epochs INTEGER,
    created_epoch INTEGER NOT NULL, UNIQUE (owner, name)
);
CREATE TABLE IF NOT EXISTS policy_members (
    policy_id TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (policy_id, member)
);
CREATE TABLE IF NOT EXISTS subscriptions (
    policy_id TEXT NOT NULL, subscriber TEXT NOT NULL, end_epoch INTEGER NOT NULL, paid INTEGER NOT NULL,
    PRIMARY KEY (policy_id, subscriber)
);
"""

MAX_NAME_LEN = 64
MAX_MEMBERS = 10_000


@dataclass
class KeyServerSpec:
    """A key server at genesis: its name, URL and public key (96 bytes, G2)."""

    name: str
    url: str
    public_key: bytes


def _name(name: Any) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LEN or not name.isprintable() or ":" in name:
        raise ApiError(400, "INVALID_FIELD", f"a policy name is 1 to {MAX_NAME_LEN} printable characters without ':'")
    return name


def _member(address: Any) -> str:
    if not isinstance(address, str) or public_key_of(address.lower()) is None:
        raise ApiError(400, "INVALID_ADDRESS", f"{address!r} is not an account address (0x and 64 hex digits)")
    return address.lower()


def _optional_int(data: dict[str, Any], name: str, minimum: int = 0) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value < 2**63:
        raise ApiError(400, "INVALID_FIELD", f"{name} must be an integer ≥ {minimum}")
    return value


def denied(reason: str, message: str) -> dict[str, Any]:
    return {"approved": False, "reason": reason, "message": message}


class Policies:
    """The policies and key servers of a :class:`~morsa.chain.state.ChainState` (same database,
    lock and transactions)."""

    def __init__(self, state: ChainState) -> None:
        self.state = state
        state._db.executescript(SCHEMA)

    # ---- key servers

    def genesis(self, db: sqlite3.Connection, key_servers: list[KeyServerSpec], threshold: int) -> None:
        """Register the configured key servers and the default threshold (at genesis)."""
        if key_servers and not 1 <= threshold <= len(key_servers):
            raise ApiError(400, "INVALID_GENESIS", f"a threshold of {threshold} needs 1 to {len(key_servers)} key servers")
        for i, k in enumerate(key_servers):
            if len(k.public_key) != 96:
                raise ApiError(400, "INVALID_GENESIS", f"key server {k.name}: a public key is 96 bytes")
            db.execute(
                "INSERT INTO key_servers (idx, name, url, object_id, public_key) VALUES (?,?,?,?,?)",
                (i, k.name, k.url.rstrip("/"), key_server_object_id(k.public_key), k.public_key),
            )
        self.state._set_meta(db, "seal_threshold", threshold)

    def key_servers(self) -> KeyServerSet:
        rows = self.state._db.execute("SELECT name, url, object_id, public_key FROM key_servers ORDER BY idx").fetchall()
        threshold = int(self.state._meta("seal_threshold") or 0)
        return KeyServerSet(POLICY_PACKAGE_ID, threshold, [KeyServer(r[0], r[1], bytes(r[2]), bytes(r[3])) for r in rows])

    # ---- policies

    def _row(self, policy_id: str) -> dict[str, Any] | None:
        cols = ("policy_id", "owner", "name", "kind", "unlock_ms", "unlock_epoch", "price", "duration_epochs", "created_epoch")
        row = self.state._db.execute(f"SELECT {', '.join(cols)} FROM policies WHERE policy_id = ?", (policy_id,)).fetchone()
        return dict(zip(cols, row)) if row else None

    def policy(self, policy_id: str) -> dict[str, Any]:
        """The policy object: ID, owner, name, kind, its parameters, members and subscribers. 404
        when there is none."""
        parsed = parse_hex_id(policy_id)
        row = None if parsed is None else self._row(hex_id(parsed))
        if row is None:
            raise ApiError(404, "POLICY_NOT_FOUND", f"no policy {policy_id}")
        db = self.state._db
        row["members"] = [r[0] for r in db.execute("SELECT member FROM policy_members WHERE policy_id = ? ORDER BY member", (row["policy_id"],))]
        row["subscribers"] = {
            r[0]: r[1] for r in db.execute("SELECT subscriber, end_epoch FROM subscriptions WHERE policy_id = ?", (row["policy_id"],))
        }
        return row

    def policies(self, owner: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        where, args = [], []
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if name is not None:
            where.append("name = ?")
            args.append(name)
        sql = "SELECT policy_id FROM policies" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY created_epoch, name LIMIT 1000"
        return [self.policy(r[0]) for r in self.state._db.execute(sql, args).fetchall()]

    def create(self, account: str, data: dict[str, Any], nonce: str, now_ms: int) -> tuple[dict[str, Any], bool]:
        """Create a policy owned by ``account``; ``(policy, created)``. An existing policy of
        the same owner and name is returned when it has the same kind (``created`` False), 409
        ``POLICY_EXISTS`` otherwise."""
        kind = data.get("kind")
        if kind not in POLICY_KINDS:
            raise ApiError(400, "INVALID_FIELD", f"kind is one of {', '.join(POLICY_KINDS)}")
        name = _name(data.get("name"))
        unlock_ms, unlock_epoch = _optional_int(data, "unlock_ms"), _optional_int(data, "unlock_epoch")
        price, duration = _optional_int(data, "price"), _optional_int(data, "duration_epochs", 1)
        members = data.get("members", [])
        if not isinstance(members, list) or len(members) > MAX_MEMBERS:
            raise ApiError(400, "INVALID_FIELD", f"members lists at most {MAX_MEMBERS} account addresses")
        members = [_member(m) for m in members]
        if kind == "timelock" and (unlock_ms is None) == (unlock_epoch is None):
            raise ApiError(400, "INVALID_FIELD", "a time-lock policy has either unlock_ms or unlock_epoch")
        if kind == "subscription" and (price is None or duration is None):
            raise ApiError(400, "INVALID_FIELD", "a subscription policy has a price (FROST) and duration_epochs")
        if kind != "allowlist" and members:
            raise ApiError(400, "INVALID_FIELD", "only an allowlist has members")
        policy_id = hex_id(hashlib.sha256(b"morsa policy\x00" + account.encode() + b"\x00" + name.encode()).digest())

        def action(db: sqlite3.Connection) -> bool:
            # Checked in the transaction, under the lock: two creations of one name cannot race.
            existing = db.execute("SELECT kind FROM policies WHERE policy_id = ?", (policy_id,)).fetchone()
            if existing is not None:
                if existing[0] != kind:
                    raise ApiError(409, "POLICY_EXISTS", f"{account} already has a {existing[0]} policy named {name!r} ({policy_id})")
                # The same policy again: the members given are added (the owner is asking).
                db.executemany("INSERT OR IGNORE INTO policy_members (policy_id, member) VALUES (?, ?)", [(policy_id, m) for m in members])
                return False
            epoch = self.state.epoch
            db.execute(
                "INSERT INTO policies (policy_id, owner, name, kind, unlock_ms, unlock_epoch, price, duration_epochs, created_epoch)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (policy_id, account, name, kind, unlock_ms, unlock_epoch, price, duration, epoch),
            )
            db.executemany("INSERT OR IGNORE INTO policy_members (policy_id, member) VALUES (?, ?)", [(policy_id, m) for m in members])
            self.state._event(db, "policy_created", epoch, None, policy_id=policy_id, policy_kind=kind, owner=account, name=name)
            return True

        created = self.state._signed(account, nonce, now_ms, action)
        return self.policy(policy_id), created

    def edit_members(self, account: str, policy_id: str, add: list[Any], remove: list[Any], nonce: str, now_ms: int) -> dict[str, Any]:
        """The owner of an allowlist adds and removes members (effective at once for key
        requests; keys fetched before stay with whoever fetched them)."""
        policy = self.policy(policy_id)
        if policy["owner"] != account:
            raise ApiError(403, "NOT_OWNER", f"only the policy's owner ({policy['owner']}) may edit its members")
        if policy["kind"] != "allowlist":
            raise ApiError(400, "NOT_AN_ALLOWLIST", f"policy {policy_id} is a {policy['kind']} policy, it has no members")
        to_add, to_remove = [_member(m) for m in add], [_member(m) for m in remove]

        def action(db: sqlite3.Connection) -> None:
            pid = policy["policy_id"]
            count = db.execute("SELECT COUNT(*) FROM policy_members WHERE policy_id = ?", (pid,)).fetchone()[0]
            if count + len(to_add) > MAX_MEMBERS:
                raise ApiError(400, "TOO_MANY_MEMBERS", f"an allowlist has at most {MAX_MEMBERS} members")
            db.executemany("INSERT OR IGNORE INTO policy_members (policy_id, member) VALUES (?, ?)", [(pid, m) for m in to_add])
            db.executemany("DELETE FROM policy_members WHERE policy_id = ? AND member = ?", [(pid, m) for m in to_remove])
            self.state._event(db, "policy_members", self.state.epoch, None, policy_id=pid, added=to_add, removed=to_remove)

        self.state._signed(account, nonce, now_ms, action)
        return self.policy(policy_id)

    def subscribe(self, account: str, policy_id: str, nonce: str, now_ms: int) -> dict[str, Any]:
        """``account`` pays a subscription policy's price to its owner; access lasts until the
        current epoch + ``duration_epochs`` (a renewal extends from the later of now and the
        current end). Returns ``{"policy_id", "end_epoch", "paid"}``."""
        policy = self.policy(policy_id)
        if policy["kind"] != "subscription":
            raise ApiError(400, "NOT_A_SUBSCRIPTION", f"policy {policy_id} is a {policy['kind']} policy, not a subscription")
        price, duration, owner = int(policy["price"]), int(policy["duration_epochs"]), policy["owner"]

        def action(db: sqlite3.Connection) -> tuple[int, int]:
            epoch = self.state.epoch
            row = db.execute(
                "SELECT end_epoch FROM subscriptions WHERE policy_id = ? AND subscriber = ?", (policy["policy_id"], account)
            ).fetchone()
            start = max(epoch, int(row[0])) if row else epoch
            paid = 0 if account == owner else price  # the owner reads anyway and would pay itself
            if paid:
                self.state._debit(db, account, paid, f"a subscription to {policy['name']!r}")
                self.state._credit(db, owner, paid)
            db.execute(
                "INSERT INTO subscriptions (policy_id, subscriber, end_epoch, paid) VALUES (?,?,?,?) "
                "ON CONFLICT(policy_id, subscriber) DO UPDATE SET end_epoch = excluded.end_epoch, paid = paid + excluded.paid",
                (policy["policy_id"], account, start + duration, paid),
            )
            self.state._event(db, "subscribed", epoch, None, policy_id=policy["policy_id"], subscriber=account, end_epoch=start + duration)
            return start + duration, paid

        end, paid = self.state._signed(account, nonce, now_ms, action)
        return {"policy_id": policy["policy_id"], "end_epoch": end, "paid": paid}

    def access(self, account: str, inner_id: bytes, now_ms: int) -> dict[str, Any]:
        """Whether ``account`` may have the key of ``inner_id`` (``policy ID ‖ nonce``):
        ``{"approved": True, "policy_id"}`` or ``{"approved": False, "reason", "message"}`` with a
        reason of :data:`~morsa.net.keyservers.ACCESS_REASONS`."""
        with self.state._lock:  # no view of another request's transaction in progress
            return self._access(account, inner_id, now_ms)

    def _access(self, account: str, inner_id: bytes, now_ms: int) -> dict[str, Any]:
        policy_bytes = policy_of_identity(inner_id)
        row = None if policy_bytes is None else self._row(hex_id(policy_bytes))
        if row is None:
            return denied("UNKNOWN_POLICY", "the identity names no policy of this network")
        pid, kind, owner = row["policy_id"], row["kind"], row["owner"]
        what = f"{kind} policy {row['name']!r} ({pid})"
        db, epoch = self.state._db, self.state.epoch
        if kind == "owner":
            if account != owner:
                return denied("NOT_OWNER", f"only the owner {owner} may read under the {what}")
        elif kind == "allowlist":
            member = db.execute("SELECT 1 FROM policy_members WHERE policy_id = ? AND member = ?", (pid, account)).fetchone()
            if account != owner and member is None:
                return denied("NOT_A_MEMBER", f"{account} is not a member of the {what}")
        elif kind == "timelock":
            if row["unlock_ms"] is not None and now_ms < row["unlock_ms"]:
                return denied("TIME_LOCKED", f"the {what} opens in {(row['unlock_ms'] - now_ms) / 1000:.0f} s (at {row['unlock_ms']} ms)")
            if row["unlock_epoch"] is not None and epoch < row["unlock_epoch"]:
                return denied("TIME_LOCKED", f"the {what} opens at epoch {row['unlock_epoch']} (now {epoch})")
        elif kind == "subscription" and account != owner:
            sub = db.execute("SELECT end_epoch FROM subscriptions WHERE policy_id = ? AND subscriber = ?", (pid, account)).fetchone()
            if sub is None:
                terms = f"{row['price']} FROST for {row['duration_epochs']} epochs"
                return denied("NO_SUBSCRIPTION", f"{account} has no subscription to the {what} ({terms})")
            if epoch >= sub[0]:
                return denied("SUBSCRIPTION_EXPIRED", f"the subscription of {account} to the {what} ended at epoch {sub[0]} (now {epoch})")
        return {"approved": True, "policy_id": pid}


def key_server_specs(raw: list[dict[str, Any]]) -> list[KeyServerSpec]:
    """Key server specs from a chain config's JSON (public keys in hex or base64)."""
    out = []
    for k in raw:
        key = k["public_key"]
        public_key = bytes.fromhex(key) if len(key) == 192 else base64.b64decode(key)
        out.append(KeyServerSpec(k["name"], k["url"], public_key))
    return out


def spec_json(specs: list[KeyServerSpec]) -> list[dict[str, Any]]:
    return [{"name": k.name, "url": k.url, "public_key": k.public_key.hex()} for k in specs]


__all__ = ["KeyServerSpec", "Policies", "denied", "key_server_specs", "spec_json"]
