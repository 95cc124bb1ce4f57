"""Morsa: Walrus-compatible blob IDs, RedStuff (RS2) encoding and verification.

A blob ID computed here is the one Walrus records for the same bytes and shard count
(1000 shards on Walrus mainnet and testnet). Every function that takes ``data_or_path``
accepts a bytes-like object (``bytes``, ``bytearray``, ``memoryview``, ``mmap``) or a path
(``str`` or ``os.PathLike``); files are memory-mapped, not read into memory, and
blob IDs of files are streamed in memory independent of the file size.

Errors are subclasses of :class:`MorsaError`, itself a ``ValueError`` (one class per error
kind of the Rust core, the kinds whose codes the WebAssembly package gives as ``error.code``):

* :class:`InvalidArgumentError`: an argument of the wrong value (an unknown axis, consistency
  check or certificate kind, an index out of range, an all-zero key seed);
* :class:`EncodingError` (and :class:`BlobTooLargeError`): bad shard count or blob too large
  (SPEC §1);
* :class:`InvalidBlobIdError`: text that is not a blob ID (SPEC §5.4);
* :class:`RangeError`: a byte range that is empty or ends past its blob (SPEC §3.1);
* :class:`WireFormatError`: malformed BCS bytes;
* :class:`VerificationError`: metadata, slivers, symbols or proofs that do not verify;
* :class:`DecodingError` (and :class:`InconsistentEncodingError`): too few valid slivers, or
  an inconsistently encoded blob (SPEC §7, §9);
* :class:`QuiltError`: quilts that cannot be built or parsed (SPEC §13);
* :class:`RewardsError`: a reward computation the Walrus contracts would abort (REWARDS.md §0.2);
* :class:`CommitteeError`, :class:`CertificateError` (and the opaque :class:`SignatureError`):
  invalid committees, and certificates or confirmations that do not verify (SPEC §10).

Storage is certified by a quorum of storage nodes: each signs a :class:`StorageConfirmation`
with its Ed25519 :class:`SigningKey`; a :class:`CertificateBuilder` collects the signatures
into a :class:`Certificate`, which verifies against the epoch's :class:`Committee` when the
signers hold at least ``3w >= 2n + 1`` of its ``n`` shards (``3w >= n + 1`` for an
:class:`InvalidBlobIdMessage`).
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Union

from . import _native
from ._lazy import lazy_exports
from ._native import (
    MAINNET_N_SHARDS,
    MAX_SHARDS,
    MIN_SHARDS,
    BlobMetadata,
    BlobTooLargeError,
    Certificate,
    CertificateBuilder,
    CertificateError,
    Committee,
    CommitteeError,
    DecodingError,
    EncodedBlob,
    EncodingConfig,
    EncodingError,
    InconsistencyProof,
    InconsistentEncodingError,
    InvalidArgumentError,
    InvalidBlobIdError,
    InvalidBlobIdMessage,
    MorsaError,
    Quilt,
    QuiltError,
    QuiltPatch,
    RangeError,
    RecoverySymbol,
    RewardsError,
    SignatureError,
    SigningKey,
    Sliver,
    StorageConfirmation,
    VerificationError,
    VerifiedCertificate,
    WireFormatError,
    blob_id_from_u256,
    blob_id_to_u256,
    build_quilt,
    decode_recovery_symbols,
    derive_blob_id,
    encode_recovery_symbols,
    pair_index_for_shard,
    parse_quilt_index,
    parse_quilt_patch,
    parse_quilt_patch_id,
    quilt_index_columns,
    quilt_index_from_blob,
    quilt_patch_from_blob,
    quilt_patch_id,
    recover_sliver,
    shard_index_for_pair,
    validate_quilt_identifier,
    verify_signature,
)
from ._types import Axis, CertificateKind, ConsistencyCheck
from .net.errors import NetworkError, RemoteError, TransportError

__version__: str = _native.__version__

Buffer = bytes | bytearray | memoryview | mmap.mmap
"""A bytes-like object (anything exporting a contiguous byte buffer)."""

DataOrPath = Union[Buffer, str, "os.PathLike[str]"]
"""Bytes-like data, or the path of a file to read."""

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` with steps of the encoding (one per matrix row or column)."""


