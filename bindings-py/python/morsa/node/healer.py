"""Background tasks of a storage node: follow the control plane and heal missing slivers.

* The **event follower** long-polls ``/v1/events`` (docs/network.md) from a cursor persisted in
  the store: ``registered`` records the registration and stores buffered uploads,
  ``certified`` queues the blob for sync, ``invalid`` deletes the blob's data, ``epoch``
  re-reads the committee.
* The **syncer** takes queued certified blobs whose slivers this node lacks, fetches the
  metadata from other nodes (verified against the blob ID), then for every missing sliver
  asks every other node for recovery symbols (``targetSliver``/``targetType``, proofs on the
  source axis) in parallel, keeps the ones that verify (distinct source slivers), and
  recovers the sliver with ``s`` symbols (primary target) or ``p`` (secondary target)
  (SPEC §8). When recovery proves the encoding inconsistent (SPEC §9), it sends the proof to
  the other nodes, collects their signed ``InvalidBlobIdMessage`` attestations with its own
  and, once they weigh ``3w ≥ n + 1``, submits the certificate to ``/v1/blobs/{id}/invalid``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import anyio

import morsa

from ..net.committee import Member
from ..net.control import Event
from ..net.errors import NetworkError
from .service import LIVE_STATUSES, Axis, other_axis

if TYPE_CHECKING:
    from .service import NodeService

log = logging.getLogger("morsa.node")


class RecoveryIncomplete(Exception):
    """Not enough valid recovery symbols (or no metadata) yet; retried later."""


class Healer:
    """The event follower and the syncer of one :class:`NodeService`."""

    def __init__(self, service: NodeService, *, max_recoveries: int = 8) -> None:
        self.service = service
        self.wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.submitted_invalid: set[str] = set()
        self._recoveries = asyncio.Semaphore(max_recoveries)
        service.on_missing = self.wake.set

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow_events(), name="morsa-node-events"),
            asyncio.create_task(self._sync_loop(), name="morsa-node-sync"),
        ]

    async def stop(self) -> None:
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

    async def handle_event(self, event: Event) -> None:
        """Apply one control-plane event (see the module docstring)."""
        svc = self.service
        store = svc.store
        kind, blob_id = event.kind, event.blob_id
        if kind == "epoch":
            before = sorted(svc.shards)
            await svc.refresh_committee()
            if sorted(svc.shards) != before:
                # New shards: recover their slivers of every certified blob.
                for certified in await anyio.to_thread.run_sync(store.blobs_with_status, "certified"):
                    await anyio.to_thread.run_sync(store.enqueue_sync, certified)
            self.wake.set()
            return
        if blob_id is None:
            return
        if kind == "registered":
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
        elif kind == "expired":
            await svc.record_blob(blob_id, "expired")

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
                self.wake.clear()
                queue = await anyio.to_thread.run_sync(svc.store.sync_queue)
                retry = False
                for blob_id in queue:
                    try:
                        done = await self.sync_blob(blob_id)
                    except RecoveryIncomplete as e:
                        log.info("%s: sync of %s incomplete, will retry: %s", svc.config.name, blob_id, e)
                        done = False
                    if done:
                        await anyio.to_thread.run_sync(svc.store.dequeue_sync, blob_id)
                    else:
                        retry = True
                timeout = svc.config.sync_retry_s if retry else 30.0
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout)
                except asyncio.TimeoutError:
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
        log.info("%s: recovering %d slivers of %s", svc.config.name, len(missing), blob_id)
        async def bounded(pair: int, axis: Axis) -> None:
            async with self._recoveries:
                await self.recover_one(blob_id, metadata, pair, axis)

        results = await asyncio.gather(*(bounded(pair, axis) for pair, axis in missing), return_exceptions=True)
        incomplete = []
        for result in results:
            if isinstance(result, morsa.InconsistentEncodingError):
                await self.report_inconsistency(blob_id, result.proof)
                return await svc.is_invalid(blob_id)
            if isinstance(result, BaseException):
                incomplete.append(f"{type(result).__name__}: {result}")
        if incomplete:
            raise RecoveryIncomplete("; ".join(incomplete))
        return True

    async def fetch_symbols(
        self, member: Member, blob_id: str, target_axis: Axis, target_index: int
    ) -> list[morsa.RecoverySymbol]:
        """Recovery symbols for one target from one node (empty on any failure)."""
        try:
            return await self.service.peer(member).recovery_symbols(
                blob_id, target_axis, target_index, proof_axis=other_axis(target_axis)
            )
        except NetworkError as e:
            log.debug("symbols from %s: %s", member.label, e)
        except morsa.MorsaError:
            log.warning("%s sent malformed recovery symbols", member.label)
        return []

    async def recover_one(self, blob_id: str, metadata: morsa.BlobMetadata, pair: int, axis: Axis) -> None:
        """Recover and store sliver ``axis`` of ``pair``. Raises :class:`RecoveryIncomplete` or
        :class:`morsa.InconsistentEncodingError` (with the proof)."""
        svc = self.service
        config = metadata.config
        target = config.sliver_index(axis, pair)
        need = config.n_secondary_source_symbols if axis == "primary" else config.n_primary_source_symbols
        by_source: dict[int, morsa.RecoverySymbol] = {}

        def accept(batch: list[morsa.RecoverySymbol]) -> None:
            # Keep symbols for this target that verify, one per source sliver (SPEC §8.2).
            for symbol in batch:
                if symbol.target_axis != axis or symbol.target_index != target or symbol.source_index in by_source:
                    continue
                try:
                    symbol.verify(metadata)
                except morsa.MorsaError:
                    continue
                by_source[symbol.source_index] = symbol

        own = await anyio.to_thread.run_sync(svc.symbols_for_target, blob_id, axis, target, None)
        await anyio.to_thread.run_sync(accept, own)
        tasks = [asyncio.ensure_future(self.fetch_symbols(m, blob_id, axis, target)) for m in svc.peers_list()]
        try:
            # Peers answer in parallel; stop once enough valid symbols are in (slow or faulty
            # peers are not waited for).
            waiting: set[asyncio.Future[list[morsa.RecoverySymbol]]] = set(tasks)
            while waiting and len(by_source) < need:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    await anyio.to_thread.run_sync(accept, task.result())
        finally:
            for task in tasks:
                task.cancel()
        symbols = [by_source[k] for k in sorted(by_source)]
        if len(symbols) < need:
            raise RecoveryIncomplete(f"{axis} sliver {target}: {len(symbols)} valid symbols of {need}")
        try:
            sliver = await anyio.to_thread.run_sync(morsa.recover_sliver, metadata, axis, target, symbols[:need])
        except morsa.InconsistentEncodingError:
            raise
        except morsa.DecodingError as e:
            raise RecoveryIncomplete(f"{axis} sliver {target}: {e}") from None
        await anyio.to_thread.run_sync(sliver.verify, metadata)
        if await svc.is_invalid(blob_id):
            return
        await svc.store.aput_sliver(blob_id, pair, axis, sliver.to_bytes())
        log.info("%s: recovered %s sliver %d (pair %d) of %s", svc.config.name, axis, target, pair, blob_id)

    # ------------------------------------------------------------------ inconsistency

    async def report_inconsistency(self, blob_id: str, proof: morsa.InconsistencyProof) -> None:
        """Collect invalid-blob attestations for ``proof`` and submit the certificate."""
        svc = self.service
        view = svc.view
        assert view is not None
        log.warning("%s: blob %s is inconsistently encoded (%s sliver %d)", svc.config.name, blob_id, proof.target_axis, proof.target_index)
        builder = morsa.CertificateBuilder(view.committee, morsa.InvalidBlobIdMessage(view.epoch, blob_id))
        me = svc.member_index
        if me is not None:
            message = builder.message_bytes
            builder.add(me, message, svc.key.sign(message))

        async def ask(member: Member) -> None:
            try:
                builder.add(member.index, *await svc.peer(member).inconsistency_proof(blob_id, proof))
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
