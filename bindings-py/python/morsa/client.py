"""Store and read blobs on a Morsa network (storage nodes + control plane), verified.

Store (SPEC §3, §10, §11): encode → register and pay on the control plane → upload the metadata
and both slivers of every pair to the node holding its shard, all nodes concurrently →
collect signed confirmations → build the certificate → certify. It succeeds as long as the
confirming nodes hold a quorum of shards (``3w ≥ 2n + 1``).

Read (SPEC §7): metadata from any node, verified against the blob ID → primary slivers from
the nodes in parallel, each verified → decode → consistency check. Up to ``f`` faulty, slow or
lying nodes are tolerated: failed or invalid slivers are replaced by others, and when too few
primary slivers can be had the client falls back to secondary slivers.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

import morsa

from ._fs import atomic_write

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done_bytes, total_bytes)``."""

OCTET = {"content-type": "application/octet-stream"}


class ClientError(morsa.MorsaError):
    """A store or read that could not complete (with the reason)."""


@dataclass(frozen=True)
class MemberInfo:
    """A committee member as the control plane lists it."""

    index: int
    node_id: str
    name: str
    url: str
    public_key: bytes
    shards: tuple[int, ...]


@dataclass(frozen=True)
class CommitteeView:
    """The current committee with the members' URLs."""

    epoch: int
    n_shards: int
    committee: morsa.Committee
    members: tuple[MemberInfo, ...]

    @staticmethod
    def from_json(data: dict[str, Any]) -> CommitteeView:
        members = tuple(
            MemberInfo(i, m["node_id"], m["name"], m["url"], base64.b64decode(m["public_key"]), tuple(m["shards"]))
            for i, m in enumerate(data["members"])
        )
        committee = morsa.Committee.from_bytes(base64.b64decode(data["committee"]))
        return CommitteeView(data["epoch"], data["n_shards"], committee, members)

    def member_for_shard(self, shard: int) -> MemberInfo:
        return self.members[self.committee.shard_owner(shard)]


@dataclass
class StoreResult:
    """The outcome of a store: the blob ID, its on-chain object, the cost paid (FROST), and
    which nodes confirmed."""

    blob_id: str
    blob_object: dict[str, Any]
    cost: int
    newly_created: bool
    confirmed_weight: int = 0
    failed_nodes: dict[str, str] = field(default_factory=dict)


