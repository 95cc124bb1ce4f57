"""``walrus://`` for fsspec: pandas, pyarrow, polars, DuckDB and Hugging Face ``datasets`` read
Walrus blobs and quilt patches, every byte verified.

Paths:

* ``walrus://<blob_id>``: a blob, or the file a chunked-file manifest names
  (:mod:`morsa.chunked`);
* ``walrus://<quilt_id>/<identifier>``: one file of a quilt (``ls``/``glob`` over
  ``walrus://<quilt_id>`` list them); ``walrus://<quilt_patch_id>``: one patch by its ID.

Where bytes come from (``storage_options`` or the environment):

* a Morsa network's storage nodes, ``chain=URL`` or ``devnet=DIR`` (``$MORSA_DEVNET_DIR``):
  a file is opened as an fsspec buffered file whose blocks are **verified range reads**: the
  metadata once, then only the primary slivers holding each block (SPEC §3.1), each verified
  against the metadata (:meth:`morsa.client.Client.read_range`); ``info`` needs the metadata
  alone. Patches are read from their secondary slivers (SPEC §13).
* any Walrus aggregator, ``aggregator=URL`` (``$MORSA_AGGREGATOR``): an aggregator's answer
  proves nothing by itself, so a blob is downloaded whole once and accepted only if its blob
  ID, recomputed for ``n_shards`` shards (``$MORSA_N_SHARDS``, default 1000), matches; it is
  then kept in ``cache_dir`` and read from there.

``consistency`` (``"default"``, ``"strict"`` or ``"skip"``, as Walrus's aggregator flags and
gcsfs's option of the same name) is the check of whole-blob decodes (SPEC §7). ``on_fetch(n)``
is called with the size of every verified range read (``tqdm``'s ``update`` makes a progress
bar). Verified whole
blobs and patches are kept under ``cache_dir`` (``$MORSA_CACHE_DIR``, default
``~/.cache/morsa/blobs``), keyed by their content's ID, so they never go stale; fsspec's
``blockcache::`` and ``filecache::`` chain on top (``ukey`` is the blob ID). Calls work inside
a running event loop (Jupyter): the network runs on its own thread.

Example::

    import pandas as pd
    df = pd.read_parquet("walrus://<blob_id>", columns=["year"], storage_options={"devnet": "/tmp/devnet"})
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec
from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

import morsa

from . import chunked

if TYPE_CHECKING:
    from .client import Client

QUILT_PATCH_ID_TEXT_LEN = 50
"""Characters of a quilt patch ID (SPEC §13)."""

DEFAULT_BLOCK_SIZE = 1 << 20
"""Bytes per block of an open file: about one primary sliver of a 1 GiB blob at 1000 shards."""


@dataclass(frozen=True)
class _Target:
    """What a path names: a blob (maybe a chunked file) or a patch of a quilt."""

    blob_id: str
    columns: tuple[int, int] | None = None  # a quilt patch's columns
    identifier: str | None = None


class WalrusFile(AbstractBufferedFile):  # type: ignore[misc]  # fsspec has no types
    """An open ``walrus://`` file: fsspec's buffering over verified range reads."""

    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = self.fs.read_range(self.path, start, end)
        return data