__all__ = [
    "MAINNET_N_SHARDS",
    "AccessDeniedError",
    "ClientError",
    "DevnetError",
    "PrivateBlobError",
    "NetworkError",
    "RemoteError",
    "TransportError",
    "Axis",
    "CertificateKind",
    "ConsistencyCheck",
    "Quilt",
    "QuiltError",
    "QuiltPatch",
    "build_quilt",
    "parse_quilt_index",
    "parse_quilt_patch",
    "parse_quilt_patch_id",
    "quilt_index_columns",
    "quilt_index_from_blob",
    "quilt_patch_from_blob",
    "quilt_patch_id",
    "validate_quilt_identifier",
    "Certificate",
    "CertificateBuilder",
    "CertificateError",
    "Committee",
    "CommitteeError",
    "InvalidBlobIdMessage",
    "SignatureError",
    "SigningKey",
    "StorageConfirmation",
    "VerifiedCertificate",
    "verify_signature",
    "MAX_SHARDS",
    "MIN_SHARDS",
    "BlobMetadata",
    "BlobTooLargeError",
    "DecodingError",
    "EncodedBlob",
    "EncodingConfig",
    "EncodingError",
    "InconsistencyProof",
    "InconsistentEncodingError",
    "InvalidArgumentError",
    "InvalidBlobIdError",
    "MorsaError",
    "RangeError",
    "RewardsError",
    "RecoverySymbol",
    "Sliver",
    "VerificationError",
    "WireFormatError",
    "blob_id",
    "compute_metadata",
    "decode",
    "decode_recovery_symbols",
    "blob_id_from_u256",
    "blob_id_to_u256",
    "derive_blob_id",
    "encode",
    "encode_recovery_symbols",
    "encode_to_directory",
    "is_blob_id",
    "open_data",
    "pair_index_for_shard",
    "recover_sliver",
    "shard_index_for_pair",
    "verify",
]


