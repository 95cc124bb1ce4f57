"""Store and read blobs on a Morsa network (storage nodes + control plane), verified.

Store (SPEC §3, §10, §11): stream-encode the blob into a staging directory (the core's
streaming encoder: memory independent of the blob size) → register and pay on the control
plane → to every storage node at once, upload the metadata and both slivers of every pair on
its shards (at most ``upload_budget`` bytes in flight) → collect signed confirmations → build
the certificate → certify. It succeeds once the confirming nodes hold a quorum of shards
(``3w ≥ 2n + 1``); nodes still busy then get a short grace period, after which they recover
what they miss from the others.

Read (SPEC §7): metadata from any node (hedged requests), verified against the blob ID →
primary slivers, the systematic ones first (decoding is then a copy) and the fastest nodes
first, hedged against stragglers → decode (every sliver verified) → consistency check. Up to
``f`` faulty, slow or lying nodes are tolerated: failed or invalid slivers are replaced by
others, and when too few primary slivers can be had the client falls back to secondary slivers.
A byte range needs only the primary slivers that hold it (SPEC §3.1), each verified.

:class:`Client` has asynchronous methods (``a…``) and synchronous ones, which run on a
background event loop and so also work inside a running loop (a notebook).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mmap
import os
import random
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import morsa

from . import _native, chunked
from ._fs import atomic_file
from .net.accounts import Account
from .net.committee import CertificateBuilder, CommitteeView, Member
from .net.control import ControlPlane, HttpControlPlane, default_cache_path
from .net.errors import NetworkError, RemoteError, TransportError
from .net.flow import ByteBudget, Latencies, first_success
from .net.nodes import Axis, StorageNodeClient
from .net.relay import UploadRelayClient
from .net.retry import RetryPolicy
from .net.sync import run_sync
from .net.transport import Http

if TYPE_CHECKING:
    from .private import PrivateBlobs

T = TypeVar("T")

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done_bytes, total_bytes)``."""

AXES: tuple[Axis, Axis] = ("primary", "secondary")


EPOCH_CATCH_UP_S = 5.0
"""How long a store waits for a node that still signs for the previous epoch (it has not seen
the epoch change yet) before counting it as failed."""

class ClientError(NetworkError):
    """A store or read that could not complete (with the reason)."""


@dataclass
class StoreResult:
    """The outcome of a store: the blob ID, its ``Blob`` object, the cost paid (FROST), whether
    a new registration was made, the confirming weight (shards) and the nodes that failed."""

    blob_id: str
    blob_object: dict[str, Any]
    cost: int
    newly_created: bool
    confirmed_weight: int = 0
    failed_nodes: dict[str, str] = field(default_factory=dict)
    chunks: list[str] = field(default_factory=list)
    """For a file stored in chunks (:meth:`Client.store_file`): the chunks' blob IDs, in order;
    ``blob_id`` is then the manifest's."""
    shared: bool = False
    """Whether the blob was made shared after it was certified (``share=True``)."""


