"""``walrus://`` for fsspec, pandas and pyarrow: verified reads of blobs and quilt patches.

* ``walrus://<blob_id>``: a blob;
* ``walrus://<quilt_id>/<identifier>``: one file of a quilt (``ls walrus://<quilt_id>`` lists
  them); ``walrus://<quilt_patch_id>``: one patch by its ID.

Where bytes come from (``storage_options`` or environment):

* ``aggregator=URL`` (``$MORSA_AGGREGATOR``): any Walrus aggregator. Blobs and whole quilts
  are downloaded and accepted only if their blob ID, recomputed for ``n_shards`` shards
  (``$MORSA_N_SHARDS``, default 1000), matches; patches are cut from the verified quilt.
* otherwise a Morsa network: ``chain=URL`` or ``devnet=DIR`` (``$MORSA_DEVNET_DIR``), read by
  :class:`morsa.client.Client`, which verifies every sliver (patches from their secondary
  slivers only, SPEC §13).

Reads are cached under ``cache_dir`` (``$MORSA_CACHE_DIR``, default
``~/.cache/morsa/blobs``), keyed by blob ID (and by quilt ID and columns for patches); cached
bytes are immutable by construction, since the key is their content's ID.

Example::

    import pandas as pd
    df = pd.read_csv("walrus://<blob_id>", storage_options={"devnet": "/tmp/devnet"})
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fsspec
from fsspec.spec import AbstractFileSystem

import morsa

if TYPE_CHECKING:
    from .client import Client

QUILT_PATCH_ID_TEXT_LEN = 50
"""Characters of a quilt patch ID (SPEC §13)."""


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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.aggregator = (aggregator or os.environ.get("MORSA_AGGREGATOR") or "").rstrip("/") or None
        self.chain = chain
        self.devnet = devnet
        self.n_shards = int(n_shards or os.environ.get("MORSA_N_SHARDS") or morsa.MAINNET_N_SHARDS)
        default_cache = Path(os.environ.get("MORSA_CACHE_DIR") or Path.home() / ".cache" / "morsa" / "blobs")
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache
        self._client_obj: Client | None = None

    # ---- sources

    def _client(self) -> Client:
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

    def _blob(self, blob_id: str) -> bytes:
        def fetch() -> bytes:
            if self.aggregator is None:
                return self._client().read(blob_id)
            from .net.aggregator import AggregatorClient
            from .net.errors import RemoteError
            from .net.sync import run_sync
            from .net.transport import Http

            try:
                return run_sync(AggregatorClient(Http(timeout=300), self.aggregator, self.n_shards).read(blob_id))
            except RemoteError as e:
                raise FileNotFoundError(2, f"{self.aggregator}: {e.message}", f"walrus://{blob_id}") from None

        return self._through_cache(blob_id, fetch)

    def _index(self, quilt_id: str) -> list[morsa.QuiltPatch]:
        if self.aggregator is None:
            return self._client().read_quilt_index(quilt_id)
        return morsa.quilt_index_from_blob(self._blob(quilt_id), self.n_shards)

    def _patch(self, quilt_id: str, start: int, end: int) -> bytes:
        def fetch() -> bytes:
            if self.aggregator is None:
                return self._client().read_patch(morsa.quilt_patch_id(quilt_id, start, end)).data
            return bytes(morsa.quilt_patch_from_blob(self._blob(quilt_id), self.n_shards, start, end)[2])

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

    def _resolve(self, path: str) -> tuple[str, tuple[int, int] | None, str | None]:
        """``(blob_id, (start, end) or None, identifier or None)``."""
        path = self._strip_protocol(path)
        head, _, rest = path.partition("/")
        if not rest and len(head) == QUILT_PATCH_ID_TEXT_LEN:
            quilt_id, start, end = morsa.parse_quilt_patch_id(head)
            return quilt_id, (start, end), None
        if not morsa.is_blob_id(head):
            raise FileNotFoundError(2, "not a blob ID, quilt ID or quilt patch ID", f"walrus://{path}")
        if not rest:
            return head, None, None
        for p in self._index(head):
            if p.identifier == rest:
                return head, (p.start_index, p.end_index), rest
        raise FileNotFoundError(2, f"quilt {head} has no file {rest!r}", f"walrus://{path}")

    def cat_file(self, path: str, start: int | None = None, end: int | None = None, **kwargs: Any) -> bytes:
        blob_id, columns, _ = self._resolve(path)
        data = self._blob(blob_id) if columns is None else self._patch(blob_id, *columns)
        return data[start:end]

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> io.BytesIO:
        if "r" not in mode or "+" in mode:
            raise PermissionError("walrus:// is read-only; store with `morsa store` or `morsa store-quilt`")
        return io.BytesIO(self.cat_file(path))

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        name = self._strip_protocol(path)
        return {"name": name, "size": len(self.cat_file(name)), "type": "file"}

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        name = self._strip_protocol(path)
        if "/" in name or not morsa.is_blob_id(name):
            entries = [self.info(name)]
        else:
            try:
                index = self._index(name)
            except morsa.MorsaError:
                index = []
            if index:
                entries = [
                    {"name": f"{name}/{p.identifier}", "type": "file", "size": None, "patch_id": p.patch_id(name), "tags": p.tags}
                    for p in index
                ]
            else:
                entries = [self.info(name)]
        return entries if detail else [e["name"] for e in entries]

    def ukey(self, path: str) -> str:
        return hashlib.sha256(self._strip_protocol(path).encode()).hexdigest()


fsspec.register_implementation("walrus", WalrusFileSystem, clobber=True)
