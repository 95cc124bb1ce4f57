"""The storage node's state and protocol logic, independent of HTTP routing.

:class:`NodeService` holds the signing key, the committee read from the control plane, the
durable :class:`~morsa.node.store.NodeStore` and the pending-upload buffer, and implements
the checks of SPEC §11: registration, shard assignment (pair ↔ shard rotation, SPEC §4.2),
metadata verification against the blob ID (SPEC §5.5), sliver verification against the
stored metadata (SPEC §6), recovery symbols (SPEC §8), inconsistency-proof attestations
(SPEC §9) and storage confirmations (SPEC §10). It speaks to the control plane and to the
other nodes through :mod:`morsa.net`.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

import morsa
from morsa import Axis
from morsa._types import other_axis

from ..net.committee import CommitteeView, Member
from ..net.control import ControlPlane, HttpControlPlane
from ..net.errors import ApiError, NetworkError, bad_bcs, invalid_argument, not_found, precondition, unavailable
from ..net.flow import first_success
from ..net.nodes import StorageNodeClient, encode_shard_frames, signed_json
from ..net.retry import RetryPolicy
from ..net.transport import Http
from .config import NodeConfig
from .store import DROPPED_STATUSES, LIVE_STATUSES, NodeStore

log = logging.getLogger("morsa.node")

# Slivers up to this size are verified on the event loop (the core releases the GIL, but a
# thread hop costs more than verifying a small sliver); larger ones in a worker thread.
_INLINE_VERIFY_BYTES = 16 * 1024

CATCH_UP_S = 0.05
"""How often at most requests that assume another shard assignment make the node re-read the
committee (it follows the control plane's events, which may lag an epoch change): a bound on
what such requests cost the control plane, short enough for any epoch change."""

class NodeService:
    """A storage node: see the module docstring. Create it, ``await start()``, ``await stop()``.

    ``chain`` defaults to an :class:`~morsa.net.control.HttpControlPlane` of
    ``config.chain_url``. ``on_missing`` is called (in the event loop) when slivers went
    missing (a corrupted row was dropped): whoever heals the node sets it.
    """

    def __init__(self, config: NodeConfig, chain: ControlPlane | None = None) -> None:
        self.config = config
        self.key = morsa.SigningKey(config.seed_bytes)
        self.bls_key = config.bls_key
        self.public_key: bytes = self.key.public_key
        self.node_id = self.public_key.hex()
        # Requests wait for the control plane at most a second: the node falls back to what it
        # recorded, and its background tasks retry.
        self.chain: ControlPlane = chain or HttpControlPlane(
            config.chain_url, committee_ttl=0.0, retry=RetryPolicy(deadline=1.0)
        )
        self.store = NodeStore(Path(config.data_dir) / "node.sqlite3", on_corrupt=self._on_corrupt)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.view: CommitteeView | None = None
        self.started = time.monotonic()
        self.peers_http = Http(timeout=config.peer_timeout_s)
        self._metadata_cache: OrderedDict[str, morsa.BlobMetadata] = OrderedDict()
        self._blob_cache: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        # Uploads that arrived with ?pending=true before the registration: blob ID →
        # {"metadata": bytes | None, "slivers": {(pair, axis): bytes}}.
        self.pending: dict[str, dict[str, Any]] = {}
        self.pending_bytes = 0
        self._committee_lock = asyncio.Lock()
        self._refreshed = 0.0
        self.on_missing: Callable[[], None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Try to read the committee (a control plane that is down is retried later)."""
        self._loop = asyncio.get_running_loop()
        try:
            await self.refresh_committee()
        except NetworkError as e:
            log.warning("committee not available yet: %s", e)

    def _on_corrupt(self, blob_id: str) -> None:
        """A corrupted sliver was dropped (any thread): call ``on_missing`` in the loop."""
        if self._loop is not None and self.on_missing is not None:
            self._loop.call_soon_threadsafe(self.on_missing)

    async def stop(self) -> None:
        """Close clients and the store."""
        await self.peers_http.close()
        close = getattr(self.chain, "close", None)
        if close is not None:
            await close()
        await anyio.to_thread.run_sync(self.store.close)

    def peer(self, member: Member) -> StorageNodeClient:
        """The REST client of another member's node."""
        return StorageNodeClient(self.peers_http, member.url, name=member.label)

    # ------------------------------------------------------------------ committee

    async def refresh_committee(self) -> CommitteeView:
        """Read the committee from the control plane. Raises
        :class:`~morsa.net.errors.NetworkError`."""
        async with self._committee_lock:
            view = await self.chain.committee(fresh=True)
            self._refreshed = time.monotonic()
            if not view.same_as(self.view):
                me = view.member_by_key(self.public_key)
                shards = list(me.shards) if me is not None else []
                log.info("%s: epoch %d, %d shards of %d: %s", self.config.name, view.epoch, len(shards), view.n_shards, shards)
            self.view = view
            return view

    async def catch_up(self, seen_epoch: int | None) -> bool:
        """Whether the committee is newer than ``seen_epoch`` (the epoch a request's check was
        made with), re-reading it first when a request assumes a shard assignment this node
        does not know: the epoch may have changed before this node saw the event. Another
        request or the event follower may already have caught up (then no read is needed);
        otherwise the committee is read at most every ``CATCH_UP_S``."""
        if self.view is not None and self.view.epoch != seen_epoch:
            return True
        if time.monotonic() - self._refreshed < CATCH_UP_S:
            return False
        try:
            view = await self.refresh_committee()
        except NetworkError:
            return False
        return view.epoch != seen_epoch

    async def require_view(self) -> CommitteeView:
        """The committee, reading it first if needed; 503 while the control plane is unknown."""
        if self.view is None:
            try:
                await self.refresh_committee()
            except NetworkError as e:
                raise unavailable("COMMITTEE_UNKNOWN", f"the committee is not known yet: {e}", retry_after=1) from None
        assert self.view is not None
        return self.view

    @property
    def member(self) -> Member | None:
        """This node in the current committee, or None."""
        return None if self.view is None else self.view.member_by_key(self.public_key)

    @property
    def member_index(self) -> int | None:
        member = self.member
        return None if member is None else member.index

    @property
    def shards(self) -> list[int]:
        """Shards this node holds in the current epoch (empty when not a member)."""
        member = self.member
        return [] if member is None else list(member.shards)

    def my_pairs(self, blob_id: str) -> list[int]:
        """Pair indices of ``blob_id`` mapped to this node's shards (SPEC §4.2)."""
        member = self.member
        return [] if member is None or self.view is None else self.view.pairs_of(member, blob_id)

    def holds_pair(self, blob_id: str, pair: int) -> bool:
        member = self.member
        if member is None or self.view is None:
            return False
        return morsa.shard_index_for_pair(blob_id, self.view.n_shards, pair) in member.shards

    def peers_list(self) -> list[Member]:
        """The other committee members."""
        if self.view is None:
            return []
        return [m for m in self.view.members if m.public_key != self.public_key and m.url]

    # ------------------------------------------------------------------ blob status

    async def local_blob(self, blob_id: str) -> tuple[str, dict[str, Any]] | None:
        """The last recorded ``(status, blob_object)`` of ``blob_id`` (cached), or None."""
        cached = self._blob_cache.get(blob_id)
        if cached is not None:
            self._blob_cache.move_to_end(blob_id)
            return cached
        local = await anyio.to_thread.run_sync(self.store.get_blob, blob_id)
        if local is not None:
            self._cache_blob(blob_id, local)
        return local

    def _cache_blob(self, blob_id: str, state: tuple[str, dict[str, Any]]) -> None:
        self._blob_cache[blob_id] = state
        self._blob_cache.move_to_end(blob_id)
        while len(self._blob_cache) > 4096:
            self._blob_cache.popitem(last=False)

    async def record_blob(self, blob_id: str, status: str, info: dict[str, Any] | None = None) -> None:
        """Record the blob's status durably (an invalid blob stays invalid; the data of an
        invalid, deleted or expired blob is deleted; ``info`` None keeps the recorded object)."""
        dropped = status in DROPPED_STATUSES
        if dropped:  # before the store write too: no reader sees cached metadata of a dropped blob
            self._metadata_cache.pop(blob_id, None)
        await anyio.to_thread.run_sync(functools.partial(self.store.set_blob, blob_id, status, info))
        self._blob_cache.pop(blob_id, None)
        if dropped:
            self._metadata_cache.pop(blob_id, None)
            self.pending.pop(blob_id, None)

    async def blob_state(self, blob_id: str, *, fresh: bool = False) -> tuple[str, dict[str, Any]] | None:
        """``(status, blob_object)`` of ``blob_id`` on the control plane, or None when unknown.

        Uses the local record when it is conclusive (registered, certified, invalid) unless
        ``fresh``; otherwise asks the control plane, falling back to the local record when the
        control plane cannot be reached.
        """
        local = await self.local_blob(blob_id)
        if local is not None and not fresh and local[0] in ("registered", "certified", "invalid"):
            return local
        try:
            answer = await self.chain.blob(blob_id)
        except NetworkError as e:
            log.warning("blob status of %s: %s", blob_id, e)
            return local
        if answer is None:
            return local if local is not None and local[0] == "invalid" else None
        status, info = answer.status, answer.blob_object
        if local is None or local[0] != status or local[1] != info:
            await self.record_blob(blob_id, status, info)
        if local is not None and local[0] == "invalid":
            return local
        return status, info

    async def is_invalid(self, blob_id: str) -> bool:
        local = await self.local_blob(blob_id)
        return local is not None and local[0] == "invalid"

    async def require_live(self, blob_id: str) -> tuple[str, dict[str, Any]]:
        """The blob's state; 400 ``INVALID_BLOB`` / ``NOT_REGISTERED`` unless registered or certified."""
        state = await self.blob_state(blob_id)
        if state is not None and state[0] == "invalid":
            raise precondition("INVALID_BLOB", f"blob {blob_id} has been marked invalid")
        if state is None or state[0] not in LIVE_STATUSES:
            raise precondition("NOT_REGISTERED", f"blob {blob_id} has not been registered or has already expired")
        return state

    # ------------------------------------------------------------------ metadata

    async def metadata(self, blob_id: str) -> morsa.BlobMetadata | None:
        """The stored, verified metadata of ``blob_id`` (cached), or None."""
        cached = self._metadata_cache.get(blob_id)
        if cached is not None:
            self._metadata_cache.move_to_end(blob_id)
            return cached
        raw = await anyio.to_thread.run_sync(self.store.get_metadata, blob_id)
        if raw is None:
            return None
        metadata = morsa.BlobMetadata.from_bytes(raw)
        self._remember(metadata)
        return metadata

    def _remember(self, metadata: morsa.BlobMetadata) -> None:
        self._metadata_cache[metadata.blob_id] = metadata
        while len(self._metadata_cache) > 256:
            self._metadata_cache.popitem(last=False)

    def metadata_limit(self, view: CommitteeView) -> int:
        """The BCS ``BlobMetadata`` size for the shard count (SPEC §5.5), capped by config."""
        return min(self.config.max_body_bytes, view.config.metadata_bcs_len)

    def sliver_limit(self, view: CommitteeView) -> int:
        """SPEC §11: ``s * 65534 + 128`` bytes, capped by ``max_body_bytes``."""
        return min(self.config.max_body_bytes, view.config.sliver_upload_limit)

    async def put_metadata(self, blob_id: str, body: bytes, *, pending: bool) -> tuple[int, str]:
        """PUT /metadata: verify BCS ``BlobMetadata`` against ``blob_id`` and store it.

        Returns ``(201, …)`` stored, ``(200, …)`` already stored, ``(202, …)`` buffered.
        Raises :class:`ApiError`.
        """
        view = await self.require_view()
        n = view.n_shards
        try:
            metadata = morsa.BlobMetadata.from_metadata_bytes(blob_id, body, n)
        except morsa.WireFormatError as e:
            raise bad_bcs("BlobMetadata", e) from None
        except morsa.VerificationError as e:
            raise invalid_argument("INVALID_METADATA", f"the provided metadata failed to verify: {e}") from None
        try:
            await self.require_live(blob_id)
        except ApiError as e:
            if pending and e.reason == "NOT_REGISTERED":
                self._buffer(blob_id, "metadata", body)
                return 202, "metadata buffered until the blob is registered"
            raise
        return await self._store_metadata(metadata)

    async def _store_metadata(self, metadata: morsa.BlobMetadata) -> tuple[int, str]:
        created = await self.store.aput_metadata(metadata.blob_id, metadata.to_bytes())
        self._remember(metadata)
        return (201, "metadata successfully stored") if created else (200, "metadata already stored")

    async def metadata_status(self, blob_id: str) -> str:
        if await self.is_invalid(blob_id):
            return "nonexistent"
        if await anyio.to_thread.run_sync(self.store.has_metadata, blob_id):
            return "stored"
        entry = self.pending.get(blob_id)
        if entry is not None and entry.get("metadata") is not None:
            return "buffered"
        return "nonexistent"

    # ------------------------------------------------------------------ slivers

    async def check_pair_current(self, blob_id: str, pair: int) -> None:
        """:meth:`check_pair`, after catching up with an epoch change this node has not seen."""
        seen = None if self.view is None else self.view.epoch
        try:
            self.check_pair(blob_id, pair)
        except ApiError as e:
            if e.reason != "SHARD_NOT_ASSIGNED" or not await self.catch_up(seen):
                raise
            self.check_pair(blob_id, pair)

    def check_pair(self, blob_id: str, pair: int) -> None:
        """400 ``INDEX_OUT_OF_RANGE`` / ``SHARD_NOT_ASSIGNED`` (SPEC §4.2)."""
        assert self.view is not None
        n = self.view.n_shards
        if not 0 <= pair < n:
            raise invalid_argument("INDEX_OUT_OF_RANGE", f"requires 0 <= index ({pair}) < {n}")
        if not self.holds_pair(blob_id, pair):
            shard = morsa.shard_index_for_pair(blob_id, n, pair)
            raise precondition(
                "SHARD_NOT_ASSIGNED", f"shard {shard} is not assigned to this node in epoch {self.view.epoch}"
            )

    async def put_sliver(self, blob_id: str, pair: int, axis: Axis, body: bytes, *, pending: bool) -> tuple[int, str]:
        """PUT /slivers/{pair}/{axis}: parse, check, verify against the metadata and store.

        Raises :class:`ApiError`: ``INVALID_CONTENT_TYPE`` (not BCS), ``INDEX_OUT_OF_RANGE``,
        ``SHARD_NOT_ASSIGNED``, ``SLIVER_INDEX_MISMATCH``, ``NOT_REGISTERED``, ``INVALID_BLOB``,
        ``METADATA_NOT_FOUND``, ``INVALID_SLIVER``.
        """
        await self.require_view()
        await self.check_pair_current(blob_id, pair)
        view = await self.require_view()
        n = view.n_shards
        try:
            sliver = morsa.Sliver.from_bytes(body, axis)
        except morsa.WireFormatError as e:
            raise bad_bcs("SliverData", e) from None
        if sliver.index >= n or sliver.pair_index(n) != pair:
            raise invalid_argument(
                "SLIVER_INDEX_MISMATCH",
                f"SliverIndexMismatch: {axis} sliver {sliver.index} is not in pair {pair} (n_shards = {n})",
            )
        try:
            await self.require_live(blob_id)
        except ApiError as e:
            if pending and e.reason == "NOT_REGISTERED":
                self._buffer(blob_id, (pair, axis), body)
                return 202, "sliver buffered until the blob is registered"
            raise
        return await self._store_sliver(blob_id, pair, axis, sliver, body)

    async def _store_sliver(self, blob_id: str, pair: int, axis: Axis, sliver: morsa.Sliver, body: bytes) -> tuple[int, str]:
        metadata = await self.metadata(blob_id)
        if metadata is None:
            raise precondition("METADATA_NOT_FOUND", "blob metadata is required but missing")
        try:
            if len(body) <= _INLINE_VERIFY_BYTES:
                sliver.verify(metadata)  # cheaper than a thread hop
            else:
                await anyio.to_thread.run_sync(sliver.verify, metadata)
        except morsa.VerificationError as e:
            raise invalid_argument("INVALID_SLIVER", f"the provided sliver is invalid: {e}") from None
        created = await self.store.aput_sliver(blob_id, pair, axis, body)
        return (201, "sliver stored successfully") if created else (200, "sliver already stored")

    async def put_slivers(self, blob_id: str, body: bytes) -> tuple[int, dict[str, int]]:
        """PUT /slivers (batched, a Morsa extension): BCS ``Vec<Sliver>``, each sliver checked
        as :meth:`put_sliver` checks one (its pair from its index and axis), all verified
        against the metadata at once and stored in one write — all or nothing.

        Returns ``(201, counts)`` when any was new, else ``(200, counts)``, with counts
        ``{"stored", "alreadyStored"}``. Raises :class:`ApiError` as :meth:`put_sliver`, and
        ``EMPTY_BATCH``.
        """
        view = await self.require_view()
        try:
            slivers = morsa._native.decode_slivers(body)
        except morsa.WireFormatError as e:
            raise bad_bcs("Vec<Sliver>", e) from None
        if not slivers:
            raise invalid_argument("EMPTY_BATCH", "the batch holds no sliver")
        if any(
            not self.holds_pair(blob_id, view.config.pair_index(s.axis, s.index)) for s in slivers if s.index < view.n_shards
        ) and await self.catch_up(view.epoch):
            view = await self.require_view()
        config = view.config
        rows: list[tuple[int, str, bytes]] = []
        for sliver in slivers:
            if sliver.index >= view.n_shards:
                raise invalid_argument("INDEX_OUT_OF_RANGE", f"requires 0 <= index ({sliver.index}) < {view.n_shards}")
            pair = config.pair_index(sliver.axis, sliver.index)
            self.check_pair(blob_id, pair)
            rows.append((pair, sliver.axis, b""))
        await self.require_live(blob_id)
        metadata = await self.metadata(blob_id)
        if metadata is None:
            raise precondition("METADATA_NOT_FOUND", "blob metadata is required but missing")
        if len(body) <= _INLINE_VERIFY_BYTES:
            problems = morsa._native.verify_slivers(metadata, slivers)
        else:
            problems = await anyio.to_thread.run_sync(morsa._native.verify_slivers, metadata, slivers)
        for sliver, problem in zip(slivers, problems):
            if problem is not None:
                raise invalid_argument(
                    "INVALID_SLIVER", f"{sliver.axis} sliver {sliver.index} is invalid: {problem}; nothing was stored"
                )
        rows = [(pair, axis, sliver.to_bytes()) for (pair, axis, _), sliver in zip(rows, slivers)]
        stored = await self.store.aput_slivers(blob_id, rows)
        return (201 if stored else 200), {"stored": stored, "alreadyStored": len(rows) - stored}

    # ------------------------------------------------------------------ shard migration

    async def shard_page(
        self, requester: bytes, shard: int, epoch: int, after: str | None, max_bytes: int
    ) -> tuple[bytes, str | None]:
        """A page of ``shard``'s slivers for its owner in ``epoch`` (``POST
        /v1/migrate/sync_shard``): the stored slivers of the shard's pair of every live blob,
        by blob ID after ``after``, about ``max_bytes`` at most. Slivers of shards this node
        no longer holds stay stored after an epoch change, so the previous owner serves them.

        Raises :class:`ApiError`: 403 ``NOT_SHARD_OWNER`` unless ``requester`` (the signer's
        public key) holds ``shard`` in ``epoch``; 409 ``EPOCH_MISMATCH`` when ``epoch`` is not
        the current one (after a fresh look at the committee); 400 ``INDEX_OUT_OF_RANGE``.
        """
        view = await self.require_view()
        if epoch != view.epoch:
            view = await self.refresh_committee()
        if epoch != view.epoch:
            raise ApiError(409, "EPOCH_MISMATCH", f"this node is at epoch {view.epoch}, not {epoch}")
        if not 0 <= shard < view.n_shards:
            raise invalid_argument("INDEX_OUT_OF_RANGE", f"requires 0 <= shard ({shard}) < {view.n_shards}")
        owner = view.member_for_shard(shard)
        if owner.public_key != requester:
            raise ApiError(403, "NOT_SHARD_OWNER", f"shard {shard} belongs to {owner.label} in epoch {epoch}")

        def collect() -> tuple[bytes, str | None]:
            frames: list[tuple[str, bytes]] = []
            size = 0
            for blob_id in sorted(self.store.blobs_with_slivers()):
                if after is not None and blob_id <= after:
                    continue
                state = self.store.get_blob(blob_id)
                if state is None or state[0] not in LIVE_STATUSES:
                    continue
                pair = morsa.pair_index_for_shard(blob_id, view.n_shards, shard)
                slivers = []
                for axis in ("primary", "secondary"):
                    data = self.store.get_sliver(blob_id, pair, axis)
                    if data is not None:
                        slivers.append(morsa.Sliver.from_bytes(data, axis))
                if not slivers:
                    continue
                body = morsa._native.encode_slivers(slivers)
                if frames and size + len(body) > max_bytes:
                    return encode_shard_frames(frames), frames[-1][0]
                frames.append((blob_id, body))
                size += len(body)
            return encode_shard_frames(frames), None

        return await anyio.to_thread.run_sync(collect)

    async def store_migrated(self, blob_id: str, body: bytes) -> int:
        """Store the slivers of one blob received from a shard's previous owner: parsed,
        checked against this node's shards and the blob's metadata (fetched from peers when
        missing), all or nothing. Returns the slivers newly stored; 0 for a blob that is not
        live any more. Raises :class:`ApiError` or the core's errors for bad slivers."""
        state = await self.blob_state(blob_id)
        if state is None or state[0] not in LIVE_STATUSES:
            return 0
        if await self.metadata(blob_id) is None and await self.fetch_metadata(blob_id) is None:
            raise precondition("METADATA_NOT_FOUND", f"no node has the metadata of blob {blob_id}")
        _, counts = await self.put_slivers(blob_id, body)
        return int(counts["stored"])

    async def get_sliver(self, blob_id: str, pair: int, axis: Axis) -> bytes:
        """BCS ``SliverData``; raises :class:`ApiError` (404 ``SLIVER_NOT_FOUND``, …)."""
        await self.require_view()
        await self.check_pair_current(blob_id, pair)
        if await self.is_invalid(blob_id):
            raise not_found("SLIVER_NOT_FOUND", f"blob {blob_id} is invalid; its slivers are not served")
        data = await anyio.to_thread.run_sync(self.store.get_sliver, blob_id, pair, axis)
        if data is None:
            raise not_found("SLIVER_NOT_FOUND", "the requested sliver is unavailable")
        return data

    async def sliver_status(self, blob_id: str, pair: int, axis: Axis) -> str:
        await self.require_view()
        await self.check_pair_current(blob_id, pair)
        if await self.is_invalid(blob_id):
            return "nonexistent"
        if await anyio.to_thread.run_sync(self.store.get_sliver, blob_id, pair, axis) is not None:
            return "stored"
        entry = self.pending.get(blob_id)
        if entry is not None and (pair, axis) in entry["slivers"]:
            return "buffered"
        return "nonexistent"

    def missing_slivers(self, blob_id: str) -> list[tuple[int, Axis]]:
        """``(pair, axis)`` of the slivers this node should hold for ``blob_id`` but does not."""
        stored = self.store.stored_slivers(blob_id)
        return [(pair, axis) for pair in self.my_pairs(blob_id) for axis in ("primary", "secondary") if (pair, axis) not in stored]

    # ------------------------------------------------------------------ pending uploads

    def _buffer(self, blob_id: str, key: Any, body: bytes) -> None:
        if self.pending_bytes + len(body) > self.config.max_body_bytes:
            raise precondition("PENDING_CACHE_FULL", "the cache of uploads for unregistered blobs is full")
        entry = self.pending.setdefault(blob_id, {"metadata": None, "slivers": {}, "since": time.monotonic()})
        if key == "metadata":
            old = entry["metadata"]
            entry["metadata"] = body
        else:
            old = entry["slivers"].get(key)
            entry["slivers"][key] = body
        self.pending_bytes += len(body) - (len(old) if old else 0)

    async def flush_pending(self, blob_id: str) -> None:
        """Store the buffered uploads of a blob that is now registered (errors are logged)."""
        entry = self.pending.pop(blob_id, None)
        if entry is None:
            return
        self.pending_bytes -= len(entry["metadata"] or b"") + sum(len(b) for b in entry["slivers"].values())
        try:
            if entry["metadata"] is not None:
                await self.put_metadata(blob_id, entry["metadata"], pending=False)
            for (pair, axis), body in entry["slivers"].items():
                await self.put_sliver(blob_id, pair, axis, body, pending=False)
        except ApiError as e:
            log.warning("buffered upload of %s not stored: %s %s", blob_id, e.reason, e.message)

    # ------------------------------------------------------------------ confirmations

    async def confirmation(self, blob_id: str, object_id: bytes | None, *, wait_ms: int = 0) -> dict[str, Any]:
        """Signed ``StorageConfirmation`` (SPEC §10.1) once every pair mapped to this node's
        shards is held on both axes. Raises :class:`ApiError` ``NOT_REGISTERED`` /
        ``MISSING_SLIVERS``."""
        view = await self.require_view()
        deadline = time.monotonic() + wait_ms / 1000
        blob_object: dict[str, Any]
        while True:
            try:
                _, blob_object = await self.require_live(blob_id)
                break
            except ApiError as e:
                if e.reason == "NOT_REGISTERED" and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                    continue
                raise
        # Sign only for the blob object registered on the control plane (SPEC §10.1): a
        # deletable confirmation names its object, a permanent one needs a permanent blob. A
        # record that does not match (or lacks the object) is refreshed once: the blob may have
        # been registered again with a new object.
        if not _confirms(blob_object, object_id):
            state = await self.blob_state(blob_id, fresh=True)
            blob_object = state[1] if state is not None else {}
        if not _confirms(blob_object, object_id):
            if object_id is None:
                raise precondition("NOT_REGISTERED", f"blob {blob_id} is registered as a deletable blob, not a permanent one")
            raise precondition(
                "NOT_REGISTERED", f"blob {blob_id} has no registered deletable blob object 0x{object_id.hex()}"
            )
        missing = await anyio.to_thread.run_sync(self.missing_slivers, blob_id)
        if missing and await self.catch_up(view.epoch):  # the shards may have changed with the epoch
            view = await self.require_view()
            missing = await anyio.to_thread.run_sync(self.missing_slivers, blob_id)
        if missing:
            raise precondition(
                "MISSING_SLIVERS", f"the required slivers are not all stored ({len(missing)} missing)"
            )
        message = morsa.StorageConfirmation(view.epoch, blob_id, object_id).to_bytes()
        return signed_json(message, await self.sign_protocol(message, view))

    # ------------------------------------------------------------------ recovery symbols

    def _source_symbols(
        self, blob_id: str, source_axis: Axis, source_pair: int, targets: list[int]
    ) -> list[morsa.RecoverySymbol]:
        data = self.store.get_sliver(blob_id, source_pair, source_axis)
        if data is None:
            return []
        assert self.view is not None
        return morsa.Sliver.from_bytes(data, source_axis).recovery_symbols(targets, self.view.n_shards)

    def symbols_for_target(
        self, blob_id: str, target_axis: Axis, target_index: int, proof_axis: Axis | None
    ) -> list[morsa.RecoverySymbol]:
        """Every recovery symbol for sliver ``target_index`` of ``target_axis`` that this node
        can build from the orthogonal slivers it stores (SPEC §8.1), by source index.

        Stored slivers of pairs no longer mapped to this node's shards (after an epoch change)
        serve too: every symbol carries its proof against the metadata."""
        source_axis = other_axis(target_axis)
        if proof_axis is not None and proof_axis != source_axis:
            return []
        out: list[morsa.RecoverySymbol] = []
        for pair, axis in sorted(self.store.stored_slivers(blob_id)):
            if axis == source_axis:
                out += self._source_symbols(blob_id, source_axis, pair, [target_index])
        return sorted(out, key=lambda sym: sym.source_index)

    def symbols_by_id(
        self, blob_id: str, ids: list[tuple[int, int]], proof_axis: Axis | None
    ) -> tuple[list[morsa.RecoverySymbol], bool]:
        """Symbols ``(row, col)`` from primary sliver ``row`` (target secondary ``col``) or
        secondary sliver ``col`` (target primary ``row``), restricted to ``proof_axis``; the
        primary source is preferred when both are stored.

        Returns the symbols (in ID order) and whether any ID is at this node's shards or
        stored slivers."""
        assert self.view is not None
        config = self.view.config
        stored = self.store.stored_slivers(blob_id)
        mine = set(self.my_pairs(blob_id))
        wanted: dict[tuple[Axis, int], list[int]] = {}
        source_of: dict[tuple[int, int], tuple[Axis, int, int]] = {}
        any_mine = False
        for row, col in ids:
            options: list[tuple[Axis, int, int]] = []
            if proof_axis in (None, "primary"):
                options.append(("primary", row, col))
            if proof_axis in (None, "secondary"):
                options.append(("secondary", config.pair_index("secondary", col), row))
            any_mine = any_mine or any(pair in mine or (pair, axis) in stored for axis, pair, _ in options)
            for axis, pair, target in options:
                if (pair, axis) in stored:
                    wanted.setdefault((axis, pair), []).append(target)
                    source_of[(row, col)] = (axis, pair, target)
                    break
        built: dict[tuple[Axis, int, int], morsa.RecoverySymbol] = {}
        for (axis, pair), targets in wanted.items():
            for target, symbol in zip(targets, self._source_symbols(blob_id, axis, pair, targets)):
                built[(axis, pair, target)] = symbol
        out = [built[source_of[i]] for i in ids if i in source_of and source_of[i] in built]
        return out, any_mine

    def symbols_for_targets(self, blob_id: str, target_axis: Axis, targets: list[int]) -> dict[int, list[morsa.RecoverySymbol]]:
        """:meth:`symbols_for_target` for several targets, expanding each source sliver once."""
        source_axis = other_axis(target_axis)
        out: dict[int, list[morsa.RecoverySymbol]] = {t: [] for t in targets}
        for pair, axis in sorted(self.store.stored_slivers(blob_id)):
            if axis == source_axis:
                for target, symbol in zip(targets, self._source_symbols(blob_id, source_axis, pair, targets)):
                    out[target].append(symbol)
        return out

    async def decoding_symbols(self, blob_id: str, targets: list[int], target_axis: Axis) -> bytes:
        """BCS ``BTreeMap<SliverIndex, Vec<EitherDecodingSymbol>>`` (SPEC §11 ``/decodingSymbols``):
        the symbols (without proofs) this node can give for each target sliver; targets it can
        give nothing for are left out; keys sorted by their BCS bytes (u16 LE)."""
        view = await self.require_view()
        if await self.is_invalid(blob_id):
            raise not_found("SLIVER_NOT_FOUND", f"blob {blob_id} is invalid; its symbols are not served")
        if await self.metadata(blob_id) is None:
            raise not_found("METADATA_NOT_FOUND", "the requested metadata is unavailable")
        for target in targets:
            if not 0 <= target < view.n_shards:
                raise invalid_argument("INDEX_OUT_OF_RANGE", f"requires 0 <= index ({target}) < {view.n_shards}")
        unique = list(dict.fromkeys(targets))  # the core writes the map's keys in BCS order
        found = await anyio.to_thread.run_sync(self.symbols_for_targets, blob_id, target_axis, unique)
        entries = [(t, found[t]) for t in unique if found[t]]
        if not entries:
            raise not_found("SLIVER_NOT_FOUND", "no stored sliver can provide symbols for the requested targets")
        return morsa._native.encode_decoding_symbols(
            [(target, sorted(symbols, key=lambda sym: sym.source_index)) for target, symbols in entries]
        )

    async def recovery_symbols(self, blob_id: str, query: dict[str, Any]) -> bytes:
        """BCS ``Vec<GeneralRecoverySymbol>`` for a parsed query (see :func:`parse_symbols_query`)."""
        view = await self.require_view()
        if await self.is_invalid(blob_id):
            raise not_found("SLIVER_NOT_FOUND", f"blob {blob_id} is invalid; its symbols are not served")
        if await self.metadata(blob_id) is None:
            raise not_found("METADATA_NOT_FOUND", "the requested metadata is unavailable")
        proof_axis = query["proof_axis"]
        if query["ids"] is not None:
            for row, col in query["ids"]:
                if not (0 <= row < view.n_shards and 0 <= col < view.n_shards):
                    raise invalid_argument("INDEX_OUT_OF_RANGE", f"symbol {row}-{col} is out of range for {view.n_shards} shards")
            symbols, any_mine = await anyio.to_thread.run_sync(self.symbols_by_id, blob_id, query["ids"], proof_axis)
            if not symbols:
                if not any_mine:
                    raise precondition(
                        "SYMBOL_NOT_PRESENT_AT_SHARDS",
                        "the requested recovery symbol is not the responsibility of this node's shards",
                    )
                raise not_found("SLIVER_NOT_FOUND", "the slivers of the requested symbols are unavailable")
        else:
            target_axis, target = query["target_type"], query["target_sliver"]
            if not 0 <= target < view.n_shards:
                raise invalid_argument("INDEX_OUT_OF_RANGE", f"requires 0 <= index ({target}) < {view.n_shards}")
            symbols = await anyio.to_thread.run_sync(self.symbols_for_target, blob_id, target_axis, target, proof_axis)
            if not symbols:
                raise not_found("SLIVER_NOT_FOUND", "no stored sliver can provide symbols for the requested target")
        return morsa.encode_recovery_symbols(symbols)

    # ------------------------------------------------------------------ inconsistency

    async def attestation(self, blob_id: str) -> dict[str, Any]:
        """This node's signed ``InvalidBlobIdMessage`` (SPEC §10.1) for the current epoch."""
        assert self.view is not None
        view = self.view
        message = morsa.InvalidBlobIdMessage(view.epoch, blob_id).to_bytes()
        return signed_json(message, await self.sign_protocol(message, view))

    async def sign_protocol(self, message: bytes, view: CommitteeView) -> bytes:
        """Sign a protocol message (SPEC §10.1) with the key ``view``'s committee certifies
        with: the Ed25519 key (64 bytes), or the BLS key (96 bytes, a millisecond's work, off
        the event loop) in a BLS network."""
        if view.scheme == "bls12381":
            return await anyio.to_thread.run_sync(self.bls_key.sign, message)
        return self.key.sign(message)

    async def verify_inconsistency(self, blob_id: str, axis: Axis, body: bytes) -> dict[str, Any]:
        """POST /inconsistencyProof/{axis}: verify the proof (SPEC §9) against the stored
        metadata and attest that the blob is invalid. Raises :class:`ApiError`."""
        await self.require_view()
        try:
            proof = morsa.InconsistencyProof.from_bytes(body, axis)
        except morsa.WireFormatError as e:
            raise bad_bcs("InconsistencyProof", e) from None
        metadata = await self.metadata(blob_id)
        if metadata is None:
            metadata = await self.fetch_metadata(blob_id)
        if metadata is None:
            raise precondition("METADATA_NOT_FOUND", "blob metadata is required but missing")
        try:
            await anyio.to_thread.run_sync(proof.verify, metadata)
        except morsa.MorsaError as e:
            raise invalid_argument("INVALID_PROOF", f"the inconsistency proof is not valid: {e}") from None
        log.info("%s: verified an inconsistency proof for %s", self.config.name, blob_id)
        return await self.attestation(blob_id)

    async def fetch_metadata(self, blob_id: str) -> morsa.BlobMetadata | None:
        """Metadata of ``blob_id`` from the other nodes, verified against the blob ID (SPEC §5.5)
        and stored; None when no node has valid metadata. Only for live blobs."""
        view = await self.require_view()

        async def one(member: Member) -> morsa.BlobMetadata:
            return await self.peer(member).metadata(blob_id, view.n_shards)

        result, _ = await first_success(self.peers_list(), one, parallel=3, hedge_after=0.5)
        if result is not None:
            state = await self.blob_state(blob_id)
            if state is not None and state[0] in LIVE_STATUSES:
                await self._store_metadata(result)
        return result

    # ------------------------------------------------------------------ status and health

    async def blob_status_json(self, blob_id: str) -> Any:
        """SPEC §11 ``BlobStatus`` JSON (externally tagged, camelCase)."""
        state = await self.blob_state(blob_id, fresh=True)
        if state is None or state[0] == "expired":
            return "nonexistent"
        status, obj = state
        event = {"txDigest": _base58(morsa._native.parse_blob_id_bytes(blob_id)), "eventSeq": "0"}
        if status == "invalid":
            return {"invalid": {"event": event}}
        certified = status == "certified"
        certified_epoch = obj.get("certifiedEpoch")
        deletable = bool(obj.get("deletable", False))
        if deletable:
            counts = {"count_deletable_total": 1, "count_deletable_certified": 1 if certified else 0}
            return {"deletable": {"initialCertifiedEpoch": certified_epoch, "deletableCounts": counts}}
        storage = obj.get("storage") or {}
        return {
            "permanent": {
                "endEpoch": int(storage.get("endEpoch", 0)),
                "isCertified": certified,
                "statusEvent": event,
                "deletableCounts": {"count_deletable_total": 0, "count_deletable_certified": 0},
                "initialCertifiedEpoch": certified_epoch,
            }
        }

    def health(self) -> dict[str, Any]:
        """``ServiceHealthInfo``-like JSON: uptime, epoch, public key, status, shard summary."""
        uptime = time.monotonic() - self.started
        return {
            "uptime": {"secs": int(uptime), "nanos": int((uptime % 1) * 1e9)},
            "epoch": None if self.view is None else self.view.epoch,
            "publicKey": base64.b64encode(self.public_key).decode(),
            "blsPublicKey": base64.b64encode(self.bls_key.public_key).decode(),
            "nodeId": self.node_id,
            "name": self.config.name,
            "nodeStatus": "Active" if self.member_index is not None else ("Standby" if self.view else "Starting"),
            "eventProgress": {
                "persisted": int(self.store.get_state("events_cursor", "0") or 0),
                "pending": len(self.store.sync_queue()),
            },
            "shardSummary": {"owned": len(self.shards), "shards": self.shards},
            "store": {"commits": self.store.commits, "writes": self.store.writes},
        }


def _confirms(blob_object: dict[str, Any], object_id: bytes | None) -> bool:
    """Whether a confirmation for ``object_id`` (None: permanent) matches the registered blob
    object."""
    if "id" not in blob_object:
        return False
    deletable = bool(blob_object.get("deletable", False))
    if object_id is None:
        return not deletable
    return deletable and blob_object["id"] == "0x" + object_id.hex()


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(data: bytes) -> str:
    """Bitcoin-alphabet base58 (the text form of Sui digests)."""
    value = int.from_bytes(data, "big")
    out = ""
    while value:
        value, rem = divmod(value, 58)
        out = _B58[rem] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out