class _SliverCache:
    """Verified primary slivers by ``(blob ID, index)``, at most ``capacity`` bytes in all, the
    least recently used dropped first. Thread-safe (reads run on several loops)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._entries: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, blob_id: str, index: int) -> bytes | None:
        with self._lock:
            data = self._entries.get((blob_id, index))
            if data is not None:
                self._entries.move_to_end((blob_id, index))
            return data

    def put(self, blob_id: str, index: int, data: bytes) -> None:
        if len(data) > self.capacity:
            return
        with self._lock:
            old = self._entries.pop((blob_id, index), None)
            self.size += len(data) - (len(old) if old is not None else 0)
            self._entries[(blob_id, index)] = data
            while self.size > self.capacity:
                _, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped)


def _scaled(progress: ProgressCallback | None, offset: int, size: int, total: int) -> ProgressCallback | None:
    """A callback reporting a part's ``(done, of)`` as bytes ``offset + size · done / of`` of
    ``total``."""
    if progress is None:
        return None
    report = progress

    def scaled(done: int, of: int) -> None:
        report(offset + size * done // max(of, 1), total)

    return scaled


def _data_size(data_or_path: morsa.DataOrPath) -> int:
    if isinstance(data_or_path, (str, os.PathLike)):
        return os.stat(data_or_path).st_size
    with memoryview(data_or_path) as view:
        return view.nbytes


class Client:
    """A client of a Morsa network, reached through its control plane.

    ``chain`` is the control plane's URL or a :class:`~morsa.net.control.ControlPlane`.
    ``account`` pays for storage: an :class:`~morsa.net.accounts.Account` (an Ed25519 key
    pair) or the path of its key file; without one, only reads work (a devnet's faucet can fund
    an account). ``timeout`` bounds each request
    (seconds); ``concurrency`` the requests in flight; ``upload_budget`` the sliver bytes in
    flight during a store; ``retry_seconds`` how long a request to a node that is not ready is
    retried; ``staging_dir`` where slivers are staged during a store (default: the system's
    temporary directory); blobs of at most ``memory_encode_limit`` bytes are encoded in memory
    instead (about 4.5 times their size); slivers go to a node in batches of about
    ``batch_bytes`` (one request each, docs/network.md), or one request per sliver to nodes
    without batched uploads. Every error is a :class:`morsa.MorsaError`.
    """

    def __init__(
        self,
        chain: str | ControlPlane,
        *,
        account: Account | str | os.PathLike[str] | None = None,
        timeout: float = 60.0,
        concurrency: int = 64,
        upload_budget: int = 64 * 1024 * 1024,
        retry_seconds: float = 10.0,
        staging_dir: str | os.PathLike[str] | None = None,
        memory_encode_limit: int = 32 * 1024 * 1024,
        batch_bytes: int = 4 * 1024 * 1024,
        sliver_cache_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.http = Http(timeout=timeout)
        if isinstance(chain, str):
            self.control: ControlPlane = HttpControlPlane(chain, http=self.http, cache_path=default_cache_path(chain))
            self.chain_url = chain.rstrip("/")
        else:
            self.control = chain
            self.chain_url = getattr(chain, "url", "")
        self.account: Account | None = account if isinstance(account, Account) or account is None else Account.load(account)
        self.timeout = timeout
        self.concurrency = concurrency
        self.upload_budget = upload_budget
        self.retry = RetryPolicy(deadline=retry_seconds)
        self.staging_dir = staging_dir
        self.memory_encode_limit = memory_encode_limit
        self.batch_bytes = batch_bytes
        self.latencies = Latencies()
        self.unbatched_nodes: set[str] = set()
        self.sliver_cache = _SliverCache(sliver_cache_bytes)
        """Verified primary slivers of range reads, least recently used dropped first (the next
        range often lies in the same sliver)."""
        """Nodes that answered that they lack the batched sliver upload."""

    # ------------------------------------------------------------------ plumbing

    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        return run_sync(coro)

    def node(self, member: Member) -> StorageNodeClient:
        """The REST client of a committee member's storage node."""
        return StorageNodeClient(self.http, member.url, name=member.label)

    async def acommittee(self, *, fresh: bool = False) -> CommitteeView:
        """The current committee (cached for a few seconds unless ``fresh``)."""
        return await self.control.committee(fresh=fresh)

    def committee(self) -> CommitteeView:
        return self._sync(self.acommittee(fresh=True))

    def _payer(self) -> Account:
        if self.account is None:
            raise ClientError("storing needs an account that pays: give the client an account key")
        return self.account

    def faucet(self, amount: int, *, admin_token: str) -> int:
        """Fund this client's account from a devnet's faucet (an admin call: ``admin_token`` is
        the devnet's); returns the balance (FROST)."""
        control = self.control
        if not isinstance(control, HttpControlPlane):
            raise ClientError("only a devnet's control plane has a faucet")
        return self._sync(control.faucet(self._payer().address, amount, admin_token))

    def balance(self) -> int:
        """This client's balance (FROST)."""
        return self._sync(self.control.balance(self._payer().address))

    def health(self, *, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Every committee member's health, asked at once (``walrus health``): ``{"name",
        "url", "node_id", "shards", "ok", "health"}`` with the node's ``/v1/health`` data
        (epoch, status, uptime, shard summary, event progress, recovery, migration) when it
        answers within ``timeout`` seconds, else ``"error"``."""

        async def one(member: Member) -> dict[str, Any]:
            entry: dict[str, Any] = {"name": member.name, "url": member.url, "node_id": member.node_id, "shards": member.weight}
            try:
                entry["health"] = await self.node(member).health(timeout=timeout)
                entry["ok"] = True
            except (NetworkError, OSError) as e:
                entry["ok"] = False
                entry["error"] = str(e)
            return entry

        async def all_members() -> list[dict[str, Any]]:
            view = await self.acommittee(fresh=True)
            return list(await asyncio.gather(*(one(m) for m in view.members)))

        return self._sync(all_members())

    @property
    def private(self) -> PrivateBlobs:
        """Private blobs on this network: policies, encrypted stores, decrypting reads
        (:class:`morsa.private.PrivateBlobs`)."""
        from .private import PrivateBlobs

        found = self.__dict__.get("_private")
        if found is None:
            found = self.__dict__["_private"] = PrivateBlobs(self)
        return found

    # ---- the economy: staking, nodes (a devnet's control plane)

    def _economy(self) -> HttpControlPlane:
        control = self.control
        if not isinstance(control, HttpControlPlane):
            raise ClientError("staking and node economics need a devnet's control plane")
        return control

    def economy(self) -> dict[str, Any]:
        """The network's economic state: epoch and when it changes, prices, capacity, the
        committee's shard counts, FROST burned and paid, funded future buckets (REWARDS.md)."""
        return self._sync(self._economy().economy())

    def nodes(self) -> list[dict[str, Any]]:
        """Every storage node: ``node_id``, ``name``, ``url``, ``stake`` (FROST), ``next_stake``,
        ``rewards_pool``, ``commission``, ``commission_rate`` (bp), ``votes``, ``shards``…"""
        return self._sync(self._economy().nodes())

    def node_id(self, node: str) -> str:
        """The node ID of a node given by name or ID; :class:`ClientError` for neither."""
        key = node.lower().removeprefix("0x")
        for n in self.nodes():
            if node in (n["name"], n["node_id"]) or key == n["node_id"]:
                return str(n["node_id"])
        raise ClientError(f"no storage node {node!r} (give a node name or ID; 'morsa nodes' lists them)")

    def stake(self, node: str, amount: int) -> dict[str, Any]:
        """Stake ``amount`` FROST of this client's account with ``node`` (a name or node ID;
        REWARDS.md §4.1): the stake object is active from the next epoch (or the one after,
        once the next committee is selected). Returns ``{"stake", "balance"}``."""
        return self._sync(self._economy().stake(self._payer(), self.node_id(node), amount))

    def withdraw(self, stake_id: int) -> dict[str, Any]:
        """Withdraw a stake object of this client's account (REWARDS.md §4.2): paid out at once
        when due or not yet active, else requested (call again from ``withdraw_epoch``)."""
        return self._sync(self._economy().withdraw(self._payer(), stake_id))

    def stakes(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Stake objects of ``owner`` (default: this client's account; ``"*"``: everyone's)
        with their rewards so far."""
        if owner is None:
            owner = self._payer().address
        return self._sync(self._economy().stakes(None if owner == "*" else owner))

    def blob_status(self, blob_id: str) -> dict[str, Any]:
        """``{"status", "blob_object"}`` of a blob on the control plane; raises
        :class:`~morsa.net.errors.RemoteError` (404) for an unknown blob."""

        async def go() -> dict[str, Any]:
            state = await self.control.blob(blob_id)
            if state is None:
                raise RemoteError(404, "BLOB_NOT_FOUND", f"blob {blob_id} is not registered")
            return state.to_json()

        return self._sync(go())

    def list_blobs(self, owner: str | None = None, *, include_gone: bool = False) -> list[dict[str, Any]]:
        """Blobs of ``owner`` (default: this client's account; ``"*"``: everyone's), newest
        first, as ``{"blob_id", "status", "blob_object", "attributes", …}``; expired, deleted and
        invalid ones only with ``include_gone``."""
        if owner is None:
            owner = self._payer().address
        found = self._sync(self._economy().blobs(None if owner == "*" else owner, include_gone=include_gone))
        return [{"blob_id": blob_id, **state.to_json()} for blob_id, state in found]

    def extend(self, blob_id: str, epochs: int, *, shared_funds: bool = False) -> dict[str, Any]:
        """Extend a certified blob's storage by ``epochs`` epochs, paid by this client's
        account (anyone may), or by a shared blob's own funds (REWARDS.md §1.7). Returns
        ``{"blob_object", "cost", "balance"}``."""
        return self._sync(self._economy().extend_blob(self._payer(), blob_id, epochs, shared_funds=shared_funds))

    def delete(self, blob_id: str) -> dict[str, Any]:
        """Delete a deletable blob this client's account owns: storage nodes drop its data and
        reads answer 404; its storage resource returns to the account and is reused by a later
        store that fits it."""
        return self._sync(self._economy().delete_blob(self._payer(), blob_id))

    def share(self, blob_id: str, amount: int = 0) -> dict[str, Any]:
        """Make a permanent blob this client's account owns shared, with ``amount`` FROST of
        funds: anyone may fund it (:meth:`fund_shared_blob`), and its funds pay extensions."""
        return self._sync(self._economy().share_blob(self._payer(), blob_id, amount)).to_json()

    def fund_shared_blob(self, blob_id: str, amount: int) -> dict[str, Any]:
        """Add ``amount`` FROST of this client's account to a shared blob's funds."""
        return self._sync(self._economy().fund_shared_blob(self._payer(), blob_id, amount)).to_json()

    def set_blob_attributes(self, blob_id: str, attributes: dict[str, str] | None = None, *, remove: list[str] | None = None) -> dict[str, Any]:
        """Set (and remove) attributes of a blob this client's account owns; returns its state."""
        return self._sync(self._economy().set_blob_attributes(self._payer(), blob_id, attributes, remove)).to_json()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.close()

    # ------------------------------------------------------------------ store

    def store(
        self,
        data_or_path: morsa.DataOrPath,
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
        progress: ProgressCallback | None = None,
        attributes: dict[str, str] | None = None,
        owner: str | None = None,
        reuse_resources: bool = True,
        share: bool = False,
    ) -> StoreResult:
        """Store a blob for ``epochs`` epochs; returns once it is certified. ``attributes``
        (string keys and values; an aggregator serves ``content-type`` and a few more as
        response headers) are set when the blob is registered. ``owner`` receives the blob
        object (default: this client's account, which pays either way); ``reuse_resources``
        uses storage the account holds when it fits; ``share`` makes the (permanent) blob shared
        once certified, so that anyone may fund its extensions.

        ``progress(done, total)`` counts the bytes encoded and then uploaded: ``total`` is the
        blob size plus the size of every sliver. Raises :class:`ClientError` when fewer than a
        quorum of shards confirm, :class:`~morsa.net.errors.RemoteError` when registration is
        refused (for example, too little balance: 402), and the codec errors of
        :func:`morsa.encode`.
        """
        return self._sync(
            self.astore(
                data_or_path,
                epochs=epochs,
                deletable=deletable,
                force=force,
                progress=progress,
                attributes=attributes,
                owner=owner,
                reuse_resources=reuse_resources,
                share=share,
            )
        )

    async def astore(
        self,
        data_or_path: morsa.DataOrPath,
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
        progress: ProgressCallback | None = None,
        attributes: dict[str, str] | None = None,
        owner: str | None = None,
        reuse_resources: bool = True,
        share: bool = False,
    ) -> StoreResult:
        """:meth:`store`, asynchronously."""
        payer = self._payer()
        if share and (deletable or (owner is not None and owner != payer.address)):
            raise ClientError("a shared blob is permanent and shared by its owner: share excludes deletable and another owner")
        view = await self.acommittee(fresh=True)  # confirmations are signed for the current epoch
        size = _data_size(data_or_path)
        config = morsa.EncodingConfig(view.n_shards)
        report = _Progress(progress, size + self._encoded_bytes(config, size))
        with contextlib.ExitStack() as stack:
            metadata, source = await self._encode(stack, data_or_path, view.n_shards, lambda done, _: report.set(done))
            report.set(size)
            registration = await self.control.register_blob(
                metadata,
                epochs_ahead=epochs,
                deletable=deletable,
                account=payer,
                force=force,
                attributes=attributes,
                owner=owner,
                reuse_resources=reuse_resources,
            )
            blob_object = registration.blob_object
            if blob_object.get("certifiedEpoch") is not None and not force:
                report.finish()
                return StoreResult(metadata.blob_id, blob_object, registration.cost, False)
            object_id = bytes.fromhex(blob_object["id"][2:]) if deletable else None
            builder = view.certificate_builder(morsa.StorageConfirmation(view.epoch, metadata.blob_id, object_id))
            failed = await _Upload(self, view, metadata, source, object_id, builder, report).run()
        if not builder.is_complete:
            details = "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
            raise ClientError(
                f"only {builder.weight} of {view.n_shards} shards confirmed blob {metadata.blob_id}, "
                f"{builder.required_weight} are needed ({details})"
            )
        certified = await self.control.certify_blob(metadata.blob_id, builder.finish().to_bytes())
        result = StoreResult(metadata.blob_id, certified, registration.cost, registration.newly_registered, builder.weight, failed)
        if share:
            await self._economy().share_blob(payer, metadata.blob_id)
            result.shared = True
        report.finish()
        return result

    async def _encode(
        self, stack: contextlib.ExitStack, data_or_path: morsa.DataOrPath, n_shards: int, progress: ProgressCallback | None = None
    ) -> tuple[morsa.BlobMetadata, _SliverSource]:
        """Encode a blob for upload: in memory up to ``memory_encode_limit`` bytes, else into a
        staging directory (removed when ``stack`` closes), in memory independent of its size."""
        if _data_size(data_or_path) <= self.memory_encode_limit:
            encoded = await asyncio.to_thread(morsa.encode, data_or_path, n_shards)
            return encoded.metadata, _EncodedSlivers(encoded)
        staging = stack.enter_context(tempfile.TemporaryDirectory(prefix="morsa-store-", dir=self.staging_dir))
        metadata = await asyncio.to_thread(morsa.encode_to_directory, data_or_path, staging, n_shards, progress=progress)
        return metadata, _SliverFiles(Path(staging))

    async def arelay(self, data_or_path: morsa.DataOrPath, blob_id: str, object_id: bytes | None = None) -> tuple[bytes, int]:
        """What an upload relay does for a blob its client registered (and paid for) itself:
        encode ``data_or_path`` (bytes, or a file: a large one is encoded through a staging
        directory, in bounded memory), check that it is ``blob_id``, that the blob is registered
        (as the deletable blob object ``object_id``, or as a permanent blob), upload every sliver
        to its shard's node, and collect a quorum of confirmations. Returns the storage
        certificate (bytes of the committee's scheme, for the client to certify with) and its weight in shards.
        Raises :class:`morsa.VerificationError` (another blob), :class:`ClientError` (not
        registered, too few confirmations) and the codec's errors."""
        view = await self.acommittee(fresh=True)
        with contextlib.ExitStack() as stack:
            metadata, source = await self._encode(stack, data_or_path, view.n_shards)
            if metadata.blob_id != blob_id:
                raise morsa.VerificationError(f"the body is blob {metadata.blob_id}, not {blob_id}")
            state = await self.control.blob(blob_id)
            if state is None or state.status not in ("registered", "certified"):
                raise ClientError(f"blob {blob_id} is not registered{'' if state is None else ' (it is ' + state.status + ')'}")
            registered_object = state.blob_object.get("id")
            if bool(state.blob_object.get("deletable")) != (object_id is not None) or (
                object_id is not None and registered_object != "0x" + object_id.hex()
            ):
                raise ClientError(f"blob {blob_id} is registered as {registered_object} (deletable: {state.blob_object.get('deletable')})")
            builder = view.certificate_builder(morsa.StorageConfirmation(view.epoch, blob_id, object_id))
            failed = await _Upload(self, view, metadata, source, object_id, builder, _Progress(None, 1)).run()
        if not builder.is_complete:
            details = "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
            raise ClientError(
                f"only {builder.weight} of {view.n_shards} shards confirmed blob {blob_id}, {builder.required_weight} are needed ({details})"
            )
        return builder.finish().to_bytes(), builder.weight

    def store_via_relay(
        self, path: str | os.PathLike[str], relay_url: str, *, epochs: int = 1, deletable: bool = False
    ) -> StoreResult:
        """Store the file at ``path`` through the upload relay at ``relay_url``: this client
        registers and pays, the relay uploads the slivers, this client checks the certificate and
        certifies. Raises as :meth:`astore_via_relay`."""
        return self._sync(self.astore_via_relay(path, relay_url, epochs=epochs, deletable=deletable))

    async def astore_via_relay(
        self, path: str | os.PathLike[str], relay_url: str, *, epochs: int = 1, deletable: bool = False
    ) -> StoreResult:
        """Store through an upload relay (SPEC §12.2): compute the metadata locally, register and
        pay from this client's account, send the bytes to ``relay_url``, check the certificate
        it returns (it verifies against the committee for this blob and object), and certify.
        Raises as :meth:`store`, :class:`morsa.VerificationError` for a certificate of anything
        else, and :class:`~morsa.net.errors.RemoteError` ``TIP_REQUIRED`` (before paying) for a
        relay that asks a tip."""
        payer = self._payer()
        relay = UploadRelayClient(self.http, relay_url)
        await relay.require_free()
        view = await self.acommittee(fresh=True)
        # Streamed from the file (memory independent of its size), and sent from it below.
        metadata = await asyncio.to_thread(morsa.compute_metadata, path, view.n_shards)
        registration = await self.control.register_blob(metadata, epochs_ahead=epochs, deletable=deletable, account=payer)
        blob_object = registration.blob_object
        if blob_object.get("certifiedEpoch") is not None:
            return StoreResult(metadata.blob_id, blob_object, registration.cost, False)
        object_id = bytes.fromhex(blob_object["id"][2:]) if deletable else None
        certificate = await relay.upload(Path(path), metadata.blob_id, object_id, scheme=view.scheme)
        verified = view.verify_certificate(certificate, kind="confirmation")
        if verified.blob_id != metadata.blob_id or verified.object_id != object_id:
            raise morsa.VerificationError("the relay's certificate is for another blob or object: rejected")
        certified = await self.control.certify_blob(metadata.blob_id, certificate)
        return StoreResult(metadata.blob_id, certified, registration.cost, registration.newly_registered, verified.signer_weight)

    @staticmethod
    def _encoded_bytes(config: morsa.EncodingConfig, size: int) -> int:
        """The bytes of every sliver's data (what the upload sends, BCS framing aside)."""
        n = config.n_shards
        return n * (config.sliver_size("primary", size) + config.sliver_size("secondary", size))

    # ------------------------------------------------------------------ read

    def read(
        self,
        blob_id: str,
        *,
        consistency_check: morsa.ConsistencyCheck = "default",
        progress: ProgressCallback | None = None,
    ) -> bytes:
        """Read and decode a blob, verified against its blob ID.

        Raises :class:`morsa.InvalidBlobIdError`, :class:`ClientError` (no verified metadata,
        too few valid slivers: the message says how many of how many) or
        :class:`morsa.InconsistentEncodingError`.
        """
        return self._sync(self.aread(blob_id, consistency_check=consistency_check, progress=progress))

    def read_to(self, blob_id: str, path: str | os.PathLike[str], **kwargs: Any) -> int:
        """Read a blob into ``path`` atomically (nothing is left behind on failure); returns its size."""
        data = self.read(blob_id, **kwargs)
        with atomic_file(path) as (f, _):
            f.write(data)
        return len(data)

    # ---- files of any size (morsa.chunked)

    def store_file(
        self,
        path: str | os.PathLike[str],
        *,
        chunk_size: int | None = None,
        epochs: int = 1,
        deletable: bool = False,
        progress: ProgressCallback | None = None,
        attributes: dict[str, str] | None = None,
    ) -> StoreResult:
        """Store a file of any size: as one blob when it fits the largest blob of the shard
        count (and ``chunk_size``, when given), else as chunks plus a manifest blob
        (:mod:`morsa.chunked`); the result's ``blob_id`` names the file either way, and
        :meth:`read_file` reads it back. ``progress(done, total)`` counts the file's bytes;
        ``attributes`` go on the blob the ID names. Raises as :meth:`store`."""
        return self._sync(
            self.astore_file(path, chunk_size=chunk_size, epochs=epochs, deletable=deletable, progress=progress, attributes=attributes)
        )

    async def astore_file(
        self,
        path: str | os.PathLike[str],
        *,
        chunk_size: int | None = None,
        epochs: int = 1,
        deletable: bool = False,
        progress: ProgressCallback | None = None,
        attributes: dict[str, str] | None = None,
    ) -> StoreResult:
        """:meth:`store_file`, asynchronously."""
        size = os.stat(path).st_size
        view = await self.acommittee()
        step = chunked.chunk_size_for(size, view.n_shards, chunk_size)
        if step is None:
            return await self.astore(
                path, epochs=epochs, deletable=deletable, progress=_scaled(progress, 0, size, size), attributes=attributes
            )
        digest = hashlib.sha256()
        chunks: list[chunked.Chunk] = []
        cost = 0
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as whole:
            for offset in range(0, size, step):
                piece = whole[offset : offset + step]
                try:
                    digest.update(piece)
                    result = await self.astore(
                        piece, epochs=epochs, deletable=deletable, progress=_scaled(progress, offset, len(piece), size)
                    )
                finally:
                    piece.release()
                chunks.append(chunked.Chunk(result.blob_id, min(step, size - offset)))
                cost += result.cost
        manifest = chunked.Manifest(size, digest.hexdigest(), step, tuple(chunks))
        result = await self.astore(manifest.to_bytes(), epochs=epochs, deletable=deletable, attributes=attributes)
        result.cost += cost
        result.chunks = manifest.blob_ids
        return result

    def read_file(self, blob_id: str, *, consistency_check: morsa.ConsistencyCheck = "default") -> bytes:
        """The file a blob ID names: the blob itself, or, when it is a chunked-file manifest
        (:mod:`morsa.chunked`), its chunks joined, each verified, with the size and SHA-256
        checked. Raises as :meth:`read`, and :class:`morsa.VerificationError` when the joined
        chunks do not match the manifest."""
        return self._sync(self.aread_file(blob_id, consistency_check=consistency_check))

    async def aread_file(self, blob_id: str, *, consistency_check: morsa.ConsistencyCheck = "default") -> bytes:
        """:meth:`read_file`, asynchronously."""
        data = await self.aread(blob_id, consistency_check=consistency_check)
        manifest = chunked.parse_manifest(data)
        if manifest is None:
            return data
        parts = [await self.aread(c.blob_id, consistency_check=consistency_check) for c in manifest.chunks]
        joined = b"".join(parts)
        if len(joined) != manifest.size or hashlib.sha256(joined).hexdigest() != manifest.sha256:
            raise morsa.VerificationError(f"the chunks of {blob_id} do not match its manifest's size and SHA-256")
        return joined

    def read_file_to(
        self, blob_id: str, path: str | os.PathLike[str], *, consistency_check: morsa.ConsistencyCheck = "default"
    ) -> int:
        """:meth:`read_file` into ``path`` atomically (nothing is left behind on failure), one
        chunk in memory at a time; returns the file's size."""
        return self._sync(self.aread_file_to(blob_id, path, consistency_check=consistency_check))

    async def aread_file_to(
        self, blob_id: str, path: str | os.PathLike[str], *, consistency_check: morsa.ConsistencyCheck = "default"
    ) -> int:
        """:meth:`read_file_to`, asynchronously."""
        data = await self.aread(blob_id, consistency_check=consistency_check)
        manifest = chunked.parse_manifest(data)
        with atomic_file(path) as (f, _):
            if manifest is None:
                f.write(data)
                return len(data)
            digest = hashlib.sha256()
            for chunk in manifest.chunks:
                part = await self.aread(chunk.blob_id, consistency_check=consistency_check)
                if len(part) != chunk.size:
                    raise morsa.VerificationError(f"chunk {chunk.blob_id} of {blob_id} has {len(part)} bytes, not {chunk.size}")
                digest.update(part)
                await asyncio.to_thread(f.write, part)
                del part
            if digest.hexdigest() != manifest.sha256:
                raise morsa.VerificationError(f"the chunks of {blob_id} do not match its manifest's SHA-256")
        return manifest.size

    def read_range(self, blob_id: str, start: int, length: int) -> bytes:
        """``length`` bytes of the blob from byte ``start``, from the primary slivers that hold
        them (SPEC §3.1), each verified against the metadata; the whole blob is decoded only
        when one of them cannot be had. Raises as :meth:`read`, and :class:`morsa.MorsaError`
        for a range outside the blob."""
        return self._sync(self.aread_range(blob_id, start, length))

    def metadata(self, blob_id: str) -> morsa.BlobMetadata:
        """The blob's metadata, verified (SPEC §5.5): its size, symbol size and sliver hashes,
        without reading any sliver. Raises as :meth:`ametadata`."""
        return self._sync(self.ametadata(blob_id))

    async def ametadata(self, blob_id: str, view: CommitteeView | None = None) -> morsa.BlobMetadata:
        """The blob's metadata from the first node that serves it verified (SPEC §5.5).
        Raises :class:`morsa.InvalidBlobIdError` or :class:`ClientError`."""
        if not morsa.is_blob_id(blob_id):
            raise morsa.InvalidBlobIdError(f"{blob_id!r} is not a blob ID")
        view = view or await self.acommittee()
        members = [m for m in view.members if m.url]
        random.shuffle(members)
        members = self.latencies.fastest_first(members, lambda m: m.url)

        async def attempt(member: Member) -> morsa.BlobMetadata:
            async with self.latencies.timed(member.url):
                return await self.node(member).metadata(blob_id, view.n_shards)

        metadata, failures = await first_success(members, attempt, parallel=2, hedge_after=0.3)
        if metadata is None:
            problems = "; ".join(f"{m.label}: {_short(e)}" for m, e in failures[:3])
            raise ClientError(f"no storage node returned verified metadata for {blob_id} ({problems})")
        return metadata

    async def aread(
        self,
        blob_id: str,
        *,
        consistency_check: morsa.ConsistencyCheck = "default",
        progress: ProgressCallback | None = None,
    ) -> bytes:
        """:meth:`read`, asynchronously."""
        view = await self.acommittee()
        metadata = await self.ametadata(blob_id, view)
        config = metadata.config
        errors: list[str] = []
        counts: list[str] = []
        axes: tuple[tuple[Axis, int], ...] = (
            ("primary", config.n_primary_source_symbols),
            ("secondary", config.n_secondary_source_symbols),
        )
        for axis, needed in axes:
            reader = _SliverReader(self, view, metadata, axis, needed, progress)
            data = await reader.decode(consistency_check)
            if data is not None:
                return data
            errors += reader.errors
            counts.append(f"{reader.valid} valid {axis} slivers of the {needed} needed")
        raise ClientError(f"cannot read blob {blob_id}: {', '.join(counts)} ({'; '.join(errors[-3:])})")

    async def aread_range(
        self, blob_id: str, start: int, length: int, *, metadata: morsa.BlobMetadata | None = None
    ) -> bytes:
        """:meth:`read_range`, asynchronously (``metadata``: the blob's, when already known)."""
        view = await self.acommittee()
        metadata = metadata or await self.ametadata(blob_id, view)
        first, end, offset = metadata.primary_slivers_for_range(start, length)

        async def one(index: int) -> bytes:
            cached = self.sliver_cache.get(blob_id, index)
            if cached is not None:
                return cached
            member = view.member_for_pair(blob_id, index)  # primary sliver i is in pair i
            async with self.latencies.timed(member.url):
                sliver = await self.node(member).sliver(blob_id, index, "primary")
            if sliver.index != index:
                raise morsa.VerificationError(f"{member.label} sent primary sliver {sliver.index}, not {index}")
            await asyncio.to_thread(sliver.verify, metadata)
            self.sliver_cache.put(blob_id, index, sliver.data)
            return sliver.data

        try:
            parts = await asyncio.gather(*(one(i) for i in range(first, end)))
        except (NetworkError, morsa.WireFormatError, morsa.VerificationError):
            whole = await self.aread(blob_id)
            return whole[start : start + length]
        return b"".join(parts)[offset : offset + length]

    # ---- quilts (SPEC §13)

    def store_quilt(
        self,
        entries: list[tuple[str, dict[str, str], bytes]],
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
    ) -> QuiltStoreResult:
        """Build a quilt of ``(identifier, tags, data)`` entries and store it as one blob.

        Raises :class:`morsa.QuiltError` for bad or duplicate identifiers and too many entries,
        and the errors of :meth:`store`.
        """
        return self._sync(self.astore_quilt(entries, epochs=epochs, deletable=deletable, force=force))

    async def astore_quilt(
        self,
        entries: list[tuple[str, dict[str, str], bytes]],
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
        **options: Any,
    ) -> QuiltStoreResult:
        """:meth:`store_quilt`, asynchronously; ``options`` as :meth:`store` (``owner``,
        ``reuse_resources``, ``share``, ``attributes``)."""
        n_shards = (await self.acommittee()).n_shards
        quilt = await asyncio.to_thread(morsa.build_quilt, entries, n_shards)
        result = await self.astore(quilt.blob, epochs=epochs, deletable=deletable, force=force, **options)
        return QuiltStoreResult(result, quilt.patches, quilt.patch_ids())

    def read_quilt_index(self, quilt_id: str) -> list[morsa.QuiltPatch]:
        """The patches of a quilt, from its index columns only (each sliver verified)."""
        return self._sync(self.aread_quilt_index(quilt_id))

    async def aread_quilt_index(self, quilt_id: str) -> list[morsa.QuiltPatch]:
        """:meth:`read_quilt_index`, asynchronously."""
        return (await self._quilt_reader(quilt_id)).index

    def read_patch(self, quilt_or_patch_id: str, identifier: str | None = None) -> QuiltPatchContents:
        """One patch of a quilt, by quilt patch ID, or by quilt ID and identifier.

        Only the patch's secondary slivers are fetched (plus the index columns when reading by
        identifier), and each is verified against the quilt's metadata before use; when one
        cannot be had or does not verify, the whole quilt is read and decoded instead
        (SPEC §13). Raises :class:`morsa.QuiltError` (no such identifier, malformed quilt),
        :class:`ClientError` and :class:`morsa.InvalidBlobIdError`.
        """
        return self._sync(self.aread_patch(quilt_or_patch_id, identifier))

    def read_patches(self, quilt_id: str, *, tag: tuple[str, str] | None = None) -> list[QuiltPatchContents]:
        """Every patch of a quilt, or those with ``tag = (key, value)``, each verified."""

        async def go() -> list[QuiltPatchContents]:
            reader = await self._quilt_reader(quilt_id)
            chosen = [p for p in reader.index if tag is None or p.tags.get(tag[0]) == tag[1]]
            return list(await asyncio.gather(*(reader.patch(p.start_index, p.end_index, p.identifier) for p in chosen)))

        return self._sync(go())

    async def aread_patch(self, quilt_or_patch_id: str, identifier: str | None = None) -> QuiltPatchContents:
        """:meth:`read_patch`, asynchronously."""
        if identifier is None:
            quilt_id, start, end = morsa.parse_quilt_patch_id(quilt_or_patch_id)
            reader = await self._quilt_reader(quilt_id, with_index=False)
            return await reader.patch(start, end, None)
        reader = await self._quilt_reader(quilt_or_patch_id)
        for p in reader.index:
            if p.identifier == identifier:
                return await reader.patch(p.start_index, p.end_index, identifier)
        raise morsa.QuiltError(f"quilt {quilt_or_patch_id} has no patch {identifier!r}")

    async def _quilt_reader(self, quilt_id: str, *, with_index: bool = True) -> _QuiltReader:
        view = await self.acommittee()
        metadata = await self.ametadata(quilt_id, view)
        reader = _QuiltReader(self, view, metadata)
        if with_index:
            await reader.load_index()
        return reader


def _short(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 160 else text[:157] + "…"


class _Progress:
    """Monotone progress over ``total`` bytes, reported to an optional callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = max(total, 1)
        self.done = 0

    def set(self, done: int) -> None:
        if done > self.done:
            self.done = min(done, self.total)
            if self.callback is not None:
                self.callback(self.done, self.total)

    def add(self, amount: int) -> None:
        self.set(self.done + amount)

    def finish(self) -> None:
        self.set(self.total)


class _SliverSource:
    """Where a store's slivers come from, by axis and sliver index: their BCS ``SliverData``
    (:meth:`read`) or parsed (:meth:`sliver`)."""

    def size(self, axis: Axis, index: int) -> int:
        raise NotImplementedError

    async def read(self, axis: Axis, index: int) -> bytes:
        raise NotImplementedError

    def sliver(self, axis: Axis, index: int) -> morsa.Sliver:
        raise NotImplementedError


class _EncodedSlivers(_SliverSource):
    """The slivers of a blob encoded in memory."""

    def __init__(self, encoded: morsa.EncodedBlob) -> None:
        self.encoded = encoded

    def size(self, axis: Axis, index: int) -> int:
        return len(self.encoded.sliver(axis, index).data)

    async def read(self, axis: Axis, index: int) -> bytes:
        return self.encoded.sliver(axis, index).to_bytes()

    def sliver(self, axis: Axis, index: int) -> morsa.Sliver:
        return self.encoded.sliver(axis, index)


class _SliverFiles(_SliverSource):
    """The slivers of a blob stream-encoded into a directory (:func:`morsa.encode_to_directory`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, axis: Axis, index: int) -> Path:
        return self.directory / _native.sliver_file_name(axis, index)

    def size(self, axis: Axis, index: int) -> int:
        return self._path(axis, index).stat().st_size

    async def read(self, axis: Axis, index: int) -> bytes:
        path = self._path(axis, index)
        return path.read_bytes() if path.stat().st_size < (1 << 20) else await asyncio.to_thread(path.read_bytes)

    def sliver(self, axis: Axis, index: int) -> morsa.Sliver:
        return morsa.Sliver.from_bytes(self._path(axis, index).read_bytes(), axis)


class _Upload:
    """The upload phase of one store: every member at once, each member's slivers under the
    client's concurrency and byte budget; returns the failed members' reasons."""

    def __init__(
        self,
        client: Client,
        view: CommitteeView,
        metadata: morsa.BlobMetadata,
        source: _SliverSource,
        object_id: bytes | None,
        builder: CertificateBuilder,
        progress: _Progress,
    ) -> None:
        self.client, self.view, self.metadata, self.source = client, view, metadata, source
        self.object_id, self.builder, self.progress = object_id, builder, progress
        self.slots = asyncio.Semaphore(client.concurrency)
        self.budget = ByteBudget(client.upload_budget)
        self.metadata_bytes = metadata.metadata_bytes()
        self.failed: dict[str, str] = {}

    async def run(self) -> dict[str, str]:
        start = time.monotonic()
        tasks = {asyncio.ensure_future(self.member(m)): m for m in self.view.members}
        pending = set(tasks)
        try:
            while pending and not self.builder.is_complete:
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                # A quorum confirmed: the others get a grace period, then recover what they miss.
                grace = max(1.0, 0.5 * (time.monotonic() - start))
                _, pending = await asyncio.wait(pending, timeout=grace)
                for task in pending:
                    self.failed[tasks[task].label] = f"still uploading after the quorum and {grace:.1f} s more"
        finally:
            for task in pending:  # also when the store itself is cancelled
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        return self.failed

    async def member(self, member: Member) -> None:
        """Upload ``member``'s slivers and collect its confirmation. A node that has not seen an
        epoch change yet (it refuses shards it will hold, or asks for slivers of shards it no
        longer holds) is asked again for up to ``EPOCH_CATCH_UP_S``."""
        deadline = time.monotonic() + EPOCH_CATCH_UP_S
        while True:
            before = len(self.failed)
            await self._member_once(member)
            error = self.failed.get(member.label)
            if len(self.failed) == before or error is None or time.monotonic() >= deadline:
                return
            if not any(reason in error for reason in ("SHARD_NOT_ASSIGNED", "MISSING_SLIVERS")):
                return
            del self.failed[member.label]
            await asyncio.sleep(0.25)

    async def _member_once(self, member: Member) -> None:
        node = self.client.node(member)
        blob_id = self.metadata.blob_id
        retry = self.client.retry
        try:
            await retry.run(lambda: self._guarded(node.put_metadata(blob_id, self.metadata_bytes)))
            items = [(pair, axis) for pair in self.view.pairs_of(member, blob_id) for axis in AXES]
            if member.url in self.client.unbatched_nodes:
                await asyncio.gather(*(self.sliver(node, pair, axis) for pair, axis in items))
            else:
                await asyncio.gather(*(self.batch(node, member, batch) for batch in self._batches(items)))
            deadline = time.monotonic() + EPOCH_CATCH_UP_S
            while True:
                message, signature = await retry.run(lambda: self._guarded(node.confirmation(blob_id, self.object_id)))
                if time.monotonic() < deadline and self._signed_for_an_earlier_epoch(message):
                    # The node has not seen the epoch change yet (it follows the control plane's
                    # events): ask again once it has.
                    await asyncio.sleep(0.25)
                    continue
                break
            if self.view.scheme == "bls12381":  # a pairing check: off the event loop
                await asyncio.to_thread(self.builder.add, member.index, message, signature)
            else:
                self.builder.add(member.index, message, signature)
        except (NetworkError, morsa.MorsaError, OSError) as e:
            self.failed[member.label] = _short(e)

    def _signed_for_an_earlier_epoch(self, message: bytes) -> bool:
        try:
            return morsa.StorageConfirmation.from_bytes(message).epoch < self.view.epoch
        except morsa.MorsaError:
            return False

    def _batches(self, items: list[tuple[int, Axis]]) -> list[list[tuple[int, Axis]]]:
        """``items`` in batches of about ``batch_bytes`` each (at least one sliver)."""
        batches: list[list[tuple[int, Axis]]] = [[]]
        size = 0
        for pair, axis in items:
            item_size = self.source.size(axis, self.view.config.sliver_index(axis, pair))
            if batches[-1] and size + item_size > self.client.batch_bytes:
                batches.append([])
                size = 0
            batches[-1].append((pair, axis))
            size += item_size
        return [batch for batch in batches if batch]

    async def batch(self, node: StorageNodeClient, member: Member, items: list[tuple[int, Axis]]) -> None:
        """Upload ``items`` in one request (BCS ``Vec<Sliver>``); per sliver when the node
        lacks the batched upload."""
        config = self.view.config
        indices = [(axis, config.sliver_index(axis, pair)) for pair, axis in items]
        size = sum(self.source.size(axis, index) for axis, index in indices)
        async with self.budget.hold(size):
            body: bytes | None
            if member.url in self.client.unbatched_nodes:
                body = None
            else:
                slivers = [self.source.sliver(axis, index) for axis, index in indices]
                batch = body = morsa._native.encode_slivers(slivers)
                del slivers
                blob_id = self.metadata.blob_id
                try:
                    await self.client.retry.run(lambda: self._guarded(node.put_slivers(blob_id, batch)))
                except RemoteError as e:
                    if e.status not in (404, 405) or e.reason not in ("NOT_FOUND", "METHOD_NOT_ALLOWED"):
                        raise
                    self.client.unbatched_nodes.add(member.url)
                    body = None
        if body is None:
            await asyncio.gather(*(self.sliver(node, pair, axis) for pair, axis in items))
            return
        self.progress.add(size)

    async def _guarded(self, request: Coroutine[Any, Any, T]) -> T:
        async with self.slots:
            return await request

    async def sliver(self, node: StorageNodeClient, pair: int, axis: Axis) -> None:
        index = self.view.config.sliver_index(axis, pair)
        size = self.source.size(axis, index)
        async with self.budget.hold(size):
            data = await self.source.read(axis, index)
            blob_id = self.metadata.blob_id
            await self.client.retry.run(lambda: self._guarded(node.put_sliver(blob_id, pair, axis, data)))
        self.progress.add(size)


class _SliverReader:
    """Collects ``needed`` valid slivers of one axis and decodes them.

    Candidates: for primary slivers the systematic ones (pairs ``0..p``) first, then the others
    by their node's latency; for secondary slivers, by latency. ``needed`` fetches run at once
    (within the client's concurrency); a failed fetch is replaced by the next candidate, and
    when the last few stall longer than a few times the typical answer, extra candidates are
    fetched (hedging). Invalid slivers found while decoding are replaced the same way.
    """

    def __init__(
        self,
        client: Client,
        view: CommitteeView,
        metadata: morsa.BlobMetadata,
        axis: Axis,
        needed: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.client, self.view, self.metadata, self.axis, self.needed = client, view, metadata, axis, needed
        self.progress = progress
        self.n = view.n_shards
        self.sliver_bytes = metadata.config.sliver_size(axis, metadata.unencoded_length)
        self.errors: list[str] = []
        self.valid = 0
        pairs = list(range(self.n))
        random.shuffle(pairs)
        member_url = lambda pair: view.member_for_pair(metadata.blob_id, pair).url  # noqa: E731
        ordered = client.latencies.fastest_first(pairs, member_url)
        if axis == "primary":
            p = needed
            ordered = sorted(ordered, key=lambda pair: pair >= p)  # systematic first (stable)
        self.candidates = ordered
        self.candidates.reverse()  # pop() from the end

    async def fetch(self, count: int) -> list[morsa.Sliver]:
        """Up to ``count`` parsed slivers from the remaining candidates."""
        got: list[morsa.Sliver] = []
        running: set[asyncio.Task[morsa.Sliver | None]] = set()
        slots = asyncio.Semaphore(self.client.concurrency)
        durations: list[float] = []

        async def one(pair: int) -> morsa.Sliver | None:
            member = self.view.member_for_pair(self.metadata.blob_id, pair)
            start = time.monotonic()
            try:
                async with slots:
                    async with self.client.latencies.timed(member.url):
                        sliver = await self.client.node(member).sliver(self.metadata.blob_id, pair, self.axis)
            except (NetworkError, morsa.MorsaError) as e:
                self.errors.append(f"{member.label} {self.axis} pair {pair}: {_short(e)}")
                return None
            durations.append(time.monotonic() - start)
            return sliver

        def launch(k: int) -> None:
            for _ in range(min(k, len(self.candidates))):
                running.add(asyncio.ensure_future(one(self.candidates.pop())))

        launch(count)
        try:
            while running and len(got) < count:
                typical = sorted(durations)[len(durations) // 2] if durations else 0.5
                done, _ = await asyncio.wait(running, timeout=max(0.2, 4 * typical), return_when=asyncio.FIRST_COMPLETED)
                if not done:  # stragglers: hedge with as many extra candidates
                    launch(min(count - len(got), len(running)))
                    continue
                for task in done:
                    running.discard(task)
                    sliver = task.result()
                    if sliver is None:
                        launch(1)
                    elif len(got) < count:
                        got.append(sliver)
                        if self.progress is not None:
                            self.progress(len(got) * self.sliver_bytes, count * self.sliver_bytes)
        finally:
            for task in running:
                task.cancel()
        return got

    async def decode(self, consistency_check: morsa.ConsistencyCheck) -> bytes | None:
        """The decoded blob, or None when too few valid slivers can be had. Raises
        :class:`morsa.InconsistentEncodingError`."""
        slivers: list[morsa.Sliver] = []
        while True:
            slivers += await self.fetch(self.needed - len(slivers))
            if len(slivers) < self.needed:
                self.valid = len(slivers)
                return None
            invalid: list[morsa.Sliver] = []

            def report(sliver: morsa.Sliver, reason: str, invalid: list[morsa.Sliver] = invalid) -> None:
                invalid.append(sliver)
                self.errors.append(f"{sliver.axis} sliver {sliver.index}: {reason}")

            try:
                return await asyncio.to_thread(morsa.decode, self.metadata, slivers, consistency_check, on_invalid=report)
            except morsa.InconsistentEncodingError:
                raise
            except morsa.DecodingError as e:
                self.errors.append(str(e))
                if not invalid:
                    self.valid = len(slivers)
                    return None
                slivers = [s for s in slivers if all(s is not bad for bad in invalid)]


@dataclass
class QuiltStoreResult:
    """A stored quilt: the store result of its blob, its patches and their patch IDs."""

    store: StoreResult
    patches: list[morsa.QuiltPatch]
    patch_ids: dict[str, str]

    @property
    def quilt_id(self) -> str:
        return self.store.blob_id


@dataclass(frozen=True)
class QuiltPatchContents:
    """A blob read from a quilt: identifier, tags, bytes and its quilt patch ID."""

    identifier: str
    tags: dict[str, str]
    data: bytes
    patch_id: str


class _QuiltReader:
    """Reads columns (secondary slivers) of one quilt, each verified against its metadata;
    falls back to decoding the whole quilt once a column cannot be had (SPEC §13)."""

    def __init__(self, client: Client, view: CommitteeView, metadata: morsa.BlobMetadata) -> None:
        self.client, self.view, self.metadata = client, view, metadata
        self.n_shards = metadata.n_shards
        self.index: list[morsa.QuiltPatch] = []
        self._blob: bytes | None = None
        self.columns_fetched = 0

    async def _column(self, j: int) -> bytes:
        pair = self.metadata.config.pair_index("secondary", j)
        member = self.view.member_for_pair(self.metadata.blob_id, pair)
        sliver = await self.client.node(member).sliver(self.metadata.blob_id, pair, "secondary")
        if sliver.index != j:
            raise morsa.VerificationError(f"{member.label} sent secondary sliver {sliver.index}, not {j}")
        await asyncio.to_thread(sliver.verify, self.metadata)
        self.columns_fetched += 1
        return sliver.data

    async def _columns(self, start: int, end: int) -> bytes | None:
        """Columns ``start..end`` from their slivers, or None when one fails."""
        try:
            return b"".join(await asyncio.gather(*(self._column(j) for j in range(start, end))))
        except (NetworkError, morsa.MorsaError):
            return None

    async def _whole(self) -> bytes:
        if self._blob is None:
            self._blob = await self.client.aread(self.metadata.blob_id)
        return self._blob

    async def load_index(self) -> None:
        symbol_size = self.metadata.symbol_size
        first = await self._columns(0, 1)
        if first is not None:
            k = morsa.quilt_index_columns(first, self.n_shards, symbol_size)
            rest = await self._columns(1, k)
            if rest is not None:
                self.index = morsa.parse_quilt_index(first + rest, self.n_shards, symbol_size)
                return
        self.index = morsa.quilt_index_from_blob(await self._whole(), self.n_shards)

    async def patch(self, start: int, end: int, identifier: str | None) -> QuiltPatchContents:
        columns = await self._columns(start, end)
        if columns is not None:
            parsed = morsa.parse_quilt_patch(columns)
        else:
            parsed = morsa.quilt_patch_from_blob(await self._whole(), self.n_shards, start, end)
        name, tags, data = parsed
        if identifier is not None and name != identifier:
            raise morsa.QuiltError(f"columns {start}..{end} hold {name!r}, not {identifier!r}")
        return QuiltPatchContents(name, dict(tags), bytes(data), morsa.quilt_patch_id(self.metadata.blob_id, start, end))


__all__ = [
    "Client",
    "ClientError",
    "ProgressCallback",
    "QuiltPatchContents",
    "QuiltStoreResult",
    "StoreResult",
    "TransportError",
]