def _unwrap(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        raise ClientError(f"{response.request.url}: HTTP {response.status_code}, not JSON") from None
    if "success" in body:
        return body["success"]["data"]
    message = body.get("error", {}).get("message", response.text)
    raise ClientError(f"{response.request.url.path}: HTTP {response.status_code}: {message}")


class Client:
    """A client of a Morsa network, reached through its control plane's URL.

    ``account`` pays for storage (a devnet faucet can fund it). The methods without an ``a``
    prefix run the asynchronous ones to completion.
    """

    def __init__(
        self,
        chain_url: str,
        *,
        account: str = "default",
        timeout: float = 60.0,
        concurrency: int = 48,
        retry_seconds: float = 10.0,
    ) -> None:
        self.chain_url = chain_url.rstrip("/")
        self.account = account
        self.timeout = timeout
        self.concurrency = concurrency
        self.retry_seconds = retry_seconds

    # ---- plumbing

    def _http(self) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
        return httpx.AsyncClient(timeout=self.timeout, limits=limits)

    async def acommittee(self, http: httpx.AsyncClient) -> CommitteeView:
        return CommitteeView.from_json(_unwrap(await http.get(f"{self.chain_url}/v1/committee")))

    def committee(self) -> CommitteeView:
        async def go() -> CommitteeView:
            async with self._http() as http:
                return await self.acommittee(http)

        return asyncio.run(go())

    def faucet(self, amount: int) -> int:
        """Fund this client's account from the devnet faucet; returns the balance (FROST)."""
        with httpx.Client(timeout=self.timeout) as http:
            r = http.post(f"{self.chain_url}/v1/accounts/{self.account}/faucet", json={"amount": amount})
            return int(_unwrap(r)["balance"])

    def balance(self) -> int:
        with httpx.Client(timeout=self.timeout) as http:
            return int(_unwrap(http.get(f"{self.chain_url}/v1/accounts/{self.account}"))["balance"])

    def blob_status(self, blob_id: str) -> dict[str, Any]:
        with httpx.Client(timeout=self.timeout) as http:
            return _unwrap(http.get(f"{self.chain_url}/v1/blobs/{blob_id}"))

    # ---- store

    def store(
        self,
        data_or_path: morsa.DataOrPath,
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> StoreResult:
        """Store a blob for ``epochs`` epochs; returns once it is certified.

        Raises :class:`ClientError` when registration fails (for example, too little balance)
        or fewer than a quorum of shards confirm, and the codec errors of :func:`morsa.encode`.
        """
        return asyncio.run(self.astore(data_or_path, epochs=epochs, deletable=deletable, force=force, progress=progress))

    async def astore(
        self,
        data_or_path: morsa.DataOrPath,
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> StoreResult:
        async with self._http() as http:
            view = await self.acommittee(http)
            encoded = await asyncio.to_thread(morsa.encode, data_or_path, view.n_shards)
            metadata = encoded.metadata
            registration = await http.post(
                f"{self.chain_url}/v1/blobs",
                json={
                    "blob_id": metadata.blob_id,
                    "root_hash": base64.b64encode(metadata.root_hash).decode(),
                    "size": metadata.unencoded_length,
                    "encoding_type": "RS2",
                    "epochs_ahead": epochs,
                    "deletable": deletable,
                    "account": self.account,
                },
            )
            registered = _unwrap(registration)
            blob_object = registered["blob_object"]
            if blob_object.get("certifiedEpoch") is not None and not force:
                return StoreResult(metadata.blob_id, blob_object, 0, False)
            if deletable:
                message = morsa.StorageConfirmation(view.epoch, metadata.blob_id, bytes.fromhex(blob_object["id"][2:]))
            else:
                message = morsa.StorageConfirmation(view.epoch, metadata.blob_id)
            builder = morsa.CertificateBuilder(view.committee, message)
            total = sum(len(s.data) for s in encoded.primary_slivers) * 2
            done = [0]
            semaphore = asyncio.Semaphore(self.concurrency)
            failed: dict[str, str] = {}

            async def upload(member: MemberInfo) -> None:
                try:
                    await self._upload_to(http, member, encoded, semaphore, done, total, progress)
                    signed = await self._confirmation(http, member, metadata.blob_id, blob_object, deletable)
                    builder.add(member.index, *signed)
                except (httpx.HTTPError, ClientError, morsa.MorsaError) as e:
                    failed[member.name] = str(e) or type(e).__name__

            await asyncio.gather(*(upload(m) for m in view.members))
            if not builder.is_complete:
                details = "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
                raise ClientError(
                    f"only {builder.weight} of {view.n_shards} shards confirmed blob {metadata.blob_id}, "
                    f"{builder.required_weight} are needed ({details})"
                )
            certificate = builder.finish()
            certified = _unwrap(
                await http.post(
                    f"{self.chain_url}/v1/blobs/{metadata.blob_id}/certificate",
                    json={"certificate": base64.b64encode(certificate.to_bytes()).decode()},
                )
            )
            return StoreResult(
                metadata.blob_id,
                certified["blob_object"],
                int(registered["cost"]),
                bool(registered.get("newly_registered", True)),
                builder.weight,
                failed,
            )

    async def _request(self, http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request retried while the node is not ready for it (not yet aware of the blob's
        registration, restarting): 5xx, connection errors, and 400 BLOB_NOT_REGISTERED."""
        deadline = asyncio.get_running_loop().time() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                response = await http.request(method, url, **kwargs)
                retry = response.status_code >= 500 or (
                    response.status_code in (400, 404) and "NOT_REGISTERED" in response.text
                )
                if not retry:
                    return response
                error: Exception = ClientError(f"{url}: HTTP {response.status_code}")
            except httpx.TransportError as e:
                error = e
            if asyncio.get_running_loop().time() + delay > deadline:
                raise error
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _upload_to(
        self,
        http: httpx.AsyncClient,
        member: MemberInfo,
        encoded: morsa.EncodedBlob,
        semaphore: asyncio.Semaphore,
        done: list[int],
        total: int,
        progress: ProgressCallback | None,
    ) -> None:
        metadata = encoded.metadata
        base = f"{member.url}/v1/blobs/{metadata.blob_id}"
        r = await self._request(http, "PUT", f"{base}/metadata", content=metadata.metadata_bytes(), headers=OCTET)
        if r.status_code >= 300:
            _unwrap(r)
        n = encoded.n_shards

        async def put(pair: int, axis: str) -> None:
            index = pair if axis == "primary" else n - 1 - pair
            sliver = encoded.sliver(axis, index)
            async with semaphore:
                r = await self._request(http, "PUT", f"{base}/slivers/{pair}/{axis}", content=sliver.to_bytes(), headers=OCTET)
            if r.status_code >= 300:
                _unwrap(r)
            done[0] += len(sliver.data)
            if progress:
                progress(min(done[0], total), total)

        pairs = [metadata.pair_for_shard(shard) for shard in member.shards]
        await asyncio.gather(*(put(pair, axis) for pair in pairs for axis in ("primary", "secondary")))

    async def _confirmation(
        self, http: httpx.AsyncClient, member: MemberInfo, blob_id: str, blob_object: dict[str, Any], deletable: bool
    ) -> tuple[bytes, bytes]:
        path = f"deletable/{blob_object['id']}" if deletable else "permanent"
        r = await self._request(http, "GET", f"{member.url}/v1/blobs/{blob_id}/confirmation/{path}")
        signed = _unwrap(r)["signed"]
        return base64.b64decode(signed["serializedMessage"]), base64.b64decode(signed["signature"])

    # ---- read

    def read(
        self,
        blob_id: str,
        *,
        consistency_check: morsa.ConsistencyCheck = "default",
        progress: ProgressCallback | None = None,
    ) -> bytes:
        """Read and decode a blob, verified against its blob ID.

        Raises :class:`morsa.InvalidBlobIdError`, :class:`ClientError` (no verified metadata,
        too few valid slivers) or :class:`morsa.InconsistentEncodingError`.
        """
        return asyncio.run(self.aread(blob_id, consistency_check=consistency_check, progress=progress))

    def read_to(self, blob_id: str, path: str | os.PathLike[str], **kwargs: Any) -> int:
        """Read a blob into ``path`` atomically (nothing is left behind on failure); returns its size."""
        data = self.read(blob_id, **kwargs)
        atomic_write(path, data)
        return len(data)

    async def aread(
        self,
        blob_id: str,
        *,
        consistency_check: morsa.ConsistencyCheck = "default",
        progress: ProgressCallback | None = None,
    ) -> bytes:
        if not morsa.is_blob_id(blob_id):
            raise morsa.InvalidBlobIdError(f"{blob_id!r} is not a blob ID")
        async with self._http() as http:
            view = await self.acommittee(http)
            metadata = await self._metadata(http, view, blob_id)
            config = metadata.config
            errors: list[str] = []
            for axis, needed in (
                ("primary", config.n_primary_source_symbols),
                ("secondary", config.n_secondary_source_symbols),
            ):
                data = await self._read_axis(http, view, metadata, axis, needed, consistency_check, errors, progress)
                if data is not None:
                    return data
            raise ClientError(f"cannot read blob {blob_id}: " + "; ".join(errors[-5:]))

    async def _read_axis(
        self,
        http: httpx.AsyncClient,
        view: CommitteeView,
        metadata: morsa.BlobMetadata,
        axis: str,
        needed: int,
        consistency_check: morsa.ConsistencyCheck,
        errors: list[str],
        progress: ProgressCallback | None,
    ) -> bytes | None:
        """Decode from slivers of ``axis``: fetch ``needed`` from random pairs, decode (which
        verifies each), and replace the ones that fail, until the candidates run out."""
        candidates = list(range(view.n_shards))
        random.shuffle(candidates)
        slivers: list[morsa.Sliver] = []
        while True:
            slivers += await self._fetch_slivers(http, view, metadata, axis, needed - len(slivers), candidates, errors, progress)
            if len(slivers) < needed:
                return None
            invalid: list[morsa.Sliver] = []

            def report(sliver: morsa.Sliver, reason: str) -> None:
                invalid.append(sliver)
                errors.append(f"{sliver.axis} sliver {sliver.index}: {reason}")

            try:
                return await asyncio.to_thread(morsa.decode, metadata, slivers, consistency_check, on_invalid=report)
            except morsa.InconsistentEncodingError:
                raise
            except morsa.DecodingError as e:
                errors.append(str(e))
                if not invalid:
                    return None
                slivers = [s for s in slivers if all(s is not bad for bad in invalid)]

    async def _metadata(self, http: httpx.AsyncClient, view: CommitteeView, blob_id: str) -> morsa.BlobMetadata:
        members = list(view.members)
        random.shuffle(members)
        problems = []
        for member in members:
            try:
                r = await http.get(f"{member.url}/v1/blobs/{blob_id}/metadata")
                if r.status_code != 200:
                    problems.append(f"{member.name}: HTTP {r.status_code}")
                    continue
                metadata = morsa.BlobMetadata.from_bytes(r.content, view.n_shards)
                if metadata.blob_id == blob_id:
                    return metadata
                problems.append(f"{member.name}: metadata of another blob")
            except (httpx.HTTPError, morsa.MorsaError) as e:
                problems.append(f"{member.name}: {e or type(e).__name__}")
        raise ClientError(f"no storage node returned verified metadata for {blob_id} ({'; '.join(problems[:3])})")

    async def _fetch_slivers(
        self,
        http: httpx.AsyncClient,
        view: CommitteeView,
        metadata: morsa.BlobMetadata,
        axis: str,
        count: int,
        candidates: list[int],
        errors: list[str],
        progress: ProgressCallback | None,
    ) -> list[morsa.Sliver]:
        """Up to ``count`` parsed slivers of ``axis`` from the ``candidates`` pairs (consumed);
        a pair whose node fails is replaced by the next candidate."""
        sliver_bytes = metadata.config.sliver_size(axis, metadata.unencoded_length)
        slivers: list[morsa.Sliver] = []
        semaphore = asyncio.Semaphore(self.concurrency)

        async def fetch(pair: int) -> morsa.Sliver | None:
            member = view.member_for_shard(metadata.shard_for_pair(pair))
            try:
                async with semaphore:
                    r = await http.get(f"{member.url}/v1/blobs/{metadata.blob_id}/slivers/{pair}/{axis}")
                if r.status_code != 200:
                    errors.append(f"{member.name} {axis} pair {pair}: HTTP {r.status_code}")
                    return None
                return morsa.Sliver.from_bytes(r.content, axis)
            except (httpx.HTTPError, morsa.MorsaError) as e:
                errors.append(f"{member.name} {axis} pair {pair}: {e or type(e).__name__}")
                return None

        while len(slivers) < count and candidates:
            batch = [candidates.pop() for _ in range(min(count - len(slivers), len(candidates)))]
            for sliver in await asyncio.gather(*(fetch(pair) for pair in batch)):
                if sliver is not None:
                    slivers.append(sliver)
                    if progress:
                        progress(len(slivers) * sliver_bytes, count * sliver_bytes)
        return slivers

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
        return asyncio.run(self.astore_quilt(entries, epochs=epochs, deletable=deletable, force=force))

    async def astore_quilt(
        self,
        entries: list[tuple[str, dict[str, str], bytes]],
        *,
        epochs: int = 1,
        deletable: bool = False,
        force: bool = False,
    ) -> QuiltStoreResult:
        async with self._http() as http:
            n_shards = (await self.acommittee(http)).n_shards
        quilt = await asyncio.to_thread(morsa.build_quilt, entries, n_shards)
        result = await self.astore(quilt.blob, epochs=epochs, deletable=deletable, force=force)
        return QuiltStoreResult(result, quilt.patches, quilt.patch_ids())

    def read_quilt_index(self, quilt_id: str) -> list[morsa.QuiltPatch]:
        """The patches of a quilt, from its index columns only (each sliver verified)."""

        async def go() -> list[morsa.QuiltPatch]:
            async with self._http() as http:
                return (await self._quilt_reader(http, quilt_id)).index

        return asyncio.run(go())

    def read_patch(self, quilt_or_patch_id: str, identifier: str | None = None) -> QuiltPatchContents:
        """One patch of a quilt, by quilt patch ID, or by quilt ID and identifier.

        Only the patch's secondary slivers are fetched (plus the index columns when reading by
        identifier), and each is verified against the quilt's metadata before use; when one
        cannot be had or does not verify, the whole quilt is read and decoded instead
        (SPEC §13). Raises :class:`morsa.QuiltError` (no such identifier, malformed quilt),
        :class:`ClientError` and :class:`morsa.InvalidBlobIdError`.
        """
        return asyncio.run(self.aread_patch(quilt_or_patch_id, identifier))

    def read_patches(self, quilt_id: str, *, tag: tuple[str, str] | None = None) -> list[QuiltPatchContents]:
        """Every patch of a quilt, or those with ``tag = (key, value)``, each verified."""

        async def go() -> list[QuiltPatchContents]:
            async with self._http() as http:
                reader = await self._quilt_reader(http, quilt_id)
                chosen = [p for p in reader.index if tag is None or p.tags.get(tag[0]) == tag[1]]
                return list(await asyncio.gather(*(reader.patch(p.start_index, p.end_index, p.identifier) for p in chosen)))

        return asyncio.run(go())

    async def aread_patch(self, quilt_or_patch_id: str, identifier: str | None = None) -> QuiltPatchContents:
        async with self._http() as http:
            if identifier is None:
                quilt_id, start, end = morsa.parse_quilt_patch_id(quilt_or_patch_id)
                reader = await self._quilt_reader(http, quilt_id, with_index=False)
                return await reader.patch(start, end, None)
            reader = await self._quilt_reader(http, quilt_or_patch_id)
            for p in reader.index:
                if p.identifier == identifier:
                    return await reader.patch(p.start_index, p.end_index, identifier)
            raise morsa.QuiltError(f"quilt {quilt_or_patch_id} has no patch {identifier!r}")

    async def _quilt_reader(self, http: httpx.AsyncClient, quilt_id: str, *, with_index: bool = True) -> _QuiltReader:
        if not morsa.is_blob_id(quilt_id):
            raise morsa.InvalidBlobIdError(f"{quilt_id!r} is not a blob ID")
        view = await self.acommittee(http)
        metadata = await self._metadata(http, view, quilt_id)
        reader = _QuiltReader(self, http, view, metadata)
        if with_index:
            await reader.load_index()
        return reader


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

    def __init__(self, client: Client, http: httpx.AsyncClient, view: CommitteeView, metadata: morsa.BlobMetadata) -> None:
        self.client, self.http, self.view, self.metadata = client, http, view, metadata
        self.n_shards = metadata.n_shards
        self.index: list[morsa.QuiltPatch] = []
        self._blob: bytes | None = None
        self.columns_fetched = 0

    async def _column(self, j: int) -> bytes:
        pair = self.n_shards - 1 - j  # pair i holds secondary sliver n-1-i (SPEC §3.4)
        member = self.view.member_for_shard(self.metadata.shard_for_pair(pair))
        r = await self.http.get(f"{member.url}/v1/blobs/{self.metadata.blob_id}/slivers/{pair}/secondary")
        if r.status_code != 200:
            raise ClientError(f"{member.name} secondary pair {pair}: HTTP {r.status_code}")
        sliver = morsa.Sliver.from_bytes(r.content, "secondary")
        if sliver.index != j:
            raise morsa.VerificationError(f"{member.name} sent secondary sliver {sliver.index}, not {j}")
        sliver.verify(self.metadata)
        self.columns_fetched += 1
        return sliver.data

    async def _columns(self, start: int, end: int) -> bytes | None:
        """Columns ``start..end`` from their slivers, or None when one fails."""
        try:
            return b"".join(await asyncio.gather(*(self._column(j) for j in range(start, end))))
        except (httpx.HTTPError, ClientError, morsa.MorsaError):
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