@contextlib.contextmanager
def open_data(data_or_path: DataOrPath) -> Iterator[Buffer]:
    """Yield the bytes of ``data_or_path``: the object itself, or a read-only memory map of the
    file at that path (an empty file yields ``b""``).

    Raises ``OSError`` when the file cannot be read, ``TypeError`` for other objects.
    """
    if isinstance(data_or_path, (str, os.PathLike)):
        with open(data_or_path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                yield b""
                return
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                yield mapped
    else:
        try:
            memoryview(data_or_path).release()
        except TypeError:
            raise TypeError(
                f"expected bytes-like data or a path, not {type(data_or_path).__name__}"
            ) from None
        yield data_or_path


def compute_metadata(
    data_or_path: DataOrPath,
    n_shards: int = MAINNET_N_SHARDS,
    *,
    progress: ProgressCallback | None = None,
) -> BlobMetadata:
    """The verified metadata of a blob: blob ID, length and the ``n_shards`` sliver-pair hashes
    (SPEC §5). Slivers are not materialized. A path is streamed from the file in memory
    independent of its size (about 220 MiB for 1000 shards); bytes-like data needs about 1.5
    times its size beyond the input, and never more than that bound.

    Raises :class:`EncodingError` for ``n_shards < 4`` and :class:`BlobTooLargeError` when the
    blob exceeds ``EncodingConfig(n_shards).max_blob_size`` bytes.
    """
    if isinstance(data_or_path, (str, os.PathLike)):
        # Streamed with positioned reads: memory is independent of the file size.
        return _native.compute_metadata_file(os.fspath(data_or_path), n_shards, progress)
    with open_data(data_or_path) as data:
        return _native.compute_metadata(data, n_shards, progress)


def blob_id(
    data_or_path: DataOrPath,
    n_shards: int = MAINNET_N_SHARDS,
    *,
    progress: ProgressCallback | None = None,
) -> str:
    """The Walrus blob ID (43 characters of base64url) of a blob (SPEC §5.3).

    ``n_shards`` is the shard count of the network (1000 on Walrus mainnet and testnet).
    Raises :class:`EncodingError` / :class:`BlobTooLargeError` as :func:`compute_metadata`.
    """
    return compute_metadata(data_or_path, n_shards, progress=progress).blob_id


def is_blob_id(text: str) -> bool:
    """Whether ``text`` is a blob ID: 43 characters of base64url without padding (SPEC §5.4)."""
    try:
        _native.parse_blob_id_bytes(text)
    except InvalidBlobIdError:
        return False
    return True


def verify(
    data_or_path: DataOrPath,
    expected_blob_id: str,
    n_shards: int = MAINNET_N_SHARDS,
    *,
    progress: ProgressCallback | None = None,
) -> bool:
    """Whether the blob has blob ID ``expected_blob_id`` for ``n_shards`` shards.

    Raises :class:`InvalidBlobIdError` if ``expected_blob_id`` is not a blob ID, and the errors
    of :func:`compute_metadata`.
    """
    _native.parse_blob_id_bytes(expected_blob_id)
    return blob_id(data_or_path, n_shards, progress=progress) == expected_blob_id


def encode(
    data_or_path: DataOrPath,
    n_shards: int = MAINNET_N_SHARDS,
    *,
    progress: ProgressCallback | None = None,
) -> EncodedBlob:
    """Encode a blob into its metadata and all ``2 * n_shards`` slivers (SPEC §3).

    Memory: about ``n * (p + s) * S`` bytes, 4.5 times the blob for ``n = 3f + 1``.
    Raises :class:`EncodingError` / :class:`BlobTooLargeError` as :func:`compute_metadata`.
    """
    with open_data(data_or_path) as data:
        return _native.encode(data, n_shards, progress)


def encode_to_directory(
    data_or_path: DataOrPath,
    directory: str | os.PathLike[str],
    n_shards: int = MAINNET_N_SHARDS,
    *,
    progress: ProgressCallback | None = None,
) -> BlobMetadata:
    """Encode a blob into its ``2 * n_shards`` sliver files in ``directory``
    (``primary-{i}.bcs`` and ``secondary-{i}.bcs``, each a BCS ``SliverData``, SPEC §6) and
    return its metadata: the slivers and metadata of :func:`encode`, by the streaming encoder
    in memory independent of the blob size (about 160 MiB for 1000 shards, beyond the input).
    A path is read from the file; bytes-like data is read in place (a writable buffer such as a
    ``bytearray`` is copied first). The files must not exist yet; on an error the ones created
    are left behind, so write into a fresh staging directory.

    Raises :class:`EncodingError` / :class:`BlobTooLargeError` as :func:`compute_metadata`, and
    :class:`OSError` for I/O failures (``FileExistsError`` when a sliver file exists).
    """
    if isinstance(data_or_path, (str, os.PathLike)):
        # Streamed with positioned reads: memory is independent of the file size.
        return _native.encode_file_to_dir(os.fspath(data_or_path), os.fspath(directory), n_shards, progress)
    with open_data(data_or_path) as data:
        return _native.encode_to_dir(data, os.fspath(directory), n_shards, progress)


def decode(
    metadata: BlobMetadata,
    slivers: Iterable[Sliver],
    consistency_check: ConsistencyCheck = "default",
    *,
    on_invalid: Callable[[Sliver, str], object] | None = None,
) -> bytes:
    """Decode a blob from any ``p`` valid primary or ``s`` valid secondary slivers (SPEC §7).

    Every sliver is verified against ``metadata`` and invalid ones are skipped (each reported as
    ``on_invalid(sliver, reason)`` when given). Slivers are taken from ``slivers`` in batches of
    as many as are still missing and verified in parallel, the invalid ones of a batch reported
    in order after it; iteration stops once ``p`` valid primary slivers are held, so yield
    primary slivers first to read fewer.
    ``consistency_check``: ``"default"`` re-hashes the systematic primary slivers that were not
    inputs, ``"strict"`` recomputes the blob ID, ``"skip"`` only verifies the inputs.

    Raises :class:`DecodingError` when too few slivers are valid, and
    :class:`InconsistentEncodingError` when the check fails.
    """
    return _native.decode(metadata, slivers, consistency_check, on_invalid)


if TYPE_CHECKING:
    from .client import ClientError
    from .devnet import DevnetError
    from .private import AccessDeniedError, PrivateBlobError

# The errors of the heavier modules, without importing them before they are used.
__getattr__ = lazy_exports(
    __name__,
    {"ClientError": ".client", "DevnetError": ".devnet", "AccessDeniedError": ".private", "PrivateBlobError": ".private"},
)
