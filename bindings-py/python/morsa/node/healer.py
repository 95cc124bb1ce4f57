"""Background tasks of a storage node: follow the control plane and heal missing slivers.

* The **event follower** long-polls ``/v1/events`` (docs/network.md) from a cursor persisted in
  the store: ``registered`` records the registration and stores buffered uploads,
  ``certified`` queues the blob for sync, ``invalid``, ``deleted`` (its owner deleted it) and
  ``expired`` (its end epoch came) delete the blob's data, ``extended`` refreshes its end
  epoch, ``epoch`` re-reads the committee.
* The **syncer** takes queued certified blobs (the queue is durable, so recovery resumes
  after a restart) whose slivers this node lacks, fetches the metadata from other nodes
  (verified against the blob ID), then asks the other nodes for the recovery symbols of all
  missing slivers at once, by symbol ID in batches (:class:`_Recovery`: a bounded number of
  requests in flight, failing peers backed off), and recovers each sliver from ``s`` symbols
  (primary target) or ``p`` (secondary target), every symbol verified by the core
  (SPEC §8); progress is in the node's ``/v1/health``.
* The **scrubber** re-reads stored slivers at a bounded rate and checks their checksums: a
  corrupt one is dropped and recovered before anyone asks for it. When recovery proves the encoding inconsistent (SPEC §9), it sends the proof to
  the other nodes, collects their signed ``InvalidBlobIdMessage`` attestations with its own
  and, once they weigh ``3w ≥ n + 1``, submits the certificate to ``/v1/blobs/{id}/invalid``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Protocol

import anyio

import morsa
from morsa import Axis
from morsa._types import other_axis

from ..net.committee import CommitteeView, Member
from ..net.control import ChainEvent, ControlPlane
from ..net.errors import ApiError, NetworkError
from ..net.nodes import StorageNodeClient
from .config import NodeConfig
from .store import LIVE_STATUSES, NodeStore

log = logging.getLogger("morsa.node")



class HealedService(Protocol):
    """What the healer uses of the storage node it heals (:class:`morsa.node.service.NodeService`
    has all of it; the app's lifespan hands the service over, so neither module imports the other)."""

    @property
    def config(self) -> NodeConfig: ...
    @property
    def key(self) -> morsa.SigningKey: ...
    @property
    def chain(self) -> ControlPlane: ...
    @property
    def store(self) -> NodeStore: ...
    @property
    def view(self) -> CommitteeView | None: ...
    @property
    def member_index(self) -> int | None: ...
    @property
    def shards(self) -> list[int]: ...

    def peer(self, member: Member) -> StorageNodeClient: ...
    def peers_list(self) -> list[Member]: ...
    def my_pairs(self, blob_id: str) -> list[int]: ...
    def missing_slivers(self, blob_id: str) -> list[tuple[int, Axis]]: ...
    def symbols_for_targets(self, blob_id: str, target_axis: Axis, targets: list[int]) -> dict[int, list[morsa.RecoverySymbol]]: ...
    async def refresh_committee(self) -> CommitteeView: ...
    async def sign_protocol(self, message: bytes, view: CommitteeView) -> bytes: ...
    async def local_blob(self, blob_id: str) -> tuple[str, dict[str, Any]] | None: ...
    async def record_blob(self, blob_id: str, status: str, info: dict[str, Any] | None = None) -> None: ...
    async def blob_state(self, blob_id: str, *, fresh: bool = False) -> tuple[str, dict[str, Any]] | None: ...
    async def is_invalid(self, blob_id: str) -> bool: ...
    async def metadata(self, blob_id: str) -> morsa.BlobMetadata | None: ...
    async def fetch_metadata(self, blob_id: str) -> morsa.BlobMetadata | None: ...
    async def flush_pending(self, blob_id: str) -> None: ...
    async def store_migrated(self, blob_id: str, body: bytes) -> int: ...


class RecoveryIncomplete(Exception):
    """Not enough valid recovery symbols (or no metadata) yet; retried later."""


class Healer:
    """The event follower, the syncer and the scrubber of one storage node's service.

    The service knows nothing of the healer, and the healer knows the service only as a
    :class:`HealedService`: the app's lifespan composes the two (the service's ``on_missing`` hook wakes :attr:`wake`; ``/v1/health`` adds
    :meth:`status`)."""

    def __init__(self, service: HealedService, *, max_requests: int = 8) -> None:
        self.service = service
        self.wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.submitted_invalid: set[str] = set()
        self.requests = asyncio.Semaphore(max_requests)
        """Recovery-symbol requests in flight to peers, in all."""
        self._backoff: dict[str, tuple[float, float]] = {}  # peer URL → (until, delay)
        self.progress: dict[str, Any] = {"queued": 0, "blob": None, "missing": 0, "recovered": 0, "lastError": None}
        """What the syncer is doing, for ``/v1/health``."""
        self.scrub: dict[str, Any] = {"passes": 0, "checked": 0, "bytes": 0, "corrupt": 0}
        """What the scrubber has done, for ``/v1/health``."""
        self.migration: dict[str, Any] = {
            "epoch": None, "shards": [], "migratedShards": 0, "fallbackShards": 0, "slivers": 0, "bytes": 0, "lastError": None,
        }
        """What shard migration did at the last epoch change, for ``/v1/health``."""
        self.migrated = asyncio.Event()
        """Set when no shard migration is running (the syncer waits for it)."""
        self.migrated.set()
        self._migration: asyncio.Task[None] | None = None
        self.known_shards: set[int] | None = None
        """This node's shards at the last epoch event handled (None before the first)."""
        from ..client import Client

        self.reader = Client(service.chain, timeout=service.config.peer_timeout_s * 3)
        """Reads blobs from the other nodes, for :meth:`reencode`."""

    def peer_ready(self, peer: Member) -> bool:
        """Whether ``peer`` is not backed off after a failure."""
        until, _ = self._backoff.get(peer.url, (0.0, 0.0))
        return time.monotonic() >= until

    def peer_failed(self, peer: Member, error: BaseException) -> None:
        """Back ``peer`` off: 1 s after a first failure, doubling up to 30 s."""
        _, delay = self._backoff.get(peer.url, (0.0, 0.5))
        delay = min(delay * 2, 30.0)
        self._backoff[peer.url] = (time.monotonic() + delay, delay)
        log.info("recovery symbols from %s failed (backing off %.0f s): %s", peer.label, delay, error)

    def peer_succeeded(self, peer: Member) -> None:
        self._backoff.pop(peer.url, None)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow_events(), name="morsa-node-events"),
            asyncio.create_task(self._sync_loop(), name="morsa-node-sync"),
        ]
        if self.service.config.scrub_bytes_per_s > 0:
            self._tasks.append(asyncio.create_task(self._scrub_loop(), name="morsa-node-scrub"))

    def status(self) -> dict[str, Any]:
        """What the syncer and the scrubber are doing, for ``/v1/health``: ``recovery`` and
        ``scrub``."""
        return {"recovery": dict(self.progress), "scrub": dict(self.scrub), "migration": dict(self.migration)}

    async def stop(self) -> None:
        if self._migration is not None:
            self._tasks.append(self._migration)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    # ------------------------------------------------------------------ events

    async def _follow_events(self) -> None:
        svc = self.service
        store = svc.store
        cursor = int(await anyio.to_thread.run_sync(store.get_state, "events_cursor", "0") or 0)
        delay = 0.2
        while True:
            try:
                if svc.view is None:
                    await svc.refresh_committee()
                if self.known_shards is None:
                    self.known_shards = set(svc.shards)
                events, new_cursor = await svc.chain.events(cursor, svc.config.events_wait_ms)
                for event in events:
                    await self.handle_event(event)
                if new_cursor != cursor:
                    cursor = new_cursor
                    await anyio.to_thread.run_sync(store.set_state, "events_cursor", str(cursor))
                delay = 0.2
            except asyncio.CancelledError:
                raise
            except NetworkError as e:
                log.debug("events: %s", e)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except Exception:
                log.exception("events: unexpected error")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def handle_event(self, event: ChainEvent) -> None:
        """Apply one control-plane event (see the module docstring)."""
        svc = self.service
        store = svc.store
        kind, blob_id = event.kind, event.blob_id
        if kind == "epoch":
            # The shards of the last epoch handled here: a request may have made the service
            # catch up with this epoch before its event arrived.
            before = self.known_shards if self.known_shards is not None else set(svc.shards)
            view = await svc.refresh_committee()
            self.known_shards = set(svc.shards)
            gained = sorted(set(svc.shards) - before)
            if sorted(svc.shards) != sorted(before):
                if gained and self._migration is None:
                    # New shards: fetch their slivers from the previous owners in bulk first;
                    # the syncer recovers what that did not bring, once it is done.
                    self.migrated.clear()
                    self._migration = asyncio.create_task(self._migrate(view, gained), name="morsa-node-migrate")
                for certified in await anyio.to_thread.run_sync(store.blobs_with_status, "certified"):
                    await anyio.to_thread.run_sync(store.enqueue_sync, certified)
            self.wake.set()
            return
        if blob_id is None:
            return
        if kind == "registered":
            # The blob object (a new one when a certified blob is registered again) comes fresh.
            if await svc.blob_state(blob_id, fresh=True) is None:
                local = await svc.local_blob(blob_id)
                if local is None or local[0] not in ("certified", "invalid"):
                    await svc.record_blob(blob_id, "registered")
            await svc.flush_pending(blob_id)
        elif kind == "certified":
            await svc.record_blob(blob_id, "certified")
            await svc.flush_pending(blob_id)
            await anyio.to_thread.run_sync(store.enqueue_sync, blob_id)
            self.wake.set()
        elif kind == "invalid":
            await svc.record_blob(blob_id, "invalid")
            log.info("%s: blob %s is invalid; its data is deleted", svc.config.name, blob_id)
        elif kind in ("expired", "deleted"):
            await svc.record_blob(blob_id, kind)
            log.info("%s: blob %s is %s; its data is deleted", svc.config.name, blob_id, kind)
        elif kind == "extended":
            await svc.blob_state(blob_id, fresh=True)  # the new end epoch

    # ------------------------------------------------------------------ scrubbing

    async def _scrub_loop(self) -> None:
        """Re-read every stored sliver at ``scrub_bytes_per_s`` and check it against its
        checksum; a corrupt one is dropped and recovered like a missing one (the store queues
        its blob and wakes the syncer). One pass over everything, then ``scrub_interval_s``."""
        svc = self.service
        rate = svc.config.scrub_bytes_per_s
        while True:
            try:
                for blob_id in await anyio.to_thread.run_sync(svc.store.blobs_with_slivers):
                    for pair, axis, _, _, length in await anyio.to_thread.run_sync(svc.store.sliver_locations, blob_id):
                        data = await anyio.to_thread.run_sync(svc.store.get_sliver, blob_id, pair, axis)
                        self.scrub["checked"] += 1
                        self.scrub["bytes"] += length
                        if data is None:
                            self.scrub["corrupt"] += 1
                        await asyncio.sleep(length / rate)
                self.scrub["passes"] += 1
                await asyncio.sleep(svc.config.scrub_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scrub: unexpected error")
                await asyncio.sleep(svc.config.scrub_interval_s)

    # ------------------------------------------------------------------ shard migration

    async def _migrate(self, view: CommitteeView, shards: list[int]) -> None:
        """Fetch the slivers of ``shards`` (gained at ``view``'s epoch) from their owners in the
        previous epoch, page by page over ``POST /v1/migrate/sync_shard`` signed with this node's
        key; every sliver is verified against its blob's metadata before it is stored. A shard
        whose previous owner cannot serve it is left to the syncer (recovery symbols)."""
        from ..net.accounts import Account

        svc = self.service
        account = Account(svc.key)
        self.migration.update(epoch=view.epoch, shards=list(shards), migratedShards=0, fallbackShards=0, slivers=0, bytes=0, lastError=None)
        try:
            try:
                previous = await svc.chain.committee_at(view.epoch - 1)
            except NetworkError as e:
                self.migration.update(fallbackShards=len(shards), lastError=f"previous committee: {e}")
                return
            for shard in shards:
                owner = previous.member_for_shard(shard) if shard < previous.n_shards else None
                if owner is None or owner.public_key == svc.key.public_key or not owner.url:
                    continue
                try:
                    await self._migrate_shard(svc.peer(owner), account, shard, view.epoch)
                    self.migration["migratedShards"] += 1
                except (NetworkError, morsa.MorsaError, OSError) as e:
                    self.migration["fallbackShards"] += 1
                    self.migration["lastError"] = f"shard {shard} from {owner.label}: {e}"
                    log.info("%s: shard %d cannot be migrated from %s (%s); recovering it instead", svc.config.name, shard, owner.label, e)
            log.info(
                "%s: epoch %d, migrated %d shards (%d slivers), %d left to recovery",
                svc.config.name, view.epoch, self.migration["migratedShards"], self.migration["slivers"], self.migration["fallbackShards"],
            )
        finally:
            self._migration = None
            self.migrated.set()
            self.wake.set()

    async def _migrate_shard(self, peer: StorageNodeClient, account: Any, shard: int, epoch: int) -> None:
        svc = self.service
        after: str | None = None
        while True:
            frames, after = await peer.sync_shard(account, shard, epoch, after=after)
            for blob_id, body in frames:
                try:
                    stored = await svc.store_migrated(blob_id, body)
                except ApiError as e:
                    # One bad blob does not stop the shard: the syncer recovers that blob.
                    self.migration["lastError"] = f"{blob_id}: {e.message}"
                    continue
                self.migration["slivers"] += stored
                self.migration["bytes"] += len(body)
            if after is None:
                return

    # ------------------------------------------------------------------ sync

    async def _sync_loop(self) -> None:
        svc = self.service
        # At start: certified blobs with slivers missing (lost rows) are queued again.
        try:
            if svc.view is not None:
                for blob_id in await anyio.to_thread.run_sync(svc.store.blobs_with_status, "certified"):
                    if await anyio.to_thread.run_sync(svc.missing_slivers, blob_id):
                        await anyio.to_thread.run_sync(svc.store.enqueue_sync, blob_id)
        except Exception:
            log.exception("sync: scanning stored blobs")
        while True:
            try:
                await self.migrated.wait()
                self.wake.clear()
                queue = await anyio.to_thread.run_sync(svc.store.sync_queue)
                self.progress["queued"] = len(queue)
                retry = False
                for blob_id in queue:
                    try:
                        done = await self.sync_blob(blob_id)
                    except RecoveryIncomplete as e:
                        log.info("%s: sync of %s incomplete, will retry: %s", svc.config.name, blob_id, e)
                        self.progress["lastError"] = f"{blob_id}: {e}"
                        done = False
                    if done:
                        await anyio.to_thread.run_sync(svc.store.dequeue_sync, blob_id)
                        self.progress["queued"] = max(0, self.progress["queued"] - 1)
                    else:
                        retry = True
                self.progress["blob"] = None
                timeout = svc.config.sync_retry_s if retry else 30.0
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout)
                except TimeoutError:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sync: unexpected error")
                await asyncio.sleep(svc.config.sync_retry_s)

    async def sync_blob(self, blob_id: str) -> bool:
        """Recover the missing slivers of certified ``blob_id``. True when nothing is left to do
        (all held, blob invalid or not live); raises :class:`RecoveryIncomplete`."""
        svc = self.service
        view = svc.view
        if view is None:
            raise RecoveryIncomplete("committee unknown")
        state = await svc.blob_state(blob_id)
        if state is None or state[0] not in LIVE_STATUSES:
            return True
        missing = await anyio.to_thread.run_sync(svc.missing_slivers, blob_id)
        if not missing:
            return True
        metadata = await svc.metadata(blob_id)
        if metadata is None:
            metadata = await svc.fetch_metadata(blob_id)
        if metadata is None:
            raise RecoveryIncomplete("no node served valid metadata")
        self.progress.update(blob=blob_id, missing=len(missing), recovered=0)
        log.info("%s: recovering %d slivers of %s", svc.config.name, len(missing), blob_id)
        if 2 * len(missing) >= len(svc.my_pairs(blob_id)) and metadata.unencoded_length <= svc.config.reencode_limit_bytes:
            if await self.reencode(blob_id, metadata, missing):
                return True
        recovery = _Recovery(self, blob_id, metadata, missing)
        try:
            await recovery.run()
        except morsa.InconsistentEncodingError as e:
            await self.report_inconsistency(blob_id, e.proof)
            return await svc.is_invalid(blob_id)
        finally:
            self.progress["recovered"] = recovery.recovered
        if recovery.short:
            raise RecoveryIncomplete(
                f"{len(recovery.short)} of {len(missing)} slivers still lack symbols, e.g. "
                + "; ".join(recovery.short[:3])
            )
        return True

    async def reencode(self, blob_id: str, metadata: morsa.BlobMetadata, missing: list[tuple[int, Axis]]) -> bool:
        """Recover by reading the blob from the other nodes (``p`` primary slivers, each
        verified, SPEC §7) and encoding it again: for a node that misses most of its slivers of
        a small blob, far less work and traffic than a recovery symbol (with its proof) for
        every symbol of every sliver. The re-encoded slivers are verified against the metadata
        before they are stored. False when the read or the check fails (the caller recovers
        from symbols then, which also proves an inconsistent encoding)."""
        svc = self.service
        try:
            data = await self.reader.aread(blob_id)
            encoded = await anyio.to_thread.run_sync(morsa.encode, data, metadata.n_shards)
        except (NetworkError, morsa.MorsaError) as e:
            log.info("%s: re-encoding %s failed, recovering from symbols: %s", svc.config.name, blob_id, e)
            return False
        if encoded.blob_id != blob_id:
            return False
        config = metadata.config
        slivers = [encoded.sliver(axis, config.sliver_index(axis, pair)) for pair, axis in missing]
        if any(await anyio.to_thread.run_sync(morsa._native.verify_slivers, metadata, slivers)):
            return False
        if not await svc.is_invalid(blob_id):
            await svc.store.aput_slivers(blob_id, [(pair, axis, s.to_bytes()) for (pair, axis), s in zip(missing, slivers)])
        self.progress["recovered"] = len(missing)
        log.info("%s: recovered %d slivers of %s by reading and re-encoding it", svc.config.name, len(missing), blob_id)
        return True

    # ------------------------------------------------------------------ inconsistency

    async def report_inconsistency(self, blob_id: str, proof: morsa.InconsistencyProof) -> None:
        """Collect invalid-blob attestations for ``proof`` and submit the certificate."""
        svc = self.service
        view = svc.view
        assert view is not None
        log.warning("%s: blob %s is inconsistently encoded (%s sliver %d)", svc.config.name, blob_id, proof.target_axis, proof.target_index)
        builder = view.certificate_builder(morsa.InvalidBlobIdMessage(view.epoch, blob_id))
        me = svc.member_index
        if me is not None:
            message = builder.message_bytes
            await anyio.to_thread.run_sync(builder.add, me, message, await svc.sign_protocol(message, view))

        async def ask(member: Member) -> None:
            try:
                message, signature = await svc.peer(member).inconsistency_proof(blob_id, proof)
                await anyio.to_thread.run_sync(builder.add, member.index, message, signature)
            except (NetworkError, morsa.MorsaError) as e:
                log.info("no attestation from %s: %s", member.label, e)

        await asyncio.gather(*(ask(m) for m in svc.peers_list()))
        if not builder.is_complete:
            log.warning("invalid-blob attestations for %s weigh %d of %d", blob_id, builder.weight, builder.required_weight)
            return
        certificate = builder.finish()
        try:
            await svc.chain.invalidate_blob(blob_id, certificate.to_bytes())
        except NetworkError as e:
            log.warning("submitting the invalid-blob certificate of %s: %s", blob_id, e)
            return
        self.submitted_invalid.add(blob_id)
        log.info("%s: submitted an invalid-blob certificate for %s", svc.config.name, blob_id)
        await svc.record_blob(blob_id, "invalid")


