"""Type stubs of the private native module ``morsa._native`` (built from bindings-py/src)."""

import mmap
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Self, final

from morsa._types import Axis as _Axis
from morsa._types import BlobCost as _BlobCost
from morsa._types import Bucket as _Bucket
from morsa._types import CertificateKind as _CertificateKind
from morsa._types import ConsistencyCheck as _ConsistencyCheck
from morsa._types import EpochReport as _EpochReport
from morsa._types import NetworkSummary as _NetworkSummary
from morsa._types import NodeSummary as _NodeSummary
from morsa._types import Rules as _Rules
from morsa._types import SignatureScheme as _SignatureScheme
from morsa._types import StakeInfo as _StakeInfo
from morsa._types import StakeSummary as _StakeSummary
from morsa._types import Withdrawal as _Withdrawal

_Buffer = bytes | bytearray | memoryview | mmap.mmap
_Progress = Callable[[int, int], None]

__version__: str
MAINNET_N_SHARDS: int
"""1000: the number of shards of Walrus mainnet and testnet."""
MIN_SHARDS: int
"""4: the smallest shard count RedStuff can encode for (SPEC §1.2)."""
MAX_SHARDS: int
"""49155: the largest shard count the Reed-Solomon codes support (SPEC §2.4)."""

class MorsaError(ValueError):
    """Base class of every Morsa error."""

class InvalidArgumentError(MorsaError):
    """An argument of the wrong value: an unknown name, an index out of range, a refused seed."""

class EncodingError(MorsaError):
    """Invalid shard count or blob size (SPEC §1)."""

class BlobTooLargeError(EncodingError):
    """The blob exceeds p * s * 65534 bytes for its shard count (SPEC §1.4)."""

class InvalidBlobIdError(MorsaError):
    """Text that is not 43 characters of base64url without padding (SPEC §5.4)."""

class RangeError(MorsaError):
    """A byte range of a blob that is empty or ends past the blob (SPEC §3.1, §12.1)."""

class WireFormatError(MorsaError):
    """Malformed, truncated or non-canonical BCS bytes."""

class VerificationError(MorsaError):
    """Metadata, a sliver, a recovery symbol or a proof does not verify."""

class DecodingError(MorsaError):
    """Too few valid slivers or recovery symbols (SPEC §7, §8)."""

class InconsistentEncodingError(DecodingError):
    """The blob was encoded inconsistently (SPEC §7, §9).

    Raised by ``recover_sliver`` with ``proof`` set to the :class:`InconsistencyProof`.
    """

    proof: InconsistencyProof

@final
class EncodingConfig:
    """RS2 encoding parameters for ``n_shards`` shards (SPEC §1).

    ``f = (n - 1) // 3``; ``p = n - 2f`` rows (primary source symbols); ``s = n - f`` columns
    (secondary source symbols). Raises :class:`EncodingError` for n < 4 or n > 49155.
    """

    def __new__(cls, n_shards: int = 1000) -> Self: ...
    @property
    def n_shards(self) -> int: ...
    @property
    def max_faulty(self) -> int:
        """f."""
    @property
    def n_primary_source_symbols(self) -> int:
        """p = n - 2f."""
    @property
    def n_secondary_source_symbols(self) -> int:
        """s = n - f."""
    @property
    def max_blob_size(self) -> int:
        """p * s * 65534 bytes (SPEC §1.4)."""
    def symbol_size(self, blob_size: int) -> int:
        """Symbol size in bytes for a blob of ``blob_size`` bytes (SPEC §1.3)."""
    def encoded_blob_length(self, blob_size: int) -> int:
        """Bytes the chain charges for (SPEC §1.4)."""
    def sliver_size(self, axis: _Axis, blob_size: int) -> int:
        """Bytes of one sliver of ``axis`` (s * S primary, p * S secondary)."""
    def sliver_index(self, axis: _Axis, pair_index: int) -> int:
        """The sliver of ``axis`` in pair ``pair_index`` (SPEC §3.4, §4.1): primary ``i``,
        secondary ``n - 1 - i``. Raises ``ValueError`` for an index out of range."""
    def pair_index(self, axis: _Axis, sliver_index: int) -> int:
        """The pair holding sliver ``sliver_index`` of ``axis`` (the inverse of :meth:`sliver_index`)."""
    @property
    def sliver_upload_limit(self) -> int:
        """``s * 65534 + 128``: the largest body of one sliver upload, in bytes (SPEC §11)."""
    @property
    def metadata_bcs_len(self) -> int:
        """Bytes of the BCS ``BlobMetadata`` (without the ID) for this shard count (SPEC §5.5)."""

@final
class BlobMetadata:
    """Verified metadata: blob ID, unencoded length and sliver-pair hashes (SPEC §5)."""

    @staticmethod
    def from_bytes(data: _Buffer, n_shards: int | None = None) -> BlobMetadata:
        """Parse BCS ``BlobMetadataWithId`` and verify it against its blob ID.

        ``n_shards`` defaults to the number of pair hashes. Raises :class:`WireFormatError`
        or :class:`VerificationError`.
        """
    @staticmethod
    def from_metadata_bytes(blob_id: str, data: _Buffer, n_shards: int) -> BlobMetadata:
        """Parse BCS ``BlobMetadata`` (without the ID, as PUT /metadata sends it) and verify it
        against ``blob_id``. Raises :class:`WireFormatError` or :class:`VerificationError`."""
    @property
    def blob_id(self) -> str: ...
    @property
    def blob_id_bytes(self) -> bytes: ...
    @property
    def root_hash(self) -> bytes:
        """Merkle root over the sliver-pair leaves (SPEC §5.3), as registered on chain."""
    @property
    def unencoded_length(self) -> int:
        """Blob size in bytes."""
    @property
    def n_shards(self) -> int: ...
    @property
    def symbol_size(self) -> int:
        """Symbol size in bytes."""
    @property
    def encoding_type(self) -> str:
        """Always ``"RS2"``."""
    @property
    def config(self) -> EncodingConfig: ...
    def pair_hashes(self) -> list[tuple[bytes, bytes]]:
        """``(primary_hash, secondary_hash)`` of each sliver pair, 32 bytes each."""
    def to_bytes(self) -> bytes:
        """BCS ``BlobMetadataWithId`` (what GET /metadata returns)."""
    def metadata_bytes(self) -> bytes:
        """BCS ``BlobMetadata`` without the blob ID (what PUT /metadata sends)."""
    def shard_for_pair(self, pair_index: int) -> int:
        """The shard storing sliver pair ``pair_index`` (SPEC §4.2)."""
    def pair_for_shard(self, shard_index: int) -> int:
        """The sliver pair stored on ``shard_index`` (SPEC §4.2)."""
    def primary_slivers_for_range(self, start: int, length: int) -> tuple[int, int, int]:
        """``(first, end, offset)``: the systematic primary slivers holding blob bytes
        ``[start, start + length)`` (SPEC §3.1).

        The blob fills the ``p x s`` message matrix row by row, so primary sliver ``r < p`` is
        bytes ``[r*s*S, (r+1)*s*S)`` of the zero-padded blob (``S = symbol_size``). The range
        is ``b"".join(slivers[i].data for i in range(first, end))[offset:offset + length]``
        with ``0 <= first < end <= p`` and ``0 <= offset < s * S``.

        Raises :class:`RangeError` when ``length == 0``, ``start + length`` exceeds
        ``unencoded_length``, or either argument is negative.
        """

