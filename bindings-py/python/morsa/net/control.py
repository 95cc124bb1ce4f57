"""The control plane behind an interface: :class:`ControlPlane` is what clients, storage nodes and
daemons need of the chain (Sui on Walrus); :class:`HttpControlPlane` implements it over the
devnet control plane's HTTP API (docs/network.md). A Sui-backed adapter would implement the
same protocol.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .. import _native
from .._fs import atomic_write
from .accounts import Account
from .committee import CommitteeView
from .errors import RemoteError, TransportError, malformed_answer
from .keyservers import KeyServerSet
from .retry import RetryPolicy
from .transport import Http

SERVED_ATTRIBUTES = ("content-type", "content-disposition", "content-encoding", "content-language", "content-location", "link")
"""Blob attributes an aggregator serves as response headers (Walrus's allowlist)."""

GONE_STATUSES = frozenset({"invalid", "deleted", "expired"})
"""Statuses of a blob that can no longer be read."""


@dataclass(frozen=True)
class BlobState:
    """A blob as the control plane records it: ``status`` (``registered``, ``certified``,
    ``invalid``, ``expired`` or ``deleted``), its ``Blob`` object (SPEC §12.2 JSON), its
    ``attributes``, ``owner`` and, for a shared blob, its funds (``shared_balance``, FROST)."""

    status: str
    blob_object: dict[str, Any]
    attributes: dict[str, str] = field(default_factory=dict)
    owner: str | None = None
    shared_balance: int | None = None

    def served_headers(self) -> dict[str, str]:
        """The attributes an aggregator serves as response headers (:data:`SERVED_ATTRIBUTES`)."""
        lower = {k.lower(): v for k, v in self.attributes.items()}
        return {k: lower[k] for k in SERVED_ATTRIBUTES if k in lower}

    def to_json(self) -> dict[str, Any]:
        """The state as ``GET /v1/blobs/{blob_id}`` answers it."""
        return {
            "status": self.status,
            "blob_object": self.blob_object,
            "attributes": self.attributes,
            "owner": self.owner,
            "shared": self.shared_balance is not None,
            "shared_balance": self.shared_balance,
        }


@dataclass(frozen=True)
class Registration:
    """The answer to a registration: the ``Blob`` object, the cost paid (FROST) and whether it
    is new (``False``: the blob was registered before and nothing was charged)."""

    blob_object: dict[str, Any]
    cost: int
    newly_registered: bool


@dataclass(frozen=True)
class ChainEvent:
    """A control-plane event: ``seq``, ``kind`` (``registered``, ``certified``, ``invalid``,
    ``expired``, ``epoch``), ``epoch``, the ``blob_id`` when it concerns a blob, and the
    remaining fields in ``data``."""

    seq: int
    kind: str
    epoch: int
    blob_id: str | None
    data: dict[str, Any]


@runtime_checkable
class ControlPlane(Protocol):
    """What the network needs of the chain. Every method raises
    :class:`~morsa.net.errors.NetworkError` subclasses on failure."""

    async def health(self) -> dict[str, Any]:
        """``{"epoch", "n_shards", "storage_price", "write_price"}``."""
        ...

    async def committee(self, *, fresh: bool = False) -> CommitteeView:
        """The current committee; a cached one unless ``fresh``."""
        ...

    async def committee_at(self, epoch: int) -> CommitteeView:
        """The committee of an earlier ``epoch`` (who held each shard then)."""
        ...

    async def blob_by_object_id(self, object_id: str) -> tuple[str, BlobState] | None:
        """``(blob_id, state)`` of a blob object, or None."""
        ...

    async def blob(self, blob_id: str) -> BlobState | None:
        """The blob's state, or None when it was never registered."""
        ...

    async def register_blob(
        self,
        metadata: _native.BlobMetadata,
        *,
        epochs_ahead: int,
        deletable: bool,
        account: Account,
        force: bool = False,
        attributes: dict[str, str] | None = None,
        owner: str | None = None,
        reuse_resources: bool = True,
    ) -> Registration:
        """Register (and pay for, from ``account``) a blob with ``attributes``, its object owned
        by ``owner`` (default: the account); an already registered one is returned uncharged,
        unless ``force``: then a new blob object is registered. With ``reuse_resources``, storage
        the account holds (from deleted blobs) is reused when it fits."""
        ...

    async def certify_blob(self, blob_id: str, certificate: bytes) -> dict[str, Any]:
        """Certify with a storage certificate (postcard bytes); returns the ``Blob`` object."""
        ...

    async def invalidate_blob(self, blob_id: str, certificate: bytes) -> None:
        """Mark a blob invalid with an invalid-blob certificate (postcard bytes)."""
        ...

    async def events(self, since: int, wait_ms: int) -> tuple[list[ChainEvent], int]:
        """Events after ``since``, waiting up to ``wait_ms`` for one; and the next cursor."""
        ...

    async def balance(self, address: str) -> int:
        """The balance of the account at ``address``, in FROST."""
        ...


class HttpControlPlane:
    """:class:`ControlPlane` over the devnet control plane's HTTP API at ``url``.

    ``committee_ttl`` is how long (seconds) a fetched committee is reused; ``retry`` (default: a
    2-second deadline) applies to
    reads (writes are sent once: registration and certification are idempotent, but their
    callers decide); ``timeout`` bounds each request (seconds). With ``cache_path``, the last
    committee fetched is also kept in that file, and used when the control plane cannot be
    reached: storage nodes keep serving reads through an outage, and so can the clients.
    """

    def __init__(
        self,
        url: str,
        *,
        http: Http | None = None,
        committee_ttl: float = 10.0,
        retry: RetryPolicy | None = None,
        timeout: float = 10.0,
        cache_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.http = http or Http(timeout=timeout)
        self.timeout = timeout
        self.committee_ttl = committee_ttl
        self.retry = retry if retry is not None else RetryPolicy(deadline=2.0)
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self._committee: CommitteeView | None = None
        self._committee_at = 0.0

    async def _get(self, path: str, **kwargs: Any) -> Any:
        url = f"{self.url}{path}"
        try:
            return await self.retry.run(lambda: self.http.call("GET", url, timeout=self.timeout, **kwargs))
        except TransportError as e:
            raise _unreachable(self.url, e) from e

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        try:
            return await self.http.call("POST", f"{self.url}{path}", json=body, timeout=self.timeout)
        except TransportError as e:
            raise _unreachable(self.url, e) from e

    async def health(self) -> dict[str, Any]:
        data = await self._get("/v1/health")
        return data if isinstance(data, dict) else {}

    async def committee(self, *, fresh: bool = False) -> CommitteeView:
        now = time.monotonic()
        cached = self._committee
        if cached is not None and not fresh and now - self._committee_at < self.committee_ttl:
            return cached
        try:
            data = await self._get("/v1/committee")
            view = CommitteeView.from_json(data)
        except _native.MorsaError as e:
            if not _outage(e):
                raise
            # An outage: keep serving the last committee known (the nodes stay reachable).
            fallback = cached or self._cached_on_disk()
            if fallback is None:
                raise
            return fallback
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise RemoteError(200, "MALFORMED_ANSWER", f"not a committee: {e}", url=f"{self.url}/v1/committee") from e
        if self.cache_path is not None and not view.same_as(cached):
            self._cache_on_disk(data)
        self._committee, self._committee_at = view, now
        return view

    async def committee_at(self, epoch: int) -> CommitteeView:
        """The committee of ``epoch`` (for example the previous one, whose members held the
        shards before an epoch change). Raises :class:`RemoteError` 404 for an unknown epoch."""
        data = await self._get("/v1/committee", params={"epoch": epoch})
        try:
            return CommitteeView.from_json(data)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            raise RemoteError(200, "MALFORMED_ANSWER", f"not a committee: {e}", url=f"{self.url}/v1/committee") from e

    def _cached_on_disk(self) -> CommitteeView | None:
        if self.cache_path is None:
            return None
        try:
            return CommitteeView.from_json(json.loads(self.cache_path.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _cache_on_disk(self, data: dict[str, Any]) -> None:
        assert self.cache_path is not None
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.cache_path, json.dumps(data).encode())
        except OSError:
            pass  # a cache that cannot be written is no cache

    @property
    def cached_committee(self) -> CommitteeView | None:
        """The last committee fetched, if any (no request)."""
        return self._committee

    async def blob(self, blob_id: str) -> BlobState | None:
        try:
            data = await self._get(f"/v1/blobs/{blob_id}")
        except RemoteError as e:
            if e.status == 404:
                return None
            raise
        with malformed_answer(f"{self.url}/v1/blobs/{blob_id}", "a blob's state"):
            return _blob_state(data)

    async def blob_by_object_id(self, object_id: str) -> tuple[str, BlobState] | None:
        """``(blob_id, state)`` of the blob object ``object_id`` (``0x`` and 64 hex digits), or
        None when there is none."""
        try:
            data = await self._get(f"/v1/blobs/by-object-id/{object_id}")
        except RemoteError as e:
            if e.status == 404:
                return None
            raise
        with malformed_answer(f"{self.url}/v1/blobs/by-object-id/{object_id}", "a blob's state"):
            return str(data["blob_id"]), _blob_state(data)

    async def blobs(self, owner: str | None = None, *, include_gone: bool = False) -> list[tuple[str, BlobState]]:
        """Blobs (of ``owner``), newest first, as ``(blob_id, state)``; expired, deleted and
        invalid ones only with ``include_gone``."""
        params: dict[str, str] = {"all": "true" if include_gone else "false"}
        if owner is not None:
            params["owner"] = owner
        data = await self._get("/v1/blobs", params=params)
        with malformed_answer(f"{self.url}/v1/blobs", "blobs"):
            return [(str(b["blob_id"]), _blob_state(b)) for b in data["blobs"]]

    async def delete_blob(self, account: Account, blob_id: str) -> dict[str, Any]:
        """Delete a deletable blob of ``account``'s; its storage resource returns to the account."""
        return dict(await self._signed(account, f"/v1/blobs/{blob_id}/delete", {}))

    async def extend_blob(self, account: Account, blob_id: str, epochs: int, *, shared_funds: bool = False) -> dict[str, Any]:
        """Extend a certified blob by ``epochs``, paid by ``account`` (or, ``shared_funds``, by
        the shared blob's funds): ``{"blob_object", "cost", "balance"}`` (REWARDS.md §1.7)."""
        return dict(await self._signed(account, f"/v1/blobs/{blob_id}/extend", {"epochs": epochs, "shared_funds": shared_funds}))

    async def share_blob(self, account: Account, blob_id: str, amount: int = 0) -> BlobState:
        """Make a permanent blob of ``account``'s shared, with ``amount`` FROST of funds."""
        return _blob_state(await self._signed(account, f"/v1/blobs/{blob_id}/share", {"amount": amount}))

    async def fund_shared_blob(self, account: Account, blob_id: str, amount: int) -> BlobState:
        """Add ``amount`` FROST of ``account``'s to a shared blob's funds."""
        return _blob_state(await self._signed(account, f"/v1/blobs/{blob_id}/fund", {"amount": amount}))

    async def set_blob_attributes(
        self, account: Account, blob_id: str, set_: dict[str, str] | None = None, remove: list[str] | None = None
    ) -> BlobState:
        """Set and remove attributes of a blob of ``account``'s."""
        body = {"set": set_ or {}, "remove": remove or []}
        return _blob_state(await self._signed(account, f"/v1/blobs/{blob_id}/attributes", body))

    async def register_blob(
        self,
        metadata: _native.BlobMetadata,
        *,
        epochs_ahead: int,
        deletable: bool,
        account: Account,
        force: bool = False,
        attributes: dict[str, str] | None = None,
        owner: str | None = None,
        reuse_resources: bool = True,
    ) -> Registration:
        body = json.dumps({
            "force": force,
            "attributes": attributes or {},
            "owner": owner,
            "reuse_resources": reuse_resources,
            "blob_id": metadata.blob_id,
            "root_hash": base64.b64encode(metadata.root_hash).decode(),
            "size": metadata.unencoded_length,
            "encoding_type": metadata.encoding_type,
            "epochs_ahead": epochs_ahead,
            "deletable": deletable,
        }).encode()
        headers = {"Content-Type": "application/json", **account.sign_request("POST", "/v1/blobs", body)}
        try:
            answer = await self.http.request("POST", f"{self.url}/v1/blobs", data=body, headers=headers, timeout=self.timeout)
        except TransportError as e:
            raise _unreachable(self.url, e) from e
        if answer.status == 409:  # already registered: the existing object, nothing charged
            data = _success_data(answer.body)
            if data is not None:
                with malformed_answer(answer.url, "a registration"):
                    return Registration(dict(data["blob_object"]), 0, False)
        data = answer.data()
        with malformed_answer(answer.url, "a registration"):
            return Registration(dict(data["blob_object"]), int(data["cost"]), bool(data.get("newly_registered", True)))

    async def certify_blob(self, blob_id: str, certificate: bytes) -> dict[str, Any]:
        data = await self._post(f"/v1/blobs/{blob_id}/certificate", {"certificate": base64.b64encode(certificate).decode()})
        with malformed_answer(f"{self.url}/v1/blobs/{blob_id}/certificate", "a certified blob"):
            return dict(data["blob_object"])

    async def invalidate_blob(self, blob_id: str, certificate: bytes) -> None:
        await self._post(f"/v1/blobs/{blob_id}/invalid", {"certificate": base64.b64encode(certificate).decode()})

    async def events(self, since: int, wait_ms: int) -> tuple[list[ChainEvent], int]:
        try:
            data = await self.http.call(
                "GET", f"{self.url}/v1/events", params={"since": since, "wait_ms": wait_ms}, timeout=self.timeout + wait_ms / 1000
            )
        except TransportError as e:
            raise _unreachable(self.url, e) from e
        with malformed_answer(f"{self.url}/v1/events", "events"):
            return self._events(data, since)

    @staticmethod
    def _events(data: Any, since: int) -> tuple[list[ChainEvent], int]:
        events = [
            ChainEvent(
                int(e["seq"]),
                str(e["kind"]),
                int(e.get("epoch", 0)),
                e.get("blob_id"),
                {k: v for k, v in e.items() if k not in ("seq", "kind", "epoch", "blob_id")},
            )
            for e in data.get("events", [])
        ]
        return events, int(data.get("next", since))

    async def balance(self, address: str) -> int:
        data = await self._get(f"/v1/accounts/{address}")
        with malformed_answer(f"{self.url}/v1/accounts/{address}", "an account"):
            return int(data["balance"])

    async def faucet(self, address: str, amount: int, admin_token: str) -> int:
        """Fund an account from a devnet's faucet (an admin call, capped per call); returns the
        new balance."""
        try:
            answer = await self.http.request(
                "POST",
                f"{self.url}/v1/accounts/{address}/faucet",
                json={"amount": amount},
                headers={"Authorization": f"Bearer {admin_token}"},
                timeout=self.timeout,
            )
        except TransportError as e:
            raise _unreachable(self.url, e) from e
        data = answer.data()
        with malformed_answer(answer.url, "an account"):
            return int(data["balance"])

    async def advance_epoch(self, admin_token: str) -> dict[str, Any]:
        """End the epoch (devnet admin call); returns the epoch-change summary."""
        answer = await self.http.request(
            "POST", f"{self.url}/v1/admin/epoch", json={}, headers={"Authorization": f"Bearer {admin_token}"}
        )
        data = answer.data()
        self._committee = None
        with malformed_answer(answer.url, "an epoch change"):
            return dict(data)

    # ---- the economy (devnet control plane): staking, votes, commission

    async def _signed(self, account: Account, path: str, body: dict[str, Any]) -> Any:
        """POST a request signed by ``account`` (its nonce used once); the answer's data."""
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **account.sign_request("POST", path, raw)}
        try:
            answer = await self.http.request("POST", f"{self.url}{path}", data=raw, headers=headers, timeout=self.timeout)
        except TransportError as e:
            raise _unreachable(self.url, e) from e
        return answer.data()

    async def economy(self) -> dict[str, Any]:
        """The network's economic state: epoch and its timing, prices, capacity, the current
        committee's shard counts, burned and paid totals, the funded future-accounting buckets."""
        data = await self._get("/v1/economy")
        with malformed_answer(f"{self.url}/v1/economy", "the economy"):
            return dict(data)

    async def nodes(self) -> list[dict[str, Any]]:
        """Every storage node: name, URL and economic state (stake, pool, commission, votes, shards)."""
        data = await self._get("/v1/nodes")
        with malformed_answer(f"{self.url}/v1/nodes", "the nodes"):
            return [dict(n) for n in data["nodes"]]

    async def stakes(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Stake objects (of ``owner``, if given) with their rewards so far (REWARDS.md §4.5)."""
        data = await self._get("/v1/stakes", params={} if owner is None else {"owner": owner})
        with malformed_answer(f"{self.url}/v1/stakes", "stake objects"):
            return [dict(s) for s in data["stakes"]]

    async def stake(self, account: Account, node_id: str, amount: int) -> dict[str, Any]:
        """Stake ``amount`` FROST of ``account`` with a node (REWARDS.md §4.1); returns
        ``{"stake": stake object, "balance"}``."""
        data = await self._signed(account, "/v1/stakes", {"node_id": node_id, "amount": amount})
        with malformed_answer(f"{self.url}/v1/stakes", "a stake"):
            return {"stake": dict(data["stake"]), "balance": int(data["balance"])}

    async def withdraw(self, account: Account, stake_id: int) -> dict[str, Any]:
        """Withdraw a stake object, or request its withdrawal (REWARDS.md §4.2): ``{"outcome":
        "withdrawn", "amount", "balance"}`` or ``{"outcome": "requested", "withdraw_epoch", "balance"}``."""
        data = await self._signed(account, f"/v1/stakes/{stake_id}/withdraw", {})
        with malformed_answer(f"{self.url}/v1/stakes/{stake_id}/withdraw", "a withdrawal"):
            return dict(data)

    async def vote(self, account: Account, node_id: str, **votes: int) -> dict[str, Any]:
        """A node's operator votes ``storage_price``, ``write_price`` and/or ``node_capacity``
        (REWARDS.md §1.1–§1.2); returns the node's state."""
        return dict(await self._signed(account, f"/v1/nodes/{node_id}/votes", votes))

    async def set_commission(self, account: Account, node_id: str, rate_bp: int) -> dict[str, Any]:
        """A node's operator sets the commission rate from epoch E + 2 (REWARDS.md §3.5)."""
        return dict(await self._signed(account, f"/v1/nodes/{node_id}/commission", {"rate_bp": rate_bp}))

    async def collect_commission(self, account: Account, node_id: str) -> dict[str, Any]:
        """A node's operator collects its unblocked commission: ``{"amount", "balance"}``."""
        return dict(await self._signed(account, f"/v1/nodes/{node_id}/commission/collect", {}))

    # ---- private blobs: key servers and access policies (docs/private-blobs.md)

    async def key_servers(self) -> KeyServerSet:
        """The network's Seal key servers, default threshold and policy package."""
        data = await self._get("/v1/key-servers")
        with malformed_answer(f"{self.url}/v1/key-servers", "the key servers"):
            return KeyServerSet.from_json(data)

    async def policy_access(self, address: str, inner_id: bytes) -> dict[str, Any]:
        """Whether ``address`` may have the key of ``inner_id``: ``{"approved": True, …}`` or
        ``{"approved": False, "reason", "message"}`` (what key servers ask)."""
        data = await self._get("/v1/policies/access", params={"account": address, "id": inner_id.hex()})
        with malformed_answer(f"{self.url}/v1/policies/access", "an access decision"):
            return {**data, "approved": bool(data["approved"])}

    async def create_policy(self, account: Account, kind: str, name: str, **params: Any) -> tuple[dict[str, Any], bool]:
        """Create (or find, same kind and name) a policy owned by ``account``: ``(policy, created)``.
        ``params``: ``members`` (allowlist), ``unlock_ms`` or ``unlock_epoch`` (timelock),
        ``price`` (FROST) and ``duration_epochs`` (subscription)."""
        data = await self._signed(account, "/v1/policies", {"kind": kind, "name": name, **params})
        with malformed_answer(f"{self.url}/v1/policies", "a policy"):
            return dict(data["policy"]), bool(data["created"])

    async def policies(self, owner: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        """Policies (of ``owner``, named ``name``)."""
        params = {k: v for k, v in (("owner", owner), ("name", name)) if v is not None}
        data = await self._get("/v1/policies", params=params)
        with malformed_answer(f"{self.url}/v1/policies", "policies"):
            return [dict(p) for p in data["policies"]]

    async def policy(self, policy_id: str) -> dict[str, Any]:
        """A policy object (404 ``POLICY_NOT_FOUND`` as :class:`RemoteError`)."""
        return dict(await self._get(f"/v1/policies/{policy_id}"))

    async def edit_policy_members(self, account: Account, policy_id: str, add: list[str] = (), remove: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        """The owner adds and removes an allowlist's members; returns the policy."""
        return dict(await self._signed(account, f"/v1/policies/{policy_id}/members", {"add": list(add), "remove": list(remove)}))

    async def subscribe(self, account: Account, policy_id: str) -> dict[str, Any]:
        """``account`` pays a subscription: ``{"policy_id", "end_epoch", "paid", "balance"}``."""
        return dict(await self._signed(account, f"/v1/policies/{policy_id}/subscribe", {}))

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.close()


def _blob_state(data: Any) -> BlobState:
    balance = data.get("shared_balance")
    return BlobState(
        str(data["status"]),
        dict(data.get("blob_object") or {}),
        {str(k): str(v) for k, v in (data.get("attributes") or {}).items()},
        None if data.get("owner") is None else str(data["owner"]),
        None if balance is None else int(balance),
    )


def _unreachable(url: str, error: TransportError) -> TransportError:
    """The transport error, saying that it is the control plane that cannot be reached."""
    return TransportError(f"the control plane at {url} cannot be reached: {error}", url=error.url)


def _outage(error: BaseException) -> bool:
    """Whether ``error`` means the control plane is down or overloaded, not that it refused."""
    return isinstance(error, TransportError) or (isinstance(error, RemoteError) and error.status >= 500)


def default_cache_path(url: str) -> Path:
    """Where clients keep the last committee of the control plane at ``url``:
    ``$MORSA_CACHE_DIR/committees/…`` (default ``~/.cache/morsa``)."""
    base = Path(os.environ.get("MORSA_CACHE_DIR") or Path.home() / ".cache" / "morsa")
    return base / "committees" / (hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:32] + ".json")


def _success_data(body: bytes) -> Any:
    try:
        decoded = json.loads(body)
        return decoded["success"]["data"]
    except (ValueError, KeyError, TypeError):
        return None


__all__ = ["GONE_STATUSES", "SERVED_ATTRIBUTES", "BlobState", "ControlPlane", "ChainEvent", "HttpControlPlane", "Registration", "default_cache_path"]