class _Recovery:
    """The recovery of the missing slivers of one blob (SPEC §8), in rounds.

    Each round asks every reachable peer for the recovery symbols of all targets at once,
    by symbol ID (``id=<row>-<col>``, many per request, proofs on the source axis): first
    about 20 % more sources per target than decoding needs, spread over the peers; then, for
    targets still short, every source left. Symbols this node can build from its own slivers
    come first. The core verifies each symbol while recovering (invalid ones are skipped), and
    the recovered slivers are stored in one write. A peer that fails is skipped for the rest
    of the recovery and backed off for later ones.
    """

    IDS_PER_REQUEST = 400
    """Symbol IDs per request (about 5 KB of query string)."""

    def __init__(self, healer: Healer, blob_id: str, metadata: morsa.BlobMetadata, missing: list[tuple[int, Axis]]) -> None:
        self.healer, self.blob_id, self.metadata = healer, blob_id, metadata
        self.service = healer.service
        self.config = metadata.config
        # Targets by (axis, sliver index), with their pair.
        self.targets: dict[tuple[Axis, int], int] = {
            (axis, self.config.sliver_index(axis, pair)): pair for pair, axis in missing
        }
        self.symbols: dict[tuple[Axis, int], dict[int, morsa.RecoverySymbol]] = {t: {} for t in self.targets}
        self.asked: dict[tuple[Axis, int], set[int]] = {t: set() for t in self.targets}
        self.recovered = 0
        self.short: list[str] = []

    def needed(self, axis: Axis) -> int:
        """Symbols that recover a sliver of ``axis``: ``s`` for a primary, ``p`` for a secondary."""
        if axis == "primary":
            return self.config.n_secondary_source_symbols
        return self.config.n_primary_source_symbols

    async def run(self) -> None:
        svc = self.service
        for axis in ("primary", "secondary"):
            indices = [index for (a, index) in self.targets if a == axis]
            if indices:
                own = await anyio.to_thread.run_sync(svc.symbols_for_targets, self.blob_id, axis, indices)
                for index, symbols in own.items():
                    self._accept(axis, index, symbols)
        peers = [m for m in svc.peers_list() if self.healer.peer_ready(m)]
        for margin in (1.2, None):
            wanted = self._wanted(peers, margin)
            if not wanted:
                break
            await asyncio.gather(*(self._ask(peer, ids) for peer, ids in wanted.items()))
        await self._recover_and_store()

    def _wanted(self, peers: list[Member], margin: float | None) -> dict[Member, list[tuple[Axis, tuple[int, int]]]]:
        """Per peer, the symbols to ask for: sources not asked yet, for the targets still short
        (at most ``margin`` times what decoding needs, counting those held; all with None)."""
        view = self.service.view
        assert view is not None
        sources: dict[Axis, list[tuple[int, Member]]] = {"primary": [], "secondary": []}
        for peer in peers:
            for pair in view.pairs_of(peer, self.blob_id):
                for source_axis in ("primary", "secondary"):
                    sources[source_axis].append((self.config.sliver_index(source_axis, pair), peer))
        for listed in sources.values():
            random.shuffle(listed)
        wanted: dict[Member, list[tuple[Axis, tuple[int, int]]]] = {}
        for (axis, index), held in self.symbols.items():
            need = self.needed(axis)
            if len(held) >= need:
                continue
            limit = len(sources[other_axis(axis)]) if margin is None else max(0, int(need * margin) - len(held))
            count = 0
            for source, peer in sources[other_axis(axis)]:
                if count >= limit:
                    break
                if source in held or source in self.asked[(axis, index)]:
                    continue
                self.asked[(axis, index)].add(source)
                symbol_id = (index, source) if axis == "primary" else (source, index)  # (row, column)
                wanted.setdefault(peer, []).append((axis, symbol_id))
                count += 1
        return wanted

    async def _ask(self, peer: Member, wanted: list[tuple[Axis, tuple[int, int]]]) -> None:
        """Ask ``peer`` for ``wanted`` symbols, one request per axis and chunk of IDs."""
        client = self.service.peer(peer)
        for axis in ("primary", "secondary"):
            ids = [symbol_id for a, symbol_id in wanted if a == axis]
            for start in range(0, len(ids), self.IDS_PER_REQUEST):
                chunk = ids[start : start + self.IDS_PER_REQUEST]
                try:
                    async with self.healer.requests:
                        symbols = await client.recovery_symbols_by_id(self.blob_id, chunk, proof_axis=other_axis(axis))
                except NetworkError as e:
                    self.healer.peer_failed(peer, e)
                    return
                except morsa.MorsaError as e:
                    log.warning("%s sent malformed recovery symbols: %s", peer.label, e)
                    self.healer.peer_failed(peer, e)
                    return
                self.healer.peer_succeeded(peer)
                by_target: dict[int, list[morsa.RecoverySymbol]] = {}
                for symbol in symbols:
                    if symbol.target_axis == axis:
                        by_target.setdefault(symbol.target_index, []).append(symbol)
                rejected = 0
                for index, found in by_target.items():
                    rejected += await anyio.to_thread.run_sync(self._accept, axis, index, found, True)
                if rejected:
                    log.warning("%s sent %d recovery symbols that do not verify against the metadata", peer.label, rejected)

    def _accept(self, axis: Axis, index: int, symbols: list[morsa.RecoverySymbol], verify: bool = False) -> int:
        """Keep ``symbols`` for target ``(axis, index)``; with ``verify``, only those whose proofs
        verify against the metadata (a peer's: an invalid one must not count towards what
        decoding needs, or the next round would not ask for more). Returns the number refused."""
        held = self.symbols.get((axis, index))
        if held is None:
            return 0
        rejected = 0
        for symbol in symbols:
            if symbol.source_index in held:
                continue
            if verify:
                try:
                    symbol.verify(self.metadata)
                except morsa.MorsaError:
                    rejected += 1
                    continue
            held[symbol.source_index] = symbol
        return rejected

    async def _recover_and_store(self) -> None:
        """Recover every target with enough symbols; store them in one write. Raises
        :class:`morsa.InconsistentEncodingError` for an inconsistent encoding."""
        svc = self.service
        recovered: list[tuple[int, str, bytes]] = []
        for (axis, index), held in self.symbols.items():
            if len(held) < self.needed(axis):
                self.short.append(f"{axis} sliver {index}: {len(held)} symbols of {self.needed(axis)}")
                continue
            symbols = [held[k] for k in sorted(held)]
            try:
                sliver = await anyio.to_thread.run_sync(morsa.recover_sliver, self.metadata, axis, index, symbols)
            except morsa.InconsistentEncodingError:
                raise
            except morsa.DecodingError as e:
                self.short.append(f"{axis} sliver {index}: {e}")
                continue
            recovered.append((self.targets[(axis, index)], axis, sliver.to_bytes()))
        if recovered and not await svc.is_invalid(self.blob_id):
            await svc.store.aput_slivers(self.blob_id, recovered)
            self.recovered = len(recovered)
            log.info("%s: recovered %d slivers of %s", svc.config.name, len(recovered), self.blob_id)