@final
class Sliver:
    """A primary (row) or secondary (column) sliver (SPEC §3.3, §6)."""

    def __new__(cls, axis: _Axis, index: int, symbol_size: int, data: bytes) -> Self: ...
    @staticmethod
    def from_bytes(data: _Buffer, axis: _Axis) -> Sliver:
        """Parse BCS ``SliverData``; the axis is not in the bytes. Raises :class:`WireFormatError`."""
    @property
    def axis(self) -> _Axis: ...
    @property
    def index(self) -> int:
        """Sliver index (not the pair index)."""
    @property
    def symbol_size(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    def pair_index(self, n_shards: int) -> int:
        """Primary sliver i is in pair i; secondary sliver j in pair n - 1 - j (SPEC §4.1)."""
    def to_bytes(self) -> bytes:
        """BCS ``SliverData``."""
    def verify(self, metadata: BlobMetadata) -> None:
        """Raise :class:`VerificationError` unless the sliver matches ``metadata`` (SPEC §6)."""
    def recovery_symbols(self, target_indices: Sequence[int], n_shards: int) -> list[RecoverySymbol]:
        """Recovery symbols (with proofs) from this sliver for the orthogonal slivers ``target_indices``."""

@final
class RecoverySymbol:
    """A symbol of the expanded matrix with its Merkle proof (SPEC §8)."""

    @staticmethod
    def from_bytes(data: _Buffer) -> RecoverySymbol:
        """Parse BCS ``GeneralRecoverySymbol``. Raises :class:`WireFormatError`."""
    @property
    def target_axis(self) -> _Axis: ...
    @property
    def target_index(self) -> int: ...
    @property
    def source_index(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    @property
    def symbol_id(self) -> tuple[int, int]:
        """(row, column) in the expanded matrix."""
    def to_bytes(self) -> bytes: ...
    def verify(self, metadata: BlobMetadata) -> None:
        """Raise :class:`VerificationError` unless the proof verifies (SPEC §8.2)."""

@final
class InconsistencyProof:
    """Proof that a blob is inconsistently encoded (SPEC §9)."""

    @staticmethod
    def from_bytes(data: _Buffer, axis: _Axis | None = None) -> InconsistencyProof:
        """Parse BCS; with ``axis`` the untagged REST body, otherwise the ``ByAxis``-tagged form."""
    @property
    def target_axis(self) -> _Axis: ...
    @property
    def target_index(self) -> int: ...
    @property
    def n_symbols(self) -> int: ...
    def to_bytes(self, tagged: bool = False) -> bytes: ...
    def verify(self, metadata: BlobMetadata) -> None:
        """Raise :class:`VerificationError` unless the proof shows an inconsistency."""

@final
class EncodedBlob:
    """Metadata and all ``2 * n_shards`` slivers of an encoded blob (SPEC §3)."""

    @property
    def blob_id(self) -> str: ...
    @property
    def metadata(self) -> BlobMetadata: ...
    @property
    def symbol_size(self) -> int: ...
    @property
    def n_shards(self) -> int: ...
    @property
    def primary_slivers(self) -> list[Sliver]: ...
    @property
    def secondary_slivers(self) -> list[Sliver]: ...
    def sliver(self, axis: _Axis, index: int) -> Sliver: ...
    def sliver_pair(self, pair_index: int) -> tuple[Sliver, Sliver]:
        """(primary sliver i, secondary sliver n - 1 - i) (SPEC §3.4)."""

def compute_metadata(data: _Buffer, n_shards: int = 1000, progress: _Progress | None = None) -> BlobMetadata: ...
def blob_id(data: _Buffer, n_shards: int = 1000, progress: _Progress | None = None) -> str: ...
def compute_metadata_file(
    path: str, n_shards: int = 1000, progress: _Progress | None = None, budget: int = 134217728
) -> BlobMetadata:
    """The metadata of the file at ``path``, streamed in byte stripes of at most ``budget`` bytes."""
def encode(data: _Buffer, n_shards: int = 1000, progress: _Progress | None = None) -> EncodedBlob: ...
def encode_file_to_dir(
    path: str,
    directory: str,
    n_shards: int = 1000,
    progress: _Progress | None = None,
    budget: int = 134217728,
) -> BlobMetadata:
    """Stream-encode the file at ``path`` into ``primary-{i}.bcs`` / ``secondary-{i}.bcs`` in
    ``directory`` (none may exist); returns the metadata. Memory is independent of the file size."""
def encode_to_dir(
    data: _Buffer,
    directory: str,
    n_shards: int = 1000,
    progress: _Progress | None = None,
    budget: int = 134217728,
) -> BlobMetadata:
    """:func:`encode_file_to_dir` for a bytes-like object: the same encoder and sliver files."""

METADATA_FILE: str
"""``"metadata.bcs"``: the BCS ``BlobMetadataWithId`` of an encoding directory."""

def sliver_file_name(axis: _Axis, index: int) -> str:
    """``"primary-{index}.bcs"`` or ``"secondary-{index}.bcs"``: the file of a sliver in an
    encoding directory."""
def parse_sliver_file_name(name: str) -> tuple[_Axis, int] | None:
    """The axis and index of a sliver file's name, or ``None`` for any other name."""
def decode(
    metadata: BlobMetadata,
    slivers: Iterable[Sliver],
    consistency_check: _ConsistencyCheck = "default",
    on_invalid: Callable[[Sliver, str], object] | None = None,
) -> bytes: ...
def recover_sliver(
    metadata: BlobMetadata,
    target_axis: _Axis,
    target_index: int,
    symbols: Sequence[RecoverySymbol],
) -> Sliver:
    """Recover a sliver from recovery symbols (SPEC §8).

    Raises :class:`DecodingError` for too few valid symbols and
    :class:`InconsistentEncodingError` (with ``proof``) for an inconsistent encoding.
    """
def parse_blob_id_bytes(blob_id: str) -> bytes: ...
def blob_id_from_bytes(data: bytes) -> str: ...
def blob_id_from_u256(value: int | str) -> str:
    """The blob ID whose Move ``u256`` value is ``value`` (an int, decimal digits or ``0x`` hex):
    the bytes are the u256 little-endian (SPEC §5.4). Raises :class:`InvalidBlobIdError`."""
def blob_id_to_u256(blob_id: str) -> int:
    """The Move ``u256`` value of a blob ID (SPEC §5.4), as Sui shows it."""
def shard_index_for_pair(blob_id: str, n_shards: int, pair_index: int) -> int: ...
def pair_index_for_shard(blob_id: str, n_shards: int, shard_index: int) -> int: ...

def derive_blob_id(root_hash: bytes, size: int) -> str:
    """The blob ID of a ``size``-byte blob with sliver-pair Merkle root ``root_hash`` (32 bytes) (SPEC §5.3)."""
def encode_recovery_symbols(symbols: Sequence[RecoverySymbol]) -> bytes:
    """BCS ``Vec<GeneralRecoverySymbol>``, the body of ``GET /recoverySymbols`` (SPEC §11)."""
def decode_recovery_symbols(data: _Buffer) -> list[RecoverySymbol]:
    """Parse BCS ``Vec<GeneralRecoverySymbol>``. Raises :class:`WireFormatError`."""

def encode_slivers(slivers: Sequence[Sliver]) -> bytes:
    """BCS ``Vec<Sliver>``: each sliver ``ByAxis``-tagged (Walrus's ``Sliver`` enum, SPEC §6), the
    body of a batched sliver upload (docs/network.md)."""
def decode_slivers(data: _Buffer) -> list[Sliver]:
    """Parse BCS ``Vec<Sliver>`` (not verified). Raises :class:`WireFormatError`."""
def verify_slivers(metadata: BlobMetadata, slivers: Sequence[Sliver]) -> list[str | None]:
    """Verify each sliver against ``metadata`` (SPEC §6), in parallel without the GIL; ``None``
    for a valid sliver, else the reason it is not."""

def encode_decoding_symbols(entries: Sequence[tuple[int, Sequence[RecoverySymbol]]]) -> bytes:
    """BCS ``BTreeMap<SliverIndex, Vec<EitherDecodingSymbol>>``, the body of ``GET /decodingSymbols``
    (SPEC §11): each target's symbols without proofs, keys in BCS order."""
def decode_decoding_symbols(data: _Buffer) -> list[tuple[int, list[tuple[_Axis, int, bytes]]]]:
    """Parse the body of ``GET /decodingSymbols``: ``[(target, [(target_axis, source_index, data)])]``."""

# --- certificates (SPEC §10): keys, messages, committees, certificates ---

class CommitteeError(MorsaError):
    """An invalid committee: a shard held twice or out of range, a member without shards,
    a repeated public key, fewer than 4 shards (SPEC §10.3)."""

class CertificateError(MorsaError):
    """A certificate or signed confirmation that does not verify (SPEC §10.3)."""

class SignatureError(CertificateError):
    """A signature that does not verify; deliberately opaque."""

@final
class SigningKey:
    """An Ed25519 signing key from a 32-byte seed (RFC 8032 private key; the all-zero seed is refused)."""

    def __new__(cls, seed: bytes) -> Self: ...
    @property
    def public_key(self) -> bytes:
        """32 bytes."""
    def sign(self, message: bytes) -> bytes:
        """The deterministic 64-byte RFC 8032 signature of ``message``."""

NONCE_WINDOW_MS: int
"""How far a control-plane request's nonce time may be from the control plane's clock (ms)."""

def request_message(method: str, path: str, nonce: str, body: bytes) -> bytes:
    """The bytes an account signs for a control-plane request: domain tag, method, path, nonce
    and the hex SHA-256 of ``body``, one per line (core ``auth``)."""

def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (64 bytes) is ``public_key``'s (32 bytes) signature of ``message``."""

@final
class StorageConfirmation:
    """``01 00 03 ‖ epoch u32 LE ‖ blob_id ‖ 00`` (40 bytes), or ``… ‖ 01 ‖ object_id`` (72 bytes)
    for a deletable blob (SPEC §10.1)."""

    def __new__(cls, epoch: int, blob_id: str, object_id: bytes | None = None) -> Self: ...
    @staticmethod
    def from_bytes(data: bytes) -> StorageConfirmation:
        """Raises :class:`WireFormatError` on a wrong intent, truncation or trailing bytes."""
    def to_bytes(self) -> bytes: ...
    @property
    def epoch(self) -> int: ...
    @property
    def blob_id(self) -> str: ...
    @property
    def object_id(self) -> bytes | None: ...
    @property
    def deletable(self) -> bool: ...

@final
class InvalidBlobIdMessage:
    """``02 00 03 ‖ epoch u32 LE ‖ blob_id`` (39 bytes) (SPEC §10.1)."""

    def __new__(cls, epoch: int, blob_id: str) -> Self: ...
    @staticmethod
    def from_bytes(data: bytes) -> InvalidBlobIdMessage: ...
    def to_bytes(self) -> bytes: ...
    @property
    def epoch(self) -> int: ...
    @property
    def blob_id(self) -> str: ...

@final
class Committee:
    """Members in order, each ``(public_key, shards)``; every shard ``0..n`` held once, n >= 4.

    Raises :class:`CommitteeError`. A member's weight is its number of shards.
    """

    def __new__(cls, epoch: int, members: Sequence[tuple[bytes, Sequence[int]]]) -> Self: ...
    @staticmethod
    def from_bytes(data: bytes) -> Committee:
        """Postcard bytes, as :meth:`to_bytes` writes them."""
    def to_bytes(self) -> bytes: ...
    @property
    def epoch(self) -> int: ...
    @property
    def n_shards(self) -> int: ...
    @property
    def n_members(self) -> int: ...
    @property
    def members(self) -> list[tuple[bytes, list[int]]]: ...
    def weight(self, member: int) -> int: ...
    def member_index(self, public_key: bytes) -> int | None: ...
    def shard_owner(self, shard: int) -> int: ...

@final
class VerifiedCertificate:
    """What a verified certificate attests."""

    kind: _CertificateKind
    epoch: int
    blob_id: str
    object_id: bytes | None
    signer_weight: int
    """Shards held by the signers."""
    n_signers: int

@final
class Certificate:
    """Signer bitmap (member i is bit i % 8 of byte i // 8), the signed message and one 64-byte
    signature per signer in member order; postcard-serialized (SPEC §10.3)."""

    def __new__(cls, signers: bytes, serialized_message: bytes, signatures: bytes) -> Self: ...
    @staticmethod
    def from_bytes(data: bytes) -> Certificate:
        """Raises :class:`CertificateError` for malformed or non-canonical bytes."""
    def to_bytes(self) -> bytes: ...
    @property
    def signers(self) -> bytes: ...
    @property
    def serialized_message(self) -> bytes: ...
    @property
    def signatures(self) -> list[bytes]: ...
    @property
    def signer_indices(self) -> list[int]: ...
    def verify(
        self, committee: Committee, kind: _CertificateKind | None = None
    ) -> VerifiedCertificate:
        """Verify against ``committee`` as a ``kind`` certificate, or by default as the kind its
        message's intent declares: quorum ``3w >= 2n + 1`` for a storage confirmation,
        ``3w >= n + 1`` for an invalid-blob attestation.

        Raises :class:`WireFormatError` (message), :class:`CertificateError` (epoch, bitmap,
        signature count, weight) or :class:`SignatureError`.
        """

@final
class CertificateBuilder:
    """Collects members' signatures of one message; invalid and duplicate ones are dropped."""

    def __new__(cls, committee: Committee, message: StorageConfirmation | InvalidBlobIdMessage) -> Self: ...
    def add(self, member: int, serialized_message: bytes, signature: bytes) -> bool:
        """False for a member that already signed; raises :class:`CertificateError` (unknown
        member, other message) or :class:`SignatureError`."""
    def add_by_key(self, public_key: bytes, serialized_message: bytes, signature: bytes) -> bool: ...
    @property
    def message_bytes(self) -> bytes: ...
    @property
    def weight(self) -> int: ...
    @property
    def required_weight(self) -> int: ...
    @property
    def missing_weight(self) -> int: ...
    @property
    def is_complete(self) -> bool: ...
    def finish(self) -> Certificate:
        """Raises :class:`CertificateError` while the weight is below the threshold."""

# --- rewards (REWARDS.md) ---

class RewardsError(MorsaError):
    """A computation the Walrus contracts would abort (REWARDS.md §0.2): overflow, division by
    zero, an argument out of range (including ints outside the Rust type), no quorum, no
    stake, insufficient funds or capacity, an invalid staking-pool operation."""

FROST_PER_WAL: int
"""10**9 (REWARDS.md §0.3)."""
BYTES_PER_UNIT_SIZE: int
"""1 MiB: the storage unit (REWARDS.md §1.4)."""
N_BASIS_POINTS: int
"""10_000: basis points in 100%."""
MIN_STAKING_THRESHOLD: int
"""1 WAL in FROST: the smallest stake object (REWARDS.md §4.1)."""
MAINNET_MAX_EPOCHS_AHEAD: int
"""53: max_epochs_ahead on Walrus mainnet (REWARDS.md §0.3)."""


def is_quorum(weight: int, n_shards: int) -> bool:
    """``3w >= 2n + 1`` (REWARDS.md §1.1)."""
def quorum_below(votes: Sequence[tuple[int, int]], n_shards: int) -> int:
    """The smallest voted value whose voters at or below it form a quorum; votes are
    ``(value, shards)`` (REWARDS.md §1.1)."""
def quorum_above(votes: Sequence[tuple[int, int]], n_shards: int) -> int:
    """The largest value whose voters at or above it form a quorum (REWARDS.md §1.2)."""
def recalculate_prices(members: Sequence[tuple[int, int, int]], n_shards: int) -> tuple[int, int]:
    """``(storage_price, write_price)`` from ``(storage_vote, write_vote, shards)`` per member;
    ``(2**64 - 1, 2**64 - 1)`` for an empty committee (REWARDS.md §1.1)."""
def capacity_vote(node_capacity: int, n_shards: int, weight: int) -> int:
    """``min(capacity * n_shards / weight, 2**64 - 1)`` (REWARDS.md §1.2)."""
def capacity_from_votes(members: Sequence[tuple[int, int]], n_shards: int) -> int:
    """``quorum_above`` of the capacity votes of ``(node_capacity, shards)`` (REWARDS.md §1.2)."""
def encoded_blob_length(size: int, n_shards: int, encoding_type: int = 1) -> int:
    """The encoded length the chain bills (REWARDS.md §1.3)."""
def storage_units(size: int) -> int:
    """``ceil(size / 1 MiB)`` (REWARDS.md §1.4)."""
def storage_cost_per_epoch(storage_price: int, size: int) -> int: ...
def storage_cost(storage_price: int, size: int, epochs: int) -> int: ...
def write_fee(write_price: int, size: int, n_shards: int) -> int:
    """``write_price * storage_units(encoded_blob_length(size))`` (REWARDS.md §1.6)."""
def blob_cost(storage_price: int, write_price: int, size: int, epochs: int, n_shards: int) -> _BlobCost:
    """encoded_length, storage_units, storage_per_epoch, storage_total, write_fee, total."""
def reservation_offsets(current_epoch: int, start_epoch: int, end_epoch: int, max_epochs_ahead: int) -> tuple[int, int]:
    """The bucket offsets ``[start, end)`` reserve_space_for_epochs pays into (REWARDS.md §1.5)."""
def extension_offsets(current_epoch: int, end_epoch: int, extended_epochs: int, max_epochs_ahead: int) -> tuple[int, int]:
    """The bucket offsets extend_blob pays into (REWARDS.md §1.7)."""
def decrease_unused_by_percent(unused: int, percent: int) -> int: ...
def burn_amount(bucket_value: int) -> int:
    """``floor(bucket_value * 3 / 100)`` (REWARDS.md §3.3)."""
def distribute(rewards: int, used_capacity: int, nodes: Sequence[tuple[int, int]]) -> tuple[list[int], int]:
    """Per-node rewards of ``(shards, deny_list_size)`` nodes and the leftover (REWARDS.md §3.1)."""
def epoch_rewards(bucket_value: int, used_capacity: int, nodes: Sequence[tuple[int, int]]) -> dict[str, int | list[int]]:
    """collected, burned, paid, leftover, rewards (REWARDS.md §2, §3.1)."""
def commission_split(reward: int, rate_bp: int) -> tuple[int, int]:
    """``(commission, stakers' part)`` (REWARDS.md §3.4)."""
def calculate_rewards(principal: int, activation_rate: tuple[int, int], withdraw_rate: tuple[int, int]) -> int:
    """Rates are ``(wal, shares)``; ``(0, 0)`` is flat (REWARDS.md §4.5)."""

@final
class StakedWal:
    """A stake object (REWARDS.md §4.1)."""

    def __new__(cls, principal: int, activation_epoch: int, withdraw_epoch: int | None = None) -> Self: ...
    @property
    def principal(self) -> int: ...
    @property
    def activation_epoch(self) -> int: ...
    @property
    def withdraw_epoch(self) -> int | None: ...
    def split(self, amount: int) -> tuple[StakedWal, StakedWal]:
        """``(rest, part of amount)``; both must hold at least 1 WAL."""

@final
class StakingPool:
    """A staking pool's accounts (REWARDS.md §3.4–§4.6); a failed call changes nothing."""

    def __new__(cls, current_epoch: int = 0, committee_selected: bool = False, commission_rate: int = 0) -> Self: ...
    @property
    def wal_balance(self) -> int: ...
    @property
    def num_shares(self) -> int: ...
    @property
    def rewards_pool(self) -> int: ...
    @property
    def commission_rate(self) -> int: ...
    @property
    def commission_amount(self) -> int: ...
    @property
    def commission_blocked(self) -> int: ...
    @property
    def latest_epoch(self) -> int: ...
    @property
    def activation_epoch(self) -> int: ...
    def copy(self) -> StakingPool: ...
    def exchange_rate_at_epoch(self, epoch: int) -> tuple[int, int]: ...
    def stake(self, amount: int, current_epoch: int, committee_selected: bool = False) -> StakedWal: ...
    def wal_balance_at_epoch(self, epoch: int) -> int: ...
    def advance_epoch(self, epoch: int, reward: int, rules: _Rules = "mainnet") -> tuple[int, int, int]:
        """``(commission, stakers' part, commission rate used)`` (REWARDS.md §4.4)."""
    def set_next_commission(self, rate_bp: int, current_epoch: int) -> None: ...
    def add_commission(self, amount: int, block: bool = True) -> None: ...
    def clear_blocked_commission(self) -> None: ...
    def collect_commission(self) -> int: ...
    def request_withdraw(self, staked: StakedWal, current_epoch: int, in_current: bool, in_next: bool) -> StakedWal: ...
    def withdraw(self, staked: StakedWal, current_epoch: int, in_current: bool, in_next: bool) -> int: ...

@final
class FutureAccounting:
    """The future-accounting ring buffer (REWARDS.md §1.8); buckets are
    ``(epoch, used_capacity, rewards_to_distribute)`` from the current epoch."""

    def __new__(cls, length: int, first_epoch: int = 0) -> Self: ...
    def __len__(self) -> int: ...
    def copy(self) -> FutureAccounting: ...
    def lookup(self, offset: int) -> tuple[int, int, int]: ...
    def buckets(self) -> list[tuple[int, int, int]]: ...
    def pop_expand(self) -> tuple[int, int, int]: ...
    def extract_burn(self) -> int: ...
    def add_rewards(self, offset: int, amount: int) -> None: ...
    def reserve(self, size: int, start_offset: int, end_offset: int, per_epoch: int, total_capacity: int | None = None) -> int: ...
    def add_subsidy(self, value: int, epochs: int) -> None: ...
    def add_per_epoch_subsidies(self, amounts: Sequence[int]) -> None: ...

@final
class EpochClock:
    """The epoch-change state machine (REWARDS.md §2); times in ms."""

    def __new__(cls, now_ms: int, epoch_zero_duration_ms: int, epoch_duration_ms: int) -> Self: ...
    @property
    def epoch(self) -> int: ...
    @property
    def state(self) -> tuple[Literal["EpochChangeSync", "EpochChangeDone", "NextParamsSelected"], int]:
        """The state and its value: the sync weight, or the time sync completed."""
    @property
    def committee_selected(self) -> bool: ...
    def copy(self) -> EpochClock: ...
    def epoch_sync_done(self, epoch: int, shards: int, n_shards: int, now_ms: int) -> bool: ...
    def voting_end(self, now_ms: int) -> None: ...
    def initiate_epoch_change(self, now_ms: int) -> int: ...

_NodeRef = int | bytes | str
"""A node ID: an int below 2**256, 32 bytes, or 64 hex digits (``0x`` optional)."""

@final
class Network:
    """The economy of a Walrus network as one state machine (REWARDS.md §1–§5): epochs,
    committee selection, prices from votes, storage accounting, the burn, rewards, commission
    and staking pools. Every method either succeeds or raises :class:`RewardsError` (with a
    ``code`` such as ``"NOT_FOUND"``, ``"NOT_OWNER"``, ``"NOT_DUE"``, ``"STAKE_TOO_SMALL"``)
    and leaves the network unchanged. Addresses are ``0x`` and 64 hex digits; amounts FROST."""

    def __new__(
        cls,
        n_shards: int | None = None,
        max_epochs_ahead: int | None = None,
        rules: _Rules = "mainnet",
        epoch_duration_ms: int | None = None,
        now_ms: int | None = None,
    ) -> Self:
        """Epoch 0 at ``now_ms`` (default 0); 1000 shards and 53 epochs ahead by default;
        ``epoch_duration_ms`` (default 0: epochs change only on demand) drives :meth:`tick`."""
    def to_bytes(self) -> bytes:
        """The state, for storage (postcard)."""
    @staticmethod
    def from_bytes(data: bytes) -> Network:
        """A network from :meth:`to_bytes`; RewardsError for other bytes."""
    def copy(self) -> Network: ...
    def __eq__(self, other: object, /) -> bool: ...
    @property
    def epoch(self) -> int: ...
    @property
    def committee_selected(self) -> bool: ...
    @property
    def n_shards(self) -> int: ...
    @property
    def max_epochs_ahead(self) -> int: ...
    @property
    def prices(self) -> tuple[int, int]:
        """``(storage_price, write_price)``, FROST per MiB unit (per epoch for storage)."""
    @property
    def total_capacity(self) -> int: ...
    @property
    def next_epoch_change_ms(self) -> int | None: ...
    def committee(self) -> list[tuple[str, list[int]]]:
        """Node IDs in ascending order with their shard IDs."""
    def next_committee(self) -> list[tuple[str, list[int]]]:
        """The selected next committee; empty before voting_end."""
    def previous_committee(self) -> list[tuple[str, list[int]]]: ...
    def summary(self) -> _NetworkSummary: ...
    def node(self, node: _NodeRef) -> _NodeSummary: ...
    def nodes(self) -> list[_NodeSummary]: ...
    def stake_info(self, stake_id: int) -> _StakeSummary: ...
    def stakes(self, owner: str | bytes | None = None) -> list[_StakeSummary]: ...
    def buckets(self) -> list[_Bucket]:
        """The future-accounting ring from the current epoch (REWARDS.md §1.8)."""
    def register_node(
        self, node: _NodeRef, commission_rate: int, storage_price: int, write_price: int, node_capacity: int
    ) -> None:
        """``register_candidate`` (REWARDS.md §4.1)."""
    def vote(
        self,
        node: _NodeRef,
        *,
        storage_price: int | None = None,
        write_price: int | None = None,
        node_capacity: int | None = None,
    ) -> None:
        """New votes; prices update at once (REWARDS.md §1.1)."""
    def set_deny_list_size(self, node: _NodeRef, size: int) -> None: ...
    def set_commission_rate(self, node: _NodeRef, rate_bp: int) -> None:
        """Applies from epoch E + 2 (REWARDS.md §3.5)."""
    def collect_commission(self, node: _NodeRef) -> int:
        """The unblocked commission, FROST (REWARDS.md §3.5)."""
    def stake(self, owner: str | bytes, node: _NodeRef, amount: int) -> _StakeInfo:
        """Stake ``amount`` FROST (at least 1 WAL) with ``node`` (REWARDS.md §4.1)."""
    def request_withdraw(self, owner: str | bytes, stake_id: int) -> int:
        """Returns the epoch from which the stake can be withdrawn (REWARDS.md §4.2)."""
    def complete_withdraw(self, owner: str | bytes, stake_id: int) -> int:
        """Pays out a due or directly withdrawable stake, FROST (REWARDS.md §4.2)."""
    def withdraw(self, owner: str | bytes, stake_id: int) -> _Withdrawal:
        """Pays out if it can, else requests (REWARDS.md §4.2)."""
    def buy_storage(self, size: int, epochs_ahead: int) -> _BlobCost:
        """``reserve_space`` + ``register_blob`` for ``size`` unencoded bytes (REWARDS.md §1.5–§1.6)."""
    def pay_write_fee(self, size: int) -> int:
        """``register_blob`` on a reused storage resource: only the write fee, FROST (REWARDS.md §1.6)."""
    def extend(self, storage_size: int, end_epoch: int, epochs: int) -> int:
        """``extend_blob``: the cost in FROST (REWARDS.md §1.7)."""
    def add_subsidy(self, value: int, epochs: int) -> None: ...
    def voting_end(self) -> None:
        """Select the next committee (REWARDS.md §2, §5)."""
    def epoch_change(self, now_ms: int) -> _EpochReport: ...
    def advance_epoch(self, now_ms: int) -> _EpochReport:
        """voting_end if needed, then the epoch change."""
    def tick(self, now_ms: int) -> list[dict[str, Any]]:
        """The transitions due at ``now_ms``: ``{"transition": "voting_end", "epoch"}`` and
        ``{"transition": "epoch_change", **EpochReport}``."""

def max_shards_per_node(n_nodes: int, n_shards: int) -> int: ...
def dhondt(stakes: Sequence[int], n_shards: int) -> list[int]:
    """Capped D'Hondt apportionment in active-set order (REWARDS.md §5.2)."""
def committee_initialize(counts: Sequence[tuple[int | bytes, int]]) -> list[tuple[int, list[int]]]: ...
def committee_transition(
    old: Sequence[tuple[int | bytes, Sequence[int]]], new_counts: Sequence[tuple[int | bytes, int]]
) -> list[tuple[int, list[int]]]: ...

@final
class ActiveSet:
    """The active set (REWARDS.md §5.1); node IDs are ints below 2**256 or 32 bytes."""

    def __new__(cls, max_size: int, threshold_stake: int = 0) -> Self: ...
    def insert_or_update(self, node_id: int | bytes, stake: int) -> bool: ...
    def nodes(self) -> list[tuple[int, int]]: ...
    @property
    def min_stake(self) -> int: ...
    def __len__(self) -> int: ...
    def copy(self) -> ActiveSet: ...

def active_set_size_limit(rules: _Rules = "mainnet") -> int: ...
def subsidy_split(value: int, epochs: int, max_epochs_ahead: int) -> tuple[int, int]: ...
def legacy_purchase(cost: int, pay: int, pool: int, buyer_rate_bp: int, system_rate_bp: int) -> dict[str, int]: ...
def usage_subsidy(bucket_rewards: int, already_subsidized: int, rate_bp: int) -> int: ...
def usage_subsidies(
    bucket_rewards: Sequence[int], already_subsidized: Sequence[int], rate_bp: int, pool: int
) -> tuple[list[int], list[int]]:
    """``(subsidies, new already_subsidized)`` of walrus_subsidies step 2 (REWARDS.md §6.3)."""
def fixed_subsidy(base_subsidy: int, subsidy_per_shard: int, shards: int) -> int: ...
def fixed_subsidy_epoch(latest_epoch: int, current_epoch: int) -> int | None:
    """The epoch whose fixed subsidies a call in ``current_epoch`` pays, if any (REWARDS.md §6.3)."""
def initial_latest_epoch(creation_epoch: int) -> int: ...

# ---------------------------------------------------------------------------------------------
# Quilts (SPEC §13)

class QuiltError(MorsaError):
    """A quilt cannot be built or parsed: bad or duplicate identifiers, too many files, malformed bytes."""

MAX_QUILT_INDEX_COLUMNS: int

@final
class QuiltPatch:
    """One patch of a quilt index: identifier, tags and columns ``start_index..end_index``."""

    @property
    def identifier(self) -> str: ...
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def start_index(self) -> int: ...
    @property
    def end_index(self) -> int: ...
    def patch_id(self, quilt_id: str) -> str:
        """The quilt patch ID (50 base64url characters) of this patch in ``quilt_id``."""

@final
class Quilt:
    """A built quilt: the blob to store (``p * s * symbol_size`` bytes), its blob ID and index."""

    @property
    def blob(self) -> bytes: ...
    @property
    def blob_id(self) -> str: ...
    @property
    def n_shards(self) -> int: ...
    @property
    def symbol_size(self) -> int: ...
    @property
    def patches(self) -> list[QuiltPatch]: ...
    def patch_ids(self) -> dict[str, str]:
        """``{identifier: quilt patch ID}``."""

def build_quilt(entries: Sequence[tuple[str, dict[str, str], bytes]], n_shards: int = 1000) -> Quilt:
    """Build a quilt V1 of ``(identifier, tags, data)`` entries, byte-exact with Walrus."""
def quilt_index_columns(column0: bytes, n_shards: int, symbol_size: int) -> int:
    """How many columns the index occupies, from secondary sliver 0's data."""
def parse_quilt_index(columns: bytes, n_shards: int, symbol_size: int) -> list[QuiltPatch]:
    """The index from the data of secondary slivers ``0..k``, concatenated."""
def parse_quilt_patch(columns: bytes) -> tuple[str, dict[str, str], bytes]:
    """``(identifier, tags, data)`` from the data of a patch's secondary slivers, concatenated."""
def quilt_index_from_blob(blob: bytes, n_shards: int) -> list[QuiltPatch]: ...
def quilt_patch_from_blob(blob: bytes, n_shards: int, start_index: int, end_index: int) -> tuple[str, dict[str, str], bytes]: ...
def parse_quilt_patch_id(text: str) -> tuple[str, int, int]:
    """``(quilt_id, start_index, end_index)``."""
def quilt_patch_id(quilt_id: str, start_index: int, end_index: int) -> str: ...
def validate_quilt_identifier(identifier: str) -> None:
    """Raise :class:`QuiltError` unless the identifier is valid (non-empty, ≤ 65535 bytes, no
    control characters, no trailing whitespace)."""

# ---- BLS12-381 (min_pk), Walrus's certificates (core certificate::bls)

@final
class BlsSigningKey:
    """A BLS12-381 secret key (fastcrypto ``min_pk``: keys in G1, signatures in G2)."""

    @staticmethod
    def from_ikm(ikm: bytes) -> BlsSigningKey:
        """Derived from at least 32 bytes of input keying material (IETF KeyGen). Raises
        :class:`SignatureError` for less."""
    @staticmethod
    def from_bytes(secret: bytes) -> BlsSigningKey:
        """A 32-byte big-endian scalar. Raises :class:`SignatureError` (zero, too large) or
        :class:`InvalidArgumentError` (length)."""
    def to_bytes(self) -> bytes: ...
    @property
    def public_key(self) -> bytes:
        """48 bytes, compressed G1."""
    def sign(self, message: bytes) -> bytes:
        """96 bytes, compressed G2 (DST ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_``)."""
    def proof_of_possession(self, epoch: int, address: bytes) -> bytes:
        """The signature of Walrus's ``ProofOfPossessionMessage`` (``00 00 03 ‖ epoch ‖ address ‖
        key``, contracts/walrus/sources/system/messages.move) for a node's 32-byte address."""

def bls_verify(signature: bytes, public_key: bytes, message: bytes) -> bool: ...
def bls_verify_proof_of_possession(public_key: bytes, epoch: int, address: bytes, signature: bytes) -> bool:
    """Whether ``signature`` proves possession of ``public_key`` for ``epoch`` and ``address``."""
def bls_aggregate(signatures: list[bytes]) -> bytes:
    """Raises :class:`SignatureError` for an invalid signature, :class:`InvalidArgumentError` for none."""
def bls_verify_aggregate(public_keys: list[bytes], message: bytes, signature: bytes) -> bool: ...
def verify_walrus_certificate(
    signature: bytes,
    signers: bytes,
    message: bytes,
    epoch: int,
    members: list[tuple[bytes, int]],
    kind: _CertificateKind | None = None,
) -> VerifiedCertificate:
    """Verify Walrus's ``certify_blob`` arguments for the committee of ``epoch`` (members in
    committee order: BLS public key, shards). Raises :class:`CertificateError`,
    :class:`SignatureError` or :class:`WireFormatError` saying why not (SPEC §10.3)."""
@final
class BlsCertificate:
    """A Walrus certificate (``ProtocolMessageCertificate``, crates/walrus-core/src/messages/certificate.rs):
    the 96-byte aggregate BLS signature, the signer bitmap (member i is bit i % 8 of byte i // 8)
    and the signed message. Its bytes are Walrus's BCS form: the signer indices (ascending u16),
    the message, the signature."""

    def __new__(cls, signature: bytes, signers: bytes, serialized_message: bytes) -> Self: ...
    @staticmethod
    def from_bytes(data: bytes) -> BlsCertificate:
        """Raises :class:`CertificateError` for malformed or non-canonical bytes."""
    def to_bytes(self) -> bytes: ...
    @property
    def signature(self) -> bytes: ...
    @property
    def signers(self) -> bytes: ...
    @property
    def serialized_message(self) -> bytes: ...
    @property
    def signer_indices(self) -> list[int]: ...
    def verify(self, epoch: int, members: list[tuple[bytes, int]], kind: _CertificateKind | None = None) -> VerifiedCertificate:
        """Verify for the committee of ``epoch`` (members in order: BLS public key, shards) by
        Walrus's rules (SPEC §10.3). Raises :class:`CertificateError`, :class:`SignatureError` or
        :class:`WireFormatError`."""

@final
class BlsCertificateBuilder:
    """Collects members' BLS signatures of one message, verifying each under its member's key
    and adding it to a running aggregate; invalid and duplicate ones are dropped."""

    def __new__(
        cls, epoch: int, members: list[tuple[bytes, int]], message: StorageConfirmation | InvalidBlobIdMessage
    ) -> Self: ...
    def add(self, member: int, serialized_message: bytes, signature: bytes) -> bool:
        """False for a member that already signed; raises :class:`CertificateError` (unknown
        member, other message) or :class:`SignatureError`."""
    def add_by_key(self, public_key: bytes, serialized_message: bytes, signature: bytes) -> bool: ...
    @property
    def message_bytes(self) -> bytes: ...
    @property
    def weight(self) -> int: ...
    @property
    def required_weight(self) -> int: ...
    @property
    def missing_weight(self) -> int: ...
    @property
    def is_complete(self) -> bool: ...
    def finish(self) -> BlsCertificate:
        """Raises :class:`CertificateError` while the weight is below the threshold."""

def signature_scheme(name: str) -> _SignatureScheme:
    """The canonical name of a signature scheme (``"bls"`` is ``"bls12381"``). Raises
    :class:`InvalidArgumentError`."""
def signer_bitmap(signers: list[int], n_members: int) -> bytes:
    """Member ``i`` is bit ``i % 8`` of byte ``i // 8``; ``ceil(n_members / 8)`` bytes."""

# --- Seal-compatible encryption (morsa_core::seal; MystenLabs/seal, @mysten/seal) ---

@final
class SealMasterKey:
    """A Seal key server's master key ``s``: public key ``s·g2`` (96 bytes), user secret keys
    ``s·H(id)`` (48 bytes)."""

    @staticmethod
    def from_seed(seed: bytes) -> SealMasterKey:
        """From 32 random bytes."""
    @staticmethod
    def from_bytes(secret: bytes) -> SealMasterKey:
        """A 32-byte big-endian scalar. Raises :class:`InvalidArgumentError`."""
    def to_bytes(self) -> bytes: ...
    @property
    def public_key(self) -> bytes: ...
    def user_secret_key(self, full_id: bytes) -> bytes: ...
    def key_response(self, full_id: bytes, reader_public_key: bytes, seed: bytes) -> tuple[bytes, bytes]:
        """``(c0, c1)``: the user secret key of ``full_id`` ElGamal-encrypted to the reader's key
        (48 bytes, G1) with randomness from ``seed`` (32 bytes). Raises :class:`VerificationError`
        (not a point) or :class:`InvalidArgumentError`."""

SEAL_DEFAULT_CHUNK_LEN: int
"""Plaintext bytes per chunk of a private blob (16 MiB)."""

def seal_encrypt(
    seed: bytes,
    key_servers: list[tuple[bytes, bytes]],
    threshold: int,
    package_id: bytes,
    id: bytes,
    plaintext: bytes,
    aad: bytes | None = None,
    dem: Literal["aes256gcm", "hmac256ctr"] = "aes256gcm",
) -> tuple[bytes, bytes]:
    """``(EncryptedObject BCS bytes, DEM key)``. ``key_servers``: ``(object ID, public key)``.
    Raises :class:`InvalidArgumentError`."""
def seal_decrypt(object: bytes, keys: list[tuple[int, bytes]], public_keys: list[bytes] | None = None) -> bytes:
    """``keys``: ``(service index, user secret key)``. Raises :class:`WireFormatError` (not an
    object), :class:`VerificationError` (too few or wrong keys, inconsistent shares, altered data),
    :class:`InvalidArgumentError`."""
def seal_verify_user_secret_key(user_secret_key: bytes, full_id: bytes, public_key: bytes) -> bool: ...
def seal_parse(object: bytes) -> tuple[bytes, bytes, list[tuple[bytes, int]], int, Literal["aes256gcm", "hmac256ctr", "plain"], int, int]:
    """``(package_id, id, services, threshold, dem, ciphertext length, 1)``. Raises :class:`WireFormatError`."""
def seal_parse_blob(blob: bytes) -> tuple[bytes, bytes, list[tuple[bytes, int]], int, Literal["aes256gcm", "hmac256ctr", "plain"], int, int]:
    """A private blob's parts as :func:`seal_parse` gives them, the ciphertext length summed over
    its chunks, and the number of chunks. Raises :class:`WireFormatError`."""
def seal_may_be_blob(prefix: bytes) -> bool:
    """Whether a blob's first bytes can begin a private blob (version byte 0, or the chunked
    framing's magic): a cheap test before :func:`seal_parse_blob`."""
def seal_encrypt_blob(
    seed: bytes,
    key_servers: list[tuple[bytes, bytes]],
    threshold: int,
    package_id: bytes,
    id: bytes,
    plaintext: bytes,
    chunk_len: int = ...,
) -> bytes:
    """A private blob: one Seal object (AES-256-GCM, no additional data) when ``plaintext`` fits
    in ``chunk_len`` bytes, else Morsa's chunked framing. Raises :class:`InvalidArgumentError`."""
def seal_decrypt_blob(blob: bytes, keys: list[tuple[int, bytes]], public_keys: list[bytes] | None = None) -> bytes:
    """Decrypts a private blob; errors as :func:`seal_decrypt`."""
def seal_reader_secret_key(seed: bytes) -> bytes:
    """A reader's ephemeral ElGamal secret (32 bytes, big-endian scalar) from 32 seed bytes."""
def seal_open_key_response(reader_secret_key: bytes, c0: bytes, c1: bytes, full_id: bytes, public_key: bytes) -> bytes:
    """The user secret key in a key server's answer. Raises :class:`VerificationError` when it
    is not ``full_id``'s key under ``public_key`` (another identity, server or reader, or
    altered), or :class:`InvalidArgumentError`."""
def seal_elgamal_encrypt(seed: bytes, public_key: bytes, message: bytes) -> tuple[bytes, bytes]: ...
def seal_elgamal_decrypt(secret_key: bytes, c0: bytes, c1: bytes) -> bytes: ...
def seal_elgamal_public_key(secret_key: bytes) -> bytes: ...