class WalrusFileSystem(AbstractFileSystem):  # type: ignore[misc]  # fsspec has no types
    """A read-only fsspec filesystem over Walrus blobs and quilts (protocol ``walrus``)."""

    protocol = "walrus"
    root_marker = ""

    def __init__(
        self,
        aggregator: str | None = None,
        chain: str | None = None,
        devnet: str | os.PathLike[str] | None = None,
        n_shards: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        consistency: morsa.ConsistencyCheck = "default",
        block_size: int = DEFAULT_BLOCK_SIZE,
        on_fetch: Callable[[int], object] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if consistency not in ("default", "strict", "skip"):
            raise morsa.InvalidArgumentError(f"consistency must be 'default', 'strict' or 'skip', not {consistency!r}")
        self.aggregator = aggregator or (None if chain or devnet else os.environ.get("MORSA_AGGREGATOR"))
        self.chain = chain
        self.devnet = devnet
        self.n_shards = int(n_shards or os.environ.get("MORSA_N_SHARDS") or morsa.MAINNET_N_SHARDS)
        default_cache = Path(os.environ.get("MORSA_CACHE_DIR") or Path.home() / ".cache" / "morsa" / "blobs")
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache
        self.consistency: morsa.ConsistencyCheck = consistency
        self.blocksize = block_size
        self.on_fetch = on_fetch
        self._client_obj: Client | None = None
        self._lock = threading.Lock()
        self._metadata: dict[str, morsa.BlobMetadata] = {}
        self._manifests: dict[str, chunked.Manifest | None] = {}

    # ---- sources

    def _client(self) -> Client:
        with self._lock:
            if self._client_obj is None:
                from .client import Client
                from .devnet import Devnet

                if self.chain:
                    self._client_obj = Client(self.chain)
                else:
                    net = Devnet.load(self.devnet)
                    self._client_obj = Client(net.chain_url)
                    self.n_shards = net.n_shards
            return self._client_obj

    def _through_cache(self, key: str, fetch: Callable[[], bytes]) -> bytes:
        path = self.cache_dir / key
        if path.is_file():
            return path.read_bytes()
        data = fetch()
        from .dataset import write_atomically

        write_atomically(path, data)
        return data

    def _whole_blob(self, blob_id: str) -> bytes:
        """A whole blob, verified (from the cache when there)."""

        def fetch() -> bytes:
            if self.aggregator is None:
                return self._client().read(blob_id, consistency_check=self.consistency)
            from .net.aggregator import AggregatorClient
            from .net.errors import RemoteError
            from .net.sync import run_sync
            from .net.transport import Http

            try:
                return run_sync(AggregatorClient(Http(timeout=300), self.aggregator, self.n_shards).read(blob_id))
            except RemoteError as e:
                if e.status == 404:
                    raise FileNotFoundError(2, f"{self.aggregator}: {e.message}", f"walrus://{blob_id}") from None
                raise

        return self._through_cache(blob_id, fetch)

    def _blob_metadata(self, blob_id: str) -> morsa.BlobMetadata:
        found = self._metadata.get(blob_id)
        if found is None:
            from .client import ClientError

            try:
                found = self._client().metadata(blob_id)
            except ClientError as e:
                raise FileNotFoundError(2, str(e), f"walrus://{blob_id}") from None
            self._metadata[blob_id] = found
        return found

    def _manifest(self, blob_id: str) -> chunked.Manifest | None:
        """The chunked-file manifest the blob is, if it is one: a blob read from the nodes is
        read whole only when its size allows it and its first bytes are the manifest's."""
        if blob_id not in self._manifests:
            head = b""
            if self.aggregator is not None or (self.cache_dir / blob_id).is_file():
                head = self._whole_blob(blob_id)
            else:
                size = self._blob_metadata(blob_id).unencoded_length
                prefix = len(chunked.MANIFEST_PREFIX)
                if prefix <= size <= chunked.MAX_MANIFEST_BYTES:
                    head = self._blob_range(blob_id, 0, prefix)
                    if head == chunked.MANIFEST_PREFIX:
                        head = self._whole_blob(blob_id)
            self._manifests[blob_id] = chunked.parse_manifest(head)
        return self._manifests[blob_id]

    def _index(self, quilt_id: str) -> list[morsa.QuiltPatch]:
        if self.aggregator is None:
            return self._client().read_quilt_index(quilt_id)
        return morsa.quilt_index_from_blob(self._whole_blob(quilt_id), self.n_shards)

    def _patch(self, quilt_id: str, start: int, end: int) -> bytes:
        def fetch() -> bytes:
            if self.aggregator is None:
                return self._client().read_patch(morsa.quilt_patch_id(quilt_id, start, end)).data
            return bytes(morsa.quilt_patch_from_blob(self._whole_blob(quilt_id), self.n_shards, start, end)[2])

        return self._through_cache(f"{quilt_id}.quilt/{start}-{end}", fetch)

    # ---- paths

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):  # fsspec also passes lists
            return [cls._strip_protocol(p) for p in path]
        path = str(path)
        if path.startswith("walrus://"):
            path = path[len("walrus://") :]
        return path.strip("/")

    def _resolve(self, path: str) -> _Target:
        path = self._strip_protocol(path)
        head, _, rest = path.partition("/")
        if not rest and len(head) == QUILT_PATCH_ID_TEXT_LEN:
            try:
                quilt_id, start, end = morsa.parse_quilt_patch_id(head)
            except morsa.QuiltError:
                raise FileNotFoundError(2, "not a blob ID, quilt ID or quilt patch ID", f"walrus://{path}") from None
            return _Target(quilt_id, (start, end))
        if not morsa.is_blob_id(head):
            raise FileNotFoundError(2, "not a blob ID, quilt ID or quilt patch ID", f"walrus://{path}")
        if not rest:
            return _Target(head)
        for p in self._index(head):
            if p.identifier == rest:
                return _Target(head, (p.start_index, p.end_index), rest)
        raise FileNotFoundError(2, f"quilt {head} has no file {rest!r}", f"walrus://{path}")

    # ---- reads

    def size(self, path: str) -> int:
        """The file's size in bytes: from the metadata alone for a blob read from the nodes."""
        target = self._resolve(path)
        if target.columns is not None:
            return len(self._patch(target.blob_id, *target.columns))
        manifest = self._manifest(target.blob_id)
        if manifest is not None:
            return manifest.size
        if self.aggregator is not None:
            return len(self._whole_blob(target.blob_id))
        return self._blob_metadata(target.blob_id).unencoded_length

    def read_range(self, path: str, start: int, end: int) -> bytes:
        """Bytes ``start..end`` (end exclusive, clipped to the file), verified: the primary
        slivers holding them for a blob read from the nodes, the verified whole blob or patch
        otherwise. ``on_fetch(n)`` hears of every ``n`` bytes returned (a progress bar's
        ``update``)."""
        data = self._read_range(path, start, end)
        if self.on_fetch is not None:
            self.on_fetch(len(data))
        return data

    def _read_range(self, path: str, start: int, end: int) -> bytes:
        target = self._resolve(path)
        if target.columns is not None:
            return self._patch(target.blob_id, *target.columns)[start:end]
        size = self.size(path)
        start, end = max(0, min(start, size)), max(0, min(end, size))
        if start >= end:
            return b""
        manifest = self._manifest(target.blob_id)
        if manifest is not None:
            return b"".join(self._blob_range(c.blob_id, lo, hi) for c, lo, hi in manifest.spans(start, end))
        return self._blob_range(target.blob_id, start, end)

    def _blob_range(self, blob_id: str, start: int, end: int) -> bytes:
        cached = self.cache_dir / blob_id
        if self.aggregator is not None or cached.is_file():
            if not cached.is_file():
                self._whole_blob(blob_id)
            with cached.open("rb") as f:
                f.seek(start)
                return f.read(end - start)
        metadata = self._blob_metadata(blob_id)
        from .net.sync import run_sync

        return run_sync(self._client().aread_range(blob_id, start, end - start, metadata=metadata))

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        if start is None and end is None:
            target = self._resolve(path)
            if target.columns is not None:
                return self._patch(target.blob_id, *target.columns)
            manifest = self._manifest(target.blob_id)
            if manifest is None:
                return self._whole_blob(target.blob_id)
        size = self.size(path)
        lo = 0 if start is None else start if start >= 0 else max(0, size + start)
        hi = size if end is None else end if end >= 0 else max(0, size + end)
        return self.read_range(path, lo, hi)

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: int | None = None,
        autocommit: bool = True,
        cache_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> WalrusFile:
        if mode != "rb":
            raise PermissionError("walrus:// is read-only; store with `morsa store` or `morsa store-quilt`")
        return WalrusFile(
            self,
            self._strip_protocol(path),
            mode="rb",
            block_size=block_size or self.blocksize,
            cache_type=kwargs.pop("cache_type", "readahead"),
            cache_options=cache_options,
            size=kwargs.pop("size", None) or self.size(path),
            **kwargs,
        )

    # ---- listing

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        name = self._strip_protocol(path)
        target = self._resolve(name)
        entry: dict[str, Any] = {"name": name, "size": self.size(name), "type": "file", "blob_id": target.blob_id}
        if target.columns is not None:
            entry["patch_id"] = morsa.quilt_patch_id(target.blob_id, *target.columns)
        return entry

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        name = self._strip_protocol(path)
        entries: list[dict[str, Any]]
        if "/" in name or not morsa.is_blob_id(name):
            entries = [self.info(name)]
        else:
            try:
                index = self._index(name)
            except morsa.MorsaError:
                index = []
            if index:
                entries = [
                    {
                        "name": f"{name}/{p.identifier}",
                        "type": "file",
                        "size": len(self._patch(name, p.start_index, p.end_index)),
                        "patch_id": p.patch_id(name),
                        "tags": p.tags,
                    }
                    for p in index
                ]
            else:
                entries = [self.info(name)]
        return entries if detail else [e["name"] for e in entries]

    def isdir(self, path: str) -> bool:
        name = self._strip_protocol(path)
        if "/" in name or not morsa.is_blob_id(name):
            return False
        try:
            return bool(self._index(name))
        except morsa.MorsaError:
            return False

    def modified(self, path: str) -> datetime.datetime:
        """A fixed time: content named by its ID never changes (DuckDB asks)."""
        self._resolve(path)
        return datetime.datetime.fromtimestamp(0, tz=datetime.UTC)

    created = modified

    def ukey(self, path: str) -> str:
        """The content's ID: the blob ID, or the quilt patch ID (never stale)."""
        target = self._resolve(path)
        if target.columns is not None:
            return str(morsa.quilt_patch_id(target.blob_id, *target.columns))
        return target.blob_id


fsspec.register_implementation("walrus", WalrusFileSystem, clobber=True)
